"""Request and response bodies of the HTTP API.

Request models forbid unknown fields, so a payload can only set what is listed here
(never an owner, a counter or an id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from gptforge.runtime.gpt import Capabilities, ModelSettings

CATEGORIES = (
    "writing",
    "productivity",
    "research",
    "education",
    "programming",
    "lifestyle",
    "travel",
    "other",
)
Category = Literal[
    "writing",
    "productivity",
    "research",
    "education",
    "programming",
    "lifestyle",
    "travel",
    "other",
]
Visibility = Literal["private", "link", "public"]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=1000)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Starter = Annotated[str, StringConstraints(max_length=500)]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://\S+$")]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ accounts


class SignupIn(Input):
    email: Email
    password: Password
    display_name: DisplayName


class LoginIn(Input):
    email: Annotated[str, StringConstraints(max_length=320)]
    password: Annotated[str, StringConstraints(max_length=1000)]


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    is_admin: bool


class AdminUserIn(SignupIn):
    is_admin: bool = False


class TokenIn(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TokenCreated(BaseModel):
    id: str
    name: str
    token: str
    """Shown once: only its hash is stored."""
    created_at: datetime


class TokenOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


# ---------------------------------------------------------------------- GPTs


class GptIn(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: Annotated[str, StringConstraints(max_length=300)] = ""
    instructions: Annotated[str, StringConstraints(max_length=8000)] = ""
    conversation_starters: Annotated[list[Starter], Field(max_length=4)] = []
    returning_user_starters: Annotated[list[Starter], Field(max_length=4)] = []
    capabilities: Capabilities = Field(default_factory=Capabilities)
    category: Category | None = None
    model: ModelSettings = Field(default_factory=ModelSettings)
    """The model the GPT asks for; ``GET /api/v1/models`` lists this server's choices."""


class GptPatch(Input):
    """Only the fields sent change; ``null`` is accepted only for ``category``."""

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=300)] | None = None
    instructions: Annotated[str, StringConstraints(max_length=8000)] | None = None
    conversation_starters: Annotated[list[Starter], Field(max_length=4)] | None = None
    returning_user_starters: Annotated[list[Starter], Field(max_length=4)] | None = None
    capabilities: Capabilities | None = None
    category: Category | None = None
    model: ModelSettings | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> GptPatch:
        for name in self.model_fields_set - {"category"}:
            if getattr(self, name) is None:
                raise ValueError(f"`{name}` cannot be null; leave it out to keep it")
        return self


class AuthOut(BaseModel):
    """An action's auth settings as clients see them: never the secret, only whether it is set."""

    model_config = ConfigDict(extra="allow")
    type: str
    secret_set: bool


class ActionSummary(BaseModel):
    id: str
    title: str | None
    host: str | None
    privacy_policy_url: str | None
    auth: AuthOut


class GptOut(BaseModel):
    """The owner's view: the draft and publishing state."""

    view: Literal["owner"] = "owner"
    id: str
    name: str
    description: str
    instructions: str
    conversation_starters: list[str]
    returning_user_starters: list[str]
    capabilities: Capabilities
    category: str | None
    model: ModelSettings
    visibility: Visibility
    live_version: int | None
    published_at: datetime | None
    conversation_count: int
    builder_name: str
    created_at: datetime
    updated_at: datetime
    actions: list[ActionSummary]


class PublicAction(BaseModel):
    host: str | None
    privacy_policy_url: str | None


class PublicGptOut(BaseModel):
    """What anyone who may see a published GPT learns about it: no instructions or schemas."""

    view: Literal["public"] = "public"
    id: str
    name: str
    description: str
    builder_name: str
    conversation_starters: list[str]
    returning_user_starters: list[str]
    capabilities: Capabilities
    category: str | None
    conversation_count: int
    published_at: datetime | None
    actions: list[PublicAction]


class PublishIn(Input):
    visibility: Visibility


class VersionOut(BaseModel):
    number: int
    visibility: Visibility
    name: str
    created_at: datetime
    is_live: bool


class SecretNeeded(BaseModel):
    action_id: str
    field: str
    message: str


class ImportOut(BaseModel):
    gpt: GptOut
    secrets_required: list[SecretNeeded]
    """Secrets gpt.yaml could not carry: enter them in each action's auth settings."""


# ------------------------------------------------------------------- actions


