"""Outbound connections kept across requests, one client per policy and limits.

A server makes an action call in most chat turns, often to the same few APIs. A new
client per turn opens a new TCP (and TLS) connection per call; :class:`EgressPool`
lends every request made under the same :class:`EgressPolicy` and
:class:`EgressLimits` one long-lived :class:`EgressClient`, whose connections stay open
a few seconds between calls. Each new connection still goes through the guarded
transport (every resolved address checked), redirects are still checked hop by hop,
and the client keeps no cookies, so nothing passes between users or GPTs but the
socket. When the policy changes (the allowlist was edited), the next request gets a new
client and the old one is closed as soon as the requests that hold it end: no
connection made under one policy serves a request made under another.

Inside the client each request borrows a transport of its own, with the connection the
last request to the same origin left open: one connection pool shared by hundreds of
requests at once costs far more CPU than the connections it saves (httpcore scans every
connection of its pool, for every request, several times).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import httpx

from gptforge.egress.client import EgressClient, EgressLimits
from gptforge.egress.policy import EgressPolicy
from gptforge.egress.transport import GuardedTransport, Resolver, resolve_host

_Key = tuple[EgressPolicy, EgressLimits]
_Origin = tuple[str, str, int | None]


class _GivenBack(httpx.AsyncByteStream):
    """A response body that gives its transport back once it is closed."""

    def __init__(
        self, stream: httpx.AsyncByteStream, give_back: Callable[[], Awaitable[None]]
    ) -> None:
        self._stream = stream
        self._give_back = give_back
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return  # given back once: twice would lend one transport to two requests
        self._closed = True
        try:
            await self._stream.aclose()
        finally:
            with anyio.CancelScope(shield=True):
                await self._give_back()


class _LendingTransport(httpx.AsyncBaseTransport):
    """Lends each request a guarded transport that serves no other request meanwhile,
    preferring the one the last request to the same origin gave back (its connection
    open). At most ``max_idle`` wait between requests; one idle past ``idle_seconds`` is
    closed (its connection has expired anyway)."""

    def __init__(
        self, make: Callable[[], GuardedTransport], *, max_idle: int, idle_seconds: float
    ) -> None:
        self._make = make
        self._max_idle = max_idle
        self._idle_seconds = idle_seconds
        self._free: dict[_Origin, list[tuple[float, GuardedTransport]]] = {}
        self._idle = 0
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = (request.url.scheme, request.url.host, request.url.port)
        transport = await self._borrow(origin)

        async def give_back() -> None:
            await self._give_back(origin, transport)

        try:
            response = await transport.handle_async_request(request)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await give_back()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_GivenBack(response.stream, give_back),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        self._closed = True
        idle = [transport for free in self._free.values() for _, transport in free]
        self._free, self._idle = {}, 0
        for transport in idle:
            await transport.aclose()

    async def _borrow(self, origin: _Origin) -> GuardedTransport:
        free = self._free.get(origin)
        if free:
            returned_at, transport = free.pop()
            self._idle -= 1
            if time.monotonic() - returned_at < self._idle_seconds:
                return transport
            # the most recent is stale, so are the others: close them all
            stale = [transport, *(t for _, t in free)]
            self._idle -= len(free)
            free.clear()
            with anyio.CancelScope(shield=True):
                for old in stale:
                    await old.aclose()
        return self._make()

    async def _give_back(self, origin: _Origin, transport: GuardedTransport) -> None:
        if not self._closed and self._idle >= self._max_idle:
            await self._drop_stale()
        if self._closed or self._idle >= self._max_idle:
            await transport.aclose()
            return
        self._free.setdefault(origin, []).append((time.monotonic(), transport))
        self._idle += 1

    async def _drop_stale(self) -> None:
        # The whole sweep before any await: another give-back may sweep meanwhile.
        cutoff = time.monotonic() - self._idle_seconds
        stale: list[GuardedTransport] = []
        for origin, free in list(self._free.items()):
            fresh = [(at, t) for at, t in free if at >= cutoff]
            stale.extend(t for at, t in free if at < cutoff)
            if fresh:
                self._free[origin] = fresh
            else:
                del self._free[origin]
        self._idle -= len(stale)
        with anyio.CancelScope(shield=True):
            for old in stale:
                await old.aclose()


@dataclass(kw_only=True)
class _Lent:
    client: EgressClient
    loop: asyncio.AbstractEventLoop
    users: int = 0
    retired: bool = False


class EgressPool:
    """Lends one :class:`EgressClient` per (policy, limits) to the requests of a process.

    ``keepalive_seconds`` stays below the 5 s idle timeout common servers (uvicorn,
    Node) use, so a kept connection is rarely closed by the server as it is reused;
    ``max_idle_connections`` bounds the connections kept open between requests."""

    def __init__(
        self,
        *,
        resolver: Resolver = resolve_host,
        max_idle_connections: int = 64,
        keepalive_seconds: float = 4.0,
    ) -> None:
        self._resolver = resolver
        self._max_idle = max_idle_connections
        self._keepalive = keepalive_seconds
        self._lent: dict[_Key, _Lent] = {}

    @asynccontextmanager
    async def client(
        self, policy: EgressPolicy, limits: EgressLimits
    ) -> AsyncIterator[EgressClient]:
        """The client for ``policy`` and ``limits``, held until the block ends."""
        lent = await self._current((policy, limits))  # counted as a user already
        try:
            yield lent.client
        finally:
            lent.users -= 1
            if lent.retired and lent.users == 0:
                with anyio.CancelScope(shield=True):
                    await lent.client.aclose()

    async def aclose(self) -> None:
        """Close every idle client now, and each lent one when its last request ends.
        A later request gets a new client (an app's lifespan may start again)."""
        lent, self._lent = list(self._lent.values()), {}
        for entry in lent:
            await self._retire(entry)

    async def _current(self, key: _Key) -> _Lent:
        loop = asyncio.get_running_loop()
        found = self._lent.get(key)
        if found is not None and found.loop is loop:
            found.users += 1
            return found
        policy, limits = key

        def guarded() -> GuardedTransport:
            return GuardedTransport(
                policy,
                resolver=self._resolver,
                max_connections=None,  # it serves one request at a time
                max_keepalive_connections=1,
                keepalive_expiry=self._keepalive,
            )

        transport = _LendingTransport(
            guarded, max_idle=self._max_idle, idle_seconds=self._keepalive
        )
        # Counted before any await, so that a retirement meanwhile cannot close it.
        made = _Lent(
            client=EgressClient(policy=policy, limits=limits, transport=transport),
            loop=loop,
            users=1,
        )
        stale, self._lent = list(self._lent.values()), {key: made}
        for entry in stale:  # after the new one is in place: a request meanwhile finds it
            await self._retire(entry)
        return made

    @staticmethod
    async def _retire(entry: _Lent) -> None:
        entry.retired = True
        if entry.users == 0 and entry.loop is asyncio.get_running_loop():
            await entry.client.aclose()
        # a client of another (finished) event loop cannot be closed from this one
