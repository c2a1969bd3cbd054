"""The store: full-text search over public GPTs, categories, sorting, cursor pages."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from gptforge.store import Gpt
from gptforge.web.platform import Platform
from tests.web.conftest import assert_error


async def published(
    client: httpx.AsyncClient,
    name: str,
    description: str,
    *,
    category: str = "other",
    visibility: str = "public",
) -> str:
    gpt = await client.post(
        "/api/v1/gpts", json={"name": name, "description": description, "category": category}
    )
    gpt_id = str(gpt.json()["id"])
    response = await client.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": visibility})
    assert response.status_code == 200, response.text
    return gpt_id


async def names(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/api/v1/store", params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


class TestSearch:
    async def test_full_text_by_word_start_over_name_and_description(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        await published(alice, "Weather helper", "Forecasts for any city.")
        await published(alice, "Recipe coach", "Plans meals from what is in the fridge.")
        await published(alice, "Hidden link", "Weather secrets", visibility="link")
        await published(alice, "Private", "Weather things", visibility="private")
        assert await names(bob, q="weath") == ["Weather helper"]
        assert await names(bob, q="MEALS fridge") == ["Recipe coach"]
        assert await names(bob, q="meals weather") == []
        assert sorted(await names(bob)) == ["Recipe coach", "Weather helper"]
        assert await names(bob, q='" OR 1=1 -- *') == []

    async def test_items_are_public_views(
        self, alice: httpx.AsyncClient, bob: httpx.AsyncClient
    ) -> None:
        await alice.post("/api/v1/gpts", json={"name": "n", "instructions": "SECRET"})
        gpt_id = await published(alice, "Shown", "d")
        items = (await bob.get("/api/v1/store")).json()["items"]
        assert items[0]["id"] == gpt_id and items[0]["view"] == "public"
        assert "instructions" not in items[0] and items[0]["builder_name"] == "Alice"

    async def test_category_filter(self, alice: httpx.AsyncClient) -> None:
        await published(alice, "Writer", "d", category="writing")
        await published(alice, "Coder", "d", category="programming")
        assert await names(alice, category="writing") == ["Writer"]
        assert_error(await alice.get("/api/v1/store", params={"category": "nope"}), 422)
        categories = (await alice.get("/api/v1/store/categories")).json()["categories"]
        assert "writing" in categories and "programming" in categories

    async def test_sort_recent_and_popular(
        self, alice: httpx.AsyncClient, platform: Platform
    ) -> None:
        first = await published(alice, "First", "d")
        await published(alice, "Second", "d")
        async with platform.db.session() as session:
            await session.execute(update(Gpt).where(Gpt.id == first).values(conversation_count=7))
        assert await names(alice, sort="recent") == ["Second", "First"]
        assert await names(alice, sort="popular") == ["First", "Second"]
        items = (await alice.get("/api/v1/store", params={"sort": "popular"})).json()["items"]
        assert items[0]["conversation_count"] == 7

    async def test_cursor_pages_cover_everything_once(self, alice: httpx.AsyncClient) -> None:
        for index in range(5):
            await published(alice, f"GPT {index}", "d")
        for sort in ("recent", "popular"):
            seen: list[str] = []
            cursor = None
            while True:
                params = {"limit": "2", "sort": sort, **({"cursor": cursor} if cursor else {})}
                page = (await alice.get("/api/v1/store", params=params)).json()
                seen += [item["name"] for item in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert sorted(seen) == [f"GPT {i}" for i in range(5)]

    async def test_bad_cursor_is_422(self, alice: httpx.AsyncClient) -> None:
        for cursor in ("garbage", "eyJ4IjoxfQ"):
            error = assert_error(
                await alice.get("/api/v1/store", params={"cursor": cursor}), 422, "invalid_cursor"
            )
            assert "start again" in error["message"]
