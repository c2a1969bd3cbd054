"""Outbound requests against real loopback servers: guard, redirects, deadline, size caps."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import time
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from gptforge.egress import EgressClient, EgressLimits, EgressPolicy, fetch
from gptforge.errors import EgressBlockedError, EgressLimitError
from tests.servers import serve


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "headers": dict(request.headers),
            "method": request.method,
            "body": (await request.body()).decode(),
        }
    )


async def redirect(request: Request) -> Response:
    target = request.query_params.get("to", "/redirect")
    return RedirectResponse(target, status_code=int(request.query_params.get("code", 302)))


async def trickle(request: Request) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(1000):
            yield b"x"
            await asyncio.sleep(0.2)

    return StreamingResponse(body())


async def big(request: Request) -> Response:
    return Response(b"y" * 3_000_000)


async def deflated(request: Request) -> Response:
    """``Content-Encoding: deflate`` sent the RFC way (zlib) or the common raw way."""
    body = b'{"deflated": true}' * 50
    if request.query_params.get("raw"):
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data = packer.compress(body) + packer.flush()
    else:
        data = zlib.compress(body)
    return Response(data, headers={"content-encoding": "deflate"})


async def bomb(request: Request) -> Response:
    return Response(gzip.compress(b"\0" * 200_000_000), headers={"content-encoding": "gzip"})


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST", "PUT"]),
        Route("/redirect", redirect, methods=["GET", "POST", "PUT"]),
        Route("/deflated", deflated),
        Route("/trickle", trickle),
        Route("/big", big),
        Route("/bomb", bomb),
    ]
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(APP) as url:
        yield url


@pytest.fixture(scope="module")
def other_server() -> Iterator[str]:
    with serve(APP) as url:
        yield url


def allow(*urls: str) -> EgressPolicy:
    return EgressPolicy.from_entries([httpx.URL(u).netloc.decode() for u in urls])


async def test_loopback_is_refused_unless_allowlisted(server: str) -> None:
    with pytest.raises(EgressBlockedError, match="loopback"):
        await fetch(server + "/echo")
    response = await fetch(server + "/echo", policy=allow(server))
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.com/"])
async def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(EgressBlockedError):
        await fetch(url)


async def test_redirect_hops_are_checked_again(server: str) -> None:
    target = "http://127.0.0.1:9/echo"
    with pytest.raises(EgressBlockedError, match=r"127\.0\.0\.1:9"):
        await fetch(f"{server}/redirect?to={target}", policy=allow(server))


async def test_credentials_are_dropped_when_a_redirect_leaves_the_origin(
    server: str, other_server: str
) -> None:
    policy = allow(server, other_server)
    headers = {"Authorization": "Bearer secret", "X-Api-Key": "k", "Cookie": "a=b"}
    async with EgressClient(policy=policy) as client:
        same = await client.send(
            httpx.Request("GET", f"{server}/redirect?to=/echo", headers=headers),
            secret_headers=["X-Api-Key"],
        )
        seen = httpx.Response(200, content=same.content).json()["headers"]
        assert seen["authorization"] == "Bearer secret" and seen["x-api-key"] == "k"

        cross = await client.send(
            httpx.Request("GET", f"{server}/redirect?to={other_server}/echo", headers=headers),
            secret_headers=["X-Api-Key"],
        )
        seen = httpx.Response(200, content=cross.content).json()["headers"]
        assert "authorization" not in seen and "x-api-key" not in seen and "cookie" not in seen
        assert cross.redirects == [f"{other_server}/echo"]


async def test_303_turns_post_into_get_and_307_keeps_it(server: str) -> None:
    async with EgressClient(policy=allow(server)) as client:
        r303 = await client.send(
            httpx.Request("POST", f"{server}/redirect?to=/echo&code=303", content=b"data")
        )
        assert httpx.Response(200, content=r303.content).json()["method"] == "GET"
        r307 = await client.send(
            httpx.Request("POST", f"{server}/redirect?to=/echo&code=307", content=b"data")
        )
        body = httpx.Response(200, content=r307.content).json()
        assert (body["method"], body["body"]) == ("POST", "data")


@pytest.mark.parametrize("code", [301, 302])
async def test_301_and_302_turn_post_into_get_like_browsers(server: str, code: int) -> None:
    async with EgressClient(policy=allow(server)) as client:
        post = await client.send(
            httpx.Request("POST", f"{server}/redirect?to=/echo&code={code}", content=b"data")
        )
        body = httpx.Response(200, content=post.content).json()
        assert (body["method"], body["body"]) == ("GET", "")
        assert "content-length" not in body["headers"] or body["headers"]["content-length"] == "0"
        put = await client.send(
            httpx.Request("PUT", f"{server}/redirect?to=/echo&code={code}", content=b"data")
        )
        body = httpx.Response(200, content=put.content).json()
        assert (body["method"], body["body"]) == ("PUT", "data")


@pytest.mark.parametrize("raw", [False, True])
async def test_deflate_bodies_are_read_with_or_without_the_zlib_header(
    server: str, raw: bool
) -> None:
    response = await fetch(f"{server}/deflated?raw={'1' if raw else ''}", policy=allow(server))
    assert response.content == b'{"deflated": true}' * 50 and not response.truncated


async def test_redirect_loops_stop(server: str) -> None:
    from gptforge.errors import EgressError

    with pytest.raises(EgressError, match="redirects"):
        await fetch(
            f"{server}/redirect", policy=allow(server), limits=EgressLimits(max_redirects=3)
        )


async def test_trickling_server_is_stopped_by_the_overall_deadline(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(EgressLimitError, match="deadline"):
        await fetch(
            server + "/trickle", policy=allow(server), limits=EgressLimits(deadline_seconds=1.0)
        )
    assert time.monotonic() - started < 5


async def test_large_bodies_are_cut_at_the_cap(server: str) -> None:
    response = await fetch(
        server + "/big", policy=allow(server), limits=EgressLimits(max_response_bytes=1000)
    )
    assert response.truncated and len(response.content) == 1000


async def test_gzip_bombs_are_not_inflated_past_the_cap(server: str) -> None:
    response = await fetch(
        server + "/bomb", policy=allow(server), limits=EgressLimits(max_response_bytes=100_000)
    )
    assert response.truncated and len(response.content) == 100_000


async def test_resolved_address_is_checked_and_used_without_a_second_lookup(server: str) -> None:
    calls: list[str] = []
    port = httpx.URL(server).port

    async def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        calls.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    async with EgressClient(
        policy=EgressPolicy.from_entries([f"api.test:{port}"]), resolver=resolver
    ) as client:
        response = await client.send(httpx.Request("GET", f"http://api.test:{port}/echo"))
    assert response.status_code == 200
    assert (
        httpx.Response(200, content=response.content).json()["headers"]["host"]
        == f"api.test:{port}"
    )
    assert calls == ["api.test"]

    async def rebinding(
        host: str, port: int
    ) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("127.0.0.1")]

    async with EgressClient(resolver=rebinding) as client:
        with pytest.raises(EgressBlockedError):
            await client.send(httpx.Request("GET", f"http://evil.test:{port}/echo"))


async def raw_location(request: Request) -> Response:
    return Response(status_code=302, headers={"location": request.query_params["to"]})


@pytest.fixture(scope="module")
def raw_redirector() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/go", raw_location)])) as url:
        yield url


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:99999/x",
        "http://127.0.0.1:-1/x",
        "http://[::1/x",
        "http://exa mple.com/",
        "http://a..b/",
        "https://%zz/",
    ],
)
async def test_unparsable_redirect_locations_are_an_egress_error(
    raw_redirector: str, location: str
) -> None:
    from gptforge.errors import EgressError

    with pytest.raises(EgressError):
        await fetch(
            f"{raw_redirector}/go?to={httpx.QueryParams({'x': location})['x']}",
            policy=allow(raw_redirector),
        )


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer abc\r\nX-Injected: 1"},
        {"X-Api-Key": "secret-value\n"},
        {"X-Api-Key": "secret-value\x00"},
        {"X-Api-Key": " secret-value "},
    ],
)
async def test_invalid_header_errors_never_show_the_value(
    server: str, headers: dict[str, str]
) -> None:
    from gptforge.errors import EgressError

    async with EgressClient(policy=allow(server)) as client:
        with pytest.raises(EgressError) as caught:
            await client.send(httpx.Request("GET", f"{server}/echo", headers=headers))
    assert "secret-value" not in caught.value.message and "abc" not in caught.value.message
    assert "not valid HTTP" in caught.value.message


def test_origins_fill_in_default_ports() -> None:
    from gptforge.egress import origin

    assert origin("https://API.example.com/x") == origin("https://api.example.com:443/y")
    assert origin("http://api.example.com") != origin("https://api.example.com")
    assert origin("https://api.example.com:8443") != origin("https://api.example.com")
