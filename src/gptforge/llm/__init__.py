"""Model providers: one small Protocol, an OpenAI-compatible client, the embedded model."""

from __future__ import annotations

from typing import Literal

from gptforge.errors import ProviderError
from gptforge.llm.base import (
    DATE_NOTE,
    AssistantMessage,
    ChatMessage,
    Finish,
    Message,
    ModelProvider,
    ProviderEvent,
    SystemMessage,
    TextDelta,
    ToolCall,
    ToolCallFunction,
    ToolCallRequest,
    ToolDefinition,
    ToolMessage,
    Usage,
    UserMessage,
    Waiting,
    wire_messages,
)
from gptforge.llm.embedded import (
    EmbeddedProvider,
    Progress,
    assemble_model,
    decision_schema,
)
from gptforge.llm.openai_compat import OpenAICompatibleProvider
from gptforge.llm.queue import ModelGate, QueuedProvider
from gptforge.llm.scripted import ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.settings import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
ProviderChoice = Literal["auto", "openai", "embedded"]


def provider_from_settings(
    settings: Settings,
    *,
    provider: ProviderChoice = "auto",
    model: str | None = None,
    temperature: float | None = None,
    progress: Progress | None = None,
) -> ModelProvider:
    """The provider a GPT asks for, on the operator's settings.

    ``auto``: an API key or base URL selects the OpenAI-compatible provider, else the
    embedded model. ``openai`` needs a key or base URL; ``embedded`` ignores them.
    ``model`` (a GPT's own choice) wins over ``GPTFORGE_MODEL``; the embedded provider
    has one model and ignores it.
    """
    configured = settings.openai_api_key is not None or bool(settings.openai_base_url)
    if provider == "openai" and not configured:
        raise ProviderError(
            "This GPT asks for the OpenAI-compatible provider, but none is configured. Set "
            "OPENAI_API_KEY, or GPTFORGE_OPENAI_BASE_URL for a local server (Ollama, vLLM...)."
        )
    if provider != "embedded" and configured:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatibleProvider(
            model=model or settings.model or DEFAULT_OPENAI_MODEL,
            api_key=key,
            base_url=settings.openai_base_url,
            temperature=temperature,
        )
    return EmbeddedProvider(
        cache_dir=settings.model_cache_dir(),
        threads=settings.embedded_threads,
        context=settings.embedded_context,
        progress=progress,
    )


__all__ = [
    "DATE_NOTE",
    "AssistantMessage",
    "ChatMessage",
    "EmbeddedProvider",
    "Finish",
    "Message",
    "ModelGate",
    "ModelProvider",
    "OpenAICompatibleProvider",
    "ProviderChoice",
    "ProviderEvent",
    "QueuedProvider",
    "ScriptedCall",
    "ScriptedProvider",
    "ScriptedReply",
    "SystemMessage",
    "TextDelta",
    "ToolCall",
    "ToolCallFunction",
    "ToolCallRequest",
    "ToolDefinition",
    "ToolMessage",
    "Usage",
    "UserMessage",
    "Waiting",
    "assemble_model",
    "decision_schema",
    "provider_from_settings",
    "wire_messages",
]
