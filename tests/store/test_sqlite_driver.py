"""SQLite on the event loop's thread: statements work as through aiosqlite, and a
database another writer holds is waited for without stopping the loop, then written,
or after the wait's limit fails with SQLite's own error."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from gptforge.store import Database, sqlite_driver


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    await database.migrate()
    async with database.session() as session:
        await session.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
    yield database
    await database.dispose()


def other_writer(db: Database) -> sqlite3.Connection:
    """Another process's connection to the same file, holding its write lock."""
    path = db.engine.url.database
    assert path is not None
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO notes VALUES ('theirs')")
    return connection


async def notes(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.execute(text("SELECT body FROM notes ORDER BY rowid"))
        return [row[0] for row in rows]


async def test_writes_and_reads_round_trip(db: Database) -> None:
    for n in range(3):
        async with db.session() as session:
            await session.execute(text("INSERT INTO notes VALUES (:body)"), {"body": str(n)})
    with pytest.raises(OperationalError, match="no such table"):
        async with db.session() as session:
            await session.execute(text("SELECT * FROM missing"))
    assert await notes(db) == ["0", "1", "2"]


async def test_a_write_waits_for_another_writer_while_the_loop_goes_on(db: Database) -> None:
    theirs = other_writer(db)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with db.session() as session:
            await session.execute(text("INSERT INTO notes VALUES ('ours')"))

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done()  # waiting for the lock...
    assert ticks >= 10  # ...and the loop kept serving others meanwhile
    theirs.commit()
    theirs.close()
    async with asyncio.timeout(5):
        await writer
    ticker.cancel()
    assert await notes(db) == ["theirs", "ours"]


async def test_a_read_does_not_wait_for_a_writer(db: Database) -> None:
    theirs = other_writer(db)
    try:
        async with asyncio.timeout(1):
            assert await notes(db) == []  # WAL: the last committed state
    finally:
        theirs.close()


async def test_a_lock_held_past_the_limit_fails_and_loses_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.session() as session:
        await session.execute(text("INSERT INTO notes VALUES ('kept')"))
    monkeypatch.setattr(sqlite_driver, "LOCK_WAIT_SECONDS", 0.2)
    theirs = other_writer(db)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        async with db.session() as session:
            await session.execute(text("INSERT INTO notes VALUES ('ours')"))
    assert 0.2 <= time.monotonic() - started < 2
    theirs.rollback()
    theirs.close()
    assert await notes(db) == ["kept"]


async def test_the_wal_is_checkpointed_off_the_loop_and_stays_small(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_driver, "COMMITS_PER_CHECKPOINT", 20)
    body = "x" * 8000  # two pages a commit: 600 commits fill a 10 MB WAL unchecked
    for n in range(600):
        async with db.session() as session:
            await session.execute(text("INSERT INTO notes VALUES (:body)"), {"body": body})
        if n % 50 == 0:
            await asyncio.sleep(0.01)  # let a running checkpoint finish now and then
    path = db.engine.url.database
    assert path is not None
    assert Path(path + "-wal").stat().st_size < 4_000_000
    async with db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM notes"))).scalar() == 600


async def test_a_stale_snapshot_is_not_retried() -> None:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY_SNAPSHOT  # type: ignore[attr-defined]
    assert not sqlite_driver._locked(error)
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY_RECOVERY  # type: ignore[attr-defined]
    assert sqlite_driver._locked(error)
