"""``auth.keys``: one API key per spec security scheme (an API whose requirement combines
several keys), stored encrypted like a single key, shown only as set / not set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import select

from gptforge.store import ActionRecord
from gptforge.web.platform import Platform
from tests.servers import serve
from tests.web.chat import allow_host
from tests.web.conftest import assert_error

TWO_KEY_SPEC = """
openapi: 3.1.0
info: {title: Two Key API, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
components:
  securitySchemes:
    AppId: {type: apiKey, in: header, name: X-App-Id}
    AppSecret: {type: apiKey, in: query, name: app_secret}
security: [{AppId: [], AppSecret: []}]
paths:
  /whoami:
    get:
      operationId: whoAmI
      responses: {'200': {description: ok}}
"""


def two_key_app() -> FastAPI:
    app = FastAPI()
    app.state.seen = []

    @app.get("/whoami")
    def whoami(app_secret: str = "", x_app_id: str = Header("")) -> dict[str, str]:
        app.state.seen.append((x_app_id, app_secret))
        if not (x_app_id and app_secret):
            raise HTTPException(status_code=401, detail="both keys are needed")
        return {"ok": "yes"}

    return app


@pytest.fixture
def api() -> Iterator[tuple[str, FastAPI]]:
    app = two_key_app()
    with serve(app) as url:
        yield url, app


async def _gpt(client: httpx.AsyncClient) -> str:
    return str((await client.post("/api/v1/gpts", json={"name": "Keys"})).json()["id"])


def _keys(**keys: dict[str, Any]) -> dict[str, Any]:
    return {"type": "api_key", "scheme": "spec", "keys": keys}


async def test_each_scheme_key_is_stored_encrypted_and_sent_where_its_scheme_says(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    api: tuple[str, FastAPI],
) -> None:
    url, app = api
    await allow_host(admin, url)
    gpt_id = await _gpt(alice)
    created = await alice.post(
        f"/api/v1/gpts/{gpt_id}/actions",
        json={
            "schema": TWO_KEY_SPEC,
            "server_url": url,
            "auth": _keys(AppId={"key": "app-id-1111"}, AppSecret={"key": "app-secret-2222"}),
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["auth"] == {
        "type": "api_key",
        "scheme": "spec",
        "keys": {"AppId": {"secret_set": True}, "AppSecret": {"secret_set": True}},
        "secret_set": True,
    }
    assert "app-id-1111" not in created.text and "app-secret-2222" not in created.text
    action = f"/api/v1/gpts/{gpt_id}/actions/{created.json()['id']}"

    async def test_call() -> httpx.Response:
        return await alice.post(f"{action}/test", json={"operation": "whoAmI", "arguments": {}})

    tested = await test_call()
    assert tested.json()["status"] == "ok", tested.text
    assert app.state.seen[-1] == ("app-id-1111", "app-secret-2222")
    assert "app-secret-2222" not in tested.text and "app-id-1111" not in tested.text

    # a scheme sent without a key keeps its stored key
    patched = await alice.patch(
        action, json={"auth": _keys(AppId={}, AppSecret={"key": "app-secret-3333"})}
    )
    assert patched.status_code == 200, patched.text
    assert (await test_call()).json()["status"] == "ok"
    assert app.state.seen[-1] == ("app-id-1111", "app-secret-3333")

    # a new scheme without a key: not set, and the action says so when used
    patched = await alice.patch(action, json={"auth": _keys(AppId={}, Other={})})
    auth = patched.json()["auth"]
    assert auth["keys"] == {"AppId": {"secret_set": True}, "Other": {"secret_set": False}}
    assert auth["secret_set"] is False
    assert_error(await test_call(), 422, "secret_not_set")

    async with platform.db.session() as session:  # the row holds the keys encrypted only
        record = await session.scalar(
            select(ActionRecord).where(ActionRecord.action_id == created.json()["id"])
        )
    assert record is not None and record.auth_secret is not None
    for secret in ("app-id-1111", "app-secret-2222", "app-secret-3333"):
        assert secret not in record.auth_secret and secret not in str(record.auth)


async def test_export_names_a_variable_per_key_and_import_asks_for_each(
    alice: httpx.AsyncClient,
) -> None:
    gpt_id = await _gpt(alice)
    created = await alice.post(
        f"/api/v1/gpts/{gpt_id}/actions",
        json={
            "schema": TWO_KEY_SPEC,
            "server_url": "http://127.0.0.1:9",
            "auth": _keys(AppId={"key": "app-id-1111"}, AppSecret={"key": "app-secret-2222"}),
        },
    )
    assert created.status_code == 201, created.text
    exported = await alice.get(f"/api/v1/gpts/{gpt_id}/export")
    assert exported.status_code == 200, exported.text
    assert "app-id-1111" not in exported.text and "app-secret-2222" not in exported.text
    auth = yaml.safe_load(exported.text)["actions"][0]["auth"]
    assert auth == {
        "type": "api_key",
        "scheme": "spec",
        "keys": {
            "AppId": {"key_env": "TWO_KEY_API_APPID_KEY"},
            "AppSecret": {"key_env": "TWO_KEY_API_APPSECRET_KEY"},
        },
    }
    archive = await alice.get(f"/api/v1/gpts/{gpt_id}/export", params={"format": "zip"})
    imported = await alice.post(
        "/api/v1/gpts/import",
        content=archive.content,
        headers={"Content-Type": "application/zip"},
    )
    assert imported.status_code == 201, imported.text
    needed = imported.json()["secrets_required"]
    assert [n["field"] for n in needed] == ["keys.AppId.key", "keys.AppSecret.key"]
    assert "TWO_KEY_API_APPID_KEY" in needed[0]["message"]
    copy = imported.json()["gpt"]["id"]
    actions = (await alice.get(f"/api/v1/gpts/{copy}")).json()["actions"]
    assert actions[0]["auth"]["keys"] == {
        "AppId": {"secret_set": False},
        "AppSecret": {"secret_set": False},
    }
