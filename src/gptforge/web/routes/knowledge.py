"""Knowledge files of a GPT's draft: upload, list, delete (the GPT's builder only)."""

from __future__ import annotations

from fastapi import APIRouter, File, UploadFile, status

from gptforge.store.knowledge import KnowledgeRepository
from gptforge.web import knowledge_service
from gptforge.web.authz import load_gpt
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep
from gptforge.web.errors import PayloadTooLarge
from gptforge.web.knowledge_service import KnowledgeFileOut, Upload

router = APIRouter(tags=["knowledge"])


@router.post("/gpts/{gpt_id}/knowledge", status_code=status.HTTP_201_CREATED)
async def upload_knowledge(
    gpt_id: str,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
    files: list[UploadFile] = File(
        description="One or more files (PDF, DOCX, Markdown, text, HTML, CSV, JSON)."
    ),
) -> list[KnowledgeFileOut]:
    """Add files to the draft (a file with the same name is replaced); publish to make
    them live. All files of the request are stored, or none when one is refused."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    settings = platform.settings
    limit = settings.knowledge_max_file_bytes
    uploads = []
    for file in files:
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(
                f"{file.filename!r} is over the knowledge file limit of {limit:,} bytes; "
                "split it or remove images from it.",
                code="knowledge_file_too_large",
            )
        uploads.append(Upload(name=file.filename or "", content_type=file.content_type, data=data))
    records = await knowledge_service.add_files(
        platform,
        session,
        gpt,
        uploads,
        embedder=knowledge_service.embedder_from_settings(settings),
    )
    return [knowledge_service.file_out(record) for record in records]


@router.get("/gpts/{gpt_id}/knowledge")
async def list_knowledge(
    gpt_id: str, subject: CurrentSubject, session: DbSession
) -> list[KnowledgeFileOut]:
    """The draft's knowledge files, oldest first."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    records = await KnowledgeRepository(session).files(gpt.id)
    return [knowledge_service.file_out(record) for record in records]


@router.delete("/gpts/{gpt_id}/knowledge/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_knowledge(
    gpt_id: str, file_id: str, subject: CurrentSubject, session: DbSession
) -> None:
    """Remove a file from the draft; the live version keeps using it until the next publish."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    await knowledge_service.delete_file(session, gpt, file_id)
