"""Model providers: one small Protocol, an OpenAI-compatible client, the embedded model."""

from __future__ import annotations

from gptforge.llm.base import (
    Finish,
    Message,
    ModelProvider,
    ProviderEvent,
    TextDelta,
    ToolCallRequest,
    ToolDefinition,
    Usage,
)
from gptforge.llm.embedded import (
    EmbeddedProvider,
    Progress,
    assemble_model,
    decision_schema,
)
from gptforge.llm.openai_compat import OpenAICompatibleProvider
from gptforge.llm.scripted import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.settings import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def provider_from_settings(
    settings: Settings, *, progress: Progress | None = None
) -> ModelProvider:
    """An API key or base URL selects the OpenAI-compatible provider; else the embedded model."""
    if settings.openai_api_key is not None or settings.openai_base_url:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatibleProvider(
            model=settings.model or DEFAULT_OPENAI_MODEL,
            api_key=key,
            base_url=settings.openai_base_url,
        )
    return EmbeddedProvider(
        cache_dir=settings.model_cache_dir(),
        threads=settings.embedded_threads,
        context=settings.embedded_context,
        progress=progress,
    )


__all__ = [
    "EmbeddedProvider",
    "Finish",
    "Message",
    "ModelProvider",
    "OpenAICompatibleProvider",
    "ProviderEvent",
    "ScriptedCall",
    "ScriptedProvider",
    "ScriptedReply",
    "TextDelta",
    "ToolCallRequest",
    "ToolDefinition",
    "Usage",
    "assemble_model",
    "decision_schema",
    "provider_from_settings",
]
