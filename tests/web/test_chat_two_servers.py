"""Two servers on one database: a turn paused on one resumes on the other, and a stream
started on one resumes on the other (each server has its own platform: engine, turns and
model, so nothing is shared but the database)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.web.app import create_app
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings
from tests.servers import serve
from tests.web.apis import echo_app
from tests.web.chat import (
    KEY,
    after_accepted,
    allow_host,
    echo_gpt,
    new_conversation,
    parse_sse,
    send,
    text_of,
)
from tests.web.conftest import BASE


@pytest.fixture
def echo_url() -> Iterator[str]:
    with serve(echo_app(KEY)) as url:
        yield url


async def test_a_turn_paused_on_one_server_resumes_on_another(
    platform: Platform,
    settings: ServerSettings,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    echo_url: str,
) -> None:
    await allow_host(admin, echo_url)
    gpt_id = await echo_gpt(alice, echo_url)
    platform.provider = ScriptedProvider(
        [ScriptedReply(calls=(ScriptedCall(name="createItem", arguments={"name": "pen"}),))]
    )
    other_app = create_app(settings)
    other: Platform = other_app.state.platform
    other.provider = ScriptedProvider([ScriptedReply(text="Created on the second server.")])
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other_app),
            base_url=BASE,
            cookies=alice.cookies,
        ) as second:
            conversation_id = await new_conversation(alice, gpt_id)
            events = await send(alice, conversation_id, "Create a pen")
            assert events[-1].data["reason"] == "paused"
            call_id = events[0].data["call_id"]

            replayed = parse_sse(
                (await second.get(f"/api/v1/conversations/{conversation_id}/events")).text
            )
            assert [e.id for e in after_accepted(replayed)] == [e.id for e in events]

            resumed = await second.post(
                f"/api/v1/conversations/{conversation_id}/calls/{call_id}/decision",
                json={"decision": "allow"},
            )
            assert resumed.status_code == 200, resumed.text
            continued = after_accepted(parse_sse(resumed.text))
            assert continued[1].data["status"] == "ok"
            assert text_of(continued) == "Created on the second server."
            body = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
            assert body["status"] == "idle"
            assert body["messages"][-1]["content"] == "Created on the second server."
    finally:
        await other.db.dispose()
