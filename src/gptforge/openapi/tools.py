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
from gptforge.openapi.operations import Operation, Parameter, RequestBody
from gptforge.openapi.schemas import (
    NO_COST,
    NODE_BYTES,
    Cost,
    JsonSchema,
    SchemaNormalizer,
    trim_text,
)

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
    trimmed_arguments: tuple[str, ...] = ()
    """Arguments whose schemas were replaced by open ones to fit the budget."""
    cost: Cost = NO_COST
    """Estimated size of :meth:`definition` once written out."""

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
    body: RequestBody, normalizer: SchemaNormalizer
) -> tuple[dict[str, Any], tuple[str, ...], Cost] | None:
    """The object schema to flatten, the defs its properties use and its cost, or None."""
    schema, refs, cost = body.schema, body.refs, body.cost
    if not isinstance(schema, dict):
        return None
    target: JsonSchema = schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and set(schema) <= {"$ref", "description"}:
        name = ref.removeprefix("#/$defs/")
        target = normalizer.definition(name)
        refs = normalizer.def_refs[name]
        cost = normalizer.def_costs[name]
    if not isinstance(target, dict) or any(key in target for key in _COMPOSITE_KEYS):
        return None
    if target.get("type", "object") != "object" or not target.get("properties"):
        return None
    if target.get("additionalProperties", False) is not False:
        return None
    required = target.get("required", [])
    if not isinstance(required, list) or not set(map(str, required)) <= set(target["properties"]):
        # A required name the properties do not describe could not be given once flattened.
        return None
    return target, refs, cost


@dataclass(frozen=True, kw_only=True)
class ToolBudget:
    """How large one tool's argument schema may get once written out."""

    nodes: int = 20_000
    """Schema nodes in the whole tool (arguments and ``$defs``)."""
    bytes: int = 256_000
    """Estimated JSON bytes of the whole tool's argument schema."""
    defs_nodes: int = 3_000
    """Schema nodes of ``$defs`` kept before deeper components are opened up."""

    def within(self, room: Cost) -> ToolBudget:
        """This budget, no larger than ``room`` (what is left of a per-document budget)."""
        return ToolBudget(
            nodes=min(self.nodes, room.nodes),
            bytes=min(self.bytes, room.bytes),
            defs_nodes=min(self.defs_nodes, room.nodes),
        )


@dataclass
class _Arguments:
    """The tool's arguments as they are assembled, with what each costs and references."""

    properties: dict[str, JsonSchema] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    costs: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Argument -> (nodes, bytes); plain tuples, as tools can have thousands of arguments."""
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nodes: int = 0
    bytes: int = 0

    def add(
        self, name: str, schema: JsonSchema, refs: tuple[str, ...], cost: Cost, *, required: bool
    ) -> None:
        self.properties[name] = schema
        size = cost.bytes + len(name) + 4
        self.costs[name] = (cost.nodes, size)
        self.nodes += cost.nodes
        self.bytes += size
        if refs:
            self.refs[name] = refs
        if required:
            self.required.append(name)

    def set_cost(self, name: str, nodes: int, size: int) -> None:
        old = self.costs.get(name, (0, 0))
        self.costs[name] = (nodes, size)
        self.nodes += nodes - old[0]
        self.bytes += size - old[1]

    def drop_cost(self, name: str) -> None:
        nodes, size = self.costs.pop(name)
        self.nodes -= nodes
        self.bytes -= size
        self.refs.pop(name, None)

    def total(self) -> Cost:
        return Cost(self.nodes, self.bytes)


_FLAT_BODY = "\0body"
"""Key under which a flattened body's cost and refs are kept (never an argument name)."""


def _stub(schema: JsonSchema, what: str) -> dict[str, Any]:
    stub = {"description": f"{what} has a schema too large to show; see the API documentation."}
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, str):
        stub["type"] = kind
    return stub


