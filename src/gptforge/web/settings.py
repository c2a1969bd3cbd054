"""Server settings: the operator settings plus what only ``gptforge serve`` needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from gptforge.settings import Settings


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
    turn_stale_seconds: float = 15.0
    """A running turn whose process has not refreshed it for this long is marked
    interrupted (the process died); running turns refresh it every third of this."""

    knowledge_max_files: int = Field(default=20, ge=1)
    """Knowledge files per GPT (its draft)."""
    knowledge_max_file_bytes: int = Field(default=10_000_000, ge=1)
    """Size of one knowledge file."""
    embeddings_url: str | None = None
    """Base URL of an OpenAI-compatible embeddings API (``.../v1``); knowledge search is
    then hybrid (full text + vectors). Unset: full text only."""
    embeddings_model: str = "text-embedding-3-small"
    embeddings_api_key: SecretStr | None = None
