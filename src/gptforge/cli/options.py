"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

AllowHosts = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-host",
        help="Let this command reach an internal host on purpose: host, host:port or CIDR "
        "(repeatable; GPTFORGE_ALLOW_HOSTS sets it for every command).",
    ),
]

AllowLocalRefs = Annotated[
    bool,
    typer.Option(
        "--allow-local-refs",
        help="Follow $refs to files in the spec's own folder (never URLs or other folders).",
    ),
]
