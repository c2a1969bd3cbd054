"""``gptforge serve``: the platform server (API, store, demo GPT) with uvicorn."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from gptforge.cli.chat import start_in_thread
from gptforge.errors import GptforgeError
from gptforge.settings import DEMO_API_HOST, DEMO_API_PORT
from gptforge.web.app import StartupHook, create_app, create_platform
from gptforge.web.platform import Platform
from gptforge.web.seed import seed_demo
from gptforge.web.settings import ServerSettings


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
) -> None:
    """Run the gptforge server: migrate the database, seed the demo GPT, serve the API."""
    settings = ServerSettings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    try:
        platform = create_platform(settings)
    except GptforgeError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    hooks: list[StartupHook] = []
    if demo:
        demo_url = start_demo_api()
        platform.extra_allow_hosts.append(demo_url.removeprefix("http://"))

        async def seed(p: Platform) -> None:
            await seed_demo(p, demo_url)

        hooks.append(seed)
        typer.echo(f"demo weather API on {demo_url}")
    app = create_app(platform=platform, on_startup=hooks)
    typer.echo(f"gptforge serving on http://{host}:{port} (data in {settings.data_dir})")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
