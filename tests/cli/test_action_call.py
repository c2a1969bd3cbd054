"""`gptforge action call` against a real loopback API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from gptforge.cli import app
from tests.servers import serve

runner = CliRunner()


async def hello(request: Request) -> JSONResponse:
    return JSONResponse(
        {"hello": request.query_params.get("name"), "auth": request.headers.get("x-api-key")}
    )


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/hello", hello)])) as url:
        yield url


def write(tmp_path: Path, url: str) -> Path:
    spec = tmp_path / "hello.yaml"
    spec.write_text(
        f"""
openapi: 3.1.0
info: {{title: Hello, version: '1'}}
servers: [{{url: '{url}'}}]
paths:
  /hello:
    get:
      operationId: sayHello
      parameters: [{{name: name, in: query, required: true, schema: {{type: string}}}}]
"""
    )
    return spec


def test_call_prints_a_redacted_record(
    tmp_path: Path, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write(tmp_path, api)
    auth = tmp_path / "auth.yaml"
    auth.write_text("type: api_key\nscheme: custom\nheader: X-Api-Key\nkey_env: HELLO_KEY\n")
    monkeypatch.setenv("HELLO_KEY", "very-secret-key")
    host = api.removeprefix("http://")
    result = runner.invoke(
        app,
        [
            "action",
            "call",
            str(spec),
            "sayHello",
            "--args",
            '{"name": "Ada"}',
            "--auth-file",
            str(auth),
            "--allow-host",
            host,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "ok"
    assert json.loads(out["result"]) == {"hello": "Ada", "auth": "***"}
    assert out["record"]["request_headers"]["x-api-key"] == "***"
    assert "very-secret-key" not in result.stdout


def test_loopback_needs_allow_host(tmp_path: Path, api: str) -> None:
    spec = write(tmp_path, api)
    result = runner.invoke(
        app, ["action", "call", str(spec), "sayHello", "--args", '{"name": "Ada"}', "--json"]
    )
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["status"] == "blocked" and "--allow-host" in out["message"]


def test_bad_arguments_are_reported(tmp_path: Path, api: str) -> None:
    spec = write(tmp_path, api)
    result = runner.invoke(app, ["action", "call", str(spec), "sayHello", "--args", "{}", "--json"])
    assert result.exit_code == 1
    assert "'name' is a required property" in json.loads(result.stdout)["result"]
    result = runner.invoke(app, ["action", "call", str(spec), "sayHello", "--args", "{nope"])
    assert result.exit_code == 2
