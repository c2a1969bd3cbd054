"""A small real OAuth2 authorization server for tests (authorization code + PKCE + refresh).

It checks what a strict provider checks: client credentials in the configured place
(POST body or HTTP Basic), redirect URI, one-time codes, the S256 code verifier, and
refresh tokens that can be revoked. Tokens it issued are accepted by its /api/me.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass
class OAuthServerState:
    client_id: str = "client-1"
    client_secret: str = "s3cret-value"
    auth_method: str = "client_secret_post"
    token_lifetime: int = 3600
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    require_pkce: bool = True


def oauth_app(state: OAuthServerState) -> Starlette:
    async def authorize(request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != state.client_id or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if state.require_pkce and q.get("code_challenge_method") != "S256":
            return JSONResponse(
                {"error": "invalid_request", "error_description": "PKCE required"}, status_code=400
            )
        code = secrets.token_urlsafe(16)
        state.codes[code] = {
            "redirect_uri": q.get("redirect_uri"),
            "challenge": q.get("code_challenge"),
            "scope": q.get("scope", ""),
            "user": q.get("login_as", "alice"),
        }
        target = f"{q.get('redirect_uri')}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        return RedirectResponse(target, status_code=302)

    def client_ok(request: Request, form: Any) -> bool:
        if state.auth_method == "client_secret_basic":
            header = request.headers.get("authorization", "")
            if not header.startswith("Basic "):
                return False
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return (
                user == state.client_id
                and password == state.client_secret
                and "client_secret" not in form
            )
        return (
            form.get("client_id") == state.client_id
            and form.get("client_secret") == state.client_secret
        )

    def issue(user: str, scope: str) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        state.access[access] = user
        state.refresh[refresh] = user
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": state.token_lifetime,
            "scope": scope,
        }

    async def token(request: Request) -> Response:
        form = dict(await request.form())
        state.token_requests.append(
            {"form": form, "authorization": request.headers.get("authorization")}
        )
        if not client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            entry = state.codes.pop(str(form.get("code")), None)
            if entry is None or entry["redirect_uri"] != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if (
                entry["challenge"]
                and create_s256_code_challenge(str(form.get("code_verifier", "")))
                != entry["challenge"]
            ):
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "bad code_verifier"},
                    status_code=400,
                )
            return JSONResponse(issue(entry["user"], entry["scope"]))
        if grant == "refresh_token":
            user = state.refresh.pop(str(form.get("refresh_token")), None)
            if user is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse(issue(user, ""))
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def me(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        user = state.access.get(header.removeprefix("Bearer "))
        if user is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"user": user, "at": time.time()})

    return Starlette(
        routes=[
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
            Route("/api/me", me),
        ]
    )


def revoke_all(state: OAuthServerState) -> None:
    state.access.clear()
    state.refresh.clear()


def expire_access_tokens(state: OAuthServerState) -> None:
    state.access.clear()
