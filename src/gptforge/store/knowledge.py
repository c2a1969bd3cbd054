"""Knowledge files: their passages, full-text index and embeddings, per GPT version.

A file belongs to the GPT's draft while ``in_draft`` is true. Publishing links the draft's
files to the new version (``knowledge_file_versions``) instead of copying them: passages
can be many and never change, so a version refers to the same rows. Removing a file from
the draft keeps it while a published version still uses it; restoring a version makes its
files the draft's. A file that neither the draft nor any version uses is deleted with its
passages.

Full text: SQLite keeps an FTS5 table ``knowledge_fts`` (Porter stemming, BM25 ranking)
filled by triggers on ``knowledge_chunks``; its ``gpt_key`` column (the GPT id in hex)
confines a match to one GPT. PostgreSQL has a generated ``tsvector`` column
(``english`` configuration, heading weighted ``A``, text ``B``) with a GIN index; as
``ts_rank`` knows nothing of how rare a word is, the passages containing any query lexeme
are fetched with their lexeme counts and ranked by BM25 here, headings counting double as
in the SQLite ranking. Either way the terms are OR-ed: a passage
matching some of them still ranks. With an :class:`Embedder`, passages are also ranked by
cosine similarity and both rankings are fused (reciprocal rank fusion).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    bindparam,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, deferred, mapped_column

from gptforge.capabilities.knowledge import Passage, cosine, fuse_rankings, query_terms
from gptforge.capabilities.knowledge_chunks import Chunk
from gptforge.capabilities.knowledge_embeddings import Embedder, pack_vector, unpack_vector
from gptforge.errors import GptforgeError
from gptforge.store.database import Database
from gptforge.store.models import DRAFT, Base, new_id, utcnow

__all__ = [
    "DbKnowledgeIndex",
    "KnowledgeChunk",
    "KnowledgeFile",
    "KnowledgeFileVersion",
    "KnowledgeRepository",
    "NewFile",
]

log = logging.getLogger("gptforge.store.knowledge")
CANDIDATES = 50
"""How many passages each ranking contributes before fusion."""


class KnowledgeFile(Base):
    """An uploaded file: its bytes (for re-indexing), what was extracted, who uses it."""

    __tablename__ = "knowledge_files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("kf-"))
    gpt_id: Mapped[str] = mapped_column(ForeignKey("gpts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    char_count: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int | None] = mapped_column(Integer, default=None)
    in_draft: Mapped[bool] = mapped_column(Boolean, default=True)
    embedding_model: Mapped[str | None] = mapped_column(String(200), default=None)
    """The model its passages' vectors come from; None when it has none."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_knowledge_files_gpt_draft", "gpt_id", "in_draft"),)


class KnowledgeFileVersion(Base):
    """A published version of a GPT uses a file."""

    __tablename__ = "knowledge_file_versions"

    gpt_id: Mapped[str] = mapped_column(ForeignKey("gpts.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(
        ForeignKey("knowledge_files.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_knowledge_file_versions_file", "file_id"),)


class KnowledgeChunk(Base):
    """A passage of a file (``gpt_id`` repeated so a search touches one GPT's rows)."""

    __tablename__ = "knowledge_chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("knowledge_files.id", ondelete="CASCADE"))
    gpt_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)
    page_start: Mapped[int | None] = mapped_column(Integer, default=None)
    page_end: Mapped[int | None] = mapped_column(Integer, default=None)
    embedding: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))

    __table_args__ = (
        Index("ix_knowledge_chunks_file_position", "file_id", "position"),
        Index("ix_knowledge_chunks_gpt", "gpt_id"),
    )


@dataclass(frozen=True, kw_only=True)
class NewFile:
    """What :meth:`KnowledgeRepository.add_file` stores: the file and its passages."""

    name: str
    media_type: str
    data: bytes
    chunks: Sequence[Chunk]
    char_count: int
    page_count: int | None = None
    vectors: Sequence[Sequence[float]] | None = None
    """One per chunk, from ``embedding_model``."""
    embedding_model: str | None = None


class KnowledgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def files(self, gpt_id: str, version: int = DRAFT) -> list[KnowledgeFile]:
        """The files of the draft (``version`` 0) or of a published version, oldest first."""
        statement = select(KnowledgeFile).where(KnowledgeFile.id.in_(_scope(gpt_id, version)))
        return list(
            await self.session.scalars(
                statement.order_by(KnowledgeFile.created_at, KnowledgeFile.id)
            )
        )

    async def count(self, gpt_id: str, version: int = DRAFT) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(KnowledgeFile.id.in_(_scope(gpt_id, version)))
            )
            or 0
        )

    async def draft_file(self, gpt_id: str, file_id: str) -> KnowledgeFile | None:
        """A file of the GPT's draft; another GPT's file id finds nothing."""
        return await self.session.scalar(
            select(KnowledgeFile).where(
                KnowledgeFile.id == file_id,
                KnowledgeFile.gpt_id == gpt_id,
                KnowledgeFile.in_draft.is_(True),
            )
        )

    async def add_file(self, gpt_id: str, new: NewFile) -> KnowledgeFile:
        """Store a file in the draft, replacing a draft file of the same name."""
        for old in await self.files(gpt_id):
            if old.name == new.name:
                await self.remove_from_draft(old)
        record = KnowledgeFile(
            gpt_id=gpt_id,
            name=new.name,
            media_type=new.media_type,
            size=len(new.data),
            sha256=hashlib.sha256(new.data).hexdigest(),
            content=new.data,
            chunk_count=len(new.chunks),
            char_count=new.char_count,
            page_count=new.page_count,
            in_draft=True,
            embedding_model=new.embedding_model if new.vectors is not None else None,
        )
        self.session.add(record)
        await self.session.flush()
        vectors = list(new.vectors) if new.vectors is not None else None
        rows = [
            {
                "file_id": record.id,
                "gpt_id": gpt_id,
                "position": chunk.position,
                "heading": chunk.heading,
                "text": chunk.text,
                "page_start": chunk.page_start,
                "page_end": chunk.page_end,
                "embedding": pack_vector(vectors[index]) if vectors is not None else None,
            }
            for index, chunk in enumerate(new.chunks)
        ]
        if rows:
            await self.session.execute(insert(KnowledgeChunk), rows)
        return record

    async def remove_from_draft(self, record: KnowledgeFile) -> None:
        """Take a file out of the draft; it is kept while a published version uses it."""
        record.in_draft = False
        await self.session.flush()
        await self._collect(record.gpt_id)

    async def snapshot(self, gpt_id: str, version: int) -> None:
        """Version ``version`` (just published) uses the draft's files."""
        await self.session.execute(
            insert(KnowledgeFileVersion).from_select(
                ["gpt_id", "version", "file_id"],
                select(literal(gpt_id), literal(version), KnowledgeFile.id).where(
                    KnowledgeFile.gpt_id == gpt_id, KnowledgeFile.in_draft.is_(True)
                ),
            )
        )
        await self.session.flush()

    async def restore(self, gpt_id: str, version: int) -> None:
        """The draft uses exactly the files of version ``version`` again."""
        used = select(KnowledgeFileVersion.file_id).where(
            KnowledgeFileVersion.gpt_id == gpt_id, KnowledgeFileVersion.version == version
        )
        await self.session.execute(
            update(KnowledgeFile)
            .where(KnowledgeFile.gpt_id == gpt_id)
            .values(in_draft=KnowledgeFile.id.in_(used))
            .execution_options(synchronize_session=False)
        )
        for loaded in list(self.session.identity_map.values()):
            if isinstance(loaded, KnowledgeFile):
                self.session.expire(loaded, ["in_draft"])
        await self._collect(gpt_id)

    async def copy_draft(self, source_gpt: str, target_gpt: str) -> None:
        """Give ``target_gpt``'s draft copies of ``source_gpt``'s draft files (duplicate)."""
        for old in await self.files(source_gpt):
            values = {name: getattr(old, name) for name in _COPIED}
            values["content"] = await self.session.scalar(
                select(KnowledgeFile.content).where(KnowledgeFile.id == old.id)
            )
            copy = KnowledgeFile(gpt_id=target_gpt, in_draft=True, **values)
            self.session.add(copy)
            await self.session.flush()
            columns = ["position", "heading", "text", "page_start", "page_end", "embedding"]
            await self.session.execute(
                insert(KnowledgeChunk).from_select(
                    ["file_id", "gpt_id", *columns],
                    select(
                        literal(copy.id),
                        literal(target_gpt),
                        *(getattr(KnowledgeChunk, name) for name in columns),
                    )
                    .where(KnowledgeChunk.file_id == old.id)
                    .order_by(KnowledgeChunk.position),
                )
            )
        await self.session.flush()

    async def _collect(self, gpt_id: str) -> None:
        """Delete the files neither the draft nor any version uses (their passages go too)."""
        await self.session.execute(
            delete(KnowledgeFile)
            .where(
                KnowledgeFile.gpt_id == gpt_id,
                KnowledgeFile.in_draft.is_(False),
                ~exists().where(KnowledgeFileVersion.file_id == KnowledgeFile.id),
            )
            .execution_options(synchronize_session=False)
        )
        await self.session.flush()


