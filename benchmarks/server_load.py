"""N users chatting at once with one gptforge server process over SSE, on SQLite and PostgreSQL.

    python benchmarks/server_load.py [--users 50,200,500] [--backends sqlite,postgresql]
                                     [--turns 3] [--answer-chars 300] [--json-out FILE]

For each backend and each N, a fresh database and a fresh server process
(``benchmarks/load_servers.py gptforge``: ``gptforge serve``'s app and uvicorn options,
with a scripted model) and, for the whole run, a loopback action API in its own
process. Before the timed phases: the admin signs up, allowlists the action API,
creates and publishes a GPT with its action; N users sign up, take an API token and
open a conversation; one warm-up turn records a real turn's SSE bytes.

Timed phases, each with all N users at once, each user sending ``--turns`` messages
back to back (a closed loop, no think time):

1. baseline: ``POST /bench/baseline`` on the same server process replays the warm-up
   turn's bytes from memory (no database, no authentication, no action call): what
   uvicorn, Starlette and this load generator cost on their own.
2. chat: ``POST /api/v1/conversations/{id}/messages``, each turn one action call (the
   model asks for it, the server calls the action API) and a streamed answer.

Per phase: turns per second, time to the first SSE event and to the end of the stream
(p50/p99), errors (non-200, broken stream, no ``done``, ``done`` not ``completed``, an
action call not ``ok``, streamed text not the scripted answer), the server's CPU time
and RSS (idle before, peak during), this load generator's own CPU time, the action
API's and PostgreSQL's CPU time, the whole machine's busy share and its load average.
After the chat phase every conversation is read back through the API: its status must
be ``idle`` and its messages every user message, call and answer sent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
for entry in (str(ROOT), str(ROOT / "src")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from benchmarks.load_servers import ACTION_SPEC, answer_text  # noqa: E402

PASSWORD = "correct horse battery"
SERVER_SRC = [ROOT / "src"]
"""The gptforge code the server process runs (``--src``: e.g. an older commit's)."""
SETUP_CONCURRENCY = 32
TURN_TIMEOUT = 300.0


# ------------------------------------------------------------------ processes


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(args: list[str], log: Path, ready_url: str) -> Iterator[psutil.Process]:
    """A child process of ``load_servers.py``, once ``ready_url`` answers."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{SERVER_SRC[0]}{os.pathsep}{ROOT}",
        "GPTFORGE_PASSWORD_HASHING": "cheapest",
    }
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "load_servers.py"), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"{args[0]} exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(ready_url, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args[0]} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield psutil.Process(child.pid)
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def cpu_seconds(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def main_thread_cpu(proc: psutil.Process) -> float:
    try:
        main = next(t for t in proc.threads() if t.id == proc.pid)
    except (psutil.Error, StopIteration):
        return 0.0
    return float(main.user_time + main.system_time)


def tree_cpu_seconds(pids: list[int]) -> dict[int, float]:
    found: dict[int, float] = {}
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                found[proc.pid] = cpu_seconds(proc)
        except psutil.Error:
            continue
    return found


def machine_busy() -> tuple[float, float]:
    """(busy CPU seconds, total CPU seconds) of the whole machine so far."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(times)
    return total - idle, total


# ------------------------------------------------------------------ databases


def postgres_url() -> tuple[str, int | None]:
    """A fresh migrated database in the test suite's throwaway cluster; its postmaster pid."""
    from tests.store.databases import fresh_postgres_url, postgres_cluster

    try:
        cluster = postgres_cluster()
    except BaseException as exc:  # pytest.skip outside pytest: PostgreSQL unavailable
        raise RuntimeError(f"PostgreSQL unavailable: {exc}") from None
    url = asyncio.run(fresh_postgres_url())
    pid_file = cluster.root / "data" / "postmaster.pid"
    pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
    return url, pid


# ------------------------------------------------------------------ one turn


@dataclass
class TurnResult:
    first_event: float | None = None
    """Seconds from sending the request to the first complete SSE event."""
    first_runtime_event: float | None = None
    """The same to the first event of the turn itself (not the server's ``accepted``)."""
    total: float | None = None
    error: str | None = None


def check_stream(blocks: list[bytes], answer: str | None) -> str | None:
    """What is wrong with a turn's SSE blocks (``None``: a complete, correct turn)."""
    text: list[str] = []
    last_id = 0
    done: dict[str, Any] | None = None
    calls_ok = 0
    for block in blocks:
        fields: dict[str, str] = {}
        for line in block.decode().splitlines():
            name, _, value = line.partition(": ")
            fields[name] = value
        if "id" not in fields or "event" not in fields or "data" not in fields:
            return "malformed event"
        if int(fields["id"]) <= last_id:
            return "event ids not increasing"
        last_id = int(fields["id"])
        kind = fields["event"]
        data = json.loads(fields["data"])
        if kind == "text_delta":
            text.append(data["text"])
        elif kind == "tool_call_finished":
            if data["status"] != "ok":
                return f"action call {data['status']}: {data.get('message')}"
            calls_ok += 1
        elif kind == "error":
            return f"error event: {data.get('message')}"
        elif kind == "done":
            done = data
    if done is None:
        return "stream ended without done"
    if done["reason"] != "completed":
        return f"done: {done['reason']}"
    if answer is not None:
        if calls_ok != 1:
            return f"{calls_ok} action calls"
        if "".join(text) != answer:
            return "streamed text is not the answer"
    return None


async def one_turn(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    answer: str | None,
    keep: list[bytes] | None = None,
) -> TurnResult:
    result = TurnResult()
    start = time.perf_counter()
    blocks: list[bytes] = []
    try:
        async with client.stream("POST", url, headers=headers, json=body) as response:
            if response.status_code != 200:
                await response.aread()
                result.error = f"HTTP {response.status_code}"
                return result
            buffer = b""
            async for chunk in response.aiter_raw():
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    if result.first_event is None:
                        result.first_event = time.perf_counter() - start
                    if result.first_runtime_event is None and b"event: accepted\n" not in block:
                        result.first_runtime_event = time.perf_counter() - start
                    blocks.append(block)
            if buffer.strip():
                result.error = "stream ended mid-event"
                return result
    except (httpx.HTTPError, OSError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:200]
        return result
    result.total = time.perf_counter() - start
    result.error = check_stream(blocks, answer)
    if keep is not None:
        keep.extend(blocks)
    return result


# ------------------------------------------------------------------ setup


@dataclass
class User:
    token: str
    conversation_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:500]}")
    return dict(response.json())


