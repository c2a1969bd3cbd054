"""Text from specs and remote APIs, made safe to print in a terminal.

An API's response, a spec's title or a token endpoint's error can carry terminal
control sequences: ESC/CSI (clear screen, move the cursor), OSC 52 (write the
clipboard), OSC 8 (hyperlinks), 8-bit C1 controls, BEL, a bare CR that overwrites
the line, and bidirectional overrides that reorder what is shown. Every such
character is printed as a visible escape (``\\x1b``, ``\\u202e``), so the sequence
is shown, never executed. Text printed with Rich markup is escaped as well, so
``[/x]`` in a title is shown as written instead of failing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.markup import escape

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: object) -> str:
    """``value`` as text with every control or reordering character shown as an escape;
    line feeds and tabs are kept."""
    return _UNSAFE.sub(_visible, str(value))


def markup_text(value: object) -> str:
    """:func:`terminal_text`, escaped for use inside a Rich markup string."""
    return escape(terminal_text(value))


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_line(data: Any) -> str:
    """One JSON document on one line, readable (non-ASCII kept) but with no character a
    terminal would act on: JSON escapes C0 itself; C1, bidi and line separators are
    escaped here (they can only occur inside strings, so the JSON stays the same)."""
    return _UNSAFE.sub(_json_escape, json.dumps(data, ensure_ascii=False))
