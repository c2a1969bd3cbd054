"""Turning spec text (JSON or YAML) into plain Python data, with guards.

YAML goes through PyYAML's safe loader only. Before any object is built, the
node graph is measured with aliases expanded, so an alias bomb ("billion
laughs") is refused in linear time instead of exhausting memory later. Dates
and timestamps stay strings and mapping keys become strings, so the result is
always JSON-compatible.
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


class _SpecYamlLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that keeps timestamps as text."""


def _construct_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_SpecYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


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


def _stringify_keys(value: Any, depth: int = 0) -> Any:
    if isinstance(value, dict):
        return {
            (key if isinstance(key, str) else _key_text(key)): _stringify_keys(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_stringify_keys(item, depth + 1) for item in value]
    return value


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
        try:
            document = json.loads(text)
        except RecursionError as exc:
            raise SpecLimitError(
                f"{source}: the JSON nests too deeply to read.", source=source
            ) from exc
        except json.JSONDecodeError:
            document = _load_yaml(text, limits, source)
    else:
        document = _load_yaml(text, limits, source)
    if not isinstance(document, dict):
        raise SpecError(
            f"{source}: the document is a {type(document).__name__}, not an object; an OpenAPI "
            "schema starts with 'openapi: 3.x' (or 'swagger: \"2.0\"') at the top level.",
            source=source,
        )
    return document
