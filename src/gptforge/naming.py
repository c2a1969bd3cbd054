"""The one rule for making a name unique among names already taken.

OpenAI function names, ``$defs`` entries and flattened argument names all follow it:
the first free name of ``base``, ``base_2``, ``base_3``, ... cut so that the suffix
always fits in ``max_length`` characters::

    >>> unique_name("getWeather", {"getWeather"})
    'getWeather_2'
"""

from __future__ import annotations

from collections.abc import Container

TOOL_NAME_LIMIT = 64
"""OpenAI's limit on a function name."""


def unique_name(
    base: str, taken: Container[str], *, max_length: int | None = TOOL_NAME_LIMIT
) -> str:
    """``base`` if it is free, else the first free ``base_N`` (N = 2, 3, ...);
    ``max_length=None`` for names without a length limit."""
    name = base[:max_length]
    counter = 2
    while name in taken:
        suffix = f"_{counter}"
        keep = None if max_length is None else max_length - len(suffix)
        name = base[:keep] + suffix
        counter += 1
    return name
