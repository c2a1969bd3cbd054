"""The sum a message asks for, worked out. Asked "A car costs 49 euros a day. How much is
that for 6 days?" without a tool, the small model wrote "346"; shown ``(49 × 6 = 294)``
after the message, as it is shown the days a message names, it copies the result.

Only forms whose operation and operands are plain are worked out, since the note is shown
with every message, tool or not: a conversion of an amount ("18 degrees Celsius in
Fahrenheit", "Convert 30 km/h to miles per hour"), an expression ("What is 15% of 40
euros?", "What's 7 times 8?"), a rate times a count of the rate's own unit ("49 euros a
day … for 6 days", "9 kWh a day … over a 30-day month"), an amount for a count divided
per unit ("A 10-class pass costs 85 euros … per class") and the average of one list of
figures ("I got 78, 85 and 92 … What's my average?"). A number that could be read two
ways ("1.200", "2-3 nights", "24/7") gives no sum."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from gptforge.llm.dates import CLOCK, clock_minutes
from gptforge.llm.words import head

_CURRENCY_WORDS = (
    r"euros?|eur|dollars?|usd|pounds?|gbp|francs?|chf|kronor|kroner|sek|nok|dkk|zloty|pln|"
    r"yen|jpy"
)
_QUANTITY_WORDS = r"kwh|km|kg|lit(?:er|re)s?|miles?|grams?|hours?|minutes?"
_FIGURE = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"


def _number(name: str) -> str:
    return rf"[€$£]?\s?(?P<{name}>{_FIGURE})"


_OPERATION = (
    r"(?P<op>(?:%|\s?percent)\s?(?:of|off)|\s+times|\s*×|\s*\*|\s*x|\s+plus|\s*\+|\s+minus|"
    r"\s+-|\s+divided by|\s+/|\s+multiplied by)\s*"
)
_EXPRESSION = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute|work out)\s+"
    + _number("a")
    + _OPERATION
    + _number("b")
    + rf"(?:\s*(?:{_CURRENCY_WORDS}|{_QUANTITY_WORDS}))?\s*\??$",
    re.IGNORECASE,
)
# "49 euros a day", "€90 per night", "9 kWh a day", "14 pounds of trash a week"
_RATE = re.compile(
    rf"(?:[€$£]\s?(?P<pre>{_FIGURE})|(?P<post>{_FIGURE})\s?(?:{_CURRENCY_WORDS}|"
    rf"{_QUANTITY_WORDS})\b)(?: of [a-z]+)?\s+(?:a|an|per|each|every)\s+(?P<unit>[a-z]+)",
    re.IGNORECASE,
)
# "how much is that for 6 days?", "how many kWh is that over a 30-day month?",
# "over a year of 52 weeks?"
_TIMES = re.compile(
    r"\bhow (?:much|many)(?: [a-z]+)? is that (?:for|over|in)\s+(?:an? [a-z]+ of\s+|an?\s+)?"
    r"(?P<count>\d+)[ -](?P<unit>[a-z]+)(?: [a-z]+)?\s*\??$",
    re.IGNORECASE,
)
# "A 10-class pass costs 85 euros. How much is that per class?"
_AMOUNT = re.compile(
    rf"(?:[€$£]\s?(?P<pre>{_FIGURE})|(?P<post>{_FIGURE})\s?(?:{_CURRENCY_WORDS})\b)",
    re.IGNORECASE,
)
_COUNT = re.compile(r"\b(?P<count>\d+)[ -](?P<unit>[a-z]+)", re.IGNORECASE)  # "10-class"
_PER = re.compile(r"\bhow much is that per (?P<unit>[a-z]+)\s*\??$", re.IGNORECASE)
_MULTIPLY = {"times", "×", "*", "x", "multiplied by"}
_AMBIGUOUS = re.compile(r"\b\d{1,3}\.\d{3}\b(?!\.)")  # 1.200: a thousand or one point two


def _value(text: str) -> Decimal | None:
    """``1,200`` and ``1.5`` and ``8,50`` as numbers (a comma before three digits groups
    thousands, any other is a decimal point)."""
    text = re.sub(r",(?=\d{3}\b)", "", text).replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _shown(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.01")).normalize()
    return f"{rounded:f}"


def _stem(unit: str) -> str:
    """A unit's singular: days → day, classes → class, nights → night."""
    unit = unit.lower()
    if re.search(r"(?:ss|x|ch|sh)es$", unit):
        return unit[:-2]
    if unit.endswith("s") and not unit.endswith("ss"):
        return unit[:-1]
    return unit


