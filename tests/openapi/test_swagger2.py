"""Swagger 2.0 documents are converted to OpenAPI 3.0 and used like any other."""

from __future__ import annotations

from gptforge.openapi import parse_spec
from tests.openapi.test_tools import assert_valid_tool

SWAGGER = """
swagger: "2.0"
info: {title: Legacy, version: "1"}
host: legacy.example.com
basePath: /api
schemes: [http, https]
consumes: [application/json]
securityDefinitions:
  key: {type: apiKey, in: header, name: X-API-Key}
  oauth: {type: oauth2, flow: accessCode, authorizationUrl: "https://legacy.example.com/auth", tokenUrl: "https://legacy.example.com/token", scopes: {read: Read}}
  basic: {type: basic}
parameters:
  PageParam: {name: page, in: query, type: integer, minimum: 1}
  BodyParam: {name: payload, in: body, required: true, schema: {$ref: "#/definitions/Order"}}
definitions:
  Order:
    type: object
    required: [item]
    properties:
      item: {type: string}
      note: {type: string, x-nullable: true}
      parent: {$ref: "#/definitions/Order"}
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - $ref: "#/parameters/PageParam"
        - {name: ids, in: query, type: array, items: {type: integer}, collectionFormat: pipes}
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
      responses:
        "200": {description: ok, schema: {type: array, items: {$ref: "#/definitions/Order"}}}
    post:
      operationId: createOrder
      parameters: [{$ref: "#/parameters/BodyParam"}]
      responses: {"201": {description: created}}
  /orders/{id}/photo:
    post:
      operationId: uploadPhoto
      consumes: [multipart/form-data]
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: caption, in: formData, type: string}
        - {name: file, in: formData, type: file, required: true}
      responses: {"200": {description: ok}}
  /orders/{id}/note:
    post:
      operationId: addNote
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: text, in: formData, type: string, required: true}
      responses: {"200": {description: ok}}
"""


def test_swagger_2_converts_to_openapi_3() -> None:
    spec = parse_spec(SWAGGER)
    assert spec.ok
    assert spec.openapi_version == "2.0"
    assert spec.document["openapi"] == "3.0.3"
    assert spec.server is not None and spec.server.url == "https://legacy.example.com/api"
    schemes = spec.document["components"]["securitySchemes"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic", "description": ""}
    assert (
        schemes["oauth"]["flows"]["authorizationCode"]["tokenUrl"]
        == "https://legacy.example.com/token"
    )
    for tool in spec.tools:
        assert_valid_tool(tool.definition())


def test_collection_formats_become_styles() -> None:
    spec = parse_spec(SWAGGER)
    params = {p.name: p for p in spec.tool("listOrders").operation.parameters}
    assert (params["ids"].style, params["ids"].explode) == ("pipeDelimited", False)
    assert (params["tags"].style, params["tags"].explode) == ("form", True)
    assert params["page"].schema == {"type": "integer", "minimum": 1}


def test_body_and_form_parameters_become_request_bodies() -> None:
    spec = parse_spec(SWAGGER)
    create = spec.tool("createOrder")
    assert create.operation.request_body is not None
    assert create.operation.request_body.content_type == "application/json"
    assert create.parameters["required"] == ["item"]
    assert create.parameters["properties"]["note"] == {"type": ["string", "null"]}
    assert create.parameters["properties"]["parent"] == {"$ref": "#/$defs/Order"}

    upload = spec.tool("uploadPhoto").operation.request_body
    assert upload is not None and upload.kind == "multipart"
    assert upload.schema["properties"]["file"] == {"type": "string", "format": "binary"}

    note = spec.tool("addNote").operation.request_body
    assert note is not None and note.kind == "form"


def test_swagger_without_host_is_relative() -> None:
    spec = parse_spec(
        'swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {/a: {get: {operationId: a, responses: {}}}}\n'
    )
    assert not spec.ok
    assert any(d.code == "relative-server-url" for d in spec.diagnostics)
