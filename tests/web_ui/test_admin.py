"""The administration page: accounts, sign-up mode, host allowlist, model settings."""

from __future__ import annotations

import re
from typing import Any

from gptforge.llm import ScriptedProvider, ScriptedReply
from tests.web_ui.conftest import (
    ADMIN_EMAIL,
    ConsoleErrors,
    LiveServer,
    axe_check,
    screenshot,
    sign_in,
    sign_up,
)

KEY = "sk-admin-page-canary-42"


def test_the_admin_manages_accounts_hosts_and_the_model(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    sign_in(page, ADMIN_EMAIL)
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url(f"{live_server.url}/admin")
    page.locator("[data-users] tr").first.wait_for()
    axe_check(page)
    screenshot(page, "admin")

    email = live_server.new_email("made")
    page.get_by_label("Display name").fill("Made By Admin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("long enough password")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text(f"Account created for {email}.").wait_for()
    page.get_by_role("cell", name=email).wait_for()

    page.get_by_label("Allowed hosts").fill("internal.example:8080\n10.1.0.0/16")
    page.get_by_role("button", name="Save allowlist").click()
    page.get_by_text("Allowlist saved.").wait_for()

    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Save model settings").click()
    page.get_by_text("An API key is set").wait_for()
    page.reload()
    page.get_by_text("An API key is set").wait_for()
    assert page.get_by_label("API key").input_value() == ""
    assert KEY not in page.content()
    hosts = page.get_by_label("Allowed hosts").input_value().splitlines()
    assert "internal.example:8080" in hosts and "10.1.0.0/16" in hosts
    page.get_by_role("button", name="Remove API key").click()
    page.get_by_text("Not set.").wait_for()

    live_server.use_provider(ScriptedProvider([ScriptedReply(text="pong")]))
    console_errors.expect(r"/admin: Failed to load resource.*404")  # before the model test API
    page.get_by_role("button", name="Test model").click()
    result = page.locator("[data-model-result]")
    result.filter(has_text=re.compile(r"answered|did not answer|cannot test")).wait_for()
    said = result.inner_text()
    assert ("answered" in said and "pong" in said) or "cannot test the model yet" in said

    page.get_by_label("Sign-up mode").select_option("closed")
    page.get_by_role("button", name="Save sign-up mode").click()
    page.get_by_text("Sign-up mode saved.").wait_for()
    try:
        with live_server.api() as anonymous:
            assert "Sign-up is closed" in anonymous.get("/signup").text
    finally:
        page.get_by_label("Sign-up mode").select_option("open")
        page.get_by_role("button", name="Save sign-up mode").click()
        page.get_by_text("Sign-up mode saved.").wait_for()


def test_the_admin_page_is_for_administrators_only(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"/admin: Failed to load resource.*403")
    sign_up(page, live_server, "Regular")
    assert page.get_by_role("link", name="Admin").count() == 0
    response = page.goto("/admin")
    assert response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert page.get_by_text("Only an administrator can do this.").is_visible()
