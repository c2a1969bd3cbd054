"""Administration of the built-in capabilities: the web search provider and the images API.

``PUT`` changes only the fields sent; a field sent as ``null`` or ``""`` removes the
stored value, so the environment's (``GPTFORGE_SEARCH_*``, ``GPTFORGE_IMAGES_*``)
applies again. API keys are write-only (encrypted at rest); answers say only whether
one is set.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, StringConstraints

from gptforge.capabilities import CapabilityConfig, SearchProviderName
from gptforge.errors import ConfigError
from gptforge.store import AdminSettingsRepository
from gptforge.web import capability_service as caps
from gptforge.web.deps import AdminSubject, DbSession, PlatformDep
from gptforge.web.errors import Unprocessable
from gptforge.web.schemas import Input

router = APIRouter(prefix="/admin", tags=["admin"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Secret = Annotated[str, StringConstraints(max_length=1000)]


class SearchSettingsIn(Input):
    provider: SearchProviderName | None = None
    url: Text | None = None
    """SearXNG's address (required for it); Brave and Tavily default to their public API."""
    api_key: Secret | None = None
    """Write-only (Brave, Tavily)."""


class ImageSettingsIn(Input):
    base_url: Text | None = None
    """An OpenAI-compatible API's base, e.g. ``http://gpu-box:8080/v1`` (default OpenAI)."""
    model: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    api_key: Secret | None = None
    """Write-only."""


class CapabilitySettingsIn(Input):
    search: SearchSettingsIn | None = None
    images: ImageSettingsIn | None = None


class SearchSettingsOut(BaseModel):
    provider: SearchProviderName | None
    url: str | None
    api_key_set: bool
    configured: bool
    status: str
    """What works, or what to set: shown in the admin page and the GPT editor."""


class ImageSettingsOut(BaseModel):
    base_url: str | None
    model: str
    api_key_set: bool
    configured: bool
    status: str


class CapabilitySettingsOut(BaseModel):
    """The settings in effect (stored values over the environment's)."""

    search: SearchSettingsOut
    images: ImageSettingsOut


def capability_settings_out(config: CapabilityConfig) -> CapabilitySettingsOut:
    search, images = config.search, config.images
    search_status, search_ok = _status(lambda: f"{search.provider} at {search.endpoint()}")
    images_status, images_ok = _status(lambda: f"{images.model} at {images.endpoint()}")
    return CapabilitySettingsOut(
        search=SearchSettingsOut(
            provider=search.provider,
            url=search.url,
            api_key_set=bool(search.api_key),
            configured=search_ok,
            status=search_status,
        ),
        images=ImageSettingsOut(
            base_url=images.base_url,
            model=images.model,
            api_key_set=bool(images.api_key),
            configured=images_ok,
            status=images_status,
        ),
    )


def _status(describe: Any) -> tuple[str, bool]:
    try:
        return str(describe()), True
    except ConfigError as exc:
        return exc.message, False


@router.get("/capabilities")
async def get_capabilities(
    _admin: AdminSubject, session: DbSession, platform: PlatformDep
) -> CapabilitySettingsOut:
    return capability_settings_out(await caps.capability_config(platform, session))


@router.put("/capabilities")
async def put_capabilities(
    body: CapabilitySettingsIn, _admin: AdminSubject, session: DbSession, platform: PlatformDep
) -> CapabilitySettingsOut:
    """Store the fields sent (``null``/``""`` removes one); refused when the result would
    not work (e.g. SearXNG without a URL), saying what is missing."""
    repo = AdminSettingsRepository(session)
    values: dict[str, Any] = {}
    secrets: dict[str, str | None] = {}
    if body.search is not None:
        sent = body.search.model_fields_set
        for field, key in (("provider", caps.SEARCH_PROVIDER), ("url", caps.SEARCH_URL)):
            if field in sent:
                values[key] = getattr(body.search, field) or None
        if "api_key" in sent:
            secrets[caps.SEARCH_API_KEY] = body.search.api_key or None
    if body.images is not None:
        sent = body.images.model_fields_set
        for field, key in (("base_url", caps.IMAGES_BASE_URL), ("model", caps.IMAGES_MODEL)):
            if field in sent:
                values[key] = getattr(body.images, field) or None
        if "api_key" in sent:
            secrets[caps.IMAGES_API_KEY] = body.images.api_key or None
    for key, value in values.items():
        await repo.set_value(key, value)
    for key, secret in secrets.items():
        await repo.set_secret(key, platform.secrets.encrypt(secret) if secret else None)
    await session.flush()
    config = await caps.capability_config(platform, session)
    _check(config)
    return capability_settings_out(config)


def _check(config: CapabilityConfig) -> None:
    """Refuse settings that cannot work (the request's transaction is rolled back)."""
    try:
        if config.search.provider is not None:
            config.search.endpoint()
        if config.images.base_url:
            config.images.endpoint()
    except ConfigError as exc:
        raise Unprocessable(exc.message, code="invalid_capability_settings") from None
