"""Executing a model's tool call as an authenticated, guarded HTTP request.

:meth:`ActionExecutor.execute` never raises for a failure it can name: bad arguments,
HTTP errors, timeouts, refused destinations and configuration problems (an unset
``key_env``, OAuth without a callback, a spec without servers) all come back as a
:class:`ToolResult`. The model reads a short neutral line; what the builder or the
operator must fix is in :attr:`ToolResult.message`. A missing OAuth token comes back
as :class:`SignInRequired` with the URL to send the user to.

Caches and limiters are bounded: request builders are kept for the most recently used
actions and rebuilt when an action's spec changes; per-user and per-action limiters
are dropped when idle and over the bound. :meth:`ActionExecutor.forget_action` drops
what is kept for an action whose settings changed.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from gptforge.actions.auth import ApiKeyAuth, NoAuth, OAuthAuth
from gptforge.actions.credentials import Credentials, api_key_credentials, bearer
from gptforge.actions.oauth import OAuthManager
from gptforge.actions.request import RequestBuilder
from gptforge.actions.results import (
    MAX_RESULT_CHARS,
    CallRecord,
    Redactor,
    ToolResult,
    excerpt,
    model_content,
)
from gptforge.egress import EgressClient, origin
from gptforge.errors import (
    ActionError,
    ConfigError,
    EgressBlockedError,
    EgressError,
    GptforgeError,
    InvalidArguments,
)
from gptforge.openapi import Operation, Spec, Tool
from gptforge.toolsets import Confirmation

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_SET_UP = (
    "This action is not set up correctly on the server, so the call was not made. "
    "Tell the user it is unavailable right now; do not retry it."
)
NOT_ALLOWED = (
    "The server's network policy does not allow this address, so the call was not made. "
    "Tell the user it is unavailable; do not retry it."
)
MAX_CACHED_ACTIONS = 256
MAX_IDLE_LIMITERS = 1024
MAX_PREVIEWED = 64


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
    """Stable identity: OAuth tokens and "always allow" decisions are stored by it, so it
    must not change when actions are reordered or a spec is renamed (a database row id,
    or gpt.yaml's ``id:``, else the API's host)."""
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


class _Limiters:
    """Capacity limiters by key; idle ones are dropped once there are more than ``bound``."""

    def __init__(self, capacity: int, bound: int = MAX_IDLE_LIMITERS) -> None:
        self.capacity = capacity
        self.bound = bound
        self._items: OrderedDict[str, anyio.CapacityLimiter] = OrderedDict()

    def get(self, key: str) -> anyio.CapacityLimiter:
        limiter = self._items.pop(key, None) or anyio.CapacityLimiter(self.capacity)
        self._items[key] = limiter
        if len(self._items) > self.bound:
            for old in [k for k, v in self._items.items() if v.borrowed_tokens == 0]:
                if len(self._items) <= self.bound:
                    break
                if old != key:
                    del self._items[old]
        return limiter

    def forget(self, key: str) -> None:
        limiter = self._items.get(key)
        if limiter is not None and limiter.borrowed_tokens == 0:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


class ActionExecutor:
    """Runs tool calls for any number of actions, with per-user and per-action limits."""

    def __init__(
        self,
        *,
        egress: EgressClient,
        oauth: OAuthManager | None = None,
        max_result_chars: int = MAX_RESULT_CHARS,
        per_action_concurrency: int = 4,
        per_user_concurrency: int = 8,
        max_cached_actions: int = MAX_CACHED_ACTIONS,
    ) -> None:
        self.egress = egress
        self.oauth = oauth
        self.max_result_chars = max_result_chars
        self.max_cached_actions = max_cached_actions
        self._builders: OrderedDict[str, tuple[Spec, RequestBuilder]] = OrderedDict()
        self._previewed: OrderedDict[tuple[str, str, str], tuple[Action, httpx.Request]] = (
            OrderedDict()
        )
        self._user_limiters = _Limiters(per_user_concurrency)
        self._action_limiters = _Limiters(per_action_concurrency)

    def _builder(self, action: Action) -> RequestBuilder:
        """The action's request builder, rebuilt when its spec object changed."""
        cached = self._builders.pop(action.id, None)
        if cached is None or cached[0] is not action.spec:
            cached = (action.spec, RequestBuilder())
        self._builders[action.id] = cached
        while len(self._builders) > self.max_cached_actions:
            self._builders.popitem(last=False)
        return cached[1]

    def forget_action(self, action_id: str) -> None:
        """Drop what is kept for an action (its settings changed or it was deleted)."""
        self._builders.pop(action_id, None)
        self._action_limiters.forget(action_id)
        for key in [k for k in self._previewed if k[0] == action_id]:
            del self._previewed[key]

    def preview(self, action: Action, tool_name: str, arguments: Any) -> str:
        """``METHOD URL`` of the request a call would send, with its arguments filled in;
        the path template when the arguments do not fit. Credentials are never in it.

        The request is kept for a moment: the ``execute()`` of the same call that usually
        follows sends it without building it again."""
        tool = action.tool(tool_name)
        if tool is None:
            return f"unknown operation {tool_name!r}"
        try:
            request = self._builder(action).build(tool, arguments, server_url=action.server_url)
        except GptforgeError:
            op = tool.operation
            base = action.server_url or (op.server.url if op.server else "")
            return f"{op.method} {base}{op.path}"
        key = _call_key(action, tool_name, arguments)
        if key is not None:
            self._previewed[key] = (action, request)
            while len(self._previewed) > MAX_PREVIEWED:
                self._previewed.popitem(last=False)
        return f"{request.method} {Redactor().url(str(request.url))}"

    def _request(self, action: Action, tool: Tool, arguments: Any) -> httpx.Request:
        key = _call_key(action, tool.name, arguments)
        previewed = self._previewed.pop(key, None) if key is not None else None
        if previewed is not None and previewed[0] is action:
            return previewed[1]
        return self._builder(action).build(tool, arguments, server_url=action.server_url)

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
            request = self._request(action, tool, arguments)
        except InvalidArguments as exc:
            return ToolResult(status="invalid_arguments", content=exc.message)
        except GptforgeError as exc:
            return ToolResult(status="blocked", content=NOT_SET_UP, message=exc.message)

        credentials = Credentials()
        if sends_credentials(action, tool, request.url):
            try:
                outcome = await self._credentials(action, tool.operation, user_id, session_id)
            except GptforgeError as exc:
                return ToolResult(
                    status="blocked",
                    content=NOT_SET_UP,
                    message=f"Authentication problem in {action.name}: {exc.message}",
                )
            if isinstance(outcome, SignInRequired):
                return outcome
            credentials = outcome
        async with self._user_limiters.get(user_id), self._action_limiters.get(action.id):
            result = await self._send(action, tool, request, credentials)
            if (
                credentials.oauth
                and result.record is not None
                and result.record.status == 401
                and self.oauth is not None
                and isinstance(action.auth, OAuthAuth)
            ):
                try:
                    fresh = await self.oauth.access_token(
                        user_id=user_id,
                        action_id=action.id,
                        config=action.auth,
                        force_refresh=True,
                    )
                    if fresh is None:
                        return await self._sign_in(
                            self.oauth, action, action.auth, user_id, session_id
                        )
                except GptforgeError as exc:
                    return ToolResult(
                        status="blocked",
                        content=NOT_SET_UP,
                        message=f"Authentication problem in {action.name}: {exc.message}",
                    )
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
                "Run it from the gptforge server or `gptforge chat`, or use an API key."
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
                return ToolResult(
                    status="blocked", content=NOT_ALLOWED, message=record.error, record=record
                )
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


def _call_key(action: Action, tool_name: str, arguments: Any) -> tuple[str, str, str] | None:
    try:
        return action.id, tool_name, json.dumps(arguments, sort_keys=True)
    except (TypeError, ValueError):
        return None
