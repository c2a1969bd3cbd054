"""The embedded provider without the model: a scripted llama.cpp-like server on loopback,
and a stand-in for xllamacpp to watch how the model is loaded."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from collections.abc import AsyncIterator, Iterator
from math import log
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from gptforge.errors import ProviderError
from gptforge.llm import DATE_NOTE, EmbeddedProvider, Finish, TextDelta, ToolCallRequest
from gptforge.llm import embedded as embedded_module
from gptforge.llm.embedded import (
    MODEL_FILE,
    TEXT_GRAMMAR,
    _EmbeddedServer,
    details_to_fetch,
    follow_up_tools,
    not_found_answer,
    readable_result,
    reading_grammar,
    route_needs_a_tool,
    searches_for,
)
from tests.servers import serve

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "getOpeningHours",
            "description": "Opening hours of a store.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


Piece = str | tuple[str, list[tuple[str, float]]]


def scripted_llama(replies: list[list[Piece]]) -> Starlette:
    """Streams each scripted reply (a list of text pieces) in turn; records the payloads.
    A piece ``(token, [(candidate, logprob), ...])`` also carries the likeliest tokens at
    that place, as llama.cpp reports them when asked for ``top_logprobs``."""
    seen: list[dict[str, Any]] = []

    def choice(piece: Piece) -> dict[str, Any]:
        if isinstance(piece, str):
            return {"index": 0, "delta": {"content": piece}}
        token, candidates = piece
        top = [{"token": t, "logprob": lp, "bytes": None} for t, lp in candidates]
        logprob = dict(candidates).get(token, 0.0)
        content = [{"token": token, "logprob": logprob, "bytes": None, "top_logprobs": top}]
        return {"index": 0, "delta": {"content": token}, "logprobs": {"content": content}}

    async def completions(request: Request) -> StreamingResponse:
        payload = await request.json()
        seen.append(payload)
        pieces = replies[len(seen) - 1]

        async def stream() -> AsyncIterator[str]:
            for piece in pieces:
                body = {"choices": [choice(piece)]}
                yield f"data: {json.dumps({'id': 'x', 'object': 'chat.completion.chunk', 'created': 0, 'model': 'm', **body})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
    app.state.seen = seen
    return app


@pytest.fixture
def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EmbeddedProvider:
    return EmbeddedProvider(cache_dir=tmp_path, threads=1, context=2048)


def use_server(monkeypatch: pytest.MonkeyPatch, provider: EmbeddedProvider, url: str) -> None:
    config = embedded_module._Config(
        model=provider.cache_dir / MODEL_FILE, threads=1, context=provider.context
    )
    monkeypatch.setattr(_EmbeddedServer, "_address", url)
    monkeypatch.setattr(_EmbeddedServer, "_config", config)


@pytest.fixture
def llama(
    request: pytest.FixtureRequest, provider: EmbeddedProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[dict[str, Any]]]:
    app = scripted_llama(request.param)
    with serve(app) as url:
        use_server(monkeypatch, provider, url)
        yield app.state.seen


QUESTION = [{"role": "system", "content": "Shop."}, {"role": "user", "content": "Hi!"}]


@pytest.mark.parametrize(
    "llama",
    [[["getOpeningHours"], ['{"reply": "Hel', 'lo \\"there\\"', ', how can I help?"}']]],
    indirect=True,
)
async def test_a_reply_streams_out_of_its_json_string(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    events = [e async for e in provider.stream(QUESTION, TOOLS)]
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert texts == ["Hel", 'lo "there"', ", how can I help?"]
    assert events[-1] == Finish(reason="stop")
    schema = llama[1]["json_schema"]
    assert [b["properties"].get("tool", {}).get("const") for b in schema["oneOf"]] == [
        None,
        "getOpeningHours",
    ]
    assert llama[1]["stream"] is True


@pytest.mark.parametrize(
    "llama",
    [[["getOpeningHours"], ['{"tool": "getOpeningHours", ', '"arguments": {"city": "Lyon"}}']]],
    indirect=True,
)
async def test_a_json_decision_becomes_a_tool_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "system", "content": "Shop."}, {"role": "user", "content": "Lyon hours?"}]
    events = [e async for e in provider.stream(question, TOOLS)]
    calls = [e for e in events if isinstance(e, ToolCallRequest)]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("getOpeningHours", {"city": "Lyon"})
    ]
    assert not [e for e in events if isinstance(e, TextDelta)]
    assert events[-1] == Finish(reason="tool_calls")


def calls_made(events: list[Any]) -> list[tuple[str, Any]]:
    """The tool calls among a provider's events, with their arguments read."""
    return [(e.name, json.loads(e.arguments)) for e in events if isinstance(e, ToolCallRequest)]


def after_call(
    system: str, question: str, name: str, arguments: dict[str, Any], result: str
) -> list[dict[str, Any]]:
    """A conversation whose last message is the result of the one call ``name`` made."""
    function = {"name": name, "arguments": json.dumps(arguments)}
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": question},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": function}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": result},
    ]


AFTER_RESULT = after_call(
    "Shop.",
    "Is Lyon open on Sunday?",
    "getOpeningHours",
    {"city": "Lyon"},
    '{"store":"Lyon","week":[{"day":"Sunday","closed":true}]}',
)


