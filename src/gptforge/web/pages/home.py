"""Home: the caller's GPTs and the store (both filled by ``js/home.js`` from the API)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gptforge.web.pages.routing import PageRoute, page
from gptforge.web.pages.subject import PageSubject
from gptforge.web.schemas import CATEGORIES

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
async def home(request: Request, subject: PageSubject, q: str = "") -> Response:
    return page(request, "home.html", user=subject.user, categories=CATEGORIES, query=q[:200])
