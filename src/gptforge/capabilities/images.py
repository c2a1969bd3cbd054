"""Image generation: ``generate_image(prompt, size)`` against an OpenAI-compatible API.

``POST {base_url}/images/generations`` with ``response_format: b64_json``; the image
comes back as a :class:`~gptforge.toolsets.ResultFile` for the user (stored with the
conversation and shown inline), while the model only reads that it was shown.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import anyio
import httpx

from gptforge.capabilities.config import ImageConfig, allow_entry
from gptforge.capabilities.http import Outbound, json_error_text, one_line
from gptforge.egress import EgressLimits, EgressPolicy
from gptforge.errors import ConfigError, EgressBlockedError, EgressError
from gptforge.toolsets import (
    CallContext,
    CallOutcome,
    CallResult,
    ResultFile,
    ToolInfo,
    capability_key,
)

KEY = capability_key("image_generation")
INSTRUCTIONS = (
    "Image generation: generate_image makes a picture from a detailed prompt and shows it to "
    "the user directly. Do not describe a link or embed it yourself; mention it briefly."
)
NOT_SET_UP = (
    "Image generation is not available on this server (it is not set up). Tell the user; do "
    "not retry it."
)
FAILED = "The image could not be generated ({reason}). Tell the user; do not retry it now."
MAX_PROMPT_CHARS = 4000
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def image_type(data: bytes) -> tuple[str, str] | None:
    """The media type and extension of PNG, JPEG, GIF or WebP bytes; None otherwise."""
    for magic, media_type, extension in _MAGIC:
        if data.startswith(magic):
            return media_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def image_name(prompt: str, extension: str) -> str:
    """A file name from the prompt's first words, e.g. ``otter-in-a-spacesuit.png``."""
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:6]
    stem = "-".join(words)[:60].strip("-") or "image"
    return f"{stem}.{extension}"


