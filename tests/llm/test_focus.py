"""Large list results cut to the records the question names."""

from __future__ import annotations

import pytest

from gptforge.llm.focus import focused

NOTE = "Ask at the desk for anything not listed here; bring the card used to book. " * 4

CATEGORIES = [
    {"id": i, "name": name, "fuel": fuel, "price_eur_day": price, "note": NOTE}
    for i, (name, fuel, price) in enumerate(
        [("Compact", "petrol", 39), ("Estate", "diesel", 49), ("Electric", "electric", 62)]
    )
]


def test_the_records_a_question_names_are_kept() -> None:
    assert focused(CATEGORIES, "How far can your electric car go?") == [CATEGORIES[2]]
    wrapped = {"count": 3, "page": 1, "categories": CATEGORIES}
    assert focused(wrapped, "Which cars run on diesel?") == {
        "count": 3,
        "page": 1,
        "categories": [CATEGORIES[1]],
    }


def test_codes_count_as_words() -> None:
    releases = [
        {"version": v, "status": s, "note": NOTE}
        for v, s in [("5.2.1", "shipped"), ("5.3.0", "cancelled"), ("6.0.0", "planned")]
    ]
    assert focused(releases, "Is MOB 5.3.0 still going to ship?") == [releases[1]]


@pytest.mark.parametrize(
    "question",
    [
        "Which car is the cheapest?",  # no word tells the records apart
        "Is there anything cheaper than the Electric?",
        "What other cars do you have besides the Compact?",
        "Which cars don't run on diesel?",
        "How many cars run on petrol?",
        "Do you have a car for 49 a day?",  # a number: compared by value
        "Can I pay by card?",  # only in every record's long note
        "",
    ],
)
def test_a_list_stays_whole_when_the_question_needs_every_record(question: str) -> None:
    assert focused(CATEGORIES, question) is CATEGORIES


def test_an_objects_sections_and_small_results_stay_whole() -> None:
    order = {
        "order": {"id": "A-1042", "status": "shipped", "note": NOTE},
        "items": [{"name": "Kettle", "price": 30}],
        "shipping": {"carrier": "DHL", "estimated_delivery": "2026-11-29", "note": NOTE},
        "payment": {"method": "card", "note": NOTE},
    }
    assert focused(order, "When will my order arrive?") is order
    two = CATEGORIES[1:]
    assert focused(two, "How far can your electric car go?") is two
    small = [{"name": n} for n in ("Compact", "Estate", "Electric")]
    assert focused(small, "How far can your electric car go?") is small


def test_a_word_in_a_long_note_does_not_choose_a_record() -> None:
    rooms = [
        {"name": "Garden Room", "view": "garden", "note": NOTE},
        {"name": "Sea Room", "view": "sea", "note": NOTE + " Dogs welcome on request."},
        {"name": "City Room", "view": "city", "note": NOTE},
    ]
    assert focused(rooms, "Can I bring my dog?") is rooms
    assert focused(rooms, "Do you have a sea view?") == [rooms[1]]
