"""A tool call's arguments to the exact HTTP request the spec describes.

Arguments are validated against the tool's JSON Schema first; invalid ones
raise :class:`InvalidArguments`, whose message tells the model what to fix, and
nothing is sent. The scheme, host and port always come from the spec's server (or
the action's server override). No assembled path segment may read as ``.`` or ``..``
to any server, and headers that frame or route the request are never taken from
arguments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from gptforge.actions.serialize import (
    cookie_pairs,
    header_value,
    path_value,
    query_pairs,
    scalar_text,
)
from gptforge.egress import origin
from gptforge.errors import ActionError, InvalidArguments, SerializationError
from gptforge.openapi import Operation, RequestBody, Tool
from gptforge.openapi.operations import is_forbidden_header

USER_AGENT = "gptforge/0.1 (+actions)"
ACCEPT = "application/json, text/plain;q=0.9, */*;q=0.5"
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_MAX_ERRORS = 5


_SCHEMA_MAPS = frozenset({"properties", "$defs", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_LITERALS = frozenset({"enum", "const", "default", "examples", "required", "dependentRequired"})


def _without_patterns(schema: Any) -> Any:
    """A copy of a schema without regular expressions.

    A spec's ``pattern`` can backtrack catastrophically on a crafted argument and stall
    the server, so arguments are checked without them; the API still validates its input.
    Only the keywords go: a property or component *named* ``pattern`` is kept, and
    literals (``enum``, ``default``...) are copied as they are, however deep.
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("pattern", "patternProperties"):
            continue
        if key in _LITERALS:
            out[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _without_patterns(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_without_patterns(sub) for sub in value]
        else:
            out[key] = _without_patterns(value)
    if "patternProperties" in schema and "additionalProperties" in out:
        out["additionalProperties"] = True  # keys those patterns allowed stay allowed
    return out


def _error_line(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "arguments"
    message = error.message
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{where}: {message}"


@dataclass
class RequestBuilder:
    """Builds requests for the tools of one spec; caches one validator per tool."""

    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def validate(self, tool: Tool, arguments: Any) -> dict[str, Any]:
        if not isinstance(arguments, dict):
            raise InvalidArguments(
                f"Arguments must be a JSON object matching the {tool.name} parameters, "
                f"not {type(arguments).__name__}."
            )
        validator = self._validators.get(tool.name)
        if validator is None:
            validator = Draft202012Validator(_without_patterns(tool.parameters))
            self._validators[tool.name] = validator
        try:
            errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
        except RecursionError:
            return arguments  # a self-referential schema: let the API judge
        if errors:
            lines = [_error_line(e) for e in errors[:_MAX_ERRORS]]
            more = f" (and {len(errors) - _MAX_ERRORS} more)" if len(errors) > _MAX_ERRORS else ""
            raise InvalidArguments(
                f"Invalid arguments for {tool.name}: " + "; ".join(lines) + more + ". "
                "Fix them and call the tool again."
            )
        return arguments

    def build(self, tool: Tool, arguments: Any, *, server_url: str | None = None) -> httpx.Request:
        """Validate ``arguments`` and build the request (without credentials).

        ``server_url`` replaces the spec's server for every operation when given.
        """
        args = self.validate(tool, arguments)
        op = tool.operation
        base_url = server_url or (op.server.url if op.server is not None else None)
        if base_url is None:
            raise ActionError(
                f"The action's spec has no usable server URL, so {tool.name} cannot be called. "
                "Add `servers: [{url: https://...}]` to the spec."
            )
        path_values: dict[str, str] = {}
        query: list[str] = []
        headers: dict[str, str] = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
        cookies: list[str] = []
        body_value: Any = None
        has_body = False
        try:
            for arg, value in args.items():
                param = tool.binding.parameters.get(arg)
                if param is not None and value is None and not param.required:
                    # An optional parameter given null was not given: sent as `?guests=`,
                    # the API reads an empty value, and rejected the request or searched
                    # for it (models write null for "not given" in a nullable schema).
                    continue
                if param is not None:
                    if param.location == "path":
                        path_values[param.name] = path_value(param, value)
                    elif param.location == "query":
                        query.extend(query_pairs(param, value))
                    elif param.location == "header":
                        if not is_forbidden_header(param.name):
                            headers[param.name] = header_value(param, value)
                    else:
                        cookies.extend(cookie_pairs(param, value))
                elif arg == tool.binding.body_argument:
                    body_value, has_body = value, True
                elif arg in tool.binding.body_properties:
                    if not has_body:
                        body_value, has_body = {}, True
                    body_value[arg] = value
        except SerializationError as exc:
            raise InvalidArguments(str(exc)) from exc
        if not has_body and op.request_body is not None and op.request_body.required:
            # A required object body whose fields are all optional: the model gave none.
            has_body = bool(tool.binding.body_properties)
            body_value = {}
        if cookies:
            headers["Cookie"] = "; ".join(cookies)

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in path_values:
                raise InvalidArguments(f"The path parameter {name!r} is required.")
            return path_values[name]

        path = _TEMPLATE.sub(fill, op.path)
        _check_segments(path, op.path)
        query = [*op.fixed_query, *query]
        url = base_url + path + ("?" + "&".join(query) if query else "")
        try:
            request = _request_with_body(
                op, url, headers, body_value if has_body else None, has_body
            )
        except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError is a ValueError
            if isinstance(exc, InvalidArguments):
                raise
            raise InvalidArguments(
                f"The arguments for {tool.name} do not make a valid HTTP request (a header, "
                "path or query value has characters HTTP cannot carry). Use plain text values."
            ) from exc
        _check_origin(request.url, base_url, tool.name)
        return request


def _request_with_body(
    op: Operation, url: str, headers: dict[str, str], body: Any, has_body: bool
) -> httpx.Request:
    spec_body = op.request_body
    if spec_body is None or not has_body:
        return httpx.Request(op.method, url, headers=headers)
    content_type = _concrete(spec_body)
    if spec_body.kind == "json":
        headers["Content-Type"] = content_type
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return httpx.Request(op.method, url, headers=headers, content=content)
    if spec_body.kind in ("text", "raw"):
        charset = "; charset=utf-8" if spec_body.kind == "text" else ""
        headers["Content-Type"] = content_type + charset
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        return httpx.Request(op.method, url, headers=headers, content=text.encode())
    if not isinstance(body, dict):
        raise InvalidArguments(f"The {spec_body.kind} body must be an object of fields.")
    schema = spec_body.schema if isinstance(spec_body.schema, dict) else {}
    required = set(schema.get("required") or [])
    # A form has no null: an optional field given null was not given (as in the query).
    body = {key: value for key, value in body.items() if value is not None or key in required}
    if spec_body.kind == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        pairs: list[tuple[str, str]] = []
        for key, value in body.items():
            if isinstance(value, list):
                pairs.extend((key, scalar_text(item)) for item in value)
            else:
                pairs.append((key, scalar_text(value)))
        return httpx.Request(op.method, url, headers=headers, content=urlencode(pairs).encode())
    files: list[tuple[str, tuple[str | None, bytes, str]]] = []
    properties = (
        spec_body.schema.get("properties", {}) if isinstance(spec_body.schema, dict) else {}
    )
    encoding = spec_body.encoding or {}
    for key, value in body.items():
        prop = properties.get(key) if isinstance(properties, dict) else None
        declared = (
            encoding.get(key, {}).get("contentType")
            if isinstance(encoding.get(key), dict)
            else None
        )
        is_binary = isinstance(prop, dict) and prop.get("format") in ("binary", "byte")
        items = value if isinstance(value, list) and not declared else [value]
        for item in items:
            if is_binary:
                data = item.encode() if isinstance(item, str) else scalar_text(item).encode()
                files.append((key, (key, data, declared or "application/octet-stream")))
            elif isinstance(item, dict | list):
                files.append((key, (None, json.dumps(item).encode(), "application/json")))
            else:
                files.append((key, (None, scalar_text(item).encode(), declared or "text/plain")))
    return httpx.Request(op.method, url, headers=headers, files=files)


def _concrete(body: RequestBody) -> str:
    media = body.content_type
    if "*" in media or not media:
        return "application/json" if body.kind == "json" else "application/octet-stream"
    return media


_DOT_SEGMENTS = frozenset({".", ".."})
_SEGMENT_SPLIT = re.compile(r"[/\\;]")


def _check_segments(path: str, template: str) -> None:
    """Refuse a path in which a segment filled from arguments reads as ``.`` or ``..``.

    Servers differ in what they normalize: percent-decoding (once or more), ``%2F`` and
    ``\\`` as separators, ``;params`` stripped (``..;x``). A segment is refused when any
    of those readings gives a dot segment, so no server resolves it to another path.
    """
    for filled, original in zip(path.split("/"), template.split("/"), strict=False):
        if filled == original or "{" not in original:
            continue
        decoded = filled
        for _ in range(4):
            once = unquote(decoded)
            if once == decoded:
                break
            decoded = once
        if not decoded or any(piece in _DOT_SEGMENTS for piece in _SEGMENT_SPLIT.split(decoded)):
            raise InvalidArguments(
                f"The path parameters would make the path segment {filled!r} empty or read as "
                "'.' or '..', which would change the path. Give values that are not empty and "
                "not made of dots."
            )


def _check_origin(url: httpx.URL, server_url: str, name: str) -> None:
    try:
        expected = httpx.URL(server_url)
        same = origin(url) == origin(expected)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ActionError(
            f"The server URL for {name} is not a valid http(s) URL (check its host and port)."
        ) from exc
    if not same:
        raise ActionError(
            f"Refused to send {name}: the built URL points at {url.host}, not the action's "
            f"server {expected.host}."
        )
