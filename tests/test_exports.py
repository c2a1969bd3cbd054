"""Each package's public names, pinned: a change here is a change to the API."""

from __future__ import annotations

import importlib

import pytest

from gptforge.errors import GptforgeError

EXPORTS = {
    "gptforge": ["GptforgeError", "__version__"],
    "gptforge.errors": [
        "ActionError",
        "AuthError",
        "ConfigError",
        "EgressBlockedError",
        "EgressError",
        "EgressLimitError",
        "GptforgeError",
        "InvalidArguments",
        "ProviderError",
        "RuntimeLoopError",
        "SerializationError",
        "SpecError",
        "SpecLimitError",
        "describe_validation_error",
    ],
    "gptforge.toolsets": [
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
    ],
    "gptforge.egress": [
        "CREDENTIAL_HEADERS",
        "AllowEntry",
        "EgressClient",
        "EgressLimits",
        "EgressPolicy",
        "FetchedResponse",
        "GuardedTransport",
        "blocked_reason",
        "fetch",
        "origin",
        "parse_allow_entry",
        "resolve_host",
    ],
    "gptforge.openapi": [
        "ArgumentBinding",
        "Diagnostic",
        "LoadLimits",
        "Operation",
        "Parameter",
        "ParseLimits",
        "RequestBody",
        "Server",
        "Spec",
        "Tool",
        "build_spec",
        "collector_paused",
        "is_url",
        "load_spec",
        "load_spec_file",
        "load_spec_url",
        "parse_document",
        "parse_spec",
    ],
    "gptforge.actions": [
        "Action",
        "ActionExecutor",
        "ActionToolset",
        "ApiKeyAuth",
        "AuthConfig",
        "CallRecord",
        "Confirmation",
        "InvalidArguments",
        "MemoryStateStore",
        "MemoryTokenStore",
        "NoAuth",
        "OAuthAuth",
        "OAuthManager",
        "PendingSignIn",
        "Redactor",
        "RequestBuilder",
        "SignInRequired",
        "StateStore",
        "StoredToken",
        "TokenStore",
        "ToolResult",
        "action_toolsets",
        "confirmation_policy",
        "load_auth_file",
        "parse_auth",
    ],
    "gptforge.llm": [
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
    ],
    "gptforge.runtime": [
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
    ],
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_public_names_are_pinned(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(EXPORTS[name])
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


def test_every_exception_the_core_raises_on_purpose_is_in_one_tree() -> None:
    errors = importlib.import_module("gptforge.errors")
    classes = [getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    assert all(issubclass(c, GptforgeError) for c in classes)
    from gptforge.openapi.refs import RefError

    assert issubclass(RefError, GptforgeError)
