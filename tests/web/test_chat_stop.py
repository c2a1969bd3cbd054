"""Stop generating: the user ends a running turn, keeps the answer so far, and chats on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from gptforge.llm import Finish, ProviderEvent, ScriptedProvider, ScriptedReply, TextDelta
from gptforge.llm.base import Message, ToolDefinition
from gptforge.store import ConversationRepository
from gptforge.web.platform import Platform
from tests.web.chat import new_conversation, parse_sse, send, text_of
from tests.web.test_files import gpt_with


class EndlessModel:
    """Writes one word every few milliseconds until it is stopped."""

    name = "endless"

    def __init__(self) -> None:
        self.words = 0

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        while True:
            self.words += 1
            yield TextDelta(text=f"word{self.words} ")
            await asyncio.sleep(0.01)
        yield Finish(reason="stop")  # never reached


async def test_stop_ends_the_turn_keeps_the_answer_so_far_and_the_chat_goes_on(
    platform: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    conversation_id = await new_conversation(alice, await gpt_with(alice), draft=True)
    model = EndlessModel()
    platform.provider = model  # type: ignore[assignment]

    async def stop_soon() -> httpx.Response:
        while model.words < 5:
            await asyncio.sleep(0.01)
        assert (await bob.post(f"/api/v1/conversations/{conversation_id}/stop")).status_code == 404
        return await alice.post(f"/api/v1/conversations/{conversation_id}/stop")

    stopper = asyncio.create_task(stop_soon())
    response = await alice.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": "Go on"}
    )
    stopped = await stopper
    assert stopped.status_code == 202 and stopped.json() == {"stopping": True}
    events = parse_sse(response.text)
    assert events[-1].kind == "done" and events[-1].data["reason"] == "stopped"
    shown = text_of(events)
    assert shown.startswith("word1 word2 ")
    words_when_stopped = model.words
    await asyncio.sleep(0.1)
    assert model.words == words_when_stopped  # the model is not asked for more

    conversation = (await alice.get(f"/api/v1/conversations/{conversation_id}")).json()
    assert conversation["status"] == "idle"
    assistant = [m for m in conversation["messages"] if m["role"] == "assistant"]
    assert assistant and assistant[-1]["content"] == shown

    nothing = await alice.post(f"/api/v1/conversations/{conversation_id}/stop")
    assert nothing.status_code == 202 and nothing.json() == {"stopping": False}
    platform.provider = ScriptedProvider([ScriptedReply(text="Still here.")])
    assert text_of(await send(alice, conversation_id, "Hello?")) == "Still here."


async def test_a_stop_asked_of_another_process_reaches_the_turn_by_its_heartbeat(
    platform: Platform, alice: httpx.AsyncClient
) -> None:
    platform.settings.turn_stale_seconds = 0.3  # heartbeats every 0.1 s
    conversation_id = await new_conversation(alice, await gpt_with(alice), draft=True)
    model = EndlessModel()
    platform.provider = model  # type: ignore[assignment]

    async def stop_as_another_process() -> None:
        while model.words < 5:
            await asyncio.sleep(0.01)
        async with platform.db.session() as session:  # only the database, not this process
            assert await ConversationRepository(session).request_stop(conversation_id)

    stopper = asyncio.create_task(stop_as_another_process())
    response = await alice.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": "Go on"}
    )
    await stopper
    events = parse_sse(response.text)
    assert events[-1].data["reason"] == "stopped"
