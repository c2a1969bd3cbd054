"""Turning spec text (JSON or YAML) into plain Python data, with guards.

YAML goes through PyYAML's safe loader only. Before any object is built, the
node graph is measured with aliases expanded, so an alias bomb ("billion
laughs") is refused in linear time instead of exhausting memory later. Dates
and timestamps stay strings and mapping keys become strings, so the result is
always JSON-compatible; integers too long to print (past Python's 4,300-digit
limit) stay text.

Memory is bounded before parsing starts: the number of values a text can hold
is estimated from its punctuation (commas, brackets, lines), which costs one
pass in C, and a text that would build too many objects is refused. Parsed
data takes far more memory than its text (a 96 KB gzip of ``[{},{},...]``
inflates to 99 MB and would build 33 million dicts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from gptforge.errors import SpecError, SpecLimitError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, kw_only=True)
class ParseLimits:
    max_bytes: int = 100_000_000
    """Largest document accepted (Microsoft Graph beta, 47 MB, fits)."""
    max_yaml_nodes: int = 10_000_000
    """Most YAML nodes after expanding aliases."""
    max_depth: int = 200
    """Deepest nesting of mappings and lists."""
    max_json_values: int = 5_000_000
    """Most values a JSON text may hold, estimated before parsing (Graph beta: 1.9 million)."""
    max_yaml_values: int = 1_500_000
    """Most values a YAML text may hold, estimated before parsing; lower than for JSON
    because PyYAML keeps a node object per value while it reads."""


class _SpecYamlLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that keeps timestamps as text."""


def _construct_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_MAX_INT_BITS = 4096
"""Wider integers stay text: Python cannot print ones past 4,300 digits."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int | str:
    try:
        value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return _construct_text(loader, node)
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        return _construct_text(loader, node)
    return value  # type: ignore[no-any-return]


_SpecYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_SpecYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _parse_int(text: str) -> int | str:
    """JSON integers, with ones too long for Python to convert kept as text."""
    return int(text) if len(text) <= 4000 else text


def estimated_values(text: str, *, is_json: bool) -> int:
    """An upper estimate of the values a JSON or YAML text holds, in one pass in C.

    JSON: every value after the first in a container follows a comma, and each
    container adds at most one more. YAML: block style puts at most about one value
    per line; flow style is counted like JSON.
    """
    flow = text.count(",") + text.count("{") + text.count("[")
    return flow if is_json else flow + text.count("\n")


def _check_values(text: str, *, is_json: bool, limits: ParseLimits, source: str) -> None:
    limit = limits.max_json_values if is_json else limits.max_yaml_values
    if len(text) <= limit:
        return  # every value takes at least one character
    estimate = estimated_values(text, is_json=is_json)
    if estimate > limit:
        kind = "JSON" if is_json else "YAML"
        raise SpecLimitError(
            f"{source}: the {kind} text holds about {estimate:,} values, over the "
            f"{limit:,}-value limit for {kind} (reading it would take too much memory). "
            + (
                "Split the API into several actions."
                if is_json
                else "Convert it to JSON (which is read more cheaply) or split the API."
            ),
            source=source,
        )


def _expanded_node_count(root: yaml.Node, limits: ParseLimits, source: str) -> int:
    """Nodes in the document with every alias expanded; refuses too many or too deep."""
    sizes: dict[int, int] = {}
    # Iterative post-order walk; a node reached twice (an alias) reuses its size.
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    active: set[int] = set()
    while stack:
        node, depth, expanded = stack.pop()
        key = id(node)
        if expanded:
            active.discard(key)
            total = 1
            for child in _children(node):
                total += sizes[id(child)]
                if total > limits.max_yaml_nodes:
                    raise SpecLimitError(
                        f"{source}: the YAML expands to more than {limits.max_yaml_nodes:,} "
                        "nodes through anchors and aliases (an alias bomb?). Remove the "
                        "repeated aliases or send the document as plain JSON.",
                        source=source,
                    )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in active:
            raise SpecError(
                f"{source}: the YAML has a recursive alias (an anchor used inside itself); "
                "expand it by hand.",
                source=source,
            )
        if depth > limits.max_depth:
            raise SpecLimitError(
                f"{source}: the document nests deeper than {limits.max_depth} levels; "
                "flatten it or move repeated parts under components.",
                source=source,
            )
        active.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _stringify_keys(value: Any) -> Any:
    """``value`` with every mapping key a string; a shared object (an anchor) stays shared."""
    done: dict[int, Any] = {}

    def convert(node: Any) -> Any:
        cls = node.__class__
        if cls is not dict and cls is not list:
            return node
        key = id(node)
        if key in done:
            return done[key]
        if cls is dict:
            out: Any = {}
            done[key] = out
            for k, item in node.items():
                out[k if isinstance(k, str) else _key_text(k)] = convert(item)
        else:
            out = []
            done[key] = out
            out.extend(convert(item) for item in node)
        return out

    return convert(value)


def _key_text(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _load_yaml(text: str, limits: ParseLimits, source: str) -> Any:
    loader = _SpecYamlLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _expanded_node_count(root, limits, source)
        return _stringify_keys(loader.construct_document(root))
    except yaml.YAMLError as exc:
        raise SpecError(
            f"{source}: not valid JSON or YAML: {exc}. Check the indentation and quoting "
            "near the line shown.",
            source=source,
        ) from exc
    finally:
        loader.dispose()


def parse_document(
    data: str | bytes, *, source: str = "<text>", limits: ParseLimits | None = None
) -> dict[str, Any]:
    """Parse a JSON or YAML document into a dict, or raise :class:`SpecError`."""
    limits = limits or ParseLimits()
    if len(data) > limits.max_bytes:
        raise SpecLimitError(
            f"{source}: the document is {len(data):,} bytes, over the {limits.max_bytes:,}-byte "
            "limit. Split the API into several actions or raise the limit.",
            source=source,
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpecError(f"{source}: the document is not UTF-8 text.", source=source) from exc
    else:
        text = data
    stripped = text.lstrip()
    if not stripped:
        raise SpecError(f"{source}: the document is empty; paste an OpenAPI schema.", source=source)
    document: Any
    if stripped[0] in "{[":
        _check_values(text, is_json=True, limits=limits, source=source)
        try:
            document = json.loads(text)
        except RecursionError as exc:
            raise SpecLimitError(
                f"{source}: the JSON nests too deeply to read.", source=source
            ) from exc
        except json.JSONDecodeError:
            _check_values(text, is_json=False, limits=limits, source=source)
            document = _load_yaml(text, limits, source)
        except ValueError:  # an integer past Python's digit limit
            document = json.loads(text, parse_int=_parse_int)
    else:
        _check_values(text, is_json=False, limits=limits, source=source)
        document = _load_yaml(text, limits, source)
    if not isinstance(document, dict):
        raise SpecError(
            f"{source}: the document is a {type(document).__name__}, not an object; an OpenAPI "
            "schema starts with 'openapi: 3.x' (or 'swagger: \"2.0\"') at the top level.",
            source=source,
        )
    return document
