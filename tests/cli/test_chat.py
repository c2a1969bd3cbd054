"""`gptforge chat`: interactive turns, details, and confirmations in scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from gptforge.cli import app
from tests.llm.fake_openai import fake_openai_app
from tests.servers import serve


@dataclass
class Shop:
    url: str
    orders: list[dict[str, Any]]

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")


@pytest.fixture
def shop() -> Iterator[Shop]:
    orders: list[dict[str, Any]] = []

    async def order(request: Request) -> JSONResponse:
        orders.append(await request.json())
        return JSONResponse({"order": len(orders), "status": "placed"})

    with serve(Starlette(routes=[Route("/orders", order, methods=["POST"])])) as url:
        yield Shop(url=url, orders=orders)


@pytest.fixture
def model() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    app = fake_openai_app([("placeOrder", {"item": "tea", "quantity": 2})])
    with serve(app) as url:
        yield url, app.state.seen


@pytest.fixture
def gpt_file(
    tmp_path: Path, shop: Shop, model: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("GPTFORGE_OPENAI_BASE_URL", f"{model[0]}/v1")
    (tmp_path / "shop.yaml").write_text(
        f"""
openapi: 3.1.0
info: {{title: Shop, version: '1'}}
servers: [{{url: '{shop.url}'}}]
paths:
  /orders:
    post:
      operationId: placeOrder
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [item]
              properties: {{item: {{type: string}}, quantity: {{type: integer}}}}
"""
    )
    gpt = tmp_path / "gpt.yaml"
    gpt.write_text(
        "name: Shop helper\nconversation_starters: [Order tea]\nactions: [{openapi: shop.yaml}]\n"
    )
    return gpt


def test_consequential_call_is_declined_in_scripts_without_yes(gpt_file: Path, shop: Shop) -> None:
    result = CliRunner().invoke(
        app, ["chat", str(gpt_file), "-m", "Order two teas", "--json", "--allow-host", shop.host]
    )
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["kind"] for e in events][:3] == [
        "confirmation_required",
        "done",
        "tool_call_finished",
    ]
    assert events[0]["arguments"] == {"item": "tea", "quantity": 2}
    assert events[0]["summary"] == f"POST {shop.url}/orders"
    assert events[2]["status"] == "declined"
    assert shop.orders == []
    declined = [e for e in events if e["kind"] == "text_delta"]
    assert "declined" in "".join(e["text"] for e in declined)


def test_yes_allows_consequential_calls_for_this_run(gpt_file: Path, shop: Shop) -> None:
    result = CliRunner().invoke(
        app,
        [
            "chat",
            str(gpt_file),
            "-m",
            "Order two teas",
            "--json",
            "--yes",
            "--allow-host",
            shop.host,
        ],
    )
    assert result.exit_code == 0, result.output
    assert shop.orders == [{"item": "tea", "quantity": 2}]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert "confirmation_required" not in [e["kind"] for e in events]


def test_interactive_session_shows_the_call_and_its_details(gpt_file: Path, shop: Shop) -> None:
    result = CliRunner().invoke(
        app,
        ["chat", str(gpt_file), "--yes", "--allow-host", shop.host],
        input="Order two teas\n/details\n/quit\n",
    )
    assert result.exit_code == 0, result.output
    assert "Shop helper" in result.stdout and "Order tea" in result.stdout
    assert "Talked to 127.0.0.1 · placeOrder" in result.stdout
    assert '"status": 200' in result.stdout  # the expanded record
    assert shop.orders == [{"item": "tea", "quantity": 2}]


def test_the_gpt_chooses_its_model(
    gpt_file: Path, shop: Shop, model: tuple[str, list[dict[str, Any]]]
) -> None:
    gpt_file.write_text(gpt_file.read_text() + "model: {model: shop-model-1, temperature: 0}\n")
    result = CliRunner().invoke(
        app, ["chat", str(gpt_file), "-m", "Order", "--json", "--yes", "--allow-host", shop.host]
    )
    assert result.exit_code == 0, result.output
    assert {s["payload"]["model"] for s in model[1]} == {"shop-model-1"}
    assert {s["payload"]["temperature"] for s in model[1]} == {0}


def test_an_unset_key_variable_ends_the_call_not_the_chat(gpt_file: Path, shop: Shop) -> None:
    gpt_file.write_text(
        gpt_file.read_text().replace(
            "{openapi: shop.yaml}", "{openapi: shop.yaml, auth: {type: api_key, key_env: SHOP_KEY}}"
        )
    )
    result = CliRunner().invoke(
        app, ["chat", str(gpt_file), "-m", "Order", "--yes", "--allow-host", shop.host]
    )
    assert result.exit_code == 0, result.output
    assert "Authentication problem in Shop" in result.stdout  # for the person running it
    assert "SHOP_KEY" in result.stdout
    assert "Traceback" not in result.output and shop.orders == []


def test_missing_gpt_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["chat", str(tmp_path / "nope.yaml"), "-m", "hi"])
    assert result.exit_code == 1
    assert "Cannot read" in result.output


async def test_oauth_callback_page_escapes_bounds_and_redacts_endpoint_errors() -> None:
    import httpx
    from starlette.responses import Response

    from gptforge.actions import OAuthAuth, OAuthManager
    from gptforge.cli.chat import _oauth_callback_app
    from gptforge.egress import EgressPolicy

    async def token(request: Request) -> Response:
        form = dict(await request.form())
        echoed = {
            "error": "<img src=x onerror=alert(1)>",
            "error_description": f"got {form} " + "y" * 3_000_000 + "\x1b[2J",
        }
        return JSONResponse(echoed, status_code=400)

    with serve(Starlette(routes=[Route("/token", token, methods=["POST"])])) as idp:
        auth = OAuthAuth.model_validate(
            {
                "client_id": "cli",
                "client_secret": "top-secret-client-value",
                "authorization_url": f"{idp}/authorize",
                "token_url": f"{idp}/token",
            }
        )
        policy = EgressPolicy.from_entries([httpx.URL(idp).netloc.decode()])
        manager = OAuthManager(redirect_uri="http://127.0.0.1:9/cb", policy=policy)
        with serve(_oauth_callback_app(manager, {"a": auth})) as callback:
            url = await manager.begin(user_id="u", action_id="a", session_id="cli", config=auth)
            state = httpx.URL(url).params["state"]
            async with httpx.AsyncClient() as browser:
                page = await browser.get(
                    f"{callback}/oauth/callback", params={"state": state, "code": "c0de-value"}
                )
    assert page.status_code == 400
    assert "<img" not in page.text and "&lt;img" in page.text
    assert "top-secret-client-value" not in page.text and "c0de-value" not in page.text
    assert "\x1b" not in page.text and len(page.text) < 2_000
