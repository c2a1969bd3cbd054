"""gpt.yaml export and import: the CLI's format, never secrets, secrets to enter reported."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import httpx
import pytest
import yaml

from gptforge.demo.weather_api import create_app as weather_app
from gptforge.runtime.gpt import GptDefinition
from tests.servers import serve
from tests.web.apis import ECHO_SPEC
from tests.web.conftest import assert_error

KEY = "export-canary-key-42"


@pytest.fixture
def weather_url() -> Iterator[str]:
    with serve(weather_app()) as url:
        yield url


async def gpt_with_secret_action(client: httpx.AsyncClient) -> str:
    gpt = await client.post(
        "/api/v1/gpts",
        json={
            "name": "Echo",
            "description": "Echoes",
            "instructions": "Be nice",
            "conversation_starters": ["Hi"],
        },
    )
    gpt_id = str(gpt.json()["id"])
    action = await client.post(
        f"/api/v1/gpts/{gpt_id}/actions",
        json={
            "schema": ECHO_SPEC,
            "auth": {"type": "api_key", "scheme": "bearer", "key": KEY},
            "privacy_policy_url": "https://example.org/p",
            "enabled_operations": ["whoAmI"],
            "server_url": "https://echo.example.com/v1",
        },
    )
    assert action.status_code == 201
    return gpt_id


class TestExport:
    async def test_yaml_is_the_cli_format_without_secrets(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await gpt_with_secret_action(alice)
        response = await alice.get(f"/api/v1/gpts/{gpt_id}/export")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/yaml")
        assert KEY not in response.text
        definition = GptDefinition.model_validate(yaml.safe_load(response.text))
        assert definition.name == "Echo" and definition.conversation_starters == ["Hi"]
        action = definition.actions[0]
        assert action.auth.model_dump(exclude_none=True) == {
            "type": "api_key",
            "scheme": "bearer",
            "key_env": "ECHO_API_API_KEY",
        }
        assert action.operations == ["whoAmI"] and action.openapi.endswith(".openapi.yaml")
        assert action.server == "https://echo.example.com/v1"

    async def test_zip_holds_the_schema_files(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await gpt_with_secret_action(alice)
        response = await alice.get(f"/api/v1/gpts/{gpt_id}/export", params={"format": "zip"})
        assert response.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        gpt = yaml.safe_load(archive.read("gpt.yaml"))
        assert archive.read(gpt["actions"][0]["openapi"]).decode() == ECHO_SPEC
        assert all(KEY.encode() not in archive.read(name) for name in archive.namelist())


class TestImport:
    async def test_zip_round_trip_reports_the_secret_to_enter(
        self, alice: httpx.AsyncClient
    ) -> None:
        gpt_id = await gpt_with_secret_action(alice)
        exported = await alice.get(f"/api/v1/gpts/{gpt_id}/export", params={"format": "zip"})
        response = await alice.post(
            "/api/v1/gpts/import",
            content=exported.content,
            headers={"Content-Type": "application/zip"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["gpt"]["name"] == "Echo" and body["gpt"]["id"] != gpt_id
        assert body["gpt"]["visibility"] == "private"
        [needed] = body["secrets_required"]
        assert needed["field"] == "key" and "ECHO_API_API_KEY" in needed["message"]
        assert body["gpt"]["actions"][0]["host"] == "echo.example.com"
        assert body["gpt"]["actions"][0]["auth"] == {
            "type": "api_key",
            "scheme": "bearer",
            "secret_set": False,
        }

    async def test_yaml_with_schema_url_fetches_through_the_egress_guard(
        self, admin: httpx.AsyncClient, alice: httpx.AsyncClient, weather_url: str
    ) -> None:
        document = {"name": "Weather", "actions": [{"openapi": f"{weather_url}/openapi.yaml"}]}
        text = yaml.safe_dump(document)
        refused = await alice.post(
            "/api/v1/gpts/import", content=text, headers={"Content-Type": "application/yaml"}
        )
        assert_error(refused, 422, "url_refused")
        host = httpx.URL(weather_url)
        await admin.patch(
            "/api/v1/admin/settings", json={"allow_hosts": [f"127.0.0.1:{host.port}"]}
        )
        ok = await alice.post(
            "/api/v1/gpts/import", content=text, headers={"Content-Type": "application/yaml"}
        )
        assert ok.status_code == 201, ok.text
        assert ok.json()["secrets_required"] == []
        assert len((await alice.get("/api/v1/gpts")).json()) == 1

    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("name: [", "invalid_gpt_yaml"),
            ("- a list", "invalid_gpt_yaml"),
            ("description: no name", "invalid_gpt_yaml"),
            (
                "name: X\nactions: [{openapi: x.yaml, auth: {type: api_key, key: inline}}]",
                "invalid_gpt_yaml",
            ),
            ("name: X\nactions: [{openapi: schema.yaml}]", "schema_file_missing"),
        ],
    )
    async def test_bad_files_are_422(self, alice: httpx.AsyncClient, text: str, code: str) -> None:
        response = await alice.post(
            "/api/v1/gpts/import", content=text, headers={"Content-Type": "application/yaml"}
        )
        assert_error(response, 422, code)
        assert (await alice.get("/api/v1/gpts")).json() == []

    async def test_bad_zip_is_422(self, alice: httpx.AsyncClient) -> None:
        response = await alice.post(
            "/api/v1/gpts/import",
            content=b"PK not a zip",
            headers={"Content-Type": "application/zip"},
        )
        assert_error(response, 422, "invalid_zip")
