"""Per-user OAuth2 sign-in for actions (authorization code, PKCE S256), on Authlib.

* ``state`` is a random value bound, in the state store, to the user, the action,
  the browser session that started the flow and an expiry; it is used once.
* Tokens are stored per user per action, with a fingerprint of the action's
  OAuth settings: when the settings change, old tokens are discarded and no
  refresh token is ever sent to a new token URL.
* Token requests go through the guarded egress transport like every other call.
* A token endpoint's answer is untrusted: an access token that a header cannot carry is
  refused, an unusable expiry (a word, a list, NaN, Infinity) counts as unknown and
  gets :data:`DEFAULT_TOKEN_LIFETIME_SECONDS`, and its error text is bounded, stripped
  of control characters and of every secret of the request.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from gptforge.actions.auth import OAuthAuth, secret_problem
from gptforge.actions.results import Redactor
from gptforge.egress import EgressClient, EgressLimits, EgressPolicy
from gptforge.errors import AuthError, EgressError

STATE_TTL_SECONDS = 600
EXPIRY_MARGIN_SECONDS = 30
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
"""Used when the token endpoint gives an expiry that cannot be read."""
MAX_TOKEN_LIFETIME_SECONDS = 366 * 86400
MAX_ERROR_CHARS = 300


@dataclass(kw_only=True)
class StoredToken:
    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None
    token_type: str = "Bearer"
    scope: str | None = None
    fingerprint: str

    def expired(self, now: float | None = None) -> bool:
        if self.expires_at is None:
            return False
        if not math.isfinite(self.expires_at):
            return True
        return (now or time.time()) >= self.expires_at - EXPIRY_MARGIN_SECONDS


@dataclass(kw_only=True)
class PendingSignIn:
    user_id: str
    action_id: str
    session_id: str
    code_verifier: str | None
    expires_at: float
    fingerprint: str


class TokenStore(Protocol):
    """Where OAuth tokens live, per user and action id: memory in the CLI, the database in
    the server (encrypt ``access_token`` and ``refresh_token`` at rest there)."""

    async def get(self, user_id: str, action_id: str) -> StoredToken | None: ...
    async def put(self, user_id: str, action_id: str, token: StoredToken) -> None: ...
    async def delete(self, user_id: str, action_id: str) -> None: ...
    async def delete_action(self, action_id: str) -> None:
        """Every user's token for the action (its OAuth settings changed, or it was deleted)."""
        ...


class StateStore(Protocol):
    """Sign-ins in progress by their ``state`` value; ``pop`` reads one at most once
    (a database implements it as a delete returning the row)."""

    async def put(self, state: str, pending: PendingSignIn) -> None: ...
    async def get(self, state: str) -> PendingSignIn | None:
        """The pending sign-in without consuming it (checked before :meth:`pop`)."""
        ...

    async def pop(self, state: str) -> PendingSignIn | None: ...


class MemoryTokenStore:
    """The in-process :class:`TokenStore` (tokens are lost when the process ends)."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], StoredToken] = {}

    async def get(self, user_id: str, action_id: str) -> StoredToken | None:
        return self._tokens.get((user_id, action_id))

    async def put(self, user_id: str, action_id: str, token: StoredToken) -> None:
        self._tokens[(user_id, action_id)] = token

    async def delete(self, user_id: str, action_id: str) -> None:
        self._tokens.pop((user_id, action_id), None)

    async def delete_action(self, action_id: str) -> None:
        for key in [k for k in self._tokens if k[1] == action_id]:
            del self._tokens[key]


class MemoryStateStore:
    """The in-process :class:`StateStore`; expired sign-ins are dropped as new ones start."""

    def __init__(self) -> None:
        self._states: dict[str, PendingSignIn] = {}

    async def put(self, state: str, pending: PendingSignIn) -> None:
        now = time.time()
        for key in [k for k, v in self._states.items() if v.expires_at < now]:
            del self._states[key]
        self._states[state] = pending

    async def get(self, state: str) -> PendingSignIn | None:
        return self._states.get(state)

    async def pop(self, state: str) -> PendingSignIn | None:
        return self._states.pop(state, None)


def _number(value: Any) -> float | None:
    """A finite number from a JSON value (numbers and numeric strings), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _expires_at(data: dict[str, Any], now: float) -> float | None:
    """When the token expires: None when the endpoint says nothing, a default lifetime when
    what it says cannot be used (never "forever")."""
    if data.get("expires_at") is None and data.get("expires_in") is None:
        return None
    at = _number(data.get("expires_at"))
    if at is None:
        lifetime = _number(data.get("expires_in"))
        at = now + lifetime if lifetime is not None else None
    if at is None:
        return now + DEFAULT_TOKEN_LIFETIME_SECONDS
    return min(max(at, now), now + MAX_TOKEN_LIFETIME_SECONDS)


