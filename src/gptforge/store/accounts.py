"""Queries for users, sign-in sessions, API tokens and failed sign-ins."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from gptforge.store.models import ApiToken, LoginFailure, LoginSession, User, utcnow

TOKEN_PREFIX = "gf_"
TOKEN_USE_PRECISION = timedelta(minutes=1)
"""How stale a token's ``last_used_at`` may get: refreshed at most once a minute."""


def token_hash(token: str) -> str:
    """Tokens are long random values, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def normalize_email(email: str) -> str:
    return email.strip().lower()


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def admin_exists(self) -> bool:
        return (
            await self.session.scalar(select(User.id).where(User.is_admin).limit(1))
        ) is not None

    async def by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == normalize_email(email)))

    async def by_id(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def list(self) -> list[User]:
        return list(await self.session.scalars(select(User).order_by(User.created_at, User.id)))

    async def create(
        self, *, email: str, display_name: str, password_hash: str, is_admin: bool
    ) -> User:
        user = User(
            email=normalize_email(email),
            display_name=display_name,
            password_hash=password_hash,
            is_admin=is_admin,
        )
        self.session.add(user)
        await self.session.flush()
        return user


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, user: User, *, lifetime: timedelta) -> tuple[LoginSession, str]:
        """A new session and the token for its cookie (only the hash is stored)."""
        token = new_token()
        login = LoginSession(
            user_id=user.id, token_hash=token_hash(token), expires_at=utcnow() + lifetime
        )
        self.session.add(login)
        await self.session.flush()
        return login, token

    async def active(self, token: str) -> LoginSession | None:
        return await self.session.scalar(
            select(LoginSession)
            .options(joinedload(LoginSession.user))
            .where(LoginSession.token_hash == token_hash(token), LoginSession.expires_at > utcnow())
        )

    async def delete(self, session_id: str) -> None:
        await self.session.execute(delete(LoginSession).where(LoginSession.id == session_id))

    async def delete_expired(self) -> None:
        await self.session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))


_ACTIVE_TOKEN = (
    select(ApiToken)
    .options(joinedload(ApiToken.user))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)
"""Every API request runs it: built once (building and keying it cost as much as running it)."""


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, user: User, name: str) -> tuple[ApiToken, str]:
        token = new_token(TOKEN_PREFIX)
        record = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token))
        self.session.add(record)
        await self.session.flush()
        return record, token

    async def active(self, token: str) -> ApiToken | None:
        record = await self.session.scalar(_ACTIVE_TOKEN, {"token_hash": token_hash(token)})
        now = utcnow()
        if record is not None and (
            record.last_used_at is None or now - record.last_used_at > TOKEN_USE_PRECISION
        ):
            # not on every request: a write would hold SQLite's lock for the whole request
            await self.session.execute(
                update(ApiToken).where(ApiToken.id == record.id).values(last_used_at=now)
            )
        return record

    async def list_for(self, user_id: str) -> list[ApiToken]:
        return list(
            await self.session.scalars(
                select(ApiToken)
                .where(ApiToken.user_id == user_id)
                .order_by(ApiToken.created_at, ApiToken.id)
            )
        )

    async def delete(self, user_id: str, token_id: str) -> bool:
        """Delete the caller's own token; False when there is none with that id."""
        result = await self.session.execute(
            delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))


class LoginFailureRepository:
    """Failed sign-ins per email, in the database so every server process sees them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recent(self, email: str, *, window: timedelta) -> int:
        since: datetime = utcnow() - window
        count = await self.session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.email == normalize_email(email), LoginFailure.failed_at > since)
        )
        return int(count or 0)

    async def record(self, email: str) -> None:
        self.session.add(LoginFailure(email=normalize_email(email)))
        await self.session.flush()

    async def clear(self, email: str, *, older_than: timedelta | None = None) -> None:
        statement = delete(LoginFailure).where(LoginFailure.email == normalize_email(email))
        if older_than is not None:
            statement = statement.where(LoginFailure.failed_at <= utcnow() - older_than)
        await self.session.execute(statement)
