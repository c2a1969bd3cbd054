"""Request and response bodies of the chat endpoints (conversations, messages, decisions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, StringConstraints

from gptforge.web.schemas import Input

ConversationStatus = Literal["idle", "running", "paused", "interrupted"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Content = Annotated[str, StringConstraints(min_length=1, max_length=32_000)]


class ConversationIn(Input):
    draft: bool = False
    """True: chat with the draft (Preview); only the GPT's owner may."""


class ConversationPatch(Input):
    title: Title


class MessageIn(Input):
    content: Content


class DecisionIn(Input):
    decision: Literal["allow", "always_allow", "deny"]


class ConversationCreated(BaseModel):
    id: str
    gpt_id: str
    title: str
    draft: bool
    returning_user: bool
    """The user chatted with this GPT before: show ``starters`` (its returning-user ones)."""
    starters: list[str]
    """The starters to offer: ``returning_user_starters`` for a returning user (when the
    GPT has some), else ``conversation_starters``."""


class ConversationSummary(BaseModel):
    id: str
    gpt_id: str
    title: str
    draft: bool
    status: ConversationStatus
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    role: Literal["user", "assistant", "tool"]
    content: str | None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


class CallOut(BaseModel):
    """How a tool call ended (redacted record: what was sent and received)."""

    call_id: str
    status: str
    message: str | None = None
    record: dict[str, Any] | None = None
    files: list[dict[str, Any]] = []
    """Files the call produced (id, name, media_type, size): ``GET /api/v1/files/{id}``."""


class PendingOut(BaseModel):
    """A call the turn waits on: ``confirmation`` (decide it) or ``auth`` (sign in)."""

    call_id: str
    tool: str
    arguments: str
    reason: Literal["confirmation", "auth"]


class ConversationOut(ConversationSummary):
    messages: list[MessageOut]
    calls: list[CallOut]
    pending: list[PendingOut]
    last_event_id: int
    """Resume the event stream after this id (``Last-Event-ID``)."""


class FileOut(BaseModel):
    """A file of a conversation: an upload (``call_id`` null) or a tool call's output."""

    id: str
    conversation_id: str
    name: str
    media_type: str
    size: int
    call_id: str | None
    created_at: datetime
    url: str
    """Where to download it (``GET``; images are served inline)."""
