"""Chat turns over HTTP: start or resume a turn in the background, stream its stored events.

A request that starts a turn commits the user's message (or decision) and claims the
conversation (``running``) in its own transaction, then starts the turn as a task of
the process, not of the response: the turn writes every runtime event to
``conversation_events`` and, at its end, the conversation state in the same
transaction as its ``done`` event. Responses only read the events table, so a client
that leaves does not stop the turn, and a client of any process on the same database
can resume the stream (``Last-Event-ID``). A turn whose process died (its heartbeat
went stale) is marked ``interrupted`` with an ``error`` and a ``done`` event, at start
or when a request finds it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.actions import Action, ActionExecutor, OAuthManager
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.errors import GptforgeError
from gptforge.llm import ModelProvider, provider_from_settings
from gptforge.runtime import (
    Capabilities,
    ConversationState,
    Decision,
    GptDefinition,
    Runtime,
    RuntimeEvent,
    event_to_dict,
)
from gptforge.store import (
    DRAFT,
    ActionRecord,
    Conversation,
    ConversationRepository,
    DbApprovalStore,
    DbStateStore,
    DbTokenStore,
    Gpt,
    GptRepository,
    utcnow,
)
from gptforge.toolsets import Toolset
from gptforge.web import action_service, builder
from gptforge.web.chat_schemas import CallOut, ConversationOut, MessageOut, PendingOut
from gptforge.web.errors import Conflict, NotFound
from gptforge.web.platform import Platform

log = logging.getLogger("gptforge.web.chat")

INTERRUPTED = (
    "The server stopped while this turn was running, so it has no answer. Send your message again."
)
FAILED = "The turn failed on the server; try again. If it keeps failing, tell the operator."
DECISIONS: dict[str, Decision] = {"allow": "allow", "always_allow": "always", "deny": "deny"}
TITLE_CHARS = 60
RESUMABLE = ("paused", "interrupted")
"""A resume cut short leaves the paused state in the database: the decision can be re-sent."""


# ---------------------------------------------------------------------- views


def state_of(conversation: Conversation) -> ConversationState:
    if not conversation.state:
        return ConversationState(conversation_id=conversation.id)
    return ConversationState.model_validate(conversation.state)


def conversation_view(conversation: Conversation) -> ConversationOut:
    state = state_of(conversation)
    messages = [
        MessageOut(
            role=m["role"],
            content=_text(m.get("content")),
            tool_calls=_list(m.get("tool_calls")),
            tool_call_id=_str(m.get("tool_call_id")),
        )
        for m in state.messages
        if m["role"] != "system"
    ]
    return ConversationOut(
        id=conversation.id,
        gpt_id=conversation.gpt_id,
        title=conversation.title,
        draft=conversation.draft,
        status=conversation.status,  # type: ignore[arg-type]
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        messages=messages,
        calls=[
            CallOut(call_id=c.call_id, status=c.status, message=c.message, record=c.record)
            for c in state.calls
        ],
        pending=[
            PendingOut(call_id=p.call_id, tool=p.tool, arguments=p.arguments, reason=p.reason)
            for p in state.pending
        ],
        last_event_id=conversation.last_sequence,
    )


def _list(value: object) -> list[dict[str, Any]] | None:
    return [dict(item) for item in value] if isinstance(value, list) and value else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _text(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    return json.dumps(content)


# -------------------------------------------------------------- starting turns


async def begin_message(
    platform: Platform, session: AsyncSession, conversation: Conversation, content: str
) -> int:
    """Commit the user's message and claim the conversation; the sequence to stream after."""
    await recover_if_stale(platform, session, conversation)
    if conversation.status == "running":
        raise Conflict(
            "A turn is already running in this conversation; follow it at "
            f"GET /api/v1/conversations/{conversation.id}/events.",
            code="turn_running",
        )
    if conversation.status == "paused" or state_of(conversation).pending:
        raise Conflict(
            "This conversation waits for a decision on a pending call; send it to "
            f"POST /api/v1/conversations/{conversation.id}/calls/<call_id>/decision.",
            code="decision_pending",
        )
    repo = ConversationRepository(session)
    if not await repo.claim(conversation.id, expected=("idle", "interrupted")):
        raise Conflict("Another request started a turn here just now.", code="turn_running")
    state = state_of(conversation)
    state.messages.append({"role": "user", "content": content})
    conversation.state = state.model_dump(mode="json")
    if not conversation.title:
        conversation.title = " ".join(content.split())[:TITLE_CHARS]
    after = conversation.last_sequence
    await session.flush()
    await session.commit()
    return after