_COPIED = (
    "name",
    "media_type",
    "size",
    "sha256",
    "chunk_count",
    "char_count",
    "page_count",
    "embedding_model",
)


def _scope(gpt_id: str, version: int) -> Select[Any]:
    """The ids of the files a GPT version uses."""
    if version == DRAFT:
        return select(KnowledgeFile.id).where(
            KnowledgeFile.gpt_id == gpt_id, KnowledgeFile.in_draft.is_(True)
        )
    return select(KnowledgeFileVersion.file_id).where(
        KnowledgeFileVersion.gpt_id == gpt_id, KnowledgeFileVersion.version == version
    )


def gpt_key(gpt_id: str) -> str:
    """The one-token form of a GPT id that the SQLite index holds (same as SQL ``hex()``)."""
    return gpt_id.encode().hex().upper()


# ---------------------------------------------------------------------- search


@dataclass(kw_only=True)
class DbKnowledgeIndex:
    """The knowledge of one GPT version in the database: the toolset's ``KnowledgeIndex``."""

    db: Database
    gpt_id: str
    version: int = DRAFT
    embedder: Embedder | None = None
    candidates: int = CANDIDATES

    async def search(self, query: str, limit: int) -> list[Passage]:
        terms = query_terms(query)
        want = max(limit, self.candidates)
        async with self.db.session() as session:
            rankings: list[list[int]] = []
            if terms:
                rankings.append(await self._full_text(session, terms, want))
            if self.embedder is not None:
                by_vector = await self._by_vector(session, query, want)
                if by_vector:
                    rankings.append(by_vector)
            if len(rankings) == 1:
                ranked = [(chunk_id, 1.0 / (rank + 1)) for rank, chunk_id in enumerate(rankings[0])]
            else:
                ranked = fuse_rankings(rankings)
            return await self._passages(session, ranked[:limit])

    async def _full_text(self, session: AsyncSession, terms: list[str], want: int) -> list[int]:
        if session.get_bind().dialect.name == "sqlite":
            return await _sqlite_ranking(session, self.gpt_id, self.version, terms, want)
        return await _postgres_ranking(session, self.gpt_id, self.version, terms, want)

    async def _by_vector(self, session: AsyncSession, query: str, want: int) -> list[int]:
        assert self.embedder is not None
        try:
            [query_vector] = await self.embedder.embed([query])
        except (GptforgeError, ValueError) as exc:
            log.warning("knowledge search without embeddings: %s", exc)
            return []
        rows = await session.execute(
            select(KnowledgeChunk.id, KnowledgeChunk.embedding)
            .join(KnowledgeFile, KnowledgeFile.id == KnowledgeChunk.file_id)
            .where(
                KnowledgeChunk.file_id.in_(_scope(self.gpt_id, self.version)),
                KnowledgeFile.embedding_model == self.embedder.model,
                KnowledgeChunk.embedding.is_not(None),
            )
        )
        stored = [(int(chunk_id), data) for chunk_id, data in rows if data]

        def rank() -> list[int]:
            scored = [(cosine(query_vector, unpack_vector(data)), cid) for cid, data in stored]
            scored.sort(key=lambda pair: (-pair[0], pair[1]))
            return [cid for score, cid in scored[:want] if score > 0]

        return await anyio.to_thread.run_sync(rank)

    async def _passages(
        self, session: AsyncSession, ranked: Sequence[tuple[int, float]]
    ) -> list[Passage]:
        if not ranked:
            return []
        rows = await session.execute(
            select(KnowledgeChunk, KnowledgeFile.name)
            .join(KnowledgeFile, KnowledgeFile.id == KnowledgeChunk.file_id)
            .where(KnowledgeChunk.id.in_([chunk_id for chunk_id, _ in ranked]))
        )
        found = {chunk.id: (chunk, name) for chunk, name in rows}
        passages = []
        for chunk_id, score in ranked:
            if chunk_id not in found:
                continue
            chunk, name = found[chunk_id]
            passages.append(
                Passage(
                    file_id=chunk.file_id,
                    file_name=name,
                    text=chunk.text,
                    heading=chunk.heading,
                    page_start=chunk.page_start,
                    page_end=chunk.page_end,
                    score=score,
                    chunk_id=chunk.id,
                )
            )
        return passages


