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
from typing import Protocol

from gptforge.errors import ProviderError

__all__ = ["Embedder", "OpenAIEmbedder", "pack_vector", "unpack_vector"]


class Embedder(Protocol):
    """Turns texts into vectors; ``model`` names the vector space (stored with them)."""

    @property
    def model(self) -> str: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order; raises :class:`ProviderError` when it cannot."""
        ...


@dataclass(kw_only=True)
class OpenAIEmbedder:
    """``POST {base_url}/embeddings`` in batches of ``batch_size``."""

    base_url: str
    model: str
    api_key: str | None = None
    batch_size: int = 64
    timeout: float = 60.0
    _client: object | None = field(default=None, init=False, repr=False)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import openai

        if self._client is None:
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self.api_key or "not-needed",
                timeout=self.timeout,
                max_retries=1,
            )
        client = self._client
        assert isinstance(client, openai.AsyncOpenAI)
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [text[:8000] or " " for text in texts[start : start + self.batch_size]]
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
            vectors.extend([float(x) for x in item.embedding] for item in items)
        return vectors

    async def aclose(self) -> None:
        import openai

        if isinstance(self._client, openai.AsyncOpenAI):
            await self._client.close()
        self._client = None


def pack_vector(vector: Sequence[float]) -> bytes:
    """A vector as little-endian float32 bytes, for storage."""
    values = array.array("f", vector)
    if values.itemsize != 4:  # pragma: no cover - every platform Python runs on has it
        raise RuntimeError("float32 arrays are needed to store embeddings")
    return values.tobytes()


def unpack_vector(data: bytes) -> list[float]:
    values = array.array("f")
    values.frombytes(data)
    return values.tolist()
