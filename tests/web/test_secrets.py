"""Secrets stay secret: a canary set as an action key, an OAuth client secret and the
provider key appears in no API response, no log line and no byte of the database."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gptforge.web.platform import Platform
from tests.servers import serve
from tests.store.databases import postgres_cluster
from tests.web.apis import ECHO_SPEC, echo_app


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture
def echo_url(canary: str) -> Iterator[str]:
    with serve(echo_app(canary)) as url:
        yield url


class Recorder:
    """Every response body and header the client saw."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        self.seen.append(response.content)
        self.seen.append(str(response.headers).encode())


async def _exercise_everything(
    client: httpx.AsyncClient, canary: str, echo_url: str, other: httpx.AsyncClient
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
                "provider_api_key": canary,
                "provider_base_url": "https://llm.example.com/v1",
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
    echo_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    admin.event_hooks["response"].append(recorder)
    bob.event_hooks["response"].append(recorder)
    caplog.set_level(logging.DEBUG)
    await _exercise_everything(admin, canary, echo_url, bob)

    assert len(recorder.seen) > 60
    for body in recorder.seen:
        assert canary.encode() not in body
    assert canary not in caplog.text
    for record in caplog.records:
        assert canary not in record.getMessage()

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
                assert all(canary not in row for row in rows.scalars())
    await platform.db.dispose()
    for name, data in _database_bytes(platform, backend, database_oid):
        assert canary.encode() not in data, name
