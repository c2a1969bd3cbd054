"""Messages that carry everything their answer needs: a translation, a definition, a sum
of the numbers they give. No API returns those, but the small model routes many of them to
a tool whose subject they mention ("How do you say 'room' in Portuguese?" to the hotel's
room search, "What does 'rush hour' mean?" to the fares). Their forms are few and fixed,
so they are told by their words before the model is asked.

A GPT whose tools do that very thing (a translation, a dictionary or a calculator API)
gets no such shortcut for that kind of message: the tool is the answer then."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gptforge.llm.base import ToolDefinition


@dataclass(frozen=True)
class _Kind:
    """One kind of self-contained message: the forms that ask for it, and the words of a
    tool that would answer it."""

    name: str
    forms: tuple[re.Pattern[str], ...]
    tool_words: re.Pattern[str]


def _forms(*patterns: str, cased: tuple[str, ...] = ()) -> tuple[re.Pattern[str], ...]:
    """Patterns read in any case, then ``cased`` ones, where a capital tells a name."""
    return (
        *(re.compile(p, re.IGNORECASE) for p in patterns),
        *(re.compile(p) for p in cased),
    )


_AMOUNT = (
    r"(?:[€$£]\s*\d|\d+(?:[.,]\d+)?\s*(?:%|euros?\b|eur\b|dollars?\b|usd\b|pounds?\b|gbp\b"
    r"|francs?\b|kronor\b|kr\b|kwh\b|kw\b|km\b|kilomet(?:er|re)s?\b|miles?\b|kg\b|grams?\b|"
    r"lit(?:er|re)s?\b|minutes?\b|hours?\b))"
)

_QUOTED = "(?:['\"‘“„«][^'\"’”“»]+['\"’”“»])"
_REFERRING = "(?:the|your|my|this|that|these|those|its|their|our|it|them|all|every)"

_KINDS = (
    _Kind(
        "translation",
        _forms(
            # a phrase quoted or of a few words, not the API's data ("Translate the room's
            # description into German" needs the room first)
            rf"\btranslat(?:e|ing)\s+(?:{_QUOTED}|(?!{_REFERRING}\b)(?:[\w'-]+\s+){{1,5}}?)"
            r"(?:in|into|to)\s+\w+",
            r"\bhow (?:do|would|can|should|does) (?:you|i|we|one|someone) (?:say|write|spell)\b",
            r"\bwhat(?:'s| is| are) the \w+ words? for\b",
            cased=(rf"^(?i:what(?:'s| is)) {_QUOTED} in [A-Z][a-z]+\s*\?*$",),
        ),
        re.compile(r"translat|dictionar|language|lexic|glossar", re.IGNORECASE),
    ),
    _Kind(
        "definition",
        _forms(
            r"\bwhat (?:does|do) [^?]+ (?:mean|stand for)\b",
            r"\bwhat [^?]+ means\b",
            r"\bmeaning of\b",
            r"\bdefine\b",
            r"\bdefinition of\b",
            cased=(
                # "What is a matinee?", not "What is a Junior Suite?" (the hotel's own room)
                r"^(?i:what(?:'s| is) an?) (?:[a-z][\w'-]*|[A-Z0-9-]{2,})(?: [a-z][\w'-]*){0,2}"
                r"\s*\?*$",
                # "What's the difference between half board and full board?", not the
                # plans a GPT sells ("between your Basic and Premium plans")
                r"^(?i:what(?:'s| is) the differences? between) (?!.*\b(?:your|my|our)\b)"
                r"[a-z][a-z' -]* and [a-z][a-z' -]*\s*\?*$",
            ),
        ),
        re.compile(r"defin|dictionar|glossar|meaning|encyclop|wiki", re.IGNORECASE),
    ),
    _Kind(
        "arithmetic",
        _forms(
            r"\d\s*(?:times|×|\*|plus|minus|divided by|multiplied by)\s*\d",
            r"\d\s*%\s*(?:of|off)\s*[€$£]?\s*\d",
            r"\bconvert\b[^?]*\d",
            r"\d+(?:[.,]\d+)?\s*degrees? (?:celsius|fahrenheit|c|f)\b[^?]* (?:in|to|into) "
            r"(?:celsius|fahrenheit)\b",
            # "A car costs 49 euros a day. How much is that for 6 days?"
            rf"{_AMOUNT}[^?]*\bhow (?:much|many)\b[^?]*\bis that\b",
        ),
        re.compile(r"calculat|convert|conversion|arithmetic|math", re.IGNORECASE),
    ),
)


def _tool_text(tools: Iterable[ToolDefinition]) -> str:
    return " ".join(
        f"{t['function']['name']} {t['function'].get('description') or ''}" for t in tools
    )


def self_contained_kind(message: str, tools: Iterable[ToolDefinition]) -> str | None:
    """The kind of self-contained message ``message`` is (``translation``, ``definition``,
    ``arithmetic``), or None when it may ask for a tool's data."""
    text = " ".join(message.split())
    offered = _tool_text(tools)
    for kind in _KINDS:
        if any(form.search(text) for form in kind.forms) and not kind.tool_words.search(offered):
            return kind.name
    return None


def is_self_contained(message: str, tools: Iterable[ToolDefinition]) -> bool:
    """Whether ``message`` needs nothing from ``tools``: see :func:`self_contained_kind`."""
    return self_contained_kind(message, tools) is not None
