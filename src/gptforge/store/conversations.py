"""Queries for conversations, their stored events and users' "always allow" approvals.

Every read of a conversation for a caller starts from :func:`visible_conversations`:
the caller's own conversations whose GPT they may still see (joined to the same
condition as :func:`~gptforge.store.gpts.visible_gpts`), so a GPT made private or
deleted disappears from other users' conversations at once. A Preview (draft)
conversation stays visible only to the GPT's owner.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from gptforge.store.database import Database
from gptforge.store.gpts import gpt_visible_to
from gptforge.store.models import Approval, Conversation, ConversationEvent, Gpt, utcnow


def visible_conversations(user_id: str | ColumnElement[str]) -> Select[Conversation]:
    """Conversations ``user_id`` may read or continue: theirs, with a GPT they may see."""
    return (
        select(Conversation)
        .join(Gpt, Gpt.id == Conversation.gpt_id)
        .where(
            Conversation.user_id == user_id,
            gpt_visible_to(user_id),
            ~Conversation.draft | (Gpt.owner_id == user_id),
        )
    )


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: its SSE ``id`` (the sequence), kind and JSON."""

    sequence: int
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Progress:
    """What a stream needs to know about a conversation's turn, without its state."""

    status: str
    last_sequence: int
    heartbeat_at: datetime | None
    updated_at: datetime


_CONVERSATIONS = cast(Table, Conversation.__table__)
_INSERT_EVENT = insert(cast(Table, ConversationEvent.__table__))
"""Core statements (not ORM-enabled ones) on the hot path of every turn: an event batch
and the end of a turn each cost a few statements, and SQLAlchemy's ORM bulk-update path
and building a statement anew cost more CPU than the database round trip."""


@functools.cache
def _take_sequences(names: tuple[str, ...], checks_status: bool) -> Update:
    """``UPDATE conversations SET last_sequence = last_sequence + :count, <names> ...
    RETURNING last_sequence``, built once per set of columns (bound ``v_<name>``)."""
    table = _CONVERSATIONS
    where = [table.c.id == bindparam("conversation_id")]
    if checks_status:
        where.append(table.c.status.in_(bindparam("expected", expanding=True)))
    values: dict[str, Any] = {
        name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names
    }
    values["last_sequence"] = table.c.last_sequence + bindparam("count", type_=Integer())
    return update(table).where(*where).values(values).returning(table.c.last_sequence)


