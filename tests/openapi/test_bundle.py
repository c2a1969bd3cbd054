"""--allow-local-refs: references to files beside the spec, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from gptforge.errors import SpecError
from gptforge.openapi import load_spec_file
from tests.openapi.test_tools import assert_valid_tool

SPEC = """
openapi: 3.0.3
info: {title: Split, version: '1'}
servers: [{url: 'https://split.example.com'}]
paths:
  /pets:
    post:
      operationId: createPet
      parameters: [{$ref: 'common/params.yaml#/Limit'}]
      requestBody:
        content:
          application/json:
            schema: {$ref: 'common/schemas.yaml#/Pet'}
"""
PARAMS = "Limit: {name: limit, in: query, schema: {type: integer, maximum: 50}}\n"
SCHEMAS = """
Pet:
  type: object
  required: [name]
  properties:
    name: {type: string}
    owner: {$ref: '#/Person'}
Person:
  type: object
  properties:
    pets: {type: array, items: {$ref: '#/Pet'}}
    tag: {$ref: 'tags.yaml'}
"""


def write(tmp_path: Path) -> Path:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "params.yaml").write_text(PARAMS)
    (tmp_path / "common" / "schemas.yaml").write_text(SCHEMAS)
    (tmp_path / "common" / "tags.yaml").write_text("type: string\nenum: [a, b]\n")
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC)
    return spec


def test_local_refs_are_refused_by_default_and_bundled_on_request(tmp_path: Path) -> None:
    spec_file = write(tmp_path)
    refused = load_spec_file(spec_file)
    assert "createPet" not in [t.name for t in refused.tools]
    assert any(d.code == "external-ref" for d in refused.diagnostics)

    spec = load_spec_file(spec_file, allow_local_refs=True)
    tool = spec.tool("createPet")
    assert_valid_tool(tool.definition())
    props = tool.parameters["properties"]
    assert props["limit"]["maximum"] == 50
    assert props["name"] == {"type": "string"}
    person = tool.parameters["$defs"][props["owner"]["$ref"].removeprefix("#/$defs/")]
    assert person["properties"]["tag"]["$ref"].startswith("#/$defs/")


@pytest.mark.parametrize(
    "ref", ["../outside.yaml#/X", "/etc/passwd", "file:///etc/passwd", "http://169.254.169.254/x"]
)
def test_bundling_never_leaves_the_spec_folder(tmp_path: Path, ref: str) -> None:
    folder = tmp_path / "spec"
    folder.mkdir()
    (tmp_path / "outside.yaml").write_text("X: {type: string}\n")
    spec_file = folder / "api.yaml"
    spec_file.write_text(
        SPEC.replace("common/schemas.yaml#/Pet", ref).replace(
            "{$ref: 'common/params.yaml#/Limit'}", "{name: q, in: query}"
        )
    )
    with pytest.raises(SpecError):
        load_spec_file(spec_file, allow_local_refs=True)
