"""OAuth sign-in for actions, from a chat: the start (checks the caller, then redirects to
the provider) and the callback (stores the user's token encrypted, resumes paused turns)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy import select

from gptforge.actions import OAuthAuth
from gptforge.store import (
    DRAFT,
    ActionRecord,
    Conversation,
    ConversationRepository,
    DbStateStore,
    Gpt,
)
from gptforge.web import action_service, chat_service
from gptforge.web.authz import load_conversation
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep, Subject
from gptforge.web.errors import Conflict, NotFound, Unprocessable
from gptforge.web.pages.routing import BrowserAwareRoute
from gptforge.web.platform import Platform
from gptforge.web.routes.conversations import base_url, session_id

router = APIRouter(tags=["oauth"], route_class=BrowserAwareRoute)
"""People reach these by navigating: their failures are pages for browsers, JSON otherwise."""


class SignedIn(BaseModel):
    signed_in: bool
    resumed: list[str]
    """Conversations whose paused turn resumed; follow them at ``.../events``."""


def _oauth_config(platform: Platform, record: ActionRecord) -> OAuthAuth | None:
    if record.auth.get("type") != "oauth":
        return None
    auth = action_service.runtime_auth(record, platform.secrets)
    return auth if isinstance(auth, OAuthAuth) else None


@router.get(
    "/oauth/start",
    response_class=RedirectResponse,
    status_code=302,
    responses={302: {"description": "To the action's sign-in page."}},
)
async def oauth_start(
    request: Request,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
    conversation_id: str = Query(),
    call_id: str = Query(),
) -> RedirectResponse:
    """Sign in to the action a paused call needs (the ``auth_required`` event's URL)."""
    conversation = await load_conversation(session, subject, conversation_id)
    state = chat_service.state_of(conversation)
    pending = next((p for p in state.pending if p.call_id == call_id and p.reason == "auth"), None)
    if pending is None or not pending.key:
        raise NotFound(f"No call {call_id!r} waits for a sign-in here.", code="call_not_found")
    action_id = pending.key.split("/", 1)[0]
    record = await _action_of(session, conversation, action_id)
    config = _oauth_config(platform, record) if record is not None else None
    if config is None:
        raise Conflict("This action no longer uses OAuth sign-in.", code="not_oauth")
    manager = chat_service.oauth_manager(
        platform, await platform.egress_policy(session), base_url(request)
    )
    url = await manager.begin(
        user_id=subject.user_id,
        action_id=action_id,
        session_id=session_id(subject),
        config=config,
    )
    return RedirectResponse(url, status_code=302)


async def _action_of(
    session: DbSession, conversation: Conversation, action_id: str
) -> ActionRecord | None:
    """The action row of the version the conversation talks to (draft or live)."""
    gpt = await session.get(Gpt, conversation.gpt_id)
    if gpt is None:
        return None
    version = DRAFT if conversation.draft else gpt.live_version
    return await session.scalar(
        select(ActionRecord).where(
            ActionRecord.gpt_id == gpt.id,
            ActionRecord.version == version,
            ActionRecord.action_id == action_id,
        )
    )


@router.get("/oauth/callback", response_model=SignedIn)
async def oauth_callback(
    request: Request,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
    state: str = Query(""),
    code: str = Query(""),
    error: str | None = Query(None),
) -> SignedIn | RedirectResponse:
    """The provider sends the user back here: the token is stored, paused turns resume."""
    if error is not None:
        raise Unprocessable(
            f"The sign-in was not completed ({error[:100]}); start it again from the chat.",
            code="sign_in_refused",
        )
    pending = await DbStateStore(platform.db, platform.secrets).get(state) if state else None
    configs: dict[str, OAuthAuth] = {}
    if pending is not None:
        rows = await session.scalars(
            select(ActionRecord).where(ActionRecord.action_id == pending.action_id)
        )
        for row in rows:
            config = _oauth_config(platform, row)
            if config is not None:
                configs.setdefault(config.fingerprint(), config)
    manager = chat_service.oauth_manager(
        platform, await platform.egress_policy(session), base_url(request)
    )

    def config_for(_action_id: str) -> OAuthAuth | None:
        if pending is None:
            return None
        return configs.get(pending.fingerprint) or next(iter(configs.values()), None)

    async with platform.db.away(session):  # the token exchange waits on the provider
        done = await manager.complete(
            state=state, code=code, session_id=session_id(subject), config_for=config_for
        )
    resumed = await _resume_signed_in(request, subject, session, platform, done.action_id)
    if "text/html" in request.headers.get("accept", ""):
        # a browser: back to the chat, which follows the resumed turn
        return RedirectResponse(f"/c/{resumed[0]}" if resumed else "/", status_code=303)
    return SignedIn(signed_in=True, resumed=resumed)


async def _resume_signed_in(
    request: Request, subject: Subject, session: DbSession, platform: Platform, action_id: str
) -> list[str]:
    """Resume the caller's turns paused only on sign-ins to this action."""
    repo = ConversationRepository(session)
    resumed = []
    for conversation in await repo.listed(subject.user_id):
        if conversation.status != "paused":
            continue
        pending = chat_service.state_of(conversation).pending
        if not pending or any(p.reason != "auth" for p in pending):
            continue
        if not any((p.key or "").startswith(f"{action_id}/") for p in pending):
            continue
        if await repo.claim(conversation.id, expected=("paused",)):
            resumed.append(conversation.id)
    await session.commit()
    for conversation_id in resumed:
        chat_service.start_turn(
            platform,
            conversation_id,
            decisions={},
            session_id=session_id(subject),
            base_url=base_url(request),
        )
    return resumed
