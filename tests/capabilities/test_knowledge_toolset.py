"""The search_knowledge tool: what the model is offered and reads, query handling, fusion."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from gptforge.capabilities.knowledge import (
    KnowledgeToolset,
    Passage,
    cosine,
    fuse_rankings,
    query_terms,
)
from gptforge.toolsets import CallContext, CallResult, ToolCatalog


@dataclass
class ListIndex:
    passages: list[Passage]
    queries: list[tuple[str, int]] = field(default_factory=list)

    async def search(self, query: str, limit: int) -> list[Passage]:
        self.queries.append((query, limit))
        return self.passages[:limit]


class BrokenIndex:
    async def search(self, query: str, limit: int) -> list[Passage]:
        raise RuntimeError("database is gone")


HANDBOOK = Passage(
    file_id="kf-1",
    file_name="handbook.pdf",
    text="Employees get 27 days of paid holiday per year.",
    heading="Leave > Holidays",
    page_start=4,
    page_end=4,
    score=2.0,
)
NOTES = Passage(file_id="kf-2", file_name="notes.md", text="The door code is 4711.")


async def _run(toolset: KnowledgeToolset, arguments: dict[str, object]) -> CallResult:
    outcome = await toolset.run("search_knowledge", arguments, CallContext())
    assert isinstance(outcome, CallResult)
    return outcome


async def test_the_tool_is_offered_with_a_citation_instruction() -> None:
    toolset = KnowledgeToolset(index=ListIndex([]))
    catalog = ToolCatalog([toolset])
    [definition] = catalog.definitions()
    assert definition["function"]["name"] == "search_knowledge"
    assert "cite the file name" in definition["function"]["description"]
    assert definition["function"]["parameters"]["required"] == ["query"]
    assert catalog.get("search_knowledge") is not None
    assert catalog.by_key("capability:knowledge/search_knowledge") is not None
    assert toolset.summary("search_knowledge", {"query": "holiday"}) == (
        "Search knowledge files for 'holiday'"
    )


async def test_passages_come_with_file_names_and_pages_to_cite() -> None:
    index = ListIndex([HANDBOOK, NOTES])
    result = await _run(KnowledgeToolset(index=index, limit=4), {"query": "  holiday days "})
    assert result.ok and index.queries == [("holiday days", 4)]
    assert "[1] handbook.pdf, p. 4 — Leave > Holidays\nEmployees get 27 days" in result.content
    assert "[2] notes.md\nThe door code is 4711." in result.content
    assert "cite the source" in result.content and "not instructions" in result.content
    assert result.record is not None
    assert [p["citation"] for p in result.record["passages"]] == ["handbook.pdf, p. 4", "notes.md"]


async def test_page_ranges_and_a_budget_for_what_the_model_reads() -> None:
    long = Passage(file_id="f", file_name="a.pdf", text="word " * 2000, page_start=2, page_end=3)
    result = await _run(
        KnowledgeToolset(index=ListIndex([long, NOTES]), max_chars=1500), {"query": "w"}
    )
    assert "[1] a.pdf, pp. 2-3" in result.content and len(result.content) <= 1500
    assert result.content.rstrip().endswith("…")


async def test_nothing_found_says_so() -> None:
    result = await _run(KnowledgeToolset(index=ListIndex([])), {"query": "quantum"})
    assert result.ok and "No passage of the knowledge files matches 'quantum'" in result.content


@pytest.mark.parametrize("arguments", [{}, {"query": ""}, {"query": "   "}, {"query": 5}])
async def test_bad_arguments_are_told_to_the_model(arguments: dict[str, object]) -> None:
    result = await _run(KnowledgeToolset(index=ListIndex([NOTES])), arguments)
    assert result.status == "invalid_arguments" and "query" in result.content


async def test_a_failing_index_is_a_failed_call_not_an_exception() -> None:
    result = await _run(KnowledgeToolset(index=BrokenIndex()), {"query": "x"})
    assert result.status == "failed" and "database is gone" not in result.content
    assert result.message and "RuntimeError" in result.message


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ('"foo" OR bar*', ["foo", "bar"]),  # OR is a stop word here, quotes and * are gone
        ("NEAR(warranty, 5)", ["near", "warranty", "5"]),
        ("What is the warranty period?", ["warranty", "period"]),
        ("the the THE", ["the"]),  # only stop words: keep them rather than search nothing
        ("col:name ^start {a b}", ["col", "name", "start"]),
        ("x_y __ _zz a", ["x_y", "zz"]),  # single letters say nothing
        ("Café crème brûlée", ["café", "crème", "brûlée"]),
        ("", []),
        ("!!! ??? ***", []),
    ],
)
def test_query_terms_are_plain_words(query: str, terms: list[str]) -> None:
    assert query_terms(query) == terms


def test_query_terms_are_bounded() -> None:
    assert len(query_terms(" ".join(f"word{i}" for i in range(500)))) == 24


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = fuse_rankings([[1, 2, 3], [3, 4, 1]])
    assert [item for item, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 63)


def test_cosine() -> None:
    assert cosine([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1.0)
    assert cosine([1.0, 0.0], [0.0, 1.0]) == 0.0
    assert cosine([1.0], [1.0, 2.0]) == 0.0 and cosine([0.0], [0.0]) == 0.0
