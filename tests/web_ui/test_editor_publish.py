"""The editor's Create tab (the builder), publishing, versions, gpt.yaml import and export."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from tests.web_ui.conftest import (
    ConsoleErrors,
    LiveServer,
    api_signup,
    axe_check,
    screenshot,
    sign_up,
    watch,
)
from tests.web_ui.test_editor import configure, new_gpt, saved

pytestmark = pytest.mark.browser

MEAL_PLANNER = {
    "name": "Meal planner",
    "description": "Plans a week of meals around what you like.",
    "instructions": "You help people plan meals. Ask about diet and budget first.",
    "conversation_starters": ["Plan my week", "Cook with rice and eggs"],
}


def publish(page: Any, visibility: str) -> Any:
    page.get_by_role("button", name="Publish", exact=True).click()
    dialog = page.locator("[data-publish-dialog]")
    dialog.get_by_label(visibility).check()
    dialog.get_by_role("button", name="Publish", exact=True).click()
    return dialog


def test_the_create_tab_fills_in_configure_and_preview(page: Any, live_server: LiveServer) -> None:
    new_gpt(page, live_server)
    live_server.use_provider(
        ScriptedProvider(
            [
                ScriptedReply(calls=(ScriptedCall(name="update_draft", arguments=MEAL_PLANNER),)),
                ScriptedReply(text="I made a meal planner. Should it ask about allergies?"),
            ]
        )
    )
    page.get_by_role("tab", name="Create").click()
    create = page.get_by_role("tabpanel", name="Create")
    create.get_by_label("Message").fill("Make a GPT that helps people plan meals")
    create.get_by_role("button", name="Send").click()

    create.get_by_text("I made a meal planner.").wait_for()
    assert create.locator("summary", has_text="Updated the draft").is_visible()
    preview = page.locator("[data-preview]")
    preview.get_by_role("button", name="Plan my week").wait_for()
    assert page.get_by_role("heading", name="Meal planner").is_visible()
    axe_check(page)
    screenshot(page, "editor-create")

    page.get_by_role("tab", name="Configure").click()
    assert page.get_by_label("Name", exact=True).input_value() == "Meal planner"
    assert page.get_by_label("Instructions").input_value() == MEAL_PLANNER["instructions"]
    assert page.get_by_role("textbox", name="Conversation starter 2").input_value() == (
        "Cook with rice and eggs"
    )

    # the conversation is kept: a reload shows it again
    page.reload()
    page.get_by_role("tab", name="Create").click()
    create.get_by_text("I made a meal planner.").wait_for()


def test_publishing_is_blocked_with_each_rule_and_its_fix(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"status of 422")  # the browser logs the refused publish
    new_gpt(page, live_server)
    configure(page, name="OpenAI helper")

    dialog = publish(page, "Everyone")

    problems = dialog.locator("[data-publish-problem-list] li")
    problems.first.wait_for()
    texts = problems.all_inner_texts()
    assert "Add a description so users know what it does." in texts
    assert any("contains 'openai'" in t and "Choose another name" in t for t in texts)
    axe_check(page)
    screenshot(page, "editor-publish-blocked")


def test_publish_with_a_link_and_another_user_chats(
    page: Any, live_server: LiveServer, context: Any, console_errors: ConsoleErrors
) -> None:
    gpt_id = new_gpt(page, live_server)
    configure(page, name="Linked helper", description="Answers with care.")

    dialog = publish(page, "Anyone with the link")

    link = dialog.get_by_label("Link to the GPT")
    link.wait_for()
    assert link.input_value() == f"{live_server.url}/g/{gpt_id}"
    assert dialog.get_by_text("Published version 1: Anyone with the link.").is_visible()
    dialog.get_by_role("button", name="Close").click()

    # a second user, in a browser of their own, opens the link and chats
    browser = context.browser
    other_context = browser.new_context(base_url=live_server.url)
    try:
        other = watch(other_context.new_page(), console_errors)
        sign_up(other, live_server, "Link holder")
        other.goto(link.input_value())
        assert other.get_by_role("heading", name="Linked helper").is_visible()
        live_server.use_provider(ScriptedProvider([ScriptedReply(text="Hello from the link.")]))
        other.get_by_role("link", name="Start chat").click()
        other.get_by_label("Message").fill("Hi")
        other.get_by_role("button", name="Send").click()
        other.get_by_text("Hello from the link.").wait_for()
    finally:
        other_context.close()


def test_publish_to_everyone_then_find_it_in_the_store(page: Any, live_server: LiveServer) -> None:
    new_gpt(page, live_server)
    configure(page, name="Origami folder", description="Teaches paper folding step by step.")

    dialog = publish(page, "Everyone")

    dialog.get_by_text("It is listed in the store.").wait_for()
    page.goto("/")
    page.get_by_label("Search GPTs").fill("origami")
    page.get_by_role("button", name="Search").click()
    page.locator("[data-store-results]").get_by_role("link", name="Origami folder").wait_for()


def test_restore_a_version_into_the_draft(page: Any, live_server: LiveServer) -> None:
    new_gpt(page, live_server)
    configure(page, name="First name", description="Version one.")
    publish(page, "Only me").get_by_text("Published version 1: Only me.").wait_for()
    page.locator("[data-publish-dialog]").get_by_role("button", name="Close").click()
    configure(page, name="Second name")

    page.get_by_role("button", name="Versions").click()
    versions = page.locator("[data-versions-dialog]")
    versions.get_by_text("Version 1", exact=True).wait_for()
    axe_check(page)
    versions.get_by_role("button", name="Restore version 1").click()

    page.wait_for_function(
        "() => document.querySelector('#gpt-name').value === 'First name'", timeout=10_000
    )
    saved(page)
    assert page.get_by_role("heading", name="First name").is_visible()


def test_export_and_import_gpt_yaml(page: Any, live_server: LiveServer, tmp_path: Any) -> None:
    new_gpt(page, live_server)
    configure(page, name="Exported helper", description="Round trip.")

    href = page.get_by_role("link", name="Export gpt.yaml").get_attribute("href")
    exported = page.request.get(href)
    assert exported.ok and "name: Exported helper" in exported.text()

    file = tmp_path / "gpt.yaml"
    file.write_text(exported.text().replace("Exported helper", "Imported helper"))
    page.get_by_role("button", name="Import gpt.yaml").click()
    page.get_by_label("gpt.yaml or zip file").set_input_files(str(file))
    page.locator("[data-import-dialog]").get_by_role("button", name="Import").click()

    page.wait_for_url(re.compile(r"/gpts/[^/]+/edit$"))
    page.get_by_text('Imported "Imported helper" as a new private GPT.').wait_for()
    page.wait_for_function(
        "() => document.querySelector('#gpt-name').value === 'Imported helper'", timeout=10_000
    )


def test_another_user_cannot_open_the_editor(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"status of 404")  # the page itself answers 404
    with live_server.api() as owner:
        api_signup(owner, live_server.new_email("owner"), "Owner")
        gpt_id = owner.post("/api/v1/gpts", json={"name": "Private one"}).json()["id"]
    sign_up(page, live_server, "Stranger")

    response = page.goto(f"/gpts/{gpt_id}/edit")

    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert httpx.URL(page.url).path == f"/gpts/{gpt_id}/edit"