_FTS = table("knowledge_fts", column("rowid", Integer))
"""The SQLite FTS5 table (made by the migration, not a model)."""


async def _sqlite_ranking(
    session: AsyncSession, gpt_id: str, version: int, terms: list[str], want: int
) -> list[int]:
    words = " OR ".join(f'"{term}"' for term in terms)  # terms are \w+: nothing to escape
    match = f'gpt_key : "{gpt_key(gpt_id)}" AND {{heading text}} : ({words})'
    scope = select(KnowledgeChunk.id).where(KnowledgeChunk.file_id.in_(_scope(gpt_id, version)))
    statement = (
        select(_FTS.c.rowid)
        .where(text("knowledge_fts MATCH :match").bindparams(match=match))
        # "+": a filter after the match; as a rowid constraint FTS5 would run the match
        # once per passage in scope
        .where(literal_column("+knowledge_fts.rowid").in_(scope))
        .order_by(text("bm25(knowledge_fts, 0.0, 2.0, 1.0)"))
        .limit(want)
    )
    return [int(row[0]) for row in await session.execute(statement)]


_SCOPE_SQL = {
    True: "SELECT id FROM knowledge_files WHERE gpt_id = :gpt AND in_draft",
    False: "SELECT file_id FROM knowledge_file_versions WHERE gpt_id = :gpt AND version = :version",
}
_LEXEMES = text("SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', :query))")
_SIZE = (
    "SELECT count(*), coalesce(avg(length(search)), 0) FROM knowledge_chunks "
    "WHERE file_id IN ({scope})"
)
_MATCHES = (
    "SELECT c.id, length(c.search), u.lexeme, u.weights "
    "FROM knowledge_chunks c CROSS JOIN LATERAL unnest(c.search) AS u "
    "WHERE c.gpt_id = :gpt AND c.file_id IN ({scope}) AND c.search @@ CAST(:any AS tsquery) "
    "AND u.lexeme = ANY(:lexemes)"
)
BM25_K1 = 1.2
BM25_B = 0.75
HEADING_WEIGHT = 2.0
"""A word in a passage's headings counts this many times (as in the SQLite ranking)."""


async def _postgres_ranking(
    session: AsyncSession, gpt_id: str, version: int, terms: list[str], want: int
) -> list[int]:
    """BM25 over the ``english`` lexemes of the terms, computed from the passages that
    contain any of them (``ts_rank`` has no inverse document frequency)."""
    lexemes = [str(row[0]) for row in await session.execute(_LEXEMES, {"query": " ".join(terms)})]
    if not lexemes:
        return []
    scope = _SCOPE_SQL[version == DRAFT]
    params: dict[str, object] = {"gpt": gpt_id, "version": version}
    total, average = (await session.execute(text(_SIZE.format(scope=scope)), params)).one()
    matches = text(_MATCHES.format(scope=scope)).bindparams(
        bindparam("lexemes", type_=ARRAY(String))
    )
    any_lexeme = " | ".join("'" + lexeme.replace("'", "''") + "'" for lexeme in lexemes)
    rows = await session.execute(matches, {**params, "any": any_lexeme, "lexemes": lexemes})
    lengths: dict[int, int] = {}
    frequencies: dict[int, dict[str, float]] = {}
    for chunk_id, length, lexeme, weights in rows:
        lengths[chunk_id] = int(length)
        heading = sum(1 for weight in weights or () if weight == "A")
        count = len(weights or ()) or 1
        frequencies.setdefault(chunk_id, {})[lexeme] = HEADING_WEIGHT * heading + count - heading
    found: dict[str, int] = {}
    for terms_of_chunk in frequencies.values():
        for lexeme in terms_of_chunk:
            found[lexeme] = found.get(lexeme, 0) + 1
    idf = {lexeme: math.log(1 + (int(total) - n + 0.5) / (n + 0.5)) for lexeme, n in found.items()}
    average_length = float(average) or 1.0
    scores = []
    for chunk_id, terms_of_chunk in frequencies.items():
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[chunk_id] / average_length)
        score = sum(
            idf[lexeme] * tf * (BM25_K1 + 1) / (tf + norm) for lexeme, tf in terms_of_chunk.items()
        )
        scores.append((score, chunk_id))
    scores.sort(key=lambda pair: (-pair[0], pair[1]))
    return [chunk_id for _, chunk_id in scores[:want]]
