"""Browser tests: a real gptforge server, Debian's chromium driven by Playwright.

- ``live_server`` (one per session): ``gptforge serve``'s app on a free loopback port
  with a fresh data directory, the demo weather API and its published GPT; each test
  sets the model with :meth:`LiveServer.use_provider` (a scripted one; a test that
  forgets gets "ran out of replies").
- ``browser`` (one per session) and ``page`` (a new context per test): the page
  collects console errors and failed page loads and fails the test on any of them.
- :func:`axe_check` runs the vendored axe-core and fails on serious or critical
  violations; :func:`screenshot` saves light/dark, desktop/phone images to
  ``build/screenshots/`` (ignored by git), or to ``$GPTFORGE_SCREENSHOTS``:
  ``GPTFORGE_SCREENSHOTS=docs/screenshots`` refreshes the README's images.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from gptforge.demo.weather_api import create_app as create_weather_app
from gptforge.llm import ModelProvider, ScriptedProvider
from gptforge.web.app import create_app, create_platform
from gptforge.web.platform import Platform
from gptforge.web.seed import seed_demo
from gptforge.web.settings import ServerSettings
from tests.servers import free_port, serve

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# Not the README's images by default: a test run must not rewrite tracked files.
SCREENSHOTS = ROOT / os.environ.get("GPTFORGE_SCREENSHOTS", "build/screenshots")
PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@example.com"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the browser are marked ``browser`` (select them with ``-m browser``)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


# ------------------------------------------------------------------ the server


@dataclass
class LiveServer:
    url: str
    platform: Platform
    demo_gpt_id: str
    demo_api_url: str
    _users: int = field(default=0)

    def use_provider(self, provider: ModelProvider) -> None:
        """The model every chat of this server talks to from now on."""
        self.platform.provider = provider

    def new_email(self, name: str = "user") -> str:
        self._users += 1
        return f"{name}{self._users}@example.com"

    def api(self) -> httpx.Client:
        """A client of the server's API (sign it in with :func:`api_signup`)."""
        return httpx.Client(base_url=self.url, timeout=10)


@dataclass
class _Running:
    server: uvicorn.Server
    thread: threading.Thread


def _start(app: Any, port: int) -> _Running:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gptforge server did not start")
        time.sleep(0.02)
    return _Running(server, thread)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("web_ui") / "data"
    settings = ServerSettings(data_dir=data_dir, password_hashing="cheapest", allow_demo_api=False)
    platform = create_platform(settings)
    platform.provider = ScriptedProvider([])
    seeded: dict[str, str] = {}
    with serve(create_weather_app()) as demo_url:
        platform.extra_allow_hosts.append(demo_url.removeprefix("http://"))

        async def seed(p: Platform) -> None:
            seeded["gpt"] = await seed_demo(p, demo_url)

        port = free_port()
        running = _start(create_app(platform=platform, on_startup=[seed]), port)
        url = f"http://127.0.0.1:{port}"
        try:
            live = LiveServer(
                url=url, platform=platform, demo_gpt_id=seeded["gpt"], demo_api_url=demo_url
            )
            with live.api() as client:
                api_signup(client, ADMIN_EMAIL, "Admin")  # the first account: the admin
            yield live
        finally:
            running.server.should_exit = True
            running.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def _no_model_by_default(live_server: LiveServer) -> None:
    live_server.use_provider(ScriptedProvider([]))


def api_signup(client: httpx.Client, email: str, name: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


# ----------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@dataclass
class ConsoleErrors:
    """Console errors and uncaught exceptions of a page; the test fails on any left."""

    seen: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        """Allow console errors matching ``pattern`` (a test that provokes one on purpose)."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    made = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    made.set_default_timeout(TIMEOUT_MS)
    yield made
    made.close()


@pytest.fixture
def page(context: Any, console_errors: ConsoleErrors) -> Iterator[Any]:
    made = watch(context.new_page(), console_errors)
    yield made
    assert console_errors.unexpected() == [], "console errors on the page"


def watch(page: Any, errors: ConsoleErrors) -> Any:
    """Collect ``page``'s console errors and uncaught exceptions into ``errors``."""

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.seen.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.seen.append(f"{page.url}: uncaught {error}"))
    return page


