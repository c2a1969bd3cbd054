"""The database: engine, sessions and migrations for SQLite (default) or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from gptforge.errors import ConfigError
from gptforge.store.sqlite_driver import Checkpoints, inline_connector

MIGRATIONS = Path(__file__).parent / "migrations"
DB_FILE = "gptforge.db"
_WRITE = (
    "Use postgresql+asyncpg://user:password@host/db or postgresql+psycopg://..., "
    "or leave it unset for SQLite in the data directory."
)
_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg", "postgresql+psycopg")
POOL_TIMEOUT_SECONDS = 60.0
"""How long a request or turn waits for a free connection before it fails (default 30):
under hundreds of concurrent streams, a wait is better than an error."""
PG_POOL_SIZE = 20
PG_POOL_OVERFLOW = 10
"""Connections per process to PostgreSQL (SQLAlchemy's default is 5 + 10): hundreds of
concurrent chat streams queue on fewer. Several processes on one server must stay under
its ``max_connections`` (100 by default): 3 processes take at most 90."""
PING_AFTER_IDLE_SECONDS = 10.0
"""A PostgreSQL connection that waited in the pool this long is pinged before a session
uses it, and replaced if the server dropped it (a restart, an idle timeout, a proxy).
Not on every checkout (SQLAlchemy's ``pool_pre_ping``): a busy process takes a
connection several times per turn, and that round trip cost about a fifth of the
turns a process serves (benchmarks/RESULTS.md, issue 11). A connection dropped while
in use fails its request with 503, and the pool then replaces every older connection."""
SQLITE_POOL_SIZE = 5
SQLITE_POOL_OVERFLOW = 10
"""SQLAlchemy's defaults: SQLite has one writer at a time, more connections do not help."""
SQLITE_LINE_SIZE = 1
"""Sessions of a process on SQLite at once: one, as SQLite has one writer (a second one
would only retry its lock, :mod:`gptforge.store.sqlite_driver`); at N = 500 in the load
benchmark one place gave less CPU per turn than five (benchmarks/RESULTS.md, issue 11).
A request that waits on something outside the database (a schema URL, an action's test
call, an OAuth provider, a file's extraction) gives its place back meanwhile
(:meth:`Database.away`), so one slow server does not hold up the process's other
requests (tests/web/test_actions.py)."""

_IN_SESSION: contextvars.ContextVar[bool] = contextvars.ContextVar("in_session", default=False)
"""Whether the current task (or the task that spawned it) holds a session's place."""
_HOLD: contextvars.ContextVar[_Hold | None] = contextvars.ContextVar("hold", default=None)
"""The place the current task's outermost session holds, if any."""
_BEHIND: contextvars.ContextVar[bool] = contextvars.ContextVar("behind", default=False)
"""Whether the current task's sessions wait behind those of requests (a running turn)."""


class SessionLine:
    """At most ``size`` sessions of this event loop at once; the others wait, without a
    time limit, in two lines: requests, then running turns (see :func:`behind_requests`),
    each in arrival order.

    Sessions are what hold pool connections. Without the line, hundreds of turns and
    requests ask the pool at once, each connection is held for several turns of a busy
    event loop, and the pool's wait runs out (errors, cut streams). With it, work waits
    its turn instead of failing, and the pool keeps connections beyond ``size`` for
    sessions opened inside another session (those skip the line: they would otherwise
    wait for their own parent).

    A freed place goes to the first waiting request before any turn: a new message is
    accepted (stored, its first event sent) without waiting behind the events of
    hundreds of running turns. Turns are not starved: when both wait, at least one place
    in every ``turn_share`` goes to a turn, and in a closed loop each request is a
    finished turn's user coming back.
    """

    def __init__(self, size: int, *, turn_share: int = 4) -> None:
        self.size = size
        self.turn_share = turn_share
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Places] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def place(self) -> AsyncIterator[_Hold | None]:
        """Wait for a place and hold it for the block; the hold (None for a session inside
        another one, which takes no place)."""
        if _IN_SESSION.get():
            yield None
            return
        loop = asyncio.get_running_loop()
        places = self._loops.get(loop)
        if places is None:
            places = self._loops[loop] = _Places()
        await self._take(places)
        hold = _Hold(places=places, task=asyncio.current_task())
        outer = _HOLD.get()
        _IN_SESSION.set(True)
        _HOLD.set(hold)
        try:
            yield hold
        finally:
            _IN_SESSION.set(False)
            _HOLD.set(outer)
            if hold.held:
                self._release(places)

    @asynccontextmanager
    async def away(self) -> AsyncIterator[None]:
        """Give the current task's place to the next in line for the block, then wait for
        a place again (in the same line as before). A task that holds no place of its own
        (a session inside another one, or none) just runs the block."""
        hold = _HOLD.get()
        if hold is None or not hold.held or hold.task is not asyncio.current_task():
            yield
            return
        hold.held = False
        _IN_SESSION.set(False)
        self._release(hold.places)
        try:
            yield
        finally:
            await self._take(hold.places)  # cancelled here: ``held`` stays False, no release
            hold.held = True
            _IN_SESSION.set(True)

    async def _take(self, places: _Places) -> None:
        """Wait for a place (none when one is free and nobody waits)."""
        waiting = places.turns if _BEHIND.get() else places.requests
        if places.held < self.size and not places.requests and not places.turns:
            places.held += 1
            return
        ready = asyncio.get_running_loop().create_future()
        waiting.append(ready)
        try:
            await ready  # the place is handed over: ``held`` already counts it
        except BaseException:
            if ready.done() and not ready.cancelled():
                self._release(places)  # handed over just as it was cancelled
            else:  # still in line, unless a release already skipped it
                with contextlib.suppress(ValueError):
                    waiting.remove(ready)
            raise

    def _release(self, places: _Places) -> None:
        while places.requests or places.turns:
            turn_due = places.in_a_row >= self.turn_share - 1
            if places.turns and (turn_due or not places.requests):
                nxt, places.in_a_row = places.turns.popleft(), 0
            else:
                nxt = places.requests.popleft()
                places.in_a_row = places.in_a_row + 1 if places.turns else 0
            if not nxt.done():
                nxt.set_result(None)  # the place goes to the next in line
                return
        places.held -= 1

    def waiting(self) -> int:
        """Sessions of the running loop waiting for a place now."""
        try:
            places = self._loops.get(asyncio.get_running_loop())
        except RuntimeError:
            return 0
        return 0 if places is None else len(places.requests) + len(places.turns)


@dataclass
class _Places:
    """One event loop's places: how many are held, and who waits for one."""

    held: int = 0
    requests: deque[asyncio.Future[None]] = field(default_factory=deque)
    turns: deque[asyncio.Future[None]] = field(default_factory=deque)
    in_a_row: int = 0
    """Places handed to requests in a row while a turn waited."""


@dataclass
class _Hold:
    """A place taken by one task's session (see :meth:`SessionLine.away`)."""

    places: _Places
    task: asyncio.Task[Any] | None
    held: bool = True
    session: AsyncSession | None = None
    """The session the place is for (see :meth:`Database.away`)."""


def outside_sessions() -> contextvars.Context:
    """A context for a new task that must take its own place in the line (a task started
    inside a request's session, e.g. a chat turn, outlives that session)."""
    context = contextvars.copy_context()
    context.run(_IN_SESSION.set, False)
    context.run(_HOLD.set, None)
    return context


def behind_requests() -> contextvars.Context:
    """Like :func:`outside_sessions`, for a task whose sessions wait behind those of
    requests: a running turn (its events, its end), whose user already has an answer
    streaming, while a new message's user waits for its first event."""
    context = outside_sessions()
    context.run(_BEHIND.set, True)
    return context


def database_url(url: str | None, data_dir: Path) -> str:
    """The URL to use: ``url`` when given (checked), else ``gptforge.db`` in ``data_dir``."""
    if not url:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # hashes and sessions live here
        return f"sqlite+aiosqlite:///{data_dir / DB_FILE}"
    try:
        driver = make_url(url).drivername
    except ArgumentError:
        raise ConfigError(f"GPTFORGE_DATABASE_URL is not a database URL. {_WRITE}") from None
    if driver not in _DRIVERS:
        raise ConfigError(f"GPTFORGE_DATABASE_URL uses {driver!r}. {_WRITE}")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # no busy_timeout: a locked database is waited for in asyncio (sqlite_driver.py)
    cursor.close()


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """A pool ``checkout`` listener: it raises :class:`DisconnectionError` (the pool then
    takes a new connection) for a connection that idled :data:`PING_AFTER_IDLE_SECONDS`
    and no longer answers."""

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dropped connection
            raise DisconnectionError("the database dropped an idle connection") from exc
        if not alive:
            raise DisconnectionError("the database dropped an idle connection")

    return check


class Database:
    """One engine and its session factory; :meth:`migrate` brings the schema to head."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        sqlite = parsed.get_backend_name() == "sqlite"
        size, overflow = (
            (SQLITE_POOL_SIZE, SQLITE_POOL_OVERFLOW) if sqlite else (PG_POOL_SIZE, PG_POOL_OVERFLOW)
        )
        pool: dict[str, Any] = {"pool_timeout": POOL_TIMEOUT_SECONDS}
        if not sqlite:  # SQLite: SQLAlchemy's defaults (the same numbers for a file)
            pool.update(pool_size=size, max_overflow=overflow)
        if sqlite:  # on the loop's thread, not aiosqlite's (store/sqlite_driver.py)
            args, kwargs = parsed.get_dialect()().create_connect_args(parsed)
            checkpoints = Checkpoints(
                args, kwargs, guard=lambda: self.line.place(), context=outside_sessions
            )
            pool["async_creator"] = inline_connector(args, kwargs, checkpoints)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, **pool)
        if sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine.pool, "checkin", _note_idle)
            event.listen(
                self.engine.sync_engine.pool, "checkout", _ping_if_idle(self.engine.dialect)
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.line = SessionLine(SQLITE_LINE_SIZE if sqlite else size)
        """Sessions wait here for one of the pool's connections (see
        :class:`SessionLine`)."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Apply every Alembic migration not applied yet (safe to call on each start)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    @asynccontextmanager
    async def session(self, *, wait_in_line: bool = True) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block ends without an error, else rolls back.

        It waits for its place in :attr:`line` first (a session inside another one does
        not). ``wait_in_line=False``: for the rare session that must not wait behind the
        work, e.g. the one heartbeat of a process's running turns (it takes one of the
        pool's connections beyond the line's)."""
        async with contextlib.AsyncExitStack() as places:
            hold = await places.enter_async_context(self.line.place()) if wait_in_line else None
            session = await places.enter_async_context(self.sessions())
            if hold is not None:
                hold.session = session
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def away(self, session: AsyncSession) -> AsyncIterator[None]:
        """Commit ``session`` and give its place in :attr:`line` to others while the block
        waits on something outside the database (a schema URL, an action's API, an OAuth
        provider): one slow server must not hold up the process's other requests. The
        session takes a place again after the block, and its loaded objects stay usable
        (they are not expired on commit).

        Only the session that holds the current task's place steps out: for any other
        (one opened inside it, or without a place) the block just runs, uncommitted, as
        giving the place away while an outer transaction stays open would let others
        wait on its write lock."""
        hold = _HOLD.get()
        if hold is None or hold.session is not session or hold.task is not asyncio.current_task():
            yield
            return
        await session.commit()
        async with self.line.away():
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config(connection)
    head = ScriptDirectory.from_config(config).get_current_head()
    if MigrationContext.configure(connection).get_current_revision() == head:
        return  # the common case on start: nothing to do, skip loading the environment
    command.upgrade(config, "head")
