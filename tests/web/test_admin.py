"""Administration: only admins; settings stored in the database; the API key write-only."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import PASSWORD, assert_error

ADMIN_ENDPOINTS = [
    ("GET", "/api/v1/admin/users", None),
    (
        "POST",
        "/api/v1/admin/users",
        {"email": "x@example.com", "password": PASSWORD, "display_name": "X"},
    ),
    ("GET", "/api/v1/admin/settings", None),
    ("PATCH", "/api/v1/admin/settings", {"signup": "closed"}),
]


class TestAccess:
    @pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS)
    async def test_non_admins_get_403(
        self, alice: httpx.AsyncClient, method: str, path: str, body: object
    ) -> None:
        assert_error(await alice.request(method, path, json=body), 403, "admin_only")

    @pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS)
    async def test_anonymous_get_401(
        self, anonymous: httpx.AsyncClient, method: str, path: str, body: object
    ) -> None:
        assert_error(await anonymous.request(method, path, json=body), 401)


class TestSettings:
    async def test_defaults_come_from_the_environment(self, admin: httpx.AsyncClient) -> None:
        body = (await admin.get("/api/v1/admin/settings")).json()
        assert body == {
            "signup": "open",
            "allow_hosts": [],
            "env_allow_hosts": [],
            "provider_base_url": None,
            "provider_model": None,
            "provider_api_key_set": False,
        }

    async def test_changes_only_what_is_sent_and_never_returns_the_key(
        self, admin: httpx.AsyncClient
    ) -> None:
        changed = await admin.patch(
            "/api/v1/admin/settings",
            json={
                "provider_api_key": "sk-admin-secret",
                "provider_model": "gpt-x",
                "allow_hosts": ["10.0.0.0/8", "api.internal:8443"],
            },
        )
        body = changed.json()
        assert body["provider_api_key_set"] is True and body["provider_model"] == "gpt-x"
        assert body["allow_hosts"] == ["10.0.0.0/8", "api.internal:8443"]
        assert "sk-admin-secret" not in changed.text
        again = await admin.patch("/api/v1/admin/settings", json={"signup": "closed"})
        assert again.json()["provider_api_key_set"] is True and again.json()["signup"] == "closed"
        cleared = await admin.patch("/api/v1/admin/settings", json={"provider_api_key": ""})
        assert cleared.json()["provider_api_key_set"] is False

    async def test_bad_allowlist_entry_is_422(self, admin: httpx.AsyncClient) -> None:
        response = await admin.patch("/api/v1/admin/settings", json={"allow_hosts": ["http://x/"]})
        assert_error(response, 422, "invalid_allow_host")

    async def test_admin_lists_and_creates_users(
        self, admin: httpx.AsyncClient, alice: httpx.AsyncClient
    ) -> None:
        created = await admin.post(
            "/api/v1/admin/users",
            json={
                "email": "ops@example.com",
                "password": PASSWORD,
                "display_name": "Ops",
                "is_admin": True,
            },
        )
        assert created.status_code == 201 and created.json()["is_admin"] is True
        emails = [u["email"] for u in (await admin.get("/api/v1/admin/users")).json()]
        assert emails == ["admin@example.com", "alice@example.com", "ops@example.com"]
        duplicate = await admin.post(
            "/api/v1/admin/users",
            json={"email": "ops@example.com", "password": PASSWORD, "display_name": "Ops"},
        )
        assert_error(duplicate, 409, "email_taken")
