"""Knowledge files of a GPT: upload (extract, chunk, embed, index), list, delete, search.

Uploads go to the draft. Every file of one request is read and checked before any is
stored, and the request's one transaction stores them all or none: a damaged file gets a
422 naming it, and what the GPT already had is untouched. Publishing links the draft's
files to the new version (``store/knowledge.py`` says why they are not copied).

:func:`knowledge_toolset` is what a chat turn uses: the ``search_knowledge`` tool over the
files of the GPT version the conversation talks to.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import anyio
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.capabilities.knowledge import KnowledgeToolset
from gptforge.capabilities.knowledge_chunks import Chunk, chunk_blocks
from gptforge.capabilities.knowledge_embeddings import Embedder, OpenAIEmbedder
from gptforge.capabilities.knowledge_extract import (
    ExtractedText,
    KnowledgeFileError,
    extract,
    media_type_of,
)
from gptforge.errors import GptforgeError
from gptforge.store import DRAFT, Conversation, Database, Gpt
from gptforge.store.knowledge import (
    DbKnowledgeIndex,
    KnowledgeFile,
    KnowledgeRepository,
    NewFile,
)
from gptforge.web.errors import NotFound, PayloadTooLarge, Unprocessable
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings

log = logging.getLogger("gptforge.web.knowledge")

_NAME_LIMIT = 255


class KnowledgeFileOut(BaseModel):
    id: str
    name: str
    media_type: str
    size: int
    """Bytes."""
    chunks: int
    """Passages the file was cut into for search."""
    pages: int | None = None
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Upload:
    name: str
    content_type: str | None
    data: bytes


def file_out(record: KnowledgeFile) -> KnowledgeFileOut:
    return KnowledgeFileOut(
        id=record.id,
        name=record.name,
        media_type=record.media_type,
        size=record.size,
        chunks=record.chunk_count,
        pages=record.page_count,
        created_at=record.created_at,
    )


def clean_name(name: str | None) -> str:
    """The file's own name (no folders, no control characters), at most 255 characters."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    if not base or base in (".", ".."):
        raise Unprocessable(
            "Each uploaded file needs a file name (e.g. handbook.pdf).", code="file_name_missing"
        )
    if len(base) > _NAME_LIMIT:
        stem, dot, suffix = base.rpartition(".")
        base = stem[: _NAME_LIMIT - len(suffix) - 1] + dot + suffix if dot else base[:_NAME_LIMIT]
    return base


async def add_files(
    platform: Platform,
    session: AsyncSession,
    gpt: Gpt,
    uploads: Sequence[Upload],
    *,
    embedder: Embedder | None = None,
) -> list[KnowledgeFile]:
    """Check, extract and store ``uploads`` in the draft; all of them or none. The
    extraction and the embeddings (a thread, maybe an outside API) run outside the
    session line: a large PDF must not hold up other requests."""
    settings = platform.settings
    if not uploads:
        raise Unprocessable(
            "Send the files as multipart/form-data in the field `files`.", code="no_files"
        )
    repo = KnowledgeRepository(session)
    names = [clean_name(upload.name) for upload in uploads]
    if len(set(names)) != len(names):
        raise Unprocessable("Two uploaded files have the same name.", code="duplicate_file_name")
    existing = {record.name for record in await repo.files(gpt.id)}
    total = len(existing | set(names))
    limit = settings.knowledge_max_files
    if total > limit:
        raise Unprocessable(
            f"A GPT can have at most {limit} knowledge files; it would have {total}. Delete "
            "some first, or combine small files into one.",
            code="too_many_knowledge_files",
        )
    async with platform.db.away(session):
        prepared = [
            await _prepare(settings, name, upload)
            for name, upload in zip(names, uploads, strict=True)
        ]
        if embedder is not None:
            prepared = [await _with_vectors(embedder, new) for new in prepared]
    return [await repo.add_file(gpt.id, new) for new in prepared]


