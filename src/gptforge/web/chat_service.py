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

import asyncio
import functools
import json
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlencode

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.actions import Action, ActionExecutor, OAuthManager
from gptforge.egress import EgressPolicy
from gptforge.errors import GptforgeError
from gptforge.runtime import (
    Capabilities,
    ConversationState,
    Decision,
    GptDefinition,
    ModelSettings,
    Runtime,
    RuntimeEvent,
    ToolCallFinished,
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
    FileRepository,
    Gpt,
    GptRepository,
    Progress,
    RateLimitRepository,
    StoredEvent,
    StoredFile,
    uses_builder_key,
    utcnow,
)
from gptforge.toolsets import Toolset
from gptforge.web import action_service, builder
from gptforge.web.capability_service import capability_toolsets
from gptforge.web.chat_schemas import CallOut, ConversationOut, MessageOut, PendingOut
from gptforge.web.errors import Conflict, NotFound, TooManyRequests
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
ACCEPTED: dict[str, Any] = {"kind": "accepted"}
"""The first event of a stream that starts or resumes a turn: the message (or decision)
is stored, in the same transaction as this event, and the turn is on its way. It is the
server's, not the runtime's: it says nothing about the turn's progress, only that
nothing the user sent can be lost any more."""


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
            CallOut(
                call_id=c.call_id,
                status=c.status,
                message=c.message,
                record=c.record,
                files=c.files,
            )
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
    platform: Platform,
    session: AsyncSession,
    conversation: Conversation,
    content: str,
    *,
    uploads: bool | None = None,
) -> Accepted:
    """Commit the user's message and claim the conversation. ``uploads``: whether the
    user uploaded files to it, if the request knows (else the turn reads the list)."""
    await recover_if_stale(platform, session, conversation)
    if conversation.status == "running":
        raise Conflict(
            "A turn is already running in this conversation; follow it at "
            f"GET /api/v1/conversations/{conversation.id}/events.",
            code="turn_running",
        )
    state = state_of(conversation)
    if conversation.status == "paused" or state.pending:
        raise Conflict(
            "This conversation waits for a decision on a pending call; send it to "
            f"POST /api/v1/conversations/{conversation.id}/calls/<call_id>/decision.",
            code="decision_pending",
        )
    await check_chat_limits(platform, session, conversation)
    state.messages.append({"role": "user", "content": content})
    title = conversation.title or " ".join(content.split())[:TITLE_CHARS]
    accepted = await _accept(
        platform, session, conversation, state, expected=("idle", "interrupted"), title=title
    )
    if accepted is None:
        raise Conflict("Another request started a turn here just now.", code="turn_running")
    return replace(accepted, uploads=uploads)


@dataclass(frozen=True, kw_only=True)
class Accepted:
    """A turn a request just committed: the sequence its stream starts after, and what
    the request read that the turn needs, so that the turn (in this process, moments
    later) does not read it again. The turn owns these objects (detached from the
    request's session)."""

    after: int
    conversation: Conversation
    state: ConversationState
    gpt: Gpt | None
    policy: EgressPolicy
    uploads: bool | None = None
    """Whether the conversation has files the user uploaded; None: not known."""


async def _accept(
    platform: Platform,
    session: AsyncSession,
    conversation: Conversation,
    state: ConversationState,
    *,
    expected: tuple[str, ...],
    title: str | None = None,
) -> Accepted | None:
    """Claim the conversation (its status one of ``expected``) and commit the new state
    with the ``accepted`` event, in one ``UPDATE`` and one ``INSERT``; the stream starts
    with that event, from memory. What the turn needs is read in the same request.
    ``None``: another request claimed it first."""
    gpt = await session.get(Gpt, conversation.gpt_id)
    policy = await platform.egress_policy(session)
    values: dict[str, Any] = {"state": state.model_dump(mode="json")}
    if title is not None:
        values["title"] = title
    sequence = await ConversationRepository(session).claim_with_events(
        conversation.id, expected=expected, events=[("accepted", ACCEPTED)], values=values
    )
    if sequence is None:
        return None
    await session.commit()
    for row in (conversation, gpt):
        if row is not None:
            session.expunge(row)  # the turn's now: a later rollback must not expire it
    after = sequence - 1
    platform.turns.live.begin(conversation.id, after)
    platform.turns.live.publish(conversation.id, [StoredEvent(sequence, "accepted", ACCEPTED)])
    return Accepted(after=after, conversation=conversation, state=state, gpt=gpt, policy=policy)


