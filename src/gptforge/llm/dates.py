"""The days a message names relative to today ("tomorrow", "this Monday", "this weekend").

A small model told today's date still writes today's date for "this Monday"; told the
date each phrase stands for, it copies it. Only the phrases a message holds are
resolved, so what the model reads grows by a few tokens on the messages that need it
and not at all on the others. Weeks are left out: told "next week = Monday 2026-11-30
to Sunday 2026-12-06", the model wrote that span into its answer in place of the outage
dates the API returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DAY_NAMES = "|".join(d.lower() for d in DAYS)
_PHRASES = re.compile(
    r"\b(?:(?P<rel>the day after tomorrow|the day before yesterday|tomorrow|yesterday|"
    r"today|tonight)"
    r"|(?P<weekend>this weekend|next weekend|last weekend)"
    rf"|(?:(?P<which>this|next|last|coming|on)\s+)?(?P<day>{_DAY_NAMES})(?!s\b))\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:was|were|did|didn't|had|ago|yesterday|last|came|arrived|delivered|left|"
    r"happened|went|got|paid|sent)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NamedDate:
    """A phrase of the message and the day or days it stands for."""

    phrase: str
    first: date
    last: date | None = None  # a weekend: its Sunday

    def describe(self) -> str:
        """``this Monday = Monday 2026-11-30``; a span from its first to its last day."""
        day = f"{DAYS[self.first.weekday()]} {self.first:%Y-%m-%d}"
        if self.last is None:
            return f"{self.phrase} = {day}"
        return f"{self.phrase} = {day} to {DAYS[self.last.weekday()]} {self.last:%Y-%m-%d}"


def _relative(word: str, today: date) -> date:
    offsets = {
        "the day after tomorrow": 2,
        "the day before yesterday": -2,
        "tomorrow": 1,
        "yesterday": -1,
    }
    return today + timedelta(days=offsets.get(word, 0))


def _weekend(words: str, today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    saturday = monday + timedelta(days=5 + {"this": 0, "next": 7, "last": -7}[words.split()[0]])
    return saturday, saturday + timedelta(days=1)


def _weekday(name: str, which: str, today: date, past: bool) -> date:
    """The day called ``name``: the coming one (today's weekday: a week on with "next",
    today otherwise), or the last one before today after "last" or in a message about
    the past ("It was delivered on Monday")."""
    target = DAYS.index(name.capitalize())
    ahead = (target - today.weekday()) % 7
    if which == "last" or ((not which or which == "on") and past):
        return today - timedelta(days=(today.weekday() - target) % 7 or 7)
    if ahead == 0 and which == "next":
        ahead = 7
    return today + timedelta(days=ahead)


def named_dates(text: str, today: date) -> list[NamedDate]:
    """The relative days ``text`` names, each once, in the order written."""
    found: dict[str, NamedDate] = {}
    past = bool(_PAST.search(text))
    for match in _PHRASES.finditer(text):
        phrase = " ".join(match.group(0).split())
        if phrase.lower() in {seen.lower() for seen in found}:
            continue
        if match.group("rel"):
            found[phrase] = NamedDate(phrase, _relative(match.group("rel").lower(), today))
        elif match.group("weekend"):
            first, last = _weekend(match.group("weekend").lower(), today)
            found[phrase] = NamedDate(phrase, first, last)
        else:
            which = (match.group("which") or "").lower()
            found[phrase] = NamedDate(phrase, _weekday(match.group("day"), which, today, past))
    return list(found.values())
