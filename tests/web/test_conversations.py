"""Chat over HTTP: conversations, SSE turns with an action call, decisions, resume, recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import update

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.store import Conversation, utcnow
from gptforge.web.chat_service import recover_interrupted
from gptforge.web.platform import Platform
from tests.servers import serve
from tests.web.apis import echo_app
from tests.web.chat import (
    KEY,
    after_accepted,
    allow_host,
    echo_gpt,
    kinds,
    new_conversation,
    parse_sse,
    send,
    text_of,
)
from tests.web.conftest import assert_error


@pytest.fixture
def echo_server() -> Iterator[tuple[str, object]]:
    app = echo_app(KEY)
    with serve(app) as url:
        yield url, app


@pytest.fixture
def echo_url(echo_server: tuple[str, object]) -> str:
    return echo_server[0]


def script(*replies: ScriptedReply) -> ScriptedProvider:
    return ScriptedProvider(list(replies))


GREET = ScriptedReply(calls=(ScriptedCall(name="whoAmI", arguments={"greeting": "hello"}),))
CREATE = ScriptedReply(calls=(ScriptedCall(name="createItem", arguments={"name": "pen"}),))


async def test_a_turn_with_an_action_call_streams_and_stores_everything(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = script(GREET, ScriptedReply(text="The API says hello back."))
    conversation_id = await new_conversation(bob, gpt_id)  # bob holds the link

    events = await send(bob, conversation_id, "Greet the API please")

    assert kinds(events) == ["tool_call_started", "tool_call_finished", "done"]
    assert [e.id for e in events] == list(range(2, len(events) + 2))  # 1: ``accepted``
    finished = next(e for e in events if e.kind == "tool_call_finished")
    assert finished.data["status"] == "ok" and finished.data["http_status"] == 200
    assert finished.data["record"]["request_headers"]["authorization"] == "***"
    assert text_of(events) == "The API says hello back."
    assert events[-1].data == {"kind": "done", "reason": "completed"}

    response = await bob.get(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 200
    body = response.json()
    assert (
        body["status"] == "idle"
        and body["pending"] == []
        and body["last_event_id"] == events[-1].id
    )
    assert body["title"] == "Greet the API please"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "tool", "assistant"]
    assert body["messages"][-1]["content"] == "The API says hello back."
    assert body["calls"][0]["status"] == "ok"
    assert KEY not in response.text and all(KEY not in e.data.__repr__() for e in events)
    # the model never saw the key either
    assert KEY not in repr(platform.provider.requests)  # type: ignore[union-attr]

    listed = (await bob.get("/api/v1/conversations")).json()
    assert [c["id"] for c in listed] == [conversation_id]
    assert (await alice.get("/api/v1/conversations")).json() == []


async def test_a_consequential_call_pauses_until_allowed_or_denied(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    echo_server: tuple[str, object],
) -> None:
    echo_url, echo = echo_server
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = script(
        CREATE, ScriptedReply(text="Created."), CREATE, ScriptedReply(text="Not created.")
    )
    conversation_id = await new_conversation(bob, gpt_id)
    base = f"/api/v1/conversations/{conversation_id}"

    events = await send(bob, conversation_id, "Create a pen")
    assert kinds(events) == ["confirmation_required", "done"]
    asked = events[0].data
    assert asked["operation"] == "createItem" and asked["allow_always"] is False
    assert events[-1].data["reason"] == "paused"
    paused = (await bob.get(base)).json()
    assert paused["status"] == "paused"
    assert [p["call_id"] for p in paused["pending"]] == [asked["call_id"]]
    assert echo.state.created == []  # type: ignore[attr-defined]

    busy = await bob.post(f"{base}/messages", json={"content": "hello?"})
    assert_error(busy, 409, "decision_pending")
    other = await alice.post(
        f"{base}/calls/{asked['call_id']}/decision", json={"decision": "allow"}
    )
    assert_error(other, 404, "conversation_not_found")

    allowed = await bob.post(
        f"{base}/calls/{asked['call_id']}/decision", json={"decision": "allow"}
    )
    assert allowed.status_code == 200, allowed.text
    resumed = after_accepted(parse_sse(allowed.text))
    assert kinds(resumed) == ["tool_call_started", "tool_call_finished", "done"]
    assert resumed[0].id == events[-1].id + 2  # after the decision's ``accepted``
    assert resumed[1].data["status"] == "ok" and resumed[1].data["http_status"] == 201
    assert text_of(resumed) == "Created."
    assert echo.state.created == [{"name": "pen"}]  # type: ignore[attr-defined]

    again = await bob.post(f"{base}/calls/{asked['call_id']}/decision", json={"decision": "allow"})
    assert_error(again, 404, "call_not_found")

    events = await send(bob, conversation_id, "Another one")
    call_id = events[0].data["call_id"]
    denied = after_accepted(
        parse_sse(
            (await bob.post(f"{base}/calls/{call_id}/decision", json={"decision": "deny"})).text
        )
    )
    assert kinds(denied) == ["tool_call_finished", "done"]
    assert denied[0].data["status"] == "declined" and text_of(denied) == "Not created."
    assert echo.state.created == [{"name": "pen"}]  # type: ignore[attr-defined]
    assert (await bob.get(base)).json()["status"] == "idle"


async def test_always_allow_is_remembered_for_the_user(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo_url: str,
) -> None:
    """``whoAmI`` is a GET (never confirmed): ask-level tools are remembered in the DB."""
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url, visibility=None)
    conversation_id = await new_conversation(alice, gpt_id, draft=True)
    base = f"/api/v1/conversations/{conversation_id}"
    bad = await alice.post(f"{base}/calls/nope/decision", json={"decision": "always_allow"})
    assert_error(bad, 404, "call_not_found")
    bad_value = await alice.post(f"{base}/calls/nope/decision", json={"decision": "maybe"})
    assert_error(bad_value, 422)


async def test_the_stream_resumes_after_last_event_id(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = script(GREET, ScriptedReply(text="Hello from the API."))
    conversation_id = await new_conversation(alice, gpt_id)
    events = await send(alice, conversation_id, "hi")
    url = f"/api/v1/conversations/{conversation_id}/events"

    everything = after_accepted(parse_sse((await alice.get(url)).text))
    assert [(e.id, e.kind, e.data) for e in everything] == [(e.id, e.kind, e.data) for e in events]
    resumed = parse_sse((await alice.get(url, headers={"Last-Event-ID": "2"})).text)
    assert [e.id for e in resumed] == [e.id for e in events if e.id > 2]
    assert resumed[-1].kind == "done"
    assert (await alice.get(url, headers={"Last-Event-ID": str(events[-1].id)})).text == ""
    assert_error(await alice.get(url, headers={"Last-Event-ID": "x"}), 422)


async def test_a_server_stopped_mid_turn_leaves_it_interrupted(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo_url: str,
) -> None:
    """A turn left ``running`` by a dead process (stale heartbeat) is marked interrupted at
    start, with an error event, and the user's acknowledged message is kept."""
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = script(ScriptedReply(text="Back again."))
    conversation_id = await new_conversation(alice, gpt_id)
    async with platform.db.session() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.state = {"messages": [{"role": "user", "content": "lost?"}]}
        conversation.conversation_id = conversation_id  # type: ignore[attr-defined]
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(status="running", heartbeat_at=utcnow() - timedelta(minutes=5))
        )

    assert await recover_interrupted(platform) == 1
    assert await recover_interrupted(platform) == 0
    body = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert body["status"] == "interrupted"
    assert [m["content"] for m in body["messages"]] == ["lost?"]
    events = parse_sse((await alice.get(f"/api/v1/conversations/{conversation_id}/events")).text)
    assert kinds(events) == ["error", "done"] and "stopped" in events[0].data["message"]

    again = await send(alice, conversation_id, "hello again")
    assert text_of(again) == "Back again."
    messages = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()["messages"]
    assert [m["content"] for m in messages] == ["lost?", "hello again", "Back again."]


