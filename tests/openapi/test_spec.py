"""Loading whole specs: versions, servers, references and diagnostics."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gptforge.errors import SpecError, SpecLimitError
from gptforge.openapi import LoadLimits, build_spec, load_spec_file, parse_spec
from tests.openapi.specs import PETSTORE
from tests.openapi.test_tools import assert_valid_tool


def codes(spec: Any) -> set[str]:
    return {d.code for d in spec.diagnostics}


def test_petstore_is_ok_with_its_operations() -> None:
    spec = build_spec(copy.deepcopy(PETSTORE))
    assert spec.ok
    assert spec.openapi_version == "3.0.3"
    assert spec.server is not None and spec.server.url == "https://pets.example.com/v1"
    delete = spec.tool("deletePet").operation
    assert delete.method == "DELETE" and delete.is_consequential is True
    assert delete.needs_no_credentials
    assert [p.name for p in delete.parameters] == ["petId"]  # path-level parameter merged


@pytest.mark.parametrize(
    ("servers", "code"),
    [
        (None, "no-servers"),
        ([{"url": "/v1"}], "relative-server-url"),
        ([{"url": "ftp://files.example.com"}], "unsupported-server-url"),
        ([{"url": "https://{region}.example.com"}], "unsupported-server-url"),
    ],
)
def test_unusable_servers_make_the_spec_not_ok(servers: Any, code: str) -> None:
    doc = copy.deepcopy(PETSTORE)
    if servers is None:
        del doc["servers"]
    else:
        doc["servers"] = servers
    spec = build_spec(doc)
    assert not spec.ok
    assert code in codes(spec)
    assert spec.tools  # operations are still described


def test_relative_server_resolves_against_the_url_the_spec_came_from() -> None:
    doc = copy.deepcopy(PETSTORE)
    doc["servers"] = [{"url": "/api/v2"}]
    spec = build_spec(doc, base_url="https://pets.example.com/openapi.json")
    assert spec.ok and spec.server is not None
    assert spec.server.url == "https://pets.example.com/api/v2"


def test_server_variables_take_their_defaults() -> None:
    doc = copy.deepcopy(PETSTORE)
    doc["servers"] = [
        {
            "url": "https://{env}.example.com/{v}",
            "variables": {"env": {"default": "api"}, "v": {"enum": ["v3"], "default": "v3"}},
        },
        {"url": "https://sandbox.other.com"},
    ]
    spec = build_spec(doc)
    assert spec.server is not None and spec.server.url == "https://api.example.com/v3"
    assert "multiple-servers" in codes(spec)


def test_plain_http_to_public_host_is_a_warning_but_loopback_is_fine() -> None:
    doc = copy.deepcopy(PETSTORE)
    doc["servers"] = [{"url": "http://api.example.com"}]
    assert "insecure-http" in codes(build_spec(doc))
    doc["servers"] = [{"url": "http://127.0.0.1:8765"}]
    found = codes(build_spec(doc))
    assert "insecure-http" not in found and "internal-server" in found
    doc["servers"] = [{"url": "https://169.254.169.254/latest"}]
    assert "internal-server" in codes(build_spec(doc))


def test_external_refs_are_refused_with_a_diagnostic(tmp_path: Any) -> None:
    (tmp_path / "secret.yaml").write_text("type: string\n")
    doc = copy.deepcopy(PETSTORE)
    doc["components"]["schemas"]["Person"]["properties"]["name"] = {"$ref": "secret.yaml"}
    doc["components"]["schemas"]["Person"]["properties"]["etc"] = {"$ref": "file:///etc/passwd"}
    doc["components"]["schemas"]["Person"]["properties"]["web"] = {
        "$ref": "http://169.254.169.254/latest/meta-data"
    }
    spec = build_spec(doc)
    external = [d for d in spec.diagnostics if d.code == "external-ref"]
    assert len(external) == 3
    assert "only resolves references inside the same document" in external[0].message
    for tool in spec.tools:
        assert_valid_tool(tool.definition())


def test_external_parameter_ref_skips_only_that_operation() -> None:
    doc = copy.deepcopy(PETSTORE)
    doc["paths"]["/pets"]["get"]["parameters"][0] = {"$ref": "other.yaml#/Limit"}
    spec = build_spec(doc)
    assert "listPets" not in [t.name for t in spec.tools]
    assert len(spec.tools) == 3
    assert "external-ref" in codes(spec)


def test_dangling_and_looping_refs_do_not_crash() -> None:
    doc = copy.deepcopy(PETSTORE)
    schemas = doc["components"]["schemas"]
    schemas["Loop1"] = {"$ref": "#/components/schemas/Loop2"}
    schemas["Loop2"] = {"$ref": "#/components/schemas/Loop1"}
    schemas["Pet"]["properties"]["a"] = {"$ref": "#/components/schemas/Loop1"}
    schemas["Pet"]["properties"]["b"] = {"$ref": "#/components/schemas/Missing"}
    schemas["Pet"]["properties"]["c"] = {"$ref": "#/components/schemas/Pet/properties/name"}
    doc["paths"]["/pets"]["get"]["parameters"].append({"$ref": "#/components/parameters/Nope"})
    spec = build_spec(doc)
    assert {"ref-loop", "unresolved-ref"} <= codes(spec)
    create = spec.tool("createPet")
    assert_valid_tool(create.definition())
    assert create.parameters["properties"]["c"] == {"$ref": "#/$defs/Pet_properties_name"}
    assert "listPets" not in [t.name for t in spec.tools]


def test_malformed_required_body_type_skips_the_operation() -> None:
    spec = parse_spec(
        """
