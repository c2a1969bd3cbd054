"""Queries for GPTs, their published versions and their actions.

Every read of a GPT for a caller starts from :func:`visible_gpts`: the one statement
that says which GPTs a user may see at all (their own, and published ``link`` or
``public`` ones). Editing rights are decided on top of it, in one place of the web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from gptforge.store.models import DRAFT, ActionRecord, Gpt, GptVersion, new_id
from gptforge.store.search import SearchIndex

SHARED = ("link", "public")


def gpt_visible_to(user_id: str | ColumnElement[str]) -> ColumnElement[bool]:
    """The condition on ``gpts`` rows that :func:`visible_gpts` applies (for joins)."""
    return or_(
        Gpt.owner_id == user_id,
        Gpt.visibility.in_(SHARED) & Gpt.live_version.is_not(None),
    )


def visible_gpts(user_id: str) -> Select[Gpt]:
    """GPTs ``user_id`` may see: owned ones, and published ones shared by link or listed."""
    return select(Gpt).options(joinedload(Gpt.owner)).where(gpt_visible_to(user_id))


class GptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def visible(self, user_id: str, gpt_id: str) -> Gpt | None:
        return await self.session.scalar(visible_gpts(user_id).where(Gpt.id == gpt_id))

    async def exists(self, gpt_id: str) -> bool:
        return (await self.session.scalar(select(Gpt.id).where(Gpt.id == gpt_id))) is not None

    async def owned(self, user_id: str) -> list[Gpt]:
        return list(
            await self.session.scalars(
                select(Gpt)
                .options(joinedload(Gpt.owner))
                .where(Gpt.owner_id == user_id)
                .order_by(Gpt.updated_at.desc(), Gpt.id)
            )
        )

    async def add(self, gpt: Gpt) -> Gpt:
        self.session.add(gpt)
        await self.session.flush()
        return gpt

    async def delete(self, gpt: Gpt) -> None:
        await SearchIndex(self.session).remove(gpt.id)
        await self.session.delete(gpt)
        await self.session.flush()

    # ----------------------------------------------------------------- versions

    async def versions(self, gpt_id: str) -> list[GptVersion]:
        return list(
            await self.session.scalars(
                select(GptVersion)
                .where(GptVersion.gpt_id == gpt_id)
                .order_by(GptVersion.number.desc())
            )
        )

    async def version(self, gpt_id: str, number: int) -> GptVersion | None:
        return await self.session.scalar(
            select(GptVersion).where(GptVersion.gpt_id == gpt_id, GptVersion.number == number)
        )

    async def next_version_number(self, gpt_id: str) -> int:
        latest = await self.session.scalar(
            select(func.max(GptVersion.number)).where(GptVersion.gpt_id == gpt_id)
        )
        return int(latest or 0) + 1

    async def add_version(self, version: GptVersion) -> GptVersion:
        self.session.add(version)
        await self.session.flush()
        return version

    # ------------------------------------------------------------------ actions

    async def actions(self, gpt_id: str, version: int = DRAFT) -> list[ActionRecord]:
        return list(
            await self.session.scalars(
                select(ActionRecord)
                .where(ActionRecord.gpt_id == gpt_id, ActionRecord.version == version)
                .order_by(ActionRecord.position, ActionRecord.id)
            )
        )

    async def actions_of(self, keys: Sequence[tuple[str, int]]) -> dict[str, list[ActionRecord]]:
        """Actions of several GPT versions at once, by GPT id (for listings)."""
        if not keys:
            return {}
        wanted = set(keys)
        rows = await self.session.scalars(
            select(ActionRecord)
            .where(ActionRecord.gpt_id.in_({gpt_id for gpt_id, _ in keys}))
            .order_by(ActionRecord.position, ActionRecord.id)
        )
        found: dict[str, list[ActionRecord]] = {gpt_id: [] for gpt_id, _ in keys}
        for row in rows:
            if (row.gpt_id, row.version) in wanted:
                found[row.gpt_id].append(row)
        return found

    async def action(self, gpt_id: str, action_id: str) -> ActionRecord | None:
        """A draft action of the GPT; another GPT's action id finds nothing."""
        return await self.session.scalar(
            select(ActionRecord).where(
                ActionRecord.gpt_id == gpt_id,
                ActionRecord.version == DRAFT,
                ActionRecord.action_id == action_id,
            )
        )

    async def add_action(self, record: ActionRecord) -> ActionRecord:
        if not record.position:
            highest = await self.session.scalar(
                select(func.max(ActionRecord.position)).where(
                    ActionRecord.gpt_id == record.gpt_id, ActionRecord.version == record.version
                )
            )
            record.position = int(highest or 0) + 1
        self.session.add(record)
        await self.session.flush()
        return record

    async def delete_action(self, record: ActionRecord) -> None:
        await self.session.delete(record)
        await self.session.flush()

    async def copy_actions(self, gpt_id: str, *, source: int, target: int) -> None:
        """Replace the actions of version ``target`` by copies of version ``source``'s."""
        await self.session.execute(
            delete(ActionRecord).where(
                ActionRecord.gpt_id == gpt_id, ActionRecord.version == target
            )
        )
        for row in await self.actions(gpt_id, source):
            self.session.add(_copy_action(row, gpt_id=gpt_id, version=target))
        await self.session.flush()

    async def copy_actions_to(self, source_gpt: str, target_gpt: str) -> None:
        """Give ``target_gpt``'s draft copies of ``source_gpt``'s draft actions (new ids)."""
        for row in await self.actions(source_gpt, DRAFT):
            copy = _copy_action(row, gpt_id=target_gpt, version=DRAFT)
            copy.action_id = new_id("a-", 12)
            self.session.add(copy)
        await self.session.flush()


_COPIED = (
    "action_id",
    "position",
    "schema_text",
    "source_url",
    "title",
    "host",
    "auth",
    "auth_secret",
    "privacy_policy_url",
    "enabled_operations",
    "server_url",
)


def _copy_action(row: ActionRecord, *, gpt_id: str, version: int) -> ActionRecord:
    values: dict[str, Any] = {name: getattr(row, name) for name in _COPIED}
    return ActionRecord(gpt_id=gpt_id, version=version, **values)
