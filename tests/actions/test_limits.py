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

STATE = {"now": 0, "max": 0}


async def slow(request: Request) -> JSONResponse:
    STATE["now"] += 1
    STATE["max"] = max(STATE["max"], STATE["now"])
    await asyncio.sleep(0.2)
    STATE["now"] -= 1
    return JSONResponse({"ok": True})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/slow", slow)])) as url:
        yield url


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
    api: str, per_action: int, per_user: int, actions: int, expected: int
) -> None:
    STATE.update(now=0, max=0)
    policy = EgressPolicy.from_entries([httpx.URL(api).netloc.decode()])
    targets = [action(api, f"a{i}") for i in range(actions)]
    async with EgressClient(policy=policy) as egress:
        executor = ActionExecutor(
            egress=egress, per_action_concurrency=per_action, per_user_concurrency=per_user
        )
        async with anyio.create_task_group() as group:
            for i in range(6):
                group.start_soon(executor.execute, targets[i % actions], "slow", {})
    assert STATE["max"] == expected