def build_tool(
    operation: Operation,
    normalizer: SchemaNormalizer,
    diagnostics: Diagnostics,
    *,
    budget: int | ToolBudget,
) -> Tool | None:
    """The tool for ``operation`` within ``budget``; None when even a minimal one is too big.

    Arguments whose schemas do not fit are replaced, largest first, by an open schema
    with a note; then ``$defs`` fill what is left, nearest first.
    """
    if not isinstance(budget, ToolBudget):
        budget = ToolBudget(defs_nodes=budget)
    args = _Arguments()
    bound: dict[str, Parameter] = {}
    for param in operation.parameters:
        arg = _unique_argument(param.name, param.location, args.properties)
        args.add(arg, param.argument_schema, param.refs, param.cost, required=param.required)
        if param.description:
            args.bytes += len(param.description)
            args.costs[arg] = (args.costs[arg][0], args.costs[arg][1] + len(param.description))
        bound[arg] = param

    body_argument: str | None = None
    body_properties: tuple[str, ...] = ()
    body = operation.request_body
    if body is not None:
        flat = _flattenable(body, normalizer)
        if flat is not None and not set(flat[0]["properties"]) & set(args.properties):
            target, flat_refs, flat_cost = flat
            args.properties.update(target["properties"])
            body_properties = tuple(target["properties"])
            args.set_cost(_FLAT_BODY, flat_cost.nodes, flat_cost.bytes)
            args.refs[_FLAT_BODY] = flat_refs
            if body.required:
                args.required.extend(n for n in target.get("required", ()) if n in body_properties)
        else:
            body_argument = "body" if "body" not in args.properties else "request_body"
            described = _described(body.schema, body.description)
            args.add(body_argument, described, body.refs, body.cost, required=body.required)

    limit = Cost(budget.nodes, budget.bytes)
    stubbed: list[str] = []
    if not args.total().fits(limit):
        for arg in sorted(args.costs, key=lambda a: args.costs[a][1], reverse=True):
            if args.total().fits(limit):
                break
            if arg == _FLAT_BODY and body is not None:
                for name in body_properties:
                    del args.properties[name]
                args.required = [n for n in args.required if n not in body_properties]
                args.drop_cost(arg)
                body_properties = ()
                body_argument = "body" if "body" not in args.properties else "request_body"
                arg = body_argument
                args.add(arg, body.schema, (), NO_COST, required=body.required)
            stub = _stub(args.properties[arg], f"The argument {arg!r}")
            args.properties[arg] = stub
            args.refs.pop(arg, None)
            args.set_cost(arg, 1, NODE_BYTES + len(stub["description"]) + len(arg) + 4)
            stubbed.append(arg)
        if not args.total().fits(limit):
            diagnostics.error(
                "tool-too-large",
                operation.pointer,
                f"{operation.name!r} has so many arguments that its tool would be over "
                f"{budget.nodes:,} schema nodes or {budget.bytes:,} bytes even with their "
                "schemas left out; the operation was skipped. Split it, or move repeated "
                "parameters out of shared path items.",
            )
            return None
        diagnostics.warning(
            "schema-trimmed",
            operation.pointer,
            f"The request schema of {operation.name!r} is too large for one tool; the "
            f"schemas of {', '.join(repr(a) for a in stubbed[:5])} were replaced by open "
            "ones. The API still validates what it receives.",
        )

    schema: dict[str, Any] = {"type": "object", "properties": args.properties}
    if args.required:
        schema["required"] = list(dict.fromkeys(args.required))
    schema["additionalProperties"] = False
    trimmed: list[str] = []
    refs = tuple(dict.fromkeys(ref for refs in args.refs.values() for ref in refs))
    spent = Cost(args.nodes + 1, args.bytes + 80)
    if refs:
        # Tools that share refs share one closure; an exact fit is computed only when the
        # shared one would push this tool over its limit.
        closure = normalizer.closure(refs, budget=Cost(budget.defs_nodes, limit.bytes), hard=limit)
        if not (spent + closure.cost).fits(limit):
            room = Cost(
                min(budget.defs_nodes, limit.nodes - spent.nodes), limit.bytes - spent.bytes
            )
            closure = normalizer.closure(refs, budget=room, hard=limit - spent)
        schema["$defs"] = closure.defs
        trimmed = closure.trimmed
        spent = spent + closure.cost
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
        trimmed_arguments=tuple(stubbed),
        cost=spent + Cost(0, len(description) + len(operation.name)),
    )
