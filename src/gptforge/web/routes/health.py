"""``/healthz`` for load balancers: the process answers and the database too."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from gptforge.web.deps import DbSession, PlatformDep
from gptforge.web.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(session: DbSession, platform: PlatformDep) -> HealthOut:
    await session.execute(text("SELECT 1"))
    return HealthOut(status="ok", database=platform.db.dialect)
