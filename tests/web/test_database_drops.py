"""PostgreSQL drops the server's connections (a restart, an idle timeout, a proxy): a
connection that waited in the pool is checked before use, so the next request works;
one dropped while in use fails its request with 503, never 500, and the next works."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gptforge.store import database
from gptforge.web.platform import Platform
from tests.store.databases import postgres_cluster
from tests.web.conftest import assert_error

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


async def drop_connections(platform: Platform) -> int:
    """What ``pg_terminate_backend`` does to the app's connections on a restart."""
    name = platform.db.url.rsplit("/", 1)[1]
    engine = create_async_engine(postgres_cluster().admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


async def test_connections_dropped_while_idle_are_replaced(
    platform: Platform, alice: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.2)
    assert (await alice.get("/api/v1/gpts")).status_code == 200
    assert await drop_connections(platform) >= 1
    await asyncio.sleep(0.3)
    for _ in range(3):
        assert (await alice.get("/api/v1/gpts")).status_code == 200


async def test_a_connection_dropped_in_use_fails_one_request_with_503(
    platform: Platform, alice: httpx.AsyncClient
) -> None:
    assert (await alice.get("/api/v1/gpts")).status_code == 200
    assert await drop_connections(platform) >= 1
    # reused at once: not checked (a ping per use costs a busy server a fifth of its turns)
    assert_error(await alice.get("/api/v1/gpts"), 503, "database_unavailable")
    for _ in range(3):
        assert (await alice.get("/api/v1/gpts")).status_code == 200