async def check_chat_limits(
    platform: Platform, session: AsyncSession, conversation: Conversation
) -> None:
    """Count the message against the user's and the GPT's limits; 429 past either.

    Only GPTs whose actions send an API key their builder stored are limited (each chat
    spends the builder's quota); the builder's own chats are not. A refused message rolls
    back with its request, so it does not count.
    """
    settings = platform.settings
    window = settings.chat_limit_window_seconds
    limits = [
        (settings.chat_limit_user_per_gpt, "user", "You have"),
        (settings.chat_limit_per_gpt, "gpt", "Its users together have"),
    ]
    if not any(limit for limit, _, _ in limits):
        return
    gpt = await session.get(Gpt, conversation.gpt_id)
    if gpt is None or gpt.owner_id == conversation.user_id:
        return
    if conversation.draft:
        builder_key = await uses_builder_key(session, gpt.id, DRAFT)
    else:
        live = await published_version(session, gpt.id, gpt.live_version)
        builder_key = live is not None and live.uses_builder_key
    if not builder_key:
        return
    counters = RateLimitRepository(session)
    for limit, scope, who in limits:
        if not limit:
            continue
        key = f"chat:{gpt.id}" + (f":{conversation.user_id}" if scope == "user" else "")
        hit = await counters.hit(key, window=window)
        if hit.count > limit:
            raise TooManyRequests(
                f"{who} sent this GPT {limit} messages in {_duration(window)}, the most its "
                f"builder allows on their API key. Try again in {_duration(hit.resets_in)}.",
                code="chat_rate_limited",
                details={
                    "scope": scope,
                    "limit": limit,
                    "window_seconds": window,
                    "retry_after": hit.resets_in,
                },
                retry_after=hit.resets_in,
            )


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "an hour" if hours == 1 else f"{hours} hours"
    if seconds >= 60:
        minutes = -(-seconds // 60)
        return "a minute" if minutes == 1 else f"{minutes} minutes"
    return "a second" if seconds == 1 else f"{seconds} seconds"


async def begin_decision(
    platform: Platform,
    session: AsyncSession,
    conversation: Conversation,
    call_id: str,
    decision: str,
) -> tuple[int, Accepted | None]:
    """Note the decision on a pending call; the sequence to stream after, and the turn
    to start when it can go on now (every pending confirmation has its decision).

    With several calls waiting, each decision is kept in the conversation's state and
    answered with a ``notice`` (``decisions_pending``) and a ``done`` (``paused``) event;
    the last one resumes the turn with all of them.
    """
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
    repo = ConversationRepository(session)
    if not await repo.claim(conversation.id, expected=RESUMABLE):
        raise Conflict(
            "Another request is deciding or resuming this turn just now; send this decision "
            "again in a moment.",
            code="turn_running",
        )
    after = conversation.last_sequence
    pending.decision = DECISIONS[decision]
    undecided = [p for p in state.pending if p.reason == "confirmation" and p.decision is None]
    if undecided:
        await session.refresh(conversation, ["status"])  # the claim's UPDATE: running
        conversation.state = state.model_dump(mode="json")
        conversation.status = "paused"
        count = len(undecided)
        message = (
            f"Decision noted. {count} more call{'s' if count > 1 else ''} of this turn "
            f"wait{'s' if count == 1 else ''} for your decision; the turn goes on after that."
        )
        await repo.add_event(
            conversation,
            "notice",
            {"kind": "notice", "code": "decisions_pending", "message": message},
        )
        await repo.add_event(conversation, "done", {"kind": "done", "reason": "paused"})
        conversation.heartbeat_at = None
        await session.commit()
        return after, None
    # claimed above: the conversation is ours (``running``) until the turn ends
    accepted = await _accept(platform, session, conversation, state, expected=("running",))
    if accepted is None:  # deleted meanwhile
        raise NotFound(f"No call {call_id!r} waits for a decision here.", code="call_not_found")
    return accepted.after, accepted


def start_turn(
    platform: Platform,
    conversation_id: str,
    *,
    content: str | None = None,
    decisions: dict[str, Decision] | None = None,
    session_id: str,
    base_url: str,
    accepted: Accepted | None = None,
) -> None:
    platform.turns.start(
        run_turn(
            platform,
            conversation_id,
            content=content,
            decisions=decisions,
            session_id=session_id,
            base_url=base_url,
            accepted=accepted,
        )
    )
    platform.turns.keep_beating(lambda: _heartbeats(platform))


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


# ------------------------------------------------------- published versions


@dataclass(frozen=True, kw_only=True)
class PublishedVersion:
    """A published version of a GPT as turns use it: its snapshot and its actions."""

    snapshot: dict[str, Any]
    actions: tuple[ActionRecord, ...]

    @property
    def uses_builder_key(self) -> bool:
        """An action sends an API key its builder stored (see ``uses_builder_key``)."""
        return any(
            record.auth_secret is not None and (record.auth or {}).get("type") == "api_key"
            for record in self.actions
        )


PUBLISHED_CACHE_SIZE = 256
_PUBLISHED: OrderedDict[tuple[str, int], PublishedVersion] = OrderedDict()
"""Published versions this process read, newest use last. A published version never
changes (publishing makes a new number; a restore copies one into the draft), so its id
and number are a key every process can trust; the GPT's row still says which number is
live and who may see it, and is read for every message."""


async def published_version(
    session: AsyncSession, gpt_id: str, number: int | None
) -> PublishedVersion | None:
    """Version ``number`` of the GPT (read once per process), or ``None`` if it has none."""
    if number is None:
        return None
    key = (gpt_id, number)
    found = _PUBLISHED.get(key)
    if found is not None:
        _PUBLISHED.move_to_end(key)
        return found
    repo = GptRepository(session)
    version = await repo.version(gpt_id, number)
    if version is None:
        return None
    actions = await repo.actions(gpt_id, number)
    for row in (version, *actions):
        session.expunge(row)  # shared by turns: no session's rollback may expire them
    found = PublishedVersion(snapshot=dict(version.snapshot), actions=tuple(actions))
    _PUBLISHED[key] = found
    while len(_PUBLISHED) > PUBLISHED_CACHE_SIZE:
        _PUBLISHED.popitem(last=False)
    return found


# ------------------------------------------------------------------ the turn


def attachment_note(
    files: list[StoredFile], state: ConversationState, *, code_interpreter: bool
) -> str | None:
    """What the model is told about files the user attached or deleted since it was last
    told (notes name each file's ref, so each change is told once), or None.

    File names are the user's text: they are quoted as JSON strings and said to be names,
    so a name cannot pass for the platform's words."""
    told = "\n".join(str(m.get("content") or "") for m in state.messages if m["role"] == "system")
    uploads = [f for f in files if f.call_id is None]
    new = [f for f in uploads if f"ref {f.id})" not in told]
    present = {f.id for f in uploads}
    removed = [
        (name, ref)
        for name, ref in _ANNOUNCED.findall(told)
        if ref not in present and f"removed {ref}" not in told
    ]
    parts = []
    if new:
        listed = "; ".join(
            f"{json.dumps(f.name)} ({f.media_type}, {_human_size(f.size)}; ref {f.id})" for f in new
        )
        parts.append(
            f"The user attached {'a file' if len(new) == 1 else 'files'} (file names are "
            f"the user's own text): {listed}."
        )
        if code_interpreter:
            parts.append(
                "Attached files are in the python tool's working folder: open them by name, "
                f"for example open({new[0].name!r})."
            )
        else:
            parts.append(
                "You cannot open attached files: this GPT has no code interpreter. If the user "
                "asks about their contents, say so."
            )
    if removed:
        gone = "; ".join(f"{name} (removed {ref})" for name, ref in removed)
        parts.append(f"The user deleted these files; they are gone: {gone}.")
    return " ".join(parts) or None


_ANNOUNCED = re.compile(r'("(?:[^"\\]|\\.)*") \([^;()]*; ref (file-[\w-]+)\)')
"""A file named in an earlier note: its name and ref."""


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _definition(gpt: Gpt, fields: dict[str, Any]) -> GptDefinition:
    capabilities = json.dumps(fields.get("capabilities") or {}, sort_keys=True)
    model = json.dumps(fields.get("model") or {}, sort_keys=True)
    return _definition_of(
        fields.get("name") or gpt.name, fields.get("instructions") or "", capabilities, model
    )


@functools.lru_cache(maxsize=256)
def _definition_of(name: str, instructions: str, capabilities: str, model: str) -> GptDefinition:
    """The runtime's view of a GPT, made once per content (building one costs more than a
    turn's database reads of it: pydantic inspects each default factory); turns only read
    it."""
    return GptDefinition.model_construct(
        name=name,
        instructions=instructions,
        capabilities=Capabilities.model_validate(json.loads(capabilities)),
        model=ModelSettings.model_validate(json.loads(model)),
    )


async def _turn_inputs(
    platform: Platform, session: AsyncSession, conversation: Conversation, gpt: Gpt | None
) -> tuple[GptDefinition, list[Action], list[Toolset]]:
    """The GPT version the conversation talks to (draft or live), its runnable actions and
    the toolsets of the capabilities it enables."""
    gpt = gpt or await session.get(Gpt, conversation.gpt_id)
    if gpt is None:
        raise NotFound("The GPT of this conversation is gone.", code="gpt_not_found")
    repo = GptRepository(session)
    if conversation.draft:
        fields: dict[str, Any] = {
            "name": gpt.name,
            "instructions": gpt.instructions,
            "capabilities": gpt.capabilities,
            "model": gpt.model,
        }
        records = await repo.actions(gpt.id, DRAFT)
    else:
        live = await published_version(session, gpt.id, gpt.live_version)
        if live is None:
            raise NotFound("This GPT has no live version any more.", code="gpt_not_found")
        fields = dict(live.snapshot)
        records = list(live.actions)
    definition = _definition(gpt, fields)
    toolsets = await capability_toolsets(
        platform, session, definition.capabilities, conversation, fields
    )
    return definition, _actions(platform, records), toolsets


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
    accepted: Accepted | None = None,
) -> None:
    """Run one turn to its end, storing every event; never raises.

    ``accepted``: what the request that started it read (else read here)."""
    db = platform.db
    try:
        async with db.session() as session:
            if accepted is not None:
                conversation, state = accepted.conversation, accepted.state
                gpt, policy = accepted.gpt, accepted.policy
            else:
                found = await ConversationRepository(session).get(conversation_id)
                if found is None:
                    return
                conversation, state, gpt = found, state_of(found), None
                policy = await platform.egress_policy(session)
                if not platform.turns.live.writing(conversation_id):  # e.g. after a sign-in
                    platform.turns.live.begin(conversation_id, conversation.last_sequence)
            user_id, gpt_id = conversation.user_id, conversation.gpt_id
            actions: list[Action]
            toolsets: list[Toolset]
            notes: list[str] = []
            if builder.is_builder(conversation):  # the Create tab: the builder, on this GPT
                definition, actions = builder.definition(), []
                toolsets = [await builder.toolset(db, session, gpt_id)]
            else:
                definition, actions, toolsets = await _turn_inputs(
                    platform, session, conversation, gpt
                )
                if content is not None:
                    uploads = (
                        await FileRepository(session).listed(conversation_id)
                        if accepted is None or accepted.uploads is not False
                        else []  # none to list; a note may still say some were deleted
                    )
                    note = attachment_note(
                        uploads, state, code_interpreter=definition.capabilities.code_interpreter
                    )
                    notes = [note] if note else []
        settings = platform.settings
        async with platform.egress.client(policy, settings.egress_limits()) as egress:
            runtime = Runtime(
                gpt=definition,
                provider=await platform.model_provider(definition.model),
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
                clock=settings.clock(),
            )
            if content is not None:
                last = state.messages[-1] if state.messages else None
                if last is not None and last["role"] == "user" and last["content"] == content:
                    state.messages.pop()  # committed by the request; the runtime adds it again
                events = runtime.send(state, content, notes=notes)
            else:
                given = {p.call_id: p.decision for p in state.pending if p.decision is not None}
                events = runtime.resume(state, {**given, **(decisions or {})})
            # closed however the turn ends, so a model call gives back its place in line
            async with aclosing(_generator(events)):
                await _store_events(platform, conversation_id, state, events, base_url)
    except Exception as exc:
        cause = _first_cause(exc)
        message = cause.message if isinstance(cause, GptforgeError) else FAILED
        if not isinstance(cause, GptforgeError):
            log.exception("turn of %s failed", conversation_id)
        await _end_turn(platform, conversation_id, None, error=message)
    finally:
        platform.turns.live.end(conversation_id)
        platform.turns.wake(conversation_id)


