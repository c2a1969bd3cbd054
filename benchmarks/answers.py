"""Are the offline model's answers faithful to the API? Labeled questions on eighteen APIs.

    python benchmarks/answers.py [--sets weather,shop,library] [--limit N] [--stride N]
                                 [--threads N] [--only WORD,...]
                                 [--compare GIT_REF [--only-compare]]
                                 [--more-instructions FILE]
                                 [--json-out FILE] [--verbose]

Each set in benchmarks/answer_sets/ names an API (benchmarks/answer_apis.py), a GPT
and 20 questions (15 in ``tracker``, ``transit``, ``parcels``, ``clinic``, ``hotel``,
``energy``, ``gym``, ``carrental``, ``airline``, ``waste``, ``restaurant``,
``university``, ``cinema`` and ``vet``, held out: written before any
run on them) labeled with the operations they need (in order, or none) and what the answer
must contain / must not contain. The ``*_followups`` sets (10 each) are
follow-up questions: an item's ``before`` messages are sent first in the same
conversation, and only its last message is timed and checked. The APIs are served on free 127.0.0.1
ports; the real embedded model runs through the real Runtime and ActionExecutor;
the operations are read from each API's own request log.

Reported per set and overall:
- right operation: the API saw exactly the expected operations, in order;
- right answer: every check holds (all ``contains`` substrings, one of each ``any``
  group, every number in ``numbers`` written as a number, none of ``not``; case-insensitive)
  and the answer shows no raw decision/result JSON;
- needless calls: calls beyond the expected ones; raw-JSON leaks;
- medians of: decision time (first tool call or first answer text), time to the first
  answer token, time to the full answer.

``--no-tool-messages`` runs the messages of benchmarks/route_sets/ labeled as needing no
tool (``--sets weather,…`` or ``weather_check,…``): right operation = answered without a call.

``--more-instructions FILE`` appends FILE's text to every GPT's instructions: GPTs
people write carry paragraphs of them (``benchmarks/long_instructions.txt``, ~1,500
characters of tone and policy), which the prompts must not make slow.

``--compare REF`` also runs the embedded provider as it was at git REF, on the same
loaded model, alternating question by question, so both sides share the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from answer_apis import (
    RequestLog,
    create_airline_app,
    create_carrental_app,
    create_cinema_app,
    create_clinic_app,
    create_energy_app,
    create_gym_app,
    create_hotel_app,
    create_library_app,
    create_parcels_app,
    create_restaurant_app,
    create_shop_app,
    create_tickets_app,
    create_tracker_app,
    create_transit_app,
    create_university_app,
    create_vet_app,
    create_waste_app,
)

from gptforge.actions import Action, ActionExecutor
from gptforge.cli.chat import start_in_thread
from gptforge.demo import DEMO_GPT, DEMO_SPEC
from gptforge.demo.weather_api import create_app as create_weather_app
from gptforge.egress import EgressClient
from gptforge.llm import EmbeddedProvider, ModelProvider
from gptforge.runtime import (
    ConversationState,
    Done,
    Runtime,
    TextDeltaEvent,
    ToolCallStarted,
    build_actions,
    load_gpt_file,
)
from gptforge.runtime.gpt import ActionDefinition, GptDefinition
from gptforge.runtime.loop import local_now
from gptforge.settings import Settings

SETS = Path(__file__).with_name("answer_sets")
ROUTE_SETS = Path(__file__).with_name("route_sets")
_JSON_LEAK = re.compile(r'\{\s*"|"(tool|reply|arguments)"\s*:')
_NUMBER = re.compile(r"[-−]?\d+(?:[.,]\d+)?")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    gpt: GptDefinition
    base: Path
    log: RequestLog
    port: int


def serve(api: str, gpt_spec: Any, workdir: Path) -> Served:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if api == "weather":
        log = RequestLog(create_weather_app())
        spec = yaml.safe_load(DEMO_SPEC.read_text())
        spec["servers"] = [{"url": url}]
        (workdir / "weather.openapi.json").write_text(json.dumps(spec))
        gpt, _ = load_gpt_file(DEMO_GPT)
        gpt = gpt.model_copy(update={"actions": [ActionDefinition(openapi="weather.openapi.json")]})
    else:
        factory = {
            "shop": create_shop_app,
            "library": create_library_app,
            "tickets": create_tickets_app,
            "tracker": create_tracker_app,
            "transit": create_transit_app,
            "parcels": create_parcels_app,
            "clinic": create_clinic_app,
            "hotel": create_hotel_app,
            "energy": create_energy_app,
            "gym": create_gym_app,
            "carrental": create_carrental_app,
            "airline": create_airline_app,
            "waste": create_waste_app,
            "restaurant": create_restaurant_app,
            "university": create_university_app,
            "cinema": create_cinema_app,
            "vet": create_vet_app,
        }[api]
        log = RequestLog(factory(url))
        gpt = GptDefinition(**gpt_spec, actions=[ActionDefinition(openapi=f"{url}/openapi.json")])
    start_in_thread(log, "127.0.0.1", port)
    return Served(gpt=gpt, base=workdir, log=log, port=port)


def fixed_clock(today: str) -> Callable[[], datetime]:
    """A clock for the date-relative sets, which fix "today"."""
    moment = datetime.fromisoformat(today)
    return lambda: moment


def operation_names(actions: list[Action], requests: list[tuple[str, str]]) -> list[str]:
    """The operationIds the API's log shows (the spec download itself is not a call)."""
    patterns = []
    for action in actions:
        for op in action.spec.operations:
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
            patterns.append((op.method.upper(), re.compile(f"^{regex}$"), op.name))
    names = []
    for method, path in requests:
        if path in ("/openapi.json", "/openapi.yaml"):
            continue
        for m, regex, name in patterns:
            if m == method and regex.match(path):
                names.append(name)
                break
        else:
            names.append(f"{method} {path}")
    return names


