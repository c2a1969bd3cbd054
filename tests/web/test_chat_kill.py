"""``kill -9`` mid-turn, then restart: the turn is marked interrupted, nothing acknowledged
is lost (a real ``gptforge serve`` process, with a model that never finishes its answer)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from tests.servers import serve
from tests.web.chat import parse_sse
from tests.web.conftest import PASSWORD
from tests.web.test_serve import server_process


def stuck_model() -> Starlette:
    """An OpenAI-compatible server that starts an answer and never ends it."""

    async def completions(request: Request) -> StreamingResponse:
        await request.body()

        async def stream() -> AsyncIterator[str]:
            delta = {"role": "assistant", "content": "Thinking"}
            body = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
            body["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
            yield f"data: {json.dumps(body)}\n\n"
            await asyncio.sleep(3600)

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@pytest.fixture
def model_url() -> Iterator[str]:
    with serve(stuck_model()) as url:
        yield url


def test_kill_9_mid_turn_then_restart_marks_it_interrupted(tmp_path: Path, model_url: str) -> None:
    data_dir = tmp_path / "served"
    env = {
        "GPTFORGE_OPENAI_BASE_URL": f"{model_url}/v1",
        "OPENAI_API_KEY": "sk-fake",
        "GPTFORGE_TURN_STALE_SECONDS": "2",
    }
    with server_process(data_dir, env) as (url, _demo, process):
        client = httpx.Client(base_url=url, timeout=10)
        client.post(
            "/api/v1/auth/signup",
            json={"email": "me@example.com", "password": PASSWORD, "display_name": "Me"},
        ).raise_for_status()
        token = client.post("/api/v1/tokens", json={"name": "t"}).json()["token"]
        gpt = client.post("/api/v1/gpts", json={"name": "Mine"}).json()
        conversation = client.post(
            f"/api/v1/gpts/{gpt['id']}/conversations", json={"draft": True}
        ).json()
        path = f"/api/v1/conversations/{conversation['id']}"
        with client.stream("POST", f"{path}/messages", json={"content": "keep me"}) as response:
            for line in response.iter_lines():
                if line.startswith("event: text_delta"):
                    break
            process.kill()  # kill -9, mid-turn
            process.wait(timeout=10)
        client.close()
    headers = {"Authorization": f"Bearer {token}"}
    with (
        server_process(data_dir, env) as (url, _demo, _process),
        httpx.Client(base_url=url, headers=headers, timeout=10) as client,
    ):
        deadline = time.monotonic() + 30
        body = client.get(path).json()
        while body["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            body = client.get(path).json()
        assert body["status"] == "interrupted"
        assert [m["content"] for m in body["messages"]] == ["keep me"]
        events = parse_sse(client.get(f"{path}/events").text)
        kept = [e.kind for e in events if e.kind != "text_delta"]
        assert kept == ["accepted", "error", "done"]
        assert "stopped" in events[-2].data["message"]
