"""GPT definitions and the conversation loop that lets a model use tools."""

from gptforge.runtime.approvals import ApprovalStore, MemoryApprovalStore
from gptforge.runtime.events import (
    AuthRequired,
    ConfirmationRequired,
    Done,
    ErrorEvent,
    FileInfo,
    NoticeEvent,
    RuntimeEvent,
    TextDeltaEvent,
    ToolCallFinished,
    ToolCallStarted,
    WaitingEvent,
    event_to_dict,
)
from gptforge.runtime.gpt import (
    ActionDefinition,
    Capabilities,
    GptDefinition,
    ModelSettings,
    build_actions,
    load_gpt_file,
)
from gptforge.runtime.loop import Runtime
from gptforge.runtime.state import CallEntry, ConversationState, Decision, PendingCall

__all__ = [
    "ActionDefinition",
    "ApprovalStore",
    "AuthRequired",
    "CallEntry",
    "Capabilities",
    "ConfirmationRequired",
    "ConversationState",
    "Decision",
    "Done",
    "ErrorEvent",
    "FileInfo",
    "GptDefinition",
    "MemoryApprovalStore",
    "ModelSettings",
    "NoticeEvent",
    "PendingCall",
    "Runtime",
    "RuntimeEvent",
    "TextDeltaEvent",
    "ToolCallFinished",
    "ToolCallStarted",
    "WaitingEvent",
    "build_actions",
    "event_to_dict",
    "load_gpt_file",
]