def _first_cause(exc: BaseException) -> BaseException:
    """The exception a task group wrapped (the turn's tasks raise in groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


Stored = tuple[str, dict[str, Any]]
"""An event as the writer stores it: ``(kind, data)``."""


class _Pending:
    """Events a turn produced and has not stored yet; the writer takes all of them at once."""

    def __init__(self) -> None:
        self.events: list[Stored] = []
        self.finished_with_files: list[ToolCallFinished] = []
        self.closed = False
        self.gone = False
        """The conversation was deleted mid-turn: nothing left to write to."""
        self._ready = asyncio.Event()

    def put(self, event: Stored, *, files_of: ToolCallFinished | None = None) -> None:
        self.events.append(event)
        if files_of is not None:
            self.finished_with_files.append(files_of)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def take(self) -> tuple[list[Stored], list[ToolCallFinished]]:
        """Every pending event (waits for one), and the finished calls among them that
        produced files; empty once closed and drained."""
        while not self.events and not self.closed:
            await self._ready.wait()
            self._ready.clear()
        events, self.events = self.events, []
        files, self.finished_with_files = self.finished_with_files, []
        return events, files


def _coalesced(events: list[Stored]) -> list[Stored]:
    """Consecutive text deltas as one (the same text in fewer rows and SSE events)."""
    merged: list[Stored] = []
    for kind, data in events:
        if kind == "text_delta" and merged and merged[-1][0] == "text_delta":
            merged[-1] = (kind, {**merged[-1][1], "text": merged[-1][1]["text"] + data["text"]})
        else:
            merged.append((kind, data))
    return merged


def _generator(events: AsyncIterator[RuntimeEvent]) -> AsyncGenerator[RuntimeEvent, None]:
    return cast(AsyncGenerator[RuntimeEvent, None], events)  # Runtime.send/resume are


async def _store_events(
    platform: Platform,
    conversation_id: str,
    state: ConversationState,
    events: AsyncIterator[RuntimeEvent],
    base_url: str,
) -> None:
    """Store the turn's events while the runtime goes on producing them.

    A writer task stores whatever is pending in one transaction (group commit): one
    event per transaction while the database keeps up with the model, more (text deltas
    merged) when it does not, so a busy server writes fewer, larger rows instead of
    falling behind. The turn's ``done`` event is stored with the conversation's state.
    """
    pending = _Pending()
    async with anyio.create_task_group() as group:
        group.start_soon(_write_events, platform, conversation_id, state, pending)
        answer: list[str] = []
        """The text of the answer being written (what a stop keeps)."""
        try:
            with platform.turns.stoppable(conversation_id) as stop:
                async for event in events:
                    data = event_to_dict(event)
                    if event.kind == "auth_required":
                        # the user signs in through this server, which checks who they are
                        url = sign_in_start_url(base_url, conversation_id, event.call_id)
                        data["authorization_url"] = url
                    if event.kind == "text_delta":
                        answer.append(str(data.get("text", "")))
                    elif event.kind != "notice":
                        answer.clear()
                    files_of = (
                        event if isinstance(event, ToolCallFinished) and event.files else None
                    )
                    pending.put((event.kind, data), files_of=files_of)
                    if event.kind == "done" or pending.gone:
                        break
                else:
                    pending.put(("done", {"kind": "done", "reason": "completed"}))
            if stop.cancelled_caught:
                _keep_stopped_answer(state, "".join(answer))
                pending.put(("done", {"kind": "done", "reason": "stopped"}))
        finally:
            pending.close()


def _keep_stopped_answer(state: ConversationState, text: str) -> None:
    """A turn the user stopped keeps the part of the answer already shown."""
    last = state.messages[-1] if state.messages else None
    if text and not (last is not None and last["role"] == "assistant" and last.get("content")):
        state.messages.append({"role": "assistant", "content": text})


async def _write_events(
    platform: Platform, conversation_id: str, state: ConversationState, pending: _Pending
) -> None:
    while True:
        batch, finished_with_files = await pending.take()
        if not batch:
            return
        if finished_with_files and not await _stored_files(
            platform, conversation_id, finished_with_files
        ):
            pending.gone = True
            return
        events = _coalesced(batch)
        if events[-1][0] == "done":
            await _end_turn(platform, conversation_id, state, events=events)
            return
        async with platform.db.session() as session:
            last = await ConversationRepository(session).append_events(conversation_id, events)
        if last is None:
            pending.gone = True
            return
        _published(platform, conversation_id, events, last)


def _published(platform: Platform, conversation_id: str, events: list[Stored], last: int) -> None:
    """Committed events, handed to this process's streams."""
    first = last - len(events) + 1
    stored = [StoredEvent(first + n, kind, data) for n, (kind, data) in enumerate(events)]
    platform.turns.live.publish(conversation_id, stored)
    platform.turns.wake(conversation_id)