def _expression(found: re.Match[str]) -> str | None:
    a, b = _value(found["a"]), _value(found["b"])
    op = " ".join(found["op"].lower().split()).replace("percent", "%").replace(" %", "%")
    if a is None or b is None:
        return None
    if op.replace(" ", "") == "%of":
        result, shown = a * b / 100, f"{_shown(a)}% of {_shown(b)}"
    elif op.replace(" ", "") == "%off":
        result, shown = b - a * b / 100, f"{_shown(b)} - {_shown(a)}%"
    elif op in _MULTIPLY:
        result, shown = a * b, f"{_shown(a)} × {_shown(b)}"
    elif op in {"plus", "+"}:
        result, shown = a + b, f"{_shown(a)} + {_shown(b)}"
    elif op in {"minus", "-"}:
        result, shown = a - b, f"{_shown(a)} - {_shown(b)}"
    elif b != 0:
        result, shown = a / b, f"{_shown(a)} ÷ {_shown(b)}"
    else:
        return None
    return None if result < 0 else f"{shown} = {_shown(result)}"


def _rate_times_count(text: str) -> str | None:
    asked = _TIMES.search(text)
    rates = list(_RATE.finditer(text))
    if asked is None or len(rates) != 1 or _stem(rates[0]["unit"]) != _stem(asked["unit"]):
        return None
    rate, count = _value(rates[0]["pre"] or rates[0]["post"]), _value(asked["count"])
    if rate is None or count is None:
        return None
    return f"{_shown(rate)} × {_shown(count)} = {_shown(rate * count)}"


def _amount_per_unit(text: str) -> str | None:
    asked = _PER.search(text)
    amounts = list(_AMOUNT.finditer(text))
    if asked is None or len(amounts) != 1:
        return None
    unit = _stem(asked["unit"])
    counts = [c for c in _COUNT.finditer(text) if _stem(c["unit"]) == unit]
    if len(counts) != 1:
        return None
    amount, count = _value(amounts[0]["pre"] or amounts[0]["post"]), _value(counts[0]["count"])
    if amount is None or count is None or count == 0:
        return None
    return f"{_shown(amount)} ÷ {_shown(count)} = {_shown(amount / count)}"


# "78, 85 and 92": two figures or more, without a decimal comma ("78,5" could be either).
_PLAIN_FIGURE = r"\d+(?:\.\d+)?"
_FIGURE_LIST = re.compile(
    rf"\b{_PLAIN_FIGURE}(?:,\s+{_PLAIN_FIGURE})*,?\s+(?:and|&)\s+{_PLAIN_FIGURE}\b"
    rf"|\b{_PLAIN_FIGURE}(?:,\s+{_PLAIN_FIGURE})+\b"
)
# "What's my average?" at the end, or "the average of 4, 8 and 15".
_AVERAGE_ASKED = re.compile(
    r"\b(?:what(?:'s| is)|calculate|work out) (?:my|the|our|their) (?:average|mean)"
    r"(?: (?:score|grade|mark|result))?\s*\??$"
    r"|\b(?:average|mean) of (?=[\d,.&and\s]+\??$)",
    re.IGNORECASE,
)


# What comes before a list of figures to be averaged: a verb ("I got", "they were") or
# "of". A noun there makes them ids ("Orders 101, 102 and 103", "Students 12, 15").
_BEFORE_FIGURES = re.compile(
    r"\b(?:got|get|scored|score|were|are|was|is|paid|spent|earned|made|ran|had|weighed|"
    r"measured|took|of)\s+$",
    re.IGNORECASE,
)