class ActionIn(Input):
    schema_text: str | None = Field(default=None, alias="schema", max_length=10_000_000)
    schema_url: Url | None = None
    auth: dict[str, Any] | None = None
    privacy_policy_url: Url | None = None
    enabled_operations: list[Annotated[str, StringConstraints(max_length=200)]] | None = None
    server_url: Url | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    @model_validator(mode="after")
    def _one_source(self) -> ActionIn:
        if (self.schema_text is None) == (self.schema_url is None):
            raise ValueError("give the schema as `schema` (text) or `schema_url`, not both")
        return self


class ActionPatch(Input):
    """Only the fields sent change; ``auth`` without its secret keeps the stored one."""

    schema_text: str | None = Field(default=None, alias="schema", max_length=10_000_000)
    schema_url: Url | None = None
    auth: dict[str, Any] | None = None
    privacy_policy_url: Url | None = None
    enabled_operations: list[Annotated[str, StringConstraints(max_length=200)]] | None = None
    server_url: Url | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ActionPatch:
        if self.schema_text is not None and self.schema_url is not None:
            raise ValueError("give the schema as `schema` (text) or `schema_url`, not both")
        return self


class OperationOut(BaseModel):
    name: str
    method: str
    path: str
    consequential: bool
    """True when the user must confirm every call (``x-openai-isConsequential``)."""
    confirmation: Literal["never", "ask", "always"]
    enabled: bool


class DiagnosticOut(BaseModel):
    code: str
    severity: Literal["error", "warning"]
    pointer: str
    message: str


class ActionOut(BaseModel):
    id: str
    title: str | None
    host: str | None
    schema_: str = Field(serialization_alias="schema")
    source_url: str | None
    server_url: str | None
    privacy_policy_url: str | None
    enabled_operations: list[str] | None
    auth: AuthOut
    operations: list[OperationOut]
    diagnostics: list[DiagnosticOut]
    usable: bool
    """False when the schema has errors that stop every operation (e.g. no server)."""
    created_at: datetime
    updated_at: datetime


class SchemaCheckIn(Input):
    schema_text: str | None = Field(default=None, alias="schema", max_length=10_000_000)
    schema_url: Url | None = None
    server_url: Url | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SchemaCheckIn:
        if (self.schema_text is None) == (self.schema_url is None):
            raise ValueError("give the schema as `schema` (text) or `schema_url`, not both")
        return self


class SchemaCheckOut(BaseModel):
    """What saving this schema would give, without saving it (for editors, as you type)."""

    title: str | None
    host: str | None
    operations: list[OperationOut]
    diagnostics: list[DiagnosticOut]
    usable: bool


class ActionTestIn(Input):
    operation: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    arguments: dict[str, Any] = Field(default_factory=dict)


class CallRecordOut(BaseModel):
    action: str
    operation: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body_excerpt: str
    status: int | None
    duration_ms: float
    response_excerpt: str
    response_type: str
    response_bytes: int
    error: str | None


class ActionTestOut(BaseModel):
    status: str
    """ok, http_error, invalid_arguments, blocked, network_error or sign_in_required."""
    content: str
    """What the model would read (secrets redacted)."""
    record: CallRecordOut | None


# --------------------------------------------------------------------- store


class StorePage(BaseModel):
    items: list[PublicGptOut]
    next_cursor: str | None


class CategoriesOut(BaseModel):
    categories: list[str]


# --------------------------------------------------------------------- admin


class AdminSettingsOut(BaseModel):
    signup: Literal["open", "closed"]
    allow_hosts: list[str]
    """Hosts set here; the GPTFORGE_ALLOW_HOSTS environment variable adds to them."""
    env_allow_hosts: list[str]
    provider_base_url: str | None
    provider_model: str | None
    provider_api_key_set: bool


class AdminSettingsPatch(Input):
    signup: Literal["open", "closed"] | None = None
    allow_hosts: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] | None = None
    provider_base_url: Url | None = None
    provider_model: Annotated[str, StringConstraints(max_length=200)] | None = None
    provider_api_key: Annotated[str, StringConstraints(max_length=1000)] | None = None
    """Write-only; an empty string removes the stored key."""


class ModelTestOut(BaseModel):
    """The answer of ``POST /api/v1/admin/model/test``: did the chats' model answer?"""

    ok: bool
    provider: str
    """``openai-compatible:<base URL>``, ``embedded``, or ``fixed:<name>`` (a provider the
    embedding code gave the server, e.g. in tests)."""
    source: Literal["admin", "environment", "fixed"]
    """Where the provider settings came from: the admin settings win when they hold a base
    URL or key."""
    model: str | None
    reply: str | None
    """The start of the model's reply to a tiny prompt."""
    error: str | None
    """What went wrong, for the admin (never the key)."""
    duration_ms: float


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: str