async def begin_decision(
    platform: Platform,
    session: AsyncSession,
    conversation: Conversation,
    call_id: str,
    decision: str,
) -> int:
    await recover_if_stale(platform, session, conversation)
    state = state_of(conversation)
    pending = next((p for p in state.pending if p.call_id == call_id), None)
    if pending is None or conversation.status not in RESUMABLE:
        raise NotFound(f"No call {call_id!r} waits for a decision here.", code="call_not_found")
    if pending.reason != "confirmation":
        raise Conflict(
            "This call waits for a sign-in, not a decision; sign in to the action first.",
            code="sign_in_pending",
        )
    others = [p.call_id for p in state.pending if p.reason == "confirmation"]
    if len(others) > 1:
        raise Conflict(
            "Several calls wait for a decision; this server decides them one turn at a time "
            "and needs all of them at once, which the API does not take yet.",
            code="several_decisions_pending",
        )
    repo = ConversationRepository(session)
    if not await repo.claim(conversation.id, expected=RESUMABLE):
        raise Conflict("Another request resumed this turn just now.", code="turn_running")
    after = conversation.last_sequence
    await session.commit()
    return after


def start_turn(
    platform: Platform,
    conversation_id: str,
    *,
    content: str | None = None,
    decisions: dict[str, Decision] | None = None,
    session_id: str,
    base_url: str,
) -> None:
    platform.turns.start(
        run_turn(
            platform,
            conversation_id,
            content=content,
            decisions=decisions,
            session_id=session_id,
            base_url=base_url,
        )
    )


def oauth_manager(platform: Platform, policy: EgressPolicy, base_url: str) -> OAuthManager:
    """Sign-ins whose callback is this server's, with tokens and states in the database."""
    return OAuthManager(
        redirect_uri=f"{base_url}/api/v1/oauth/callback",
        tokens=DbTokenStore(platform.db, platform.secrets),
        states=DbStateStore(platform.db, platform.secrets),
        policy=policy,
        limits=platform.settings.egress_limits(),
    )


def sign_in_start_url(base_url: str, conversation_id: str, call_id: str) -> str:
    query = urlencode({"conversation_id": conversation_id, "call_id": call_id})
    return f"{base_url}/api/v1/oauth/start?{query}"


# ------------------------------------------------------------------ the turn


def _provider(platform: Platform) -> ModelProvider:
    if platform.provider is None:
        platform.provider = provider_from_settings(platform.settings)
    return platform.provider


def _definition(gpt: Gpt, fields: dict[str, Any]) -> GptDefinition:
    return GptDefinition.model_construct(
        name=fields.get("name") or gpt.name,
        instructions=fields.get("instructions") or "",
        capabilities=Capabilities.model_validate(fields.get("capabilities") or {}),
    )


async def _turn_inputs(
    platform: Platform, session: AsyncSession, conversation: Conversation
) -> tuple[GptDefinition, list[Action]]:
    """The GPT version the conversation talks to (draft or live) and its runnable actions."""
    gpt = await session.get(Gpt, conversation.gpt_id)
    if gpt is None:
        raise NotFound("The GPT of this conversation is gone.", code="gpt_not_found")
    repo = GptRepository(session)
    if conversation.draft:
        fields: dict[str, Any] = {
            "name": gpt.name,
            "instructions": gpt.instructions,
            "capabilities": gpt.capabilities,
        }
        records = await repo.actions(gpt.id, DRAFT)
    else:
        version = await repo.version(gpt.id, gpt.live_version) if gpt.live_version else None
        if version is None:
            raise NotFound("This GPT has no live version any more.", code="gpt_not_found")
        fields = version.snapshot
        records = await repo.actions(gpt.id, version.number)
    return _definition(gpt, fields), _actions(platform, records)


