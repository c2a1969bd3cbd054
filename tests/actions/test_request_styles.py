"""Every style/explode combination and body type, checked by openapi-core on a real server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from gptforge.actions import Action, ActionExecutor
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.openapi import build_spec
from tests.actions.styles_spec import styles_spec
from tests.actions.validating_server import validating_app
from tests.servers import free_port, serve

OBJ = {"role": "admin", "first": "Alex"}
ARR = ["blue", "black", "brown"]


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[dict[str, Any], str]]:
    port = free_port()
    spec = styles_spec(port)
    with serve(validating_app(spec), port=port) as url:
        yield spec, url


@pytest.fixture
async def executor(api: tuple[dict[str, Any], str]) -> AsyncIterator[tuple[ActionExecutor, Action]]:
    spec_doc, url = api
    spec = build_spec(spec_doc)
    policy = EgressPolicy.from_entries([httpx.URL(url).netloc.decode()])
    async with EgressClient(policy=policy) as egress:
        yield ActionExecutor(egress=egress), Action(id="styles", spec=spec)


async def call_raw(
    pair: tuple[ActionExecutor, Action], name: str, args: dict[str, Any]
) -> dict[str, Any]:
    """The call's status, the path and query the server received, and its JSON answer."""
    executor, action = pair
    result = await executor.execute(action, name, args)
    assert result.record is not None, result.content
    url = httpx.URL(result.record.url)
    return {
        "status": result.record.status,
        "path": url.raw_path.decode().split("?")[0],
        "query": url.query.decode(),
        "json": json.loads(result.content) if result.ok else result.content,
    }


async def call(
    pair: tuple[ActionExecutor, Action], name: str, args: dict[str, Any]
) -> dict[str, Any]:
    executor, action = pair
    result = await executor.execute(action, name, args)
    assert result.status == "ok", (name, result.content)
    return json.loads(result.content)


def unquoted(value: Any) -> Any:
    if isinstance(value, str):
        return unquote(value)
    if isinstance(value, list):
        return [unquoted(v) for v in value]
    if isinstance(value, dict):
        return {k: unquoted(v) for k, v in value.items()}
    return value


# openapi-core reads simple-style path parameters; it cannot read label or matrix ones,
# so those are checked below against the raw path the server received.
@pytest.mark.parametrize(
    ("operation", "value"),
    [
        (f"path_simple_{e}_{kind}", value)
        for e in ("n", "x")
        for kind, value in (("prim", "a b/c?d#e"), ("arr", ARR), ("obj", OBJ))
    ],
)
async def test_simple_path_styles(executor: Any, operation: str, value: Any) -> None:
    echoed = await call_raw(executor, operation, {"v": value})
    assert echoed["status"] == 200, echoed
    assert unquoted(echoed["json"]["path"]["v"]) == value


@pytest.mark.parametrize(
    ("operation", "value", "raw"),
    [
        ("path_label_n_prim", "blue", ".blue"),
        ("path_label_n_arr", ARR, ".blue,black,brown"),
        ("path_label_n_obj", OBJ, ".role,admin,first,Alex"),
        ("path_label_x_arr", ARR, ".blue.black.brown"),
        ("path_label_x_obj", OBJ, ".role=admin.first=Alex"),
        ("path_matrix_n_prim", "blue", ";v=blue"),
        ("path_matrix_n_arr", ARR, ";v=blue,black,brown"),
        ("path_matrix_n_obj", OBJ, ";v=role,admin,first,Alex"),
        ("path_matrix_x_arr", ARR, ";v=blue;v=black;v=brown"),
        ("path_matrix_x_obj", OBJ, ";role=admin;first=Alex"),
        ("path_label_n_prim", "a/b", ".a%2Fb"),
    ],
)
async def test_label_and_matrix_paths_follow_the_spec_table(
    executor: Any, operation: str, value: Any, raw: str
) -> None:
    echoed = await call_raw(executor, operation, {"v": value})
    assert echoed["path"].rsplit("/", 1)[1] == raw


QUERY_CASES = [
    ("query_form_n_arr", ARR, "q=blue,black,brown"),
    ("query_form_x_arr", ARR, "q=blue&q=black&q=brown"),
    ("query_form_n_obj", OBJ, "q=role,admin,first,Alex"),
    ("query_pipeDelimited_n_arr", ARR, "q=blue|black|brown"),
    ("query_deepObject_x_obj", OBJ, "q%5Brole%5D=admin&q%5Bfirst%5D=Alex"),
    ("query_form_x_prim", 42, "q=42"),
    ("query_form_x_bool", False, "q=false"),
]