async def _stored_files(
    platform: Platform, conversation_id: str, finished: list[ToolCallFinished]
) -> bool:
    """Store the files of finished calls before the events that name them (so every file
    id an event shows can be downloaded); False when the conversation is gone."""
    async with platform.db.session() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            return False
        for event in finished:
            await _store_files(session, conversation, event)
    return True


async def _store_files(
    session: AsyncSession, conversation: Conversation, event: ToolCallFinished
) -> None:
    """The files a call produced, stored with the conversation."""
    files = FileRepository(session)
    for info in event.files:
        await files.add(
            file_id=info.id,
            conversation_id=conversation.id,
            user_id=conversation.user_id,
            call_id=event.call_id,
            name=info.name,
            media_type=info.media_type,
            data=event.file_data[info.id],
        )


async def _end_turn(
    platform: Platform,
    conversation_id: str,
    state: ConversationState | None,
    *,
    events: list[Stored] | None = None,
    error: str | None = None,
) -> None:
    """The last events (ending with ``done``), the state and the status, in one transaction."""
    events = list(events or [])
    if error is not None:
        events += [
            ("error", {"kind": "error", "message": error}),
            ("done", {"kind": "done", "reason": "error"}),
        ]
    async with platform.db.session() as session:
        repo = ConversationRepository(session)
        status = "paused" if state is not None and state.pending else "idle"
        last = await repo.append_events(
            conversation_id,
            events,
            finish=(status, state.model_dump(mode="json") if state is not None else None),
        )
        if last is None:
            return
    _published(platform, conversation_id, events, last)


