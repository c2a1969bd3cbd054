"""Admin settings of the built-in capabilities, and a browsing turn that uses them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.store import AdminSettingsRepository
from gptforge.web.capability_service import SEARCH_API_KEY
from gptforge.web.platform import Platform
from tests.capabilities.sites import Recorder, search_app, site_app
from tests.servers import serve
from tests.web.chat import allow_host, kinds, new_conversation, send
from tests.web.conftest import assert_error

URL = "/api/v1/admin/capabilities"


async def test_nothing_configured_says_what_to_set(admin: httpx.AsyncClient) -> None:
    body = (await admin.get(URL)).json()
    assert body["search"]["configured"] is False and body["search"]["api_key_set"] is False
    assert "GPTFORGE_SEARCH_PROVIDER" in body["search"]["status"]
    assert body["images"]["configured"] is False and body["images"]["model"] == "dall-e-3"
    assert "GPTFORGE_IMAGES_API_KEY" in body["images"]["status"]


async def test_keys_are_write_only_and_encrypted(
    platform: Platform, admin: httpx.AsyncClient
) -> None:
    response = await admin.put(
        URL,
        json={
            "search": {"provider": "brave", "api_key": "brave-secret-777"},
            "images": {
                "base_url": "http://gpu.internal:8080/v1",
                "api_key": "sk-img-888",
                "model": "flux",
            },
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "brave-secret-777" not in response.text and "sk-img-888" not in response.text
    assert body["search"] == {
        "provider": "brave",
        "url": None,
        "api_key_set": True,
        "configured": True,
        "status": "brave at https://api.search.brave.com/res/v1/web/search",
    }
    assert body["images"]["configured"] and body["images"]["model"] == "flux"
    assert body["images"]["status"] == "flux at http://gpu.internal:8080/v1/images/generations"
    async with platform.db.session() as session:
        row = await AdminSettingsRepository(session).get(SEARCH_API_KEY)
        assert row is not None and row.secret and "brave-secret-777" not in row.secret
        assert platform.secrets.decrypt(row.secret) == "brave-secret-777"

    # an empty key removes it; other fields stay
    removed = (await admin.put(URL, json={"images": {"api_key": ""}})).json()
    assert removed["images"]["api_key_set"] is False and removed["images"]["model"] == "flux"
    assert removed["search"]["api_key_set"] is True


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ({"provider": "searxng"}, "SearXNG needs its address"),
        ({"provider": "tavily"}, "Tavily needs an API key"),
        ({"provider": "searxng", "url": "searx:8080"}, "absolute http(s) URL"),
    ],
)
async def test_settings_that_cannot_work_are_refused(
    admin: httpx.AsyncClient, search: dict[str, str], expected: str
) -> None:
    error = assert_error(await admin.put(URL, json={"search": search}), 422)
    assert expected in error["message"]
    assert (await admin.get(URL)).json()["search"]["provider"] is None  # nothing was stored


async def test_only_admins(alice: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    assert_error(await alice.get(URL), 403)
    assert_error(await alice.put(URL, json={}), 403)
    assert_error(await anonymous.get(URL), 401)


@pytest.fixture
def searx() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()
    with serve(search_app(recorder)) as url:
        yield url, recorder


@pytest.fixture
def site() -> Iterator[str]:
    with serve(site_app()) as url:
        yield url


async def test_a_browsing_turn_searches_opens_a_page_and_cites_it(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    searx: tuple[str, Recorder],
    site: str,
) -> None:
    searx_url, recorder = searx
    await admin.put(URL, json={"search": {"provider": "searxng", "url": searx_url}})
    await allow_host(admin, site)  # the local page; the search host needs no entry
    gpt = await alice.post(
        "/api/v1/gpts",
        json={"name": "Researcher", "capabilities": {"web_browsing": True}},
    )
    conversation_id = await new_conversation(alice, gpt.json()["id"], draft=True)
    page = f"{site}/article"

    def model(messages: list[dict[str, object]], tools: list[dict[str, object]]) -> ScriptedReply:
        replies = [m for m in messages if m["role"] == "tool"]
        if not replies:
            return ScriptedReply(
                calls=(ScriptedCall(name="web_search", arguments={"query": "otters"}),)
            )
        if len(replies) == 1:
            return ScriptedReply(calls=(ScriptedCall(name="open_url", arguments={"url": page}),))
        content = str(replies[-1]["content"])
        title = content.split("Title: ", 1)[1].split("\n", 1)[0]
        return ScriptedReply(text=f"They hold hands to stay together [{title}]({page}).")

    platform.provider = ScriptedProvider(model)  # type: ignore[arg-type]
    events = await send(alice, conversation_id, "Why do otters hold hands?")

    assert kinds(events) == ["tool_call_started", "tool_call_finished"] * 2 + ["done"]
    search_done, page_done = [e for e in events if e.kind == "tool_call_finished"]
    assert search_done.data["status"] == "ok" and recorder.requests[0]["query"]["q"] == "otters"
    assert page_done.data["status"] == "ok"
    assert page_done.data["record"]["title"] == "Why otters hold hands"
    answer = "".join(e.data["text"] for e in events if e.kind == "text_delta")
    assert answer == f"They hold hands to stay together [Why otters hold hands]({page})."
    system = platform.provider.requests[0][0][0]["content"]  # type: ignore[attr-defined]
    assert "Cite every page you use" in str(system)
    assert "web_browsing" not in json.dumps(system)


async def test_builders_see_what_each_capability_can_do_here(
    admin: httpx.AsyncClient, alice: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    before = {c["name"]: c for c in (await alice.get("/api/v1/capabilities")).json()}
    assert before["web_browsing"]["available"] == "partly"
    assert "web search is not set up" in before["web_browsing"]["note"]
    assert before["image_generation"]["available"] == "no"
    await admin.put(
        URL,
        json={
            "search": {"provider": "searxng", "url": "http://searx.internal:8080"},
            "images": {"api_key": "sk-x-1234"},
        },
    )
    after = {c["name"]: c for c in (await alice.get("/api/v1/capabilities")).json()}
    assert after["web_browsing"]["available"] == "yes"
    assert after["image_generation"]["available"] == "yes"
    assert "searx.internal" not in json.dumps(after)  # builders do not see the setup
    assert_error(await anonymous.get("/api/v1/capabilities"), 401)
