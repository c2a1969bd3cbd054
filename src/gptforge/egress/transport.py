"""The one seam where gptforge opens outbound connections.

The network backend resolves the host name once, checks every address against
the :class:`EgressPolicy`, and connects to the address it checked. There is no
second lookup between check and connect, so DNS rebinding cannot swap the
destination, and TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import httpcore
import httpx

from gptforge.egress.policy import ALLOWED_SCHEMES, EgressPolicy, IPAddress
from gptforge.errors import EgressBlockedError, EgressError

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for ``host``, in its order."""
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EgressError(
            f"Could not resolve host {host!r} ({exc}). Check the server URL in the spec."
        ) from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that only connects to addresses the policy allows."""

    def __init__(self, policy: EgressPolicy, *, resolver: Resolver = resolve_host) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolver(host, port)
        if not addresses:
            raise EgressError(f"Host {host!r} resolved to no address.")
        for address in addresses:
            refusal = self._policy.refusal(host=host, address=address, port=port)
            if refusal is not None:
                raise EgressBlockedError(refusal, url=f"{host}:{port}")
        return await self._inner.connect_tcp(
            str(addresses[0]),
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressBlockedError("Unix sockets are never reachable from actions.")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs tens of
    milliseconds of CPU, too much to pay again for every client (every chat turn)."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with no proxies from the environment and the guarded backend."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolver: Resolver = resolve_host,
        max_connections: int | None = 100,
        max_keepalive_connections: int = 20,
        keepalive_expiry: float = 5.0,
    ) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            retries=0,
            network_backend=GuardedNetworkBackend(policy, resolver=resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ALLOWED_SCHEMES:
            raise EgressBlockedError(
                f"Only http and https URLs can be fetched, not {request.url.scheme!r}.",
                url=str(request.url),
            )
        return await super().handle_async_request(request)
