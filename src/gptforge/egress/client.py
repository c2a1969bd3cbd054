"""Sending one outbound request under the egress policy and its limits.

:class:`EgressClient` is the only object in gptforge that talks to remote HTTP
servers on behalf of a spec or a model. It follows a few redirects itself (each
hop goes through the guarded transport again and loses credentials when the
origin changes), enforces one overall deadline around connect, send, receive and
decode, and stops reading a body past a byte cap, inflating compressed bodies
only up to that cap.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from typing import Any

import anyio
import httpx

from gptforge.egress.policy import ALLOWED_SCHEMES, EgressPolicy, origin
from gptforge.egress.transport import GuardedTransport, Resolver, resolve_host
from gptforge.errors import EgressBlockedError, EgressError, EgressLimitError

CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_MAX_DETAIL = 300


@dataclass(frozen=True, kw_only=True)
class EgressLimits:
    """Bounds on one outbound request; every field has a safe default."""

    deadline_seconds: float = 45.0
    """Overall time for connect + send + receive + decode, redirects included."""
    connect_timeout_seconds: float = 10.0
    max_response_bytes: int = 10_000_000
    """Bytes kept from a body, after decompression; reading stops past it."""
    max_redirects: int = 5
    max_inflation_ratio: float | None = None
    """Refuse a compressed body that inflates more than this many times its size on the
    wire (past the first ``inflation_grace_bytes``); None: only the byte cap applies."""
    inflation_grace_bytes: int = 1_000_000


@dataclass(kw_only=True)
class FetchedResponse:
    """A response read under the limits: the whole body, or its first bytes if truncated."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: httpx.URL
    truncated: bool
    elapsed_seconds: float
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


