"""Property tests: whatever the model sends, values stay inside their slot."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from gptforge.actions.serialize import SerializationError, header_value, path_value, query_pairs
from gptforge.openapi import Parameter

text = st.text(min_size=0, max_size=40)


def param(location: str, style: str, explode: bool) -> Parameter:
    return Parameter(
        name="p", location=location, required=True, schema={}, style=style, explode=explode
    )  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(text)
def test_path_values_are_one_opaque_segment(value: str) -> None:
    encoded = path_value(param("path", "simple", False), value)
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    assert encoded not in (".", "..")
    assert unquote(encoded) == value


@settings(max_examples=300, deadline=None)
@given(st.lists(text, max_size=5))
def test_exploded_query_arrays_round_trip(values: list[str]) -> None:
    pairs = query_pairs(param("query", "form", True), values)
    decoded = parse_qsl("&".join(pairs), keep_blank_values=True)
    assert decoded == [("p", v) for v in values]


@settings(max_examples=300, deadline=None)
@given(text)
def test_query_values_cannot_add_parameters(value: str) -> None:
    pairs = query_pairs(param("query", "form", True), value)
    assert parse_qsl("&".join(pairs), keep_blank_values=True) == [("p", value)]


@settings(max_examples=300, deadline=None)
@given(text)
def test_header_values_never_carry_line_breaks(value: str) -> None:
    try:
        out = header_value(param("header", "simple", False), value)
    except SerializationError:
        assert any(ord(ch) < 32 or ord(ch) == 127 for ch in value) or not value.isascii()
        return
    assert "\r" not in out and "\n" not in out and out.isascii()
