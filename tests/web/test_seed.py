"""The demo GPT is published once; later starts only point its action at the demo API."""

from __future__ import annotations

from sqlalchemy import select

from gptforge.store import ActionRecord, Gpt
from gptforge.web.platform import Platform
from gptforge.web.seed import seed_demo


async def test_seeding_is_idempotent_and_follows_the_demo_port(platform: Platform) -> None:
    first = await seed_demo(platform, "http://127.0.0.1:8765")
    second = await seed_demo(platform, "http://127.0.0.1:9999")
    assert first == second
    async with platform.db.session() as session:
        gpts = list(await session.scalars(select(Gpt)))
        assert [(g.name, g.visibility, g.live_version) for g in gpts] == [
            ("Weather helper", "public", 1)
        ]
        urls = set(await session.scalars(select(ActionRecord.server_url)))
        assert urls == {"http://127.0.0.1:9999"}  # the draft and the live version
