"""Files of conversations: the user's uploads, the files tool calls produced, downloads.

Downloads are ``attachment`` except PNG/JPEG/GIF/WebP images whose bytes are what they
claim, served ``inline`` with their exact type; every answer carries ``nosniff`` and a
sandboxing CSP, so no stored file (HTML, SVG...) ever runs as a page of this server.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import Response

from gptforge.capabilities import image_type
from gptforge.store import FileRepository, StoredFile
from gptforge.web.authz import load_conversation, load_file
from gptforge.web.capability_service import sandbox_folder
from gptforge.web.chat_schemas import FileOut
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep
from gptforge.web.errors import Conflict, PayloadTooLarge, Unprocessable

router = APIRouter(tags=["files"])

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_NAME_CHARS = 200
CHUNK = 1 << 20
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The file's bytes.", "content": {"application/octet-stream": {}}}
}


def file_out(stored: StoredFile) -> FileOut:
    return FileOut(
        id=stored.id,
        conversation_id=stored.conversation_id,
        name=stored.name,
        media_type=stored.media_type,
        size=stored.size,
        call_id=stored.call_id,
        created_at=stored.created_at,
        url=f"/api/v1/files/{stored.id}",
    )


def safe_name(name: str | None) -> str:
    """The file name without folders, control or bidi characters, at most 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    kept = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    ).strip(" .")
    if len(kept) > MAX_NAME_CHARS:
        stem, dot, extension = kept.rpartition(".")
        kept = (
            stem[: MAX_NAME_CHARS - len(extension) - 1] + dot + extension
            if dot and len(extension) <= 16
            else kept[:MAX_NAME_CHARS]
        )
    return kept or "file"


def media_type_of(declared: str | None, name: str) -> str:
    """The declared type if it is a well-formed one, else a guess from the name."""
    kind = (declared or "").split(";", 1)[0].strip().lower()
    if _MEDIA_TYPE.match(kind) and kind != "application/octet-stream":
        return kind
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def shown_inline(stored: StoredFile) -> bool:
    """Only raster images whose bytes match their type are shown in the page."""
    found = image_type(stored.data)
    return stored.media_type in INLINE_TYPES and found is not None and found[0] == stored.media_type


def content_disposition(kind: str, name: str) -> str:
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.post("/conversations/{conversation_id}/files", status_code=status.HTTP_201_CREATED)
async def upload_file(
    conversation_id: str,
    file: Annotated[UploadFile, File(description="The file (multipart field `file`).")],
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> FileOut:
    """Add a file to the conversation (the code interpreter reads the conversation's files)."""
    conversation = await load_conversation(session, subject, conversation_id)
    settings = platform.settings
    repo = FileRepository(session)
    count, _size = await repo.usage(conversation.id)
    if count >= settings.conversation_max_files:
        raise Unprocessable(
            f"This conversation already holds {count} files, the most it may; start a new "
            "conversation for more.",
            code="too_many_files",
        )
    data = bytearray()
    while chunk := await file.read(CHUNK):
        data += chunk
        if len(data) > settings.file_max_bytes:
            raise PayloadTooLarge(
                f"The file is larger than {settings.file_max_bytes:,} bytes, the most a "
                "conversation accepts; upload a smaller file.",
                code="file_too_large",
            )
    if not data:
        raise Unprocessable("The file is empty; choose a file with content.", code="empty_file")
    name = safe_name(file.filename)
    stored = await repo.add(
        conversation_id=conversation.id,
        user_id=conversation.user_id,
        name=name,
        media_type=media_type_of(file.content_type, name),
        data=bytes(data),
    )
    return file_out(stored)


@router.get("/conversations/{conversation_id}/files")
async def list_files(
    conversation_id: str, subject: CurrentSubject, session: DbSession
) -> list[FileOut]:
    """The conversation's files, oldest first: uploads and files tool calls produced."""
    conversation = await load_conversation(session, subject, conversation_id)
    return [file_out(f) for f in await FileRepository(session).listed(conversation.id)]


@router.get("/files/{file_id}", response_class=Response, responses=FILE_RESPONSES)
async def download_file(file_id: str, subject: CurrentSubject, session: DbSession) -> Response:
    """The file's bytes: images inline with their exact type, anything else as a download."""
    stored = await load_file(session, subject, file_id)
    inline = shown_inline(stored)
    return Response(
        content=stored.data,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": content_disposition(
                "inline" if inline else "attachment", stored.name
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=86400",
        },
    )


@router.delete("/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_file(
    file_id: str, subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> Response:
    """Delete a file the user attached: gone from the conversation and the code
    interpreter's folder, and the model is told on the next message. Files a call made stay
    with the answer that shows them."""
    stored = await load_file(session, subject, file_id)
    if stored.call_id is not None:
        raise Conflict(
            "This file was made by a call in the conversation and stays with its answer; "
            "only files you attached can be deleted.",
            code="file_made_by_call",
        )
    conversation_id, name = stored.conversation_id, stored.name
    await session.delete(stored)
    await session.flush()
    same_name = [
        f
        for f in await FileRepository(session).listed(conversation_id)
        if f.call_id is None and f.name == name
    ]
    if not same_name:
        (sandbox_folder(platform, conversation_id) / name).unlink(missing_ok=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
