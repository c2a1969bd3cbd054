"""The events this process just stored, kept in memory so its own streams need not read them back.

A turn's writer publishes each batch of events right after committing it; a stream in
the same process takes them from here instead of querying ``conversation_events``.
The database stays the truth: a stream reads it when the events it needs are not all
here (another process runs the turn, a resume from further back, a tail already
dropped), and it still polls it now and then, since another process may write to the
conversation (mark a dead turn interrupted, delete it).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from gptforge.store import StoredEvent

KEEP_SECONDS = 30.0
"""How long a finished turn's events stay after its last one (for late or slow streams)."""
MAX_EVENTS = 2000
"""Events kept per conversation; a stream needing older ones reads the database."""


@dataclass
class _Tail:
    base: int
    """The sequence number just before the first event kept."""
    events: list[StoredEvent] = field(default_factory=list)
    writing: bool = True
    drop: asyncio.TimerHandle | None = None


@dataclass
class LiveEvents:
    _tails: dict[str, _Tail] = field(default_factory=dict)

    def begin(self, conversation_id: str, after: int) -> None:
        """A turn of this process claimed the conversation, whose last event is ``after``."""
        old = self._tails.get(conversation_id)
        if old is not None and old.drop is not None:
            old.drop.cancel()
        self._tails[conversation_id] = _Tail(base=after)

    def publish(self, conversation_id: str, events: list[StoredEvent]) -> None:
        """Events just committed, numbered consecutively."""
        tail = self._tails.get(conversation_id)
        if tail is None or not events:
            return
        last = tail.events[-1].sequence if tail.events else tail.base
        if last + 1 != events[0].sequence:  # another writer took numbers in between
            tail.events.clear()
            tail.base = events[0].sequence - 1
        tail.events.extend(events)
        if len(tail.events) > MAX_EVENTS:
            tail.base = tail.events[-MAX_EVENTS - 1].sequence
            del tail.events[:-MAX_EVENTS]

    def end(self, conversation_id: str) -> None:
        """The turn stopped writing; its events are dropped a little later."""
        tail = self._tails.get(conversation_id)
        if tail is None:
            return
        tail.writing = False
        tail.drop = asyncio.get_running_loop().call_later(
            KEEP_SECONDS, self._tails.pop, conversation_id, None
        )

    def writing(self, conversation_id: str) -> bool:
        """Whether a turn of this process is writing the conversation's events now."""
        tail = self._tails.get(conversation_id)
        return tail is not None and tail.writing

    def writing_ids(self) -> list[str]:
        """The conversations a turn of this process is writing now."""
        return [cid for cid, tail in self._tails.items() if tail.writing]

    def after(self, conversation_id: str, sequence: int) -> list[StoredEvent] | None:
        """The kept events after ``sequence`` (maybe none yet), or ``None`` when events
        between ``sequence`` and the first kept one are not here (read the database)."""
        tail = self._tails.get(conversation_id)
        if tail is None or sequence < tail.base:
            return None
        return tail.events[sequence - tail.base :]
