"""Actions inside a GPT: schemas, diagnostics, auth secrets, URL import, test calls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gptforge.demo import DEMO_SPEC
from gptforge.demo.weather_api import create_app as weather_app
from gptforge.web.platform import Platform
from tests.servers import serve
from tests.web.apis import ECHO_SPEC, echo_app
from tests.web.conftest import assert_error

KEY = "sk-test-0123456789"


@pytest.fixture
def weather_url() -> Iterator[str]:
    with serve(weather_app()) as url:
        yield url


@pytest.fixture
def echo_url() -> Iterator[str]:
    with serve(echo_app(KEY)) as url:
        yield url


async def new_gpt(client: httpx.AsyncClient) -> str:
    response = await client.post("/api/v1/gpts", json={"name": "Helper", "description": "d"})
    return str(response.json()["id"])


async def allow(admin: httpx.AsyncClient, url: str) -> None:
    host = httpx.URL(url)
    response = await admin.patch(
        "/api/v1/admin/settings", json={"allow_hosts": [f"{host.host}:{host.port}"]}
    )
    assert response.status_code == 200, response.text


async def add_action(client: httpx.AsyncClient, gpt_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/gpts/{gpt_id}/actions", json=body)


class TestCreate:
    async def test_schema_text_gives_operations_and_diagnostics(
        self, alice: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        response = await add_action(
            alice,
            gpt_id,
            schema=DEMO_SPEC.read_text(),
            privacy_policy_url="https://example.org/privacy",
        )
        assert response.status_code == 201, response.text
        action = response.json()
        assert action["id"].startswith("a-") and action["usable"] is True
        names = {op["name"]: op for op in action["operations"]}
        assert names["getCurrentWeather"] == {
            "name": "getCurrentWeather",
            "method": "GET",
            "path": "/weather/current",
            "consequential": False,
            "confirmation": "never",
            "enabled": True,
        }
        assert isinstance(action["diagnostics"], list)
        assert action["auth"] == {"type": "none", "secret_set": False}
        fetched = (await alice.get(f"/api/v1/gpts/{gpt_id}/actions/{action['id']}")).json()
        assert (
            fetched["schema"] == DEMO_SPEC.read_text()
            and fetched["operations"] == action["operations"]
        )
        gpt = (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()
        assert gpt["actions"][0]["id"] == action["id"]
        assert gpt["actions"][0]["host"] == "127.0.0.1"

    async def test_consequential_operations_are_marked(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        action = (await add_action(alice, gpt_id, schema=ECHO_SPEC)).json()
        ops = {op["name"]: op for op in action["operations"]}
        assert ops["createItem"]["consequential"] is True
        assert ops["createItem"]["confirmation"] == "always"

    async def test_schema_without_servers_is_saved_with_a_diagnostic(
        self, alice: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        schema = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {/a: {get: {responses: {'200': {description: ok}}}}}"
        action = (await add_action(alice, gpt_id, schema=schema)).json()
        assert action["usable"] is False
        assert "no-servers" in {d["code"] for d in action["diagnostics"]}
        fixed = await alice.patch(
            f"/api/v1/gpts/{gpt_id}/actions/{action['id']}",
            json={"server_url": "https://api.example.com/v1"},
        )
        assert fixed.json()["usable"] is True and fixed.json()["host"] == "api.example.com"

    @pytest.mark.parametrize("schema", ["{not yaml: [", "just a string", "openapi: 9.9.9"])
    async def test_unusable_text_is_422(self, alice: httpx.AsyncClient, schema: str) -> None:
        gpt_id = await new_gpt(alice)
        error = assert_error(await add_action(alice, gpt_id, schema=schema), 422)
        assert error["code"] in {"invalid_schema", "invalid_request"}

    async def test_both_or_neither_schema_source_is_422(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        assert_error(await add_action(alice, gpt_id), 422)
        both = await add_action(alice, gpt_id, schema=ECHO_SPEC, schema_url="https://x.example/s")
        assert_error(both, 422)

    async def test_unusable_server_url_is_422(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await add_action(
            alice, gpt_id, schema=ECHO_SPEC, server_url="http://127.0.0.1:99999/x"
        )
        assert_error(response, 422)

    async def test_unknown_enabled_operation_is_422(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        response = await add_action(alice, gpt_id, schema=ECHO_SPEC, enabled_operations=["nope"])
        assert_error(response, 422, "unknown_operations")


class TestImportFromUrl:
    async def test_private_address_is_a_clear_422(
        self, alice: httpx.AsyncClient, weather_url: str
    ) -> None:
        gpt_id = await new_gpt(alice)
        for url in (
            f"{weather_url}/openapi.yaml",
            "http://169.254.169.254/latest/",
            "http://10.0.0.1/x",
        ):
            error = assert_error(
                await add_action(alice, gpt_id, schema_url=url), 422, "url_refused"
            )
            assert "Could not import" in error["message"]

    async def test_allowlisted_url_imports(
        self, admin: httpx.AsyncClient, alice: httpx.AsyncClient, weather_url: str
    ) -> None:
        await allow(admin, weather_url)
        gpt_id = await new_gpt(alice)
        response = await add_action(alice, gpt_id, schema_url=f"{weather_url}/openapi.yaml")
        assert response.status_code == 201, response.text
        assert response.json()["source_url"] == f"{weather_url}/openapi.yaml"
        assert len(response.json()["operations"]) == 3


class TestAuth:
    async def test_secret_is_write_only_and_kept_when_left_out(
        self, alice: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        auth = {"type": "api_key", "scheme": "custom", "header": "X-Key", "key": KEY}
        action = (await add_action(alice, gpt_id, schema=ECHO_SPEC, auth=auth)).json()
        assert action["auth"] == {
            "type": "api_key",
            "scheme": "custom",
            "header": "X-Key",
            "secret_set": True,
        }
        url = f"/api/v1/gpts/{gpt_id}/actions/{action['id']}"
        changed = await alice.patch(
            url, json={"auth": {"type": "api_key", "scheme": "custom", "header": "X-Other"}}
        )
        assert changed.json()["auth"]["secret_set"] is True
        assert changed.json()["auth"]["header"] == "X-Other"
        cleared = await alice.patch(url, json={"auth": {"type": "none"}})
        assert cleared.json()["auth"] == {"type": "none", "secret_set": False}
        for response in (action, changed.json(), cleared.json(), (await alice.get(url)).json()):
            assert KEY not in str(response)

    async def test_api_key_may_be_entered_later(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        action = (
            await add_action(alice, gpt_id, schema=ECHO_SPEC, auth={"type": "api_key"})
        ).json()
        assert action["auth"]["secret_set"] is False
        test = await alice.post(
            f"/api/v1/gpts/{gpt_id}/actions/{action['id']}/test",
            json={"operation": "whoAmI", "arguments": {"greeting": "hi"}},
        )
        assert_error(test, 422, "secret_not_set")

    @pytest.mark.parametrize(
        "auth",
        [
            {"type": "api_key", "key_env": "OPENAI_API_KEY"},
            {
                "type": "oauth",
                "client_id": "c",
                "client_secret_env": "X",
                "authorization_url": "https://a/x",
                "token_url": "https://a/t",
            },
            {"type": "api_key", "secrets_file": "/etc/passwd"},
            {"type": "api_key", "scheme": "custom", "key": "k"},
            {"type": "magic"},
            {"type": "api_key", "scheme": "spec", "keys": {"ApiKey": {"key_env": "MY_KEY"}}},
            {"type": "api_key", "scheme": "spec", "key": "k", "keys": {"ApiKey": {"key": "k"}}},
            {"type": "api_key", "scheme": "bearer", "keys": {"ApiKey": {"key": "k"}}},
        ],
    )
    async def test_invalid_or_environment_auth_is_422(
        self, alice: httpx.AsyncClient, auth: dict[str, Any]
    ) -> None:
        gpt_id = await new_gpt(alice)
        assert_error(
            await add_action(alice, gpt_id, schema=ECHO_SPEC, auth=auth), 422, "invalid_auth"
        )

    async def test_oauth_client_secret_is_stored_encrypted(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        auth = {
            "type": "oauth",
            "client_id": "cid",
            "client_secret": "oauth-secret-value",
            "authorization_url": "https://auth.example.com/a",
            "token_url": "https://auth.example.com/t",
            "scope": "read",
        }
        action = (await add_action(alice, gpt_id, schema=ECHO_SPEC, auth=auth)).json()
        assert action["auth"]["secret_set"] is True and action["auth"]["client_id"] == "cid"
        assert "oauth-secret-value" not in str(action)


class TestTestEndpoint:
    async def test_runs_the_operation_and_returns_the_redacted_record(
        self, admin: httpx.AsyncClient, alice: httpx.AsyncClient, echo_url: str
    ) -> None:
        await allow(admin, echo_url)
        gpt_id = await new_gpt(alice)
        action = (
            await add_action(
                alice,
                gpt_id,
                schema=ECHO_SPEC,
                server_url=echo_url,
                auth={"type": "api_key", "scheme": "bearer", "key": KEY},
            )
        ).json()
        response = await alice.post(
            f"/api/v1/gpts/{gpt_id}/actions/{action['id']}/test",
            json={"operation": "whoAmI", "arguments": {"greeting": "hello"}},
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["status"] == "ok" and result["record"]["status"] == 200
        assert result["record"]["method"] == "GET" and "greeting=hello" in result["record"]["url"]
        assert result["record"]["request_headers"]["authorization"] == "***"
        assert "hello" in result["content"]
        assert KEY not in response.text

    async def test_blocked_destination_is_a_result_not_an_error(
        self, alice: httpx.AsyncClient, weather_url: str
    ) -> None:
        gpt_id = await new_gpt(alice)
        action = (
            await add_action(alice, gpt_id, schema=DEMO_SPEC.read_text(), server_url=weather_url)
        ).json()
        response = await alice.post(
            f"/api/v1/gpts/{gpt_id}/actions/{action['id']}/test",
            json={"operation": "getCurrentWeather", "arguments": {"city": "Paris"}},
        )
        assert response.status_code == 200
        assert response.json()["status"] == "blocked"

    async def test_bad_arguments_and_unknown_operations(
        self, admin: httpx.AsyncClient, alice: httpx.AsyncClient, weather_url: str
    ) -> None:
        await allow(admin, weather_url)
        gpt_id = await new_gpt(alice)
        action = (
            await add_action(alice, gpt_id, schema=DEMO_SPEC.read_text(), server_url=weather_url)
        ).json()
        url = f"/api/v1/gpts/{gpt_id}/actions/{action['id']}/test"
        missing = await alice.post(url, json={"operation": "getCurrentWeather", "arguments": {}})
        assert missing.json()["status"] == "invalid_arguments"
        unknown = await alice.post(url, json={"operation": "nope", "arguments": {}})
        assert unknown.json()["status"] == "invalid_arguments"
        ok = await alice.post(
            url, json={"operation": "getCurrentWeather", "arguments": {"city": "Paris"}}
        )
        assert ok.json()["status"] == "ok" and "Paris" in ok.json()["content"]


class TestAuthorization:
    async def test_another_gpts_action_id_is_not_found(self, alice: httpx.AsyncClient) -> None:
        first, second = await new_gpt(alice), await new_gpt(alice)
        action = (await add_action(alice, first, schema=ECHO_SPEC)).json()
        for method in ("GET", "PATCH", "DELETE"):
            response = await alice.request(
                method, f"/api/v1/gpts/{second}/actions/{action['id']}", json={}
            )
            assert_error(response, 404, "action_not_found")

    async def test_other_users_cannot_touch_actions(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        action = (await add_action(alice, gpt_id, schema=ECHO_SPEC)).json()
        base = f"/api/v1/gpts/{gpt_id}/actions/{action['id']}"
        for method, url, body in [
            ("GET", base, None),
            ("PATCH", base, {"privacy_policy_url": "https://evil.example"}),
            ("DELETE", base, None),
            ("POST", base + "/test", {"operation": "whoAmI", "arguments": {}}),
            ("POST", f"/api/v1/gpts/{gpt_id}/actions", {"schema": ECHO_SPEC}),
        ]:
            assert_error(await bob.request(method, url, json=body), 404, "gpt_not_found")

    async def test_delete_action(self, alice: httpx.AsyncClient) -> None:
        gpt_id = await new_gpt(alice)
        action = (await add_action(alice, gpt_id, schema=ECHO_SPEC)).json()
        assert (
            await alice.delete(f"/api/v1/gpts/{gpt_id}/actions/{action['id']}")
        ).status_code == 204
        assert (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()["actions"] == []

    async def test_published_version_keeps_its_actions(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt_id = await new_gpt(alice)
        action = (
            await add_action(alice, gpt_id, schema=ECHO_SPEC, privacy_policy_url="https://e.org/p")
        ).json()
        await alice.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": "link"})
        await alice.delete(f"/api/v1/gpts/{gpt_id}/actions/{action['id']}")
        public = (await bob.get(f"/api/v1/gpts/{gpt_id}")).json()
        assert public["actions"] == [{"host": "127.0.0.1", "privacy_policy_url": "https://e.org/p"}]
        restored = await alice.post(f"/api/v1/gpts/{gpt_id}/versions/1/restore")
        assert [a["id"] for a in restored.json()["actions"]] == [action["id"]]


class TestCheckWithoutSaving:
    async def test_check_gives_operations_and_diagnostics_and_saves_nothing(
        self, alice: httpx.AsyncClient
    ) -> None:
        schema = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {/a: {get: {responses: {'200': {description: ok}}}}}"
        response = await alice.post("/api/v1/actions/check", json={"schema": schema})
        assert response.status_code == 200
        body = response.json()
        assert body["usable"] is False and "no-servers" in {d["code"] for d in body["diagnostics"]}
        assert [op["path"] for op in body["operations"]] == ["/a"]
        fixed = await alice.post(
            "/api/v1/actions/check",
            json={"schema": schema, "server_url": "https://api.example.com"},
        )
        assert fixed.json()["usable"] is True and fixed.json()["host"] == "api.example.com"
        assert (await alice.get("/api/v1/gpts")).json() == []

    async def test_check_refuses_private_urls_and_anonymous_callers(
        self, alice: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        refused = await alice.post(
            "/api/v1/actions/check", json={"schema_url": "http://127.0.0.1:9/x"}
        )
        assert_error(refused, 422, "url_refused")
        assert_error(await anonymous.post("/api/v1/actions/check", json={"schema": ECHO_SPEC}), 401)
        assert_error(await alice.post("/api/v1/actions/check", json={"schema": "{bad"}), 422)


SLOW_OPERATION = """
openapi: 3.1.0
info: {title: Slow, version: "1"}
paths:
  /wait:
    get:
      operationId: wait
      responses: {"200": {description: ok}}
