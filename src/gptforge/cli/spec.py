"""``gptforge spec check``: what the GPT editor says about a schema, in a terminal."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import anyio
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from gptforge.actions import confirmation_policy
from gptforge.cli.options import AllowHosts, AllowLocalRefs
from gptforge.cli.output import json_line, markup_text
from gptforge.errors import GptforgeError
from gptforge.openapi import Spec, collector_paused, load_spec, load_spec_file, parse_spec
from gptforge.settings import load_settings

spec_app = typer.Typer(help="Check OpenAPI schemas for use as actions.", no_args_is_help=True)


def _record(source: str, spec: Spec | None, error: str | None) -> dict[str, Any]:
    if spec is None:
        message = error or "unknown error"
        return {
            "source": source,
            "ok": False,
            "openapi_version": None,
            "operations": 0,
            "tools": [],
            "diagnostics": [
                {"code": "load-failed", "severity": "error", "pointer": "", "message": message}
            ],
        }
    return {
        "source": source,
        "ok": spec.ok,
        "openapi_version": spec.openapi_version,
        "operations": len(spec.operations),
        "tools": spec.tool_definitions(),
        "diagnostics": [d.as_dict() for d in spec.diagnostics],
    }


def _load(
    source: str, allow_hosts: list[str], allow_local_refs: bool
) -> tuple[Spec | None, str | None]:
    """The spec, or the message saying why it could not be loaded (never a traceback)."""
    try:
        # This process serves no one else meanwhile: pausing the collector is safe here.
        if source == "-":
            with collector_paused():
                return parse_spec(sys.stdin.buffer.read(), source="<stdin>"), None
        if "://" not in source:
            # A local file needs no event loop (and no task whose repr could walk the spec).
            with collector_paused():
                return load_spec_file(source, allow_local_refs=allow_local_refs), None
        policy = load_settings().egress_policy(allow_hosts)
        spec = anyio.run(
            lambda: load_spec(source, policy=policy, allow_local_refs=allow_local_refs)
        )
        return spec, None
    except GptforgeError as exc:
        return None, exc.message
    except Exception as exc:  # a bug must not become a traceback: name it and go on
        return (
            None,
            f"gptforge could not check this spec (internal error {type(exc).__name__}); "
            "please report it",
        )


def _print_human(console: Console, source: str, spec: Spec | None, error: str | None) -> None:
    """The report; every text from the spec (or its source) is shown, never interpreted."""
    if spec is None:
        console.print(f"[bold red]✗ {markup_text(source)}[/]: {markup_text(error or '')}")
        return
    mark = "[bold green]✓[/]" if spec.ok else "[bold red]✗[/]"
    title = f" — {markup_text(spec.title)}" if spec.title else ""
    server = markup_text(spec.server.url) if spec.server else "no server"
    console.print(
        f"{mark} [bold]{markup_text(source)}[/]{title} "
        f"(OpenAPI {markup_text(spec.openapi_version)}, {server}, {len(spec.tools)} operations)"
    )
    table = Table(show_lines=False, header_style="bold")
    for column in ("tool", "method", "path", "arguments", "confirm"):
        table.add_column(column)
    for tool in spec.tools[:200]:
        op = tool.operation
        args = ", ".join(tool.parameters.get("properties", {}))
        table.add_row(
            *(
                markup_text(cell)
                for cell in (tool.name, op.method, op.path, args[:60], confirmation_policy(op))
            )
        )
    if spec.tools:
        console.print(table)
    if len(spec.tools) > 200:
        console.print(f"… and {len(spec.tools) - 200} more operations")
    for d in spec.diagnostics:
        style = "red" if d.severity == "error" else "yellow"
        where = f" at {markup_text(d.pointer)}" if d.pointer else ""
        console.print(
            f"  [{style}]{d.severity}[/] [bold]{markup_text(d.code)}[/]{where}: "
            f"{markup_text(d.message)}"
        )


@spec_app.command("check")
def check(
    sources: Annotated[
        list[str], typer.Argument(help="Spec files, http(s) URLs, or - for standard input.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per source per line.")
    ] = False,
    allow_host: AllowHosts = None,
    allow_local_refs: AllowLocalRefs = False,
) -> None:
    """Load each schema, list its operations as tools, and report problems.

    Exits 0 when every source is usable as an action, 1 otherwise.
    """
    console = Console(stderr=False, soft_wrap=False, highlight=False, emoji=False)
    all_ok = True
    hosts = allow_host or []
    show_progress = len(sources) > 1
    with Progress(console=Console(stderr=True), transient=True, disable=not show_progress) as bar:
        task = bar.add_task("checking", total=len(sources))
        for source in sources:
            spec, error = _load(source, hosts, allow_local_refs)
            all_ok = all_ok and spec is not None and spec.ok
            if as_json:
                sys.stdout.write(json_line(_record(source, spec, error)) + "\n")
                sys.stdout.flush()
            else:
                _print_human(console, source, spec, error)
            bar.advance(task)
    raise typer.Exit(0 if all_ok else 1)
