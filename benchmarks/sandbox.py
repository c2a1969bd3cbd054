"""Cost of the code sandbox versus a plain local Jupyter kernel, same run.

    python benchmarks/sandbox.py [--starts 3] [--calls 200]

Both sides start a kernel from the same Python, import numpy, pandas and
matplotlib.pyplot, then run the same code repeatedly, waiting each time for the
kernel to go idle. The sandbox side is ``SessionManager.session`` + ``execute``
(bubblewrap with every namespace, the uid switch when root, rlimits, output caps,
IPC sockets); the plain side is ``AsyncKernelManager`` over the same IPC transport with no
isolation at all. Starts alternate between the two so machine load hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from gptforge.capabilities.sandbox import SandboxConfig, SessionManager

PRELOAD = "import numpy, pandas, matplotlib.pyplot"
CALLS = {
    "tiny": "x = 1 + 1",
    "numpy": "float(numpy.random.default_rng(0).random(1_000_000).sum())",
}


async def run_plain(client: Any, code: str) -> None:
    msg_id = client.execute(code)
    while True:
        try:
            message = await client.get_iopub_msg(timeout=30)
        except queue.Empty as exc:
            raise RuntimeError("plain kernel stopped answering") from exc
        if (
            message["parent_header"].get("msg_id") == msg_id
            and message["msg_type"] == "status"
            and message["content"]["execution_state"] == "idle"
        ):
            return


async def plain_kernel() -> tuple[AsyncKernelManager, Any, float]:
    started = time.perf_counter()
    ipc = Path(tempfile.mkdtemp(prefix="plain-")) / "k"
    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(ipc))
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    await run_plain(client, PRELOAD)
    return manager, client, time.perf_counter() - started


async def measure(starts: int, calls: int) -> dict[str, Any]:
    sandboxes = SessionManager(SandboxConfig())
    reason = sandboxes.available()
    if reason:
        raise SystemExit(reason)
    folder = Path(tempfile.mkdtemp())
    start_times: dict[str, list[float]] = {"sandbox": [], "plain": []}
    for index in range(starts):
        began = time.perf_counter()
        await sandboxes.session(f"bench-{index}", folder)  # start includes the same preload
        start_times["sandbox"].append(time.perf_counter() - began)
        await sandboxes.close(f"bench-{index}")
        manager, client, took = await plain_kernel()
        start_times["plain"].append(took)
        client.stop_channels()
        await manager.shutdown_kernel(now=True)

    session, _ = await sandboxes.session("bench-calls", folder)
    manager, client, _ = await plain_kernel()
    per_call: dict[str, dict[str, list[float]]] = {}
    for name, code in CALLS.items():
        count = calls if name == "tiny" else max(calls // 10, 5)
        sides: dict[str, list[float]] = {"sandbox": [], "plain": []}
        for _ in range(count):  # interleaved, call by call
            began = time.perf_counter()
            execution = await session.execute(code)
            sides["sandbox"].append(time.perf_counter() - began)
            assert execution.ended == "ok", execution
            began = time.perf_counter()
            await run_plain(client, code)
            sides["plain"].append(time.perf_counter() - began)
        per_call[name] = sides
    client.stop_channels()
    await manager.shutdown_kernel(now=True)
    await sandboxes.close_all()

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 2)

    report: dict[str, Any] = {
        "session_start_s": {
            side: round(statistics.median(values), 2) for side, values in start_times.items()
        },
    }
    report["session_start_ratio"] = round(
        report["session_start_s"]["sandbox"] / report["session_start_s"]["plain"], 2
    )
    for name, sides in per_call.items():
        sandbox_ms, plain_ms = ms(sides["sandbox"]), ms(sides["plain"])
        report[f"call_{name}_p50_ms"] = {"sandbox": sandbox_ms, "plain": plain_ms}
        report[f"call_{name}_ratio"] = round(sandbox_ms / plain_ms, 2)
        report[f"call_{name}_overhead_ms"] = round(sandbox_ms - plain_ms, 2)
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.starts, args.calls)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
