"""Time and peak memory of `gptforge spec check --json` on the amplification shapes.

    python benchmarks/amplification.py [--src DIR] [--timeout S] [--max-gb G]

Writes each shape of ``tests/openapi/amplification.py`` to a temporary folder and runs
the command line on it under ``/usr/bin/time -v``, with ``PYTHONPATH`` set to ``--src``
(default: this checkout's ``src``; point it at another checkout to measure "before").
A run is stopped after ``--timeout`` seconds or when it asks for more than ``--max-gb``
of address space, so a shape that used to exhaust memory cannot take the machine down.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.openapi import amplification  # noqa: E402

SHAPES = {
    "anchored-path-item.yaml": lambda: amplification.anchored_path_item_yaml(levels=8, paths=60),
    "shared-body-4000.json": lambda: amplification.shared_body_json(
        operations=4000, depth=4, width=5
    ),
    "swagger-body-param-2000.json": lambda: amplification.swagger_shared_body_param_json(
        operations=2000, depth=4, width=5
    ),
    "shared-parameters.json": lambda: amplification.shared_parameters_json(
        operations=500, parameters=2000
    ),
    "fat-component-50.json": lambda: amplification.fat_component_json(
        operations=50, enum_bytes=1_500_000
    ),
    "petstore-baseline.json": lambda: json.dumps(_petstore()),
}


def _petstore() -> dict[str, object]:
    from tests.openapi.specs import PETSTORE

    return PETSTORE


def run(path: Path, src: Path, timeout: float, max_gb: float) -> dict[str, object]:
    limit = int(max_gb * 1024**3)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(src)}
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "gptforge", "spec", "check"]
    try:
        done = subprocess.run(
            [*command, "--json", str(path)],
            env=env,
            capture_output=True,
            timeout=timeout,
            preexec_fn=cap,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": f"stopped after {timeout:g} s"}
    stderr = done.stderr.decode(errors="replace")
    elapsed = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    outcome = f"exit {done.returncode}"
    if "MemoryError" in stderr:
        outcome = f"MemoryError (over {max_gb:g} GB)"
    elif "Traceback" in stderr:
        outcome = "traceback: " + stderr.strip().splitlines()[-1][:80]
    return {
        "outcome": outcome,
        "wall": elapsed.group(1) if elapsed else None,
        "max_rss_mb": round(int(rss.group(1)) / 1024) if rss else None,
        "output_kb": round(len(done.stdout) / 1e3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--max-gb", type=float, default=6)
    parser.add_argument("--only", help="only shapes whose name contains this text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, make in SHAPES.items():
            if args.only and args.only not in name:
                continue
            path = Path(folder) / name
            path.write_text(make())
            result = run(path, args.src, args.timeout, args.max_gb)
            print(json.dumps({"shape": name, "kb": round(path.stat().st_size / 1e3), **result}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