def _access_token(data: dict[str, Any]) -> str:
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthError("The token endpoint answered without an access_token.")
    problem = secret_problem(access)
    if problem is None and not all(" " <= ch <= "~" for ch in access):
        problem = "has characters an HTTP header cannot carry"
    if problem is not None:
        raise AuthError(
            f"The token endpoint's access_token {problem.split(';')[0]}, so it cannot be sent; "
            "the token was not stored."
        )
    return access


def _endpoint_text(value: Any, redactor: Redactor) -> str:
    """Token-endpoint text fit for a message: a string, secrets removed, no control
    characters, bounded."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:2000]
    text = redactor.text(text[: MAX_ERROR_CHARS * 4])
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "…"


def _token_from(
    data: dict[str, Any], fingerprint: str, previous: StoredToken | None
) -> StoredToken:
    access = _access_token(data)
    refresh = data.get("refresh_token") or (previous.refresh_token if previous else None)
    return StoredToken(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else None,
        expires_at=_expires_at(data, time.time()),
        token_type=str(data.get("token_type") or "Bearer"),
        scope=data.get("scope") if isinstance(data.get("scope"), str) else None,
        fingerprint=fingerprint,
    )


class OAuthManager:
    """Starts sign-ins, completes them, and hands out fresh access tokens."""

    def __init__(
        self,
        *,
        redirect_uri: str,
        tokens: TokenStore | None = None,
        states: StateStore | None = None,
        policy: EgressPolicy | None = None,
        limits: EgressLimits | None = None,
    ) -> None:
        self.redirect_uri = redirect_uri
        self.tokens: TokenStore = tokens or MemoryTokenStore()
        self.states: StateStore = states or MemoryStateStore()
        self.policy = policy or EgressPolicy()
        self.limits = limits or EgressLimits()

    def _client_auth(self, config: OAuthAuth) -> ClientAuth:
        secret = config.secret()
        if secret is None:
            method = "none"
        elif config.token_exchange == "basic_header":
            method = "client_secret_basic"
        else:
            method = "client_secret_post"
        return ClientAuth(config.client_id, secret, method)

    async def _token_request(
        self, config: OAuthAuth, body: str, secrets: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """POST to the token endpoint through the egress guard; the parsed JSON answer.

        ``secrets`` (the code, verifier or refresh token) are removed from any error text,
        like the client secret.
        """
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        _, headers, body = self._client_auth(config).prepare(
            "POST", config.token_url, headers, body
        )
        request = httpx.Request("POST", config.token_url, headers=headers, content=body.encode())
        async with EgressClient(policy=self.policy, limits=self.limits) as client:
            response = await client.send(request, follow_redirects=False)
        try:
            parsed = json.loads(response.content)
        except ValueError:
            parsed = None
        data: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
        if response.status_code != 200 or not data or "error" in data:
            client_secret = config.secret()
            redactor = Redactor().with_secrets(
                [s for s in (client_secret, *secrets) if s], headers=(), params=()
            )
            error = _endpoint_text(data.get("error", f"HTTP {response.status_code}"), redactor)
            detail = data.get("error_description")
            raise AuthError(
                f"the token endpoint refused the request ({error}"
                + (f": {_endpoint_text(detail, redactor)}" if detail else "")
                + ")"
            )
        return data

    async def begin(
        self, *, user_id: str, action_id: str, session_id: str, config: OAuthAuth
    ) -> str:
        """A new authorization URL for this user, action and browser session."""
        state = secrets.token_urlsafe(32)
        verifier = generate_token(64) if config.pkce else None
        extra: dict[str, str] = {}
        if verifier is not None:
            extra = {
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        url = prepare_grant_uri(
            config.authorization_url,
            config.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=config.scope or None,
            state=state,
            **extra,
        )
        await self.states.put(
            state,
            PendingSignIn(
                user_id=user_id,
                action_id=action_id,
                session_id=session_id,
                code_verifier=verifier,
                expires_at=time.time() + STATE_TTL_SECONDS,
                fingerprint=config.fingerprint(),
            ),
        )
        return str(url)

    async def complete(
        self,
        *,
        state: str,
        code: str,
        session_id: str,
        config_for: Callable[[str], OAuthAuth | None],
    ) -> PendingSignIn:
        """Exchange ``code`` after checking ``state``; ``config_for(action_id)`` gives the
        action's current OAuth settings (None when it no longer uses OAuth).

        Raises :class:`AuthError` for an unknown, reused, expired or foreign state, or when
        the action's settings changed since the sign-in started.
        """
        unknown = AuthError(
            "This sign-in link is unknown or was already used. Start the sign-in again "
            "from the chat."
        )
        pending = await self.states.get(state) if state else None
        if pending is None:
            raise unknown
        if pending.session_id != session_id:
            # Checked before the state is consumed: a foreign callback cannot burn it.
            raise AuthError(
                "This sign-in was started in another browser session; start it again here."
            )
        if await self.states.pop(state) is None:
            raise unknown
        if pending.expires_at < time.time():
            raise AuthError("This sign-in took too long and expired; start it again.")
        config = config_for(pending.action_id)
        if config is None or config.fingerprint() != pending.fingerprint:
            raise AuthError("The action's sign-in settings changed; start the sign-in again.")
        extra = {"code_verifier": pending.code_verifier} if pending.code_verifier else {}
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=self.redirect_uri, **extra
        )
        secrets_sent = (code, pending.code_verifier or "")
        try:
            data = await self._token_request(config, body, secrets_sent)
        except (AuthError, EgressError) as exc:
            raise AuthError(f"The sign-in could not be completed: {exc.message}") from exc
        token = _token_from(data, pending.fingerprint, None)
        await self.tokens.put(pending.user_id, pending.action_id, token)
        return pending

    async def access_token(
        self, *, user_id: str, action_id: str, config: OAuthAuth, force_refresh: bool = False
    ) -> StoredToken | None:
        """A usable token, refreshed when expired (or when forced after a 401); None if the
        user must sign in."""
        token = await self.tokens.get(user_id, action_id)
        if token is None:
            return None
        if token.fingerprint != config.fingerprint():
            await self.tokens.delete(user_id, action_id)
            return None
        if not force_refresh and not token.expired():
            return token
        if not token.refresh_token:
            await self.tokens.delete(user_id, action_id)
            return None
        body = prepare_token_request("refresh_token", refresh_token=token.refresh_token)
        try:
            data = await self._token_request(config, body, (token.refresh_token,))
            fresh = _token_from(data, token.fingerprint, token)
        except (AuthError, EgressError):
            await self.tokens.delete(user_id, action_id)
            return None
        await self.tokens.put(user_id, action_id, fresh)
        return fresh

    async def forget_action(self, action_id: str) -> None:
        """Delete every user's token for an action (its OAuth settings changed)."""
        await self.tokens.delete_action(action_id)
