"""A provider that replays scripted replies: for deterministic tests only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from gptforge.errors import ProviderError
from gptforge.llm.base import (
    Finish,
    Message,
    ProviderEvent,
    TextDelta,
    ToolCallRequest,
    ToolDefinition,
)


@dataclass(frozen=True, kw_only=True)
class ScriptedCall:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ScriptedReply:
    """One model turn: some text (streamed in chunks) and/or tool calls."""

    text: str = ""
    calls: tuple[ScriptedCall, ...] = ()
    finish: str | None = None
    """The finish reason to report (default: ``tool_calls`` with calls, else ``stop``)."""


Script = list[ScriptedReply] | Callable[[list[Message], list[ToolDefinition]], ScriptedReply]


class ScriptedProvider:
    name = "scripted"

    def __init__(self, script: Script, *, chunk: int = 5) -> None:
        self._script = script
        self._chunk = chunk
        self.requests: list[tuple[list[Message], list[ToolDefinition]]] = []
        self._counter = 0

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        self.requests.append(([dict(m) for m in messages], tools))
        if callable(self._script):
            reply = self._script(messages, tools)
        else:
            if not self._script:
                raise ProviderError("The scripted provider ran out of replies.")
            reply = self._script.pop(0)
        for start in range(0, len(reply.text), self._chunk):
            yield TextDelta(text=reply.text[start : start + self._chunk])
        for call in reply.calls:
            self._counter += 1
            arguments = (
                call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
            )
            yield ToolCallRequest(
                id=call.id or f"call_{self._counter}", name=call.name, arguments=arguments
            )
        yield Finish(reason=reply.finish or ("tool_calls" if reply.calls else "stop"))
