"""Sign up, sign in, sign out, who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request, Response, status

from gptforge.store import (
    AdminSettingsRepository,
    LoginFailureRepository,
    SessionRepository,
    User,
    UserRepository,
)
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep, same_site_only
from gptforge.web.errors import Conflict, Forbidden, TooManyRequests, Unauthenticated
from gptforge.web.platform import Platform
from gptforge.web.schemas import LoginIn, SignupIn, UserOut
from gptforge.web.security import (
    clear_session_cookie,
    set_session_cookie,
)
from gptforge.web.signup import signup_mode

router = APIRouter(tags=["accounts"])

FIRST_ADMIN_KEY = "first_admin"
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 10


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id, email=user.email, display_name=user.display_name, is_admin=user.is_admin
    )


async def _start_session(
    platform: Platform, request: Request, response: Response, session: DbSession, user: User
) -> None:
    lifetime = timedelta(days=platform.settings.session_days)
    _login, token = await SessionRepository(session).create(user, lifetime=lifetime)
    set_session_cookie(request, response, token, max_age=int(lifetime.total_seconds()))


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(same_site_only)],
)
async def signup(
    body: SignupIn, request: Request, response: Response, session: DbSession, platform: PlatformDep
) -> UserOut:
    """Create an account and sign in. The first account becomes the administrator
    (and may always sign up, so a new server can be claimed)."""
    users = UserRepository(session)
    first = not await users.admin_exists()
    if not first and await signup_mode(platform, session) == "closed":
        raise Forbidden(
            "Sign-up is closed on this server; ask an administrator for an account.",
            code="signup_closed",
        )
    if await users.by_email(body.email) is not None:
        raise Conflict("An account with this email exists; sign in instead.", code="email_taken")
    async with platform.db.away(session):  # argon2 takes a good part of a second
        password_hash = await platform.passwords.hash(body.password)
    user = await users.create(
        email=body.email,
        display_name=body.display_name,
        password_hash=password_hash,
        is_admin=first,
    )
    if first:
        # Two first sign-ups at once: the second insert of this key fails (409, retry).
        await AdminSettingsRepository(session).claim(FIRST_ADMIN_KEY, user.id)
    await _start_session(platform, request, response, session, user)
    return user_out(user)


@router.post("/auth/login", dependencies=[Depends(same_site_only)])
async def login(
    body: LoginIn, request: Request, response: Response, session: DbSession, platform: PlatformDep
) -> UserOut:
    """Sign in with email and password; 429 after 10 failures in 15 minutes."""
    failures = LoginFailureRepository(session)
    if await failures.recent(body.email, window=FAILURE_WINDOW) >= MAX_FAILURES:
        raise TooManyRequests(
            "Too many failed sign-ins for this account; wait 15 minutes and try again.",
            code="too_many_failed_logins",
        )
    user = await UserRepository(session).by_email(body.email)
    known_hash = user.password_hash if user is not None else None
    async with platform.db.away(session):  # argon2 takes a good part of a second
        verified = await platform.passwords.verify(known_hash, body.password)
    if not verified or user is None:
        await failures.clear(body.email, older_than=FAILURE_WINDOW)
        await failures.record(body.email)
        await session.commit()  # the failure must count even though the request fails
        raise Unauthenticated("Wrong email or password.", code="invalid_credentials")
    await failures.clear(body.email)
    await SessionRepository(session).delete_expired()
    await _start_session(platform, request, response, session, user)
    return user_out(user)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    subject: CurrentSubject, request: Request, response: Response, session: DbSession
) -> None:
    """End this browser session (API tokens stay valid until deleted)."""
    if subject.session_id is not None:
        await SessionRepository(session).delete(subject.session_id)
    clear_session_cookie(request, response)


@router.get("/me")
async def me(subject: CurrentSubject) -> UserOut:
    return user_out(subject.user)
