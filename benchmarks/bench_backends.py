"""Generation backends side by side: tokens/s, engine overhead, a shipped run end to end.

Run: ``.venv/bin/python benchmarks/bench_backends.py [--repeats 3] [--skip-run]``
on a quiet machine (nothing else running: on 2 cores a second process makes both
backends many times slower).

(a) Throughput: the same 16 requests (the shipped query, 6 posts of the default
    corpus as context, temperature 0.7, top-p 0.95, 32 new tokens at most, the
    same seeds) with L = 4 and L = 8 samples each, through transformers
    (bfloat16; float32 with ``--fp32``; and bfloat16 with the top-p sampling
    sorting the whole vocabulary, as before) and llama.cpp (the bundled Q4_1 GGUF
    as it is, and its q4_0 copy), with 1 and 2 threads. New tokens / s,
    prompt processing included; median over repeats, the backends interleaved
    within each repeat.
(b) Engine overhead: an LLM web (complete graph, n = 8, L = 4, k_max 6, T = 3,
    llama.cpp) with its step split (``timings.parquet``); then the same prompts
    again through the bare backend. Overhead = step time - bare backend time.
(c) ``experiments/paper_llm.yaml`` end to end (``run_spec``, T = 16) with
    ``backend: hf`` (its bfloat16) and ``backend: llamacpp``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from netcollapse.backends import GenerationRequest, HFGenerator, LlamaCppGenerator
from netcollapse.backends.local import hf as hf_module
from netcollapse.backends.models import torch_threads
from netcollapse.retrieval.corpus import DEFAULT_QUERY, default_corpus

ROOT = Path(__file__).resolve().parents[1]


def requests(L: int, n: int = 16, docs: int = 6) -> list[GenerationRequest]:
    texts = list(default_corpus().texts)
    return [
        GenerationRequest(
            "",
            tuple(texts[(3 * i + j) % len(texts)] for j in range(docs)),
            DEFAULT_QUERY,
            L,
            seed=i,
            temperature=0.7,
            top_p=0.95,
            max_new_tokens=32,
        )
        for i in range(n)
    ]


def tokens(ids: list[list[list[int]]]) -> int:
    return sum(len(s) for r in ids for s in r)


def throughput(
    repeats: int, fp32: bool, threads_list: tuple[int, ...] = (1, 2), Ls: tuple[int, ...] = (4, 8)
) -> pd.DataFrame:
    records = []
    for threads in threads_list:
        gens: dict[str, Any] = {
            "transformers bfloat16": HFGenerator("smollm2", dtype="bfloat16", threads=threads),
            "llama.cpp Q4_1 (as shipped)": LlamaCppGenerator("smollm2", threads=threads),
            "llama.cpp q4_0 copy": LlamaCppGenerator("smollm2", threads=threads, quantize="q4_0"),
        }
        if fp32:
            gens["transformers float32"] = HFGenerator("smollm2", dtype="float32", threads=threads)
        for L in Ls:
            reqs = requests(L)
            for gen in gens.values():  # load and warm up
                gen.generate_ids(reqs[:1])
            runs = [(name, gen, False) for name, gen in gens.items()]
            runs.append(("transformers bfloat16, full sort", gens["transformers bfloat16"], True))
            times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
            counts: dict[str, int] = {}
            for _ in range(repeats):
                for name, gen, full_sort in runs:
                    # full sort: top-p as before this benchmark's commit (whole vocabulary)
                    hf_module._TOP_K = 10**9 if full_sort else 256
                    with torch_threads(threads):
                        start = time.perf_counter()
                        ids = gen.generate_ids(reqs)
                        times[name].append(time.perf_counter() - start)
                    counts[name] = tokens(ids)
            hf_module._TOP_K = 256
            for name in times:
                t = statistics.median(times[name])
                records.append(
                    {
                        "backend": name,
                        "threads": threads,
                        "L": L,
                        "tokens": counts[name],
                        "seconds": t,
                        "tok_per_s": counts[name] / t,
                    }
                )
        for gen in gens.values():
            if hasattr(gen, "close"):
                gen.close()
    table = pd.DataFrame(records)
    base = table[table.backend == "transformers bfloat16"].set_index(["threads", "L"])
    table["vs_bf16"] = [
        r.tok_per_s / base.loc[(r.threads, r.L), "tok_per_s"] for r in table.itertuples()
    ]
    return table


class _Recorder:
    """Wraps a generator; keeps every call's requests and the bare generation time."""

    def __init__(self, gen: Any) -> None:
        self.gen, self.name, self.calls = gen, gen.name, []

    def load(self) -> Any:
        return self.gen.load()

    def generate(self, reqs: list[GenerationRequest]) -> list[list[str]]:
        self.calls.append(list(reqs))
        return self.gen.generate(reqs)