async def sign_up(client: httpx.AsyncClient, email: str, name: str) -> str:
    """A new account's API token (sign-up gives a cookie; the token is for scripts)."""
    signup = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    await _ok(signup, 201)
    cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in signup.cookies.items())}
    token = await _ok(
        await client.post("/api/v1/tokens", json={"name": "load"}, headers=cookie), 201
    )
    return str(token["token"])


async def publish_gpt(client: httpx.AsyncClient, admin: dict[str, str], action_url: str) -> str:
    host = httpx.URL(action_url)
    await _ok(
        await client.patch(
            "/api/v1/admin/settings",
            json={"allow_hosts": [f"{host.host}:{host.port}"]},
            headers=admin,
        )
    )
    gpt = await _ok(
        await client.post(
            "/api/v1/gpts",
            json={
                "name": "Load weather",
                "description": "Answers with the weather",
                "instructions": "Use the weather API.",
            },
            headers=admin,
        ),
        201,
    )
    await _ok(
        await client.post(
            f"/api/v1/gpts/{gpt['id']}/actions",
            json={"schema": ACTION_SPEC, "server_url": action_url},
            headers=admin,
        ),
        201,
    )
    await _ok(
        await client.post(
            f"/api/v1/gpts/{gpt['id']}/publish", json={"visibility": "link"}, headers=admin
        )
    )
    return str(gpt["id"])


async def new_user(client: httpx.AsyncClient, index: int, gpt_id: str) -> User:
    token = await sign_up(client, f"user{index}@example.com", f"User {index}")
    headers = {"Authorization": f"Bearer {token}"}
    conversation = await _ok(
        await client.post(
            f"/api/v1/gpts/{gpt_id}/conversations", json={"draft": False}, headers=headers
        ),
        201,
    )
    return User(token=token, conversation_id=str(conversation["id"]))