# --------------------------------------------------------- accounts in a browser


def sign_up(page: Any, server: LiveServer, name: str = "Builder") -> str:
    """Sign up through the page; returns the new account's email."""
    email = server.new_email(name.lower().replace(" ", ""))
    page.goto("/signup")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{server.url}/")
    return email


def sign_in(page: Any, email: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)


# ------------------------------------------------------------- checks and images


AXE = ROOT / "src" / "gptforge" / "web" / "static" / "vendor" / "axe-core" / "axe.min.js"


def axe_check(page: Any) -> None:
    """Fail on serious or critical accessibility violations (axe-core, WCAG 2.x A/AA)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # a same-origin file: the page's CSP (script-src 'self') lets it load
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    bad = [v for v in results if v["impact"] in ("serious", "critical")]
    assert bad == [], f"accessibility violations on {page.url}: {bad}"


def screenshot(page: Any, name: str) -> list[Path]:
    """Save ``name`` in light and dark, desktop and phone (360 px) width; the paths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    saved = []
    try:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                path = SCREENSHOTS / f"{name}-{scheme}-{size_name}.png"
                page.screenshot(path=str(path), full_page=size_name == "phone")
                saved.append(path)
    finally:
        page.emulate_media(color_scheme="light")
        if original:
            page.set_viewport_size(original)
    return saved


# ------------------------------------------------------------- set-up by the API


@contextmanager
def api_user(server: LiveServer, name: str) -> Iterator[httpx.Client]:
    """A new account signed in on an API client."""
    with server.api() as client:
        api_signup(client, server.new_email(name.lower()), name)
        yield client


@contextmanager
def api_admin(server: LiveServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        response = client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        yield client


def allow_hosts(server: LiveServer, *urls: str) -> None:
    """Add the loopback servers at ``urls`` to the action host allowlist."""
    with api_admin(server) as admin:
        current = admin.get("/api/v1/admin/settings").json()["allow_hosts"]
        wanted = [f"{httpx.URL(u).host}:{httpx.URL(u).port}" for u in urls]
        response = admin.patch(
            "/api/v1/admin/settings", json={"allow_hosts": sorted({*current, *wanted})}
        )
        assert response.status_code == 200, response.text


def api_gpt(
    owner: httpx.Client,
    *,
    name: str,
    schema: str,
    server_url: str,
    auth: dict[str, Any] | None = None,
    visibility: str | None = "link",
    description: str = "A test GPT.",
) -> str:
    """A GPT with one action (``schema`` served at ``server_url``), published."""
    gpt = owner.post(
        "/api/v1/gpts",
        json={
            "name": name,
            "description": description,
            "instructions": "Use the API.",
            "conversation_starters": ["Go"],
        },
    )
    assert gpt.status_code == 201, gpt.text
    gpt_id = str(gpt.json()["id"])
    action = owner.post(
        f"/api/v1/gpts/{gpt_id}/actions",
        json={"schema": schema, "server_url": server_url, "auth": auth or {"type": "none"}},
    )
    assert action.status_code == 201, action.text
    if visibility is not None:
        published = owner.post(f"/api/v1/gpts/{gpt_id}/publish", json={"visibility": visibility})
        assert published.status_code == 200, published.text
    return gpt_id


def chat_as(page: Any, server: LiveServer, gpt_id: str, name: str = "Chatter") -> None:
    """Sign up in the browser and open a new chat with ``gpt_id``."""
    sign_up(page, server, name)
    page.goto(f"/g/{gpt_id}/chat")
    page.get_by_label("Message").wait_for()


def send(page: Any, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()
