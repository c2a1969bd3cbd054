"""A real HTTP server that validates every request against the spec with openapi-core.

It answers 400 with the validation errors, or 200 with the parameters and body as
openapi-core read them, so tests can check values round-trip exactly.
"""

from __future__ import annotations

from typing import Any

from openapi_core import OpenAPI
from openapi_core.contrib.starlette import StarletteOpenAPIRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    return value


def validating_app(spec: dict[str, Any]) -> Starlette:
    openapi = OpenAPI.from_dict(spec)
    seen: list[dict[str, Any]] = []

    async def handle(request: Request) -> JSONResponse:
        # Match on the path as sent: ASGI servers decode %2F into "/", which would hide
        # whether a value stayed inside its segment.
        request.scope["path"] = request.scope["raw_path"].decode("latin-1")
        body = await request.body()
        result = openapi.unmarshal_request(StarletteOpenAPIRequest(request, body=body))
        record = {
            "method": request.method,
            "path": request.url.path,
            "raw_query": request.url.query,
            "headers": dict(request.headers),
            "errors": [repr(e) + " " + repr(getattr(e, "__cause__", None)) for e in result.errors],
        }
        seen.append(record)
        if result.errors:
            return JSONResponse(record, status_code=400)
        params = result.parameters
        return JSONResponse(
            {
                "path": _plain(dict(params.path)),
                "query": _plain(dict(params.query)),
                "header": _plain(dict(params.header)),
                "cookie": _plain(dict(params.cookie)),
                "body": _plain(result.body),
            }
        )

    app = Starlette(
        routes=[Route("/{rest:path}", handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
    )
    app.state.seen = seen
    return app
