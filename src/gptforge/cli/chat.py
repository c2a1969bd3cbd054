"""``gptforge chat``, ``gptforge demo-api`` and ``gptforge demo``."""

from __future__ import annotations

import html
import json
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor, OAuthAuth, OAuthManager, Redactor
from gptforge.capabilities import builtin_toolsets
from gptforge.cli.options import AllowHosts
from gptforge.cli.output import json_line, markup_text, terminal_text
from gptforge.egress import EgressClient
from gptforge.errors import GptforgeError
from gptforge.llm import provider_from_settings
from gptforge.runtime import (
    AuthRequired,
    ConfirmationRequired,
    ConversationState,
    Decision,
    Done,
    ErrorEvent,
    NoticeEvent,
    Runtime,
    RuntimeEvent,
    TextDeltaEvent,
    ToolCallFinished,
    ToolCallStarted,
    build_actions,
    event_to_dict,
    load_gpt_file,
)
from gptforge.settings import DEMO_API_HOST, DEMO_API_PORT, load_settings

CALLBACK_PORT = 8766
CALLBACK_MESSAGE_CHARS = 500
DEMO_API_TITLE = "Demo Weather API"
CLI_SESSION = "cli"
FILES_DIR = Path("gptforge-files")


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def start_in_thread(app: Any, host: str, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    return server


def start_demo_api(port: int | None = None) -> bool:
    """Start the demo weather API in a background thread unless something already listens
    (on ``port``, default ``GPTFORGE_DEMO_API_PORT`` or 8765)."""
    port = port or load_settings().demo_api_port
    if not _port_free(DEMO_API_HOST, port):
        return False
    from gptforge.demo.weather_api import create_app

    start_in_thread(create_app(), DEMO_API_HOST, port)
    return True


def start_demo_api_for(actions: list[Action]) -> str | None:
    """Start the demo weather API when an action of this GPT points at its address and
    nothing listens there; a line telling the user what happened (None: nothing to do)."""
    demo = {f"http://{DEMO_API_HOST}:{DEMO_API_PORT}", f"http://localhost:{DEMO_API_PORT}"}
    for action in actions:
        server = action.spec.server
        if server is None or server.url.rstrip("/") not in demo:
            continue
        if not _port_free(DEMO_API_HOST, DEMO_API_PORT):
            return None
        if action.spec.title != DEMO_API_TITLE:
            return (
                f"Nothing listens on {server.url}, where {action.name} points; start that API "
                f"first (for the demo weather API: gptforge demo-api)."
            )
        start_demo_api()
        return f"Started the demo weather API on {server.url} (it was not running)."
    return None


class _Progress:
    """A Rich progress bar on stderr while the embedded model is assembled and loaded."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Progress | None = None
        self._task: Any = None
        self._enabled = enabled

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
        if self._task is None or self._bar.tasks[self._task].description != stage:
            self._task = self._bar.add_task(stage, total=total)
        self._bar.update(self._task, completed=done, total=total)
        if stage == "loading model" and done == total:
            self._bar.stop()
            self._bar = None
            self._task = None


def _callback_error_page(message: str, configs: dict[str, OAuthAuth]) -> HTMLResponse:
    """The sign-in failure page: the message bounded, secrets removed, HTML-escaped."""
    secrets: list[str] = []
    for config in configs.values():
        try:
            secrets.append(config.secret() or "")
        except GptforgeError:
            continue
    text = Redactor().with_secrets(s for s in secrets if s).text(message)
    if len(text) > CALLBACK_MESSAGE_CHARS:
        text = text[:CALLBACK_MESSAGE_CHARS] + "…"
    return HTMLResponse(
        f"<!doctype html><title>Sign-in failed</title><p>Sign-in failed: {html.escape(text)}</p>",
        status_code=400,
        headers={"Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"},
    )


def _oauth_callback_app(manager: OAuthManager, configs: dict[str, OAuthAuth]) -> Starlette:
    async def callback(request: Request) -> HTMLResponse:
        try:
            await manager.complete(
                state=request.query_params.get("state", ""),
                code=request.query_params.get("code", ""),
                session_id=CLI_SESSION,
                config_for=configs.get,
            )
        except GptforgeError as exc:
            return _callback_error_page(exc.message, configs)
        return HTMLResponse("<p>Signed in. Go back to the terminal and press Enter.</p>")

    return Starlette(routes=[Route("/oauth/callback", callback)])


async def _chat(
    gpt_file: Path,
    *,
    message: str | None,
    as_json: bool,
    yes: bool,
    allow_hosts: list[str],
) -> int:
    console = Console(highlight=False, emoji=False)
    settings = load_settings()
    policy = settings.egress_policy(allow_hosts)
    gpt, base = load_gpt_file(gpt_file)
    actions = await build_actions(gpt, base, policy=policy)
    note = start_demo_api_for(actions)
    if note:
        Console(stderr=True, highlight=False).print(f"[dim]{note}[/]")
    oauth_configs = {a.id: a.auth for a in actions if isinstance(a.auth, OAuthAuth)}
    manager = OAuthManager(
        redirect_uri=f"http://127.0.0.1:{CALLBACK_PORT}/oauth/callback",
        policy=policy,
        limits=settings.egress_limits(),
    )
    if oauth_configs and _port_free("127.0.0.1", CALLBACK_PORT):
        start_in_thread(_oauth_callback_app(manager, oauth_configs), "127.0.0.1", CALLBACK_PORT)
    provider = provider_from_settings(
        settings,
        provider=gpt.model.provider,
        model=gpt.model.model,
        temperature=gpt.model.temperature,
        progress=_Progress(enabled=not as_json),
    )
    interactive = message is None
    toolsets = builtin_toolsets(
        settings.capability_config(),
        policy=policy,
        limits=settings.egress_limits(),
        web_browsing=gpt.capabilities.web_browsing,
        image_generation=gpt.capabilities.image_generation,
    )
    async with EgressClient(policy=policy, limits=settings.egress_limits()) as egress:
        runtime = Runtime(
            gpt=gpt,
            toolsets=toolsets,
            actions=actions,
            provider=provider,
            executor=ActionExecutor(
                egress=egress, oauth=manager, max_result_chars=settings.action_max_result_chars
            ),
            session_id=CLI_SESSION,
            approve_all=yes,
            clock=settings.clock(),
        )
        state = ConversationState()
        records: list[dict[str, Any]] = []
        if interactive:
            console.print(f"[bold]{markup_text(gpt.name)}[/] — {markup_text(gpt.description)}")
            for starter in gpt.conversation_starters:
                console.print(f"  [dim]• {markup_text(starter)}[/]")
            console.print("[dim]Type /details to expand the last action call, /quit to leave.[/]")
        status = 0
        while True:
            if interactive:
                try:
                    text = console.input("[bold cyan]You:[/] ").strip()
                except (EOFError, KeyboardInterrupt):
                    return 0
                if text in ("/quit", "/exit"):
                    return 0
                if text == "/details":
                    for record in records[-3:]:
                        console.print_json(json.dumps(record), ensure_ascii=True)
                    continue
                if not text:
                    continue
            else:
                text = message or ""
            events = runtime.send(state, text)
            if not as_json:
                console.print(f"[bold magenta]{markup_text(gpt.name)}:[/] ", end="")
            while True:
                pending: list[RuntimeEvent] = []
                done: Done | None = None
                async for event in events:
                    if as_json:
                        print(json_line(event_to_dict(event)), flush=True)
                    _render(console, event, as_json)
                    if isinstance(event, ToolCallFinished) and event.record:
                        records.append(event.record)
                    if isinstance(event, ToolCallFinished) and event.files:
                        _save_files(console, event, as_json)
                    if isinstance(event, ConfirmationRequired | AuthRequired):
                        pending.append(event)
                    if isinstance(event, Done):
                        done = event
                if done is None or done.reason != "paused":
                    if done is not None and done.reason != "completed":
                        status = 1
                    break
                decisions = _ask(console, pending, interactive=interactive, as_json=as_json)
                events = runtime.resume(state, decisions)
            if not as_json:
                console.print()
            if not interactive:
                return status


def saved_path(folder: Path, name: str) -> Path:
    """A new file in ``folder`` named after ``name`` (no folders; ``-2``... when taken)."""
    base = Path(name.replace("\\", "/")).name.lstrip(".") or "file"
    stem, suffix = Path(base).stem, Path(base).suffix
    candidate, n = folder / base, 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def _save_files(console: Console, event: ToolCallFinished, as_json: bool) -> None:
    """Write the files a call produced to ./gptforge-files and say where they are."""
    FILES_DIR.mkdir(exist_ok=True)
    for info in event.files:
        path = saved_path(FILES_DIR, info.name)
        path.write_bytes(event.file_data[info.id])
        if as_json:
            print(json_line({"kind": "file_saved", "id": info.id, "path": str(path)}), flush=True)
        else:
            console.print(f"  [green]  saved {markup_text(str(path))}[/]")


def _render(console: Console, event: RuntimeEvent, as_json: bool) -> None:
    if as_json:
        return
    if isinstance(event, TextDeltaEvent):
        console.print(terminal_text(event.text), end="", markup=False)
    elif isinstance(event, ToolCallStarted):
        talked_to = markup_text(event.host or event.action)
        console.print(f"\n  [dim]↳ Talked to {talked_to} · {markup_text(event.operation)}[/]")
    elif isinstance(event, ToolCallFinished):
        status = event.http_status if event.http_status is not None else event.status
        console.print(f"  [dim]  {markup_text(status)} in {event.duration_ms:.0f} ms[/]")
        if event.message:
            console.print(f"  [yellow]  {markup_text(event.message)}[/]")
    elif isinstance(event, ErrorEvent):
        console.print(f"\n[bold red]error:[/] {markup_text(event.message)}")
    elif isinstance(event, NoticeEvent):
        console.print(f"\n[yellow]note:[/] {markup_text(event.message)}")
    elif isinstance(event, AuthRequired):
        console.print(
            f"\n[bold yellow]Sign in to {markup_text(event.action)}:[/] "
            f"{markup_text(event.authorization_url)}",
            soft_wrap=True,
        )


def _ask(
    console: Console, pending: list[RuntimeEvent], *, interactive: bool, as_json: bool
) -> dict[str, Decision]:
    decisions: dict[str, Decision] = {}
    for event in pending:
        if isinstance(event, AuthRequired):
            if interactive and sys.stdin.isatty():
                console.input("Press Enter after signing in in your browser… ")
            continue
        if not isinstance(event, ConfirmationRequired):
            continue
        if not (interactive and sys.stdin.isatty()):
            decisions[event.call_id] = "deny"
            if not as_json:
                console.print(
                    f"\n[yellow]{markup_text(event.action)} wants to run "
                    f"{markup_text(event.operation)} ({markup_text(event.summary)}); "
                    "declined (use --yes to allow in scripts).[/]"
                )
            continue
        options = "[y]es / [a]lways / [n]o" if event.allow_always else "[y]es / [n]o"
        console.print(
            f"\n[bold yellow]{markup_text(event.action)}[/] wants to run "
            f"[bold]{markup_text(event.operation)}[/] ({markup_text(event.summary)}) with "
            f"{markup_text(json_line(event.arguments))}"
        )
        answer = console.input(f"Allow? {options} ").strip().lower()
        if answer.startswith("a") and event.allow_always:
            decisions[event.call_id] = "always"
        elif answer.startswith("y"):
            decisions[event.call_id] = "allow"
        else:
            decisions[event.call_id] = "deny"
    return decisions


def chat(
    gpt_file: Annotated[Path, typer.Argument(help="The GPT's gpt.yaml.")],
    message: Annotated[
        str | None, typer.Option("-m", "--message", help="Answer this one message and exit.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the runtime's events as JSON Lines.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Allow consequential calls without asking (this run).")
    ] = False,
    allow_host: AllowHosts = None,
) -> None:
    """Chat with a GPT in the terminal (embedded offline model unless a provider is set).

    Set OPENAI_API_KEY, or GPTFORGE_OPENAI_BASE_URL for any OpenAI-compatible server
    (Ollama, vLLM, llama.cpp, LM Studio), to use another model; GPTFORGE_MODEL names it.
    Capabilities in gpt.yaml: web browsing searches through GPTFORGE_SEARCH_PROVIDER /
    _URL / _API_KEY; image generation uses GPTFORGE_IMAGES_API_KEY / _BASE_URL / _MODEL
    and saves images to ./gptforge-files.
    """
    try:
        code = anyio.run(
            lambda: _chat(
                gpt_file, message=message, as_json=as_json, yes=yes, allow_hosts=allow_host or []
            )
        )
    except GptforgeError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {markup_text(exc.message)}")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


def demo_api(
    port: Annotated[
        int | None,
        typer.Option(
            help=f"Port on 127.0.0.1 (default GPTFORGE_DEMO_API_PORT or {DEMO_API_PORT})."
        ),
    ] = None,
) -> None:
    """Serve the demo weather API on 127.0.0.1 (deterministic data, no network)."""
    from gptforge.demo.weather_api import create_app

    port = port or load_settings().demo_api_port
    uvicorn.run(create_app(), host=DEMO_API_HOST, port=port, log_level="info")


def demo(
    message: Annotated[
        str | None, typer.Option("-m", "--message", help="Answer this one message and exit.")
    ] = None,
) -> None:
    """Start the demo weather API and chat with the bundled "Weather helper" GPT."""
    from gptforge.demo import DEMO_GPT

    start_demo_api()
    chat(DEMO_GPT, message=message)
