"""Tool calls to authenticated, guarded HTTP requests (a pure library, no server needed)."""

from gptforge.actions.auth import (
    ApiKeyAuth,
    AuthConfig,
    NoAuth,
    OAuthAuth,
    load_auth_file,
    parse_auth,
)
from gptforge.actions.executor import (
    Action,
    ActionExecutor,
    SignInRequired,
    confirmation_policy,
)
from gptforge.actions.oauth import (
    MemoryStateStore,
    MemoryTokenStore,
    OAuthManager,
    PendingSignIn,
    StateStore,
    StoredToken,
    TokenStore,
)
from gptforge.actions.request import RequestBuilder
from gptforge.actions.results import CallRecord, Redactor, ToolResult
from gptforge.actions.toolset import ActionToolset, action_toolsets
from gptforge.errors import InvalidArguments
from gptforge.toolsets import Confirmation

__all__ = [
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
]
