"""The FastAPI application: ``create_app(settings)`` wires the store, the routers and errors.

Migrations run when the app starts (its lifespan), so ``gptforge serve`` on an empty
database, or on one an older version created, just works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gptforge.store import Database, SecretBox, database_url
from gptforge.web import pages
from gptforge.web.capability_service import reap_code_sessions
from gptforge.web.chat_service import recover_interrupted, sweep_interrupted
from gptforge.web.errors import ERROR_RESPONSES, error_body, install_error_handlers
from gptforge.web.platform import Platform
from gptforge.web.routes import (
    accounts,
    actions,
    admin,
    admin_capabilities,
    builder,
    capabilities,
    conversations,
    files,
    gpts,
    health,
    knowledge,
    models,
    oauth,
    render,
    store,
    tokens,
)
from gptforge.web.security import Passwords
from gptforge.web.settings import ServerSettings

API_PREFIX = "/api/v1"
StartupHook = Callable[[Platform], Awaitable[None]]


def quiet_outbound_request_logs() -> None:
    """httpx logs each request's full URL at INFO, and an action's API key may sit in the
    query string (``scheme: query``): keep those lines out of the server's logs."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def create_platform(settings: ServerSettings) -> Platform:
    url = database_url(settings.database_url, settings.data_dir)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return Platform(
        settings=settings,
        db=Database(url),
        secrets=SecretBox.from_settings(secret, settings.data_dir),
        passwords=Passwords(settings.password_hashing),
    )


def create_app(
    settings: ServerSettings | None = None,
    *,
    platform: Platform | None = None,
    on_startup: Sequence[StartupHook] = (),
) -> FastAPI:
    """The gptforge server: ``/api/v1`` routers, ``/healthz``, migrations at start."""
    platform = platform or create_platform(settings or ServerSettings())
    quiet_outbound_request_logs()
    hooks = list(on_startup)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await platform.db.migrate()
        await recover_interrupted(platform)
        for hook in hooks:
            await hook(platform)
        sweeper = asyncio.create_task(sweep_interrupted(platform))
        reaper = asyncio.create_task(reap_code_sessions(platform))
        try:
            yield
        finally:
            sweeper.cancel()
            reaper.cancel()
            await platform.turns.drain()
            await platform.egress.aclose()
            if platform.code_interpreter is not None:
                await platform.code_interpreter.close()
            await platform.db.dispose()

    app = FastAPI(
        title="gptforge",
        version="0.1.0",
        summary="Custom GPTs with Actions: accounts, GPTs, actions and the store.",
        lifespan=lifespan,
    )
    app.state.platform = platform
    install_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        accounts,
        tokens,
        gpts,
        builder,
        actions,
        knowledge,
        conversations,
        files,
        oauth,
        store,
        admin,
        admin_capabilities,
        capabilities,
        models,
        render,
    ):
        api.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(api)
    app.include_router(health.router, responses=ERROR_RESPONSES)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    app.add_middleware(BodySizeLimit, limit=platform.settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""No inline script, no eval, nothing from other origins: model and action output shown
on a page can never run script or load a remote image (an exfiltration route)."""
_API_DOCS = ("/docs", "/redoc")
"""FastAPI's API explorer pages load their scripts from a CDN: they keep their own rules."""


class SecurityHeaders:
    """Adds the CSP and the usual hardening headers to every response (pure ASGI, so
    event streams pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = not str(scope.get("path", "")).startswith(_API_DOCS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if csp:
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimit:
    """Refuses a request whose ``Content-Length`` is over ``limit`` with 413 (pure ASGI:
    nothing wraps the response, so event streams pass through untouched)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = _content_length(scope)
            if length is not None and (not length.isdigit() or int(length) > self.limit):
                response = JSONResponse(
                    error_body(
                        "payload_too_large", f"The request body is over {self.limit:,} bytes.", None
                    ),
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _content_length(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return str(value.decode("latin-1"))
    return None
