"""The models a GPT can ask for on this server, for the editor's model choice."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from gptforge.llm import DEFAULT_OPENAI_MODEL
from gptforge.web.deps import CurrentSubject, DbSession, PlatformDep
from gptforge.web.platform import ProviderConfig

router = APIRouter(tags=["models"])

EMBEDDED_LABEL = "Offline model on this server (Qwen2.5-Coder 1.5B)"


class ModelChoiceOut(BaseModel):
    """One value for a GPT's ``model`` field, with the words the editor shows for it."""

    provider: Literal["auto", "openai", "embedded"]
    model: str | None
    label: str


class ModelsOut(BaseModel):
    choices: list[ModelChoiceOut]
    """``auto`` (the server's default) first."""
    note: str | None
    """Why the model server's own list is missing, when it is."""


@router.get("/models")
async def list_model_choices(
    _subject: CurrentSubject, session: DbSession, platform: PlatformDep
) -> ModelsOut:
    """What a GPT's ``model`` can be here: the server's default, the offline model, and
    the models the configured OpenAI-compatible server lists."""
    if platform.provider is not None:  # one model for every chat (a fixed provider)
        label = f"Server default ({platform.provider.name})"
        return ModelsOut(
            choices=[ModelChoiceOut(provider="auto", model=None, label=label)], note=None
        )
    config = await platform.provider_config()
    choices = [ModelChoiceOut(provider="auto", model=None, label=_default_label(config))]
    choices.append(ModelChoiceOut(provider="embedded", model=None, label=EMBEDDED_LABEL))
    note = None
    if _has_server(config):
        async with platform.db.away(session):  # asks the model server (5 s at most)
            models, note = await platform.server_models(config)
        named = config.model or DEFAULT_OPENAI_MODEL
        for model in dict.fromkeys([named, *models]):
            choices.append(ModelChoiceOut(provider="openai", model=model, label=model))
    return ModelsOut(choices=choices, note=note)


def _has_server(config: ProviderConfig) -> bool:
    return bool(config.base_url or config.api_key)


def _default_label(config: ProviderConfig) -> str:
    if _has_server(config):
        return f"Server default ({config.model or DEFAULT_OPENAI_MODEL})"
    return "Server default (the offline model)"
