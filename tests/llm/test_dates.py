"""The days a message names, resolved against a fixed today (Friday 2026-11-27), and the
dates of a result told relative to today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gptforge.llm.dates import MAX_DATES_SHOWN, named_dates, relative_day, with_relative_days

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


def test_a_results_dates_say_how_far_from_today_they_are() -> None:
    """Each date once, the weekday only within a week, nothing for a date a year or more
    away (a birth date) or for what only looks like a date."""
    today = date(2027, 1, 15)  # a Friday
    text = (
        "due: 2026-12-02, next: 2027-01-16, again: 2027-01-16T09:30:00+01:00, "
        "born: 2019-05-01, week: 2027-01-22, wrong: 2027-13-45, code: 2027-01-150"
    )
    assert with_relative_days(text, today) == (
        "due: 2026-12-02 (44 days ago), next: 2027-01-16 (Saturday, tomorrow), "
        "again: 2027-01-16T09:30:00+01:00, born: 2019-05-01, "
        "week: 2027-01-22 (Friday, in 7 days), wrong: 2027-13-45, code: 2027-01-150"
    )
    assert relative_day(today, today) == "Friday, today"
    assert relative_day(date(2027, 1, 14), today) == "Thursday, yesterday"


def test_only_the_first_dates_of_a_long_result_are_annotated() -> None:
    today = date(2027, 1, 15)
    days = [(today + timedelta(days=n)).isoformat() for n in range(MAX_DATES_SHOWN + 5)]
    shown = with_relative_days(", ".join(days), today)
    assert shown.count("(") == MAX_DATES_SHOWN


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # found by a review: the comma after a datetime stays where it was
        (
            "start: 2026-11-28T09:30:00, end: 2026-11-29T10:30:00+01:00, x",
            "start: 2026-11-28T09:30:00 (Saturday, tomorrow), "
            "end: 2026-11-29T10:30:00+01:00 (Sunday, in 2 days), x",
        ),
        ("due 2026-12-02.", "due 2026-12-02 (Wednesday, in 5 days)."),
        # a date inside a longer token is not one to annotate
        ("report-2026-11-28.pdf", "report-2026-11-28.pdf"),
        ("https://x.org/2026-11-28/a", "https://x.org/2026-11-28/a"),
        ("ABC-2026-11-28 2026-11-28_x", "ABC-2026-11-28 2026-11-28_x"),
    ],
)
def test_dates_are_annotated_where_they_stand(text: str, shown: str) -> None:
    assert with_relative_days(text, FRIDAY) == shown