def overhead() -> pd.DataFrame:
    from netcollapse.backends.embedding import SentenceTransformerEmbedder
    from netcollapse.engines.llm import LLMWeb
    from netcollapse.graphs.retrieval_graph import build

    gen = LlamaCppGenerator("smollm2", threads=2)
    rec = _Recorder(gen)
    web = LLMWeb(
        build("complete", n=8, self_weight=0.2),
        default_corpus(),
        rec,
        SentenceTransformerEmbedder("minilm", threads=2),
        L=4,
        retrieval={"k_max": 6},
        seed=0,
    )
    gen.generate_ids(requests(1)[:1])  # warm up
    with tempfile.TemporaryDirectory() as tmp, torch_threads(2):
        web.run(3, Path(tmp) / "run", progress=False)
        timings = pd.read_parquet(Path(tmp) / "run" / "timings.parquet")
    bare = []
    for reqs in rec.calls:
        start = time.perf_counter()
        gen.generate(reqs)
        bare.append(time.perf_counter() - start)
    timings["bare_generate"] = bare
    timings["step_total"] = timings["seconds"] + timings["write"]
    timings["overhead_share"] = 1 - timings["bare_generate"] / timings["step_total"]
    timings["embed_share"] = timings["embed"] / timings["step_total"]
    return timings


def end_to_end() -> pd.DataFrame:
    from netcollapse.runs.runner import run_spec

    spec = yaml.safe_load((ROOT / "experiments" / "paper_llm.yaml").read_text())
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("hf", "llamacpp"):
            spec["llm"]["backend"] = backend
            spec["llm"]["threads"] = 2
            path = Path(tmp) / f"paper_llm_{backend}.yaml"
            path.write_text(yaml.safe_dump(spec))
            start = time.perf_counter()
            result = run_spec(path, Path(tmp) / backend, progress=False)
            seconds = time.perf_counter() - start
            timings = pd.read_parquet(Path(tmp) / backend / "timings.parquet")
            records.append(
                {
                    "backend": backend,
                    "seconds": seconds,
                    "generate_s": timings["generate"].sum(),
                    "F0": result.frobenius[0],
                    "FT": result.frobenius[-1],
                }
            )
    table = pd.DataFrame(records)
    table["speedup"] = table["seconds"].iloc[0] / table["seconds"]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-run", action="store_true", help="skip (c), the slow part")
    parser.add_argument("--fp32", action="store_true", help="also transformers float32 (slow)")
    parser.add_argument("--only-a", action="store_true", help="only the throughput table")
    args = parser.parse_args()
    pd.set_option("display.width", 140)
    print("(a) throughput, 16 requests x L samples, 32 new tokens at most")
    print(throughput(args.repeats, args.fp32).round(3).to_string(index=False), flush=True)
    if args.only_a:
        return
    print("\n(b) engine step split and overhead (llama.cpp, 2 threads, n = 8, L = 4)")
    t = overhead()
    cols = [
        "step",
        "retrieve",
        "prompts",
        "generate",
        "embed",
        "metrics",
        "publish",
        "write",
        "step_total",
        "bare_generate",
        "overhead_share",
        "embed_share",
    ]
    print(t[cols].round(3).to_string(index=False))
    print(
        f"median overhead share {t['overhead_share'].median():.3f}, "
        f"median embed share {t['embed_share'].median():.3f}",
        flush=True,
    )
    if not args.skip_run:
        print("\n(c) experiments/paper_llm.yaml end to end (T = 16), 2 threads")
        print(end_to_end().round(3).to_string(index=False))


if __name__ == "__main__":
    main()
