"""OpenAPI schema objects to JSON Schema Draft 2020-12, for request arguments.

The normalizer keeps only keywords whose values are well formed, so its output
passes the 2020-12 meta-schema by construction: OpenAPI 3.0 ``nullable``
becomes a ``null`` type, boolean ``exclusiveMinimum`` becomes the numeric form,
``example`` becomes ``examples``, ``readOnly`` properties leave request shapes,
tuple ``items`` become ``prefixItems``, and vendor ``x-`` keys, ``discriminator``
and ``xml`` are dropped.

Every referenced schema becomes one entry of ``$defs`` (named after its
component), normalized once per document and shared by every tool that needs
it. Circular schemas therefore stay finite: they are ``$ref`` s into ``$defs``.
A tool gets the defs it reaches, nearest first, up to a size budget; defs past
the budget are replaced by an open schema with a note, so one huge component
graph cannot blow up every tool that touches it.
"""

from __future__ import annotations

import re
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from gptforge.naming import unique_name
from gptforge.openapi.diagnostics import Diagnostics, escape_pointer_token
from gptforge.openapi.refs import RefError, RefResolver, ref_tokens

JsonSchema = dict[str, Any] | bool
At = str | tuple[Any, ...]
"""A JSON pointer, or a lazy one: ``(parent_at, token, ...)``, rendered only for diagnostics."""


def render_at(at: At) -> str:
    if isinstance(at, str):
        return at
    return render_at(at[0]) + "".join("/" + escape_pointer_token(str(t)) for t in at[1:])


SIMPLE_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
_TYPE_ALIASES = {
    "int": "integer",
    "long": "integer",
    "int32": "integer",
    "int64": "integer",
    "float": "number",
    "double": "number",
    "decimal": "number",
    "bool": "boolean",
    "str": "string",
    "text": "string",
    "date": "string",
    "datetime": "string",
    "date-time": "string",
    "dict": "object",
    "map": "object",
    "list": "array",
}
_DEF_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_COMPONENT_SCHEMAS = ("components", "schemas")

DESCRIPTION_LIMIT = 700
"""Longest parameter or property description kept (the GPT Actions budget)."""


