"""Messages that carry everything their answer needs: a translation, a definition, a sum
of the numbers they give. No API returns those, but the small model routes many of them to
a tool whose subject they mention ("How do you say 'room' in Portuguese?" to the hotel's
room search, "What does 'rush hour' mean?" to the fares). Their forms are few and fixed,
so they are told by their words before the model is asked.

The forms are narrow on purpose: a message taken for one is answered from what the model
knows, so a question about the GPT's own data must never pass for one. A term the tools
name ("What is a junior suite?" to a hotel, "What does the label needs-triage mean?" to a
tracker), a possessive ("What does my leave code mean?"), a price to look up ("5 kg, how
much is that to ship?") or a currency to convert each leave the message to the model. A
GPT whose tools do the very thing (a translation, glossary, calculator or exchange-rate
API) gets no shortcut for that kind of message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gptforge.llm.base import ToolDefinition
from gptforge.llm.dates import DAYS, MONTHS
from gptforge.llm.sums import end_time, worked_sum
from gptforge.llm.words import content_words, head

_LANGUAGES = (
    "english|french|spanish|german|italian|portuguese|dutch|flemish|polish|czech|slovak|"
    "slovenian|croatian|serbian|bosnian|bulgarian|romanian|hungarian|greek|turkish|russian|"
    "ukrainian|belarusian|swedish|norwegian|danish|finnish|icelandic|estonian|latvian|"
    "lithuanian|irish|welsh|scottish gaelic|catalan|basque|galician|latin|arabic|hebrew|"
    "persian|farsi|urdu|hindi|bengali|punjabi|tamil|telugu|marathi|gujarati|nepali|chinese|"
    "mandarin|cantonese|japanese|korean|vietnamese|thai|indonesian|malay|tagalog|filipino|"
    "swahili|amharic|yoruba|zulu|afrikaans|albanian|armenian|georgian|maltese|luxembourgish"
)
_LANGUAGE = rf"(?:{_LANGUAGES})"
_QUOTED = "(?:['\"‘“„«][^'\"’”“»]+['\"’”“»])"
_REFERRING = "(?:the|your|my|this|that|these|those|its|their|our|it|them|all|every)"
_POSSESSIVE = re.compile(r"\b(?:your|my|our|his|her|their|mine|yours|ours)\b", re.IGNORECASE)
# "What is a good laptop?" asks for a recommendation from the catalogue, not a definition.
_EVALUATIVE = re.compile(
    r"\b(?:good|great|best|better|nice|cheap|cheapest|cheaper|popular|recommended|available|"
    r"free|open|vegan|vegetarian|healthy|quick|fast|easy|new|latest|local|nearby|similar|"
    r"suitable|typical|common|usual|normal|standard|current|today'?s|tomorrow'?s)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'-]*")

_UNITS = (
    r"(?:km/h|kph|mph|m/s|kilomet(?:er|re)s?|km|miles?|met(?:er|re)s?|cm|centimet(?:er|re)s?|"
    r"mm|inch(?:es)?|feet|foot|ft|yards?|kilograms?|kg|grams?|g|ounces?|oz|pounds?|lbs?|"
    r"stones?|lit(?:er|re)s?|l|ml|millilit(?:er|re)s?|gallons?|pints?|cups?|"
    r"degrees? (?:celsius|fahrenheit|c|f)|celsius|fahrenheit|°[cf]|kwh|kilowatt-hours?|"
    r"calories|kcal|joules?|hours?|minutes?|seconds?|days?|weeks?|months?|years?)"
)


@dataclass(frozen=True)
class _Form:
    """A pattern and, for forms that name a term, a check that the term is general."""

    pattern: re.Pattern[str]
    term_is_general: bool = False


def _form(pattern: str, *, term: bool = False, cased: bool = False) -> _Form:
    flags = 0 if cased else re.IGNORECASE
    return _Form(re.compile(pattern, flags), term)


@dataclass(frozen=True)
class _Kind:
    """One kind of self-contained message: the forms that ask for it, and the words of a
    tool that would answer it."""

    name: str
    forms: tuple[_Form, ...]
    tool_words: re.Pattern[str]
    refuse: Callable[[str, set[str]], bool] = lambda text, tool_words: False


_KINDS = (
    _Kind(
        "translation",
        (
            # a phrase quoted or of a few words, not the API's data ("Translate the room's
            # description into German" needs the room first)
            _form(
                rf"\btranslat(?:e|ing)\s+(?:{_QUOTED}|(?!{_REFERRING}\b)(?:[\w'-]+\s+){{1,5}}?)"
                rf"(?:in|into|to)\s+{_LANGUAGE}\b"
            ),
            _form(
                r"\bhow (?:do|would|can|should|does) (?:you|i|we|one|someone) "
                rf"(?:say|write|spell)\b(?!\s+{_REFERRING}\b).*\b(?:in|into)\s+{_LANGUAGE}\b"
            ),
            _form(rf"\bwhat(?:'s| is| are) the {_LANGUAGE} words? for\b"),
            _form(rf"^what(?:'s| is) {_QUOTED} in {_LANGUAGE}\s*\?*$"),
        ),
        re.compile(r"translat|dictionar|language|lexic|glossar", re.IGNORECASE),
        refuse=lambda text, tool_words: _names_the_tools_things(text, tool_words),
    ),
    _Kind(
        "definition",
        (
            _form(
                r"^(?:and |so |ok,? |okay,? )?what (?:does|do) (?P<term>.+?) (?:mean|stand for)\b",
                term=True,
            ),
            _form(r"^(?:please )?explain what (?P<term>[^?]+?) means\b", term=True),
            _form(r"^what(?:'s| is) the meaning of (?P<term>[^?]+?)\s*\??$", term=True),
            _form(
                r"^(?:please )?define (?:the (?:word|term) )?(?P<term>[^?]+?)\s*[.?]?$", term=True
            ),
            _form(r"^what(?:'s| is) an? (?P<term>[\w'-]+(?: [\w'-]+){0,2})\s*\?*$", term=True),
            _form(
                r"^what(?:'s| is) the differences? between (?P<term>.+ and .+?)\s*\?*$", term=True
            ),
        ),
        re.compile(r"defin|dictionar|glossar|meaning|encyclop|wiki", re.IGNORECASE),
        # "What does 'exception' mean on my tracking page?": the carrier's own meaning
        refuse=lambda text, tool_words: bool(_POSSESSIVE.search(text)),
    ),
    _Kind(
        "arithmetic",
        (
            # "Convert 30 km/h to miles per hour.", "What is 18 degrees Celsius in Fahrenheit?"
            _form(
                rf"^(?:convert|what(?:'s| is)|how (?:much|many) is)\s+\d[\d.,]*\s*{_UNITS}\s+"
                rf"(?:in|to|into)\s+(?:an? )?{_UNITS}(?:\s+per\s+{_UNITS})?\s*[.?]?$"
            ),
            _form(rf"^how many {_UNITS} (?:are )?in an? {_UNITS}\s*\??$"),
        ),
        re.compile(
            r"calculat|convert|conversion|arithmetic|math|exchange|currenc|forex|\bfx\b",
            re.IGNORECASE,
        ),
    ),
)


# "Thanks, that's all for today!", "Great, thanks for your help!", "Cheers, bye!": a
# message that thanks or closes the conversation and asks for nothing. Under the usual
# prompts the small model answered them with data it made up ("The temperature today is
# 10°C").
_CLOSING = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|awesome|cool|nice|super|excellent|wonderful|brilliant|"
    r"lovely|good|alright|all right|fantastic|amazing)[,!.]*\s+)*"
    r"(?:thanks?|thank you|thx|many thanks|cheers|bye|bye-bye|goodbye|good bye|good night|"
    r"see you|see ya|that'?s all|that is all|that'?s it)\b",
    re.IGNORECASE,
)
# Every word of a closing is one of these (or a month's or a weekday's name): "Thanks,
# and the forecast for Oslo" asks for more.
_CLOSING_WORDS = frozenset(
    """thanks thank thx you so very much a lot bunch again for your the help all that's that
    is it it's today tonight now bye goodbye good see ya in on at later soon then have nice
    great day evening night weekend week take care cheers ok okay perfect awesome cool
    lovely super excellent wonderful brilliant fantastic amazing alright right everything
    really helpful appreciated appreciate was and i i've i'm needed many mate next till
    until""".split()  # noqa: SIM905
)
_MONTHS_AND_DAYS = frozenset(name.lower() for name in (*MONTHS, *DAYS, "Christmas"))
CLOSING_CHARS = 60


def is_closing(message: str) -> bool:
    """Whether ``message`` only thanks or says goodbye: short, opening with a word of
    thanks or farewell, every word a courtesy ("Thanks, and the forecast for Oslo" and
    "Thanks, can you also check…?" ask for more)."""
    text = " ".join(message.split())
    if len(text) > CLOSING_CHARS or "?" in text or not _CLOSING.match(text):
        return False
    words = re.findall(r"[a-z']+|\d", text.lower().replace("\u2019", "'"))
    return all(w in _CLOSING_WORDS or w in _MONTHS_AND_DAYS for w in words)


_TRANSLATION_WORDS = frozenset(
    {"translate", "translating", "say", "write", "spell", "word", "into", "please", "would"}
)


def _names_the_tools_things(text: str, tool_words: set[str]) -> bool:
    """Whether a translation asks for the GPT's own things ("the German words for your
    room types", "Translate return policy to Spanish") rather than a phrase it quotes."""
    if re.search(_QUOTED, text):
        return False
    if _POSSESSIVE.search(text) or any(c.isdigit() for c in text):
        return True
    words = content_words(re.sub(rf"\b{_LANGUAGE}\b", " ", text, flags=re.IGNORECASE))
    return bool((words - _TRANSLATION_WORDS) & tool_words)


