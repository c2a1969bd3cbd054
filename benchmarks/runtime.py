"""Runtime overhead per turn (scripted model) and the embedded model on the weather GPT.

    python benchmarks/runtime.py [--turns 300] [--skip-model]

1. Overhead: one turn = model asks for a call, the call runs against the demo API on
   loopback, the model answers. The scripted model costs ~nothing, so time per turn
   minus the action's own HTTP time (from its call record) is the runtime's overhead.
2. Embedded model (Qwen2.5-Coder-1.5B Q4_K_M via llama.cpp): load time in this process,
   seconds per tool decision and per full answer, and tool-selection accuracy on
   benchmarks/weather_questions.json (a fixed labeled set: the first decision of each
   question is compared with the expected tool, or with "no tool").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from gptforge.actions import ActionExecutor
from gptforge.cli.chat import start_demo_api
from gptforge.demo import DEMO_GPT
from gptforge.egress import EgressClient
from gptforge.llm import EmbeddedProvider, ScriptedCall, ScriptedProvider, ScriptedReply
from gptforge.runtime import (
    ConversationState,
    Runtime,
    ToolCallFinished,
    build_actions,
    load_gpt_file,
)
from gptforge.settings import Settings

QUESTIONS = Path(__file__).with_name("weather_questions.json")


async def overhead(turns: int) -> dict[str, float]:
    settings = Settings()
    gpt, base = load_gpt_file(DEMO_GPT)
    policy = settings.egress_policy()
    actions = await build_actions(gpt, base, policy=policy)

    def script(messages: list[dict[str, Any]], tools: Any) -> ScriptedReply:
        if messages[-1]["role"] == "user":
            return ScriptedReply(
                calls=(ScriptedCall(name="getCurrentWeather", arguments={"city": "Paris"}),)
            )
        return ScriptedReply(text="It is sunny in Paris.")

    async with EgressClient(policy=policy) as egress:
        runtime = Runtime(
            gpt=gpt,
            actions=actions,
            provider=ScriptedProvider(script),
            executor=ActionExecutor(egress=egress),
        )
        overheads: list[float] = []
        for index in range(turns + 20):
            state = ConversationState()
            http_ms = 0.0
            started = time.perf_counter()
            async for event in runtime.send(state, "Weather in Paris?"):
                if isinstance(event, ToolCallFinished):
                    http_ms += event.duration_ms
            total_ms = (time.perf_counter() - started) * 1000
            if index >= 20:
                overheads.append(total_ms - http_ms)
    return {
        "turns": turns,
        "overhead_ms_median": round(statistics.median(overheads), 3),
        "overhead_ms_p95": round(sorted(overheads)[int(len(overheads) * 0.95)], 3),
    }


async def embedded() -> dict[str, Any]:
    settings = Settings()
    provider = EmbeddedProvider(cache_dir=settings.model_cache_dir())
    started = time.perf_counter()
    await provider.base_url()
    load_seconds = time.perf_counter() - started
    gpt, base = load_gpt_file(DEMO_GPT)
    policy = settings.egress_policy()
    actions = await build_actions(gpt, base, policy=policy)
    questions = json.loads(QUESTIONS.read_text())
    async with EgressClient(policy=policy) as egress:
        runtime = Runtime(
            gpt=gpt, actions=actions, provider=provider, executor=ActionExecutor(egress=egress)
        )
        decision_seconds: list[float] = []
        answer_seconds: list[float] = []
        correct = 0
        misses: list[dict[str, Any]] = []
        for item in questions:
            state = ConversationState(
                messages=[runtime.system_message(), {"role": "user", "content": item["question"]}]
            )
            started = time.perf_counter()
            decision, _ = await provider.decide(state.messages, runtime.tools)
            decision_seconds.append(time.perf_counter() - started)
            chosen = decision.get("tool") if isinstance(decision.get("tool"), str) else None
            if chosen == item["tool"]:
                correct += 1
            else:
                misses.append(
                    {
                        "question": item["question"],
                        "expected": item["tool"],
                        "got": chosen,
                        "arguments": decision.get("arguments"),
                    }
                )
            started = time.perf_counter()
            async for _ in runtime.send(ConversationState(), item["question"]):
                pass
            answer_seconds.append(time.perf_counter() - started)
    return {
        "load_seconds": round(load_seconds, 2),
        "assembled_model": "cached" if load_seconds < 30 else "assembled now",
        "questions": len(questions),
        "correct_tool_choice": correct,
        "accuracy": round(correct / len(questions), 3),
        "decision_seconds_median": round(statistics.median(decision_seconds), 2),
        "answer_seconds_median": round(statistics.median(answer_seconds), 2),
        "misses": misses,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    start_demo_api()
    report: dict[str, Any] = {"scripted_overhead": await overhead(args.turns)}
    if not args.skip_model:
        report["embedded_model"] = await embedded()
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
