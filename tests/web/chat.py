"""Helpers for chat tests: a published GPT with the echo action, SSE parsing, slow models."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from gptforge.llm import ProviderEvent, ScriptedProvider
from gptforge.llm.base import Message, ToolDefinition
from tests.web.apis import ECHO_SPEC

KEY = "sk-chat-canary-0123456789"


@dataclass
class Event:
    id: int
    kind: str
    data: dict[str, Any]


def parse_sse(text: str) -> list[Event]:
    """The events of a ``text/event-stream`` body (every field this server sends)."""
    events = []
    for block in text.strip().split("\n\n"):
        if not block.strip():
            continue
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            fields[name] = value
        events.append(Event(int(fields["id"]), fields["event"], json.loads(fields["data"])))
    return events


def after_accepted(events: list[Event]) -> list[Event]:
    """The turn's own events of a stream that started or resumed it: the server's
    ``accepted`` comes first (the message or decision is stored), then the turn's."""
    assert events and events[0].kind == "accepted", [e.kind for e in events[:3]]
    assert events[0].data == {"kind": "accepted"}
    return events[1:]


def kinds(events: list[Event]) -> list[str]:
    kept = [e.kind for e in events if e.kind != "text_delta"]
    return kept


def text_of(events: list[Event]) -> str:
    return "".join(e.data["text"] for e in events if e.kind == "text_delta")


async def allow_host(admin: httpx.AsyncClient, url: str) -> None:
    host = httpx.URL(url)
    response = await admin.patch(
        "/api/v1/admin/settings", json={"allow_hosts": [f"{host.host}:{host.port}"]}
    )
    assert response.status_code == 200, response.text


async def echo_gpt(
    owner: httpx.AsyncClient, echo_url: str, *, visibility: str | None = "link"
) -> str:
    """A GPT with the echo action (bearer key), published with ``visibility``."""
    gpt = await owner.post(
        "/api/v1/gpts",
        json={
            "name": "Echo helper",
            "description": "Echoes greetings",
            "instructions": "Use the echo API.",
            "conversation_starters": ["Say hi"],
            "returning_user_starters": ["Again?"],
        },
    )
    assert gpt.status_code == 201, gpt.text
    gpt_id = str(gpt.json()["id"])
    action = await owner.post(
        f"/api/v1/gpts/{gpt_id}/actions",
        json={
            "schema": ECHO_SPEC,
            "server_url": echo_url,
            "auth": {"type": "api_key", "scheme": "bearer", "key": KEY},
        },
    )
    assert action.status_code == 201, action.text
    if visibility is not None:
        published = await owner.post(
            f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": visibility}
        )
        assert published.status_code == 200, published.text
    return gpt_id


async def new_conversation(client: httpx.AsyncClient, gpt_id: str, draft: bool = False) -> str:
    response = await client.post(f"/api/v1/gpts/{gpt_id}/conversations", json={"draft": draft})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def send(client: httpx.AsyncClient, conversation_id: str, content: str) -> list[Event]:
    response = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": content}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return after_accepted(parse_sse(response.text))


class SlowProvider(ScriptedProvider):
    """A scripted model that waits ``delay`` seconds before each chunk (a slow model)."""

    def __init__(self, *args: Any, delay: float = 0.2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delay = delay

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        async for item in super().stream(messages, tools):
            await anyio.sleep(self.delay)
            yield item
