"""The GPT editor in a browser: Configure saving, actions, Preview, publishing, versions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gptforge.demo import DEMO_SPEC
from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve
from tests.web_ui.conftest import ConsoleErrors, LiveServer, axe_check, screenshot, sign_up

pytestmark = pytest.mark.browser


def new_gpt(page: Any, server: LiveServer, name: str = "Builder") -> str:
    """Sign up, press "Create a GPT" and land in its editor; the GPT's id."""
    sign_up(page, server, name)
    page.get_by_role("button", name="Create a GPT").click()
    page.wait_for_url(re.compile(r"/gpts/[^/]+/edit$"))
    saved(page)
    return page.url.rsplit("/", 2)[-2]


def saved(page: Any) -> None:
    """Wait until the editor says the draft is saved."""
    page.locator('[data-save-state][data-state="saved"]').wait_for()


def configure(page: Any, **fields: str) -> None:
    page.get_by_role("tab", name="Configure").click()
    for label, value in fields.items():
        page.get_by_label(label.replace("_", " ").capitalize(), exact=True).fill(value)
    saved(page)


def add_demo_action(page: Any, server: LiveServer) -> None:
    page.get_by_role("button", name="Create new action").click()
    dialog = page.locator("[data-action-dialog]")
    dialog.get_by_label("Schema", exact=True).fill(DEMO_SPEC.read_text())
    dialog.get_by_role("cell", name="getCurrentWeather", exact=True).wait_for()
    dialog.get_by_label("Server URL (optional)").fill(server.demo_api_url)
    dialog.get_by_label("Privacy policy URL").fill("https://example.com/privacy")
    dialog.get_by_role("button", name="Create").click()
    dialog.get_by_role("button", name="Save", exact=True).wait_for()


def test_configure_saves_the_draft_and_asks_before_leaving_unsaved(
    page: Any, live_server: LiveServer
) -> None:
    new_gpt(page, live_server)

    configure(
        page,
        name="Meal planner",
        description="Plans a week of meals.",
        instructions="You help people plan meals.",
    )
    assert page.locator("[data-instructions-count]").inner_text() == "27 / 8000 characters"
    starters = page.get_by_role("group", name="Conversation starters")
    starters.get_by_role("button", name="Add a starter").click()
    page.get_by_role("textbox", name="Conversation starter 1").fill("Plan my week")
    page.get_by_label("Web browsing").check()
    saved(page)
    assert page.get_by_role("heading", name="Meal planner").is_visible()

    page.reload()
    saved(page)
    assert page.get_by_label("Name", exact=True).input_value() == "Meal planner"
    assert (
        page.get_by_role("textbox", name="Conversation starter 1").input_value() == "Plan my week"
    )
    assert page.get_by_label("Web browsing").is_checked()
    assert page.get_by_role("status").filter(has_text="Saved").is_visible()
    # Preview offers the draft's starters
    assert page.locator("[data-preview]").get_by_role("button", name="Plan my week").is_visible()
    axe_check(page)
    screenshot(page, "editor")

    page.get_by_label("Description", exact=True).fill("Unsaved words")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]


def test_an_action_from_the_demo_spec_with_diagnostics_and_a_test_call(
    page: Any, live_server: LiveServer
) -> None:
    new_gpt(page, live_server)
    page.get_by_role("button", name="Create new action").click()
    dialog = page.locator("[data-action-dialog]")
    schema = dialog.get_by_label("Schema", exact=True)

    schema.fill("openapi: 3.1.0\ninfo: {title: Broken}\npaths:\n  /x:\n    get: {}\n")
    diagnostics = dialog.get_by_role("list", name="Schema diagnostics")
    diagnostics.get_by_text("Error").first.wait_for()
    assert "/info" in diagnostics.inner_text() or "/paths" in diagnostics.inner_text()
    axe_check(page)
    screenshot(page, "editor-action-diagnostics")

    schema.fill(DEMO_SPEC.read_text())
    table = dialog.get_by_role("table")
    table.get_by_role("cell", name="getForecast", exact=True).wait_for()
    assert [c.strip() for c in table.locator("tbody tr").first.locator("td").all_inner_texts()][
        :4
    ] == ["getCurrentWeather", "GET", "/weather/current", "No"]
    dialog.get_by_label("Server URL (optional)").fill(live_server.demo_api_url)
    dialog.get_by_role("button", name="Create").click()
    dialog.get_by_role("button", name="Save", exact=True).wait_for()

    dialog.get_by_role("button", name="Test getCurrentWeather").click()
    dialog.get_by_label("city").fill("Paris")
    dialog.get_by_role("button", name="Send test request").click()
    request = dialog.locator("[data-test-request]")
    request.wait_for()
    assert request.inner_text().startswith(
        f"GET {live_server.demo_api_url}/weather/current?city=Paris"
    )
    assert dialog.locator("[data-test-response]").inner_text().startswith("HTTP 200")
    screenshot(page, "editor-action-test")

    dialog.get_by_role("button", name="Close", exact=True).click()
    actions = page.get_by_role("group", name="Actions")
    assert actions.get_by_role("button", name="Edit Demo Weather API").is_visible()


