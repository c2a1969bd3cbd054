"""Requests a model cannot bend: path segments, framing headers, odd characters."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor, RequestBuilder
from gptforge.actions.request import InvalidArguments
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.openapi import Parameter, parse_spec
from tests.servers import serve

SEEN: list[dict[str, Any]] = []


async def record(request: Request) -> JSONResponse:
    seen = {
        "raw_path": request.scope["raw_path"].decode("latin-1"),
        "headers": [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]
        ],
        "body": (await request.body()).decode("latin-1"),
    }
    SEEN.append(seen)
    return JSONResponse(seen)


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/{rest:path}", record, methods=["GET", "POST"])])) as url:
        yield url


STRINGS = {"type": "array", "items": {"type": "string"}}
PAIRS = {"type": "object", "additionalProperties": {"type": "string"}}


def path_op(name: str, path: str, params: list[tuple[str, Any, str, bool]]) -> dict[str, Any]:
    return {
        path: {
            "get": {
                "operationId": name,
                "parameters": [
                    {
                        "name": pname,
                        "in": "path",
                        "required": True,
                        "schema": schema,
                        "style": style,
                        "explode": explode,
                    }
                    for pname, schema, style, explode in params
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    }


def document(url: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for style in ("simple", "label", "matrix"):
        for explode in (False, True):
            for kind, schema in (("s", {"type": "string"}), ("a", STRINGS), ("o", PAIRS)):
                name = f"{style}_{int(explode)}_{kind}"
                paths |= path_op(
                    name, f"/t/42/{name}/{{scope}}/items", [("scope", schema, style, explode)]
                )
    paths |= path_op(
        "report",
        "/report/{name}.{fmt}",
        [
            ("name", {"type": "string"}, "simple", False),
            ("fmt", {"type": "string"}, "simple", False),
        ],
    )
    paths |= path_op(
        "labels",
        "/l/{a}{b}",
        [("a", STRINGS, "label", True), ("b", STRINGS, "label", True)],
    )
    headers = [
        "Host",
        "Transfer-Encoding",
        "Content-Length",
        "Connection",
        "Proxy-Authorization",
        "Proxy-Connection",
        "Keep-Alive",
        "TE",
        "Trailer",
        "Upgrade",
        "Expect",
        "Cookie",
        "Authorization",
        "X-HTTP-Method-Override",
        "Bad Name",
        "Nämé",
    ]
    paths["/h"] = {
        "post": {
            "operationId": "headers",
            "x-openai-isConsequential": False,
            "parameters": [
                {"name": h, "in": "header", "schema": {"type": "string"}} for h in headers
            ]
            + [{"name": "X-Plain", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"a": {"type": "string"}}}
                    }
                }
            },
            "responses": {"200": {"description": "ok"}},
        }
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Hardening", "version": "1"},
        "servers": [{"url": url}],
        "paths": paths,
    }


@pytest.fixture
async def pair(api: str) -> AsyncIterator[tuple[ActionExecutor, Action]]:
    spec = parse_spec(json.dumps(document(api)))
    policy = EgressPolicy.from_entries([httpx.URL(api).netloc.decode()])
    async with EgressClient(policy=policy) as egress:
        yield ActionExecutor(egress=egress), Action(id="h", spec=spec)


DOT_VALUES: list[Any] = [
    ".",
    "..",
    "%2E",
    "%2e%2E",
    "%252e%252e",
    "",
    "../x",
    "..\\x",
    "..;jsessionid=1",
    [],
    [""],
    ["", ""],
    ["."],
    ["..", "a"],
    {"": ""},
    {"..": "."},
]


@pytest.mark.parametrize("style", ["simple", "label", "matrix"])
@pytest.mark.parametrize("explode", [0, 1])
@pytest.mark.parametrize("value", DOT_VALUES, ids=repr)
async def test_no_dot_segment_survives_any_style(
    pair: tuple[ActionExecutor, Action], style: str, explode: int, value: Any
) -> None:
    executor, action = pair
    kind = "a" if isinstance(value, list) else "o" if isinstance(value, dict) else "s"
    name = f"{style}_{explode}_{kind}"
    before = len(SEEN)
    result = await executor.execute(action, name, {"scope": value})
    if result.record is None:
        assert result.status == "invalid_arguments"
        assert len(SEEN) == before
        return
    raw = SEEN[-1]["raw_path"]
    assert raw.startswith(f"/t/42/{name}/") and raw.endswith("/items"), raw
    segment = raw.split("/")[4]
    assert segment.replace("%2E", ".").replace("%2e", ".") not in ("", ".", ".."), raw


@pytest.mark.parametrize(
    ("name", "fmt"), [(".", ""), ("", "."), ("%2E", ""), ("", ""), ("", "%2e")]
)
async def test_adjacent_variables_cannot_make_a_dot_segment(
    pair: tuple[ActionExecutor, Action], name: str, fmt: str
) -> None:
    executor, action = pair
    result = await executor.execute(action, "report", {"name": name, "fmt": fmt})
    assert result.status == "invalid_arguments" and result.record is None


async def test_adjacent_label_arrays_cannot_make_a_dot_segment(
    pair: tuple[ActionExecutor, Action],
) -> None:
    executor, action = pair
    result = await executor.execute(action, "labels", {"a": [""], "b": []})
    assert result.status == "invalid_arguments"
    ok = await executor.execute(action, "labels", {"a": ["x"], "b": ["y", "z"]})
    assert ok.status == "ok" and SEEN[-1]["raw_path"] == "/l/.x.y.z"


async def test_ordinary_values_with_dots_still_go_through(
    pair: tuple[ActionExecutor, Action],
) -> None:
    executor, action = pair
    result = await executor.execute(action, "report", {"name": "q3.summary", "fmt": "pdf"})
    assert result.status == "ok" and SEEN[-1]["raw_path"] == "/report/q3.summary.pdf"


def test_framing_and_routing_headers_are_not_offered_and_reported(api: str) -> None:
    spec = parse_spec(json.dumps(document(api)))
    tool = spec.tool("headers")
    offered = set(tool.parameters["properties"])
    assert "X-Plain" in offered
    assert not offered & {"Host", "Transfer-Encoding", "Content-Length", "Cookie", "Nämé"}
    assert not any(name.lower().startswith("proxy-") for name in offered)
    ignored = [d.message for d in spec.diagnostics if d.code == "ignored-header"]
    assert len(ignored) == 15 and all("ignored" in m for m in ignored)


async def test_framing_headers_are_never_sent_even_if_asked(
    pair: tuple[ActionExecutor, Action],
) -> None:
    executor, action = pair
    forged = {
        "Host": "evil.example",
        "Transfer-Encoding": "chunked",
        "Content-Length": "0",
        "Proxy-Authorization": "Basic eA==",
        "X-HTTP-Method-Override": "DELETE",
        "X-Plain": "fine",
        "a": "body",
    }
    before = len(SEEN)
    refused = await executor.execute(action, "headers", forged)
    assert refused.status == "invalid_arguments" and len(SEEN) == before

    # Even a binding that offers them (a spec reader bug, a hand-made tool) sends none.
    tool = action.spec.tool("headers")
    extra = {
        name: Parameter(
            name=name, location="header", required=False, schema={}, style="simple", explode=False
        )
        for name in forged
        if name not in ("X-Plain", "a")
    }
    open_tool = replace(
        tool,
        parameters={"type": "object"},
        binding=replace(tool.binding, parameters={**tool.binding.parameters, **extra}),
    )
    request = RequestBuilder().build(open_tool, forged)
    sent = {k.lower() for k in request.headers}
    assert request.headers["host"] == httpx.URL(str(action.base_url)).netloc.decode()
    assert not sent & {"transfer-encoding", "proxy-authorization", "x-http-method-override"}
    assert request.headers["content-length"] == str(len(request.read()))
    assert request.headers["x-plain"] == "fine"


@pytest.mark.parametrize("value", ["café", "日本", "a\u2028b", "x\x85y"])
async def test_non_ascii_header_values_are_an_argument_error(
    pair: tuple[ActionExecutor, Action], value: str
) -> None:
    executor, action = pair
    result = await executor.execute(action, "headers", {"X-Plain": value})
    assert result.status == "invalid_arguments" and result.record is None


def test_builder_never_raises_raw_protocol_errors(api: str) -> None:
    spec = parse_spec(json.dumps(document(api)))
    builder = RequestBuilder()
    for value in ["\x00", "ä\r\n", "\ud800"]:
        with pytest.raises(InvalidArguments):
            builder.build(spec.tool("headers"), {"X-Plain": value})


PIECES = [".", "..", "", "%2e", "%2E", "%252e", "a", ".a", ";", "/", "\\", "%", "=", ",", "é"]
piece_text = st.lists(st.sampled_from(PIECES), max_size=4).map("".join)
values = st.one_of(
    piece_text,
    st.lists(piece_text, max_size=3),
    st.dictionaries(piece_text, piece_text, max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(style=st.sampled_from(["simple", "label", "matrix"]), explode=st.booleans(), value=values)
def test_built_paths_never_hold_a_dot_segment(style: str, explode: bool, value: Any) -> None:
    kind = "a" if isinstance(value, list) else "o" if isinstance(value, dict) else "s"
    name = f"{style}_{int(explode)}_{kind}"
    tool = HYPOTHESIS_SPEC.tool(name)
    try:
        request = RequestBuilder().build(tool, {"scope": value})
    except InvalidArguments:
        return
    raw = request.url.raw_path.decode()
    assert raw.startswith(f"/t/42/{name}/") and raw.endswith("/items"), raw
    segment = raw.split("/")[4]
    decoded = segment
    for _ in range(4):
        decoded = unquote(decoded)
    assert decoded and not {".", ".."} & set(re.split(r"[/\\;]", decoded)), raw


HYPOTHESIS_SPEC = parse_spec(json.dumps(document("https://api.example.com")))


@pytest.mark.parametrize("server", ["http://127.0.0.1:99999", "http://127.0.0.1:0"])
async def test_a_spec_server_with_an_impossible_port_is_a_tool_result(server: str) -> None:
    doc = document(server)
    async with EgressClient() as egress:
        result = await ActionExecutor(egress=egress).execute(
            Action(id="p", spec=parse_spec(json.dumps(doc))), "report", {"name": "a", "fmt": "b"}
        )
    assert result.status in ("blocked", "network_error")
