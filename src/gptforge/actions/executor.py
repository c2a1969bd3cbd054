"""Executing a model's tool call as an authenticated, guarded HTTP request.

:meth:`ActionExecutor.execute` never raises for a remote failure: bad arguments,
HTTP errors, timeouts and refused destinations all come back as a
:class:`ToolResult` the model can read and react to. A missing OAuth token comes
back as :class:`SignInRequired` with the URL to send the user to.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import httpx

from gptforge.actions.auth import ApiKeyAuth, NoAuth, OAuthAuth
from gptforge.actions.credentials import Credentials, api_key_credentials, bearer
from gptforge.actions.oauth import OAuthManager
from gptforge.actions.request import InvalidArguments, RequestBuilder
from gptforge.actions.results import CallRecord, ToolResult, excerpt, model_content
from gptforge.egress import EgressClient, origin
from gptforge.errors import ActionError, AuthError, ConfigError, EgressBlockedError, EgressError
from gptforge.openapi import Operation, Spec, Tool

Confirmation = Literal["never", "ask", "always"]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def confirmation_policy(operation: Operation) -> Confirmation:
    """When the user must confirm a call.

    ``x-openai-isConsequential: true`` -> "always" (every call, no "always allow");
    ``false`` -> "never"; absent -> "never" for GET/HEAD/OPTIONS, else "ask" (the user
    may choose "always allow" for this GPT and operation).
    """
    if operation.is_consequential is True:
        return "always"
    if operation.is_consequential is False:
        return "never"
    return "never" if operation.method in _SAFE_METHODS else "ask"


@dataclass(kw_only=True)
class Action:
    """One API wired into a GPT: its spec, its authentication, its privacy policy."""

    id: str
    spec: Spec
    auth: NoAuth | ApiKeyAuth | OAuthAuth = field(default_factory=NoAuth)
    privacy_policy_url: str | None = None
    operations: frozenset[str] | None = None
    """Tool names offered to the model; None offers every operation."""
    server_url: str | None = None
    """Send every operation here instead of the spec's servers (credentials follow it)."""

    def __post_init__(self) -> None:
        if self.server_url is not None:
            self.server_url = checked_server_url(self.server_url)

    @property
    def name(self) -> str:
        return self.spec.title or self.id

    @property
    def base_url(self) -> str | None:
        """Where the action's credentials may go: the override, else the spec's server."""
        if self.server_url is not None:
            return self.server_url
        return self.spec.server.url if self.spec.server else None

    @property
    def host(self) -> str | None:
        return httpx.URL(self.base_url).host if self.base_url else None

    @property
    def tools(self) -> list[Tool]:
        if self.operations is None:
            return list(self.spec.tools)
        return [t for t in self.spec.tools if t.name in self.operations]

    def tool(self, name: str) -> Tool | None:
        for tool in self.tools:
            if tool.name == name:
                return tool
        return None


@dataclass(kw_only=True)
class SignInRequired:
    """The user must sign in to the action's OAuth provider before the call can run."""

    action_id: str
    authorization_url: str
    message: str = "Sign in to continue."


def checked_server_url(url: str) -> str:
    """``url`` as a server base URL (http(s), a host, no query or fragment), or ConfigError."""
    try:
        parsed = httpx.URL(url.strip())
        origin(parsed)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        parsed = None
    if (
        parsed is None
        or parsed.scheme not in ("http", "https")
        or not parsed.host
        or parsed.query
        or parsed.fragment
    ):
        raise ConfigError(
            f"The server URL {url!r} is not an http(s) base URL; write one such as "
            "https://api.example.com/v1 (no query or fragment)."
        )
    return str(parsed).rstrip("/")


def sends_credentials(action: Action, tool: Tool, url: httpx.URL) -> bool:
    """True when the action's credentials may go to ``url``: the operation wants them and
    the URL has the action's scheme, host and port."""
    base = action.base_url
    return (
        not tool.operation.needs_no_credentials
        and base is not None
        and (origin(url) == origin(base))
    )


