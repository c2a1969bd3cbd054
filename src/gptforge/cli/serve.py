"""``gptforge serve``: the platform server (API, store, demo GPT) with uvicorn.

With ``--workers N`` (N > 1) this process prepares what must happen once (migrations,
the secret key file, the demo API and its GPT), then uvicorn starts N worker processes
that each build the app from the same environment and share the PostgreSQL database.
SQLite is for one process, so several workers on SQLite are refused.

uvicorn runs on uvloop and parses HTTP with httptools (the ``uvicorn[standard]``
dependency; uvicorn's default ``auto`` choice takes them when installed): under hundreds
of concurrent event streams they cost the server a good part less CPU than asyncio's
own loop and h11.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from fastapi import FastAPI

from gptforge.cli.chat import start_in_thread
from gptforge.errors import GptforgeError
from gptforge.settings import DEMO_API_HOST, DEMO_API_PORT
from gptforge.web.app import StartupHook, create_app, create_platform
from gptforge.web.platform import Platform
from gptforge.web.seed import seed_demo
from gptforge.web.settings import load_server_settings

UVICORN_OPTIONS: dict[str, Any] = {
    "log_level": "info",
    "proxy_headers": True,
    "timeout_keep_alive": 30,
}
"""How ``gptforge serve`` runs uvicorn (the load benchmark runs the same). The keep-alive
timeout is 30 s, not uvicorn's 5: on a server busy with hundreds of streams, the event
loop can take seconds to read a request that a client already sent on a kept-alive
connection, and a timer that fires first closes the connection under that request (the
client sees a reset)."""


def _free_loopback_port(preferred: int) -> int:
    with socket.socket() as sock:
        if sock.connect_ex((DEMO_API_HOST, preferred)) != 0:
            return preferred
    with socket.socket() as sock:
        sock.bind((DEMO_API_HOST, 0))
        return int(sock.getsockname()[1])


def start_demo_api() -> str:
    """The demo weather API on its own loopback port, in this process; its base URL.

    It gets its own listener (not a path on the server) so actions are allowlisted
    to exactly the demo API, never to the platform's own API.
    """
    from gptforge.demo.weather_api import create_app as create_weather_app

    port = _free_loopback_port(DEMO_API_PORT)
    start_in_thread(create_weather_app(), DEMO_API_HOST, port)
    return f"http://{DEMO_API_HOST}:{port}"


DEMO_URL_VARIABLE = "GPTFORGE_SERVE_DEMO_API_URL"
"""How ``--workers`` tells the worker processes where this process serves the demo API."""


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where gptforge.db and secret.key live (also GPTFORGE_DATA_DIR)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option(help="Run the demo weather API and publish its GPT.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Worker processes (more than one needs PostgreSQL: GPTFORGE_DATABASE_URL)."
        ),
    ] = 1,
) -> None:
    """Run the gptforge server: migrate the database, seed the demo GPT, serve the API."""
    try:
        settings = load_server_settings()
        if data_dir is not None:
            settings = settings.model_copy(update={"data_dir": data_dir})
        platform = create_platform(settings)
    except GptforgeError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if workers > 1 and platform.db.dialect == "sqlite":
        typer.echo(
            f"error: --workers {workers} needs PostgreSQL: SQLite serves one process. Set "
            "GPTFORGE_DATABASE_URL=postgresql+asyncpg://user:password@host/db, or run one "
            "worker (the default).",
            err=True,
        )
        raise typer.Exit(2)
    hooks: list[StartupHook] = []
    demo_url: str | None = None
    if demo:
        demo_url = start_demo_api()
        platform.extra_allow_hosts.append(demo_url.removeprefix("http://"))

        async def seed(p: Platform, url: str = demo_url) -> None:
            await seed_demo(p, url)

        hooks.append(seed)
        typer.echo(f"demo weather API on {demo_url}")
    typer.echo(f"gptforge serving on http://{host}:{port} (data in {settings.data_dir})")
    if workers == 1:
        app = create_app(platform=platform, on_startup=hooks)
        uvicorn.run(app, host=host, port=port, **UVICORN_OPTIONS)
        return
    asyncio.run(_prepare(platform, hooks))
    os.environ["GPTFORGE_DATA_DIR"] = str(settings.data_dir)
    if demo_url is not None:
        os.environ[DEMO_URL_VARIABLE] = demo_url
    typer.echo(f"starting {workers} worker processes")
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        **UVICORN_OPTIONS,
    )


async def _prepare(platform: Platform, hooks: list[StartupHook]) -> None:
    """What happens once before the workers start: migrations and the demo GPT."""
    try:
        await platform.db.migrate()
        for hook in hooks:
            await hook(platform)
    finally:
        await platform.db.dispose()


def worker_app() -> FastAPI:
    """The app of one ``--workers`` process, from the environment ``serve`` set."""
    platform = create_platform(load_server_settings())
    demo_url = os.environ.get(DEMO_URL_VARIABLE)
    if demo_url:
        platform.extra_allow_hosts.append(demo_url.removeprefix("http://"))
    return create_app(platform=platform)
