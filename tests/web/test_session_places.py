"""Requests that wait on something slow outside the database (a model, a client's
upload) give their session's place back meanwhile: on SQLite (one place) they would
otherwise hold up every other request of the process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
import httpx

from gptforge.llm import TextDelta
from gptforge.web.platform import Platform


class SlowModel:
    """A model provider that answers only once released."""

    name = "slow"

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def stream(self, _messages: Sequence[Any], _tools: Sequence[Any]) -> AsyncIterator[Any]:
        self.asked.set()
        await self.release.wait()
        yield TextDelta(text="OK")


async def served_meanwhile(client: httpx.AsyncClient) -> bool:
    with anyio.move_on_after(5):
        return (await client.get("/api/v1/me")).status_code == 200
    return False


async def test_the_admins_model_test_does_not_hold_up_other_users(
    platform: Platform, admin: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    slow = SlowModel()
    platform.provider = slow  # type: ignore[assignment]
    pending = asyncio.ensure_future(admin.post("/api/v1/admin/model/test"))
    try:
        await asyncio.wait_for(slow.asked.wait(), 5)
        assert await served_meanwhile(bob)
        assert not pending.done()
    finally:
        slow.release.set()
    answer = await pending
    assert answer.status_code == 200 and answer.json()["ok"] is True


async def test_a_slowly_uploaded_import_does_not_hold_up_other_users(
    alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield b"name: Slow upload\n"
        started.set()
        await release.wait()  # a client on a slow link
        yield b"description: uploaded slowly\n"

    pending = asyncio.ensure_future(
        alice.post(
            "/api/v1/gpts/import", content=body(), headers={"Content-Type": "application/yaml"}
        )
    )
    try:
        await asyncio.wait_for(started.wait(), 5)
        await asyncio.sleep(0.1)  # the handler is reading the rest of the body
        assert await served_meanwhile(bob)
    finally:
        release.set()
    imported = await pending
    assert imported.status_code == 201, imported.text
    assert imported.json()["gpt"]["description"] == "uploaded slowly"
