"""What the built-in capabilities can do on this server, for the GPT editor's checkboxes."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from gptforge.web import capability_service as caps
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep

router = APIRouter(tags=["capabilities"])

CapabilityName = Literal["web_browsing", "image_generation", "code_interpreter", "knowledge"]


class CapabilityOut(BaseModel):
    name: CapabilityName
    available: Literal["yes", "partly", "no"]
    note: str
    """What works and what does not, in words a builder can act on (ask the administrator)."""


@router.get("/capabilities")
async def list_capabilities(
    _subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> list[CapabilityOut]:
    """Each capability a GPT can enable, and whether this server is set up for it."""
    config = await caps.capability_config(platform, session)
    search = config.search.configured
    images = config.images.configured
    extra = caps.CAPABILITY_FACTORIES
    async with platform.db.away(session):  # may start a sandbox to see that it works
        sandbox = await asyncio.to_thread(caps.code_interpreter(platform).available)
    return [
        CapabilityOut(
            name="web_browsing",
            available="yes" if search else "partly",
            note="Searches the web and opens pages."
            if search
            else "Opens pages the user names; web search is not set up by the administrator.",
        ),
        CapabilityOut(
            name="image_generation",
            available="yes" if images else "no",
            note="Generates images shown in the chat."
            if images
            else "No images API is set up by the administrator.",
        ),
        CapabilityOut(
            name="code_interpreter",
            available="no" if sandbox else "yes",
            note=f"Code cannot run on this server: {sandbox}"
            if sandbox
            else "Runs Python (numpy, pandas, matplotlib) in a sandbox with no network.",
        ),
        CapabilityOut(
            name="knowledge",
            available="yes" if "knowledge" in extra else "no",
            note="Available." if "knowledge" in extra else "Not available on this server yet.",
        ),
    ]
