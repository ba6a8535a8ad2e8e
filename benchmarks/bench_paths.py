"""Every CPU generation path for the bundled model, side by side: the table behind ``auto``.

Usage::

    python benchmarks/bench_paths.py                 # this CPU as it is
    python benchmarks/bench_paths.py --no-bf16       # oneDNN limited to AVX512_CORE

Paths: transformers float32 and bfloat16; llama.cpp with the bundled Q4_1 file as
shipped and with its q8_0 and q4_0 copies (made once, cached). The same 16 requests x
4 answers x 32 new tokens (temperature 0.8, top-p 0.95, fixed seeds), 2 threads; each
path runs in its own interpreter (so ``ONEDNN_MAX_CPU_ISA`` applies to it), one warm-up
call, then the median of ``--repeats`` timed calls. Tokens/s count the requested
tokens (early stops included), the same for every path. ``--no-bf16`` sets
``ONEDNN_MAX_CPU_ISA=AVX512_CORE``: torch's bf16 matrix products then run without the
CPU's bf16 units, as on a CPU that lacks them (llama.cpp's q4/q8 kernels use integer
dot products and are unaffected). The last line names the path ``backend: auto`` /
``dtype: auto`` choose under the same settings. Run on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PATHS = {
    "hf float32": {"backend": "hf", "dtype": "float32"},
    "hf bfloat16": {"backend": "hf", "dtype": "bfloat16"},
    "llamacpp Q4_1 (bundled)": {"backend": "llamacpp"},
    "llamacpp q8_0 copy": {"backend": "llamacpp", "quantize": "q8_0"},
    "llamacpp q4_0 copy": {"backend": "llamacpp", "quantize": "q4_0"},
}
N_REQUESTS, L, NEW = 16, 4, 32


def measure(settings: dict, repeats: int) -> float:
    """Tokens/s of one path (run inside the child interpreter)."""
    from netcollapse.backends.factory import make_generator
    from netcollapse.backends.generation import GenerationRequest

    context = ["Bitcoin is volatile.", "Halvings cut supply.", "Layer two grows."]
    query = "Please provide EXACTLY one concise sentence about the future prospects of Bitcoin."
    requests = [
        GenerationRequest("", context, query, L, i, temperature=0.8, top_p=0.95, max_new_tokens=NEW)
        for i in range(N_REQUESTS)
    ]
    gen = make_generator(model="smollm2", device="cpu", threads=2, **settings)
    gen.generate(requests[:2])  # warm-up (and the one-time conversion of a copy)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gen.generate(requests)
        times.append(time.perf_counter() - start)
    return N_REQUESTS * L * NEW / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-bf16", action="store_true", help="ONEDNN_MAX_CPU_ISA=AVX512_CORE")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(json.loads(args.child), args.repeats)))
        return
    env = dict(os.environ)
    if args.no_bf16:
        env["ONEDNN_MAX_CPU_ISA"] = "AVX512_CORE"
    rates = {}
    for name, settings in PATHS.items():
        cmd = [sys.executable, __file__, "--child", json.dumps(settings)]
        cmd += ["--repeats", str(args.repeats)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        rates[name] = float(out.stdout.strip().splitlines()[-1])
        print(f"{name:26s} {rates[name]:7.1f} tok/s", flush=True)
    code = (
        "from netcollapse.backends.factory import choose_path; "
        "p = choose_path('auto', 'smollm2', 'cpu'); print(p.backend, p.dtype or p.quantize)"
    )
    chosen = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    best = max(rates, key=rates.get)
    print(f"fastest: {best} ({rates[best]:.1f} tok/s); auto here: {chosen.stdout.strip()}")


if __name__ == "__main__":
    main()
