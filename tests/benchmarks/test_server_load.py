"""``benchmarks/server_load.py`` at a tiny size, so the load benchmark cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_three_users_chat_through_sse_with_every_turn_correct_and_stored(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "server_load.py"),
            "--users",
            "3",
            "--turns",
            "2",
            "--backends",
            "sqlite",
            "--json-out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = {row["name"]: row for row in json.loads(out.read_text())}
    chat, baseline = rows["chat"], rows["baseline"]
    assert chat["errors"] == 0 and chat["not_persisted"] == 0, chat
    assert chat["action_calls"] == 6  # one call of the loopback API per turn
    assert chat["turns_per_s"] > 0 and baseline["turns_per_s"] > 0
    assert 0 < chat["first_event_p50_s"] <= chat["turn_p50_s"]
    assert chat["server_rss_peak_mb"] > 0 and chat["generator_cpu_s"] > 0
