"""Reading spec text: JSON, YAML, and the guards against hostile documents."""

from __future__ import annotations

import json

import pytest

from gptforge.errors import SpecError, SpecLimitError
from gptforge.openapi import ParseLimits, parse_document


def test_reads_json_and_yaml_alike() -> None:
    as_json = parse_document('{"openapi": "3.1.0", "paths": {}}')
    as_yaml = parse_document("openapi: 3.1.0\npaths: {}\n")
    assert as_json == as_yaml == {"openapi": "3.1.0", "paths": {}}


def test_yaml_dates_stay_text_and_keys_become_strings() -> None:
    doc = parse_document("info:\n  version: 2024-01-31\nresponses:\n  200: {description: ok}\n")
    assert doc["info"]["version"] == "2024-01-31"
    assert list(doc["responses"]) == ["200"]
    json.dumps(doc)  # always JSON-compatible


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    bomb = "\n".join(lines) + "\n"
    with pytest.raises(SpecLimitError, match="alias bomb"):
        parse_document(bomb)


def test_yaml_python_tags_are_not_executed() -> None:
    with pytest.raises(SpecError, match="not valid JSON or YAML"):
        parse_document("x: !!python/object/apply:os.system ['echo hacked']\n")


def test_oversized_document_is_refused() -> None:
    with pytest.raises(SpecLimitError, match="over the 100-byte limit"):
        parse_document("openapi: 3.0.0\n" + "#" * 200, limits=ParseLimits(max_bytes=100))


def test_deep_nesting_is_refused() -> None:
    deep = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 400))
    with pytest.raises(SpecError):
        parse_document(deep)
    with pytest.raises(SpecLimitError):
        parse_document("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("- a\n- b\n", "not an object"),
        ("openapi: [unclosed\n", "not valid JSON or YAML"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_text_gets_a_clear_error(text: str | bytes, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_document(text)
