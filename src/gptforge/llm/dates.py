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
    r"\b(?:(?P<rel>(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday|"
    r"tomorrow|yesterday|today|tonight)"
    r"|(?P<weekend>this weekend|next weekend|last weekend)"
    rf"|(?:(?P<which>this|next|last|coming|on)\s+)?(?P<day>{_DAY_NAMES})(?!s\b))\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:was|were|did|didn't|ago|yesterday|came|arrived|delivered|happened|went|paid)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|can|could|would|shall|going|open|until|by|next|still|available)\b",
    re.IGNORECASE,
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# "Tuesday 15 December", "Tuesday, the 15th", "on Friday 4/12": a date the user gave.
_DATE_AFTER = re.compile(
    rf"^\s*,?\s*(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\b(?![:.]\d)|\d{{1,2}}[/.]\d{{1,2}}\b|(?:{_MONTHS})\b)",
    re.IGNORECASE,
)
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTHS})\s*,?\s*$", re.IGNORECASE)
# "Good Friday", "Black Friday", "Easter Monday": a holiday, not the coming weekday.
_HOLIDAY_BEFORE = re.compile(
    r"\b(?:good|black|cyber|easter|holy|ash|whit|maundy|shrove|super|blue)\s+$",
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


def _relative(words: str, today: date) -> date:
    offsets = {
        "day after tomorrow": 2,
        "day before yesterday": -2,
        "tomorrow": 1,
        "yesterday": -1,
    }
    key = " ".join(words.lower().split()).removeprefix("the ")
    return today + timedelta(days=offsets.get(key, 0))


def _weekend(words: str, today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    saturday = monday + timedelta(days=5 + {"this": 0, "next": 7, "last": -7}[words.split()[0]])
    return saturday, saturday + timedelta(days=1)


def _weekday(name: str, which: str, today: date, past: bool) -> date:
    """The day called ``name``: the coming one (today's weekday: a week on with "next",
    today otherwise), or the last one before today after "last" or in a message about
    the past that says nothing of what is to come ("It was delivered on Monday")."""
    target = DAYS.index(name.capitalize())
    ahead = (target - today.weekday()) % 7
    if which == "last" or ((not which or which == "on") and past):
        return today - timedelta(days=(today.weekday() - target) % 7 or 7)
    if ahead == 0 and which == "next":
        ahead = 7
    return today + timedelta(days=ahead)


def _given_otherwise(text: str, match: re.Match[str]) -> bool:
    """Whether a weekday name is part of a date the user wrote ("Tuesday 15 December")
    or of a holiday's name ("Good Friday"): no coming weekday to spell out."""
    before, after = text[: match.start()], text[match.end() :]
    return bool(
        _DATE_AFTER.match(after) or _DATE_BEFORE.search(before) or _HOLIDAY_BEFORE.search(before)
    )


def named_dates(text: str, today: date) -> list[NamedDate]:
    """The relative days ``text`` names, each once, in the order written."""
    found: dict[str, NamedDate] = {}
    past = bool(_PAST.search(text)) and not _FUTURE.search(text)
    for match in _PHRASES.finditer(text):
        phrase = " ".join(match.group(0).split())
        if phrase.lower() in {seen.lower() for seen in found}:
            continue
        if match.group("day") and _given_otherwise(text, match):
            continue
        if match.group("rel"):
            found[phrase] = NamedDate(phrase, _relative(match.group("rel"), today))
        elif match.group("weekend"):
            first, last = _weekend(match.group("weekend").lower(), today)
            found[phrase] = NamedDate(phrase, first, last)
        else:
            which = (match.group("which") or "").lower()
            found[phrase] = NamedDate(phrase, _weekday(match.group("day"), which, today, past))
    return list(found.values())
