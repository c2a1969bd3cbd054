"""Sums a message asks for, worked out for the model."""

from __future__ import annotations

import pytest

from gptforge.llm.sums import end_time, total_time, worked_sum


@pytest.mark.parametrize(
    ("message", "worked"),
    [
        ("What is 15% of 40 euros?", "15% of 40 = 6"),
        ("What is 15 percent of 80?", "15% of 80 = 12"),
        ("What is 20% off 60 euros?", "60 - 20% = 48"),
        ("What is 3 times 45 euros?", "3 × 45 = 135"),
        ("what is 7x8", "7 × 8 = 56"),
        ("What's 15 + 27?", "15 + 27 = 42"),
        ("What is 100 - 37?", "100 - 37 = 63"),
        ("What is 100 / 4?", "100 ÷ 4 = 25"),
        ("A car costs 49 euros a day. How much is that for 6 days?", "49 × 6 = 294"),
        ("A 10-class pass costs 85 euros. How much is that per class?", "85 ÷ 10 = 8.5"),
        ("If I use 9 kWh a day, how many kWh is that over a 30-day month?", "9 × 30 = 270"),
        ("It costs 8,50 euros a class, how much is that for 12 classes?", "8.5 × 12 = 102"),
        ("A flat costs €1,200 a month. How much is that for 3 months?", "1200 × 3 = 3600"),
        ("What is 18 degrees Celsius in Fahrenheit?", "18 °C = 64.4 °F"),
        ("What is -5 degrees Celsius in Fahrenheit?", "-5 °C = 23 °F"),
        ("Convert 30 km/h to miles per hour.", "30 km/h = 18.64 mph"),
        ("What is 10 km in miles?", "10 km = 6.21 miles"),
        ("Convert 5 kg to pounds", "5 kg = 11.02 pounds"),
        (
            "I got 78, 85 and 92 on my three assignments. What's my average?",
            "(78 + 85 + 92) ÷ 3 = 85",
        ),
        ("What is the average of 4, 8 and 15?", "(4 + 8 + 15) ÷ 3 = 9"),
        ("My bills were 40.5 and 59.5 euros. What's the average?", "(40.5 + 59.5) ÷ 2 = 50"),
    ],
)
def test_a_plain_sum_is_worked_out(message: str, worked: str) -> None:
    assert worked_sum(message) == worked


@pytest.mark.parametrize(
    "message",
    [
        "I need parking for 5 hours, how much is that?",  # the price is the API's
        "A room costs 1,200 euros a month. How much is that per day?",  # days: not given
        "I ran 5 km in 30 minutes, how much is that per km?",  # which amount?
        "How much is 50 pounds in euros?",  # a currency: a rate to look up
        "How many grams are in a pound?",  # with its note the model wrote nonsense
        "Convert 30 km/h to kg",
        "Do you have a room for 2 plus 1 child?",
        "What is 5 divided by 0?",
        "Book 2 tickets for 45 euros each.",
        # found by a review: ids, years, dates, units that differ, ranges, names
        "The rate was 90 euros. How much is that for room 204?",
        "Membership is 120 euros. How much is that for 2027?",
        "The room is 90 euros a night. How much is that for May 3?",
        "It costs 49 euros a week. How much is that for 10 days?",
        "The sofa is 1200 euros. How much is that over 12 monthly payments?",
        "The flight is 300 euros. How much is that in dollars for 2 people?",
        "Shipping 5 kg, how much is that for 3 parcels?",
        "How much is 2-3 nights?",
        "What is 555-1234?",
        "What is 500 - 1000 euros?",
        "How much is 2x4 lumber?",
        "How much is 1+1 pizza?",
        "What is 20% off 3 items?",
        "The room is 1.200 euros a month. How much is that for 3 months?",
        "What's 24/7?",
        "What is 12/25?",
        # averages: one list of figures and nothing else, asked for plainly
        "What's the average of 4,5 and 6?",  # 4.5 and 6, or 4, 5 and 6?
        "I got 78, 85 and 92 on my 3 assignments. What's my average?",
        "What's the average rating of Dune?",
        "What is the average price of the 3 kettles?",
        "Rooms 101 and 102 are booked. What's the average price?",
        # found by a review: ids before the list, signed figures
        "Students 12, 15 and 19: what's their average grade?",
        "Orders 101, 102 and 103. What's the average?",
        "Tickets 4417, 4418 and 4420 are mine. What's the average?",
        "Temperatures were -5, 3 and 8. What's the average?",
        "Temperatures were −20, 35 and 10. What's the average?",
    ],
)
def test_other_messages_get_no_sum(message: str) -> None:
    assert worked_sum(message) is None