@pytest.mark.parametrize(
    "llama",
    [[['{"tool": "getOpeningHours", "arguments": {"city": "Lyon"}}'], ["No, it is closed."]]],
    indirect=True,
)
async def test_the_same_call_again_is_answered_from_the_result_instead(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    events = [e async for e in provider.stream(AFTER_RESULT, TOOLS)]
    assert not [e for e in events if isinstance(e, ToolCallRequest)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "No, it is closed."
    assert llama[1]["grammar"] == reading_grammar("Is Lyon open on Sunday?")
    shown = llama[0]["messages"][-1]["content"]
    assert "[Result of getOpeningHours]" in shown and "day: Sunday, closed: yes" in shown
    assert '"Is Lyon open on Sunday?"' in shown


@pytest.mark.parametrize("llama", [[["Lyon is ", "closed on ", "Sunday."]]], indirect=True)
async def test_after_a_result_the_answer_is_plain_text_streamed(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    events = [e async for e in provider.stream(AFTER_RESULT, TOOLS)]
    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        "Lyon is ",
        "closed on ",
        "Sunday.",
    ]
    grammar = llama[0]["grammar"]
    assert grammar.startswith("%llguidance") and '"getOpeningHours"' in grammar


@pytest.mark.parametrize(
    "llama",
    [[["It is closed on Sunday. ", '{"tool": "getOpeningHours", "arguments": {}}']]],
    indirect=True,
)
async def test_decision_json_inside_an_answer_is_not_shown(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    events = [e async for e in provider.stream(AFTER_RESULT, TOOLS)]
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert shown.strip() == "It is closed on Sunday."


@pytest.mark.parametrize("llama", [[["Here is what I found."]]], indirect=True)
async def test_after_the_call_limit_the_model_must_answer(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    call = AFTER_RESULT[2]
    messages = [*AFTER_RESULT[:2], *([call, AFTER_RESULT[3]] * provider.max_calls_per_turn)]
    events = [e async for e in provider.stream(messages, TOOLS)]
    assert llama[0]["grammar"] == reading_grammar("Is Lyon open on Sunday?")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Here is what I found."]


def test_a_not_found_answer_quotes_the_apis_own_message() -> None:
    def error(code: int, body: str) -> str:
        return f"HTTP {code} error from the API. Response excerpt: {body}"

    fastapi = error(404, '{"detail":"No order with number B-7."}')
    assert not_found_answer(fastapi) == 'The API answered "not found": No order with number B-7.'
    problem = error(404, '{"type":"about:blank","title":"Not Found","detail":"No pet 7"}')
    assert not_found_answer(problem) == 'The API answered "not found": No pet 7'
    nested = error(410, '{"error":{"code":410,"message":"Listing removed"}}')
    assert not_found_answer(nested) == 'The API answered "gone": Listing removed'
    assert not_found_answer(error(404, "No such\n  city")) == (
        'The API answered "not found": No such city'
    )
    json_api = error(404, '{"errors":[{"status":"404","title":"Not Found","detail":"No book 9"}]}')
    assert not_found_answer(json_api) == 'The API answered "not found": No book 9'
    spring = '{"status":404,"error":"Not Found","message":"No message available","path":"/x"}'
    assert not_found_answer(error(404, spring)) == 'The API answered "not found" (HTTP 404).'
    nest = '{"statusCode":404,"message":"","error":{"message":"Unknown store Oslo"}}'
    # The status's own phrase under a key read first, or an error item without a message,
    # does not hide the message after it.
    for hidden in (
        '{"message":"Not Found","errors":[{"detail":"No book 9"}]}',
        '{"title":"Not Found.","errors":[{"code":"x"},{"detail":"No book 9"}]}',
        '{"message":"\\n ","error":"No book 9"}',
    ):
        assert not_found_answer(error(404, hidden)) == 'The API answered "not found": No book 9'
    assert not_found_answer(error(404, nest)) == 'The API answered "not found": Unknown store Oslo'
    cut = '{"detail":"No pet 7","trace":["' + "frame " * 400
    for nothing in ("<html><h1>Not Found</h1></html>", "(empty)", '{"error":"Not Found"}', cut):
        assert not_found_answer(error(404, nothing)) == 'The API answered "not found" (HTTP 404).'
    long = not_found_answer(error(404, '{"detail":"' + "word " * 200 + '"}')) or ""
    assert long.endswith("…") and len(long) < 340
    for other in (error(500, '{"detail":"boom"}'), error(401, "{}"), '{"id": 404}', "404"):
        assert not_found_answer(other) is None


@pytest.mark.parametrize("llama", [[]], indirect=True)
async def test_a_not_found_result_is_answered_without_the_model(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    messages = after_call(
        "Shop.",
        "Where is my order B-7?",
        "getOrder",
        {"order_id": "B-7"},
        'HTTP 404 error from the API. Response excerpt: {"detail":"No order with number B-7."}',
    )
    events = [e async for e in provider.stream(messages, TOOLS)]
    assert events == [
        TextDelta(text='The API answered "not found": No order with number B-7.'),
        Finish(reason="stop"),
    ]
    assert llama == []


@pytest.mark.parametrize("llama", [[]], indirect=True)
async def test_a_not_found_issue_number_is_answered_without_the_model(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """ "#104" names the issue the call took as the number 104."""
    messages = after_call(
        "Trackly.",
        "Is #104 still open?",
        "getIssue",
        {"issue_id": 104},
        'HTTP 404 error from the API. Response excerpt: {"detail":"No issue #104."}',
    )
    events = [e async for e in provider.stream(messages, ISSUE_TOOLS)]
    assert events[0] == TextDelta(text='The API answered "not found": No issue #104.')
    assert llama == []


def test_results_are_shown_as_readable_lines() -> None:
    text = readable_result(
        '{"store":"Lyon","week":[{"day":"Saturday","closed":false,"opens":"10:00"},'
        '{"day":"Sunday","closed":true}],"notes":[],"manager":null}'
    )
    assert text.splitlines() == [
        "store: Lyon",
        "week:",
        "  - day: Saturday, closed: no, opens: 10:00",
        "  - day: Sunday, closed: yes",
        "notes: none",
        "manager: none",
    ]
    error = readable_result(
        'HTTP 404 error from the API. Response excerpt: {"detail":"No order with number B-7."}'
    )
    assert error == "Error 404 (Not Found) from the API: detail: No order with number B-7."
    assert readable_result("plain text") == "plain text"


def test_each_result_line_says_what_it_is_about() -> None:
    """A record stays on one line with its nested parts, so a line copied alone as a fact
    still names its branch; a list of records inside an object gets a line per record."""
    branches = readable_result(
        '{"branches":[{"name":"Central","opening":{"saturday":"10:00-16:00","sunday":null}},'
        '{"name":"Harbour","opening":{"saturday":"10:00-14:00","sunday":"11:00-15:00"}}],'
        '"venue":{"name":"Dock Hall","parking":false},"tags":["jazz","live"],'
        '"availability":{"branches":[{"branch":"Central","available":0}]}}'
    )
    assert branches.splitlines() == [
        "branches:",
        "  - name: Central, opening: (saturday: 10:00-16:00, sunday: none)",
        "  - name: Harbour, opening: (saturday: 10:00-14:00, sunday: 11:00-15:00)",
        "venue: (name: Dock Hall, parking: no)",
        "tags: jazz, live",
        "availability:",
        "  branches:",
        "    - branch: Central, available: 0",
    ]


def test_a_records_state_is_read_right_after_its_name() -> None:
    """Read at the end of a long line, "cancelled" was left out of the answer; a place
    called ``state`` or an opening time called ``open`` is no state and stays where it is."""
    departures = readable_result(
        '{"departures":[{"line":"12","time":"08:14","platform":"2","status":"cancelled"},'
        '{"id":"O-1","total":3,"orderStatus":"shipped"},'
        '{"sku":"T-1","price":9,"in_stock":false},{"sku":"T-2","price":9,"in_stock":"yes"},'
        '{"name":"Munich","state":"Bavaria","open":"09:00","isOpen":true}]}'
    )
    assert departures.splitlines() == [
        "departures:",
        "  - line: 12, status: cancelled, time: 08:14, platform: 2",
        "  - id: O-1, orderStatus: shipped, total: 3",
        "  - sku: T-1, in_stock: no, price: 9",
        "  - sku: T-2, in_stock: yes, price: 9",
        "  - name: Munich, isOpen: yes, state: Bavaria, open: 09:00",
    ]


class _FakeServer:
    started = 0

    def __init__(self, params: Any) -> None:
        time.sleep(0.3)  # a blocking load, like llama.cpp reading the weights
        type(self).started += 1
        self.listening_address = "http://127.0.0.1:9/"


async def test_the_model_loads_off_the_event_loop_once_and_other_configs_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("xllamacpp")
    fake.CommonParams = lambda: types.SimpleNamespace(  # type: ignore[attr-defined]
        model=types.SimpleNamespace(),
        cpuparams=types.SimpleNamespace(),
        cpuparams_batch=types.SimpleNamespace(),
    )
    fake.Server = _FakeServer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xllamacpp", fake)
    monkeypatch.setattr(embedded_module, "assemble_model", lambda cache, progress: cache / "m")
    monkeypatch.setattr(_EmbeddedServer, "_address", None)
    monkeypatch.setattr(_EmbeddedServer, "_config", None)
    monkeypatch.setattr(_EmbeddedServer, "_server", None)
    monkeypatch.setattr(_EmbeddedServer, "_lock", threading.Lock())
    provider = EmbeddedProvider(cache_dir=tmp_path, threads=1, context=2048)
    urls: list[str] = []
    ticks = 0

    async def ask() -> None:
        urls.append(await provider.base_url())

    async def tick() -> None:
        nonlocal ticks
        while len(urls) < 3:
            ticks += 1
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as group:
        group.start_soon(tick)
        for _ in range(3):
            group.start_soon(ask)
    assert urls == ["http://127.0.0.1:9/v1"] * 3
    assert _FakeServer.started == 1
    assert ticks >= 10, "the event loop was blocked while the model loaded"
    other = EmbeddedProvider(cache_dir=tmp_path, threads=1, context=4096)
    with pytest.raises(ProviderError, match="already loaded in this process"):
        await other.base_url()


SHOP_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": name,
            "parameters": {
                "type": "object",
                "properties": {key: {"type": "string"}},
                "required": [key],
            },
        },
    }
    for name, key in (("searchProducts", "q"), ("getProduct", "product_id"))
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["searchProducts"],
            ['{"tool": "getProduct", "arguments": {"product_id": "P-101"}}'],
            ['{"tool": "searchProducts", "arguments": {"q": "Steel Kettle"}}'],
        ]
    ],
    indirect=True,
)
async def test_an_invented_id_is_not_called_and_the_model_decides_again(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "How much is the Steel Kettle?"}]
    events = [e async for e in provider.stream(question, SHOP_TOOLS)]
    calls = calls_made(events)
    assert calls == [("searchProducts", {"q": "Steel Kettle"})]
    # The search is the one choice left, and no reply: named by title, the item is searched for.
    offered = [b["properties"]["tool"]["const"] for b in llama[2]["json_schema"]["oneOf"]]
    assert offered == ["searchProducts"]
    # The details tool is not even shown: shown but ruled out, the model answered from
    # nothing instead of searching.
    assert "getProduct" not in llama[2]["messages"][0]["content"]
    assert len(llama) == 3  # the route question came first and is not asked again


@pytest.mark.parametrize(
    "llama",
    [[['{"tool": "getProduct", "arguments": {"product_id": "P-204"}}'], ["getProduct"]]],
    indirect=True,
)
async def test_an_id_the_user_gave_is_called(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "Tell me about product P-204."}]
    events = [e async for e in provider.stream(question, SHOP_TOOLS)]
    assert [e.name for e in events if isinstance(e, ToolCallRequest)] == ["getProduct"]


def tool_def(
    name: str, properties: dict[str, Any], required: list[str], description: str = ""
) -> dict[str, Any]:
    """A tool as the runtime hands it to a provider."""
    parameters = {"type": "object", "properties": properties, "required": required}
    function = {"name": name, "description": description, "parameters": parameters}
    return {"type": "function", "function": function}


INTEGER = {"type": "integer"}
ISSUE_TOOLS = [
    tool_def("searchIssues", {"q": {"type": "string"}}, ["q"], "Search issues."),
    tool_def("getIssue", {"issue_id": INTEGER}, ["issue_id"], "An issue by number."),
    tool_def(
        "listComments",
        {"issue_id": INTEGER},
        ["issue_id"],
        "Comments on an issue: author, date and text.",
    ),
    tool_def("listOrders", {"customer_id": INTEGER}, [], "Orders."),
    tool_def("getForecast", {"days": INTEGER}, ["days"], "Forecast."),
]


@pytest.mark.parametrize(
    ("llama", "asked"),
    [
        (
            [
                ["getIssue"],
                ['{"tool": "getIssue", "arguments": {"issue_id": 101}}'],
                ['{"tool": "searchIssues", "arguments": {"q": "push notifications"}}'],
            ],
            "Who handles the push notifications bug?",
        ),
        (  # 104 is not in 1041
            [
                ['{"tool": "getIssue", "arguments": {"issue_id": 104}}'],
                ['{"tool": "searchIssues", "arguments": {"q": "push notifications"}}'],
                ["searchIssues"],
            ],
            "Is #1041 about push notifications?",
        ),
        (  # nor 10 in a date
            [
                ["getIssue"],
                ['{"tool": "getIssue", "arguments": {"issue_id": 10}}'],
                ['{"tool": "searchIssues", "arguments": {"q": "push notifications"}}'],
            ],
            "What happened on 2026-11-10 with push notifications?",
        ),
    ],
    indirect=["llama"],
)
async def test_an_invented_issue_number_is_not_called(
    provider: EmbeddedProvider, llama: list[dict[str, Any]], asked: str
) -> None:
    """A whole number under an id's name (``issue_id``) is an identifier like ``P-101``:
    one the conversation never showed as such is a guess, and the model looks the issue
    up instead, with the details tool taken out of its prompt."""
    events = [e async for e in provider.stream([{"role": "user", "content": asked}], ISSUE_TOOLS)]
    assert calls_made(events) == [("searchIssues", {"q": "push notifications"})]
    decisions = [request for request in llama if "json_schema" in request]
    assert "getIssue" not in decisions[-1]["messages"][0]["content"]


