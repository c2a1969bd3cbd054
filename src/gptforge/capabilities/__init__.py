"""Built-in capabilities: toolsets the platform itself provides (beside HTTP actions).

Each capability is a :class:`~gptforge.toolsets.Toolset` keyed by
:func:`~gptforge.toolsets.capability_key` (``capability:web_browsing``...), configured
by the operator (:class:`CapabilityConfig`) and enabled per GPT by its capability
checkboxes. This layer imports only ``toolsets.py``, ``egress/`` and ``errors.py``.

- ``browsing.py``: ``web_search`` and ``open_url`` (search providers in ``search.py``).
- ``images.py``: ``generate_image`` against an OpenAI-compatible images API.
"""

from __future__ import annotations

from gptforge.capabilities.browsing import BrowsingToolset, untrusted
from gptforge.capabilities.config import (
    NO_IMAGES,
    NO_SEARCH,
    SEARCH_PROVIDERS,
    CapabilityConfig,
    ImageConfig,
    SearchConfig,
    SearchProviderName,
)
from gptforge.capabilities.http import Outbound
from gptforge.capabilities.images import ImageToolset, image_type
from gptforge.capabilities.search import (
    BraveSearch,
    SearchError,
    SearchHit,
    SearchProvider,
    SearxngSearch,
    TavilySearch,
    search_provider,
)
from gptforge.egress import EgressLimits, EgressPolicy
from gptforge.toolsets import Toolset

__all__ = [
    "NO_IMAGES",
    "NO_SEARCH",
    "SEARCH_PROVIDERS",
    "BraveSearch",
    "BrowsingToolset",
    "CapabilityConfig",
    "ImageConfig",
    "ImageToolset",
    "Outbound",
    "SearchConfig",
    "SearchError",
    "SearchHit",
    "SearchProvider",
    "SearchProviderName",
    "SearxngSearch",
    "TavilySearch",
    "builtin_toolsets",
    "image_type",
    "search_provider",
    "untrusted",
]


def builtin_toolsets(
    config: CapabilityConfig,
    *,
    policy: EgressPolicy,
    limits: EgressLimits,
    web_browsing: bool = False,
    image_generation: bool = False,
) -> list[Toolset]:
    """The toolsets of the enabled capabilities this layer provides.

    ``policy`` is the actions' egress policy (pages are fetched under it); the configured
    search and images hosts are allowed on top of it for their own requests only. A
    capability enabled but not configured still joins: its tools say so to the model.
    """
    toolsets: list[Toolset] = []
    if web_browsing:
        toolsets.append(BrowsingToolset(config=config, policy=policy, limits=limits))
    if image_generation:
        toolsets.append(ImageToolset(config=config.images, policy=policy, limits=limits))
    return toolsets
