"""The demo "Weather helper" GPT, published on first start and kept pointing at the demo API."""

from __future__ import annotations

from sqlalchemy import update

from gptforge.demo import DEMO_GPT, DEMO_SPEC
from gptforge.runtime.gpt import load_gpt_file
from gptforge.store import (
    ActionRecord,
    AdminSettingsRepository,
    GptRepository,
    UserRepository,
)
from gptforge.web import action_service, gpt_service
from gptforge.web.platform import Platform

DEMO_GPT_KEY = "demo_gpt_id"
DEMO_OWNER_EMAIL = "demo@gptforge.invalid"
UNUSABLE_PASSWORD = "!"
"""Not an argon2 hash, so nobody can sign in as the demo owner."""


async def seed_demo(platform: Platform, demo_api_url: str) -> str:
    """Publish the demo GPT once; on later starts only point its action at ``demo_api_url``."""
    async with platform.db.session() as session:
        settings = AdminSettingsRepository(session)
        existing = await settings.value(DEMO_GPT_KEY)
        repo = GptRepository(session)
        if isinstance(existing, str) and await repo.exists(existing):
            await session.execute(
                update(ActionRecord)
                .where(ActionRecord.gpt_id == existing)
                .values(server_url=demo_api_url)
            )
            return existing
        users = UserRepository(session)
        owner = await users.by_email(DEMO_OWNER_EMAIL) or await users.create(
            email=DEMO_OWNER_EMAIL,
            display_name="gptforge demo",
            password_hash=UNUSABLE_PASSWORD,
            is_admin=False,
        )
        definition, _base = load_gpt_file(DEMO_GPT)
        gpt = await gpt_service.create(
            session, owner, gpt_service.draft_from_definition(definition, category="lifestyle")
        )
        action = definition.actions[0]
        record = ActionRecord(
            gpt_id=gpt.id,
            schema_text=DEMO_SPEC.read_text(),
            server_url=demo_api_url,
            privacy_policy_url=action.privacy_policy_url,
            auth={"type": "none"},
        )
        action_service.apply_spec(record, action_service.spec_of(record))
        await repo.add_action(record)
        await gpt_service.publish(session, gpt, "public")
        await settings.set_value(DEMO_GPT_KEY, gpt.id)
        return gpt.id
