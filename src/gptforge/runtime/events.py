"""The typed events a conversation turn emits; the CLI and the web app read the same stream."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, kw_only=True)
class TextDeltaEvent:
    kind: Literal["text_delta"] = "text_delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCallStarted:
    kind: Literal["tool_call_started"] = "tool_call_started"
    call_id: str
    action: str
    operation: str
    host: str | None
    summary: str
    """A redacted one-line request summary, e.g. ``GET https://api.example.com/weather``."""


@dataclass(frozen=True, kw_only=True)
class ToolCallFinished:
    kind: Literal["tool_call_finished"] = "tool_call_finished"
    call_id: str
    action: str
    operation: str
    status: str
    http_status: int | None
    duration_ms: float
    excerpt: str
    record: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class ConfirmationRequired:
    kind: Literal["confirmation_required"] = "confirmation_required"
    call_id: str
    action: str
    operation: str
    method: str
    arguments: dict[str, Any] = field(default_factory=dict)
    allow_always: bool = True
    """False for ``x-openai-isConsequential: true`` operations: every call is confirmed."""


@dataclass(frozen=True, kw_only=True)
class AuthRequired:
    kind: Literal["auth_required"] = "auth_required"
    call_id: str
    action: str
    authorization_url: str


@dataclass(frozen=True, kw_only=True)
class ErrorEvent:
    kind: Literal["error"] = "error"
    message: str


@dataclass(frozen=True, kw_only=True)
class Done:
    kind: Literal["done"] = "done"
    reason: Literal["completed", "paused", "step_limit", "error"]


RuntimeEvent = (
    TextDeltaEvent
    | ToolCallStarted
    | ToolCallFinished
    | ConfirmationRequired
    | AuthRequired
    | ErrorEvent
    | Done
)


def event_to_dict(event: RuntimeEvent) -> dict[str, Any]:
    return asdict(event)
