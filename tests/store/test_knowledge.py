"""Knowledge files in the store: full-text ranking, versions, deletion, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from gptforge.capabilities.knowledge_chunks import chunk_blocks
from gptforge.capabilities.knowledge_extract import extract
from gptforge.store import Database, Gpt, GptRepository, User
from gptforge.store.knowledge import (
    DbKnowledgeIndex,
    KnowledgeChunk,
    KnowledgeFile,
    KnowledgeRepository,
    NewFile,
)
from tests.store.databases import BACKENDS, drop_database, fresh_database_url

MANUAL = b"""# Espresso machine manual

## Descaling

Descale the machine every 200 cups. Fill the tank with citric acid solution and run the
descaling programme twice; then rinse with clean water.

## Warranty

The warranty covers manufacturing defects for 24 months from the purchase date. It does
not cover damage from limescale when the machine was never descaled.

## Grinder

Set the grinder between 5 and 8 for espresso. A finer setting gives a slower shot.
"""

POLICY = b"""Holiday policy

Employees get 27 days of paid holiday per year, plus public holidays.

Unused holiday: up to five days may be carried over into the next year.

Parental leave is covered in a separate policy document.
"""


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(await fresh_database_url(str(request.param), tmp_path / "data"))
    yield database
    await database.dispose()
    await drop_database(database.url)


async def _gpt(db: Database, name: str = "Helper") -> str:
    async with db.session() as session:
        owner = User(email=f"{name.lower()}@example.com", display_name=name, password_hash="x")
        session.add(owner)
        await session.flush()
        gpt = Gpt(owner_id=owner.id, name=name)
        session.add(gpt)
        await session.flush()
        return gpt.id


def _new_file(name: str, data: bytes) -> NewFile:
    extracted = extract(name, data)
    return NewFile(
        name=name,
        media_type=extracted.media_type,
        data=data,
        chunks=chunk_blocks(extracted.blocks),
        char_count=extracted.chars,
    )


async def _add(db: Database, gpt_id: str, name: str, data: bytes) -> str:
    async with db.session() as session:
        record = await KnowledgeRepository(session).add_file(gpt_id, _new_file(name, data))
        return record.id


async def _fts_rows(db: Database) -> int:
    async with db.session() as session:
        if db.dialect == "sqlite":
            return int(await session.scalar(text("SELECT count(*) FROM knowledge_fts")) or 0)
        return int(await session.scalar(select(func.count()).select_from(KnowledgeChunk)) or 0)


async def test_search_finds_the_passage_with_its_file_and_heading(db: Database) -> None:
    gpt_id = await _gpt(db)
    await _add(db, gpt_id, "manual.md", MANUAL)
    await _add(db, gpt_id, "policy.txt", POLICY)
    index = DbKnowledgeIndex(db=db, gpt_id=gpt_id)

    [best, *_] = await index.search("How long is the warranty?", 3)
    assert best.file_name == "manual.md"
    assert "24 months" in best.text and best.heading.startswith("Espresso machine manual")

    [best, *_] = await index.search("how many days holiday can I carry over", 3)
    assert best.file_name == "policy.txt" and "carried over" in best.text


async def test_partial_matches_still_rank_and_stemming_helps(db: Database) -> None:
    gpt_id = await _gpt(db)
    await _add(db, gpt_id, "manual.md", MANUAL)
    index = DbKnowledgeIndex(db=db, gpt_id=gpt_id)
    # "descaled" / "descaling" share a stem; "zebra" and "xylophone" match nothing
    passages = await index.search("descale zebra xylophone", 5)
    assert passages and "Descale the machine" in passages[0].text
    assert await index.search("zebra xylophone", 5) == []


@pytest.mark.parametrize(
    "query",
    [
        '"warranty" OR bar*',
        "NEAR(warranty grinder",
        "warranty) AND (",
        "col:warranty",
        "^warranty - {heading}",
        "'; DROP TABLE knowledge_chunks; --",
        "warranty & | ! <-> :*",
        '"',
        "***",
        "",
    ],
)
async def test_query_syntax_is_never_an_error(db: Database, query: str) -> None:
    gpt_id = await _gpt(db)
    await _add(db, gpt_id, "manual.md", MANUAL)
    passages = await DbKnowledgeIndex(db=db, gpt_id=gpt_id).search(query, 5)
    if "warranty" in query:
        assert any("warranty" in passage.text.lower() for passage in passages)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(KnowledgeChunk))


async def test_stop_words_alone_still_search(db: Database) -> None:
    gpt_id = await _gpt(db)
    await _add(db, gpt_id, "policy.txt", POLICY)
    # every word is a stop word: they are searched rather than nothing
    passages = await DbKnowledgeIndex(db=db, gpt_id=gpt_id).search("per", 5)
    assert passages and "per year" in passages[0].text


async def test_a_search_sees_only_its_own_gpts_files(db: Database) -> None:
    mine = await _gpt(db, "Mine")
    theirs = await _gpt(db, "Theirs")
    await _add(db, theirs, "manual.md", MANUAL)
    assert await DbKnowledgeIndex(db=db, gpt_id=mine).search("warranty", 5) == []
    assert await DbKnowledgeIndex(db=db, gpt_id=theirs).search("warranty", 5)


async def test_versions_keep_their_files_after_the_draft_changes(db: Database) -> None:
    gpt_id = await _gpt(db)
    manual = await _add(db, gpt_id, "manual.md", MANUAL)
    async with db.session() as session:
        await KnowledgeRepository(session).snapshot(gpt_id, 1)  # published as version 1
    async with db.session() as session:
        repo = KnowledgeRepository(session)
        record = await repo.draft_file(gpt_id, manual)
        assert record is not None
        await repo.remove_from_draft(record)
    await _add(db, gpt_id, "policy.txt", POLICY)

    draft = DbKnowledgeIndex(db=db, gpt_id=gpt_id, version=0)
    live = DbKnowledgeIndex(db=db, gpt_id=gpt_id, version=1)
    assert await draft.search("warranty", 5) == []
    assert (await live.search("warranty", 5))[0].file_name == "manual.md"
    assert await live.search("holiday", 5) == []
    async with db.session() as session:
        repo = KnowledgeRepository(session)
        assert [f.name for f in await repo.files(gpt_id)] == ["policy.txt"]
        assert [f.name for f in await repo.files(gpt_id, 1)] == ["manual.md"]
        assert await repo.draft_file(gpt_id, manual) is None  # not the draft's any more

    async with db.session() as session:
        await KnowledgeRepository(session).restore(gpt_id, 1)
    async with db.session() as session:
        repo = KnowledgeRepository(session)
        assert [f.name for f in await repo.files(gpt_id)] == ["manual.md"]
        # policy.txt was in no version: restoring dropped it, passages and index rows too
        assert await session.scalar(select(func.count()).select_from(KnowledgeFile)) == 1
    assert await _fts_rows(db) == len(chunk_blocks(extract("m.md", MANUAL).blocks))


async def test_a_file_no_version_uses_is_deleted_with_its_index_rows(db: Database) -> None:
    gpt_id = await _gpt(db)
    file_id = await _add(db, gpt_id, "manual.md", MANUAL)
    assert await _fts_rows(db) > 0
    async with db.session() as session:
        repo = KnowledgeRepository(session)
        record = await repo.draft_file(gpt_id, file_id)
        assert record is not None
        await repo.remove_from_draft(record)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(KnowledgeFile)) == 0
        assert await session.scalar(select(func.count()).select_from(KnowledgeChunk)) == 0
    assert await _fts_rows(db) == 0


async def test_deleting_the_gpt_deletes_its_knowledge(db: Database) -> None:
    gpt_id = await _gpt(db)
    await _add(db, gpt_id, "manual.md", MANUAL)
    async with db.session() as session:
        await KnowledgeRepository(session).snapshot(gpt_id, 1)
    async with db.session() as session:
        gpt = await session.get(Gpt, gpt_id)
        assert gpt is not None
        await GptRepository(session).delete(gpt)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(KnowledgeChunk)) == 0
    assert await _fts_rows(db) == 0


async def test_same_name_replaces_the_draft_file(db: Database) -> None:
    gpt_id = await _gpt(db)
    await _add(db, gpt_id, "notes.txt", b"The door code is 4711.")
    await _add(db, gpt_id, "notes.txt", b"The door code is 9832.")
    async with db.session() as session:
        files = await KnowledgeRepository(session).files(gpt_id)
    assert [f.name for f in files] == ["notes.txt"]
    [passage] = await DbKnowledgeIndex(db=db, gpt_id=gpt_id).search("door code", 5)
    assert "9832" in passage.text


async def test_duplicate_copies_the_draft_files(db: Database) -> None:
    source = await _gpt(db, "Source")
    target = await _gpt(db, "Target")
    await _add(db, source, "manual.md", MANUAL)
    async with db.session() as session:
        await KnowledgeRepository(session).copy_draft(source, target)
    [passage, *_] = await DbKnowledgeIndex(db=db, gpt_id=target).search("grinder setting", 5)
    assert passage.file_name == "manual.md" and passage.file_id != ""
    async with db.session() as session:
        [copy] = await KnowledgeRepository(session).files(target)
        assert copy.chunk_count == len(chunk_blocks(extract("m.md", MANUAL).blocks))
        assert (
            await session.scalar(select(KnowledgeFile.content).where(KnowledgeFile.id == copy.id))
            == MANUAL
        )
