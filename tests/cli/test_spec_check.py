"""`gptforge spec check`: human and JSON output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gptforge.cli import app
from tests.openapi.specs import PETSTORE

runner = CliRunner()


def write_specs(tmp_path: Path) -> tuple[Path, Path]:
    good = tmp_path / "pets.yaml"
    good.write_text(yaml.safe_dump(PETSTORE))
    bad = tmp_path / "noserver.json"
    bad.write_text(json.dumps({"openapi": "3.0.0", "paths": {"/a": {"get": {"operationId": "a"}}}}))
    return good, bad


def test_json_lines_one_per_source(tmp_path: Path) -> None:
    good, bad = write_specs(tmp_path)
    result = runner.invoke(app, ["spec", "check", str(good), str(bad), "missing.yaml", "--json"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(good), str(bad), "missing.yaml"]
    first = lines[0]
    assert set(first) == {"source", "ok", "openapi_version", "operations", "tools", "diagnostics"}
    assert first["ok"] is True and first["operations"] == 4 and first["openapi_version"] == "3.0.3"
    assert first["tools"][0]["function"]["name"] == "listPets"
    assert lines[1]["ok"] is False
    assert any(d["code"] == "no-servers" for d in lines[1]["diagnostics"])
    assert set(lines[1]["diagnostics"][0]) == {"code", "severity", "pointer", "message"}
    assert lines[2]["diagnostics"][0]["code"] == "load-failed"


def test_exit_zero_when_every_source_is_usable(tmp_path: Path) -> None:
    good, _ = write_specs(tmp_path)
    result = runner.invoke(app, ["spec", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert "listPets" in result.stdout and "Petstore" in result.stdout


def test_usage_errors_exit_two() -> None:
    result = runner.invoke(app, ["spec", "check"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["spec", "check", "x.yaml", "--bogus"])
    assert result.exit_code == 2


def test_url_import_goes_through_the_egress_guard() -> None:
    result = runner.invoke(app, ["spec", "check", "http://127.0.0.1:9/openapi.json", "--json"])
    assert result.exit_code == 1
    message = json.loads(result.stdout)["diagnostics"][0]["message"]
    assert "loopback" in message and "--allow-host" in message


def test_installed_console_script_reads_stdin(tmp_path: Path) -> None:
    good, _ = write_specs(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "gptforge", "spec", "check", "-", "--json"],
        input=good.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["operations"] == 4


def test_allow_local_refs_flag(tmp_path: Path) -> None:
    (tmp_path / "pet.yaml").write_text("type: object\nproperties: {name: {type: string}}\n")
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.0\nservers: [{url: 'https://a.example'}]\n"
        "paths: {/p: {post: {operationId: p, requestBody: {content: {application/json: {schema: {$ref: pet.yaml}}}}}}}\n"
    )
    assert (
        runner.invoke(app, ["spec", "check", str(spec)]).exit_code == 0
    )  # usable, with an external-ref error
    refused = json.loads(runner.invoke(app, ["spec", "check", str(spec), "--json"]).stdout)
    assert any(d["code"] == "external-ref" for d in refused["diagnostics"])
    bundled = json.loads(
        runner.invoke(app, ["spec", "check", str(spec), "--json", "--allow-local-refs"]).stdout
    )
    assert not any(d["code"] == "external-ref" for d in bundled["diagnostics"])
    assert bundled["tools"][0]["function"]["parameters"]["properties"] == {
        "name": {"type": "string"}
    }


def hostile_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "hostile.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {
                    "title": "T [/x] [bold]\x1b]52;c;ZXZpbA==\x07\x9b2J\u202e",
                    "version": "1",
                },
                "servers": [{"url": "https://api.example.com"}],
                "paths": {
                    "/a/[/b]/{id}\x1b[2J": {
                        "get": {
                            "operationId": "get[/x]",
                            "parameters": [
                                {"name": "id", "in": "path", "required": True},
                                {"name": "[/y]\x1b[1m", "in": "query"},
                                {"name": "Host", "in": "header"},
                            ],
                        }
                    }
                },
            }
        )
    )
    return spec


@pytest.mark.parametrize("as_json", [False, True])
def test_spec_text_is_shown_never_interpreted(tmp_path: Path, as_json: bool) -> None:
    result = runner.invoke(
        app, ["spec", "check", str(hostile_spec(tmp_path))] + (["--json"] if as_json else [])
    )
    assert result.exit_code == 0, result.output
    for char in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert char not in result.stdout, repr(char)
    if as_json:
        record = json.loads(result.stdout)
        assert record["tools"] and any(d["code"] == "ignored-header" for d in record["diagnostics"])
    else:
        assert "[/x] [bold]" in result.stdout and "ignored-header" in result.stdout


def test_unexpected_failures_are_a_load_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gptforge.cli.spec as spec_cli

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("deep")

    good, _ = write_specs(tmp_path)
    monkeypatch.setattr(spec_cli, "load_spec", broken)
    monkeypatch.setattr(spec_cli, "load_spec_file", broken)
    result = runner.invoke(app, ["spec", "check", str(good), "--json"])
    assert result.exit_code == 1
    assert "internal error RecursionError" in json.loads(result.stdout)["diagnostics"][0]["message"]
