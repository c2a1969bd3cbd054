"""Operations: what one API call needs, read from an OpenAPI 3.x document.

An :class:`Operation` is everything the actions layer needs to build the HTTP
request and everything the tools layer needs to describe it to a model. Bad
parts of one operation are reported as diagnostics and, when the operation
cannot be called at all, it is skipped; the rest of the document still loads.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

from httpx import InvalidURL

from gptforge import naming
from gptforge.egress import origin
from gptforge.errors import SpecLimitError
from gptforge.openapi.diagnostics import Diagnostics, escape_pointer_token
from gptforge.openapi.refs import RefError, RefResolver
from gptforge.openapi.schemas import (
    DESCRIPTION_LIMIT,
    LEAF_COST,
    At,
    Cost,
    JsonSchema,
    SchemaNormalizer,
    pattern_note,
    render_at,
    trim_text,
)
from gptforge.openapi.swagger2 import HTTP_METHODS

ParameterLocation = Literal["path", "query", "header", "cookie"]
LOCATIONS: tuple[ParameterLocation, ...] = ("path", "query", "header", "cookie")
_DEFAULT_STYLE: dict[str, str] = {
    "path": "simple",
    "query": "form",
    "header": "simple",
    "cookie": "form",
}
_VALID_STYLES: dict[str, frozenset[str]] = {
    "path": frozenset({"simple", "label", "matrix"}),
    "query": frozenset({"form", "spaceDelimited", "pipeDelimited", "deepObject"}),
    "header": frozenset({"simple"}),
    "cookie": frozenset({"form"}),
}
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_FORBIDDEN_HEADERS = frozenset(
    {
        # framing and hop-by-hop (RFC 9110/9112): a model must not choose how the request
        # is delimited or routed, nor which credentials or method it carries
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
        "trailer", "upgrade", "expect", "http2-settings", "content-encoding",
        "accept-encoding", "cookie", "authorization", "forwarded", "x-forwarded-host",
        "x-http-method-override", "x-http-method", "x-method-override",
    }
)  # fmt: skip
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def is_forbidden_header(name: str) -> bool:
    """True for header names arguments may never set (framing, routing, credentials,
    method overrides, ``Proxy-*``) and names that are not valid HTTP tokens."""
    lowered = name.lower()
    return (
        lowered in _FORBIDDEN_HEADERS
        or lowered.startswith("proxy-")
        or not name
        or not all(ch in _TOKEN_CHARS for ch in name)
    )


_TEMPLATE_VAR = re.compile(r"\{([^{}/]+)\}")

BodyKind = Literal["json", "form", "multipart", "text", "raw"]
_MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """One path, query, header or cookie parameter."""

    name: str
    location: ParameterLocation
    required: bool
    schema: JsonSchema
    refs: tuple[str, ...] = ()
    style: str
    explode: bool
    allow_reserved: bool = False
    content_type: str | None = None
    """Set when the spec gives ``content`` instead of ``schema``: the value is sent serialized."""
    description: str | None = None
    deprecated: bool = False
    argument_schema: JsonSchema = None  # type: ignore[assignment]
    """The schema a model sees for this parameter: its schema plus its description."""
    cost: Cost = LEAF_COST
    """Size of :attr:`schema` once written out (its ``$defs`` and description not included)."""

    def __post_init__(self) -> None:
        if self.argument_schema is None:
            object.__setattr__(self, "argument_schema", self._described_schema())

    def _described_schema(self) -> JsonSchema:
        schema = self.schema
        if (
            self.required
            and isinstance(schema, dict)
            and schema.get("type") == "array"
            and "minItems" not in schema
        ):
            # A required parameter with no items would be sent empty or not at all.
            schema = {**schema, "minItems": 1}
        description = self.description
        if self.deprecated:
            description = "Deprecated. " + (description or "")
        if not description or not isinstance(schema, dict):
            return schema
        text = trim_text(description, DESCRIPTION_LIMIT)
        note = pattern_note(schema)
        return {**schema, "description": f"{text} {note}" if note else text}


@dataclass(frozen=True, kw_only=True)
class RequestBody:
    """The request body in the media type gptforge will send."""

    content_type: str
    kind: BodyKind
    schema: JsonSchema
    refs: tuple[str, ...] = ()
    required: bool
    description: str | None = None
    encoding: dict[str, Any] | None = None
    """The spec's per-property ``encoding`` object for form and multipart bodies."""
    offered: tuple[str, ...] = ()
    cost: Cost = LEAF_COST
    """Size of :attr:`schema` once written out (its ``$defs`` not included)."""


