"""The GPT builder: a GPT whose tools are the platform's own API for one GPT's draft.

The Create tab is a conversation with this builder. Its tool, ``update_draft``, runs as
a :class:`~gptforge.toolsets.Toolset` through the ordinary runtime (any model provider,
the same events and confirmation rules) and calls the same code as
``PATCH /api/v1/gpts/{id}``: the GPT is loaded for the conversation's user by
:func:`~gptforge.web.authz.load_gpt` (someone else's GPT is "not found"), and changes
are validated by :class:`~gptforge.web.schemas.GptPatch`, the PATCH route's explicit
field allowlist (an owner, a visibility, a counter or an id cannot be set). The tool's
description carries the draft as it was when the turn started, so no model needs a
separate call to read it (a small model given a ``get_draft`` tool read the draft and
then asked the user what to do instead of filling it in).

The builder conversation is a ``conversations`` row of the GPT's owner, with
``draft`` set (so only the owner can ever see it) and the id ``b-<gpt id>`` (one per
GPT, found without a query, and telling :mod:`~gptforge.web.chat_service` to run this
builder instead of the GPT). No table or column is added for it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.errors import describe_validation_error
from gptforge.runtime.gpt import Capabilities, GptDefinition
from gptforge.store import Conversation, Database, Gpt, GptRepository, User
from gptforge.toolsets import CallContext, CallOutcome, CallResult, ToolInfo
from gptforge.web import gpt_service
from gptforge.web.authz import load_gpt
from gptforge.web.deps import Subject
from gptforge.web.errors import ApiError, NotFound
from gptforge.web.schemas import CATEGORIES, GptPatch

BUILDER_PREFIX = "b-"
TOOLSET_KEY = "builder"
LABEL = "GPT builder"
EDITABLE = tuple(name for name in GptPatch.model_fields if name != "model")
"""What the builder may change: the fields ``PATCH /api/v1/gpts/{id}`` accepts, except the
model choice, which stays the builder's own decision in Configure."""
DRAFT_CHARS = 6000
"""At most this much of the draft goes into the tool's description."""

INSTRUCTIONS = """\
You are the GPT builder of gptforge. You help the user create and refine their own GPT \
(a custom assistant) by filling in its draft with the tools you have. You cannot change \
anything except this one draft.

How to work:
- When the user says what the GPT should do (for example "Make a GPT that helps people \
plan meals"), call update_draft right away, without asking first, with: \
a short name; a one-sentence description; instructions written to the GPT in the \
second person ("You help people ..."), saying what it does, how it asks for missing \
details and what it avoids; and up to four conversation starters written as messages a \
user would send.
- Ask one short clarifying question only when the request is too vague to write any \
instructions (for example "make a GPT" with no subject).
- To change one thing in an existing draft (a new name, a friendlier tone), call \
update_draft with only the fields that change; the current draft is in its description.
- After a successful update, tell the user in one or two sentences what you set and \
suggest one refinement. Never claim a change you did not make with update_draft.
- Capabilities (web_browsing, image_generation, code_interpreter, knowledge) are turned \
on only when the user asks for them.
- Actions (calls to external APIs) are added in the Configure tab; tell the user so if \
they ask for one.
"""

_STARTERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "maxLength": 500},
    "maxItems": 4,
}
UPDATE_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {
            "type": "string",
            "maxLength": 100,
            "description": "The GPT's name, a few words.",
        },
        "description": {
            "type": "string",
            "maxLength": 300,
            "description": "One sentence saying what the GPT does, for people who find it.",
        },
        "instructions": {
            "type": "string",
            "maxLength": 8000,
            "description": "What the GPT does and how it behaves, addressed to the GPT.",
        },
        "conversation_starters": {
            **_STARTERS_SCHEMA,
            "description": "Up to four example messages a user could start with.",
        },
        "returning_user_starters": {
            **_STARTERS_SCHEMA,
            "description": "Up to four starters for users who chatted with the GPT before.",
        },
        "capabilities": {
            "type": "object",
            "properties": {name: {"type": "boolean"} for name in Capabilities.model_fields},
            "additionalProperties": False,
            "description": "Capabilities to turn on (true) or off (false).",
        },
        "category": {"type": "string", "enum": list(CATEGORIES)},
    },
    "additionalProperties": False,
}
"""The tool's arguments: the fields of :class:`GptPatch` (which validates them)."""


def conversation_id(gpt_id: str) -> str:
    """The one builder conversation of a GPT (its owner's)."""
    return f"{BUILDER_PREFIX}{gpt_id}"


def is_builder(conversation: Conversation) -> bool:
    return conversation.id == conversation_id(conversation.gpt_id)


def definition() -> GptDefinition:
    """The builder itself, as a GPT the runtime runs."""
    return GptDefinition.model_construct(
        name=LABEL, instructions=INSTRUCTIONS, capabilities=Capabilities()
    )


def draft_fields(gpt: Gpt) -> dict[str, Any]:
    """The draft as the builder's model reads it (the owner view's editable fields)."""
    return {name: getattr(gpt, name) for name in EDITABLE}


async def toolset(db: Database, session: AsyncSession, gpt_id: str) -> BuilderToolset:
    """The builder's tools for a turn, carrying the draft as it is now."""
    gpt = await session.get(Gpt, gpt_id)
    return BuilderToolset(db, gpt_id, draft_fields(gpt) if gpt is not None else None)


