"""Operator settings changed through the API, stored in the database so every process sees them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.store.models import AdminSetting


class AdminSettingsRepository:
    """A small key/value table; secrets go in ``secret`` (already encrypted by the caller)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> AdminSetting | None:
        return await self.session.get(AdminSetting, key)

    async def value(self, key: str) -> Any:
        row = await self.get(key)
        return None if row is None or row.value is None else row.value.get("value")

    async def set_value(self, key: str, value: Any) -> None:
        row = await self._row(key)
        row.value = {"value": value}

    async def set_secret(self, key: str, encrypted: str | None) -> None:
        row = await self._row(key)
        row.secret = encrypted

    async def claim(self, key: str, value: Any) -> None:
        """Insert ``key`` once; a second claim, even from another process, is an IntegrityError."""
        self.session.add(AdminSetting(key=key, value={"value": value}))
        await self.session.flush()

    async def _row(self, key: str) -> AdminSetting:
        row = await self.get(key)
        if row is None:
            row = AdminSetting(key=key)
            self.session.add(row)
        return row
