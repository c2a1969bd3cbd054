"""Embeddings for knowledge passages, from an OpenAI-compatible ``/embeddings`` endpoint.

Optional: without an endpoint, knowledge search is full text only. The endpoint is the
operator's (``GPTFORGE_EMBEDDINGS_URL``, like the model provider's base URL), so it is
reached directly with the ``openai`` client, not through the actions' egress guard.
Nothing is downloaded: the vectors come from the endpoint.
"""

from __future__ import annotations

import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gptforge.errors import ProviderError

__all__ = ["Embedder", "OpenAIEmbedder", "pack_vector", "unpack_vector"]


class Embedder(Protocol):
    """Turns texts into vectors; ``model`` names the vector space (stored with them)."""

    @property
    def model(self) -> str: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order; raises :class:`ProviderError` when it cannot."""
        ...


@dataclass(frozen=True, kw_only=True)
class OpenAIEmbedder:
    """``POST {base_url}/embeddings`` in batches of ``batch_size``.

    A client per call: an upload or a search makes one or a few requests, and a client
    kept across calls would be tied to the event loop that first used it.
    """

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    batch_size: int = 64
    timeout: float = 60.0

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        async with openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=self.api_key or "not-needed",
            timeout=self.timeout,
            max_retries=1,
        ) as client:
            for start in range(0, len(texts), self.batch_size):
                batch = [text[:8000] or " " for text in texts[start : start + self.batch_size]]
                vectors.extend(await self._batch(client, batch))
        return vectors

    async def _batch(self, client: Any, batch: list[str]) -> list[list[float]]:
        import openai

        try:
            response = await client.embeddings.create(model=self.model, input=batch)
        except openai.OpenAIError as exc:
            raise ProviderError(
                f"The embeddings endpoint {self.base_url} failed ({type(exc).__name__}); "
                "check GPTFORGE_EMBEDDINGS_URL and GPTFORGE_EMBEDDINGS_MODEL."
            ) from exc
        items = sorted(response.data, key=lambda item: item.index)
        if len(items) != len(batch):
            raise ProviderError(
                f"The embeddings endpoint {self.base_url} returned {len(items)} vectors "
                f"for {len(batch)} texts."
            )
        return [[float(x) for x in item.embedding] for item in items]


def pack_vector(vector: Sequence[float]) -> bytes:
    """A vector as float32 bytes (the machine's byte order), for storage."""
    values = array.array("f", vector)
    if values.itemsize != 4:  # pragma: no cover - every platform Python runs on has it
        raise RuntimeError("float32 arrays are needed to store embeddings")
    return values.tobytes()


def unpack_vector(data: bytes) -> list[float]:
    values = array.array("f")
    values.frombytes(data)
    return values.tolist()
