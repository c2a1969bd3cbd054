"""`gptforge action call` against a real loopback API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
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


NASTY = (
    "start \x1b]52;c;ZXZpbA==\x07 clip \x1b[2J clear \x1b]8;;https://evil.example\x1b\\link"
    "\x1b]8;;\x1b\\ c1\x9b31m bell\x07 cr\rover bidi\u202etxt.exe del\x7f end"
)
CONTROL_CHARS = ["\x1b", "\x07", "\x9b", "\r", "\u202e", "\x7f"]


async def nasty(request: Request) -> Response:
    if "location" in request.query_params:
        return Response(status_code=302, headers={"location": request.query_params["location"]})
    return PlainTextResponse(NASTY)


@pytest.fixture(scope="module")
def nasty_api() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/nasty", nasty)])) as url:
        yield url


def nasty_spec(tmp_path: Path, url: str, title: str = "T [/x] \x1b[31mred") -> Path:
    spec = tmp_path / "nasty.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": title, "version": "1"},
                "servers": [{"url": url}],
                "paths": {
                    "/nasty": {
                        "get": {
                            "operationId": "nasty",
                            "parameters": [
                                {"name": "location", "in": "query", "schema": {"type": "string"}}
                            ],
                        }
                    }
                },
            }
        )
    )
    return spec


@pytest.mark.parametrize("as_json", [False, True])
def test_remote_text_cannot_drive_the_terminal(
    tmp_path: Path, nasty_api: str, as_json: bool
) -> None:
    host = nasty_api.removeprefix("http://")
    argv = ["action", "call", str(nasty_spec(tmp_path, nasty_api)), "nasty", "--allow-host", host]
    result = runner.invoke(app, argv + (["--json"] if as_json else []))
    assert result.exit_code == 0, result.output
    for char in CONTROL_CHARS:
        assert char not in result.stdout, repr(char)
    if as_json:
        assert json.loads(result.stdout)["result"] == NASTY  # the data itself is intact
    else:
        assert "T [/x]" in result.stdout and "\\x1b]52" in result.stdout


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:99999/x", "http://[::1/x", "http://exa mple.com/"]
)
def test_unparsable_redirects_are_a_clean_failure(
    tmp_path: Path, nasty_api: str, location: str
) -> None:
    host = nasty_api.removeprefix("http://")
    spec = str(nasty_spec(tmp_path, nasty_api))
    args = json.dumps({"location": location})
    result = runner.invoke(
        app, ["action", "call", spec, "nasty", "--args", args, "--allow-host", host]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_server_option_points_the_action_elsewhere(tmp_path: Path, api: str) -> None:
    spec = write(tmp_path, "https://api.example.com")
    host = api.removeprefix("http://")
    result = runner.invoke(
        app,
        ["action", "call", str(spec), "sayHello", "--args", '{"name": "Ada"}',
         "--server", api, "--allow-host", host, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["record"]["url"].startswith(api + "/hello")
    bad = runner.invoke(app, ["action", "call", str(spec), "sayHello", "--server", "ftp://x"])
    assert bad.exit_code == 2


def test_unexpected_failures_are_reported_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gptforge.cli.action as action_cli

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(action_cli, "load_spec", broken)
    result = runner.invoke(app, ["action", "call", "x.yaml", "op"])
    assert result.exit_code == 1 and "internal error (RuntimeError)" in result.stdout
