"""Sign up, sign in, sign out, throttling, CSRF and the session cookie."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.web.conftest import BASE, PASSWORD, ClientFactory, assert_error, signup


class TestSignup:
    async def test_first_account_is_admin_and_gets_a_session(
        self, anonymous: httpx.AsyncClient
    ) -> None:
        response = await anonymous.post(
            "/api/v1/auth/signup",
            json={"email": "Admin@Example.com", "password": PASSWORD, "display_name": "Ada"},
        )
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "email", "display_name", "is_admin"}
        assert body["is_admin"] is True and body["email"] == "admin@example.com"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        assert (await anonymous.get("/api/v1/me")).json()["id"] == body["id"]

    async def test_later_accounts_are_not_admins(
        self, admin: httpx.AsyncClient, clients: ClientFactory
    ) -> None:
        user = await signup(clients(), "second@example.com")
        assert user["is_admin"] is False

    async def test_cookie_is_secure_over_https(self, clients: ClientFactory) -> None:
        client = clients(base_url="https://testserver")
        response = await client.post(
            "/api/v1/auth/signup",
            json={"email": "a@example.com", "password": PASSWORD, "display_name": "A"},
        )
        assert "Secure" in response.headers["set-cookie"]

    async def test_email_taken(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        response = await anonymous.post(
            "/api/v1/auth/signup",
            json={"email": "ADMIN@example.com", "password": PASSWORD, "display_name": "X"},
        )
        assert_error(response, 409, "email_taken")

    @pytest.mark.parametrize(
        "body",
        [
            {"email": "not-an-email", "password": PASSWORD, "display_name": "X"},
            {"email": "a@example.com", "password": "short", "display_name": "X"},
            {"email": "a@example.com", "password": PASSWORD, "display_name": ""},
            {"email": "a@example.com", "password": PASSWORD, "display_name": "X", "is_admin": True},
        ],
    )
    async def test_invalid_input_is_422_without_echoing_values(
        self, anonymous: httpx.AsyncClient, body: dict[str, object]
    ) -> None:
        response = await anonymous.post("/api/v1/auth/signup", json=body)
        error = assert_error(response, 422, "invalid_request")
        assert PASSWORD not in response.text and "short" not in str(error["details"]).replace(
            "string_too_short", ""
        )

    async def test_closed_signup_refuses_but_admin_can_create_accounts(
        self, settings: object, clients: ClientFactory, admin: httpx.AsyncClient
    ) -> None:
        await admin.patch("/api/v1/admin/settings", json={"signup": "closed"})
        response = await clients().post(
            "/api/v1/auth/signup",
            json={"email": "late@example.com", "password": PASSWORD, "display_name": "Late"},
        )
        assert_error(response, 403, "signup_closed")
        created = await admin.post(
            "/api/v1/admin/users",
            json={"email": "late@example.com", "password": PASSWORD, "display_name": "Late"},
        )
        assert created.status_code == 201 and created.json()["is_admin"] is False
        login = await clients().post(
            "/api/v1/auth/login", json={"email": "late@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200


class TestLogin:
    async def test_login_and_logout(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        response = await anonymous.post(
            "/api/v1/auth/login", json={"email": "admin@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200 and response.json()["email"] == "admin@example.com"
        assert (await anonymous.get("/api/v1/me")).status_code == 200
        assert (await anonymous.post("/api/v1/auth/logout")).status_code == 204
        assert_error(await anonymous.get("/api/v1/me"), 401, "unauthenticated")

    async def test_wrong_password_and_unknown_email_look_the_same(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        wrong = await anonymous.post(
            "/api/v1/auth/login", json={"email": "admin@example.com", "password": "nope-nope"}
        )
        unknown = await anonymous.post(
            "/api/v1/auth/login", json={"email": "who@example.com", "password": "nope-nope"}
        )
        assert assert_error(wrong, 401, "invalid_credentials") == assert_error(
            unknown, 401, "invalid_credentials"
        )

    async def test_ten_failures_in_a_row_lock_the_account_with_429(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        for _ in range(10):
            response = await anonymous.post(
                "/api/v1/auth/login", json={"email": "admin@example.com", "password": "wrong-guess"}
            )
            assert response.status_code == 401
        locked = await anonymous.post(
            "/api/v1/auth/login", json={"email": "admin@example.com", "password": PASSWORD}
        )
        assert_error(locked, 429, "too_many_failed_logins")
        assert locked.headers["retry-after"]
        other = await anonymous.post(
            "/api/v1/auth/login", json={"email": "other@example.com", "password": "wrong-guess"}
        )
        assert other.status_code == 401  # throttling is per account

    async def test_anonymous_api_requests_are_401(self, anonymous: httpx.AsyncClient) -> None:
        for method, path in [
            ("GET", "/api/v1/me"),
            ("GET", "/api/v1/gpts"),
            ("POST", "/api/v1/gpts"),
            ("GET", "/api/v1/store"),
            ("GET", "/api/v1/tokens"),
            ("POST", "/api/v1/auth/logout"),
            ("GET", "/api/v1/gpts/g-anything"),
        ]:
            assert_error(await anonymous.request(method, path, json={}), 401, "unauthenticated")


class TestCrossSiteRequests:
    async def test_cookie_request_from_another_origin_is_refused(
        self, alice: httpx.AsyncClient
    ) -> None:
        response = await alice.post(
            "/api/v1/gpts", json={"name": "X"}, headers={"Origin": "https://evil.example"}
        )
        assert_error(response, 403, "cross_site_request")
        by_referer = await alice.post(
            "/api/v1/tokens", json={"name": "x"}, headers={"Referer": "https://evil.example/page"}
        )
        assert_error(by_referer, 403, "cross_site_request")
        assert (await alice.get("/api/v1/gpts")).json() == []

    async def test_same_origin_and_reads_are_allowed(self, alice: httpx.AsyncClient) -> None:
        created = await alice.post("/api/v1/gpts", json={"name": "X"}, headers={"Origin": BASE})
        assert created.status_code == 201
        read = await alice.get("/api/v1/gpts", headers={"Origin": "https://evil.example"})
        assert read.status_code == 200

    async def test_bearer_requests_are_not_subject_to_the_origin_check(
        self, alice: httpx.AsyncClient, clients: ClientFactory
    ) -> None:
        token = (await alice.post("/api/v1/tokens", json={"name": "script"})).json()["token"]
        script = clients(
            headers={"Authorization": f"Bearer {token}", "Origin": "https://x.example"}
        )
        assert (await script.post("/api/v1/gpts", json={"name": "X"})).status_code == 201

    async def test_login_from_another_site_is_refused(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        response = await anonymous.post(
            "/api/v1/auth/login",
            json={"email": "admin@example.com", "password": PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
        assert_error(response, 403, "cross_site_request")


class TestFirstAdminRace:
    async def test_simultaneous_first_signups_make_one_admin(self, clients: ClientFactory) -> None:
        async def attempt(index: int) -> httpx.Response:
            return await clients().post(
                "/api/v1/auth/signup",
                json={"email": f"u{index}@example.com", "password": PASSWORD, "display_name": "U"},
            )

        responses = await asyncio.gather(*(attempt(i) for i in range(4)))
        created = [r.json() for r in responses if r.status_code == 201]
        assert all(r.status_code in (201, 409) for r in responses)
        assert sum(user["is_admin"] for user in created) == 1