def numbers_in(text: str) -> set[float]:
    out = set()
    for token in _NUMBER.findall(text.replace("−", "-")):
        try:
            out.add(float(token.replace(",", ".")))
        except ValueError:
            continue
    return out


def check_answer(item: dict[str, Any], answer: str) -> list[str]:
    """The failed checks of one answer (empty: right)."""
    low = answer.lower()
    failed = []
    if not answer.strip():
        failed.append("empty answer")
    for needed in item.get("contains", []):
        if needed.lower() not in low:
            failed.append(f"missing {needed!r}")
    for group in item.get("any", []):
        if not any(option.lower() in low for option in group):
            failed.append(f"none of {group[:4]}…")
    found = numbers_in(answer)
    for number in item.get("numbers", []):
        if float(number) not in found:
            failed.append(f"missing number {number}")
    for banned in item.get("not", []):
        if banned.lower() in low:
            failed.append(f"contains {banned!r}")
    if _JSON_LEAK.search(answer):
        failed.append("raw JSON")
    return failed


@dataclass
class Outcome:
    question: str
    expected: list[str]
    called: list[str]
    answer: str
    failed: list[str]
    decision_s: float
    first_token_s: float | None
    full_s: float
    leak: bool
    requests: list[str] = field(default_factory=list)
    needless: int = field(init=False)

    def __post_init__(self) -> None:
        remaining = list(self.expected)
        extra = 0
        for name in self.called:
            if name in remaining:
                remaining.remove(name)
            else:
                extra += 1
        self.needless = extra

    @property
    def right_operation(self) -> bool:
        return self.called == self.expected

    @property
    def right_answer(self) -> bool:
        return not self.failed


