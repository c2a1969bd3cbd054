"""The records of a large list result a question is about. On this 2-core machine the small
model reads about 94 tokens a second, so a 2 KB list of every car category costs seconds
before the answer's first token. When the question names what it is about ("electric",
"spin", "MOB 5.3.0") in a record's name or short fields that other records lack, the
other records are left out.

The cut is kept narrow, since a record left out is one the model cannot mention: a
single object's sections stay whole (the words of "When will my order arrive?" name the
order, the answer is in its shipping); so does every list when the question compares,
counts, negates or names a number ("anything cheaper than", "which rooms don't have", "how
many", "for 120 people"), and when its words are only in long free text."""

from __future__ import annotations

import json
import re
from typing import Any

from gptforge.llm.words import content_words

FOCUS_FROM = 900
"""Results shorter than this (characters of their JSON) are shown whole."""

MIN_RECORDS = 3
"""A list needs this many records to be cut."""

SHORT_VALUE = 60
"""A text field longer than this is free text (a note), not what a record is about."""

# A code has a digit and a letter, or dots between digits: "A-1042", "RV312", "5.3.0".
_CODE = re.compile(r"\b(?=[\w.-]*\d)(?=[\w.-]*[^\W\d_]|\d+\.\d+\.)[\w][\w.-]*\b")
_NUMBER = re.compile(r"\d")
# What needs every record: comparisons, counts, negations, alternatives.
_WHOLE_LIST = re.compile(
    r"\b(?:not|no|none|nothing|without|never|other|others|else|besides|except|instead|than|"
    r"all|every|each|any\s*one|how many|number of|count|total|most|least|more|less|fewer|"
    r"cheapest|cheaper|expensive|lowest|highest|best|worst|biggest|largest|smallest|"
    r"nearest|closest|earliest|latest|first|last|next|previous|longest|shortest|fastest|"
    r"options|alternatives?|compare|comparison|difference|between|only|either|rest)\b|n't\b",
    re.IGNORECASE,
)


def _codes(text: str) -> set[str]:
    return {c.lower().strip(".-") for c in _CODE.findall(text)}


def _labels(value: Any) -> list[str]:
    """What a record is about: its keys and its short text and code fields, nested."""
    if isinstance(value, dict):
        return [part for k, v in value.items() for part in [str(k), *_labels(v)]]
    if isinstance(value, list):
        return [part for v in value for part in _labels(v)]
    if isinstance(value, str):
        return [value] if len(value) <= SHORT_VALUE else []
    return []


def _record_words(record: Any) -> set[str]:
    text = " ".join(_labels(record))
    return content_words(text) | _codes(text)


def _kept(records: list[Any], question: str) -> list[Any] | None:
    """The records that name a word of the question that some other record does not; None
    when no record, or every record, does."""
    asked = content_words(question) | _codes(question)
    words = [_record_words(r) for r in records]
    telling = {w for w in asked if any(w in ws for ws in words)}
    telling = {w for w in telling if not all(w in ws for ws in words)}
    kept = [r for r, ws in zip(records, words, strict=True) if ws & telling]
    return kept if kept and len(kept) < len(records) else None


def _is_record_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= MIN_RECORDS
        and all(isinstance(v, dict) and v for v in value)
    )


def _without_codes(question: str) -> str:
    return _CODE.sub(" ", question)


def focused(data: Any, question: str) -> Any:
    """``data`` (a parsed JSON result) with only the records of its list that ``question``
    names, or ``data`` itself: when it is small, when it holds no list of records (at the
    top or as the one list in a wrapper such as ``{"count": 7, "results": [...]}``), when
    the question needs every record, or when its words tell none apart."""
    if len(json.dumps(data, ensure_ascii=False)) < FOCUS_FROM or not question.strip():
        return data
    if _WHOLE_LIST.search(question) or _NUMBER.search(_without_codes(question)):
        return data
    if _is_record_list(data):
        return _kept(data, question) or data
    if isinstance(data, dict):
        lists = [k for k, v in data.items() if isinstance(v, list | dict) and v]
        if len(lists) == 1 and _is_record_list(data[lists[0]]):
            kept = _kept(data[lists[0]], question)
            return data if kept is None else {**data, lists[0]: kept}
    return data
