"""The model provider set by the admin: chats use it (it wins over the environment), a
change reaches every process without a restart, and ``POST /api/v1/admin/model/test``
says whether it answers. The providers are fake OpenAI-compatible servers on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gptforge.web.app import create_app
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve
from tests.web.apis import echo_app
from tests.web.chat import KEY, allow_host, echo_gpt, new_conversation, send, text_of
from tests.web.conftest import BASE, assert_error

ADMIN_KEY = "sk-admin-provider-key-123"


def answering_app(expected_key: str, reply: str = "OK") -> Starlette:
    """Answers every chat request with ``reply``, or 401 for another key."""

    async def completions(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {expected_key}":
            return JSONResponse(
                {"error": {"message": "Incorrect API key provided", "type": "auth"}},
                status_code=401,
            )

        async def stream() -> AsyncIterator[str]:
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": reply}, "finish_reason": "stop"}],
            }
            yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@pytest.fixture
def fake_model() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(base URL, the requests it saw) of a fake model that calls ``whoAmI`` once."""
    app = fake_openai_app([("whoAmI", {"greeting": "hello"})])
    with serve(app) as url:
        yield f"{url}/v1", app.state.seen


@pytest.fixture
def other_model() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    app = fake_openai_app([])
    with serve(app) as url:
        yield f"{url}/v1", app.state.seen


@pytest.fixture
def echo_url() -> Iterator[str]:
    with serve(echo_app(KEY)) as url:
        yield url


async def _set(admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await admin.patch("/api/v1/admin/settings", json=fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _own_draft_chat(client: httpx.AsyncClient) -> str:
    gpt = await client.post("/api/v1/gpts", json={"name": "Plain"})
    return await new_conversation(client, gpt.json()["id"], draft=True)


async def test_chats_use_the_provider_the_admin_sets(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    fake_model: tuple[str, list[dict[str, Any]]],
    echo_url: str,
) -> None:
    url, seen = fake_model
    assert platform.provider is None  # nothing fixed: the settings decide
    settings = await _set(
        admin, provider_base_url=url, provider_api_key=ADMIN_KEY, provider_model="fake-model"
    )
    assert settings["provider_api_key_set"] is True and ADMIN_KEY not in json.dumps(settings)
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    events = await send(alice, await new_conversation(alice, gpt_id), "Say hello")
    finished = [e for e in events if e.kind == "tool_call_finished"]
    assert finished and finished[0].data["status"] == "ok"
    assert text_of(events).startswith("Here is what I found:")
    assert len(seen) == 2
    assert {s["authorization"] for s in seen} == {f"Bearer {ADMIN_KEY}"}
    assert {s["payload"]["model"] for s in seen} == {"fake-model"}


async def test_the_admin_settings_win_over_the_environment_until_cleared(
    platform: Platform,
    admin: httpx.AsyncClient,
    other_model: tuple[str, list[dict[str, Any]]],
) -> None:
    env_url, env_seen = other_model
    admin_app = fake_openai_app([])
    with serve(admin_app) as url:
        await _settings_win(platform, admin, env_url, env_seen, f"{url}/v1", admin_app.state.seen)


async def _settings_win(
    platform: Platform,
    admin: httpx.AsyncClient,
    env_url: str,
    env_seen: list[dict[str, Any]],
    admin_url: str,
    admin_seen: list[dict[str, Any]],
) -> None:
    platform.settings = platform.settings.model_copy(
        update={"openai_base_url": env_url, "openai_api_key": SecretStr("sk-env-key")}
    )
    conversation_id = await _own_draft_chat(admin)
    await send(admin, conversation_id, "one")
    assert [s["authorization"] for s in env_seen] == ["Bearer sk-env-key"]

    await _set(admin, provider_base_url=admin_url)  # a URL without a key
    await send(admin, conversation_id, "two")
    assert len(admin_seen) == 1 and len(env_seen) == 1
    assert admin_seen[0]["authorization"] != "Bearer sk-env-key"  # never sent elsewhere

    await _set(admin, provider_base_url=None)
    await send(admin, conversation_id, "three")
    assert len(env_seen) == 2 and len(admin_seen) == 1


async def test_a_change_reaches_every_process_without_a_restart(
    platform: Platform,
    settings: ServerSettings,
    admin: httpx.AsyncClient,
    other_model: tuple[str, list[dict[str, Any]]],
) -> None:
    url, seen = other_model
    await _set(admin, provider_base_url=url, provider_model="first")
    other_app = create_app(settings.model_copy(update={"provider_settings_ttl_seconds": 0}))
    other: Platform = other_app.state.platform
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other_app), base_url=BASE, cookies=admin.cookies
        ) as second:
            conversation_id = await _own_draft_chat(admin)
            await send(second, conversation_id, "on the second server")
            await send(admin, conversation_id, "on the first server")
            await _set(admin, provider_model="second")
            await send(second, conversation_id, "second server again")
            await send(admin, conversation_id, "first server again")
    finally:
        await other.turns.drain()
        await other.db.dispose()
    assert [s["payload"]["model"] for s in seen] == ["first", "first", "second", "second"]


class TestModelTest:
    async def test_reports_the_reply_of_a_working_provider(self, admin: httpx.AsyncClient) -> None:
        with serve(answering_app(ADMIN_KEY, "OK")) as url:
            await _set(admin, provider_base_url=f"{url}/v1", provider_api_key=ADMIN_KEY)
            response = await admin.post("/api/v1/admin/model/test")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True and body["reply"] == "OK" and body["error"] is None
        assert body["source"] == "admin" and body["provider"] == f"openai-compatible:{url}/v1"

    async def test_reports_a_refused_key_without_showing_it(self, admin: httpx.AsyncClient) -> None:
        with serve(answering_app("sk-the-right-one")) as url:
            await _set(admin, provider_base_url=f"{url}/v1", provider_api_key=ADMIN_KEY)
            response = await admin.post("/api/v1/admin/model/test")
        body = response.json()
        assert body["ok"] is False and "refused the API key" in body["error"]
        assert ADMIN_KEY not in response.text

    async def test_reports_an_unreachable_server(self, admin: httpx.AsyncClient) -> None:
        with serve(answering_app(ADMIN_KEY)) as url:
            pass  # the port is free again: nothing answers there
        await _set(admin, provider_base_url=f"{url}/v1")
        body = (await admin.post("/api/v1/admin/model/test")).json()
        assert body["ok"] is False and "Could not reach the model server" in body["error"]

    async def test_is_for_admins_only(
        self, alice: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        assert_error(await alice.post("/api/v1/admin/model/test"), 403, "admin_only")
        assert_error(await anonymous.post("/api/v1/admin/model/test"), 401)
