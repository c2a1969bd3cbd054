"""Which provider a GPT gets: its own `model:` choice on the operator's settings."""

from __future__ import annotations

import pytest

from gptforge.errors import ProviderError
from gptforge.llm import EmbeddedProvider, OpenAICompatibleProvider, provider_from_settings
from gptforge.settings import Settings


def test_a_gpt_names_its_model_and_temperature(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPTFORGE_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("GPTFORGE_MODEL", "operator-default")
    provider = provider_from_settings(Settings(), model="qwen2.5:7b", temperature=0.2)
    assert isinstance(provider, OpenAICompatibleProvider)
    assert (provider.model, provider.temperature) == ("qwen2.5:7b", 0.2)
    assert provider_from_settings(Settings()).model == "operator-default"  # type: ignore[attr-defined]


def test_a_gpt_can_ask_for_the_embedded_model_even_with_a_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    assert isinstance(provider_from_settings(Settings(), provider="embedded"), EmbeddedProvider)


def test_asking_for_openai_without_one_configured_says_what_to_set() -> None:
    with pytest.raises(ProviderError, match="OPENAI_API_KEY"):
        provider_from_settings(Settings(), provider="openai")
