"""Secrets stay secret: a canary set as an action key and an OAuth client secret, and
another set as the provider key, appear in no API response, no log line and no byte of
the database, after every endpoint was used, including a chat turn whose model calls the
actions (the turn goes through a fake OpenAI-compatible model server on loopback, whose
requests never carry the action key, and carry the provider key only in their
``Authorization`` header)."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from gptforge.web.platform import Platform
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve
from tests.store.databases import postgres_cluster
from tests.web.apis import ECHO_SPEC, echo_app
from tests.web.chat import parse_sse


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture
def provider_canary() -> str:
    return f"provider-{uuid.uuid4().hex}"


@pytest.fixture
def echo_url(canary: str) -> Iterator[str]:
    with serve(echo_app(canary)) as url:
        yield url


@pytest.fixture
def model() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A model that calls the bearer action and the query-key action, then relays."""
    app = fake_openai_app([("whoAmI", {"greeting": "hi"}), ("whoAmI_2", {"greeting": "yo"})])
    with serve(app) as url:
        yield f"{url}/v1", app.state.seen


class Recorder:
    """Every response body and header the client saw."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        self.seen.append(response.content)
        self.seen.append(str(response.headers).encode())


async def _exercise_everything(
    client: httpx.AsyncClient,
    canary: str,
    echo_url: str,
    other: httpx.AsyncClient,
    *,
    model_url: str,
    provider_key: str,
) -> None:
    async def ok(response: httpx.Response, *codes: int) -> httpx.Response:
        assert response.status_code in (codes or (200, 201, 204)), response.text
        return response

    host = httpx.URL(echo_url)
    await ok(
        await client.patch(
            "/api/v1/admin/settings",
            json={
                "allow_hosts": [f"127.0.0.1:{host.port}"],
                "provider_api_key": provider_key,
                "provider_base_url": model_url,
                "provider_model": "m",
            },
        )
    )
    await ok(await client.get("/api/v1/admin/settings"))
    await ok(await client.get("/api/v1/admin/users"))
    await ok(await client.get("/api/v1/me"))
    token = (await ok(await client.post("/api/v1/tokens", json={"name": "t"}))).json()
    await ok(await client.get("/api/v1/tokens"))
    gpt = (
        await ok(
            await client.post(
                "/api/v1/gpts", json={"name": "Canary", "description": "d", "category": "other"}
            )
        )
    ).json()
    gpt_id = gpt["id"]
    base = f"/api/v1/gpts/{gpt_id}"
    bearer = (
        await ok(
            await client.post(
                f"{base}/actions",
                json={
                    "schema": ECHO_SPEC,
                    "server_url": echo_url,
                    "auth": {"type": "api_key", "scheme": "bearer", "key": canary},
                },
            )
        )
    ).json()
    query = (
        await ok(
            await client.post(
                f"{base}/actions",
                json={
                    "schema": ECHO_SPEC,
                    "server_url": echo_url,
                    "auth": {
                        "type": "api_key",
                        "scheme": "query",
                        "param": "api_key",
                        "key": canary,
                    },
                },
            )
        )
    ).json()
    oauth = (
        await ok(
            await client.post(
                f"{base}/actions",
                json={
                    "schema": ECHO_SPEC,
                    "server_url": "https://api.example.com",
                    "auth": {
                        "type": "oauth",
                        "client_id": "cid",
                        "client_secret": canary,
                        "authorization_url": "https://a.example.com/a",
                        "token_url": "https://a.example.com/t",
                    },
                    "privacy_policy_url": "https://example.org/p",
                },
            )
        )
    ).json()
    for action in (bearer, query, oauth):
        await ok(await client.get(f"{base}/actions/{action['id']}"))
        await ok(
            await client.patch(
                f"{base}/actions/{action['id']}",
                json={"privacy_policy_url": "https://example.org/p"},
            )
        )
        await ok(
            await client.post(
                f"{base}/actions/{action['id']}/test",
                json={"operation": "whoAmI", "arguments": {"greeting": "hi"}},
            )
        )
    await ok(
        await client.patch(
            f"{base}/actions/{bearer['id']}", json={"auth": {"type": "api_key", "scheme": "bearer"}}
        )
    )
    tested = await ok(
        await client.post(
            f"{base}/actions/{bearer['id']}/test",
            json={"operation": "whoAmI", "arguments": {"greeting": "hi"}},
        )
    )
    assert tested.json()["status"] == "ok"  # the key was used for real
    await _chat(client, gpt_id)
    await ok(await client.patch(base, json={"description": "changed"}))
    await ok(await client.get(base))
    await ok(await client.get("/api/v1/gpts"))
    await ok(await client.post(f"{base}/publish", json={"visibility": "public"}))
    await ok(await client.get(f"{base}/versions"))
    await ok(await client.post(f"{base}/versions/1/restore"))
    await ok(await client.post(f"{base}/duplicate"))
    await ok(await client.get(f"{base}/export"))
    exported = await ok(await client.get(f"{base}/export", params={"format": "zip"}))
    await ok(
        await client.post(
            "/api/v1/gpts/import",
            content=exported.content,
            headers={"Content-Type": "application/zip"},
        )
    )
    await ok(await client.get("/api/v1/store", params={"q": "canary"}))
    await ok(await client.get("/api/v1/store/categories"))
    await ok(await other.get(base))
    await ok(await client.get("/healthz"))
    await ok(await client.get("/openapi.json"))
    await ok(await client.delete(f"/api/v1/tokens/{token['id']}"))
    await ok(
        await client.post(
            f"{base}/actions/{oauth['id']}/test", json={"operation": "nope", "arguments": {}}
        )
    )
    await ok(await client.post("/api/v1/auth/logout"))


async def _chat(client: httpx.AsyncClient, gpt_id: str) -> None:
    """A Preview turn in which the model calls both API-key actions."""
    created = await client.post(f"/api/v1/gpts/{gpt_id}/conversations", json={"draft": True})
    assert created.status_code == 201, created.text
    conversation_id = created.json()["id"]
    sent = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": "Who am I?"}
    )
    events = parse_sse(sent.text)
    finished = {e.data["call_id"]: e.data for e in events if e.kind == "tool_call_finished"}
    assert finished["call_0"]["status"] == "ok", finished  # the bearer key was sent
    assert finished["call_1"]["http_status"] == 401  # the echo API wants it as bearer
    assert events[-1].data["reason"] == "completed"
    conversation = await client.get(f"/api/v1/conversations/{conversation_id}")
    assert len(conversation.json()["calls"]) == 2
    replay = await client.get(f"/api/v1/conversations/{conversation_id}/events")
    assert parse_sse(replay.text)[-1].kind == "done"


def _database_bytes(
    platform: Platform, backend: str, database_oid: int | None
) -> list[tuple[str, bytes]]:
    """Raw bytes of the database files: SQLite's file, WAL and shared memory, or this
    PostgreSQL database's folder and the cluster's write-ahead log."""
    if backend == "sqlite":
        path = Path(platform.db.url.split("///", 1)[1])
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return [(str(f), f.read_bytes()) for f in files if f.exists()]
    data = postgres_cluster().root / "data"
    found = []
    for root in (data / "base" / str(database_oid), data / "pg_wal"):
        found += _files_under(root)
    assert found
    return found


def _files_under(root: Path) -> list[tuple[str, bytes]]:
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                found.append((str(path), path.read_bytes()))
            except OSError:
                continue
    return found


async def test_canary_secret_is_nowhere(
    backend: str,
    platform: Platform,
    admin: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    canary: str,
    provider_canary: str,
    echo_url: str,
    model: tuple[str, list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    admin.event_hooks["response"].append(recorder)
    bob.event_hooks["response"].append(recorder)
    caplog.set_level(logging.DEBUG)
    model_url, model_requests = model
    await _exercise_everything(
        admin, canary, echo_url, bob, model_url=model_url, provider_key=provider_canary
    )

    secrets = (canary, provider_canary)
    assert len(recorder.seen) > 60
    for body in recorder.seen:
        assert all(secret.encode() not in body for secret in secrets)
    for secret in secrets:
        assert secret not in caplog.text
        for record in caplog.records:
            assert secret not in record.getMessage()

    assert len(model_requests) == 2  # the call, then the answer after both results
    for request in model_requests:
        payload = json.dumps(request["payload"])
        assert canary not in payload and provider_canary not in payload
        assert request["authorization"] == f"Bearer {provider_canary}"  # where it belongs
    tool_results = [
        m["content"] for m in model_requests[1]["payload"]["messages"] if m["role"] == "tool"
    ]
    # the echo API sent the key back: the model read the result with the key redacted
    assert any('"greeting":"hi"' in r.replace(" ", "") and "***" in r for r in tool_results)

    database_oid = None
    async with platform.db.session() as session:
        if backend == "postgresql":
            await session.execute(text("CHECKPOINT"))
            database_oid = await session.scalar(
                text("SELECT oid FROM pg_database WHERE datname = current_database()")
            )
            tables = (
                (
                    await session.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                )
                .scalars()
                .all()
            )
            for table in tables:
                rows = await session.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))
                for row in rows.scalars():
                    assert all(secret not in row for secret in secrets), table
    await platform.db.dispose()
    for name, data in _database_bytes(platform, backend, database_oid):
        assert all(secret.encode() not in data for secret in secrets), name