def _tool_text(tools: Iterable[ToolDefinition]) -> str:
    """Everything a tool says of itself: name, description, parameters, their enums."""
    return " ".join(json.dumps(t.get("function", t), ensure_ascii=False) for t in tools)


def _is_general(term: str, tool_words: set[str]) -> bool:
    """Whether ``term`` is a general one: not the user's own, not a recommendation, not a
    name (a capital past the first word) and not a word the tools use."""
    term = term.strip(" '\"‘’“”")
    if not term or _POSSESSIVE.search(term) or _EVALUATIVE.search(term):
        return False
    if re.match(rf"{_REFERRING}\b", term, re.IGNORECASE):
        return False  # "the remote work policy": a thing of the GPT's, not a word
    if any(m.start() > 0 for m in _NAME.finditer(term)) or re.search(r"\b[A-Z]{2,}\b", term):
        return False
    if any(c.isdigit() for c in term):
        return False  # "status 3", "tier 2": the GPT's own codes
    return not (content_words(term) & tool_words)


# "…, and is it sold out", "and are there seats left": a second question in one sentence.
_SECOND_QUESTION = re.compile(
    r"\b(?:and|also|plus)\s+(?:is|are|was|were|can|could|do|does|will|would|has|have|"
    r"what|which|where|how|who|any|tell)\b",
    re.IGNORECASE,
)


def _ends_and_asks_once(text: str) -> bool:
    """Whether ``text`` asks only when a thing of a given length ends ("The film starts at
    7:45 pm and runs 2 h 14 min. When does it end?"): with a second question ("…, and is
    it sold out?") the API has something to say too."""
    if text.count("?") > 1 or _SECOND_QUESTION.search(text):
        return False
    return end_time(text) is not None


def self_contained_kind(message: str, tools: Iterable[ToolDefinition]) -> str | None:
    """The kind of self-contained message ``message`` is (``translation``, ``definition``,
    ``arithmetic``), or None when it may ask for a tool's data."""
    text = head(message)
    offered = _tool_text(tools)
    tool_words = content_words(offered)
    for kind in _KINDS:
        if kind.tool_words.search(offered) or kind.refuse(text, tool_words):
            continue
        if kind.name == "arithmetic" and (worked_sum(text) or _ends_and_asks_once(text)):
            return kind.name  # an expression, a rate times a count, a time plus a length
        for form in kind.forms:
            found = form.pattern.search(text)
            if found is None:
                continue
            if form.term_is_general and not _is_general(found.group("term"), tool_words):
                continue
            return kind.name
    return None
