"""A GPT's public page (``/g/<id>``) and the chat pages (``/g/<id>/chat``, ``/c/<id>``).

Objects load through ``web/authz.py`` exactly as the API loads them: a GPT or a
conversation the caller may not see is "not found" here too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gptforge.store import ConversationRepository, Gpt
from gptforge.web import gpt_service
from gptforge.web.authz import is_owner, load_conversation, load_gpt
from gptforge.web.deps import DbSession, Subject
from gptforge.web.errors import Conflict
from gptforge.web.pages.routing import PageRoute, page
from gptforge.web.pages.subject import PageSubject
from gptforge.web.schemas import GptOut, PublicGptOut

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PREFILL_CHARS = 4000

CAPABILITY_NAMES = {
    "web_browsing": "Web browsing",
    "image_generation": "Image generation",
    "code_interpreter": "Code interpreter",
    "knowledge": "Knowledge",
}


async def _view(session: DbSession, subject: Subject, gpt: Gpt) -> GptOut | PublicGptOut:
    """What the caller sees of the GPT: the API's public view (the draft for its owner
    before the first publish)."""
    if gpt.live_version is None and is_owner(subject, gpt):
        return await gpt_service.owner_view_of(session, gpt)
    return await gpt_service.public_view_of(session, gpt)


def _hosts(view: GptOut | PublicGptOut) -> list[dict[str, Any]]:
    """Each external host the GPT's actions send data to, with its privacy policy."""
    seen: dict[str, str | None] = {}
    for action in view.actions:
        if action.host and (action.host not in seen or not seen[action.host]):
            seen[action.host] = action.privacy_policy_url
    return [{"host": host, "privacy_policy_url": url} for host, url in seen.items()]


def _capabilities(view: GptOut | PublicGptOut) -> list[str]:
    enabled = view.capabilities.model_dump()
    return [label for key, label in CAPABILITY_NAMES.items() if enabled.get(key)]


@router.get("/g/{gpt_id}")
async def gpt_page(
    request: Request, gpt_id: str, subject: PageSubject, session: DbSession
) -> Response:
    gpt = await load_gpt(session, subject, gpt_id, need="view")
    view = await _view(session, subject, gpt)
    return page(
        request,
        "gpt.html",
        user=subject.user,
        gpt=view,
        published=gpt.live_version is not None,
        owner=is_owner(subject, gpt),
        hosts=_hosts(view),
        capabilities=_capabilities(view),
    )


@router.get("/g/{gpt_id}/chat")
async def new_chat_page(
    request: Request, gpt_id: str, subject: PageSubject, session: DbSession, q: str = ""
) -> Response:
    """A new chat with the live version; ``?q=`` only fills the message box."""
    gpt = await load_gpt(session, subject, gpt_id, need="view")
    if gpt.live_version is None:
        raise Conflict(
            "This GPT is not published yet. Its builder can try it in the editor's Preview.",
            code="gpt_not_published",
        )
    view = await _view(session, subject, gpt)
    returning = await ConversationRepository(session).has_chatted(subject.user_id, gpt.id)
    starters = (returning and view.returning_user_starters) or view.conversation_starters
    return _chat_page(request, subject, view, None, starters=starters, prefill=q)


@router.get("/c/{conversation_id}")
async def chat_page(
    request: Request, conversation_id: str, subject: PageSubject, session: DbSession, q: str = ""
) -> Response:
    conversation = await load_conversation(session, subject, conversation_id)
    gpt = await load_gpt(session, subject, conversation.gpt_id, need="view")
    if conversation.draft:
        view: GptOut | PublicGptOut = await gpt_service.owner_view_of(session, gpt)
    else:
        view = await gpt_service.public_view_of(session, gpt)
    return _chat_page(
        request, subject, view, conversation.id, starters=view.conversation_starters, prefill=q
    )


def _chat_page(
    request: Request,
    subject: Subject,
    view: GptOut | PublicGptOut,
    conversation_id: str | None,
    *,
    starters: list[str],
    prefill: str,
) -> Response:
    options = {
        "gptId": view.id,
        "gptName": view.name,
        "conversationId": conversation_id,
        "starters": starters,
        "prefill": prefill[:PREFILL_CHARS],
    }
    return page(
        request,
        "chat.html",
        user=subject.user,
        gpt=view,
        hosts=_hosts(view),
        options=options,
        conversation_id=conversation_id,
    )