async def ask(
    runtime: Runtime, served: Served, actions: list[Action], item: dict[str, Any]
) -> Outcome:
    state = ConversationState()
    for earlier in item.get("before", []):
        # A follow-up: the earlier messages are sent first, in the same conversation;
        # only the last message is timed and checked.
        async for event in runtime.send(state, earlier):
            if isinstance(event, Done):
                break
    before = len(served.log.requests)
    text: list[str] = []
    started = time.perf_counter()
    decision: float | None = None
    first_token: float | None = None
    async for event in runtime.send(state, item["q"]):
        now = time.perf_counter() - started
        if isinstance(event, ToolCallStarted | TextDeltaEvent) and decision is None:
            decision = now
        if isinstance(event, TextDeltaEvent):
            if first_token is None and event.text.strip():
                first_token = now
            text.append(event.text)
        if isinstance(event, Done):
            break
    full = time.perf_counter() - started
    answer = "".join(text)
    sent = [
        f"{path}?{query}" if query else path
        for (_, path), query in zip(
            served.log.requests[before:], served.log.queries[before:], strict=True
        )
        if not path.startswith("/openapi")
    ]
    return Outcome(
        question=item["q"],
        expected=list(item["operations"]),
        called=operation_names(actions, served.log.requests[before:]),
        answer=answer,
        failed=check_answer(item, answer),
        decision_s=decision if decision is not None else full,
        first_token_s=first_token,
        full_s=full,
        leak=bool(_JSON_LEAK.search(answer)),
        requests=sent,
    )


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    n = len(outcomes)
    firsts = [o.first_token_s for o in outcomes if o.first_token_s is not None]
    return {
        "questions": n,
        "right_operation": sum(o.right_operation for o in outcomes),
        "right_answer": sum(o.right_answer for o in outcomes),
        "right_answer_rate": round(sum(o.right_answer for o in outcomes) / n, 3) if n else 0,
        "right_both": sum(o.right_operation and o.right_answer for o in outcomes),
        "needless_calls": sum(o.needless for o in outcomes),
        "raw_json_leaks": sum(o.leak for o in outcomes),
        "decision_s_median": round(statistics.median(o.decision_s for o in outcomes), 2),
        "first_token_s_median": round(statistics.median(firsts), 2) if firsts else None,
        "full_answer_s_median": round(statistics.median(o.full_s for o in outcomes), 2),
    }


# The provider's own modules are loaded as they were at the ref too; the event types
# (base) and the model's one queue (queue) stay shared, so the runtime reads both sides'
# events and the two providers take turns on the one model.
_SHARED_LLM_MODULES = frozenset({"__init__", "base", "queue", "openai_compat", "scripted"})
_BASELINE = "gptforge_baseline_llm"


