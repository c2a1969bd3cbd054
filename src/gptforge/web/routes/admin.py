"""Administration: accounts, sign-up mode, the action host allowlist, the model provider."""

from __future__ import annotations

from fastapi import APIRouter, status

from gptforge.egress import parse_allow_entry
from gptforge.errors import ConfigError
from gptforge.store import AdminSettingsRepository, UserRepository
from gptforge.web.deps import AdminSubject, DbSession, PlatformDep
from gptforge.web.errors import Conflict, Unprocessable
from gptforge.web.platform import ALLOW_HOSTS_KEY
from gptforge.web.routes.accounts import user_out
from gptforge.web.schemas import AdminSettingsOut, AdminSettingsPatch, AdminUserIn, UserOut
from gptforge.web.signup import SIGNUP_KEY, signup_mode

router = APIRouter(prefix="/admin", tags=["admin"])
PROVIDER_BASE_URL = "provider_base_url"
PROVIDER_MODEL = "provider_model"
PROVIDER_API_KEY = "provider_api_key"


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
    user = await users.create(
        email=body.email,
        display_name=body.display_name,
        password_hash=await platform.passwords.hash(body.password),
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
    return await _settings_out(platform, session)
