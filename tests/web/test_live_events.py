"""The events a process keeps in memory for its own streams: only what reaches back far enough."""

from __future__ import annotations

from gptforge.store import StoredEvent
from gptforge.web.live_events import LiveEvents


def _events(first: int, count: int) -> list[StoredEvent]:
    return [StoredEvent(n, "text_delta", {"text": str(n)}) for n in range(first, first + count)]


async def test_a_stream_gets_what_came_after_its_last_event_once_the_turn_began() -> None:
    live = LiveEvents()
    assert live.after("c", 4) is None  # no turn here: read the database
    live.begin("c", 4)
    assert live.after("c", 4) == [] and live.writing("c")
    live.publish("c", _events(5, 3))
    assert [e.sequence for e in live.after("c", 4) or []] == [5, 6, 7]
    assert [e.sequence for e in live.after("c", 6) or []] == [7]
    assert live.after("c", 3) is None  # event 4 was never kept here


async def test_a_gap_in_the_numbers_drops_what_was_kept() -> None:
    live = LiveEvents()
    live.begin("c", 0)
    live.publish("c", _events(1, 2))
    live.publish("c", _events(5, 1))  # another writer took 3 and 4
    assert live.after("c", 2) is None
    assert [e.sequence for e in live.after("c", 4) or []] == [5]


async def test_a_finished_turn_is_no_longer_writing_but_its_events_stay_a_while() -> None:
    live = LiveEvents()
    live.begin("c", 0)
    live.publish("c", _events(1, 1))
    live.end("c")
    assert not live.writing("c")
    assert [e.sequence for e in live.after("c", 0) or []] == [1]
