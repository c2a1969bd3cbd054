"""The model gate: one call at a time, the others served in arrival order and told their
place in the line as it moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gptforge.llm import (
    EmbeddedProvider,
    Finish,
    ModelGate,
    ProviderEvent,
    QueuedProvider,
    ScriptedProvider,
    ScriptedReply,
    TextDelta,
    Waiting,
)
from gptforge.llm.base import Message, ToolDefinition


class HeldProvider:
    """Answers each call with its user message once the test releases it."""

    name = "held"

    def __init__(self) -> None:
        self.release: dict[str, asyncio.Event] = {}
        self.started: list[str] = []

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        text = str(messages[-1]["content"])
        self.started.append(text)
        await self.release.setdefault(text, asyncio.Event()).wait()
        yield TextDelta(text=text)
        yield Finish(reason="stop")


async def _until(condition: object) -> None:
    for _ in range(200):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_calls_run_one_at_a_time_in_arrival_order_and_see_their_place() -> None:
    inner = HeldProvider()
    gate = ModelGate()
    provider = QueuedProvider(inner, gate)
    seen: dict[str, list[ProviderEvent]] = {}

    async def call(text: str) -> None:
        seen[text] = [e async for e in provider.stream([{"role": "user", "content": text}], [])]

    first = asyncio.create_task(call("one"))
    await _until(lambda: inner.started == ["one"])
    second = asyncio.create_task(call("two"))
    await _until(lambda: gate.waiting == 1)
    third = asyncio.create_task(call("three"))
    await _until(lambda: gate.waiting == 2)
    inner.release.setdefault("three", asyncio.Event()).set()  # ready first, still waits
    inner.release.setdefault("one", asyncio.Event()).set()
    await _until(lambda: inner.started == ["one", "two"])
    await asyncio.sleep(0.05)
    inner.release.setdefault("two", asyncio.Event()).set()
    await asyncio.gather(first, second, third)

    assert inner.started == ["one", "two", "three"]
    waits = {
        text: [e.position for e in events if isinstance(e, Waiting)]
        for text, events in seen.items()
    }
    assert waits == {"one": [], "two": [1, 0], "three": [2, 1, 0]}
    assert isinstance(seen["three"][-1], Finish)
    assert gate.running == 0 and gate.waiting == 0


async def test_a_call_given_up_while_waiting_leaves_the_line() -> None:
    inner = HeldProvider()
    gate = ModelGate()
    provider = QueuedProvider(inner, gate)

    async def call(text: str) -> list[ProviderEvent]:
        return [e async for e in provider.stream([{"role": "user", "content": text}], [])]

    first = asyncio.create_task(call("one"))
    await _until(lambda: inner.started == ["one"])
    given_up = asyncio.create_task(call("two"))
    await _until(lambda: gate.waiting == 1)
    third = asyncio.create_task(call("three"))
    await _until(lambda: gate.waiting == 2)
    given_up.cancel()
    await _until(lambda: gate.waiting == 1)
    inner.release.setdefault("one", asyncio.Event()).set()
    inner.release.setdefault("three", asyncio.Event()).set()
    await first
    events = await third
    assert [e.position for e in events if isinstance(e, Waiting)] == [2, 1, 0]
    assert inner.started == ["one", "three"]
    assert gate.running == 0 and gate.waiting == 0


async def test_a_free_gate_adds_no_events_and_a_failing_call_frees_the_slot() -> None:
    gate = ModelGate()
    failing = QueuedProvider(ScriptedProvider([]), gate)
    try:
        async for _event in failing.stream([], []):
            pass
    except Exception as exc:
        assert "ran out" in str(exc)
    assert gate.running == 0
    ok = QueuedProvider(ScriptedProvider([ScriptedReply(text="hi")]), gate)
    events = [e async for e in ok.stream([], [])]
    assert events == [TextDelta(text="hi"), Finish(reason="stop")]


async def test_the_embedded_model_lets_one_call_run_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    release = asyncio.Event()

    async def held_events(
        self: EmbeddedProvider,
        messages: list[Message],
        tools: list[ToolDefinition],
        made: Any,
        **_: Any,
    ) -> AsyncIterator[ProviderEvent]:
        await release.wait()
        yield TextDelta(text=str(messages[-1]["content"]))
        yield Finish(reason="stop")

    monkeypatch.setattr(EmbeddedProvider, "_events", held_events)
    provider = EmbeddedProvider(cache_dir=tmp_path)

    async def call(text: str) -> list[ProviderEvent]:
        return [e async for e in provider.stream([{"role": "user", "content": text}], [])]

    first = asyncio.create_task(call("one"))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(call("two"))
    await asyncio.sleep(0.05)
    release.set()
    assert [e for e in await first if isinstance(e, Waiting)] == []
    events = await second
    assert [e.position for e in events if isinstance(e, Waiting)] == [1, 0]
    assert TextDelta(text="two") in events
