"""Search providers: the request each sends and how answers and failures come back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from gptforge.capabilities import BrowsingToolset, CapabilityConfig, SearchConfig
from gptforge.egress import EgressLimits, EgressPolicy
from gptforge.toolsets import CallContext, CallResult
from tests.capabilities.sites import Recorder, search_app
from tests.servers import serve


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def search_url(recorder: Recorder) -> Iterator[str]:
    with serve(search_app(recorder)) as url:
        yield url


async def search(config: SearchConfig, query: str = "sea otters") -> CallResult:
    toolset = BrowsingToolset(
        config=CapabilityConfig(search=config), policy=EgressPolicy(), limits=EgressLimits()
    )
    result = await toolset.run("web_search", {"query": query}, CallContext())
    assert isinstance(result, CallResult)
    return result


def assert_results(result: CallResult) -> None:
    assert result.ok, result.message
    assert "Untrusted search results from a web search for 'sea otters'" in result.content
    assert "1. [Otter Facts](https://otters.example/facts)\n   Otters hold hands." in result.content
    assert "2. [Kelp forests](https://kelp.example/)" in result.content
    assert "javascript:" not in result.content  # only http(s) results are kept
    assert "cite the URLs you use" in result.content
    assert result.record is not None and len(result.record["results"]) == 2


async def test_searxng_json_api(search_url: str, recorder: Recorder) -> None:
    result = await search(SearchConfig(provider="searxng", url=search_url))
    assert_results(result)
    [request] = recorder.requests
    assert request["method"] == "GET" and request["path"] == "/search"
    assert request["query"] == {"q": "sea otters", "format": "json"}


async def test_searxng_without_the_json_format_tells_the_operator_how_to_fix_it(
    recorder: Recorder,
) -> None:
    with serve(search_app(recorder, status=403)) as url:
        result = await search(SearchConfig(provider="searxng", url=url + "/"))
    assert result.status == "http_error" and result.http_status == 403
    assert "The web search failed this time" in result.content
    assert result.message is not None
    assert "SearXNG answered HTTP 403" in result.message and "search.formats" in result.message


async def test_brave_search_api(search_url: str, recorder: Recorder) -> None:
    config = SearchConfig(
        provider="brave", url=f"{search_url}/res/v1/web/search", api_key="brave-key-123"
    )
    assert_results(await search(config))
    [request] = recorder.requests
    assert request["method"] == "GET"
    assert request["query"] == {"q": "sea otters", "count": "5"}
    assert request["headers"]["x-subscription-token"] == "brave-key-123"


async def test_a_wrong_key_is_for_the_operator_and_never_shown(
    search_url: str,
) -> None:
    config = SearchConfig(
        provider="brave", url=f"{search_url}/res/v1/web/search", api_key="wrong-key-999"
    )
    result = await search(config)
    assert result.status == "http_error"
    assert result.message is not None and "Check the search API key" in result.message
    assert "wrong-key-999" not in result.content + result.message + json.dumps(result.record)
    assert "wrong-key-999" not in repr(config)


async def test_tavily_api(search_url: str, recorder: Recorder) -> None:
    config = SearchConfig(provider="tavily", url=f"{search_url}/tavily", api_key="tvly-key-123")
    assert_results(await search(config))
    [request] = recorder.requests
    assert request["method"] == "POST"
    assert request["headers"]["authorization"] == "Bearer tvly-key-123"
    assert json.loads(request["body"]) == {
        "query": "sea otters",
        "max_results": 5,
        "search_depth": "basic",
    }


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (SearchConfig(provider="searxng"), "SearXNG needs its address"),
        (SearchConfig(provider="brave"), "Brave Search needs an API key"),
        (SearchConfig(provider="tavily", url="http://x"), "Tavily needs an API key"),
        (SearchConfig(provider="searxng", url="searx.local"), "must be an absolute http(s) URL"),
    ],
)
async def test_incomplete_settings_say_what_to_set(config: SearchConfig, expected: str) -> None:
    result = await search(config)
    assert result.status == "blocked" and "not available" in result.content
    assert result.message is not None and expected in result.message


async def test_an_unreachable_provider_is_a_network_error() -> None:
    result = await search(SearchConfig(provider="searxng", url="http://127.0.0.1:9"))
    assert result.status == "network_error"
    assert result.message is not None and result.message.startswith("SearXNG: Could not reach")
