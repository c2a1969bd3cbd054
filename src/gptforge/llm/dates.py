"""The days and months a message names relative to today ("tomorrow", "this Monday",
"this weekend", "next month", "in January").

A small model told today's date still writes today's date for "this Monday"; told the
date each phrase stands for, it copies it. Only the phrases a message holds are
resolved, so what the model reads grows by a few tokens on the messages that need it
and not at all on the others. Weeks are left out: told "next week = Monday 2026-11-30
to Sunday 2026-12-06", the model wrote that span into its answer in place of the outage
dates the API returned. A month is named by its name and number (``next month =
December 2026 (2026-12)``): with only the date note's "next month is December 2026", the
model still asked for `2027-12`, and for `2026-02` on "in February".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_DAY_NAMES = "|".join(d.lower() for d in DAYS)
_PHRASES = re.compile(
    r"\b(?:(?P<rel>(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday|"
    r"tomorrow|tmrw|tmr|yesterday|today|tonight)"
    r"|(?P<weekend>this weekend|next weekend|last weekend)"
    rf"|(?:(?P<which>this|next|last|coming|on)\s+)?(?P<day>{_DAY_NAMES})(?!s\b))\b",
    re.IGNORECASE,
)
# "Jan", "Sept.", "Dec": a month's short name, read as the month as "May" is.
_SHORT_MONTHS = "jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec"
_MONTH_PHRASES = re.compile(
    r"\b(?:(?P<relmonth>this|next|last|previous|coming)\s+month"
    rf"|(?:(?P<mwhich>this|next|last|coming)\s+)?"
    rf"(?P<month>{'|'.join(MONTHS)}|(?P<short>{_SHORT_MONTHS})\.?(?!\w)))(?!\w)",
    re.IGNORECASE,
)
# "May" is also a word ("May I ...", "This may be ..."): the month only after these words
# ("in May", "early May"), after "next", "last" or "coming", as "this May" with its
# capital, or before what is of a month ("my May bill").
_MONTH_AFTER = re.compile(
    r"\b(?:in|of|during|since|until|till|by|from|before|after|for|through|early|late|mid|"
    r"between|around|and|or|to)\s*-?\s*$"
    rf"|\b(?:{'|'.join(MONTHS)}),\s*$",  # "March, April, May"
    re.IGNORECASE,
)
# "my March bill", "the June statement": a bill, a statement or a payment is for a month
# gone by (March's just past in November, not next year's), unless that month is the one
# just ahead ("my December bill" asked in late November).
_BILL = re.compile(
    r"^\s*(?:'s\s+)?(?:bills?|statements?|invoices?|payments?|charges?|usage|readings?|"
    r"payslips?|salary|rent)\b",
    re.IGNORECASE,
)
_OF_THE_MONTH = re.compile(
    r"^\s*(?:'s\s+)?(?:schedule|timetable|events?|programme|program|calendar|newsletter|"
    r"issue|edition|sales?|deadline|classes|sessions|shows|concerts|dates|slots)\b",
    re.IGNORECASE,
)
# "ask April", "Jan from accounts", "a gift for June and me", "we march on": the name of
# a person, or the verb, not the month.
_PERSON_BEFORE = re.compile(
    r"\b(?:ask|asked|tell|told|call|called|email|emailed|text|texted|message|meet|met|"
    r"thank|cc|dear|hi|hello|hey|with)\s+$",
    re.IGNORECASE,
)
_PERSON_AFTER = re.compile(
    r"^(?:'s\b(?!\s+(?:bills?|statements?|schedule|events?|timetable))|\s+(?:from|said|says|"
    r"told|asked|wrote|called|is|was|and (?:me|i|us)\b|about|at (?:the )?(?:desk|front)))\b",
    re.IGNORECASE,
)
_MARCH_VERB_AFTER = re.compile(
    r"^\s+(?:on|down|into|through|past|forward|against|towards?|in step)\b"
)
# "the last month", "over the past month": the past thirty days, not a calendar month
# ("the last month's statement" is one).
_SPAN_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_CONTEXT_CHARS = 40  # characters either side of a day's or month's name read to tell what it is
# "December 15", "15 December", "January 2027", "December 15th": a date or month the user
# gave in full, or a day of it, which the model copies as written.
_MONTH_GIVEN_AFTER = re.compile(r"^\s*,?\s*(?:\d{1,2}(?:st|nd|rd|th)?\b|\d{4}\b|'\d{2}\b)")
_MONTH_GIVEN_BEFORE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?$", re.IGNORECASE)
_PAST = re.compile(
    r"\b(?:was|were|did|didn't|ago|yesterday|came|arrived|delivered|happened|went|paid)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|can|could|would|shall|going|open|until|by|next|still|available)\b",
    re.IGNORECASE,
)
_MONTH_SPELLINGS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# "Tuesday 15 December", "Tuesday, the 15th", "on Friday 4/12": a date the user gave.
_DATE_AFTER = re.compile(
    rf"^\s*,?\s*(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\b(?![:.]\d)|\d{{1,2}}[/.]\d{{1,2}}\b|(?:{_MONTH_SPELLINGS})\b)",
    re.IGNORECASE,
)
# ("we march on Sunday": the verb, in lower case, is no month before the day)
_DATE_BEFORE = re.compile(rf"\b(?!march\b)(?:(?i:{_MONTH_SPELLINGS}))\s*,?\s*$")
# "Good Friday", "Black Friday", "Easter Monday": a holiday, not the coming weekday.
_HOLIDAY_BEFORE = re.compile(
    r"\b(?:good|black|cyber|easter|holy|ash|whit|maundy|shrove|super|blue)\s+$",
    re.IGNORECASE,
)


# "7:45 pm", "7.30pm", "7pm", "19:45": a time of day as people write it. A sentence's
# full stop after "pm" is not the time's.
CLOCK = re.compile(
    r"\b(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s?(?P<half>[ap](?:\.m\.|\.?m))(?![a-z])"
    r"|\b(?P<hour24>[01]?\d|2[0-3]):(?P<minute24>[0-5]\d)\b",
    re.IGNORECASE,
)
# "19.30", "19h30", "8 o'clock", "at 7", "after 1900": times written without a colon or
# without am or pm.
_DOTTED = re.compile(r"\b([01]?\d|2[0-3])[.h]([0-5]\d)\b")
_OCLOCK = re.compile(r"\b(1[0-2]|0?[1-9])\s*o'?\s?clock\b", re.IGNORECASE)
_AT_HOUR = re.compile(
    r"\b(?:at|by|from|after|before|until|till|around|about|past|since)\s+"
    r"(?:(?P<hour>[01]?\d|2[0-3])(?!\d|[:.,/]\d|\s*(?:[ap]\.?m|h|hours?|mins?|minutes?|"
    r"days?|weeks?|months?|years?|people|persons?|guests?|tickets?|seats?|items?)\b|\s*[€$£%])"
    r"|(?P<hhmm>[01]\d|2[0-3])(?P<mm>[0-5]\d)\b)",
    re.IGNORECASE,
)
# "730pm", "at 930": a time written without its colon.
_RUN_TOGETHER = re.compile(
    r"\b(?P<hour>1[0-2]|0?[1-9])(?P<minute>[0-5]\d)\s?[ap]\.?m(?![a-z])"
    r"|\b(?:at|by|from|after|before|until|till|around)\s+(?P<h>[1-9])(?P<m>[0-5]\d)\b",
    re.IGNORECASE,
)
# "after 17h": an hour past noon with an h is a time, not a duration.
_H_SUFFIX = re.compile(r"\b(?P<hour>1[3-9]|2[0-3])\s?h\b", re.IGNORECASE)
# "between 6 and 8pm", "6-8pm": the range's first end, in either half of the day.
_RANGE_START = re.compile(
    r"\b(?P<hour>1[0-2]|0?[1-9])(?:[:.](?P<minute>[0-5]\d))?\s*(?:-|–|to|and|or|till|until)\s*"
    r"(?=\d{1,2}(?:[:.]\d{2})?\s?[ap]\.?m)",
    re.IGNORECASE,
)
_HOUR_WORDS = (
    "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip
# "quarter past 7", "20 to 8", "half past seven", "half seven".
_SPOKEN = re.compile(
    r"\b(?:(?P<part>quarter|half|\d{1,2})\s+(?:minutes\s+)?(?P<way>past|after|to)\s+|half\s+)"
    rf"(?P<hour>1[0-2]|0?[1-9]|{'|'.join(_HOUR_WORDS)})\b",
    re.IGNORECASE,
)
_NOON = re.compile(r"\b(?:noon|midday)\b", re.IGNORECASE)
_MIDNIGHT = re.compile(r"\bmidnight\b", re.IGNORECASE)


def clock_minutes(found: re.Match[str]) -> tuple[int, bool] | None:
    """Minutes after midnight and whether the time was written with am or pm."""
    if found["hour24"] is not None:
        return int(found["hour24"]) * 60 + int(found["minute24"]), False
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return None
    afternoon = found["half"].lower().startswith("p")
    return (hour % 12 + (12 if afternoon else 0)) * 60 + minute, True


def times_of_day(text: str) -> set[int]:
    """The times of day ``text`` may mean, in minutes after midnight ("noon" too). Generous
    on purpose: a time written without am or pm ("at 7", "8 o'clock", "7:30") stands for
    both its morning and its evening, so that no time the user gave is taken for a guess."""
    times: set[int] = set()
    for found in CLOCK.finditer(text):
        minutes = clock_minutes(found)
        if minutes is not None:
            times.update(_both_halves(minutes[0]) if not minutes[1] else {minutes[0]})
    hours_and_minutes = [(int(h), int(m)) for h, m in _DOTTED.findall(text)]
    hours_and_minutes += [(int(hour), 0) for hour in _OCLOCK.findall(text)]
    hours_and_minutes += [
        (int(found["hour"] or found["hhmm"]), int(found["mm"] or 0))
        for found in _AT_HOUR.finditer(text)
    ]
    hours_and_minutes += [
        (int(found["hour"] or found["h"]), int(found["minute"] or found["m"]))
        for found in _RUN_TOGETHER.finditer(text)
    ]
    hours_and_minutes += [(int(hour), 0) for hour in _H_SUFFIX.findall(text)]
    for found in _RANGE_START.finditer(text):
        hours_and_minutes.append((int(found["hour"]), int(found["minute"] or 0)))
    times.update(_spoken(text))
    for hour, minute in hours_and_minutes:
        times.update(_both_halves(hour * 60 + minute))
    if _NOON.search(text):
        times.add(12 * 60)
    if _MIDNIGHT.search(text):
        times.add(0)
    return times


def _spoken(text: str) -> set[int]:
    """The times of "quarter past 7", "20 to 8", "half seven" (British: 7:30), in both
    halves of the day."""
    times: set[int] = set()
    for found in _SPOKEN.finditer(text):
        hour_word = found["hour"].lower()
        hour = _HOUR_WORDS.index(hour_word) + 1 if hour_word in _HOUR_WORDS else int(hour_word)
        part = (found["part"] or "half").lower()
        minutes = {"quarter": 15, "half": 30}.get(part) or int(part)
        if minutes >= 60:
            continue
        start = hour * 60 + (minutes if (found["way"] or "past").lower() != "to" else -minutes)
        times.update(_both_halves(start % (24 * 60)))
    return times


def _both_halves(minutes: int) -> set[int]:
    """``minutes`` and the same time twelve hours on or back: a time written without am
    or pm may be either (7:30 is 07:30 or 19:30; 12 is noon or midnight)."""
    if minutes < 13 * 60:
        return {minutes, (minutes + 12 * 60) % (24 * 60)}
    return {minutes}


@dataclass(frozen=True)
class NamedDate:
    """A phrase of the message and the day or days it stands for."""

    phrase: str
    first: date
    last: date | None = None  # a weekend: its Sunday
    month: bool = False  # the whole month ``first`` opens

    def describe(self) -> str:
        """``this Monday = Monday 2026-11-30``; a span from its first to its last day;
        ``next month = December 2026 (2026-12)``."""
        if self.month:
            month = f"{MONTHS[self.first.month - 1]} {self.first.year}"
            return f"{self.phrase} = {month} ({self.first:%Y-%m})"
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
    key = {"tmrw": "tomorrow", "tmr": "tomorrow"}.get(key, key)
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


def _month_start(today: date, months_on: int) -> date:
    index = today.year * 12 + today.month - 1 + months_on
    return date(index // 12, index % 12 + 1, 1)


def _month_index(name: str) -> int | None:
    """0 for "January", "Jan" or "jan.", 8 for "Sept"; None for a spelling no month has
    (IGNORECASE lets "ſept" through)."""
    short = name.rstrip(".").lower()[:3]
    return next((i for i, month in enumerate(MONTHS) if month.lower().startswith(short)), None)


def _named_month(index: int, which: str, today: date, past: bool, billed: bool) -> date:
    """The month of ``index`` (0 for January): the coming one (this month counts, unless
    "next"); the one before this month after "last"; the last one (this month counts) in
    a message about the past ("my October bill was ...") or for a bill of a month not just
    ahead ("my March bill")."""
    ahead = (index - (today.month - 1)) % 12
    if which == "last":
        return _month_start(today, ahead - 12)
    if not which and (past or (billed and ahead > 1)):
        return _month_start(today, ahead - 12 if ahead else 0)
    if which == "next" and ahead == 0:
        ahead = 12
    return _month_start(today, ahead)


def _surroundings(text: str, match: re.Match[str]) -> tuple[str, str]:
    """The few words before and after ``match``: enough to tell a date or a name, without
    reading a long message once per match."""
    start, end = match.start(), match.end()
    return text[max(0, start - _CONTEXT_CHARS) : start], text[end : end + _CONTEXT_CHARS]


def _months(text: str, today: date, past: bool) -> list[NamedDate]:
    """The months ``text`` names by their names or as "this", "next" or "last" month,
    in the order written; a month given with its day or year is left as written."""
    found = []
    for match in _MONTH_PHRASES.finditer(text):
        phrase = " ".join(match.group(0).split())
        before, after = _surroundings(text, match)
        if match.group("relmonth"):
            if _SPAN_BEFORE.search(before) and not after.startswith("'s"):
                continue
            which = match.group("relmonth").lower()
            on = {"this": 0, "next": 1, "coming": 1, "last": -1, "previous": -1}[which]
            found.append(NamedDate(phrase, _month_start(today, on), month=True))
            continue
        if _MONTH_GIVEN_AFTER.match(after) or _MONTH_GIVEN_BEFORE.search(before):
            continue
        name, which = match.group("month"), (match.group("mwhich") or "").lower()
        index = _month_index(name)
        if index is None or not _is_a_month(name, which, before, after, text):
            continue
        billed = bool(_BILL.match(after))
        first = _named_month(index, which, today, past, billed)
        found.append(NamedDate(phrase, first, month=True))
    return found


def _is_a_month(name: str, which: str, before: str, after: str, text: str) -> bool:
    """Whether ``name`` stands for the month, not for the word or the name it also is:
    "May I", "This may be", "ask April", "Jan from accounts", "we march on", "APR"."""
    if which in {"next", "last", "coming"}:
        return True
    if name.isupper() and len(name) > 1 and not text.isupper():
        return False  # "APR", "DEC": an acronym in a message written in lower case
    if name.lower() == "may":
        if _MONTH_AFTER.search(before) or _BILL.match(after) or _OF_THE_MONTH.match(after):
            return True
        return which == "this" and name[0].isupper()
    if _PERSON_BEFORE.search(before) or _PERSON_AFTER.match(after):
        return False
    return not (name == "march" and _MARCH_VERB_AFTER.match(after))


def _given_otherwise(text: str, match: re.Match[str]) -> bool:
    """Whether a weekday name is part of a date the user wrote ("Tuesday 15 December")
    or of a holiday's name ("Good Friday"): no coming weekday to spell out."""
    before, after = _surroundings(text, match)
    return bool(
        _DATE_AFTER.match(after) or _DATE_BEFORE.search(before) or _HOLIDAY_BEFORE.search(before)
    )


def named_dates(text: str, today: date) -> list[NamedDate]:
    """The relative days ``text`` names, each once, in the order written, then the
    months it names."""
    found: dict[str, NamedDate] = {}
    past = bool(_PAST.search(text)) and not _FUTURE.search(text)
    for match in _PHRASES.finditer(text):
        phrase = " ".join(match.group(0).split())
        if phrase.lower() in {seen.lower() for seen in found}:
            continue
        if match.group("day") and _given_otherwise(text, match):
            continue
        if match.group("rel") in {"TMR", "TMRW"} and not text.isupper():
            continue  # an acronym ("TMR levels"), not a shorthand for tomorrow
        if match.group("rel"):
            found[phrase] = NamedDate(phrase, _relative(match.group("rel"), today))
        elif match.group("weekend"):
            first, last = _weekend(match.group("weekend").lower(), today)
            found[phrase] = NamedDate(phrase, first, last)
        else:
            which = (match.group("which") or "").lower()
            found[phrase] = NamedDate(phrase, _weekday(match.group("day"), which, today, past))
    for named in _months(text, today, past):
        if named.phrase.lower() not in {seen.lower() for seen in found}:
            found[named.phrase] = named
    return list(found.values())