async def set_up(base_url: str, action_url: str, users: int, answer: str) -> list[User]:
    """The GPT, ``users`` accounts with a conversation each; the baseline's bytes recorded."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        admin_token = await sign_up(client, "admin@example.com", "Admin")
        admin = {"Authorization": f"Bearer {admin_token}"}
        gpt_id = await publish_gpt(client, admin, action_url)
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)

        async def one(index: int) -> User:
            async with gate:
                return await new_user(client, index, gpt_id)

        made = await asyncio.gather(*(one(i) for i in range(users)))
        warm = await new_user(client, users, gpt_id)
        blocks: list[bytes] = []
        result = await one_turn(
            client,
            f"/api/v1/conversations/{warm.conversation_id}/messages",
            warm.headers,
            {"content": "What is the weather in Paris?"},
            answer,
            keep=blocks,
        )
        if result.error is not None:
            raise RuntimeError(f"the warm-up turn failed: {result.error}")
        await _ok(
            await client.put("/bench/baseline", json={"blocks": [b.decode() for b in blocks]})
        )
        return list(made)


async def check_persisted(base_url: str, users: list[User], turns: int, answer: str) -> int:
    """How many conversations are not exactly what the users sent and were answered."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:

        async def wrong(user: User) -> bool:
            async with gate:
                response = await client.get(
                    f"/api/v1/conversations/{user.conversation_id}", headers=user.headers
                )
            if response.status_code != 200:
                return True
            body = response.json()
            expected = ["user", "assistant", "tool", "assistant"] * turns
            messages = body["messages"]
            return (
                body["status"] != "idle"
                or [m["role"] for m in messages] != expected
                or [m["content"] for m in messages if m["role"] == "user"]
                != [message_text(n) for n in range(turns)]
                or any(m["content"] != answer for m in messages[3::4])
                or len(body["calls"]) != turns
                or any(c["status"] != "ok" for c in body["calls"])
            )

        return sum(await asyncio.gather(*(wrong(u) for u in users)))


def message_text(n: int) -> str:
    return f"What is the weather in Paris? ({n + 1})"


# ------------------------------------------------------------------ phases


@dataclass
class Phase:
    name: str
    users: int
    turns: int
    wall_s: float = 0.0
    turns_per_s: float = 0.0
    first_event_p50_s: float | None = None
    first_event_p99_s: float | None = None
    first_runtime_event_p50_s: float | None = None
    """To the turn's first runtime event (``first_event`` may be the server's ``accepted``)."""
    turn_p50_s: float | None = None
    turn_p99_s: float | None = None
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    not_persisted: int | None = None
    server_cpu_s: float = 0.0
    server_system_cpu_s: float = 0.0
    """Of which in the kernel (sockets, thread wake-ups)."""
    server_main_thread_cpu_s: float = 0.0
    """The event loop's thread (the rest: database driver and worker threads)."""
    generator_cpu_s: float = 0.0
    action_api_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    machine_busy_pct: float = 0.0
    """Share of both cores busy during the phase (everything on the machine)."""
    server_rss_idle_mb: float = 0.0
    server_rss_peak_mb: float = 0.0
    action_calls: int | None = None
    statements_per_turn: float | None = None
    """SQL statements the server sent per turn (requests, turns, streams together)."""
    loadavg_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    loadavg_end: tuple[float, float, float] = (0.0, 0.0, 0.0)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


PROFILE: list[Path] = []
"""Where ``--profile`` has the server write cProfile stats of each chat phase."""


async def profile(base_url: str, action: str, name: str, users: int) -> None:
    if not PROFILE or name != "chat":
        return
    path = PROFILE[0].with_name(f"{PROFILE[0].stem}-{users}{PROFILE[0].suffix}")
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        response = await client.post(f"/bench/profile/{action}", json={"path": str(path)})
        response.raise_for_status()


async def statements(base_url: str) -> int:
    async with httpx.AsyncClient(timeout=60) as client:
        return int((await client.get(f"{base_url}/bench/statements")).json()["count"])


