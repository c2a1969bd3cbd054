"""Who may do what with conversations: owner, link holder, another user, anonymous."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gptforge.llm import ScriptedProvider, ScriptedReply
from gptforge.web.platform import Platform
from tests.servers import serve
from tests.web.apis import echo_app
from tests.web.chat import KEY, allow_host, echo_gpt, new_conversation, send, text_of
from tests.web.conftest import assert_error


@pytest.fixture
def echo_url() -> Iterator[str]:
    with serve(echo_app(KEY)) as url:
        yield url


def verbs(conversation_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/v1/conversations/{conversation_id}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"title": "Mine now"}),
        ("DELETE", base, None),
        ("POST", f"{base}/messages", {"content": "hi"}),
        ("GET", f"{base}/events", None),
        ("POST", f"{base}/calls/call_1/decision", {"decision": "allow"}),
    ]


async def call(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.request(method, url, json=body)


async def test_only_the_conversations_user_reaches_it(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)  # shared by link
    platform.provider = ScriptedProvider([ScriptedReply(text="Hi Bob.")])
    conversation_id = await new_conversation(bob, gpt_id)
    for method, url, body in verbs(conversation_id):
        assert_error(await call(anonymous, method, url, body), 401, "unauthenticated")
        # the GPT's builder and an administrator are other users here
        for other in (alice, admin):
            assert_error(await call(other, method, url, body), 404, "conversation_not_found")
    assert text_of(await send(bob, conversation_id, "hello")) == "Hi Bob."
    renamed = await bob.patch(f"/api/v1/conversations/{conversation_id}", json={"title": "Chat"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Chat"
    assert_error(
        await bob.patch(f"/api/v1/conversations/{conversation_id}", json={"gpt_id": "g-x"}), 422
    )
    assert (await bob.delete(f"/api/v1/conversations/{conversation_id}")).status_code == 204
    assert_error(await bob.get(f"/api/v1/conversations/{conversation_id}"), 404)


async def test_a_gpt_made_private_takes_its_conversations_away_at_once(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url, visibility="public")
    conversation_id = await new_conversation(bob, gpt_id)
    preview_id = await new_conversation(alice, gpt_id, draft=True)
    published = await alice.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "private"})
    assert published.status_code == 200, published.text

    for method, url, body in verbs(conversation_id):
        assert_error(await call(bob, method, url, body), 404, "conversation_not_found")
    assert (await bob.get("/api/v1/conversations")).json() == []
    assert (await alice.get(f"/api/v1/conversations/{preview_id}")).status_code == 200

    assert (await alice.delete(f"/api/v1/gpts/{gpt_id}")).status_code == 204
    assert_error(await alice.get(f"/api/v1/conversations/{preview_id}"), 404)


async def test_starting_a_conversation(
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    draft_only = await echo_gpt(alice, echo_url, visibility=None)
    url = f"/api/v1/gpts/{draft_only}/conversations"
    assert_error(await anonymous.post(url, json={"draft": False}), 401)
    assert_error(await bob.post(url, json={"draft": False}), 404, "gpt_not_found")
    assert_error(await alice.post(url, json={"draft": False}), 409, "gpt_not_published")
    preview = await alice.post(url, json={"draft": True})
    assert preview.status_code == 201 and preview.json()["draft"] is True

    shared = await echo_gpt(alice, echo_url, visibility="link")
    url = f"/api/v1/gpts/{shared}/conversations"
    assert_error(await bob.post(url, json={"draft": True}), 403)
    assert_error(await bob.post(url, json={"draft": False, "user_id": "u-x"}), 422)
    first = await bob.post(url, json={"draft": False})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["gpt_id"] == shared and body["title"] == "" and len(body["id"]) >= 24
    assert body["returning_user"] is False and body["starters"] == ["Say hi"]
    second = (await bob.post(url, json={})).json()
    assert second["returning_user"] is True and second["starters"] == ["Again?"]
    gpt = (await bob.get(f"/api/v1/gpts/{shared}")).json()
    assert gpt["conversation_count"] == 2
