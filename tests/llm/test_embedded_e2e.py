"""End-to-end: the real embedded model, the runtime and the demo weather API.

Marked ``model``: they load the 1.1 GB llama.cpp model once per test session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from gptforge.actions import ActionExecutor
from gptforge.egress import EgressClient
from gptforge.errors import ProviderError
from gptforge.llm import EmbeddedProvider, OpenAICompatibleProvider, TextDelta
from gptforge.llm.embedded import TEXT_GRAMMAR, reading_grammar
from gptforge.runtime import ConversationState, Runtime, build_actions, event_to_dict, load_gpt_file
from gptforge.settings import Settings
from tests.demo import DemoApi, demo_api

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def provider() -> Iterator[EmbeddedProvider]:
    settings = Settings()
    yield EmbeddedProvider(
        cache_dir=settings.model_cache_dir(),
        threads=settings.embedded_threads,
        context=settings.embedded_context,
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApi]:
    with demo_api(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture
async def runtime(provider: EmbeddedProvider, demo: DemoApi) -> AsyncIterator[Runtime]:
    settings = Settings(demo_api_port=demo.port)
    gpt, base = load_gpt_file(demo.gpt_file)
    policy = settings.egress_policy()
    actions = await build_actions(gpt, base, policy=policy)
    async with EgressClient(policy=policy) as egress:
        yield Runtime(
            gpt=gpt, actions=actions, provider=provider, executor=ActionExecutor(egress=egress)
        )


async def ask(runtime: Runtime, question: str) -> tuple[list[dict[str, Any]], str]:
    events = [event_to_dict(e) async for e in runtime.send(ConversationState(), question)]
    text = "".join(e["text"] for e in events if e["kind"] == "text_delta")
    return events, text


def api(demo: DemoApi, path: str, **params: Any) -> Any:
    return httpx.get(f"{demo.url}{path}", params=params).json()


@pytest.mark.parametrize("city", ["Paris", "Tokyo"])
async def test_current_weather_is_fetched_and_relayed(
    runtime: Runtime, demo: DemoApi, city: str
) -> None:
    events, text = await ask(runtime, f"What's the weather in {city} right now?")
    calls = [e for e in events if e["kind"] == "tool_call_finished"]
    assert [c["operation"] for c in calls] == ["getCurrentWeather"]
    assert calls[0]["status"] == "ok"
    truth = api(demo, "/weather/current", city=city)
    assert f"{truth['temperature_c']}" in text
    assert events[-1]["reason"] == "completed"


async def test_forecast_question_uses_the_forecast(runtime: Runtime) -> None:
    events, _ = await ask(runtime, "Give me the forecast for London for the next 3 days.")
    calls = [e for e in events if e["kind"] == "tool_call_finished"]
    assert calls and calls[0]["operation"] == "getForecast" and calls[0]["status"] == "ok"


async def test_city_list_question_lists_cities(runtime: Runtime) -> None:
    events, text = await ask(runtime, "Which cities in Japan can you check?")
    calls = [e for e in events if e["kind"] == "tool_call_finished"]
    assert calls and calls[0]["operation"] == "listCities"
    assert "Tokyo" in text


async def test_small_talk_needs_no_tool(runtime: Runtime) -> None:
    events, text = await ask(runtime, "Hi! Who are you?")
    assert not [e for e in events if e["kind"].startswith("tool_call")]
    assert text.strip()


@pytest.mark.parametrize(
    ("message", "needs_a_tool"),
    [
        ("Explain the difference between weather and climate.", False),
        ("Give me a fun fact about rainbows.", False),
        ("What's the weather in Paris?", True),
        ("Will Tokyo get any rain this week?", True),
    ],
)
async def test_the_route_question_tells_an_explanation_from_a_data_request(
    provider: EmbeddedProvider, runtime: Runtime, message: str, needs_a_tool: bool
) -> None:
    # The model's likeliest first token names a weather tool for the first two as well
    # (the decision's checks then ruled the guessed call out, a request later); none's
    # share of the odds tells them apart at once.
    messages = [runtime.system_message(), {"role": "user", "content": message}]
    assert await provider._needs_a_tool(messages, runtime.tools) is needs_a_tool
    if not needs_a_tool:
        events, text = await ask(runtime, message)
        assert not [e for e in events if e["kind"].startswith("tool_call")]
        assert text.strip()


async def test_rain_question_carries_the_forecast_numbers(runtime: Runtime, demo: DemoApi) -> None:
    events, text = await ask(runtime, "Will it rain in London in the next days?")
    calls = [e for e in events if e["kind"] == "tool_call_finished"]
    assert [c["operation"] for c in calls] == ["getForecast"]
    days = api(demo, "/weather/forecast", city="London")["days"]
    rainy = [d for d in days if "rain" in d["conditions"] or d["conditions"] == "snow"]
    assert rainy, "the demo data has a rainy day in London's 3-day forecast"
    assert str(rainy[0]["precipitation_chance_percent"]) in text
    assert '{"' not in text


async def test_the_answer_streams_in_pieces(runtime: Runtime) -> None:
    events, text = await ask(runtime, "Which cities in the United States do you cover?")
    deltas = [e for e in events if e["kind"] == "text_delta"]
    assert len(deltas) > 3, "the answer should arrive token by token, not whole"
    assert "Chicago" in text


async def test_a_second_configuration_is_refused(provider: EmbeddedProvider) -> None:
    await provider.base_url()
    other = EmbeddedProvider(cache_dir=provider.cache_dir, context=provider.context // 2)
    with pytest.raises(ProviderError, match="already loaded"):
        await other.base_url()


async def test_openai_compatible_provider_talks_to_the_embedded_endpoint(
    provider: EmbeddedProvider,
) -> None:
    client = OpenAICompatibleProvider(
        model="embedded", base_url=await provider.base_url(), temperature=0
    )
    chunks = [
        e async for e in client.stream([{"role": "user", "content": "Say the word hello."}], [])
    ]
    text = "".join(e.text for e in chunks if isinstance(e, TextDelta))
    assert "hello" in text.lower()
    assert chunks[-1].kind == "finish"


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("Is water wet? Reply with the single word Yes.", "yes"),
        ("Will I see the moon tonight? Write my question back word for word.", "will i see"),
        ("Can fish swim? Reply with the words: You can swim.", "you can"),
    ],
)
async def test_an_answer_to_a_result_cannot_open_with_a_verdict(
    provider: EmbeddedProvider, question: str, verdict: str
) -> None:
    """llama.cpp's llguidance compiles the reading grammar and holds the model to it: no
    "Yes", no "You can", and not the question's own first words."""
    messages = [{"role": "user", "content": question}]
    async with httpx.AsyncClient(timeout=120) as client:
        answers = []
        for grammar in (TEXT_GRAMMAR, reading_grammar(question)):
            reply = await client.post(
                f"{await provider.base_url()}/chat/completions",
                json={"messages": messages, "max_tokens": 24, "temperature": 0, "grammar": grammar},
            )
            reply.raise_for_status()
            answers.append(reply.json()["choices"][0]["message"]["content"].strip())
    assert answers[0].lower().startswith(verdict)  # the plain grammar lets it say it
    assert answers[1] and not answers[1].lower().startswith(verdict)
