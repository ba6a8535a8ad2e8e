"""Benchmark the bundled LLM: loading, batched greedy throughput, prefill-once-decode-L.

Run: ``.venv/bin/python benchmarks/bench_generation.py [--threads 1] [--repeats 3]``

Prints a table of medians:

(a) first load from the GGUF file (de-quantisation) vs reload of the cached
    safetensors copy;
(b) greedy generation throughput (new tokens / s, prefill time included) with 1,
    8 and 32 prompts in one call, float32 and bfloat16, and the prefill alone;
(c) one request with L = 8 samples (prefill once, decode 8 rows) vs 8 separate
    one-sample requests with the same prompt, for a short and a long context.

Recorded 2026-11-23, `--threads 1 --repeats 3`, AMD EPYC (avx512_bf16), 2 cores
shared with other jobs (load average 2-6, so numbers are noisy, +-30%):

    (a) load from GGUF (de-quantise)        25.2 s
    (a) reload cached safetensors            0.38 s
    (b) greedy float32,   1 / 8 / 32 prompts    9.7 / 28.9 / 44.9 tok/s
        prefill only float32, 32 prompts      255 prompt tok/s (11.5 of the 19.6 s)
    (b) greedy bfloat16,  1 / 8 / 32 prompts   18.1 / 127 / 194 tok/s
        prefill only bfloat16, 32 prompts    1275 prompt tok/s
    (c) 94-token prompt:  1 request x L=8  3.33 s  vs  8 requests x L=1  5.03 s
    (c) 406-token prompt: 1 request x L=8  4.85 s  vs  8 requests x L=1 12.56 s
        transformers generate(), 1 prompt     18.1 tok/s
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch

from netcollapse.backends import GenerationRequest, HFGenerator, models
from netcollapse.backends.models import torch_threads

QUERY = "Please provide EXACTLY one concise sentence about the future prospects of Bitcoin."
POSTS = [
    "Bitcoin just broke a new all-time high and institutions keep buying.",
    "I am worried that crypto regulation will crush small investors.",
    "Bitcoin moved sideways this week; trading volume was average.",
    "Lightning network adoption is growing in several countries.",
    "Another exchange was hacked, and users lost their savings.",
    "Miners are moving to renewable energy to cut costs.",
    "ETF inflows were flat compared to last month.",
    "The halving is expected to squeeze supply later this year.",
]


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def requests_for(
    n: int, *, n_samples: int = 1, temperature: float = 0.0, docs: int = 3, max_new: int = 32
) -> list[GenerationRequest]:
    out = []
    for i in range(n):
        context = tuple(POSTS[(i + j) % len(POSTS)] for j in range(docs))
        out.append(
            GenerationRequest(
                "",
                context,
                QUERY,
                n_samples,
                seed=i,
                temperature=temperature,
                max_new_tokens=max_new,
            )
        )
    return out


def count_tokens(ids: list[list[list[int]]]) -> int:
    return sum(len(s) for per_request in ids for s in per_request)


def bench_loading(rows: list[tuple[str, str]], repeats: int, threads: int | None) -> None:
    with torch_threads(threads):
        t_gguf, _ = median_time(lambda: models.load_gguf_causal_lm(), 1)
        folder = models.resolve_llm("smollm2")  # converts once if the cache is empty

        def reload() -> object:
            models.clear_loaded()
            return models.load_causal_lm("smollm2")

        t_cached, _ = median_time(reload, repeats)
    rows.append(("(a) load from GGUF (de-quantise)", f"{t_gguf:.2f} s"))
    rows.append(("(a) reload cached safetensors", f"{t_cached:.2f} s"))
    rows.append(("    cache folder", str(folder)))


def bench_throughput(
    rows: list[tuple[str, str]], dtype: str, repeats: int, threads: int | None
) -> None:
    gen = HFGenerator("smollm2", dtype=dtype, threads=threads)
    try:
        gen.generate_ids(requests_for(1, max_new=4))  # load + warm up
    except Exception as exc:  # noqa: BLE001 - report and go on (bf16 may be unsupported)
        rows.append((f"(b) greedy {dtype}", f"failed: {type(exc).__name__}: {exc}"[:90]))
        return
    for n in (1, 8, 32):
        reqs = requests_for(n)
        t, ids = median_time(lambda reqs=reqs: gen.generate_ids(reqs), repeats)
        tokens = count_tokens(ids)
        rows.append(
            (
                f"(b) greedy {dtype}, {n:2d} prompts",
                f"{tokens / t:7.1f} tok/s  ({tokens} tokens, {t:.2f} s)",
            )
        )
    reqs = requests_for(32, max_new=1)
    t, _ = median_time(lambda: gen.generate_ids(reqs), repeats)
    n_prompt = sum(len(gen.prompt_ids(r)) for r in reqs)
    rows.append(
        (
            f"    prefill only {dtype}, 32 prompts",
            f"{n_prompt / t:7.1f} prompt tok/s  ({n_prompt} tokens, {t:.2f} s)",
        )
    )


def bench_prefill_once(rows: list[tuple[str, str]], repeats: int, threads: int | None) -> None:
    gen = HFGenerator("smollm2", threads=threads)
    model, _ = gen.load()
    for docs in (3, 24):
        one = requests_for(1, n_samples=8, temperature=0.7, docs=docs)
        sep = [
            GenerationRequest(
                "", one[0].context, QUERY, 1, seed=s, temperature=0.7, max_new_tokens=32
            )
            for s in range(8)
        ]
        n_prompt = len(gen.prompt_ids(one[0]))
        t1, ids1 = median_time(lambda one=one: gen.generate_ids(one), repeats)
        t8, ids8 = median_time(lambda sep=sep: gen.generate_ids(sep), repeats)
        rows.append(
            (
                f"(c) {n_prompt}-token prompt, 1 request x L=8",
                f"{t1:.2f} s  ({count_tokens(ids1) / t1:6.1f} tok/s)",
            )
        )
        rows.append(
            (
                f"(c) {n_prompt}-token prompt, 8 requests x L=1",
                f"{t8:.2f} s  ({count_tokens(ids8) / t8:6.1f} tok/s)",
            )
        )
    # reference: transformers' own generate, one prompt, greedy
    prompt = torch.tensor([gen.prompt_ids(requests_for(1)[0])])
    with torch.inference_mode(), torch_threads(threads):
        t, out = median_time(
            lambda: model.generate(
                prompt,
                attention_mask=torch.ones_like(prompt),
                do_sample=False,
                max_new_tokens=32,
                pad_token_id=2,
            ),
            repeats,
        )
    n_new = out.shape[1] - prompt.shape[1]
    rows.append(("    transformers generate(), 1 prompt", f"{n_new / t:7.1f} tok/s"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's own choice)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true", help="skip (a), the slow part")
    parser.add_argument("--no-bf16", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    if not args.skip_load:
        bench_loading(rows, args.repeats, args.threads)
    bench_throughput(rows, "float32", args.repeats, args.threads)
    if not args.no_bf16:
        bench_throughput(rows, "bfloat16", args.repeats, args.threads)
    bench_prefill_once(rows, args.repeats, args.threads)
    threads = args.threads or torch.get_num_threads()
    print(
        f"\nbench_generation: SmolLM2-135M-Instruct, CPU, torch threads={threads}, "
        f"median of {args.repeats}, max_new_tokens=32"
    )
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
