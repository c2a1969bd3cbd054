"""An app per test on a fresh database (SQLite and PostgreSQL), and clients to call it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gptforge.web.app import create_app, create_platform
from gptforge.web.platform import Platform
from gptforge.web.settings import ServerSettings
from tests.store.databases import BACKENDS, drop_database, fresh_database_url

BASE = "http://testserver"
PASSWORD = "correct horse battery"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def settings(backend: str, tmp_path: Path) -> ServerSettings:
    data_dir = tmp_path / "data"
    url = await fresh_database_url(backend, data_dir)
    return ServerSettings(
        data_dir=data_dir, database_url=url, allow_demo_api=False, password_hashing="cheapest"
    )


_shared_app: FastAPI | None = None


@pytest.fixture
async def platform(settings: ServerSettings) -> AsyncIterator[Platform]:
    made = create_platform(settings)
    await made.db.migrate()
    yield made
    await made.egress.aclose()
    await made.db.dispose()
    await drop_database(made.db.url)


@pytest.fixture
async def app(platform: Platform) -> FastAPI:
    """One app for the whole run (building routes is slow), on this test's platform.

    Handlers find the platform on ``app.state``, so swapping it gives each test its own
    database and secret key; ``tests/web/test_serve.py`` covers the real start-up.
    """
    global _shared_app
    if _shared_app is None:
        _shared_app = create_app(platform=platform)
    _shared_app.state.platform = platform
    return _shared_app


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def clients(app: FastAPI) -> AsyncIterator[ClientFactory]:
    """Makes clients (each with its own cookie jar) on the app; closes them afterwards."""
    made: list[httpx.AsyncClient] = []

    def make(**kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("base_url", BASE)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def signup(
    client: httpx.AsyncClient, email: str, name: str = "Builder", password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, "display_name": name}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
async def admin(clients: ClientFactory) -> httpx.AsyncClient:
    """The first account: the administrator."""
    client = clients()
    await signup(client, "admin@example.com", "Admin")
    return client


@pytest.fixture
async def alice(admin: httpx.AsyncClient, clients: ClientFactory) -> httpx.AsyncClient:
    client = clients()
    await signup(client, "alice@example.com", "Alice")
    return client


@pytest.fixture
async def bob(admin: httpx.AsyncClient, clients: ClientFactory) -> httpx.AsyncClient:
    client = clients()
    await signup(client, "bob@example.com", "Bob")
    return client


@pytest.fixture
async def anonymous(clients: ClientFactory) -> httpx.AsyncClient:
    return clients()


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the API's one shape, with this status (and code)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return dict(body["error"])
