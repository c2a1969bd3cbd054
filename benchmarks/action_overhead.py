"""Overhead of executing an operation through gptforge versus plain httpx, same run.

    python benchmarks/action_overhead.py [--requests 2000]

A tiny JSON API runs in its own process on 127.0.0.1. Both sides send the same GET
sequentially over a kept-alive connection: plain ``httpx.AsyncClient`` and
``ActionExecutor.execute`` (argument validation, serialization, SSRF-guarded
transport, redirect/size/deadline handling, response shaping, call record).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import textwrap
import time

import httpx

from gptforge.actions import Action, ActionExecutor
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.openapi import parse_spec

SERVER = textwrap.dedent(
    """
    import sys, uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    async def weather(request):
        return JSONResponse({"city": request.query_params.get("city"), "temperature_c": 21.5, "conditions": "sunny"})
    uvicorn.run(Starlette(routes=[Route("/weather", weather)]), host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
    """
)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
    }


async def measure(url: str, n: int) -> dict[str, object]:
    spec = parse_spec(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "Bench", "version": "1"},
                "servers": [{"url": url}],
                "paths": {
                    "/weather": {
                        "get": {
                            "operationId": "getWeather",
                            "parameters": [
                                {
                                    "name": "city",
                                    "in": "query",
                                    "required": True,
                                    "schema": {"type": "string"},
                                }
                            ],
                        }
                    }
                },
            }
        )
    )
    action = Action(id="bench", spec=spec)
    policy = EgressPolicy.from_entries([httpx.URL(url).netloc.decode()])
    results: dict[str, object] = {}
    async with httpx.AsyncClient() as plain, EgressClient(policy=policy) as egress:
        executor = ActionExecutor(egress=egress)

        async def plain_call() -> None:
            response = await plain.get(f"{url}/weather", params={"city": "Paris"})
            response.json()

        async def gptforge_call() -> None:
            result = await executor.execute(action, "getWeather", {"city": "Paris"})
            assert result.ok

        for fn in (plain_call, gptforge_call):
            for _ in range(200):  # warm up
                await fn()
        # interleave rounds so drift affects both sides alike
        lat: dict[str, list[float]] = {"plain_httpx": [], "gptforge": []}
        wall: dict[str, float] = {"plain_httpx": 0.0, "gptforge": 0.0}
        for _ in range(10):
            for name, fn in (("plain_httpx", plain_call), ("gptforge", gptforge_call)):
                round_start = time.perf_counter()
                for _ in range(n // 10):
                    started = time.perf_counter()
                    await fn()
                    lat[name].append(time.perf_counter() - started)
                wall[name] += time.perf_counter() - round_start
        for name in lat:
            results[name] = summary(lat[name], wall[name])
    plain_p50 = results["plain_httpx"]["p50_ms"]  # type: ignore[index]
    ours_p50 = results["gptforge"]["p50_ms"]  # type: ignore[index]
    results["p50_ratio"] = round(ours_p50 / plain_p50, 3)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{url}/weather")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(json.dumps(asyncio.run(measure(url, args.requests)), indent=2))
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
