"""How fast does llama.cpp read a prompt and write an answer here, per server option?

    python benchmarks/model_speed.py [--threads N] [--variants default,no-repack,...]

The embedded model's answer after a tool result reads the result and the answer
instruction anew and then writes the answer: its time is these two rates. Each variant
starts its own ``xllamacpp.Server`` (in a child process, so one variant's memory and
threads do not touch the next) with the embedded provider's settings plus one option,
then sends the same prompt (about 600 tokens, the prompt cache off) four times and
prints the mean tokens per second of reading and of writing over the last three (the
first warms the server). Compare variants within one run: the machine's load moves both.

Variants: ``default`` (the provider's settings), ``flash-attn-on``, ``flash-attn-off``,
``ubatch-128``, ``ubatch-2048``, ``no-poll`` (``cpuparams.poll = 0``), ``no-repack``
(``no_extra_bufts``: the weights are not repacked for the CPU's wide instructions).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

import httpx

VARIANTS = (
    "default",
    "flash-attn-on",
    "flash-attn-off",
    "ubatch-128",
    "ubatch-2048",
    "no-poll",
    "no-repack",
)
PROMPT = " ".join(f"word{i} is a value of {i * 7} units;" for i in range(45))


def _configure(params: Any, variant: str) -> None:
    import xllamacpp

    kinds = xllamacpp.llama_flash_attn_type
    if variant == "flash-attn-on":
        params.flash_attn_type = kinds.LLAMA_FLASH_ATTN_TYPE_ENABLED
    elif variant == "flash-attn-off":
        params.flash_attn_type = kinds.LLAMA_FLASH_ATTN_TYPE_DISABLED
    elif variant.startswith("ubatch-"):
        params.n_ubatch = int(variant.removeprefix("ubatch-"))
    elif variant == "no-poll":
        params.cpuparams.poll = 0
        params.cpuparams_batch.poll = 0
    elif variant == "no-repack":
        params.no_extra_bufts = True
    elif variant != "default":
        raise SystemExit(f"Unknown variant {variant!r}; choose from {', '.join(VARIANTS)}.")


def measure(variant: str, threads: int) -> dict[str, Any]:
    """One variant, in this process: the server's own timings of four requests."""
    import xllamacpp

    from gptforge.llm.embedded import assemble_model, server_params
    from gptforge.settings import Settings

    params = server_params(assemble_model(Settings().model_cache_dir()), threads, 8192)
    _configure(params, variant)
    server = xllamacpp.Server(params)
    base = str(server.listening_address).rstrip("/") + "/v1"
    reading: list[float] = []
    writing: list[float] = []
    prompt_tokens = 0
    with httpx.Client(timeout=300) as client:
        for index in range(4):
            reply = client.post(
                base + "/chat/completions",
                json={
                    "model": "embedded",
                    "messages": [{"role": "user", "content": f"{index} {PROMPT} Write a story."}],
                    "max_tokens": 60,
                    "temperature": 0,
                    "cache_prompt": False,
                    "ignore_eos": True,
                },
            )
            timings = reply.json()["timings"]
            prompt_tokens = timings["prompt_n"]
            if index:
                reading.append(timings["prompt_per_second"])
                writing.append(timings["predicted_per_second"])
    return {
        "variant": variant,
        "prompt_tokens": prompt_tokens,
        "read_tokens_per_s": round(sum(reading) / len(reading), 1),
        "write_tokens_per_s": round(sum(writing) / len(writing), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process's variant
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.threads)), flush=True)
        os._exit(0)  # the server's threads would keep the process alive
    results = []
    for variant in args.variants.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--one", variant, "--threads", str(args.threads)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{variant:15} read {result['read_tokens_per_s']:6.1f} tok/s   "
            f"write {result['write_tokens_per_s']:5.1f} tok/s   "
            f"({result['prompt_tokens']} prompt tokens)",
            flush=True,
        )
    base = next((r for r in results if r["variant"] == "default"), None)
    if base:
        for r in results:
            print(
                f"{r['variant']:15} read x{r['read_tokens_per_s'] / base['read_tokens_per_s']:.2f}"
                f"   write x{r['write_tokens_per_s'] / base['write_tokens_per_s']:.2f}"
                "  (against default, same run)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
