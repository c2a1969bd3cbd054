"""``gptforge action call``: the editor's Test button, in a terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import anyio
import typer
from rich.console import Console
from rich.panel import Panel

from gptforge.actions import Action, ActionExecutor, NoAuth, SignInRequired, load_auth_file
from gptforge.actions.executor import checked_server_url
from gptforge.cli.options import AllowHosts, AllowLocalRefs
from gptforge.cli.output import json_line, markup_text, terminal_text
from gptforge.egress import EgressClient
from gptforge.errors import GptforgeError
from gptforge.openapi import load_spec
from gptforge.settings import load_settings

action_app = typer.Typer(help="Test actions by hand.", no_args_is_help=True)

AUTH_HELP = (
    "Auth settings file (YAML or JSON), the same block as in gpt.yaml, e.g. "
    '{"type": "none"}, {"type": "api_key", "scheme": "bearer", "key_env": "MY_KEY"}, '
    '{"type": "api_key", "scheme": "custom", "header": "X-Api-Key", "key_env": "MY_KEY"}, '
    '{"type": "api_key", "scheme": "query", "param": "api_key", "key": "..."}.'
)


async def _call(
    spec_source: str,
    operation: str,
    arguments: Any,
    auth_file: str | None,
    hosts: list[str],
    allow_local_refs: bool,
    server: str | None = None,
) -> dict[str, Any]:
    settings = load_settings()
    policy = settings.egress_policy(hosts)
    spec = await load_spec(spec_source, policy=policy, allow_local_refs=allow_local_refs)
    auth = load_auth_file(auth_file) if auth_file else NoAuth()
    action = Action(id="cli", spec=spec, auth=auth, server_url=server)
    async with EgressClient(policy=policy, limits=settings.egress_limits()) as egress:
        executor = ActionExecutor(egress=egress, max_result_chars=settings.action_max_result_chars)
        outcome = await executor.execute(action, operation, arguments)
    if isinstance(outcome, SignInRequired):
        return {"status": "sign_in_required", "authorization_url": outcome.authorization_url}
    return {
        "status": outcome.status,
        "record": outcome.record.as_dict() if outcome.record else None,
        "result": outcome.content,
        "message": outcome.message,
    }


@action_app.command("call")
def call(
    spec: Annotated[str, typer.Argument(help="Spec file or http(s) URL.")],
    operation: Annotated[str, typer.Argument(help="Tool name (operationId) to call.")],
    args: Annotated[str, typer.Option("--args", help="Arguments as a JSON object.")] = "{}",
    auth_file: Annotated[str | None, typer.Option("--auth-file", help=AUTH_HELP)] = None,
    allow_host: AllowHosts = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    allow_local_refs: AllowLocalRefs = False,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Send the request to this base URL instead of the spec's server "
            "(credentials go there too), e.g. https://staging.example.com/v1.",
        ),
    ] = None,
) -> None:
    """Send one operation and print the (redacted) request and response record.

    Exit code 0 when the API answered 2xx, 1 otherwise, 2 for usage errors.
    """
    console = Console(highlight=False, emoji=False)
    try:
        arguments = json.loads(args)
    except ValueError as exc:
        raise typer.BadParameter(f"--args is not valid JSON: {exc}") from exc
    if server is not None:
        try:
            server = checked_server_url(server)
        except GptforgeError as exc:
            raise typer.BadParameter(exc.message, param_hint="--server") from None
    try:
        outcome = anyio.run(
            _call, spec, operation, arguments, auth_file, allow_host or [], allow_local_refs, server
        )
    except GptforgeError as exc:
        _fail(console, exc.message, as_json)
    except Exception as exc:  # never a traceback: say what happened and how to report it
        _fail(console, f"internal error ({type(exc).__name__}); please report it", as_json)
    if as_json:
        print(json_line(outcome))
    else:
        _print_outcome(console, outcome)
    raise typer.Exit(0 if outcome["status"] == "ok" else 1)


def _fail(console: Console, message: str, as_json: bool) -> NoReturn:
    if as_json:
        print(json_line({"status": "error", "error": message}))
    else:
        console.print(f"[bold red]error[/]: {markup_text(message)}")
    raise typer.Exit(1)


def _print_outcome(console: Console, outcome: dict[str, Any]) -> None:
    """The record in a panel and the result; remote and spec text shown, never obeyed."""
    record = outcome.get("record")
    if outcome["status"] == "sign_in_required":
        console.print(f"Sign in first: {markup_text(outcome['authorization_url'])}")
    if record:
        lines = [f"[bold]{markup_text(record['method'])} {markup_text(record['url'])}[/]"]
        lines += [
            f"{markup_text(k)}: {markup_text(v)}" for k, v in record["request_headers"].items()
        ]
        if record["request_body_excerpt"]:
            lines += ["", markup_text(record["request_body_excerpt"])]
        status = record["status"] if record["status"] is not None else record["error"]
        lines += ["", f"[bold]→ {markup_text(status)}[/] in {record['duration_ms']:.0f} ms"]
        title = f"{markup_text(record['action'])} · {markup_text(record['operation'])}"
        console.print(Panel("\n".join(lines), title=title))
    if outcome.get("message"):
        console.print(f"[yellow]{markup_text(outcome['message'])}[/]")
    if "result" in outcome:
        console.print(terminal_text(outcome["result"][:4000]), markup=False)
