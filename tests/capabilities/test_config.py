"""Capability settings from the environment: what is configured, and what to set."""

from __future__ import annotations

import pytest

from gptforge.capabilities import builtin_toolsets
from gptforge.egress import EgressLimits, EgressPolicy
from gptforge.settings import Settings


def test_environment_variables_configure_search_and_images(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GPTFORGE_SEARCH_PROVIDER", "tavily")
    monkeypatch.setenv("GPTFORGE_SEARCH_API_KEY", "tvly-secret-1")
    monkeypatch.setenv("GPTFORGE_IMAGES_API_KEY", "sk-secret-2")
    config = Settings().capability_config()
    assert config.search.endpoint() == "https://api.tavily.com/search"
    assert config.images.endpoint() == "https://api.openai.com/v1/images/generations"
    assert config.images.model == "dall-e-3"
    assert "secret" not in repr(config)


def test_empty_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPTFORGE_SEARCH_PROVIDER", "")
    monkeypatch.setenv("GPTFORGE_IMAGES_BASE_URL", " ")
    config = Settings().capability_config()
    assert not config.search.configured and not config.images.configured
    assert config.max_page_chars == 20_000


def test_only_enabled_capabilities_join() -> None:
    def keys(**enabled: bool) -> list[str]:
        toolsets = builtin_toolsets(
            Settings().capability_config(),
            policy=EgressPolicy(),
            limits=EgressLimits(),
            **enabled,
        )
        return [t.key for t in toolsets]

    assert keys() == []
    assert keys(web_browsing=True) == ["capability:web_browsing"]
    assert keys(web_browsing=True, image_generation=True) == [
        "capability:web_browsing",
        "capability:image_generation",
    ]
