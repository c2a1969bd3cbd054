"""What the operator configures for the built-in capabilities, as plain value objects.

The settings (``GPTFORGE_SEARCH_*``, ``GPTFORGE_IMAGES_*``) and the admin's stored
settings are merged into these by the layer above; the capabilities only read them.
Keys are plain strings here and never appear in ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import httpx

from gptforge.errors import ConfigError

SearchProviderName = Literal["searxng", "brave", "tavily"]
SEARCH_PROVIDERS: tuple[str, ...] = get_args(SearchProviderName)
BRAVE_URL = "https://api.search.brave.com/res/v1/web/search"
TAVILY_URL = "https://api.tavily.com/search"
OPENAI_IMAGES_URL = "https://api.openai.com/v1"
DEFAULT_IMAGE_MODEL = "dall-e-3"
DEFAULT_IMAGE_SIZES = ("1024x1024", "1792x1024", "1024x1792")
MAX_PAGE_CHARS = 20_000
"""The model's share of an opened page, in characters (about 5,000 tokens)."""


@dataclass(frozen=True, kw_only=True)
class SearchConfig:
    """The web search provider: SearXNG (self-hosted, needs ``url``), Brave or Tavily (need
    ``api_key``; ``url`` defaults to their public API)."""

    provider: SearchProviderName | None = None
    url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    max_results: int = 5

    @property
    def configured(self) -> bool:
        return self.provider is not None

    def endpoint(self) -> str:
        """The URL requests go to; raises ConfigError saying what to set when unusable."""
        if self.provider is None:
            raise ConfigError(NO_SEARCH)
        if self.provider not in SEARCH_PROVIDERS:
            raise ConfigError(
                f"Unknown search provider {self.provider!r}; use one of "
                f"{', '.join(SEARCH_PROVIDERS)}."
            )
        if self.provider == "searxng":
            if not self.url:
                raise ConfigError(
                    "SearXNG needs its address: set GPTFORGE_SEARCH_URL (e.g. "
                    "http://searxng:8080) or the search URL in the admin settings."
                )
            base = checked_url(self.url, "The SearXNG URL").rstrip("/")
            return base if base.endswith("/search") else f"{base}/search"
        if not self.api_key:
            name = "Brave Search" if self.provider == "brave" else "Tavily"
            raise ConfigError(
                f"{name} needs an API key: set GPTFORGE_SEARCH_API_KEY or the search API key "
                "in the admin settings."
            )
        default = BRAVE_URL if self.provider == "brave" else TAVILY_URL
        return checked_url(self.url or default, "The search URL")


NO_SEARCH = (
    "No web search provider is configured: set GPTFORGE_SEARCH_PROVIDER (searxng, brave or "
    "tavily) with GPTFORGE_SEARCH_URL / GPTFORGE_SEARCH_API_KEY, or configure search in the "
    "admin settings (PUT /api/v1/admin/capabilities)."
)
NO_IMAGES = (
    "Image generation is not configured: set GPTFORGE_IMAGES_API_KEY (OpenAI) or "
    "GPTFORGE_IMAGES_BASE_URL (any OpenAI-compatible images API), or configure images in "
    "the admin settings (PUT /api/v1/admin/capabilities)."
)


@dataclass(frozen=True, kw_only=True)
class ImageConfig:
    """An OpenAI-compatible images API (``POST {base_url}/images/generations``)."""

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model: str = DEFAULT_IMAGE_MODEL
    sizes: tuple[str, ...] = DEFAULT_IMAGE_SIZES
    deadline_seconds: float = 180.0
    max_response_bytes: int = 40_000_000

    @property
    def configured(self) -> bool:
        return bool(self.base_url or self.api_key)

    def endpoint(self) -> str:
        if not self.configured:
            raise ConfigError(NO_IMAGES)
        base = checked_url(self.base_url or OPENAI_IMAGES_URL, "The images base URL")
        return f"{base.rstrip('/')}/images/generations"


@dataclass(frozen=True, kw_only=True)
class CapabilityConfig:
    """Everything the built-in capabilities need from the operator."""

    search: SearchConfig = field(default_factory=SearchConfig)
    images: ImageConfig = field(default_factory=ImageConfig)
    max_page_chars: int = MAX_PAGE_CHARS
    max_page_bytes: int = 5_000_000
    """Bytes read from a page before extraction (the rest is cut off)."""


def checked_url(url: str, what: str) -> str:
    """``url`` if it is an absolute http(s) URL, else a ConfigError naming ``what``."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigError(f"{what} {url!r} is not a valid URL.") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{what} {url!r} must be an absolute http(s) URL.")
    return url


def allow_entry(url: str) -> str:
    """The allowlist entry (``host:port``) for a configured service URL."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    host = parsed.host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
