"""Messages told as needing no tool by their words alone."""

from __future__ import annotations

from typing import Any

import pytest

from gptforge.llm.selfcontained import self_contained_kind


def _tool(name: str, description: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": description}}


HOTEL = [
    _tool("listRoomTypes", "Room types with their size, view and amenities."),
    _tool("getPolicies", "Pets, parking, check-in times and the deposit."),
]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("How do you say 'room' in Portuguese?", "translation"),
        ("How do I say 'Where is the bus stop?' in Spanish?", "translation"),
        ("Translate 'the build failed' into German.", "translation"),
        ("Translate sunny day into German.", "translation"),
        ("What's the Spanish word for 'cloud'?", "translation"),
        ("What is 'thank you' in Japanese?", "translation"),
        ("What does 'consignee' mean on a shipping label?", "definition"),
        ("Explain what humidity means.", "definition"),
        ("What is a kilowatt-hour?", "definition"),
        ("What is an ISBN?", "definition"),
        ("What's the difference between half board and full board?", "definition"),
        ("What is 7 times 8?", "arithmetic"),
        ("What is 15% of 40 euros?", "arithmetic"),
        ("Convert 30 km/h to miles per hour.", "arithmetic"),
        ("What is 18 degrees Celsius in Fahrenheit?", "arithmetic"),
        ("A 10-class pass costs 85 euros. How much is that per class?", "arithmetic"),
        ("If I use 9 kWh a day, how many kWh is that over a 30-day month?", "arithmetic"),
    ],
)
def test_translations_definitions_and_sums_need_no_tool(message: str, kind: str) -> None:
    assert self_contained_kind(message, HOTEL) == kind


@pytest.mark.parametrize(
    "message",
    [
        # the GPT's own items and data
        "What is a Junior Suite?",
        "What's the difference between your Standard and Superior rooms?",
        "What is the difference between Basic and Premium?",
        "Translate the room description into German.",
        "Translate that into German, please.",
        "Is there a translation service at the hotel?",
        "Do you have The Hobbit in Spanish?",
        # numbers that ask for a price or a date, not a sum
        "I need 2 tickets for the 5 December show, how much is that?",
        "How much is parking per night?",
        "Is the 4x4 SUV free this weekend?",
        "Which stations are open 24/7?",
        "What is a good time to visit the spa tomorrow?",
        "Can I bring my dog?",
    ],
)
def test_messages_that_may_ask_for_a_tools_data_are_left_to_the_model(message: str) -> None:
    assert self_contained_kind(message, HOTEL) is None


def test_a_tool_that_does_the_very_thing_keeps_its_messages() -> None:
    translator = [_tool("translateText", "Translates text between languages.")]
    assert self_contained_kind("Translate 'front row' into French.", translator) is None
    assert self_contained_kind("What is 7 times 8?", translator) == "arithmetic"
    calculator = [_tool("calculate", "Evaluates an arithmetic expression.")]
    assert self_contained_kind("What is 7 times 8?", calculator) is None
    glossary = [_tool("lookupTerm", "The glossary: what an insurance term means.")]
    assert self_contained_kind("What does 'excess' mean?", glossary) is None
