"""A client that leaves mid-turn: the turn still runs to its end and its answer is stored.

Runs a real server (uvicorn on loopback, its own platform on the test's database) so the
connection can really be dropped mid-stream.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import anyio
import httpx
import pytest

from gptforge.llm import ScriptedCall, ScriptedReply
from gptforge.web.app import create_app
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings
from tests.servers import serve
from tests.web.apis import ECHO_SPEC, echo_app
from tests.web.chat import KEY, SlowProvider, parse_sse
from tests.web.conftest import PASSWORD

ANSWER = "Stored even though you left."


@pytest.fixture
def echo_url() -> Iterator[str]:
    with serve(echo_app(KEY)) as url:
        yield url


def _chat_and_leave(base: str, echo_url: str) -> tuple[str, dict[str, object], str]:
    with httpx.Client(base_url=base, timeout=10) as client:
        client.post(
            "/api/v1/auth/signup",
            json={"email": "a@example.com", "password": PASSWORD, "display_name": "A"},
        ).raise_for_status()
        host = httpx.URL(echo_url)
        client.patch(
            "/api/v1/admin/settings", json={"allow_hosts": [f"{host.host}:{host.port}"]}
        ).raise_for_status()
        gpt = client.post("/api/v1/gpts", json={"name": "Slow", "description": "d"}).json()
        client.post(
            f"/api/v1/gpts/{gpt['id']}/actions",
            json={
                "schema": ECHO_SPEC,
                "server_url": echo_url,
                "auth": {"type": "api_key", "scheme": "bearer", "key": KEY},
            },
        ).raise_for_status()
        client.post(
            f"/api/v1/gpts/{gpt['id']}/publish", json={"visibility": "link"}
        ).raise_for_status()
        conversation = client.post(f"/api/v1/gpts/{gpt['id']}/conversations", json={}).json()
        url = f"/api/v1/conversations/{conversation['id']}"
        seen = ""
        with client.stream("POST", f"{url}/messages", json={"content": "greet"}) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                seen += line + "\n"
                if line.startswith("event: tool_call_started"):
                    break  # leave mid-turn: the connection closes here
        deadline = time.monotonic() + 20
        body: dict[str, object] = {}
        while time.monotonic() < deadline:
            body = client.get(url).json()
            if body["status"] == "idle":
                break
            time.sleep(0.1)
        events = client.get(f"{url}/events").text
        return seen, body, events


async def test_the_answer_is_stored_after_the_client_left(
    platform: Platform, settings: ServerSettings, echo_url: str
) -> None:
    app = create_app(settings)  # its own platform and engine, on the server's event loop
    server_platform: Platform = app.state.platform
    server_platform.provider = SlowProvider(
        [
            ScriptedReply(calls=(ScriptedCall(name="whoAmI", arguments={"greeting": "hi"}),)),
            ScriptedReply(text=ANSWER),
        ],
        delay=0.15,
    )
    with serve(app) as base:
        seen, body, events = await anyio.to_thread.run_sync(_chat_and_leave, base, echo_url)
    assert "event: tool_call_started" in seen and "event: done" not in seen
    assert body["status"] == "idle"
    messages = body["messages"]
    assert isinstance(messages, list) and messages[-1]["content"] == ANSWER
    stored = parse_sse(events)
    assert [e.kind for e in stored if e.kind != "text_delta"] == [
        "accepted",
        "tool_call_started",
        "tool_call_finished",
        "done",
    ]
