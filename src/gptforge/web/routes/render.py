"""Markdown to sanitized HTML for the pages: model output never reaches a page unsanitized."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from gptforge.web.deps import CurrentSubject
from gptforge.web.markdown import render_markdown
from gptforge.web.schemas import Input

router = APIRouter(tags=["render"])


class RenderIn(Input):
    texts: Annotated[
        list[Annotated[str, StringConstraints(max_length=200_000)]], Field(max_length=200)
    ]


class RenderOut(BaseModel):
    html: list[str]
    """One sanitized HTML fragment per text, in order: no script, no images (links)."""


@router.post("/render")
async def render(body: RenderIn, _subject: CurrentSubject) -> RenderOut:
    """Markdown (a model's answers) as HTML that is safe to insert into a page."""
    return RenderOut(html=[render_markdown(text) for text in body.texts])
