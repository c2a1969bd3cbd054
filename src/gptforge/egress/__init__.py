"""Outbound HTTP under one policy: SSRF guard, deadlines, size caps, safe redirects."""

from gptforge.egress.client import (
    CREDENTIAL_HEADERS,
    EgressClient,
    EgressLimits,
    FetchedResponse,
    fetch,
)
from gptforge.egress.policy import (
    AllowEntry,
    EgressPolicy,
    blocked_reason,
    origin,
    parse_allow_entry,
)
from gptforge.egress.pool import EgressPool
from gptforge.egress.transport import GuardedTransport, resolve_host

__all__ = [
    "CREDENTIAL_HEADERS",
    "AllowEntry",
    "EgressClient",
    "EgressLimits",
    "EgressPolicy",
    "EgressPool",
    "FetchedResponse",
    "GuardedTransport",
    "blocked_reason",
    "fetch",
    "origin",
    "parse_allow_entry",
    "resolve_host",
]