async def _heartbeats(platform: Platform) -> None:
    """Keep this process's running turns marked alive, and stop those the user asked
    another process to stop; ends when no turn runs.

    One task and one transaction for all of them, however many there are (a turn of its
    own would cost a transaction per turn every few seconds, more the busier the
    server). It skips the session line: a heartbeat late behind the work would let other
    processes take the turns for dead.
    """
    turns = platform.turns
    while True:
        await anyio.sleep(platform.settings.turn_stale_seconds / 3)
        running = turns.running()
        if not running:
            return
        try:
            async with platform.db.session(wait_in_line=False) as session:
                stopped = await ConversationRepository(session).touch_running(running)
        except Exception as exc:  # the database may be briefly unavailable; try next time
            log.warning("could not refresh the turns' heartbeat: %s", type(exc).__name__)
            continue
        for conversation_id in stopped:
            turns.stop(conversation_id)


async def request_stop(platform: Platform, session: AsyncSession, conversation_id: str) -> bool:
    """Stop the conversation's running turn, here at once or in the process running it
    within a heartbeat; False when no turn runs."""
    if not await ConversationRepository(session).request_stop(conversation_id):
        return False
    await session.commit()
    platform.turns.stop(conversation_id)
    return True


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
        # this process's own turns are alive, however late their heartbeat (a busy server)
        found = await repo.stale_running(cutoff)
        stale = [c for c in found if not platform.turns.live.writing(c.id)]
        for conversation in stale:
            await _interrupt(repo, conversation)
    if stale:
        log.warning("marked %d turn(s) interrupted (their server stopped mid-turn)", len(stale))
    return len(stale)