class _Inflater:
    """Decompresses gzip/deflate incrementally without ever producing more than asked."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._decoder = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, chunk: bytes, room: int) -> bytes:
        try:
            return self._decoder.decompress(chunk, room)
        except zlib.error:
            if self._encoding == "deflate" and not self._started:
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.feed(chunk, room)
            raise
        finally:
            self._started = True


async def _read_capped(response: httpx.Response, limits: EgressLimits) -> tuple[bytes, bool]:
    max_bytes = limits.max_response_bytes
    ratio = limits.max_inflation_ratio
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    inflater = _Inflater(encoding) if encoding in ("gzip", "x-gzip", "deflate") else None
    body = bytearray()
    raw_total = 0
    async for chunk in response.aiter_raw():
        raw_total += len(chunk)
        if inflater is None:
            body += chunk
        else:
            allowed = max_bytes
            if ratio is not None:
                allowed = min(max_bytes, max(limits.inflation_grace_bytes, int(ratio * raw_total)))
            try:
                body += inflater.feed(chunk, allowed - len(body) + 1)
            except zlib.error as exc:
                raise EgressError(
                    f"The server sent a corrupt {encoding} body ({exc}).", url=str(response.url)
                ) from exc
            if len(body) > allowed and allowed < max_bytes:
                raise EgressLimitError(
                    f"The {encoding} body inflates to more than {ratio:g} times its "
                    f"{raw_total:,} compressed bytes (a compression bomb?); it was refused. "
                    "Serve the document uncompressed or with ordinary compression.",
                    url=str(response.url),
                )
        if len(body) > max_bytes or raw_total > max_bytes:
            return bytes(body[:max_bytes]), True
    return bytes(body), False


def _redirect_request(
    request: httpx.Request, response: httpx.Response, extra_secret_headers: frozenset[str]
) -> httpx.Request:
    try:
        url = request.url.join(response.headers["location"])
        origin(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise EgressError(
            "The server redirected to a URL that is not valid (bad host, port or characters); "
            "the redirect was not followed.",
            url=str(request.url),
        ) from exc
    if url.scheme not in ALLOWED_SCHEMES:
        raise EgressBlockedError(f"Refused a redirect to {url.scheme!r} URL.", url=str(url))
    method = request.method
    content: bytes | None = request.content if request.method not in ("GET", "HEAD") else None
    if (response.status_code == 303 and method != "HEAD") or (
        response.status_code in (301, 302) and method == "POST"
    ):
        method, content = "GET", None
    headers = httpx.Headers(request.headers)
    del headers["host"]
    if content is None:
        for name in ("content-type", "content-length", "transfer-encoding"):
            headers.pop(name, None)
    if origin(url) != origin(request.url):
        for name in CREDENTIAL_HEADERS | extra_secret_headers:
            headers.pop(name, None)
    return httpx.Request(method, url, headers=headers, content=content)


class _NoCookies(CookieJar):
    """A jar that keeps nothing: a client may serve many users and GPTs, and a cookie one
    API sets must never be sent on anyone's later request (nor pile up in memory)."""

    def set_cookie(self, cookie: Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


class EgressClient:
    """Sends requests through the guarded transport under :class:`EgressLimits`.

    It keeps no cookies, so one client may serve every request made under its policy
    (see :class:`~gptforge.egress.pool.EgressPool`)."""

    def __init__(
        self,
        *,
        policy: EgressPolicy | None = None,
        limits: EgressLimits | None = None,
        resolver: Resolver = resolve_host,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or EgressPolicy()
        self.limits = limits or EgressLimits()
        self._client = httpx.AsyncClient(
            transport=transport or GuardedTransport(self.policy, resolver=resolver),
            trust_env=False,
            cookies=_NoCookies(),
            follow_redirects=False,
            timeout=httpx.Timeout(
                self.limits.deadline_seconds, connect=self.limits.connect_timeout_seconds
            ),
        )

    async def __aenter__(self) -> EgressClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        request: httpx.Request,
        *,
        secret_headers: Iterable[str] = (),
        follow_redirects: bool = True,
    ) -> FetchedResponse:
        """Send ``request`` and read its response within the limits.

        ``secret_headers`` names extra headers (such as a custom API-key header)
        that are dropped, like Authorization, when a redirect leaves the origin.
        """
        extra = frozenset(name.lower() for name in secret_headers)
        started = time.perf_counter()
        redirects: list[str] = []
        try:
            with anyio.fail_after(self.limits.deadline_seconds):
                while True:
                    response = await self._client.send(request, stream=True)
                    try:
                        if (
                            follow_redirects
                            and response.status_code in _REDIRECT_CODES
                            and "location" in response.headers
                        ):
                            if len(redirects) >= self.limits.max_redirects:
                                raise EgressError(
                                    f"Stopped after {len(redirects)} redirects; the server "
                                    "may be redirecting in a loop.",
                                    url=str(request.url),
                                )
                            request = _redirect_request(request, response, extra)
                            redirects.append(str(request.url))
                            continue
                        content, truncated = await _read_capped(response, self.limits)
                        return FetchedResponse(
                            status_code=response.status_code,
                            headers=response.headers,
                            content=content,
                            url=response.url,
                            truncated=truncated,
                            elapsed_seconds=time.perf_counter() - started,
                            redirects=redirects,
                        )
                    finally:
                        await response.aclose()
        except TimeoutError as exc:
            raise EgressLimitError(
                f"The request to {request.url.host} took longer than the "
                f"{self.limits.deadline_seconds:g} s deadline and was stopped.",
                url=str(request.url),
            ) from exc
        except httpx.TimeoutException as exc:
            raise EgressLimitError(
                f"Timed out talking to {request.url.host} ({type(exc).__name__}).",
                url=str(request.url),
            ) from exc
        except (httpx.LocalProtocolError, UnicodeError) as exc:
            # h11's message quotes the offending header, which may hold a credential.
            raise EgressError(
                f"The request to {request.url.host} was not sent: a header name or value is not "
                "valid HTTP (values are not shown here).",
                url=str(request.url),
            ) from exc
        except httpx.HTTPError as exc:
            detail = str(exc) or type(exc).__name__
            if len(detail) > _MAX_DETAIL:
                detail = detail[:_MAX_DETAIL] + "…"
            raise EgressError(
                f"Could not reach {request.url.host}: {detail}.", url=str(request.url)
            ) from exc


async def fetch(
    url: str,
    *,
    policy: EgressPolicy | None = None,
    limits: EgressLimits | None = None,
    headers: dict[str, str] | None = None,
) -> FetchedResponse:
    """GET one URL under the egress policy: the helper spec import and tests use."""
    try:
        request = httpx.Request("GET", url, headers=headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise EgressBlockedError(f"{url!r} is not a valid http(s) URL: {exc}", url=url) from exc
    async with EgressClient(policy=policy, limits=limits) as client:
        return await client.send(request)
