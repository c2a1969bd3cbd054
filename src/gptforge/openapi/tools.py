"""Operations described as function-calling tools.

A tool's ``parameters`` is one JSON Schema object holding every path, query,
header and cookie parameter by name. The request body is placed in one of two
ways, and :class:`ArgumentBinding` records which so the actions layer can undo it:

* flattened: when the body is a plain object (no composition, no extra
  properties allowed) whose property names clash with no parameter, its
  properties sit next to the parameters, which is what models handle best;
* otherwise under a single ``body`` argument (``request_body`` if a parameter is
  already called ``body``) holding the whole body schema.

When two parameters share a name in different locations, the later one is
named ``<location>_<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gptforge.naming import unique_name
from gptforge.openapi.diagnostics import Diagnostics
from gptforge.openapi.operations import Operation, Parameter
from gptforge.openapi.schemas import JsonSchema, SchemaNormalizer, trim_text

TOOL_DESCRIPTION_LIMIT = 300
PARAMETER_DESCRIPTION_LIMIT = 700
_COMPOSITE_KEYS = ("allOf", "anyOf", "oneOf", "not", "if", "$ref", "patternProperties")


@dataclass(frozen=True, kw_only=True)
class ArgumentBinding:
    """Where each tool argument goes in the HTTP request."""

    parameters: dict[str, Parameter] = field(default_factory=dict)
    """Argument name -> the parameter it fills."""
    body_argument: str | None = None
    """The argument holding the whole request body, when the body is not flattened."""
    body_properties: tuple[str, ...] = ()
    """Arguments that are top-level properties of a flattened object body."""


@dataclass(frozen=True, kw_only=True)
class Tool:
    """One operation as the model sees it, plus how its arguments map back."""

    name: str
    description: str
    parameters: dict[str, Any]
    operation: Operation
    binding: ArgumentBinding
    trimmed_defs: tuple[str, ...] = ()

    def definition(self) -> dict[str, Any]:
        """The OpenAI function-calling form of this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def tool_description(operation: Operation) -> str:
    summary, detail = operation.summary, operation.description
    if summary and detail and detail not in summary and not detail.startswith(summary):
        text = f"{summary.rstrip('.')}. {detail}"
    else:
        text = (
            (summary if summary and detail and detail in summary else detail)
            or summary
            or f"{operation.method} {operation.path}"
        )
    if operation.deprecated:
        text = "Deprecated. " + text
    return text


def _described(schema: JsonSchema, description: str | None) -> JsonSchema:
    if not description or not isinstance(schema, dict):
        return schema
    out = dict(schema)
    out["description"] = trim_text(description, PARAMETER_DESCRIPTION_LIMIT)
    return out


def _unique_argument(name: str, location: str, taken: dict[str, Any]) -> str:
    if name not in taken:
        return name
    return unique_name(f"{location}_{name}", taken, max_length=None)


def _flattenable(
    schema: JsonSchema, refs: tuple[str, ...], normalizer: SchemaNormalizer
) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """The object schema to flatten and the defs its properties use, or None."""
    if not isinstance(schema, dict):
        return None
    target: JsonSchema = schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and set(schema) <= {"$ref", "description"}:
        name = ref.removeprefix("#/$defs/")
        target = normalizer.definition(name)
        refs = normalizer.def_refs[name]
    if not isinstance(target, dict) or any(key in target for key in _COMPOSITE_KEYS):
        return None
    if target.get("type", "object") != "object" or not target.get("properties"):
        return None
    if target.get("additionalProperties", False) is not False:
        return None
    return target, refs


def build_tool(
    operation: Operation,
    normalizer: SchemaNormalizer,
    diagnostics: Diagnostics,
    *,
    budget: int,
) -> Tool:
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    bound: dict[str, Parameter] = {}
    refs: list[str] = []
    for param in operation.parameters:
        arg = _unique_argument(param.name, param.location, properties)
        properties[arg] = param.argument_schema
        bound[arg] = param
        refs.extend(param.refs)
        if param.required:
            required.append(arg)

    body_argument: str | None = None
    body_properties: tuple[str, ...] = ()
    body = operation.request_body
    if body is not None:
        flat = _flattenable(body.schema, body.refs, normalizer)
        if flat is not None and not set(flat[0]["properties"]) & set(properties):
            target, flat_refs = flat
            properties.update(target["properties"])
            body_properties = tuple(target["properties"])
            refs.extend(flat_refs)
            if body.required:
                required.extend(n for n in target.get("required", ()) if n in body_properties)
        else:
            body_argument = "body" if "body" not in properties else "request_body"
            properties[body_argument] = _described(body.schema, body.description)
            refs.extend(body.refs)
            if body.required:
                required.append(body_argument)

    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(dict.fromkeys(required))
    schema["additionalProperties"] = False
    trimmed: list[str] = []
    if refs:
        defs, trimmed = normalizer.closure(tuple(dict.fromkeys(refs)), budget=budget)
        schema["$defs"] = defs
        if trimmed:
            diagnostics.warning(
                "schema-trimmed",
                operation.pointer,
                f"The request schema of {operation.name!r} is very large; {len(trimmed)} "
                "nested schemas were replaced by open ones to keep the tool small. The API "
                "still validates what it receives.",
            )

    text = tool_description(operation)
    description = trim_text(text, TOOL_DESCRIPTION_LIMIT)
    if description.endswith("…") and len(text) > TOOL_DESCRIPTION_LIMIT:
        diagnostics.warning(
            "description-trimmed",
            operation.pointer,
            f"The description of {operation.name!r} is over {TOOL_DESCRIPTION_LIMIT} "
            "characters and was cut. Put the essentials first in `summary`/`description`.",
        )
    return Tool(
        name=operation.name,
        description=description,
        parameters=schema,
        operation=operation,
        binding=ArgumentBinding(
            parameters=bound, body_argument=body_argument, body_properties=body_properties
        ),
        trimmed_defs=tuple(trimmed),
    )
