"""A loaded spec: the document, its operations, their tools and what was found on the way."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gptforge.errors import SpecError
from gptforge.openapi.diagnostics import SPEC_BLOCKING_CODES, Diagnostic, Diagnostics
from gptforge.openapi.operations import Operation, OperationReader, Server
from gptforge.openapi.parsing import ParseLimits, parse_document
from gptforge.openapi.refs import RefResolver
from gptforge.openapi.schemas import Cost, SchemaNormalizer
from gptforge.openapi.swagger2 import convert_swagger2
from gptforge.openapi.tools import Tool, ToolBudget, build_tool

SUPPORTED_AUTH = {
    ("apiKey", "header"),
    ("apiKey", "query"),
    ("http", "basic"),
    ("http", "bearer"),
    ("oauth2", "authorizationCode"),
}


@dataclass(frozen=True, kw_only=True)
class LoadLimits:
    """Guards applied while loading; each has a default that fits real specs."""

    parse: ParseLimits = field(default_factory=ParseLimits)
    max_operations: int = 50_000
    max_schema_depth: int = 40
    tool_schema_budget: int = 3_000
    """Schema nodes one tool may carry in ``$defs`` before deeper schemas are opened up."""
    tool_max_nodes: int = 20_000
    """Schema nodes one tool may carry in all (arguments and ``$defs``)."""
    tool_max_bytes: int = 256_000
    """Estimated JSON bytes of one tool's argument schema."""
    total_tool_bytes_floor: int = 32_000_000
    total_tool_bytes_per_byte: int = 8
    """The tools of one document may weigh, in all, the larger of the floor and this many
    times the document's size (Microsoft Graph beta: 3.1 times)."""
    schema_work_floor: int = 1_000_000
    schema_work_per_byte: float = 0.5
    """Schema nodes normalized per document: the larger of the floor and this many per
    byte of the document (plain JSON needs at most one node per two bytes; only YAML
    anchors can ask for more)."""
    schema_work_unsized: int = 10_000_000
    """The schema work budget when the document's size is not known (a parsed dict)."""

    def schema_work(self, document_bytes: int | None) -> int:
        if document_bytes is None:
            return self.schema_work_unsized
        return max(self.schema_work_floor, int(document_bytes * self.schema_work_per_byte))

    def total_tool_bytes(self, document_bytes: int | None) -> int:
        size = document_bytes if document_bytes is not None else self.parse.max_bytes
        return max(self.total_tool_bytes_floor, size * self.total_tool_bytes_per_byte)


@dataclass(kw_only=True, repr=False)
class Spec:
    """One OpenAPI document made ready for actions."""

    source: str
    openapi_version: str
    title: str | None
    # The big fields stay out of repr(): asyncio's task repr (around anyio.run) and
    # debuggers would otherwise walk the whole tree.
    document: dict[str, Any] = field(repr=False)
    """The document in OpenAPI 3 form (converted when the input was Swagger 2.0)."""
    server: Server | None
    operations: list[Operation] = field(repr=False)
    tools: list[Tool] = field(repr=False)
    diagnostics: list[Diagnostic] = field(repr=False)
    security_schemes: dict[str, dict[str, Any]] = field(repr=False)

    @property
    def ok(self) -> bool:
        """True when the spec can be used as an action: it has tools and a usable server."""
        blocking = any(
            d.severity == "error"
            and d.code in SPEC_BLOCKING_CODES
            and not d.pointer.startswith("/paths/")
            for d in self.diagnostics
        )
        return bool(self.tools) and not blocking

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run() reprs its main task's result on Python 3.11,
        # and a repr of the whole document (YAML anchors expanded) can take minutes.
        return (
            f"<Spec {self.source!r} OpenAPI {self.openapi_version}, "
            f"{len(self.operations)} operations, {len(self.tools)} tools>"
        )

    def tool(self, name: str) -> Tool:
        for tool in self.tools:
            if tool.name == name:
                return tool
        known = ", ".join(t.name for t in self.tools[:20])
        raise SpecError(f"No operation named {name!r} in {self.source}. Known: {known}")

    def tool_definitions(self) -> list[dict[str, Any]]:
        return [tool.definition() for tool in self.tools]


def _version(document: dict[str, Any], source: str) -> tuple[str, bool, bool]:
    """(version text, is Swagger 2.0, follows OpenAPI 3.0 schema rules)."""
    if not isinstance(document, dict):
        raise SpecError(f"{source}: the document is not an object.", source=source)
    swagger = document.get("swagger")
    if swagger is not None:
        if str(swagger).strip() in ("2.0", "2"):
            return "2.0", True, True
        raise SpecError(
            f"{source}: Swagger version {swagger!r} is not supported; convert it to OpenAPI 3.",
            source=source,
        )
    version = document.get("openapi")
    if version is None:
        raise SpecError(
            f"{source}: this is not an OpenAPI document (no top-level `openapi` field). "
            "Start it with `openapi: 3.1.0` and describe your endpoints under `paths`.",
            source=source,
        )
    text = str(version).strip()
    if text.startswith("3.0") or text == "3":
        return text, False, True
    if text.startswith("3."):
        return text, False, False
    raise SpecError(
        f"{source}: OpenAPI version {text!r} is not supported; use 3.0.x or 3.1.x.",
        source=source,
    )


