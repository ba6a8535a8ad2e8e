"""Scale targets: the GMM engine at n = 100,000 and spectral_summary at n = 1,000,000.

Targets (each under 60 s on the 2-core development machine, within its 24 GiB):

- ``gmm``: ``GMMWeb`` on ``build("barabasi_albert", n=100_000, m=3)``, B = 8, L = 3,
  retrieval ``{"k_max": 32, "memory": 1}`` (beta 0.5), ``run(100)`` in memory (no
  run folder: ``run()`` writes nothing unless given ``out``);
- ``spectral-ba``: ``spectral_summary`` of ``build("barabasi_albert", n=1_000_000, m=3)``.

Optional cases (``--cases``): ``gmm-folder`` (the GMM target for ``--folder-T`` rows
into a temporary run folder: what checkpointing costs per row), ``spectral-grid``
(1000 x 1000 torus) and ``spectral-ring`` (ring, k = 2). The last two are far
slower (their spectral gap is ~1e-5 and ~4e-11: Lanczos and CG need thousands of
iterations) and each runs under ``--timeout`` seconds.

Every case runs in its own interpreter, so that its peak RSS is its own; graph
building is timed apart from the measured call. Each row prints a few result
values, so that numbers measured on another machine can be checked against these.

Run: .venv/bin/python benchmarks/bench_scale.py [--repeats 1] [--cases gmm spectral-ba]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CASES = ["gmm", "spectral-ba"]
ALL_CASES = ["gmm", "gmm-folder", "spectral-ba", "spectral-grid", "spectral-ring"]


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux


def _case(name: str, folder_T: int) -> dict:
    """Run one case in this interpreter; return its timings and a few result values."""
    from netcollapse.graphs.retrieval_graph import build

    if name.startswith("gmm"):
        from netcollapse.engines.gmm import GMMWeb

        t = time.perf_counter()
        graph = build("barabasi_albert", n=100_000, m=3, seed=0)
        built, peak_build = time.perf_counter() - t, _peak_gib()
        web = GMMWeb(graph, B=8, L=3, retrieval={"k_max": 32, "memory": 1}, seed=0)
        with tempfile.TemporaryDirectory() as tmp:
            out = None if name == "gmm" else Path(tmp) / "run"
            T = 100 if name == "gmm" else folder_T
            t = time.perf_counter()
            res = web.run(T, out, progress=False)
            sec = time.perf_counter() - t
        check = {"T": T, "frobenius[T]": float(res.frobenius[-1]), "node_rows": len(res.nodes)}
    else:
        from netcollapse.spectral import spectral_summary

        family = name.split("-")[1]
        spec = {
            "ba": ("barabasi_albert", {"n": 1_000_000, "m": 3, "seed": 0}),
            "grid": ("grid", {"rows": 1000, "cols": 1000, "periodic": True}),
            "ring": ("ring", {"n": 1_000_000, "k": 2}),
        }[family]
        t = time.perf_counter()
        graph = build(spec[0], **spec[1])
        built, peak_build = time.perf_counter() - t, _peak_gib()
        t = time.perf_counter()
        s = spectral_summary(graph)
        sec = time.perf_counter() - t
        check = {k: s[k] for k in ("slem", "lambda_2", "fiedler_value", "kemeny_constant", "note")}
    return {
        "case": name,
        "build_s": built,
        "seconds": sec,
        "peak_build_gib": peak_build,
        "peak_gib": _peak_gib(),
        "check": check,
    }


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(
            ln.split(":", 1)[1].strip()
            for ln in open("/proc/cpuinfo")
            if ln.startswith("model name")
        )
        mem = (
            next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
            / 1024**2
        )
    except (OSError, StopIteration):
        mem = float("nan")
    import numpy
    import scipy

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.1f} GiB RAM; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}; load average {load}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", choices=ALL_CASES, default=DEFAULT_CASES)
    ap.add_argument("--repeats", type=int, default=1, help="runs per case (median reported)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per run of a case")
    ap.add_argument("--folder-T", type=int, default=10, help="rows of the gmm-folder case")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one case, print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_case(args.one, args.folder_T)))
        return 0
    print(f"machine: {_machine()}")
    rows = []
    for case in args.cases:
        runs = []
        for _ in range(args.repeats):
            cmd = [sys.executable, __file__, "--one", case, "--folder-T", str(args.folder_T)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                runs.append(None)
                break
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        rows.append((case, runs))
    print(
        f"{'case':<14} {'build s':>8} {'median s':>9} {'runs':>5} {'peak GiB build/all':>19}  check"
    )
    for case, runs in rows:
        if not runs or runs[-1] is None:
            print(
                f"{case:<14} {'':>8} {'>' + str(int(args.timeout)):>9} {len(runs):>5} "
                f"{'':>19}  timed out"
            )
            continue
        med = statistics.median(r["seconds"] for r in runs)
        build = statistics.median(r["build_s"] for r in runs)
        peaks = [max(r[k] for r in runs) for k in ("peak_build_gib", "peak_gib")]
        peak = f"{peaks[0]:.2f} / {peaks[1]:.2f}"
        check = ", ".join(
            f"{k}={v:.9g}" if isinstance(v, float) else f"{k}={v!r}"
            for k, v in runs[-1]["check"].items()
        )
        print(f"{case:<14} {build:>8.2f} {med:>9.2f} {len(runs):>5} {peak:>19}  {check}")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
