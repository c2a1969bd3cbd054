"""Concurrency limits: one slow API cannot take every slot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.openapi import parse_spec
from tests.servers import serve


@pytest.fixture
def api() -> Iterator[tuple[str, dict[str, int]]]:
    """A slow API and its concurrency gauge (now, max), one per test."""
    gauge = {"now": 0, "max": 0}

    async def slow(request: Request) -> JSONResponse:
        gauge["now"] += 1
        gauge["max"] = max(gauge["max"], gauge["now"])
        await asyncio.sleep(0.2)
        gauge["now"] -= 1
        return JSONResponse({"ok": True})

    with serve(Starlette(routes=[Route("/slow", slow)])) as url:
        yield url, gauge


def action(url: str, name: str) -> Action:
    spec = parse_spec(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": name, "version": "1"},
                "servers": [{"url": url}],
                "paths": {"/slow": {"get": {"operationId": "slow"}}},
            }
        )
    )
    return Action(id=name, spec=spec)


@pytest.mark.parametrize(
    ("per_action", "per_user", "actions", "expected"), [(2, 8, 1, 2), (8, 3, 2, 3)]
)
async def test_concurrent_calls_are_capped(
    api: tuple[str, dict[str, int]], per_action: int, per_user: int, actions: int, expected: int
) -> None:
    url, gauge = api
    policy = EgressPolicy.from_entries([httpx.URL(url).netloc.decode()])
    targets = [action(url, f"a{i}") for i in range(actions)]
    async with EgressClient(policy=policy) as egress:
        executor = ActionExecutor(
            egress=egress, per_action_concurrency=per_action, per_user_concurrency=per_user
        )
        async with anyio.create_task_group() as group:
            for i in range(6):
                group.start_soon(executor.execute, targets[i % actions], "slow", {})
    assert gauge["max"] == expected


async def test_limiters_are_bounded_and_busy_ones_are_kept() -> None:
    from gptforge.actions.executor import _Limiters

    limiters = _Limiters(capacity=1, bound=3)
    busy = limiters.get("busy")
    async with busy:
        for i in range(10):
            limiters.get(f"user{i}")
        assert len(limiters) == 3
        assert limiters.get("busy") is busy  # never dropped while in use
