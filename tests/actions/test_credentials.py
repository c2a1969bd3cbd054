"""Where credentials go, what they may contain, and how they are kept out of every output."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gptforge.actions import Action, ActionExecutor, Redactor, load_auth_file, parse_auth
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.errors import ConfigError
from gptforge.openapi import parse_spec
from tests.servers import serve

SEEN: list[dict[str, Any]] = []


async def echo(request: Request) -> Response:
    seen = {
        "url": str(request.url),
        "headers": dict(request.headers),
        "query": dict(request.query_params),
        "cookies": dict(request.cookies),
    }
    SEEN.append(seen)
    return JSONResponse(seen)


async def reflect(request: Request) -> Response:
    """Echo a credential back the way the query asks, as a careless API might."""
    key = request.headers.get("x-key") or request.query_params.get("k") or ""
    form = request.query_params["form"]
    text = {
        "percent": quote(key, safe=""),
        "percent_lower": quote(key, safe="").lower(),
        "double": quote(quote(key, safe=""), safe=""),
        "plus": quote_plus(key),
        "b64": base64.b64encode(key.encode()).decode(),
        "b64_shifted": base64.b64encode(b"Bearer: " + key.encode()).decode(),
        "b64url": base64.urlsafe_b64encode(b"k=" + key.encode()).decode().rstrip("="),
        "json_ascii": json.dumps(key, ensure_ascii=True)[1:-1].replace("/", "\\/"),
        "json_unicode": "".join(f"\\u{ord(c):04x}" for c in key),
        "html": html.escape(key),
        "html_refs": "".join(f"&#x{ord(c):x};" for c in key),
        "upper": key.upper(),
        "hex": key.encode().hex(),
        "partial": key.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
    }[form]
    return PlainTextResponse(f"you sent <{text}>", status_code=int(request.query_params["code"]))


APP = Starlette(routes=[Route("/echo", echo), Route("/reflect", reflect)])


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serve(APP) as url:
        yield url


@pytest.fixture(scope="module")
def other_port_api() -> Iterator[str]:
    with serve(APP) as url:
        yield url


@pytest.fixture
async def egress(api: str, other_port_api: str) -> AsyncIterator[EgressClient]:
    hosts = [httpx.URL(u).netloc.decode() for u in (api, other_port_api)]
    async with EgressClient(policy=EgressPolicy.from_entries(hosts)) as client:
        yield client


def spec(
    url: str, *, op_server: str | None = None, security: Any = None, schemes: Any = None
) -> Any:
    op: dict[str, Any] = {"operationId": "echo", "responses": {"200": {"description": "ok"}}}
    if op_server:
        op["servers"] = [{"url": op_server}]
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Creds", "version": "1"},
        "servers": [{"url": url}],
        "paths": {
            "/echo": {"get": op},
            "/reflect": {
                "get": {
                    "operationId": "reflect",
                    "parameters": [
                        {"name": n, "in": "query", "required": True, "schema": {"type": "string"}}
                        for n in ("form", "code")
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
    }
    if schemes:
        doc["components"] = {"securitySchemes": schemes}
    if security is not None:
        doc["security"] = security
    return parse_spec(json.dumps(doc))


async def call(egress: EgressClient, action: Action, name: str = "echo", **args: Any) -> Any:
    return await ActionExecutor(egress=egress).execute(action, name, args)


# --------------------------------------------------------------------- origin


async def test_credentials_follow_scheme_host_and_port_not_host_alone(
    egress: EgressClient, api: str, other_port_api: str
) -> None:
    auth = parse_auth({"type": "api_key", "scheme": "bearer", "key": "k-0123456789"})
    same_host_other_port = Action(id="a", spec=spec(api, op_server=other_port_api), auth=auth)
    result = await call(egress, same_host_other_port)
    assert result.ok and "authorization" not in SEEN[-1]["headers"]

    result = await call(egress, Action(id="b", spec=spec(api), auth=auth))
    assert SEEN[-1]["headers"]["authorization"] == "Bearer k-0123456789"


def test_spec_check_says_where_credentials_go(api: str, other_port_api: str) -> None:
    loaded = spec(api, op_server=other_port_api)
    warnings = [d for d in loaded.diagnostics if d.code == "multiple-hosts"]
    assert warnings and "never sent there" in warnings[0].message
    https = spec("https://api.example.com", op_server="http://api.example.com")
    assert any(d.code == "multiple-hosts" for d in https.diagnostics)
    same = spec("https://api.example.com/v1", op_server="https://api.example.com:443/v2")
    assert not any(d.code == "multiple-hosts" for d in same.diagnostics)


async def test_server_url_override_sends_every_operation_and_credentials_there(
    egress: EgressClient, api: str, other_port_api: str
) -> None:
    auth = parse_auth({"type": "api_key", "scheme": "bearer", "key": "k-0123456789"})
    action = Action(id="o", spec=spec("https://api.example.com"), auth=auth, server_url=api + "/")
    result = await call(egress, action)
    assert result.ok and SEEN[-1]["url"].startswith(api + "/echo")
    assert SEEN[-1]["headers"]["authorization"] == "Bearer k-0123456789"

    with_op_server = Action(
        id="p",
        spec=spec("https://x.example", op_server="https://y.example"),
        auth=auth,
        server_url=other_port_api,
    )
    result = await call(egress, with_op_server)
    assert result.ok and SEEN[-1]["url"].startswith(other_port_api)
    assert SEEN[-1]["headers"]["authorization"] == "Bearer k-0123456789"


@pytest.mark.parametrize(
    "bad", ["ftp://x", "not a url", "https://", "https://h/?q=1", "http://h:99999"]
)
def test_bad_server_overrides_say_what_to_write(api: str, bad: str) -> None:
    with pytest.raises(ConfigError, match="http"):
        Action(id="x", spec=spec(api), server_url=bad)


# ---------------------------------------------------------- several schemes, cookies


TWO_KEYS = {
    "AppId": {"type": "apiKey", "in": "header", "name": "X-App-Id"},
    "AppSecret": {"type": "apiKey", "in": "header", "name": "X-App-Secret"},
    "Session": {"type": "apiKey", "in": "cookie", "name": "session_key"},
}


async def test_a_requirement_with_two_keys_gets_both(
    egress: EgressClient, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_SECRET", "second-secret-value")
    auth = parse_auth(
        {
            "type": "api_key",
            "scheme": "spec",
            "keys": {"AppId": {"key": "first-id-value"}, "AppSecret": {"key_env": "APP_SECRET"}},
        }
    )
    action = Action(
        id="two",
        spec=spec(api, security=[{"AppId": [], "AppSecret": []}], schemes=TWO_KEYS),
        auth=auth,
    )
    result = await call(egress, action)
    headers = SEEN[-1]["headers"]
    assert headers["x-app-id"] == "first-id-value"
    assert headers["x-app-secret"] == "second-secret-value"
    assert result.record.request_headers["x-app-id"] == "***"
    assert result.record.request_headers["x-app-secret"] == "***"
    assert "second-secret-value" not in result.content and "first-id-value" not in result.content


async def test_missing_keys_for_a_requirement_are_named(egress: EgressClient, api: str) -> None:
    auth = parse_auth({"type": "api_key", "scheme": "spec", "keys": {"AppId": {"key": "abcd"}}})
    action = Action(
        id="one",
        spec=spec(api, security=[{"AppId": [], "AppSecret": []}], schemes=TWO_KEYS),
        auth=auth,
    )
    result = await call(egress, action)
    assert result.status == "blocked" and "AppId + AppSecret" in (result.message or "")


async def test_cookie_api_keys_from_the_spec_and_from_settings(
    egress: EgressClient, api: str
) -> None:
    by_spec = parse_auth({"type": "api_key", "scheme": "spec", "key": "cookie-secret-1"})
    action = Action(
        id="c", spec=spec(api, security=[{"Session": []}], schemes=TWO_KEYS), auth=by_spec
    )
    result = await call(egress, action)
    assert SEEN[-1]["cookies"] == {"session_key": "cookie-secret-1"}
    assert result.record.request_headers["cookie"] == "***"
    assert "cookie-secret-1" not in result.content

    by_setting = parse_auth(
        {"type": "api_key", "scheme": "cookie", "cookie": "sid", "key": "cookie-secret-2"}
    )
    await call(egress, Action(id="d", spec=spec(api), auth=by_setting))
    assert SEEN[-1]["cookies"] == {"sid": "cookie-secret-2"}


def test_cookie_keys_that_would_add_cookies_are_refused() -> None:
    from gptforge.actions.credentials import api_key_credentials
    from gptforge.errors import ActionError

    auth = parse_auth({"type": "api_key", "scheme": "cookie", "cookie": "sid", "key": "a;b=c"})
    loaded = spec("https://api.example.com")
    with pytest.raises(ActionError, match="cookie") as caught:
        api_key_credentials(auth, loaded, loaded.operations[0])
    assert "a;b=c" not in caught.value.message


# ----------------------------------------------------------------- secret values


BAD_SECRETS = [
    "abc\r\n",
    "abc\n",
    "line\r\nX-Evil: 1",
    "nul\x00byte",
    "tab\tkey",
    "del\x7f",
    "c1\x85x",
    "ls\u2028x",
    " padded",
    "padded ",
]


@pytest.mark.parametrize("value", BAD_SECRETS, ids=repr)
def test_control_characters_in_inline_secrets_are_refused_without_echo(value: str) -> None:
    for data in (
        {"type": "api_key", "scheme": "bearer", "key": value},
        {"type": "api_key", "scheme": "spec", "keys": {"A": {"key": value}}},
        {
            "type": "oauth",
            "client_id": "c",
            "client_secret": value,
            "authorization_url": "https://a.example/a",
            "token_url": "https://a.example/t",
        },
    ):
        with pytest.raises(ConfigError) as caught:
            parse_auth(data)
        assert value.strip() not in caught.value.message
        assert "key" in caught.value.message or "client_secret" in caught.value.message


def test_a_yaml_block_scalar_key_is_refused_and_named(tmp_path: Any) -> None:
    path = tmp_path / "auth.yaml"
    path.write_text("type: api_key\nscheme: bearer\nkey: |\n  sk-live-block-scalar\n")
    with pytest.raises(ConfigError, match="line break") as caught:
        load_auth_file(path)
    assert "sk-live-block-scalar" not in caught.value.message


@pytest.mark.parametrize("value", [v for v in BAD_SECRETS if "\x00" not in v], ids=repr)
async def test_control_characters_in_environment_secrets_are_refused_without_echo(
    egress: EgressClient, api: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CR_KEY", value)
    auth = parse_auth(
        {"type": "api_key", "scheme": "custom", "header": "X-Key", "key_env": "CR_KEY"}
    )
    before = len(SEEN)
    result = await call(egress, Action(id="env", spec=spec(api), auth=auth))
    message = result.message or ""
    assert result.status == "blocked" and "CR_KEY" in message
    assert value.strip() not in result.content + message and len(SEEN) == before


@pytest.mark.parametrize("value", ["café-key-1234", "ключ-1234", "emoji-🔑-1234"])
async def test_non_ascii_header_secrets_are_refused_without_echo(
    egress: EgressClient, api: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("UNI_KEY", value)
    for data in (
        {"type": "api_key", "scheme": "bearer", "key_env": "UNI_KEY"},
        {"type": "api_key", "scheme": "custom", "header": "X-Key", "key_env": "UNI_KEY"},
    ):
        result = await call(egress, Action(id="u", spec=spec(api), auth=parse_auth(data)))
        message = result.message or ""
        assert result.status == "blocked" and "printable ASCII" in message
        assert value not in result.content + message


async def test_non_ascii_basic_passwords_are_encoded(egress: EgressClient, api: str) -> None:
    auth = parse_auth({"type": "api_key", "scheme": "basic", "key": "user:pässwört"})
    result = await call(egress, Action(id="b", spec=spec(api), auth=auth))
    encoded = base64.b64encode("user:pässwört".encode()).decode()
    assert result.ok and SEEN[-1]["headers"]["authorization"] == f"Basic {encoded}"


# ------------------------------------------------------------------- redaction

ECHO_FORMS = [
    "percent",
    "percent_lower",
    "double",
    "plus",
    "b64",
    "b64_shifted",
    "b64url",
    "json_ascii",
    "json_unicode",
    "html",
    "html_refs",
    "upper",
    "hex",
    "partial",
]


@pytest.mark.parametrize("form", ECHO_FORMS)
@pytest.mark.parametrize("code", [200, 403])
async def test_encoded_echoes_of_a_key_are_redacted_everywhere(
    egress: EgressClient, api: str, form: str, code: int
) -> None:
    key = "sk+live/0123=&<key> ok"
    auth = parse_auth({"type": "api_key", "scheme": "query", "param": "k", "key": key})
    result = await call(
        egress, Action(id="r", spec=spec(api), auth=auth), "reflect", form=form, code=str(code)
    )
    shown = json.dumps([result.content, result.record.as_dict()])
    inner = result.content.split("<", 1)[1]
    # Only characters that also carry a prefix the API added may remain (base64 at an offset).
    assert inner.endswith("***>") and len(inner.split("***")[0]) <= 12, result.content
    for leak in (key, quote(key, safe=""), base64.b64encode(key.encode()).decode()[:12]):
        assert leak not in shown


@pytest.mark.parametrize("key", ["k9", "abc", "x"])
async def test_short_keys_are_redacted_by_position_and_as_whole_tokens(
    egress: EgressClient, api: str, key: str
) -> None:
    auth = parse_auth({"type": "api_key", "scheme": "custom", "header": "X-Key", "key": key})
    result = await call(
        egress, Action(id="s", spec=spec(api), auth=auth), "reflect", form="percent", code="200"
    )
    assert result.content == "you sent <***>"
    assert result.record.request_headers["x-key"] == "***"
    query_auth = parse_auth({"type": "api_key", "scheme": "query", "param": "k", "key": key})
    result = await call(egress, Action(id="q", spec=spec(api), auth=query_auth))
    assert "k=%2A%2A%2A" in result.record.url or "k=***" in result.record.url


def test_short_keys_leave_ordinary_words_alone() -> None:
    redactor = Redactor().with_secrets(["abc"])
    assert redactor.text("abcdef xabc abc.") == "abcdef xabc ***."


def test_a_secret_cut_off_at_the_end_of_a_text_is_redacted() -> None:
    redactor = Redactor().with_secrets(["sk-live-0123456789"])
    assert redactor.text("first bytes ... sk-live-01", cut=True) == "first bytes ... ***"
    assert redactor.text("ends with sk-live", cut=True) == "ends with sk-live"  # under half


async def test_gpt_yaml_server_entry_overrides_the_spec(tmp_path: Any, api: str) -> None:
    from gptforge.runtime import build_actions, load_gpt_file

    (tmp_path / "spec.json").write_text(json.dumps(spec("https://api.example.com").document))
    (tmp_path / "gpt.yaml").write_text(
        f"name: G\nactions:\n  - openapi: spec.json\n    server: {api}/\n"
    )
    gpt, base = load_gpt_file(tmp_path / "gpt.yaml")
    (action,) = await build_actions(gpt, base)
    assert action.server_url == api and action.base_url == api


@pytest.mark.parametrize(
    "echo",
    [
        "&amp;#115;k+live/0123=key",  # HTML over an HTML reference
        "%5Cu0073k%2Blive%2F0123%3Dkey",  # percent over a JSON escape
        "\\\\u0073k+live/0123=key",  # a JSON string inside a JSON string
        html.escape(
            json.dumps("sk+live/0123=key", ensure_ascii=True)[1:-1].replace("+", "\\u002b")
        ),
        quote(quote(quote("sk+live/0123=key", safe=""), safe=""), safe=""),
        "Sk%2bLIVE%2f0123%3dKEY",
        base64.b64encode(b"x:" + b"sk+live/0123=key").decode(),
        quote(base64.b64encode(b"sk+live/0123=key").decode(), safe=""),
    ],
)
def test_stacked_encodings_are_redacted(echo: str) -> None:
    redacted = Redactor().with_secrets(["sk+live/0123=key"]).text(f"got [{echo}] ok")
    assert redacted.startswith("got [") and redacted.endswith("] ok")
    inner = redacted[5:-4]
    assert "***" in inner and len(inner.replace("***", "")) <= 4, redacted


@pytest.mark.parametrize("secret", ["pässwört-ключ", "emoji-🔑-secret"])
def test_non_ascii_secrets_are_redacted_in_their_encodings(secret: str) -> None:
    redactor = Redactor().with_secrets([secret])
    for echo in (secret, quote(secret), json.dumps(secret), html.escape(secret), secret.upper()):
        assert redactor.text(f"<{echo}>") in ("<***>", '<"***">'), echo
