"""SQLite for SQLAlchemy's async engine, run on the event loop's own thread.

aiosqlite runs each call of a connection in a worker thread: a statement costs several
hand-overs between that thread and the event loop, each a wake-up of the loop and a
wait for the GIL while the loop is busy with other requests. A server process reaches
SQLite through one session at a time (:class:`~gptforge.store.database.SessionLine`),
so those waits add up to most of the time a turn holds the database (benchmarks/
RESULTS.md, issue 11). SQLite itself answers a statement of this application in
microseconds from its page cache, so this connection calls it directly.

It never blocks the loop waiting for a lock: SQLite's busy handler is off and a call
that finds the database locked (another connection or process writing) is retried after
an ``asyncio`` sleep, up to :data:`LOCK_WAIT_SECONDS`, as ``PRAGMA busy_timeout`` would.

The objects quack like aiosqlite's, which SQLAlchemy's ``sqlite+aiosqlite`` dialect
adapts (``create_async_engine(..., async_creator=...)``)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

COMMITS_PER_CHECKPOINT = 200
"""Commits between two checkpoints (SQLite's own default is every 1000 WAL pages; a
commit of this server writes a few pages)."""
LOCK_WAIT_SECONDS = 30.0
"""How long a statement waits for another writer before it fails, as the thread-based
driver's ``PRAGMA busy_timeout=30000`` did."""
_FIRST_RETRY_SECONDS = 0.001
_LONGEST_RETRY_SECONDS = 0.05


def _locked(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` is one of SQLite's "busy" codes a retry may get past (another
    writer's lock, a WAL recovery), not a stale snapshot (only a new transaction helps)."""
    code: int | None = getattr(error, "sqlite_errorcode", None)  # the extended code
    if code is None or code == sqlite3.SQLITE_BUSY_SNAPSHOT:
        return False
    return bool(code & 0xFF == sqlite3.SQLITE_BUSY)


async def _call(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, again after a short sleep while SQLite says it is locked."""
    deadline: float | None = None
    pause = _FIRST_RETRY_SECONDS
    while True:
        try:
            return function(*args)
        except sqlite3.OperationalError as error:
            if not _locked(error):
                raise
            now = time.monotonic()
            deadline = deadline or now + LOCK_WAIT_SECONDS
            if now >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_RETRY_SECONDS)


class InlineCursor:
    """A cursor whose calls run at once (aiosqlite's ``Cursor`` interface). Only
    statements are retried on a lock: a fetch that failed midway cannot be repeated
    (``sqlite3`` drops the statement), and in WAL mode reading rows takes no lock."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await _call(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # a retry must see the same rows again
        await _call(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size or self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _InlineQueue:
    """What SQLAlchemy's adapter puts work on when it sets the isolation level
    (aiosqlite's private queue to its thread): run the work now."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the waiting caller
            if future is not None:
                future.set_exception(error)
        else:
            if future is not None:
                future.set_result(result)


class Checkpoints:
    """WAL checkpoints of one database file, in a worker thread.

    SQLite's automatic checkpoint runs inside the ``COMMIT`` that crosses its threshold
    and syncs the files to disk: tens of milliseconds during which, on the loop's
    thread, every stream of the process would stop. The connections turn it off
    (``wal_autocheckpoint=0``) and this runs one every :data:`COMMITS_PER_CHECKPOINT`
    commits on a connection of its own in a thread, inside ``guard`` (the process's
    session line: no write of this process can land meanwhile, so the checkpoint
    completes and the next write starts the WAL file over)."""

    def __init__(
        self,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        guard: Callable[[], AbstractAsyncContextManager[object]] | None = None,
        context: Callable[[], contextvars.Context] = contextvars.copy_context,
    ) -> None:
        self._args, self._kwargs = args, dict(kwargs)
        self._guard = guard or contextlib.nullcontext
        self._context = context
        self._commits = 0
        self._running: asyncio.Task[None] | None = None

    def committed(self) -> None:
        self._commits += 1
        if self._commits < COMMITS_PER_CHECKPOINT or self._running is not None:
            return
        self._commits = 0
        loop = asyncio.get_running_loop()
        self._running = loop.create_task(self._run(), context=self._context())

    async def _run(self) -> None:
        try:
            async with self._guard():
                await asyncio.to_thread(self._checkpoint)
        except Exception as exc:  # the next one tries again; the data is safe in the WAL
            log.warning("SQLite checkpoint failed: %s", exc)
        finally:
            self._running = None

    def _checkpoint(self) -> None:
        connection = sqlite3.connect(*self._args, **self._kwargs)
        try:
            connection.execute("PRAGMA busy_timeout=1000")  # its own thread: may wait
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()


class InlineConnection:
    """A SQLite connection whose calls run on the calling thread (aiosqlite's
    ``Connection`` interface, as far as SQLAlchemy uses it)."""

    _tx = _InlineQueue()

    def __init__(self, connection: sqlite3.Connection, checkpoints: Checkpoints) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._checkpoints = checkpoints

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        connection = self._conn
        writing = connection.in_transaction
        await _call(connection.commit)
        if writing:
            self._checkpoints.committed()

    async def rollback(self) -> None:
        await _call(self._conn.rollback)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close now (SQLAlchemy's forced close of a connection it gave up on)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()


def inline_connector(
    args: Sequence[Any], kwargs: Mapping[str, Any], checkpoints: Checkpoints
) -> Callable[[], Any]:
    """The ``async_creator`` of an engine: ``sqlite3.connect(*args, **kwargs)``, the
    arguments the dialect makes of the URL (they allow any thread: several threads may
    run the engine's loop over its life, e.g. tests' portal threads, and the pool hands
    a connection to one session at a time)."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(*args, **kwargs)
        connection.execute("PRAGMA busy_timeout=0")  # wait in asyncio, not in SQLite
        connection.execute("PRAGMA wal_autocheckpoint=0")  # in a thread: Checkpoints
        return InlineConnection(connection, checkpoints)

    return connect