@pytest.mark.parametrize(("operation", "value", "raw"), QUERY_CASES)
async def test_query_styles(executor: Any, operation: str, value: Any, raw: str) -> None:
    echoed = await call_raw(executor, operation, {"q": value})
    assert echoed["status"] == 200, echoed
    assert echoed["json"]["query"]["q"] == value
    assert echoed["query"] == raw


# Valid per the spec table, but openapi-core 0.23 cannot read these two back.
@pytest.mark.parametrize(
    ("operation", "value", "raw"),
    [
        ("query_form_x_obj", OBJ, "role=admin&first=Alex"),
        ("query_spaceDelimited_n_arr", ARR, "q=blue%20black%20brown"),
    ],
)
async def test_query_styles_openapi_core_cannot_read(
    executor: Any, operation: str, value: Any, raw: str
) -> None:
    echoed = await call_raw(executor, operation, {"q": value})
    assert echoed["query"] == raw


@pytest.mark.parametrize("operation", ["header_n", "header_x"])
async def test_header_styles(executor: Any, operation: str) -> None:
    echoed = await call(executor, operation, {"X-Tags": ARR, "X-Who": OBJ, "X-Plain": "hello"})
    headers = {k.lower(): v for k, v in echoed["header"].items()}
    assert headers["x-tags"] == ARR and headers["x-who"] == OBJ and headers["x-plain"] == "hello"


async def test_cookies(executor: Any) -> None:
    echoed = await call(executor, "cookie", {"session": "s1", "ids": ["1", "2"]})
    assert echoed["cookie"] == {"session": "s1", "ids": ["1", "2"]}


@pytest.mark.parametrize("operation", ["body_json", "body_form", "body_multipart"])
async def test_object_bodies(executor: Any, operation: str) -> None:
    body: dict[str, Any] = {"name": "Rex & co", "count": 3, "tags": ["a", "b"]}
    if operation == "body_multipart":
        del body["count"]  # openapi-core 0.23 does not read text/plain parts as integers
    echoed = await call(executor, operation, body)
    assert echoed["body"] == body


async def test_text_body(executor: Any) -> None:
    echoed = await call(executor, "body_text", {"body": "plain text ✓"})
    assert echoed["body"] == "plain text ✓"


async def test_mixed_parameters_and_unflattened_body(executor: Any) -> None:
    echoed = await call(
        executor, "mixed", {"id": 7, "query_id": "q", "dry_run": True, "body": [1, 2]}
    )
    assert echoed["path"] == {"id": 7}
    assert echoed["query"] == {"dry_run": True, "id": "q"}
    assert echoed["body"] == [1, 2]


@pytest.mark.parametrize("value", ["x?y=1#z", "@evil.com", "a/b", "v1.2", "...", "a..b"])
async def test_path_values_cannot_escape_their_segment(executor: Any, value: str) -> None:
    echoed = await call_raw(executor, "path_simple_n_prim", {"v": value})
    assert echoed["status"] == 200, echoed
    assert echoed["path"].startswith("/v1/path/simple/0/prim/")
    assert echoed["path"].count("/") == 6
    assert unquote(echoed["json"]["path"]["v"]) == value


async def test_invalid_arguments_are_explained_and_nothing_is_sent(executor: Any) -> None:
    pair_executor, action = executor
    result = await pair_executor.execute(action, "body_json", {"count": "three", "extra": 1})
    assert result.status == "invalid_arguments"
    assert "'name' is a required property" in result.content
    assert "count: 'three' is not of type 'integer'" in result.content
    assert result.record is None


async def test_header_injection_is_refused(executor: Any) -> None:
    pair_executor, action = executor
    result = await pair_executor.execute(action, "header_n", {"X-Plain": "a\r\nX-Evil: 1"})
    assert result.status == "invalid_arguments" and "line breaks" in result.content


async def test_catastrophic_patterns_cannot_stall_validation() -> None:
    import time

    from gptforge.actions import RequestBuilder
    from gptforge.openapi import parse_spec

    spec = parse_spec(
        '{"openapi": "3.1.0", "servers": [{"url": "https://x.example"}], "paths": {"/a": {"get": {"operationId": "a", '
        '"parameters": [{"name": "q", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^(a+)+$"}}]}}}}'
    )
    tool = spec.tool("a")
    assert tool.parameters["properties"]["q"]["pattern"] == "^(a+)+$"  # the model still sees it
    started = time.monotonic()
    request = RequestBuilder().build(tool, {"q": "a" * 40 + "!"})
    assert time.monotonic() - started < 1
    assert request.url.params["q"] == "a" * 40 + "!"