class BuilderToolset:
    """``update_draft`` on one GPT, for the user the call runs for."""

    key = TOOLSET_KEY
    label = LABEL

    def __init__(self, db: Database, gpt_id: str, draft: dict[str, Any] | None = None) -> None:
        self.db = db
        self.gpt_id = gpt_id
        self.draft = draft
        """The draft when the turn started, shown to the model in the tool's description."""

    def tools(self) -> Sequence[ToolInfo]:
        description = (
            "Fill in or change the GPT's draft (name, description, instructions, conversation "
            "starters...); only the fields you send change. Returns the draft after the change."
        )
        if self.draft is not None:
            current = json.dumps(self.draft, ensure_ascii=False)
            if len(current) > DRAFT_CHARS:
                current = current[:DRAFT_CHARS] + " ...(cut)"
            description += f" The draft now: {current}"
        return [
            ToolInfo(
                name="update_draft",
                description=description,
                parameters=UPDATE_PARAMETERS,
                label=f"PATCH /api/v1/gpts/{self.gpt_id}",
            ),
        ]

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        changed = ", ".join(arguments) or "nothing"
        return f"PATCH /api/v1/gpts/{self.gpt_id} ({changed})"

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallOutcome:
        started = time.monotonic()
        if tool != "update_draft":
            return CallResult(
                status="invalid_arguments",
                content=f"There is no builder tool {tool!r}; use update_draft.",
            )
        try:
            changes = validated_changes(arguments)
        except ValueError as exc:
            return self._result(tool, arguments, started, 422, str(exc), "invalid_arguments")
        try:
            async with self.db.session() as session:
                gpt = await load_gpt(
                    session, await _subject(session, context), self.gpt_id, need="edit"
                )
                gpt_service.update(
                    gpt, changes.model_dump(mode="json", include=changes.model_fields_set)
                )
                await session.flush()
                draft = await _draft_view(session, gpt)
        except ApiError as exc:
            return self._result(tool, arguments, started, exc.status, exc.message, "blocked")
        saved = {
            "result": "Saved. Tell the user what the draft now says and suggest one refinement.",
            "draft": {name: value for name, value in draft.items() if _is_set(value)},
        }
        content = json.dumps(saved, ensure_ascii=False)
        return self._result(tool, arguments, started, 200, content, "ok")

    def _result(
        self,
        tool: str,
        arguments: Mapping[str, Any],
        started: float,
        status: int,
        content: str,
        outcome: str,
    ) -> CallResult:
        """The result, with a record shaped like an action call's (for the chat's chips)."""
        duration = (time.monotonic() - started) * 1000
        method = "PATCH"
        record = {
            "action": LABEL,
            "operation": tool,
            "method": method,
            "url": f"/api/v1/gpts/{self.gpt_id}",
            "request_headers": {},
            "request_body_excerpt": json.dumps(dict(arguments), ensure_ascii=False)[:2000],
            "status": status,
            "duration_ms": duration,
            "response_excerpt": content[:2000],
            "response_type": "application/json" if status == 200 else "text/plain",
            "response_bytes": len(content.encode()),
            "error": None if status == 200 else content,
        }
        return CallResult(
            status=outcome,  # type: ignore[arg-type]
            content=content,
            message=None if status == 200 else content,
            record=record,
            http_status=status,
            duration_ms=duration,
        )


def validated_changes(arguments: Mapping[str, Any]) -> GptPatch:
    """The arguments as a :class:`GptPatch`; ``null`` means "leave it" (models send it)."""
    given = {name: value for name, value in arguments.items() if value is not None}
    unknown = sorted(set(given) - set(EDITABLE))
    if unknown:
        raise ValueError(
            f"update_draft cannot change {', '.join(unknown)}; it changes only "
            f"{', '.join(EDITABLE)}."
        )
    if not given:
        raise ValueError("update_draft needs at least one field to change.")
    try:
        return GptPatch.model_validate(given)
    except ValidationError as exc:
        raise ValueError(
            f"update_draft: {describe_validation_error(exc, root='arguments')}. "
            "Fix it and call update_draft again."
        ) from None


async def _subject(session: AsyncSession, context: CallContext) -> Subject:
    """The user the turn runs for, as the routes' authorization sees a caller."""
    user = await session.get(User, context.user_id)
    if user is None:
        raise NotFound("The user of this builder conversation is gone.", code="user_not_found")
    if context.session_id.startswith("token:"):
        return Subject(user=user, via="token")
    return Subject(user=user, via="cookie", session_id=context.session_id)


def _is_set(value: Any) -> bool:
    """Whether a draft field says something (a small model reads empty ones as claims)."""
    if isinstance(value, dict):
        return any(value.values())
    return bool(value)


async def _draft_view(session: AsyncSession, gpt: Gpt) -> dict[str, Any]:
    view = draft_fields(gpt)
    view["actions"] = [
        {"title": a.title, "host": a.host} for a in await GptRepository(session).actions(gpt.id)
    ]
    return view


async def builder_conversation(session: AsyncSession, gpt: Gpt, user_id: str) -> Conversation:
    """The GPT's builder conversation, made on first use (the caller owns ``gpt``)."""
    found = await session.get(Conversation, conversation_id(gpt.id))
    if found is not None:
        return found
    conversation = Conversation(
        id=conversation_id(gpt.id), user_id=user_id, gpt_id=gpt.id, draft=True, title=LABEL
    )
    session.add(conversation)
    await session.flush()
    return conversation
