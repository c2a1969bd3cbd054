"""A GPT's own model choice: the editor lists what the server offers (``GET /api/v1/models``),
the draft and each published version keep the choice, chats use it, gpt.yaml carries it.
The model server is a fake OpenAI-compatible one on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from gptforge.web.platform import Platform
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve
from tests.web.chat import new_conversation, send
from tests.web.conftest import assert_error

ADMIN_KEY = "sk-model-choice-key-77"
BIG = {"provider": "openai", "model": "big-model", "temperature": 0.3}


@pytest.fixture
def model_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(base URL, requests seen) of a model server that lists two models."""
    app = fake_openai_app([], models=("small-model", "big-model"))
    with serve(app) as url:
        yield f"{url}/v1", app.state.seen


async def _configure(admin: httpx.AsyncClient, url: str) -> None:
    response = await admin.patch(
        "/api/v1/admin/settings",
        json={
            "provider_base_url": url,
            "provider_api_key": ADMIN_KEY,
            "provider_model": "small-model",
        },
    )
    assert response.status_code == 200, response.text


async def _gpt(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/gpts",
        json={"name": "Chooser", "description": "Picks a model", **fields},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_the_model_list_offers_the_default_the_offline_model_and_the_servers_models(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    model_server: tuple[str, list[dict[str, Any]]],
) -> None:
    bare = (await alice.get("/api/v1/models")).json()
    assert [(c["provider"], c["model"]) for c in bare["choices"]] == [
        ("auto", None),
        ("embedded", None),
    ]
    assert "offline" in bare["choices"][0]["label"]

    url, _seen = model_server
    await _configure(admin, url)
    response = await alice.get("/api/v1/models")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(c["provider"], c["model"]) for c in body["choices"]] == [
        ("auto", None),
        ("embedded", None),
        ("openai", "small-model"),
        ("openai", "big-model"),
    ]
    assert body["choices"][0]["label"] == "Server default (small-model)"
    assert body["note"] is None and ADMIN_KEY not in response.text


async def test_an_unreachable_model_server_still_offers_its_configured_model(
    platform: Platform, admin: httpx.AsyncClient, alice: httpx.AsyncClient
) -> None:
    with serve(fake_openai_app([])) as url:
        pass  # nothing listens there any more
    await _configure(admin, f"{url}/v1")
    response = await alice.get("/api/v1/models")
    body = response.json()
    assert ("openai", "small-model") in [(c["provider"], c["model"]) for c in body["choices"]]
    assert "Could not reach the model server" in body["note"]
    assert ADMIN_KEY not in response.text


async def test_models_need_a_signed_in_user(anonymous: httpx.AsyncClient) -> None:
    assert_error(await anonymous.get("/api/v1/models"), 401)


async def test_chats_use_the_model_the_gpt_asks_for_in_the_draft_and_the_published_version(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    model_server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, seen = model_server
    await _configure(admin, url)
    default = await _gpt(alice)
    assert default["model"] == {"provider": "auto", "model": None, "temperature": None}
    chosen = await _gpt(alice, model=BIG)
    assert chosen["model"] == BIG

    await send(alice, await new_conversation(alice, default["id"], draft=True), "hi")
    await send(alice, await new_conversation(alice, chosen["id"], draft=True), "hi")
    assert [s["payload"]["model"] for s in seen] == ["small-model", "big-model"]
    assert "temperature" not in seen[0]["payload"]
    assert seen[1]["payload"]["temperature"] == 0.3
    assert {s["authorization"] for s in seen} == {f"Bearer {ADMIN_KEY}"}

    published = await alice.post(
        f"/api/v1/gpts/{chosen['id']}/publish", json={"visibility": "private"}
    )
    assert published.status_code == 200, published.text
    # the draft moves on; the live version keeps the model it was published with
    patched = await alice.patch(
        f"/api/v1/gpts/{chosen['id']}",
        json={"model": {"provider": "openai", "model": "small-model"}},
    )
    assert patched.json()["model"]["model"] == "small-model"
    events = await send(alice, await new_conversation(alice, chosen["id"]), "live")
    assert events[-1].data["reason"] == "completed"
    assert seen[-1]["payload"]["model"] == "big-model"

    restored = await alice.post(f"/api/v1/gpts/{chosen['id']}/versions/1/restore")
    assert restored.status_code == 200, restored.text
    assert (await alice.get(f"/api/v1/gpts/{chosen['id']}")).json()["model"] == BIG


async def test_asking_for_a_server_model_where_none_is_configured_says_what_to_set(
    platform: Platform, alice: httpx.AsyncClient
) -> None:
    gpt = await _gpt(alice, model={"provider": "openai", "model": "gpt-4o"})
    events = await send(alice, await new_conversation(alice, gpt["id"], draft=True), "hi")
    errors = [e for e in events if e.kind == "error"]
    assert errors and "none is configured" in errors[0].data["message"]
    assert events[-1].kind == "done"


async def test_a_bad_model_choice_is_refused_with_the_field_named(
    alice: httpx.AsyncClient,
) -> None:
    gpt = await _gpt(alice)
    for bad in (
        {"provider": "anthropic"},
        {"provider": "openai", "temperature": 7},
        {"provider": "openai", "weights": "x"},
    ):
        response = await alice.patch(f"/api/v1/gpts/{gpt['id']}", json={"model": bad})
        assert_error(response, 422)
        assert "model" in json.dumps(response.json()["error"])
    assert (await alice.get(f"/api/v1/gpts/{gpt['id']}")).json()["model"]["provider"] == "auto"


async def test_gpt_yaml_carries_the_model_choice_both_ways(alice: httpx.AsyncClient) -> None:
    gpt = await _gpt(alice, model=BIG)
    exported = await alice.get(f"/api/v1/gpts/{gpt['id']}/export")
    assert exported.status_code == 200, exported.text
    document = yaml.safe_load(exported.text)
    assert document["model"] == BIG
    plain = yaml.safe_load(
        (await alice.get(f"/api/v1/gpts/{(await _gpt(alice))['id']}/export")).text
    )
    assert "model" not in plain  # the default is not written out

    imported = await alice.post(
        "/api/v1/gpts/import", content=exported.text, headers={"Content-Type": "application/yaml"}
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["gpt"]["model"] == BIG
