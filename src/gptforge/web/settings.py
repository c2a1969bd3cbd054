"""Server settings: the operator settings plus what only ``gptforge serve`` needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError

from gptforge.settings import Settings, settings_error


class ServerSettings(Settings):
    """``GPTFORGE_DATABASE_URL``, ``GPTFORGE_SECRET_KEY``, ``GPTFORGE_SIGNUP`` and friends."""

    database_url: str | None = None
    """``postgresql+asyncpg://...`` or ``postgresql+psycopg://...``; else SQLite in data_dir."""
    secret_key: SecretStr | None = None
    """Encrypts stored secrets; generated into the data directory when unset."""
    signup: Literal["open", "closed"] = "open"
    """``closed``: only an admin creates accounts (the first account can always sign up)."""
    session_days: int = 30
    password_hashing: Literal["rfc9106_low_memory", "cheapest"] = "rfc9106_low_memory"
    """argon2 parameters; ``cheapest`` is for test suites only."""
    max_body_bytes: int = 16_000_000
    file_max_bytes: int = 10_000_000
    """The largest file a user may upload to a conversation."""
    conversation_max_files: int = 50
    """How many files (uploads and files tool calls made) a conversation may hold before
    uploads are refused."""
    turn_stale_seconds: float = 15.0
    """A running turn whose process has not refreshed it for this long is marked
    interrupted (the process died); running turns refresh it every third of this."""
    chat_limit_user_per_gpt: int = Field(default=30, ge=0)
    """Messages one user may send to one GPT per window, when the GPT's actions use an API
    key its builder stored (0: no limit). The builder's own chats are not limited."""
    chat_limit_per_gpt: int = Field(default=1000, ge=0)
    """Messages all users together may send to one such GPT per window (0: no limit)."""
    chat_limit_window_seconds: int = Field(default=3600, ge=1)
    """The length of the fixed windows the chat limits count in (default one hour)."""
    provider_settings_ttl_seconds: float = Field(default=5.0, ge=0)
    """How long a process uses the model provider settings it read from the database
    before it reads them again (an admin's change reaches every process within this)."""

    knowledge_max_files: int = Field(default=20, ge=1)
    """Knowledge files per GPT (its draft)."""
    knowledge_max_file_bytes: int = Field(default=10_000_000, ge=1)
    """Size of one knowledge file."""
    embeddings_url: str | None = None
    """Base URL of an OpenAI-compatible embeddings API (``.../v1``); knowledge search is
    then hybrid (full text + vectors). Unset: full text only."""
    embeddings_model: str = "text-embedding-3-small"
    embeddings_api_key: SecretStr | None = None


def load_server_settings() -> ServerSettings:
    """The server's settings from the environment; a bad value is a ConfigError naming
    the variable to fix."""
    try:
        return ServerSettings()
    except ValidationError as exc:
        raise settings_error(exc) from None
