"""Findings about a spec, in the spirit of the GPT editor's schema checks.

Each finding has a stable code, a severity, a JSON pointer into the document as
the user wrote it, and a message that says how to fix the problem.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

SPEC_BLOCKING_CODES = frozenset({"no-servers", "relative-server-url", "unsupported-server-url"})
"""Errors that make the whole action unusable, not just one operation."""

_MAX_PER_CODE = 50


@dataclass(frozen=True, kw_only=True)
class Diagnostic:
    code: str
    severity: Severity
    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """A JSON pointer built from raw tokens: ``pointer("paths", "/pets", "get")``."""
    return "".join("/" + escape_pointer_token(str(token)) for token in tokens)


@dataclass
class Diagnostics:
    """Collects findings; keeps the first few of each code and counts the rest."""

    items: list[Diagnostic] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, code: str, severity: Severity, at: str, message: str) -> None:
        self.counts[code] += 1
        if self.counts[code] <= _MAX_PER_CODE:
            self.items.append(Diagnostic(code=code, severity=severity, pointer=at, message=message))

    def error(self, code: str, at: str, message: str) -> None:
        self.add(code, "error", at, message)

    def warning(self, code: str, at: str, message: str) -> None:
        self.add(code, "warning", at, message)

    def finish(self) -> list[Diagnostic]:
        """All kept findings, plus one note per code that had more than were kept."""
        out = list(self.items)
        for code, count in sorted(self.counts.items()):
            if count > _MAX_PER_CODE:
                severity = next(d.severity for d in self.items if d.code == code)
                out.append(
                    Diagnostic(
                        code=code,
                        severity=severity,
                        pointer="",
                        message=f"{count - _MAX_PER_CODE} more {code!r} findings not listed.",
                    )
                )
        return out
