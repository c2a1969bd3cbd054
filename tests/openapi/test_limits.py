"""Small documents that stand for a lot of work stay cheap, and every budget says so."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from gptforge.openapi import LoadLimits, ParseLimits, Spec, parse_spec
from gptforge.openapi.parsing import parse_document
from tests.openapi import amplification

SLACK = 1.5
"""Tool sizes are estimated while schemas are built; real JSON stays within this factor."""


def codes(spec: Spec) -> set[str]:
    return {d.code for d in spec.diagnostics}


def tool_bytes(spec: Spec) -> list[int]:
    return [len(json.dumps(t.parameters, ensure_ascii=False)) for t in spec.tools]


def timed(text: str, **kwargs: Any) -> tuple[Spec, float]:
    started = time.perf_counter()
    spec = parse_spec(text, **kwargs)
    return spec, time.perf_counter() - started


def test_an_inline_body_behind_a_shared_path_item_is_normalized_once() -> None:
    text = amplification.anchored_path_item_yaml(levels=8, paths=200)
    assert len(text) < 8_000
    spec, seconds = timed(text)
    bodies = {id(op.request_body) for op in spec.operations}
    assert len(spec.tools) == 200 and len(bodies) == 1
    # The body stands for ~90,000 schema nodes: too big for one tool, so it is opened up.
    assert "schema-trimmed" in codes(spec)
    assert max(tool_bytes(spec)) < 2_000
    assert seconds < 20


def test_anchors_that_stand_for_millions_of_nodes_hit_the_work_budget() -> None:
    text = amplification.anchored_path_item_yaml(levels=10, paths=50)
    spec, seconds = timed(text)
    assert "schema-work-limit" in codes(spec)
    assert len(spec.tools) == 50
    assert seconds < 30


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(amplification.shared_body_json(operations=4000), id="request-body-ref"),
        pytest.param(
            amplification.swagger_shared_body_param_json(operations=2000), id="swagger-body-param"
        ),
    ],
)
def test_one_body_shared_by_thousands_of_operations_is_bounded_in_total(text: str) -> None:
    limits = LoadLimits()
    spec, _ = timed(text, limits=limits)
    assert len({id(op.request_body.schema) for op in spec.operations if op.request_body}) == 1
    total = sum(tool_bytes(spec))
    assert total <= limits.total_tool_bytes(len(text)) * SLACK
    assert "tools-total-limit" in codes(spec)
    # Every operation keeps a tool; those past the budget carry an open body.
    assert len(spec.tools) >= len(spec.operations) * 0.99
    assert spec.tools[-1].trimmed_arguments == ("body",)


def test_the_tool_budget_counts_bytes_not_only_nodes() -> None:
    text = amplification.fat_component_json(operations=50, enum_bytes=1_500_000)
    limits = LoadLimits()
    spec = parse_spec(text, limits=limits)
    assert len(spec.tools) == 50
    assert max(tool_bytes(spec)) <= limits.tool_max_bytes * SLACK
    assert "schema-trimmed" in codes(spec)


def test_a_smaller_tool_byte_budget_opens_large_arguments_first() -> None:
    text = amplification.shared_body_json(operations=3, depth=3, width=6)
    spec = parse_spec(text, limits=LoadLimits(tool_max_bytes=4_000))
    for tool, size in zip(spec.tools, tool_bytes(spec), strict=True):
        assert size <= 4_000 * SLACK
        assert tool.trimmed_arguments
    assert not parse_spec(text).tools[0].trimmed_arguments


def test_a_shared_path_item_with_many_parameters_stays_bounded() -> None:
    text = amplification.shared_parameters_json(operations=200, parameters=1_000)
    limits = LoadLimits()
    spec, seconds = timed(text, limits=limits)
    assert sum(tool_bytes(spec)) <= limits.total_tool_bytes(len(text)) * SLACK
    assert seconds < 30


def test_tool_sizes_are_estimated_close_to_their_json() -> None:
    spec = parse_spec(amplification.shared_body_json(operations=2, depth=3, width=5))
    for tool, size in zip(spec.tools, tool_bytes(spec), strict=True):
        assert size / SLACK <= tool.cost.bytes <= size * SLACK


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[" + "{}," * 3_000 + "{}]", "JSON"),
        ("- {}\n" * 3_000, "YAML"),
    ],
)
def test_texts_that_would_build_too_many_objects_are_refused_before_parsing(
    text: str, kind: str
) -> None:
    limits = ParseLimits(max_json_values=1_000, max_yaml_values=1_000)
    with pytest.raises(Exception, match=f"{kind} text holds about") as info:
        parse_document(text, limits=limits)
    assert info.type.__name__ == "SpecLimitError"


def test_real_sized_documents_fit_the_value_estimate() -> None:
    # A document of a million values (about Microsoft Graph v1.0) is read.
    text = json.dumps({"openapi": "3.0.3", "x": [{"a": 1}] * 500_000})
    assert parse_document(text)["x"][0] == {"a": 1}
