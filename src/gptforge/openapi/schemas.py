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

Work is bounded too. Each schema object reached as a parameter or body schema
is normalized once, however many operations reach it (a shared path item, a
request body component, a Swagger body parameter), and every result carries its
:class:`Cost` (nodes and estimated JSON bytes, counted as if written out), so
tools can be kept within their budgets without serializing them. The total
number of schema nodes normalized per document has a ceiling: YAML anchors can
make a small text stand for a huge tree, and past the ceiling schemas are
accepted as-is with one diagnostic.
"""

from __future__ import annotations

import math
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


_MAX_INT_BITS = 256
"""Integers wider than this are not kept: Python refuses to print ones past 4,300 digits."""
_NUMBER_TEXT_LIMIT = 40


def _is_number(value: Any) -> bool:
    """True for a finite JSON number of sane width (not a bool, NaN, infinity or huge int)."""
    cls = value.__class__
    if cls is int:
        return value.bit_length() <= _MAX_INT_BITS  # type: ignore[no-any-return]
    if cls is float:
        return math.isfinite(value)
    return False


def _non_negative_int(value: Any) -> int | None:
    if _is_number(value) and value >= 0:
        if value.__class__ is int:
            return value  # type: ignore[no-any-return]
        if value.is_integer():
            return int(value)
        return None
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= _NUMBER_TEXT_LIMIT
    ):
        return int(value)
    return None


def _number(value: Any) -> int | float | None:
    if _is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str) and value.isascii() and len(value) <= _NUMBER_TEXT_LIMIT:
        try:
            number = float(value)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() else number
    return None


_VALUE_DEPTH_LIMIT = 32
"""Deepest literal (``default``, ``enum``, ``examples``, ``const``) kept in a schema."""


def literal_bytes(value: Any, *, max_depth: int = _VALUE_DEPTH_LIMIT) -> int | None:
    """Estimated JSON size of a literal value, or None when it cannot be kept.

    None for values nested deeper than ``max_depth`` (they break recursive
    consumers downstream) and for values JSON cannot carry (NaN, infinity,
    integers too wide to print).
    """
    cls = value.__class__
    if cls is str:
        return len(value) + 2
    if cls is list and all(item.__class__ is str for item in value):
        return sum(map(len, value)) + 3 * len(value) + 2  # the common enum
    if cls is not dict and cls is not list:
        return (6 if value is None or cls is bool else 12) if _is_json_scalar(value) else None
    total = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        cls = node.__class__
        if cls is str:
            total += len(node) + 3
        elif cls is dict:
            if depth >= max_depth:
                return None
            total += 2
            for key, item in node.items():
                total += len(str(key)) + 4
                stack.append((item, depth + 1))
        elif cls is list:
            if depth >= max_depth:
                return None
            total += 2
            stack.extend((item, depth + 1) for item in node)
        elif node is None or cls is bool:
            total += 6
        elif _is_number(node):
            total += 12 if cls is float else len(str(node)) + 1
        else:
            return None
    return total


def _is_json_scalar(value: Any) -> bool:
    return value is None or value.__class__ is bool or _is_number(value)


@dataclass(frozen=True, slots=True)
class Cost:
    """How big a normalized schema is once written out: nodes and estimated JSON bytes."""

    nodes: int = 0
    bytes: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.nodes + other.nodes, self.bytes + other.bytes)

    def __sub__(self, other: Cost) -> Cost:
        return Cost(self.nodes - other.nodes, self.bytes - other.bytes)

    def fits(self, budget: Cost) -> bool:
        return self.nodes <= budget.nodes and self.bytes <= budget.bytes


NODE_BYTES = 8
"""Bytes counted for each schema node besides its keywords and text (braces, separators)."""
_KEY_BYTES = 16
"""Bytes counted for each keyword of a schema node: its quoted name and a short value."""
NO_COST = Cost()
LEAF_COST = Cost(1, 16)


@dataclass(slots=True)
class _Root:
    """What one normalization pass collected: referenced defs, nodes, text bytes."""

    refs: list[str] = field(default_factory=list)
    size: int = 0
    text: int = 0
    """Bytes of descriptions, names and literals; the node overhead is added at the end."""

    def cost(self) -> Cost:
        return Cost(self.size, self.size * NODE_BYTES + self.text)


@dataclass(frozen=True, slots=True)
class Normalized:
    """One normalized schema with the defs it references and its cost."""

    schema: JsonSchema
    refs: tuple[str, ...]
    cost: Cost


@dataclass
class SchemaNormalizer:
    """Normalizes request schemas of one document; caches every ``$defs`` entry."""

    resolver: RefResolver
    diagnostics: Diagnostics
    oas30: bool = True
    max_depth: int = 40
    max_work: int = 10_000_000
    """Schema nodes normalized per document before the rest are accepted as-is."""
    defs: dict[str, JsonSchema] = field(default_factory=dict)
    def_refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    def_costs: dict[str, Cost] = field(default_factory=dict)
    _name_by_ref: dict[str, str] = field(default_factory=dict)
    _ref_by_name: dict[str, str] = field(default_factory=dict)
    _patterns: dict[str, bool] = field(default_factory=dict)
    _closures: dict[tuple[tuple[str, ...], Cost, Cost], Closure] = field(default_factory=dict)
    _shared: dict[int, tuple[Any, Normalized]] = field(default_factory=dict)
    _root: _Root = field(default_factory=_Root)
    _work: int = 0
    _root_limit: int = 0
    _work_reported: bool = False

    # ----------------------------------------------------------------- public

    def normalize(self, raw: Any, at: At) -> tuple[JsonSchema, tuple[str, ...], int]:
        """Normalize one schema: the schema, the defs it references, its node count."""
        result = self.normalized(raw, at)
        return result.schema, result.refs, result.cost.nodes

    def normalized(self, raw: Any, at: At) -> Normalized:
        """Normalize one parameter or body schema, once per schema object.

        Operations that reach the same object (through a shared path item, request
        body or parameter) share the result; treat it as read-only.
        """
        key = id(raw)
        shared = self._shared.get(key)
        if shared is not None and shared[0] is raw:
            return shared[1]
        result = self._fresh_root(raw, at)
        if raw.__class__ is dict:
            self._shared[key] = (raw, result)  # holds raw, so its id stays unique
        return result

    def closure(
        self, refs: tuple[str, ...], *, budget: int | Cost, hard: Cost | None = None
    ) -> Closure:
        """The defs reachable from ``refs``, nearest first, within ``budget``.

        ``budget`` is a :class:`Cost` (or a node count); the first def is kept even past
        it as long as it fits ``hard``. Defs past the budget are replaced by an open
        stub. Operations that share a body schema share the result (treat it as
        read-only).
        """
        if not isinstance(budget, Cost):
            budget = Cost(budget, 1 << 62)
        hard = hard or budget
        key = (refs, budget, hard)
        cached = self._closures.get(key)
        if cached is not None:
            return cached
        out: dict[str, JsonSchema] = {}
        trimmed: list[str] = []
        queue = deque(refs)
        nodes = size = 0  # plain ints: this loop runs for every def of every tool
        while queue:
            name = queue.popleft()
            if name in out:
                continue
            schema = self.definition(name)
            cost = self.def_costs[name]
            with_nodes, with_size = nodes + cost.nodes + 1, size + cost.bytes + len(name) + 4
            fits = with_nodes <= budget.nodes and with_size <= budget.bytes
            if not fits and not (not out and with_nodes <= hard.nodes and with_size <= hard.bytes):
                stub = _omitted(f"Schema {name!r}")
                out[name] = stub
                trimmed.append(name)
                nodes += 2
                size += len(stub["description"]) + len(name) + 2 * NODE_BYTES
                continue
            nodes, size = with_nodes, with_size
            out[name] = schema
            queue.extend(self.def_refs[name])
        spent = Cost(nodes, size)
        result = Closure(defs=out, trimmed=trimmed, cost=spent)
        self._closures[key] = result
        return result

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
        self.def_costs[name] = Cost(1, NODE_BYTES)
        try:
            target = self.resolver.lookup(ref)
            if isinstance(target, dict) and "$ref" in target:
                self.resolver.deref(target)  # refuses pure reference loops
        except RefError as exc:
            self._report_ref(exc, at)
            return self.defs[name]
        result = self._fresh_root(target, at)
        self.defs[name] = result.schema
        self.def_refs[name] = result.refs
        self.def_costs[name] = result.cost
        return result.schema

    # ---------------------------------------------------------------- private

    def _fresh_root(self, raw: Any, at: At) -> Normalized:
        saved, self._root = self._root, _Root()
        saved_limit, self._root_limit = self._root_limit, self.max_work - self._work
        try:
            schema = self._schema(raw, at, 0)
            root = self._root
        finally:
            self._root, self._root_limit = saved, saved_limit
        self._work += root.size
        return Normalized(schema, tuple(dict.fromkeys(root.refs)), root.cost())

    def _out_of_work(self, at: At) -> JsonSchema:
        if not self._work_reported:
            self._work_reported = True
            self.diagnostics.error(
                "schema-work-limit",
                render_at(at),
                f"gptforge stopped simplifying schemas after {self.max_work:,} schema nodes; "
                "from here on schemas accept any value. The document repeats large inline "
                "schemas (through YAML anchors or shared path items, parameters or request "
                "bodies): move them under components/schemas and $ref them.",
            )
        return {}

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
                    f"The pattern {pattern[:80]!r} is not a regular expression gptforge can "
                    "check; it is not enforced, and the rule is shown to the model in the "
                    "description instead. Use ECMA-262 syntax that Python's re also accepts.",
                )
            self._patterns[pattern] = ok
        return ok

    def _schema(self, raw: Any, at: At, depth: int) -> JsonSchema:
        root = self._root
        root.size += 1
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
        if root.size > self._root_limit:
            return self._out_of_work(at)
        if "$ref" in raw:
            return self._reference(raw, raw["$ref"], at)
        out: dict[str, Any] = {}
        nullable = False
        exclusive_flag = False
        dropped: set[str] | None = None
        unchecked_pattern: str | None = None
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
                        root.text += len(text)
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
                        root.text += len(prop)
                        props[prop] = self._schema(sub, (at, "properties", prop), next_depth)
                    out["properties"] = props
            elif kind == _STRING:
                if isinstance(value, str):
                    out[key] = value
                    root.text += len(value)
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
                    root.text += sum(len(v) + 3 for v in out["required"])
            elif kind == _ENUM:
                if isinstance(value, list) and value:
                    self._literal(out, key, value, at)
            elif kind == _ANY:
                if value.__class__ is str:
                    out[key] = value
                    root.text += len(value) + 2
                else:
                    self._literal(out, key, value, at)
            elif kind == _EXAMPLE:
                if "examples" not in raw:
                    self._literal(out, "examples", [value], at)
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
                if isinstance(value, str):
                    if self._valid_pattern(value, at):
                        out[key] = value
                        root.text += len(value)
                    else:
                        unchecked_pattern = value
            elif kind == _EXAMPLES:
                if isinstance(value, list):
                    self._literal(out, key, value, at)
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
        root.text += _KEY_BYTES * len(out)
        if unchecked_pattern is not None:
            _describe_pattern(out, unchecked_pattern)
            root.text += len(out["description"])
        if exclusive_flag:
            self._finish_exclusive(out)
        if dropped and "required" in out:
            out["required"] = [name for name in out["required"] if name not in dropped]
        if out.get("required") == []:
            del out["required"]
        if nullable:
            return _with_null(out)
        return out

    def _literal(self, out: dict[str, Any], key: str, value: Any, at: At) -> None:
        """Keep a literal keyword (``default``, ``enum``...) if JSON can carry it safely."""
        size = literal_bytes(value)
        if size is None:
            self.diagnostics.warning(
                "invalid-schema",
                render_at((at, key)),
                f"The {key!r} value nests deeper than {_VALUE_DEPTH_LIMIT} levels or holds a "
                "number JSON cannot carry (NaN, infinity, a huge integer); it was left out.",
            )
            return
        out[key] = value
        self._root.text += size

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
        self._root.text += len(name) + 8
        description = raw.get("description")
        if isinstance(description, str) and description.strip():
            out["description"] = trim_text(description, DESCRIPTION_LIMIT)
            self._root.text += len(out["description"])
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
            types = [
                t
                for t in dict.fromkeys(t for t in value if isinstance(t, str))
                if t in SIMPLE_TYPES
            ]
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


@dataclass(frozen=True)
class Closure:
    """The ``$defs`` one tool carries, the names replaced by stubs, and their cost."""

    defs: dict[str, JsonSchema]
    trimmed: list[str]
    cost: Cost


def _omitted(what: str) -> dict[str, Any]:
    return {
        "description": f"{what} omitted to keep this tool small; see the API documentation "
        "for its fields."
    }


_PATTERN_NOTE_LIMIT = 200
PATTERN_NOTE = "Must match the regular expression "


def pattern_note(schema: JsonSchema) -> str | None:
    """The note :func:`_describe_pattern` left in a schema's description, if any."""
    text = schema.get("description") if isinstance(schema, dict) else None
    if not isinstance(text, str) or PATTERN_NOTE not in text:
        return None
    note = text[text.index(PATTERN_NOTE) :]
    return note.rstrip(").") + "."


def _describe_pattern(out: dict[str, Any], pattern: str) -> None:
    """Append a pattern gptforge cannot check to the description, so the model sees it."""
    shown = pattern if len(pattern) <= _PATTERN_NOTE_LIMIT else pattern[:_PATTERN_NOTE_LIMIT] + "…"
    note = f"{PATTERN_NOTE}{shown}"
    text = out.get("description")
    out["description"] = f"{text.rstrip()} ({note})" if isinstance(text, str) else note + "."


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
