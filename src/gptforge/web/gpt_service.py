"""GPTs: the owner's and the public views, publishing rules, versions, gpt.yaml import/export.

Edits change the draft (the ``gpts`` row and the actions of version 0). Publishing
copies the draft into a numbered :class:`GptVersion` with its actions, and users see
that live version. The service flushes; the request commits once.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.errors import GptforgeError, describe_validation_error
from gptforge.runtime.gpt import Capabilities, GptDefinition, ModelSettings
from gptforge.store import (
    DRAFT,
    ActionRecord,
    Gpt,
    GptRepository,
    GptVersion,
    SearchIndex,
    User,
    utcnow,
)
from gptforge.store.knowledge import KnowledgeRepository
from gptforge.web import action_service
from gptforge.web.errors import NotFound, PayloadTooLarge, Unprocessable
from gptforge.web.platform import Platform
from gptforge.web.schemas import (
    ActionSummary,
    Category,
    GptIn,
    GptOut,
    PublicAction,
    PublicGptOut,
    SecretNeeded,
    Visibility,
)

SNAPSHOT_FIELDS = (
    "name",
    "description",
    "instructions",
    "conversation_starters",
    "returning_user_starters",
    "capabilities",
    "category",
    "model",
)
RESERVED_NAMES = ("openai", "chatgpt", "gptforge")
_ZIP_LIMIT = 20_000_000


# ---------------------------------------------------------------------- views


def owner_view(gpt: Gpt, actions: list[ActionRecord]) -> GptOut:
    return GptOut(
        id=gpt.id,
        name=gpt.name,
        description=gpt.description,
        instructions=gpt.instructions,
        conversation_starters=gpt.conversation_starters,
        returning_user_starters=gpt.returning_user_starters,
        capabilities=Capabilities.model_validate(gpt.capabilities),
        category=gpt.category,
        model=ModelSettings.model_validate(gpt.model or {}),
        visibility=gpt.visibility,  # type: ignore[arg-type]
        live_version=gpt.live_version,
        published_at=gpt.published_at,
        conversation_count=gpt.conversation_count,
        builder_name=gpt.owner.display_name,
        created_at=gpt.created_at,
        updated_at=gpt.updated_at,
        actions=[
            ActionSummary(
                id=a.action_id,
                title=a.title,
                host=a.host,
                privacy_policy_url=a.privacy_policy_url,
                auth=action_service.auth_out(a),
            )
            for a in actions
        ],
    )


def public_view(gpt: Gpt, snapshot: dict[str, Any], actions: list[ActionRecord]) -> PublicGptOut:
    """The live version as users see it: never instructions, schemas or auth settings."""
    return PublicGptOut(
        id=gpt.id,
        name=snapshot["name"],
        description=snapshot["description"],
        builder_name=gpt.owner.display_name,
        conversation_starters=snapshot["conversation_starters"],
        returning_user_starters=snapshot["returning_user_starters"],
        capabilities=Capabilities.model_validate(snapshot["capabilities"]),
        category=snapshot.get("category"),
        conversation_count=gpt.conversation_count,
        published_at=gpt.published_at,
        actions=[
            PublicAction(host=a.host, privacy_policy_url=a.privacy_policy_url) for a in actions
        ],
    )


async def owner_view_of(session: AsyncSession, gpt: Gpt) -> GptOut:
    return owner_view(gpt, await GptRepository(session).actions(gpt.id))


async def public_view_of(session: AsyncSession, gpt: Gpt) -> PublicGptOut:
    repo = GptRepository(session)
    if gpt.live_version is None:
        raise NotFound(f"No GPT {gpt.id!r} that you can see.", code="gpt_not_found")
    version = await repo.version(gpt.id, gpt.live_version)
    if version is None:
        raise NotFound(f"No GPT {gpt.id!r} that you can see.", code="gpt_not_found")
    return public_view(gpt, version.snapshot, await repo.actions(gpt.id, gpt.live_version))


async def public_views(session: AsyncSession, gpts: list[Gpt]) -> list[PublicGptOut]:
    repo = GptRepository(session)
    keys = [(g.id, g.live_version) for g in gpts if g.live_version is not None]
    actions = await repo.actions_of(keys)
    views = []
    for gpt in gpts:
        if gpt.live_version is None:
            continue
        version = await repo.version(gpt.id, gpt.live_version)
        if version is not None:
            views.append(public_view(gpt, version.snapshot, actions.get(gpt.id, [])))
    return views


# -------------------------------------------------------------------- editing


def snapshot(gpt: Gpt) -> dict[str, Any]:
    return {name: getattr(gpt, name) for name in SNAPSHOT_FIELDS}


async def create(session: AsyncSession, owner: User, data: GptIn) -> Gpt:
    gpt = Gpt(owner_id=owner.id, **_fields(data.model_dump(mode="json")))
    gpt.owner = owner
    return await GptRepository(session).add(gpt)


def update(gpt: Gpt, changes: dict[str, Any]) -> None:
    """Apply already-validated changes; only draft fields can be named here."""
    for name, value in _fields(changes).items():
        setattr(gpt, name, value)
    gpt.updated_at = utcnow()


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in SNAPSHOT_FIELDS if name in data}


async def duplicate(session: AsyncSession, gpt: Gpt, owner: User) -> Gpt:
    values = snapshot(gpt)
    values["name"] = f"{gpt.name} (copy)"[:100]
    copy = Gpt(owner_id=owner.id, **values)
    copy.owner = owner
    repo = GptRepository(session)
    await repo.add(copy)
    await repo.copy_actions_to(gpt.id, copy.id)
    await KnowledgeRepository(session).copy_draft(gpt.id, copy.id)
    return copy


async def delete(session: AsyncSession, gpt: Gpt) -> None:
    await GptRepository(session).delete(gpt)


# ----------------------------------------------------------------- publishing


def _impersonates(name: str) -> str | None:
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    return next((word for word in RESERVED_NAMES if word in squashed), None)


def publish_problems(
    gpt: Gpt, actions: list[ActionRecord], visibility: Visibility
) -> list[dict[str, Any]]:
    """Every rule that stops publishing to others, each with what to fix."""
    if visibility == "private":
        return []
    problems: list[dict[str, Any]] = []
    if not gpt.owner.display_name.strip():
        problems.append(
            {"rule": "builder_name", "message": "Set your display name: users see who built it."}
        )
    if not gpt.description.strip():
        problems.append(
            {"rule": "description", "message": "Add a description so users know what it does."}
        )
    word = _impersonates(gpt.name)
    if word:
        problems.append(
            {
                "rule": "name",
                "message": f"The name contains {word!r}, which suggests it is an official "
                "product of the platform or OpenAI. Choose another name.",
            }
        )
    for record in actions:
        label = record.title or record.action_id
        try:
            spec = action_service.spec_of(record)
        except GptforgeError as exc:
            problems.append(
                {"rule": "action_schema", "action_id": record.action_id, "message": exc.message}
            )
            continue
        if not spec.ok:
            problems.append(
                {
                    "rule": "action_schema",
                    "action_id": record.action_id,
                    "message": f"The action {label!r} has schema errors; fix its diagnostics.",
                }
            )
        url = record.privacy_policy_url or ""
        if action_service.is_external_host(record.host) and not url.startswith("https://"):
            problems.append(
                {
                    "rule": "privacy_policy_url",
                    "action_id": record.action_id,
                    "message": f"The action {label!r} sends data to {record.host}; add its "
                    "privacy policy URL (https://...).",
                }
            )
    return problems


async def publish(session: AsyncSession, gpt: Gpt, visibility: Visibility) -> Gpt:
    repo = GptRepository(session)
    actions = await repo.actions(gpt.id)
    problems = publish_problems(gpt, actions, visibility)
    if problems:
        raise Unprocessable(
            "The GPT cannot be shared yet: " + " ".join(p["message"] for p in problems),
            code="publish_blocked",
            details=problems,
        )
    number = await repo.next_version_number(gpt.id)
    values = snapshot(gpt)
    await repo.add_version(
        GptVersion(gpt_id=gpt.id, number=number, snapshot=values, visibility=visibility)
    )
    await repo.copy_actions(gpt.id, source=DRAFT, target=number)
    await KnowledgeRepository(session).snapshot(gpt.id, number)
    gpt.live_version = number
    gpt.visibility = visibility
    gpt.published_at = utcnow()
    gpt.updated_at = utcnow()
    index = SearchIndex(session)
    if visibility == "public":
        await index.put(gpt.id, name=values["name"], description=values["description"])
    else:
        await index.remove(gpt.id)
    await session.flush()
    return gpt


async def restore(session: AsyncSession, gpt: Gpt, number: int) -> Gpt:
    repo = GptRepository(session)
    version = await repo.version(gpt.id, number)
    if version is None:
        raise NotFound(f"The GPT has no version {number}.", code="version_not_found")
    update(gpt, {"model": None, **version.snapshot})  # versions from before model choice
    await repo.copy_actions(gpt.id, source=number, target=DRAFT)
    await KnowledgeRepository(session).restore(gpt.id, number)
    await session.flush()
    return gpt


# ------------------------------------------------------------- import, export


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "action"


def _env_name(text: str, suffix: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")[:40] + suffix


def export_files(
    gpt: Gpt, actions: list[ActionRecord], knowledge_files: Sequence[str] = ()
) -> dict[str, str]:
    """``gpt.yaml`` and the schema files it names, in the CLI's format, without secrets
    (knowledge files by name only)."""
    files: dict[str, str] = {}
    definitions = []
    for index, record in enumerate(actions):
        label = record.title or f"action {index + 1}"
        if record.source_url:
            openapi = record.source_url
        else:
            openapi = f"actions/{index + 1}-{_slug(label)}.openapi.yaml"
            files[openapi] = record.schema_text
        auth = dict(record.auth)
        field = action_service.SECRET_FIELDS.get(str(auth.get("type")))
        if isinstance(auth.get("keys"), dict):  # one key per spec scheme: a variable each
            auth["keys"] = {
                name: {"key_env": _env_name(f"{label} {name}", "_KEY")} for name in auth["keys"]
            }
        elif field:
            auth[f"{field}_env"] = _env_name(label, "_API_KEY" if field == "key" else "_SECRET")
        definition: dict[str, Any] = {"openapi": openapi, "auth": auth}
        if record.privacy_policy_url:
            definition["privacy_policy_url"] = record.privacy_policy_url
        if record.enabled_operations is not None:
            definition["operations"] = record.enabled_operations
        if record.server_url:
            definition["server"] = record.server_url
        definitions.append(definition)
    document = {
        "name": gpt.name,
        "description": gpt.description,
        "instructions": gpt.instructions,
        "conversation_starters": gpt.conversation_starters,
        "returning_user_starters": gpt.returning_user_starters,
        "capabilities": gpt.capabilities,
        "actions": definitions,
    }
    model = ModelSettings.model_validate(gpt.model or {})
    if model != ModelSettings():
        document["model"] = model.model_dump(mode="json", exclude_defaults=True)
    if knowledge_files:
        document["knowledge_files"] = list(knowledge_files)
    GptDefinition.model_validate(document)  # what we write, the CLI can read
    files["gpt.yaml"] = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return files


def zip_files(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def read_upload(body: bytes, content_type: str) -> tuple[str, dict[str, str]]:
    """gpt.yaml text and, for a zip, the other files in it (by normalized path)."""
    if content_type.split(";")[0].strip().lower() != "application/zip":
        return body.decode("utf-8", errors="replace"), {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise Unprocessable("The upload is not a valid zip file.", code="invalid_zip") from None
    files: dict[str, str] = {}
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        total += info.file_size
        if total > _ZIP_LIMIT:
            raise PayloadTooLarge("The zip unpacks to more than 20 MB.")
        name = posixpath.normpath(info.filename)
        if name.startswith(("../", "/")) or name == "..":
            continue
        files[name] = archive.read(info).decode("utf-8", errors="replace")
    if "gpt.yaml" not in files:
        raise Unprocessable("The zip has no gpt.yaml at its top level.", code="invalid_zip")
    return files.pop("gpt.yaml"), files


def draft_from_definition(definition: GptDefinition, *, category: Category | None = None) -> GptIn:
    """The draft fields of a gpt.yaml definition (its actions are added separately)."""
    return GptIn(
        name=definition.name,
        description=definition.description,
        instructions=definition.instructions,
        conversation_starters=definition.conversation_starters,
        returning_user_starters=definition.returning_user_starters,
        capabilities=definition.capabilities,
        category=category,
        model=definition.model,
    )


def parse_definition(text: str) -> GptDefinition:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Unprocessable(f"gpt.yaml is not valid YAML: {exc}", code="invalid_gpt_yaml") from None
    if not isinstance(data, dict):
        raise Unprocessable(
            "gpt.yaml must be a mapping with at least `name:`.", code="invalid_gpt_yaml"
        )
    try:
        return GptDefinition.model_validate(data)
    except ValidationError as exc:
        raise Unprocessable(
            f"gpt.yaml: {describe_validation_error(exc, root='gpt')}.", code="invalid_gpt_yaml"
        ) from None


async def import_definition(
    platform: Platform,
    session: AsyncSession,
    owner: User,
    definition: GptDefinition,
    files: dict[str, str],
) -> tuple[Gpt, list[SecretNeeded]]:
    schemas: list[tuple[str, str | None]] = []
    for index, action in enumerate(definition.actions):
        source = action.openapi
        if source.startswith(("http://", "https://")):
            schemas.append((await action_service.fetch_schema(platform, session, source), source))
            continue
        name = posixpath.normpath(source)
        if name not in files:
            raise Unprocessable(
                f"actions[{index}].openapi names the file {source!r}; upload gpt.yaml with its "
                "schema files as a zip (Content-Type: application/zip), as export gives them.",
                code="schema_file_missing",
            )
        schemas.append((files[name], None))
    gpt = await create(session, owner, draft_from_definition(definition))
    needed: list[SecretNeeded] = []
    repo = GptRepository(session)
    for index, (action, (text, url)) in enumerate(zip(definition.actions, schemas, strict=True)):
        record = ActionRecord(
            gpt_id=gpt.id,
            schema_text=text,
            source_url=url,
            privacy_policy_url=action.privacy_policy_url,
            enabled_operations=action.operations,
            server_url=action.server,
        )
        spec = action_service.build_action_spec(
            text, source=url or f"actions[{index}]", base_url=url, server_url=action.server
        )
        action_service.apply_spec(record, spec)
        written = action.auth.model_dump(mode="json", exclude_none=True)
        auth = {k: v for k, v in written.items() if k not in ("key_env", "client_secret_env")}
        if isinstance(auth.get("keys"), dict):  # the server never reads its environment
            auth["keys"] = {name: {} for name in auth["keys"]}
        record.auth = {"type": "none"}
        action_service.store_auth(auth, record, platform.secrets)
        await repo.add_action(record)
        if isinstance(written.get("keys"), dict):
            for name, entry in written["keys"].items():
                named = entry.get("key_env")
                hint = f" (gpt.yaml took it from ${named})" if named else ""
                needed.append(
                    SecretNeeded(
                        action_id=record.action_id,
                        field=f"keys.{name}.key",
                        message=f"Enter the {name} key for {record.title or 'this action'}{hint}.",
                    )
                )
            continue
        field = action_service.SECRET_FIELDS.get(str(record.auth.get("type")))
        named = written.get(f"{field}_env") if field else None
        if field and (field == "key" or named):
            hint = f" (gpt.yaml took it from ${named})" if named else ""
            what = f"the {field.replace('_', ' ')} for {record.title or 'this action'}"
            needed.append(
                SecretNeeded(
                    action_id=record.action_id, field=field, message=f"Enter {what}{hint}."
                )
            )
    return gpt, needed