@pytest.mark.parametrize(
    ("llama", "asked", "system", "expected"),
    [
        (
            [['{"tool": "getIssue", "arguments": {"issue_id": 104}}']],
            "Is #104 still open?",
            "",
            ("getIssue", {"issue_id": 104}),
        ),
        (
            [['{"tool": "getIssue", "arguments": {"issue_id": 104}}']],
            "Status of issue no. 00104?",
            "",
            ("getIssue", {"issue_id": 104}),
        ),
        (
            [["getIssue"], ['{"tool": "getIssue", "arguments": {"issue_id": 42}}']],
            "Show me the team's default issue.",
            "The team's default issue is 42.",
            ("getIssue", {"issue_id": 42}),
        ),
        (
            [["getForecast"], ['{"tool": "getForecast", "arguments": {"days": 5}}']],
            "Weather?",
            "",
            ("getForecast", {"days": 5}),
        ),
    ],
    indirect=["llama"],
)
async def test_an_issue_number_given_as_such_or_a_quantity_is_called(
    provider: EmbeddedProvider,
    llama: list[dict[str, Any]],
    asked: str,
    system: str,
    expected: tuple[str, Any],
) -> None:
    """#104 and "no. 00104" are written by the user, 42 by the GPT's instructions: the
    call goes out (on an id the user named, with no further model request, which the
    scripted server would not answer); ``days`` is a quantity, not an identifier,
    whatever its value."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": asked})
    events = [e async for e in provider.stream(messages, ISSUE_TOOLS)]
    assert calls_made(events) == [expected]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ['{"tool": "getIssue", "arguments": {"issue_id": 104}}'],
            ["none"],
            ["Wir haben 104 Fehler behoben."],
        ]
    ],
    indirect=True,
)
async def test_a_number_used_as_a_quantity_still_gets_the_route_question(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """ "104 bugs" is a count, not issue 104: the call on it waits for the route
    question, which says no tool is needed."""
    asked = "Translate 'we fixed 104 bugs' into German."
    events = [e async for e in provider.stream([{"role": "user", "content": asked}], ISSUE_TOOLS)]
    assert calls_made(events) == []
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == (
        "Wir haben 104 Fehler behoben."
    )


@pytest.mark.parametrize(
    "llama",
    [[["listOrders"], ['{"tool": "listOrders", "arguments": {"customer_id": 57}}']]],
    indirect=True,
)
async def test_an_optional_id_a_result_showed_is_kept(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """An optional number the user never wrote is dropped (the API's default applies),
    but not an id the last search returned: without it the call lists every customer's
    orders."""
    found = after_call("CRM.", "Find Ana Ruiz.", "searchCustomers", {"q": "Ana Ruiz"}, "")
    found[-1]["content"] = '{"results": [{"id": 57, "name": "Ana Ruiz"}]}'
    messages = [*found, {"role": "assistant", "content": "Ana Ruiz is customer 57."}]
    messages.append({"role": "user", "content": "Show her orders."})
    events = [e async for e in provider.stream(messages, ISSUE_TOOLS)]
    assert calls_made(events) == [("listOrders", {"customer_id": 57})]


STATION_TOOLS = [
    tool_def("getStation", {"stop_id": INTEGER}, ["stop_id"], "getStation"),
    tool_def("getDepartures", {"stop_id": INTEGER}, ["stop_id"], "getDepartures"),
    tool_def("getLine", {"line": {"type": "string"}}, ["line"], "getLine"),
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["getStation"],
            ['{"tool": "getStation", "arguments": {"stop_id": 1001}}'],
            ['{"tool": "getDepartures", "arguments": {"stop_id": 1001}}'],
            ['{"tool": "getLine", "arguments": {"line": "42"}}'],
        ]
    ],
    indirect=True,
)
async def test_when_every_call_tried_took_an_unknown_id_the_answer_says_so(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """Three guessed ids in a row, all ruled out: the answer says the lookup needs the
    stop id or the line and asks for them, instead of the model's answer from nothing
    ("False" to "Can I get to the platform with a wheelchair at Central Station?")."""
    asked = "Can I get to the platform with a wheelchair at Central Station?"
    events = [e async for e in provider.stream([{"role": "user", "content": asked}], STATION_TOOLS)]
    assert calls_made(events) == []
    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        "I could not look that up: it needs the stop id or the line, which I don't have. "
        "Could you tell me the stop id or the line?"
    ]
    assert events[-1] == Finish(reason="stop")
    assert len(llama) == 4  # the route question and three decisions; no answer asked for


PET_TOOL = tool_def("getPetById", {"id": INTEGER}, ["id"])
BOOK_TOOLS = [
    tool_def("getBook", {"isbn": {"type": "string"}}, ["isbn"]),
    tool_def("searchBooks", {"q": {"type": "string"}}, ["q"]),
]


@pytest.mark.parametrize(
    ("llama", "asked", "tools", "answer"),
    [
        (  # /pets/{id}: the id of what the tool is about
            [["getPetById"], ['{"tool": "getPetById", "arguments": {"id": 5}}']],
            "Is Rex still available?",
            [PET_TOOL],
            "I could not look that up: it needs the pet id, which I don't have. "
            "Could you tell me the pet id?",
        ),
        (  # one call's ids are needed together
            [["getPhoto"], ['{"tool": "getPhoto", "arguments": {"pet_id": 5, "photo_id": 9}}']],
            "Show me Rex's photo from the beach.",
            [
                tool_def(
                    "getPhoto", {"pet_id": INTEGER, "photo_id": INTEGER}, ["pet_id", "photo_id"]
                )
            ],
            "I could not look that up: it needs the pet id and the photo id, which I don't "
            "have. Could you tell me the pet id and the photo id?",
        ),
        (  # search words with a number are not a missing id
            [
                ["searchBooks"],
                ['{"tool": "searchBooks", "arguments": {"q": "Harry Potter 3"}}'],
                ["The third book is The Prisoner of Azkaban."],
            ],
            "Which is the third Harry Potter book?",
            BOOK_TOOLS[1:],
            "The third book is The Prisoner of Azkaban.",
        ),
        (  # a sum, told by its words: answered without a decision
            [["15% of 80 is 12."]],
            "What's 15% of 80?",
            [PET_TOOL],
            "15% of 80 is 12.",
        ),
    ],
    indirect=["llama"],
)
async def test_the_unidentified_answer_names_what_is_missing_and_only_then(
    provider: EmbeddedProvider,
    llama: list[dict[str, Any]],
    asked: str,
    tools: list[Any],
    answer: str,
) -> None:
    events = [e async for e in provider.stream([{"role": "user", "content": asked}], tools)]
    assert calls_made(events) == []
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == answer


@pytest.mark.parametrize(
    "llama", [[['{"tool": "getBook", "arguments": {"isbn": "9780441013593"}}']]], indirect=True
)
async def test_an_id_written_with_other_separators_is_the_users(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    asked = "Is ISBN 978-0-441-01359-3 on the shelf?"
    events = [e async for e in provider.stream([{"role": "user", "content": asked}], BOOK_TOOLS)]
    assert calls_made(events) == [("getBook", {"isbn": "9780441013593"})]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["getStation"],
            ['{"tool": "getStation", "arguments": {"stop_id": 1001}}'],
            ['{"tool": "getLine", "arguments": {"line": "Central"}}'],
            ["The 42 runs every 10 minutes."],
        ]
    ],
    indirect=True,
)
async def test_a_guess_of_another_kind_gets_the_plain_answer_as_before(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """After an invented id, a guessed text argument ("Central" is not a line the user
    named) says the message may need no tool: no note about a missing id."""
    asked = "How often does the tram run?"
    tools = [STATION_TOOLS[0], STATION_TOOLS[2]]
    events = [e async for e in provider.stream([{"role": "user", "content": asked}], tools)]
    assert calls_made(events) == []
    assert len(llama) == 4  # the route, two ruled-out calls, the plain answer
    assert llama[-1]["messages"][-1]["content"] == asked
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["The 42 runs every 10 minutes."]


WEATHER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": name,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }
    for name, properties, required in (
        ("getCurrentWeather", {"city": {"type": "string"}}, ["city"]),
        (
            "getForecast",
            {"city": {"type": "string"}, "days": {"type": "integer", "default": 3}},
            ["city"],
        ),
        ("listCities", {"country": {"type": "string"}}, []),
    )
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["getCurrentWeather"],  # the route question, wrong here
            ['{"tool": "getCurrentWeather", "arguments": {"city": "London"}}'],
            ['{"tool": "listCities", "arguments": {}}'],
            ["Why did the cloud ", "break up with the fog?"],
        ]
    ],
    indirect=True,
)
async def test_a_guessed_city_is_not_called_and_a_bare_list_after_it_neither(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "Tell me a joke about clouds."}]
    events = [e async for e in provider.stream(question, WEATHER_TOOLS)]
    assert not [e for e in events if isinstance(e, ToolCallRequest)]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Why did the cloud break up with the fog?"
    offered = [b["properties"]["tool"]["const"] for b in llama[2]["json_schema"]["oneOf"][1:]]
    assert offered == ["getForecast", "listCities"]
    assert llama[3]["grammar"] == TEXT_GRAMMAR


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["listCities"],
            ['{"tool": "getCurrentWeather", "arguments": {"city": "Rio de Janeiro"}}'],
            ['{"tool": "listCities", "arguments": {"country": "Brazil"}}'],
        ]
    ],
    indirect=True,
)
async def test_after_a_guessed_city_the_model_may_pick_a_tool_the_message_fits(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "Do you have weather for any city in Brazil?"}]
    events = [e async for e in provider.stream(question, WEATHER_TOOLS)]
    calls = calls_made(events)
    assert calls == [("listCities", {"country": "Brazil"})]


@pytest.mark.parametrize(
    ("question", "arguments"),
    [
        ("Will it rain in London in the next days?", {"city": "London"}),
        ("Forecast for London, 1 day please.", {"city": "London", "days": 1}),
    ],
)
async def test_an_optional_number_the_user_never_gave_is_left_to_the_api(
    provider: EmbeddedProvider,
    monkeypatch: pytest.MonkeyPatch,
    question: str,
    arguments: dict[str, Any],
) -> None:
    app = scripted_llama(
        [["getForecast"], ['{"tool": "getForecast", "arguments": {"city": "London", "days": 1}}']]
    )
    with serve(app) as url:
        use_server(monkeypatch, provider, url)
        messages = [{"role": "user", "content": question}]
        events = [e async for e in provider.stream(messages, WEATHER_TOOLS)]
    calls = calls_made(events)
    assert calls == [("getForecast", arguments)]


DEPARTURES = [
    {
        "type": "function",
        "function": {
            "name": "getDepartures",
            "description": "The next departures from a stop.",
            "parameters": {
                "type": "object",
                "properties": {
                    "stop_id": {"type": "string"},
                    "line": {"type": "string"},
                    "after": {"type": "string", "description": "HH:MM, default now"},
                },
                "required": ["stop_id"],
            },
        },
    }
]


@pytest.mark.parametrize(
    ("question", "after", "arguments"),
    [
        (
            "I'm at stop 1008. When does the next number 12 leave?",
            "05:30",
            {"stop_id": "1008", "line": "12"},
        ),
        (
            "Which buses leave stop 1008 after 7:30 pm? I want the 12.",
            "19:30",
            {"stop_id": "1008", "line": "12", "after": "19:30"},
        ),
        (
            "Stop 1008, the 12, from 19.30 on?",
            "19:30:00",
            {"stop_id": "1008", "line": "12", "after": "19:30:00"},
        ),
        # times written without a colon, or without am or pm, are the user's too
        *(
            (
                f"Stop 1008, the 12, {when}?",
                after,
                {"stop_id": "1008", "line": "12", "after": after},
            )
            for when, after in [
                ("after 7.30pm", "19:30"),
                ("at 7", "19:00"),
                ("at 7", "07:00"),
                ("around 8 o'clock", "20:00"),
                ("after 1900", "19:00"),
                ("after 7:30", "19:30"),
            ]
        ),
        # a date and time is a date copied, not an hour guessed
        (
            "Stop 1008, the 12, tomorrow?",
            "2026-11-29T00:00:00",
            {"stop_id": "1008", "line": "12", "after": "2026-11-29T00:00:00"},
        ),
        ("Stop 1008, the 12, in about 7 minutes?", "19:00", {"stop_id": "1008", "line": "12"}),
    ],
)
async def test_a_time_of_day_nobody_wrote_is_left_to_the_api(
    provider: EmbeddedProvider,
    monkeypatch: pytest.MonkeyPatch,
    question: str,
    after: str,
    arguments: dict[str, Any],
) -> None:
    decision = {"tool": "getDepartures", "arguments": {"stop_id": "1008", "line": "12"}}
    decision["arguments"]["after"] = after
    # The route question follows a call with an argument the user wrote otherwise.
    app = scripted_llama([[json.dumps(decision)], ["getDepartures"]])
    with serve(app) as url:
        use_server(monkeypatch, provider, url)
        messages = [{"role": "user", "content": question}]
        events = [e async for e in provider.stream(messages, DEPARTURES)]
    assert calls_made(events) == [("getDepartures", arguments)]


async def test_a_time_an_earlier_result_listed_is_no_filter_the_user_asked_for(
    provider: EmbeddedProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    decision = {"tool": "getDepartures", "arguments": {"stop_id": "1008", "after": "05:30"}}
    app = scripted_llama([[json.dumps(decision)]])
    messages = after_call(
        "Transit.",
        "I'm at stop 1008. When does the next 12 leave?",
        "getLine",
        {"line": "12"},
        '{"line": "12", "first": "05:30"}',
    )
    with serve(app) as url:
        use_server(monkeypatch, provider, url)
        events = [e async for e in provider.stream(messages, DEPARTURES)]
    assert calls_made(events) == [("getDepartures", {"stop_id": "1008"})]


@pytest.mark.parametrize(
    "llama", [[['{"tool": "getProduct", "arguments": {"product_id": "P-204"}}']]], indirect=True
)
async def test_a_call_taking_the_id_the_user_gave_is_made_without_the_route_question(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "Tell me about product P-204."}]
    events = [e async for e in provider.stream(question, SHOP_TOOLS)]
    calls = calls_made(events)
    assert calls == [("getProduct", {"product_id": "P-204"})]
    assert len(llama) == 1  # the decision alone: a message naming the id asks for its data


def test_the_route_counts_none_from_its_share_of_the_first_tokens() -> None:
    # "Why do shops close on Sundays?": a tool name is likeliest, but "none" has a share
    # no message that needs a tool gets.
    first_tokens = [("getOpening", -0.82), ("none", -1.35), ("get", -1.42), (" get", -4.4)]
    assert not route_needs_a_tool("getOpening", first_tokens, TOOLS)
    # "When does the Lyon store open?": none is far behind.
    first_tokens = [("getOpening", -0.05), ("get", -3.5), ("none", -5.0), ("The", -1.0)]
    assert route_needs_a_tool("getOpening", first_tokens, TOOLS)
    # A fifth of the odds is not enough: a lookup told "none" is answered from guesses.
    assert route_needs_a_tool("getOpening", [("getOpening", log(0.8)), ("none", log(0.2))], TOOLS)
    # Tokens the grammar does not allow ("The", " get") count for neither side.
    assert not route_needs_a_tool("none", [("The", -0.01), ("none", -3.0)], TOOLS)


def test_a_follow_up_is_routed_by_its_likeliest_token_as_before() -> None:
    # "What about Nantes?" read alone looks like small talk; after "Is the Lyon store open
    # on Sunday?" it asks for the same tool's data.
    first_tokens = [("getOpening", -0.6), ("none", -1.2), ("get", -2.5)]
    assert not route_needs_a_tool("getOpening", first_tokens, TOOLS)
    assert route_needs_a_tool("getOpening", first_tokens, TOOLS, follow_up=True)
    # None beats each tool token, though not all of them together: none, as before.
    two = [*TOOLS, {"type": "function", "function": {"name": "searchProducts"}}]
    split = [("none", log(0.4)), ("get", log(0.3)), ("search", log(0.3))]
    assert not route_needs_a_tool("none", split, two, follow_up=True)


def test_the_route_leaves_out_tokens_that_open_both_none_and_a_tool() -> None:
    notify = [{"type": "function", "function": {"name": "notifyTeam", "parameters": {}}}]
    # "no" may begin "none" or "notifyTeam": it says nothing about either.
    assert route_needs_a_tool("notify", [("no", -0.1), ("notify", -2.0), ("none", -5.0)], notify)
    # Without odds for an allowed token, the token written decides, a piece of "none" too.
    assert not route_needs_a_tool("none", [], TOOLS)
    assert not route_needs_a_tool("no", [("I", -0.1), ("The", -1.0)], TOOLS)
    assert route_needs_a_tool("getOpening", [("getOpening", None)], TOOLS)
    # A tool whose name begins with "none" cannot be told from it: the decision decides.
    none_left = [{"type": "function", "function": {"name": "noneLeft", "parameters": {}}}]
    assert route_needs_a_tool("none", [("none", -0.01)], none_left)


FAIR_CHANCE_OF_NONE: Piece = ("getOpening", [("getOpening", -0.6), ("none", -1.2), ("get", -2.5)])
"""A route answer whose likeliest token names the tool, with about a third of the odds on none."""


@pytest.mark.parametrize(
    "llama",
    [
        [
            [FAIR_CHANCE_OF_NONE],
            ["Humid air ", "makes tea leaves go stale."],
        ]
    ],
    indirect=True,
)
async def test_a_message_with_a_fair_chance_of_none_is_answered_without_a_tool(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [
        {"role": "system", "content": "Shop."},
        {"role": "user", "content": "Why does humidity matter for tea?"},
    ]
    events = [e async for e in provider.stream(question, TOOLS)]
    assert not [e for e in events if isinstance(e, ToolCallRequest)]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Humid air makes tea leaves go stale."
    route = llama[0]
    # One token written, with the likeliest candidates and their odds.
    assert route["max_tokens"] == 1
    assert route["logprobs"] is True and route["top_logprobs"] == 20
    assert len(llama) == 2 and llama[1]["grammar"] == TEXT_GRAMMAR


@pytest.mark.parametrize(
    "llama",
    [
        [
            [FAIR_CHANCE_OF_NONE],
            ['{"tool": "getOpeningHours", "arguments": {"city": "Nantes"}}'],
        ]
    ],
    indirect=True,
)
async def test_a_follow_up_with_the_same_odds_still_gets_its_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    conversation = [
        {"role": "system", "content": "Shop."},
        {"role": "user", "content": "Is the Lyon store open on Sunday?"},
        {"role": "assistant", "content": "No, the Lyon store is closed on Sunday."},
        {"role": "user", "content": "What about Nantes?"},
    ]
    events = [e async for e in provider.stream(conversation, TOOLS)]
    calls = calls_made(events)
    assert calls == [("getOpeningHours", {"city": "Nantes"})]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["none"],
            ["Why was the tea ", "sad? It was mugged."],
        ]
    ],
    indirect=True,
)
async def test_a_message_the_route_says_needs_no_tool_is_answered_without_the_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [
        {"role": "system", "content": "The Corner Shop."},
        {"role": "system", "content": "Today is Friday, 27 November 2026.", "name": DATE_NOTE},
        {"role": "system", "content": 'The user attached "prices.csv".'},
        {"role": "user", "content": "Tell me a joke about tea."},
    ]
    events = [e async for e in provider.stream(question, SHOP_TOOLS)]
    assert not [e for e in events if isinstance(e, ToolCallRequest)]
    assert (
        "".join(e.text for e in events if isinstance(e, TextDelta))
        == "Why was the tea sad? It was mugged."
    )
    route = llama[0]
    assert route["grammar"].endswith('start: "none" | "searchProducts" | "getProduct"')
    assert route["messages"][0]["content"].startswith(
        "Tools:\n- searchProducts: searchProducts\n- getProduct: getProduct\n\n"
        'The Corner Shop.\n\nThe user attached "prices.csv".'
    )
    # Only the message differs from one route question to the next (the prompt cache).
    assert route["messages"][1]["content"] == 'Message: "Tell me a joke about tea."'
    # Answered at once: no decision, no guessed call ruled out one by one.
    assert len(llama) == 2 and llama[1]["grammar"] == TEXT_GRAMMAR
    # The answer is written under the instructions and one line per tool, without the rules
    # for calling them (under those the model answered "Thank you").
    # The route question leaves out the date (with it, the small model searched for some
    # translations) but not the note of an attached file; the answer has both, the date
    # first, so that its prompt and the route question's begin differently.
    assert "Today is" not in route["messages"][0]["content"]
    assert 'attached "prices.csv"' in route["messages"][0]["content"]
    answer_system = llama[1]["messages"][0]["content"]
    assert answer_system == (
        "Today is Friday, 27 November 2026.\n\n"
        "Tools:\n- searchProducts: searchProducts\n- getProduct: getProduct\n\n"
        'The Corner Shop.\n\nThe user attached "prices.csv".'
    )
    assert "JSON" not in answer_system and "JSON" not in llama[1]["messages"][-1]["content"]
    assert llama[1]["messages"][-1] == question[-1]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["searchProducts"],
            ['{"tool": "getProduct", "arguments": {"product_id": "P-204"}}'],
            ['{"tool": "searchProducts", "arguments": {"q": "teapot colours"}}'],
        ]
    ],
    indirect=True,
)
async def test_after_an_invented_id_the_search_may_use_its_own_words(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "What colors does the Ceramic Teapot come in?"}]
    events = [e async for e in provider.stream(question, SHOP_TOOLS)]
    calls = calls_made(events)
    assert calls == [("searchProducts", {"q": "teapot colours"})]


NOTE_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "saveNote",
        "description": "Save a note.",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "body": {"type": "string"},
                "category": {"type": "string", "enum": ["lifestyle", "work"]},
            },
            "required": ["title", "body"],
        },
    },
}
COMPOSED = {
    "title": "Meal ideas",
    "body": "Three quick dinners for busy weeknights: 2 cups of rice per person, beans, greens.",
    "category": "lifestyle",
}


@pytest.mark.parametrize(
    "llama",
    [[["saveNote"], [json.dumps({"tool": "saveNote", "arguments": COMPOSED})]]],
    indirect=True,
)
async def test_composed_text_and_enum_choices_are_not_taken_for_guesses(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """Only short lookup values (a city, an id, a search) must come from the conversation:
    text the model writes (a note's body, a GPT's instructions) and a choice from the
    schema's enum are its own."""
    question = [{"role": "user", "content": "Save a note with meal ideas for my week."}]
    events = [e async for e in provider.stream(question, [NOTE_TOOL])]
    calls = calls_made(events)
    assert calls == [("saveNote", COMPOSED)]


EVENTS_TOOL = {
    "type": "function",
    "function": {
        "name": "listEvents",
        "description": "Events of a month",
        "parameters": {
            "type": "object",
            "properties": {"month": {"type": "string", "description": "YYYY-MM"}},
            "required": ["month"],
        },
    },
}


@pytest.mark.parametrize(
    "llama",
    [[['{"tool": "listEvents", "arguments": {"month": "2027-01"}}'], ["listEvents"]]],
    indirect=True,
)
async def test_a_date_derived_from_words_is_not_taken_for_an_invented_id(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """ "In January" becomes ``2027-01``: a date the user wrote in words, not an id the
    model made up (ids such as ``P-101`` still are; see above)."""
    question = [{"role": "user", "content": "Which events are on in January 2027?"}]
    events = [e async for e in provider.stream(question, [EVENTS_TOOL])]
    calls = calls_made(events)
    assert calls == [("listEvents", {"month": "2027-01"})]


ORDER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "getOrder",
        "description": "Status of an order.",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    },
}
AFTER_SEARCH = after_call(
    "The Corner Shop.",
    "What colors does the Ceramic Teapot come in?",
    "searchProducts",
    {"q": "teapot"},
    '{"count": 1, "results": [{"id": "P-204", "title": "Ceramic Teapot"}]}',
)


