"""Certified spectra against closed forms: ring, path and torus at 10^5 and 10^6 nodes.

Each case is a walk whose eigenvalues are known in closed form (self weight ``s``):

- ring of ``n``: ``lambda_k = s + (1 - s) cos(2 pi k / n)``; gap ``2 (1 - s) sin^2(pi / n)``
  (even ``n``, ``s = 1/2``); Kemeny ``(n^2 - 1) / (6 (1 - s))``;
- path of ``n`` (a stay of 1/2 at both ends): ``lambda_k = s + (1 - s) cos(pi k / n)``;
  gap ``2 (1 - s) sin^2(pi / (2 n))``; Kemeny ``(n^2 - 1) / (3 (1 - s))``;
- torus ``m x m``: ``lambda_ab = s + (1 - s) (cos(2 pi a / m) + cos(2 pi b / m)) / 2``;
  gap ``(1 - s) sin^2(pi / m)``; Kemeny summed over the ``m^2 - 1`` modes;
- even ring without self weight (periodic: must be flagged) and an odd ring
  without self weight (aperiodic, gap ``1 - cos(pi / n)``: must not be flagged).

Prints, per case: the gap found, its relative error against the closed form, the
certified bound relative to the gap (it must cover the error), Kemeny's relative
error with its reported 2 standard errors, the note and the wall time of
``spectral_summary``. BA at 10^6 is timed by ``bench_scale.py`` (``spectral-ba``). Usage::

    .venv/bin/python benchmarks/bench_certified.py                 # 10^5 and 10^6
    .venv/bin/python benchmarks/bench_certified.py --sizes 100000  # 10^5 only
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from netcollapse.spectral import spectral_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "spectral"))
from walks import path_walk, ring_walk, torus_walk  # noqa: E402  (the tests' walks)


def cases(n: int) -> list[tuple[str, sp.csr_array, float, float, bool]]:
    """(name, W, exact gap, exact Kemeny, periodic) for size ``n``."""
    s = 0.5
    m = math.isqrt(n)
    a = 2 * np.pi * np.arange(m) / m
    mu = (1 - s) * (1 - (np.cos(a)[:, None] + np.cos(a)[None, :]) / 2)
    torus_kemeny = float(np.sum(1.0 / mu.ravel()[1:]))
    odd = n + 1
    k = np.arange(1, odd)
    odd_kemeny = float(np.sum(1.0 / (1.0 - np.cos(2 * np.pi * k / odd))))
    return [
        (f"ring {n:,}", ring_walk(n, s), 2 * (1 - s) * math.sin(math.pi / n) ** 2,
         (n * n - 1) / (6 * (1 - s)), False),
        (f"path {n:,}", path_walk(n, s), 2 * (1 - s) * math.sin(math.pi / (2 * n)) ** 2,
         (n * n - 1) / (3 * (1 - s)), False),
        (f"torus {m}x{m}", torus_walk(m, s), (1 - s) * math.sin(math.pi / m) ** 2,
         torus_kemeny, False),
        (f"ring {n:,}, s = 0", ring_walk(n, 0.0), 0.0, (n * n - 1) / 6, True),
        (f"ring {odd:,}, s = 0", ring_walk(odd, 0.0), 2 * math.sin(math.pi / (2 * odd)) ** 2,
         odd_kemeny, False),
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = ap.parse_args()
    from bench_scale import _machine  # the same machine line as the scale benchmark

    print(f"machine: {_machine()}")
    head = "case | gap | rel error | bound / gap | Kemeny rel error | 2 SE / K | periodic | time"
    print(head)
    for n in args.sizes:
        for name, W, gap, kem, periodic in cases(n):
            t0 = time.perf_counter()
            acc = spectral_summary(W, method="sparse", accuracy=True)
            took = time.perf_counter() - t0
            v, e = acc["value"], acc["error"]
            got = float(v["spectral_gap"])
            rel = abs(got - gap) / gap if gap > 0 else abs(got)
            bound = float(e["spectral_gap"]) / gap if gap > 0 else float(e["spectral_gap"])
            kv = float(v["kemeny_constant"])
            krel = abs(kv - kem) / kem if math.isfinite(kem) else math.nan
            kse = float(e["kemeny_constant"]) / kem if math.isfinite(kem) else math.nan
            flagged = str(v["note"]).startswith("periodic")
            ok = "ok" if flagged == periodic else "WRONG"
            print(
                f"{name} | {got:.6e} | {rel:.1e} | {bound:.1e} | {krel:.1e} | {kse:.1e} | "
                f"{flagged} ({ok}) | {took:.1f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