@dataclass(frozen=True, kw_only=True)
class Server:
    url: str
    """The base URL with server variables set to their defaults."""
    variables: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One callable operation of an API."""

    name: str
    """Tool name: the operationId (sanitized) or one generated from method and path."""
    operation_id: str | None
    method: str
    path: str
    """The URL path template: the path key without a ``#fragment`` or ``?query`` part."""
    pointer: str
    summary: str | None = None
    description: str | None = None
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    server: Server | None = None
    security: tuple[dict[str, tuple[str, ...]], ...] | None = None
    """Security requirements; None when the spec says nothing, () for ``security: []``."""
    is_consequential: bool | None = None
    deprecated: bool = False
    tags: tuple[str, ...] = ()
    fixed_query: tuple[str, ...] = ()
    """Encoded ``name=value`` pairs written into the path key (``/things?op=list``), sent
    before the query parameters."""

    @property
    def needs_no_credentials(self) -> bool:
        return self.security == ()


_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
_NAME_OK = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def sanitize_tool_name(raw: str) -> str:
    """``raw`` made to fit ``^[a-zA-Z0-9_-]{1,64}$``."""
    if _NAME_OK.fullmatch(raw) and raw[0] != "_" and raw[-1] != "_":
        return raw
    name = _NAME_UNSAFE.sub("_", raw).strip("_")
    return name[:64].rstrip("_") or "operation"


def generated_tool_name(method: str, path: str) -> str:
    parts = [p.strip("{}") for p in path.split("/") if p]
    return sanitize_tool_name("_".join([method.lower(), *parts]))


def unique_name(base: str, taken: set[str]) -> str:
    """A free tool name (see :mod:`gptforge.naming`), added to ``taken``."""
    name = naming.unique_name(base, taken)
    taken.add(name)
    return name


_QUERY_SAFE = "=%:/@!$'()*+,;-._~?"


def split_path_key(key: str) -> tuple[str, tuple[str, ...]]:
    """The URL path of a path key and the query pairs written into it.

    AWS specs write keys such as ``/channels/{arn}/flow#x-amz-chime-bearer`` and
    ``/memberships?operation=batch-create`` to tell operations apart: a fragment is
    never part of a request URL, and a query part is sent with the other query pairs.
    """
    path = key.split("#", 1)[0]
    path, _, query = path.partition("?")
    pairs = tuple(quote(pair, safe=_QUERY_SAFE) for pair in query.split("&") if pair)
    return path or "/", pairs