async def test_a_stale_running_turn_is_interrupted_when_a_stream_finds_it(
    platform: Platform, alice: httpx.AsyncClient, admin: httpx.AsyncClient, echo_url: str
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    conversation_id = await new_conversation(alice, gpt_id)
    async with platform.db.session() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(status="running", heartbeat_at=utcnow() - timedelta(minutes=5))
        )
    events = parse_sse((await alice.get(f"/api/v1/conversations/{conversation_id}/events")).text)
    assert kinds(events) == ["error", "done"]


async def test_a_resume_cut_short_can_be_decided_again(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = script(CREATE, ScriptedReply(text="Done now."))
    conversation_id = await new_conversation(alice, gpt_id)
    base = f"/api/v1/conversations/{conversation_id}"
    call_id = (await send(alice, conversation_id, "Create a pen"))[0].data["call_id"]
    async with platform.db.session() as session:  # the resuming server died mid-resume
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(status="running", heartbeat_at=utcnow() - timedelta(minutes=5))
        )
    assert await recover_interrupted(platform) == 1
    assert_error(await alice.post(f"{base}/messages", json={"content": "x"}), 409)
    again = await alice.post(f"{base}/calls/{call_id}/decision", json={"decision": "allow"})
    assert text_of(parse_sse(again.text)) == "Done now."


def peer_app() -> FastAPI:
    """The echo API's ``whoAmI`` that notes each call's client port and cookies, and
    sets a cookie of its own (as a session-keeping API would)."""
    app = FastAPI()
    app.state.calls = []

    @app.get("/whoami")
    def whoami(request: Request, response: Response, greeting: str) -> dict[str, str]:
        assert request.client is not None
        app.state.calls.append((request.client.port, request.headers.get("cookie")))
        response.set_cookie("session", f"for-{greeting}")
        return {"greeting": greeting}

    return app


async def test_turns_of_different_users_reuse_the_connection_but_never_a_cookie(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
) -> None:
    app = peer_app()
    with serve(app) as url:
        await allow_host(admin, url)
        gpt_id = await echo_gpt(alice, url)
        platform.provider = script(
            GREET, ScriptedReply(text="Hi."), GREET, ScriptedReply(text="Hi again.")
        )
        for client in (alice, bob):
            events = await send(client, await new_conversation(client, gpt_id), "Greet it")
            finished = next(e for e in events if e.kind == "tool_call_finished")
            assert finished.data["status"] == "ok"
    ports = [port for port, _ in app.state.calls]
    assert len(ports) == 2 and ports[0] == ports[1]  # one connection for both turns
    assert [cookie for _, cookie in app.state.calls] == [None, None]
