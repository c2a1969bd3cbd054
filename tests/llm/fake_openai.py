"""A small OpenAI-compatible chat server for tests: streams a scripted reply as SSE.

If the last message is the user's, it asks for the tools named in ``calls`` (as
parallel tool calls, split over several chunks like real servers do); after tool
results it answers with text that quotes them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route


def fake_openai_app(
    calls: list[tuple[str, dict[str, Any]]], models: tuple[str, ...] = ("fake-model",)
) -> Starlette:
    """The server; ``GET /v1/models`` lists ``models``."""
    seen: list[dict[str, Any]] = []

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n"

    async def completions(request: Request) -> StreamingResponse:
        payload = await request.json()
        seen.append({"payload": payload, "authorization": request.headers.get("authorization")})
        last = payload["messages"][-1]

        async def stream() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            if last["role"] == "user":
                for index, (name, args) in enumerate(calls):
                    text = json.dumps(args)
                    yield chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": index,
                                    "id": f"call_{index}",
                                    "type": "function",
                                    "function": {"name": name, "arguments": text[:5]},
                                }
                            ]
                        }
                    )
                    yield chunk(
                        {"tool_calls": [{"index": index, "function": {"arguments": text[5:]}}]}
                    )
                yield chunk({}, "tool_calls")
            else:
                results = [m["content"] for m in payload["messages"] if m["role"] == "tool"]
                for piece in ["Here is what I found: ", *results]:
                    yield chunk({"content": piece})
                yield chunk({}, "stop")
            usage = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "fake",
                "choices": [],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
            yield f"data: {json.dumps(usage)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def list_models(request: Request) -> JSONResponse:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in models]
        return JSONResponse({"object": "list", "data": data})

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/v1/models", list_models),
        ]
    )
    app.state.seen = seen
    return app