def _average(text: str) -> str | None:
    """``(78 + 85 + 92) ÷ 3 = 85`` for "I got 78, 85 and 92. What's my average?": only when
    the figures are one list after a verb or "of", none signed, and the message has no
    other digit."""
    if not _AVERAGE_ASKED.search(text) or re.search(r"[-−–+]\s*\d", text):
        return None
    lists = list(_FIGURE_LIST.finditer(text))
    if len(lists) != 1 or any(c.isdigit() for c in _FIGURE_LIST.sub(" ", text)):
        return None
    if not _BEFORE_FIGURES.search(text[: lists[0].start()]):
        return None
    values = [Decimal(v) for v in re.findall(_PLAIN_FIGURE, lists[0].group(0))]
    terms = " + ".join(_shown(v) for v in values)
    return f"({terms}) ÷ {len(values)} = {_shown(sum(values, Decimal(0)) / len(values))}"


# A unit's name → (what it measures, how many of the base unit one is). Temperatures are
# converted by formula.
_UNIT_TABLE: dict[str, tuple[str, float]] = {
    "km": ("length", 1000.0),
    "m": ("length", 1.0),
    "cm": ("length", 0.01),
    "mm": ("length", 0.001),
    "mile": ("length", 1609.344),
    "yard": ("length", 0.9144),
    "foot": ("length", 0.3048),
    "inch": ("length", 0.0254),
    "km/h": ("speed", 1 / 3.6),
    "mph": ("speed", 0.44704),
    "m/s": ("speed", 1.0),
    "kg": ("mass", 1000.0),
    "g": ("mass", 1.0),
    "pound": ("mass", 453.59237),
    "ounce": ("mass", 28.349523125),
    "stone": ("mass", 6350.29318),
    "l": ("volume", 1.0),
    "ml": ("volume", 0.001),
    "gallon": ("volume", 3.785411784),
    "pint": ("volume", 0.473176473),
    "°C": ("temperature", 1.0),
    "°F": ("temperature", 1.0),
}
_UNIT_NAMES = [
    (r"km/h|kph|kmh|kilomet(?:er|re)s? per hour", "km/h"),
    (r"mph|miles? per hour", "mph"),
    (r"m/s|met(?:er|re)s? per second", "m/s"),
    (r"km|kilomet(?:er|re)s?", "km"),
    (r"cm|centimet(?:er|re)s?", "cm"),
    (r"mm|millimet(?:er|re)s?", "mm"),
    (r"m|met(?:er|re)s?", "m"),
    (r"miles?", "mile"),
    (r"yards?|yd", "yard"),
    (r"feet|foot|ft", "foot"),
    (r"inch(?:es)?|in\.", "inch"),
    (r"kg|kilos?|kilograms?", "kg"),
    (r"g|grams?", "g"),
    (r"pounds?|lbs?", "pound"),
    (r"ounces?|oz", "ounce"),
    (r"stones?|st", "stone"),
    (r"l|lit(?:er|re)s?", "l"),
    (r"ml|millilit(?:er|re)s?", "ml"),
    (r"gallons?|gal", "gallon"),
    (r"pints?", "pint"),
    (r"(?:degrees? )?(?:celsius|centigrade)|°c|degrees? c", "°C"),
    (r"(?:degrees? )?fahrenheit|°f|degrees? f", "°F"),
]
_UNIT = "(?:" + "|".join(pattern for pattern, _ in _UNIT_NAMES) + ")"
_CONVERSION = re.compile(
    rf"^(?:convert|what(?:'s| is)|how (?:much|many) is)\s+(?P<n>-?(?:{_FIGURE}))\s*"
    rf"(?P<source>{_UNIT})\s+(?:in|to|into)\s+(?:an? )?(?P<target>{_UNIT})\s*[.?]?$",
    re.IGNORECASE,
)


def _unit(name: str) -> str | None:
    for pattern, unit in _UNIT_NAMES:
        if re.fullmatch(pattern, name, re.IGNORECASE):
            return unit
    return None


def _converted(amount: Decimal, source_name: str, target_name: str) -> str | None:
    source, target = _unit(source_name), _unit(target_name)
    if source is None or target is None or source == target:
        return None
    (kind, source_factor), (target_kind, target_factor) = _UNIT_TABLE[source], _UNIT_TABLE[target]
    if kind != target_kind:
        return None
    value = float(amount)
    if kind == "temperature":
        result = value * 9 / 5 + 32 if source == "°C" else (value - 32) * 5 / 9
    else:
        result = value * source_factor / target_factor
    shown = Decimal(repr(result)).quantize(Decimal("0.01")).normalize()
    return f"{_shown(amount)} {_named(source, amount)} = {shown:f} {_named(target, shown)}"


