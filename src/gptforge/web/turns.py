"""What a server process keeps about the turns it runs: their tasks and wake-up signals.

Nothing here is needed for correctness across processes: every event is in the
database and streams poll it. The signals only wake this process's streams early
when this process wrote an event, and the task set keeps running turns referenced
(a turn is not tied to the request that started it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio

from gptforge.store import behind_requests, outside_sessions
from gptforge.web.live_events import LiveEvents


@dataclass
class Turns:
    poll_seconds: float = 0.25
    """How long a stream waits for a wake-up before it reads the database again."""
    local_poll_seconds: float = 30.0
    """The same, while this process's own turn writes the events: that turn wakes the
    stream with each batch and when it ends (also when it finds the conversation deleted),
    so this read is only a safety net. A short one cost a read per stream every few
    seconds: most of a busy server's reads, since its turns then last longest."""
    live: LiveEvents = field(default_factory=LiveEvents)
    """Events this process's turns just stored, for its own streams."""
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _stoppers: dict[str, anyio.CancelScope] = field(default_factory=dict)
    _signals: dict[str, asyncio.Event] = field(default_factory=dict)

    _heartbeat: asyncio.Task[None] | None = None

    def start(self, turn: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # a turn outlives the request that starts it: its sessions take their own places,
        # behind those of requests (new messages are accepted first)
        task = asyncio.create_task(turn, context=behind_requests())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def keep_beating(self, heartbeat: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``heartbeat`` (one task for all of this process's running turns) unless it
        runs already; it ends by itself when no turn is left."""
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(heartbeat(), context=outside_sessions())

    def running(self) -> list[str]:
        """The conversations whose turn this process runs now."""
        return self.live.writing_ids()

    @contextlib.contextmanager
    def stoppable(self, conversation_id: str) -> Iterator[anyio.CancelScope]:
        """A scope around a turn's model and tool work that :meth:`stop` cancels."""
        with anyio.CancelScope() as scope:
            self._stoppers[conversation_id] = scope
            try:
                yield scope
            finally:
                if self._stoppers.get(conversation_id) is scope:
                    del self._stoppers[conversation_id]

    def stop(self, conversation_id: str) -> bool:
        """Stop the conversation's turn if this process runs it."""
        scope = self._stoppers.get(conversation_id)
        if scope is None:
            return False
        scope.cancel()
        return True

    def signal(self, conversation_id: str) -> asyncio.Event:
        """The event a stream waits on; take it *before* reading the database."""
        return self._signals.setdefault(conversation_id, asyncio.Event())

    def wake(self, conversation_id: str) -> None:
        event = self._signals.pop(conversation_id, None)
        if event is not None:
            event.set()

    async def wait(self, signal: asyncio.Event, seconds: float | None = None) -> bool:
        """Whether ``signal`` was set within ``seconds`` (default: ``poll_seconds``)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds or self.poll_seconds):
                await signal.wait()
                return True
        return False

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for this process's running turns (shutdown, tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
