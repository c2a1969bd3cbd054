"""Personal API tokens: shown once, stored hashed, usable as Bearer, revocable."""

from __future__ import annotations

import httpx

from tests.web.conftest import ClientFactory, assert_error


class TestTokens:
    async def test_token_is_shown_once_and_authenticates(
        self, alice: httpx.AsyncClient, clients: ClientFactory
    ) -> None:
        created = await alice.post("/api/v1/tokens", json={"name": "ci"})
        assert created.status_code == 201
        body = created.json()
        assert {"id", "name", "token"} <= set(body) and body["token"].startswith("gf_")
        listed = (await alice.get("/api/v1/tokens")).json()
        assert [t["id"] for t in listed] == [body["id"]]
        assert body["token"] not in str(listed)
        script = clients(headers={"Authorization": f"Bearer {body['token']}"})
        me = await script.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["email"] == "alice@example.com"
        assert (await alice.get("/api/v1/tokens")).json()[0]["last_used_at"] is not None

    async def test_deleted_token_stops_working(
        self, alice: httpx.AsyncClient, clients: ClientFactory
    ) -> None:
        body = (await alice.post("/api/v1/tokens", json={"name": "ci"})).json()
        assert (await alice.delete(f"/api/v1/tokens/{body['id']}")).status_code == 204
        script = clients(headers={"Authorization": f"Bearer {body['token']}"})
        assert_error(await script.get("/api/v1/me"), 401, "unauthenticated")

    async def test_another_users_token_cannot_be_deleted(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        body = (await alice.post("/api/v1/tokens", json={"name": "ci"})).json()
        assert_error(await bob.delete(f"/api/v1/tokens/{body['id']}"), 404, "token_not_found")
        assert len((await alice.get("/api/v1/tokens")).json()) == 1
        assert (await bob.get("/api/v1/tokens")).json() == []

    async def test_bad_bearer_values_are_401(self, clients: ClientFactory) -> None:
        for header in ("Bearer gf_wrong", "Basic abc", "Bearer "):
            client = clients(headers={"Authorization": header})
            assert_error(await client.get("/api/v1/me"), 401, "unauthenticated")
