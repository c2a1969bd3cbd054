"""The GPT editor page (``/gpts/<id>/edit``): Create and Configure beside a live Preview.

The page loads the GPT with the API's own loader (only its builder may edit it: anyone
else gets the API's 404 or 403 as an HTML page); ``js/editor.js`` does the rest through
``/api/v1``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gptforge.web.authz import load_gpt
from gptforge.web.deps import DbSession
from gptforge.web.pages.routing import PageRoute, page
from gptforge.web.pages.subject import PageSubject
from gptforge.web.schemas import CATEGORIES

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CAPABILITIES = (
    ("web_browsing", "Web browsing"),
    ("image_generation", "Image generation"),
    ("code_interpreter", "Code interpreter"),
    ("knowledge", "Knowledge"),
)


@router.get("/gpts/{gpt_id}/edit")
async def edit_gpt(
    request: Request, gpt_id: str, subject: PageSubject, session: DbSession
) -> Response:
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    return page(
        request,
        "editor/edit.html",
        user=subject.user,
        gpt=gpt,
        categories=CATEGORIES,
        capabilities=CAPABILITIES,
    )
