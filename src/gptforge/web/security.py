"""Passwords, the session cookie and the cross-site request check."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

import anyio
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request, Response

SESSION_COOKIE = "gptforge_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Passwords:
    """argon2id hashing, run in a worker thread so sign-ins never stall other requests.

    ``profile`` is ``rfc9106_low_memory`` (argon2-cffi's default: 64 MiB, 3 passes);
    ``cheapest`` exists only to keep test suites fast.
    """

    def __init__(self, profile: Literal["rfc9106_low_memory", "cheapest"]) -> None:
        parameters = profiles.CHEAPEST if profile == "cheapest" else profiles.RFC_9106_LOW_MEMORY
        self._hasher = PasswordHasher.from_parameters(parameters)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; takes as long when there is no such user."""
        return await anyio.to_thread.run_sync(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None and self._dummy is None:
            self._dummy = self._hasher.hash("not a real password")
        try:
            return self._hasher.verify(password_hash or str(self._dummy), password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False


def set_session_cookie(request: Request, response: Response, token: str, *, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def _origin_of(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def is_cross_site(request: Request) -> bool:
    """True when a state-changing request comes from a page of another origin.

    The browser's ``Origin`` header (else ``Referer``) must name this server; a request
    carrying neither comes from a script or tool rather than a browser page.
    """
    if request.method in SAFE_METHODS:
        return False
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return False
    own = (request.url.scheme.lower(), request.headers.get("host", "").lower())
    return _origin_of(claimed) != own
