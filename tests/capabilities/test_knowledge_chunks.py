"""Chunking: passages follow headings, stay within size, overlap, keep pages; properties."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gptforge.capabilities.knowledge_chunks import Chunk, ChunkSizes, chunk_blocks
from gptforge.capabilities.knowledge_extract import Block

SIZES = ChunkSizes()


def _sentence(n: int) -> str:
    return f"Sentence number {n} says something about topic {n % 7}."


def test_a_heading_starts_a_passage_and_names_it() -> None:
    blocks = [
        Block(text="Manual", heading_level=1),
        Block(text=" ".join(_sentence(i) for i in range(12))),
        Block(text="Safety", heading_level=2),
        Block(text="Unplug the machine before cleaning it."),
        Block(text="Cleaning", heading_level=2),
        Block(text=" ".join(_sentence(i) for i in range(12, 20))),
    ]
    chunks = chunk_blocks(blocks)
    assert [c.heading for c in chunks] == ["Manual", "Manual > Safety"]
    # "Safety" is too short to stand alone: the next heading stays inside its passage
    assert chunks[1].text.startswith("Unplug the machine") and "\nCleaning\n" in chunks[1].text
    assert chunks[0].text.startswith("Sentence number 0 ")


def test_long_sections_are_cut_with_overlap_and_keep_pages() -> None:
    blocks = [Block(text=_sentence(i), page=1 + i // 20) for i in range(60)]
    chunks = chunk_blocks(blocks)
    assert len(chunks) > 2
    for before, after in itertools.pairwise(chunks):
        first_sentence = re.split(r"(?<=\.)\s", after.text)[0]
        assert first_sentence in before.text  # the overlap repeats the end of the one before
        assert SIZES.target <= len(before.text) <= SIZES.maximum
    assert chunks[0].page_start == 1 and chunks[-1].page_end == 3
    assert any(c.page_start != c.page_end for c in chunks)


def test_a_huge_word_is_cut_anywhere() -> None:
    chunks = chunk_blocks([Block(text="x" * 5000)])
    assert "".join(c.text for c in chunks) == "x" * 5000
    assert all(len(c.text) <= SIZES.maximum for c in chunks)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        ChunkSizes(target=2000, maximum=1000)


_words = st.text(alphabet="abcdefghij", min_size=1, max_size=30)
_text = st.lists(_words, min_size=1, max_size=120).map(
    lambda words: " ".join(w + ("." if i % 9 == 8 else "") for i, w in enumerate(words))
)
_block = st.one_of(
    st.builds(lambda t, p: Block(text=t, page=p), _text, st.none() | st.integers(1, 50)),
    st.builds(lambda t, level: Block(text=t[:80], heading_level=level), _words, st.integers(1, 4)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_block, max_size=40))
def test_properties(blocks: list[Block]) -> None:
    chunks = chunk_blocks(blocks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.text.strip() and len(chunk.text) <= SIZES.maximum
        if chunk.page_start is not None:
            assert chunk.page_end is not None and chunk.page_start <= chunk.page_end
    # every word of the body text is in some passage, and in reading order
    body_words = [w for b in blocks if not b.heading_level for w in b.text.split()]
    chunk_words = [w for c in chunks for w in c.text.split()]
    assert _is_covered_in_order(body_words, chunk_words)
    # pages of passages never go backwards
    starts = [c.page_start for c in chunks if c.page_start is not None]
    pages = [b.page for b in blocks if b.page is not None and not b.heading_level]
    if pages == sorted(pages):
        assert starts == sorted(starts)
    assert chunk_blocks(blocks) == chunks  # deterministic


def _is_covered_in_order(words: list[str], chunk_words: list[str]) -> bool:
    """Each word appears at or after the previous one's place (overlap may repeat words)."""
    position = 0
    for word in words:
        try:
            found = chunk_words.index(word, max(0, position - 400))
        except ValueError:
            return False
        position = max(position, found + 1)
    return True


def test_chunk_is_a_plain_value() -> None:
    assert Chunk(position=0, text="a") == Chunk(position=0, text="a")
