"""Outbound HTTP for capabilities: one guarded client per call, under a policy and limits.

A capability holds an :class:`Outbound` rather than a client so a toolset made for a
turn needs no closing; the egress client it opens per call checks every address and
every redirect hop like the actions' client does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from gptforge.egress import EgressClient, EgressLimits, EgressPolicy, FetchedResponse


@dataclass(frozen=True, kw_only=True)
class Outbound:
    policy: EgressPolicy
    limits: EgressLimits

    async def send(
        self, request: httpx.Request, *, secret_headers: Iterable[str] = ()
    ) -> FetchedResponse:
        async with EgressClient(policy=self.policy, limits=self.limits) as client:
            return await client.send(request, secret_headers=secret_headers)


def cut(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` with an ellipsis."""
    return text if len(text) <= max_chars else text[: max(0, max_chars - 1)] + "…"


def one_line(text: str, max_chars: int = 300) -> str:
    return cut(" ".join(text.split()), max_chars)


def json_error_text(response: FetchedResponse) -> str:
    """The ``error.message`` (or ``error``/``detail``) of a JSON error body, else ''."""
    try:
        body = httpx.Response(200, content=response.content).json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error", body.get("detail", body.get("message")))
    if isinstance(error, dict):
        error = error.get("message")
    return one_line(error) if isinstance(error, str) else ""
