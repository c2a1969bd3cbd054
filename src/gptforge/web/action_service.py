"""Actions inside a GPT: schemas to specs, auth settings with encrypted secrets, test calls.

Secrets come in inline (``key``, ``client_secret``) and are stored encrypted; they
never come back out. Environment-variable references (``key_env``) are refused here:
they would let a builder read the server's own environment.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.actions import (
    Action,
    ActionExecutor,
    ApiKeyAuth,
    NoAuth,
    OAuthAuth,
    SignInRequired,
    confirmation_policy,
    parse_auth,
)
from gptforge.egress import EgressLimits, fetch
from gptforge.errors import ConfigError, EgressError
from gptforge.openapi import LoadLimits, Spec, build_spec, parse_document
from gptforge.store import ActionRecord, SecretBox
from gptforge.web.errors import Unprocessable
from gptforge.web.platform import Platform
from gptforge.web.schemas import (
    ActionOut,
    ActionTestOut,
    AuthOut,
    CallRecordOut,
    DiagnosticOut,
    OperationOut,
    SchemaCheckOut,
)

SECRET_FIELDS = {"api_key": "key", "oauth": "client_secret"}
_ENV_FIELDS = ("key_env", "client_secret_env", "secrets_file")
_PLACEHOLDER = "placeholder-secret"
_SCHEMA_ACCEPT = "application/json, application/yaml, text/yaml, text/plain, */*"


# ---------------------------------------------------------------------- specs


def build_action_spec(
    text: str, *, source: str, base_url: str | None = None, server_url: str | None = None
) -> Spec:
    """The spec of a schema, with ``server_url`` (if set) replacing the schema's servers."""
    limits = LoadLimits()
    document = parse_document(text, source=source, limits=limits.parse)
    if server_url:
        document = {**document, "servers": [{"url": server_url}]}
    return build_spec(document, source=source, base_url=base_url, limits=limits)


async def fetch_schema(platform: Platform, session: AsyncSession, url: str) -> str:
    """The schema text at ``url``, fetched through the egress guard (``session`` is
    committed and waits outside the session line meanwhile)."""
    limits = LoadLimits()
    policy = await platform.egress_policy(session)
    try:
        async with platform.db.away(session):
            response = await fetch(
                url,
                policy=policy,
                limits=EgressLimits(max_response_bytes=limits.parse.max_bytes + 1),
                headers={"Accept": _SCHEMA_ACCEPT},
            )
    except EgressError as exc:
        raise Unprocessable(f"Could not import {url}: {exc.message}", code="url_refused") from None
    if response.status_code != 200:
        raise Unprocessable(
            f"Could not import {url}: the server answered HTTP {response.status_code}. "
            "Check that the URL serves the raw JSON or YAML schema.",
            code="schema_fetch_failed",
        )
    if response.truncated:
        raise Unprocessable(
            f"Could not import {url}: the schema is larger than {limits.parse.max_bytes:,} bytes.",
            code="schema_too_large",
        )
    return response.text


SPEC_CACHE_SIZE = 64
"""Parsed specs kept per process (each turn of a GPT needs its actions' specs)."""


def spec_of(record: ActionRecord) -> Spec:
    """The stored action's spec, parsed once per process for the same schema and URLs.

    The cache is keyed by what the spec is built from, not by the action's id: an edit
    (in this process or another) changes the key, so a stale spec is never used. Specs
    are not changed after they are built, so turns can share one.
    """
    return _cached_spec(record.schema_text, record.source_url, record.server_url)


@functools.lru_cache(maxsize=SPEC_CACHE_SIZE)
def _cached_spec(text: str, source_url: str | None, server_url: str | None) -> Spec:
    return build_action_spec(
        text, source=source_url or "schema", base_url=source_url, server_url=server_url
    )


def operations_of(spec: Spec, enabled: set[str] | None = None) -> list[OperationOut]:
    return [
        OperationOut(
            name=tool.name,
            method=tool.operation.method,
            path=tool.operation.path,
            consequential=confirmation_policy(tool.operation) == "always",
            confirmation=confirmation_policy(tool.operation),
            enabled=enabled is None or tool.name in enabled,
        )
        for tool in spec.tools
    ]


def diagnostics_of(spec: Spec) -> list[DiagnosticOut]:
    return [DiagnosticOut.model_validate(d.as_dict()) for d in spec.diagnostics]


