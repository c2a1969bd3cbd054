"""Every error gptforge raises on purpose.

The tree, one base per layer::

    GptforgeError
    ├── ConfigError              settings, gpt.yaml and auth files an operator wrote
    ├── SpecError                an OpenAPI document that cannot be used at all
    │   ├── SpecLimitError       a document over a size, depth or count guard
    │   └── RefError             a $ref that cannot be followed (openapi/refs.py)
    ├── EgressError              an outbound request refused or failed
    │   ├── EgressBlockedError   the destination is not allowed (SSRF guard)
    │   └── EgressLimitError     over the deadline or the response size cap
    ├── ActionError              an action that cannot run as configured
    │   ├── AuthError            credentials missing, OAuth state or token failures
    │   └── InvalidArguments     a model's arguments do not fit the tool (told to the model)
    │       └── SerializationError  a value that cannot be sent as its parameter
    ├── ProviderError            a model provider failed or is misconfigured
    └── RuntimeLoopError         the conversation loop cannot go on

A remote API answering 500 is *not* an error here: the actions layer turns it into
a tool result so the model can react. These classes are for a person to act on,
and each message says what to do next.
"""

from __future__ import annotations

from pydantic import ValidationError

__all__ = [
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
]


class GptforgeError(Exception):
    """Base of every error gptforge raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(GptforgeError):
    """A settings file, gpt.yaml or auth file is wrong."""


class SpecError(GptforgeError):
    """An OpenAPI document cannot be loaded or used at all."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class SpecLimitError(SpecError):
    """A document exceeds a size, nesting, alias or operation-count guard."""


class EgressError(GptforgeError):
    """An outbound HTTP request was refused or failed."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class EgressBlockedError(EgressError):
    """The destination scheme, host or address is not allowed."""


class EgressLimitError(EgressError):
    """The request ran past its deadline or its response size cap."""


class ActionError(GptforgeError):
    """An action cannot run as configured (unknown operation, bad auth settings)."""


class AuthError(ActionError):
    """Credentials are missing or an OAuth exchange failed."""


class InvalidArguments(ActionError, ValueError):
    """The model's arguments do not fit the tool; the message says what to fix."""


class SerializationError(InvalidArguments):
    """A value cannot be sent as this parameter; the message is for the model."""


class ProviderError(GptforgeError):
    """A model provider failed or is misconfigured."""


class RuntimeLoopError(GptforgeError):
    """The conversation cannot continue (bad resume, unknown pending call)."""


def describe_validation_error(exc: ValidationError, *, root: str, skip: int = 0) -> str:
    """Pydantic's findings as ``where: what`` pairs a person can act on.

    ``skip`` drops leading location parts that only wrap the real input; ``root`` names
    the input when no location remains.
    """
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'][skip:]) or root}: {err['msg']}"
        for err in exc.errors()
    )
