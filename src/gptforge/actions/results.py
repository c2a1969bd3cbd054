"""What the model reads after a call, and the record a person sees in the debug view.

JSON comes back compact, text as text, anything else as a one-line summary (type
and size). HTTP errors keep their status and a short excerpt. Text for the model
is capped (100,000 characters by default) with a note saying it was cut. Every
known secret is replaced by ``***`` before anything leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from gptforge.actions.auth import REDACTED
from gptforge.actions.redaction import MIN_FREE_TEXT_SECRET, redact_spans, secret_spans
from gptforge.egress import FetchedResponse
from gptforge.toolsets import ToolStatus

MAX_RESULT_CHARS = 100_000
EXCERPT_CHARS = 500
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
_TEXTUAL = ("application/json", "application/xml", "application/javascript", "application/yaml")


@dataclass(frozen=True)
class Redactor:
    """Replaces known secret values (and sensitive headers) with ``***``.

    Whole header values of credential headers and whole values of credential query
    parameters are replaced by position; free text is searched for every encoded form
    of every secret (see :mod:`gptforge.actions.redaction`), and a cut-off text that ends
    with the first characters of a secret loses them too.
    """

    secrets: tuple[str, ...] = ()
    secret_headers: frozenset[str] = SENSITIVE_HEADERS
    secret_params: frozenset[str] = frozenset()

    def with_secrets(
        self, secrets: Iterable[str], *, headers: Iterable[str] = (), params: Iterable[str] = ()
    ) -> Redactor:
        return Redactor(
            secrets=self.secrets + tuple(s for s in secrets if s),
            secret_headers=self.secret_headers | {h.lower() for h in headers},
            secret_params=self.secret_params | frozenset(params),
        )

    def text(self, text: str, *, cut: bool = False) -> str:
        """``text`` without secrets; ``cut`` says the text was cut off (a truncated body),
        so a secret's first characters at its end are removed too."""
        if not self.secrets or not text:
            return text
        text = redact_spans(text, secret_spans(text, self.secrets), REDACTED)
        return self._cut_tail(text) if cut else text

    def _cut_tail(self, text: str) -> str:
        lowered = text[-256:].lower()
        for secret in self.secrets:
            folded = secret.lower()
            shortest = max(MIN_FREE_TEXT_SECRET, len(folded) // 2)
            for size in range(len(folded) - 1, shortest - 1, -1):
                if lowered.endswith(folded[:size]):
                    return text[:-size] + REDACTED
        return text

    def _is_secret(self, value: str) -> bool:
        return value in self.secrets

    def headers(self, headers: httpx.Headers | dict[str, str]) -> dict[str, str]:
        return {
            name: REDACTED
            if name.lower() in self.secret_headers or self._is_secret(value)
            else self.text(value)
            for name, value in headers.items()
        }

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.query and self.secrets:
            query = urlencode(
                [
                    (k, REDACTED if k in self.secret_params or self._is_secret(v) else v)
                    for k, v in parse_qsl(parts.query, keep_blank_values=True)
                ],
                safe="*",
            )
            url = urlunsplit(parts._replace(query=query))
        return self.text(url)


@dataclass(kw_only=True)
class CallRecord:
    """One action call as the debug view shows it; secrets already redacted."""

    action: str
    operation: str
    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body_excerpt: str = ""
    status: int | None = None
    duration_ms: float = 0.0
    response_excerpt: str = ""
    response_type: str = ""
    response_bytes: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(kw_only=True)
class ToolResult:
    """What goes back to the model as the tool message, plus the record."""

    status: ToolStatus
    content: str
    """What the model reads: the API's answer, or a short neutral line."""
    record: CallRecord | None = None
    message: str | None = None
    """For the GPT's builder or the operator (what to fix); never shown to the model."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def cap_for_model(text: str, limit: int = MAX_RESULT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return (
        text[:limit]
        + f"\n[Response truncated: showing the first {limit:,} of {len(text):,} characters.]"
    )


def _is_textual(content_type: str) -> bool:
    return (
        content_type.startswith("text/")
        or content_type.endswith(("+json", "+xml"))
        or content_type in _TEXTUAL
        or not content_type
    )


def response_text(response: FetchedResponse) -> str:
    """The body as the model should read it: compact JSON, text, or a summary."""
    content_type = response.content_type
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            data = json.loads(response.content)
        except ValueError:
            return response.text
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if _is_textual(content_type):
        text = response.text
        if not content_type and "\x00" in text:
            return f"[binary response, {len(response.content):,} bytes]"
        return text
    return f"[{content_type} response, {len(response.content):,} bytes; not shown]"


def model_content(
    response: FetchedResponse, redactor: Redactor, *, max_chars: int = MAX_RESULT_CHARS
) -> tuple[str, bool]:
    """(text for the model, True when the status is a success)."""
    body = redactor.text(response_text(response), cut=response.truncated)
    cut_note = (
        "\n[The response was larger than the size limit and was cut off.]"
        if response.truncated
        else ""
    )
    if 200 <= response.status_code < 300:
        text = cap_for_model(body or f"HTTP {response.status_code} (empty body)", max_chars)
        return text + cut_note, True
    return (
        f"HTTP {response.status_code} error from the API. Response excerpt: "
        + excerpt(body or "(empty)", 2_000)
    ), False
