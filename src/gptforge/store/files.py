"""Files of a conversation: what the user uploaded and what tool calls produced.

Rows keep the bytes (``data``, BLOB/bytea, deferred: listing never loads them) with
the conversation's id and owner; a tool's file carries the ``call_id`` that made it.
Every read for a caller goes through :func:`visible_files`, joined to
:func:`~gptforge.store.conversations.visible_conversations`, so a file is reachable
exactly when its conversation is.
"""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, undefer

from gptforge.store.conversations import visible_conversations
from gptforge.store.models import Base, Conversation, new_id, utcnow


class StoredFile(Base):
    """One file of a conversation (uploaded by its user, or produced by a tool call)."""

    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("file-"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    """The conversation's owner."""
    call_id: Mapped[str | None] = mapped_column(String(100), default=None)
    """The tool call that produced it; None for the user's uploads."""
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_files_conversation_created", "conversation_id", "created_at"),)


def visible_files(user_id: str) -> Select[StoredFile]:
    """Files ``user_id`` may read: those of conversations they may read."""
    conversations = visible_conversations(user_id).with_only_columns(Conversation.id)
    return select(StoredFile).where(StoredFile.conversation_id.in_(conversations.scalar_subquery()))


@functools.cache
def _visible_conversation() -> Select[Conversation, bool]:
    """The conversation a message goes to, with its GPT and whether it has uploads:
    built once (every message runs it), with bound ``user_id`` and ``conversation_id``."""
    uploads = exists().where(
        StoredFile.conversation_id == Conversation.id, StoredFile.call_id.is_(None)
    )
    return (
        visible_conversations(bindparam("user_id", type_=String()))
        .options(contains_eager(Conversation.gpt))
        .add_columns(uploads)
        .where(Conversation.id == bindparam("conversation_id"))
    )


class FileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        conversation_id: str,
        user_id: str,
        name: str,
        media_type: str,
        data: bytes,
        call_id: str | None = None,
        file_id: str | None = None,
    ) -> StoredFile:
        row = StoredFile(
            conversation_id=conversation_id,
            user_id=user_id,
            call_id=call_id,
            name=name,
            media_type=media_type,
            size=len(data),
            data=data,
        )
        if file_id is not None:
            row.id = file_id
        self.session.add(row)
        await self.session.flush()
        return row

    async def visible_conversation(
        self, user_id: str, conversation_id: str
    ) -> tuple[Conversation, bool] | None:
        """Like :meth:`ConversationRepository.visible` (the GPT loaded in the same query),
        with whether the user uploaded files to it: a message to a conversation without
        uploads needs no list of them (one query less per message)."""
        row = (
            await self.session.execute(
                _visible_conversation(),
                {"user_id": user_id, "conversation_id": conversation_id},
            )
        ).first()
        return None if row is None else (row[0], bool(row[1]))

    async def listed(self, conversation_id: str) -> list[StoredFile]:
        """A conversation's files, oldest first, without their bytes."""
        return list(
            await self.session.scalars(
                select(StoredFile)
                .where(StoredFile.conversation_id == conversation_id)
                .order_by(StoredFile.created_at, StoredFile.id)
            )
        )

    async def usage(self, conversation_id: str) -> tuple[int, int]:
        """How many files a conversation has and their total size in bytes."""
        row = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(StoredFile.size), 0)).where(
                    StoredFile.conversation_id == conversation_id
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def visible(self, user_id: str, file_id: str) -> StoredFile | None:
        """The file with its bytes, if ``user_id`` may read its conversation."""
        return await self.session.scalar(
            visible_files(user_id).where(StoredFile.id == file_id).options(undefer(StoredFile.data))
        )

    async def with_data(self, conversation_id: str) -> list[StoredFile]:
        """A conversation's files with their bytes (for the code interpreter's folder)."""
        return list(
            await self.session.scalars(
                select(StoredFile)
                .where(StoredFile.conversation_id == conversation_id)
                .order_by(StoredFile.created_at, StoredFile.id)
                .options(undefer(StoredFile.data))
            )
        )
