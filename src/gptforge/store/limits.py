"""Rate-limit counters in the database, so every server process counts against the same
numbers: one row per key and fixed time window, incremented atomically (an upsert)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from gptforge.store.models import ActionRecord, Base


class RateCounter(Base):
    """How many times ``key`` was counted in the window starting at ``window_start``."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Seconds since the epoch, a multiple of the window length."""
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[int] = mapped_column(Integer, index=True)
    """When the window ends (seconds since the epoch); rows past it are pruned."""


@dataclass(frozen=True)
class Hit:
    """A counter after one more hit: its count and the seconds until its window ends."""

    count: int
    resets_in: int


class RateLimitRepository:
    """Fixed-window counters. The increment takes the row's lock until the transaction
    ends, so concurrent hits from any process are counted one after the other, and a
    refused request that rolls back does not count."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hit(self, key: str, *, window: int, now: float | None = None) -> Hit:
        moment = int(time.time() if now is None else now)
        start = moment - moment % window
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(RateCounter)
            .values(key=key, window_start=start, count=1, expires_at=start + window)
            .on_conflict_do_update(
                index_elements=[RateCounter.key, RateCounter.window_start],
                set_={"count": RateCounter.count + 1},
            )
            .returning(RateCounter.count)
        )
        count = int((await self.session.execute(statement)).scalar_one())
        return Hit(count=count, resets_in=max(1, start + window - moment))

    async def prune(self, now: float | None = None) -> None:
        """Forget windows that have ended."""
        moment = int(time.time() if now is None else now)
        await self.session.execute(delete(RateCounter).where(RateCounter.expires_at <= moment))


async def uses_builder_key(session: AsyncSession, gpt_id: str, version: int) -> bool:
    """True when an action of this GPT version sends an API key its builder stored (each
    chat spends the builder's quota); OAuth (the user's own token) and no auth do not."""
    rows = await session.execute(
        select(ActionRecord.auth).where(
            ActionRecord.gpt_id == gpt_id,
            ActionRecord.version == version,
            ActionRecord.auth_secret.is_not(None),
        )
    )
    return any((auth or {}).get("type") == "api_key" for auth in rows.scalars())