"""


class SlowApi:
    """A stuck API: its schema URL and its one operation answer only once released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.waiting = 0
        self._lock = threading.Lock()

    def app(self) -> Starlette:
        async def slow(_request: Request) -> PlainTextResponse:
            with self._lock:
                self.waiting += 1
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return PlainTextResponse(DEMO_SPEC.read_text())

        return Starlette(routes=[Route("/openapi.yaml", slow), Route("/wait", slow)])

    def wait_for(self, count: int) -> bool:
        deadline = time.monotonic() + 10
        while self.waiting < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.waiting >= count


async def test_a_slow_api_does_not_hold_up_other_users_requests(
    platform: Platform, admin: httpx.AsyncClient, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    """Requests waiting on an outside server (schema imports and test calls, more of them
    than the process has database places) must not hold up other users' requests."""
    api = SlowApi()
    with serve(api.app()) as url:
        await allow(admin, url)
        gpt_id = await new_gpt(alice)
        created = await add_action(alice, gpt_id, schema=SLOW_OPERATION, server_url=url)
        assert created.status_code == 201, created.text
        action = f"/api/v1/gpts/{gpt_id}/actions/{created.json()['id']}"
        by_url = {"schema_url": f"{url}/openapi.yaml"}
        slow = [
            # more slow requests than the process has places (1 on SQLite, 20 on PostgreSQL)
            *(
                alice.post("/api/v1/actions/check", json=by_url)
                for _ in range(max(3, platform.db.line.size))
            ),
            *(alice.post(f"{action}/test", json={"operation": "wait"}) for _ in range(2)),
            alice.post(f"/api/v1/gpts/{gpt_id}/actions", json=by_url),
            alice.patch(action, json=by_url),
        ]
        pending = [asyncio.ensure_future(request) for request in slow]
        try:
            assert await anyio.to_thread.run_sync(api.wait_for, len(slow))
            with anyio.fail_after(10):
                me = await bob.get("/api/v1/me")
                gpts = await bob.get("/api/v1/gpts")
            assert me.status_code == 200 and gpts.status_code == 200
            assert not any(request.done() for request in pending)  # all still waiting
        finally:
            api.release.set()
        answers = await asyncio.gather(*pending)
        assert [a.status_code for a in answers[-4:]] == [200, 200, 201, 200]
        assert {a.status_code for a in answers[:-4]} == {200}
        # what the slow requests wrote after their wait is stored
        stored = (await alice.get(action)).json()
        assert {op["name"] for op in stored["operations"]} >= {"getCurrentWeather"}


async def test_an_action_deleted_while_its_update_waits_on_a_url_answers_409(
    admin: httpx.AsyncClient, alice: httpx.AsyncClient
) -> None:
    api = SlowApi()
    with serve(api.app()) as url:
        await allow(admin, url)
        gpt_id = await new_gpt(alice)
        created = await add_action(alice, gpt_id, schema=SLOW_OPERATION, server_url=url)
        action = f"/api/v1/gpts/{gpt_id}/actions/{created.json()['id']}"
        update = asyncio.ensure_future(
            alice.patch(action, json={"schema_url": f"{url}/openapi.yaml"})
        )
        try:
            assert await anyio.to_thread.run_sync(api.wait_for, 1)
            assert (await alice.delete(action)).status_code == 204
        finally:
            api.release.set()
        assert_error(await update, 409, "conflict")
        assert_error(await alice.get(action), 404)
