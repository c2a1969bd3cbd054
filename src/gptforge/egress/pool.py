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
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from gptforge.egress.client import EgressClient, EgressLimits
from gptforge.egress.policy import EgressPolicy
from gptforge.egress.transport import GuardedTransport, Resolver, resolve_host

_Key = tuple[EgressPolicy, EgressLimits]


@dataclass(kw_only=True)
class _Lent:
    client: EgressClient
    loop: asyncio.AbstractEventLoop
    users: int = 0
    retired: bool = False


class EgressPool:
    """Lends one :class:`EgressClient` per (policy, limits) to the requests of a process.

    ``keepalive_seconds`` stays below the 5 s idle timeout common servers (uvicorn,
    Node) use, so a kept connection is rarely closed by the server as it is reused."""

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
        lent = await self._current((policy, limits))
        lent.users += 1
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
            return found
        policy, limits = key
        transport = GuardedTransport(
            policy,
            resolver=self._resolver,
            max_connections=None,  # as many as the requests at once; none waits for another's
            max_keepalive_connections=self._max_idle,
            keepalive_expiry=self._keepalive,
        )
        made = _Lent(
            client=EgressClient(policy=policy, limits=limits, transport=transport), loop=loop
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
