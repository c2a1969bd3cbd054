"""GPT definitions and the conversation loop that lets a model use actions."""

from gptforge.runtime.events import (
    AuthRequired,
    ConfirmationRequired,
    Done,
    ErrorEvent,
    RuntimeEvent,
    TextDeltaEvent,
    ToolCallFinished,
    ToolCallStarted,
    event_to_dict,
)
from gptforge.runtime.gpt import GptDefinition, build_actions, load_gpt_file
from gptforge.runtime.loop import ConversationState, Decision, PendingCall, Runtime

__all__ = [
    "AuthRequired",
    "ConfirmationRequired",
    "ConversationState",
    "Decision",
    "Done",
    "ErrorEvent",
    "GptDefinition",
    "PendingCall",
    "Runtime",
    "RuntimeEvent",
    "TextDeltaEvent",
    "ToolCallFinished",
    "ToolCallStarted",
    "build_actions",
    "event_to_dict",
    "load_gpt_file",
]
