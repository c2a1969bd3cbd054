"""Sign up and sign in pages; their forms post to ``/api/v1/auth/*`` (``js/account.js``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from gptforge.store import UserRepository
from gptforge.web.deps import DbSession, PlatformDep
from gptforge.web.pages.routing import PageRoute, page, safe_next
from gptforge.web.pages.subject import MaybeSubject
from gptforge.web.signup import signup_mode

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/signin")
async def sign_in(request: Request, subject: MaybeSubject, next: str | None = None) -> Response:
    if subject is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "signin.html", user=None, next=safe_next(next))


@router.get("/signup")
async def sign_up(
    request: Request,
    subject: MaybeSubject,
    session: DbSession,
    platform: PlatformDep,
    next: str | None = None,
) -> Response:
    if subject is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    closed = (
        await signup_mode(platform, session) == "closed"
        and await UserRepository(session).admin_exists()
    )
    return page(request, "signup.html", user=None, next=safe_next(next), closed=closed)
