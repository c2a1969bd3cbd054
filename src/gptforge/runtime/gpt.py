"""A GPT's definition and its ``gpt.yaml`` file.

The fields follow the GPT editor: name, description, instructions, conversation
starters (and different ones for returning users), capabilities, actions, model.
Secrets never sit in gpt.yaml: an action's auth names environment variables
(``key_env``, ``client_secret_env``) or a ``secrets_file`` kept out of version control.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gptforge.actions import Action, parse_auth
from gptforge.egress import EgressPolicy
from gptforge.errors import ConfigError, SpecError, describe_validation_error
from gptforge.openapi import is_url, load_spec, load_spec_file

_INLINE_SECRETS = ("key", "client_secret")


class Capabilities(BaseModel):
    model_config = ConfigDict(extra="forbid")
    web_browsing: bool = False
    image_generation: bool = False
    code_interpreter: bool = False
    knowledge: bool = False


class ActionDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    openapi: str
    """Path (relative to gpt.yaml) or https URL of the OpenAPI document."""
    auth: dict[str, Any] = Field(default_factory=lambda: {"type": "none"})
    privacy_policy_url: str | None = None
    operations: list[str] | None = None
    """Operation names offered to the model; all when omitted."""
    server: str | None = None
    """Base URL used instead of the spec's servers (credentials follow it)."""


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: Literal["auto", "openai", "embedded"] = "auto"
    model: str | None = None
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
    model: ModelSettings = Field(default_factory=ModelSettings)

    @field_validator("actions")
    @classmethod
    def _no_inline_secrets(cls, actions: list[ActionDefinition]) -> list[ActionDefinition]:
        for index, action in enumerate(actions):
            for key in _INLINE_SECRETS:
                if key in action.auth:
                    raise ValueError(
                        f"actions[{index}].auth.{key} puts a secret in gpt.yaml; use "
                        f"{key}_env: VARIABLE_NAME, or secrets_file: path/to/secrets.yaml"
                    )
        return actions


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
    try:
        return GptDefinition.model_validate(data), file.resolve().parent
    except ValidationError as exc:
        raise ConfigError(f"{file}: {describe_validation_error(exc, root='gpt')}.") from None


def _auth_with_secrets(auth: dict[str, Any], base: Path) -> dict[str, Any]:
    data = dict(auth)
    secrets_file = data.pop("secrets_file", None)
    if secrets_file:
        secrets_path = base / str(secrets_file)
        try:
            secrets = yaml.safe_load(secrets_path.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"Cannot read secrets file {secrets_path}: {exc}") from exc
        if not isinstance(secrets, dict):
            raise ConfigError(f"{secrets_path} must map names such as `key:` to values.")
        data.update({k: v for k, v in secrets.items() if k in _INLINE_SECRETS})
    return data


async def build_actions(
    gpt: GptDefinition, base: Path, *, policy: EgressPolicy | None = None
) -> list[Action]:
    """Load every action's spec and auth; errors name the action and what to fix."""
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
        auth = parse_auth(
            _auth_with_secrets(definition.auth, base), source=f"actions[{index}].auth"
        )
        known = {t.name for t in spec.tools}
        if definition.operations is not None:
            missing = [name for name in definition.operations if name not in known]
            if missing:
                raise ConfigError(
                    f"actions[{index}]: operations {missing} are not in {source}; "
                    f"known: {', '.join(sorted(known)[:20])}"
                )
        actions.append(
            Action(
                id=f"{index}-{(spec.title or 'action').lower().replace(' ', '-')[:40]}",
                spec=spec,
                auth=auth,
                privacy_policy_url=definition.privacy_policy_url,
                operations=frozenset(definition.operations) if definition.operations else None,
                server_url=definition.server,
            )
        )
    return actions
