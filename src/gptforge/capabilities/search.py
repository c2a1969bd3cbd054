"""Web search providers behind one small Protocol: SearXNG, Brave Search and Tavily.

Each turns a query into :class:`SearchHit` values through the capability's outbound
client; a provider's failure is an ``EgressError`` (unreachable, refused) or a
``SearchError`` whose message is for the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from gptforge.capabilities.config import SearchConfig
from gptforge.capabilities.http import Outbound, json_error_text, one_line
from gptforge.egress import FetchedResponse
from gptforge.errors import GptforgeError

SNIPPET_CHARS = 400


class SearchError(GptforgeError):
    """The search provider answered with an error or an unreadable body."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    title: str
    url: str
    snippet: str = ""


class SearchProvider(Protocol):
    name: str
    """For people, e.g. ``SearXNG``."""
    host: str
    """Where queries go, shown as "Talked to <host>"."""

    async def search(self, query: str, *, count: int) -> list[SearchHit]: ...


def _hits(items: object, snippet_key: str, count: int) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url, title = item.get("url"), item.get("title")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        snippet = item.get(snippet_key)
        hits.append(
            SearchHit(
                title=one_line(title if isinstance(title, str) and title else url, 200),
                url=url,
                snippet=one_line(snippet, SNIPPET_CHARS) if isinstance(snippet, str) else "",
            )
        )
        if len(hits) >= count:
            break
    return hits


def _hint(name: str, status: int) -> str:
    if name == SearxngSearch.name and status == 403:
        return " Enable the json format in SearXNG's settings.yml (search.formats)."
    if status in (401, 403):
        return " Check the search API key."
    return ""


def _json(response: FetchedResponse, name: str) -> dict[str, Any]:
    if response.status_code != 200:
        detail = json_error_text(response)
        raise SearchError(
            f"{name} answered HTTP {response.status_code}"
            + (f": {detail}." if detail else ".")
            + _hint(name, response.status_code),
            status=response.status_code,
        )
    try:
        body = httpx.Response(200, content=response.content).json()
    except ValueError as exc:
        raise SearchError(f"{name} did not answer with JSON; check the search URL.") from exc
    if not isinstance(body, dict):
        raise SearchError(f"{name} answered JSON that is not an object; check the search URL.")
    return body


class SearxngSearch:
    """SearXNG's JSON API: ``GET {url}/search?q=...&format=json`` (enable ``json`` in its
    ``search.formats``)."""

    name = "SearXNG"

    def __init__(self, endpoint: str, outbound: Outbound) -> None:
        self.endpoint = endpoint
        self.outbound = outbound
        self.host = httpx.URL(endpoint).host

    async def search(self, query: str, *, count: int) -> list[SearchHit]:
        request = httpx.Request(
            "GET",
            self.endpoint,
            params={"q": query, "format": "json"},
            headers={"Accept": "application/json"},
        )
        body = _json(await self.outbound.send(request), self.name)
        return _hits(body.get("results"), "content", count)


class BraveSearch:
    """Brave Search API: ``GET .../web/search?q=...`` with ``X-Subscription-Token``."""

    name = "Brave Search"
    KEY_HEADER = "X-Subscription-Token"

    def __init__(self, endpoint: str, api_key: str, outbound: Outbound) -> None:
        self.endpoint = endpoint
        self.api_key = api_key
        self.outbound = outbound
        self.host = httpx.URL(endpoint).host

    async def search(self, query: str, *, count: int) -> list[SearchHit]:
        request = httpx.Request(
            "GET",
            self.endpoint,
            params={"q": query, "count": str(count)},
            headers={"Accept": "application/json", self.KEY_HEADER: self.api_key},
        )
        response = await self.outbound.send(request, secret_headers=[self.KEY_HEADER])
        web = _json(response, self.name).get("web")
        return _hits(web.get("results") if isinstance(web, dict) else None, "description", count)


class TavilySearch:
    """Tavily: ``POST /search`` with a JSON body and ``Authorization: Bearer <key>``."""

    name = "Tavily"

    def __init__(self, endpoint: str, api_key: str, outbound: Outbound) -> None:
        self.endpoint = endpoint
        self.api_key = api_key
        self.outbound = outbound
        self.host = httpx.URL(endpoint).host

    async def search(self, query: str, *, count: int) -> list[SearchHit]:
        request = httpx.Request(
            "POST",
            self.endpoint,
            json={"query": query, "max_results": count, "search_depth": "basic"},
            headers={"Accept": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        body = _json(await self.outbound.send(request), self.name)
        return _hits(body.get("results"), "content", count)


def search_provider(config: SearchConfig, outbound: Outbound) -> SearchProvider:
    """The configured provider; ConfigError (saying what to set) when none is usable.

    ``outbound`` should allow the provider's own host (it is often on a private network).
    """
    endpoint = config.endpoint()
    if config.provider == "searxng":
        return SearxngSearch(endpoint, outbound)
    if config.provider == "brave":
        return BraveSearch(endpoint, config.api_key or "", outbound)
    return TavilySearch(endpoint, config.api_key or "", outbound)
