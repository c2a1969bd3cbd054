"""GPTs: create, read, update, delete, duplicate, publish, versions, import and export."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response, status

from gptforge.store import GptRepository
from gptforge.store.knowledge import KnowledgeRepository
from gptforge.web import gpt_service
from gptforge.web.authz import is_owner, load_gpt
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep
from gptforge.web.errors import PayloadTooLarge
from gptforge.web.schemas import (
    GptIn,
    GptOut,
    GptPatch,
    ImportOut,
    PublicGptOut,
    PublishIn,
    VersionOut,
)

router = APIRouter(tags=["gpts"])
_IMPORT_LIMIT = 20_000_000


@router.post("/gpts", status_code=status.HTTP_201_CREATED)
async def create_gpt(body: GptIn, subject: CurrentSubject, session: DbSession) -> GptOut:
    gpt = await gpt_service.create(session, subject.user, body)
    return gpt_service.owner_view(gpt, [])


@router.get("/gpts")
async def my_gpts(subject: CurrentSubject, session: DbSession) -> list[GptOut]:
    """The caller's own GPTs, drafts and published, most recently changed first."""
    repo = GptRepository(session)
    gpts = await repo.owned(subject.user_id)
    actions = await repo.actions_of([(g.id, 0) for g in gpts])
    return [gpt_service.owner_view(g, actions.get(g.id, [])) for g in gpts]


@router.get("/gpts/{gpt_id}")
async def get_gpt(
    gpt_id: str, subject: CurrentSubject, session: DbSession
) -> GptOut | PublicGptOut:
    """The owner gets the draft; anyone else who may see it gets the public view."""
    gpt = await load_gpt(session, subject, gpt_id, need="view")
    if is_owner(subject, gpt):
        return await gpt_service.owner_view_of(session, gpt)
    return await gpt_service.public_view_of(session, gpt)


@router.patch("/gpts/{gpt_id}")
async def update_gpt(
    gpt_id: str, body: GptPatch, subject: CurrentSubject, session: DbSession
) -> GptOut:
    """Change the draft; publish to make the change live."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    gpt_service.update(gpt, body.model_dump(mode="json", include=body.model_fields_set))
    await session.flush()
    return await gpt_service.owner_view_of(session, gpt)


@router.delete("/gpts/{gpt_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_gpt(gpt_id: str, subject: CurrentSubject, session: DbSession) -> None:
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    await gpt_service.delete(session, gpt)


@router.post("/gpts/{gpt_id}/duplicate", status_code=status.HTTP_201_CREATED)
async def duplicate_gpt(gpt_id: str, subject: CurrentSubject, session: DbSession) -> GptOut:
    """A private copy of the draft, with its actions, owned by the caller."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    copy = await gpt_service.duplicate(session, gpt, subject.user)
    return await gpt_service.owner_view_of(session, copy)


@router.post("/gpts/{gpt_id}/publish")
async def publish_gpt(
    gpt_id: str, body: PublishIn, subject: CurrentSubject, session: DbSession
) -> GptOut:
    """Make the draft the live version, shared as ``private``, ``link`` or ``public``."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    await gpt_service.publish(session, gpt, body.visibility)
    return await gpt_service.owner_view_of(session, gpt)


@router.get("/gpts/{gpt_id}/versions")
async def list_versions(
    gpt_id: str, subject: CurrentSubject, session: DbSession
) -> list[VersionOut]:
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    return [
        VersionOut(
            number=v.number,
            visibility=v.visibility,  # type: ignore[arg-type]
            name=v.snapshot.get("name", ""),
            created_at=v.created_at,
            is_live=v.number == gpt.live_version,
        )
        for v in await GptRepository(session).versions(gpt.id)
    ]


@router.post("/gpts/{gpt_id}/versions/{number}/restore")
async def restore_version(
    gpt_id: str, number: int, subject: CurrentSubject, session: DbSession
) -> GptOut:
    """Copy a published version (fields and actions) into the draft."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    await gpt_service.restore(session, gpt, number)
    return await gpt_service.owner_view_of(session, gpt)


@router.get(
    "/gpts/{gpt_id}/export",
    responses={
        200: {
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            }
        },
    },
    response_class=Response,
)
async def export_gpt(
    gpt_id: str,
    subject: CurrentSubject,
    session: DbSession,
    as_format: Literal["yaml", "zip"] = Query("yaml", alias="format"),
) -> Response:
    """gpt.yaml in the CLI's format (``zip``: with the pasted schemas). Never secrets."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    knowledge = [f.name for f in await KnowledgeRepository(session).files(gpt.id)]
    files = gpt_service.export_files(gpt, await GptRepository(session).actions(gpt.id), knowledge)
    if as_format == "zip":
        return Response(
            gpt_service.zip_files(files),
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="gpt.zip"'},
        )
    return Response(files["gpt.yaml"], media_type="application/yaml")


@router.post(
    "/gpts/import",
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_gpt(
    request: Request, subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> ImportOut:
    """A new private GPT from gpt.yaml (or the zip export gives); lists secrets to enter."""
    async with platform.db.away(session):  # a slow client's upload
        body = await request.body()
    if len(body) > _IMPORT_LIMIT:
        raise PayloadTooLarge("The upload is over 20 MB.")
    text, files = gpt_service.read_upload(body, request.headers.get("content-type", ""))
    definition = gpt_service.parse_definition(text)
    gpt, needed = await gpt_service.import_definition(
        platform, session, subject.user, definition, files
    )
    return ImportOut(gpt=await gpt_service.owner_view_of(session, gpt), secrets_required=needed)
