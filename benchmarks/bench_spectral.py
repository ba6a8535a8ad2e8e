"""Time the spectral predictors on a large Barabasi-Albert walk matrix.

Usage::

    .venv/bin/python benchmarks/bench_spectral.py [--n 100000] [--m 3] [--h 0.1] [--repeats 3]
        [--directed]

Builds an undirected Barabasi-Albert graph with igraph (no seed: the timing does
not depend on the instance much), takes the uniform walk ``W = D^-1 A``
(``W[i, j]`` = share of node i's retrieval from node j's store), and prints the
time of each predictor (median of ``--repeats`` runs; each call validates ``W``
and computes what it needs from scratch) and of one ``spectral_summary`` call
(the CLI's cost). ``fj_rate`` / ``fj_floor`` use uniform anchoring ``h`` (with
``h = 0`` both are instant). Goal: summary well under 25 s at n = 100,000 on the
2-core development machine. ``--directed`` times a non-reversible W instead
(each node reads ``m`` random sources and its successor on a ring, random weights).

Recorded (2-core shared dev machine, load average 4-6, one BLAS thread; seconds):

=============================  ===================  ====================
predictor                      BA n=1e5 m=3         directed n=1e5 m=3
=============================  ===================  ====================
stationary_distribution        0.08 (tree ratios)   0.26 (ARPACK)
slem                           0.39 (Lanczos)       6.2 (ARPACK budget)
lazy_rate                      0.40                 12.3
fiedler_value                  0.44                 0.68
fiedler_value (combinatorial)  1.55                 0.22
fj_rate (h = 0.1)              0.17                 0.27
fj_floor (h = 0.1)             1.22 (block CG)      2.68 (GMRES)
kemeny_constant                0.63 (block CG)      1.43 (GMRES)
spectral_summary (h = 0)       1.24                 13.8
spectral_summary (h = 0.1)     2.61                 13.4
=============================  ===================  ====================

Before single-threading BLAS, the same BA summary took 15-19 s (threaded
OpenBLAS dot products on busy cores); ARPACK ``eigsh`` "LA"/"SA" took 1-40 s
per call depending on the BA instance.
"""

from __future__ import annotations

import argparse
import statistics
import time

import igraph
import numpy as np
import scipy.sparse as sp

from netcollapse import spectral as S


class Graph:
    """Duck-typed stand-in for netcollapse.graphs.retrieval_graph.RetrievalGraph."""

    def __init__(self, W: sp.csr_array, h: np.ndarray) -> None:
        self.W, self.h, self.n = W, h, W.shape[0]


def ba_walk(n: int, m: int) -> sp.csr_array:
    g = igraph.Graph.Barabasi(n, m, directed=False)
    A = sp.csr_array(g.get_adjacency_sparse().astype(float))
    A.data[:] = 1.0  # multi-edges count once
    d = np.asarray(A.sum(axis=1)).ravel()
    return sp.csr_array(sp.diags_array(1.0 / d) @ A)


def directed_walk(n: int, m: int, seed: int = 0) -> sp.csr_array:
    rng = np.random.default_rng(seed)
    rows = np.concatenate([np.repeat(np.arange(n), m), np.arange(n)])
    cols = np.concatenate([rng.integers(0, n, n * m), (np.arange(n) + 1) % n])
    A = sp.csr_array((rng.uniform(0.2, 1.0, rows.size), (rows, cols)), shape=(n, n))
    return sp.csr_array(sp.diags_array(1.0 / np.asarray(A.sum(axis=1)).ravel()) @ A)


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, tuple):
        return "(" + ", ".join(fmt(x) for x in v) + ")"
    return str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--m", type=int, default=3)
    ap.add_argument("--h", type=float, default=0.1, help="uniform anchoring for fj_*")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--directed", action="store_true", help="random directed W instead of BA")
    ap.add_argument(
        "--slow",
        action="store_true",
        help="also time top_eigenvalues (ARPACK 'LM', slow on BA walks)",
    )
    args = ap.parse_args()

    t = time.perf_counter()
    W = directed_walk(args.n, args.m) if args.directed else ba_walk(args.n, args.m)
    build = time.perf_counter() - t
    h = np.full(args.n, args.h)
    kind = "random directed" if args.directed else "Barabasi-Albert"
    print(f"{kind} n={args.n} m={args.m}: nnz(W)={W.nnz}, built in {build:.2f} s")

    cases = [
        ("n_components", lambda: S.n_components(W)),
        ("degree_heterogeneity", lambda: S.degree_heterogeneity(W)),
        ("stationary_distribution", lambda: float(S.stationary_distribution(W).min())),
        ("is_reversible", lambda: S.is_reversible(W)),
        ("slem", lambda: S.slem(W)),
        ("lazy_rate (g = 1 - 1/e)", lambda: S.lazy_rate(W, S.DEFAULT_G)),
        ("mixing_time_bounds", lambda: tuple(S.mixing_time_bounds(W))),
        ("fiedler_value", lambda: S.fiedler_value(W)),
        ("fiedler_value (combinatorial)", lambda: S.fiedler_value(W, normalized=False)),
        (f"fj_rate (h = {args.h})", lambda: S.fj_rate(W, h)),
        (f"fj_floor (h = {args.h})", lambda: S.fj_floor(W, h)),
        ("kemeny_constant", lambda: S.kemeny_constant(W)),
    ]
    if args.slow:
        cases.append(("top_eigenvalues (k = 6)", lambda: S.top_eigenvalues(W, 6, tol=1e-6)))
    width = max(len(c[0]) for c in cases) + 2
    print(f"{'predictor':<{width}}{'seconds':>9}  value")
    print("-" * (width + 30))
    for name, fn in cases:
        reps = 1 if name.startswith("top_") else args.repeats
        sec, val = timed(fn, reps)
        print(f"{name:<{width}}{sec:>9.3f}  {fmt(val)}")
    print("-" * (width + 30))
    for label, graph in (
        ("spectral_summary (h = 0)", W),
        (f"spectral_summary (h = {args.h})", Graph(W, h)),
    ):
        sec, s = timed(lambda g=graph: S.spectral_summary(g), 1)
        print(f"{label:<{width}}{sec:>9.3f}  (1 run)")
    print(s.to_string())


if __name__ == "__main__":
    main()
