"""What an authenticated request carries: headers, query parameters and cookies.

Credentials are built from an action's auth settings (and, for ``scheme: spec``, from
the security requirement the spec declares for the operation), then applied to a
request that was built without them. Every value is checked for what its place can
carry, so the HTTP library never has to refuse (and quote) a credential.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import httpx

from gptforge.actions.auth import ApiKeyAuth
from gptforge.actions.results import Redactor
from gptforge.errors import ActionError
from gptforge.openapi import Operation, Spec

_COOKIE_UNSAFE = frozenset(' ",;\\')


@dataclass
class Credentials:
    """Headers, query parameters and cookies to add, and the secrets to redact."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    oauth: bool = False

    def redactor(self) -> Redactor:
        headers = list(self.headers) + (["cookie"] if self.cookies else [])
        return Redactor().with_secrets(self.secrets, headers=headers, params=self.query)

    def apply(self, request: httpx.Request) -> httpx.Request:
        """``request`` with these credentials; a credential replaces a same-named argument."""
        url = request.url.copy_merge_params(self.query) if self.query else request.url
        headers = httpx.Headers(request.headers)
        headers.update(self.headers)
        if self.cookies:
            pairs = [
                pair
                for pair in (p.strip() for p in headers.get("cookie", "").split(";"))
                if pair and pair.split("=", 1)[0] not in self.cookies
            ]
            pairs += [f"{name}={value}" for name, value in self.cookies.items()]
            headers["Cookie"] = "; ".join(pairs)
        return httpx.Request(request.method, url, headers=headers, content=request.read())


def _header_value(value: str, setting: str) -> str:
    if not all(" " <= ch <= "~" for ch in value):
        raise ActionError(
            f"The secret in {setting} has characters an HTTP header cannot carry (only printable "
            "ASCII is allowed). Check that the right value is set."
        )
    return value


def bearer(token: str, *, oauth: bool = False, setting: str = "the auth key") -> Credentials:
    value = _header_value(token, setting)
    return Credentials(headers={"Authorization": f"Bearer {value}"}, secrets=[token], oauth=oauth)


def basic(key: str, *, setting: str = "the auth key") -> Credentials:
    """``user:password`` is base64-encoded; anything else is taken as already encoded."""
    if ":" in key:
        encoded = base64.b64encode(key.encode()).decode()
        password = key.split(":", 1)[1]
        secrets = [key, encoded, password]
    else:
        encoded = _header_value(key, setting)
        secrets = [key]
    return Credentials(headers={"Authorization": f"Basic {encoded}"}, secrets=secrets)


def _cookie_value(value: str, setting: str) -> str:
    _header_value(value, setting)
    if any(ch in _COOKIE_UNSAFE for ch in value):
        raise ActionError(
            f"The secret in {setting} has a space, quote, comma, semicolon or backslash, which "
            "a cookie value cannot carry."
        )
    return value


def api_key_credentials(auth: ApiKeyAuth, spec: Spec, operation: Operation) -> Credentials:
    """The credentials an API-key action sends for ``operation``."""
    if auth.scheme == "spec":
        return _spec_scheme_credentials(auth, spec, operation)
    key = auth.secret()
    if auth.scheme == "bearer":
        return bearer(key)
    if auth.scheme == "basic":
        return basic(key)
    if auth.scheme == "custom":
        return Credentials(
            headers={str(auth.header): _header_value(key, "the auth key")}, secrets=[key]
        )
    if auth.scheme == "cookie":
        return Credentials(
            cookies={str(auth.cookie): _cookie_value(key, "the auth key")}, secrets=[key]
        )
    return Credentials(query={str(auth.param): key}, secrets=[key])


def _usable(scheme: Any) -> bool:
    if not isinstance(scheme, dict):
        return False
    kind = scheme.get("type")
    if kind == "apiKey":
        name = scheme.get("name")
        return (
            scheme.get("in") in ("header", "query", "cookie")
            and isinstance(name, str)
            and _is_name(name)
        )
    return kind == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic")


def _is_name(name: str) -> bool:
    allowed = "!#$%&'*+-.^_`|~"
    return bool(name) and all(ch.isascii() and (ch.isalnum() or ch in allowed) for ch in name)


def _add(credentials: Credentials, scheme: dict[str, Any], key: str, setting: str) -> None:
    kind, where, name = scheme.get("type"), scheme.get("in"), str(scheme.get("name"))
    if kind == "http":
        extra = (
            bearer(key, setting=setting)
            if str(scheme.get("scheme", "")).lower() == "bearer"
            else basic(key, setting=setting)
        )
        credentials.headers.update(extra.headers)
        credentials.secrets.extend(extra.secrets)
        return
    if where == "header":
        credentials.headers[name] = _header_value(key, setting)
    elif where == "cookie":
        credentials.cookies[name] = _cookie_value(key, setting)
    else:
        credentials.query[name] = key
    credentials.secrets.append(key)


def _spec_scheme_credentials(auth: ApiKeyAuth, spec: Spec, operation: Operation) -> Credentials:
    """The spec's own schemes: every scheme of the first security requirement that can be met.

    With one ``key`` the first usable scheme gets it (as before ``keys`` existed); with
    ``keys`` a requirement is met when each of its schemes has a key.
    """
    schemes = spec.security_schemes
    declared = [dict.fromkeys(req) for req in operation.security or ()]
    if auth.keys is None:
        names = [name for req in declared for name in req] or list(schemes)
        for name in names:
            if _usable(schemes.get(name)):
                credentials = Credentials()
                _add(credentials, schemes[name], auth.secret(), "the auth key")
                return credentials
        raise ActionError(
            "The auth setting says `scheme: spec`, but the spec declares no API-key, bearer or "
            "basic security scheme for this operation. Choose bearer, basic, custom, query or "
            "cookie."
        )
    requirements = declared or [dict.fromkeys(auth.keys)]
    for requirement in requirements:
        if all(name in auth.keys and _usable(schemes.get(name)) for name in requirement):
            credentials = Credentials()
            for name in requirement:
                secret = auth.scheme_secret(name)
                if secret is not None:
                    _add(credentials, schemes[name], secret, f"`keys.{name}`")
            return credentials
    wanted = " or ".join(" + ".join(req) for req in requirements) or "(none)"
    raise ActionError(
        f"The operation {operation.name} needs keys for the spec's security schemes {wanted}, "
        f"but the auth settings give keys for {', '.join(auth.keys)}. Add the missing schemes "
        "under `keys:` (each apiKey, bearer or basic)."
    )
