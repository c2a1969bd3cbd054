"""Store search: full text over published names and descriptions, with keyset pages.

SQLite uses an FTS5 table, PostgreSQL a GIN index over ``to_tsvector('simple', ...)``;
both hold one row per listed GPT (its live version), kept current by :meth:`SearchIndex.put`.
Each word of a query must match the start of a word (``weath`` finds "weather").
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from gptforge.store.models import Gpt

Sort = Literal["recent", "popular"]
_WORD = re.compile(r"\w+", re.UNICODE)


class BadCursor(ValueError):
    """A pagination cursor that this server did not produce."""


@dataclass(frozen=True)
class Page:
    items: list[Gpt]
    next_cursor: str | None


class SearchIndex:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def put(self, gpt_id: str, *, name: str, description: str) -> None:
        await self.remove(gpt_id)
        await self.session.execute(
            text("INSERT INTO gpt_search (gpt_id, name, description) VALUES (:id, :n, :d)"),
            {"id": gpt_id, "n": name, "d": description},
        )

    async def remove(self, gpt_id: str) -> None:
        await self.session.execute(
            text("DELETE FROM gpt_search WHERE gpt_id = :gpt_id"), {"gpt_id": gpt_id}
        )

    async def search(
        self,
        *,
        query: str = "",
        category: str | None = None,
        sort: Sort = "recent",
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page:
        statement = (
            select(Gpt)
            .options(joinedload(Gpt.owner))
            .where(Gpt.visibility == "public", Gpt.live_version.is_not(None))
        )
        words = _WORD.findall(query)[:16]
        if words:
            statement = statement.where(Gpt.id.in_(self._matching(words)))
        if category:
            statement = statement.where(Gpt.category == category)
        key = Gpt.conversation_count if sort == "popular" else Gpt.published_at
        if cursor:
            value, last_id = _decode_cursor(cursor, sort)
            statement = statement.where(or_(key < value, and_(key == value, Gpt.id < last_id)))
        statement = statement.order_by(key.desc(), Gpt.id.desc()).limit(limit + 1)
        rows = list(await self.session.scalars(statement))
        more = len(rows) > limit
        items = rows[:limit]
        next_cursor = _encode_cursor(items[-1], sort) if more and items else None
        return Page(items=items, next_cursor=next_cursor)

    def _matching(self, words: list[str]) -> Select[Any]:
        if self._dialect == "sqlite":
            match = " ".join('"' + word.replace('"', "") + '"*' for word in words)
            return (
                select(text("gpt_id"))
                .select_from(text("gpt_search"))
                .where(text("gpt_search MATCH :match").bindparams(match=match))
            )
        tsquery = " & ".join(f"{word}:*" for word in words)
        return (
            select(text("gpt_id"))
            .select_from(text("gpt_search"))
            .where(
                text(
                    "to_tsvector('simple', name || ' ' || description) "
                    "@@ to_tsquery('simple', :tsquery)"
                ).bindparams(tsquery=tsquery)
            )
        )


def _encode_cursor(gpt: Gpt, sort: Sort) -> str:
    value: object
    if sort == "popular":
        value = gpt.conversation_count
    else:
        value = gpt.published_at.isoformat() if gpt.published_at else None
    raw = json.dumps([sort, value, gpt.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: Sort) -> tuple[object, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, last_id = json.loads(raw)
        if kind != sort or not isinstance(last_id, str):
            raise ValueError
        if sort == "popular":
            if not isinstance(value, int):
                raise ValueError
            return value, last_id
        return datetime.fromisoformat(str(value)), last_id
    except (ValueError, TypeError) as exc:
        raise BadCursor(
            "The cursor is not one this server gave out for this sort; "
            "start again without `cursor`."
        ) from exc