def _source_at(ref: str, path: str) -> str | None:
    shown = subprocess.run(
        ["git", "show", f"{ref}:{path}"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return shown.stdout if shown.returncode == 0 else None


def _module_at(ref: str, name: str) -> types.ModuleType:
    """``gptforge/llm/<name>.py`` as it was at ``ref``, its imports of the provider's own
    modules pointed at their versions at ``ref``."""
    qualified = f"{_BASELINE}.{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    source = _source_at(ref, f"src/gptforge/llm/{name}.py")
    if source is None:
        raise SystemExit(f"--compare {ref}: src/gptforge/llm/{name}.py does not exist there")
    for imported in sorted(set(re.findall(r"from gptforge\.llm\.(\w+) import", source))):
        if imported not in _SHARED_LLM_MODULES:
            _module_at(ref, imported)
            source = source.replace(
                f"from gptforge.llm.{imported} import", f"from {_BASELINE}.{imported} import"
            )
    module = types.ModuleType(qualified)
    sys.modules[qualified] = module  # dataclasses look their module up while defining
    exec(compile(source, f"{ref}:{name}.py", "exec"), module.__dict__)
    return module


def baseline_provider(ref: str, address: str) -> ModelProvider:
    """The embedded provider as it was at ``ref`` (with the provider's own modules, such as
    ``dates``, as they were there), talking to the already loaded model."""
    sys.modules.setdefault(_BASELINE, types.ModuleType(_BASELINE))
    module = _module_at(ref, "embedded")
    server = module._EmbeddedServer
    server._address = address
    if hasattr(server, "_config"):
        server._config = None
    provider: ModelProvider = module.EmbeddedProvider(cache_dir=Settings().model_cache_dir())
    provider.name = f"embedded@{ref}"
    return provider


async def loaded_address(provider: EmbeddedProvider) -> str:
    url = provider.base_url()
    if asyncio.iscoroutine(url):
        url = await url
    return str(url).removesuffix("/v1")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    provider = EmbeddedProvider(cache_dir=settings.model_cache_dir(), threads=args.threads)
    started = time.perf_counter()
    address = await loaded_address(provider)
    load_s = time.perf_counter() - started
    providers: dict[str, ModelProvider] = {"current": provider}
    if args.compare:
        providers = {f"at {args.compare}": baseline_provider(args.compare, address), **providers}
        if args.only_compare:
            del providers["current"]
    report: dict[str, Any] = {
        "model_load_s": round(load_s, 2),
        "threads": args.threads or "all cores",
        "more_instructions": str(args.more_instructions) if args.more_instructions else None,
        "sides": {},
    }
    per_side: dict[str, list[Outcome]] = {name: [] for name in providers}
    sets = args.sets.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for set_name in sets:
            folder = ROUTE_SETS if args.no_tool_messages else SETS
            data = json.loads((folder / f"{set_name}.json").read_text())
            if args.no_tool_messages:
                data["questions"] = [q for q in data["questions"] if not q["operations"]]
            workdir = Path(tmp) / set_name
            workdir.mkdir()
            served = serve(data["api"], data["gpt"], workdir)
            if args.more_instructions:
                extra = args.more_instructions.read_text().strip()
                served.gpt = served.gpt.model_copy(
                    update={"instructions": f"{served.gpt.instructions.strip()}\n\n{extra}"}
                )
            policy = settings.egress_policy([f"127.0.0.1:{served.port}"])
            actions = await build_actions(served.gpt, served.base, policy=policy)
            questions = data["questions"][args.offset :: args.stride][: args.limit or None]
            if args.only:
                wanted = [w.strip().lower() for w in args.only.split(",")]
                questions = [q for q in questions if any(w in q["q"].lower() for w in wanted)]
            async with EgressClient(policy=policy) as egress:
                clock = fixed_clock(data["today"]) if "today" in data else local_now
                runtimes = {
                    name: Runtime(
                        gpt=served.gpt,
                        actions=actions,
                        provider=p,
                        executor=ActionExecutor(egress=egress),
                        clock=clock,
                    )
                    for name, p in providers.items()
                }
                set_outcomes: dict[str, list[Outcome]] = {name: [] for name in providers}
                for index, item in enumerate(questions):
                    order = list(runtimes.items())
                    if index % 2:
                        order.reverse()
                    for name, runtime in order:
                        outcome = await ask(runtime, served, actions, item)
                        set_outcomes[name].append(outcome)
                        mark = ("op✓" if outcome.right_operation else "op✗") + (
                            " ans✓" if outcome.right_answer else " ans✗"
                        )
                        print(
                            f"[{set_name} {index + 1:2d} {name}] {mark} {outcome.full_s:5.1f}s "
                            f"{item['q']}",
                            file=sys.stderr,
                        )
                        if args.verbose or not (outcome.right_answer and outcome.right_operation):
                            print(
                                f"      sent {outcome.requests} expected {outcome.expected} "
                                f"failed {outcome.failed}\n      answer: {outcome.answer[:400]!r}",
                                file=sys.stderr,
                            )
            for name, outcomes in set_outcomes.items():
                if not outcomes:
                    continue  # --only matched none of this set's questions
                per_side[name].extend(outcomes)
                side = report["sides"].setdefault(name, {"sets": {}, "misses": []})
                side["sets"][set_name] = summary(outcomes)
                side["misses"].extend(
                    {
                        "set": set_name,
                        "question": o.question,
                        "called": o.called,
                        "requests": o.requests,
                        "expected": o.expected,
                        "failed": o.failed,
                        "answer": o.answer[:300],
                    }
                    for o in outcomes
                    if not (o.right_operation and o.right_answer)
                )
    for name, outcomes in per_side.items():
        report["sides"][name]["overall"] = summary(outcomes)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="weather,shop,library")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions per set")
    parser.add_argument(
        "--stride", type=int, default=1, help="every Nth question of each set (a quick sample)"
    )
    parser.add_argument("--offset", type=int, default=0, help="first question for --stride")
    parser.add_argument(
        "--only", default="", help="only questions containing one of these comma-separated words"
    )
    parser.add_argument("--compare", metavar="GIT_REF", help="also run the provider at this ref")
    parser.add_argument(
        "--only-compare",
        action="store_true",
        help="run only the provider at --compare (e.g. in a second process, at the same time)",
    )
    parser.add_argument(
        "--more-instructions",
        type=Path,
        metavar="FILE",
        help="append this text to every GPT's instructions (e.g. benchmarks/long_instructions.txt)",
    )
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--threads", type=int, default=None, help="llama.cpp threads (default: all cores)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every answer")
    parser.add_argument(
        "--no-tool-messages",
        action="store_true",
        help="the messages of benchmarks/route_sets/ that need no tool (their only label): "
        "how many are answered without a call, e.g. --sets weather_check,shop_check,...",
    )
    args = parser.parse_args()
    report = asyncio.run(run(args))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json_out:
        args.json_out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
