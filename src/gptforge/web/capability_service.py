"""Which capability toolsets join a turn, configured from the environment and the admin.

The GPT's capability checkboxes (``Capabilities``) decide which toolsets a turn gets;
the operator's settings (``GPTFORGE_SEARCH_*``, ``GPTFORGE_IMAGES_*``) and the admin's
stored ones (``PUT /api/v1/admin/capabilities``; a stored value wins, keys encrypted)
decide how they work. Web browsing and image generation come from
``gptforge.capabilities``; the code interpreter and knowledge toolsets plug in through
:data:`CAPABILITY_FACTORIES`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gptforge.capabilities import CapabilityConfig, builtin_toolsets
from gptforge.capabilities.code import CodeInterpreter
from gptforge.egress import EgressPolicy
from gptforge.errors import GptforgeError
from gptforge.runtime import Capabilities
from gptforge.store import AdminSettingsRepository, Conversation, FileRepository
from gptforge.toolsets import Toolset
from gptforge.web import knowledge_service
from gptforge.web.platform import Platform

log = logging.getLogger("gptforge.web.capabilities")

SEARCH_PROVIDER = "capability_search_provider"
SEARCH_URL = "capability_search_url"
SEARCH_API_KEY = "capability_search_api_key"
IMAGES_BASE_URL = "capability_images_base_url"
IMAGES_MODEL = "capability_images_model"
IMAGES_API_KEY = "capability_images_api_key"
SECRET_KEYS = (SEARCH_API_KEY, IMAGES_API_KEY)


@dataclass(frozen=True, kw_only=True)
class CapabilityRequest:
    """What a capability factory gets to build its toolset for one turn."""

    platform: Platform
    session: AsyncSession
    conversation: Conversation
    capabilities: Capabilities
    fields: Mapping[str, Any]
    """The GPT version's fields (draft or live snapshot) the conversation talks to."""
    config: CapabilityConfig
    policy: EgressPolicy


CapabilityFactory = Callable[[CapabilityRequest], Awaitable[Toolset | None]]


def code_interpreter(platform: Platform) -> CodeInterpreter:
    """The process's code interpreter (its sandbox sessions), made on first use."""
    if platform.code_interpreter is None:
        platform.code_interpreter = CodeInterpreter()
    return platform.code_interpreter


def sandbox_folder(platform: Platform, conversation_id: str) -> Path:
    """The conversation's working folder (``/work`` inside its sandbox)."""
    return platform.settings.data_dir / "sandbox" / conversation_id


async def _code_interpreter_toolset(request: CapabilityRequest) -> Toolset | None:
    interpreter = code_interpreter(request.platform)
    reason = await asyncio.to_thread(interpreter.available)
    if reason is not None:
        log.warning("code interpreter unavailable on this host: %s", reason)
        return None
    conversation = request.conversation
    uploads = {
        stored.name: stored.data
        for stored in await FileRepository(request.session).with_data(conversation.id)
        if stored.call_id is None
    }
    folder = sandbox_folder(request.platform, conversation.id)
    folder.mkdir(parents=True, exist_ok=True)
    return interpreter.toolset_for(conversation.id, folder, uploads)


async def _knowledge_toolset(request: CapabilityRequest) -> Toolset | None:
    return await knowledge_service.conversation_knowledge_toolset(
        request.platform, request.session, request.conversation
    )


async def forget_sandbox(platform: Platform, conversation_id: str) -> None:
    """Stop the conversation's sandbox session (this process) and delete its folder."""
    if platform.code_interpreter is not None:
        await platform.code_interpreter.manager.close(conversation_id)
    folder = sandbox_folder(platform, conversation_id)
    await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)


async def reap_code_sessions(platform: Platform, every: float = 60.0) -> None:
    """Shut down idle sandbox sessions for as long as the server runs."""
    while True:
        await asyncio.sleep(every)
        if platform.code_interpreter is not None:
            await platform.code_interpreter.manager.reap_idle()


CAPABILITY_FACTORIES: dict[str, CapabilityFactory] = {
    "code_interpreter": _code_interpreter_toolset,
    "knowledge": _knowledge_toolset,
}
"""Capability name (a ``Capabilities`` field) -> the factory of its toolset; called only
when the GPT enables it. A factory returning None leaves the capability out (the model
is then told it is not available)."""


async def stored_settings(session: AsyncSession) -> dict[str, Any]:
    """The admin's stored capability values (secrets still encrypted); unset ones absent."""
    repo = AdminSettingsRepository(session)
    found: dict[str, Any] = {}
    for key in (SEARCH_PROVIDER, SEARCH_URL, IMAGES_BASE_URL, IMAGES_MODEL):
        value = await repo.value(key)
        if value:
            found[key] = value
    for key in SECRET_KEYS:
        row = await repo.get(key)
        if row is not None and row.secret:
            found[key] = row.secret
    return found


async def capability_config(platform: Platform, session: AsyncSession) -> CapabilityConfig:
    """The environment's settings with the admin's stored values on top."""
    config = platform.settings.capability_config()
    stored = await stored_settings(session)

    def secret(key: str, default: str | None) -> str | None:
        return platform.secrets.decrypt(stored[key]) if key in stored else default

    search = replace(
        config.search,
        provider=stored.get(SEARCH_PROVIDER, config.search.provider),
        url=stored.get(SEARCH_URL, config.search.url),
        api_key=secret(SEARCH_API_KEY, config.search.api_key),
    )
    images = replace(
        config.images,
        base_url=stored.get(IMAGES_BASE_URL, config.images.base_url),
        model=stored.get(IMAGES_MODEL, config.images.model),
        api_key=secret(IMAGES_API_KEY, config.images.api_key),
    )
    return replace(config, search=search, images=images)


async def capability_toolsets(
    platform: Platform,
    session: AsyncSession,
    capabilities: Capabilities,
    conversation: Conversation,
    fields: Mapping[str, Any] | None = None,
) -> list[Toolset]:
    """The toolsets of the capabilities the GPT enables; one that cannot be built is left
    out (logged) and the chat goes on."""
    if not any(capabilities.model_dump().values()):
        return []
    try:
        config = await capability_config(platform, session)
    except GptforgeError as exc:  # e.g. a stored key the current secret key cannot open
        log.warning("stored capability settings unusable, environment only: %s", exc.message)
        config = platform.settings.capability_config()
    policy = await platform.egress_policy(session)
    toolsets = builtin_toolsets(
        config,
        policy=policy,
        limits=platform.settings.egress_limits(),
        web_browsing=capabilities.web_browsing,
        image_generation=capabilities.image_generation,
    )
    request = CapabilityRequest(
        platform=platform,
        session=session,
        conversation=conversation,
        capabilities=capabilities,
        fields=fields or {},
        config=config,
        policy=policy,
    )
    for name, factory in CAPABILITY_FACTORIES.items():
        if not getattr(capabilities, name, False):
            continue
        try:
            toolset = await factory(request)
        except Exception as exc:  # a broken capability must not stop the chat
            log.warning("capability %s left out of a turn: %s", name, type(exc).__name__)
            continue
        if toolset is not None:
            toolsets.append(toolset)
    return toolsets
