"""Actions inside a GPT's draft: schema, auth, privacy policy, operations, test calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from gptforge.store import ActionRecord, GptRepository, utcnow
from gptforge.web import action_service
from gptforge.web.authz import load_action, load_gpt
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep
from gptforge.web.errors import NotFound
from gptforge.web.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    ActionTestIn,
    ActionTestOut,
    SchemaCheckIn,
    SchemaCheckOut,
)

router = APIRouter(tags=["actions"])


class OperationDetailOut(BaseModel):
    name: str
    method: str
    path: str
    description: str
    parameters: dict[str, Any]
    """JSON Schema of the arguments (what the model fills in; the Test form's fields)."""


@router.post("/actions/check")
async def check_schema(
    body: SchemaCheckIn, _subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> SchemaCheckOut:
    """Operations and diagnostics of a schema without saving it (for editors, as you type)."""
    if body.schema_url is not None:
        text = await action_service.fetch_schema(platform, session, body.schema_url)
    else:
        text = body.schema_text or ""
    spec = action_service.build_action_spec(
        text,
        source=body.schema_url or "schema",
        base_url=body.schema_url,
        server_url=body.server_url,
    )
    return action_service.check(spec)


@router.post("/gpts/{gpt_id}/actions", status_code=status.HTTP_201_CREATED)
async def create_action(
    gpt_id: str,
    body: ActionIn,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> ActionOut:
    """Add an action from schema text or a URL; the answer lists operations and diagnostics."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    if body.schema_url is not None:
        text = await action_service.fetch_schema(platform, session, body.schema_url)
    else:
        text = body.schema_text or ""
    record = ActionRecord(
        gpt_id=gpt.id,
        schema_text=text,
        source_url=body.schema_url,
        privacy_policy_url=body.privacy_policy_url,
        enabled_operations=body.enabled_operations,
        server_url=body.server_url,
        auth={"type": "none"},
    )
    spec = action_service.spec_of(record)
    action_service.apply_spec(record, spec)
    action_service.store_auth(body.auth or {"type": "none"}, record, platform.secrets)
    await GptRepository(session).add_action(record)
    gpt.updated_at = utcnow()
    return action_service.describe(record, spec)


@router.get("/gpts/{gpt_id}/actions/{action_id}")
async def get_action(
    gpt_id: str, action_id: str, subject: CurrentSubject, session: DbSession
) -> ActionOut:
    _gpt, record = await load_action(session, subject, gpt_id, action_id)
    return action_service.describe(record, action_service.spec_of(record))


@router.patch("/gpts/{gpt_id}/actions/{action_id}")
async def update_action(
    gpt_id: str,
    action_id: str,
    body: ActionPatch,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> ActionOut:
    """Change what is sent; ``auth`` without its secret keeps the stored secret."""
    gpt, record = await load_action(session, subject, gpt_id, action_id)
    sent = body.model_fields_set
    if "schema_url" in sent and body.schema_url is not None:
        record.schema_text = await action_service.fetch_schema(platform, session, body.schema_url)
        record.source_url = body.schema_url
    elif "schema_text" in sent and body.schema_text is not None:
        record.schema_text = body.schema_text
        record.source_url = None
    for name in ("privacy_policy_url", "enabled_operations", "server_url"):
        if name in sent:
            setattr(record, name, getattr(body, name))
    spec = action_service.spec_of(record)
    action_service.apply_spec(record, spec)
    if "auth" in sent:
        action_service.store_auth(body.auth or {"type": "none"}, record, platform.secrets)
    record.updated_at = gpt.updated_at = utcnow()
    await session.flush()
    return action_service.describe(record, spec)


@router.delete(
    "/gpts/{gpt_id}/actions/{action_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_action(
    gpt_id: str, action_id: str, subject: CurrentSubject, session: DbSession
) -> None:
    gpt, record = await load_action(session, subject, gpt_id, action_id)
    await GptRepository(session).delete_action(record)
    gpt.updated_at = utcnow()


@router.post("/gpts/{gpt_id}/actions/{action_id}/test")
async def test_action(
    gpt_id: str,
    action_id: str,
    body: ActionTestIn,
    subject: CurrentSubject,
    session: DbSession,
    platform: PlatformDep,
) -> ActionTestOut:
    """Run one operation for real and return the redacted request and response."""
    _gpt, record = await load_action(session, subject, gpt_id, action_id)
    return await action_service.test_call(
        platform,
        session,
        record,
        operation=body.operation,
        arguments=body.arguments,
        user_id=subject.user_id,
    )


@router.get("/gpts/{gpt_id}/actions/{action_id}/operations/{operation}")
async def get_operation(
    gpt_id: str, action_id: str, operation: str, subject: CurrentSubject, session: DbSession
) -> OperationDetailOut:
    """One operation as the model sees it: its description and the JSON Schema of its
    arguments (the editor builds its Test form from it)."""
    _gpt, record = await load_action(session, subject, gpt_id, action_id)
    spec = action_service.spec_of(record)
    tool = next((t for t in spec.tools if t.name == operation), None)
    if tool is None:
        raise NotFound(f"The action has no operation {operation!r}.", code="operation_not_found")
    return OperationDetailOut(
        name=tool.name,
        method=tool.operation.method,
        path=tool.operation.path,
        description=tool.description,
        parameters=tool.parameters,
    )