async def action_calls(action_url: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        return int((await client.get(f"{action_url}/count")).json()["weather"])


async def run_phase(
    name: str,
    base_url: str,
    users: list[User],
    turns: int,
    answer: str,
    *,
    server: psutil.Process,
    action_api: psutil.Process,
    postgres_pid: int | None,
    action_url: str,
) -> Phase:
    phase = Phase(name=name, users=len(users), turns=turns)
    phase.loadavg_start = os.getloadavg()
    print(f"  {name}: N={len(users)} load average {phase.loadavg_start}", flush=True)
    timeout = httpx.Timeout(TURN_TIMEOUT, connect=60)
    results: list[TurnResult] = []
    rss: list[float] = []
    phase.server_rss_idle_mb = server.memory_info().rss / 2**20
    calls_before = await action_calls(action_url)
    statements_before = await statements(base_url)

    async def sample_rss() -> None:
        while True:
            try:
                rss.append(server.memory_info().rss / 2**20)
            except psutil.Error:
                return
            await asyncio.sleep(0.25)

    # A client (one connection) per user: one client with N connections costs its
    # connection pool O(N) work per request (httpcore scans every connection), 21 ms of
    # this process's CPU per request at N = 400 against 2.8 ms with a client per user.
    clients = [httpx.AsyncClient(base_url=base_url, timeout=timeout) for _ in users]
    async with contextlib.AsyncExitStack() as opened:
        for made in clients:
            await opened.enter_async_context(made)

        async def chat(user: User, client: httpx.AsyncClient) -> None:
            for n in range(turns):
                if name == "baseline":
                    result = await one_turn(client, "/bench/baseline", {}, {}, None)
                else:
                    result = await one_turn(
                        client,
                        f"/api/v1/conversations/{user.conversation_id}/messages",
                        user.headers,
                        {"content": message_text(n)},
                        answer,
                    )
                results.append(result)

        sampler = asyncio.create_task(sample_rss())
        await profile(base_url, "start", name, len(users))
        postgres_before = tree_cpu_seconds([postgres_pid] if postgres_pid else [])
        server_before, action_before = cpu_seconds(server), cpu_seconds(action_api)
        main_before = main_thread_cpu(server)
        system_before = server.cpu_times().system
        busy_before, total_before = machine_busy()
        own_before = time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(chat(u, c) for u, c in zip(users, clients, strict=True)))
        phase.wall_s = time.perf_counter() - start
        phase.generator_cpu_s = time.process_time() - own_before
        busy_after, total_after = machine_busy()
        phase.server_cpu_s = cpu_seconds(server) - server_before
        phase.server_main_thread_cpu_s = main_thread_cpu(server) - main_before
        phase.server_system_cpu_s = server.cpu_times().system - system_before
        phase.action_api_cpu_s = cpu_seconds(action_api) - action_before
        postgres_after = tree_cpu_seconds([postgres_pid] if postgres_pid else [])
        phase.postgres_cpu_s = sum(
            after - postgres_before.get(pid, 0.0) for pid, after in postgres_after.items()
        )
        sampler.cancel()
        await profile(base_url, "stop", name, len(users))
    phase.machine_busy_pct = (
        100 * (busy_after - busy_before) / max(total_after - total_before, 1e-9)
    )
    phase.server_rss_peak_mb = max(rss, default=phase.server_rss_idle_mb)
    phase.loadavg_end = os.getloadavg()
    done = [r for r in results if r.error is None]
    phase.errors = len(results) - len(done)
    for r in results:
        if r.error is not None:
            kind = r.error.split(":")[0]
            phase.error_kinds[kind] = phase.error_kinds.get(kind, 0) + 1
            if r.error not in phase.error_samples and len(phase.error_samples) < 5:
                phase.error_samples.append(r.error)
    phase.turns_per_s = len(done) / phase.wall_s
    firsts = [r.first_event for r in results if r.first_event is not None]
    totals = [r.total for r in done if r.total is not None]
    phase.first_event_p50_s = percentile(firsts, 0.5)
    phase.first_event_p99_s = percentile(firsts, 0.99)
    runtime_firsts = [r.first_runtime_event for r in results if r.first_runtime_event is not None]
    phase.first_runtime_event_p50_s = percentile(runtime_firsts, 0.5)
    phase.statements_per_turn = (await statements(base_url) - statements_before) / max(
        len(results), 1
    )
    phase.turn_p50_s = percentile(totals, 0.5)
    phase.turn_p99_s = percentile(totals, 0.99)
    if name != "baseline":
        phase.action_calls = await action_calls(action_url) - calls_before
    return phase


async def run_users(
    n: int,
    base_url: str,
    action_url: str,
    turns: int,
    answer: str,
    server: psutil.Process,
    action_api: psutil.Process,
    postgres_pid: int | None,
) -> list[Phase]:
    started = time.perf_counter()
    users = await set_up(base_url, action_url, n, answer)
    print(f"  set up {n} users in {time.perf_counter() - started:.1f} s", flush=True)
    phases = []
    for name in ("baseline", "chat"):
        phase = await run_phase(
            name,
            base_url,
            users,
            turns,
            answer,
            server=server,
            action_api=action_api,
            postgres_pid=postgres_pid,
            action_url=action_url,
        )
        if name == "chat":
            phase.not_persisted = await check_persisted(base_url, users, turns, answer)
        print("  " + summary_line(phase), flush=True)
        for sample in phase.error_samples:
            print(f"    error: {sample}", flush=True)
        phases.append(phase)
    return phases


