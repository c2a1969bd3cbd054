"""Requests an API would accept, for spec shapes that used to produce ones it rejects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gptforge.actions import RequestBuilder
from gptforge.openapi import build_spec


def spec_with(paths: dict[str, Any], **extra: Any) -> Any:
    return build_spec(
        {
            "openapi": "3.0.3",
            "info": {"title": "T", "version": "1"},
            "servers": [{"url": "https://api.example.com/v1"}],
            "paths": paths,
            **extra,
        }
    )


def op(operation_id: str, **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {"200": {"description": "ok"}}, **extra}


ARN = {"name": "arn", "in": "path", "required": True, "schema": {"type": "string"}}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer"}}


@pytest.mark.parametrize(
    ("key", "args", "url"),
    [
        (
            "/channels/{arn}/channel-flow#x-amz-chime-bearer",
            {"arn": "a1", "limit": 5},
            "https://api.example.com/v1/channels/a1/channel-flow?limit=5",
        ),
        (
            "/memberships?operation=batch-create",
            {"limit": 5},
            "https://api.example.com/v1/memberships?operation=batch-create&limit=5",
        ),
        ("/{arn}?uploads", {"arn": "b"}, "https://api.example.com/v1/b?uploads"),
        (
            "/x?a=1&b=two words#frag?not=query",
            {},
            "https://api.example.com/v1/x?a=1&b=two%20words",
        ),
    ],
)
def test_fragment_and_query_parts_of_path_keys(key: str, args: dict[str, Any], url: str) -> None:
    params = [ARN, LIMIT] if "{arn}" in key else [LIMIT]
    spec = spec_with({key: {"get": op("call", parameters=params)}})
    request = RequestBuilder().build(spec.tool("call"), args)
    assert str(request.url) == url


def test_two_path_keys_that_differ_only_after_the_fragment_are_two_operations() -> None:
    spec = spec_with(
        {
            "/things#a": {"post": op("first")},
            "/things#b": {"post": op("second")},
        }
    )
    assert [t.operation.path for t in spec.tools] == ["/things", "/things"]


@pytest.mark.parametrize(
    ("media", "content", "content_type"),
    [
        ("application/json", b"{}", "application/json"),
        ("application/x-www-form-urlencoded", b"", "application/x-www-form-urlencoded"),
    ],
)
def test_a_required_body_of_optional_fields_is_sent_empty(
    media: str, content: bytes, content_type: str
) -> None:
    body = {
        "required": True,
        "content": {
            media: {"schema": {"type": "object", "properties": {"note": {"type": "string"}}}}
        },
    }
    spec = spec_with({"/things": {"post": op("make", requestBody=body)}})
    request = RequestBuilder().build(spec.tool("make"), {})
    assert request.content == content
    assert request.headers["content-type"] == content_type
    filled = RequestBuilder().build(spec.tool("make"), {"note": "hi"})
    assert filled.content in (b'{"note":"hi"}', b"note=hi")


def test_an_optional_body_given_no_fields_is_left_out() -> None:
    body = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"note": {"type": "string"}}}
            }
        }
    }
    spec = spec_with({"/things": {"post": op("make", requestBody=body)}})
    request = RequestBuilder().build(spec.tool("make"), {})
    assert request.content == b"" and "content-type" not in request.headers


@pytest.mark.parametrize("description", [None, "The person's name."])
def test_patterns_python_cannot_compile_stay_visible_to_the_model(description: str | None) -> None:
    name = {"name": "name", "in": "query", "schema": {"type": "string", "pattern": r"^\p{L}+$"}}
    if description:
        name["description"] = description
    spec = spec_with({"/people": {"get": op("find", parameters=[name])}})
    schema = spec.tool("find").parameters["properties"]["name"]
    assert "pattern" not in schema
    assert r"^\p{L}+$" in schema["description"]
    assert (description or "") in schema["description"]
    assert any(d.code == "invalid-schema" for d in spec.diagnostics)
    json.dumps(spec.tool_definitions())


def test_keys_allowed_by_pattern_properties_stay_allowed() -> None:
    schema = {
        "type": "object",
        "properties": {"pattern": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": False,
        "dependentRequired": {"pattern": ["x-a"]},
    }
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    spec = spec_with({"/things": {"post": op("make", requestBody=body)}})
    request = RequestBuilder().build(spec.tool("make"), {"body": {"pattern": "p", "x-a": "1"}})
    assert json.loads(request.content) == {"pattern": "p", "x-a": "1"}


NULLABLE = {"anyOf": [{"type": "string"}, {"type": "null"}]}


def test_an_optional_parameter_given_null_is_left_out() -> None:
    params = [
        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "number", "in": "query", "schema": NULLABLE},
        {"name": "X-Trace", "in": "header", "schema": NULLABLE},
    ]
    spec = spec_with({"/streets": {"get": op("search", parameters=params)}})
    request = RequestBuilder().build(
        spec.tool("search"), {"q": "Maple", "number": None, "X-Trace": None}
    )
    assert str(request.url) == "https://api.example.com/v1/streets?q=Maple"
    assert "x-trace" not in request.headers


def test_a_required_parameter_given_null_is_still_sent_empty() -> None:
    params = [{"name": "q", "in": "query", "required": True, "schema": NULLABLE}]
    spec = spec_with({"/streets": {"get": op("search", parameters=params)}})
    request = RequestBuilder().build(spec.tool("search"), {"q": None})
    assert str(request.url) == "https://api.example.com/v1/streets?q="


@pytest.mark.parametrize("media", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_an_optional_form_field_given_null_is_left_out(media: str) -> None:
    schema = {
        "type": "object",
        "properties": {"q": {"type": "string"}, "note": NULLABLE},
        "required": ["q"],
    }
    body = {"content": {media: {"schema": schema}}}
    spec = spec_with({"/things": {"post": op("make", requestBody=body)}})
    request = RequestBuilder().build(spec.tool("make"), {"q": "hi", "note": None})
    content = request.read()
    assert b"hi" in content and b"note" not in content
