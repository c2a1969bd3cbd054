"""A first-come, first-served gate for a model that serves one request at a time.

The embedded llama.cpp server has one slot. Without a gate, concurrent turns would all
send their request at once and wait inside the model server, in an order nobody sees.
The gate lets one model call run and keeps the others in a line, in arrival order, and
tells each waiting call its place (:class:`Waiting` events) as the line moves, so the
runtime can tell the user.

It works across threads and event loops (the embedded model is one per process, and a
process may run several loops): the line is guarded by a thread lock and a waiting call
is woken on its own loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from gptforge.llm.base import Message, ModelProvider, ProviderEvent, ToolDefinition, Waiting


@dataclass(eq=False)
class _Ticket:
    loop: asyncio.AbstractEventLoop
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    position: int = 0
    """Place in the line (1 is next); 0 once admitted."""
    admitted: bool = False


class ModelGate:
    """Lets ``slots`` model calls run at once; the others wait in arrival order."""

    def __init__(self, slots: int = 1) -> None:
        if slots < 1:
            raise ValueError("A model gate needs at least one slot.")
        self.slots = slots
        self._lock = threading.Lock()
        self._running = 0
        self._line: deque[_Ticket] = deque()

    @property
    def running(self) -> int:
        """Model calls holding a slot now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Model calls waiting in line now."""
        return len(self._line)

    async def queued(self, events: AsyncIterator[ProviderEvent]) -> AsyncIterator[ProviderEvent]:
        """``events`` (a provider's stream, not started yet) once a slot is free; before
        that, a :class:`Waiting` event each time the call's place in the line changes,
        and a last one with position 0 when it may start. No event when nothing waits."""
        ticket = self._join()
        try:
            async for position in self._positions(ticket):
                yield Waiting(position=position)
            async for event in events:
                yield event
        finally:
            self._leave(ticket)
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for the block, after waiting in line (silently)."""
        ticket = self._join()
        try:
            async for _position in self._positions(ticket):
                pass
            yield
        finally:
            self._leave(ticket)

    def _join(self) -> _Ticket:
        ticket = _Ticket(loop=asyncio.get_running_loop())
        with self._lock:
            if self._running < self.slots and not self._line:
                self._running += 1
                ticket.admitted = True
            else:
                self._line.append(ticket)
                ticket.position = len(self._line)
        return ticket

    async def _positions(self, ticket: _Ticket) -> AsyncIterator[int]:
        """The ticket's place each time it changes, ending with 0 when admitted; nothing
        when it was admitted at once."""
        shown: int | None = None
        while True:
            ticket.changed.clear()
            with self._lock:
                admitted, position = ticket.admitted, ticket.position
            if admitted:
                if shown is not None:
                    yield 0
                return
            if position != shown:
                shown = position
                yield position
            await ticket.changed.wait()

    def _leave(self, ticket: _Ticket) -> None:
        """Give back the slot (or the place in line, for a call given up while waiting)
        and move the line on."""
        moved: list[_Ticket] = []
        with self._lock:
            if ticket.admitted:
                ticket.admitted = False
                self._running -= 1
            elif ticket in self._line:
                self._line.remove(ticket)
            while self._running < self.slots and self._line:
                first = self._line.popleft()
                if first.loop.is_closed():
                    continue  # given up with its event loop: nobody would use the slot
                first.admitted = True
                first.position = 0
                self._running += 1
                moved.append(first)
            for place, waiting in enumerate(self._line, start=1):
                if waiting.position != place:
                    waiting.position = place
                    moved.append(waiting)
        for waiting in moved:
            _wake(waiting)


def _wake(ticket: _Ticket) -> None:
    # a loop that has closed has nobody waiting on it any more
    with contextlib.suppress(RuntimeError):
        ticket.loop.call_soon_threadsafe(ticket.changed.set)


class QueuedProvider:
    """Any provider behind a :class:`ModelGate`: for model servers with one slot (a
    llama.cpp or Ollama server started with one parallel request)."""

    def __init__(self, provider: ModelProvider, gate: ModelGate | None = None) -> None:
        self.provider = provider
        self.gate = gate or ModelGate()
        self.name = provider.name

    def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        return self.gate.queued(self.provider.stream(messages, tools))
