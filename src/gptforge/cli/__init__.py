"""The ``gptforge`` command line: spec checks, action calls, chat and the demo API."""

from __future__ import annotations

import typer

from gptforge.cli.action import action_app
from gptforge.cli.chat import chat, demo, demo_api
from gptforge.cli.serve import serve
from gptforge.cli.spec import spec_app

app = typer.Typer(
    name="gptforge",
    help="Custom GPTs with Actions, on your own machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(spec_app, name="spec")
app.add_typer(action_app, name="action")
app.command("chat")(chat)
app.command("demo-api")(demo_api)
app.command("demo")(demo)
app.command("serve")(serve)


def main() -> None:
    app()
