"""The conversation loop with a scripted model and a real loopback API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor, OAuthManager, parse_auth
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.errors import RuntimeLoopError
from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.openapi import parse_spec
from gptforge.runtime import ConversationState, GptDefinition, Runtime, event_to_dict

CALLS: list[str] = []


async def weather(request: Request) -> JSONResponse:
    CALLS.append(f"weather:{request.query_params['city']}")
    return JSONResponse({"city": request.query_params["city"], "temperature_c": 21})


async def order(request: Request) -> JSONResponse:
    CALLS.append("order")
    return JSONResponse({"ordered": True})


async def cancel(request: Request) -> JSONResponse:
    CALLS.append("cancel")
    return JSONResponse({"cancelled": True})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    from tests.servers import serve

    app = Starlette(
        routes=[
            Route("/weather", weather),
            Route("/order", order, methods=["POST"]),
            Route("/cancel", cancel, methods=["POST"]),
        ]
    )
    with serve(app) as url:
        yield url


def spec(url: str) -> Any:
    return parse_spec(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "Shop", "version": "1"},
                "servers": [{"url": url}],
                "paths": {
                    "/weather": {
                        "get": {
                            "operationId": "getWeather",
                            "parameters": [
                                {
                                    "name": "city",
                                    "in": "query",
                                    "required": True,
                                    "schema": {"type": "string"},
                                }
                            ],
                        }
                    },
                    "/order": {"post": {"operationId": "placeOrder"}},
                    "/cancel": {
                        "post": {"operationId": "cancelAll", "x-openai-isConsequential": True}
                    },
                },
            }
        )
    )


GPT = GptDefinition(
    name="Shop helper", instructions="Help with the shop.", capabilities={"web_browsing": True}
)


@pytest.fixture
async def egress(api: str) -> AsyncIterator[EgressClient]:
    CALLS.clear()
    async with EgressClient(
        policy=EgressPolicy.from_entries([httpx.URL(api).netloc.decode()])
    ) as client:
        yield client


def runtime(
    api: str, egress: EgressClient, script: list[ScriptedReply], **kw: Any
) -> tuple[Runtime, ScriptedProvider]:
    provider = ScriptedProvider(script)
    action = Action(id="shop", spec=spec(api), auth=kw.pop("auth", parse_auth(None)))
    executor = ActionExecutor(egress=egress, oauth=kw.pop("oauth", None))
    return Runtime(gpt=GPT, actions=[action], provider=provider, executor=executor, **kw), provider


async def collect(events: AsyncIterator[Any]) -> list[dict[str, Any]]:
    return [event_to_dict(e) async for e in events]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for e in events:
        if not (out and e["kind"] == "text_delta" and out[-1] == "text_delta"):
            out.append(e["kind"])
    return out


async def test_single_call_then_answer_in_order(api: str, egress: EgressClient) -> None:
    rt, provider = runtime(
        api,
        egress,
        [
            ScriptedReply(calls=(ScriptedCall(name="getWeather", arguments={"city": "Paris"}),)),
            ScriptedReply(text="It is 21 °C in Paris."),
        ],
    )
    state = ConversationState()
    events = await collect(rt.send(state, "Weather in Paris?"))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    assert events[0]["summary"] == f"GET {api}/weather" and events[0]["host"] == "127.0.0.1"
    assert events[1]["status"] == "ok" and events[1]["http_status"] == 200
    assert (
        "".join(e["text"] for e in events if e["kind"] == "text_delta") == "It is 21 °C in Paris."
    )
    assert events[-1] == {"kind": "done", "reason": "completed"}
    system = provider.requests[0][0][0]
    assert system["role"] == "system" and "Help with the shop." in system["content"]
    assert "web browsing" in system["content"]
    assert [t["function"]["name"] for t in provider.requests[0][1]] == [
        "getWeather",
        "placeOrder",
        "cancelAll",
    ]
    tool_message = provider.requests[1][0][-1]
    assert (
        tool_message["role"] == "tool"
        and json.loads(tool_message["content"])["temperature_c"] == 21
    )
    # the state is plain data that survives a JSON round trip
    assert ConversationState.model_validate_json(state.model_dump_json()) == state


async def test_parallel_calls_run_together(api: str, egress: EgressClient) -> None:
    rt, provider = runtime(
        api,
        egress,
        [
            ScriptedReply(
                calls=(
                    ScriptedCall(name="getWeather", arguments={"city": "Paris"}),
                    ScriptedCall(name="getWeather", arguments={"city": "Rome"}),
                )
            ),
            ScriptedReply(text="Both done."),
        ],
    )
    events = await collect(rt.send(ConversationState(), "Paris and Rome?"))
    assert kinds(events) == [
        "tool_call_started",
        "tool_call_started",
        "tool_call_finished",
        "tool_call_finished",
        "text_delta",
        "done",
    ]
    assert sorted(CALLS) == ["weather:Paris", "weather:Rome"]
    tool_messages = [m for m in provider.requests[1][0] if m["role"] == "tool"]
    assert [json.loads(m["content"])["city"] for m in tool_messages] == ["Paris", "Rome"]


async def test_tool_errors_go_back_to_the_model(api: str, egress: EgressClient) -> None:
    rt, provider = runtime(
        api,
        egress,
        [
            ScriptedReply(
                calls=(
                    ScriptedCall(name="getWeather", arguments={}),
                    ScriptedCall(name="nope"),
                    ScriptedCall(name="getWeather", arguments="{bad json"),
                )
            ),
            ScriptedReply(text="Sorry."),
        ],
    )
    events = await collect(rt.send(ConversationState(), "?"))
    statuses = [e["status"] for e in events if e["kind"] == "tool_call_finished"]
    assert statuses == ["invalid_arguments"] * 3
    contents = [m["content"] for m in provider.requests[1][0] if m["role"] == "tool"]
    assert "'city' is a required property" in contents[0]
    assert "no tool named 'nope'" in contents[1]
    assert "not valid JSON" in contents[2]
    assert CALLS == []


async def test_confirmation_allow_deny_and_always(api: str, egress: EgressClient) -> None:
    script = [
        ScriptedReply(calls=(ScriptedCall(name="placeOrder", id="c1"),)),
        ScriptedReply(text="Ordered."),
        ScriptedReply(calls=(ScriptedCall(name="placeOrder", id="c2"),)),
        ScriptedReply(text="Declined."),
        ScriptedReply(calls=(ScriptedCall(name="placeOrder", id="c3"),)),
        ScriptedReply(text="Ordered again."),
        ScriptedReply(calls=(ScriptedCall(name="placeOrder", id="c4"),)),
        ScriptedReply(text="No question asked."),
    ]
    rt, provider = runtime(api, egress, script)
    state = ConversationState()
    events = await collect(rt.send(state, "order"))
    assert kinds(events) == ["confirmation_required", "done"]
    assert events[0]["allow_always"] is True and events[-1]["reason"] == "paused"
    assert CALLS == []
    with pytest.raises(RuntimeLoopError):
        await collect(rt.send(state, "again"))
    paused = ConversationState.model_validate_json(
        state.model_dump_json()
    )  # resumable from storage
    events = await collect(rt.resume(paused, {"c1": "allow"}))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    assert CALLS == ["order"]

    events = await collect(rt.send(paused, "order more"))
    events = await collect(rt.resume(paused, {"c2": "deny"}))
    assert CALLS == ["order"]
    declined = [m for m in provider.requests[3][0] if m["role"] == "tool"][-1]
    assert "declined" in declined["content"]

    await collect(rt.send(paused, "order"))
    await collect(rt.resume(paused, {"c3": "always"}))
    events = await collect(rt.send(paused, "order"))
    assert "confirmation_required" not in kinds(events)
    assert CALLS == ["order", "order", "order"]


async def test_consequential_operations_always_ask(api: str, egress: EgressClient) -> None:
    rt, _ = runtime(
        api,
        egress,
        [
            ScriptedReply(calls=(ScriptedCall(name="cancelAll", id="x1"),)),
            ScriptedReply(text="ok"),
            ScriptedReply(calls=(ScriptedCall(name="cancelAll", id="x2"),)),
            ScriptedReply(text="ok"),
        ],
    )
    state = ConversationState()
    events = await collect(rt.send(state, "cancel"))
    assert events[0]["kind"] == "confirmation_required" and events[0]["allow_always"] is False
    await collect(rt.resume(state, {"x1": "always"}))
    events = await collect(rt.send(state, "cancel again"))
    assert events[0]["kind"] == "confirmation_required"


async def test_oauth_pause_and_resume(api: str, egress: EgressClient) -> None:
    auth = parse_auth(
        {
            "type": "oauth",
            "client_id": "c",
            "client_secret": "s",
            "authorization_url": "https://auth.example/authorize",
            "token_url": "https://auth.example/token",
        }
    )
    manager = OAuthManager(redirect_uri="http://127.0.0.1:9/cb")
    rt, _ = runtime(
        api,
        egress,
        [
            ScriptedReply(
                calls=(ScriptedCall(name="getWeather", arguments={"city": "Oslo"}, id="o1"),)
            ),
            ScriptedReply(text="Cold."),
        ],
        auth=auth,
        oauth=manager,
    )
    state = ConversationState()
    events = await collect(rt.send(state, "Oslo?"))
    assert kinds(events) == ["tool_call_started", "auth_required", "done"]
    assert events[1]["authorization_url"].startswith("https://auth.example/authorize?")
    assert state.pending[0].reason == "auth"
    # the user signs in (token stored by the callback), then the call is retried
    from gptforge.actions.oauth import StoredToken

    await manager.tokens.put(
        "local", "shop", StoredToken(access_token="tok", fingerprint=auth.fingerprint())
    )
    events = await collect(rt.resume(state))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    assert CALLS == ["weather:Oslo"]


async def test_step_limit_ends_runaway_loops(api: str, egress: EgressClient) -> None:
    def always_call(messages: Any, tools: Any) -> ScriptedReply:
        return ScriptedReply(calls=(ScriptedCall(name="getWeather", arguments={"city": "Paris"}),))

    provider = ScriptedProvider(always_call)
    rt = Runtime(
        gpt=GPT,
        actions=[Action(id="shop", spec=spec(api))],
        provider=provider,
        executor=ActionExecutor(egress=egress),
        max_steps=3,
    )
    events = await collect(rt.send(ConversationState(), "loop"))
    assert events[-2]["kind"] == "error" and "3 steps" in events[-2]["message"]
    assert events[-1] == {"kind": "done", "reason": "step_limit"}
    assert len(CALLS) == 3


async def test_tool_names_stay_unique_across_actions(api: str, egress: EgressClient) -> None:
    provider = ScriptedProvider(
        [
            ScriptedReply(calls=(ScriptedCall(name="getWeather_2", arguments={"city": "Rome"}),)),
            ScriptedReply(text="ok"),
        ]
    )
    first, second = Action(id="a", spec=spec(api)), Action(id="b", spec=spec(api))
    rt = Runtime(
        gpt=GPT, actions=[first, second], provider=provider, executor=ActionExecutor(egress=egress)
    )
    names = [t["function"]["name"] for t in rt.tools]
    assert names == [
        "getWeather",
        "placeOrder",
        "cancelAll",
        "getWeather_2",
        "placeOrder_2",
        "cancelAll_2",
    ]
    events = await collect(rt.send(ConversationState(), "Rome"))
    assert [e["status"] for e in events if e["kind"] == "tool_call_finished"] == ["ok"]
    assert CALLS == ["weather:Rome"]
