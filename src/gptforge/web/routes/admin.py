"""Administration: accounts, sign-up mode, the action host allowlist, the model provider."""

from __future__ import annotations

import logging
import time

import anyio
from fastapi import APIRouter, status

from gptforge.egress import parse_allow_entry
from gptforge.errors import ConfigError, GptforgeError
from gptforge.llm import Message, ModelProvider, TextDelta
from gptforge.store import AdminSettingsRepository, UserRepository
from gptforge.web.deps import AdminSubject, DbSession, PlatformDep
from gptforge.web.errors import Conflict, Unprocessable
from gptforge.web.platform import (
    ALLOW_HOSTS_KEY,
    PROVIDER_API_KEY,
    PROVIDER_BASE_URL,
    PROVIDER_MODEL,
    Platform,
    ProviderConfig,
)
from gptforge.web.routes.accounts import user_out
from gptforge.web.schemas import (
    AdminSettingsOut,
    AdminSettingsPatch,
    AdminUserIn,
    ModelTestOut,
    UserOut,
)
from gptforge.web.signup import SIGNUP_KEY, signup_mode

log = logging.getLogger("gptforge.web.admin")
router = APIRouter(prefix="/admin", tags=["admin"])
MODEL_TEST_PROMPT = "Reply with the single word OK."
MODEL_TEST_SECONDS = 60.0


@router.get("/users")
async def list_users(_admin: AdminSubject, session: DbSession) -> list[UserOut]:
    return [user_out(u) for u in await UserRepository(session).list()]


@router.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(
    body: AdminUserIn, _admin: AdminSubject, session: DbSession, platform: PlatformDep
) -> UserOut:
    """Create an account (the way in when sign-up is closed)."""
    users = UserRepository(session)
    if await users.by_email(body.email) is not None:
        raise Conflict("An account with this email exists.", code="email_taken")
    async with platform.db.away(session):  # argon2 takes a good part of a second
        password_hash = await platform.passwords.hash(body.password)
    user = await users.create(
        email=body.email,
        display_name=body.display_name,
        password_hash=password_hash,
        is_admin=body.is_admin,
    )
    return user_out(user)


async def _settings_out(platform: PlatformDep, session: DbSession) -> AdminSettingsOut:
    repo = AdminSettingsRepository(session)
    key = await repo.get(PROVIDER_API_KEY)
    return AdminSettingsOut(
        signup=await signup_mode(platform, session),
        allow_hosts=await repo.value(ALLOW_HOSTS_KEY) or [],
        env_allow_hosts=list(platform.settings.allow_hosts),
        provider_base_url=await repo.value(PROVIDER_BASE_URL),
        provider_model=await repo.value(PROVIDER_MODEL),
        provider_api_key_set=key is not None and key.secret is not None,
    )


@router.get("/settings")
async def get_settings(
    _admin: AdminSubject, session: DbSession, platform: PlatformDep
) -> AdminSettingsOut:
    return await _settings_out(platform, session)


@router.patch("/settings")
async def update_settings(
    body: AdminSettingsPatch, _admin: AdminSubject, session: DbSession, platform: PlatformDep
) -> AdminSettingsOut:
    """Change only the fields sent; the API key is write-only (``""`` removes it)."""
    repo = AdminSettingsRepository(session)
    sent = body.model_fields_set
    if "allow_hosts" in sent:
        hosts = body.allow_hosts or []
        for entry in hosts:
            try:
                parse_allow_entry(entry)
            except ConfigError as exc:
                raise Unprocessable(
                    f"allow_hosts: {entry!r} is not usable: {exc.message}",
                    code="invalid_allow_host",
                ) from None
        await repo.set_value(ALLOW_HOSTS_KEY, hosts)
    if "signup" in sent:
        await repo.set_value(SIGNUP_KEY, body.signup)
    if "provider_base_url" in sent:
        await repo.set_value(PROVIDER_BASE_URL, body.provider_base_url)
    if "provider_model" in sent:
        await repo.set_value(PROVIDER_MODEL, body.provider_model)
    if "provider_api_key" in sent:
        key = body.provider_api_key
        await repo.set_secret(PROVIDER_API_KEY, platform.secrets.encrypt(key) if key else None)
    await session.flush()
    out = await _settings_out(platform, session)
    await session.commit()  # before the next turn of this process reads the settings
    platform.forget_provider()
    platform.forget_egress_policy()
    return out


@router.post("/model/test")
async def test_model(
    _admin: AdminSubject, session: DbSession, platform: PlatformDep
) -> ModelTestOut:
    """Send a tiny prompt to the provider chats use now; ``ok`` and its reply, or the error."""
    config = await platform.provider_config()
    started = time.perf_counter()
    try:
        provider = platform.provider or platform.build_provider(config)
        async with platform.db.away(session):  # the model may take a minute
            with anyio.fail_after(MODEL_TEST_SECONDS):
                reply = await _ask(provider)
    except TimeoutError:
        return _test_out(
            platform,
            config,
            started,
            error=f"The model did not answer in {MODEL_TEST_SECONDS:.0f} s.",
        )
    except GptforgeError as exc:
        return _test_out(platform, config, started, error=config.redacted(exc.message))
    except Exception as exc:  # a provider library's own failure: say what, never the key
        log.warning("model test failed: %s", type(exc).__name__)
        return _test_out(
            platform,
            config,
            started,
            error=f"The model call failed ({type(exc).__name__}); see the server log.",
        )
    return _test_out(platform, config, started, reply=reply)


async def _ask(provider: ModelProvider) -> str:
    text: list[str] = []
    messages: list[Message] = [{"role": "user", "content": MODEL_TEST_PROMPT}]
    async for event in provider.stream(messages, []):
        if isinstance(event, TextDelta):
            text.append(event.text)
    return "".join(text)


def _test_out(
    platform: Platform,
    config: ProviderConfig,
    started: float,
    *,
    reply: str | None = None,
    error: str | None = None,
) -> ModelTestOut:
    fixed = platform.provider
    return ModelTestOut(
        ok=error is None,
        provider=f"fixed:{fixed.name}" if fixed else _describe(config),
        source="fixed" if fixed else config.source,
        model=config.model,
        reply=reply[:500] if reply is not None else None,
        error=error,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _describe(config: ProviderConfig) -> str:
    if config.base_url or config.api_key:
        return f"openai-compatible:{config.base_url or 'https://api.openai.com/v1'}"
    return "embedded"
