"""Property-based checks against the server's own /openapi.json, authenticated.

Every operation gets a bounded number of generated requests (``MAX_EXAMPLES``) from a
real server on loopback; none may answer 5xx, and every answer must match the
documented status codes, content types and response schemas.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks
from schemathesis.config import SchemathesisConfig

from gptforge.llm import ScriptedProvider, ScriptedReply
from gptforge.web.app import create_app
from gptforge.web.settings import ServerSettings
from tests.servers import serve
from tests.store.databases import fresh_sqlite_url
from tests.web.apis import ECHO_SPEC
from tests.web.conftest import PASSWORD

MAX_EXAMPLES = 10
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]


class LiveServer:
    url: str
    headers: dict[str, str]


live = LiveServer()


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    data_dir: Path = tmp_path_factory.mktemp("schemathesis") / "data"
    url = asyncio.run(fresh_sqlite_url(data_dir))
    app = create_app(
        ServerSettings(data_dir=data_dir, database_url=url, password_hashing="cheapest")
    )
    # chats and POST /admin/model/test must not load the embedded model here
    app.state.platform.provider = ScriptedProvider(lambda _m, _t: ScriptedReply(text="OK"))
    with serve(app) as base:
        with httpx.Client(base_url=base) as client:
            client.post(
                "/api/v1/auth/signup",
                json={"email": "fuzz@example.com", "password": PASSWORD, "display_name": "Fuzz"},
            ).raise_for_status()
            token = client.post("/api/v1/tokens", json={"name": "fuzz"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            gpt = client.post("/api/v1/gpts", json={"name": "Fuzzed"}, headers=headers).json()
            client.post(
                f"/api/v1/gpts/{gpt['id']}/actions", json={"schema": ECHO_SPEC}, headers=headers
            ).raise_for_status()
        live.url, live.headers = base, headers
        config = SchemathesisConfig.from_dict(
            {
                "phases": {"coverage": {"enabled": False}},
                "generation": {"max-examples": MAX_EXAMPLES},
            }
        )
        yield schemathesis.openapi.from_url(f"{base}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_own_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(base_url=live.url, headers=dict(live.headers), checks=CHECKS)
