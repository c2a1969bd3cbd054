"""A conversation as plain data: what a later request, in any process, needs to go on.

:class:`ConversationState` round-trips through JSON (``model_dump_json`` /
``model_validate_json``), so the server can keep it in a database row between the
request that paused a turn and the one that resumes it. Pending calls name their tool
by its stable key (toolset id + tool name), not by the position-dependent name the
model saw.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from gptforge.llm import ChatMessage
from gptforge.toolsets import ToolStatus

Decision = Literal["allow", "always", "deny"]


class PendingCall(BaseModel):
    """A tool call waiting for the user: a confirmation, or a sign-in."""

    call_id: str
    tool: str
    """The name the model used."""
    key: str | None = None
    """The tool's stable key (``<toolset id>/<tool name>``); None for an unknown tool."""
    arguments: str
    reason: Literal["confirmation", "auth"]
    decision: Decision | None = None
    """A decision already given while other confirmations of the turn wait for theirs."""


class CallEntry(BaseModel):
    """How one tool call ended, for the conversation's history and the debug view."""

    call_id: str
    key: str | None
    status: ToolStatus
    message: str | None = None
    record: dict[str, Any] | None = None
    files: list[dict[str, Any]] = Field(default_factory=list)
    """The files the call produced (id, name, media_type, size); the bytes are stored apart."""


class ConversationState(BaseModel):
    """Everything needed to continue a conversation, as JSON-serializable data."""

    conversation_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    messages: list[Annotated[ChatMessage, Field(discriminator="role")]] = Field(
        default_factory=list
    )
    pending: list[PendingCall] = Field(default_factory=list)
    calls: list[CallEntry] = Field(default_factory=list)
    steps: int = 0