def test_the_details_operation_is_the_one_that_takes_the_ids_a_result_lists() -> None:
    """After a product search listing ``id: P-204``: getProduct takes it (``product_id``
    is a product's id); getOrder's ``order_id`` is not an id of these results, and a
    result without ids (a city's weather) has no follow-up."""
    tools = [*SHOP_TOOLS, ORDER_TOOL, TOOLS[0]]
    assert [t["function"]["name"] for t in follow_up_tools(AFTER_SEARCH, tools)] == ["getProduct"]
    weather = [*AFTER_SEARCH[:3], {**AFTER_SEARCH[3], "content": '{"city": "Lyon", "temp": 4}'}]
    assert follow_up_tools(weather, tools) == []
    error = [*AFTER_SEARCH[:3], {**AFTER_SEARCH[3], "content": "HTTP 404 error from the API."}]
    assert follow_up_tools(error, tools) == []


def test_whole_numbers_under_an_id_name_are_ids_a_details_operation_takes() -> None:
    """Issue trackers and pet stores number their items: ``id: 107`` in a search result
    is what ``getIssue(issue_id)`` takes; ``total`` and ``page_number`` are not ids, and a
    details result's own id (the one it was asked for) leads nowhere."""
    result = '{"total": 1, "issues": [{"id": 107, "title": "Push notifications arrive twice"}]}'
    search = after_call("Trackly.", "Who handles it?", "searchIssues", {"q": "push"}, result)
    names = [t["function"]["name"] for t in follow_up_tools(search, ISSUE_TOOLS)]
    assert names == ["getIssue", "listComments"]
    counts = [*search[:3], {**search[3], "content": '{"total": 1, "page_number": 2}'}]
    assert follow_up_tools(counts, ISSUE_TOOLS) == []
    details = after_call(
        "Trackly.",
        "On what date was issue 104 opened?",
        "getIssue",
        {"issue_id": 104},
        '{"id": 104, "title": "Refunds fail", "created": "2026-10-02"}',
    )
    assert follow_up_tools(details, ISSUE_TOOLS) == []
    assert details_to_fetch(details, ISSUE_TOOLS) == []


