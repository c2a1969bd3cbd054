"""The database tables, as SQLAlchemy 2 declarative models.

Relationships are ``lazy="raise"``: every query loads what it needs on purpose, so an
async session never lazy-loads by surprise. Ids are random strings made by
:func:`new_id`; a GPT's id carries 128 random bits so it cannot be guessed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DRAFT = 0
"""The ``version`` of an action row that belongs to the GPT's draft."""

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str, nbytes: int = 16) -> str:
    """``prefix`` + URL-safe text of ``nbytes`` random bytes (16 bytes = 128 bits)."""
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always reads back in UTC (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("u-"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Lower-cased, so sign-in is case-insensitive."""
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """A signed-in browser: the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("s-"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="raise")


class ApiToken(Base):
    """A personal token for scripts (``Authorization: Bearer``); stored as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("t-"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="raise")


class LoginFailure(Base):
    """One failed sign-in for an email address, kept for the throttling window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_login_failures_email_failed_at", "email", "failed_at"),)


class AdminSetting(Base):
    """One operator setting set through the API; ``secret`` holds encrypted values only."""

    __tablename__ = "admin_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    secret: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Gpt(Base):
    """A GPT: its draft fields, its live version and who may see it."""

    __tablename__ = "gpts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("g-"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300), default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    conversation_starters: Mapped[list[str]] = mapped_column(JSON, default=list)
    returning_user_starters: Mapped[list[str]] = mapped_column(JSON, default=list)
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    model: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """The model this GPT asks for (a ``ModelSettings``); None: the server's default."""
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    live_version: Mapped[int | None] = mapped_column(Integer, default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    conversation_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (
        Index("ix_gpts_listing", "visibility", "published_at"),
        Index("ix_gpts_popular", "visibility", "conversation_count"),
    )


class GptVersion(Base):
    """A published snapshot of a GPT's fields; its actions are rows with the same number."""

    __tablename__ = "gpt_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gpt_id: Mapped[str] = mapped_column(ForeignKey("gpts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    visibility: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("gpt_id", "number", name="uq_gpt_versions_gpt_number"),)


class ActionRecord(Base):
    """An action of a GPT's draft (``version`` 0) or of one published version.

    ``action_id`` stays the same across versions, so users' OAuth tokens and
    "always allow" choices survive a publish. ``auth`` holds the settings without
    secrets; ``auth_secret`` holds the secret, encrypted.
    """

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gpt_id: Mapped[str] = mapped_column(ForeignKey("gpts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=DRAFT)
    action_id: Mapped[str] = mapped_column(String(40), default=lambda: new_id("a-", 12))
    position: Mapped[int] = mapped_column(Integer, default=0)
    schema_text: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    host: Mapped[str | None] = mapped_column(String(300), default=None)
    """The host the action sends data to, kept for the public view."""
    auth: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: {"type": "none"})
    auth_secret: Mapped[str | None] = mapped_column(Text, default=None)
    privacy_policy_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    enabled_operations: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    server_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("gpt_id", "version", "action_id", name="uq_actions_gpt_version_action"),
    )


class Conversation(Base):
    """One user's conversation with one GPT (its live version, or the draft for Preview).

    ``state`` is the runtime's :class:`~gptforge.runtime.ConversationState` as JSON: every
    message, tool call and call record, and the calls a paused turn waits on. ``status``
    is ``idle``, ``running`` (a turn is writing events), ``paused`` (waiting for a
    decision) or ``interrupted`` (the process running the turn ended mid-turn).
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("c-"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    gpt_id: Mapped[str] = mapped_column(ForeignKey("gpts.id", ondelete="CASCADE"), index=True)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="idle")
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    """The sequence number of the last stored event (the SSE ``id``)."""
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    """Refreshed by the process running a turn; a stale one means that process died."""
    stop_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    """The user asked to stop the running turn ("Stop generating"); cleared by the next."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    gpt: Mapped[Gpt] = relationship(lazy="raise", viewonly=True)
    """Loaded only by a query that asks for it (the authorization of a message loads the
    conversation with its GPT, which a turn needs: ``session.get(Gpt, ...)`` then finds
    it without a query). ``gpt_id`` is what is written."""

    __table_args__ = (
        Index("ix_conversations_user_updated", "user_id", "updated_at"),
        Index("ix_conversations_status", "status"),
    )


class ConversationEvent(Base):
    """One runtime event of a conversation, kept so a stream can resume (``Last-Event-ID``)."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "conversation_id", "sequence", name="uq_conversation_events_conversation_sequence"
        ),
    )


class Approval(Base):
    """A tool a user allowed once and for all ("always allow") in one GPT."""

    __tablename__ = "approvals"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    gpt_id: Mapped[str] = mapped_column(ForeignKey("gpts.id", ondelete="CASCADE"), primary_key=True)
    tool_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthState(Base):
    """An OAuth sign-in in progress, by the SHA-256 of its ``state`` value; used once."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action_id: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str | None] = mapped_column(Text, default=None)
    """Encrypted."""
    fingerprint: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[float] = mapped_column(Float)


class OAuthToken(Base):
    """A user's OAuth token for one action (by its stable ``action_id``), encrypted."""

    __tablename__ = "oauth_tokens"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    action_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    """Encrypted."""
    refresh_token: Mapped[str | None] = mapped_column(Text, default=None)
    """Encrypted."""
    expires_at: Mapped[float | None] = mapped_column(Float, default=None)
    token_type: Mapped[str] = mapped_column(String(40), default="Bearer")
    scope: Mapped[str | None] = mapped_column(String(1000), default=None)
    fingerprint: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_oauth_tokens_action", "action_id"),)
