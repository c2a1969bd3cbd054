"""An action's authentication settings: one format for the CLI, gpt.yaml and the server.

Examples (YAML or JSON)::

    {"type": "none"}
    {"type": "api_key", "scheme": "bearer", "key": "..."}
    {"type": "api_key", "scheme": "basic", "key_env": "MY_API_CREDENTIALS"}
    {"type": "api_key", "scheme": "custom", "header": "X-Api-Key", "key_env": "MY_KEY"}
    {"type": "api_key", "scheme": "query", "param": "api_key", "key_env": "MY_KEY"}
    {"type": "api_key", "scheme": "cookie", "cookie": "session_key", "key_env": "MY_KEY"}
    {"type": "api_key", "scheme": "spec", "key_env": "MY_KEY"}   # the spec's own apiKey scheme
    {"type": "api_key", "scheme": "spec",                        # one secret per spec scheme
     "keys": {"AppId": {"key_env": "APP_ID"}, "AppSecret": {"key_env": "APP_SECRET"}}}
    {"type": "oauth", "client_id": "...", "client_secret_env": "MY_SECRET",
     "authorization_url": "https://auth.example.com/authorize",
     "token_url": "https://auth.example.com/token", "scope": "read write",
     "token_exchange": "post"}                                   # or "basic_header"

A secret is given inline (``key``, ``client_secret``: keep such a file out of
version control) or by environment variable (``key_env``, ``client_secret_env``).
Secrets are ``SecretStr`` so they never print, and :meth:`redacted` shows ``***``.
A secret with a control character (CR, LF, NUL, ...) or surrounding spaces is refused
when it is loaded, with a message naming the setting and never the value: such a
value could split a header, and the HTTP library's error would quote it.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from gptforge.errors import ConfigError, describe_validation_error

REDACTED = "***"


class _AuthBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def redacted(self) -> dict[str, Any]:
        """The settings as a client may see them: every secret replaced by ``***``."""
        data = self.model_dump(mode="json", exclude_none=True)
        for key in ("key", "client_secret"):
            if key in data:
                data[key] = REDACTED
        for entry in (data.get("keys") or {}).values():
            if "key" in entry:
                entry["key"] = REDACTED
        return data


def secret_problem(value: str) -> str | None:
    """What makes ``value`` unusable as a secret (never quoting it), or None."""
    if not value:
        return "is empty"
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            if ch in "\r\n":
                return (
                    "contains a line break (a YAML block scalar `key: |` or a file saved with "
                    "CRLF adds one); remove it"
                )
            return f"contains the control character U+{ord(ch):04X}; remove it"
    if value != value.strip():
        return "starts or ends with whitespace; remove it"
    return None


def checked_secret(value: str, setting: str) -> str:
    """``value`` if it can be sent as a credential; else a :class:`ConfigError` naming
    ``setting`` (never the value)."""
    problem = secret_problem(value)
    if problem is not None:
        raise ConfigError(f"The secret in {setting} {problem}.")
    return value


def _secret(inline: SecretStr | None, env: str | None, what: str) -> str:
    if inline is not None:
        return checked_secret(inline.get_secret_value(), f"`{what}`")
    if env:
        value = os.environ.get(env)
        if value:
            return checked_secret(value, f"the environment variable {env} (`{what}_env`)")
        raise ConfigError(
            f"The environment variable {env} (the action's {what}) is not set. "
            f"Export it (`export {env}=...`) or put the value in the auth file."
        )
    raise ConfigError(f"No {what} given; add `{what}` or `{what}_env` to the auth settings.")


def _inline_problem(value: SecretStr | None) -> None:
    if value is not None:
        problem = secret_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(f"the secret {problem}")


class SchemeKey(BaseModel):
    """The secret for one of the spec's security schemes (``keys:`` of ``scheme: spec``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: SecretStr | None = None
    key_env: str | None = None

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        _inline_problem(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> SchemeKey:
        if self.key is None and not self.key_env:
            raise ValueError("give the key as `key` or name its variable in `key_env`")
        return self

    def secret(self, scheme: str) -> str:
        return _secret(self.key, self.key_env, f"keys.{scheme}.key")


class NoAuth(_AuthBase):
    type: Literal["none"] = "none"


class ApiKeyAuth(_AuthBase):
    type: Literal["api_key"] = "api_key"
    scheme: Literal["basic", "bearer", "custom", "query", "cookie", "spec"] = "bearer"
    header: str | None = None
    """Header name for ``scheme: custom``."""
    param: str | None = None
    """Query parameter name for ``scheme: query``."""
    cookie: str | None = None
    """Cookie name for ``scheme: cookie``."""
    key: SecretStr | None = None
    key_env: str | None = None
    keys: dict[str, SchemeKey] | None = None
    """``scheme: spec`` only: one secret per security scheme name of the spec, for APIs
    whose security requirement combines several keys."""

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        _inline_problem(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> ApiKeyAuth:
        if self.keys is not None:
            if self.scheme != "spec":
                raise ValueError("`keys` needs scheme: spec (one key per spec security scheme)")
            if not self.keys:
                raise ValueError("`keys` is empty; map each spec scheme name to {key_env: ...}")
        elif self.key is None and not self.key_env:
            raise ValueError("give the API key as `key` or name its variable in `key_env`")
        if self.scheme == "custom" and not self.header:
            raise ValueError("scheme 'custom' needs `header`, e.g. header: X-Api-Key")
        if self.scheme == "query" and not self.param:
            raise ValueError("scheme 'query' needs `param`, e.g. param: api_key")
        if self.scheme == "cookie" and not self.cookie:
            raise ValueError("scheme 'cookie' needs `cookie`, e.g. cookie: api_key")
        if self.header is not None and not _is_token(self.header):
            raise ValueError("`header` is not a valid HTTP header name")
        if self.cookie is not None and not _is_token(self.cookie):
            raise ValueError("`cookie` is not a valid cookie name")
        return self

    def secret(self) -> str:
        return _secret(self.key, self.key_env, "key")

    def scheme_secret(self, scheme: str) -> str | None:
        """The secret for the spec's security scheme ``scheme``, or None when none is set."""
        if self.keys is None:
            return self.secret()
        entry = self.keys.get(scheme)
        return entry.secret(scheme) if entry is not None else None


class OAuthAuth(_AuthBase):
    type: Literal["oauth"] = "oauth"
    client_id: str
    client_secret: SecretStr | None = None
    client_secret_env: str | None = None
    authorization_url: str
    token_url: str
    scope: str = ""
    token_exchange: Literal["post", "basic_header"] = "post"
    pkce: bool = True
    """Send an S256 PKCE challenge; turn off only for servers that reject it."""

    @field_validator("client_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        _inline_problem(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> OAuthAuth:
        for name in ("authorization_url", "token_url"):
            url = getattr(self, name)
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"`{name}` must be an http(s) URL, got {url!r}")
        return self

    def secret(self) -> str | None:
        if self.client_secret is None and not self.client_secret_env:
            return None
        return _secret(self.client_secret, self.client_secret_env, "client_secret")

    def fingerprint(self) -> str:
        """Changes whenever a setting that tokens depend on changes."""
        material = json.dumps(
            [
                self.client_id,
                self.authorization_url,
                self.token_url,
                self.scope,
                self.token_exchange,
                self.client_secret_env,
                hashlib.sha256(
                    (self.client_secret.get_secret_value() if self.client_secret else "").encode()
                ).hexdigest(),
            ]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:32]


AuthConfig = Annotated[NoAuth | ApiKeyAuth | OAuthAuth, Field(discriminator="type")]


class _AuthFile(BaseModel):
    auth: AuthConfig


def _is_token(name: str) -> bool:
    allowed = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return bool(name) and all(ch in allowed for ch in name)


def parse_auth(data: Any, *, source: str = "auth settings") -> NoAuth | ApiKeyAuth | OAuthAuth:
    """Validate auth settings from already-parsed data, with an actionable error."""
    if data is None:
        return NoAuth()
    try:
        return _AuthFile.model_validate({"auth": data}).auth
    except ValidationError as exc:
        problems = describe_validation_error(exc, root="auth", skip=1)
        raise ConfigError(
            f"{source}: {problems}. Expected e.g. {{type: none}}, "
            "{type: api_key, scheme: bearer, key_env: MY_KEY} or "
            "{type: oauth, client_id: ..., authorization_url: ..., token_url: ...}."
        ) from None


def load_auth_file(path: str | Path) -> NoAuth | ApiKeyAuth | OAuthAuth:
    """Read an auth file (YAML or JSON)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"Cannot read auth file {path}: {exc.strerror}.") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"Auth file {path} is not valid YAML or JSON: {exc}") from exc
    return parse_auth(data, source=str(path))
