"""Who is looking at a page: the API's one authentication dependency, nothing else.

:data:`PageSubject` is :func:`gptforge.web.deps.authenticated` (cookie or bearer token);
it also leaves the user on ``request.state`` so an error page can show who is signed in.
Not signed in raises :class:`~gptforge.web.errors.Unauthenticated`, which
:class:`~gptforge.web.pages.routing.PageRoute` turns into a redirect to the sign-in page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gptforge.web.deps import DbSession, Subject, admin, authenticated
from gptforge.web.errors import Unauthenticated


async def _page_subject(
    request: Request, subject: Annotated[Subject, Depends(authenticated)]
) -> Subject:
    request.state.user = subject.user
    return subject


async def _page_admin(
    request: Request, subject: Annotated[Subject, Depends(_page_subject)]
) -> Subject:
    return await admin(subject)


async def _maybe_subject(request: Request, session: DbSession) -> Subject | None:
    """The signed-in caller, or ``None`` (sign-in and sign-up pages)."""
    try:
        return await authenticated(request, session)
    except Unauthenticated:
        return None


PageSubject = Annotated[Subject, Depends(_page_subject)]
PageAdmin = Annotated[Subject, Depends(_page_admin)]
MaybeSubject = Annotated[Subject | None, Depends(_maybe_subject)]
