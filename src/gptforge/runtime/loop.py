"""The conversation loop: the model decides, the tools run, the model relays.

A turn calls the model, runs the tool calls it asks for (concurrently), feeds the
results back, and repeats until the model answers or the step limit is hit. Calls
that need the user's confirmation, or an OAuth sign-in, pause the turn; the paused
state is plain data (:class:`ConversationState`) and :meth:`Runtime.resume` goes on.

Every call the model asks for ends with a tool message and a ``tool_call_finished``
event, whatever happens: a declined confirmation, a toolset that raises, a missing
secret. The model then reads a short neutral line; what the builder or operator must
fix goes into the event's ``message``.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import anyio

from gptforge.actions import Action, ActionExecutor, action_toolsets
from gptforge.errors import ConfigError, GptforgeError, RuntimeLoopError
from gptforge.llm import (
    DATE_NOTE,
    AssistantMessage,
    ChatMessage,
    Finish,
    Message,
    ModelProvider,
    SystemMessage,
    TextDelta,
    ToolCallRequest,
    ToolMessage,
    Waiting,
    wire_messages,
)
from gptforge.runtime.approvals import ApprovalStore, MemoryApprovalStore
from gptforge.runtime.events import (
    AuthRequired,
    ConfirmationRequired,
    Done,
    ErrorEvent,
    FileInfo,
    NoticeEvent,
    RuntimeEvent,
    TextDeltaEvent,
    ToolCallFinished,
    ToolCallStarted,
    WaitingEvent,
)
from gptforge.runtime.gpt import Capabilities, GptDefinition
from gptforge.runtime.state import CallEntry, ConversationState, Decision, PendingCall
from gptforge.toolsets import (
    BoundTool,
    CallContext,
    CallOutcome,
    CallResult,
    ToolCatalog,
    Toolset,
    capability_key,
    instructions_of,
)

logger = logging.getLogger(__name__)

DECLINED = "The user declined this action; it was not run. Tell the user and do not retry it."
FAILED = (
    "The tool failed on the server, so there is no result. Tell the user it did not work "
    "this time; do not retry it."
)
INTERRUPTED = "This call was interrupted and has no result; do not assume it ran."
INTERRUPTED_MESSAGE = "The call was interrupted (the server stopped or the client left)."
TRUNCATED = (
    "The answer was cut off at the model's output limit; ask for a shorter answer, or "
    "raise the model's token limit."
)

_CAPABILITY_NOTES = {
    "web_browsing": "web browsing",
    "image_generation": "image generation",
    "code_interpreter": "the code interpreter",
    "knowledge": "knowledge files",
}


def capability_notes(capabilities: Capabilities, provided: frozenset[str] = frozenset()) -> str:
    """A note on the capabilities the GPT enables that no toolset of this turn provides
    (``provided``: toolset keys)."""
    enabled = [
        label
        for key, label in _CAPABILITY_NOTES.items()
        if getattr(capabilities, key) and capability_key(key) not in provided
    ]
    if not enabled:
        return ""
    return (
        "Capabilities enabled for this GPT but not available on this server yet: "
        + ", ".join(enabled)
        + ". If the user needs one, say it is not available here."
    )


def local_now() -> datetime:
    """The server's local date and time, with its time zone."""
    return datetime.now().astimezone()


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _month(moment: date) -> str:
    return f"{_MONTHS[moment.month - 1]} {moment.year}"


