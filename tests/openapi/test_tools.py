"""Operations become valid, well-described function-calling tools."""

from __future__ import annotations

import copy
import re
from typing import Any

from jsonschema import Draft202012Validator

from gptforge.openapi import build_spec, parse_spec
from tests.openapi.specs import PETSTORE

NAME_RULE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def assert_valid_tool(tool: dict[str, Any]) -> None:
    function = tool["function"]
    assert tool["type"] == "function"
    assert NAME_RULE.match(function["name"])
    assert len(function["description"]) <= 300
    Draft202012Validator.check_schema(function["parameters"])
    defs = function["parameters"].get("$defs", {})
    stack: list[Any] = [function["parameters"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                assert ref.startswith("#/$defs/") and ref[8:] in defs, ref
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def test_petstore_tools_have_names_descriptions_and_arguments() -> None:
    spec = build_spec(copy.deepcopy(PETSTORE))
    tools = {t.name: t for t in spec.tools}
    assert list(tools) == ["listPets", "createPet", "showPet", "deletePet"]
    for tool in spec.tools:
        assert_valid_tool(tool.definition())
    list_pets = tools["listPets"].parameters
    assert list_pets["properties"]["limit"] == {
        "type": "integer",
        "exclusiveMaximum": 100,
        "description": "How many items to return at one time (max 100)",
    }
    assert "required" not in list_pets
    show = tools["showPet"]
    assert show.parameters["required"] == ["petId"]
    assert show.description == "Info for a specific pet"


def test_object_body_is_flattened_and_read_only_fields_left_out() -> None:
    spec = build_spec(copy.deepcopy(PETSTORE))
    create = spec.tool("createPet")
    params = create.parameters
    assert set(params["properties"]) == {"name", "tag", "owner", "x-internal"}
    assert params["required"] == ["name"]  # id was readOnly
    assert params["properties"]["tag"] == {"type": ["string", "null"]}
    assert params["properties"]["name"] == {"type": "string", "examples": ["Rex"]}
    assert create.binding.body_properties == ("name", "tag", "owner", "x-internal")
    assert create.binding.body_argument is None


def test_circular_schemas_stay_as_defs() -> None:
    spec = build_spec(copy.deepcopy(PETSTORE))
    params = spec.tool("createPet").parameters
    assert params["properties"]["owner"] == {"$ref": "#/$defs/Person"}
    person = params["$defs"]["Person"]
    assert person["properties"]["pets"]["items"] == {"$ref": "#/$defs/Pet"}
    assert "x-vendor" not in params["$defs"]["Pet"]
    Draft202012Validator(params).validate({"name": "Rex", "owner": {"pets": [{"name": "Bo"}]}})


def test_body_that_is_not_a_plain_object_goes_under_body() -> None:
    spec = parse_spec(
        """
openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /items/{body}:
    put:
      operationId: putItems
      parameters: [{name: body, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: array, items: {type: integer}}
      responses: {'200': {description: ok}}
"""
    )
    tool = spec.tool("putItems")
    assert tool.binding.body_argument == "request_body"
    assert tool.parameters["required"] == ["body", "request_body"]
    assert tool.parameters["properties"]["request_body"] == {
        "type": "array",
        "items": {"type": "integer"},
    }


def test_same_parameter_name_in_two_places_gets_distinct_arguments() -> None:
    spec = parse_spec(
        """
openapi: 3.0.0
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: id, in: query, schema: {type: string}}
      responses: {'200': {description: ok}}
"""
    )
    tool = spec.tool("getThing")
    assert set(tool.parameters["properties"]) == {"id", "query_id"}
    assert tool.binding.parameters["query_id"].location == "query"


def test_names_are_sanitized_generated_and_unique() -> None:
    spec = parse_spec(
        """
openapi: 3.0.0
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /a:
    get: {operationId: 'get thing/with spaces!', responses: {'200': {description: ok}}}
    post: {operationId: 'get thing/with spaces!', responses: {'200': {description: ok}}}
  /users/{userId}/posts:
    get: {responses: {'200': {description: ok}}}
  /long:
    get:
      operationId: %s
      responses: {'200': {description: ok}}
"""
        % ("x" * 100)
    )
    names = [t.name for t in spec.tools]
    assert names == [
        "get_thing_with_spaces",
        "get_thing_with_spaces_2",
        "get_users_userId_posts",
        "x" * 64,
    ]
    codes = {d.code for d in spec.diagnostics}
    assert {"missing-operation-id", "duplicate-operation-id"} <= codes


def test_long_descriptions_are_trimmed_with_a_warning() -> None:
    long_text = "word " * 200
    spec = build_spec(
        {
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "servers": [{"url": "https://x.example.com"}],
            "paths": {
                "/a": {
                    "get": {
                        "operationId": "a",
                        "description": long_text,
                        "parameters": [{"name": "q", "in": "query", "description": long_text * 2}],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
        }
    )
    tool = spec.tool("a")
    assert len(tool.description) <= 300 and tool.description.endswith("…")
    assert len(tool.parameters["properties"]["q"]["description"]) <= 700
    assert any(d.code == "description-trimmed" for d in spec.diagnostics)


def test_openapi_30_specifics_become_2020_12() -> None:
    spec = parse_spec(
        """
openapi: 3.0.1
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                n: {type: number, minimum: 1, exclusiveMinimum: true, x-foo: 1}
                tuple: {type: array, items: [{type: string}, {type: integer}]}
                status: {type: string, enum: [a, b], nullable: true}
                weird: {type: int64, minLength: "3", pattern: '(?<name>x)'}
                any: {nullable: true}
                file: {type: file}
              discriminator: {propertyName: n}
              xml: {name: a}
      responses: {'200': {description: ok}}
"""
    )
    props = spec.tool("a").parameters["properties"]
    assert props["n"] == {"type": "number", "exclusiveMinimum": 1}
    assert props["tuple"] == {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "integer"}],
    }
    assert props["status"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert props["weird"] == {
        "type": "integer",
        "minLength": 3,
        "description": "Must match the regular expression (?<name>x).",
    }
    assert props["file"] == {"type": "string", "format": "binary"}
    Draft202012Validator.check_schema(spec.tool("a").parameters)


def test_huge_component_graphs_are_trimmed_not_exploded() -> None:
    schemas = {
        f"S{i}": {
            "type": "object",
            "properties": {
                f"p{j}": {"$ref": f"#/components/schemas/S{(i + j + 1) % 300}"} for j in range(5)
            },
        }
        for i in range(300)
    }
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://x.example.com"}],
        "paths": {
            f"/r{i}": {
                "post": {
                    "operationId": f"op{i}",
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/S{i}"}}
                        }
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
            for i in range(50)
        },
        "components": {"schemas": schemas},
    }
    from gptforge.openapi import LoadLimits

    spec = build_spec(doc, limits=LoadLimits(tool_schema_budget=200))
    for tool in spec.tools:
        assert_valid_tool(tool.definition())
        assert len(tool.parameters["$defs"]) < 300
        assert tool.trimmed_defs
    assert any(d.code == "schema-trimmed" for d in spec.diagnostics)


def test_a_body_requiring_a_field_its_properties_omit_is_not_flattened() -> None:
    spec = parse_spec(
        """
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /blobs:
    post:
      operationId: addBlob
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [key, value]
              properties: {value: {type: string}}
      responses: {'200': {description: ok}}
"""
    )
    tool = spec.tool("addBlob")
    assert tool.binding.body_argument == "body"
    assert tool.parameters["required"] == ["body"]
    assert tool.parameters["properties"]["body"]["required"] == ["key", "value"]
    assert_valid_tool(tool.definition())


def test_a_required_array_parameter_needs_at_least_one_item() -> None:
    spec = parse_spec(
        """
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /stats:
    get:
      operationId: stats
      parameters:
        - {name: tags, in: query, required: true, schema: {type: array, items: {type: string}}}
        - {name: extra, in: query, schema: {type: array, items: {type: string}}}
        - {name: two, in: query, required: true, schema: {type: array, minItems: 2, items: {type: string}}}
      responses: {'200': {description: ok}}
"""
    )
    props = spec.tool("stats").parameters["properties"]
    assert props["tags"]["minItems"] == 1
    assert "minItems" not in props["extra"]
    assert props["two"]["minItems"] == 2
