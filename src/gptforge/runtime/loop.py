"""The conversation loop: the model decides, the actions run, the model relays.

A turn calls the model, runs the tool calls it asks for (concurrently), feeds
the results back, and repeats until the model answers or the step limit is hit.
Calls that need the user's confirmation, or an OAuth sign-in, pause the turn;
the paused state is plain data (:class:`ConversationState`) and
:meth:`Runtime.resume` continues it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from pydantic import BaseModel, Field

from gptforge.actions import (
    Action,
    ActionExecutor,
    SignInRequired,
    ToolResult,
    confirmation_policy,
)
from gptforge.errors import GptforgeError, RuntimeLoopError
from gptforge.llm import ModelProvider, TextDelta, ToolCallRequest
from gptforge.openapi import Tool
from gptforge.runtime.events import (
    AuthRequired,
    ConfirmationRequired,
    Done,
    ErrorEvent,
    RuntimeEvent,
    TextDeltaEvent,
    ToolCallFinished,
    ToolCallStarted,
)
from gptforge.runtime.gpt import Capabilities, GptDefinition

Decision = Literal["allow", "always", "deny"]
DECLINED = "The user declined this action; it was not run. Tell the user and do not retry it."

_CAPABILITY_NOTES = {
    "web_browsing": "web browsing",
    "image_generation": "image generation",
    "code_interpreter": "the code interpreter",
    "knowledge": "knowledge files",
}


class PendingCall(BaseModel):
    call_id: str
    tool: str
    arguments: str
    reason: Literal["confirmation", "auth"]


class ConversationState(BaseModel):
    """Everything needed to continue a conversation, as JSON-serializable data."""

    messages: list[dict[str, Any]] = Field(default_factory=list)
    pending: list[PendingCall] = Field(default_factory=list)
    steps: int = 0


@dataclass(frozen=True)
class _Bound:
    action: Action
    tool: Tool


def capability_notes(capabilities: Capabilities) -> str:
    enabled = [label for key, label in _CAPABILITY_NOTES.items() if getattr(capabilities, key)]
    if not enabled:
        return ""
    return (
        "Capabilities enabled for this GPT but not available on this server yet: "
        + ", ".join(enabled)
        + ". If the user needs one, say it is not available here."
    )


class Runtime:
    """Runs conversation turns of one GPT for one user."""

    def __init__(
        self,
        *,
        gpt: GptDefinition,
        actions: list[Action],
        provider: ModelProvider,
        executor: ActionExecutor,
        user_id: str = "local",
        session_id: str = "local",
        max_steps: int = 10,
        always_allowed: set[str] | None = None,
        approve_all: bool = False,
    ) -> None:
        self.gpt = gpt
        self.provider = provider
        self.executor = executor
        self.user_id = user_id
        self.session_id = session_id
        self.max_steps = max_steps
        self.always_allowed = always_allowed if always_allowed is not None else set()
        self.approve_all = approve_all
        self._bound: dict[str, _Bound] = {}
        self.tools: list[dict[str, Any]] = []
        for action in actions:
            for tool in action.tools:
                name = tool.name
                counter = 2
                while name in self._bound:
                    name = f"{tool.name[:60]}_{counter}"
                    counter += 1
                self._bound[name] = _Bound(action=action, tool=tool)
                definition = tool.definition()
                definition["function"] = {**definition["function"], "name": name}
                self.tools.append(definition)

    def system_message(self) -> dict[str, Any]:
        parts = [self.gpt.instructions.strip() or f"You are {self.gpt.name}."]
        notes = capability_notes(self.gpt.capabilities)
        if notes:
            parts.append(notes)
        return {"role": "system", "content": "\n\n".join(parts)}

    async def send(self, state: ConversationState, text: str) -> AsyncIterator[RuntimeEvent]:
        """Add the user's message and run the turn."""
        if state.pending:
            raise RuntimeLoopError(
                "This conversation is waiting for a confirmation or sign-in; resume it first."
            )
        if not state.messages:
            state.messages.append(self.system_message())
        state.messages.append({"role": "user", "content": text})
        state.steps = 0
        async for event in self._loop(state):
            yield event

    async def resume(
        self, state: ConversationState, decisions: dict[str, Decision] | None = None
    ) -> AsyncIterator[RuntimeEvent]:
        """Continue a paused turn: ``decisions`` answers each pending confirmation by call id;
        pending sign-ins are retried."""
        decisions = decisions or {}
        pending, state.pending = state.pending, []
        runnable: list[PendingCall] = []
        for call in pending:
            if call.reason == "confirmation":
                decision = decisions.get(call.call_id)
                if decision is None:
                    state.pending = pending
                    raise RuntimeLoopError(f"No decision given for pending call {call.call_id}.")
                if decision == "deny":
                    state.messages.append(self._tool_message(call.call_id, DECLINED))
                    continue
                if decision == "always":
                    bound = self._bound.get(call.tool)
                    if bound and confirmation_policy(bound.tool.operation) == "ask":
                        self.always_allowed.add(call.tool)
            runnable.append(call)
        async for event in self._loop(state, runnable):
            yield event

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _tool_message(call_id: str, content: str) -> dict[str, Any]:
        return {"role": "tool", "tool_call_id": call_id, "content": content}

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
            try:
                async for item in self.provider.stream(state.messages, self.tools):
                    if isinstance(item, TextDelta):
                        text.append(item.text)
                        yield TextDeltaEvent(text=item.text)
                    elif isinstance(item, ToolCallRequest):
                        calls.append(item)
            except GptforgeError as exc:
                yield ErrorEvent(message=exc.message)
                yield Done(reason="error")
                return
            message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None}
            if calls:
                message["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in calls
                ]
            state.messages.append(message)
            if not calls:
                yield Done(reason="completed")
                return
            pending = [
                PendingCall(call_id=c.id, tool=c.name, arguments=c.arguments, reason="confirmation")
                for c in calls
            ]
            runnable = []
            for call in pending:
                bound = self._bound.get(call.tool)
                if bound is not None and self._needs_confirmation(call.tool, bound):
                    state.pending.append(call)
                    yield ConfirmationRequired(
                        call_id=call.call_id,
                        action=bound.action.name,
                        operation=bound.tool.name,
                        method=bound.tool.operation.method,
                        arguments=_parsed(call.arguments),
                        allow_always=confirmation_policy(bound.tool.operation) == "ask",
                    )
                else:
                    runnable.append(call)

    def _needs_confirmation(self, name: str, bound: _Bound) -> bool:
        policy = confirmation_policy(bound.tool.operation)
        if policy == "never" or self.approve_all:
            return False
        return policy == "always" or name not in self.always_allowed

    async def _run(
        self, state: ConversationState, calls: list[PendingCall]
    ) -> AsyncIterator[RuntimeEvent]:
        if not calls:
            return
        for call in calls:
            bound = self._bound.get(call.tool)
            if bound is None:
                yield ToolCallStarted(
                    call_id=call.call_id,
                    action="",
                    operation=call.tool,
                    host=None,
                    summary=f"unknown tool {call.tool!r}",
                )
                continue
            op = bound.tool.operation
            server = op.server.url if op.server else ""
            yield ToolCallStarted(
                call_id=call.call_id,
                action=bound.action.name,
                operation=bound.tool.name,
                host=bound.action.host,
                summary=f"{op.method} {server}{op.path}",
            )
        outcomes: dict[str, ToolResult | SignInRequired] = {}

        async def run_one(call: PendingCall) -> None:
            outcomes[call.call_id] = await self._execute(call)

        async with anyio.create_task_group() as group:
            for call in calls:
                group.start_soon(run_one, call)
        for call in calls:
            outcome = outcomes[call.call_id]
            bound = self._bound.get(call.tool)
            action_name = bound.action.name if bound else ""
            if isinstance(outcome, SignInRequired):
                state.pending.append(call.model_copy(update={"reason": "auth"}))
                yield AuthRequired(
                    call_id=call.call_id,
                    action=action_name,
                    authorization_url=outcome.authorization_url,
                )
                continue
            state.messages.append(self._tool_message(call.call_id, outcome.content))
            record = outcome.record
            yield ToolCallFinished(
                call_id=call.call_id,
                action=action_name,
                operation=bound.tool.name if bound else call.tool,
                status=outcome.status,
                http_status=record.status if record else None,
                duration_ms=record.duration_ms if record else 0.0,
                excerpt=outcome.content[:300],
                record=record.as_dict() if record else None,
            )

    async def _execute(self, call: PendingCall) -> ToolResult | SignInRequired:
        bound = self._bound.get(call.tool)
        if bound is None:
            names = ", ".join(self._bound)
            return ToolResult(
                status="invalid_arguments",
                content=f"There is no tool named {call.tool!r}. Available tools: {names}.",
            )
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError:
            return ToolResult(
                status="invalid_arguments",
                content="The arguments were not valid JSON; send a JSON object.",
            )
        return await self.executor.execute(
            bound.action,
            bound.tool.name,
            arguments,
            user_id=self.user_id,
            session_id=self.session_id,
        )


def _parsed(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
