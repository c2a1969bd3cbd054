"""The parts of the Prism conformance benchmark that need no Prism: values and URL checks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from benchmarks.conformance import pointed_at, template_check
from benchmarks.schema_values import NoValue, ValueGenerator
from jsonschema import Draft202012Validator

TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[a-f0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}$"},
        "when": {"type": "string", "format": "date-time"},
        "size": {"type": "integer", "minimum": 10, "maximum": 20, "multipleOf": 4},
        "kind": {"enum": ["a", "b"]},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$", "minLength": 3},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True},
        "pet": {"$ref": "#/$defs/Pet"},
        "choice": {"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 2}]},
        "name": {"type": ["string", "null"], "maxLength": 2},
    },
    "required": ["id", "pet"],
    "additionalProperties": False,
    "$defs": {
        "Pet": {
            "allOf": [
                {"type": "object", "properties": {"name": {"type": "string"}}},
                {"required": ["name"], "properties": {"age": {"type": "integer"}}},
            ]
        }
    },
}


@pytest.mark.parametrize("full", [False, True])
def test_generated_arguments_fit_the_tool_schema(full: bool) -> None:
    arguments = ValueGenerator(TOOL_SCHEMA).arguments(full=full)
    assert Draft202012Validator(TOOL_SCHEMA).is_valid(arguments)
    assert set(arguments) == (set(TOOL_SCHEMA["properties"]) if full else {"id", "pet"})
    assert ValueGenerator(TOOL_SCHEMA).arguments(full=full) == arguments  # deterministic


def test_full_mode_fills_optional_nested_properties() -> None:
    arguments = ValueGenerator(TOOL_SCHEMA).arguments(full=True)
    assert set(arguments["pet"]) == {"name", "age"}
    assert ValueGenerator(TOOL_SCHEMA).arguments(full=False)["pet"] == {"name": "abc"}


def test_unsatisfiable_schema_says_so() -> None:
    schema = {
        "type": "object",
        "properties": {"x": {"type": "integer", "minimum": 5, "maximum": 3}},
        "required": ["x"],
    }
    with pytest.raises(NoValue):
        ValueGenerator(schema).arguments(full=False)


@pytest.mark.parametrize(
    ("template", "url", "problem"),
    [
        ("/items/{id}", "http://h/items/3", ""),
        ("/items/{id}", "http://h/items/3/more", "segments"),
        ("/report/{name}.{fmt}", "http://h/report/a.csv", ""),
        ("/a/{x}/flow#x-amz-bearer", "http://h/a/1/flow", ""),
        ("/a/{x}/flow#x-amz-bearer", "http://h/a/1/flow#x-amz-bearer?max=1", "after the '#'"),
        ("/members?operation=create", "http://h/members?operation=create&x=1", ""),
        ("/members?operation=create", "http://h/members?operation=create?x=1", "'?' part"),
    ],
)
def test_template_check(template: str, url: str, problem: str) -> None:
    found = template_check(template, httpx.URL(url))
    assert (problem in found and bool(found)) if problem else found == ""


def test_pointed_at_replaces_every_server() -> None:
    document = {
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {"/a": {"servers": [{"url": "https://x"}], "get": {"servers": [{"url": "y"}]}}},
    }
    moved = pointed_at(document, "http://127.0.0.1:4010")
    assert moved["servers"] == [{"url": "http://127.0.0.1:4010"}]
    assert "servers" not in moved["paths"]["/a"] and "servers" not in moved["paths"]["/a"]["get"]
    assert document["paths"]["/a"]["servers"]  # the original is untouched