def media_kind(content_type: str) -> BodyKind | None:
    """How gptforge sends a body of this media type, or None when it cannot."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/json", "*/*", "application/*", "") or media.endswith("+json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media == "multipart/form-data":
        return "multipart"
    if media.startswith("text/"):
        return "text"
    if _MEDIA_TYPE.match(media):
        return "raw"
    return None


_KIND_PREFERENCE: dict[BodyKind, int] = {
    "json": 0,
    "form": 1,
    "multipart": 2,
    "text": 3,
    "raw": 4,
}


def same_origin(a: str, b: str) -> bool:
    """True when both URLs have the same scheme, host and port (credentials may follow)."""
    try:
        return origin(a) == origin(b)
    except (ValueError, UnicodeError, InvalidURL):
        return False


def is_public_hostname(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host


class OperationReader:
    """Reads every operation of one OpenAPI 3.x document."""

    def __init__(
        self,
        document: dict[str, Any],
        *,
        resolver: RefResolver,
        normalizer: SchemaNormalizer,
        diagnostics: Diagnostics,
        base_url: str | None,
        max_operations: int,
    ) -> None:
        self.document = document
        self.resolver = resolver
        self.normalizer = normalizer
        self.diagnostics = diagnostics
        self.base_url = base_url
        self.max_operations = max_operations
        self._taken_names: set[str] = set()
        self._server_cache: dict[int, Server | None] = {}
        self._parameter_cache: dict[int, Parameter | Literal[False] | None] = {}
        self._body_cache: dict[int, tuple[Any, RequestBody | Literal[False] | None]] = {}
        self._merged_cache: dict[
            tuple[int, int], tuple[Any, Any, tuple[Parameter, ...] | None]
        ] = {}
        self._template_vars: dict[str, list[str]] = {}
        self.primary_server = self._primary_server()

    # ------------------------------------------------------------------ servers

    def _primary_server(self) -> Server | None:
        servers = self.document.get("servers")
        if not isinstance(servers, list) or not servers:
            self.diagnostics.error(
                "no-servers",
                "/servers",
                "The schema lists no servers, so gptforge does not know where to send "
                "requests. Add `servers: [{url: https://api.example.com}]`.",
            )
            return None
        if len(servers) > 1:
            hosts = {
                urlsplit(str(s.get("url", ""))).hostname for s in servers if isinstance(s, dict)
            }
            if len(hosts) > 1:
                self.diagnostics.warning(
                    "multiple-servers",
                    "/servers",
                    f"Several servers are listed; gptforge sends requests to the first "
                    f"({servers[0].get('url') if isinstance(servers[0], dict) else '?'}). "
                    "Put the one you want first.",
                )
        return self._server(servers, "/servers", report=True)

    def _server(self, servers: list[Any], at: str, *, report: bool) -> Server | None:
        first = servers[0] if servers else None
        if not isinstance(first, dict) or not isinstance(first.get("url"), str):
            if report:
                self.diagnostics.error(
                    "no-servers", at + "/0", "The server entry has no `url` string; add one."
                )
            return None
        template = first["url"].strip()
        variables: dict[str, str] = {}
        declared = first.get("variables") if isinstance(first.get("variables"), dict) else {}
        for var in _TEMPLATE_VAR.findall(template):
            spec = declared.get(var) if isinstance(declared, dict) else None
            default = spec.get("default") if isinstance(spec, dict) else None
            if default is None and isinstance(spec, dict) and isinstance(spec.get("enum"), list):
                default = spec["enum"][0] if spec["enum"] else None
            if default is None:
                if report:
                    self.diagnostics.error(
                        "unsupported-server-url",
                        at + "/0/url",
                        f"Server variable {{{var}}} has no default; add "
                        f"`variables: {{{var}: {{default: ...}}}}`.",
                    )
                return None
            variables[var] = str(default)
        url = _TEMPLATE_VAR.sub(lambda m: variables[m.group(1)], template)
        parts = urlsplit(url)
        if not parts.scheme:
            if self.base_url:
                url = urljoin(self.base_url, url)
                parts = urlsplit(url)
            else:
                if report:
                    self.diagnostics.error(
                        "relative-server-url",
                        at + "/0/url",
                        f"The server URL {template!r} is relative and the schema was not "
                        "loaded from a URL it could be relative to. Write the full URL, "
                        "such as https://api.example.com/v1.",
                    )
                return None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            if report:
                self.diagnostics.error(
                    "unsupported-server-url",
                    at + "/0/url",
                    f"The server URL {url!r} is not an http(s) URL with a host; write one "
                    "such as https://api.example.com.",
                )
            return None
        public = is_public_hostname(parts.hostname)
        if parts.scheme == "http" and public and report:
            self.diagnostics.warning(
                "insecure-http",
                at + "/0/url",
                f"{url} uses plain http to a public host: credentials and data travel "
                "unencrypted. Use https.",
            )
        if not public and report:
            self.diagnostics.warning(
                "internal-server",
                at + "/0/url",
                f"{url} is a local or private address. Actions refuse such addresses unless "
                f"the operator allowlists them (--allow-host {parts.netloc} or "
                "GPTFORGE_ALLOW_HOSTS).",
            )
        return Server(url=url.rstrip("/"), variables=variables)

    def _operation_server(
        self, op: dict[str, Any], item: dict[str, Any], at: str
    ) -> tuple[Server | None, bool]:
        """The server for one operation and whether it is usable with this action."""
        for owner, where in ((op, at), (item, at.rsplit("/", 1)[0])):
            servers = owner.get("servers")
            if isinstance(servers, list) and servers:
                key = id(servers)
                if key not in self._server_cache:
                    self._server_cache[key] = self._server(servers, where + "/servers", report=True)
                server = self._server_cache[key]
                if server is None:
                    return None, False
                primary = self.primary_server
                if primary is not None and not same_origin(server.url, primary.url):
                    self.diagnostics.warning(
                        "multiple-hosts",
                        where + "/servers",
                        f"This operation's server {server.url} differs from the action's server "
                        f"{primary.url} in scheme, host or port; the action's credentials are "
                        "never sent there. If it needs them, put it in a separate action.",
                    )
                return server, True
        return self.primary_server, True

    # --------------------------------------------------------------- operations

    def read(self) -> list[Operation]:
        paths = self.document.get("paths")
        if paths is None:
            paths = {}
        if not isinstance(paths, dict):
            self.diagnostics.error("invalid-paths", "/paths", "`paths` must be an object.")
            return []
        operations: list[Operation] = []
        count = 0
        for path, item in paths.items():
            at_item = "/paths/" + escape_pointer_token(str(path))
            if not isinstance(path, str) or not path.startswith("/"):
                self.diagnostics.warning(
                    "invalid-path", at_item, f"Path {path!r} must start with '/'; it was skipped."
                )
                continue
            try:
                item = self.resolver.deref(item)
            except RefError as exc:
                self.diagnostics.error("unresolved-ref", at_item, exc.message)
                continue
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                count += 1
                if count > self.max_operations:
                    raise SpecLimitError(
                        f"The schema has more than {self.max_operations:,} operations. Split "
                        "it into smaller actions (one per area of the API), or raise the "
                        "operation limit."
                    )
                operation = self._operation(path, method, item, op, f"{at_item}/{method}")
                if operation is not None:
                    operations.append(operation)
        return operations

    def _operation(
        self, path: str, method: str, item: dict[str, Any], op: dict[str, Any], at: str
    ) -> Operation | None:
        server, usable = self._operation_server(op, item, at)
        if not usable:
            return None
        url_path, fixed_query = split_path_key(path)
        parameters = self._parameters(url_path, item, op, at)
        if parameters is None:
            return None
        body: RequestBody | None = None
        if "requestBody" in op:
            body_or_fail = self._request_body(op["requestBody"], at + "/requestBody")
            if body_or_fail is False:
                return None
            body = body_or_fail or None
        operation_id = op.get("operationId")
        if isinstance(operation_id, str) and operation_id.strip():
            base = sanitize_tool_name(operation_id)
        else:
            operation_id = None
            base = generated_tool_name(method, path)
            self.diagnostics.warning(
                "missing-operation-id",
                at,
                f"No operationId; the tool is named {base!r}. Add an operationId so the name "
                "stays stable when paths change.",
            )
        name = unique_name(base, self._taken_names)
        if name != base:
            self.diagnostics.warning(
                "duplicate-operation-id",
                at + "/operationId",
                f"The tool name {base!r} is already used; this operation is named {name!r}. "
                "Give each operation a unique operationId.",
            )
        security = op.get("security", self.document.get("security"))
        consequential = op.get("x-openai-isConsequential")
        tags = op.get("tags")
        return Operation(
            name=name,
            operation_id=operation_id,
            method=method.upper(),
            path=url_path,
            pointer=at,
            summary=_text(op.get("summary")),
            description=_text(op.get("description")),
            parameters=tuple(parameters),
            request_body=body,
            server=server,
            security=_security(security),
            is_consequential=consequential if isinstance(consequential, bool) else None,
            deprecated=op.get("deprecated") is True,
            tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
            fixed_query=fixed_query,
        )

    def _parameters(
        self, path: str, item: dict[str, Any], op: dict[str, Any], at: str
    ) -> list[Parameter] | None:
        # Read once per pair of parameter lists: a shared path item repeats the same pair.
        item_list, op_list = item.get("parameters"), op.get("parameters")
        key = (id(item_list), id(op_list))
        shared = self._merged_cache.get(key)
        if shared is not None and shared[0] is item_list and shared[1] is op_list:
            built = shared[2]
        else:
            built = self._merged_parameters(item, op, at)
            self._merged_cache[key] = (item_list, op_list, built)
        if built is None:
            return None
        return self._with_path_variables(path, list(built), at)

    def _merged_parameters(
        self, item: dict[str, Any], op: dict[str, Any], at: str
    ) -> tuple[Parameter, ...] | None:
        """Path-item and operation parameters, the operation's winning; None if unusable."""
        merged: dict[tuple[Any, Any], tuple[Any, At]] = {}
        for owner, where in ((item, at.rsplit("/", 1)[0]), (op, at)):
            raw_list = owner.get("parameters")
            if raw_list is None:
                continue
            if not isinstance(raw_list, list):
                self.diagnostics.warning(
                    "invalid-parameter", where + "/parameters", "`parameters` must be a list."
                )
                continue
            for index, raw in enumerate(raw_list):
                at_param: At = (where, "parameters", index)
                try:
                    param = self.resolver.deref(raw)
                except RefError as exc:
                    self.diagnostics.error(
                        "unresolved-ref" if exc.kind != "external" else "external-ref",
                        render_at(at_param),
                        exc.message + " The operation was skipped.",
                    )
                    return None
                if not isinstance(param, dict):
                    continue
                name, location = param.get("name"), param.get("in")
                if not isinstance(name, str) or not isinstance(location, str):
                    name, location = id(param), None  # invalid: reported when it is read
                merged[(name, location)] = (param, at_param)
        parameters: list[Parameter] = []
        for param, at_param in merged.values():
            key = id(param)
            if key in self._parameter_cache:
                built = self._parameter_cache[key]
            else:
                built = self._parameter_cache[key] = self._parameter(param, at_param)
            if built is False:
                return None
            if built is not None:
                parameters.append(built)
        return tuple(parameters)

    def _with_path_variables(
        self, path: str, parameters: list[Parameter], at: str
    ) -> list[Parameter]:
        variables = self._template_vars.get(path)
        if variables is None:
            variables = self._template_vars[path] = _TEMPLATE_VAR.findall(path)
        declared = {p.name for p in parameters if p.location == "path"} if variables else set()
        for var in variables:
            if var not in declared:
                self.diagnostics.warning(
                    "undeclared-path-parameter",
                    at,
                    f"The path has {{{var}}} but no parameter declares it; it is sent as a "
                    f"required string. Declare `- name: {var}, in: path, required: true`.",
                )
                parameters.append(
                    Parameter(
                        name=var,
                        location="path",
                        required=True,
                        schema={"type": "string"},
                        style="simple",
                        explode=False,
                    )
                )
        return parameters

    def _parameter(self, param: dict[str, Any], at: At) -> Parameter | Literal[False] | None:
        name, location = param.get("name"), param.get("in")
        if not isinstance(name, str) or not name or location not in LOCATIONS:
            self.diagnostics.warning(
                "invalid-parameter",
                render_at(at),
                f"A parameter needs a `name` and `in` (one of {', '.join(LOCATIONS)}); "
                f"got name={name!r}, in={location!r}. It was skipped.",
            )
            return False if param.get("required") is True else None
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            return None
        if location == "header" and is_forbidden_header(name):
            self.diagnostics.warning(
                "ignored-header",
                render_at(at),
                f"Header parameter {name[:80]!r} is ignored: it frames, routes or authenticates "
                "the request (or is not a valid header name), so gptforge never lets the model "
                "set it. Use the action's authentication settings for credentials.",
            )
            return None
        if location == "header":
            self.diagnostics.warning(
                "custom-header",
                render_at(at),
                f"Header parameter {name!r} is filled by the model. If it carries a "
                "credential, remove it and set it as the action's API key (custom header).",
            )
        content_type: str | None = None
        raw_schema = param.get("schema")
        if raw_schema is None and isinstance(param.get("content"), dict) and param["content"]:
            content_type, media = next(iter(param["content"].items()))
            raw_schema = media.get("schema") if isinstance(media, dict) else None
        normalized = self.normalizer.normalized(
            raw_schema if raw_schema is not None else {"type": "string"}, (at, "schema")
        )
        style = param.get("style", _DEFAULT_STYLE[location])
        if not isinstance(style, str) or style not in _VALID_STYLES[location]:
            self.diagnostics.warning(
                "invalid-parameter",
                render_at((at, "style")),
                f"Style {style!r} is not valid for a {location} parameter; "
                f"{_DEFAULT_STYLE[location]!r} is used.",
            )
            style = _DEFAULT_STYLE[location]
        explode = param.get("explode")
        if not isinstance(explode, bool):
            explode = style == "form"
        return Parameter(
            name=name,
            location=location,
            required=location == "path" or param.get("required") is True,
            schema=normalized.schema,
            refs=normalized.refs,
            cost=normalized.cost,
            style=style,
            explode=explode,
            allow_reserved=param.get("allowReserved") is True,
            content_type=content_type,
            description=_text(param.get("description")),
            deprecated=param.get("deprecated") is True,
        )

    def _request_body(self, raw: Any, at: str) -> RequestBody | Literal[False] | None:
        """The body to send; None when there is none; False when the operation is unusable.

        Read once per body object: operations sharing a request body component (or a
        path item) share the result.
        """
        try:
            body = self.resolver.deref(raw)
        except RefError as exc:
            self.diagnostics.error(
                "unresolved-ref", at, exc.message + " The operation was skipped."
            )
            return False
        if not isinstance(body, dict):
            return None
        cached = self._body_cache.get(id(body))
        if cached is not None and cached[0] is body:
            return cached[1]
        result = self._read_body(body, at)
        self._body_cache[id(body)] = (body, result)
        return result

    def _read_body(self, body: dict[str, Any], at: str) -> RequestBody | Literal[False] | None:
        required = body.get("required") is True
        content = body.get("content")
        if not isinstance(content, dict) or not content:
            return None
        offered = tuple(str(k) for k in content)
        candidates = [(media_kind(k), k) for k in offered]
        usable = [(kind, k) for kind, k in candidates if kind is not None]
        if not usable:
            message = (
                f"The request body is offered only as {', '.join(offered)}, which is not a "
                "media type gptforge can send (write it as type/subtype, e.g. application/json)."
            )
            if required:
                self.diagnostics.error(
                    "unsupported-content-type", at, message + " The operation was skipped."
                )
                return False
            self.diagnostics.warning(
                "unsupported-content-type", at, message + " The body is left out."
            )
            return None
        kind, content_type = min(usable, key=lambda pair: _KIND_PREFERENCE[pair[0]])
        if not content_type.strip():
            self.diagnostics.warning(
                "missing-media-type",
                at,
                "The request body's media type is empty; it is sent as application/json. "
                "Write `content: {application/json: ...}`.",
            )
        media = content[content_type] if isinstance(content[content_type], dict) else {}
        raw_schema = media.get("schema")
        if kind == "raw":
            self.diagnostics.warning(
                "raw-body",
                at,
                f"The request body is {content_type}; the model writes it as text that is sent "
                "as-is. Offer application/json too if the API accepts it.",
            )
            declared = raw_schema if isinstance(raw_schema, dict) else {}
            raw_schema = {
                "type": "string",
                "description": f"The raw {content_type} request body, sent as-is.",
            }
            if declared.get("type") == "string" and isinstance(declared.get("format"), str):
                raw_schema["format"] = declared["format"]  # e.g. byte: base64 text
        elif raw_schema is None:
            raw_schema = {"type": "string"} if kind == "text" else {}
        normalized = self.normalizer.normalized(
            raw_schema, at + "/content/" + content_type.replace("~", "~0").replace("/", "~1")
        )
        encoding = media.get("encoding") if isinstance(media.get("encoding"), dict) else None
        return RequestBody(
            content_type=content_type.split(";", 1)[0].strip(),
            kind=kind,
            schema=normalized.schema,
            refs=normalized.refs,
            cost=normalized.cost,
            required=required,
            description=_text(body.get("description")),
            encoding=encoding,
            offered=offered,
        )


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _security(value: Any) -> tuple[dict[str, tuple[str, ...]], ...] | None:
    if not isinstance(value, list):
        return None
    requirements: list[dict[str, tuple[str, ...]]] = []
    for entry in value:
        if isinstance(entry, dict):
            requirements.append(
                {
                    str(k): tuple(str(s) for s in v) if isinstance(v, list) else ()
                    for k, v in entry.items()
                }
            )
    # `security: [{}]` means "anonymous allowed": treated like no credentials needed.
    if requirements and all(not r for r in requirements):
        return ()
    return tuple(r for r in requirements if r)