_WORDS = {
    "m": ("metre", "metres"),
    "mile": ("mile", "miles"),
    "yard": ("yard", "yards"),
    "foot": ("foot", "feet"),
    "inch": ("inch", "inches"),
    "g": ("gram", "grams"),
    "pound": ("pound", "pounds"),
    "ounce": ("ounce", "ounces"),
    "stone": ("stone", "stone"),
    "l": ("litre", "litres"),
    "gallon": ("US gallon", "US gallons"),
    "pint": ("US pint", "US pints"),
}


def _named(unit: str, amount: Decimal) -> str:
    """``mile`` or ``miles``, ``gram`` or ``grams``; symbols such as km and °C as they are."""
    one, many = _WORDS.get(unit, (unit, unit))
    return one if amount == 1 else many


def _conversion(text: str) -> str | None:
    # Only an amount given: "How many grams are in a pound?" gets no note. With "(1 pound
    # = 453.59 grams)" after it the model wrote the tool lines back; without, it answers.
    found = _CONVERSION.match(text)
    amount = _value(found["n"]) if found else None
    if found is None or amount is None:
        return None
    return _converted(amount, found["source"], found["target"])


_DURATION = re.compile(
    r"\b(?:(?P<h>\d+)\s?(?:h|hrs?|hours?)\b(?:\s?(?:and\s)?(?P<hm>\d+)\s?(?:mins?|minutes?)\b)?"
    r"|(?P<m>\d+)\s?(?:mins?|minutes?)\b)",
    re.IGNORECASE,
)
_TOTAL_ASKED = re.compile(
    r"\bhow long\b[^.?!]*\b(?:whole|total|altogether|all together|in all|entire|overall|"
    r"combined|in total)\b|\b(?:total|overall|combined) (?:time|duration|length)\b",
    re.IGNORECASE,
)
# Words that make the durations something other than terms to add: a range, times of day,
# what is left of a budget, a count of lessons, a duration repeated.
_NOT_ADDED = re.compile(
    r"\b(?:between|from|to|until|till|or|left|remain\w*|how many|each|every|per|of|times|"
    r"twice|thrice|half|an hour|a day|days?|weeks?)\b|[-–/×*]",
    re.IGNORECASE,
)


def _hours_and_minutes(minutes: int) -> str:
    """``2 h 35 min``, ``2 h``, ``35 min``, ``0 min``."""
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h" if hours else "0 min"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def total_time(message: str) -> str | None:
    """ "2 h 35 min, 1 h 50 min and 1 h 15 min: how long is the whole trip?" as ``2 h 35 min
    + 1 h 50 min + 1 h 15 min = 5 h 40 min`` (the model's own sum: "3 hours 30 minutes").
    Only when the message asks for a total, gives two durations or more in whole hours and
    minutes, and has no other number and no word that makes them other than terms to add
    ("between 1 h and 2 h", "3 episodes of 45 min", "how much is left"). The note is shown
    to the model; it does not make the message one that needs no tool (a trip's legs may
    be the GPT's to look up)."""
    text = head(message)
    if not _TOTAL_ASKED.search(text):
        return None
    rest = _DURATION.sub(" ", text)
    if any(c.isdigit() for c in rest) or _NOT_ADDED.search(_TOTAL_ASKED.sub(" ", rest)):
        return None
    durations = [
        int(found["h"]) * 60 + int(found["hm"] or 0) if found["h"] else int(found["m"])
        for found in _DURATION.finditer(text)
    ]
    if len(durations) < 2:
        return None
    terms = " + ".join(_hours_and_minutes(d) for d in durations)
    return f"{terms} = {_hours_and_minutes(sum(durations))}"


