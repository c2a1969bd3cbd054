"""Chat rate limits on GPTs whose actions spend their builder's API key: per user and per
GPT, counted in the database (every server process counts the same), 429 with
``Retry-After`` when exceeded; OAuth and no-auth GPTs, and the builder, are not limited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gptforge.llm import ScriptedProvider, ScriptedReply
from gptforge.llm.base import Message, ToolDefinition
from gptforge.web.app import create_app
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings
from tests.web.apis import ECHO_SPEC
from tests.web.chat import echo_gpt, new_conversation, send
from tests.web.conftest import BASE, ClientFactory, assert_error, signup

NOWHERE = "http://127.0.0.1:9"
"""The actions are never called here: every reply is plain text."""


def _reply(messages: list[Message], tools: list[ToolDefinition]) -> ScriptedReply:
    return ScriptedReply(text=f"re: {messages[-1]['content']}")


@pytest.fixture
def limited(platform: Platform) -> Platform:
    platform.provider = ScriptedProvider(_reply)
    platform.settings = platform.settings.model_copy(
        update={"chat_limit_user_per_gpt": 2, "chat_limit_per_gpt": 3}
    )
    return platform


async def _post(client: httpx.AsyncClient, conversation_id: str, text: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": text}
    )


async def _gpt_with_auth(owner: httpx.AsyncClient, auth: dict[str, Any]) -> str:
    gpt = (await owner.post("/api/v1/gpts", json={"name": "G", "description": "d"})).json()
    action = await owner.post(
        f"/api/v1/gpts/{gpt['id']}/actions",
        json={"schema": ECHO_SPEC, "server_url": NOWHERE, "auth": auth},
    )
    assert action.status_code == 201, action.text
    published = await owner.post(f"/api/v1/gpts/{gpt['id']}/publish", json={"visibility": "link"})
    assert published.status_code == 200, published.text
    return str(gpt["id"])


async def test_a_user_is_limited_per_gpt_and_told_when_to_retry(
    limited: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    gpt_id = await echo_gpt(alice, NOWHERE)
    first = await new_conversation(bob, gpt_id)
    for text in ("one", "two"):
        assert (await send(bob, first, text))[-1].data["reason"] == "completed"
    refused = await _post(bob, first, "three")
    error = assert_error(refused, 429, "chat_rate_limited")
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    assert error["details"] == {
        "scope": "user",
        "limit": 2,
        "window_seconds": 3600,
        "retry_after": retry_after,
    }
    assert "2 messages in an hour" in error["message"] and "Try again in" in error["message"]

    # per user and GPT, not per conversation; the refused message was not kept
    second = await new_conversation(bob, gpt_id)
    assert_error(await _post(bob, second, "again"), 429, "chat_rate_limited")
    kept = (await bob.get(f"/api/v1/conversations/{first}")).json()
    assert [m["content"] for m in kept["messages"] if m["role"] == "user"] == ["one", "two"]
    assert kept["status"] == "idle"

    # the builder chats with their own GPT (and its draft) without a limit
    own = await new_conversation(alice, gpt_id)
    for text in ("a", "b", "c", "d"):
        assert (await send(alice, own, text))[-1].data["reason"] == "completed"


async def test_all_users_together_are_limited_per_gpt(
    limited: Platform,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    clients: ClientFactory,
) -> None:
    carol = clients()
    await signup(carol, "carol@example.com", "Carol")
    gpt_id = await echo_gpt(alice, NOWHERE)
    bobs = await new_conversation(bob, gpt_id)
    carols = await new_conversation(carol, gpt_id)
    await send(bob, bobs, "one")
    await send(bob, bobs, "two")
    await send(carol, carols, "three")
    error = assert_error(await _post(carol, carols, "four"), 429, "chat_rate_limited")
    assert error["details"]["scope"] == "gpt" and error["details"]["limit"] == 3
    other_gpt = await echo_gpt(alice, NOWHERE)  # each GPT counts on its own
    assert (await send(carol, await new_conversation(carol, other_gpt), "hi"))[-1].kind == "done"


@pytest.mark.parametrize(
    "auth",
    [
        {"type": "none"},
        {
            "type": "oauth",
            "client_id": "cid",
            "client_secret": "cs",
            "authorization_url": "https://auth.example.com/authorize",
            "token_url": "https://auth.example.com/token",
        },
    ],
    ids=["none", "oauth"],
)
async def test_gpts_without_the_builders_key_are_not_limited(
    limited: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient, auth: dict[str, Any]
) -> None:
    gpt_id = await _gpt_with_auth(alice, auth)
    conversation_id = await new_conversation(bob, gpt_id)
    for text in ("1", "2", "3", "4"):
        assert (await send(bob, conversation_id, text))[-1].data["reason"] == "completed"


async def test_every_server_process_counts_against_the_same_limit(
    limited: Platform,
    settings: ServerSettings,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
) -> None:
    gpt_id = await echo_gpt(alice, NOWHERE)
    other_app = create_app(settings.model_copy(update={"chat_limit_user_per_gpt": 2}))
    other: Platform = other_app.state.platform
    other.provider = ScriptedProvider(_reply)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other_app), base_url=BASE, cookies=bob.cookies
        ) as second:
            conversation_id = await new_conversation(bob, gpt_id)
            await send(bob, conversation_id, "on the first server")
            await send(second, conversation_id, "on the second server")
            assert_error(await _post(second, conversation_id, "again"), 429, "chat_rate_limited")
            assert_error(await _post(bob, conversation_id, "again"), 429, "chat_rate_limited")
    finally:
        await other.turns.drain()
        await other.db.dispose()
