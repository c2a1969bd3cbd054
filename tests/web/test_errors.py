"""Every failure answers in one shape; nothing is a 500; health for load balancers."""

from __future__ import annotations

import httpx

from tests.web.conftest import assert_error


class TestErrorShape:
    async def test_unknown_route_and_method(self, alice: httpx.AsyncClient) -> None:
        assert_error(await alice.get("/api/v1/nothing-here"), 404, "not_found")
        assert_error(await alice.put("/api/v1/gpts"), 405, "method_not_allowed")

    async def test_malformed_json_is_422(self, alice: httpx.AsyncClient) -> None:
        response = await alice.post(
            "/api/v1/gpts", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        error = assert_error(response, 422, "invalid_request")
        assert isinstance(error["details"], list)

    async def test_wrong_types_name_the_field(self, alice: httpx.AsyncClient) -> None:
        response = await alice.post("/api/v1/gpts", json={"name": 5, "capabilities": "all"})
        error = assert_error(response, 422, "invalid_request")
        assert {tuple(d["loc"]) for d in error["details"]} >= {
            ("body", "name"),
            ("body", "capabilities"),
        }
        assert all(set(d) == {"loc", "msg", "type"} for d in error["details"])

    async def test_oversized_body_is_413(self, alice: httpx.AsyncClient, platform: object) -> None:
        big = b"x" * 16_000_001
        response = await alice.post(
            "/api/v1/gpts", content=big, headers={"Content-Type": "application/json"}
        )
        assert_error(response, 413, "payload_too_large")


class TestHealth:
    async def test_healthz_checks_the_database(
        self, anonymous: httpx.AsyncClient, backend: str
    ) -> None:
        response = await anonymous.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": backend}
