"""The model provider interface: messages and tools in, a stream of events out.

Messages are OpenAI chat messages. The conversation keeps them typed
(:data:`ChatMessage`: system, user, assistant with optional tool calls, tool reply),
so their storage is designed rather than inherited from dicts; providers receive
plain-dict copies (:func:`wire_messages`), which any OpenAI-compatible server reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, Protocol, cast

from typing_extensions import TypedDict

Message = dict[str, Any]
"""A chat message as sent to a provider (the wire form of :data:`ChatMessage`)."""

DATE_NOTE = "date"
"""The ``name`` of the system message stating today's date, which the runtime adds to each
request after the GPT's instructions: a fact for answering, not for choosing a tool."""
ToolDefinition = dict[str, Any]


class ToolCallFunction(TypedDict):
    name: str
    arguments: str
    """The JSON text the model wrote."""


class ToolCall(TypedDict):
    id: str
    type: Literal["function"]
    function: ToolCallFunction


class SystemMessage(TypedDict):
    role: Literal["system"]
    content: str


class UserMessage(TypedDict):
    role: Literal["user"]
    content: str


class AssistantMessage(TypedDict):
    role: Literal["assistant"]
    content: str | None
    tool_calls: NotRequired[list[ToolCall]]


class ToolMessage(TypedDict):
    role: Literal["tool"]
    tool_call_id: str
    content: str


ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage


def wire_messages(messages: Sequence[ChatMessage]) -> list[Message]:
    """Copies of ``messages`` as plain dicts, for a provider (which cannot change the state)."""
    return [cast(Message, dict(message)) for message in messages]


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


@dataclass(frozen=True, kw_only=True)
class Waiting:
    """The call waits for a model that serves one request at a time (see ``llm/queue.py``)."""

    kind: Literal["waiting"] = "waiting"
    position: int
    """Place in the line: 1 is next; 0 when the wait is over and the model starts on it."""


ProviderEvent = TextDelta | ToolCallRequest | Usage | Finish | Waiting


class ModelProvider(Protocol):
    """One required method: stream a reply to ``messages`` with ``tools`` available."""

    name: str

    def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]: ...
