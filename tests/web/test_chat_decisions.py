"""Several calls of one turn waiting for confirmation: each gets its own decision, and the
turn goes on (in any process) once the last one is in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.web.app import create_app
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings
from tests.servers import serve
from tests.web.apis import echo_app
from tests.web.chat import (
    KEY,
    allow_host,
    echo_gpt,
    kinds,
    new_conversation,
    parse_sse,
    send,
    text_of,
)
from tests.web.conftest import BASE, assert_error


@pytest.fixture
def echo() -> Iterator[tuple[str, FastAPI]]:
    app = echo_app(KEY)
    with serve(app) as url:
        yield url, app


def _two_orders() -> ScriptedProvider:
    return ScriptedProvider(
        [
            ScriptedReply(
                calls=(
                    ScriptedCall(name="createItem", arguments={"name": "pen"}, id="call_pen"),
                    ScriptedCall(name="createItem", arguments={"name": "cup"}, id="call_cup"),
                )
            ),
            ScriptedReply(text="The pen is ordered; the cup is not."),
        ]
    )


async def _decide(
    client: httpx.AsyncClient, conversation_id: str, call_id: str, decision: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/conversations/{conversation_id}/calls/{call_id}/decision",
        json={"decision": decision},
    )


async def test_each_pending_call_is_decided_and_the_last_decision_resumes_the_turn(
    platform: Platform,
    settings: ServerSettings,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo: tuple[str, FastAPI],
) -> None:
    echo_url, echo_api = echo
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = _two_orders()
    conversation_id = await new_conversation(alice, gpt_id)
    paused = await send(alice, conversation_id, "Order a pen and a cup")
    assert kinds(paused) == ["confirmation_required", "confirmation_required", "done"]

    first = await _decide(alice, conversation_id, "call_pen", "allow")
    assert first.status_code == 200, first.text
    noted = parse_sse(first.text)
    assert kinds(noted) == ["notice", "done"]
    assert (
        noted[0].data["code"] == "decisions_pending" and "1 more call" in noted[0].data["message"]
    )
    assert noted[1].data["reason"] == "paused"
    view = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert view["status"] == "paused"
    assert [p["call_id"] for p in view["pending"]] == ["call_pen", "call_cup"]
    assert echo_api.state.created == []  # nothing runs before every call is decided
    assert_error(
        await alice.post(
            f"/api/v1/conversations/{conversation_id}/messages", json={"content": "hello?"}
        ),
        409,
        "decision_pending",
    )

    # the last decision may come to another server process
    other_app = create_app(settings)
    other: Platform = other_app.state.platform
    other.provider = ScriptedProvider([ScriptedReply(text="The pen is ordered; the cup is not.")])
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other_app), base_url=BASE, cookies=alice.cookies
        ) as second:
            resumed = parse_sse((await _decide(second, conversation_id, "call_cup", "deny")).text)
    finally:
        await other.turns.drain()
        await other.db.dispose()
    finished = {e.data["call_id"]: e.data for e in resumed if e.kind == "tool_call_finished"}
    assert finished["call_pen"]["status"] == "ok" and finished["call_cup"]["status"] == "declined"
    assert text_of(resumed) == "The pen is ordered; the cup is not."
    assert resumed[-1].data["reason"] == "completed"
    assert echo_api.state.created == [{"name": "pen"}]
    view = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert view["status"] == "idle" and view["pending"] == []


async def test_a_decision_can_be_changed_until_the_last_one_is_in(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo: tuple[str, FastAPI],
) -> None:
    echo_url, echo_api = echo
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = _two_orders()
    conversation_id = await new_conversation(alice, gpt_id)
    await send(alice, conversation_id, "Order a pen and a cup")
    await _decide(alice, conversation_id, "call_pen", "allow")
    again = parse_sse((await _decide(alice, conversation_id, "call_pen", "deny")).text)
    assert kinds(again) == ["notice", "done"]
    resumed = parse_sse((await _decide(alice, conversation_id, "call_cup", "allow")).text)
    finished = {
        e.data["call_id"]: e.data["status"] for e in resumed if e.kind == "tool_call_finished"
    }
    assert finished == {"call_pen": "declined", "call_cup": "ok"}
    assert echo_api.state.created == [{"name": "cup"}]
