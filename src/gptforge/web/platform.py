"""What every request handler shares: settings, the database and the secret box."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.capabilities.code import CodeInterpreter
from gptforge.egress import EgressPolicy
from gptforge.llm import ModelProvider
from gptforge.store import AdminSettingsRepository, Database, SecretBox
from gptforge.web.security import Passwords
from gptforge.web.settings import ServerSettings
from gptforge.web.turns import Turns

ALLOW_HOSTS_KEY = "action_allow_hosts"


@dataclass(kw_only=True)
class Platform:
    settings: ServerSettings
    db: Database
    secrets: SecretBox
    passwords: Passwords
    extra_allow_hosts: list[str] = field(default_factory=list)
    """Hosts the server itself allowlists (the in-process demo API)."""
    provider: ModelProvider | None = None
    """The model for chats; made from the settings on first use when not given (tests
    give a scripted one). One per process: the embedded model loads once."""
    turns: Turns = field(default_factory=Turns)
    code_interpreter: CodeInterpreter | None = None
    """The sandbox sessions of this process, made on the first code interpreter call."""

    async def egress_policy(self, session: AsyncSession) -> EgressPolicy:
        """The operator's allowlist: environment, admin settings and the demo API."""
        stored = await AdminSettingsRepository(session).value(ALLOW_HOSTS_KEY) or []
        return self.settings.egress_policy(extra_hosts=[*self.extra_allow_hosts, *stored])
