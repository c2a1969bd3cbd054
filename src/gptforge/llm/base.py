"""The model provider interface: messages and tools in, a stream of events out.

Messages are OpenAI chat messages (plain dicts), so conversation state stays
serializable and any OpenAI-compatible server understands it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Message = dict[str, Any]
ToolDefinition = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class TextDelta:
    kind: Literal["text"] = "text"
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCallRequest:
    """The model asks to call a tool; ``arguments`` is the JSON text it wrote."""

    kind: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: str


@dataclass(frozen=True, kw_only=True)
class Usage:
    kind: Literal["usage"] = "usage"
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, kw_only=True)
class Finish:
    kind: Literal["finish"] = "finish"
    reason: str


ProviderEvent = TextDelta | ToolCallRequest | Usage | Finish


class ModelProvider(Protocol):
    """One required method: stream a reply to ``messages`` with ``tools`` available."""

    name: str

    def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]: ...