async def _prepare(settings: ServerSettings, name: str, upload: Upload) -> NewFile:
    limit = settings.knowledge_max_file_bytes
    if len(upload.data) > limit:
        raise PayloadTooLarge(
            f"{name!r} is over the knowledge file limit of {limit:,} bytes; split it or "
            "remove images from it.",
            code="knowledge_file_too_large",
        )
    try:
        media_type = media_type_of(name, upload.content_type)
        extracted: ExtractedText = await anyio.to_thread.run_sync(
            lambda: extract(name, upload.data, media_type=media_type)
        )
    except KnowledgeFileError as exc:
        if exc.reason == "too_large":
            raise PayloadTooLarge(exc.message, code="knowledge_file_too_large") from None
        code = "unsupported_file_type" if exc.reason == "unsupported" else "unreadable_file"
        raise Unprocessable(exc.message, code=code, details={"file": name}) from None
    chunks: list[Chunk] = await anyio.to_thread.run_sync(lambda: chunk_blocks(extracted.blocks))
    return NewFile(
        name=name,
        media_type=media_type,
        data=upload.data,
        chunks=chunks,
        char_count=extracted.chars,
        page_count=extracted.page_count,
    )


async def _with_vectors(embedder: Embedder, new: NewFile) -> NewFile:
    """``new`` with a vector per passage; without (full text only) when the endpoint fails."""
    texts = [f"{chunk.heading}\n{chunk.text}".strip() for chunk in new.chunks]
    try:
        vectors = await embedder.embed(texts)
    except GptforgeError as exc:
        log.warning("knowledge file %r stored without embeddings: %s", new.name, exc.message)
        return new
    return NewFile(
        name=new.name,
        media_type=new.media_type,
        data=new.data,
        chunks=new.chunks,
        char_count=new.char_count,
        page_count=new.page_count,
        vectors=vectors,
        embedding_model=embedder.model,
    )


async def delete_file(session: AsyncSession, gpt: Gpt, file_id: str) -> None:
    """Take a file out of the draft (published versions that use it keep it)."""
    repo = KnowledgeRepository(session)
    record = await repo.draft_file(gpt.id, file_id)
    if record is None:
        raise NotFound(f"The GPT has no knowledge file {file_id!r}.", code="file_not_found")
    await repo.remove_from_draft(record)


# ---------------------------------------------------------------------- search


def embedder_from_settings(settings: ServerSettings) -> Embedder | None:
    """The configured embeddings endpoint, or None (full-text search only)."""
    if not settings.embeddings_url:
        return None
    key = settings.embeddings_api_key.get_secret_value() if settings.embeddings_api_key else None
    return OpenAIEmbedder(
        base_url=settings.embeddings_url, model=settings.embeddings_model, api_key=key
    )


async def knowledge_toolset(
    db: Database,
    gpt_id: str,
    version: int,
    *,
    settings: ServerSettings | None = None,
    embedder: Embedder | None = None,
) -> KnowledgeToolset | None:
    """The ``search_knowledge`` toolset over GPT ``gpt_id``'s files in ``version`` (0 for
    the draft, as Preview uses); None when that version has no knowledge files.

    Embeddings are used when ``embedder`` is given or ``settings`` configure an endpoint.
    """
    async with db.session() as session:
        if not await KnowledgeRepository(session).count(gpt_id, version):
            return None
    if embedder is None and settings is not None:
        embedder = embedder_from_settings(settings)
    return KnowledgeToolset(
        index=DbKnowledgeIndex(db=db, gpt_id=gpt_id, version=version, embedder=embedder)
    )


async def conversation_knowledge_toolset(
    platform: Platform, session: AsyncSession, conversation: Conversation
) -> KnowledgeToolset | None:
    """The toolset for a turn of ``conversation``: over the draft's files for Preview,
    else the live version's; None when that version has none (or nothing is published).

    Made to be the ``"knowledge"`` entry of ``capability_service.CAPABILITY_FACTORIES``.
    """
    gpt = await session.get(Gpt, conversation.gpt_id)
    version = DRAFT if conversation.draft else (gpt.live_version if gpt else None)
    if gpt is None or version is None:
        return None
    if not await KnowledgeRepository(session).count(gpt.id, version):
        return None
    return KnowledgeToolset(
        index=DbKnowledgeIndex(
            db=platform.db,
            gpt_id=gpt.id,
            version=version,
            embedder=embedder_from_settings(platform.settings),
        )
    )
