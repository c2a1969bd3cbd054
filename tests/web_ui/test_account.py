"""Sign up, sign out and sign in through the pages."""

from __future__ import annotations

import re
from typing import Any

from tests.web_ui.conftest import (
    PASSWORD,
    ConsoleErrors,
    LiveServer,
    axe_check,
    screenshot,
    sign_in,
    sign_up,
)


def test_sign_up_lands_on_home_then_sign_out_and_in_again(
    page: Any, live_server: LiveServer
) -> None:
    page.goto("/")
    page.wait_for_url(re.compile(r"/signin\?next=%2F$"))
    axe_check(page)
    screenshot(page, "signin")

    page.get_by_role("link", name="Sign up").first.click()
    page.wait_for_url(re.compile(r"/signup"))
    axe_check(page)
    email = sign_up(page, live_server, "Dana Builder")

    assert page.get_by_role("heading", name="My GPTs").is_visible()
    assert page.get_by_role("button", name="Create a GPT").is_visible()
    assert page.get_by_text("Dana Builder").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/signin$"))
    page.goto("/")
    page.wait_for_url(re.compile(r"/signin"))

    sign_in(page, email)
    assert page.get_by_role("heading", name="My GPTs").is_visible()


def test_a_wrong_password_says_so(
    page: Any, live_server: LiveServer, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"status of 401")  # the browser logs the refused sign-in
    page.goto("/signin")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill(PASSWORD + "x")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Wrong email or password."
    assert page.url.endswith("/signin")
