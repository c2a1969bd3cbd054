"""Passages out of extracted text: by headings and paragraphs, about a thousand characters.

A heading starts a new passage (unless the current one is still short, then the heading
stays inside it as a line), paragraphs are packed together up to ``ChunkSizes.target``,
and a passage is never longer than ``ChunkSizes.maximum``: a long paragraph is split at
sentence ends, then words. A passage cut for length starts with the last sentence or so
of the one before (``overlap``), so an answer sitting on the cut is still found whole.
Each passage keeps the headings above it and the pages it spans (PDFs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from gptforge.capabilities.knowledge_extract import Block

__all__ = ["Chunk", "ChunkSizes", "chunk_blocks"]

_MAX_HEADING = 200
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass(frozen=True, kw_only=True)
class ChunkSizes:
    target: int = 1000
    """A passage is closed once it reaches this many characters."""
    maximum: int = 1200
    """No passage is longer than this."""
    minimum: int = 300
    """A heading closes the current passage only when it has this much text."""
    overlap: int = 150
    """At most this much of a passage cut for length is repeated at the next one's start."""

    def __post_init__(self) -> None:
        if not 0 < self.minimum <= self.target <= self.maximum or self.overlap >= self.target:
            raise ValueError("need 0 < minimum <= target <= maximum and overlap < target")


@dataclass(frozen=True, kw_only=True)
class Chunk:
    position: int
    text: str
    heading: str = ""
    """The headings above the passage, outermost first, joined by `` > ``."""
    page_start: int | None = None
    page_end: int | None = None


@dataclass
class _Piece:
    text: str
    page: int | None
    joiner: str = "\n"
    """How it attaches to the piece before it: a new block or the same paragraph."""


@dataclass
class _Builder:
    sizes: ChunkSizes
    chunks: list[Chunk] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    heading: str = ""
    carried: int = 0
    """How many leading pieces are overlap from the passage before."""
    length: int = 0
    """``len(_join(self.pieces))``, kept up to date."""

    def _set(self, pieces: list[_Piece]) -> None:
        self.pieces, self.carried, self.length = pieces, len(pieces), len(_join(pieces))

    def add_heading(self, block: Block) -> None:
        new = len(self.pieces) - self.carried
        if new and (self.carried or self.length - self._carried_length() >= self.sizes.minimum):
            self.flush(overlap=False)  # the end of a long section, or a section of its own
        while self.headings and self.headings[-1][0] >= block.heading_level:
            self.headings.pop()
        self.headings.append((block.heading_level, block.text))
        if self.length == self._carried_length():
            self._set([])  # a new section: no overlap from the one before
            self.heading = _path(self.headings)
        else:
            self.add_piece(_Piece(block.text, block.page))

    def add_piece(self, piece: _Piece) -> None:
        if self.pieces and self.length + len(piece.joiner) + len(piece.text) > self.sizes.maximum:
            self.flush(overlap=True)
            if self.pieces and self.length + len(piece.joiner) + len(piece.text) > (
                self.sizes.maximum
            ):
                self._set([])
        if not self.pieces:
            piece = _Piece(piece.text, piece.page)
            self.heading = _path(self.headings)
        else:
            self.length += len(piece.joiner)
        self.pieces.append(piece)
        self.length += len(piece.text)
        if self.length >= self.sizes.target:
            self.flush(overlap=True)

    def flush(self, *, overlap: bool) -> None:
        if len(self.pieces) > self.carried:
            pages = [p.page for p in self.pieces if p.page is not None]
            self.chunks.append(
                Chunk(
                    position=len(self.chunks),
                    text=_join(self.pieces),
                    heading=self.heading,
                    page_start=min(pages) if pages else None,
                    page_end=max(pages) if pages else None,
                )
            )
        self._set(_tail(self.pieces, self.sizes.overlap) if overlap else [])

    def _carried_length(self) -> int:
        return len(_join(self.pieces[: self.carried]))


def chunk_blocks(blocks: Sequence[Block], sizes: ChunkSizes | None = None) -> list[Chunk]:
    """The passages of a document's blocks, in reading order."""
    builder = _Builder(sizes or ChunkSizes())
    for block in blocks:
        if block.heading_level and len(block.text) <= _MAX_HEADING:
            builder.add_heading(block)
            continue
        for index, text in enumerate(_split(block.text, builder.sizes.maximum)):
            builder.add_piece(_Piece(text, block.page, "\n" if index == 0 else " "))
    builder.flush(overlap=False)
    return builder.chunks


def _join(pieces: Sequence[_Piece]) -> str:
    if not pieces:
        return ""
    return pieces[0].text + "".join(p.joiner + p.text for p in pieces[1:])


def _path(headings: Sequence[tuple[int, str]]) -> str:
    return " > ".join(text for _, text in headings)[:500]


def _tail(pieces: Sequence[_Piece], budget: int) -> list[_Piece]:
    """The last sentences of ``pieces`` that fit in ``budget`` characters."""
    sentences: list[_Piece] = []
    for piece in pieces:
        parts = [s for s in _SENTENCE_END.split(piece.text) if s]
        sentences.extend(
            _Piece(text, piece.page, piece.joiner if i == 0 else " ")
            for i, text in enumerate(parts)
        )
    kept: list[_Piece] = []
    used = 0
    for sentence in reversed(sentences):
        used += len(sentence.text) + 1
        if used > budget:
            break
        kept.insert(0, sentence)
    if kept:
        kept[0] = _Piece(kept[0].text, kept[0].page)
    return kept


def _split(text: str, maximum: int) -> Iterator[str]:
    """``text`` whole when it fits in ``maximum`` characters, else its sentences (a sentence
    too long is cut between words, a word too long anywhere)."""
    if len(text) <= maximum:
        yield text
        return
    for sentence in _SENTENCE_END.split(text):
        if len(sentence) <= maximum:
            if sentence.strip():
                yield sentence
            continue
        part = ""
        for word in _words(sentence, maximum):
            candidate = f"{part} {word}" if part else word
            if len(candidate) > maximum:
                yield part
                candidate = word
            part = candidate
        if part:
            yield part


def _words(sentence: str, maximum: int) -> Iterator[str]:
    for word in sentence.split():
        while len(word) > maximum:
            yield word[:maximum]
            word = word[maximum:]
        if word:
            yield word