def test_authentication_secrets_show_only_as_set(page: Any, live_server: LiveServer) -> None:
    new_gpt(page, live_server)
    add_demo_action(page, live_server)
    dialog = page.locator("[data-action-dialog]")
    dialog.get_by_role("button", name="Edit authentication").click()
    auth = page.locator("[data-auth-dialog]")
    auth.get_by_role("radio", name="API key").check()
    auth.get_by_role("textbox", name="API key").fill("sk-editor-canary-123456")
    auth.get_by_role("radio", name="Custom").check()
    auth.get_by_label("Custom header name").fill("X-Api-Key")
    axe_check(page)
    auth.get_by_role("button", name="Save").click()
    summary = dialog.locator("[data-auth-summary]")
    summary.filter(has_text="key set").wait_for()
    assert summary.inner_text() == "API key (header X-Api-Key), key set"

    dialog.get_by_role("button", name="Edit authentication").click()
    assert auth.get_by_role("textbox", name="API key").input_value() == ""
    assert auth.get_by_text("Set. Leave this empty to keep it").is_visible()
    auth.get_by_role("radio", name="OAuth").check()
    for label in ("Client ID", "Client secret", "Authorization URL", "Token URL", "Scope"):
        assert auth.get_by_label(label, exact=True).is_visible()
    callback = auth.get_by_label("Callback URL").input_value()
    assert callback == f"{live_server.url}/api/v1/oauth/callback"
    assert "sk-editor-canary" not in page.content()
    auth.get_by_role("button", name="Cancel").click()


def test_preview_chats_with_the_draft_and_shows_the_action_chip(
    page: Any, live_server: LiveServer
) -> None:
    new_gpt(page, live_server)
    add_demo_action(page, live_server)
    page.locator("[data-action-dialog]").get_by_role("button", name="Close", exact=True).click()
    live_server.use_provider(
        ScriptedProvider(
            [
                ScriptedReply(
                    calls=(ScriptedCall(name="getCurrentWeather", arguments={"city": "Paris"}),)
                ),
                ScriptedReply(text="It is mild in Paris."),
            ]
        )
    )

    preview = page.locator("[data-preview]")
    preview.get_by_label("Message").fill("Weather in Paris?")
    preview.get_by_role("button", name="Send").click()

    chip = preview.locator("summary", has_text="Talked to 127.0.0.1")
    chip.wait_for()
    preview.get_by_text("It is mild in Paris.").wait_for()
    chip.click()
    assert "/weather/current?city=Paris" in preview.locator(".chip-body").inner_text()
    axe_check(page)
    screenshot(page, "editor-preview")


def test_import_a_schema_from_a_url(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"status of 4\d\d")  # the refused private address below
    new_gpt(page, live_server)
    page.get_by_role("button", name="Create new action").click()
    dialog = page.locator("[data-action-dialog]")

    dialog.get_by_label("Schema URL").fill("http://10.0.0.1/openapi.json")
    dialog.get_by_role("button", name="Import from URL").click()
    alert = dialog.get_by_role("alert")
    alert.wait_for()
    assert "10.0.0.1" in alert.inner_text()

    dialog.get_by_label("Schema URL").fill(f"{live_server.demo_api_url}/openapi.yaml")
    dialog.get_by_role("button", name="Import from URL").click()
    dialog.get_by_role("cell", name="listCities", exact=True).wait_for()
    assert "Demo Weather API" in dialog.get_by_label("Schema", exact=True).input_value()
    assert dialog.get_by_role("button", name="Save", exact=True).is_visible()


def test_the_model_choice_lists_the_servers_models_and_is_kept(
    page: Any, live_server: LiveServer
) -> None:
    platform = live_server.platform
    settings, fixed = platform.settings, platform.provider
    with serve(fake_openai_app([], models=("small-model", "big-model"))) as url:
        platform.settings = settings.model_copy(
            update={"openai_base_url": f"{url}/v1", "model": "small-model"}
        )
        platform.provider = None  # the configured server decides, as on a real deployment
        try:
            gpt_id = new_gpt(page, live_server)
            page.get_by_role("tab", name="Configure").click()
            model = page.get_by_label("Model", exact=True)
            page.locator("#gpt-model:enabled").wait_for()
            labels = model.locator("option").all_inner_texts()
            assert labels == [
                "Server default (small-model)",
                "Offline model on this server (Qwen2.5-Coder 1.5B)",
                "small-model",
                "big-model",
            ]
            model.select_option(label="big-model")
            saved(page)
            page.reload()
            saved(page)
            page.locator("#gpt-model:enabled").wait_for()
            assert model.locator("option:checked").inner_text() == "big-model"
            stored = page.evaluate(
                "async (id) => (await (await fetch(`/api/v1/gpts/${id}`)).json()).model", gpt_id
            )
            assert stored == {"provider": "openai", "model": "big-model", "temperature": None}
        finally:
            platform.settings, platform.provider = settings, fixed
