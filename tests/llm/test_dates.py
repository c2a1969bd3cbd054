"""The days a message names, resolved against a fixed today (Friday 2026-11-27)."""

from __future__ import annotations

from datetime import date

import pytest

from gptforge.llm.dates import named_dates

FRIDAY = date(2026, 11, 27)


def described(text: str) -> list[str]:
    return [n.describe() for n in named_dates(text, FRIDAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Is it open this Monday?", ["this Monday = Monday 2026-11-30"]),
        ("Can I come on Monday morning?", ["on Monday = Monday 2026-11-30"]),
        ("What about Tuesday?", ["Tuesday = Tuesday 2026-12-01"]),
        ("Is the spa open tomorrow?", ["tomorrow = Saturday 2026-11-28"]),
        ("tix for 7pm tmrw?", ["tmrw = Saturday 2026-11-28"]),
        ("And the day after tomorrow?", ["the day after tomorrow = Sunday 2026-11-29"]),
        ("It was delivered yesterday.", ["yesterday = Thursday 2026-11-26"]),
        ("Any rooms tonight?", ["tonight = Friday 2026-11-27"]),
        # Today's weekday: "this" is today, "next" a week on.
        ("this Friday", ["this Friday = Friday 2026-11-27"]),
        ("next Friday", ["next Friday = Friday 2026-12-04"]),
        ("last Friday", ["last Friday = Friday 2026-11-20"]),
        ("It was delivered on Monday.", ["on Monday = Monday 2026-11-23"]),
        (
            "Is the pool open this weekend?",
            ["this weekend = Saturday 2026-11-28 to Sunday 2026-11-29"],
        ),
        ("next weekend", ["next weekend = Saturday 2026-12-05 to Sunday 2026-12-06"]),
        ("day after tomorrow?", ["day after tomorrow = Sunday 2026-11-29"]),
        # About the past, but asking what is to come: the coming Monday.
        (
            "I ordered yesterday, will it arrive by Monday?",
            ["yesterday = Thursday 2026-11-26", "Monday = Monday 2026-11-30"],
        ),
        ("How many seats are left on Sunday?", ["on Sunday = Sunday 2026-11-29"]),
        # A date the user wrote, or a holiday's name: nothing to spell out.
        ("Can I book Tuesday 15 December?", []),
        ("Is the club open on Friday, the 4th?", []),
        ("Are you open on Good Friday or Easter Monday?", []),
        # A week is left out: the model wrote such a span into its answer.
        ("Any slots next week?", []),
        # Months: the coming one, this month included; the last one about the past.
        ("What events are on next month?", ["next month = December 2026 (2026-12)"]),
        ("Is anything on this month?", ["this month = November 2026 (2026-11)"]),
        ("last month's invoice", ["last month = October 2026 (2026-10)"]),
        ("What's on in february?", ["february = February 2027 (2027-02)"]),
        ("Which concerts are on in December?", ["December = December 2026 (2026-12)"]),
        ("Any events in November?", ["November = November 2026 (2026-11)"]),
        ("Any events next November?", ["next November = November 2027 (2027-11)"]),
        ("Was my October bill an estimate?", ["October = October 2026 (2026-10)"]),
        ("What did I pay in January?", ["January = January 2026 (2026-01)"]),
        ("May I book a table in May?", ["May = May 2027 (2027-05)"]),
        # A month with its day or year, as the user wrote it: nothing to spell out.
        ("Is anything on in March 2027?", []),
        ("Can I book December 15 or the 3rd of January?", []),
    ],
)
def test_a_relative_day_is_the_date_people_mean(text: str, expected: list[str]) -> None:
    assert described(text) == expected


def test_each_phrase_once_in_the_order_written_and_recurring_days_left_alone() -> None:
    text = "Open tomorrow or on Sunday? Tomorrow works best. I'm busy on Mondays."
    assert described(text) == [
        "tomorrow = Saturday 2026-11-28",
        "on Sunday = Sunday 2026-11-29",
    ]
    assert described("Which days is the Sunday market on? Mondays?") == [
        "Sunday = Sunday 2026-11-29"
    ]
    assert described("What is the capital of Spain?") == []
    # A word that only contains a day's name is none.
    assert described("Mondayfest and todays specials") == []