async def sweep_interrupted(platform: Platform) -> None:
    """Every ``turn_stale_seconds``, mark turns of dead processes interrupted (a process
    killed just before this one started still had a fresh heartbeat at start), and drop
    rate-limit windows that have ended."""
    while True:
        await anyio.sleep(platform.settings.turn_stale_seconds)
        try:
            await recover_interrupted(platform)
            async with platform.db.session() as session:
                await RateLimitRepository(session).prune()
        except Exception as exc:  # the database may be briefly unavailable; try next time
            log.warning("could not check for interrupted turns: %s", type(exc).__name__)


def _is_stale(platform: Platform, conversation_id: str, found: Conversation | Progress) -> bool:
    """A running turn whose process stopped refreshing its heartbeat (never one of ours)."""
    beat = found.heartbeat_at or found.updated_at
    return (
        found.status == "running"
        and utcnow() - beat > timedelta(seconds=platform.settings.turn_stale_seconds)
        and not platform.turns.live.writing(conversation_id)
    )


async def recover_if_stale(
    platform: Platform, session: AsyncSession, conversation: Conversation
) -> None:
    if _is_stale(platform, conversation.id, conversation):
        await _interrupt(ConversationRepository(session), conversation)
        await session.flush()


# ---------------------------------------------------------------- streaming