def summary_line(p: Phase) -> str:
    def s(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return (
        f"{p.name:8} N={p.users:<4} {p.turns_per_s:7.1f} turns/s  first p50 {s(p.first_event_p50_s)}"
        f" p99 {s(p.first_event_p99_s)} (runtime p50 {s(p.first_runtime_event_p50_s)})  turn p50 {s(p.turn_p50_s)} p99 {s(p.turn_p99_s)}"
        f"  errors {p.errors} {p.error_kinds or ''}  not persisted {p.not_persisted}"
        f"  cpu server {p.server_cpu_s:.1f} ({1000 * p.server_cpu_s / max(p.users * p.turns, 1):.1f} ms/turn, main thread {p.server_main_thread_cpu_s:.1f}, system {p.server_system_cpu_s:.1f}) gen {p.generator_cpu_s:.1f}"
        f" api {p.action_api_cpu_s:.1f} pg {p.postgres_cpu_s:.1f}  busy {p.machine_busy_pct:.0f}%"
        f"  rss {p.server_rss_idle_mb:.0f}->{p.server_rss_peak_mb:.0f} MB"
        f"  wall {p.wall_s:.1f} s  calls {p.action_calls}"
        f"  statements/turn {s(p.statements_per_turn)}"
    )


# ------------------------------------------------------------------ the run


def run(
    users: list[int],
    backends: list[str],
    turns: int,
    answer_chars: int,
    work: Path,
    *,
    plain_uvicorn: bool = False,
) -> list[dict[str, Any]]:
    answer = answer_text(answer_chars)
    rows: list[dict[str, Any]] = []
    action_port = _free_port()
    action_url = f"http://127.0.0.1:{action_port}"
    with process(
        ["action-api", "--port", str(action_port)], work / "action-api.log", f"{action_url}/count"
    ) as action_api:
        for backend in backends:
            for n in users:
                data_dir = work / f"{backend}-{n}"
                database_url, postgres_pid = "", None
                if backend == "postgresql":
                    database_url, postgres_pid = postgres_url()
                port = _free_port()
                base_url = f"http://127.0.0.1:{port}"
                print(f"{backend}, N={n}", flush=True)
                args = [
                    "gptforge",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(data_dir),
                    "--database-url",
                    database_url,
                    "--answer-chars",
                    str(answer_chars),
                    *(["--plain-uvicorn"] if plain_uvicorn else []),
                ]
                with process(
                    args, work / f"server-{backend}-{n}.log", f"{base_url}/healthz"
                ) as server:
                    phases = asyncio.run(
                        run_users(
                            n, base_url, action_url, turns, answer, server, action_api, postgres_pid
                        )
                    )
                for phase in phases:
                    rows.append({"backend": backend, **asdict(phase)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="50,200,500", help="comma-separated N values")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--turns", type=int, default=3, help="messages each user sends")
    parser.add_argument("--answer-chars", type=int, default=300)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--src",
        type=Path,
        help="run the server on this copy of src/ (e.g. `git archive <commit> src`: before/after)",
    )
    parser.add_argument(
        "--plain-uvicorn",
        action="store_true",
        help="serve on uvicorn's asyncio loop and h11 parser, not uvloop/httptools (e.g. for "
        "`--src` of a commit from before they were dependencies)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument(
        "--profile", type=Path, help="cProfile the server's event loop in each chat phase"
    )
    args = parser.parse_args()
    users = [int(n) for n in args.users.split(",")]
    backends = [b.strip() for b in args.backends.split(",")]
    work = Path(tempfile.mkdtemp(prefix="gptforge-load-"))
    if args.profile:
        PROFILE.append(args.profile.resolve())
    if args.src:
        SERVER_SRC[0] = args.src.resolve()
    print(f"load average at start {os.getloadavg()}; {psutil.cpu_count()} CPUs; work in {work}")
    try:
        rows = run(
            users, backends, args.turns, args.answer_chars, work, plain_uvicorn=args.plain_uvicorn
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=2))
    baseline = {(r["backend"], r["users"]): r for r in rows if r["name"] == "baseline"}
    print(
        "\nbackend     N  turns/s  baseline/s  ratio  first p50/p99 s  turn p50/p99 s  errors  lost"
    )
    for r in rows:
        if r["name"] != "chat":
            continue
        b = baseline[(r["backend"], r["users"])]
        print(
            f"{r['backend']:10} {r['users']:4} {r['turns_per_s']:8.1f} {b['turns_per_s']:10.1f}"
            f" {r['turns_per_s'] / b['turns_per_s']:6.3f}"
            f"  {r['first_event_p50_s']:.2f}/{r['first_event_p99_s']:.2f}"
            f"  {r['turn_p50_s'] or 0:.2f}/{r['turn_p99_s'] or 0:.2f}"
            f"  {r['errors']:6}  {r['not_persisted']}"
        )
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