def trim_text(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text.strip()
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _non_negative_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _number(value: Any) -> int | float | None:
    if _is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


@dataclass
class _Root:
    """What one normalization pass collected: referenced defs and node count."""

    refs: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class SchemaNormalizer:
    """Normalizes request schemas of one document; caches every ``$defs`` entry."""

    resolver: RefResolver
    diagnostics: Diagnostics
    oas30: bool = True
    max_depth: int = 40
    defs: dict[str, JsonSchema] = field(default_factory=dict)
    def_refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    def_sizes: dict[str, int] = field(default_factory=dict)
    _name_by_ref: dict[str, str] = field(default_factory=dict)
    _ref_by_name: dict[str, str] = field(default_factory=dict)
    _patterns: dict[str, bool] = field(default_factory=dict)
    _closures: dict[tuple[tuple[str, ...], int], tuple[dict[str, JsonSchema], list[str]]] = field(
        default_factory=dict
    )
    _root: _Root = field(default_factory=_Root)

    # ----------------------------------------------------------------- public

    def normalize(self, raw: Any, at: At) -> tuple[JsonSchema, tuple[str, ...], int]:
        """Normalize one schema: the schema, the defs it references, its node count."""
        saved, self._root = self._root, _Root()
        try:
            schema = self._schema(raw, at, 0)
            root = self._root
        finally:
            self._root = saved
        return schema, tuple(dict.fromkeys(root.refs)), root.size

    def closure(
        self, refs: tuple[str, ...], *, budget: int
    ) -> tuple[dict[str, JsonSchema], list[str]]:
        """The defs reachable from ``refs``, nearest first, within ``budget`` nodes.

        Returns the ``$defs`` mapping and the names replaced by an open stub. Operations
        that share a body schema share the result (treat it as read-only).
        """
        key = (refs, budget)
        cached = self._closures.get(key)
        if cached is not None:
            return cached
        out: dict[str, JsonSchema] = {}
        trimmed: list[str] = []
        queue = deque(refs)
        spent = 0
        while queue:
            name = queue.popleft()
            if name in out:
                continue
            schema = self.definition(name)
            size = self.def_sizes[name]
            if spent + size > budget and out:
                out[name] = {
                    "description": f"Schema {name!r} omitted to keep this tool small; "
                    "see the API documentation for its fields."
                }
                trimmed.append(name)
                continue
            spent += size
            out[name] = schema
            queue.extend(self.def_refs[name])
        self._closures[key] = (out, trimmed)
        return out, trimmed

    def def_name(self, ref: str) -> str:
        """The ``$defs`` key used for a local reference (stable within the document)."""
        name = self._name_by_ref.get(ref)
        if name is not None:
            return name
        tokens = ref_tokens(ref)
        if tokens[:2] == _COMPONENT_SCHEMAS and len(tokens) > 2:
            tokens = tokens[2:]
        base = _DEF_NAME_UNSAFE.sub("_", "_".join(tokens)).strip("_")[:60] or "schema"
        name = unique_name(base, self._ref_by_name)
        self._name_by_ref[ref] = name
        self._ref_by_name[name] = ref
        return name

    def definition(self, name: str) -> JsonSchema:
        """The normalized schema behind a ``$defs`` name, computed once."""
        cached = self.defs.get(name)
        if cached is not None:
            return cached
        ref = self._ref_by_name[name]
        at = ("", *ref_tokens(ref))
        # Reserve the slot first: a schema that reaches itself sees a $ref, not a loop.
        self.defs[name] = {}
        self.def_refs[name] = ()
        self.def_sizes[name] = 1
        try:
            target = self.resolver.lookup(ref)
            if isinstance(target, dict) and "$ref" in target:
                self.resolver.deref(target)  # refuses pure reference loops
        except RefError as exc:
            self._report_ref(exc, at)
            return self.defs[name]
        schema, refs, size = self.normalize(target, at)
        self.defs[name] = schema
        self.def_refs[name] = refs
        self.def_sizes[name] = size
        return schema

    # ---------------------------------------------------------------- private

    def _report_ref(self, exc: RefError, at: At) -> None:
        code = {"external": "external-ref", "loop": "ref-loop"}.get(exc.kind, "unresolved-ref")
        self.diagnostics.error(
            code, render_at(at), f"{exc.message} The value is accepted as-is for now."
        )

    def _valid_pattern(self, pattern: str, at: At) -> bool:
        ok = self._patterns.get(pattern)
        if ok is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    re.compile(pattern)
                ok = True
            except (re.error, RecursionError, OverflowError):
                ok = False
                self.diagnostics.warning(
                    "invalid-schema",
                    render_at((at, "pattern")),
                    f"The pattern {pattern[:80]!r} is not a valid regular expression here; it "
                    "was left out. Use ECMA-262 syntax that Python's re also accepts.",
                )
            self._patterns[pattern] = ok
        return ok

    def _schema(self, raw: Any, at: At, depth: int) -> JsonSchema:
        self._root.size += 1
        if raw.__class__ is not dict:
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, dict):
                return self._schema(dict(raw), at, depth)
            self.diagnostics.warning(
                "invalid-schema",
                render_at(at),
                f"A schema must be an object, found {type(raw).__name__}; any value is "
                "accepted here.",
            )
            return {}
        if depth > self.max_depth:
            self.diagnostics.warning(
                "schema-too-deep",
                render_at(at),
                f"Schema nesting goes deeper than {self.max_depth} levels; deeper values are "
                "accepted as-is. Move nested parts into components and $ref them.",
            )
            return {}
        if "$ref" in raw:
            return self._reference(raw, raw["$ref"], at)
        out: dict[str, Any] = {}
        nullable = False
        exclusive_flag = False
        dropped: set[str] | None = None
        next_depth = depth + 1
        for key, value in raw.items():
            kind = _KEY_KIND.get(key)
            if kind is None:
                continue
            if kind == _DESCRIPTION:
                if isinstance(value, str) and value:
                    text = trim_text(value, DESCRIPTION_LIMIT)
                    if text:
                        out[key] = text
            elif kind == _TYPE:
                if value.__class__ is str and value in SIMPLE_TYPES:
                    out["type"] = value
                else:
                    self._type(value, out, at)
            elif kind == _PROPERTIES:
                if isinstance(value, dict):
                    props: dict[str, JsonSchema] = {}
                    for prop, sub in value.items():
                        if sub.__class__ is dict and sub.get("readOnly") is True:
                            dropped = dropped or set()
                            dropped.add(prop)
                            continue
                        props[prop] = self._schema(sub, (at, "properties", prop), next_depth)
                    out["properties"] = props
            elif kind == _STRING:
                if isinstance(value, str):
                    out[key] = value
            elif kind == _ITEMS:
                if isinstance(value, list):
                    if value:
                        out["prefixItems"] = [
                            self._schema(sub, (at, "items", i), next_depth)
                            for i, sub in enumerate(value)
                        ]
                else:
                    out["items"] = self._schema(value, (at, "items"), next_depth)
            elif kind == _REQUIRED:
                if isinstance(value, list):
                    out["required"] = list(dict.fromkeys(v for v in value if isinstance(v, str)))
            elif kind == _ENUM:
                if isinstance(value, list) and value:
                    out["enum"] = value
            elif kind == _ANY:
                out[key] = value
            elif kind == _EXAMPLE:
                if "examples" not in raw:
                    out["examples"] = [value]
            elif kind == _SCHEMA_LIST:
                if isinstance(value, list) and value:
                    out[key] = [
                        self._schema(sub, (at, key, i), next_depth) for i, sub in enumerate(value)
                    ]
            elif kind == _SUBSCHEMA:
                out[key] = self._schema(value, (at, key), next_depth)
            elif kind == _NULLABLE:
                nullable = value is True and self.oas30
            elif kind == _NUMBER:
                number = _number(value)
                if number is not None:
                    out[key] = number
            elif kind == _COUNT:
                count = _non_negative_int(value)
                if count is not None:
                    out[key] = count
            elif kind == _BOOL:
                if isinstance(value, bool):
                    out[key] = value
            elif kind == _EXCLUSIVE:
                if _is_number(value):
                    out[key] = value
                elif value is True:
                    out[key] = True  # OpenAPI 3.0 form, resolved below
                    exclusive_flag = True
            elif kind == _MULTIPLE_OF:
                if _is_number(value) and value > 0:
                    out[key] = value
            elif kind == _PATTERN:
                if isinstance(value, str) and self._valid_pattern(value, at):
                    out[key] = value
            elif kind == _EXAMPLES:
                if isinstance(value, list):
                    out["examples"] = value
            elif kind == _SCHEMA_MAP:
                if isinstance(value, dict):
                    out[key] = {
                        name: self._schema(sub, (at, key, name), next_depth)
                        for name, sub in value.items()
                        if key != "patternProperties" or self._valid_pattern(name, at)
                    }
            elif kind == _DEPENDENT_REQUIRED and isinstance(value, dict):
                out[key] = {
                    name: list(dict.fromkeys(v for v in deps if isinstance(v, str)))
                    for name, deps in value.items()
                    if isinstance(deps, list)
                }
        if exclusive_flag:
            self._finish_exclusive(out)
        if dropped and "required" in out:
            out["required"] = [name for name in out["required"] if name not in dropped]
        if out.get("required") == []:
            del out["required"]
        if nullable:
            return _with_null(out)
        return out

    def _reference(self, raw: dict[str, Any], ref: Any, at: At) -> JsonSchema:
        if not isinstance(ref, str) or not ref.startswith("#"):
            try:
                self.resolver.lookup(ref)
            except RefError as exc:
                self._report_ref(exc, (at, "$ref"))
            return {}
        name = self.def_name(ref)
        self._root.refs.append(name)
        out: dict[str, Any] = {"$ref": "#/$defs/" + name}
        description = raw.get("description")
        if isinstance(description, str) and description.strip():
            out["description"] = trim_text(description, DESCRIPTION_LIMIT)
        if raw.get("nullable") is True and self.oas30:
            return {"anyOf": [out, {"type": "null"}]}
        return out

    def _type(self, value: Any, out: dict[str, Any], at: At) -> None:
        if isinstance(value, str):
            if value in SIMPLE_TYPES:
                out["type"] = value
            elif value == "file":
                out["type"] = "string"
                out.setdefault("format", "binary")
            elif value.lower() in _TYPE_ALIASES:
                out["type"] = _TYPE_ALIASES[value.lower()]
            else:
                self.diagnostics.warning(
                    "invalid-schema",
                    render_at((at, "type")),
                    f"Unknown type {value!r} was left out; use one of "
                    f"{', '.join(sorted(SIMPLE_TYPES))}.",
                )
        elif isinstance(value, list):
            types = [t for t in dict.fromkeys(value) if isinstance(t, str) and t in SIMPLE_TYPES]
            if types:
                out["type"] = types[0] if len(types) == 1 else types

    @staticmethod
    def _finish_exclusive(out: dict[str, Any]) -> None:
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if out.get(exclusive) is True:
                if bound in out:
                    out[exclusive] = out.pop(bound)
                else:
                    del out[exclusive]


