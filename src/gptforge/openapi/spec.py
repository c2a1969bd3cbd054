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
from gptforge.openapi.schemas import SchemaNormalizer
from gptforge.openapi.swagger2 import convert_swagger2
from gptforge.openapi.tools import Tool, build_tool

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


@dataclass(kw_only=True)
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
) -> Spec:
    """Turn a parsed document into a :class:`Spec`; raises :class:`SpecError` if unusable."""
    with _collector_paused():
        return _build_spec(document, source=source, base_url=base_url, limits=limits)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic GC while loading: parsing and conversion allocate many small
    acyclic objects next to a large document, which the collector would rescan again
    and again (it doubles json.loads time on large specs)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_spec(
    document: dict[str, Any], *, source: str, base_url: str | None, limits: LoadLimits | None
) -> Spec:
    limits = limits or LoadLimits()
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
    tools = [
        build_tool(op, normalizer, diagnostics, budget=limits.tool_schema_budget)
        for op in operations
    ]
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


def parse_spec(
    text: str | bytes,
    *,
    source: str = "<text>",
    base_url: str | None = None,
    limits: LoadLimits | None = None,
) -> Spec:
    """Parse JSON or YAML text and build the :class:`Spec`."""
    limits = limits or LoadLimits()
    with _collector_paused():
        document = parse_document(text, source=source, limits=limits.parse)
        return build_spec(document, source=source, base_url=base_url, limits=limits)
