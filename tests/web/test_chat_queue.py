"""A model with one slot (the embedded model): concurrent turns wait in line in arrival
order, their streams say so (``waiting`` events), and the rest of the server stays fast
while a model call is slow or stuck."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable

import anyio
import anyio.to_thread
import httpx

from gptforge.llm import Finish, ModelGate, ProviderEvent, QueuedProvider, TextDelta
from gptforge.llm.base import Message, ToolDefinition
from gptforge.web.platform import Platform
from tests.web.chat import Event, new_conversation, parse_sse, send, text_of


class HeldModel:
    """Answers each user message with ``re: <message>`` once the test releases it."""

    name = "held"

    def __init__(self) -> None:
        self.release: dict[str, asyncio.Event] = {}
        self.started: list[str] = []

    def let_go(self, text: str) -> None:
        self.release.setdefault(text, asyncio.Event()).set()

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        text = str(messages[-1]["content"])
        self.started.append(text)
        await self.release.setdefault(text, asyncio.Event()).wait()
        yield TextDelta(text=f"re: {text}")
        yield Finish(reason="stop")


class StuckModel:
    """A model call blocked in a worker thread (as a local model's computation would be)
    until the test lets it go."""

    name = "stuck"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = 0

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        self.started += 1
        await anyio.to_thread.run_sync(self.release.wait, 30)
        yield TextDelta(text="finally")
        yield Finish(reason="stop")


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def _draft_chat(client: httpx.AsyncClient) -> str:
    gpt = await client.post("/api/v1/gpts", json={"name": "Queue test"})
    assert gpt.status_code == 201, gpt.text
    return await new_conversation(client, gpt.json()["id"], draft=True)


def _positions(events: list[Event]) -> list[int]:
    return [e.data["position"] for e in events if e.kind == "waiting"]


async def test_three_concurrent_turns_are_served_in_arrival_order_and_told_they_wait(
    platform: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    model = HeldModel()
    gate = ModelGate()
    platform.provider = QueuedProvider(model, gate)
    chats = [
        (alice, await _draft_chat(alice)),
        (bob, await _draft_chat(bob)),
        (alice, await _draft_chat(alice)),
    ]
    results: dict[str, list[Event]] = {}

    async def turn(index: int, text: str) -> None:
        client, conversation_id = chats[index]
        results[text] = await send(client, conversation_id, text)

    tasks = [asyncio.create_task(turn(0, "first"))]
    await _until(lambda: model.started == ["first"])
    tasks.append(asyncio.create_task(turn(1, "second")))
    await _until(lambda: gate.waiting == 1)
    tasks.append(asyncio.create_task(turn(2, "third")))
    await _until(lambda: gate.waiting == 2)

    model.let_go("third")  # ready before the others, still served last
    model.let_go("first")
    await _until(lambda: model.started == ["first", "second"])
    await asyncio.sleep(0.3)  # the third turn's stream sees its place change
    model.let_go("second")
    await asyncio.gather(*tasks)

    assert model.started == ["first", "second", "third"]
    assert {text: _positions(events) for text, events in results.items()} == {
        "first": [],
        "second": [1, 0],
        "third": [2, 1, 0],
    }
    for text, events in results.items():
        assert text_of(events) == f"re: {text}"
        assert events[-1].kind == "done" and events[-1].data["reason"] == "completed"
    third = results["third"]
    assert third[0].kind == "waiting" and third[0].data == {"kind": "waiting", "position": 2}

    # the waiting events are stored like the others: a resumed stream replays them
    client, conversation_id = chats[2]
    replay = parse_sse((await client.get(f"/api/v1/conversations/{conversation_id}/events")).text)
    assert _positions(replay) == [2, 1, 0]


async def test_a_stuck_model_call_never_slows_other_requests(
    platform: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    model = StuckModel()
    gate = ModelGate()
    platform.provider = QueuedProvider(model, gate)
    holding_id, waiting_id = await _draft_chat(alice), await _draft_chat(bob)
    holding = asyncio.create_task(send(alice, holding_id, "hold the slot"))
    await _until(lambda: model.started == 1)
    waiting = asyncio.create_task(send(bob, waiting_id, "wait in line"))
    try:
        await _until(lambda: gate.waiting == 1)
        for client, path in [
            (alice, "/healthz"),
            (alice, "/api/v1/gpts"),
            (bob, "/api/v1/gpts"),
            (bob, f"/api/v1/conversations/{waiting_id}"),
            (bob, "/api/v1/store"),
        ]:
            started = time.perf_counter()
            response = await client.get(path)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            assert elapsed < 1.0, f"{path} took {elapsed:.2f} s while the model was stuck"
        assert (await bob.get(f"/api/v1/conversations/{waiting_id}")).json()["status"] == "running"
    finally:
        model.release.set()
        first, second = await asyncio.gather(holding, waiting)
    assert text_of(first) == "finally" and _positions(first) == []
    assert text_of(second) == "finally" and _positions(second) == [1, 0]
