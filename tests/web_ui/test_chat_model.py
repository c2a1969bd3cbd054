"""The demo GPT with the real embedded model, in the browser (marked ``model``: slow)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gptforge.llm import EmbeddedProvider
from gptforge.settings import Settings
from tests.web_ui.conftest import LiveServer, chat_as

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedProvider]:
    settings = Settings()
    yield EmbeddedProvider(
        cache_dir=settings.model_cache_dir(),
        threads=settings.embedded_threads,
        context=settings.embedded_context,
    )


def test_the_demo_gpt_answers_with_the_embedded_model(
    page: Any, live_server: LiveServer, embedded: EmbeddedProvider
) -> None:
    live_server.use_provider(embedded)
    chat_as(page, live_server, live_server.demo_gpt_id)
    page.get_by_role("button", name="What's the weather in Paris?").click()
    page.get_by_role("button", name="Copy").wait_for(timeout=300_000)

    chip = page.locator("details.chip summary")
    assert chip.first.inner_text() == "Talked to 127.0.0.1"
    truth = httpx.get(f"{live_server.demo_api_url}/weather/current", params={"city": "Paris"})
    answer = page.locator(".message-assistant .bubble").last.inner_text()
    assert str(truth.json()["temperature_c"]) in answer