def date_note(now: date) -> str:
    """Today's date as the model reads it: "next month", "this weekend" or "in January"
    become the dates an API takes only if the model knows today's (without it, the small
    model asked the API for January 2026 events on 27 November 2026). English names
    whatever the process's locale."""
    first = date(now.year, now.month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    farthest = previous.replace(year=previous.year + 1)  # the month before this one, next year
    return (
        f"Today is {_DAYS[now.weekday()]}, {now.day} {_month(now)} ({now:%Y-%m-%d}). "
        f"This month is {_month(now)} and next month is {_month(following)}; a month named "
        f"without a year is the next one to come ({_MONTHS[farthest.month - 1]} means "
        f"{_month(farthest)}), unless the question is about the past."
    )


def with_date(messages: list[Message], now: date) -> list[Message]:
    """``messages`` with today's date as a system message after the GPT's instructions.
    Added to each request rather than stored, so a conversation continued another day is
    told that day. Named ``date``: a fact for answering, which a provider may leave out
    where only the choice of tool is asked."""
    note: Message = {"role": "system", "content": date_note(now), "name": DATE_NOTE}
    at = 1 if messages and messages[0].get("role") == "system" else 0
    return [*messages[:at], note, *messages[at:]]


class Runtime:
    """Runs conversation turns of one GPT for one user.

    The runtime holds no conversation data: turns read and write the
    :class:`ConversationState` they are given, "always allow" decisions go to the
    :class:`ApprovalStore`, so any process can continue any conversation.
    ``actions`` with ``executor`` is a shorthand for their toolsets. ``clock`` gives the
    date the system prompt states (tests and benchmarks fix it).
    """

    def __init__(
        self,
        *,
        gpt: GptDefinition,
        provider: ModelProvider,
        toolsets: Sequence[Toolset] = (),
        actions: Sequence[Action] = (),
        executor: ActionExecutor | None = None,
        gpt_id: str = "local",
        user_id: str = "local",
        session_id: str = "local",
        max_steps: int = 10,
        approvals: ApprovalStore | None = None,
        approve_all: bool = False,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        if actions and executor is None:
            raise ConfigError("Runtime(actions=...) needs an ActionExecutor as `executor`.")
        self.gpt = gpt
        self.provider = provider
        self.gpt_id = gpt_id
        self.user_id = user_id
        self.session_id = session_id
        self.max_steps = max_steps
        self.approvals: ApprovalStore = approvals or MemoryApprovalStore()
        self.approve_all = approve_all
        self.clock = clock
        extra = action_toolsets(actions, executor) if executor is not None else []
        self.catalog = ToolCatalog([*toolsets, *extra])
        self.tools: list[dict[str, Any]] = self.catalog.definitions()
        """The tool definitions the model sees, under names unique across toolsets."""

    def system_message(self) -> SystemMessage:
        parts = [self.gpt.instructions.strip() or f"You are {self.gpt.name}."]
        parts.extend(filter(None, (instructions_of(t) for t in self.catalog.toolsets)))
        provided = frozenset(toolset.key for toolset in self.catalog.toolsets)
        notes = capability_notes(self.gpt.capabilities, provided)
        if notes:
            parts.append(notes)
        return {"role": "system", "content": "\n\n".join(parts)}

    async def send(
        self, state: ConversationState, text: str, *, notes: Sequence[str] = ()
    ) -> AsyncIterator[RuntimeEvent]:
        """Add the user's message and run the turn.

        ``notes`` are facts the platform tells the model with this message (files the user
        attached, say); they go in as system messages, which users' views leave out."""
        if state.pending:
            raise RuntimeLoopError(
                "This conversation is waiting for a confirmation or sign-in; resume it first."
            )
        if not state.messages:
            state.messages.append(self.system_message())
        _answer_interrupted_calls(state)
        state.messages.extend({"role": "system", "content": note} for note in notes)
        state.messages.append({"role": "user", "content": text})
        state.steps = 0
        async for event in self._loop(state):
            yield event

    async def resume(
        self, state: ConversationState, decisions: dict[str, Decision] | None = None
    ) -> AsyncIterator[RuntimeEvent]:
        """Continue a paused turn: ``decisions`` answers each pending confirmation by call
        id; pending sign-ins are retried."""
        decisions = decisions or {}
        missing = [
            call.call_id
            for call in state.pending
            if call.reason == "confirmation" and call.call_id not in decisions
        ]
        if missing:
            raise RuntimeLoopError(f"No decision given for pending call {missing[0]}.")
        pending, state.pending = state.pending, []
        runnable: list[PendingCall] = []
        for call in pending:
            bound = self._lookup(call)
            decision = decisions.get(call.call_id) if call.reason == "confirmation" else None
            if decision == "deny":
                result = CallResult(status="declined", content=DECLINED)
                yield self._finish(state, call, bound, result)
                continue
            if decision == "always" and bound is not None and bound.info.confirmation == "ask":
                await self.approvals.allow(
                    user_id=self.user_id, gpt_id=self.gpt_id, tool_key=bound.key
                )
            runnable.append(call)
        async for event in self._loop(state, runnable):
            yield event

    # ------------------------------------------------------------------ internals

    def _context(self, state: ConversationState) -> CallContext:
        return CallContext(
            user_id=self.user_id,
            conversation_id=state.conversation_id,
            session_id=self.session_id,
        )

    def _lookup(self, call: PendingCall) -> BoundTool | None:
        """The tool a call names: by stable key when known (state from another process)."""
        if call.key is not None:
            return self.catalog.by_key(call.key)
        return self.catalog.get(call.tool)

    async def _loop(
        self, state: ConversationState, ready: list[PendingCall] | None = None
    ) -> AsyncIterator[RuntimeEvent]:
        """Run ``ready`` calls, then alternate model and calls until an answer or a pause."""
        runnable = ready or []
        while True:
            async for event in self._run(state, runnable):
                yield event
            if state.pending:
                yield Done(reason="paused")
                return
            if state.steps >= self.max_steps:
                yield ErrorEvent(
                    message=f"Stopped after {self.max_steps} steps without a final answer; "
                    "ask again, perhaps more specifically."
                )
                yield Done(reason="step_limit")
                return
            state.steps += 1
            text: list[str] = []
            calls: list[ToolCallRequest] = []
            finish = ""
            try:
                sent = with_date(wire_messages(state.messages), self.clock())
                async for item in self.provider.stream(sent, self.tools):
                    if isinstance(item, TextDelta):
                        text.append(item.text)
                        yield TextDeltaEvent(text=item.text)
                    elif isinstance(item, ToolCallRequest):
                        calls.append(item)
                    elif isinstance(item, Finish):
                        finish = item.reason
                    elif isinstance(item, Waiting):
                        yield WaitingEvent(position=item.position)
            except GptforgeError as exc:
                yield ErrorEvent(message=exc.message)
                yield Done(reason="error")
                return
            state.messages.append(_assistant_message("".join(text), calls))
            if finish == "length":
                yield NoticeEvent(code="truncated", message=TRUNCATED)
            if not calls:
                yield Done(reason="completed")
                return
            runnable = []
            for request in calls:
                bound = self.catalog.get(request.name)
                call = PendingCall(
                    call_id=request.id,
                    tool=request.name,
                    key=bound.key if bound else None,
                    arguments=request.arguments,
                    reason="confirmation",
                )
                if bound is not None and await self._needs_confirmation(bound):
                    state.pending.append(call)
                    yield ConfirmationRequired(
                        call_id=call.call_id,
                        action=bound.toolset.label,
                        operation=bound.info.name,
                        summary=self._summary(bound, _parsed(call.arguments)),
                        arguments=_parsed(call.arguments),
                        allow_always=bound.info.confirmation == "ask",
                    )
                else:
                    runnable.append(call)

    async def _needs_confirmation(self, bound: BoundTool) -> bool:
        policy = bound.info.confirmation
        if policy == "never" or self.approve_all:
            return False
        if policy == "always":
            return True
        return not await self.approvals.is_allowed(
            user_id=self.user_id, gpt_id=self.gpt_id, tool_key=bound.key
        )

    @staticmethod
    def _summary(bound: BoundTool, arguments: dict[str, Any]) -> str:
        try:
            return bound.toolset.summary(bound.info.name, arguments)
        except Exception:
            logger.exception("summary of %s failed", bound.key)
            return bound.info.label or bound.info.name

    async def _run(
        self, state: ConversationState, calls: list[PendingCall]
    ) -> AsyncIterator[RuntimeEvent]:
        if not calls:
            return
        for call in calls:
            bound = self._lookup(call)
            if bound is None:
                yield ToolCallStarted(
                    call_id=call.call_id,
                    action="",
                    operation=call.tool,
                    host=None,
                    summary=f"unknown tool {call.tool!r}",
                )
                continue
            yield ToolCallStarted(
                call_id=call.call_id,
                action=bound.toolset.label,
                operation=bound.info.name,
                host=bound.info.host,
                summary=self._summary(bound, _parsed(call.arguments)),
            )
        outcomes: dict[str, CallOutcome] = {}
        context = self._context(state)

        async def run_one(call: PendingCall) -> None:
            outcomes[call.call_id] = await self._execute(call, context)

        async with anyio.create_task_group() as group:
            for call in calls:
                group.start_soon(run_one, call)
        for call in calls:
            outcome = outcomes[call.call_id]
            bound = self._lookup(call)
            if isinstance(outcome, CallResult):
                yield self._finish(state, call, bound, outcome)
                continue
            state.pending.append(call.model_copy(update={"reason": "auth"}))
            yield AuthRequired(
                call_id=call.call_id,
                action=bound.toolset.label if bound else "",
                authorization_url=outcome.authorization_url,
            )

    def _finish(
        self,
        state: ConversationState,
        call: PendingCall,
        bound: BoundTool | None,
        result: CallResult,
    ) -> ToolCallFinished:
        """Record how a call ended: the tool message for the model, and the event."""
        reply: ToolMessage = {
            "role": "tool",
            "tool_call_id": call.call_id,
            "content": result.content,
        }
        state.messages.append(reply)
        files = tuple(
            FileInfo(
                id=f"file-{secrets.token_urlsafe(16)}",
                name=file.name,
                media_type=file.media_type,
                size=len(file.data),
            )
            for file in result.files
        )
        state.calls.append(
            CallEntry(
                call_id=call.call_id,
                key=bound.key if bound else None,
                status=result.status,
                message=result.message,
                record=result.record,
                files=[
                    {"id": f.id, "name": f.name, "media_type": f.media_type, "size": f.size}
                    for f in files
                ],
            )
        )
        return ToolCallFinished(
            call_id=call.call_id,
            action=bound.toolset.label if bound else "",
            operation=bound.info.name if bound else call.tool,
            status=result.status,
            http_status=result.http_status,
            duration_ms=result.duration_ms,
            excerpt=result.content[:300],
            message=result.message,
            record=result.record,
            files=files,
            file_data={info.id: file.data for info, file in zip(files, result.files, strict=True)},
        )

    async def _execute(self, call: PendingCall, context: CallContext) -> CallOutcome:
        """Run one call; never raises (an exception becomes a ``failed`` result)."""
        bound = self._lookup(call)
        if bound is None:
            names = ", ".join(self.catalog.names())
            return CallResult(
                status="invalid_arguments",
                content=f"There is no tool named {call.tool!r}. Available tools: {names}.",
            )
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            return CallResult(
                status="invalid_arguments",
                content="The arguments were not valid JSON; send a JSON object.",
            )
        try:
            return await bound.toolset.run(bound.info.name, arguments, context)
        except GptforgeError as exc:
            return CallResult(status="failed", content=FAILED, message=exc.message)
        except Exception as exc:
            logger.exception("tool %s failed", bound.key)
            return CallResult(
                status="failed",
                content=FAILED,
                message=f"{bound.toolset.label} failed unexpectedly ({type(exc).__name__}); "
                "see the server log.",
            )


def _answer_interrupted_calls(state: ConversationState) -> None:
    """Give a tool reply to every call a stopped turn left without one (the process ended
    or the client went away mid-call), so the conversation stays well formed."""
    answered = {m["tool_call_id"] for m in state.messages if m["role"] == "tool"}
    answered |= {call.call_id for call in state.pending}
    repaired: list[ChatMessage] = []
    missing: list[str] = []
    for message in state.messages:
        if missing and message["role"] != "tool":
            repaired.extend(_interrupted(state, missing))
            missing = []
        repaired.append(message)
        if message["role"] == "assistant":
            missing = [c["id"] for c in message.get("tool_calls", []) if c["id"] not in answered]
    repaired.extend(_interrupted(state, missing))
    state.messages[:] = repaired


def _interrupted(state: ConversationState, call_ids: list[str]) -> list[ChatMessage]:
    for call_id in call_ids:
        state.calls.append(
            CallEntry(call_id=call_id, key=None, status="failed", message=INTERRUPTED_MESSAGE)
        )
    return [
        {"role": "tool", "tool_call_id": call_id, "content": INTERRUPTED} for call_id in call_ids
    ]


def _assistant_message(text: str, calls: list[ToolCallRequest]) -> AssistantMessage:
    message: AssistantMessage = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in calls
        ]
    return message


def _parsed(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