openapi: 3.0.0
servers: [{url: https://x.example.com}]
paths:
  /a:
    post:
      operationId: a
      requestBody: {required: true, content: {'not a media type': {}}}
  /b:
    post:
      operationId: b
      requestBody: {content: {'garbage': {}}}
"""
    )
    assert [t.name for t in spec.tools] == ["b"]
    found = [(d.code, d.severity) for d in spec.diagnostics]
    assert ("unsupported-content-type", "error") in found
    assert ("unsupported-content-type", "warning") in found


def test_other_body_types_are_sent_raw_and_auth_schemes_are_reported() -> None:
    spec = parse_spec(
        """
openapi: 3.0.0
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /upload:
    post:
      operationId: upload
      requestBody:
        required: true
        content: {application/octet-stream: {schema: {type: string, format: binary}}}
      responses: {'200': {description: ok}}
  /xml:
    post:
      operationId: maybeXml
      requestBody:
        content: {application/xml: {schema: {type: object}}}
      responses: {'200': {description: ok}}
  /h:
    get:
      operationId: withHeader
      parameters:
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: Authorization, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
components:
  securitySchemes:
    digest: {type: http, scheme: digest}
    implicit: {type: oauth2, flows: {implicit: {authorizationUrl: 'https://a', scopes: {}}}}
    key: {type: apiKey, in: header, name: X-Key}
"""
    )
    assert [t.name for t in spec.tools] == ["upload", "maybeXml", "withHeader"]
    body = spec.tool("maybeXml").operation.request_body
    assert body is not None and body.kind == "raw" and body.content_type == "application/xml"
    assert spec.tool("upload").parameters["properties"]["body"]["type"] == "string"
    assert list(spec.tool("withHeader").parameters["properties"]) == ["X-Trace"]
    found = [(d.code, d.severity) for d in spec.diagnostics]
    assert ("raw-body", "warning") in found
    assert ("custom-header", "warning") in found
    assert sum(1 for c, _ in found if c == "unsupported-auth-scheme") == 2
    assert spec.ok


def test_versions() -> None:
    with pytest.raises(SpecError, match="not an OpenAPI document"):
        parse_spec("info: {title: x}\n")
    with pytest.raises(SpecError, match="not supported"):
        parse_spec("openapi: 2.5.0\npaths: {}\n")
    with pytest.raises(SpecError, match="Swagger version"):
        parse_spec("swagger: '1.2'\n")
    spec = parse_spec(
        "openapi: 3.1.0\ninfo: {title: t}\nservers: [{url: 'https://a.example'}]\npaths: {}\n"
    )
    assert not spec.ok and "no-operations" in codes(spec)


def test_operation_count_cap() -> None:
    doc = {
        "openapi": "3.0.0",
        "servers": [{"url": "https://x.example.com"}],
        "paths": {f"/p{i}": {"get": {"responses": {}}} for i in range(20)},
    }
    with pytest.raises(SpecLimitError, match="more than 10 operations"):
        build_spec(doc, limits=LoadLimits(max_operations=10))


def test_deeply_nested_schema_is_cut_with_a_warning() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(200):
        schema = {"type": "object", "properties": {"x": schema}}
    doc = {
        "openapi": "3.1.0",
        "servers": [{"url": "https://x.example.com"}],
        "paths": {
            "/a": {
                "post": {
                    "operationId": "a",
                    "requestBody": {"content": {"application/json": {"schema": schema}}},
                }
            }
        },
    }
    spec = build_spec(doc)
    assert "schema-too-deep" in codes(spec)
    assert_valid_tool(spec.tool("a").definition())


def test_load_spec_file_reports_missing_files(tmp_path: Any) -> None:
    with pytest.raises(SpecError, match="No such file"):
        load_spec_file(tmp_path / "nope.yaml")
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.0.0\nservers: [{url: 'https://a.example'}]\npaths: {/a: {get: {operationId: a}}}\n"
    )
    assert load_spec_file(path).ok


def test_empty_body_media_type_is_sent_as_json() -> None:
    spec = parse_spec(
        '{"openapi": "3.0.0", "servers": [{"url": "https://x.example"}], "paths": {"/a": {"delete": {"operationId": "a", '
        '"requestBody": {"required": true, "content": {"": {"schema": {"type": "object", "properties": {"id": {"type": "number"}}}}}}}}}}'
    )
    tool = spec.tool("a")
    assert tool.parameters["properties"] == {"id": {"type": "number"}}
    assert "missing-media-type" in codes(spec)


def test_a_raw_string_body_keeps_its_declared_format() -> None:
    spec = parse_spec(
        """
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: https://x.example.com}]
paths:
  /files/{name}:
    put:
      operationId: putFile
      parameters: [{name: name, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/octet-stream: {schema: {type: string, format: byte}}}
      responses: {'200': {description: ok}}
"""
    )
    body = spec.tool("putFile").parameters["properties"]["body"]
    assert body["type"] == "string" and body["format"] == "byte"