def sse(sequence: int, kind: str, data: dict[str, Any]) -> bytes:
    return f"id: {sequence}\nevent: {kind}\ndata: {json.dumps(data)}\n\n".encode()


def _sse_batch(events: list[StoredEvent], *, until_done: bool) -> tuple[bytes, int, bool]:
    """Events as one chunk (one write to the client, however many events a busy turn
    stored at once), the last sequence sent, and whether the stream ends (its ``done``;
    nothing after it is sent)."""
    parts = []
    for event in events:
        parts.append(sse(event.sequence, event.kind, event.data))
        if until_done and event.kind == "done":
            return b"".join(parts), event.sequence, True
    return b"".join(parts), events[-1].sequence, False


async def stream_events(
    platform: Platform, conversation_id: str, after: int, *, until_done: bool
) -> AsyncIterator[bytes]:
    """Stored events after ``after``, then new ones while a turn runs.

    ``until_done``: end at the turn's ``done`` event (the stream of one request);
    otherwise end when no turn is running and every stored event was sent. Events a
    turn of this process stores come from memory (``Turns.live``); the database is read
    when those do not reach back to ``after`` (another process's turn, a resume from
    further back) and on each poll.
    """
    turns = platform.turns
    live = turns.live
    while True:
        signal = turns.signal(conversation_id)
        kept = live.after(conversation_id, after)
        if kept:
            chunk, after, ended = _sse_batch(kept, until_done=until_done)
            yield chunk
            if ended:
                return
            continue
        # this process's turn wakes us with its next events: poll rarely meanwhile
        own_turn = kept is not None and live.writing(conversation_id)
        if own_turn and await turns.wait(signal, turns.local_poll_seconds):
            continue
        async with platform.db.session() as session:
            repo = ConversationRepository(session)
            # the status first: a turn that ended after this read has its events below
            progress = await repo.progress(conversation_id)
            if progress is None:
                return
            if _is_stale(platform, conversation_id, progress):
                conversation = await repo.get(conversation_id)
                if conversation is not None and _is_stale(platform, conversation_id, conversation):
                    await _interrupt(repo, conversation)
                continue
            running = progress.status == "running"
            events = []
            if progress.last_sequence > after:
                events = await repo.events_after(conversation_id, after)
        if events:
            chunk, after, ended = _sse_batch(events, until_done=until_done)
            yield chunk
            if ended:
                return
            continue
        if not running:
            return
        await turns.wait(signal)
