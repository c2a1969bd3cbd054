"""Parameter values serialized exactly as OpenAPI 3 ``style``/``explode`` say.

Path values are percent-encoded as whole segments: ``/``, ``?``, ``#`` and dot
segments can never change the path or the host. Header values with control or
non-ASCII characters are refused, so a model cannot inject headers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from gptforge.errors import SerializationError
from gptforge.openapi import Parameter

_RESERVED = ":/?#[]@!$&'()*+,;="


def scalar_text(value: Any) -> str:
    """How a single value is written in a URL, header or form field."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _enc(text: str, *, reserved: bool = False) -> str:
    return quote(text, safe=_RESERVED if reserved else "")


def _path_enc(text: str) -> str:
    encoded = quote(text, safe="")
    if encoded and set(encoded) == {"."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def _pairs(value: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, item in value.items():
        yield str(key), scalar_text(item)


def path_value(param: Parameter, value: Any) -> str:
    """The text that replaces ``{name}`` in the path template."""
    name, style, explode = param.name, param.style, param.explode
    if param.content_type is not None:
        return _path_enc(json.dumps(value, separators=(",", ":")))
    if isinstance(value, list):
        items = [_path_enc(scalar_text(v)) for v in value]
        if style == "label":
            return "." + ("." if explode else ",").join(items)
        if style == "matrix":
            if explode:
                return "".join(f";{name}={item}" for item in items)
            return f";{name}=" + ",".join(items)
        return ",".join(items)
    if isinstance(value, dict):
        pairs = [(_path_enc(k), _path_enc(v)) for k, v in _pairs(value)]
        if explode:
            joined = [f"{k}={v}" for k, v in pairs]
            if style == "label":
                return "." + ".".join(joined)
            if style == "matrix":
                return "".join(f";{item}" for item in joined)
            return ",".join(joined)
        flat = ",".join(f"{k},{v}" for k, v in pairs)
        if style == "label":
            return "." + flat
        if style == "matrix":
            return f";{name}=" + flat
        return flat
    text = _path_enc(scalar_text(value))
    if style == "label":
        return "." + text
    if style == "matrix":
        return f";{name}={text}"
    return text


def query_pairs(param: Parameter, value: Any) -> list[str]:
    """Encoded ``key=value`` items for the query string."""
    name, style, explode = param.name, param.style, param.explode
    reserved = param.allow_reserved

    def enc(text: str) -> str:
        return _enc(text, reserved=reserved)

    key = _enc(name)
    if param.content_type is not None:
        return [f"{key}={enc(json.dumps(value, separators=(',', ':')))}"]
    if isinstance(value, list):
        items = [enc(scalar_text(v)) for v in value]
        if explode and style in ("form", "spaceDelimited", "pipeDelimited"):
            return [f"{key}={item}" for item in items]
        separator = {"spaceDelimited": "%20", "pipeDelimited": "|"}.get(style, ",")
        return [f"{key}={separator.join(items)}"]
    if isinstance(value, dict):
        if style == "deepObject":
            return list(_deep_object(key, value, enc))
        if explode:
            return [f"{_enc(k)}={enc(v)}" for k, v in _pairs(value)]
        return [f"{key}=" + ",".join(f"{enc(k)},{enc(v)}" for k, v in _pairs(value))]
    return [f"{key}={enc(scalar_text(value))}"]


def _deep_object(prefix: str, value: dict[str, Any], enc: Any) -> Iterator[str]:
    for sub_key, item in value.items():
        name = f"{prefix}%5B{_enc(str(sub_key))}%5D"
        if isinstance(item, dict):
            yield from _deep_object(name, item, enc)
        elif isinstance(item, list):
            for element in item:
                yield f"{name}%5B%5D={enc(scalar_text(element))}"
        else:
            yield f"{name}={enc(scalar_text(item))}"


def header_value(param: Parameter, value: Any) -> str:
    if param.content_type is not None:
        text = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, list):
        text = ",".join(scalar_text(v) for v in value)
    elif isinstance(value, dict):
        sep = "=" if param.explode else ","
        text = ",".join(f"{k}{sep}{v}" for k, v in _pairs(value))
    else:
        text = scalar_text(value)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise SerializationError(
            f"Header {param.name!r} cannot contain line breaks or control characters."
        )
    if not text.isascii():
        raise SerializationError(
            f"Header {param.name!r} can only carry ASCII text; transliterate the value or "
            "leave the header out."
        )
    return text.strip(" ")


def cookie_pairs(param: Parameter, value: Any) -> list[str]:
    name = param.name
    if param.content_type is not None:
        return [f"{name}={_enc(json.dumps(value, separators=(',', ':')))}"]
    if isinstance(value, list):
        items = [_enc(scalar_text(v)) for v in value]
        if param.explode:
            return [f"{name}={item}" for item in items]
        return [f"{name}=" + ",".join(items)]
    if isinstance(value, dict):
        if param.explode:
            return [f"{_enc(k)}={_enc(v)}" for k, v in _pairs(value)]
        return [f"{name}=" + ",".join(f"{_enc(k)},{_enc(v)}" for k, v in _pairs(value))]
    return [f"{name}={_enc(scalar_text(value))}"]
