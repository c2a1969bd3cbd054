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
    Confirmation,
    SignInRequired,
    confirmation_policy,
)
from gptforge.actions.oauth import MemoryStateStore, MemoryTokenStore, OAuthManager, StoredToken
from gptforge.actions.request import InvalidArguments, RequestBuilder
from gptforge.actions.results import CallRecord, Redactor, ToolResult

__all__ = [
    "Action",
    "ActionExecutor",
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
    "Redactor",
    "RequestBuilder",
    "SignInRequired",
    "StoredToken",
    "ToolResult",
    "confirmation_policy",
    "load_auth_file",
    "parse_auth",
]