@pytest.mark.parametrize(
    ("message", "worked"),
    [
        (
            "My first flight is 2 h 35 min, the layover 1 h 50 min and the second flight "
            "1 h 15 min. How long is the whole trip?",
            "2 h 35 min + 1 h 50 min + 1 h 15 min = 5 h 40 min",
        ),
        (
            "The film runs 2 hours and 10 minutes, the ads 15 minutes. How long is it in total?",
            "2 h 10 min + 15 min = 2 h 25 min",
        ),
        ("I walk 20 min and ride 45 min. What's the total time?", "20 min + 45 min = 1 h 5 min"),
    ],
)
def test_durations_asked_for_in_total_are_added(message: str, worked: str) -> None:
    assert total_time(message) == worked
    assert worked_sum(message) is None  # a note, not a sum that makes the message need no tool


@pytest.mark.parametrize(
    "message",
    [
        "The drive is 2-3 hours and the ferry 45 min. How long is the whole trip?",
        "Flight RV312 takes 1 h 5 min and RV313 1 h 10 min. How long is the whole trip?",
        "The walk is 20 min and the ride 45 min. How long is the ride?",
        "How long is the whole trip from Helsinki to Oulu? The flight is 1 h 5 min.",
        "The ferry takes 1.5 hours and the drive 45 min. How long is the whole trip?",
        "We climb 300 m in 2 h, the descent is 1 h 30 min. How long is the whole hike?",
        "It takes between 1 h and 2 h, plus 45 min. How long is it in total?",
        "Open 10 h to 18 h Saturday and 12 h to 16 h Sunday. What is the total time?",
        "3 episodes of 45 min and the film 2 hours: how long is that in total?",
        "My total time budget is 3 hours; check-in takes 1 h 20 min. How much is left?",
        "The course's total duration is 10 hours, each lesson 45 min. How many lessons?",
        "The flight is 9 h 15 and the transfer 40 min. How long is the whole trip?",
    ],
)
def test_durations_that_are_not_terms_to_add_get_no_note(message: str) -> None:
    assert total_time(message) is None


@pytest.mark.parametrize(
    ("message", "worked"),
    [
        (
            "If a film starts at 7:45 pm and runs 2 hours 14 minutes, what time does it finish?",
            "7:45 pm + 2 h 14 min = 9:59 pm (21:59)",
        ),
        (
            "My flight lands at 14:05 and customs takes 30 min. When will I be out?",
            "14:05 + 30 min = 14:35",
        ),
        (
            "The show starts at 21:30 and lasts 2 h 45 min. When is it over?",
            "21:30 + 2 h 45 min = 00:15 the next day",
        ),
        (
            "The movie begins at 11pm and is 1 h 50 min long, when does it end?",
            "11pm + 1 h 50 min = 12:50 am (00:50) the next day",
        ),
    ],
)
def test_a_time_of_day_and_a_duration_give_the_end(message: str, worked: str) -> None:
    assert end_time(message) == worked


@pytest.mark.parametrize(
    "message",
    [
        "I need to be there by 9:00 and it takes 40 min. When should I leave?",
        "It ends at 9 pm and takes 2 h. When does it start?",
        "When does the 7:45 pm screening of Tidewater finish?",
        "Buses run every 20 min from 7:00. When does the last one arrive?",
        "It starts at 7 pm or 8 pm and runs 2 h. When does it end?",
        "Doors at 7 pm, support act 40 min, headliner 90 min. When does it end?",
        "The 3 films start at 7:45 pm and run 2 h each. When do they end?",
        # a delay, a wait or an estimate: when it ends is the API's to say
        "The 18:05 train is delayed 20 min. When does it arrive?",
        "When will my order arrive? I ordered at 19:45, it said 45 min.",
        "My 2 pm appointment was pushed back 30 min, when will it be over?",
        "The shop opens at 9:00 and I get there 20 min later. When am I done?",
    ],
)
def test_a_time_asked_for_another_way_gets_no_end(message: str) -> None:
    assert end_time(message) is None
