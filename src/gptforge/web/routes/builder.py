"""The GPT builder (the editor's Create tab): one conversation per GPT that edits its draft.

The builder conversation is an ordinary conversation of the GPT's owner (see
:mod:`gptforge.web.builder`), so its stream resumes at
``GET /api/v1/conversations/{id}/events`` and a paused call is decided at
``POST /api/v1/conversations/{id}/calls/{call_id}/decision`` like any other.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from gptforge.store import ConversationRepository
from gptforge.web import builder, chat_service
from gptforge.web.authz import load_gpt
from gptforge.web.chat_schemas import ConversationOut, MessageIn
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep
from gptforge.web.routes.conversations import EVENT_STREAM, base_url, session_id

router = APIRouter(tags=["builder"])


@router.get("/gpts/{gpt_id}/builder")
async def get_builder(
    gpt_id: str, subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> ConversationOut:
    """The GPT's builder conversation (made on first use): its messages and calls."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    conversation = await builder.builder_conversation(session, gpt, subject.user_id)
    await chat_service.recover_if_stale(platform, session, conversation)
    return chat_service.conversation_view(conversation)


@router.post(
    "/gpts/{gpt_id}/builder/messages", responses=EVENT_STREAM, response_class=StreamingResponse
)
async def send_builder_message(
    request: Request,
    gpt_id: str,
    body: MessageIn,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> StreamingResponse:
    """Tell the builder what the GPT should be; it fills in the draft (``update_draft``
    calls arrive as ``tool_call_finished`` events: reload the GPT after each)."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    conversation = await builder.builder_conversation(session, gpt, subject.user_id)
    accepted = await chat_service.begin_message(platform, session, conversation, body.content)
    chat_service.start_turn(
        platform,
        conversation.id,
        content=body.content,
        session_id=session_id(subject),
        base_url=base_url(request),
        accepted=accepted,
    )
    return StreamingResponse(
        chat_service.stream_events(platform, conversation.id, accepted.after, until_done=True),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.delete("/gpts/{gpt_id}/builder", status_code=status.HTTP_204_NO_CONTENT)
async def reset_builder(gpt_id: str, subject: CurrentSubject, session: DbSession) -> Response:
    """Start the builder conversation over (the draft keeps what it was given)."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    repo = ConversationRepository(session)
    conversation = await repo.get(builder.conversation_id(gpt.id))
    if conversation is not None:
        await repo.delete(conversation)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
