"""OAuth sign-in from a chat: ``auth_required`` points to this server's start, which checks
the caller and redirects; the callback stores the token encrypted and resumes the turn."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Form
from sqlalchemy import text

from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.web.platform import Platform
from tests.servers import serve
from tests.web.apis import ECHO_SPEC, echo_app
from tests.web.chat import KEY, new_conversation, parse_sse, send, text_of
from tests.web.conftest import assert_error


def provider_app() -> FastAPI:
    """The action's OAuth provider: its token endpoint hands out the echo API's key."""
    app = FastAPI()

    @app.post("/token")
    def token(code: str = Form(...), grant_type: str = Form(...)) -> dict[str, object]:
        assert code == "the-code" and grant_type == "authorization_code"
        return {"access_token": KEY, "token_type": "Bearer", "expires_in": 3600}

    return app


@pytest.fixture
def hosts() -> Iterator[tuple[str, str]]:
    with serve(echo_app(KEY)) as echo, serve(provider_app()) as provider:
        yield echo, provider


async def test_sign_in_then_the_paused_turn_resumes(
    platform: Platform,
    admin: httpx.AsyncClient,
    alice: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    hosts: tuple[str, str],
) -> None:
    echo_url, provider_url = hosts
    allowed = [f"{httpx.URL(u).host}:{httpx.URL(u).port}" for u in hosts]
    assert (await admin.patch("/api/v1/admin/settings", json={"allow_hosts": allowed})).is_success
    gpt_id = (await alice.post("/api/v1/gpts", json={"name": "OAuth echo"})).json()["id"]
    action = await alice.post(
        f"/api/v1/gpts/{gpt_id}/actions",
        json={
            "schema": ECHO_SPEC,
            "server_url": echo_url,
            "auth": {
                "type": "oauth",
                "client_id": "cid",
                "client_secret": "client-secret-canary",
                "authorization_url": f"{provider_url}/authorize",
                "token_url": f"{provider_url}/token",
            },
        },
    )
    assert action.status_code == 201, action.text
    platform.provider = ScriptedProvider(
        [
            ScriptedReply(calls=(ScriptedCall(name="whoAmI", arguments={"greeting": "hi"}),)),
            ScriptedReply(text="Signed in and greeted."),
        ]
    )
    conversation_id = await new_conversation(alice, gpt_id, draft=True)
    events = await send(alice, conversation_id, "greet")
    asked = next(e for e in events if e.kind == "auth_required")
    start = httpx.URL(asked.data["authorization_url"])
    assert start.path == "/api/v1/oauth/start"
    assert events[-1].data["reason"] == "paused"

    assert_error(await bob.get(start.path, params=start.params), 404)
    redirect = await alice.get(start.path, params=start.params)
    assert redirect.status_code == 302
    location = urlsplit(redirect.headers["location"])
    assert location.path == "/authorize"
    state = parse_qs(location.query)["state"][0]

    assert_error(
        await bob.get("/api/v1/oauth/callback", params={"state": state, "code": "the-code"}), 422
    )
    done = await alice.get("/api/v1/oauth/callback", params={"state": state, "code": "the-code"})
    assert done.status_code == 200, done.text
    assert done.json() == {"signed_in": True, "resumed": [conversation_id]}
    again = await alice.get("/api/v1/oauth/callback", params={"state": state, "code": "the-code"})
    assert_error(again, 422)

    followed = parse_sse(
        (
            await alice.get(
                f"/api/v1/conversations/{conversation_id}/events",
                headers={"Last-Event-ID": str(events[-1].id)},
            )
        ).text
    )
    finished = next(e for e in followed if e.kind == "tool_call_finished")
    assert finished.data["status"] == "ok"
    assert text_of(followed) == "Signed in and greeted."
    async with platform.db.engine.connect() as connection:
        raw = repr((await connection.execute(text("SELECT * FROM oauth_tokens"))).all())
    assert raw != "[]" and KEY not in raw
