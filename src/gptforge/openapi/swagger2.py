"""Swagger 2.0 documents converted to OpenAPI 3.0, because people paste them all the time.

host/basePath/schemes become ``servers``; ``body`` and ``formData`` parameters
become a ``requestBody``; ``definitions``, ``parameters``, ``responses`` and
``securityDefinitions`` move under ``components``; ``collectionFormat`` becomes
``style``/``explode``; and every ``$ref`` is rewritten to the new locations.
"""

from __future__ import annotations

from typing import Any

from gptforge.openapi.diagnostics import Diagnostics, pointer
from gptforge.openapi.refs import RefError, RefResolver

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_REF_PREFIXES = {
    "#/definitions/": "#/components/schemas/",
    "#/responses/": "#/components/responses/",
}
_PARAM_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
)
_COLLECTION_FORMATS: dict[str, tuple[str, bool]] = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "multi": ("form", True),
    "tsv": ("form", False),
}
_OAUTH_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def _str_list(value: Any, diagnostics: Diagnostics, at: str) -> list[str]:
    """The strings of a list field (``schemes``, ``consumes``...); nothing if it is no list."""
    if value is None:
        return []
    if not isinstance(value, list):
        diagnostics.warning(
            "invalid-field",
            at,
            f"This must be a list of strings, found {type(value).__name__}; it was ignored. "
            f"Write it as a list, such as [{value!r:.40}].",
        )
        return []
    return [item for item in value if isinstance(item, str)]


def _rewrite_refs(value: Any) -> Any:
    """``value`` with Swagger 2.0 reference targets moved to OpenAPI 3 places, in place.

    Each object is visited once, however often it is shared (YAML anchors).
    """
    stack: list[Any] = [value]
    root = value
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                for old, new in _REF_PREFIXES.items():
                    if ref.startswith(old):
                        node["$ref"] = new + ref[len(old) :]
                        break
            if node.get("x-nullable") is True:
                node["nullable"] = True
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return root


def _servers(doc: dict[str, Any], diagnostics: Diagnostics) -> list[dict[str, str]]:
    host = doc.get("host")
    base_path = doc.get("basePath") or ""
    if not isinstance(base_path, str):
        base_path = ""
    if not isinstance(host, str) or not host:
        return [{"url": base_path or "/"}]
    schemes = [
        s for s in _str_list(doc.get("schemes"), diagnostics, "/schemes") if s in ("https", "http")
    ]
    if not schemes:
        schemes = ["https"]
        diagnostics.warning(
            "swagger-default-scheme",
            "/schemes",
            "The Swagger 2.0 document names no scheme; https is assumed. Add 'schemes: [https]'.",
        )
    scheme = "https" if "https" in schemes else schemes[0]
    return [{"url": f"{scheme}://{host}{base_path}".rstrip("/")}]


_MAX_ITEMS_DEPTH = 32


