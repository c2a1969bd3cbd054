"""The GPT builder (Create tab): a conversation whose tools edit the GPT's draft."""

from __future__ import annotations

import httpx

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.toolsets import CallContext, CallResult
from gptforge.web import builder
from gptforge.web.platform import Platform
from tests.web.apis import ECHO_SPEC
from tests.web.chat import after_accepted, kinds, parse_sse, text_of
from tests.web.conftest import assert_error

MEAL_PLANNER = {
    "name": "Meal planner",
    "description": "Plans a week of meals around what you like and have.",
    "instructions": "You help people plan meals. Ask about diet and budget, then plan.",
    "conversation_starters": ["Plan my week", "What can I cook with rice and eggs?"],
}


async def new_gpt(client: httpx.AsyncClient, name: str = "Untitled") -> str:
    response = await client.post("/api/v1/gpts", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def tell_builder(client: httpx.AsyncClient, gpt_id: str, content: str) -> httpx.Response:
    return await client.post(f"/api/v1/gpts/{gpt_id}/builder/messages", json={"content": content})


async def test_the_builder_fills_in_the_draft(platform: Platform, alice: httpx.AsyncClient) -> None:
    gpt_id = await new_gpt(alice)
    provider = ScriptedProvider(
        [
            ScriptedReply(calls=(ScriptedCall(name="update_draft", arguments=MEAL_PLANNER),)),
            ScriptedReply(text="I set up a meal planner. Want it to ask about allergies?"),
        ]
    )
    platform.provider = provider

    response = await tell_builder(alice, gpt_id, "Make a GPT that helps people plan meals")

    assert response.status_code == 200, response.text
    events = after_accepted(parse_sse(response.text))
    assert kinds(events) == ["tool_call_started", "tool_call_finished", "done"]
    finished = next(e for e in events if e.kind == "tool_call_finished")
    assert finished.data["status"] == "ok" and finished.data["operation"] == "update_draft"
    assert finished.data["record"]["method"] == "PATCH"
    assert finished.data["record"]["url"] == f"/api/v1/gpts/{gpt_id}"
    assert text_of(events).startswith("I set up a meal planner.")

    draft = (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()
    for name, value in MEAL_PLANNER.items():
        assert draft[name] == value
    assert draft["visibility"] == "private" and draft["live_version"] is None

    # the model saw the builder (its instructions and tools), not the GPT being built
    messages, tools = provider.requests[0]
    assert [t["function"]["name"] for t in tools] == ["update_draft"]
    assert '"name": "Untitled"' in tools[0]["function"]["description"]  # the draft it edits
    assert messages[0]["content"] == builder.INSTRUCTIONS.strip()

    conversation = (await alice.get(f"/api/v1/gpts/{gpt_id}/builder")).json()
    assert conversation["id"] == builder.conversation_id(gpt_id)
    assert conversation["draft"] is True and conversation["status"] == "idle"
    assert [m["role"] for m in conversation["messages"]] == [
        "user",
        "assistant",
        "tool",
        "assistant",
    ]


async def test_the_builder_sees_the_draft_and_changes_one_field(
    platform: Platform, alice: httpx.AsyncClient
) -> None:
    gpt_id = await new_gpt(alice, "Chef")
    await alice.patch(f"/api/v1/gpts/{gpt_id}", json={"instructions": "Cook."})
    provider = ScriptedProvider(
        [
            ScriptedReply(
                calls=(ScriptedCall(name="update_draft", arguments={"name": "Friendly chef"}),)
            ),
            ScriptedReply(text="Renamed."),
        ]
    )
    platform.provider = provider

    events = parse_sse((await tell_builder(alice, gpt_id, "A friendlier name")).text)

    description = provider.requests[0][1][0]["function"]["description"]
    assert '"name": "Chef"' in description and '"instructions": "Cook."' in description
    results = [e.data for e in events if e.kind == "tool_call_finished"]
    assert [r["operation"] for r in results] == ["update_draft"]
    assert '"name": "Friendly chef"' in results[0]["excerpt"]
    draft = (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()
    assert draft["name"] == "Friendly chef" and draft["instructions"] == "Cook."


async def test_fields_outside_the_allowlist_are_refused(
    platform: Platform, alice: httpx.AsyncClient
) -> None:
    gpt_id = await new_gpt(alice, "Mine")
    before = (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()
    attempts = [
        {"name": "Taken", "owner_id": "u-someone-else"},
        {"visibility": "public"},
        {"conversation_count": 1000},
        {"name": ""},
        {"conversation_starters": ["a", "b", "c", "d", "e"]},
    ]
    platform.provider = ScriptedProvider(
        [
            ScriptedReply(
                calls=tuple(ScriptedCall(name="update_draft", arguments=a) for a in attempts)
            ),
            ScriptedReply(text="I could not change that."),
        ]
    )

    events = parse_sse((await tell_builder(alice, gpt_id, "Make it public, owned by bob")).text)

    results = [e.data for e in events if e.kind == "tool_call_finished"]
    assert [r["status"] for r in results] == ["invalid_arguments"] * len(attempts)
    assert "owner_id" in results[0]["message"] and "visibility" in results[1]["message"]
    after = (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()
    assert after == before


async def test_another_users_gpt_has_no_builder(
    platform: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    private_id = await new_gpt(alice, "Private")
    platform.provider = ScriptedProvider([ScriptedReply(text="unused")])

    assert_error(await tell_builder(bob, private_id, "Rename it"), 404, "gpt_not_found")
    assert_error(await bob.get(f"/api/v1/gpts/{private_id}/builder"), 404, "gpt_not_found")
    assert_error(await bob.delete(f"/api/v1/gpts/{private_id}/builder"), 404)

    # a GPT bob may chat with (a link) is still not his to build
    await alice.patch(f"/api/v1/gpts/{private_id}", json={"description": "Shared"})
    published = await alice.post(f"/api/v1/gpts/{private_id}/publish", json={"visibility": "link"})
    assert published.status_code == 200, published.text
    assert_error(await tell_builder(bob, private_id, "Rename it"), 403)

    # alice's builder conversation is hers alone
    await alice.get(f"/api/v1/gpts/{private_id}/builder")
    conversation_id = builder.conversation_id(private_id)
    assert_error(await bob.get(f"/api/v1/conversations/{conversation_id}"), 404)
    response = await bob.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"content": "Rename it"}
    )
    assert_error(response, 404)
    assert (await alice.get(f"/api/v1/gpts/{private_id}")).json()["name"] == "Private"


async def test_the_toolset_checks_the_user_of_every_call(
    platform: Platform, alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    """Even run for the wrong user, the builder goes through the one authorization."""
    gpt_id = await new_gpt(alice, "Alice's")
    bob_id = (await bob.get("/api/v1/me")).json()["id"]
    toolset = builder.BuilderToolset(platform.db, gpt_id)

    outcome = await toolset.run(
        "update_draft", {"name": "Bob's now"}, CallContext(user_id=bob_id, session_id="s")
    )

    assert isinstance(outcome, CallResult)
    assert outcome.status == "blocked" and outcome.http_status == 404
    assert (await alice.get(f"/api/v1/gpts/{gpt_id}")).json()["name"] == "Alice's"


async def test_the_builder_conversation_starts_over(
    platform: Platform, alice: httpx.AsyncClient
) -> None:
    gpt_id = await new_gpt(alice)
    platform.provider = ScriptedProvider([ScriptedReply(text="What should it do?")])
    await tell_builder(alice, gpt_id, "Make a GPT")

    response = await alice.delete(f"/api/v1/gpts/{gpt_id}/builder")

    assert response.status_code == 204
    conversation = (await alice.get(f"/api/v1/gpts/{gpt_id}/builder")).json()
    assert conversation["messages"] == []


async def test_an_operations_arguments_schema_for_the_test_form(
    alice: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    gpt_id = await new_gpt(alice)
    action = await alice.post(f"/api/v1/gpts/{gpt_id}/actions", json={"schema": ECHO_SPEC})
    assert action.status_code == 201, action.text
    url = f"/api/v1/gpts/{gpt_id}/actions/{action.json()['id']}/operations"

    response = await alice.get(f"{url}/whoAmI")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["method"], body["path"]) == ("GET", "/whoami")
    assert body["parameters"]["properties"]["greeting"]["type"] == "string"
    assert body["parameters"]["required"] == ["greeting"]
    assert_error(await alice.get(f"{url}/nope"), 404, "operation_not_found")
    assert_error(await bob.get(f"{url}/whoAmI"), 404, "gpt_not_found")
