"""Does the embedded model's route question tell data requests from the rest?

    python benchmarks/answer_route.py [--sets weather,shop,library] [--compare GIT_REF]
    python benchmarks/answer_route.py --route-sets [--check] [--compare GIT_REF]

For every question of the answer sets (benchmarks/answer_sets/), the route question
the embedded provider asks before a tool call (``route_messages`` and ``route_grammar``
in src/gptforge/llm/embedded.py) is sent to the real model on its own: the verdict is
right when it says ``none`` exactly for the questions labeled with no operation (from
the first token's odds, ``route_needs_a_tool``, where the module has it). Also
printed: seconds per route question and the prompt tokens llama.cpp had to read (not
served by its prompt cache), from the server's own ``timings``.

``--route-sets`` reads the sets of benchmarks/route_sets/ instead (the same four APIs,
16 first messages each, 9 needing no tool and 7 a tool: held out for the route question,
written before it was tuned on them); each item only says whether a tool is needed.
``--check`` reads their second half (``<api>_check.json``, 16 more each, 8 and 8),
written at the same time and kept out of tuning altogether.

``--compare REF`` runs the route question as it was at git REF first, over all the
sets, then the current one: each side's requests follow each other, as in a real run,
so each gets the prompt cache it would get.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import httpx
from answers import SETS, serve

from gptforge.actions import ActionExecutor
from gptforge.egress import EgressClient
from gptforge.llm import embedded
from gptforge.runtime import Runtime, build_actions
from gptforge.settings import Settings

ROUTE_SETS = Path(__file__).with_name("route_sets")


def module_at(ref: str) -> types.ModuleType:
    """src/gptforge/llm/embedded.py as it was at git ``ref``."""
    source = subprocess.run(
        ["git", "show", f"{ref}:src/gptforge/llm/embedded.py"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    module = types.ModuleType(f"embedded_at_{ref}")
    sys.modules[module.__name__] = module
    exec(compile(source, f"{ref}:embedded.py", "exec"), module.__dict__)
    return module


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    provider = embedded.EmbeddedProvider(cache_dir=settings.model_cache_dir())
    base = await provider.base_url()
    sides = {"current": embedded}
    if args.compare:
        sides = {f"at {args.compare}": module_at(args.compare), **sides}
    report: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=300) as client:
        with tempfile.TemporaryDirectory() as tmp:
            for name, module in sides.items():
                right = total = prompt_tokens = 0
                seconds = 0.0
                misses = []
                folder = ROUTE_SETS if args.route_sets else SETS
                for set_name in args.sets.split(","):
                    suffix = "_check" if args.check else ""
                    data = json.loads((folder / f"{set_name}{suffix}.json").read_text())
                    workdir = Path(tmp) / f"{name}-{set_name}".replace(" ", "_")
                    workdir.mkdir()
                    served = serve(data["api"], data["gpt"], workdir)
                    policy = settings.egress_policy([f"127.0.0.1:{served.port}"])
                    actions = await build_actions(served.gpt, served.base, policy=policy)
                    async with EgressClient(policy=policy) as egress:
                        runtime = Runtime(
                            gpt=served.gpt,
                            actions=actions,
                            provider=provider,
                            executor=ActionExecutor(egress=egress),
                        )
                        for item in data["questions"]:
                            messages = [runtime.system_message()]
                            for before in item.get("before", []):
                                # What the route question reads of an earlier turn is
                                # the user's message; the answer here is a stand-in.
                                messages += [
                                    {"role": "user", "content": before},
                                    {"role": "assistant", "content": "(answered)"},
                                ]
                            messages.append({"role": "user", "content": item["q"]})
                            body = {
                                "messages": module.route_messages(messages, runtime.tools),
                                "grammar": module.route_grammar(runtime.tools),
                                "max_tokens": 16,
                                "temperature": 0,
                            }
                            calibrated = hasattr(module, "route_needs_a_tool")
                            if calibrated:
                                body |= {
                                    "max_tokens": 1,
                                    "logprobs": True,
                                    "top_logprobs": module.ROUTE_CANDIDATES,
                                }
                            started = time.perf_counter()
                            reply = (
                                await client.post(f"{base}/chat/completions", json=body)
                            ).json()
                            seconds += time.perf_counter() - started
                            choice = reply["choices"][0]
                            verdict = choice["message"]["content"].strip()
                            if calibrated:
                                top = choice["logprobs"]["content"][0]["top_logprobs"]
                                candidates = [(c["token"], c["logprob"]) for c in top]
                                tool = module.route_needs_a_tool(
                                    verdict,
                                    candidates,
                                    runtime.tools,
                                    follow_up=bool(item.get("before")),
                                )
                                verdict = f"{verdict}… (tool)" if tool else "none"
                            ok = (verdict == "none") == (not item["operations"])
                            right += ok
                            total += 1
                            prompt_tokens += reply["timings"]["prompt_n"]
                            if not ok:
                                misses.append(f"{set_name}: {item['q']} -> {verdict}")
                            print(
                                f"[{name} {set_name}] {'✓' if ok else '✗'} {verdict:>18}  {item['q']}"
                            )
                report[name] = {
                    "right": right,
                    "questions": total,
                    "seconds_per_route": round(seconds / total, 2),
                    "prompt_tokens_read": prompt_tokens,
                    "misses": misses,
                }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets")
    parser.add_argument("--route-sets", action="store_true", help="the held-out route sets")
    parser.add_argument("--check", action="store_true", help="their untuned second half")
    parser.add_argument("--compare", metavar="GIT_REF")
    args = parser.parse_args()
    if args.check and not args.route_sets:
        parser.error("--check reads the second half of the route sets: add --route-sets")
    if args.sets is None:
        args.sets = "weather,shop,library,tickets" if args.route_sets else "weather,shop,library"
    print(json.dumps(asyncio.run(run(args)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
