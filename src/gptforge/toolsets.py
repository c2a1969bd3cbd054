"""Tools from any source: the one interface the conversation loop calls.

A *toolset* offers tools (OpenAI function definitions, plus how to confirm and show
them) and runs one call at a time for a :class:`CallContext`. HTTP actions are one
toolset (``actions/toolset.py``); the capabilities and MCP servers will be others.
This module sits beside ``errors.py``, below every layer, so that ``actions/``,
``capabilities/`` and ``runtime/`` can all import it without importing each other.

A call ends in a :class:`CallResult` (what the model reads, plus a message for the
builder or operator and a redacted record for people) or a :class:`SignInRequest`
(the user must sign in first; the call is retried after). A toolset should not
raise; if it does, the runtime turns the exception into a ``failed`` result.
:class:`ToolCatalog` gives every tool of every toolset one name the model sees,
unique across toolsets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from gptforge.errors import ConfigError
from gptforge.naming import unique_name

__all__ = [
    "BoundTool",
    "CallContext",
    "CallOutcome",
    "CallResult",
    "Confirmation",
    "ResultFile",
    "SignInRequest",
    "ToolCatalog",
    "ToolInfo",
    "ToolStatus",
    "Toolset",
    "capability_key",
    "instructions_of",
]

ToolStatus = Literal[
    "ok", "http_error", "invalid_arguments", "network_error", "blocked", "declined", "failed"
]
"""How a call ended: ``declined`` when the user said no, ``failed`` for an unexpected error."""

Confirmation = Literal["never", "ask", "always"]
"""When the user must confirm a call: never; ask (the user may "always allow" it);
always (every call, no "always allow")."""


@dataclass(frozen=True, kw_only=True)
class ToolInfo:
    """One tool a toolset offers."""

    name: str
    """The toolset's own name for the tool (unique within the toolset)."""
    description: str
    parameters: dict[str, Any]
    """JSON Schema of the arguments object."""
    confirmation: Confirmation = "never"
    label: str = ""
    """What it does, for people, e.g. ``POST /orders``."""
    host: str | None = None
    """Where it talks to, shown as "Talked to <host>"; None when it stays local."""

    def definition(self, name: str | None = None) -> dict[str, Any]:
        """The OpenAI function-tool form, under ``name`` (default: the tool's own)."""
        return {
            "type": "function",
            "function": {
                "name": name or self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


@dataclass(frozen=True, kw_only=True)
class CallContext:
    """Who a call runs for: tokens, limits and sign-ins are keyed by these."""

    user_id: str = "local"
    conversation_id: str = "local"
    session_id: str = "local"
    """The browser (or terminal) session: an OAuth sign-in must finish in the same one."""


@dataclass(frozen=True, kw_only=True)
class ResultFile:
    """A file a call produced (a chart, a generated image, a CSV the code wrote).

    The model is told only its name; people get it as a download or an inline image.
    """

    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class CallResult:
    """A finished call."""

    kind: Literal["result"] = "result"
    status: ToolStatus
    content: str
    """What the model reads: the tool's answer, or a short neutral line."""
    message: str | None = None
    """For the GPT's builder or the operator (what to fix); never shown to the model."""
    record: dict[str, Any] | None = None
    """What was sent and received, secrets already redacted, as JSON-ready data."""
    http_status: int | None = None
    duration_ms: float = 0.0
    files: tuple[ResultFile, ...] = ()
    """Files the call produced, for the user (capabilities); HTTP actions give none."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, kw_only=True)
class SignInRequest:
    """The user must sign in (OAuth) before the call can run; it is retried after."""

    kind: Literal["sign_in"] = "sign_in"
    authorization_url: str
    message: str = "Sign in to continue."


CallOutcome = CallResult | SignInRequest


class Toolset(Protocol):
    """A source of tools: HTTP actions, a capability, an MCP server.

    A toolset may also have an ``instructions`` string: what the model must know to use
    its tools well (e.g. "cite the pages you open"), added to the system message.
    """

    @property
    def key(self) -> str:
        """A stable id, unique within a GPT: approvals and pending calls are stored by it."""
        ...

    @property
    def label(self) -> str:
        """The name people see, e.g. the API's title."""
        ...

    def tools(self) -> Sequence[ToolInfo]: ...

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        """One line saying what a call will do (e.g. ``GET https://api/x?q=1``), before it
        runs; secrets redacted."""
        ...

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallOutcome: ...


CAPABILITY_PREFIX = "capability:"


def capability_key(name: str) -> str:
    """The toolset key of a built-in capability (``web_browsing``, ``image_generation``,
    ``code_interpreter``, ``knowledge``): the runtime tells the model which enabled
    capabilities have no toolset by it. No action id contains ``:``."""
    return f"{CAPABILITY_PREFIX}{name}"


def instructions_of(toolset: Toolset) -> str:
    """The toolset's optional ``instructions`` for the system message ('' when none)."""
    value = getattr(toolset, "instructions", "")
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True, kw_only=True)
class BoundTool:
    """A toolset's tool under the name the model sees."""

    name: str
    toolset: Toolset
    info: ToolInfo

    @property
    def key(self) -> str:
        """Stable across restarts and reordering: ``<toolset key>/<tool name>``."""
        return f"{self.toolset.key}/{self.info.name}"


@dataclass
class ToolCatalog:
    """Every tool of some toolsets under names unique across them (``name``, ``name_2``...)."""

    toolsets: Sequence[Toolset]
    _by_name: dict[str, BoundTool] = field(init=False, default_factory=dict)
    _by_key: dict[str, BoundTool] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        keys = [toolset.key for toolset in self.toolsets]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ConfigError(
                f"Two tool sources share the id {duplicates[0]!r}; give each action its own "
                "`id:` in gpt.yaml."
            )
        for toolset in self.toolsets:
            for info in toolset.tools():
                bound = BoundTool(
                    name=unique_name(info.name, self._by_name), toolset=toolset, info=info
                )
                self._by_name[bound.name] = bound
                self._by_key[bound.key] = bound

    def definitions(self) -> list[dict[str, Any]]:
        """The OpenAI tool definitions, in toolset order."""
        return [bound.info.definition(bound.name) for bound in self._by_name.values()]

    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> BoundTool | None:
        """The tool the model calls ``name``."""
        return self._by_name.get(name)

    def by_key(self, key: str) -> BoundTool | None:
        """The tool with this stable key (see :attr:`BoundTool.key`)."""
        return self._by_key.get(key)
