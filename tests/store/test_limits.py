"""Rate-limit counters: fixed windows in the database, counted atomically across sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from sqlalchemy import func, select

from gptforge.store import Database, RateCounter, RateLimitRepository
from tests.store.databases import BACKENDS, drop_database, fresh_database_url


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(await fresh_database_url(str(request.param), tmp_path / "data"))
    yield database
    await database.dispose()
    await drop_database(database.url)


async def test_hits_count_up_within_a_window_and_start_over_in_the_next(db: Database) -> None:
    counts = []
    for now in (7200, 7201, 10799):
        async with db.session() as session:
            hit = await RateLimitRepository(session).hit("k", window=3600, now=now)
            counts.append((hit.count, hit.resets_in))
    assert counts == [(1, 3600), (2, 3599), (3, 1)]
    async with db.session() as session:
        repo = RateLimitRepository(session)
        assert (await repo.hit("k", window=3600, now=10800)).count == 1
        assert (await repo.hit("other", window=3600, now=10800)).count == 1


async def test_a_rolled_back_hit_does_not_count(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await RateLimitRepository(session).hit("k", window=60, now=120)
            raise RuntimeError("refused")
    async with db.session() as session:
        assert (await RateLimitRepository(session).hit("k", window=60, now=121)).count == 1


async def test_concurrent_hits_are_all_counted(db: Database) -> None:
    async def one() -> None:
        async with db.session() as session:
            await RateLimitRepository(session).hit("busy", window=3600, now=3600)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(one)
    async with db.session() as session:
        assert (await RateLimitRepository(session).hit("busy", window=3600, now=3600)).count == 21


async def test_prune_drops_ended_windows(db: Database) -> None:
    async with db.session() as session:
        repo = RateLimitRepository(session)
        await repo.hit("old", window=60, now=0)
        await repo.hit("new", window=60, now=100)
    async with db.session() as session:
        await RateLimitRepository(session).prune(now=100)
    async with db.session() as session:
        keys = list(await session.scalars(select(RateCounter.key)))
        assert keys == ["new"]
        assert await session.scalar(select(func.count()).select_from(RateCounter)) == 1
