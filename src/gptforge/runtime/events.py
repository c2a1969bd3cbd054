"""The typed events a conversation turn emits; the CLI and the web app read the same stream.

Every tool call the model asks for ends with exactly one ``tool_call_finished`` (its
``status`` says how: ``ok``, ``declined``, ``failed``...) unless it pauses the turn
with ``confirmation_required`` or ``auth_required``; the finished event follows on
resume. ``message`` on a finished event is for the GPT's builder or the operator, never
for the model.

Files a call produced (an image, a chart) travel on the finished event as metadata
(``files``: id, name, type, size) plus their bytes in ``file_data``, a field only the
layer that stores them reads: :func:`event_to_dict` leaves it out, so the bytes never
reach the JSON stream, and the model only ever read the tool's text.

``waiting`` comes before a model call that has to wait for a model serving one request
at a time (the embedded model): its ``position`` is the call's place in the line (1 is
next), sent again each time the line moves, and a last time as 0 when the model starts
on it. A call that does not wait sends none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any, Literal

from gptforge.toolsets import ToolStatus


@dataclass(frozen=True, kw_only=True)
class TextDeltaEvent:
    kind: Literal["text_delta"] = "text_delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCallStarted:
    kind: Literal["tool_call_started"] = "tool_call_started"
    call_id: str
    action: str
    """The toolset's label (an action's API title)."""
    operation: str
    host: str | None
    summary: str
    """What the call sends, redacted, e.g. ``GET https://api.example.com/weather?city=Oslo``."""


INTERNAL: Mapping[str, Any] = {"internal": True}
"""Field metadata: kept out of :func:`event_to_dict` (not for the wire)."""


@dataclass(frozen=True, kw_only=True)
class FileInfo:
    """A file a tool call produced, as people see it; the bytes are stored by ``id``."""

    id: str
    name: str
    media_type: str
    size: int


@dataclass(frozen=True, kw_only=True)
class ToolCallFinished:
    kind: Literal["tool_call_finished"] = "tool_call_finished"
    call_id: str
    action: str
    operation: str
    status: ToolStatus
    http_status: int | None
    duration_ms: float
    excerpt: str
    """The start of what the model read."""
    message: str | None = None
    """What the builder or operator must know or fix (e.g. an unset key variable)."""
    record: dict[str, Any] | None = None
    files: tuple[FileInfo, ...] = ()
    file_data: Mapping[str, bytes] = field(
        default_factory=dict, repr=False, compare=False, metadata=INTERNAL
    )
    """The bytes of ``files`` by id, for the layer that stores them; never serialized."""


@dataclass(frozen=True, kw_only=True)
class ConfirmationRequired:
    kind: Literal["confirmation_required"] = "confirmation_required"
    call_id: str
    action: str
    operation: str
    summary: str
    """What the call would send, e.g. ``POST https://shop.example/orders``."""
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
class NoticeEvent:
    """Something the user should know about the answer, which is not an error."""

    kind: Literal["notice"] = "notice"
    code: Literal["truncated", "decisions_pending"]
    """``truncated``: the answer was cut at the token limit. ``decisions_pending``: a
    decision was noted, and the turn goes on once the other pending calls have theirs."""
    message: str


@dataclass(frozen=True, kw_only=True)
class WaitingEvent:
    """The turn waits for the model, which is answering other turns first."""

    kind: Literal["waiting"] = "waiting"
    position: int
    """Place in the line: 1 is next; 0 when the wait is over and the model starts."""


@dataclass(frozen=True, kw_only=True)
class ErrorEvent:
    kind: Literal["error"] = "error"
    message: str


@dataclass(frozen=True, kw_only=True)
class Done:
    kind: Literal["done"] = "done"
    reason: Literal["completed", "paused", "step_limit", "error", "stopped"]
    """``stopped``: the user stopped the turn (the server's "Stop generating")."""


RuntimeEvent = (
    TextDeltaEvent
    | ToolCallStarted
    | ToolCallFinished
    | ConfirmationRequired
    | AuthRequired
    | NoticeEvent
    | WaitingEvent
    | ErrorEvent
    | Done
)


def event_to_dict(event: RuntimeEvent) -> dict[str, Any]:
    """The event as JSON-ready data, without its internal fields (file bytes)."""
    return {name: _plain(getattr(event, name)) for name in _public_fields(type(event))}


_PUBLIC_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def _public_fields(kind: type[Any]) -> tuple[str, ...]:
    """A kind of event's fields that leave the process, kept per kind (every streamed
    event needs them; ``fields()`` builds its answer anew on each call)."""
    names = _PUBLIC_FIELDS.get(kind)
    if names is None:
        names = _PUBLIC_FIELDS[kind] = tuple(
            f.name for f in fields(kind) if not f.metadata.get("internal")
        )
    return names


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
