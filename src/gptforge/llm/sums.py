"""The sum a message asks for, worked out. Asked "A car costs 49 euros a day. How much is
that for 6 days?" without a tool, the small model wrote "346"; shown ``(49 × 6 = 294)``
after the message, as it is shown the days a message names, it copies the result. Only
forms whose operation is plain are worked out: an expression ("What is 15% of 40
euros?", "What's 7 times 8?") and an amount per unit with one other number ("How much is
that for 6 days?" multiplies, "per class" divides)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUMBER = r"[€$£]?\s?(?P<{name}>\d[\d.,]*)"
_EXPRESSION = re.compile(
    r"^(?:what(?:'s| is)|how much is|calculate|compute|work out)\s+"
    + _NUMBER.format(name="a")
    + r"\s*(?P<op>(?:%|\s?percent)\s?(?:of|off)|times|×|\*|x|plus|\+|minus|-|divided by|/|"
    r"multiplied by)\s*" + _NUMBER.format(name="b") + r"(?:\s*[a-z€$£]+)?\s*\??$",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:[€$£]\s?(?P<pre>\d[\d.,]*)|(?P<post>\d[\d.,]*)\s?(?:euros?|eur|dollars?|usd|pounds?|"
    r"gbp|francs?|chf|kronor|kroner|sek|nok|dkk|zloty|pln|yen|jpy|kwh|km|kg|lit(?:er|re)s?|"
    r"hours?|minutes?)\b)",
    re.IGNORECASE,
)
_RATE_QUESTION = re.compile(
    r"\bhow (?:much|many)\b[^?]*\bis that (?P<how>per|for|over|in)\b", re.IGNORECASE
)
_ANY_NUMBER = re.compile(r"\d[\d.,]*")
_MULTIPLY = {"times", "×", "*", "x", "multiplied by"}


def _value(text: str) -> Decimal | None:
    """``1,200`` and ``1.5`` and ``8,5`` as numbers (a comma before three digits groups
    thousands, any other is a decimal point)."""
    text = text.rstrip(".,")
    text = re.sub(r",(?=\d{3}\b)", "", text).replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _shown(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.01")).normalize()
    return f"{rounded:f}"


def _expression(found: re.Match[str]) -> str | None:
    a, b = _value(found["a"]), _value(found["b"])
    op = " ".join(found["op"].lower().split()).replace(" percent", "%").replace("percent", "%")
    if a is None or b is None:
        return None
    if op in {"% of", "%of"}:
        return f"{_shown(a)}% of {_shown(b)} = {_shown(a * b / 100)}"
    if op in {"% off", "%off"}:
        return f"{_shown(b)} - {_shown(a)}% = {_shown(b - a * b / 100)}"
    if op in _MULTIPLY:
        return f"{_shown(a)} × {_shown(b)} = {_shown(a * b)}"
    if op in {"plus", "+"}:
        return f"{_shown(a)} + {_shown(b)} = {_shown(a + b)}"
    if op in {"minus", "-"}:
        return f"{_shown(a)} - {_shown(b)} = {_shown(a - b)}"
    if b == 0:
        return None
    return f"{_shown(a)} ÷ {_shown(b)} = {_shown(a / b)}"


def _rate(message: str) -> str | None:
    asked = _RATE_QUESTION.search(message)
    amounts = list(_AMOUNT.finditer(message))
    numbers = _ANY_NUMBER.findall(message)
    if asked is None or len(amounts) != 1 or len(numbers) != 2:
        return None
    amount_text = amounts[0]["pre"] or amounts[0]["post"]
    others = list(numbers)
    others.remove(next(n for n in numbers if n.rstrip(".,") == amount_text.rstrip(".,")))
    amount, other = _value(amount_text), _value(others[0])
    if amount is None or other is None or other == 0:
        return None
    if asked["how"].lower() == "per":
        return f"{_shown(amount)} ÷ {_shown(other)} = {_shown(amount / other)}"
    return f"{_shown(amount)} × {_shown(other)} = {_shown(amount * other)}"


def worked_sum(message: str) -> str | None:
    """The sum ``message`` asks for with its result (``49 × 6 = 294``), or None when it
    asks for none in a form whose operation is plain."""
    text = " ".join(message[:500].split())
    found = _EXPRESSION.match(text)
    return _expression(found) if found else _rate(text)
