"""What every request handler shares: settings, the database, the secret box, the model."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.capabilities.code import CodeInterpreter
from gptforge.egress import EgressPolicy, EgressPool
from gptforge.errors import ProviderError
from gptforge.llm import ModelProvider, provider_from_settings
from gptforge.llm.openai_compat import list_models
from gptforge.runtime import ModelSettings
from gptforge.store import AdminSettingsRepository, Database, SecretBox
from gptforge.web.security import Passwords
from gptforge.web.settings import ServerSettings
from gptforge.web.turns import Turns

ALLOW_HOSTS_KEY = "action_allow_hosts"
PROVIDER_BASE_URL = "provider_base_url"
PROVIDER_MODEL = "provider_model"
PROVIDER_API_KEY = "provider_api_key"


@dataclass(frozen=True, kw_only=True)
class ProviderConfig:
    """The model provider chats use, and where its settings came from."""

    base_url: str | None
    api_key: str | None
    model: str | None
    source: Literal["admin", "environment"]

    def redacted(self, message: str) -> str:
        """``message`` with the API key, if it appears, replaced by ``***``."""
        return message.replace(self.api_key, "***") if self.api_key else message

    def __repr__(self) -> str:  # never the key
        return (
            f"ProviderConfig(base_url={self.base_url!r}, model={self.model!r}, "
            f"source={self.source!r}, api_key={'set' if self.api_key else 'unset'})"
        )


@dataclass(kw_only=True)
class Platform:
    settings: ServerSettings
    db: Database
    secrets: SecretBox
    passwords: Passwords
    extra_allow_hosts: list[str] = field(default_factory=list)
    """Hosts the server itself allowlists (the in-process demo API)."""
    provider: ModelProvider | None = None
    """One model for every chat, whatever the settings say (tests give a scripted one).
    None: the provider the admin settings name, else the environment's (see
    :meth:`model_provider`)."""
    turns: Turns = field(default_factory=Turns)
    code_interpreter: CodeInterpreter | None = None
    egress: EgressPool = field(default_factory=EgressPool)
    """Connections to action APIs, kept across turns (one client per allowlist); closed
    when the app stops."""
    """The sandbox sessions of this process, made on the first code interpreter call."""
    _resolved: tuple[float, ProviderConfig, ModelProvider] | None = field(
        default=None, init=False, repr=False
    )
    """When the provider settings were read, what they said, and the provider made."""
    _chosen: dict[tuple[ProviderConfig, str, str | None, float | None], ModelProvider] = field(
        default_factory=dict, init=False, repr=False
    )
    """Providers for GPTs that ask for their own model, on the settings they were made on."""
    _listed: tuple[float, ProviderConfig, list[str], str | None] | None = field(
        default=None, init=False, repr=False
    )
    """When the model server's models were listed, for which settings, the ids, the error."""
    _policy: tuple[float, EgressPolicy] | None = field(default=None, init=False, repr=False)
    """When the allowlist was read, and the policy made of it."""

    async def egress_policy(self, session: AsyncSession) -> EgressPolicy:
        """The operator's allowlist: environment, admin settings and the demo API.

        Like the provider settings, the stored part is read at most every
        ``provider_settings_ttl_seconds`` (every chat message needs it): an admin's
        change reaches every process within that time, this one at once (see
        :meth:`forget_egress_policy`)."""
        now = time.monotonic()
        cached = self._policy
        if cached is not None and now - cached[0] < self.settings.provider_settings_ttl_seconds:
            return cached[1]
        stored = await AdminSettingsRepository(session).value(ALLOW_HOSTS_KEY) or []
        policy = self.settings.egress_policy(extra_hosts=[*self.extra_allow_hosts, *stored])
        self._policy = (now, policy)
        return policy

    def forget_egress_policy(self) -> None:
        """Read the allowlist again next time (it was just changed)."""
        self._policy = None

    async def provider_config(self) -> ProviderConfig:
        """The admin settings' provider when a base URL or key is stored there, else the
        environment's. The two are never mixed: an environment key is not sent to a base
        URL set through the API. A stored model name applies to either."""
        async with self.db.session() as session:
            repo = AdminSettingsRepository(session)
            base_url = await repo.value(PROVIDER_BASE_URL)
            model = await repo.value(PROVIDER_MODEL)
            key_row = await repo.get(PROVIDER_API_KEY)
        key = self.secrets.decrypt(key_row.secret) if key_row and key_row.secret else None
        if base_url or key:
            return ProviderConfig(base_url=base_url, api_key=key, model=model, source="admin")
        env = self.settings
        return ProviderConfig(
            base_url=env.openai_base_url,
            api_key=env.openai_api_key.get_secret_value() if env.openai_api_key else None,
            model=model or env.model,
            source="environment",
        )

    def build_provider(
        self, config: ProviderConfig, choice: ModelSettings | None = None
    ) -> ModelProvider:
        """The provider for ``config`` (OpenAI-compatible when it names a server or key,
        else the embedded model), or the one a GPT's ``choice`` asks for on it.

        Raises :class:`~gptforge.errors.ProviderError` when the choice needs an
        OpenAI-compatible server and none is configured."""
        settings = self.settings.model_copy(
            update={
                "openai_base_url": config.base_url,
                "openai_api_key": SecretStr(config.api_key) if config.api_key else None,
                "model": config.model,
            }
        )
        choice = choice or ModelSettings()  # its defaults are the settings' own choice
        return provider_from_settings(
            settings,
            provider=choice.provider,
            model=choice.model,
            temperature=choice.temperature,
        )

    async def model_provider(self, choice: ModelSettings | None = None) -> ModelProvider:
        """The model for a new turn: the fixed :attr:`provider`, or the configured one
        (with the provider, model and temperature a GPT's ``choice`` asks for).

        The configuration is read from the database at most every
        ``provider_settings_ttl_seconds``, so an admin's change reaches every process
        within that time without a restart (this process: at once, see
        :meth:`forget_provider`). The provider object is kept while its settings stay the
        same.
        """
        if self.provider is not None:
            return self.provider
        default = await self._default_provider()
        if choice is None or choice == ModelSettings():
            return default
        assert self._resolved is not None
        config = self._resolved[1]
        key = (config, choice.provider, choice.model, choice.temperature)
        provider = self._chosen.get(key)
        if provider is None:
            provider = self.build_provider(config, choice)
            if len(self._chosen) >= 64:  # settings changed many times: start again
                self._chosen.clear()
            self._chosen[key] = provider
        return provider

    async def _default_provider(self) -> ModelProvider:
        now = time.monotonic()
        resolved = self._resolved
        if resolved is not None and now - resolved[0] < self.settings.provider_settings_ttl_seconds:
            return resolved[2]
        config = await self.provider_config()
        if resolved is not None and resolved[1] == config:
            provider = resolved[2]
        else:
            provider = self.build_provider(config)
        self._resolved = (now, config, provider)
        return provider

    async def server_models(self, config: ProviderConfig) -> tuple[list[str], str | None]:
        """The models the configured OpenAI-compatible server lists (asked at most once a
        minute), and why the list is empty when the server could not say."""
        now = time.monotonic()
        listed = self._listed
        if listed is not None and listed[1] == config and now - listed[0] < 60:
            return listed[2], listed[3]
        models: list[str] = []
        problem: str | None = None
        try:
            models = await list_models(api_key=config.api_key, base_url=config.base_url)
        except ProviderError as exc:
            problem = config.redacted(exc.message)
        self._listed = (now, config, models, problem)
        return models, problem

    def forget_provider(self) -> None:
        """Read the provider settings again on the next turn (they were just changed)."""
        if self._resolved is not None:
            self._resolved = (float("-inf"), self._resolved[1], self._resolved[2])
