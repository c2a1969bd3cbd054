"""The part of a large tool result a question is about. On this 2-core machine the small
model reads about 94 tokens a second, so a 2 KB result of every car category or every
house policy costs seconds before the answer's first token. When the question names what
it is about ("parking", "electric"), the records and sections that do not mention it are
left out; when it names nothing that tells them apart, the result stays whole."""

from __future__ import annotations

import json
import re
from typing import Any

from gptforge.llm.words import content_words

FOCUS_FROM = 900
"""Results shorter than this (characters of their JSON) are shown whole."""

MIN_PARTS = 3
"""A list needs this many records, or an object this many sections, to be cut."""

_CODE = re.compile(r"[\w-]*\d[\w.-]*")


def _words(text: str) -> set[str]:
    """Content words and codes with a digit (``5.3.0``, ``px-48213-de``), lower case."""
    codes = {c.lower().strip(".-") for c in _CODE.findall(text)}
    return content_words(text) | {c for c in codes if len(c) >= 3}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _kept(parts: list[tuple[str, Any]], asked: set[str]) -> list[int] | None:
    """The indexes of the parts that mention a word the question asks about and some
    other part does not; None when no part, or every part, does."""
    words = [_words(label + " " + _text(value)) for label, value in parts]
    telling = {w for w in asked if any(w in ws for ws in words)}
    telling = {w for w in telling if not all(w in ws for ws in words)}
    kept = [i for i, ws in enumerate(words) if ws & telling]
    return kept if kept and len(kept) < len(parts) else None


def _is_record(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def _focused_list(records: list[Any], asked: set[str]) -> list[Any] | None:
    if len(records) < MIN_PARTS or not all(_is_record(r) for r in records):
        return None
    kept = _kept([("", r) for r in records], asked)
    return None if kept is None else [records[i] for i in kept]


def _focused_object(data: dict[str, Any], asked: set[str]) -> dict[str, Any] | None:
    sections = [(key, value) for key, value in data.items() if _is_record(value)]
    if len(sections) >= MIN_PARTS:
        kept = _kept(sections, asked)
        if kept is None:
            return None
        keep = {sections[i][0] for i in kept}
        return {k: v for k, v in data.items() if not _is_record(v) or k in keep}
    if len(sections) == 1 and isinstance(sections[0][1], list):
        # a wrapper: {"count": 7, "results": [...]}
        key, records = sections[0]
        inner = _focused_list(records, asked)
        return None if inner is None else {**data, key: inner}
    return None


def focused(data: Any, question: str) -> Any:
    """``data`` (a parsed JSON result) without the records or sections ``question`` does
    not ask about, or ``data`` itself when it is small or the question tells none apart."""
    if len(_text(data)) < FOCUS_FROM:
        return data
    asked = _words(question)
    cut: Any
    if isinstance(data, list):
        cut = _focused_list(data, asked)
    elif isinstance(data, dict):
        cut = _focused_object(data, asked)
    else:
        cut = None
    return data if cut is None else cut
