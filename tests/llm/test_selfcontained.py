"""Messages told as needing no tool by their words alone."""

from __future__ import annotations

from typing import Any

import pytest

from gptforge.llm.selfcontained import is_closing, self_contained_kind


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
        ("What's the difference between half board and full board?", "definition"),
        ("What is 7 times 8?", "arithmetic"),
        ("What's 15 + 27?", "arithmetic"),
        ("How many grams are in a pound?", "arithmetic"),
        ("A car costs 49 euros a day. How much is that for 6 days?", "arithmetic"),
        ("What is 15% of 40 euros?", "arithmetic"),
        ("Convert 30 km/h to miles per hour.", "arithmetic"),
        ("What is 18 degrees Celsius in Fahrenheit?", "arithmetic"),
        ("A 10-class pass costs 85 euros. How much is that per class?", "arithmetic"),
        ("If I use 9 kWh a day, how many kWh is that over a 30-day month?", "arithmetic"),
        ("A film starts at 7:45 pm and runs 2 h 14 min. When does it end?", "arithmetic"),
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
        # a time and a delay, a wait or a second question: the API knows when it ends
        "The 18:05 train is delayed 20 min. When does it arrive?",
        "When will my order arrive? I ordered at 19:45, it said 45 min.",
        "The film starts at 7:45 pm and runs 2 h. When does it end? Is it sold out?",
        "The film starts at 7:45 pm and runs 2 h. When does it end, and is it sold out?",
        "The 7:45 pm train is running 20 min behind, when will it arrive?",
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


@pytest.mark.parametrize(
    "message",
    [
        # actions and lookups that say "convert"
        "Convert my booking 48213 to a refundable fare.",
        "Convert issue 104 to a task.",
        "Can I convert 5000 points to miles?",
        "Convert tomorrow's 3pm temperature in Oslo to Fahrenheit.",
        # a quantity whose price the API knows
        "I need parking for 5 hours, how much is that?",
        "A taxi ride of 12 km, how much is that?",
        "I used 300 kWh this month, how much is that?",
        "My parcel weighs 5 kg. How much is that to ship to Germany?",
        "It costs $30. How much is that with shipping to Canada?",
        "20 euros, how much is that in dollars?",
        # party sizes and promotions
        "Do you have a room for 2 plus 1 child?",
        "Table for 4 plus 2 kids at 7pm?",
        "Is the 20% off 3 items promo still on?",
        # the API's own codes, statuses, tiers and policies
        "What does DLV mean on my tracking?",
        'What does "exception" mean on my tracking page?',
        "What does the Gold tier mean?",
        "What does your warranty mean?",
        "What is the meaning of the bereavement leave policy?",
        "Define the remote work policy.",
        "Which products define the spring collection?",
        # recommendations and writing, not definitions or translations
        "What is a good laptop?",
        "What is an available slot?",
        "How do I write a review for the kettle?",
        "How can I write to support?",
        "What are the German words for your room types?",
        # found by a second review
        "The Basic plan is $10. How much is that for the Pro plan?",
        "The rate was 90 euros. How much is that for room 204?",
        "How much is 2-3 nights?",
        "How much is 2x4 lumber?",
        "What's 24/7?",
        "What does status 3 mean?",
        "What is the meaning of tier 2?",
        "How would you write the check-in instructions in Italian?",
        "Translate order 5521 into Spanish",
    ],
)
def test_lookups_and_actions_in_the_same_words_are_left_to_the_model(message: str) -> None:
    assert self_contained_kind(message, []) is None


def test_a_term_or_phrase_the_tools_name_is_left_to_the_model() -> None:
    hotel = [_tool("listRoomTypes", "Room types: junior suite, deluxe room, with prices.")]
    assert self_contained_kind("What is a junior suite?", hotel) is None
    assert self_contained_kind("Translate junior suite into German", hotel) is None
    assert self_contained_kind("Translate 'junior suite' into German", hotel) == "translation"
    rates = [_tool("getLatestRates", "Latest exchange rates for a base currency.")]
    price = "A room costs 90 euros a night. How much is that for 3 nights?"
    assert self_contained_kind(price, []) == "arithmetic"
    assert self_contained_kind(price, rates) is None


def test_only_the_head_of_a_long_message_is_read() -> None:
    long = "5 kg " * 6000 + "how much is that for 2 days?"
    assert self_contained_kind(long, []) is None


@pytest.mark.parametrize(
    "message",
    [
        "Thanks, that's all for today!",
        "Thanks, see you in December!",
        "Cheers, bye!",
        "Great, thanks for your help!",
        "That's all, thanks!",
        "ok thanks",
        "Perfect, thank you so much!",
    ],
)
def test_thanks_and_goodbyes_are_closings(message: str) -> None:
    assert is_closing(message)


@pytest.mark.parametrize(
    "message",
    [
        "Thanks! What's the capital of Australia?",
        "Thanks, now book room 5 for me.",
        "Thanks, and the forecast for Oslo",
        "Thank you for booking ALB-12",
        "Thanks but the order never arrived",
        "Thanksgiving opening hours",
        "That's all wrong, the API said closed",
        "Hello!",
        "Thanks, see you at 5",
    ],
)
def test_messages_that_ask_for_more_are_no_closings(message: str) -> None:
    assert not is_closing(message)