class ImageToolset:
    """``generate_image`` for one turn; says "not set up" when no images API is configured."""

    instructions = INSTRUCTIONS

    def __init__(self, *, config: ImageConfig, policy: EgressPolicy, limits: EgressLimits) -> None:
        self.config = config
        self.endpoint: str | None = None
        self.problem: str | None = None
        self.outbound: Outbound | None = None
        try:
            self.endpoint = config.endpoint()
        except ConfigError as exc:
            self.problem = exc.message
        else:
            # the operator named this host: it may be a local server (LocalAI, a GPU box)
            self.outbound = Outbound(
                policy=policy.extended([allow_entry(self.endpoint)]),
                limits=replace(
                    limits,
                    deadline_seconds=config.deadline_seconds,
                    max_response_bytes=config.max_response_bytes,
                ),
            )

    @property
    def key(self) -> str:
        return KEY

    @property
    def label(self) -> str:
        return "Image generation"

    def tools(self) -> Sequence[ToolInfo]:
        sizes = list(self.config.sizes)
        return [
            ToolInfo(
                name="generate_image",
                description=(
                    "Generate an image from a text prompt; the user sees it in the chat. "
                    "Write a detailed prompt (subject, style, composition, colours)."
                ),
                parameters={
                    "type": "object",
                    "properties": {
                        "prompt": {"type": "string", "description": "What to draw, in detail."},
                        "size": {
                            "type": "string",
                            "enum": sizes,
                            "default": sizes[0],
                            "description": "Width x height in pixels.",
                        },
                    },
                    "required": ["prompt"],
                    "additionalProperties": False,
                },
                label="generate an image",
                host=httpx.URL(self.endpoint).host if self.endpoint else None,
            )
        ]

    def summary(self, tool: str, arguments: Mapping[str, Any]) -> str:
        size = arguments.get("size") or self.config.sizes[0]
        return f"{self.config.model} {size}: {one_line(str(arguments.get('prompt', '')), 200)}"

    async def run(
        self, tool: str, arguments: Mapping[str, Any], context: CallContext
    ) -> CallOutcome:
        if tool != "generate_image":
            return CallResult(status="invalid_arguments", content=f"There is no tool {tool!r}.")
        prompt = arguments.get("prompt")
        size = arguments.get("size") or self.config.sizes[0]
        if not isinstance(prompt, str) or not prompt.strip():
            return CallResult(status="invalid_arguments", content="Describe the image as `prompt`.")
        if size not in self.config.sizes:
            return CallResult(
                status="invalid_arguments",
                content=f"`size` must be one of {', '.join(self.config.sizes)}.",
            )
        if self.outbound is None or self.endpoint is None:
            return CallResult(status="blocked", content=NOT_SET_UP, message=self.problem)
        return await self._generate(prompt.strip()[:MAX_PROMPT_CHARS], str(size))

    async def _generate(self, prompt: str, size: str) -> CallResult:
        assert self.outbound is not None and self.endpoint is not None
        headers = {"Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        request = httpx.Request(
            "POST",
            self.endpoint,
            json={
                "model": self.config.model,
                "prompt": prompt,
                "n": 1,
                "size": size,
                "response_format": "b64_json",
            },
            headers=headers,
        )
        record: dict[str, Any] = {"method": "POST", "url": self.endpoint, "size": size}
        started = anyio.current_time()

        def result(
            status: Any, content: str, message: str | None = None, **extra: Any
        ) -> CallResult:
            if message:
                record["error"] = message
            return CallResult(
                status=status,
                content=content,
                message=message,
                record=record,
                duration_ms=(anyio.current_time() - started) * 1000,
                **extra,
            )

        try:
            response = await self.outbound.send(request)
        except EgressError as exc:
            blocked = isinstance(exc, EgressBlockedError)
            return result(
                "blocked" if blocked else "network_error",
                FAILED.format(reason="the image service could not be reached"),
                f"The images API: {exc.message}",
            )
        record["status"] = response.status_code
        if response.status_code >= 400:
            detail = self._scrub(json_error_text(response))
            if response.status_code in (401, 403):
                return result(
                    "http_error",
                    NOT_SET_UP,
                    f"The images API refused the API key (HTTP {response.status_code}); set a "
                    "valid key in GPTFORGE_IMAGES_API_KEY or the admin settings.",
                    http_status=response.status_code,
                )
            reason = f"the image service answered: {detail}" if detail else "a service error"
            return result(
                "http_error",
                FAILED.format(reason=reason),
                f"The images API answered HTTP {response.status_code}"
                + (f": {detail}" if detail else "."),
                http_status=response.status_code,
            )
        image, revised = _decoded(response.content)
        kind = image_type(image) if image is not None else None
        if image is None or kind is None:
            return result(
                "failed",
                FAILED.format(reason="the image service sent no usable image"),
                "The images API answered without a PNG, JPEG, GIF or WebP image in "
                "data[0].b64_json; check that it is OpenAI-compatible and supports "
                "response_format=b64_json.",
                http_status=response.status_code,
            )
        media_type, extension = kind
        name = image_name(prompt, extension)
        record.update(file=name, media_type=media_type, bytes=len(image))
        content = f"The image {name} ({size}) was generated and is shown to the user."
        if revised:
            content += f" The service revised the prompt to: {one_line(revised, 600)}"
        return result(
            "ok",
            content,
            http_status=response.status_code,
            files=(ResultFile(name=name, media_type=media_type, data=image),),
        )

    def _scrub(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "***") if key and len(key) >= 4 else text


def _decoded(body: bytes) -> tuple[bytes | None, str]:
    """The first image's bytes and revised prompt from an images API answer."""
    try:
        data = httpx.Response(200, content=body).json()
    except ValueError:
        return None, ""
    items = data.get("data") if isinstance(data, dict) else None
    first = items[0] if isinstance(items, list) and items else None
    if not isinstance(first, dict) or not isinstance(first.get("b64_json"), str):
        return None, ""
    try:
        image = base64.b64decode(first["b64_json"], validate=True)
    except (binascii.Error, ValueError):
        return None, ""
    revised = first.get("revised_prompt")
    return image, revised if isinstance(revised, str) else ""
