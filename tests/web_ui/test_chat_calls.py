"""Action calls that need the user: a consequential call (decline, then allow) and an
OAuth sign-in against a real loopback authorization server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from tests.actions.oauth_server import OAuthServerState, oauth_app
from tests.servers import serve
from tests.web.apis import ECHO_SPEC, echo_app
from tests.web_ui.conftest import (
    LiveServer,
    allow_hosts,
    api_gpt,
    api_user,
    axe_check,
    chat_as,
    screenshot,
    send,
)

KEY = "sk-webui-echo-0123456789"
ME_SPEC = """
openapi: 3.1.0
info: {title: Profile API, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /api/me:
    get:
      operationId: getMe
      responses: {'200': {description: ok}}
"""


@pytest.fixture
def echo(live_server: LiveServer) -> Iterator[tuple[str, Any]]:
    app = echo_app(KEY)
    with serve(app) as url:
        allow_hosts(live_server, url)
        yield url, app


def test_a_consequential_call_is_declined_then_allowed(
    page: Any, live_server: LiveServer, echo: tuple[str, Any]
) -> None:
    url, app = echo
    with api_user(live_server, "Shopkeeper") as owner:
        gpt_id = api_gpt(
            owner,
            name="Shop helper",
            schema=ECHO_SPEC,
            server_url=url,
            auth={"type": "api_key", "scheme": "bearer", "key": KEY},
        )
    create = ScriptedCall(name="createItem", arguments={"name": "book"})
    live_server.use_provider(
        ScriptedProvider(
            [
                ScriptedReply(calls=(create,)),
                ScriptedReply(text="Fine, I did not create it."),
                ScriptedReply(calls=(create,)),
                ScriptedReply(text="Created the book."),
            ]
        )
    )
    chat_as(page, live_server, gpt_id)
    send(page, "Create a book")

    prompt = page.get_by_role("group", name=re.compile("Allow the call"))
    prompt.wait_for()
    assert "POST" in prompt.inner_text() and '"book"' in prompt.inner_text()
    buttons = prompt.get_by_role("button").all_inner_texts()
    assert buttons == ["Allow", "Decline"]  # consequential: no "Always allow"
    axe_check(page)
    screenshot(page, "chat-confirmation")
    prompt.get_by_role("button", name="Decline").click()
    page.get_by_text("Fine, I did not create it.").wait_for()
    assert app.state.created == []
    assert "declined" in page.locator("details.chip summary").first.inner_text()

    send(page, "Create it after all")
    prompt = page.get_by_role("group", name=re.compile("Allow the call"))
    prompt.get_by_role("button", name="Allow").click()
    page.get_by_text("Created the book.").wait_for()
    assert app.state.created == [{"name": "book"}]
    chips = page.locator("details.chip summary").all_inner_texts()
    assert chips[-1] == "Talked to 127.0.0.1"


def test_oauth_sign_in_comes_back_to_the_chat_and_the_answer_arrives(
    page: Any, live_server: LiveServer
) -> None:
    state = OAuthServerState()
    with serve(oauth_app(state)) as provider:
        allow_hosts(live_server, provider)
        with api_user(live_server, "Profiler") as owner:
            gpt_id = api_gpt(
                owner,
                name="Profile helper",
                schema=ME_SPEC,
                server_url=provider,
                auth={
                    "type": "oauth",
                    "client_id": state.client_id,
                    "client_secret": state.client_secret,
                    "authorization_url": f"{provider}/authorize",
                    "token_url": f"{provider}/token",
                },
            )

        def reply(messages: list[Any], _tools: list[Any]) -> ScriptedReply:
            last = messages[-1]
            if last["role"] == "tool":
                return ScriptedReply(text=f"The API says: {last['content']}")
            return ScriptedReply(calls=(ScriptedCall(name="getMe"),))

        live_server.use_provider(ScriptedProvider(reply))
        chat_as(page, live_server, gpt_id)
        send(page, "Who am I?")
        sign_in = page.get_by_role("link", name="Sign in to 127.0.0.1")
        sign_in.wait_for()
        conversation_url = page.url
        axe_check(page)
        sign_in.click()

        page.wait_for_url(conversation_url)
        page.get_by_text(re.compile(r"The API says: .*alice")).wait_for()
        assert page.locator("details.chip summary").last.inner_text() == "Talked to 127.0.0.1"
        assert page.get_by_role("link", name="Sign in to 127.0.0.1").count() == 0
        assert [r["form"]["grant_type"] for r in state.token_requests] == ["authorization_code"]