(
    _DESCRIPTION,
    _TYPE,
    _PROPERTIES,
    _STRING,
    _ITEMS,
    _REQUIRED,
    _ENUM,
    _ANY,
    _EXAMPLE,
    _SCHEMA_LIST,
    _SUBSCHEMA,
    _NULLABLE,
    _NUMBER,
    _COUNT,
    _BOOL,
    _EXCLUSIVE,
    _MULTIPLE_OF,
    _PATTERN,
    _EXAMPLES,
    _SCHEMA_MAP,
    _DEPENDENT_REQUIRED,
) = range(21)

_KEY_KIND: dict[str, int] = {
    "description": _DESCRIPTION,
    "title": _DESCRIPTION,
    "type": _TYPE,
    "properties": _PROPERTIES,
    "format": _STRING,
    "contentMediaType": _STRING,
    "contentEncoding": _STRING,
    "items": _ITEMS,
    "required": _REQUIRED,
    "enum": _ENUM,
    "default": _ANY,
    "const": _ANY,
    "example": _EXAMPLE,
    "examples": _EXAMPLES,
    "allOf": _SCHEMA_LIST,
    "anyOf": _SCHEMA_LIST,
    "oneOf": _SCHEMA_LIST,
    "prefixItems": _SCHEMA_LIST,
    "additionalProperties": _SUBSCHEMA,
    "not": _SUBSCHEMA,
    "propertyNames": _SUBSCHEMA,
    "contains": _SUBSCHEMA,
    "if": _SUBSCHEMA,
    "then": _SUBSCHEMA,
    "else": _SUBSCHEMA,
    "unevaluatedProperties": _SUBSCHEMA,
    "unevaluatedItems": _SUBSCHEMA,
    "nullable": _NULLABLE,
    "minimum": _NUMBER,
    "maximum": _NUMBER,
    "minLength": _COUNT,
    "maxLength": _COUNT,
    "minItems": _COUNT,
    "maxItems": _COUNT,
    "minProperties": _COUNT,
    "maxProperties": _COUNT,
    "minContains": _COUNT,
    "maxContains": _COUNT,
    "uniqueItems": _BOOL,
    "deprecated": _BOOL,
    "exclusiveMinimum": _EXCLUSIVE,
    "exclusiveMaximum": _EXCLUSIVE,
    "multipleOf": _MULTIPLE_OF,
    "pattern": _PATTERN,
    "patternProperties": _SCHEMA_MAP,
    "dependentSchemas": _SCHEMA_MAP,
    "dependentRequired": _DEPENDENT_REQUIRED,
}
"""Keywords kept in request schemas, by how their value is checked; others are dropped."""


def _with_null(schema: dict[str, Any]) -> JsonSchema:
    """``schema`` that also accepts null (OpenAPI 3.0 ``nullable: true``)."""
    kind = schema.get("type")
    if isinstance(kind, str) and not any(k in schema for k in ("allOf", "anyOf", "oneOf")):
        schema["type"] = [kind, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
        return schema
    if not schema:
        return schema
    return {"anyOf": [schema, {"type": "null"}]}
