"""Where "always allow" decisions live: memory in the CLI, the database in the server.

A decision is kept per user, per GPT and per tool (:attr:`BoundTool.key`, which names
the toolset by its stable id), so it survives reordering actions and restarts, and a
new process serving the same conversation sees it.
"""

from __future__ import annotations

from typing import Protocol


class ApprovalStore(Protocol):
    """Calls a user allowed once and for all ("always allow")."""

    async def is_allowed(self, *, user_id: str, gpt_id: str, tool_key: str) -> bool: ...
    async def allow(self, *, user_id: str, gpt_id: str, tool_key: str) -> None: ...
    async def revoke(self, *, user_id: str, gpt_id: str, tool_key: str) -> None: ...


class MemoryApprovalStore:
    """The in-process :class:`ApprovalStore` (decisions end with the process)."""

    def __init__(self) -> None:
        self._allowed: set[tuple[str, str, str]] = set()

    async def is_allowed(self, *, user_id: str, gpt_id: str, tool_key: str) -> bool:
        return (user_id, gpt_id, tool_key) in self._allowed

    async def allow(self, *, user_id: str, gpt_id: str, tool_key: str) -> None:
        self._allowed.add((user_id, gpt_id, tool_key))

    async def revoke(self, *, user_id: str, gpt_id: str, tool_key: str) -> None:
        self._allowed.discard((user_id, gpt_id, tool_key))
