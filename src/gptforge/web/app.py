"""The FastAPI application: ``create_app(settings)`` wires the store, the routers and errors.

Migrations run when the app starts (its lifespan), so ``gptforge serve`` on an empty
database, or on one an older version created, just works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from gptforge.store import Database, SecretBox, database_url
from gptforge.web.chat_service import recover_interrupted, sweep_interrupted
from gptforge.web.errors import ERROR_RESPONSES, error_body, install_error_handlers
from gptforge.web.platform import Platform
from gptforge.web.routes import (
    accounts,
    actions,
    admin,
    builder,
    conversations,
    gpts,
    health,
    oauth,
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
        try:
            yield
        finally:
            sweeper.cancel()
            await platform.turns.drain()
            await platform.db.dispose()

    app = FastAPI(
        title="gptforge",
        version="0.1.0",
        summary="Custom GPTs with Actions: accounts, GPTs, actions and the store.",
        lifespan=lifespan,
    )
    app.state.platform = platform
    install_error_handlers(app)
    _limit_body_size(app, platform.settings.max_body_bytes)

    api = APIRouter(prefix=API_PREFIX)
    for module in (accounts, tokens, gpts, builder, actions, conversations, oauth, store, admin):
        api.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(api)
    app.include_router(health.router, responses=ERROR_RESPONSES)
    return app


def _limit_body_size(app: FastAPI, limit: int) -> None:
    @app.middleware("http")
    async def refuse_large_bodies(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse(
                error_body("payload_too_large", f"The request body is over {limit:,} bytes.", None),
                status_code=413,
            )
        return await call_next(request)
