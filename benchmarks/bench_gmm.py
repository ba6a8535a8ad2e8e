"""GMM surrogate speed: the vectorised engine at n = 10,000 vs the plain-loop reference.

Issue 4's goal: n = 10,000 nodes (Barabasi-Albert, m = 3), B = 8, L = 3, k_max = 32,
T = 100 in under 60 s on the 2-core development machine; and the same figure for the
reference implementation (tests/gmm_reference.py) at n = 100, as time per node-step.

Run: .venv/bin/python benchmarks/bench_gmm.py [--n 10000] [--T 100] [--repeats 3]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from gmm_reference import reference_run  # noqa: E402

from netcollapse.engines.gmm import GMMWeb  # noqa: E402
from netcollapse.graphs.retrieval_graph import build  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ref-n", type=int, default=100)
    ap.add_argument("--ref-T", type=int, default=3)
    args = ap.parse_args()
    B = 8
    means = np.random.default_rng(0).normal(scale=3.0, size=(B, 2))
    graph = build("barabasi_albert", n=args.n, m=3, seed=0, self_weight=0.2)
    rows = []
    for memory in (None, 1):
        times = []
        for r in range(args.repeats):
            web = GMMWeb(
                graph,
                B=B,
                means=means,
                cov=1.0,
                L=3,
                seed=r,
                retrieval={"k_max": 32, "memory": memory},
            )
            start = time.perf_counter()
            web.run(args.T, progress=False)
            times.append(time.perf_counter() - start)
        rows.append(
            (
                f"engine n={args.n} T={args.T} memory={memory}",
                statistics.median(times),
                statistics.median(times) / (args.n * args.T),
            )
        )
    small = build("barabasi_albert", n=args.ref_n, m=3, seed=0, self_weight=0.2)
    times = []
    for r in range(args.repeats):
        start = time.perf_counter()
        reference_run(small.W, means, np.eye(2), L=3, k=min(32, 12), T=args.ref_T, seed=r)
        times.append(time.perf_counter() - start)
    ref = statistics.median(times)
    ref_per = ref / (args.ref_n * args.ref_T)
    rows.append((f"reference n={args.ref_n} T={args.ref_T} memory=1", ref, ref_per))
    small_eng = []
    for r in range(args.repeats):
        web = GMMWeb(
            small, B=B, means=means, cov=1.0, L=3, A0=0, seed=r, retrieval={"k": 12, "memory": 1}
        )
        start = time.perf_counter()
        web.run(args.ref_T, progress=False)
        small_eng.append(time.perf_counter() - start)
    eng = statistics.median(small_eng)
    rows.append(
        (
            f"engine n={args.ref_n} T={args.ref_T} memory=1 (same settings as reference)",
            eng,
            eng / (args.ref_n * args.ref_T),
        )
    )
    print(f"{'case':<70} {'median s':>9} {'us/node-step':>13}")
    for name, sec, per in rows:
        print(f"{name:<70} {sec:>9.2f} {per * 1e6:>13.1f}")
    print(f"reference / engine (n={args.n}, memory=1) per node-step: {ref_per / rows[1][2]:.0f}x")
    print(
        f"reference / engine (n={args.ref_n}, same settings) per node-step: "
        f"{ref_per / rows[3][2]:.0f}x"
    )


if __name__ == "__main__":
    main()
