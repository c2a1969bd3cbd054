"""Any OpenAI-compatible chat completions server: OpenAI, Ollama, vLLM, llama.cpp, LM Studio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai

from gptforge.errors import ProviderError
from gptforge.llm.base import (
    Finish,
    Message,
    ProviderEvent,
    TextDelta,
    ToolCallRequest,
    ToolDefinition,
    Usage,
)


class OpenAICompatibleProvider:
    """Streams chat completions with native tool calls (parallel calls included)."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None = None,
        base_url: str | None = None,
        extra_headers: dict[str, str] | None = None,
        temperature: float | None = None,
        timeout: float = 120.0,
        max_tools: int | None = None,
    ) -> None:
        self.model = model
        self.max_tools = max_tools if max_tools is not None else (128 if base_url is None else None)
        """OpenAI's API takes at most 128 tools; other servers are not limited by default."""
        self.name = f"openai-compatible:{model}"
        self.temperature = temperature
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url,
            default_headers=extra_headers,
            timeout=timeout,
            max_retries=1,
        )

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        if self.max_tools is not None and len(tools) > self.max_tools:
            raise ProviderError(
                f"This GPT offers {len(tools)} operations, but the model server accepts at most "
                f"{self.max_tools} tools per request. List the operations to offer under "
                "`operations:` for each action in gpt.yaml."
            )
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": one_leading_system_message(messages),
            "stream": True,
        }
        if tools:
            kwargs["tools"] = tools
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        try:
            stream = await self._client.chat.completions.create(
                **kwargs, stream_options={"include_usage": True}
            )
            calls: dict[int, dict[str, str]] = {}
            finish = "stop"
            async for chunk in stream:
                if chunk.usage is not None:
                    yield Usage(
                        prompt_tokens=chunk.usage.prompt_tokens or 0,
                        completion_tokens=chunk.usage.completion_tokens or 0,
                    )
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        yield TextDelta(text=delta.content)
                    for call in delta.tool_calls or []:
                        slot = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                        if call.id:
                            slot["id"] = call.id
                        if call.function and call.function.name:
                            slot["name"] += call.function.name
                        if call.function and call.function.arguments:
                            slot["arguments"] += call.function.arguments
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except openai.APIConnectionError as exc:
            raise ProviderError(
                f"Could not reach the model server ({exc}). Check GPTFORGE_OPENAI_BASE_URL."
            ) from exc
        except openai.AuthenticationError as exc:
            raise ProviderError(
                "The model server refused the API key; check OPENAI_API_KEY."
            ) from exc
        except openai.APIError as exc:
            raise ProviderError(f"The model server returned an error: {exc}") from exc
        for index in sorted(calls):
            slot = calls[index]
            yield ToolCallRequest(
                id=slot["id"] or f"call_{index}",
                name=slot["name"],
                arguments=slot["arguments"] or "{}",
            )
        yield Finish(reason=finish)


def one_leading_system_message(messages: list[Message]) -> list[Message]:
    """``messages`` with the system messages they open with joined into one. The runtime
    opens a conversation with two (the GPT's instructions, today's date); many models'
    chat templates, as vLLM or llama.cpp apply them, accept one system message first and
    then only alternating user and assistant turns."""
    count = 0
    while count < len(messages) and messages[count].get("role") == "system":
        count += 1
    if count < 2:
        return messages
    joined = "\n\n".join(str(m.get("content") or "") for m in messages[:count])
    return [{"role": "system", "content": joined}, *messages[count:]]


async def list_models(
    *, api_key: str | None, base_url: str | None, timeout: float = 5.0
) -> list[str]:
    """The model ids an OpenAI-compatible server offers (``GET /models``), sorted.

    Raises :class:`ProviderError` when the server cannot be reached or refuses the key;
    callers show the configured model alone then."""
    client = openai.AsyncOpenAI(
        api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=0
    )
    try:
        page = await client.models.list()
        return sorted({model.id for model in page.data})
    except openai.APIConnectionError as exc:
        raise ProviderError(
            f"Could not reach the model server to list its models ({exc})."
        ) from exc
    except openai.APIError as exc:
        raise ProviderError(f"The model server did not list its models: {exc}") from exc
    finally:
        await client.close()
