"""The pages over plain HTTP: sign-in redirects, security headers, static files shipped."""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx

from gptforge.web.app import CONTENT_SECURITY_POLICY
from tests.web_ui.conftest import ROOT, LiveServer

PACKAGE = ROOT / "src" / "gptforge"


def test_a_page_without_a_session_redirects_to_sign_in(live_server: LiveServer) -> None:
    with live_server.api() as client:
        response = client.get("/?q=weather")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2F%3Fq%3Dweather"


def test_sign_in_never_sends_people_to_another_site(live_server: LiveServer) -> None:
    with live_server.api() as client:
        page = client.get("/signin", params={"next": "//evil.example/x"})
    assert page.status_code == 200
    assert 'data-next="/"' in page.text
    assert "evil.example" not in page.text


def test_every_response_carries_the_strict_content_security_policy(
    live_server: LiveServer,
) -> None:
    with live_server.api() as client:
        for path in ("/signin", "/api/v1/me", "/static/app.css", "/healthz"):
            response = client.get(path)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
            assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "img-src 'self' data:" in CONTENT_SECURITY_POLICY


def test_static_files_are_served(live_server: LiveServer) -> None:
    with live_server.api() as client:
        script = client.get("/static/js/api.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert client.get("/static/vendor/axe-core/axe.min.js").status_code == 200


def _packaged_files() -> set[Path]:
    """What ``[tool.setuptools.package-data]`` puts in the wheel, by the same globs."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["gptforge"]
    return {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}


def test_templates_and_static_files_ship_in_the_wheel() -> None:
    web = PACKAGE / "web"
    needed = {
        p
        for folder in ("templates", "static")
        for p in (web / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert needed, "no templates or static files found"
    assert needed - _packaged_files() == set()


def test_unknown_api_paths_still_answer_json(live_server: LiveServer) -> None:
    with live_server.api() as client:
        response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert isinstance(response, httpx.Response)
