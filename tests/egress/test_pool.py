"""Connections kept across requests: one per API for many calls, never across a policy."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gptforge.egress import EgressLimits, EgressPolicy, EgressPool
from gptforge.errors import EgressBlockedError
from tests.servers import serve


async def peer(request: Request) -> JSONResponse:
    """Which client connection the request came on, and the cookies it carried; sets one."""
    assert request.client is not None
    response = JSONResponse({"port": request.client.port, "cookie": request.headers.get("cookie")})
    response.set_cookie("session", "user-a-secret")
    return response


async def slow(request: Request) -> JSONResponse:
    await asyncio.sleep(0.2)
    assert request.client is not None
    return JSONResponse({"port": request.client.port, "cookie": None})


async def away(request: Request) -> Response:
    return RedirectResponse(request.query_params["to"], status_code=302)


APP = Starlette(routes=[Route("/peer", peer), Route("/away", away), Route("/slow", slow)])
LIMITS = EgressLimits()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(APP) as url:
        yield url


def allow(url: str) -> EgressPolicy:
    return EgressPolicy.from_entries([httpx.URL(url).netloc.decode()])


async def call(pool: EgressPool, policy: EgressPolicy, url: str) -> dict[str, object]:
    async with pool.client(policy, LIMITS) as client:
        response = await client.send(httpx.Request("GET", url))
    assert response.status_code == 200
    seen: dict[str, object] = httpx.Response(200, content=response.content).json()
    return seen


async def test_calls_under_one_policy_share_one_connection_and_no_cookie(server: str) -> None:
    pool = EgressPool()
    policy = allow(server)
    try:
        seen = [await call(pool, policy, f"{server}/peer") for _ in range(4)]
        # an equal policy read again (the allowlist is re-read every few seconds)
        seen.append(await call(pool, allow(server), f"{server}/peer"))
    finally:
        await pool.aclose()
    assert len({s["port"] for s in seen}) == 1  # one TCP connection for the five calls
    assert [s["cookie"] for s in seen] == [None] * 5  # the API's cookie is never sent back


async def test_a_changed_policy_gets_new_connections_and_the_old_ones_close(
    server: str,
) -> None:
    pool = EgressPool()
    first = allow(server)
    changed = first.extended(["example.com"])
    try:
        async with pool.client(first, LIMITS) as held:
            before = await held.send(httpx.Request("GET", f"{server}/peer"))
            after = await call(pool, changed, f"{server}/peer")
            # the old client serves the request that holds it until that request ends
            again = await held.send(httpx.Request("GET", f"{server}/peer"))
        later = await call(pool, changed, f"{server}/peer")
        with pytest.raises(RuntimeError):  # closed once its last holder was done
            await held.send(httpx.Request("GET", f"{server}/peer"))
    finally:
        await pool.aclose()
    port = httpx.Response(200, content=before.content).json()["port"]
    assert after["port"] != port
    assert httpx.Response(200, content=again.content).json()["port"] == port
    assert later["port"] == after["port"]


async def test_pooled_clients_still_check_addresses_and_redirects(server: str) -> None:
    pool = EgressPool()
    try:
        with pytest.raises(EgressBlockedError, match="loopback"):
            await call(pool, EgressPolicy(), f"{server}/peer")
        with pytest.raises(EgressBlockedError, match=r"127\.0\.0\.1:9"):
            await call(pool, allow(server), f"{server}/away?to=http://127.0.0.1:9/peer")
    finally:
        await pool.aclose()


async def test_a_closed_pool_makes_new_connections_when_used_again(server: str) -> None:
    pool = EgressPool()
    policy = allow(server)
    first = await call(pool, policy, f"{server}/peer")
    await pool.aclose()
    second = await call(pool, policy, f"{server}/peer")
    await pool.aclose()
    assert first["port"] != second["port"]


async def test_requests_at_once_each_have_a_connection_kept_for_later_ones(server: str) -> None:
    pool = EgressPool(max_idle_connections=3)
    policy = allow(server)
    try:
        at_once = await asyncio.gather(*(call(pool, policy, f"{server}/slow") for _ in range(5)))
        later = [await call(pool, policy, f"{server}/peer") for _ in range(3)]
    finally:
        await pool.aclose()
    ports = {s["port"] for s in at_once}
    assert len(ports) == 5  # none waited for another's connection
    assert {s["port"] for s in later} <= ports  # three of them were kept, one is reused
    assert len({s["port"] for s in later}) == 1
