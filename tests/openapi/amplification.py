"""Generators for documents whose text is small but whose schemas are used many times.

Shared by the regression tests and ``benchmarks/amplification.py``; each returns the
document text, so the same bytes go through the parser as an upload would.
"""

from __future__ import annotations

import json
from typing import Any

_HEAD = {
    "openapi": "3.0.3",
    "info": {"title": "Amplified", "version": "1"},
    "servers": [{"url": "https://api.example.com"}],
}


def anchored_path_item_yaml(*, levels: int = 8, width: int = 4, paths: int = 60) -> str:
    """A few KB of YAML: a nested inline body built from anchors (each level defined
    inline in its parent's first property), in one path item every path ``$ref`` s.

    The alias guard counts the body once (about ``8 * width**levels`` nodes); each
    operation that reaches it used to normalize all of them again.
    """
    names = [chr(ord("a") + i) for i in range(width)]
    schema = "&s0 {type: string, description: a leaf}"
    for level in range(1, levels + 1):
        first = f"{names[0]}: {schema}"
        rest = ", ".join(f"{n}: *s{level - 1}" for n in names[1:])
        schema = f"&s{level} {{type: object, properties: {{{first}, {rest}}}}}"
    lines = [
        "openapi: 3.0.3",
        "info: {title: Amplified, version: '1'}",
        "servers: [{url: 'https://api.example.com'}]",
        "x-item:",
        "  post:",
        "    requestBody:",
        "      required: true",
        f"      content: {{application/json: {{schema: {schema}}}}}",
        "    responses: {'200': {description: ok}}",
        "paths:",
    ]
    lines += [f"  /p{i}: {{$ref: '#/x-item'}}" for i in range(paths)]
    return "\n".join(lines) + "\n"


def nested_schema(depth: int, width: int) -> dict[str, Any]:
    """An inline object schema ``depth`` levels deep with ``width`` properties per level."""
    if depth == 0:
        return {"type": "string", "description": "a leaf value"}
    return {
        "type": "object",
        "properties": {f"field{i}": nested_schema(depth - 1, width) for i in range(width)},
    }


def shared_body_json(*, operations: int = 4000, depth: int = 4, width: int = 6) -> str:
    """One nested inline request body component, shared by every operation."""
    paths = {
        f"/things{i}": {
            "post": {
                "operationId": f"op{i}",
                "requestBody": {"$ref": "#/components/requestBodies/Big"},
                "responses": {"200": {"description": "ok"}},
            }
        }
        for i in range(operations)
    }
    body = {
        "required": True,
        "content": {"application/json": {"schema": nested_schema(depth, width)}},
    }
    doc = {**_HEAD, "paths": paths, "components": {"requestBodies": {"Big": body}}}
    return json.dumps(doc, separators=(",", ":"))


def swagger_shared_body_param_json(
    *, operations: int = 2000, depth: int = 4, width: int = 6
) -> str:
    """Swagger 2.0: one body parameter with a nested inline schema, ``$ref`` d by all."""
    paths = {
        f"/things{i}": {
            "post": {
                "operationId": f"op{i}",
                "parameters": [{"$ref": "#/parameters/Body"}],
                "responses": {"200": {"description": "ok"}},
            }
        }
        for i in range(operations)
    }
    doc = {
        "swagger": "2.0",
        "info": {"title": "Amplified", "version": "1"},
        "host": "api.example.com",
        "schemes": ["https"],
        "paths": paths,
        "parameters": {
            "Body": {"in": "body", "name": "body", "schema": nested_schema(depth, width)}
        },
    }
    return json.dumps(doc, separators=(",", ":"))


def shared_parameters_json(*, operations: int = 500, parameters: int = 2000) -> str:
    """One path item holding many parameters, shared by every path."""
    params = [
        {"name": f"q{i}", "in": "query", "schema": {"type": "string"}} for i in range(parameters)
    ]
    paths = {f"/p{i}": {"$ref": "#/x-item"} for i in range(operations)}
    item = {"parameters": params, "get": {"responses": {"200": {"description": "ok"}}}}
    return json.dumps({**_HEAD, "paths": paths, "x-item": item}, separators=(",", ":"))


def fat_component_json(*, operations: int = 50, enum_bytes: int = 1_500_000) -> str:
    """A component with a huge enum (few nodes, many bytes), used by every operation."""
    values = [f"value-{i:07d}" for i in range(enum_bytes // 16)]
    paths = {
        f"/p{i}": {
            "post": {
                "operationId": f"op{i}",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Fat"}}
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
        for i in range(operations)
    }
    fat = {"type": "object", "properties": {"kind": {"type": "string", "enum": values}}}
    doc = {**_HEAD, "paths": paths, "components": {"schemas": {"Fat": fat}}}
    return json.dumps(doc, separators=(",", ":"))
