"""transformers float32 vs bfloat16 on this CPU: the measurement behind ``dtype: auto``.

Usage: ``python benchmarks/bench_dtype.py float32 bfloat16`` (16 requests x 4 answers x
32 new tokens, 2 threads, median of 2 after a warm-up; run on a quiet machine).
"""

import statistics
import sys
import time

from netcollapse.backends.devices import cpu_has_bf16
from netcollapse.backends.factory import make_generator
from netcollapse.backends.generation import GenerationRequest

CONTEXT = ["Bitcoin is volatile.", "Halvings cut supply.", "Layer two grows."]
QUERY = "Please provide EXACTLY one concise sentence about the future prospects of Bitcoin."
REQUESTS = [
    GenerationRequest("", CONTEXT, QUERY, 4, i, temperature=0.8, top_p=0.95, max_new_tokens=32)
    for i in range(16)
]
TOKENS = 16 * 4 * 32


def main(dtypes: list[str]) -> None:
    print(f"CPU has bf16 units: {cpu_has_bf16()}")
    for dtype in dtypes or ["float32", "bfloat16"]:
        gen = make_generator("hf", "smollm2", dtype=dtype, threads=2)
        gen.generate(REQUESTS[:2])  # warm-up
        times = []
        for _ in range(2):
            start = time.perf_counter()
            gen.generate(REQUESTS)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{dtype}: median {median:.2f} s, {TOKENS / median:.1f} tok/s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