PRODUCT_TOOLS: Any = [
    SHOP_TOOLS[0],
    {
        **SHOP_TOOLS[1],
        "function": {
            **SHOP_TOOLS[1]["function"],
            "description": "Details of one product by its id. Price, stock count, colors and "
            "description of a product.",
        },
    },
]


def _after_search(question: str, result: str, query: str = "teapot") -> list[dict[str, Any]]:
    return after_call("The Corner Shop.", question, "searchProducts", {"q": query}, result)


def test_the_details_are_fetched_when_they_name_what_the_search_does_not_give() -> None:
    """Colours are in getProduct's description and not in the search result: fetch them.
    Stock is in the result (``in_stock``): answer from it. A search result that only
    echoes the query (``query: teapot colors``) does not give colours."""
    result = '{"results": [{"id": "P-204", "title": "Ceramic Teapot", "in_stock": true}]}'
    colours = _after_search("What colors does the Ceramic Teapot come in?", result)
    assert [t["function"]["name"] for t in details_to_fetch(colours, PRODUCT_TOOLS)] == [
        "getProduct"
    ]
    stock = _after_search("Is the Ceramic Teapot in stock?", result)
    assert details_to_fetch(stock, PRODUCT_TOOLS) == []
    echoed = '{"query": "teapot colors", "results": [{"id": "P-204", "title": "Teapot"}]}'
    query = _after_search("Which colors does the teapot come in?", echoed, "teapot colors")
    assert [t["function"]["name"] for t in details_to_fetch(query, PRODUCT_TOOLS)] == ["getProduct"]
    # No details operation describes it: nothing to fetch.
    assert details_to_fetch(colours, SHOP_TOOLS) == []


@pytest.mark.parametrize(
    "llama", [[['{"tool": "getProduct", "arguments": {"product_id": "P-204"}}']]], indirect=True
)
async def test_a_search_that_lacks_what_was_asked_is_followed_by_the_details_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    events = [e async for e in provider.stream(AFTER_SEARCH, [*PRODUCT_TOOLS, ORDER_TOOL])]
    calls = calls_made(events)
    assert calls == [("getProduct", {"product_id": "P-204"})]
    (call,) = llama
    branches = call["json_schema"]["oneOf"]
    assert [b["properties"]["tool"]["const"] for b in branches] == ["getProduct"]
    assert "id: P-204, title: Ceramic Teapot" in call["messages"][-1]["content"]


