"""API keys, redaction, results the model reads, and confirmation rules."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor, confirmation_policy, parse_auth
from gptforge.egress import EgressClient, EgressLimits, EgressPolicy
from gptforge.errors import ConfigError
from gptforge.openapi import parse_spec
from tests.servers import serve

SECRET = "sk-test-0123456789abcdef"


def echo_into(received: list[dict[str, Any]]) -> Any:
    async def echo(request: Request) -> Response:
        seen = {"headers": dict(request.headers), "query": dict(request.query_params)}
        received.append(seen)
        return JSONResponse(seen)

    return echo


async def leak(request: Request) -> Response:
    return PlainTextResponse(f"your key is {request.headers.get('authorization')}", status_code=403)


async def huge(request: Request) -> Response:
    return PlainTextResponse("z" * 250_000)


async def image(request: Request) -> Response:
    return Response(b"\x89PNG\r\n" + bytes(1000), media_type="image/png")


async def away(request: Request) -> Response:
    return RedirectResponse(request.query_params["to"])


def make_app(received: list[dict[str, Any]]) -> Starlette:
    return Starlette(
        routes=[
            Route("/echo", echo_into(received), methods=["GET", "POST"]),
            Route("/leak", leak),
            Route("/huge", huge),
            Route("/image", image),
            Route("/away", away),
        ]
    )


@pytest.fixture
def received() -> list[dict[str, Any]]:
    """What the test API received, in order (one list per test)."""
    return []


@pytest.fixture
def api(received: list[dict[str, Any]]) -> Iterator[str]:
    with serve(make_app(received)) as url:
        yield url


@pytest.fixture
def other_api() -> Iterator[str]:
    with serve(make_app([])) as url:
        yield url


def make_spec(url: str, extra_security: dict[str, Any] | None = None) -> Any:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Echo", "version": "1"},
        "servers": [{"url": url}],
        "paths": {
            "/echo": {
                "get": {"operationId": "echo", "responses": {"200": {"description": "ok"}}},
                "post": {
                    "operationId": "echoPost",
                    "x-openai-isConsequential": False,
                    "responses": {"200": {"description": "ok"}},
                },
            },
            "/public": {
                "get": {
                    "operationId": "public",
                    "security": [],
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/leak": {"get": {"operationId": "leak", "responses": {"403": {"description": "no"}}}},
            "/huge": {"get": {"operationId": "huge", "responses": {"200": {"description": "ok"}}}},
            "/image": {
                "get": {"operationId": "image", "responses": {"200": {"description": "ok"}}}
            },
            "/away": {
                "get": {
                    "operationId": "away",
                    "parameters": [
                        {
                            "name": "to",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"302": {"description": "moved"}},
                }
            },
        },
    }
    doc["paths"]["/public"]["get"]["servers"] = [{"url": url}]
    if extra_security:
        doc["components"] = {"securitySchemes": extra_security}
        doc["security"] = [{name: []} for name in extra_security]
    return parse_spec(json.dumps(doc))


@pytest.fixture
async def egress(api: str, other_api: str) -> AsyncIterator[EgressClient]:
    policy = EgressPolicy.from_entries(
        [httpx.URL(api).netloc.decode(), httpx.URL(other_api).netloc.decode()]
    )
    async with EgressClient(
        policy=policy, limits=EgressLimits(max_response_bytes=200_000)
    ) as client:
        yield client


async def run(
    egress: EgressClient, action: Action, tool: str, args: dict[str, Any] | None = None, **kw: Any
) -> Any:
    result = await ActionExecutor(egress=egress, **kw).execute(action, tool, args or {})
    return result


@pytest.mark.parametrize(
    ("auth", "where", "expected"),
    [
        (
            {"type": "api_key", "scheme": "bearer", "key": SECRET},
            "header",
            ("authorization", f"Bearer {SECRET}"),
        ),
        (
            {"type": "api_key", "scheme": "basic", "key": "user:pw"},
            "header",
            ("authorization", "Basic " + base64.b64encode(b"user:pw").decode()),
        ),
        (
            {"type": "api_key", "scheme": "custom", "header": "X-Api-Key", "key": SECRET},
            "header",
            ("x-api-key", SECRET),
        ),
        (
            {"type": "api_key", "scheme": "query", "param": "api_key", "key": SECRET},
            "query",
            ("api_key", SECRET),
        ),
    ],
)
async def test_api_key_schemes(
    egress: EgressClient,
    api: str,
    auth: dict[str, Any],
    where: str,
    expected: tuple[str, str],
    received: list[dict[str, Any]],
) -> None:
    action = Action(id="echo", spec=make_spec(api), auth=parse_auth(auth))
    result = await run(egress, action, "echo")
    assert result.ok
    seen = received[-1]
    assert seen["headers" if where == "header" else "query"][expected[0]] == expected[1]
    assert SECRET not in result.content and "user:pw" not in result.content
    # the record and the text for the model never show the key
    record = json.dumps(result.record.as_dict())
    assert SECRET not in record and "user:pw" not in record
    assert "***" in record


async def test_key_from_environment_and_spec_declared_query_scheme(
    egress: EgressClient, api: str, monkeypatch: pytest.MonkeyPatch, received: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("ECHO_KEY", SECRET)
    spec = make_spec(api, {"q": {"type": "apiKey", "in": "query", "name": "token"}})
    action = Action(
        id="echo",
        spec=spec,
        auth=parse_auth({"type": "api_key", "scheme": "spec", "key_env": "ECHO_KEY"}),
    )
    result = await run(egress, action, "echo")
    assert received[-1]["query"]["token"] == SECRET
    assert json.loads(result.content)["query"]["token"] == "***"
    assert SECRET not in result.record.url


async def test_secrets_echoed_by_the_api_are_redacted_for_the_model(
    egress: EgressClient, api: str
) -> None:
    action = Action(
        id="echo", spec=make_spec(api), auth=parse_auth({"type": "api_key", "key": SECRET})
    )
    result = await run(egress, action, "leak")
    assert result.status == "http_error"
    assert result.content.startswith("HTTP 403 error")
    assert SECRET not in result.content and "Bearer ***" in result.content


async def test_no_credentials_for_security_none_operations(
    egress: EgressClient, api: str, received: list[dict[str, Any]]
) -> None:
    action = Action(
        id="echo", spec=make_spec(api), auth=parse_auth({"type": "api_key", "key": SECRET})
    )
    assert action.spec.tool("public").operation.needs_no_credentials
    public = await run(egress, action, "public")
    assert public.status == "http_error"  # the test API has no /public route; it was sent
    assert "authorization" not in {k.lower() for k in public.record.request_headers}
    await run(egress, action, "echo")
    assert received[-1]["headers"]["authorization"] == f"Bearer {SECRET}"


async def test_unset_key_variable_is_a_result_with_a_message_for_the_operator(
    egress: EgressClient, api: str, received: list[dict[str, Any]]
) -> None:
    action = Action(
        id="echo",
        spec=make_spec(api),
        auth=parse_auth({"type": "api_key", "key_env": "GPTFORGE_TEST_UNSET_KEY"}),
    )
    result = await run(egress, action, "echo")
    assert result.status == "blocked" and received == []
    assert "GPTFORGE_TEST_UNSET_KEY" in result.message
    assert "GPTFORGE_TEST_UNSET_KEY" not in result.content and "not set up" in result.content


async def test_a_spec_without_servers_tells_the_builder_not_the_model(
    egress: EgressClient, api: str
) -> None:
    spec = parse_spec(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "No servers", "version": "1"},
                "paths": {"/echo": {"get": {"operationId": "echo"}}},
            }
        )
    )
    result = await run(egress, Action(id="nos", spec=spec), "echo")
    assert result.status == "blocked" and result.message and "server" in result.message
    assert result.content.startswith("This action is not set up correctly")


def test_preview_shows_the_filled_url_and_never_credentials(api: str) -> None:
    action = Action(
        id="echo",
        spec=make_spec(api),
        auth=parse_auth({"type": "api_key", "scheme": "query", "param": "k", "key": SECRET}),
    )
    executor = ActionExecutor(egress=EgressClient())
    assert executor.preview(action, "away", {"to": "/x y"}) == f"GET {api}/away?to=%2Fx%20y"
    assert executor.preview(action, "away", {}) == f"GET {api}/away"  # arguments do not fit
    assert SECRET not in executor.preview(action, "echo", {})


async def test_builders_are_bounded_and_follow_spec_changes(egress: EgressClient, api: str) -> None:
    executor = ActionExecutor(egress=egress, max_cached_actions=2)
    actions = [Action(id=f"a{i}", spec=make_spec(api)) for i in range(4)]
    for action in actions:
        assert (await executor.execute(action, "echo", {})).ok
    assert list(executor._builders) == ["a2", "a3"]
    first = executor._builder(actions[3])
    actions[3].spec = make_spec(api)
    assert executor._builder(actions[3]) is not first
    executor.forget_action("a3")
    assert list(executor._builders) == ["a2"]


async def test_credentials_never_follow_a_redirect_to_another_host(
    egress: EgressClient, api: str, other_api: str
) -> None:
    action = Action(
        id="echo",
        spec=make_spec(api),
        auth=parse_auth(
            {"type": "api_key", "scheme": "custom", "header": "X-Api-Key", "key": SECRET}
        ),
    )
    result = await run(egress, action, "away", {"to": f"{other_api}/echo"})
    assert result.ok
    assert "x-api-key" not in json.loads(result.content)["headers"]


async def test_long_binary_and_failed_responses(egress: EgressClient, api: str) -> None:
    action = Action(id="echo", spec=make_spec(api))
    huge = await run(egress, action, "huge", max_result_chars=1000)
    assert (
        huge.ok
        and "[Response truncated: showing the first 1,000 of 200,000 characters.]" in huge.content
    )
    assert "larger than the size limit" in huge.content
    image = await run(egress, action, "image")
    assert image.content == "[image/png response, 1,006 bytes; not shown]"


async def test_unreachable_api_is_a_tool_error_not_an_exception(egress: EgressClient) -> None:
    action = Action(id="echo", spec=make_spec("http://127.0.0.1:9"))
    result = await ActionExecutor(
        egress=EgressClient(policy=EgressPolicy.from_entries(["127.0.0.1:9"]))
    ).execute(action, "echo", {})
    assert result.status == "network_error" and "Could not reach 127.0.0.1" in result.content
    blocked = await run(egress, Action(id="x", spec=make_spec("http://10.0.0.1")), "echo")
    assert blocked.status == "blocked" and "network policy" in blocked.content
    # the model reads a neutral line; what to fix is for the operator
    assert "private-network" in blocked.message and "allowlist" in blocked.message
    assert "allowlist" not in blocked.content


async def test_unknown_tool_names_are_a_tool_error(egress: EgressClient, api: str) -> None:
    result = await run(egress, Action(id="echo", spec=make_spec(api)), "nope")
    assert result.status == "invalid_arguments" and "echo" in result.content


def test_confirmation_rules() -> None:
    spec = parse_spec(
        json.dumps(
            {
                "openapi": "3.0.0",
                "servers": [{"url": "https://x.example"}],
                "paths": {
                    "/a": {
                        "get": {"operationId": "get"},
                        "post": {"operationId": "post"},
                        "put": {"operationId": "putSafe", "x-openai-isConsequential": False},
                        "delete": {"operationId": "getDanger", "x-openai-isConsequential": True},
                    }
                },
            }
        )
    )
    policies = {t.name: confirmation_policy(t.operation) for t in spec.tools}
    assert policies == {"get": "never", "post": "ask", "putSafe": "never", "getDanger": "always"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "api_key"}, "give the API key"),
        ({"type": "api_key", "scheme": "custom", "key": "k"}, "needs `header`"),
        ({"type": "oauth", "client_id": "c"}, "authorization_url"),
        ({"type": "magic"}, "Expected e.g."),
        ({"type": "api_key", "key": "k", "bogus": 1}, "bogus"),
    ],
)
def test_bad_auth_settings_say_what_to_write(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_auth(data)


def test_redacted_auth_never_shows_secrets() -> None:
    auth = parse_auth(
        {
            "type": "oauth",
            "client_id": "c",
            "client_secret": "topsecret",
            "authorization_url": "https://a/x",
            "token_url": "https://a/t",
        }
    )
    assert auth.redacted()["client_secret"] == "***"
    assert "topsecret" not in repr(auth) and "topsecret" not in str(auth.model_dump())


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:99999/x", "http://[::1/x", "http://exa mple.com/", "http://é.ü:0/"]
)
async def test_unparsable_redirects_are_a_tool_result(
    egress: EgressClient, api: str, target: str
) -> None:
    auth = parse_auth({"type": "api_key", "scheme": "bearer", "key": SECRET})
    result = await run(
        egress, Action(id="r", spec=make_spec(api), auth=auth), "away", {"to": target}
    )
    assert result.status == "network_error" and SECRET not in result.content
