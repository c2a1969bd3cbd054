"""Whether anyone may sign up: the admin's choice, else ``GPTFORGE_SIGNUP``."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.store import AdminSettingsRepository
from gptforge.web.platform import Platform

SIGNUP_KEY = "signup"


async def signup_mode(platform: Platform, session: AsyncSession) -> Literal["open", "closed"]:
    stored = await AdminSettingsRepository(session).value(SIGNUP_KEY)
    if stored in ("open", "closed"):
        return stored  # type: ignore[no-any-return]
    return platform.settings.signup
