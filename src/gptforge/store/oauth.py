"""Users' OAuth tokens and sign-ins in progress, in the database (the actions layer's
:class:`~gptforge.actions.TokenStore` and :class:`~gptforge.actions.StateStore`).

Access and refresh tokens and PKCE verifiers are encrypted with the :class:`SecretBox`;
a sign-in's ``state`` is kept only as its SHA-256 and is consumed by one DELETE, so of
two callbacks with the same state (in any processes) at most one gets it.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import delete, select

from gptforge.actions import PendingSignIn, StoredToken
from gptforge.store.database import Database
from gptforge.store.models import OAuthState, OAuthToken
from gptforge.store.secrets import SecretBox


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class DbTokenStore:
    def __init__(self, db: Database, secrets: SecretBox) -> None:
        self.db = db
        self.secrets = secrets

    async def get(self, user_id: str, action_id: str) -> StoredToken | None:
        async with self.db.session() as session:
            row = await session.get(OAuthToken, (user_id, action_id))
            if row is None:
                return None
            return StoredToken(
                access_token=self.secrets.decrypt(row.access_token),
                refresh_token=(
                    self.secrets.decrypt(row.refresh_token) if row.refresh_token else None
                ),
                expires_at=row.expires_at,
                token_type=row.token_type,
                scope=row.scope,
                fingerprint=row.fingerprint,
            )

    async def put(self, user_id: str, action_id: str, token: StoredToken) -> None:
        async with self.db.session() as session:
            row = await session.get(OAuthToken, (user_id, action_id))
            if row is None:
                row = OAuthToken(user_id=user_id, action_id=action_id)
                session.add(row)
            row.access_token = self.secrets.encrypt(token.access_token)
            row.refresh_token = (
                self.secrets.encrypt(token.refresh_token) if token.refresh_token else None
            )
            row.expires_at = token.expires_at
            row.token_type = token.token_type
            row.scope = token.scope
            row.fingerprint = token.fingerprint

    async def delete(self, user_id: str, action_id: str) -> None:
        async with self.db.session() as session:
            await session.execute(
                delete(OAuthToken).where(
                    OAuthToken.user_id == user_id, OAuthToken.action_id == action_id
                )
            )

    async def delete_action(self, action_id: str) -> None:
        async with self.db.session() as session:
            await session.execute(delete(OAuthToken).where(OAuthToken.action_id == action_id))


class DbStateStore:
    def __init__(self, db: Database, secrets: SecretBox) -> None:
        self.db = db
        self.secrets = secrets

    async def put(self, state: str, pending: PendingSignIn) -> None:
        async with self.db.session() as session:
            await session.execute(delete(OAuthState).where(OAuthState.expires_at < time.time()))
            session.add(
                OAuthState(
                    state_hash=_state_hash(state),
                    user_id=pending.user_id,
                    action_id=pending.action_id,
                    session_id=pending.session_id,
                    code_verifier=(
                        self.secrets.encrypt(pending.code_verifier)
                        if pending.code_verifier
                        else None
                    ),
                    fingerprint=pending.fingerprint,
                    expires_at=pending.expires_at,
                )
            )

    async def get(self, state: str) -> PendingSignIn | None:
        async with self.db.session() as session:
            row = await session.scalar(
                select(OAuthState).where(OAuthState.state_hash == _state_hash(state))
            )
            return self._pending(row) if row is not None else None

    async def pop(self, state: str) -> PendingSignIn | None:
        async with self.db.session() as session:
            row = await session.scalar(
                select(OAuthState).where(OAuthState.state_hash == _state_hash(state))
            )
            if row is None:
                return None
            result = await session.execute(
                delete(OAuthState).where(OAuthState.state_hash == row.state_hash)
            )
            if getattr(result, "rowcount", 0) != 1:
                return None  # another request consumed it first
            return self._pending(row)

    def _pending(self, row: OAuthState) -> PendingSignIn:
        return PendingSignIn(
            user_id=row.user_id,
            action_id=row.action_id,
            session_id=row.session_id,
            code_verifier=self.secrets.decrypt(row.code_verifier) if row.code_verifier else None,
            expires_at=row.expires_at,
            fingerprint=row.fingerprint,
        )
