"""Local ``$ref`` resolution inside one OpenAPI document.

Only references into the same document (``#/...``) are followed. References to
other files or URLs are refused: following them is a known route to SSRF and
local file disclosure. Chains of references are followed with a bound, so a
reference loop is reported instead of hanging.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from gptforge.errors import SpecError

MAX_REF_CHAIN = 32


class RefError(SpecError):
    """A reference that cannot be followed (external, dangling or looping)."""

    def __init__(self, message: str, *, ref: str, kind: str) -> None:
        super().__init__(message)
        self.ref = ref
        self.kind = kind


def is_local_ref(ref: str) -> bool:
    return ref == "#" or ref.startswith("#/")


@lru_cache(maxsize=65536)
def ref_tokens(ref: str) -> tuple[str, ...]:
    """The unescaped tokens of a local reference: ``#/a~1b/c%20d`` -> ``("a/b", "c d")``."""
    fragment = unquote(ref[1:])
    if not fragment:
        return ()
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in fragment[1:].split("/"))


def _is_index(token: str) -> bool:
    """A JSON pointer array index: ASCII digits only (``str.isdigit`` also takes ``²``)."""
    return 0 < len(token) <= 18 and token.isascii() and token.isdigit()


class RefResolver:
    """Resolves local references against one document, caching each target."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._cache: dict[str, Any] = {}

    def lookup(self, ref: str) -> Any:
        """The value one reference points at, without following further references."""
        if not isinstance(ref, str):
            raise RefError(
                f"$ref must be a string, found {type(ref).__name__}.", ref=str(ref), kind="invalid"
            )
        if not is_local_ref(ref):
            raise RefError(
                f"External reference {ref!r} is not followed: gptforge only resolves references "
                "inside the same document (they start with '#/'). Bundle the referenced file "
                "into this document, for example with `redocly bundle` or `swagger-cli bundle`.",
                ref=ref,
                kind="external",
            )
        if ref in self._cache:
            return self._cache[ref]
        node: Any = self.document
        for token in ref_tokens(ref):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and _is_index(token) and int(token) < len(node):
                node = node[int(token)]
            else:
                raise RefError(
                    f"Reference {ref!r} points at nothing in this document; check the spelling "
                    "of the component name.",
                    ref=ref,
                    kind="dangling",
                )
        self._cache[ref] = node
        return node

    def deref(self, value: Any) -> Any:
        """Follow ``$ref`` objects until a non-reference value is reached."""
        if value.__class__ is not dict or "$ref" not in value:
            return value
        seen: list[str] = []
        while isinstance(value, dict) and "$ref" in value:
            ref = value["$ref"]
            if ref in seen or len(seen) >= MAX_REF_CHAIN:
                raise RefError(
                    f"Reference loop: {' -> '.join([*seen, str(ref)])}. Point one of these "
                    "at a real definition.",
                    ref=str(ref),
                    kind="loop",
                )
            seen.append(ref)
            value = self.lookup(ref)
        return value
