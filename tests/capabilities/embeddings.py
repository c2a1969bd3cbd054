"""A loopback stand-in for an OpenAI-compatible embeddings API, with deterministic vectors.

Each vector counts the words of a few "concepts" (``refund``, ``money``, ``reimburse``
land on the same axis), so it can match a question to a passage that shares none of its
words. Only the model ``concepts-1`` exists.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CONCEPTS = [
    {"refund", "refunds", "money", "reimburse", "reimbursed", "back", "repay"},
    {"ship", "shipping", "delivery", "deliver", "courier", "parcel"},
    {"password", "login", "sign", "credentials", "locked"},
    {"holiday", "vacation", "leave", "days", "off"},
]


def concept_vector(text: str) -> list[float]:
    words = re.findall(r"[a-z]+", text.lower())
    return [0.01] + [float(sum(w in concept for w in words)) for concept in CONCEPTS]


def embeddings_app(seen: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> JSONResponse:
        body = await request.json()
        seen.append({"body": body, "auth": request.headers.get("authorization")})
        if body.get("model") != "concepts-1":
            return JSONResponse({"error": {"message": "no such model"}}, status_code=404)
        data = [
            {"object": "embedding", "index": i, "embedding": concept_vector(text)}
            for i, text in enumerate(body["input"])
        ]
        return JSONResponse(
            {
                "object": "list",
                "data": list(reversed(data)),  # any order: the index field says which is which
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        )

    return app
