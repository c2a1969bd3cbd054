"""OAuth tokens and sign-in states in the database: encrypted at rest, states used once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gptforge.actions import PendingSignIn, StoredToken
from gptforge.store import Database, DbStateStore, DbTokenStore, SecretBox, User
from tests.store.databases import BACKENDS, drop_database, fresh_database_url

ACCESS = "access-canary-0123456789"
REFRESH = "refresh-canary-0123456789"


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(await fresh_database_url(str(request.param), tmp_path / "data"))
    yield database
    await database.dispose()
    await drop_database(database.url)


async def _user(db: Database) -> str:
    async with db.session() as session:
        user = User(email="o@example.com", display_name="O", password_hash="x")
        session.add(user)
        await session.flush()
        return user.id


async def _raw(db: Database, table: str) -> str:
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text(f"SELECT * FROM {table}"))).all()
    return repr(rows)


async def test_tokens_are_encrypted_at_rest_and_deleted_per_action(db: Database) -> None:
    user_id = await _user(db)
    store = DbTokenStore(db, SecretBox("k" * 40))
    token = StoredToken(
        access_token=ACCESS, refresh_token=REFRESH, expires_at=123.5, fingerprint="f1"
    )
    await store.put(user_id, "a-1", token)
    await store.put(user_id, "a-1", token)  # replaces
    assert await store.get(user_id, "a-1") == token
    raw = await _raw(db, "oauth_tokens")
    assert ACCESS not in raw and REFRESH not in raw
    await store.delete_action("a-1")
    assert await store.get(user_id, "a-1") is None


async def test_a_state_is_read_then_used_once(db: Database) -> None:
    user_id = await _user(db)
    store = DbStateStore(db, SecretBox("k" * 40))
    pending = PendingSignIn(
        user_id=user_id,
        action_id="a-1",
        session_id="s-1",
        code_verifier="verifier-canary",
        expires_at=time.time() + 600,
        fingerprint="f1",
    )
    await store.put("state-value", pending)
    assert "verifier-canary" not in await _raw(db, "oauth_states")
    assert "state-value" not in await _raw(db, "oauth_states")
    assert await store.get("state-value") == pending
    assert await store.pop("state-value") == pending
    assert await store.pop("state-value") is None
    assert await store.get("other") is None
    expired = PendingSignIn(**{**pending.__dict__, "expires_at": time.time() - 1})
    await store.put("old", expired)
    await store.put("new", pending)  # starting a sign-in drops expired ones
    assert await store.get("old") is None
