"""The administration page (administrators only, through the API's ``admin`` dependency)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gptforge.web.pages.routing import PageRoute, page
from gptforge.web.pages.subject import PageAdmin

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin")
async def admin_page(request: Request, subject: PageAdmin) -> Response:
    return page(request, "admin.html", user=subject.user)
