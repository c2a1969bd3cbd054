"""Hybrid ranking: full text fused with vectors from an OpenAI-compatible embeddings API.

The API is a loopback server whose vectors are deterministic "concept" counts: words of
one concept (``refund``, ``money``, ``reimburse``) land on the same axis, so it can match
a question to a passage that shares none of its words, which full text alone cannot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gptforge.capabilities.knowledge_chunks import chunk_blocks
from gptforge.capabilities.knowledge_embeddings import OpenAIEmbedder
from gptforge.capabilities.knowledge_extract import extract
from gptforge.errors import ProviderError
from gptforge.store import Database, Gpt, User
from gptforge.store.knowledge import DbKnowledgeIndex, KnowledgeRepository, NewFile
from tests.capabilities.embeddings import embeddings_app
from tests.servers import serve
from tests.store.databases import BACKENDS, drop_database, fresh_database_url

DOCUMENT = b"""# Help centre

## Refunds

Refunds are paid to the original card within 5 working days after we receive the item.
The amount includes the original postage when the item arrived damaged or was not what
was ordered. Store credit can be chosen instead and is issued at once. Partial amounts
apply to bundles where only some pieces return to the warehouse in good condition.

## Shipping

Orders ship by courier; delivery takes 2 to 4 working days in the EU.
Outside the EU allow up to ten working days, and customs fees may be charged by the
carrier on arrival. Tracking numbers are sent by email as soon as the parcel leaves the
warehouse; large furniture is brought by a two-person team who call ahead.

## Accounts

After five wrong password attempts the login is locked for 15 minutes.
An administrator can unlock it earlier from the user list. Two-factor authentication
is strongly recommended for every account; recovery codes should be printed and kept
somewhere safe, because support staff cannot bypass the second factor for anyone.
"""


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def endpoint(seen: list[dict[str, Any]]) -> Iterator[str]:
    with serve(embeddings_app(seen)) as url:
        yield url + "/v1"


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(await fresh_database_url(str(request.param), tmp_path / "data"))
    yield database
    await database.dispose()
    await drop_database(database.url)


async def _gpt_with_document(db: Database, embedder: OpenAIEmbedder | None) -> str:
    extracted = extract("help.md", DOCUMENT)
    chunks = chunk_blocks(extracted.blocks)
    assert len(chunks) == 3  # one passage per section
    vectors = None
    if embedder is not None:
        vectors = await embedder.embed([f"{c.heading}\n{c.text}" for c in chunks])
    async with db.session() as session:
        owner = User(email="o@example.com", display_name="O", password_hash="x")
        session.add(owner)
        await session.flush()
        gpt = Gpt(owner_id=owner.id, name="Help")
        session.add(gpt)
        await session.flush()
        await KnowledgeRepository(session).add_file(
            gpt.id,
            NewFile(
                name="help.md",
                media_type=extracted.media_type,
                data=DOCUMENT,
                chunks=chunks,
                char_count=extracted.chars,
                vectors=vectors,
                embedding_model=embedder.model if embedder else None,
            ),
        )
        return gpt.id


async def test_vectors_find_what_words_cannot(
    db: Database, endpoint: str, seen: list[dict[str, Any]]
) -> None:
    embedder = OpenAIEmbedder(base_url=endpoint, model="concepts-1", api_key="sk-local")
    gpt_id = await _gpt_with_document(db, embedder)
    question = "Can I get my money back?"  # no word in common with the refunds passage

    text_only = DbKnowledgeIndex(db=db, gpt_id=gpt_id)
    hybrid = DbKnowledgeIndex(db=db, gpt_id=gpt_id, embedder=embedder)
    assert await text_only.search(question, 3) == []
    [best] = await hybrid.search(question, 1)
    assert "Refunds are paid" in best.text and best.file_name == "help.md"

    # a question both rankings agree on stays first
    [best] = await hybrid.search("courier delivery time", 1)
    assert "courier" in best.text
    assert seen[-1]["auth"] == "Bearer sk-local" and seen[-1]["body"]["input"] == [
        "courier delivery time"
    ]


async def test_vectors_of_another_model_are_not_compared(db: Database, endpoint: str) -> None:
    stored_with = OpenAIEmbedder(base_url=endpoint, model="concepts-1")
    gpt_id = await _gpt_with_document(db, stored_with)
    other = OpenAIEmbedder(base_url=endpoint, model="concepts-2")  # the endpoint refuses it
    index = DbKnowledgeIndex(db=db, gpt_id=gpt_id, embedder=other)
    # the query cannot be embedded: full text alone still answers
    [best] = await index.search("locked login", 1)
    assert "password attempts" in best.text


async def test_an_unreachable_endpoint_is_a_provider_error(endpoint: str) -> None:
    embedder = OpenAIEmbedder(base_url=endpoint + "/missing", model="concepts-1", timeout=5)
    with pytest.raises(ProviderError, match="GPTFORGE_EMBEDDINGS_URL"):
        await embedder.embed(["hello"])