def check(spec: Spec) -> SchemaCheckOut:
    return SchemaCheckOut(
        title=spec.title,
        host=spec_host(spec),
        operations=operations_of(spec),
        diagnostics=diagnostics_of(spec),
        usable=spec.ok,
    )


def describe(record: ActionRecord, spec: Spec) -> ActionOut:
    enabled = set(record.enabled_operations) if record.enabled_operations is not None else None
    return ActionOut(
        id=record.action_id,
        title=record.title,
        host=record.host,
        schema_=record.schema_text,
        source_url=record.source_url,
        server_url=record.server_url,
        privacy_policy_url=record.privacy_policy_url,
        enabled_operations=record.enabled_operations,
        auth=auth_out(record),
        operations=operations_of(spec, enabled),
        diagnostics=diagnostics_of(spec),
        usable=spec.ok,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def apply_spec(record: ActionRecord, spec: Spec) -> None:
    """Keep what listings need from the spec (title, host); check the server URL override
    and the enabled operations (an :class:`ActionError` for a bad URL answers 422)."""
    record.title = (spec.title or "")[:200] or None
    record.host = spec_host(spec)
    if record.server_url is not None:
        Action(id=record.action_id or "new", spec=spec, server_url=record.server_url)
    if record.enabled_operations is not None:
        known = {tool.name for tool in spec.tools}
        unknown = [name for name in record.enabled_operations if name not in known]
        if unknown:
            raise Unprocessable(
                f"enabled_operations names operations the schema does not have: {unknown}. "
                f"Known: {sorted(known)[:30]}",
                code="unknown_operations",
            )


def spec_host(spec: Spec) -> str | None:
    if spec.server is None:
        return None
    try:
        return httpx.URL(spec.server.url).host or None
    except httpx.InvalidURL:
        return None


def is_external_host(host: str | None) -> bool:
    """True unless the host is this machine or a private network (data stays in-house)."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return address.is_global


# ----------------------------------------------------------------------- auth


def auth_out(record: ActionRecord) -> AuthOut:
    """The settings without secrets; with ``keys``, each scheme says whether its key is set
    and ``secret_set`` whether all are."""
    keys = record.auth.get("keys")
    if isinstance(keys, dict):
        complete = record.auth_secret is not None and all(
            entry.get("secret_set") for entry in keys.values()
        )
        return AuthOut(**record.auth, secret_set=complete)
    return AuthOut(**record.auth, secret_set=record.auth_secret is not None)


def store_auth(raw: dict[str, Any], record: ActionRecord, secrets: SecretBox) -> None:
    """Validate auth settings in the CLI's format and store them, the secret encrypted.

    A secret left out keeps the stored one when the kind of auth stays the same.
    """
    for name in _ENV_FIELDS:
        if name in raw:
            raise Unprocessable(
                f"auth.{name} is not accepted by the server: it never reads its own "
                f"environment or files for actions. Give the secret inline as "
                f"`{SECRET_FIELDS.get(str(raw.get('type')), 'key')}`; it is stored encrypted "
                "and never shown again.",
                code="invalid_auth",
            )
    if "keys" in raw:
        _store_keys(raw, record, secrets)
        return
    kind = str(raw.get("type", ""))
    field = SECRET_FIELDS.get(kind)
    data = dict(raw)
    new_secret = data.pop(field, None) if field else None
    if new_secret is not None and not isinstance(new_secret, str):
        raise Unprocessable(f"auth.{field} must be a string.", code="invalid_auth")
    keep = record.auth_secret if record.auth.get("type") == kind else None
    probe = dict(data)
    if field and (new_secret or keep or kind == "api_key"):
        probe[field] = new_secret or _PLACEHOLDER
    try:
        parsed = parse_auth(probe, source="auth")
    except ConfigError as exc:
        raise Unprocessable(exc.message, code="invalid_auth") from None
    public = parsed.model_dump(mode="json", exclude_none=True)
    if field:
        public.pop(field, None)
    record.auth = public
    if field is None:
        record.auth_secret = None
    elif new_secret:
        record.auth_secret = secrets.encrypt(new_secret)
    else:
        record.auth_secret = keep


def _store_keys(raw: dict[str, Any], record: ActionRecord, secrets: SecretBox) -> None:
    """``keys`` (one API key per spec security scheme): the keys as one encrypted JSON
    object; the public settings keep each scheme's name and whether its key is set.

    A scheme sent without ``key`` keeps its stored key.
    """
    keys = raw.get("keys")
    if "key" in raw:
        raise Unprocessable(
            "auth has both `key` and `keys`; give one key as `key`, or one per spec security "
            "scheme under `keys`.",
            code="invalid_auth",
        )
    if not isinstance(keys, dict) or not keys:
        raise Unprocessable(
            "auth.keys must map each spec security scheme name to {key: ...}.",
            code="invalid_auth",
        )
    given: dict[str, str] = {}
    for name, entry in keys.items():
        if not isinstance(entry, dict) or set(entry) - {"key"}:
            raise Unprocessable(
                f"auth.keys.{name} takes only `key` (the server never reads its own "
                "environment for actions); give the key inline, it is stored encrypted.",
                code="invalid_auth",
            )
        if "key" in entry:
            if not isinstance(entry["key"], str):
                raise Unprocessable(f"auth.keys.{name}.key must be a string.", code="invalid_auth")
            if entry["key"]:
                given[str(name)] = entry["key"]
    merged = {name: given.get(name) or _stored_keys(record, secrets).get(name) for name in keys}
    probe = {
        **raw,
        "keys": {name: {"key": value or _PLACEHOLDER} for name, value in merged.items()},
    }
    try:
        parsed = parse_auth(probe, source="auth")
    except ConfigError as exc:
        raise Unprocessable(exc.message, code="invalid_auth") from None
    public = parsed.model_dump(mode="json", exclude_none=True)
    public["keys"] = {name: {"secret_set": value is not None} for name, value in merged.items()}
    stored = {name: value for name, value in merged.items() if value is not None}
    record.auth = public
    record.auth_secret = secrets.encrypt(json.dumps(stored)) if stored else None


def _stored_keys(record: ActionRecord, secrets: SecretBox) -> dict[str, str]:
    """The keys stored for ``keys`` auth (none for any other kind)."""
    if not isinstance(record.auth.get("keys"), dict) or record.auth_secret is None:
        return {}
    value = json.loads(secrets.decrypt(record.auth_secret))
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def runtime_auth(record: ActionRecord, secrets: SecretBox) -> NoAuth | ApiKeyAuth | OAuthAuth:
    """The auth settings with the decrypted secret, for the executor only."""
    data = dict(record.auth)
    field = SECRET_FIELDS.get(str(data.get("type")))
    if isinstance(data.get("keys"), dict):
        stored = _stored_keys(record, secrets)
        missing = [name for name in data["keys"] if name not in stored]
        if missing:
            raise Unprocessable(
                f"This action's keys for {', '.join(missing)} are not set yet. Enter them in "
                "the action's auth settings.",
                code="secret_not_set",
            )
        data["keys"] = {name: {"key": stored[name]} for name in data["keys"]}
    elif field and record.auth_secret is not None:
        data[field] = secrets.decrypt(record.auth_secret)
    elif field == "key":
        raise Unprocessable(
            "This action's API key is not set yet. Enter it in the action's auth settings.",
            code="secret_not_set",
        )
    return parse_auth(data, source="stored auth")


def runtime_action(record: ActionRecord, spec: Spec, secrets: SecretBox) -> Action:
    return Action(
        id=record.action_id,
        spec=spec,
        auth=runtime_auth(record, secrets),
        privacy_policy_url=record.privacy_policy_url,
        operations=(
            frozenset(record.enabled_operations) if record.enabled_operations is not None else None
        ),
        server_url=record.server_url,
    )


# ----------------------------------------------------------------------- test


async def test_call(
    platform: Platform,
    session: AsyncSession,
    record: ActionRecord,
    *,
    operation: str,
    arguments: dict[str, Any],
    user_id: str,
) -> ActionTestOut:
    """Run one operation through the real executor and return the redacted record."""
    spec = spec_of(record)
    if not spec.ok:
        raise Unprocessable(
            "The schema cannot be used yet; fix the errors in its diagnostics first.",
            code="schema_not_usable",
        )
    action = runtime_action(record, spec, platform.secrets)
    policy = await platform.egress_policy(session)
    settings = platform.settings
    async with (
        platform.db.away(session),
        platform.egress.client(policy, settings.egress_limits()) as egress,
    ):
        executor = ActionExecutor(egress=egress, max_result_chars=settings.action_max_result_chars)
        outcome = await executor.execute(action, operation, arguments, user_id=user_id)
    if isinstance(outcome, SignInRequired):
        return ActionTestOut(status="sign_in_required", content=outcome.message, record=None)
    record_out = CallRecordOut(**outcome.record.as_dict()) if outcome.record is not None else None
    return ActionTestOut(status=outcome.status, content=outcome.content, record=record_out)