def _actions(platform: Platform, records: list[ActionRecord]) -> list[Action]:
    actions = []
    for record in records:
        try:
            spec = action_service.spec_of(record)
            if spec.ok:
                actions.append(action_service.runtime_action(record, spec, platform.secrets))
        except Exception as exc:  # an unusable action is left out, the chat goes on
            log.warning("action %s left out of a turn: %s", record.action_id, type(exc).__name__)
    return actions


async def run_turn(
    platform: Platform,
    conversation_id: str,
    *,
    content: str | None,
    decisions: dict[str, Decision] | None,
    session_id: str,
    base_url: str,
) -> None:
    """Run one turn to its end, storing every event; never raises."""
    db = platform.db
    try:
        async with db.session() as session:
            conversation = await ConversationRepository(session).get(conversation_id)
            if conversation is None:
                return
            user_id, gpt_id = conversation.user_id, conversation.gpt_id
            toolsets: list[Toolset] = []
            actions: list[Action]
            if builder.is_builder(conversation):  # the Create tab: the builder, on this GPT
                definition, actions = builder.definition(), []
                toolsets.append(await builder.toolset(db, session, gpt_id))
            else:
                definition, actions = await _turn_inputs(platform, session, conversation)
            state = state_of(conversation)
        settings = platform.settings
        async with db.session() as session:
            policy = await platform.egress_policy(session)
        async with EgressClient(policy=policy, limits=settings.egress_limits()) as egress:
            runtime = Runtime(
                gpt=definition,
                provider=_provider(platform),
                toolsets=toolsets,
                actions=actions,
                executor=ActionExecutor(
                    egress=egress,
                    oauth=oauth_manager(platform, policy, base_url),
                    max_result_chars=settings.action_max_result_chars,
                ),
                gpt_id=gpt_id,
                user_id=user_id,
                session_id=session_id,
                approvals=DbApprovalStore(db),
            )
            if content is not None:
                last = state.messages[-1] if state.messages else None
                if last is not None and last["role"] == "user" and last["content"] == content:
                    state.messages.pop()  # committed by the request; the runtime adds it again
                events = runtime.send(state, content)
            else:
                events = runtime.resume(state, decisions or {})
            async with anyio.create_task_group() as group:
                group.start_soon(_heartbeat, platform, conversation_id)
                await _store_events(platform, conversation_id, state, events, base_url)
                group.cancel_scope.cancel()
    except Exception as exc:
        message = exc.message if isinstance(exc, GptforgeError) else FAILED
        if not isinstance(exc, GptforgeError):
            log.exception("turn of %s failed", conversation_id)
        await _end_turn(platform, conversation_id, None, error=message)


async def _store_events(
    platform: Platform,
    conversation_id: str,
    state: ConversationState,
    events: AsyncIterator[RuntimeEvent],
    base_url: str,
) -> None:
    async for event in events:
        if event.kind == "done":
            await _end_turn(platform, conversation_id, state, done=event_to_dict(event))
            return
        data = event_to_dict(event)
        if event.kind == "auth_required":
            # the user signs in through this server, which checks who they are first
            data["authorization_url"] = sign_in_start_url(base_url, conversation_id, event.call_id)
        async with platform.db.session() as session:
            repo = ConversationRepository(session)
            conversation = await repo.get(conversation_id)
            if conversation is None:  # deleted mid-turn: nothing left to write to
                return
            await repo.add_event(conversation, event.kind, data)
        platform.turns.wake(conversation_id)
    await _end_turn(platform, conversation_id, state, done={"kind": "done", "reason": "completed"})


