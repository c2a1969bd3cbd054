"""What the model reads after a call, and the record a person sees in the debug view.

JSON comes back compact, text as text, anything else as a one-line summary (type
and size). HTTP errors keep their status and a short excerpt. Text for the model
is capped (100,000 characters by default) with a note saying it was cut. Every
known secret is replaced by ``***`` before anything leaves this module.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from gptforge.actions.auth import REDACTED
from gptforge.egress import FetchedResponse

MAX_RESULT_CHARS = 100_000
EXCERPT_CHARS = 500
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
_TEXTUAL = ("application/json", "application/xml", "application/javascript", "application/yaml")
MIN_FREE_TEXT_SECRET = 4
"""Shorter secrets are redacted in free text only as whole tokens (and always by position)."""
_NAMED_ENTITIES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}


def _char_forms(ch: str) -> str:
    """A regex for one character of a secret in any way an API could write it back."""
    data = ch.encode()
    forms = [re.escape(ch), "".join(f"%(?:25)*{b:02x}" for b in data), "\\\\" + re.escape(ch)]
    code = ord(ch)
    if code < 0x10000:
        forms.append(f"\\\\u{code:04x}")
    else:
        high, low = divmod(code - 0x10000, 0x400)
        forms.append(f"\\\\u{0xD800 + high:04x}\\\\u{0xDC00 + low:04x}")
    if code < 0x100:
        forms.append(f"\\\\x{code:02x}")
    forms.append(f"&#0*{code};|&#x0*{code:x};")
    if ch in _NAMED_ENTITIES:
        forms.append(f"&{_NAMED_ENTITIES[ch]};")
    if ch == " ":
        forms.append("\\+")
    return "(?:" + "|".join(forms) + ")"


def _base64_cores(secret: bytes) -> list[str]:
    """The base64 characters that depend only on ``secret``, at each of the three byte
    alignments it can have inside a longer encoded value (and, when it ends the value,
    with its last character and padding), in both alphabets."""
    cores: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + secret).decode()
        first = -(-8 * offset // 6)
        last = (8 * (offset + len(secret))) // 6
        for core in (encoded[first:], encoded[first:].rstrip("="), encoded[first:last]):
            if len(core) >= MIN_FREE_TEXT_SECRET:
                cores += [core, core.translate(str.maketrans("+/", "-_"))]
    return cores


def _forms_pattern(literal: str) -> str:
    return "".join(_char_forms(ch) for ch in literal)


_ESCAPE = re.compile(
    r"%(?:25)*([0-9a-f]{2})|\\u00([0-9a-f]{2})|\\x([0-9a-f]{2})|&#x0*([0-9a-f]{1,6});"
    r"|&#0*([0-9]{1,7});|&(amp|lt|gt|quot|apos);|\\(.)",
    re.IGNORECASE,
)
_ENTITY_CHARS = {name: ch for ch, name in _NAMED_ENTITIES.items()}


def _unescaped_char(match: re.Match[str]) -> str:
    pct, uni, hexa, ref_hex, ref_dec, entity, escaped = match.groups()
    if entity:
        return _ENTITY_CHARS[entity.lower()]
    if escaped is not None:
        return escaped
    code = int(ref_dec) if ref_dec else int(pct or uni or hexa or ref_hex, 16)
    return chr(code) if code < 0x80 else "\0"


@lru_cache(maxsize=256)
def _needles(secrets: tuple[str, ...]) -> tuple[str, ...] | None:
    """Lower-cased literal forms to look for in an unescaped text before running the full
    pattern; None when a secret is not ASCII (then the pattern always runs)."""
    needles: list[str] = []
    for secret in secrets:
        if not secret.isascii():
            return None
        if len(secret) >= MIN_FREE_TEXT_SECRET:
            for literal in (secret, secret.encode().hex(), *_base64_cores(secret.encode())):
                needles += [literal.lower(), literal.lower().replace(" ", "+")]
        else:
            needles.append(secret.lower())
    return tuple(dict.fromkeys(needles))


def _may_contain(text: str, secrets: tuple[str, ...]) -> bool:
    needles = _needles(secrets)
    if needles is None:
        return True
    plain = (
        _ESCAPE.sub(_unescaped_char, text).lower()
        if any(c in text for c in "%\\&")
        else text.lower()
    )
    return any(needle in plain for needle in needles)


@lru_cache(maxsize=256)
def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for every secret and every reversible form of it: percent-encoding (any
    subset, any case, double-encoded), ``+`` for space, JSON/JS ``\\u``/``\\x``/backslash
    escapes, HTML character references, base64 and base64url at any alignment, hex, and
    any letter case. Short secrets match only as whole tokens."""
    literals: list[str] = []
    short: list[str] = []
    for secret in secrets:
        if len(secret) >= MIN_FREE_TEXT_SECRET:
            literals += [secret, secret.encode().hex(), *_base64_cores(secret.encode())]
        elif secret:
            short.append(secret)
    # Longest first: the regex takes the first alternative that matches, not the longest.
    ordered = sorted(dict.fromkeys(literals), key=len, reverse=True)
    alternatives = [_forms_pattern(literal) for literal in ordered] + [
        "(?<![0-9A-Za-z])" + _forms_pattern(secret) + "(?![0-9A-Za-z])"
        for secret in sorted(set(short), key=len, reverse=True)
    ]
    starts = {"%", "\\", "&", *(literal[0] for literal in ordered + short)}
    if not alternatives:
        return None
    if " " in starts:
        starts.add("+")
    first = "[" + "".join(re.escape(ch) for ch in sorted(starts)) + "]"
    return re.compile(f"(?={first})(?:{'|'.join(alternatives)})", re.IGNORECASE)


@dataclass(frozen=True)
class Redactor:
    """Replaces known secret values (and sensitive headers) with ``***``.

    Whole header values of credential headers and whole values of credential query
    parameters are replaced by position; free text is searched for every encoded form
    of every secret (see :func:`_secret_pattern`), and a cut-off text that ends with the
    first characters of a secret loses them too.
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
        if _may_contain(text, self.secrets):
            pattern = _secret_pattern(self.secrets)
            if pattern is not None:
                text = pattern.sub(REDACTED, text)
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


ToolStatus = Literal[
    "ok", "http_error", "invalid_arguments", "network_error", "blocked", "declined"
]


@dataclass(kw_only=True)
class ToolResult:
    """What goes back to the model as the tool message, plus the record."""

    status: ToolStatus
    content: str
    record: CallRecord | None = None

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