_END_ASKED = re.compile(
    r"\b(?:what time|when|at what time)\b[^.?!]*\b(?:finish\w*|end\w*|over|done|out|"
    r"arrive|land|get (?:there|in|back|home))\b|\b(?:finish|end|arrival) time\b",
    re.IGNORECASE,
)
# A time to reach by, a range, a duration repeated or taken away.
_NOT_AN_END = re.compile(
    r"\b(?:by|before|latest|between|until|till|or|each|every|per|times|twice|ago|earlier)\b"
    r"|[-–/×*]",
    re.IGNORECASE,
)
_START_ASKED = re.compile(
    r"\b(?:what time|when)\b[^.?!]*\b(?:leave|start|set off|depart|go|begin)\b", re.IGNORECASE
)
# The duration is how long the thing itself takes ("runs 2 h 14 min", "is 1 h 50 min
# long"), not a wait, a delay or an estimate someone gave ("delayed 20 min", "it said 45
# min"): when those end is the API's to say, not a sum's.
_LENGTH_BEFORE = re.compile(
    r"\b(?:runs?|running|lasts?|lasting|takes?|taking|is|are|it's|for)\s+"
    r"(?:about |around |roughly |approximately |just |only |exactly )?$",
    re.IGNORECASE,
)
_LENGTH_AFTER = re.compile(r"^\s*(?:long|in length)\b", re.IGNORECASE)
_NOT_A_LENGTH = re.compile(
    r"\b(?:delay\w*|late|later|behind|overdue|slow\w*|held up|stuck|wait\w*|since|push\w*|"
    r"postpon\w*|moved|resched\w*|"
    r"order\w*|deliver\w*|estimat\w*|eta|said|says|quoted|open\w*|clos\w*)\b",
    re.IGNORECASE,
)


def _clock(minutes: int, twelve_hour: bool) -> str:
    """``9:59 pm (21:59)`` for a time given with am or pm, ``21:59`` otherwise; ``(the
    next day)`` past midnight."""
    days, minutes = divmod(minutes, 24 * 60)
    hour, minute = divmod(minutes, 60)
    shown = f"{hour:02d}:{minute:02d}"
    if twelve_hour:
        half = "pm" if hour >= 12 else "am"
        shown = f"{(hour % 12) or 12}:{minute:02d} {half} ({shown})"
    return f"{shown} the next day" if days else shown


def end_time(message: str) -> str | None:
    """ "If a film starts at 7:45 pm and runs 2 hours 14 minutes, what time does it
    finish?" as ``7:45 pm + 2 h 14 min = 9:59 pm (21:59)``: the small model's own clock
    sums went wrong as its sums did. Only for one time of day and one duration that is the
    thing's own length ("runs", "lasts", "takes", "is … long"), no other number, a question
    for when something ends, and no word that makes it something else ("leave by 9:00",
    "start", "every 20 min", "delayed 20 min", "it said 45 min"). A note, as
    :func:`total_time`'s is."""
    text = head(message)
    if not _END_ASKED.search(text) or _START_ASKED.search(text):
        return None
    if _NOT_AN_END.search(text) or _NOT_A_LENGTH.search(text):
        return None
    clocks, durations = list(CLOCK.finditer(text)), list(_DURATION.finditer(text))
    if len(clocks) != 1 or len(durations) != 1:
        return None
    found = durations[0]
    if not (
        _LENGTH_BEFORE.search(text[: found.start()]) or _LENGTH_AFTER.match(text[found.end() :])
    ):
        return None
    if any(c.isdigit() for c in _DURATION.sub(" ", CLOCK.sub(" ", text))):
        return None
    start = clock_minutes(clocks[0])
    if start is None:
        return None
    length = int(found["h"]) * 60 + int(found["hm"] or 0) if found["h"] else int(found["m"])
    written = " ".join(clocks[0].group(0).split())
    return f"{written} + {_hours_and_minutes(length)} = {_clock(start[0] + length, start[1])}"


def worked_sum(message: str) -> str | None:
    """The sum ``message`` asks for with its result (``49 × 6 = 294``), or None when it
    asks for none in a form whose operation and operands are plain."""
    text = head(message)
    if _AMBIGUOUS.search(text):
        return None
    found = _EXPRESSION.match(text)
    if found:
        return _expression(found)
    return _rate_times_count(text) or _amount_per_unit(text) or _conversion(text) or _average(text)
