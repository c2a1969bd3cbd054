"""The conversation list, returning-user starters, and errors the user can act on."""

from __future__ import annotations

import re
from typing import Any

from gptforge.errors import ProviderError
from gptforge.llm import ScriptedProvider, ScriptedReply
from tests.web_ui.conftest import ConsoleErrors, LiveServer, chat_as, send


def test_conversations_can_be_renamed_and_deleted(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"/c/[\w-]+: Failed to load resource.*404")  # the deleted one
    live_server.use_provider(
        ScriptedProvider([ScriptedReply(text="First answer."), ScriptedReply(text="Second.")])
    )
    chat_as(page, live_server, live_server.demo_gpt_id)
    send(page, "first question")
    page.get_by_text("First answer.").wait_for()
    first_url = page.url

    page.get_by_role("link", name="New chat").click()
    # a returning user gets the GPT's returning-user starters
    page.get_by_role("button", name="Same city as last time?").wait_for()
    send(page, "second question")
    page.get_by_text("Second.").wait_for()
    sidebar = page.locator("[data-conversations]")
    sidebar.get_by_role("link", name="first question").wait_for()

    sidebar.get_by_role("button", name="Rename “first question”").click()
    page.get_by_label("Conversation title").fill("Trip planning")
    page.get_by_role("button", name="Save").click()
    sidebar.get_by_role("link", name="Trip planning").wait_for()

    page.once("dialog", lambda dialog: dialog.accept())
    sidebar.get_by_role("button", name="Delete “Trip planning”").click()
    sidebar.get_by_role("link", name="Trip planning").wait_for(state="detached")
    assert sidebar.get_by_role("link", name="second question").is_visible()
    response = page.goto(first_url)
    assert response.status == 404


def test_a_failing_model_shows_a_clear_error_and_retry_works(
    page: Any, live_server: LiveServer
) -> None:
    answers = iter(["boom", "Recovered."])

    def reply(_messages: list[Any], _tools: list[Any]) -> ScriptedReply:
        text = next(answers)
        if text == "boom":
            raise ProviderError("The model server is unreachable; check the model settings.")
        return ScriptedReply(text=text)

    live_server.use_provider(ScriptedProvider(reply))
    chat_as(page, live_server, live_server.demo_gpt_id)
    send(page, "hello")
    alert = page.get_by_role("alert").filter(has_text="model server is unreachable")
    alert.wait_for()
    alert.get_by_role("button", name="Retry").click()
    page.get_by_text("Recovered.").wait_for()
    assert page.locator(".message-user .bubble").all_inner_texts() == ["hello", "hello"]
    assert re.search(r"/c/[\w-]+$", page.url)
