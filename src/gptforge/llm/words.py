"""The words of a message, a name or a result, as the embedded provider compares them: what
a question asks about, what a tool is named for, what a result's part is about."""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+")

READ_CHARS = 500
"""Only a message's head is read for its form (a sum, a translation): the forms are short,
and a long message is none of them."""

COMMON = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "are",
        "any",
        "can",
        "what",
        "who",
        "how",
        "with",
        "this",
        "that",
        "from",
        "have",
        "has",
        "not",
        "all",
        "your",
        "our",
        "its",
        "one",
        "was",
        "get",
        "out",
    ]
)
"""Words too common to say what a message is about."""


def stem(word: str) -> str:
    """``word`` without a plural ``s``."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def content_words(text: str) -> set[str]:
    """The words of ``text`` that can say what is asked or given (``in_stock``: in,
    stock; ``getBook``: get, book), singular."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()
    return {stem(w) for w in WORD.findall(text) if len(w) >= 3 and w not in COMMON}


def head(message: str) -> str:
    """The first :data:`READ_CHARS` characters of ``message``, runs of whitespace made one
    space: the text the message's form is read from."""
    return " ".join(message[:READ_CHARS].split())