def _check_security_schemes(document: dict[str, Any], diagnostics: Diagnostics) -> dict[str, Any]:
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(schemes, dict):
        return {}
    resolver = RefResolver(document)
    out: dict[str, Any] = {}
    for name, raw in schemes.items():
        try:
            scheme = resolver.deref(raw)
        except SpecError:
            continue
        if not isinstance(scheme, dict):
            continue
        out[str(name)] = scheme
        kind = scheme.get("type")
        if kind == "apiKey":
            detail = scheme.get("in")
        elif kind == "http":
            detail = str(scheme.get("scheme", "")).lower()
        elif kind == "oauth2":
            raw_flows = scheme.get("flows")
            flows: dict[str, Any] = raw_flows if isinstance(raw_flows, dict) else {}
            detail = "authorizationCode" if "authorizationCode" in flows else next(iter(flows), "")
        else:
            detail = ""
        if (kind, detail) not in SUPPORTED_AUTH:
            diagnostics.warning(
                "unsupported-auth-scheme",
                f"/components/securitySchemes/{name}",
                f"Security scheme {name!r} ({kind} {detail}) is not one gptforge can use; "
                "choose None, API key (basic, bearer or custom header) or OAuth "
                "(authorization code) in the action's authentication settings.",
            )
    return out


def build_spec(
    document: dict[str, Any],
    *,
    source: str = "<text>",
    base_url: str | None = None,
    limits: LoadLimits | None = None,
    document_bytes: int | None = None,
) -> Spec:
    """Turn a parsed document into a :class:`Spec`; raises :class:`SpecError` if unusable.

    ``document_bytes`` (the size of the text it was parsed from) scales the work and
    output budgets; without it the fixed defaults apply.
    """
    return _build_spec(
        document,
        source=source,
        base_url=base_url,
        limits=limits or LoadLimits(),
        document_bytes=document_bytes,
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic GC around a load: parsing and conversion allocate many small
    acyclic objects next to a large document, which the collector would rescan again
    and again (it doubles json.loads time on large specs).

    The collector is process-wide, so the library never pauses it by itself: only a
    process that does nothing else meanwhile (``gptforge spec check``, a benchmark) should
    wrap its loads in this; a server loading specs while it serves others must not."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_spec(
    document: dict[str, Any],
    *,
    source: str,
    base_url: str | None,
    limits: LoadLimits,
    document_bytes: int | None,
) -> Spec:
    diagnostics = Diagnostics()
    version, is_swagger, oas30 = _version(document, source)
    if is_swagger:
        document = convert_swagger2(document, diagnostics)
    resolver = RefResolver(document)
    normalizer = SchemaNormalizer(
        resolver=resolver,
        diagnostics=diagnostics,
        oas30=oas30,
        max_depth=limits.max_schema_depth,
        max_work=limits.schema_work(document_bytes),
    )
    reader = OperationReader(
        document,
        resolver=resolver,
        normalizer=normalizer,
        diagnostics=diagnostics,
        base_url=base_url,
        max_operations=limits.max_operations,
    )
    operations = reader.read()
    if not operations:
        diagnostics.error(
            "no-operations",
            "/paths",
            "The schema describes no usable operation. Add at least one path with a method "
            "such as `get:`.",
        )
    tools = _build_tools(operations, normalizer, diagnostics, limits, document_bytes)
    security_schemes = _check_security_schemes(document, diagnostics)
    info = document.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return Spec(
        source=source,
        openapi_version=version,
        title=title if isinstance(title, str) else None,
        document=document,
        server=reader.primary_server,
        operations=operations,
        tools=tools,
        diagnostics=diagnostics.finish(),
        security_schemes=security_schemes,
    )


def _build_tools(
    operations: list[Operation],
    normalizer: SchemaNormalizer,
    diagnostics: Diagnostics,
    limits: LoadLimits,
    document_bytes: int | None,
) -> list[Tool]:
    """One tool per operation, each within its budget and all within the document's.

    Every operation still to come keeps a small reserve of the document's budget, so
    when the budget runs short later tools get open schemas instead of none.
    """
    budget = ToolBudget(
        nodes=limits.tool_max_nodes,
        bytes=limits.tool_max_bytes,
        defs_nodes=limits.tool_schema_budget,
    )
    total = limits.total_tool_bytes(document_bytes)
    room = total
    tools: list[Tool] = []
    squeezed: list[Tool] = []
    left_out: list[Operation] = []
    for index, op in enumerate(operations):
        share = room - _RESERVED_TOOL_BYTES * (len(operations) - index - 1)
        if share < _RESERVED_TOOL_BYTES:
            left_out.append(op)
            continue
        tool = build_tool(op, normalizer, diagnostics, budget=budget.within(Cost(1 << 62, share)))
        if tool is None:
            continue
        tools.append(tool)
        room -= tool.cost.bytes
        if share < budget.bytes and (tool.trimmed_arguments or tool.trimmed_defs):
            squeezed.append(tool)
    if squeezed or left_out:
        first = (squeezed[0].operation if squeezed else left_out[0]).pointer
        diagnostics.error(
            "tools-total-limit",
            first,
            f"The tools of this document would weigh more than {total:,} bytes in all, so "
            f"{len(squeezed):,} tools got open schemas in place of large ones and "
            f"{len(left_out):,} operations were left out. The document repeats large "
            "schemas across many operations: split it into several actions, or move shared "
            "schemas under components/schemas.",
        )
    return tools


_RESERVED_TOOL_BYTES = 512
"""Bytes kept for each operation still to come (a tool with open schemas fits)."""


def parse_spec(
    text: str | bytes,
    *,
    source: str = "<text>",
    base_url: str | None = None,
    limits: LoadLimits | None = None,
) -> Spec:
    """Parse JSON or YAML text and build the :class:`Spec`."""
    limits = limits or LoadLimits()
    document = parse_document(text, source=source, limits=limits.parse)
    return build_spec(
        document, source=source, base_url=base_url, limits=limits, document_bytes=len(text)
    )
