"""The session line: at most ``size`` sessions at once, the others wait in arrival order
(requests before running turns, turns never starved) and never fail; a session inside
another one does not wait for its own parent."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from gptforge.store import Database, behind_requests, outside_sessions
from gptforge.store.database import SessionLine


async def test_sessions_beyond_the_size_wait_in_arrival_order() -> None:
    line = SessionLine(2)
    inside: list[int] = []
    most = 0
    order: list[int] = []

    async def work(n: int) -> None:
        nonlocal most
        async with line.place():
            order.append(n)
            inside.append(n)
            most = max(most, len(inside))
            await asyncio.sleep(0.01)
            inside.remove(n)

    tasks = []
    for n in range(8):
        tasks.append(asyncio.create_task(work(n), context=outside_sessions()))
        await asyncio.sleep(0)  # arrival order: n before n + 1
    await asyncio.gather(*tasks)
    assert most == 2
    assert order == list(range(8))


async def test_a_session_inside_a_session_does_not_wait_for_its_parent() -> None:
    line = SessionLine(1)
    async with line.place(), asyncio.timeout(1), line.place():  # would wait forever in line
        pass


async def test_a_waiter_that_gives_up_leaves_the_line() -> None:
    line = SessionLine(1)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with line.place():
            held.set()
            await release.wait()

    async def waiter() -> None:
        async with line.place():
            pass

    first = asyncio.create_task(holder(), context=outside_sessions())
    await held.wait()
    gone = asyncio.create_task(waiter(), context=outside_sessions())
    await asyncio.sleep(0)
    assert line.waiting() == 1
    gone.cancel()
    await asyncio.gather(gone, return_exceptions=True)
    assert line.waiting() == 0
    release.set()
    await first
    async with asyncio.timeout(1):
        await waiter()  # the place was given back, not lost


async def test_many_more_sessions_than_connections_all_succeed(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'line.db'}")
    await db.migrate()
    try:

        async def read() -> int:
            async with db.session() as session:
                found = await session.scalar(text("SELECT 1"))
                await asyncio.sleep(0.001)
                return int(found or 0)

        results = await asyncio.gather(
            *(asyncio.create_task(read(), context=outside_sessions()) for _ in range(200))
        )
        assert results == [1] * 200
    finally:
        await db.dispose()


async def test_a_waiter_cancelled_while_a_place_is_given_back_loses_nothing() -> None:
    line = SessionLine(1)
    held = asyncio.Event()
    release = asyncio.Event()
    tasks: dict[str, asyncio.Task[None]] = {}

    async def holder() -> None:
        async with line.place():
            held.set()
            await release.wait()
            tasks["waiter"].cancel()  # cancelled in line, just before the place is free

    async def waiter() -> None:
        async with line.place():
            pass

    first = asyncio.create_task(holder(), context=outside_sessions())
    await held.wait()
    tasks["waiter"] = asyncio.create_task(waiter(), context=outside_sessions())
    await asyncio.sleep(0)
    assert line.waiting() == 1
    release.set()
    await first
    (outcome,) = await asyncio.gather(tasks["waiter"], return_exceptions=True)
    assert isinstance(outcome, asyncio.CancelledError), outcome  # cancelled, nothing else
    assert line.waiting() == 0
    async with asyncio.timeout(1):
        await waiter()  # the place was given back, not lost


async def test_requests_get_a_freed_place_before_turns_but_turns_are_not_starved() -> None:
    line = SessionLine(1, turn_share=3)
    held = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def holder() -> None:
        async with line.place():
            held.set()
            await release.wait()

    async def work(name: str) -> None:
        async with line.place():
            order.append(name)
            await asyncio.sleep(0)

    first = asyncio.create_task(holder(), context=outside_sessions())
    await held.wait()
    tasks = []
    # turns waited longest; requests keep arriving behind them
    for name in ["turn1", "turn2", "req1", "req2", "req3", "req4", "req5", "turn3"]:
        context = behind_requests() if name.startswith("turn") else outside_sessions()
        tasks.append(asyncio.create_task(work(name), context=context))
        await asyncio.sleep(0)
    assert line.waiting() == 8
    release.set()
    await asyncio.gather(first, *tasks)
    # two requests, then a turn (one place in three while both wait), and so on
    assert order == ["req1", "req2", "turn1", "req3", "req4", "turn2", "req5", "turn3"]


async def test_turn_sessions_alone_keep_their_arrival_order() -> None:
    line = SessionLine(1)
    order: list[int] = []

    async def work(n: int) -> None:
        async with line.place():
            order.append(n)
            await asyncio.sleep(0.001)

    tasks = []
    for n in range(6):
        tasks.append(asyncio.create_task(work(n), context=behind_requests()))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == list(range(6))


async def test_a_session_away_gives_its_place_to_others_and_takes_one_again() -> None:
    line = SessionLine(1)
    outside = asyncio.Event()
    back = asyncio.Event()
    order: list[str] = []

    async def slow_request() -> None:
        async with line.place():
            async with line.away():  # e.g. waiting on a slow API
                outside.set()
                await back.wait()
            order.append("slow back")
            await asyncio.sleep(0.01)
            order.append("slow done")

    async def other() -> None:
        async with line.place():
            order.append("other")
            async with line.place():  # still a session of its own: no wait for itself
                pass

    slow = asyncio.create_task(slow_request(), context=outside_sessions())
    await outside.wait()
    async with asyncio.timeout(1):  # served while the slow one is away
        await asyncio.create_task(other(), context=outside_sessions())
    async with line.place():
        back.set()  # the slow one must wait for this place before it goes on
        await asyncio.sleep(0.01)
        order.append("holder done")
    await slow
    assert order == ["other", "holder done", "slow back", "slow done"]
    async with asyncio.timeout(1), line.place():  # nothing was lost or counted twice
        assert line.waiting() == 0


async def test_away_in_a_task_without_a_place_of_its_own_is_a_plain_block() -> None:
    line = SessionLine(1)
    async with line.place():

        async def child() -> None:  # inherits the parent's session, holds no place
            async with line.away():
                pass

        await asyncio.create_task(child())
        async with asyncio.timeout(1), line.away():
            pass
    async with asyncio.timeout(1), line.place():
        pass


async def test_cancelled_while_coming_back_from_away_loses_no_place() -> None:
    line = SessionLine(1)
    away = asyncio.Event()

    async def request() -> None:
        async with line.place(), line.away():
            away.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(request(), context=outside_sessions())
    await away.wait()
    async with line.place():  # free while the request is away
        task.cancel()  # cancelled in the block, and again while it waits for a place
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # not leaked: a place is free; not given back twice: still only one at once
    async with asyncio.timeout(1), line.place():
        second = asyncio.create_task(_enter(line), context=outside_sessions())
        await asyncio.sleep(0.01)
        assert line.waiting() == 1 and not second.done()
    async with asyncio.timeout(1):
        await second


async def _enter(line: SessionLine) -> None:
    async with line.place():
        pass


async def test_a_place_handed_back_just_as_the_one_coming_back_is_cancelled_is_not_lost() -> None:
    line = SessionLine(1)
    away, back = asyncio.Event(), asyncio.Event()

    async def request() -> None:
        async with line.place(), line.away():
            away.set()
            await back.wait()

    task = asyncio.create_task(request(), context=outside_sessions())
    await away.wait()
    async with line.place():
        back.set()
        for _ in range(5):
            await asyncio.sleep(0)
        assert line.waiting() == 1  # the request waits to come back
    task.cancel()  # the place was just handed to it, before it could run
    await asyncio.gather(task, return_exceptions=True)
    async with asyncio.timeout(1), line.place():
        assert line.waiting() == 0


async def test_a_session_opened_while_away_waits_in_line() -> None:
    line = SessionLine(1)
    away, go_on, entered = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def request() -> None:
        async with line.place(), line.away():
            away.set()
            await go_on.wait()
            async with line.place():  # away, it is not inside a session any more
                entered.set()

    task = asyncio.create_task(request(), context=outside_sessions())
    await away.wait()
    async with line.place():
        go_on.set()
        await asyncio.sleep(0.05)
        assert not entered.is_set()
    async with asyncio.timeout(1):
        await task
    assert entered.is_set()


async def test_database_away_only_for_the_session_that_holds_the_place(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'away.db'}")
    db.line = SessionLine(1)
    try:
        async with db.session() as setup:
            await setup.execute(text("CREATE TABLE t (x INTEGER)"))
        async with db.session() as outer:
            await outer.execute(text("INSERT INTO t VALUES (1)"))
            async with db.session() as inner, db.away(inner):
                assert db.line.waiting() == 0  # no place given away, nothing committed
                other = asyncio.create_task(_count_rows(db), context=outside_sessions())
                await asyncio.sleep(0.05)
                assert not other.done()  # still behind the outer session
            await outer.rollback()
        async with asyncio.timeout(5):
            assert await other == 0  # the outer insert was rolled back, never committed
    finally:
        await db.dispose()


async def _count_rows(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(text("SELECT count(*) FROM t")) or 0)
