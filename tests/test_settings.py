"""Operator settings from the environment."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from gptforge.errors import ConfigError
from gptforge.llm import EmbeddedProvider, OpenAICompatibleProvider, provider_from_settings
from gptforge.settings import Settings, load_settings
from gptforge.web.settings import load_server_settings


def test_allow_hosts_from_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPTFORGE_ALLOW_HOSTS", "api.internal:8443, 10.0.0.0/8")
    policy = Settings().egress_policy()
    assert (
        policy.refusal(host="api.internal", address=ipaddress.ip_address("192.168.1.2"), port=8443)
        is None
    )
    assert policy.refusal(host="x", address=ipaddress.ip_address("10.2.3.4"), port=80) is None
    assert (
        policy.refusal(host="127.0.0.1", address=ipaddress.ip_address("127.0.0.1"), port=8765)
        is None
    )


def test_demo_api_allowance_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPTFORGE_ALLOW_DEMO_API", "false")
    policy = Settings().egress_policy()
    assert (
        policy.refusal(host="127.0.0.1", address=ipaddress.ip_address("127.0.0.1"), port=8765)
        is not None
    )


def test_provider_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(provider_from_settings(Settings()), EmbeddedProvider)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    provider = provider_from_settings(Settings())
    assert isinstance(provider, OpenAICompatibleProvider) and provider.model == "gpt-4o-mini"
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("GPTFORGE_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("GPTFORGE_MODEL", "llama3.1")
    provider = provider_from_settings(Settings())
    assert isinstance(provider, OpenAICompatibleProvider) and provider.model == "llama3.1"
    assert provider.max_tools is None


def test_a_dotenv_in_the_current_directory_is_never_read(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from gptforge.settings import load_settings

    Path(".env").write_text(
        "GPTFORGE_ALLOW_HOSTS=0.0.0.0/0,::/0\nOPENAI_BASE_URL=http://evil.example/v1\n"
        "GPTFORGE_OPENAI_BASE_URL=http://evil.example/v1\n"
    )
    settings = load_settings()
    assert settings.allow_hosts == [] and settings.openai_base_url is None
    assert (
        settings.egress_policy().refusal(
            host="10.0.0.1", address=ipaddress.ip_address("10.0.0.1"), port=80
        )
        is not None
    )


def test_an_env_file_is_read_only_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from gptforge.errors import ConfigError
    from gptforge.settings import load_settings

    Path("ops.env").write_text("GPTFORGE_ALLOW_HOSTS=api.internal:8443\n")
    monkeypatch.setenv("GPTFORGE_ENV_FILE", "ops.env")
    assert load_settings().allow_hosts == ["api.internal:8443"]
    monkeypatch.setenv("GPTFORGE_ENV_FILE", "missing.env")
    with pytest.raises(ConfigError, match="GPTFORGE_ENV_FILE"):
        load_settings()


def test_the_demo_allowance_follows_the_demo_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPTFORGE_DEMO_API_PORT", "18765")
    policy = Settings().egress_policy()
    loopback = ipaddress.ip_address("127.0.0.1")
    assert policy.refusal(host="127.0.0.1", address=loopback, port=18765) is None
    assert policy.refusal(host="127.0.0.1", address=loopback, port=8765) is not None


def test_one_source_for_default_limits() -> None:
    from gptforge.actions import ActionExecutor
    from gptforge.actions.results import MAX_RESULT_CHARS
    from gptforge.egress import EgressClient, EgressLimits

    settings = Settings()
    assert settings.egress_limits() == EgressLimits()
    assert settings.action_max_result_chars == MAX_RESULT_CHARS
    assert ActionExecutor(egress=EgressClient()).max_result_chars == MAX_RESULT_CHARS


def test_the_time_zone_of_todays_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPTFORGE_TIMEZONE", "Pacific/Kiritimati")  # UTC+14
    now = load_settings().clock()()
    assert now.utcoffset() == timedelta(hours=14)
    monkeypatch.delenv("GPTFORGE_TIMEZONE")
    assert load_settings().clock()().utcoffset() is not None  # the server's local zone


@pytest.mark.parametrize("bad", ["Mars/Olympus", "../../etc/passwd", "Europe/"])
def test_a_bad_setting_names_the_variable_and_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("GPTFORGE_TIMEZONE", bad)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "GPTFORGE_TIMEZONE" in caught.value.message
    assert "Europe/Berlin" in caught.value.message
    monkeypatch.delenv("GPTFORGE_TIMEZONE")
    monkeypatch.setenv("GPTFORGE_DEMO_API_PORT", "abc")
    with pytest.raises(ConfigError, match="GPTFORGE_DEMO_API_PORT: Input should be a valid"):
        load_settings()
    with pytest.raises(ConfigError, match="GPTFORGE_DEMO_API_PORT"):
        load_server_settings()
