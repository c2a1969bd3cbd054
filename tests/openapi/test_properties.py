"""Property tests: random specs never crash the loader, and every tool it makes is valid."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gptforge.errors import SpecError
from gptforge.openapi import build_spec
from tests.openapi.test_tools import assert_valid_tool

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), names)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(names, children, max_size=4)
    ),
    max_leaves=12,
)
keywords = st.sampled_from(
    [
        "type",
        "properties",
        "items",
        "required",
        "enum",
        "nullable",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "additionalProperties",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "pattern",
        "format",
        "default",
        "example",
        "readOnly",
        "description",
        "$ref",
        "x-ext",
        "patternProperties",
        "prefixItems",
        "const",
    ]
)
type_names = st.sampled_from(
    ["string", "integer", "number", "boolean", "object", "array", "null", "file", "int", "bogus"]
)
refs = st.sampled_from(
    [
        "#/components/schemas/A",
        "#/components/schemas/B",
        "#/components/schemas/Missing",
        "other.yaml#/X",
        "#/paths",
        "#",
        42,
    ]
)


def schema_values(depth: int = 3) -> st.SearchStrategy[Any]:
    if depth == 0:
        return st.one_of(st.booleans(), st.just({"type": "string"}), json_values)
    child = schema_values(depth - 1)
    value = st.one_of(
        type_names,
        st.lists(type_names, max_size=3),
        child,
        st.lists(child, max_size=3),
        st.dictionaries(names, child, max_size=3),
        refs,
        json_values,
    )
    return st.one_of(st.dictionaries(keywords, value, max_size=5), json_values)


parameters = st.fixed_dictionaries(
    {"name": names, "in": st.sampled_from(["query", "path", "header", "cookie", "body", 3])},
    optional={
        "schema": schema_values(2),
        "required": st.booleans(),
        "style": st.sampled_from(["form", "simple", "deepObject", "matrix", "bogus"]),
        "explode": json_values,
        "content": st.dictionaries(
            st.sampled_from(["application/json", "text/plain"]),
            st.fixed_dictionaries({}, optional={"schema": schema_values(1)}),
            max_size=2,
        ),
    },
)
operations = st.fixed_dictionaries(
    {},
    optional={
        "operationId": st.one_of(names, json_values),
        "summary": json_values,
        "parameters": st.one_of(
            st.lists(st.one_of(parameters, st.fixed_dictionaries({"$ref": refs})), max_size=4),
            json_values,
        ),
        "requestBody": st.one_of(
            st.fixed_dictionaries(
                {
                    "content": st.dictionaries(
                        st.sampled_from(
                            [
                                "application/json",
                                "application/xml",
                                "multipart/form-data",
                                "text/plain",
                                "*/*",
                            ]
                        ),
                        st.fixed_dictionaries({}, optional={"schema": schema_values(3)}),
                        max_size=3,
                    )
                },
                optional={"required": st.booleans()},
            ),
            json_values,
        ),
        "security": json_values,
        "servers": st.lists(
            st.fixed_dictionaries(
                {"url": st.sampled_from(["https://a.example", "/rel", "https://b.example/{x}", 5])}
            ),
            max_size=2,
        ),
        "x-openai-isConsequential": json_values,
    },
)
documents = st.fixed_dictionaries(
    {
        "openapi": st.sampled_from(["3.0.0", "3.0.3", "3.1.0"]),
        "paths": st.dictionaries(
            st.sampled_from(["/a", "/b/{id}", "/c/{x}/{y}", "nope", "/d"]),
            st.dictionaries(
                st.sampled_from(["get", "post", "put", "parameters", "servers", "$ref"]),
                operations,
                max_size=3,
            ),
            max_size=4,
        ),
    },
    optional={
        "servers": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "url": st.sampled_from(
                            ["https://api.example.com", "http://x.example", "/v1", "ftp://z"]
                        )
                    }
                ),
                max_size=2,
            ),
            json_values,
        ),
        "components": st.fixed_dictionaries(
            {
                "schemas": st.fixed_dictionaries(
                    {}, optional={"A": schema_values(3), "B": schema_values(3)}
                )
            },
            optional={"securitySchemes": st.dictionaries(names, json_values, max_size=2)},
        ),
        "security": json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_specs_never_crash_and_tools_are_valid(document: dict[str, Any]) -> None:
    try:
        spec = build_spec(document)
    except SpecError:
        return
    names_seen: set[str] = set()
    for tool in spec.tools:
        definition = tool.definition()
        assert_valid_tool(definition)
        assert tool.name not in names_seen
        names_seen.add(tool.name)
