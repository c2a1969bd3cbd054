"""The processes ``server_load.py`` starts: the gptforge server and the loopback action API.

    python benchmarks/load_servers.py gptforge --port P --data-dir D [--database-url U]
    python benchmarks/load_servers.py action-api --port P

``gptforge``: what ``gptforge serve`` runs (``create_platform`` + ``create_app`` on
uvicorn, one process, the same uvicorn options), with two differences: the model is a
scripted provider (every turn: one call of the action, then a streamed answer) and
the demo weather API is not started (the action API runs in its own process). It also
serves ``POST /bench/baseline``: the bytes of a real turn's SSE stream (set once with
``PUT``), replayed from memory with no database, authentication or action call, to
measure uvicorn + Starlette + the load generator on their own in the same process.

``action-api``: a raw ASGI app (no framework) on uvicorn with a large listen backlog,
so neither its parsing nor its accept queue limits the run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import Request

BACKLOG = 4096
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
ANSWER_CHUNK = 5
"""Characters per ``text_delta``: the scripted provider's default (a model token is ~4)."""

ACTION_SPEC = """
openapi: 3.1.0
info: {title: Load API, version: '1'}
servers: [{url: 'http://127.0.0.1:1'}]
paths:
  /weather:
    get:
      operationId: getWeather
      parameters:
        - {name: city, in: query, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
"""


def answer_text(chars: int) -> str:
    """The assistant's answer every turn streams (deterministic, so clients can check it)."""
    words = "The weather in Paris is mild and sunny with a light breeze from the west. "
    return (words * (chars // len(words) + 1))[:chars]


# ------------------------------------------------------------------ gptforge


def scripted_provider(answer: str) -> Any:
    from gptforge.llm import ScriptedCall, ScriptedProvider, ScriptedReply
    from gptforge.llm.base import Message, ProviderEvent, ToolDefinition

    def script(messages: list[Message], _tools: list[ToolDefinition]) -> ScriptedReply:
        if messages[-1]["role"] == "user":
            return ScriptedReply(
                calls=(ScriptedCall(name="getWeather", arguments={"city": "Paris"}),)
            )
        return ScriptedReply(text=answer)

    class Provider(ScriptedProvider):
        """The scripted provider, without its request log (a long run would grow it)."""

        async def stream(
            self, messages: list[Message], tools: list[ToolDefinition]
        ) -> AsyncIterator[ProviderEvent]:
            async for event in super().stream(messages, tools):
                self.requests.clear()
                yield event

    return Provider(script, chunk=ANSWER_CHUNK)


def run_gptforge(
    port: int, data_dir: Path, database_url: str | None, answer_chars: int, *, plain: bool
) -> None:
    from fastapi.responses import StreamingResponse
    from sqlalchemy import event

    from gptforge.web.app import create_app, create_platform
    from gptforge.web.settings import ServerSettings

    settings = ServerSettings(data_dir=data_dir, database_url=database_url or None)
    platform = create_platform(settings)
    answer = answer_text(answer_chars)
    platform.provider = scripted_provider(answer)
    app = create_app(platform=platform)
    baseline: list[bytes] = []

    async def events() -> AsyncIterator[bytes]:
        for block in baseline:
            yield block

    @app.put("/bench/baseline", include_in_schema=False)
    async def set_baseline(request: Request) -> dict[str, int]:
        """The SSE blocks of a real turn (the warm-up's), replayed by ``POST``."""
        baseline[:] = [block.encode() + b"\n\n" for block in (await request.json())["blocks"]]
        return {"blocks": len(baseline)}

    @app.post("/bench/baseline", include_in_schema=False)
    async def bench_baseline() -> StreamingResponse:
        return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)

    statements = {"count": 0}

    def count_statement(*_args: Any) -> None:
        statements["count"] += 1

    event.listen(platform.db.engine.sync_engine, "before_cursor_execute", count_statement)

    @app.get("/bench/statements", include_in_schema=False)
    async def statement_count() -> dict[str, int]:
        """SQL statements this process sent so far (per turn: the difference over a phase)."""
        return statements

    profiler = cProfile.Profile()

    @app.post("/bench/profile/{action}", include_in_schema=False)
    async def profile(action: str, request: Request) -> dict[str, bool]:
        """``start`` or ``stop`` cProfile (the event loop's thread) around a timed phase."""
        if action == "start":
            profiler.enable()
        else:
            profiler.disable()
            profiler.dump_stats((await request.json())["path"])
        return {"ok": True}

    print(f"gptforge serving on http://127.0.0.1:{port}", flush=True)
    # as `gptforge serve` runs it (access log included), plus an explicit backlog;
    # ``plain``: uvicorn's pure-Python event loop and HTTP parser (what an install without
    # uvloop and httptools runs, e.g. the code before they were dependencies)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        backlog=BACKLOG,
        **serve_options(),
        **({"loop": "asyncio", "http": "h11"} if plain else {}),
    )


def serve_options() -> dict[str, Any]:
    """The uvicorn options of ``gptforge serve`` (of the code under test: ``--src``)."""
    try:
        from gptforge.cli.serve import UVICORN_OPTIONS
    except ImportError:  # code from before they were named: what it passed then
        return {"log_level": "info", "proxy_headers": True}
    return dict(UVICORN_OPTIONS)


# ---------------------------------------------------------------- action API


async def action_api(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``GET /weather?city=...`` → a small JSON body; ``GET /count`` → requests served."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/count":
        body = json.dumps({"weather": COUNT["weather"]}).encode()
    elif scope["path"] == "/weather":
        COUNT["weather"] += 1
        query = scope["query_string"].decode()
        city = query.partition("city=")[2].partition("&")[0] or "?"
        body = json.dumps({"city": city, "temperature_c": 18.5, "conditions": "sunny"}).encode()
    else:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


COUNT = {"weather": 0}


def run_action_api(port: int) -> None:
    print(f"action API on http://127.0.0.1:{port}", flush=True)
    uvicorn.run(action_api, host="127.0.0.1", port=port, log_level="warning", backlog=BACKLOG)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("gptforge")
    server.add_argument("--port", type=int, required=True)
    server.add_argument("--data-dir", type=Path, required=True)
    server.add_argument("--database-url", default="")
    server.add_argument("--answer-chars", type=int, default=300)
    server.add_argument("--plain-uvicorn", action="store_true")
    api = commands.add_parser("action-api")
    api.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.command == "gptforge":
        run_gptforge(
            args.port, args.data_dir, args.database_url, args.answer_chars, plain=args.plain_uvicorn
        )
    else:
        run_action_api(args.port)


if __name__ == "__main__":
    main()
