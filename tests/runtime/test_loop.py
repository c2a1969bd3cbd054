"""The conversation loop with a scripted model and a real loopback API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor, OAuthManager, StoredToken, parse_auth
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.errors import ConfigError, RuntimeLoopError
from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.openapi import parse_spec
from gptforge.runtime import (
    Capabilities,
    ConversationState,
    GptDefinition,
    MemoryApprovalStore,
    Runtime,
    ToolCallFinished,
    event_to_dict,
)
from gptforge.runtime.loop import date_note
from gptforge.toolsets import CallContext, CallOutcome, CallResult, ResultFile, ToolInfo
from tests.servers import serve


@dataclass
class Shop:
    url: str
    calls: list[str]


def shop_app(calls: list[str]) -> Starlette:
    async def weather(request: Request) -> JSONResponse:
        calls.append(f"weather:{request.query_params['city']}")
        return JSONResponse({"city": request.query_params["city"], "temperature_c": 21})

    async def order(request: Request) -> JSONResponse:
        calls.append("order")
        return JSONResponse({"ordered": True})

    async def cancel(request: Request) -> JSONResponse:
        calls.append("cancel")
        return JSONResponse({"cancelled": True})

    return Starlette(
        routes=[
            Route("/weather", weather),
            Route("/order", order, methods=["POST"]),
            Route("/cancel", cancel, methods=["POST"]),
        ]
    )


@pytest.fixture
def shop() -> Iterator[Shop]:
    calls: list[str] = []
    with serve(shop_app(calls)) as url:
        yield Shop(url=url, calls=calls)


def spec(url: str, title: str = "Shop") -> Any:
    return parse_spec(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": title, "version": "1"},
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
async def egress(shop: Shop) -> AsyncIterator[EgressClient]:
    async with EgressClient(
        policy=EgressPolicy.from_entries([httpx.URL(shop.url).netloc.decode()])
    ) as client:
        yield client


def runtime(
    shop: Shop, egress: EgressClient, script: list[ScriptedReply], **kw: Any
) -> tuple[Runtime, ScriptedProvider]:
    provider = ScriptedProvider(script)
    action = Action(id="shop", spec=spec(shop.url), auth=kw.pop("auth", parse_auth(None)))
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


def assert_every_call_answered(messages: Sequence[Mapping[str, Any]]) -> None:
    """What an OpenAI-compatible server demands: each tool call has its tool reply."""
    asked = [c["id"] for m in messages for c in m.get("tool_calls", [])]
    answered = [m["tool_call_id"] for m in messages if m["role"] == "tool"]
    assert sorted(asked) == sorted(answered)


async def test_single_call_then_answer_in_order(shop: Shop, egress: EgressClient) -> None:
    rt, provider = runtime(
        shop,
        egress,
        [
            ScriptedReply(calls=(ScriptedCall(name="getWeather", arguments={"city": "Paris"}),)),
            ScriptedReply(text="It is 21 °C in Paris."),
        ],
    )
    state = ConversationState()
    events = await collect(rt.send(state, "Weather in Paris?"))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    # the summary shows the request as sent: arguments filled in
    assert events[0]["summary"] == f"GET {shop.url}/weather?city=Paris"
    assert events[0]["host"] == "127.0.0.1"
    assert events[1]["status"] == "ok" and events[1]["http_status"] == 200
    assert events[1]["message"] is None
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
    assert [(c.key, c.status) for c in state.calls] == [("shop/getWeather", "ok")]
    assert state.calls[0].record is not None and state.calls[0].record["status"] == 200
    # the state is plain data that survives a JSON round trip
    assert ConversationState.model_validate_json(state.model_dump_json()) == state


async def test_parallel_calls_run_together(shop: Shop, egress: EgressClient) -> None:
    rt, provider = runtime(
        shop,
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
    assert sorted(shop.calls) == ["weather:Paris", "weather:Rome"]
    tool_messages = [m for m in provider.requests[1][0] if m["role"] == "tool"]
    assert [json.loads(m["content"])["city"] for m in tool_messages] == ["Paris", "Rome"]


async def test_tool_errors_go_back_to_the_model(shop: Shop, egress: EgressClient) -> None:
    rt, provider = runtime(
        shop,
        egress,
        [
            ScriptedReply(
                calls=(
                    ScriptedCall(name="getWeather", arguments={}),
                    ScriptedCall(name="nope"),
                    ScriptedCall(name="getWeather", arguments="{bad json"),
                    ScriptedCall(name="getWeather", arguments="[1]"),
                )
            ),
            ScriptedReply(text="Sorry."),
        ],
    )
    events = await collect(rt.send(ConversationState(), "?"))
    statuses = [e["status"] for e in events if e["kind"] == "tool_call_finished"]
    assert statuses == ["invalid_arguments"] * 4
    contents = [m["content"] for m in provider.requests[1][0] if m["role"] == "tool"]
    assert "'city' is a required property" in contents[0]
    assert "no tool named 'nope'" in contents[1]
    assert "not valid JSON" in contents[2] and "JSON object" in contents[3]
    assert shop.calls == []


async def test_confirmation_allow_deny_and_always(shop: Shop, egress: EgressClient) -> None:
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
    rt, provider = runtime(shop, egress, script)
    state = ConversationState()
    events = await collect(rt.send(state, "order"))
    assert kinds(events) == ["confirmation_required", "done"]
    assert events[0]["allow_always"] is True and events[-1]["reason"] == "paused"
    assert events[0]["summary"] == f"POST {shop.url}/order"
    assert shop.calls == []
    with pytest.raises(RuntimeLoopError):
        await collect(rt.send(state, "again"))
    with pytest.raises(RuntimeLoopError, match="c1"):
        await collect(rt.resume(state, {}))
    assert [p.call_id for p in state.pending] == ["c1"]  # a bad resume changes nothing
    paused = ConversationState.model_validate_json(state.model_dump_json())
    events = await collect(rt.resume(paused, {"c1": "allow"}))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    assert shop.calls == ["order"]

    await collect(rt.send(paused, "order more"))
    events = await collect(rt.resume(paused, {"c2": "deny"}))
    assert kinds(events) == ["tool_call_finished", "text_delta", "done"]
    assert events[0]["status"] == "declined" and events[0]["call_id"] == "c2"
    assert shop.calls == ["order"]
    declined = [m for m in provider.requests[3][0] if m["role"] == "tool"][-1]
    assert "declined" in declined["content"]
    assert paused.calls[-1].status == "declined"

    await collect(rt.send(paused, "order"))
    await collect(rt.resume(paused, {"c3": "always"}))
    events = await collect(rt.send(paused, "order"))
    assert "confirmation_required" not in kinds(events)
    assert shop.calls == ["order", "order", "order"]
    assert_every_call_answered(paused.messages)


async def test_consequential_operations_always_ask(shop: Shop, egress: EgressClient) -> None:
    rt, _ = runtime(
        shop,
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


async def test_a_turn_mixing_confirmed_and_runnable_calls(shop: Shop, egress: EgressClient) -> None:
    rt, provider = runtime(
        shop,
        egress,
        [
            ScriptedReply(
                calls=(
                    ScriptedCall(name="getWeather", arguments={"city": "Oslo"}, id="w"),
                    ScriptedCall(name="placeOrder", id="o"),
                )
            ),
            ScriptedReply(text="Ordered, and it is 21 °C."),
        ],
    )
    state = ConversationState()
    events = await collect(rt.send(state, "Weather, and order"))
    # the safe call runs at once; the other waits for the user
    assert kinds(events) == [
        "confirmation_required",
        "tool_call_started",
        "tool_call_finished",
        "done",
    ]
    assert events[0]["call_id"] == "o" and events[2]["call_id"] == "w"
    assert shop.calls == ["weather:Oslo"] and len(provider.requests) == 1
    events = await collect(rt.resume(state, {"o": "allow"}))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    assert shop.calls == ["weather:Oslo", "order"]
    # the model saw both results, each after the assistant message that asked for it
    messages = provider.requests[1][0]
    assert [m["role"] for m in messages[-3:]] == ["assistant", "tool", "tool"]
    assert_every_call_answered(messages)


async def test_oauth_pause_and_resume(shop: Shop, egress: EgressClient) -> None:
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
        shop,
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
    await manager.tokens.put(
        "local", "shop", StoredToken(access_token="tok", fingerprint=auth.fingerprint())
    )
    events = await collect(rt.resume(state))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "text_delta", "done"]
    assert shop.calls == ["weather:Oslo"]


async def test_step_limit_ends_runaway_loops(shop: Shop, egress: EgressClient) -> None:
    def always_call(messages: Any, tools: Any) -> ScriptedReply:
        return ScriptedReply(calls=(ScriptedCall(name="getWeather", arguments={"city": "Paris"}),))

    provider = ScriptedProvider(always_call)
    rt = Runtime(
        gpt=GPT,
        actions=[Action(id="shop", spec=spec(shop.url))],
        provider=provider,
        executor=ActionExecutor(egress=egress),
        max_steps=3,
    )
    events = await collect(rt.send(ConversationState(), "loop"))
    assert events[-2]["kind"] == "error" and "3 steps" in events[-2]["message"]
    assert events[-1] == {"kind": "done", "reason": "step_limit"}
    assert len(shop.calls) == 3


async def test_tool_names_stay_unique_across_actions(shop: Shop, egress: EgressClient) -> None:
    provider = ScriptedProvider(
        [
            ScriptedReply(calls=(ScriptedCall(name="getWeather_2", arguments={"city": "Rome"}),)),
            ScriptedReply(text="ok"),
        ]
    )
    first, second = Action(id="a", spec=spec(shop.url)), Action(id="b", spec=spec(shop.url))
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
    assert shop.calls == ["weather:Rome"]


async def test_two_toolsets_with_one_id_are_refused(shop: Shop, egress: EgressClient) -> None:
    twins = [Action(id="a", spec=spec(shop.url)), Action(id="a", spec=spec(shop.url))]
    with pytest.raises(ConfigError, match="`id:`"):
        Runtime(
            gpt=GPT,
            actions=twins,
            provider=ScriptedProvider([]),
            executor=ActionExecutor(egress=egress),
        )


async def test_a_paused_turn_resumes_in_another_process_after_reordering(
    shop: Shop, egress: EgressClient
) -> None:
    """Pending calls and "always allow" are data, keyed by stable ids, not by position."""
    approvals = MemoryApprovalStore()
    other, own = Action(id="other", spec=spec(shop.url)), Action(id="shop", spec=spec(shop.url))
    script = [
        ScriptedReply(calls=(ScriptedCall(name="placeOrder_2", id="p1"),)),
        ScriptedReply(text="Ordered."),
        ScriptedReply(calls=(ScriptedCall(name="placeOrder", id="p2"),)),
        ScriptedReply(text="Ordered again."),
    ]
    provider = ScriptedProvider(script)

    def process(actions: list[Action]) -> Runtime:
        return Runtime(
            gpt=GPT,
            actions=actions,
            provider=provider,
            executor=ActionExecutor(egress=egress),
            approvals=approvals,
        )

    state = ConversationState()
    events = await collect(process([other, own]).send(state, "order"))
    assert events[0]["kind"] == "confirmation_required"
    stored = state.model_dump_json()
    # another process, where the actions come in another order (placeOrder_2 is now "other")
    later = process([own, other])
    state = ConversationState.model_validate_json(stored)
    events = await collect(later.resume(state, {"p1": "always"}))
    assert [e["status"] for e in events if e["kind"] == "tool_call_finished"] == ["ok"]
    assert state.calls[-1].key == "shop/placeOrder"
    # "always allow" was for shop/placeOrder, which is now called placeOrder
    events = await collect(process([own, other]).send(state, "order again"))
    assert "confirmation_required" not in kinds(events)
    assert shop.calls == ["order", "order"]


class Clock:
    """A toolset that is not HTTP: proves the runtime needs nothing else."""

    key = "clock"
    label = "Clock"

    def __init__(self, fail: BaseException | None = None) -> None:
        self.fail = fail
        self.contexts: list[CallContext] = []

    def tools(self) -> list[ToolInfo]:
        return [
            ToolInfo(
                name="now",
                description="The time.",
                parameters={"type": "object", "properties": {}},
            ),
            ToolInfo(
                name="setAlarm",
                description="Set an alarm.",
                parameters={"type": "object", "properties": {"at": {"type": "string"}}},
                confirmation="ask",
            ),
        ]

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        return f"clock {tool} {dict(arguments)}"

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallOutcome:
        self.contexts.append(context)
        if self.fail is not None:
            raise self.fail
        return CallResult(status="ok", content="12:00" if tool == "now" else "set")


async def test_any_toolset_runs_with_the_call_context() -> None:
    clock = Clock()
    provider = ScriptedProvider(
        [
            ScriptedReply(calls=(ScriptedCall(name="now", id="n"),)),
            ScriptedReply(text="Noon."),
        ]
    )
    rt = Runtime(gpt=GPT, toolsets=[clock], provider=provider, user_id="u1", session_id="s1")
    state = ConversationState()
    events = await collect(rt.send(state, "Time?"))
    assert events[0]["summary"] == "clock now {}" and events[0]["action"] == "Clock"
    assert events[1]["status"] == "ok" and events[1]["excerpt"] == "12:00"
    assert clock.contexts == [
        CallContext(user_id="u1", conversation_id=state.conversation_id, session_id="s1")
    ]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (RuntimeError("socket exploded with token sk-123"), "Clock failed unexpectedly"),
        (ConfigError("Set CLOCK_KEY."), "Set CLOCK_KEY."),
    ],
)
async def test_a_failing_toolset_still_finishes_every_call(error: Exception, message: str) -> None:
    provider = ScriptedProvider(
        [
            ScriptedReply(
                calls=(ScriptedCall(name="now", id="n1"), ScriptedCall(name="now", id="n2"))
            ),
            ScriptedReply(text="Sorry, the clock is broken."),
        ]
    )
    rt = Runtime(gpt=GPT, toolsets=[Clock(fail=error)], provider=provider)
    state = ConversationState()
    events = await collect(rt.send(state, "Time?"))  # no ExceptionGroup escapes
    finished = [e for e in events if e["kind"] == "tool_call_finished"]
    assert [e["status"] for e in finished] == ["failed", "failed"]
    assert all(message in e["message"] for e in finished)
    assert "sk-123" not in json.dumps(events)  # an exception's text is not shown
    contents = [m["content"] for m in provider.requests[1][0] if m["role"] == "tool"]
    assert all("failed on the server" in c and message not in c for c in contents)
    assert_every_call_answered(state.messages)
    assert events[-1] == {"kind": "done", "reason": "completed"}


async def test_an_unset_key_variable_finishes_the_call_with_a_message(
    shop: Shop, egress: EgressClient
) -> None:
    rt, provider = runtime(
        shop,
        egress,
        [
            ScriptedReply(calls=(ScriptedCall(name="getWeather", arguments={"city": "Oslo"}),)),
            ScriptedReply(text="The weather service is unavailable."),
        ],
        auth=parse_auth({"type": "api_key", "key_env": "GPTFORGE_TEST_NEVER_SET"}),
    )
    state = ConversationState()
    events = await collect(rt.send(state, "Oslo?"))
    finished = [e for e in events if e["kind"] == "tool_call_finished"]
    assert finished[0]["status"] == "blocked"
    assert "GPTFORGE_TEST_NEVER_SET" in finished[0]["message"]
    tool_reply = provider.requests[1][0][-1]
    assert "GPTFORGE_TEST_NEVER_SET" not in tool_reply["content"]
    assert_every_call_answered(state.messages)
    assert shop.calls == []


async def test_an_answer_cut_at_the_token_limit_is_surfaced() -> None:
    provider = ScriptedProvider([ScriptedReply(text="The long answer is", finish="length")])
    rt = Runtime(gpt=GPT, provider=provider)
    events = await collect(rt.send(ConversationState(), "Tell me everything"))
    assert kinds(events) == ["text_delta", "notice", "done"]
    assert events[-2]["code"] == "truncated" and "cut off" in events[-2]["message"]


async def test_always_allow_for_any_toolset_is_kept_in_the_approval_store() -> None:
    approvals = MemoryApprovalStore()
    script = [
        ScriptedReply(calls=(ScriptedCall(name="setAlarm", id="a1"),)),
        ScriptedReply(text="Set."),
        ScriptedReply(calls=(ScriptedCall(name="setAlarm", id="a2"),)),
        ScriptedReply(text="Set again."),
    ]
    provider = ScriptedProvider(script)
    first = Runtime(
        gpt=GPT, toolsets=[Clock()], provider=provider, approvals=approvals, user_id="u1"
    )
    state = ConversationState()
    await collect(first.send(state, "alarm"))
    await collect(first.resume(state, {"a1": "always"}))
    assert await approvals.is_allowed(user_id="u1", gpt_id="local", tool_key="clock/setAlarm")
    second = Runtime(
        gpt=GPT, toolsets=[Clock()], provider=provider, approvals=approvals, user_id="u1"
    )
    events = await collect(second.send(state, "alarm again"))
    assert "confirmation_required" not in kinds(events)


async def test_a_turn_stopped_mid_call_leaves_a_conversation_that_goes_on(
    shop: Shop, egress: EgressClient
) -> None:
    rt, provider = runtime(
        shop,
        egress,
        [
            ScriptedReply(calls=(ScriptedCall(name="getWeather", arguments={"city": "Rome"}),)),
            ScriptedReply(text="Hello again."),
        ],
    )
    state = ConversationState()
    events = rt.send(state, "Rome?")
    assert (await anext(events)).kind == "tool_call_started"
    await events.aclose()  # the client went away before the call finished
    stored = ConversationState.model_validate_json(state.model_dump_json())
    await collect(rt.send(stored, "Hi"))
    sent = provider.requests[-1][0]
    assert_every_call_answered(sent)
    assert [m["role"] for m in sent] == ["system", "system", "user", "assistant", "tool", "user"]
    assert "interrupted" in sent[4]["content"] and stored.calls[-1].status == "failed"


class Painter:
    """A toolset whose call produces a file (like image generation)."""

    key = "capability:image_generation"
    label = "Painter"
    instructions = "Painter: images are shown to the user."

    def tools(self) -> list[ToolInfo]:
        return [ToolInfo(name="paint", description="Paint.", parameters={"type": "object"})]

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        return "paint"

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallResult:
        return CallResult(
            status="ok",
            content="The image sky.png is shown to the user.",
            files=(ResultFile(name="sky.png", media_type="image/png", data=b"\x89PNG-bytes"),),
        )


async def test_files_of_a_call_ride_on_the_finished_event_but_never_in_its_json() -> None:
    provider = ScriptedProvider(
        [ScriptedReply(calls=(ScriptedCall(name="paint"),)), ScriptedReply(text="Here.")]
    )
    gpt = GptDefinition(
        name="Artist", capabilities=Capabilities(image_generation=True, web_browsing=True)
    )
    rt = Runtime(gpt=gpt, toolsets=[Painter()], provider=provider)
    state = ConversationState()
    events = [e async for e in rt.send(state, "paint the sky")]

    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    [info] = finished.files
    assert (info.name, info.media_type, info.size) == ("sky.png", "image/png", 10)
    assert info.id.startswith("file-") and len(info.id) > 20
    assert finished.file_data == {info.id: b"\x89PNG-bytes"}
    data = event_to_dict(finished)
    assert "file_data" not in data
    assert data["files"] == [
        {"id": info.id, "name": "sky.png", "media_type": "image/png", "size": 10}
    ]
    json.dumps(data)  # JSON-ready
    assert state.calls[0].files == data["files"]
    assert b"PNG-bytes" not in json.dumps(provider.requests[-1][0]).encode()
    system = state.messages[0]["content"]
    assert "Painter: images are shown to the user." in str(system)
    assert "not available on this server yet: web browsing." in str(system)


async def test_the_model_is_told_todays_date_on_each_request_never_a_stored_one() -> None:
    # "Events next month?" on 27 November 2026: without the date the small model asked the
    # API for 2027-12 ("next month") and 2026-01 ("in January").
    provider = ScriptedProvider([ScriptedReply(text="It is Friday."), ScriptedReply(text="Hi.")])
    today = [datetime(2026, 11, 27, 9, 30, tzinfo=UTC)]
    runtime = Runtime(
        gpt=GptDefinition(name="Tickets", instructions="You sell tickets."),
        provider=provider,
        clock=lambda: today[0],
    )
    state = ConversationState()
    async for _ in runtime.send(state, "What day is it?"):
        pass
    messages = provider.requests[0][0]
    assert messages[0] == {"role": "system", "content": "You sell tickets."}
    assert messages[1] == {
        "role": "system",
        "name": "date",
        "content": "Today is Friday, 27 November 2026 (2026-11-27). This month is November "
        "2026 and next month is December 2026; a month named without a year is the next one "
        "to come (October means October 2027), unless the question is about the past.",
    }
    assert messages[2] == {"role": "user", "content": "What day is it?"}
    # Continued another day (from storage): that day's date, once; none is stored.
    stored = ConversationState.model_validate_json(state.model_dump_json())
    assert [m["role"] for m in stored.messages] == ["system", "user", "assistant"]
    today[0] = datetime(2027, 2, 3, tzinfo=UTC)
    async for _ in runtime.send(stored, "And now?"):
        pass
    later = provider.requests[1][0]
    dates = [m["content"] for m in later if m.get("name") == "date"]
    assert len(dates) == 1 and dates[0].startswith("Today is Wednesday, 3 February 2027")
    assert later[1]["name"] == "date" and later[0]["content"] == "You sell tickets."


@pytest.mark.parametrize(
    ("today", "following", "farthest"),
    [
        (datetime(2026, 12, 31), "next month is January 2027", "November means November 2027"),
        (datetime(2027, 1, 31), "next month is February 2027", "December means December 2027"),
        (datetime(2028, 2, 29), "next month is March 2028", "January means January 2029"),
        (datetime(2028, 3, 31), "next month is April 2028", "February means February 2029"),
    ],
)
def test_the_months_in_the_date_note_cross_year_ends_and_short_months(
    today: datetime, following: str, farthest: str
) -> None:
    note = date_note(today)
    assert following in note and f"({farthest})" in note
