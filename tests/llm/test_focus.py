"""Large results cut to what the question asks about."""

from __future__ import annotations

from typing import Any

from gptforge.llm.focus import focused

LONG = "Ask at the front desk for anything not listed here. " * 6

POLICIES: dict[str, Any] = {
    "hotel": "Alba Marina",
    "check_in": {"from": "15:00", "early_fee_eur": 30, "note": LONG},
    "pets": {"allowed": False, "note": "Pets are not allowed. Assistance dogs are welcome."},
    "parking": {"price_eur_per_night": 18, "spaces": 20, "reservation": "required"},
    "wifi": {"free": True, "note": LONG},
    "deposit": {"percent": 30, "note": LONG},
}

CATEGORIES = [
    {"id": i, "name": name, "fuel": fuel, "range_km": km, "note": LONG}
    for i, (name, fuel, km) in enumerate(
        [("Compact", "petrol", None), ("Estate", "diesel", None), ("Electric", "electric", 480)]
    )
]


def test_the_sections_a_question_names_are_kept_with_the_plain_fields() -> None:
    cut = focused(POLICIES, "How much is parking per night, and do I reserve a space?")
    assert cut == {"hotel": "Alba Marina", "parking": POLICIES["parking"]}
    assert set(focused(POLICIES, "Can I bring my dog?")) == {"hotel", "pets"}


def test_the_records_a_question_names_are_kept() -> None:
    assert focused(CATEGORIES, "How far can your electric car go?") == [CATEGORIES[2]]
    wrapped = {"count": 3, "categories": CATEGORIES}
    assert focused(wrapped, "Which cars run on diesel?") == {
        "count": 3,
        "categories": [CATEGORIES[1]],
    }


def test_codes_with_digits_count_as_words() -> None:
    releases = [
        {"version": v, "status": s, "note": LONG}
        for v, s in [("5.2.1", "shipped"), ("5.3.0", "cancelled"), ("6.0.0", "planned")]
    ]
    assert focused(releases, "Is MOB 5.3.0 still going to ship?") == [releases[1]]


def test_a_result_stays_whole_when_the_question_tells_no_part_apart() -> None:
    # "room" is in every record; "cheapest" in none.
    rooms = [
        {"name": f"{n} room", "price": p, "note": LONG} for n, p in [("A", 1), ("B", 2), ("C", 3)]
    ]
    assert focused(rooms, "Which room is the cheapest?") is rooms
    assert focused(POLICIES, "What time is breakfast?") is POLICIES


def test_small_results_and_short_lists_stay_whole() -> None:
    small = {"pets": {"allowed": False}, "parking": {"spaces": 20}, "wifi": {"free": True}}
    assert focused(small, "Is there parking?") is small
    two = CATEGORIES[1:]
    assert focused(two, "How far can your electric car go?") is two
