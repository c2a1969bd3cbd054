"""Conversations: create, list, read, rename, delete; messages, decisions and event streams.

Posting a message or a decision answers with Server-Sent Events (``event: <kind>``,
``data: <the event as JSON>``, ``id: <sequence>``) read from the stored events of a turn
that runs on its own: a client that disconnects can resume with ``Last-Event-ID``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from gptforge.store import Conversation, ConversationRepository, GptRepository
from gptforge.web import capability_service, chat_service
from gptforge.web.authz import (
    is_owner,
    load_conversation,
    load_conversation_to_message,
    load_gpt,
)
from gptforge.web.chat_schemas import (
    ConversationCreated,
    ConversationIn,
    ConversationOut,
    ConversationPatch,
    ConversationSummary,
    DecisionIn,
    MessageIn,
)
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep, Subject
from gptforge.web.errors import Conflict, Forbidden, Unprocessable
from gptforge.web.platform import Platform

router = APIRouter(tags=["conversations"])

EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `event: <kind>`, `data: <event JSON>`, `id: <n>`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _summary(conversation: Conversation) -> ConversationSummary:
    return ConversationSummary(
        id=conversation.id,
        gpt_id=conversation.gpt_id,
        title=conversation.title,
        draft=conversation.draft,
        status=conversation.status,  # type: ignore[arg-type]
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
    )


def session_id(subject: Subject) -> str:
    """The browser session (cookie) or, for API tokens, the user: sign-ins finish there."""
    return subject.session_id or f"token:{subject.user_id}"


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post("/gpts/{gpt_id}/conversations", status_code=status.HTTP_201_CREATED)
async def create_conversation(
    gpt_id: str, body: ConversationIn, subject: CurrentSubject, session: DbSession
) -> ConversationCreated:
    """A conversation with the GPT's live version; ``draft: true`` (owner only) previews
    the draft."""
    gpt = await load_gpt(session, subject, gpt_id, need="view")
    if body.draft and not is_owner(subject, gpt):
        raise Forbidden("Only the GPT's builder can chat with its draft (Preview).")
    if not body.draft and gpt.live_version is None:
        raise Conflict(
            'This GPT is not published yet: publish it, or chat with the draft ({"draft": true}).',
            code="gpt_not_published",
        )
    repo = ConversationRepository(session)
    returning = await repo.has_chatted(subject.user_id, gpt.id)
    conversation = await repo.add(
        Conversation(user_id=subject.user_id, gpt_id=gpt.id, draft=body.draft)
    )
    if not body.draft:
        await repo.count_conversation(gpt.id)
    starters = gpt.conversation_starters
    if not body.draft:
        version = await _live_snapshot(session, gpt.id, gpt.live_version)
        starters = version.get("conversation_starters", [])
        if returning and version.get("returning_user_starters"):
            starters = version["returning_user_starters"]
    elif returning and gpt.returning_user_starters:
        starters = gpt.returning_user_starters
    return ConversationCreated(
        id=conversation.id,
        gpt_id=gpt.id,
        title=conversation.title,
        draft=conversation.draft,
        returning_user=returning,
        starters=list(starters),
    )


async def _live_snapshot(session: DbSession, gpt_id: str, number: int | None) -> dict[str, Any]:
    version = await GptRepository(session).version(gpt_id, number) if number else None
    return dict(version.snapshot) if version is not None else {}


@router.get("/conversations")
async def list_conversations(
    subject: CurrentSubject, session: DbSession
) -> list[ConversationSummary]:
    """The caller's conversations with GPTs they can still see, most recent first."""
    return [_summary(c) for c in await ConversationRepository(session).listed(subject.user_id)]


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: str, subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> ConversationOut:
    """Every message, tool call record and any call waiting for a decision."""
    conversation = await load_conversation(session, subject, conversation_id)
    await chat_service.recover_if_stale(platform, session, conversation)
    return chat_service.conversation_view(conversation)


