"""A GPT's definition and its ``gpt.yaml`` file.

The fields follow the GPT editor: name, description, instructions, conversation
starters (and different ones for returning users), capabilities, actions, model.
Secrets never sit in gpt.yaml: an action's auth names environment variables
(``key_env``, ``client_secret_env``) or a ``secrets_file`` kept out of version control.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from gptforge.actions import Action, AuthConfig, NoAuth
from gptforge.egress import EgressPolicy
from gptforge.errors import ConfigError, SpecError, describe_validation_error
from gptforge.openapi import Spec, is_url, load_spec, load_spec_file

_INLINE_SECRETS = ("key", "client_secret")


class Capabilities(BaseModel):
    model_config = ConfigDict(extra="forbid")
    web_browsing: bool = False
    image_generation: bool = False
    code_interpreter: bool = False
    knowledge: bool = False


class ActionDefinition(BaseModel):
    """One action in gpt.yaml; ``auth`` is checked here, with the one auth model."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    """Stable id: OAuth tokens and "always allow" are kept by it. Default: the API's host."""
    openapi: str
    """Path (relative to gpt.yaml) or https URL of the OpenAPI document."""
    auth: AuthConfig = Field(default_factory=NoAuth)
    privacy_policy_url: str | None = None
    operations: list[str] | None = None
    """Operation names offered to the model; all when omitted, none when empty."""
    server: str | None = None
    """Base URL used instead of the spec's servers (credentials follow it)."""

    @model_validator(mode="before")
    @classmethod
    def _auth_secrets(cls, data: Any, info: ValidationInfo) -> Any:
        """Refuse inline secrets; merge a ``secrets_file`` (read next to gpt.yaml)."""
        if not isinstance(data, dict) or not isinstance(data.get("auth"), dict):
            return data
        auth = dict(data["auth"])
        if "type" not in auth:
            raise ValueError(
                "auth needs a `type:` (none, api_key or oauth), e.g. "
                "{type: api_key, scheme: bearer, key_env: MY_KEY}"
            )
        _refuse_inline_secrets(auth)
        secrets_file = auth.pop("secrets_file", None)
        if secrets_file is not None:
            base = (info.context or {}).get("base")
            if not isinstance(base, Path):
                raise ValueError("auth.secrets_file is read next to gpt.yaml; use load_gpt_file()")
            _merge_secrets(auth, _read_secrets(base / str(secrets_file)))
        return {**data, "auth": auth}


def _refuse_inline_secrets(auth: dict[str, Any]) -> None:
    """Secrets belong in the environment or a secrets file, never in gpt.yaml itself."""
    places = [("auth", auth)]
    keys = auth.get("keys")
    if isinstance(keys, dict):
        places += [(f"auth.keys.{name}", entry) for name, entry in keys.items()]
    for where, block in places:
        if not isinstance(block, dict):
            continue
        for key in _INLINE_SECRETS:
            if key in block:
                raise ValueError(
                    f"{where}.{key} puts a secret in gpt.yaml; use {key}_env: VARIABLE_NAME, "
                    "or secrets_file: path/to/secrets.yaml"
                )


def _merge_secrets(auth: dict[str, Any], secrets: dict[str, Any]) -> None:
    """Put a secrets file's values into the auth block (``keys:`` per spec scheme too)."""
    for key in _INLINE_SECRETS:
        if key in secrets:
            auth[key] = secrets[key]
    file_keys = secrets.get("keys")
    if isinstance(file_keys, dict):
        merged = {name: dict(entry) for name, entry in (auth.get("keys") or {}).items()}
        for name, entry in file_keys.items():
            if isinstance(entry, dict) and "key" in entry:
                merged.setdefault(str(name), {})["key"] = entry["key"]
        auth["keys"] = merged


class ModelSettings(BaseModel):
    """The model this GPT asks for; the operator's settings say how to reach it."""

    model_config = ConfigDict(extra="forbid")
    provider: Literal["auto", "openai", "embedded"] = "auto"
    """auto: the OpenAI-compatible server when one is configured, else the embedded model."""
    model: str | None = Field(default=None, min_length=1, max_length=200)
    """Model name on the OpenAI-compatible server (wins over GPTFORGE_MODEL)."""
    temperature: float | None = Field(default=None, ge=0, le=2)


class GptDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=300)
    instructions: str = Field(default="", max_length=8000)
    conversation_starters: list[str] = Field(default_factory=list, max_length=4)
    returning_user_starters: list[str] = Field(default_factory=list, max_length=4)
    capabilities: Capabilities = Field(default_factory=Capabilities)
    actions: list[ActionDefinition] = Field(default_factory=list)
    knowledge_files: list[str] = Field(default_factory=list)
    """Names of the knowledge files the GPT had on the server it was exported from (their
    content is not in gpt.yaml; upload them to the GPT again)."""
    model: ModelSettings = Field(default_factory=ModelSettings)


def _read_secrets(path: Path) -> dict[str, Any]:
    try:
        secrets = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read secrets file {path}: {exc}") from None
    if not isinstance(secrets, dict):
        raise ValueError(f"{path} must map names such as `key:` to values")
    return secrets


def load_gpt_file(path: str | Path) -> tuple[GptDefinition, Path]:
    """The GPT in a gpt.yaml file and the folder relative paths resolve against."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text())
    except OSError as exc:
        raise ConfigError(f"Cannot read {file}: {exc.strerror}. Check the path.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{file} must be a mapping with at least `name:`.")
    base = file.resolve().parent
    try:
        return GptDefinition.model_validate(data, context={"base": base}), base
    except ValidationError as exc:
        raise ConfigError(f"{file}: {describe_validation_error(exc, root='gpt')}.") from None


def _derived_id(definition: ActionDefinition, spec: Spec) -> str:
    """The API's host (stable when actions are reordered or the spec renamed)."""
    if spec.server is not None:
        host = httpx.URL(spec.server.url).host
        if host:
            return host
    return Path(definition.openapi).stem or "action"


async def build_actions(
    gpt: GptDefinition, base: Path, *, policy: EgressPolicy | None = None
) -> list[Action]:
    """Load every action's spec; errors name the action and what to fix."""
    actions: list[Action] = []
    for index, definition in enumerate(gpt.actions):
        source = definition.openapi
        try:
            if is_url(source):
                spec = await load_spec(source, policy=policy)
            else:
                spec = load_spec_file(base / source)
        except SpecError as exc:
            raise ConfigError(f"actions[{index}] ({source}): {exc.message}") from exc
        known = {t.name for t in spec.tools}
        if definition.operations is not None:
            missing = [name for name in definition.operations if name not in known]
            if missing:
                raise ConfigError(
                    f"actions[{index}]: operations {missing} are not in {source}; "
                    f"known: {', '.join(sorted(known)[:20])}"
                )
        action_id = definition.id or _derived_id(definition, spec)
        for other_index, other in enumerate(actions):
            if other.id == action_id:
                raise ConfigError(
                    f"actions[{other_index}] and actions[{index}] both have the id "
                    f"{action_id!r}; give each an `id:` of its own in gpt.yaml."
                )
        actions.append(
            Action(
                id=action_id,
                spec=spec,
                auth=definition.auth,
                privacy_policy_url=definition.privacy_policy_url,
                operations=(
                    frozenset(definition.operations) if definition.operations is not None else None
                ),
                server_url=definition.server,
            )
        )
    return actions
