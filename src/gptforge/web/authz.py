"""The one place that decides what a caller may do with a GPT, its actions, a conversation
and its files.

A GPT the caller may not see answers 404 on every verb, exactly as one that does not
exist; one they may see but do not own answers 403 to anything beyond reading its
public view. Every route loads GPTs and actions through these functions.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.store import (
    ActionRecord,
    Conversation,
    ConversationRepository,
    FileRepository,
    Gpt,
    GptRepository,
    StoredFile,
)
from gptforge.web.deps import Subject
from gptforge.web.errors import Forbidden, NotFound

Need = Literal["view", "edit"]


def _not_found(gpt_id: str) -> NotFound:
    return NotFound(f"No GPT {gpt_id!r} that you can see.", code="gpt_not_found")


async def load_gpt(session: AsyncSession, subject: Subject, gpt_id: str, *, need: Need) -> Gpt:
    gpt = await GptRepository(session).visible(subject.user_id, gpt_id)
    if gpt is None:
        raise _not_found(gpt_id)
    if need == "edit" and not is_owner(subject, gpt):
        raise Forbidden("Only the GPT's builder can change it or see its settings.")
    return gpt


def is_owner(subject: Subject, gpt: Gpt) -> bool:
    return gpt.owner_id == subject.user_id


async def load_action(
    session: AsyncSession, subject: Subject, gpt_id: str, action_id: str
) -> tuple[Gpt, ActionRecord]:
    """An action of a GPT the caller owns; another GPT's action id is not found here."""
    gpt = await load_gpt(session, subject, gpt_id, need="edit")
    record = await GptRepository(session).action(gpt.id, action_id)
    if record is None:
        raise NotFound(f"The GPT has no action {action_id!r}.", code="action_not_found")
    return gpt, record


def _no_conversation(conversation_id: str) -> NotFound:
    """The one 404 for a conversation the caller may not see (or that does not exist)."""
    return NotFound(
        f"No conversation {conversation_id!r} that you can see.", code="conversation_not_found"
    )


async def load_conversation(
    session: AsyncSession, subject: Subject, conversation_id: str
) -> Conversation:
    """The caller's conversation, if its GPT is still visible to them; else 404."""
    conversation = await ConversationRepository(session).visible(subject.user_id, conversation_id)
    if conversation is None:
        raise _no_conversation(conversation_id)
    return conversation


async def load_conversation_to_message(
    session: AsyncSession, subject: Subject, conversation_id: str
) -> tuple[Conversation, bool]:
    """:func:`load_conversation`, and whether the user uploaded files to it."""
    found = await FileRepository(session).visible_conversation(subject.user_id, conversation_id)
    if found is None:
        raise _no_conversation(conversation_id)
    return found


async def load_file(session: AsyncSession, subject: Subject, file_id: str) -> StoredFile:
    """A file (with its bytes) of a conversation the caller may read; else 404."""
    stored = await FileRepository(session).visible(subject.user_id, file_id)
    if stored is None:
        raise NotFound(f"No file {file_id!r} that you can see.", code="file_not_found")
    return stored
