"""The days a message names, resolved against a fixed today (Friday 2026-11-27)."""

from __future__ import annotations

from datetime import date

import pytest

from gptforge.llm.dates import named_dates, times_of_day

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
        # Months that are also words or names only after "in", "next", "last" and the like.
        ("This may be a silly question, but do you deliver?", []),
        ("Can April from sales call me back?", []),
        ("Any events this May?", ["this May = May 2027 (2027-05)"]),
        ("Is the June timetable out?", ["June = June 2027 (2027-06)"]),
        # "the last month" is the past thirty days; "last November" is a year back.
        ("How much did I use over the last month?", []),
        ("What did I spend last November?", ["last November = November 2025 (2025-11)"]),
        # A bill is for a month gone by, unless the month is the one just ahead.
        ("Why is my March bill so high?", ["March = March 2026 (2026-03)"]),
        # Short names, read as the word months are.
        ("Any shows in Dec?", ["Dec = December 2026 (2026-12)"]),
        ("What was my Jan bill?", ["Jan = January 2026 (2026-01)"]),
        ("Can Jan from accounts call me?", []),
        ("Are my TMR results in?", []),
        # A month answered alone, in a range or a list, or with early/late/mid.
        ("June", ["June = June 2027 (2027-06)"]),
        ("Any flights to Rome in early March?", ["March = March 2027 (2027-03)"]),
        (
            "cheap flights in March or April",
            ["March = March 2027 (2027-03)", "April = April 2027 (2027-04)"],
        ),
        # A payment still to come is no bill gone by; a person is no month.
        ("Will I be charged in March?", ["March = March 2027 (2027-03)"]),
        ("Do you take card payments for the June concerts?", ["June = June 2027 (2027-06)"]),
        ("I got a message from April about the booking.", []),
        ("How are APR payments calculated?", []),
        ("Show the last month's statement", ["last month = October 2026 (2026-10)"]),
        ("in ſept", []),
        ("We march on Sunday.", ["on Sunday = Sunday 2026-11-29"]),
        (
            "Anything in spring: March, April, May?",
            [
                "March = March 2027 (2027-03)",
                "April = April 2027 (2027-04)",
                "May = May 2027 (2027-05)",
            ],
        ),
        ("When is my December bill due?", ["December = December 2026 (2026-12)"]),
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


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("after 7:45 pm", {"19:45"}),
        ("after 7.30pm.", {"19:30"}),
        ("from 19.30 on", {"19:30"}),
        ("19h30", {"19:30"}),
        # without am or pm, morning and evening both
        ("at 7", {"07:00", "19:00"}),
        ("around 8 o'clock", {"08:00", "20:00"}),
        ("after 7:30", {"07:30", "19:30"}),
        ("by 12", {"12:00", "00:00"}),
        ("between 6 and 8pm", {"06:00", "18:00", "20:00"}),
        ("quarter to 8", {"07:45", "19:45"}),
        ("half seven", {"07:30", "19:30"}),
        ("at 930 tomorrow", {"09:30", "21:30"}),
        ("trains after 17h", {"17:00"}),
        ("after 1900", {"19:00"}),
        ("at noon or midnight", {"12:00", "00:00"}),
        # counts, durations and amounts are no times
        ("at 7 people, in about 7 minutes, at 15%, at 1,500, for 2h", set()),
        ("What is 2+2?", set()),
    ],
)
def test_the_times_a_message_may_mean(text: str, times: set[str]) -> None:
    assert {f"{m // 60:02d}:{m % 60:02d}" for m in times_of_day(text)} == times


def test_a_long_message_is_read_in_time() -> None:
    """Each month's name is told apart by the words around it, not by the whole text
    before and after it (28,000 characters took 3.7 s that way)."""
    assert len(named_dates("in Dec " * 4000, FRIDAY)) == 1
