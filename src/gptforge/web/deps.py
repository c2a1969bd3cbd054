"""Request dependencies: the database session and the one authentication step.

:func:`authenticated` turns any credential (the session cookie or an
``Authorization: Bearer`` API token) into a :class:`Subject`; a route without it
is public, visibly. Cookie-authenticated state changes from another origin are refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.store import SessionRepository, TokenRepository, User
from gptforge.web.errors import Forbidden, Unauthenticated
from gptforge.web.platform import Platform
from gptforge.web.security import SESSION_COOKIE, is_cross_site


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def _session(
    platform: Annotated[Platform, Depends(get_platform)],
) -> AsyncIterator[AsyncSession]:
    async with platform.db.session() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
"""One session per request, committed when the handler returns (before the response)."""
PlatformDep = Annotated[Platform, Depends(get_platform)]


@dataclass(frozen=True, kw_only=True)
class Subject:
    """Who is calling, and how they proved it."""

    user: User
    via: Literal["cookie", "token"]
    session_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.user.id


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated(
            "The Authorization header must be `Bearer <token>` with a token from POST "
            "/api/v1/tokens."
        )
    return value.strip()


async def authenticated(request: Request, session: DbSession) -> Subject:
    token = _bearer(request)
    if token is not None:
        record = await TokenRepository(session).active(token)
        if record is None:
            raise Unauthenticated("This API token is not valid (revoked or mistyped).")
        return Subject(user=record.user, via="token")
    cookie = request.cookies.get(SESSION_COOKIE)
    login = await SessionRepository(session).active(cookie) if cookie else None
    if login is None:
        raise Unauthenticated(
            "Sign in first (POST /api/v1/auth/login), or send `Authorization: Bearer <token>`."
        )
    if is_cross_site(request):
        raise Forbidden(
            "Refused a request from another site (its Origin is not this server).",
            code="cross_site_request",
        )
    return Subject(user=login.user, via="cookie", session_id=login.id)


def same_site_only(request: Request) -> None:
    """For sign-in and sign-up: a page of another site may not sign people in."""
    if is_cross_site(request):
        raise Forbidden(
            "Refused a request from another site (its Origin is not this server).",
            code="cross_site_request",
        )


async def admin(subject: Annotated[Subject, Depends(authenticated)]) -> Subject:
    if not subject.user.is_admin:
        raise Forbidden("Only an administrator can do this.", code="admin_only")
    return subject


CurrentSubject = Annotated[Subject, Depends(authenticated)]
AdminSubject = Annotated[Subject, Depends(admin)]
