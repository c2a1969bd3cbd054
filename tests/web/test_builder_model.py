"""The GPT builder on the real embedded model (marked ``model``: slow, loads 1.1 GB)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gptforge.llm import EmbeddedProvider
from gptforge.settings import Settings
from gptforge.web.platform import Platform
from tests.web.chat import kinds, parse_sse

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedProvider]:
    settings = Settings()
    yield EmbeddedProvider(
        cache_dir=settings.model_cache_dir(),
        threads=settings.embedded_threads,
        context=settings.embedded_context,
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_embedded_model_fills_in_the_draft(
    platform: Platform, alice: httpx.AsyncClient, embedded: EmbeddedProvider
) -> None:
    platform.provider = embedded
    platform.settings.turn_stale_seconds = 600  # a loaded machine: the first load is slow
    gpt_id = (await alice.post("/api/v1/gpts", json={"name": "New GPT"})).json()["id"]

    response = await alice.post(
        f"/api/v1/gpts/{gpt_id}/builder/messages",
        json={"content": "Make a GPT that helps people plan meals"},
        timeout=900,
    )

    events = parse_sse(response.text)
    assert "tool_call_finished" in kinds(events), kinds(events)
    draft = (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()
    assert draft["name"] != "New GPT"
    assert "meal" in (draft["instructions"] + draft["description"]).lower()
    assert draft["conversation_starters"]