async def _end_turn(
    platform: Platform,
    conversation_id: str,
    state: ConversationState | None,
    *,
    done: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """The state, the status and the last events, in one transaction."""
    async with platform.db.session() as session:
        repo = ConversationRepository(session)
        conversation = await repo.get(conversation_id)
        if conversation is None:
            return
        if state is not None:
            conversation.state = state.model_dump(mode="json")
            conversation.status = "paused" if state.pending else "idle"
        else:
            conversation.status = "idle"
        if error is not None:
            await repo.add_event(conversation, "error", {"kind": "error", "message": error})
            done = {"kind": "done", "reason": "error"}
        await repo.add_event(conversation, "done", done or {"kind": "done", "reason": "completed"})
        conversation.heartbeat_at = None
    platform.turns.wake(conversation_id)


async def _heartbeat(platform: Platform, conversation_id: str) -> None:
    while True:
        await anyio.sleep(platform.settings.turn_stale_seconds / 3)
        async with platform.db.session() as session:
            await ConversationRepository(session).touch(conversation_id)


# ------------------------------------------------------------ interruptions


async def _interrupt(repo: ConversationRepository, conversation: Conversation) -> None:
    conversation.status = "interrupted"
    conversation.heartbeat_at = None
    await repo.add_event(conversation, "error", {"kind": "error", "message": INTERRUPTED})
    await repo.add_event(conversation, "done", {"kind": "done", "reason": "error"})


async def recover_interrupted(platform: Platform) -> int:
    """Mark turns whose process died as interrupted (at start); how many there were."""
    cutoff = utcnow() - timedelta(seconds=platform.settings.turn_stale_seconds)
    async with platform.db.session() as session:
        repo = ConversationRepository(session)
        stale = await repo.stale_running(cutoff)
        for conversation in stale:
            await _interrupt(repo, conversation)
    if stale:
        log.warning("marked %d turn(s) interrupted (their server stopped mid-turn)", len(stale))
    return len(stale)


async def sweep_interrupted(platform: Platform) -> None:
    """Every ``turn_stale_seconds``, mark turns of dead processes interrupted (a process
    killed just before this one started still had a fresh heartbeat at start)."""
    while True:
        await anyio.sleep(platform.settings.turn_stale_seconds)
        try:
            await recover_interrupted(platform)
        except Exception as exc:  # the database may be briefly unavailable; try next time
            log.warning("could not check for interrupted turns: %s", type(exc).__name__)


def _is_stale(platform: Platform, conversation: Conversation) -> bool:
    beat = conversation.heartbeat_at or conversation.updated_at
    return conversation.status == "running" and (
        utcnow() - beat > timedelta(seconds=platform.settings.turn_stale_seconds)
    )


async def recover_if_stale(
    platform: Platform, session: AsyncSession, conversation: Conversation
) -> None:
    if _is_stale(platform, conversation):
        await _interrupt(ConversationRepository(session), conversation)
        await session.flush()


# ---------------------------------------------------------------- streaming


def sse(sequence: int, kind: str, data: dict[str, Any]) -> bytes:
    return f"id: {sequence}\nevent: {kind}\ndata: {json.dumps(data)}\n\n".encode()


async def stream_events(
    platform: Platform, conversation_id: str, after: int, *, until_done: bool
) -> AsyncIterator[bytes]:
    """Stored events after ``after``, then new ones while a turn runs.

    ``until_done``: end at the turn's ``done`` event (the stream of one request);
    otherwise end when no turn is running and every stored event was sent.
    """
    turns = platform.turns
    while True:
        signal = turns.signal(conversation_id)
        async with platform.db.session() as session:
            repo = ConversationRepository(session)
            # the status first: a turn that ended after this read has its events below
            conversation = await repo.get(conversation_id)
            if conversation is None:
                return
            if _is_stale(platform, conversation):
                await _interrupt(repo, conversation)
                continue
            running = conversation.status == "running"
            events = await repo.events_after(conversation_id, after)
        for event in events:
            yield sse(event.sequence, event.kind, event.data)
            after = event.sequence
            if until_done and event.kind == "done":
                return
        if events:
            continue
        if not running:
            return
        await turns.wait(signal)