class ActionExecutor:
    """Runs tool calls for any number of actions, with per-user and per-action limits."""

    def __init__(
        self,
        *,
        egress: EgressClient,
        oauth: OAuthManager | None = None,
        max_result_chars: int = 100_000,
        per_action_concurrency: int = 4,
        per_user_concurrency: int = 8,
    ) -> None:
        self.egress = egress
        self.oauth = oauth
        self.max_result_chars = max_result_chars
        self._builders: dict[str, RequestBuilder] = defaultdict(RequestBuilder)
        self._action_limit = per_action_concurrency
        self._user_limit = per_user_concurrency
        self._action_limiters: dict[str, anyio.CapacityLimiter] = {}
        self._user_limiters: dict[str, anyio.CapacityLimiter] = {}

    def _limiters(self, user_id: str, action_id: str) -> tuple[anyio.CapacityLimiter, ...]:
        user = self._user_limiters.get(user_id)
        if user is None:
            user = self._user_limiters[user_id] = anyio.CapacityLimiter(self._user_limit)
        action = self._action_limiters.get(action_id)
        if action is None:
            action = self._action_limiters[action_id] = anyio.CapacityLimiter(self._action_limit)
        return user, action

    async def execute(
        self,
        action: Action,
        tool_name: str,
        arguments: Any,
        *,
        user_id: str = "local",
        session_id: str = "local",
    ) -> ToolResult | SignInRequired:
        tool = action.tool(tool_name)
        if tool is None:
            names = ", ".join(t.name for t in action.tools[:30])
            return ToolResult(
                status="invalid_arguments",
                content=(
                    f"There is no tool named {tool_name!r} in {action.name}. Use one of: {names}."
                ),
            )
        try:
            request = self._builders[action.id].build(tool, arguments, server_url=action.server_url)
        except InvalidArguments as exc:
            return ToolResult(status="invalid_arguments", content=str(exc))
        except ActionError as exc:
            return ToolResult(status="blocked", content=exc.message)

        credentials = Credentials()
        if sends_credentials(action, tool, request.url):
            try:
                outcome = await self._credentials(action, tool.operation, user_id, session_id)
            except (AuthError, ActionError, ConfigError) as exc:
                return ToolResult(
                    status="blocked", content=f"Authentication problem: {exc.message}"
                )
            if isinstance(outcome, SignInRequired):
                return outcome
            credentials = outcome
        user_limiter, action_limiter = self._limiters(user_id, action.id)
        async with user_limiter, action_limiter:
            result = await self._send(action, tool, request, credentials)
            if (
                credentials.oauth
                and result.record is not None
                and result.record.status == 401
                and self.oauth is not None
                and isinstance(action.auth, OAuthAuth)
            ):
                fresh = await self.oauth.access_token(
                    user_id=user_id, action_id=action.id, config=action.auth, force_refresh=True
                )
                if fresh is None:
                    return await self._sign_in(self.oauth, action, action.auth, user_id, session_id)
                credentials = bearer(fresh.access_token, oauth=True)
                result = await self._send(action, tool, request, credentials)
        return result

    @staticmethod
    async def _sign_in(
        oauth: OAuthManager, action: Action, config: OAuthAuth, user_id: str, session_id: str
    ) -> SignInRequired:
        url = await oauth.begin(
            user_id=user_id, action_id=action.id, session_id=session_id, config=config
        )
        return SignInRequired(
            action_id=action.id,
            authorization_url=url,
            message=f"Sign in to {action.name} to let this GPT use it.",
        )

    async def _credentials(
        self, action: Action, operation: Operation, user_id: str, session_id: str
    ) -> Credentials | SignInRequired:
        auth = action.auth
        if isinstance(auth, NoAuth):
            return Credentials()
        if isinstance(auth, ApiKeyAuth):
            return api_key_credentials(auth, action.spec, operation)
        if self.oauth is None:
            raise ActionError(
                "This action uses OAuth, but no sign-in callback is configured here. "
                "Run it from the gptforge server, or use an API key."
            )
        token = await self.oauth.access_token(user_id=user_id, action_id=action.id, config=auth)
        if token is None:
            return await self._sign_in(self.oauth, action, auth, user_id, session_id)
        return bearer(token.access_token, oauth=True)

    async def _send(
        self, action: Action, tool: Tool, request: httpx.Request, credentials: Credentials
    ) -> ToolResult:
        redactor = credentials.redactor()
        try:
            outgoing = credentials.apply(request)
        except (ValueError, httpx.InvalidURL):  # UnicodeError is a ValueError
            return ToolResult(
                status="blocked",
                content="The request could not be built: a credential or header value is not "
                "valid HTTP (values are not shown).",
            )
        payload = outgoing.read()
        body_text = payload.decode("utf-8", errors="replace") if payload else ""
        record = CallRecord(
            action=action.name,
            operation=tool.name,
            method=request.method,
            url=redactor.url(str(outgoing.url)),
            request_headers=redactor.headers(outgoing.headers),
            request_body_excerpt=excerpt(redactor.text(body_text)),
        )
        started = time.perf_counter()
        try:
            response = await self.egress.send(outgoing, secret_headers=credentials.headers)
        except EgressError as exc:
            record.error = redactor.text(exc.message)
            record.duration_ms = (time.perf_counter() - started) * 1000
            if isinstance(exc, EgressBlockedError):
                return ToolResult(status="blocked", content=record.error, record=record)
            return ToolResult(
                status="network_error",
                content=f"The call to {action.name} failed: {record.error}",
                record=record,
            )
        record.duration_ms = (time.perf_counter() - started) * 1000
        content, ok = model_content(response, redactor, max_chars=self.max_result_chars)
        record.status = response.status_code
        record.response_type = response.content_type
        record.response_bytes = len(response.content)
        record.response_excerpt = excerpt(content)
        return ToolResult(status="ok" if ok else "http_error", content=content, record=record)
