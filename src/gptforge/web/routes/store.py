"""The store: search and list public GPTs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from gptforge.store import BadCursor, SearchIndex
from gptforge.web import gpt_service
from gptforge.web.deps import CurrentSubject, DbSession
from gptforge.web.errors import Unprocessable
from gptforge.web.schemas import CATEGORIES, CategoriesOut, Category, StorePage

router = APIRouter(tags=["store"])


@router.get("/store")
async def search_store(
    _subject: CurrentSubject,
    session: DbSession,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Category | None = None,
    sort: Literal["recent", "popular"] = "recent",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> StorePage:
    """Public GPTs matching every word of ``q`` (by word start), newest or most used first."""
    try:
        page = await SearchIndex(session).search(
            query=q, category=category, sort=sort, cursor=cursor, limit=limit
        )
    except BadCursor as exc:
        raise Unprocessable(str(exc), code="invalid_cursor") from None
    return StorePage(
        items=await gpt_service.public_views(session, page.items), next_cursor=page.next_cursor
    )


@router.get("/store/categories")
async def categories(_subject: CurrentSubject) -> CategoriesOut:
    return CategoriesOut(categories=list(CATEGORIES))