_IDS_PER_STATEMENT = 500
"""Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def visible(self, user_id: str, conversation_id: str) -> Conversation | None:
        """The conversation, with its GPT loaded into the session in the same query (a
        message needs both: ``session.get(Gpt, ...)`` then finds it without a query)."""
        return await self.session.scalar(
            visible_conversations(user_id)
            .options(contains_eager(Conversation.gpt))
            .where(Conversation.id == conversation_id)
        )

    async def listed(self, user_id: str, limit: int = 200) -> list[Conversation]:
        return list(
            await self.session.scalars(
                visible_conversations(user_id)
                .order_by(Conversation.updated_at.desc(), Conversation.id)
                .limit(limit)
            )
        )

    async def get(self, conversation_id: str) -> Conversation | None:
        """By id, for the process running a turn (the request already authorized it)."""
        return await self.session.get(Conversation, conversation_id)

    async def has_chatted(self, user_id: str, gpt_id: str) -> bool:
        """Whether the user already had a (non-Preview) conversation with the GPT."""
        found = await self.session.scalar(
            select(
                exists().where(
                    Conversation.user_id == user_id,
                    Conversation.gpt_id == gpt_id,
                    ~Conversation.draft,
                )
            )
        )
        return bool(found)

    async def add(self, conversation: Conversation) -> Conversation:
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def delete(self, conversation: Conversation) -> None:
        await self.session.delete(conversation)
        await self.session.flush()

    async def count_conversation(self, gpt_id: str) -> None:
        """One more conversation for the store's popularity sort (no read-modify-write)."""
        await self.session.execute(
            update(Gpt)
            .where(Gpt.id == gpt_id)
            .values(conversation_count=Gpt.conversation_count + 1)
            .execution_options(synchronize_session=False)
        )

    async def claim(self, conversation_id: str, *, expected: tuple[str, ...]) -> bool:
        """Mark the conversation ``running`` if its status is one of ``expected``.

        One conditional UPDATE, so of two requests (in any processes) racing to start a
        turn, exactly one wins.
        """
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status.in_(expected))
            .values(
                status="running", heartbeat_at=utcnow(), stop_requested_at=None, updated_at=utcnow()
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def claim_with_events(
        self,
        conversation_id: str,
        *,
        expected: tuple[str, ...],
        events: Sequence[tuple[str, dict[str, Any]]],
        values: dict[str, Any] | None = None,
    ) -> int | None:
        """:meth:`claim` and :meth:`append_events` at once: mark the conversation
        ``running`` if its status is one of ``expected``, set ``values`` (e.g. its state)
        and store ``events`` as its next sequence numbers; the last number, or ``None``
        when another request claimed it first (nothing is written then)."""
        now = utcnow()
        last = await self._take_sequences(
            conversation_id,
            len(events),
            {
                "status": "running",
                "heartbeat_at": now,
                "stop_requested_at": None,
                "updated_at": now,
                **(values or {}),
            },
            expected,
        )
        if last is not None:
            await self._insert_events(conversation_id, last, events)
        return last

    async def _take_sequences(
        self,
        conversation_id: str,
        count: int,
        values: dict[str, Any],
        expected: tuple[str, ...] | None = None,
    ) -> int | None:
        """One ``UPDATE ... RETURNING``: ``count`` more sequence numbers taken (with
        ``values`` set; only if the status is one of ``expected`` when given); the last
        one, or ``None`` when no row matched."""
        params = {f"v_{name}": value for name, value in values.items()}
        params.update(conversation_id=conversation_id, count=count)
        if expected is not None:
            params["expected"] = list(expected)
        statement = _take_sequences(tuple(sorted(values)), expected is not None)
        taken = await self.session.execute(statement, params)
        last = taken.scalar_one_or_none()
        return None if last is None else int(last)

    async def _insert_events(
        self, conversation_id: str, last: int, events: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        if not events:
            return
        first = last - len(events) + 1
        await self.session.execute(
            _INSERT_EVENT,
            [
                {"conversation_id": conversation_id, "sequence": first + n, "kind": k, "data": d}
                for n, (k, d) in enumerate(events)
            ],
        )

    async def request_stop(self, conversation_id: str) -> bool:
        """Ask the process running the conversation's turn to stop it; False when no turn
        runs."""
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status == "running")
            .values(stop_requested_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    # ------------------------------------------------------------------ events

    async def add_event(self, conversation: Conversation, kind: str, data: dict[str, Any]) -> int:
        """Store an event as the conversation's next sequence number and return it."""
        conversation.last_sequence += 1
        conversation.heartbeat_at = utcnow()
        self.session.add(
            ConversationEvent(
                conversation_id=conversation.id,
                sequence=conversation.last_sequence,
                kind=kind,
                data=data,
            )
        )
        await self.session.flush()
        return conversation.last_sequence

    async def append_events(
        self,
        conversation_id: str,
        events: Sequence[tuple[str, dict[str, Any]]],
        *,
        finish: tuple[str, dict[str, Any] | None] | None = None,
    ) -> int | None:
        """Store ``(kind, data)`` events as the conversation's next sequence numbers, in
        order; the last number, or ``None`` when the conversation is gone.

        One ``UPDATE ... RETURNING`` takes the numbers (and refreshes the heartbeat), so
        writers in any process never take the same ones; one multi-row ``INSERT`` stores
        the events. No ORM object is loaded: the conversation's state is not read.
        ``finish``: the turn ends with these events, with this status and (when given)
        state, in the same ``UPDATE``.
        """
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if finish is not None:
            status, state = finish
            values.update(status=status, heartbeat_at=None)
            if state is not None:
                values["state"] = state
        last = await self._take_sequences(conversation_id, len(events), values)
        if last is not None:
            await self._insert_events(conversation_id, last, events)
        return last

    async def events_after(
        self, conversation_id: str, after: int, limit: int = 500
    ) -> list[StoredEvent]:
        rows = await self.session.execute(
            select(ConversationEvent.sequence, ConversationEvent.kind, ConversationEvent.data)
            .where(
                ConversationEvent.conversation_id == conversation_id,
                ConversationEvent.sequence > after,
            )
            .order_by(ConversationEvent.sequence)
            .limit(limit)
        )
        return [StoredEvent(sequence, kind, data) for sequence, kind, data in rows]

    async def progress(self, conversation_id: str) -> Progress | None:
        row = (
            await self.session.execute(
                select(
                    Conversation.status,
                    Conversation.last_sequence,
                    Conversation.heartbeat_at,
                    Conversation.updated_at,
                ).where(Conversation.id == conversation_id)
            )
        ).first()
        return Progress(*row) if row is not None else None

    async def status_of(self, conversation_id: str) -> tuple[str, int] | None:
        row = (
            await self.session.execute(
                select(Conversation.status, Conversation.last_sequence).where(
                    Conversation.id == conversation_id
                )
            )
        ).first()
        return (str(row[0]), int(row[1])) if row is not None else None

    async def touch_running(self, conversation_ids: Sequence[str]) -> list[str]:
        """Refresh the heartbeat of these running turns (one process's); those among them
        whose stop was asked for."""
        stopped: list[str] = []
        for start in range(0, len(conversation_ids), _IDS_PER_STATEMENT):
            ids = conversation_ids[start : start + _IDS_PER_STATEMENT]
            await self.session.execute(
                update(Conversation)
                .where(Conversation.id.in_(ids), Conversation.status == "running")
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            stopped += await self.session.scalars(
                select(Conversation.id).where(
                    Conversation.id.in_(ids), Conversation.stop_requested_at.is_not(None)
                )
            )
        return stopped

    async def stale_running(self, older_than: datetime) -> list[Conversation]:
        """Running turns whose process stopped refreshing them before ``older_than``."""
        return list(
            await self.session.scalars(
                select(Conversation)
                .where(
                    Conversation.status == "running",
                    func.coalesce(Conversation.heartbeat_at, Conversation.updated_at) < older_than,
                )
                .with_for_update(skip_locked=True)
            )
        )


class DbApprovalStore:
    """The runtime's :class:`~gptforge.runtime.ApprovalStore` in the ``approvals`` table.

    Each call uses its own short session: a turn runs outside any request's session.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_allowed(self, *, user_id: str, gpt_id: str, tool_key: str) -> bool:
        async with self.db.session() as session:
            found = await session.get(Approval, (user_id, gpt_id, tool_key))
            return found is not None

    async def allow(self, *, user_id: str, gpt_id: str, tool_key: str) -> None:
        async with self.db.session() as session:
            if await session.get(Approval, (user_id, gpt_id, tool_key)) is None:
                session.add(Approval(user_id=user_id, gpt_id=gpt_id, tool_key=tool_key))

    async def revoke(self, *, user_id: str, gpt_id: str, tool_key: str) -> None:
        async with self.db.session() as session:
            await session.execute(
                delete(Approval).where(
                    Approval.user_id == user_id,
                    Approval.gpt_id == gpt_id,
                    Approval.tool_key == tool_key,
                )
            )
