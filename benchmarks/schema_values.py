"""Deterministic example values for the JSON Schema 2020-12 that gptforge puts in tools.

Used by ``benchmarks/conformance.py`` to make arguments a model could send: once with
only what is required (at every depth) and once with every property. The values are
small and fixed (no randomness; a pattern is met by walking its parsed regex), and
every result is checked against the schema before it is used; :class:`NoValue` says
when no valid value was found.
"""

from __future__ import annotations

import base64
import copy
import math
import re
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

MAX_DEPTH = 8
"""Below this nesting depth only required properties are filled, even in full mode."""

FORMAT_VALUES: dict[str, str] = {
    "date-time": "2024-01-02T03:04:05Z",
    "date": "2024-01-02",
    "time": "03:04:05Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/a",
    "url": "https://example.com/a",
    "iri": "https://example.com/a",
    "uri-reference": "https://example.com/a",
    "iri-reference": "https://example.com/a",
    "uri-template": "https://example.com/{a}",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
    "byte": base64.b64encode(b"abc").decode(),
    "binary": "abc",
    "password": "secret",
    "int32": "1",
    "int64": "1",
    "double": "1.5",
    "float": "1.5",
    "json-pointer": "/a",
    "relative-json-pointer": "0",
    "regex": "a+",
}


class NoValue(Exception):
    """No value satisfying the schema was found."""


