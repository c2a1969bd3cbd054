"""GPTs: the authorization matrix, drafts, publishing rules, versions, duplicate, delete."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from gptforge.store import ActionRecord, GptVersion
from gptforge.web.platform import Platform
from tests.web.apis import ECHO_SPEC
from tests.web.conftest import assert_error

GPT = {
    "name": "Trip planner",
    "description": "Plans weekend trips.",
    "instructions": "SECRET INSTRUCTIONS: be brief.",
    "conversation_starters": ["Plan a weekend in Rome"],
    "returning_user_starters": ["Same city again?"],
    "capabilities": {"web_browsing": True},
    "category": "travel",
}


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/gpts", json={**GPT, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def publish(client: httpx.AsyncClient, gpt_id: str, visibility: str) -> httpx.Response:
    return await client.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": visibility})


OWNER_ONLY_VERBS = [
    ("PATCH", "", {"name": "Hijacked"}),
    ("DELETE", "", None),
    ("POST", "/duplicate", None),
    ("POST", "/publish", {"visibility": "public"}),
    ("GET", "/versions", None),
    ("POST", "/versions/1/restore", None),
    ("GET", "/export", None),
    ("POST", "/actions", {"schema": "openapi: 3.1.0"}),
    ("GET", "/actions/a-x", None),
]


class TestCreateAndRead:
    async def test_create_returns_the_owner_view(self, alice: httpx.AsyncClient) -> None:
        gpt = await create(alice)
        assert gpt["view"] == "owner" and gpt["id"].startswith("g-")
        assert len(gpt["id"]) >= 2 + 22  # 128 random bits, URL-safe
        assert gpt["visibility"] == "private" and gpt["live_version"] is None
        assert gpt["builder_name"] == "Alice" and gpt["instructions"] == GPT["instructions"]
        assert gpt["capabilities"]["web_browsing"] is True
        fetched = (await alice.get(f"/api/v1/gpts/{gpt['id']}")).json()
        assert fetched == gpt

    async def test_list_is_only_mine(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        mine = await create(alice)
        await create(bob, name="Bob's")
        assert [g["id"] for g in (await alice.get("/api/v1/gpts")).json()] == [mine["id"]]

    async def test_unknown_category_and_extra_fields_are_refused(
        self, alice: httpx.AsyncClient
    ) -> None:
        assert_error(await alice.post("/api/v1/gpts", json={**GPT, "category": "x"}), 422)
        for extra in ({"owner_id": "u-1"}, {"id": "g-mine"}, {"conversation_count": 99}):
            assert_error(await alice.post("/api/v1/gpts", json={**GPT, **extra}), 422)

    async def test_too_many_starters_is_422(self, alice: httpx.AsyncClient) -> None:
        response = await alice.post(
            "/api/v1/gpts", json={**GPT, "conversation_starters": ["a", "b", "c", "d", "e"]}
        )
        assert_error(response, 422, "invalid_request")


class TestVisibility:
    async def test_private_gpt_is_404_for_everyone_else_on_every_verb(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        gpt = await create(alice)
        await publish(alice, gpt["id"], "private")
        for other in (bob, admin):
            assert_error(await other.get(f"/api/v1/gpts/{gpt['id']}"), 404, "gpt_not_found")
            for method, suffix, body in OWNER_ONLY_VERBS:
                response = await other.request(
                    method, f"/api/v1/gpts/{gpt['id']}{suffix}", json=body
                )
                assert_error(response, 404, "gpt_not_found")
        assert (await alice.get(f"/api/v1/gpts/{gpt['id']}")).json()["name"] == GPT["name"]

    async def test_unpublished_link_draft_is_not_visible(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt = await create(alice)
        assert_error(await bob.get(f"/api/v1/gpts/{gpt['id']}"), 404)

    async def test_link_holder_sees_only_the_public_view_of_the_live_version(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt = await create(alice)
        assert (await publish(alice, gpt["id"], "link")).status_code == 200
        await alice.patch(f"/api/v1/gpts/{gpt['id']}", json={"name": "Renamed draft"})
        view = (await bob.get(f"/api/v1/gpts/{gpt['id']}")).json()
        assert view["view"] == "public"
        assert set(view) == {
            "view",
            "id",
            "name",
            "description",
            "builder_name",
            "conversation_starters",
            "returning_user_starters",
            "capabilities",
            "category",
            "conversation_count",
            "published_at",
            "actions",
        }
        assert view["name"] == "Trip planner" and view["builder_name"] == "Alice"
        assert "SECRET INSTRUCTIONS" not in str(view)

    async def test_link_holder_cannot_change_or_read_settings(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt = await create(alice)
        await publish(alice, gpt["id"], "link")
        for method, suffix, body in OWNER_ONLY_VERBS:
            response = await bob.request(method, f"/api/v1/gpts/{gpt['id']}{suffix}", json=body)
            assert_error(response, 403, "forbidden")
        assert (await alice.get(f"/api/v1/gpts/{gpt['id']}")).json()["name"] == GPT["name"]

    async def test_making_private_takes_effect_at_once(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt = await create(alice)
        await publish(alice, gpt["id"], "public")
        assert (await bob.get(f"/api/v1/gpts/{gpt['id']}")).status_code == 200
        await publish(alice, gpt["id"], "private")
        assert_error(await bob.get(f"/api/v1/gpts/{gpt['id']}"), 404)
        assert (await bob.get("/api/v1/store")).json()["items"] == []


class TestUpdate:
    async def test_patch_changes_only_the_fields_sent(self, alice: httpx.AsyncClient) -> None:
        gpt = await create(alice)
        response = await alice.patch(
            f"/api/v1/gpts/{gpt['id']}", json={"description": "New", "category": None}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["description"] == "New" and body["category"] is None
        assert body["instructions"] == GPT["instructions"]

    @pytest.mark.parametrize(
        "payload",
        [
            {"owner_id": "u-someone"},
            {"conversation_count": 1000},
            {"id": "g-other"},
            {"live_version": 3},
            {"visibility": "public"},
            {"name": None},
            {"name": ""},
        ],
    )
    async def test_patch_refuses_fields_outside_the_allowlist(
        self, alice: httpx.AsyncClient, payload: dict[str, Any]
    ) -> None:
        gpt = await create(alice)
        assert_error(await alice.patch(f"/api/v1/gpts/{gpt['id']}", json=payload), 422)
        after = (await alice.get(f"/api/v1/gpts/{gpt['id']}")).json()
        assert after["conversation_count"] == 0 and after["visibility"] == "private"


class TestPublish:
    async def test_every_failed_rule_is_reported(self, alice: httpx.AsyncClient) -> None:
        gpt = await create(alice, name="Official ChatGPT helper", description="")
        schema = (
            "openapi: 3.1.0\ninfo: {title: Ext, version: '1'}\n"
            "servers: [{url: 'https://api.example.com'}]\n"
            "paths: {/x: {get: {operationId: getX, responses: {'200': {description: ok}}}}}\n"
        )
        action = await alice.post(f"/api/v1/gpts/{gpt['id']}/actions", json={"schema": schema})
        assert action.status_code == 201
        error = assert_error(await publish(alice, gpt["id"], "public"), 422, "publish_blocked")
        rules = {problem["rule"] for problem in error["details"]}
        assert rules == {"description", "name", "privacy_policy_url"}
        assert all(problem["message"] for problem in error["details"])
        after = (await alice.get(f"/api/v1/gpts/{gpt['id']}")).json()
        assert after["live_version"] is None

    async def test_private_publish_has_no_rules(self, alice: httpx.AsyncClient) -> None:
        gpt = await create(alice, name="OpenAI notes", description="")
        assert (await publish(alice, gpt["id"], "private")).json()["live_version"] == 1

    async def test_versions_and_restore(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        gpt = await create(alice)
        await publish(alice, gpt["id"], "public")
        await alice.patch(f"/api/v1/gpts/{gpt['id']}", json={"name": "Second"})
        second = (await publish(alice, gpt["id"], "public")).json()
        assert second["live_version"] == 2
        await alice.patch(f"/api/v1/gpts/{gpt['id']}", json={"name": "Unsaved idea"})
        versions = (await alice.get(f"/api/v1/gpts/{gpt['id']}/versions")).json()
        assert [(v["number"], v["name"], v["is_live"]) for v in versions] == [
            (2, "Second", True),
            (1, "Trip planner", False),
        ]
        restored = await alice.post(f"/api/v1/gpts/{gpt['id']}/versions/1/restore")
        assert restored.status_code == 200
        assert restored.json()["name"] == "Trip planner" and restored.json()["live_version"] == 2
        assert (await bob.get(f"/api/v1/gpts/{gpt['id']}")).json()["name"] == "Second"
        assert_error(await alice.post(f"/api/v1/gpts/{gpt['id']}/versions/9/restore"), 404)


class TestDuplicateAndDelete:
    async def test_duplicate_is_a_private_copy_with_new_ids(self, alice: httpx.AsyncClient) -> None:
        gpt = await create(alice)
        await publish(alice, gpt["id"], "public")
        copy = await alice.post(f"/api/v1/gpts/{gpt['id']}/duplicate")
        assert copy.status_code == 201
        body = copy.json()
        assert body["id"] != gpt["id"] and body["name"] == "Trip planner (copy)"
        assert body["visibility"] == "private" and body["live_version"] is None

    async def test_delete_removes_it_for_everyone(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient, platform: Platform
    ) -> None:
        gpt = await create(alice)
        await alice.post(
            f"/api/v1/gpts/{gpt['id']}/actions",
            json={"schema": ECHO_SPEC, "privacy_policy_url": "https://e.org/p"},
        )
        await publish(alice, gpt["id"], "public")
        assert (await alice.delete(f"/api/v1/gpts/{gpt['id']}")).status_code == 204
        async with platform.db.session() as session:
            for table in (ActionRecord, GptVersion):
                count = await session.scalar(
                    select(func.count()).select_from(table).where(table.gpt_id == gpt["id"])
                )
                assert count == 0, table
        assert_error(await alice.get(f"/api/v1/gpts/{gpt['id']}"), 404)
        assert_error(await bob.get(f"/api/v1/gpts/{gpt['id']}"), 404)
        assert (await bob.get("/api/v1/store")).json()["items"] == []