@router.patch("/conversations/{conversation_id}")
async def rename_conversation(
    conversation_id: str, body: ConversationPatch, subject: CurrentSubject, session: DbSession
) -> ConversationSummary:
    conversation = await load_conversation(session, subject, conversation_id)
    conversation.title = body.title
    await session.flush()
    return _summary(conversation)


@router.delete("/conversations/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_conversation(
    conversation_id: str, subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> Response:
    """Deletes the conversation, its events, files and code sandbox; a running turn stops
    writing to it."""
    conversation = await load_conversation(session, subject, conversation_id)
    await ConversationRepository(session).delete(conversation)
    async with platform.db.away(session):  # committed first; the sandbox may take a while
        await capability_service.forget_sandbox(platform, conversation.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class StopOut(BaseModel):
    stopping: bool
    """False when no turn was running (nothing to stop)."""


@router.post("/conversations/{conversation_id}/stop", status_code=status.HTTP_202_ACCEPTED)
async def stop_turn(
    conversation_id: str, subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> StopOut:
    """Stops the running turn ("Stop generating"): the answer so far is kept and the
    stream ends with ``done`` (reason ``stopped``), within a few seconds when another
    server process runs the turn."""
    conversation = await load_conversation(session, subject, conversation_id)
    return StopOut(stopping=await chat_service.request_stop(platform, session, conversation.id))


@router.post(
    "/conversations/{conversation_id}/messages",
    responses=EVENT_STREAM,
    response_class=StreamingResponse,
)
async def send_message(
    request: Request,
    conversation_id: str,
    body: MessageIn,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> StreamingResponse:
    """Commit the message, start the turn, stream its events until ``done``."""
    conversation, uploads = await load_conversation_to_message(session, subject, conversation_id)
    accepted = await chat_service.begin_message(
        platform, session, conversation, body.content, uploads=uploads
    )
    chat_service.start_turn(
        platform,
        conversation.id,
        content=body.content,
        session_id=session_id(subject),
        base_url=base_url(request),
        accepted=accepted,
    )
    return _stream(platform, conversation.id, accepted.after, until_done=True)


@router.post(
    "/conversations/{conversation_id}/calls/{call_id}/decision",
    responses=EVENT_STREAM,
    response_class=StreamingResponse,
)
async def decide_call(
    request: Request,
    conversation_id: str,
    call_id: str,
    body: DecisionIn,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> StreamingResponse:
    """Answer a ``confirmation_required`` call; the paused turn resumes (in any process)
    once every call it waits on has a decision (until then: ``notice`` and ``done``)."""
    conversation = await load_conversation(session, subject, conversation_id)
    after, accepted = await chat_service.begin_decision(
        platform, session, conversation, call_id, body.decision
    )
    if accepted is not None:
        chat_service.start_turn(
            platform,
            conversation.id,
            decisions={call_id: chat_service.DECISIONS[body.decision]},
            session_id=session_id(subject),
            base_url=base_url(request),
            accepted=accepted,
        )
    return _stream(platform, conversation.id, after, until_done=True)


@router.get(
    "/conversations/{conversation_id}/events",
    responses=EVENT_STREAM,
    response_class=StreamingResponse,
)
async def conversation_events(
    conversation_id: str,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Stored events after ``Last-Event-ID`` (all without it), then the running turn's."""
    conversation = await load_conversation(session, subject, conversation_id)
    after = 0
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise Unprocessable(
                "Last-Event-ID must be the `id:` of an event this stream sent (a number).",
                code="invalid_last_event_id",
            )
        after = int(last_event_id.strip())
    return _stream(platform, conversation.id, after, until_done=False)


def _stream(
    platform: Platform, conversation_id: str, after: int, *, until_done: bool
) -> StreamingResponse:
    return StreamingResponse(
        chat_service.stream_events(platform, conversation_id, after, until_done=until_done),
        media_type="text/event-stream",
        headers=_SSE_HEADERS,
    )
