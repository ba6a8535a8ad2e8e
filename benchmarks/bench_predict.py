"""Benchmark: the predicted collapse curve at n = 10,000, T = 200, and its error against dense.

    python benchmarks/bench_predict.py [--repeats 3]

1. ``predict_curve`` (probes, 64 by default) on a Barabasi-Albert graph (m = 3) with
   n = 10,000 and T = 200, with the GMM engine's state-dependent noise model
   (``predict_gmm``, B = 4, L = 64, k = 64, memory 1 and 4): median wall time.
2. Accuracy of the probes against the exact dense covariance at n = 500 (memory 1)
   and n = 150 (memory 4): maximum relative error of the predicted ||D(t)||_F and of
   its noise part over t = 1..T.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from netcollapse.engines.gmm import GMMWeb
from netcollapse.graphs.retrieval_graph import build
from netcollapse.theory.gmm import predict_gmm


def _web(n: int, memory: int) -> GMMWeb:
    g = build("barabasi_albert", n=n, m=3, seed=0)
    return GMMWeb(
        g, B=4, means=[-9, -3, 3, 9], a=0.1, L=64, seed=0, retrieval={"k": 64, "memory": memory}
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}"
    )
    for memory in (1, 4):
        web = _web(10_000, memory)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            pred = predict_gmm(web, 200)
            times.append(time.perf_counter() - start)
        print(
            f"predict_gmm n=10,000 T=200 memory={memory} ({pred.attrs['method']}, "
            f"{pred.attrs['probes']} probes): median {statistics.median(times):.2f} s "
            f"over {args.repeats}; noise se/noise^2 at T: "
            f"{pred['noise_se'].iloc[-1] / pred['noise'].iloc[-1] ** 2:.4f}"
        )
    for n, memory in ((500, 1), (150, 4)):
        web = _web(n, memory)
        dense = predict_gmm(web, 200, method="dense")
        probe = predict_gmm(web, 200, method="probes")
        rel_f = np.max(np.abs(probe["frobenius"] / dense["frobenius"] - 1)[1:])
        rel_n = np.max(np.abs(probe["noise"] / dense["noise"] - 1)[1:])
        print(
            f"probes (64) vs dense, n={n} memory={memory} T=200: max relative error "
            f"||D||_F {rel_f:.4f}, noise part {rel_n:.4f}"
        )


if __name__ == "__main__":
    main()