def _parameter_schema(param: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    schema = {key: param[key] for key in _PARAM_SCHEMA_KEYS if key in param}
    items = schema.get("items")
    if isinstance(items, dict):
        if depth >= _MAX_ITEMS_DEPTH:
            schema["items"] = {}
        elif "$ref" not in items:
            schema["items"] = _parameter_schema(items, depth + 1)
    if param.get("x-nullable") is True:
        schema["nullable"] = True
    return schema


def _convert_parameter(param: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: param[key]
        for key in ("name", "in", "description", "required", "deprecated")
        if key in param
    }
    out["schema"] = _parameter_schema(param)
    if param.get("type") == "array" and param.get("in") in ("query", "cookie"):
        fmt = param.get("collectionFormat") or "csv"
        out["style"], out["explode"] = _COLLECTION_FORMATS.get(str(fmt), ("form", False))
    if param.get("in") == "formData":
        out["in"] = "formData"
    return out


def _form_body(
    params: list[dict[str, Any]], consumes: list[str], description: str | None
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    has_file = False
    for param in params:
        prop = _parameter_schema(param)
        if param.get("type") == "file":
            has_file = True
        if param.get("description"):
            prop["description"] = param["description"]
        properties[str(param.get("name"))] = prop
        if param.get("required"):
            required.append(str(param.get("name")))
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if has_file or "multipart/form-data" in consumes:
        media = "multipart/form-data"
    else:
        media = "application/x-www-form-urlencoded"
    body: dict[str, Any] = {"content": {media: {"schema": schema}}, "required": bool(required)}
    if description:
        body["description"] = description
    return body


def _json_body(param: dict[str, Any], consumes: list[str]) -> dict[str, Any]:
    media_types = consumes or ["application/json"]
    schema = param.get("schema", {})
    body: dict[str, Any] = {
        "content": {media: {"schema": schema} for media in media_types},
        "required": bool(param.get("required")),
    }
    if param.get("description"):
        body["description"] = param["description"]
    return body


def _convert_responses(responses: Any, produces: list[str]) -> dict[str, Any]:
    if not isinstance(responses, dict):
        return {}
    out: dict[str, Any] = {}
    media = produces or ["application/json"]
    for status, response in responses.items():
        if not isinstance(response, dict):
            continue
        if "$ref" in response:
            out[str(status)] = response
            continue
        converted: dict[str, Any] = {"description": response.get("description", "")}
        if "schema" in response:
            converted["content"] = {m: {"schema": response["schema"]} for m in media}
        out[str(status)] = converted
    return out


def _convert_security_scheme(scheme: dict[str, Any]) -> dict[str, Any]:
    kind = scheme.get("type")
    if kind == "basic":
        return {"type": "http", "scheme": "basic", "description": scheme.get("description", "")}
    if kind == "apiKey":
        return {key: scheme[key] for key in ("type", "name", "in", "description") if key in scheme}
    if kind == "oauth2":
        flow_name = _OAUTH_FLOWS.get(str(scheme.get("flow")), "authorizationCode")
        flow: dict[str, Any] = {"scopes": scheme.get("scopes") or {}}
        if "authorizationUrl" in scheme:
            flow["authorizationUrl"] = scheme["authorizationUrl"]
        if "tokenUrl" in scheme:
            flow["tokenUrl"] = scheme["tokenUrl"]
        return {"type": "oauth2", "flows": {flow_name: flow}}
    return dict(scheme)


def convert_swagger2(doc: dict[str, Any], diagnostics: Diagnostics) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document equivalent to the Swagger 2.0 ``doc`` (not modified)."""
    resolver = RefResolver(doc)
    global_consumes = _str_list(doc.get("consumes"), diagnostics, "/consumes")
    global_produces = _str_list(doc.get("produces"), diagnostics, "/produces")
    components: dict[str, Any] = {}
    definitions = doc.get("definitions")
    if isinstance(definitions, dict):
        components["schemas"] = definitions
    global_params = doc.get("parameters")
    if isinstance(global_params, dict):
        components["parameters"] = {
            name: _convert_parameter(p)
            for name, p in global_params.items()
            if isinstance(p, dict) and p.get("in") not in ("body", "formData")
        }
    if isinstance(doc.get("responses"), dict):
        components["responses"] = _convert_responses(doc["responses"], global_produces)
    if isinstance(doc.get("securityDefinitions"), dict):
        components["securitySchemes"] = {
            name: _convert_security_scheme(s)
            for name, s in doc["securityDefinitions"].items()
            if isinstance(s, dict)
        }

    paths: dict[str, Any] = {}
    raw_paths = doc.get("paths")
    for path, item in (raw_paths if isinstance(raw_paths, dict) else {}).items():
        if not isinstance(item, dict):
            continue
        if "$ref" in item:
            try:
                item = resolver.deref(item)
            except RefError as exc:
                diagnostics.error("unresolved-ref", pointer("paths", path), exc.message)
                continue
            if not isinstance(item, dict):
                continue
        raw_path_params = item.get("parameters")
        path_params: list[Any] = raw_path_params if isinstance(raw_path_params, list) else []
        new_item: dict[str, Any] = {}
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            at = pointer("paths", path, method)
            new_item[method] = _convert_operation(
                op, path_params, resolver, global_consumes, global_produces, diagnostics, at
            )
        if new_item:
            paths[str(path)] = new_item

    out: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": doc.get("info") if isinstance(doc.get("info"), dict) else {"title": "API"},
        "servers": _servers(doc, diagnostics),
        "paths": paths,
        "components": components,
    }
    if isinstance(doc.get("security"), list):
        out["security"] = doc["security"]
    for key in ("tags", "externalDocs"):
        if key in doc:
            out[key] = doc[key]
    out.update({k: v for k, v in doc.items() if isinstance(k, str) and k.startswith("x-")})
    return _rewrite_refs(out)  # type: ignore[no-any-return]


def _convert_operation(
    op: dict[str, Any],
    path_params: list[Any],
    resolver: RefResolver,
    global_consumes: list[str],
    global_produces: list[str],
    diagnostics: Diagnostics,
    at: str,
) -> dict[str, Any]:
    consumes = _str_list(op.get("consumes"), diagnostics, at + "/consumes") or global_consumes
    produces = _str_list(op.get("produces"), diagnostics, at + "/produces") or global_produces
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    refs_kept: dict[tuple[str, str], dict[str, Any]] = {}
    raw_op_params = op.get("parameters")
    op_params: list[Any] = raw_op_params if isinstance(raw_op_params, list) else []
    for raw in [*path_params, *op_params]:
        try:
            param = resolver.deref(raw)
        except RefError as exc:
            diagnostics.error("unresolved-ref", at + "/parameters", exc.message)
            continue
        if not isinstance(param, dict):
            continue
        key = (str(param.get("name")), str(param.get("in")))
        merged[key] = param
        if isinstance(raw, dict) and "$ref" in raw and param.get("in") not in ("body", "formData"):
            target = str(raw["$ref"]).replace("#/parameters/", "#/components/parameters/")
            refs_kept[key] = {"$ref": target}
        else:
            refs_kept.pop(key, None)
    new_op: dict[str, Any] = {
        k: v for k, v in op.items() if k not in ("parameters", "consumes", "produces", "responses")
    }
    params_out: list[dict[str, Any]] = []
    form_params: list[dict[str, Any]] = []
    body_param: dict[str, Any] | None = None
    for key, param in merged.items():
        kind = param.get("in")
        if kind == "body":
            body_param = param
        elif kind == "formData":
            form_params.append(param)
        elif key in refs_kept:
            params_out.append(refs_kept[key])
        else:
            params_out.append(_convert_parameter(param))
    if params_out:
        new_op["parameters"] = params_out
    if body_param is not None:
        new_op["requestBody"] = _json_body(body_param, consumes)
    elif form_params:
        new_op["requestBody"] = _form_body(form_params, consumes, None)
    new_op["responses"] = _convert_responses(op.get("responses"), produces) or {
        "default": {"description": ""}
    }
    return new_op
