"""Conversations in the store: who sees them, stored events, claims and approvals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gptforge.store import (
    Conversation,
    ConversationRepository,
    Database,
    DbApprovalStore,
    Gpt,
    User,
)
from tests.store.databases import BACKENDS, drop_database, fresh_database_url


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(await fresh_database_url(str(request.param), tmp_path / "data"))
    yield database
    await database.dispose()
    await drop_database(database.url)


async def _world(db: Database) -> tuple[str, str, str]:
    """An owner with a GPT shared by link, and another user chatting with it."""
    async with db.session() as session:
        owner = User(email="o@example.com", display_name="O", password_hash="x")
        other = User(email="u@example.com", display_name="U", password_hash="x")
        session.add_all([owner, other])
        await session.flush()
        gpt = Gpt(owner_id=owner.id, name="Shared", visibility="link", live_version=1)
        session.add(gpt)
        await session.flush()
        return owner.id, other.id, gpt.id


async def test_a_gpt_made_private_hides_other_users_conversations(db: Database) -> None:
    owner, other, gpt_id = await _world(db)
    async with db.session() as session:
        repo = ConversationRepository(session)
        mine = await repo.add(Conversation(user_id=owner, gpt_id=gpt_id, draft=True))
        theirs = await repo.add(Conversation(user_id=other, gpt_id=gpt_id))
        await repo.count_conversation(gpt_id)
    async with db.session() as session:
        repo = ConversationRepository(session)
        assert await repo.visible(other, theirs.id) is not None
        assert await repo.visible(other, mine.id) is None  # not theirs
        assert await repo.visible(owner, theirs.id) is None  # the owner cannot read it either
        assert await repo.has_chatted(other, gpt_id)
        assert not await repo.has_chatted(owner, gpt_id)  # Preview does not count
        gpt = await session.get(Gpt, gpt_id)
        assert gpt is not None and gpt.conversation_count == 1
        gpt.visibility = "private"
    async with db.session() as session:
        repo = ConversationRepository(session)
        assert await repo.visible(other, theirs.id) is None
        assert [c.id for c in await repo.listed(other)] == []
        assert await repo.visible(owner, mine.id) is not None


async def test_events_are_numbered_and_read_after_a_sequence(db: Database) -> None:
    _owner, other, gpt_id = await _world(db)
    async with db.session() as session:
        repo = ConversationRepository(session)
        conversation = await repo.add(Conversation(user_id=other, gpt_id=gpt_id))
        numbers = [await repo.add_event(conversation, "text_delta", {"text": t}) for t in "abc"]
    assert numbers == [1, 2, 3]
    async with db.session() as session:
        events = await ConversationRepository(session).events_after(conversation.id, 1)
    assert [(e.sequence, e.data["text"]) for e in events] == [(2, "b"), (3, "c")]


async def test_only_one_claim_wins(db: Database) -> None:
    _owner, other, gpt_id = await _world(db)
    async with db.session() as session:
        conversation = await ConversationRepository(session).add(
            Conversation(user_id=other, gpt_id=gpt_id)
        )
    results = []
    for _ in range(2):
        async with db.session() as session:
            results.append(
                await ConversationRepository(session).claim(conversation.id, expected=("idle",))
            )
    assert results == [True, False]


async def test_approvals_are_kept_per_user_gpt_and_tool(db: Database) -> None:
    owner, other, gpt_id = await _world(db)
    store = DbApprovalStore(db)
    assert not await store.is_allowed(user_id=other, gpt_id=gpt_id, tool_key="a/op")
    await store.allow(user_id=other, gpt_id=gpt_id, tool_key="a/op")
    await store.allow(user_id=other, gpt_id=gpt_id, tool_key="a/op")  # twice is fine
    assert await store.is_allowed(user_id=other, gpt_id=gpt_id, tool_key="a/op")
    assert not await store.is_allowed(user_id=owner, gpt_id=gpt_id, tool_key="a/op")
    await store.revoke(user_id=other, gpt_id=gpt_id, tool_key="a/op")
    assert not await store.is_allowed(user_id=other, gpt_id=gpt_id, tool_key="a/op")
