"""``gptforge serve`` as a user runs it: migrates, seeds the demo GPT once, serves the API."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import anyio.to_thread
import httpx

from gptforge.demo import DEMO_SPEC
from tests.servers import free_port
from tests.store.databases import drop_database, fresh_postgres_url
from tests.web.conftest import PASSWORD

SRC = Path(__file__).resolve().parents[2] / "src"


@contextmanager
def running_server(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(server URL, demo API URL) of a ``gptforge serve`` subprocess."""
    with server_process(data_dir) as (url, demo, _process):
        yield url, demo


@contextmanager
def server_process(
    data_dir: Path, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """(server URL, demo API URL, the process) of a ``gptforge serve`` subprocess."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "GPTFORGE_PASSWORD_HASHING": "cheapest",
        "GPTFORGE_ALLOW_DEMO_API": "false",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gptforge",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        assert process.stdout is not None
        demo = ""
        while not demo:
            line = process.stdout.readline()
            match = re.search(r"demo weather API on (\S+)", line)
            demo = match.group(1) if match else ""
        yield url, demo, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def test_serve_migrates_seeds_and_allowlists_the_demo_api(tmp_path: Path) -> None:
    data_dir = tmp_path / "served"
    with running_server(data_dir) as (url, demo), httpx.Client(base_url=url) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "sqlite"}
        signup = client.post(
            "/api/v1/auth/signup",
            json={"email": "me@example.com", "password": PASSWORD, "display_name": "Me"},
        )
        assert signup.json()["is_admin"] is True  # the demo GPT's owner is not an admin
        store = client.get("/api/v1/store", params={"q": "weather"}).json()["items"]
        assert [g["name"] for g in store] == ["Weather helper"]
        demo_gpt = client.get(f"/api/v1/gpts/{store[0]['id']}").json()
        assert demo_gpt["view"] == "public"
        assert demo_gpt["actions"] == [
            {"host": "127.0.0.1", "privacy_policy_url": "https://example.org/privacy"}
        ]
        gpt = client.post("/api/v1/gpts", json={"name": "Mine"}).json()
        action = client.post(
            f"/api/v1/gpts/{gpt['id']}/actions",
            json={"schema": DEMO_SPEC.read_text(), "server_url": demo},
        ).json()
        result = client.post(
            f"/api/v1/gpts/{gpt['id']}/actions/{action['id']}/test",
            json={"operation": "getCurrentWeather", "arguments": {"city": "Paris"}},
        ).json()
        assert result["status"] == "ok" and "Paris" in result["content"]
    assert (data_dir / "gptforge.db").exists()
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600


def _children(pid: int) -> list[str]:
    """Command lines of the processes whose parent is ``pid``."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((stat_file.parent / "cmdline").read_bytes().replace(b"\0", b" "))
        except (OSError, IndexError, ValueError):
            continue
    return [line.decode(errors="replace") for line in found]


async def test_serve_with_two_workers_on_postgresql(tmp_path: Path) -> None:
    database_url = await fresh_postgres_url()
    try:
        await anyio.to_thread.run_sync(_two_workers, tmp_path / "served", database_url)
    finally:
        await drop_database(database_url)


def _two_workers(data_dir: Path, database_url: str) -> None:
    env = {"GPTFORGE_DATABASE_URL": database_url}
    with (
        server_process(data_dir, env, args=("--workers", "2")) as (url, demo, process),
        httpx.Client(base_url=url) as client,
    ):
        workers = [c for c in _children(process.pid) if "multiprocessing" in c]
        assert len([c for c in workers if "resource_tracker" not in c]) == 2, workers
        assert client.get("/healthz").json() == {"status": "ok", "database": "postgresql"}
        client.post(
            "/api/v1/auth/signup",
            json={"email": "me@example.com", "password": PASSWORD, "display_name": "Me"},
        ).raise_for_status()
        store = client.get("/api/v1/store", params={"q": "weather"}).json()["items"]
        assert [g["name"] for g in store] == ["Weather helper"]  # seeded once
        gpt = client.post("/api/v1/gpts", json={"name": "Mine"}).json()
        action = client.post(
            f"/api/v1/gpts/{gpt['id']}/actions",
            json={"schema": DEMO_SPEC.read_text(), "server_url": demo},
        ).json()
        for city in ("Paris", "Oslo", "Berlin", "Rome"):  # spread over both workers
            result = client.post(
                f"/api/v1/gpts/{gpt['id']}/actions/{action['id']}/test",
                json={"operation": "getCurrentWeather", "arguments": {"city": city}},
            ).json()
            assert result["status"] == "ok" and city in result["content"]
            assert client.get("/api/v1/me").status_code == 200
    assert not (data_dir / "gptforge.db").exists()


def test_several_workers_on_sqlite_are_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gptforge", "serve", "--workers", "2", "--data-dir", str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers 2 needs PostgreSQL" in result.stderr
    assert "GPTFORGE_DATABASE_URL" in result.stderr
