"""HTTP actions as a :class:`~gptforge.toolsets.Toolset`: one per action."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gptforge.actions.executor import Action, ActionExecutor, SignInRequired, confirmation_policy
from gptforge.toolsets import CallContext, CallOutcome, CallResult, SignInRequest, ToolInfo


class ActionToolset:
    """The operations of one action, run through a shared :class:`ActionExecutor`."""

    def __init__(self, action: Action, executor: ActionExecutor) -> None:
        self.action = action
        self.executor = executor

    @property
    def key(self) -> str:
        return self.action.id

    @property
    def label(self) -> str:
        return self.action.name

    def tools(self) -> Sequence[ToolInfo]:
        host = self.action.host
        return [
            ToolInfo(
                name=tool.name,
                description=tool.description,
                parameters=tool.parameters,
                confirmation=confirmation_policy(tool.operation),
                label=f"{tool.operation.method} {tool.operation.path}",
                host=host,
            )
            for tool in self.action.tools
        ]

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        return self.executor.preview(self.action, tool, dict(arguments))

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallOutcome:
        outcome = await self.executor.execute(
            self.action,
            tool,
            dict(arguments),
            user_id=context.user_id,
            session_id=context.session_id,
        )
        if isinstance(outcome, SignInRequired):
            return SignInRequest(
                authorization_url=outcome.authorization_url, message=outcome.message
            )
        record = outcome.record
        return CallResult(
            status=outcome.status,
            content=outcome.content,
            message=outcome.message,
            record=record.as_dict() if record else None,
            http_status=record.status if record else None,
            duration_ms=record.duration_ms if record else 0.0,
        )


def action_toolsets(actions: Iterable[Action], executor: ActionExecutor) -> list[ActionToolset]:
    """One toolset per action, sharing the executor (and so its limits and caches)."""
    return [ActionToolset(action, executor) for action in actions]
