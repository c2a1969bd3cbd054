"""Errors the API answers with, and the handlers that render every failure the same way.

Every error body is ``{"error": {"code", "message", "details"}}``. Expected failures are
:class:`ApiError` subclasses that carry their status; errors from the layers below are
mapped here, in one place; anything unexpected is logged and answered without detail.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gptforge.errors import ConfigError, EgressError, GptforgeError, SpecError

log = logging.getLogger("gptforge.web")


class ApiError(Exception):
    """An expected failure with its HTTP status, machine code and a message for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class Unprocessable(ApiError):
    status = 422
    code = "invalid_request"


class TooManyRequests(ApiError):
    status = 429
    code = "too_many_requests"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        code: str | None = None,
        retry_after: int = 900,
    ) -> None:
        super().__init__(message, details=details, code=code)
        self.retry_after = retry_after
        """Seconds until a retry can succeed (the ``Retry-After`` header)."""


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorDetail


_STATUS_MEANING = {
    400: "Bad request.",
    401: "Not signed in, or the token is not valid.",
    403: "Not allowed (not the owner, not an admin, or a cross-site request).",
    404: "No such object, or one you may not see.",
    409: "Conflicts with existing data.",
    413: "The request body is too large.",
    422: "The request is not valid; `details` says what to fix.",
    429: "Too many attempts; wait and retry.",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": meaning}
    for status, meaning in _STATUS_MEANING.items()
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, never the submitted value (it may be a password or an API key)."""
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    response = _response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    summary = "; ".join(f"{'.'.join(d['loc'][1:] or d['loc'])}: {d['msg']}" for d in details[:5])
    return _response(422, "invalid_request", f"The request is not valid: {summary}.", details)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        404: "not_found",
        405: "method_not_allowed",
    }
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    if exc.status_code == 404:
        message = "No such endpoint. See /openapi.json for the API."
    response = _response(exc.status_code, codes.get(exc.status_code, "http_error"), message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _gptforge_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GptforgeError)
    if isinstance(exc, SpecError):
        return _response(422, "invalid_schema", exc.message)
    if isinstance(exc, EgressError):
        return _response(422, "url_refused", exc.message)
    if isinstance(exc, ConfigError):
        return _response(422, "invalid_settings", exc.message)
    return _response(422, "unprocessable", exc.message)


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", type(exc).__name__)
    return _response(409, "conflict", "This conflicts with existing data; reload and try again.")


async def _stale_data(_request: Request, exc: Exception) -> JSONResponse:
    log.info("stale data: %s", type(exc).__name__)
    return _response(
        409, "conflict", "Another request changed or deleted this meanwhile; reload and try again."
    )


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database error: %s", type(exc).__name__)
    return _response(
        503, "database_unavailable", "The database is busy or unavailable; try again shortly."
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A lost connection (the database restarted or dropped it; the pool replaces it) is
    the database being unavailable for a moment; any other driver error is a bug."""
    if getattr(exc, "connection_invalidated", False):
        return await _database_unavailable(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
    return _response(500, "internal_error", "Something went wrong on the server; try again.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(GptforgeError, _gptforge_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # no free connection
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
