"""Operator settings, from environment variables (``GPTFORGE_*``).

An env file is read only when ``GPTFORGE_ENV_FILE`` names it: a ``.env`` that happens
to sit in the current directory (a cloned repository, a download folder) must not be
able to open the egress allowlist or send the provider key to another server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gptforge.actions.results import MAX_RESULT_CHARS
from gptforge.capabilities import CapabilityConfig, ImageConfig, SearchConfig, SearchProviderName
from gptforge.capabilities.config import DEFAULT_IMAGE_MODEL, MAX_PAGE_CHARS
from gptforge.egress import EgressLimits, EgressPolicy
from gptforge.errors import ConfigError

DEMO_API_HOST = "127.0.0.1"
DEMO_API_PORT = 8765
_DEFAULT_LIMITS = EgressLimits()


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "gptforge"


class Settings(BaseSettings):
    """Everything an operator can set; every field has a working default."""

    model_config = SettingsConfigDict(env_prefix="GPTFORGE_", env_file=None, extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    cache_dir: Path | None = None
    """Where the embedded model is assembled (default: ``~/.cache/gptforge/models``)."""

    allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Internal hosts actions may reach: ``host``, ``host:port`` or CIDR, comma-separated."""
    allow_demo_api: bool = True
    """Let actions reach the bundled demo API (127.0.0.1:``demo_api_port``) without an
    allowlist entry."""
    demo_api_port: int = Field(default=DEMO_API_PORT, ge=1, le=65535)
    """Where ``gptforge demo-api`` and ``gptforge demo`` serve the demo weather API."""

    action_deadline_seconds: float = _DEFAULT_LIMITS.deadline_seconds
    action_max_response_bytes: int = _DEFAULT_LIMITS.max_response_bytes
    action_max_result_chars: int = MAX_RESULT_CHARS

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GPTFORGE_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GPTFORGE_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    model: str | None = None
    """Model name for the OpenAI-compatible provider (default gpt-4o-mini on OpenAI)."""
    embedded_threads: int | None = None
    embedded_context: int = 8192
    timezone: str | None = None
    """The IANA time zone of today's date as the model is told it (``Europe/Berlin``);
    default: the server's local time zone."""

    search_provider: SearchProviderName | None = None
    """Web search for the browsing capability: ``searxng``, ``brave`` or ``tavily``."""
    search_url: str | None = None
    """SearXNG's address (required for it); Brave/Tavily default to their public API."""
    search_api_key: SecretStr | None = None
    images_base_url: str | None = None
    """An OpenAI-compatible images API (default OpenAI's when only a key is set)."""
    images_api_key: SecretStr | None = None
    images_model: str | None = None

    @field_validator(
        "search_provider", "search_url", "images_base_url", "images_model", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone", mode="before")
    @classmethod
    def _known_timezone(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            return None
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone this machine knows; use an IANA name such as "
                "Europe/Berlin, America/New_York or UTC, or unset it for the server's local "
                "time (on a system without /usr/share/zoneinfo, install tzdata)"
            ) from None
        return value.strip()

    def clock(self) -> Callable[[], datetime]:
        """The current time in the configured zone (else the server's local time)."""
        zone = ZoneInfo(self.timezone) if self.timezone else None
        return lambda: datetime.now().astimezone(zone)

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def model_cache_dir(self) -> Path:
        return self.cache_dir or (Path.home() / ".cache" / "gptforge" / "models")

    def egress_policy(self, extra_hosts: list[str] | None = None) -> EgressPolicy:
        entries = list(self.allow_hosts)
        if self.allow_demo_api:
            entries.append(f"{DEMO_API_HOST}:{self.demo_api_port}")
            entries.append(f"localhost:{self.demo_api_port}")
        entries.extend(extra_hosts or [])
        return EgressPolicy.from_entries(entries)

    def capability_config(self) -> CapabilityConfig:
        """The built-in capabilities as configured by environment variables."""
        return CapabilityConfig(
            search=SearchConfig(
                provider=self.search_provider,
                url=self.search_url,
                api_key=_secret(self.search_api_key),
            ),
            images=ImageConfig(
                base_url=self.images_base_url,
                api_key=_secret(self.images_api_key),
                model=self.images_model or DEFAULT_IMAGE_MODEL,
            ),
            max_page_chars=min(MAX_PAGE_CHARS, self.action_max_result_chars),
        )

    def egress_limits(self) -> EgressLimits:
        return EgressLimits(
            deadline_seconds=self.action_deadline_seconds,
            max_response_bytes=self.action_max_response_bytes,
        )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


ENV_FILE_VARIABLE = "GPTFORGE_ENV_FILE"


def settings_error(exc: ValidationError) -> ConfigError:
    """Pydantic's findings about the environment, named by the variables to fix."""
    found = "; ".join(
        f"GPTFORGE_{'_'.join(str(p) for p in err['loc']).upper()}: "
        f"{str(err['msg']).removeprefix('Value error, ')}"
        for err in exc.errors()
    )
    return ConfigError(f"A setting is not valid. {found}.")


def load_settings() -> Settings:
    """The settings from the environment, plus the env file ``GPTFORGE_ENV_FILE`` names."""
    env_file = os.environ.get(ENV_FILE_VARIABLE)
    if env_file and not Path(env_file).is_file():
        raise ConfigError(
            f"{ENV_FILE_VARIABLE} names {env_file}, which is not a readable file. Fix the "
            f"path or unset {ENV_FILE_VARIABLE}."
        )
    try:
        return Settings(_env_file=env_file) if env_file else Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise settings_error(exc) from None
