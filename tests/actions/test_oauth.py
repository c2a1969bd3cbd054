"""OAuth sign-in against a real authorization server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from gptforge.actions import Action, ActionExecutor, OAuthAuth, OAuthManager, SignInRequired, oauth
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.errors import AuthError
from gptforge.openapi import parse_spec
from tests.actions.oauth_server import OAuthServerState, expire_access_tokens, oauth_app, revoke_all
from tests.servers import serve

REDIRECT = "http://127.0.0.1:9/oauth/callback"


@pytest.fixture
def server_state() -> OAuthServerState:
    return OAuthServerState()


@pytest.fixture
def oauth_server(server_state: OAuthServerState) -> Iterator[str]:
    with serve(oauth_app(server_state)) as url:
        yield url


def config(url: str, **overrides: Any) -> OAuthAuth:
    data = {
        "client_id": "client-1",
        "client_secret": "s3cret-value",
        "authorization_url": f"{url}/authorize",
        "token_url": f"{url}/token",
        "scope": "profile",
        **overrides,
    }
    return OAuthAuth.model_validate(data)


def spec_for(url: str) -> Any:
    return parse_spec(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "Me API", "version": "1"},
                "servers": [{"url": url}],
                "paths": {
                    "/api/me": {
                        "get": {
                            "operationId": "whoAmI",
                            "responses": {"200": {"description": "ok"}},
                        }
                    }
                },
            }
        )
    )


@pytest.fixture
async def setup(oauth_server: str) -> AsyncIterator[tuple[ActionExecutor, OAuthManager, Action]]:
    policy = EgressPolicy.from_entries([httpx.URL(oauth_server).netloc.decode()])
    manager = OAuthManager(redirect_uri=REDIRECT, policy=policy)
    action = Action(id="me", spec=spec_for(oauth_server), auth=config(oauth_server))
    async with EgressClient(policy=policy) as egress:
        yield ActionExecutor(egress=egress, oauth=manager), manager, action


async def sign_in(url: str, *, session: str = "browser-1") -> tuple[str, str]:
    """Follow the authorization URL like a browser; return (code, state) from the callback."""
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url)
    assert response.status_code == 302, response.text
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(REDIRECT)
    return location.params["code"], location.params["state"]


@pytest.mark.parametrize(
    ("exchange", "method"),
    [("post", "client_secret_post"), ("basic_header", "client_secret_basic")],
)
async def test_full_code_flow_with_pkce(
    setup: Any, server_state: OAuthServerState, exchange: str, method: str
) -> None:
    executor, manager, action = setup
    server_state.auth_method = method
    action.auth = action.auth.model_copy(update={"token_exchange": exchange})

    first = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="browser-1")
    assert isinstance(first, SignInRequired)
    params = httpx.URL(first.authorization_url).params
    assert params["code_challenge_method"] == "S256" and params["scope"] == "profile"

    code, state = await sign_in(first.authorization_url)
    await manager.complete(
        state=state, code=code, session_id="browser-1", config_for=lambda _: action.auth
    )

    result = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="browser-1")
    assert not isinstance(result, SignInRequired)
    assert result.ok and json.loads(result.content)["user"] == "alice"
    assert result.record is not None and result.record.request_headers["authorization"] == "***"
    token_request = server_state.token_requests[0]
    if exchange == "post":
        assert (
            token_request["form"]["client_secret"] == "s3cret-value"
            and token_request["authorization"] is None
        )
    else:
        assert "client_secret" not in token_request["form"] and token_request[
            "authorization"
        ].startswith("Basic ")
    assert token_request["form"]["code_verifier"]

    other_user = await executor.execute(action, "whoAmI", {}, user_id="u2", session_id="browser-2")
    assert isinstance(other_user, SignInRequired)


async def test_state_is_bound_to_the_browser_session_and_used_once(setup: Any) -> None:
    executor, manager, action = setup
    first = await executor.execute(
        action, "whoAmI", {}, user_id="victim", session_id="victim-browser"
    )
    assert isinstance(first, SignInRequired)
    code, state = await sign_in(first.authorization_url)
    with pytest.raises(AuthError, match="another browser session"):
        await manager.complete(
            state=state, code=code, session_id="attacker-browser", config_for=lambda _: action.auth
        )
    # The foreign attempt did not consume the state: the victim still signs in, once.
    await manager.complete(
        state=state, code=code, session_id="victim-browser", config_for=lambda _: action.auth
    )
    with pytest.raises(AuthError, match="unknown or was already used"):
        await manager.complete(
            state=state, code=code, session_id="victim-browser", config_for=lambda _: action.auth
        )
    with pytest.raises(AuthError, match="unknown"):
        await manager.complete(
            state="forged", code=code, session_id="victim-browser", config_for=lambda _: action.auth
        )


async def test_wrong_code_verifier_is_rejected_by_the_server(setup: Any) -> None:
    executor, manager, action = setup
    first = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert isinstance(first, SignInRequired)
    code, state = await sign_in(first.authorization_url)
    pending = manager.states._states[state]  # type: ignore[attr-defined]
    pending.code_verifier = "not-the-verifier-" + "x" * 40
    with pytest.raises(AuthError, match="invalid_grant"):
        await manager.complete(
            state=state, code=code, session_id="b", config_for=lambda _: action.auth
        )


async def signed_in(executor: ActionExecutor, manager: OAuthManager, action: Action) -> None:
    first = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert isinstance(first, SignInRequired)
    code, state = await sign_in(first.authorization_url)
    await manager.complete(state=state, code=code, session_id="b", config_for=lambda _: action.auth)


async def test_401_refreshes_and_retries_once(setup: Any, server_state: OAuthServerState) -> None:
    executor, manager, action = setup
    await signed_in(executor, manager, action)
    expire_access_tokens(server_state)
    result = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert not isinstance(result, SignInRequired) and result.ok
    grants = [r["form"]["grant_type"] for r in server_state.token_requests]
    assert grants == ["authorization_code", "refresh_token"]


async def test_expired_token_is_refreshed_before_the_call(
    setup: Any, server_state: OAuthServerState
) -> None:
    executor, manager, action = setup
    server_state.token_lifetime = 1  # within the expiry margin: refreshed before use
    await signed_in(executor, manager, action)
    result = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert not isinstance(result, SignInRequired) and result.ok
    assert [r["form"]["grant_type"] for r in server_state.token_requests][-1] == "refresh_token"


async def test_revoked_tokens_lead_back_to_sign_in(
    setup: Any, server_state: OAuthServerState
) -> None:
    executor, manager, action = setup
    await signed_in(executor, manager, action)
    revoke_all(server_state)
    result = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert isinstance(result, SignInRequired)
    assert await manager.tokens.get("u1", "me") is None


async def test_changing_oauth_settings_discards_tokens(
    setup: Any, oauth_server: str, server_state: OAuthServerState
) -> None:
    executor, manager, action = setup
    await signed_in(executor, manager, action)
    requests_before = len(server_state.token_requests)
    action.auth = config(oauth_server, token_url="https://attacker.example/token")
    result = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert isinstance(result, SignInRequired)
    assert len(server_state.token_requests) == requests_before  # no refresh token sent anywhere
    assert await manager.tokens.get("u1", "me") is None


async def test_an_expired_sign_in_is_refused_without_a_token_request(
    setup: Any, server_state: OAuthServerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    executor, manager, action = setup
    first = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
    assert isinstance(first, SignInRequired)
    code, state = await sign_in(first.authorization_url)
    later = time.time() + oauth.STATE_TTL_SECONDS + 1
    monkeypatch.setattr(oauth, "time", SimpleNamespace(time=lambda: later))
    with pytest.raises(AuthError, match="expired"):
        await manager.complete(
            state=state, code=code, session_id="b", config_for=lambda _: action.auth
        )
    assert server_state.token_requests == []
    assert await manager.tokens.get("u1", "me") is None


async def test_a_sign_in_started_before_a_settings_change_is_refused(
    setup: Any, oauth_server: str, server_state: OAuthServerState
) -> None:
    executor, manager, action = setup
    for changed in (config(oauth_server, client_id="client-2"), None):
        first = await executor.execute(action, "whoAmI", {}, user_id="u1", session_id="b")
        assert isinstance(first, SignInRequired)
        code, state = await sign_in(first.authorization_url)
        with pytest.raises(AuthError, match="settings changed"):
            await manager.complete(
                state=state, code=code, session_id="b", config_for=lambda _, c=changed: c
            )
    assert server_state.token_requests == []  # the code went nowhere
    assert await manager.tokens.get("u1", "me") is None


# ------------------------------------------------ untrusted token endpoint answers

CRAFTED: dict[str, Any] = {}


async def crafted_token(request: Any) -> Any:
    from starlette.responses import Response

    return Response(
        CRAFTED["body"], status_code=CRAFTED.get("status", 200), media_type="application/json"
    )


@pytest.fixture(scope="module")
def crafted_server() -> Iterator[str]:
    from starlette.applications import Starlette
    from starlette.routing import Route

    with serve(Starlette(routes=[Route("/token", crafted_token, methods=["POST"])])) as url:
        yield url


async def complete_with(crafted_server: str, body: str, status: int = 200) -> Any:
    CRAFTED.update(body=body, status=status)
    policy = EgressPolicy.from_entries([httpx.URL(crafted_server).netloc.decode()])
    manager = OAuthManager(redirect_uri=REDIRECT, policy=policy)
    auth = config(crafted_server)
    url = await manager.begin(user_id="u", action_id="a", session_id="s", config=auth)
    state = httpx.URL(url).params["state"]
    await manager.complete(
        state=state, code="the-code-123", session_id="s", config_for=lambda _: auth
    )
    return await manager.tokens.get("u", "a")


@pytest.mark.parametrize(
    "expiry",
    [
        '"expires_in": "soon"',
        '"expires_in": [3600]',
        '"expires_in": {"s": 1}',
        '"expires_in": NaN',
        '"expires_in": Infinity',
        '"expires_in": -Infinity',
        '"expires_in": 1e999',
        '"expires_in": true',
        '"expires_at": "tomorrow"',
        '"expires_at": NaN',
        '"expires_at": Infinity',
        '"expires_at": [1]',
        '"expires_in": 99999999999999999999',
    ],
)
async def test_unusable_expiry_gets_a_default_lifetime_never_forever(
    crafted_server: str, expiry: str
) -> None:
    import math
    import time

    token = await complete_with(crafted_server, '{"access_token": "tok-1", ' + expiry + "}")
    assert token is not None and token.expires_at is not None
    assert math.isfinite(token.expires_at)
    assert token.expires_at <= time.time() + 366 * 86400
    assert not token.expired()


async def test_numeric_string_lifetimes_are_read(crafted_server: str) -> None:
    import time

    token = await complete_with(crafted_server, '{"access_token": "tok-1", "expires_in": "120"}')
    assert abs(token.expires_at - (time.time() + 120)) < 5


def test_a_stored_non_finite_expiry_counts_as_expired() -> None:
    from gptforge.actions import StoredToken

    assert StoredToken(access_token="a", expires_at=float("nan"), fingerprint="f").expired()
    assert StoredToken(access_token="a", expires_at=float("inf"), fingerprint="f").expired()


@pytest.mark.parametrize("access", ["tok\\r\\nX-Evil: 1", "tok\\n", "tök-ünïcode", " tok"])
async def test_access_tokens_a_header_cannot_carry_are_refused_without_echo(
    crafted_server: str, access: str
) -> None:
    body = json.dumps({"access_token": json.loads(f'"{access}"')})
    with pytest.raises(AuthError) as caught:
        await complete_with(crafted_server, body)
    assert "tok" not in caught.value.message.replace("token", "")


async def test_token_endpoint_errors_are_bounded_and_never_carry_secrets(
    crafted_server: str,
) -> None:
    echoed = {
        "error": "invalid_client<script>alert(1)</script>",
        "error_description": "you sent client_secret=s3cret-value code=the-code-123 "
        + "s3cret%2Dvalue "
        + "x" * 3_000_000
        + "\x1b]52;c;AAAA\x07",
    }
    with pytest.raises(AuthError) as caught:
        await complete_with(crafted_server, json.dumps(echoed), status=400)
    message = caught.value.message
    assert len(message) < 1000
    assert "s3cret-value" not in message and "s3cret%2Dvalue" not in message
    assert "the-code-123" not in message and "\x1b" not in message


async def test_token_endpoint_errors_of_any_json_type_are_text(crafted_server: str) -> None:
    with pytest.raises(AuthError, match="refused"):
        await complete_with(
            crafted_server, '{"error": ["a", {"b": 1}], "error_description": 5}', 400
        )
