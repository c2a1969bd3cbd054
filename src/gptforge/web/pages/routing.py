"""How page handlers answer: templates, sign-in redirects and HTML error pages.

Pages use the API's own dependencies (:func:`gptforge.web.deps.authenticated`) and
loaders (:mod:`gptforge.web.authz`); :class:`PageRoute` only changes how their
failures look to a person: not signed in is a redirect to the sign-in page, any other
:class:`~gptforge.web.errors.ApiError` an HTML page with the same status and message.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from gptforge.store import User
from gptforge.web.errors import ApiError, Unauthenticated

WEB_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
_TITLES = {403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Too many attempts"}


def page(
    request: Request,
    template: str,
    *,
    user: User | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render ``template`` with the signed-in ``user`` (``None`` on public pages)."""
    return templates.TemplateResponse(
        request, template, {"user": user, **context}, status_code=status_code
    )


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To the sign-in page, coming back to this page (path and query only) afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?{urlencode({'next': here})}", status_code=303)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this server (never ``//host``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def error_page(request: Request, exc: ApiError) -> Response:
    return page(
        request,
        "error.html",
        user=getattr(request.state, "user", None),
        status_code=exc.status,
        title=_TITLES.get(exc.status, "Something went wrong"),
        message=exc.message,
    )


class PageRoute(APIRoute):
    """A route answering HTML: failures become redirects or error pages, never JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated:
                return sign_in_redirect(request)
            except ApiError as exc:
                return error_page(request, exc)

        return page_handler
