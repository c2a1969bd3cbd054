"""Malformed or hostile values in a spec become diagnostics, never tracebacks."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gptforge.actions import RequestBuilder
from gptforge.actions.request import InvalidArguments
from gptforge.cli import app
from gptforge.errors import SpecError
from gptforge.openapi import Spec, build_spec, parse_spec
from tests.openapi.specs import PETSTORE

runner = CliRunner()


def doc(schema: Any, **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/a": {
                "post": {
                    "operationId": "a",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        **extra,
    }


def codes(spec: Spec) -> set[str]:
    return {d.code for d in spec.diagnostics}


def loads_cleanly(spec: Spec) -> None:
    """Tools serialize as strict JSON and a request can be validated against them."""
    json.dumps(spec.tool_definitions(), allow_nan=False)
    for tool in spec.tools:
        with contextlib.suppress(InvalidArguments):
            RequestBuilder().validate(tool, {})


def check_exit(tmp_path: Path, text: str, suffix: str = ".json") -> int:
    path = tmp_path / f"spec{suffix}"
    path.write_text(text)
    result = runner.invoke(app, ["spec", "check", "--json", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1)
    return result.exit_code


def test_a_property_and_a_component_named_pattern_are_data() -> None:
    schema = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "pattern": "^[a-z]+$"},
            "rule": {"$ref": "#/components/schemas/pattern"},
        },
        "required": ["pattern"],
    }
    components = {"schemas": {"pattern": {"type": "object", "properties": {"x": {}}}}}
    spec = build_spec(doc(schema, components=components))
    tool = spec.tool("a")
    request = RequestBuilder().build(tool, {"pattern": "abc", "rule": {"x": 1}})
    assert json.loads(request.content) == {"pattern": "abc", "rule": {"x": 1}}


def test_a_default_nested_600_levels_is_left_out(tmp_path: Path) -> None:
    deep: Any = 1
    for _ in range(600):
        deep = {"a": deep}
    spec = build_spec(doc({"type": "object", "properties": {"x": {"default": deep}}}))
    assert "default" not in spec.tool("a").parameters["properties"]["x"]
    assert "invalid-schema" in codes(spec)
    loads_cleanly(spec)
    RequestBuilder().build(spec.tool("a"), {"x": {"a": 1}})


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_an_integer_of_5000_digits_does_not_break_loading(tmp_path: Path, suffix: str) -> None:
    big = "9" * 5000
    if suffix == ".json":
        text = json.dumps(doc({"type": "integer", "maximum": 12345, "example": 1})).replace(
            "12345", big
        )
    else:
        text = (
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n"
            "servers: [{url: 'https://a.example.com'}]\n"
            "paths:\n  /a:\n    get:\n      operationId: a\n"
            f"      parameters: [{{name: q, in: query, schema: {{type: integer, maximum: {big},"
            f" default: 0x{'f' * 5000}}}}}]\n"
            "      responses: {'200': {description: ok}}\n"
        )
    spec = parse_spec(text)
    loads_cleanly(spec)
    assert check_exit(tmp_path, text, suffix) == 0


@pytest.mark.parametrize("index", ["١", "²", "1" * 5000, "01x", ""])
def test_ref_list_indexes_are_ascii_digits_only(index: str) -> None:
    components = {"schemas": {"L": [{"type": "string"}, {"type": "integer"}]}}
    spec = build_spec(doc({"$ref": f"#/components/schemas/L/{index}"}, components=components))
    assert "unresolved-ref" in codes(spec)
    loads_cleanly(spec)


def test_an_ascii_ref_list_index_still_resolves() -> None:
    components = {"schemas": {"L": [{"type": "string"}, {"type": "integer"}]}}
    spec = build_spec(doc({"$ref": "#/components/schemas/L/1"}, components=components))
    assert spec.tool("a").parameters["$defs"]["L_1"] == {"type": "integer"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schemes", "https"),
        ("schemes", 5),
        ("consumes", "application/json"),
        ("produces", 5),
        ("consumes", {"a": 1}),
    ],
)
def test_wrongly_typed_swagger_lists_are_reported(tmp_path: Path, field: str, value: Any) -> None:
    swagger: dict[str, Any] = {
        "swagger": "2.0",
        "info": {"title": "T", "version": "1"},
        "host": "api.example.com",
        "paths": {
            "/a": {
                "post": {
                    "operationId": "a",
                    field: value,
                    "parameters": [{"in": "body", "name": "b", "schema": {"type": "object"}}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        field: value,
    }
    spec = build_spec(swagger)
    assert "invalid-field" in codes(spec)
    assert [t.name for t in spec.tools] == ["a"]
    check_exit(tmp_path, json.dumps(swagger))


@pytest.mark.parametrize("tags", ["abc", 5, {"a": 1}, None, [1, "x"]])
def test_wrongly_typed_tags_are_ignored(tags: Any) -> None:
    document = doc({"type": "object"}, tags=tags)
    document["paths"]["/a"]["post"]["tags"] = tags
    spec = build_spec(document)
    assert spec.operations[0].tags == (("x",) if isinstance(tags, list) else ())


@pytest.mark.parametrize("value", ["nan", "Infinity", float("nan"), float("inf"), "1e999"])
def test_numbers_json_cannot_carry_are_left_out(value: Any) -> None:
    spec = build_spec(doc({"type": "number", "maximum": value, "minimum": 0, "enum": [value]}))
    loads_cleanly(spec)


# ------------------------------------------------------------------- fuzzing

_WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**3999),  # the widest integer parsing lets through
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["#/components/schemas/L/²", "#/x", "$ref", "pattern", "١"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(
        st.sampled_from(["$ref", "type", "pattern", "items", "a"]), st.text(max_size=4)
    ),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_paths(value, (*prefix, index)))
    return out


def _mutated(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    copy[path[0]] = _mutated(copy[path[0]], path[1:], value)
    return copy


_SWAGGER: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "T", "version": "1"},
    "host": "api.example.com",
    "schemes": ["https"],
    "consumes": ["application/json"],
    "paths": {
        "/a/{id}": {
            "parameters": [{"$ref": "#/parameters/Id"}],
            "post": {
                "operationId": "a",
                "tags": ["t"],
                "parameters": [
                    {"in": "body", "name": "b", "schema": {"$ref": "#/definitions/B"}},
                    {"in": "query", "name": "q", "type": "array", "items": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok"}},
            },
        }
    },
    "parameters": {"Id": {"in": "path", "name": "id", "required": True, "type": "string"}},
    "definitions": {
        "B": {
            "type": "object",
            "properties": {"pattern": {"type": "string", "pattern": "^a"}, "n": {"maximum": 3}},
        }
    },
}
_TARGETS = [(PETSTORE, p) for p in _paths(PETSTORE)] + [(_SWAGGER, p) for p in _paths(_SWAGGER)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(_TARGETS), value=_WEIRD)
def test_mutated_specs_give_diagnostics_or_spec_errors(
    target: tuple[dict[str, Any], tuple[Any, ...]], value: Any
) -> None:
    document, path = target
    try:
        spec = build_spec(_mutated(document, path, value))
    except SpecError:
        return
    loads_cleanly(spec)


def test_a_type_list_holding_lists_is_read() -> None:
    spec = build_spec(doc({"type": [["x"], "string", {"a": 1}]}))
    assert spec.tool("a").parameters["properties"]["body"]["type"] == "string"
