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

import httpx

from gptforge.demo import DEMO_SPEC
from tests.servers import free_port
from tests.web.conftest import PASSWORD

SRC = Path(__file__).resolve().parents[2] / "src"


@contextmanager
def running_server(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(server URL, demo API URL) of a ``gptforge serve`` subprocess."""
    with server_process(data_dir) as (url, demo, _process):
        yield url, demo


@contextmanager
def server_process(
    data_dir: Path, extra_env: dict[str, str] | None = None
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
