"""gpt.yaml: loading, validation messages, secrets kept out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gptforge.demo import DEMO_GPT, DEMO_SPEC
from gptforge.errors import ConfigError
from gptforge.runtime import build_actions, load_gpt_file

REPO = Path(__file__).resolve().parents[2]


async def test_demo_gpt_loads_with_its_action() -> None:
    gpt, base = load_gpt_file(DEMO_GPT)
    assert gpt.name == "Weather helper" and len(gpt.conversation_starters) == 3
    actions = await build_actions(gpt, base)
    assert [t.name for t in actions[0].tools] == ["getCurrentWeather", "getForecast", "listCities"]
    assert actions[0].privacy_policy_url == "https://example.org/privacy"


def test_examples_match_the_bundled_demo() -> None:
    example = REPO / "examples" / "weather"
    assert (example / "gpt.yaml").read_text() == DEMO_GPT.read_text()
    assert (example / "weather.openapi.yaml").read_text() == DEMO_SPEC.read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: x\nactions: [{openapi: a.yaml, auth: {type: api_key, key: sk-123}}]\n",
            "puts a secret in gpt.yaml",
        ),
        (
            "name: x\nactions: [{openapi: a.yaml, auth: {type: api_key, scheme: spec, "
            "keys: {AppId: {key: sk-123}}}}]\n",
            "auth.keys.AppId.key puts a secret in gpt.yaml",
        ),
        ("name: x\ninstructions: " + "a" * 8001 + "\n", "instructions"),
        ("name: x\nconversation_starters: [a, b, c, d, e]\n", "conversation_starters"),
        ("name: x\nbogus: 1\n", "bogus"),
        ("- not a mapping\n", "must be a mapping"),
    ],
)
def test_bad_gpt_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gpt.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_gpt_file(path)


async def test_secrets_file_and_missing_operations(tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(DEMO_SPEC.read_text())
    (tmp_path / "secrets.yaml").write_text("key: from-secrets-file\n")
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: weather.yaml\n    auth: {type: api_key, scheme: bearer, secrets_file: secrets.yaml}\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    actions = await build_actions(gpt, base)
    assert actions[0].auth.secret() == "from-secrets-file"  # type: ignore[union-attr]
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: weather.yaml\n    operations: [nope]\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    with pytest.raises(ConfigError, match="nope"):
        await build_actions(gpt, base)


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ("{type: api_key}", "give the API key"),
        ("{type: api_key, scheme: custom, key_env: K}", "needs `header`"),
        ("{type: oauth, client_id: c}", "authorization_url"),
        ("{type: magic}", "auth"),
        ("{key_env: K}", "needs a `type:`"),
        ("{type: api_key, key_env: K, bogus: 1}", "bogus"),
    ],
)
def test_auth_is_checked_when_the_gpt_loads(tmp_path: Path, auth: str, message: str) -> None:
    (tmp_path / "gpt.yaml").write_text(
        f"name: x\nactions:\n  - openapi: weather.yaml\n    auth: {auth}\n"
    )
    with pytest.raises(ConfigError, match=message):
        load_gpt_file(tmp_path / "gpt.yaml")


def test_a_missing_secrets_file_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: weather.yaml\n"
        "    auth: {type: api_key, secrets_file: nope.yaml}\n"
    )
    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        load_gpt_file(tmp_path / "gpt.yaml")


async def test_an_empty_operations_list_offers_none(tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(DEMO_SPEC.read_text())
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: weather.yaml\n    operations: []\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    actions = await build_actions(gpt, base)
    assert actions[0].tools == []


async def test_action_ids_are_stable_and_unique(tmp_path: Path) -> None:
    """Tokens and "always allow" are kept by action id: it must not depend on order or title."""
    (tmp_path / "weather.yaml").write_text(DEMO_SPEC.read_text())
    (tmp_path / "renamed.yaml").write_text(
        DEMO_SPEC.read_text().replace("title: Demo Weather", "title: Renamed")
    )
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: weather.yaml\n    id: weather\n  - openapi: renamed.yaml\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    first, second = await build_actions(gpt, base)
    assert (first.id, second.id) == ("weather", "127.0.0.1")  # else the API's host
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: renamed.yaml\n  - openapi: weather.yaml\n    id: weather\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    assert [a.id for a in await build_actions(gpt, base)] == ["127.0.0.1", "weather"]
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: renamed.yaml\n  - openapi: weather.yaml\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    with pytest.raises(ConfigError, match="give each an `id:`"):
        await build_actions(gpt, base)


def test_bad_action_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "gpt.yaml").write_text("name: x\nactions:\n  - {openapi: a.yaml, id: 'a b/c'}\n")
    with pytest.raises(ConfigError, match="id"):
        load_gpt_file(tmp_path / "gpt.yaml")


async def test_a_secrets_file_fills_keys_per_spec_scheme(tmp_path: Path) -> None:
    (tmp_path / "weather.yaml").write_text(DEMO_SPEC.read_text())
    (tmp_path / "secrets.yaml").write_text("keys: {AppId: {key: id-from-file}}\n")
    (tmp_path / "gpt.yaml").write_text(
        "name: x\nactions:\n  - openapi: weather.yaml\n    auth: {type: api_key, scheme: spec, "
        "keys: {AppId: {}}, secrets_file: secrets.yaml}\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    actions = await build_actions(gpt, base)
    assert actions[0].auth.keys["AppId"].secret("AppId") == "id-from-file"  # type: ignore[union-attr]