@dataclass
class ValueGenerator:
    """Values for one tool's parameter schema (its ``$defs`` resolve against it)."""

    root: dict[str, Any]

    def __post_init__(self) -> None:
        self._validator = Draft202012Validator(self.root)
        self._regex_cache: dict[tuple[str, int, int | None], str | None] = {}

    def arguments(self, *, full: bool) -> dict[str, Any]:
        value = self.value(self.root, full=full)
        if not isinstance(value, dict):
            raise NoValue("the parameter schema is not an object")
        return value

    # ----------------------------------------------------------------- checking

    def valid(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` fits ``schema``.

        A pattern Python's ``re`` cannot compile (``\\p{L}``) is left out of the check.
        """
        try:
            return not any(self._validator.evolve(schema=schema).iter_errors(value))
        except (re.error, SchemaError):
            pass
        except RecursionError:
            return False
        try:
            stripped = _without_bad_patterns(schema)
            return not any(self._validator.evolve(schema=stripped).iter_errors(value))
        except (re.error, SchemaError, RecursionError):
            return False

    # --------------------------------------------------------------- generation

    def value(self, schema: Any, *, full: bool, depth: int = 0, variant: int = 0) -> Any:
        if depth > 60:
            raise NoValue("schema nests too deep")
        if schema is True or schema == {}:
            return "abc" if variant == 0 else f"abc{variant}"
        if not isinstance(schema, dict) or schema is False:
            raise NoValue("schema allows nothing")
        schema = self._inlined(schema)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self._from_enum(schema, variant)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                return self._from_branches(schema, key, branches, full, depth, variant)
        if isinstance(schema.get("allOf"), list):
            merged = self._merged(schema)
            return self._checked(
                schema, self.value(merged, full=full, depth=depth + 1, variant=variant)
            )
        kind = self._type(schema)
        if kind == "object":
            return self._object(schema, full, depth)
        if kind == "array":
            return self._array(schema, full, depth)
        if kind == "string":
            return self._string(schema, variant)
        if kind == "integer":
            return self._number(schema, variant, integer=True)
        if kind == "number":
            return self._number(schema, variant, integer=False)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        raise NoValue(f"unknown type {kind!r}")

    def _checked(self, schema: Any, value: Any) -> Any:
        if not self.valid(schema, value):
            raise NoValue("generated value does not fit")
        return value

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise NoValue(f"cannot resolve {ref}")
        node: Any = self.root
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or token not in node:
                raise NoValue(f"cannot resolve {ref}")
            node = node[token]
        return node

    def _inlined(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A schema with a top-level ``$ref`` replaced by its target (siblings go to allOf)."""
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < 20:
            target = self._resolve(schema["$ref"])
            rest = {
                k: v
                for k, v in schema.items()
                if k not in ("$ref", "description", "title", "examples", "default")
            }
            if not isinstance(target, dict):
                if target is True:
                    target = {}
                else:
                    raise NoValue("reference to a schema that allows nothing")
            schema = {"allOf": [target, rest]} if rest else target
            seen += 1
        return schema

    def _from_enum(self, schema: dict[str, Any], variant: int) -> Any:
        options = schema["enum"]
        ordered = options[variant % len(options) :] + options[: variant % len(options)]
        for option in ordered:
            if self.valid(schema, option):
                return copy.deepcopy(option)
        raise NoValue("no enum value fits")

    def _from_branches(
        self,
        schema: dict[str, Any],
        key: str,
        branches: list[Any],
        full: bool,
        depth: int,
        variant: int,
    ) -> Any:
        rest = {k: v for k, v in schema.items() if k != key}
        for branch in branches:
            try:
                candidate_schema = self._merged({"allOf": [rest, branch]}) if rest else branch
                value = self.value(candidate_schema, full=full, depth=depth + 1, variant=variant)
            except NoValue:
                continue
            if self.valid(schema, value):
                return value
        raise NoValue(f"no {key} branch gives a valid value")

    def _merged(self, schema: dict[str, Any]) -> dict[str, Any]:
        """allOf folded into one schema (properties and required united, the rest overlaid)."""
        out: dict[str, Any] = {}
        parts = [{k: v for k, v in schema.items() if k != "allOf"}]
        for part in schema.get("allOf", []):
            if isinstance(part, dict):
                part = self._inlined(part)
                parts.append(self._merged(part) if "allOf" in part else part)
        for part in parts:
            for key, sub in part.items():
                if key == "properties" and isinstance(sub, dict):
                    props = dict(out.get("properties", {}))
                    for name, prop in sub.items():
                        props[name] = {"allOf": [props[name], prop]} if name in props else prop
                    out["properties"] = props
                elif key == "required" and isinstance(sub, list):
                    out["required"] = list(dict.fromkeys([*out.get("required", []), *sub]))
                elif key == "type" and "type" in out:
                    mine = out["type"] if isinstance(out["type"], list) else [out["type"]]
                    theirs = sub if isinstance(sub, list) else [sub]
                    both = [t for t in mine if t in theirs] or (
                        ["integer"] if "integer" in mine + theirs else theirs
                    )
                    out["type"] = both if len(both) > 1 else both[0]
                elif key in ("oneOf", "anyOf") and key in out:
                    out["allOf"] = [*out.get("allOf", []), {key: sub}]
                else:
                    out[key] = sub
        return out

    def _type(self, schema: dict[str, Any]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            real = [k for k in kind if k != "null"]
            return real[0] if real else "null"
        if isinstance(kind, str):
            return kind
        if "properties" in schema or "additionalProperties" in schema or "required" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
            return "string"
        if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
            return "number"
        return "string"

    def _object(self, schema: dict[str, Any], full: bool, depth: int) -> dict[str, Any]:
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        names = list(dict.fromkeys(required + (list(props) if full and depth < MAX_DEPTH else [])))
        extra = schema.get("additionalProperties", True)
        out: dict[str, Any] = {}
        for name in names:
            sub = props.get(name, extra if extra is not False else {})
            try:
                out[name] = self.value(sub, full=full, depth=depth + 1)
            except NoValue:
                if name in required:
                    raise
        minimum = schema.get("minProperties", 0)
        for name in props:
            if len(out) >= minimum:
                break
            if name not in out:
                out[name] = self.value(props[name], full=full, depth=depth + 1)
        counter = 1
        while len(out) < minimum and extra is not False:
            out[f"key{counter}"] = self.value(extra, full=full, depth=depth + 1)
            counter += 1
        return self._checked(schema, out)

    def _array(self, schema: dict[str, Any], full: bool, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        items = schema.get("items", {})
        low = int(schema.get("minItems", 0))
        count = max(low, len(prefix) if full else 0, 1 if full and depth < MAX_DEPTH else 0)
        if isinstance(schema.get("maxItems"), int):
            count = min(count, schema["maxItems"])
        out: list[Any] = []
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            out.append(self.value(sub, full=full, depth=depth + 1, variant=index))
        return self._checked(schema, out)

    def _string(self, schema: dict[str, Any], variant: int) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        high = int(high) if isinstance(high, int | float) else None
        candidates: list[str] = []
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in FORMAT_VALUES:
            candidates.append(FORMAT_VALUES[fmt])
        base = "abc" if variant == 0 else f"abc{variant}"
        candidates.append(_fit(base, low, high))
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            found = self._from_pattern(pattern, low, high, variant)
            if found is not None:
                candidates.insert(0, found)
            candidates.extend(_fit(s, low, high) for s in ("a", "A", "1", "Abc1", "abc-1", "a.b"))
        for candidate in candidates:
            if self.valid(schema, candidate):
                return candidate
        raise NoValue("no string fits")

    def _from_pattern(self, pattern: str, low: int, high: int | None, variant: int) -> str | None:
        """The shortest string the pattern matches with every repeat stretched alike."""
        key = (pattern, low, high)
        if key in self._regex_cache and variant == 0:
            return self._regex_cache[key]
        found: str | None = None
        try:
            tree = sre_parse.parse(pattern)
            compiled = re.compile(pattern)
        except (re.error, OverflowError, RecursionError):
            tree = None
        if tree is not None:
            limit = max(low, 1) + 2 if high is None else high + 1
            for extra in range(variant, variant + min(limit, 64) + 1):
                try:
                    text = _Sample(extra).of(tree)
                except (NoValue, RecursionError):
                    break
                if compiled.search(text) and low <= len(text) <= (high or 10**9):
                    found = text
                    break
        if variant == 0:
            self._regex_cache[key] = found
        return found

    def _number(self, schema: dict[str, Any], variant: int, *, integer: bool) -> int | float:
        low, high = -math.inf, math.inf
        if isinstance(schema.get("minimum"), int | float):
            low = schema["minimum"]
        if isinstance(schema.get("exclusiveMinimum"), int | float):
            low = max(low, schema["exclusiveMinimum"] + (1 if integer else 0.5))
        if isinstance(schema.get("maximum"), int | float):
            high = schema["maximum"]
        if isinstance(schema.get("exclusiveMaximum"), int | float):
            high = min(high, schema["exclusiveMaximum"] - (1 if integer else 0.5))
        value: float = 1 + variant
        if value < low:
            value = low + variant
        if value > high:
            value = high - variant if high - variant >= low else high
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            value = math.ceil(value / step) * step
            if value > high:
                value -= step
        if integer or float(value).is_integer():
            value = math.ceil(value) if integer else int(value)
        return self._checked(schema, value)


def _fit(text: str, low: int, high: int | None) -> str:
    if len(text) < low:
        text = text + "a" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:high]
    return text


_CATEGORY_CHAR = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_LINEBREAK": "\n",
    "CATEGORY_NOT_LINEBREAK": "a",
}
_CANDIDATES = "a0A_-. b1Bz9Z:/@"


@dataclass
class _Sample:
    """Walks a parsed regex and writes one matching string; repeats take ``min + extra``."""

    extra: int

    def __post_init__(self) -> None:
        self.groups: dict[int, str] = {}

    def of(self, tree: Any) -> str:
        return "".join(self._item(op, av) for op, av in tree)

    def _item(self, op: Any, av: Any) -> str:
        name = str(op)
        if name == "LITERAL":
            return chr(av)
        if name == "NOT_LITERAL":
            return next(c for c in _CANDIDATES if ord(c) != av)
        if name == "ANY":
            return "a"
        if name == "IN":
            return self._in(av)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            count = low + self.extra if high is sre.MAXREPEAT else min(high, low + self.extra)
            return "".join(self.of(sub) for _ in range(count))
        if name == "SUBPATTERN":
            group, _, _, sub = av
            text = self.of(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if name == "ATOMIC_GROUP":
            return self.of(av)
        if name == "BRANCH":
            return self.of(av[1][0])
        if name == "GROUPREF":
            return self.groups.get(av, "")
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return ""
        if name == "CATEGORY":
            return _CATEGORY_CHAR.get(str(av), "a")
        raise NoValue(f"regex construct {name} not supported")

    def _in(self, items: list[tuple[Any, Any]]) -> str:
        negate = bool(items) and str(items[0][0]) == "NEGATE"
        if not negate:
            for c in _CANDIDATES:
                if _in_set(c, items):
                    return c
            op, av = items[0]
            if str(op) == "LITERAL":
                return chr(av)
            if str(op) == "RANGE":
                low, high = av
                for c in _CANDIDATES:
                    if low <= ord(c) <= high:
                        return c
                return chr(low)
            if str(op) == "CATEGORY":
                return _CATEGORY_CHAR.get(str(av), "a")
            raise NoValue("character set not supported")
        for c in _CANDIDATES:
            if not _in_set(c, items[1:]):
                return c
        raise NoValue("no character outside the set")


def _in_set(char: str, items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and ord(char) == av:
            return True
        if name == "RANGE" and av[0] <= ord(char) <= av[1]:
            return True
        if name == "CATEGORY" and _CATEGORY_CHAR.get(str(av)) == char:
            return True
        if name == "CATEGORY" and str(av) == "CATEGORY_WORD" and (char.isalnum() or char == "_"):
            return True
        if name == "CATEGORY" and str(av) == "CATEGORY_DIGIT" and char.isdigit():
            return True
        if name == "CATEGORY" and str(av) == "CATEGORY_SPACE" and char.isspace():
            return True
    return False


def _without_bad_patterns(node: Any) -> Any:
    """A copy of a schema without the patterns Python's ``re`` cannot compile."""
    if isinstance(node, list):
        return [_without_bad_patterns(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, sub in node.items():
        if key == "pattern" and isinstance(sub, str):
            try:
                re.compile(sub)
            except re.error:
                continue
        out[key] = _without_bad_patterns(sub)
    return out
