"""Finding a secret in text however an API wrote it back.

An API that echoes a credential may percent-encode it (all of it or only ``+/=``, in
either case, once or twice), JSON- or JS-escape it (``\\u0073``, ``\\x73``, ``\\/``),
HTML-escape it (``&#115;``, ``&amp;``), stack those (an HTML page quoting a JSON
string), change its letter case, or base64/base64url/hex-encode it, alone or inside a
longer value such as ``Basic base64(user:password)``.

So the text is read as a stack of views: the text itself, then the text with one layer
of escapes decoded, then another, and so on. Each view remembers where each of its
characters came from. A secret's literal forms (itself, its hex, the base64 characters
that depend only on it at each byte offset) are searched in every view, without case,
and each hit is mapped back to the original characters, which are then replaced.
Secrets shorter than :data:`MIN_FREE_TEXT_SECRET` only count as whole tokens.
"""

from __future__ import annotations

import base64
import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

MIN_FREE_TEXT_SECRET = 4
"""Shorter secrets are found in free text only as whole tokens."""
MAX_LAYERS = 4

_H = "[0-9a-fA-F]"
_ESCAPES = re.compile(
    # Each branch starts with a literal, so the regex engine skips ahead to %, \ or &.
    rf"%(?P<pct>{_H}{{2}}(?:%{_H}{{2}})*)"
    rf"|\\(?:[uU](?P<hi>[dD][89abAB]{_H}{{2}})\\[uU](?P<lo>[dD][c-fC-F]{_H}{{2}})"
    rf"|[uU](?P<u>{_H}{{4}})|[xX](?P<x>{_H}{{2}})|(?P<escaped>.))"
    rf"|&(?:#[xX]0*(?P<hex>{_H}{{1,6}});|#0*(?P<dec>[0-9]{{1,7}});"
    r"|(?P<entity>(?i:amp|lt|gt|quot|apos));)",
    re.DOTALL,
)
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


@dataclass(frozen=True)
class _View:
    """A decoded text and, for each decoded escape, where it came from in the text below."""

    text: str
    starts: list[int]
    """Decoded index of each escape (ascending)."""
    origins: list[tuple[int, int]]
    """(start, length) of each escape in the text below."""

    def below(self, index: int) -> tuple[int, int]:
        """The [start, end) range in the text below that decoded character ``index`` came from."""
        k = bisect.bisect_right(self.starts, index) - 1
        if k >= 0 and self.starts[k] == index:
            start, length = self.origins[k]
            return start, start + length
        if k < 0:
            return index, index + 1
        start, length = self.origins[k]
        position = start + length + (index - self.starts[k] - 1)
        return position, position + 1


def _char(code: int) -> str:
    return chr(code) if 0 <= code <= 0x10FFFF else "\ufffd"


def _percent_chars(run: str) -> list[tuple[str, int]]:
    """Characters of a run of ``%XX`` (UTF-8), each with how many source characters it used."""
    data = bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3))
    chars: list[tuple[str, int]] = []
    i = 0
    while i < len(data):
        lead = data[i]
        size = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        try:
            chars.append((data[i : i + size].decode(), 3 * size))
            i += size
        except UnicodeDecodeError:
            chars.append(("\ufffd", 3))
            i += 1
    return chars


def _decode(text: str) -> _View | None:
    """``text`` with one layer of escapes decoded, or None when it has none."""
    pieces: list[str] = []
    starts: list[int] = []
    origins: list[tuple[int, int]] = []
    length = 0
    last = 0
    for match in _ESCAPES.finditer(text):
        literal = text[last : match.start()]
        pieces.append(literal)
        length += len(literal)
        kind = match.lastgroup
        value = match.group(kind) if kind else ""
        if kind == "pct":
            position = match.start()
            for char, used in _percent_chars("%" + value):
                pieces.append(char)
                starts.append(length)
                origins.append((position, used))
                length += 1
                position += used
        else:
            if kind == "lo":
                code = 0x10000 + ((int(match.group("hi"), 16) - 0xD800) << 10)
                char = _char(code + int(value, 16) - 0xDC00)
            elif kind == "entity":
                char = _ENTITIES[value.lower()]
            elif kind == "escaped":
                char = value
            elif kind == "dec":
                char = _char(int(value))
            else:
                char = _char(int(value, 16))
            pieces.append(char)
            starts.append(length)
            origins.append((match.start(), match.end() - match.start()))
            length += 1
        last = match.end()
    if not starts:
        return None
    pieces.append(text[last:])
    return _View(text="".join(pieces), starts=starts, origins=origins)


def _base64_cores(secret: bytes) -> list[str]:
    """The base64 characters that depend only on ``secret``, at each of the three byte
    alignments it can have inside a longer encoded value (and, when it ends the value,
    with its last character and padding), in both alphabets."""
    cores: list[str] = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + secret).decode()
        first = -(-8 * offset // 6)
        last = (8 * (offset + len(secret))) // 6
        for core in (encoded[first:], encoded[first:].rstrip("="), encoded[first:last]):
            if len(core) >= MIN_FREE_TEXT_SECRET:
                cores += [core, core.translate(str.maketrans("+/", "-_"))]
    return cores


@lru_cache(maxsize=256)
def _needles(secrets: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(forms of long secrets, short secrets), lower-cased, longest first."""
    long_forms: list[str] = []
    short: list[str] = []
    for secret in secrets:
        if len(secret) >= MIN_FREE_TEXT_SECRET:
            for form in (secret, secret.encode().hex(), *_base64_cores(secret.encode())):
                long_forms += [form.lower(), form.lower().replace(" ", "+")]
        elif secret:
            short.append(secret.lower())
    ordered = sorted(set(long_forms), key=len, reverse=True)
    return tuple(ordered), tuple(sorted(set(short), key=len, reverse=True))


def _hits(text: str, long_forms: tuple[str, ...], short: tuple[str, ...]) -> list[tuple[int, int]]:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        lowered = text
    hits: list[tuple[int, int]] = []
    for needle in long_forms:
        start = lowered.find(needle)
        while start != -1:
            hits.append((start, start + len(needle)))
            start = lowered.find(needle, start + 1)
    for needle in short:
        start = lowered.find(needle)
        while start != -1:
            end = start + len(needle)
            before = lowered[start - 1] if start else " "
            after = lowered[end] if end < len(lowered) else " "
            if not before.isalnum() and not after.isalnum():
                hits.append((start, end))
            start = lowered.find(needle, start + 1)
    return hits


def secret_spans(text: str, secrets: tuple[str, ...]) -> list[tuple[int, int]]:
    """Merged [start, end) ranges of ``text`` that hold a secret in any form."""
    long_forms, short = _needles(secrets)
    if not long_forms and not short:
        return []
    views: list[_View] = []
    current = text
    found = _hits(current, long_forms, short)
    for _ in range(MAX_LAYERS):
        view = _decode(current)
        if view is None:
            break
        views.append(view)
        current = view.text
        for start, end in _hits(current, long_forms, short):
            first, last = start, end - 1
            for layer in reversed(views):
                first = layer.below(first)[0]
                last = layer.below(last)[1] - 1
            found.append((first, last + 1))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact_spans(text: str, spans: list[tuple[int, int]], replacement: str) -> str:
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out += [text[last:start], replacement]
        last = end
    out.append(text[last:])
    return "".join(out)