@pytest.mark.parametrize(
    "llama",
    [
        [
            [
                '{"tool": "getDepartures", "arguments": '
                '{"stop_id": 1002, "line": "42", "after": "now", "platform": "B2"}}'
            ]
        ]
    ],
    indirect=True,
)
async def test_a_details_call_asked_for_is_made_without_the_texts_the_model_made_up(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """Made to call getDepartures after a stop search, the model wrote ``after: "now"``
    (and once ``line: "contextual"``); ruling the call out left it to answer from the
    search ("at 10:00, on time"). The made-up optional text is left out instead; the
    line the user named stays."""
    tools = [
        _tool("searchStops", "Stops whose name matches: stop id and lines.", q="string"),
        _tool(
            "getDepartures",
            "The next departures from a stop: line, scheduled and expected time.",
            required=["stop_id"],
            stop_id="integer",
            line="string",
            after="string",
            platform="string",
        ),
    ]
    found = '{"stops": [{"stop_id": 1002, "name": "Harbor Street", "lines": ["12", "42"]}]}'
    question = "I'm at Harbor Street for the 42. When will it get here?"
    messages = after_call("Transit.", question, "searchStops", {"q": "Harbor Street"}, found)
    events = [e async for e in provider.stream(messages, tools)]
    assert calls_made(events) == [("getDepartures", {"stop_id": 1002, "line": "42"})]


@pytest.mark.parametrize("llama", [[["It comes in ", "white."]]], indirect=True)
async def test_a_search_that_gives_what_was_asked_is_answered_from(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    events = [e async for e in provider.stream(AFTER_SEARCH, SHOP_TOOLS)]
    assert not [e for e in events if isinstance(e, ToolCallRequest)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "It comes in white."
    assert '"getProduct"' in llama[0]["grammar"]  # the answer may still call a tool


def test_a_not_found_answer_survives_deep_nesting_and_shows_no_control_characters() -> None:
    def error(body: str) -> str:
        return f"HTTP 404 error from the API. Response excerpt: {body}"

    nested = ("[" * 3000)[:2000] + "…"
    assert not_found_answer(error(nested)) == 'The API answered "not found" (HTTP 404).'
    assert readable_result(error(nested)).startswith("Error 404 (Not Found)")
    quoted = not_found_answer(error('{"detail":"a\\u0000b\\u001b[31m\\u202ec\\ud800d"}'))
    assert quoted == 'The API answered "not found": ab[31mcd'


@pytest.mark.parametrize(
    "llama", [[['{"tool": "getOrder", "arguments": {"order_id": "B-8"}}']]], indirect=True
)
async def test_a_not_found_for_one_of_two_orders_still_looks_up_the_other(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    messages = after_call(
        "Shop.",
        "Where are my orders B-7 and B-8?",
        "getOrder",
        {"order_id": "B-7"},
        'HTTP 404 error from the API. Response excerpt: {"detail":"No order B-7."}',
    )
    events = [e async for e in provider.stream(messages, [ORDER_TOOL])]
    calls = [e for e in events if isinstance(e, ToolCallRequest)]
    assert [json.loads(c.arguments) for c in calls] == [{"order_id": "B-8"}]


@pytest.mark.parametrize(
    "llama",
    [[["none"], ['{"tool": "getWait", "arguments": {"terminal": "Terminal 2"}}']]],
    indirect=True,
)
async def test_a_call_taking_what_the_user_named_survives_a_none_route(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "getWait",
                "description": "Security wait time at a terminal.",
                "parameters": {
                    "type": "object",
                    "properties": {"terminal": {"type": "string"}},
                    "required": ["terminal"],
                },
            },
        }
    ]
    question = [{"role": "user", "content": "How long is the wait at Terminal 2?"}]
    events = [e async for e in provider.stream(question, tools)]
    calls = [json.loads(e.arguments) for e in events if isinstance(e, ToolCallRequest)]
    assert calls == [{"terminal": "Terminal 2"}]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["getOpeningHours"],
            ['{"tool": "getOpeningHours", "arguments": {"city": "Lyon"}}'],
            ["Yes, 10:00 to 18:00."],
            ["none"],
            ["Why did the shop close? It ran out of stock."],
        ]
    ],
    indirect=True,
)
async def test_each_kind_of_prompt_begins_differently_so_each_is_restored_from_the_cache(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    # One slot holds them in turn: a prompt sharing its head with the one before kept that
    # head and re-read the rest (5 s per decision with long instructions), where a prompt
    # that begins differently is restored whole from llama.cpp's RAM cache.
    date = {"role": "system", "content": "Today is Friday, 27 November 2026.", "name": DATE_NOTE}
    question = [
        {"role": "system", "content": "You help the Lyon and Nantes shops' customers."},
        date,
        {"role": "user", "content": "Is the Lyon store open on Sunday?"},
    ]
    assert calls_made([e async for e in provider.stream(question, TOOLS)]) == [
        ("getOpeningHours", {"city": "Lyon"})
    ]
    answered = after_call(
        question[0]["content"],
        question[2]["content"],
        "getOpeningHours",
        {"city": "Lyon"},
        '{"sunday": "10:00-18:00"}',
    )
    answered.insert(1, date)
    [e async for e in provider.stream(answered, TOOLS)]
    thanks = [*answered, {"role": "assistant", "content": "Yes, 10:00 to 18:00."}]
    joke = {"role": "user", "content": "Tell me a joke about shops."}
    [e async for e in provider.stream([*thanks, joke], TOOLS)]

    route, decision, after_result, _, plain = (r["messages"][0]["content"] for r in llama)
    assert route.startswith("Tools:\n- getOpeningHours: ")
    assert decision.startswith("You help the Lyon") and after_result == decision
    assert plain.startswith("Today is Friday, 27 November 2026.\n\nTools:\n")
    assert len({prompt.split("\n")[0] for prompt in (route, decision, plain)}) == 3
    # The order changed, not what each shows.
    assert "You help the Lyon" in route and "Today is" not in route
    assert plain.endswith("\n\nYou help the Lyon and Nantes shops' customers.")
    assert "Today is Friday" in decision


def _tool(
    name: str, description: str, *, required: list[str] | None = None, **properties: Any
) -> dict[str, Any]:
    """A tool definition; a property is a type name or a whole schema. Every property but
    ``date`` is required unless ``required`` says otherwise."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    key: kind if isinstance(kind, dict) else {"type": kind}
                    for key, kind in properties.items()
                },
                "required": [k for k in properties if k != "date"]
                if required is None
                else required,
            },
        },
    }


CLINIC_TOOLS = [
    _tool("searchDoctors", "Find doctors by name: id, name and specialty.", q="string"),
    _tool("getDoctor", "A doctor's profile: whether they take new patients.", doctor_id="integer"),
    _tool(
        "listFreeSlots", "Free appointment times of a doctor.", doctor_id="integer", date="string"
    ),
    _tool("getOpeningHours", "The practice's opening hours."),
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["getDoctor"],
            ['{"tool": "getDoctor", "arguments": {"doctor_id": 11}}'],
            ['{"tool": "searchDoctors", "arguments": {"q": "Weber"}}'],
        ]
    ],
    indirect=True,
)
async def test_after_an_invented_id_the_item_is_searched_for(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """Left to decide again after its guessed doctor id was ruled out, the small model
    took the opening hours for "Is Dr. Weber taking new patients?": the decision after
    it is a call of the search for doctors, the one tool that finds the id."""
    question = [{"role": "user", "content": "Is Dr. Weber taking new patients?"}]
    events = [e async for e in provider.stream(question, CLINIC_TOOLS)]
    assert calls_made(events) == [("searchDoctors", {"q": "Weber"})]
    branches = llama[2]["json_schema"]["oneOf"]
    assert [b["properties"]["tool"]["const"] for b in branches] == ["searchDoctors"]  # no reply
    # The search text is required: an empty search would list every doctor.
    assert "q" in branches[0]["properties"]["arguments"]["required"]


TICKET_TOOLS = [
    _tool("getTicket", "A support ticket by its id.", ticket_id="string"),
    _tool("createTicket", "Open a support ticket.", text="string"),
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["getTicket"],
            ['{"tool": "getTicket", "arguments": {"ticket_id": "T-4471"}}'],
            ['{"reply": "Which ticket do you mean?"}'],
        ]
    ],
    indirect=True,
)
async def test_no_write_operation_is_taken_for_the_search_after_an_invented_id(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """``createTicket(text)`` takes text but is no search: after the guessed ticket id the
    model decides freely again, and may ask for the id."""
    question = [{"role": "user", "content": "What's the status of my ticket?"}]
    events = [e async for e in provider.stream(question, TICKET_TOOLS)]
    assert calls_made(events) == []
    assert "reply" in llama[2]["json_schema"]["oneOf"][0]["properties"]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["listFreeSlots"],
            ['{"tool": "listFreeSlots", "arguments": {"doctor_id": 11, "date": "2026-11-28"}}'],
            ['{"tool": "searchDoctors", "arguments": {"q": "Weber"}}'],
            ['{"tool": "getOpeningHours", "arguments": {}}'],
        ]
    ],
    indirect=True,
)
async def test_a_guessed_search_text_asked_for_by_the_provider_does_not_stop_a_plain_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """The search asked for after an invented id must write some text; when the message
    names no doctor it is a guess and is ruled out, but that says nothing about whether
    the message needs a tool: the opening hours, which take nothing, are still called."""
    question = [{"role": "user", "content": "Can I drop by on Saturday for my prescription?"}]
    events = [e async for e in provider.stream(question, CLINIC_TOOLS)]
    assert calls_made(events) == [("getOpeningHours", {})]
    assert len(llama) == 4


def test_a_details_tool_is_fetched_for_the_words_of_its_name_the_search_is_not_about() -> None:
    """ "free" is what listFreeSlots is named for: asked whether anything is free, the
    slots are fetched after a doctor search; "doctor", what the search was about, says
    nothing (the profile is not fetched for it)."""
    result = '{"doctors": [{"id": 12, "name": "Dr. Mehmet Aydin", "specialty": "GP"}]}'
    free = after_call("Clinic.", "Is anything free with Dr. Aydin?", "searchDoctors", {}, result)
    names = [t["function"]["name"] for t in details_to_fetch(free, CLINIC_TOOLS)]
    assert names == ["listFreeSlots"]
    doctor = after_call("Clinic.", "Which doctor is Dr. Aydin?", "searchDoctors", {}, result)
    assert details_to_fetch(doctor, CLINIC_TOOLS) == []


@pytest.mark.parametrize(
    "llama",
    [[["getOpeningHours"], ['{"tool": "getOpeningHours", "arguments": {"city": "Lyon"}}']]],
    indirect=True,
)
async def test_the_days_a_message_names_are_spelled_out_in_the_decision(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """Told only today's date, the small model sent today's for "this Monday"."""
    note = "Today is Friday, 27 November 2026 (2026-11-27)."
    question = [
        {"role": "system", "content": "Shop."},
        {"role": "system", "content": note, "name": DATE_NOTE},
        {"role": "user", "content": "Is Lyon open this Monday?"},
    ]
    events = [e async for e in provider.stream(question, TOOLS)]
    assert calls_made(events) == [("getOpeningHours", {"city": "Lyon"})]
    decision = llama[1]["messages"]
    assert decision[-1]["content"] == (
        "Is Lyon open this Monday?\n(this Monday = Monday 2026-11-30)"
    )
    # The route question reads the message as written.
    assert llama[0]["messages"][-1]["content"] == 'Message: "Is Lyon open this Monday?"'


PICKUP_TOOLS = [
    _tool(
        "searchPickupPoints",
        "Pickup points in a city: lockers, partner shops and post offices.",
        required=["q"],
        q="string",
        type={
            "anyOf": [
                {"enum": ["locker", "shop", "post_office"], "type": "string"},
                {"type": "null"},
            ]
        },
    )
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["searchPickupPoints"],
            [
                '{"tool": "searchPickupPoints", "arguments": {"q": "Hamburg", "type": "post_office"}}'
            ],
        ]
    ],
    indirect=True,
)
async def test_a_choice_the_question_does_not_name_gives_way_to_the_one_it_names(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    question = [{"role": "user", "content": "Is there a parcel locker in Hamburg?"}]
    events = [e async for e in provider.stream(question, PICKUP_TOOLS)]
    assert calls_made(events) == [("searchPickupPoints", {"q": "Hamburg", "type": "locker"})]


def test_a_details_tool_named_for_its_item_alone_is_not_fetched_for_that_word() -> None:
    """getBook is named for what it returns, a book: "Which books do I have on loan?"
    after the loans (which list ISBNs) needs no book's details."""
    tools = [
        _tool("getMemberLoans", "The books a member has on loan.", member_id="string"),
        _tool("getBook", "Details of a book: authors, subjects, copies per branch.", isbn="string"),
    ]
    result = '{"loans": [{"isbn": "9780441013593", "title": "Dune", "due": "2026-12-01"}]}'
    loans = after_call(
        "Library.",
        "Which books do I have on loan?",
        "getMemberLoans",
        {"member_id": "M-17"},
        result,
    )
    assert [t["function"]["name"] for t in follow_up_tools(loans, tools)] == ["getBook"]
    assert details_to_fetch(loans, tools) == []
    # The same item under the names specs give it: details, by its parameter, FastAPI's.
    for name in ("getBookDetails", "get_book_by_isbn", "read_book_books__isbn__get"):
        renamed = [tools[0], {**tools[1], "function": {**tools[1]["function"], "name": name}}]
        assert details_to_fetch(loans, renamed) == []
    subjects = after_call(
        "Library.", "Which subjects is my book about?", "getMemberLoans", {}, result
    )
    assert [t["function"]["name"] for t in details_to_fetch(subjects, tools)] == ["getBook"]


TARIFF_TOOLS = [
    _tool(
        "getTariffs",
        "Prices of the tariffs.",
        required=[],
        plan={"enum": ["fixed_24", "flex", "ev_night"]},
    )
]


@pytest.mark.parametrize(
    "llama",
    [[["getTariffs"], ['{"tool": "getTariffs", "arguments": {"plan": "fixed_24"}}']]],
    indirect=True,
)
async def test_an_enum_choice_with_a_digit_is_not_an_invented_identifier(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """``fixed_24`` holds a digit the user never wrote, but it is one of the schema's
    choices: the call is made (it was ruled out as a guessed id, and the turn answered
    that it needed "the plan", for "What is a kilowatt-hour?" among others)."""
    question = [{"role": "user", "content": "What does the fixed tariff cost?"}]
    events = [e async for e in provider.stream(question, TARIFF_TOOLS)]
    assert calls_made(events) == [("getTariffs", {"plan": "fixed_24"})]


@pytest.mark.parametrize(
    ("question", "chosen"),
    [
        ("Is there a parcel locker in Hamburg?", "locker"),
        ("Anything other than a locker in Hamburg?", "post_office"),
        ("I don't want a locker in Hamburg, where else?", "post_office"),
        ("Where can I post a parcel in Hamburg?", "post_office"),
    ],
)
async def test_only_a_choice_the_question_names_plainly_replaces_the_models(
    provider: EmbeddedProvider, monkeypatch: pytest.MonkeyPatch, question: str, chosen: str
) -> None:
    decision = (
        '{"tool": "searchPickupPoints", "arguments": {"q": "Hamburg", "type": "post_office"}}'
    )
    app = scripted_llama([["searchPickupPoints"], [decision]])
    with serve(app) as url:
        use_server(monkeypatch, provider, url)
        messages = [{"role": "user", "content": question}]
        events = [e async for e in provider.stream(messages, PICKUP_TOOLS)]
    assert calls_made(events) == [("searchPickupPoints", {"q": "Hamburg", "type": chosen})]


COUNTRY_TOOLS = [
    _tool(
        "searchHotels",
        "Hotels in a city.",
        required=["city"],
        city="string",
        country={"enum": ["DE", "FR", "IN", "US", "AT"]},
    )
]


@pytest.mark.parametrize(
    "llama",
    [
        [
            ["searchHotels"],
            ['{"tool": "searchHotels", "arguments": {"city": "Berlin", "country": "DE"}}'],
        ]
    ],
    indirect=True,
)
async def test_a_short_choice_is_never_taken_from_the_questions_words(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """ "in" and "at" are words of nearly every question, not the countries IN and AT."""
    question = [{"role": "user", "content": "Which hotels are free in Berlin?"}]
    events = [e async for e in provider.stream(question, COUNTRY_TOOLS)]
    assert calls_made(events) == [("searchHotels", {"city": "Berlin", "country": "DE"})]


STORE_TOOLS = [_tool("getStore", "A store's opening hours.", store_id={"enum": ["ST-01", "ST-02"]})]


@pytest.mark.parametrize(
    "llama",
    [[["getStore"], ['{"tool": "getStore", "arguments": {"store_id": "ST-01"}}']]],
    indirect=True,
)
async def test_an_enum_under_an_id_name_is_still_a_guess_when_nobody_named_it(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """Picking one of several stores for "Is the store open now?" is a guess, enum or not."""
    question = [{"role": "user", "content": "Is the store open now?"}]
    events = [e async for e in provider.stream(question, STORE_TOOLS)]
    assert calls_made(events) == []


HOTEL_AVAILABILITY = _tool(
    "checkAvailability",
    "Free rooms between two dates.",
    required=["check_in", "check_out"],
    check_in="string",
    check_out="string",
    view={"type": "string", "enum": ["sea", "garden"]},
    guests="integer",
    room_type_id="integer",
)


async def test_optional_arguments_the_model_left_empty_are_not_sent(
    provider: EmbeddedProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sent as ``?room_type_id=&guests=``, the API rejected the whole request.
    decision = {
        "tool": "checkAvailability",
        "arguments": {
            "check_in": "2026-11-28",
            "check_out": "2026-11-29",
            "view": "sea",
            "guests": "",
            "room_type_id": " ",
        },
    }
    app = scripted_llama([["checkAvailability"], [json.dumps(decision)]])
    with serve(app) as url:
        use_server(monkeypatch, provider, url)
        question = "Do you have a sea view room for tomorrow night?"
        messages = [{"role": "user", "content": question}]
        events = [e async for e in provider.stream(messages, [HOTEL_AVAILABILITY])]
    calls = calls_made(events)
    assert calls == [
        ("checkAvailability", {"check_in": "2026-11-28", "check_out": "2026-11-29", "view": "sea"})
    ]


@pytest.mark.parametrize("llama", [[["Quarto", "."]]], indirect=True)
async def test_a_translation_is_answered_without_the_route_question_or_a_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    # The small model had routed it to the hotel's room search ("room" is in its name).
    rooms = _tool("listRoomTypes", "Room types with size, view and amenities.", q="string")
    question = [{"role": "user", "content": "How do you say 'room' in Portuguese?"}]
    events = [e async for e in provider.stream(question, [rooms])]
    assert not calls_made(events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Quarto."
    assert len(llama) == 1 and llama[0]["grammar"] == TEXT_GRAMMAR


CAR_CATEGORIES = [
    {"name": name, "fuel": fuel, "range_km": km, "note": "Ask at the desk for anything. " * 9}
    for name, fuel, km in (
        ("Compact", "petrol", 700),
        ("Estate", "diesel", 900),
        ("Electric", "electric", 480),
    )
]


@pytest.mark.parametrize("llama", [[["The Electric goes 480 km."]]], indirect=True)
async def test_a_large_list_is_shown_cut_to_the_records_the_question_names(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    categories = CAR_CATEGORIES
    question = "How far can your electric car go?"
    turn = after_call("Cars.", question, "listCategories", {}, json.dumps(categories))
    events = [e async for e in provider.stream(turn, [])]
    assert (
        "".join(e.text for e in events if isinstance(e, TextDelta)) == "The Electric goes 480 km."
    )
    shown = llama[0]["messages"][-1]["content"]
    assert "name: Electric, fuel: electric, range_km: 480" in shown
    assert "Compact" not in shown and "Estate" not in shown


@pytest.mark.parametrize("llama", [[["The Compact, at 700 km."]]], indirect=True)
async def test_an_earlier_turns_result_is_shown_whole(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    categories = CAR_CATEGORIES
    turn = after_call(
        "Cars.", "How far can your electric car go?", "listCategories", {}, json.dumps(categories)
    )
    turn += [
        {"role": "assistant", "content": "The Electric goes 480 km."},
        {"role": "user", "content": "And which of them goes the farthest?"},
    ]
    events = [e async for e in provider.stream(turn, [])]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "The Compact, at 700 km."
    shown = "\n".join(str(m["content"]) for m in llama[0]["messages"])
    assert "name: Compact" in shown and "name: Estate" in shown


@pytest.mark.parametrize("llama", [[["That is ", "294 euros."]]], indirect=True)
async def test_a_sum_on_the_numbers_given_is_answered_without_a_call(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    # "49" reads as an identifier the user gave; it is a sum's operand here.
    question = [
        {"role": "user", "content": "A car costs 49 euros a day. How much is that for 6 days?"}
    ]
    events = [e async for e in provider.stream(question, [HOTEL_AVAILABILITY])]
    assert not calls_made(events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "That is 294 euros."
    assert len(llama) == 1 and llama[0]["grammar"] == TEXT_GRAMMAR
    # Worked out for the model, which had written "346".
    assert llama[0]["messages"][-1]["content"].endswith(
        "How much is that for 6 days?\n(49 × 6 = 294)"
    )


@pytest.mark.parametrize("llama", [[]], indirect=True)
@pytest.mark.parametrize(
    "empty",
    [
        "[]",
        '{"count": 0, "results": []}',
        '{"city": {"name": "Munich"}, "open": true, "points": [], "message": "No point matches."}',
        '{"q": "Schreibwaren Huber", "points": [], "message": "No points found for this search."}',
    ],
)
async def test_a_search_a_filter_nobody_asked_for_left_empty_is_made_again_without_it(
    provider: EmbeddedProvider, llama: list[dict[str, Any]], empty: str
) -> None:
    """``type: post_office`` for a stationery shop found nothing, and the answer said the
    shop does not exist; the same search without the filter is made before any answer."""
    messages = after_call(
        "Parcels.",
        "Can I drop off a return at Schreibwaren Huber in Munich?",
        "searchPickupPoints",
        {"q": "Schreibwaren Huber", "type": "post_office"},
        empty,
    )
    events = [e async for e in provider.stream(messages, PICKUP_TOOLS)]
    assert calls_made(events) == [("searchPickupPoints", {"q": "Schreibwaren Huber"})]
    assert not llama  # decided without the model


@pytest.mark.parametrize("llama", [[["Nothing matches."]]], indirect=True)
@pytest.mark.parametrize(
    ("question", "arguments", "result"),
    [
        # the user named the filter: nothing found is the answer
        ("Is there a parcel locker in Tübingen?", {"q": "Tübingen", "type": "locker"}, "[]"),
        # something was found: the filter stays
        (
            "Can I drop off a return at Schreibwaren Huber?",
            {"q": "Schreibwaren Huber", "type": "shop"},
            '[{"id": 4, "name": "Schreibwaren Huber"}]',
        ),
        # no filter to leave out
        ("Can I drop off a return at Huber?", {"q": "Huber"}, "[]"),
    ],
)
async def test_a_search_is_not_made_again_when_its_filters_were_asked_for_or_it_found_some(
    provider: EmbeddedProvider,
    llama: list[dict[str, Any]],
    question: str,
    arguments: dict[str, Any],
    result: str,
) -> None:
    messages = after_call("Parcels.", question, "searchPickupPoints", arguments, result)
    events = [e async for e in provider.stream(messages, PICKUP_TOOLS)]
    assert not calls_made(events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Nothing matches."


@pytest.mark.parametrize("llama", [[["Nothing matches."]]], indirect=True)
async def test_the_widened_search_is_made_once(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """After the search without the filter came back empty too, the model answers."""
    messages = after_call(
        "Parcels.",
        "Can I drop off a return at Huber?",
        "searchPickupPoints",
        {"q": "Huber", "type": "post_office"},
        "[]",
    )
    again = {"name": "searchPickupPoints", "arguments": json.dumps({"q": "Huber"})}
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c2", "type": "function", "function": again}],
        },
        {"role": "tool", "tool_call_id": "c2", "content": "[]"},
    ]
    events = [e async for e in provider.stream(messages, PICKUP_TOOLS)]
    assert not calls_made(events)


def test_the_reading_grammar_rules_out_the_questions_own_opening() -> None:
    """The echo is ruled out by the question's first three words, written as escapes a
    regex reads literally (an apostrophe, a dot and a slash stay what they are)."""
    grammar = reading_grammar("I'm student N00482913. Will I be able to register?")
    assert "I\\x{27}m\\x{20}student\\x{20}N00482913\\x{2e}" in grammar
    assert "/" not in grammar.split("~/", 1)[1][:-1]  # nothing closes the regex early
    assert reading_grammar("Hours?") == reading_grammar()  # too short to be an echo


@pytest.mark.parametrize("llama", [[["Done."]]], indirect=True)
@pytest.mark.parametrize(
    ("question", "name", "arguments", "result"),
    [
        # a write whose result holds an empty list is no empty search
        (
            "Book a table for 2 tomorrow.",
            "createBooking",
            {"party": "2", "seating": "indoor"},
            '{"booking_id": "BK-1", "status": "confirmed", "notes": []}',
        ),
        # a read whose result says more than "nothing"
        (
            "What's the weather in Oslo?",
            "getWeather",
            {"city": "Oslo", "seating": "indoor"},
            '{"temp": 3, "alerts": []}',
        ),
        (
            "What's the weather in Oslo?",
            "getWeather",
            {"city": "Oslo", "seating": "indoor"},
            '{"temp": 3, "alerts": [], "message": "No active weather alerts found."}',
        ),
        # a choice the question asks for in other words, or a flag
        ("Is the blue teapot in stock?", "searchItems", {"seating": "in_stock"}, "[]"),
        ("Any vegan dishes?", "searchItems", {"seating": "true"}, "[]"),
    ],
)
async def test_only_an_empty_read_with_a_choice_nobody_asked_for_is_made_again(
    provider: EmbeddedProvider,
    llama: list[dict[str, Any]],
    question: str,
    name: str,
    arguments: dict[str, Any],
    result: str,
) -> None:
    seating = {"type": "string", "enum": ["indoor", "outdoor", "in_stock", "true", "false"]}
    tools = [
        _tool(n, "An operation.", required=[], party="string", city="string", seating=seating)
        for n in ("createBooking", "getWeather", "searchItems")
    ]
    messages = after_call("Shop.", question, name, arguments, result)
    events = [e async for e in provider.stream(messages, tools)]
    assert not calls_made(events)


def test_the_question_is_ruled_out_as_an_opening_only_when_it_would_be_an_echo() -> None:
    """ "Will I be able…" and "I'm student…" are written back as answers; "The 8:15
    train to Lyon, is it on time?" is answered "The 8:15 train is late"."""
    assert reading_grammar("Will I be able to register?") != reading_grammar()
    assert reading_grammar("The 8:15 train to Lyon, is it on time?") == reading_grammar()
    assert reading_grammar("Will \ud800 be there?") == reading_grammar()  # no such character
    assert "[Ii] +" not in reading_grammar()  # "I could not find any" stays allowed


@pytest.mark.parametrize("llama", [[["You're welcome! Have a great day!"]]], indirect=True)
async def test_thanks_are_answered_under_the_instructions_alone(
    provider: EmbeddedProvider, llama: list[dict[str, Any]]
) -> None:
    """No route question, no tools, no dates, no earlier turns: under the answer prompt
    the small model replied to "Thanks, that's all for today!" with a made-up temperature."""
    date = {"role": "system", "content": "Today is Friday, 27 November 2026.", "name": DATE_NOTE}
    messages = [
        *after_call("Réponds en français.", "Lyon?", "getOpeningHours", {"city": "Lyon"}, "{}"),
        {"role": "assistant", "content": "Ouvert."},
        date,
        {"role": "user", "content": "Thanks, that's all for today!"},
    ]
    events = [e async for e in provider.stream(messages, TOOLS)]
    assert not calls_made(events) and len(llama) == 1
    prompt = llama[0]["messages"]
    assert [m["role"] for m in prompt] == ["system", "user"]
    assert prompt[0]["content"].startswith("Réponds en français.")
    assert "getOpeningHours" not in prompt[0]["content"] and "2026" not in prompt[0]["content"]
    assert prompt[1]["content"] == "Thanks, that's all for today!"
    assert llama[0]["grammar"] == TEXT_GRAMMAR


STOP_TOOLS = [
    _tool(
        "searchStops",
        "Stops whose name matches: stop id, name and the lines serving it.",
        q="string",
    ),
    _tool(
        "getDepartures",
        "The next departures from a stop: line, platform, scheduled and expected time.",
        stop_id="integer",
    ),
    _tool("getStation", "Elevators, bike parking and toilets of a stop.", stop_id="integer"),
]


def test_a_question_that_asks_when_fetches_the_times_a_search_did_not_give() -> None:
    """A stop search names the stop, not when the bus comes: asked when (or about a day),
    the details whose description speaks of times are fetched; not the station's
    facilities, not when the result already shows a time, not for a question about
    something else."""
    found = '{"stops": [{"stop_id": 1002, "name": "Harbor Street", "lines": ["12", "42"]}]}'

    def fetched(question: str, result: str = found) -> list[str]:
        messages = after_call("Transit.", question, "searchStops", {"q": "Harbor Street"}, result)
        return [t["function"]["name"] for t in details_to_fetch(messages, STOP_TOOLS)]

    assert fetched("I'm at Harbor Street for the 42. When will it get here?") == ["getDepartures"]
    assert fetched("Does the 42 stop at Harbor Street on Sunday?") == ["getDepartures"]
    assert fetched("Which lines stop at Harbor Street?") == []
    with_time = found.replace('"lines"', '"next": "08:19", "lines"')
    assert fetched("When does the 42 leave Harbor Street?", with_time) == []
    # A tool named by the question's own words is fetched alone.
    assert fetched("When can I park my bike at Harbor Street?") == ["getStation"]


ISSUE_SEARCH_TOOLS = [
    _tool("searchIssues", "Issues by words in their title: id, title, status.", q="string"),
    _tool(
        "getIssue",
        "One issue: status, priority, assignee, reporter, labels and dates.",
        issue_id="integer",
    ),
]


def test_who_where_and_how_much_fetch_what_a_search_did_not_give() -> None:
    """ "who" stands for an assignee, "where" for an address, "how much" for a price: asked
    after a search that lists none of them, the details that have them are fetched."""
    issues = '{"issues": [{"id": 107, "title": "Push notifications arrive twice"}]}'
    who = after_call("Tracker.", "Who's on the push bug?", "searchIssues", {"q": "push"}, issues)
    assert [t["function"]["name"] for t in details_to_fetch(who, ISSUE_SEARCH_TOOLS)] == [
        "getIssue"
    ]
    assigned = issues.replace('"title"', '"assignee": "sobi", "title"')
    who_given = after_call("Tracker.", "Who's on the push bug?", "searchIssues", {}, assigned)
    assert details_to_fetch(who_given, ISSUE_SEARCH_TOOLS) == []

    shops = '{"shops": [{"shop_id": 3, "name": "Lyon"}]}'
    tools = [
        _tool("findShops", "Shops by city: shop id and name.", city="string"),
        _tool("getShop", "A shop's address, phone and prices of its services.", shop_id="integer"),
    ]
    for question in ("Where is your Lyon shop?", "How much is a repair in Lyon?"):
        asked = after_call("Shop.", question, "findShops", {"city": "Lyon"}, shops)
        assert [t["function"]["name"] for t in details_to_fetch(asked, tools)] == ["getShop"]
    addressed = shops.replace('"name"', '"address": "3 rue Neuve", "name"')
    where = after_call("Shop.", "Where is your Lyon shop?", "findShops", {}, addressed)
    assert details_to_fetch(where, tools) == []


def test_a_search_by_name_finds_what_an_invented_id_was_about() -> None:
    """``searchPatients(name, owner)`` takes no search text, but a name finds the pet:
    after ``getPrescriptions`` with a patient id nobody gave, it is the search asked for,
    with its name required; search text comes first when a search takes both."""

    def by_name(tool: str, **more: str) -> dict[str, Any]:
        # ``_tool`` takes the tool's name as its first argument: add "name" afterwards.
        definition = _tool(tool, "Pets by name: patient id.", required=[], **more)
        definition["function"]["parameters"]["properties"]["name"] = {"type": "string"}
        return definition

    tools = [
        by_name("searchPatients", owner="string"),
        _tool("getPrescriptions", "A patient's prescriptions.", patient_id="integer"),
        by_name("createNote", patient_id="integer"),
    ]
    found = searches_for("getPrescriptions", ["patient_id"], tools)
    assert [t["function"]["name"] for t in found] == ["searchPatients"]
    assert found[0]["function"]["parameters"]["required"] == ["name"]
    both = searches_for("getPrescriptions", ["patient_id"], [by_name("searchPatients", q="string")])
    assert both[0]["function"]["parameters"]["required"] == ["q"]


def test_no_write_operation_and_no_answered_question_word_asks_for_details() -> None:
    """Found by a review: "When is my yoga class?" made ``cancelBooking`` (it takes a
    booking id and speaks of start times) the details call; a key such as ``addresses``
    answers "where"; a day named ("in stock today?") asks nothing when the result
    answers the rest; "8:19am" is a time shown; a day word in another tool's description
    does not stop the fetch."""
    bookings = [
        _tool("listBookings", "Your class bookings: booking id and class.", required=[]),
        _tool(
            "cancelBooking",
            "Cancel a booking. Free until 24 hours before the start time.",
            booking_id="string",
        ),
        _tool("getBooking", "A booking's class and instructor.", booking_id="string"),
    ]
    listed = '{"bookings": [{"booking_id": "B-7", "class": "Yoga"}]}'
    when = after_call("Gym.", "When is my yoga class?", "listBookings", {}, listed)
    assert details_to_fetch(when, bookings) == []

    def fetched(question: str, result: str, tools: list[dict[str, Any]] = STOP_TOOLS) -> list[str]:
        messages = after_call("Transit.", question, "searchStops", {"q": "Harbor Street"}, result)
        return [t["function"]["name"] for t in details_to_fetch(messages, tools)]

    stop = '{"stops": [{"stop_id": 1002, "name": "Harbor Street", "lines": ["12", "42"]}]}'
    assert (
        fetched("When does the 42 come?", stop.replace('"lines"', '"next": "8:19am", "lines"'))
        == []
    )
    assert (
        fetched(
            "Where is Harbor Street?", stop.replace('"lines"', '"addresses": ["Quay 1"], "lines"')
        )
        == []
    )
    # the lines are given, and only the day is named
    assert fetched("Which lines stop at Harbor Street today?", stop) == []
    alerts = [*STOP_TOOLS, _tool("listAlerts", "Service alerts for today.", required=[])]
    assert fetched("When does the 42 come to Harbor Street today?", stop, alerts) == [
        "getDepartures"
    ]


def test_a_year_the_search_gives_answers_when() -> None:
    """ "When was it first published?" is answered by the search's year: no details call."""
    books = [
        _tool("searchBooks", "Books by title: id, title, author, first_published.", q="string"),
        _tool("getBook", "A book's editions and dates.", book_id="string"),
    ]
    found = '{"results": [{"book_id": "B-1", "title": "Dune", "first_published": 1965}]}'
    messages = after_call(
        "Library.", "When was Dune first published?", "searchBooks", {"q": "Dune"}, found
    )
    assert details_to_fetch(messages, books) == []
    # A number that only looks like a year (a stop id) shows no time.
    stop = '{"stops": [{"stop_id": 2001, "name": "Harbor Street"}]}'
    asked = after_call("Transit.", "When does the 42 come?", "searchStops", {"q": "Harbor"}, stop)
    assert [t["function"]["name"] for t in details_to_fetch(asked, STOP_TOOLS)] == ["getDepartures"]
