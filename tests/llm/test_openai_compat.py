"""The OpenAI-compatible provider and `gptforge chat` against a streaming chat server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from gptforge.cli import app
from gptforge.errors import ProviderError
from gptforge.llm import Finish, OpenAICompatibleProvider, ToolCallRequest, Usage
from tests.demo import demo_api
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve

CALLS = [("getCurrentWeather", {"city": "Paris"}), ("getForecast", {"city": "Oslo", "days": 2})]


@pytest.fixture
def fake() -> Iterator[tuple[str, Any]]:
    application = fake_openai_app(CALLS)
    with serve(application) as url:
        yield url, application.state.seen


async def test_streamed_parallel_tool_calls_are_assembled(fake: tuple[str, Any]) -> None:
    url, seen = fake
    provider = OpenAICompatibleProvider(model="fake", base_url=f"{url}/v1", api_key="sk-test")
    events = [
        e
        async for e in provider.stream(
            [{"role": "user", "content": "hi"}],
            [
                {
                    "type": "function",
                    "function": {"name": "getCurrentWeather", "parameters": {"type": "object"}},
                }
            ],
        )
    ]
    calls = [e for e in events if isinstance(e, ToolCallRequest)]
    assert [(c.id, c.name, json.loads(c.arguments)) for c in calls] == [
        ("call_0", "getCurrentWeather", {"city": "Paris"}),
        ("call_1", "getForecast", {"city": "Oslo", "days": 2}),
    ]
    assert any(isinstance(e, Usage) and e.prompt_tokens == 10 for e in events)
    assert isinstance(events[-1], Finish) and events[-1].reason == "tool_calls"
    assert seen[-1]["authorization"] == "Bearer sk-test"
    assert seen[-1]["payload"]["tools"][0]["function"]["name"] == "getCurrentWeather"


async def test_unreachable_server_is_a_clear_provider_error() -> None:
    provider = OpenAICompatibleProvider(model="x", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ProviderError, match="Could not reach the model server"):
        [e async for e in provider.stream([{"role": "user", "content": "hi"}], [])]


def test_chat_cli_with_an_openai_compatible_server(
    fake: tuple[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, seen = fake
    with demo_api(tmp_path) as demo:
        monkeypatch.setenv("GPTFORGE_DEMO_API_PORT", str(demo.port))
        monkeypatch.setenv("GPTFORGE_OPENAI_BASE_URL", f"{url}/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shown")
        monkeypatch.setenv("GPTFORGE_MODEL", "fake-model")
        result = CliRunner().invoke(
            app, ["chat", str(demo.gpt_file), "-m", "Weather in Paris and Oslo?", "--json"]
        )
        truth = httpx.get(f"{demo.url}/weather/current", params={"city": "Paris"}).json()
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    finished = [e for e in events if e["kind"] == "tool_call_finished"]
    assert [e["operation"] for e in finished] == ["getCurrentWeather", "getForecast"]
    assert all(e["status"] == "ok" for e in finished)
    text = "".join(e["text"] for e in events if e["kind"] == "text_delta")
    assert str(truth["temperature_c"]) in text
    assert events[-1] == {"kind": "done", "reason": "completed"}
    assert seen[-1]["payload"]["model"] == "fake-model"
    assert "sk-never-shown" not in result.stdout


async def test_too_many_tools_for_openai_says_how_to_fix() -> None:
    provider = OpenAICompatibleProvider(model="gpt-4o-mini", api_key="sk-x")
    tools = [
        {"type": "function", "function": {"name": f"t{i}", "parameters": {"type": "object"}}}
        for i in range(130)
    ]
    with pytest.raises(ProviderError, match="at most 128 tools"):
        [e async for e in provider.stream([{"role": "user", "content": "hi"}], tools)]


async def test_the_opening_system_messages_go_out_as_one(fake: tuple[str, Any]) -> None:
    # Many chat templates (vLLM, llama.cpp) take one system message, then alternating turns.
    url, seen = fake
    provider = OpenAICompatibleProvider(model="fake", base_url=f"{url}/v1", api_key="sk-test")
    messages: list[Any] = [
        {"role": "system", "content": "You help with the weather."},
        {"role": "system", "content": "Today is Friday, 27 November 2026."},
        {"role": "user", "content": "hi"},
    ]
    [e async for e in provider.stream(messages, [])]
    assert seen[-1]["payload"]["messages"] == [
        {
            "role": "system",
            "content": "You help with the weather.\n\nToday is Friday, 27 November 2026.",
        },
        {"role": "user", "content": "hi"},
    ]
    assert len(messages) == 3  # the conversation itself is left as it was
