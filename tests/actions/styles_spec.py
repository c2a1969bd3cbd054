"""A spec exercising every parameter style, explode setting and body type."""

from __future__ import annotations

from typing import Any

ARRAY = {"type": "array", "items": {"type": "string"}}
OBJECT = {
    "type": "object",
    "properties": {"role": {"type": "string"}, "first": {"type": "string"}},
    "additionalProperties": False,
}


def _param(
    name: str, where: str, schema: dict[str, Any], style: str, explode: bool
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "style": style,
        "explode": explode,
    }


def styles_spec(port: int) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for style in ("simple", "label", "matrix"):
        for explode in (False, True):
            for kind, schema in (("prim", {"type": "string"}), ("arr", ARRAY), ("obj", OBJECT)):
                name = f"path_{style}_{'x' if explode else 'n'}_{kind}"
                paths[f"/path/{style}/{int(explode)}/{kind}/{{v}}"] = {
                    "get": {
                        "operationId": name,
                        "parameters": [_param("v", "path", schema, style, explode)],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
    query_cases = [
        ("form", False, "arr", ARRAY),
        ("form", True, "arr", ARRAY),
        ("form", False, "obj", OBJECT),
        ("form", True, "obj", OBJECT),
        ("spaceDelimited", False, "arr", ARRAY),
        ("pipeDelimited", False, "arr", ARRAY),
        ("deepObject", True, "obj", OBJECT),
        ("form", True, "prim", {"type": "integer"}),
        ("form", True, "bool", {"type": "boolean"}),
    ]
    for style, explode, kind, schema in query_cases:
        name = f"query_{style}_{'x' if explode else 'n'}_{kind}"
        paths[f"/query/{style}/{int(explode)}/{kind}"] = {
            "get": {
                "operationId": name,
                "parameters": [_param("q", "query", schema, style, explode)],
                "responses": {"200": {"description": "ok"}},
            }
        }
    for explode in (False, True):
        paths[f"/header/{int(explode)}"] = {
            "get": {
                "operationId": f"header_{'x' if explode else 'n'}",
                "parameters": [
                    _param("X-Tags", "header", ARRAY, "simple", explode),
                    _param("X-Who", "header", OBJECT, "simple", explode),
                    _param("X-Plain", "header", {"type": "string"}, "simple", False),
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    paths["/cookie"] = {
        "get": {
            "operationId": "cookie",
            "parameters": [
                _param("session", "cookie", {"type": "string"}, "form", True),
                _param("ids", "cookie", ARRAY, "form", False),
            ],
            "responses": {"200": {"description": "ok"}},
        }
    }
    body_schema = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    }
    for media, op in (
        ("application/json", "body_json"),
        ("application/x-www-form-urlencoded", "body_form"),
        ("multipart/form-data", "body_multipart"),
    ):
        paths[f"/body/{op}"] = {
            "post": {
                "operationId": op,
                "requestBody": {"required": True, "content": {media: {"schema": body_schema}}},
                "responses": {"200": {"description": "ok"}},
            }
        }
    paths["/body/text"] = {
        "put": {
            "operationId": "body_text",
            "requestBody": {
                "required": True,
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            "responses": {"200": {"description": "ok"}},
        }
    }
    paths["/mixed/{id}"] = {
        "parameters": [_param("id", "path", {"type": "integer"}, "simple", False)],
        "patch": {
            "operationId": "mixed",
            "parameters": [
                _param("dry_run", "query", {"type": "boolean"}, "form", True),
                _param("id", "query", {"type": "string"}, "form", True),
            ],
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}
                }
            },
            "responses": {"200": {"description": "ok"}},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Styles", "version": "1"},
        "servers": [
            {
                "url": "http://127.0.0.1:{port}/{base}",
                "variables": {"port": {"default": str(port)}, "base": {"default": "v1"}},
            }
        ],
        "paths": paths,
    }
