"""``netcollapse sweep --plan`` against the real sweep: planned vs measured, side by side.

Usage::

    python benchmarks/bench_plan.py            # a small GMM sweep (serial, 2 processes)
                                               # and compare_llm (the demo's LLM sweep)
    python benchmarks/bench_plan.py --smoke    # the tiny sweeps of tests/app/test_plan_cli.py

For each sweep and executor: the plan from the stored benchmarks (``--plan``), the plan
after a probe (``--plan --probe``), then the sweep itself, each a fresh ``netcollapse``
process in a temporary folder, timed from outside (wall time of the command). Printed:
tasks and node-rounds (planned = measured, exact), generated tokens (upper bound,
expected, measured), wall time (planned from the benchmarks, planned after the probe,
measured) and measured / planned. Run on a quiet machine; the plans assume the load
stays what it is when they are made.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "app"))
from test_plan_cli import GMM_SWEEP as SMOKE_GMM  # noqa: E402  (the tests' tiny sweeps)
from test_plan_cli import LLM_SWEEP as SMOKE_LLM  # noqa: E402

GMM = """
name: bench_plan_gmm
base:
  engine: gmm
  T: 100
  retrieval: {k: 32, memory: 1}
  gmm: {B: 4, means: [-6.0, -2.0, 2.0, 6.0], L: 32}
graphs:
  ring: {family: ring, n: 32, self_weight: 0.2}
  complete: {family: complete, n: 32, self_weight: 0.2}
  small_world: {family: watts_strogatz, n: 32, k: 4, p: 0.1, self_weight: 0.2}
axes: {graph.n: [32, 64]}
seeds: 3
"""


def cli(*args: str, cwd: Path) -> tuple[str, float]:
    """Run ``python -m netcollapse ARGS`` in ``cwd``; return stdout and wall seconds."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", *args], capture_output=True, text=True, cwd=cwd
    )
    if proc.returncode != 0:
        raise SystemExit(f"netcollapse {' '.join(args)} failed: {proc.stderr[-1000:]}")
    return proc.stdout, time.perf_counter() - start


def compare(name: str, spec: str, executor: list[str]) -> dict:
    """Plan (benchmarks, probe), then run one sweep; return the side-by-side numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "s.yaml"
        if spec.endswith(".yaml") or "\n" not in spec:  # a shipped name
            path = Path(spec)
        else:
            path.write_text(spec)
        plan = json.loads(cli("sweep", str(path), "--plan", "--json", *executor, cwd=folder)[0])
        probed = json.loads(
            cli("sweep", str(path), "--plan", "--probe", "--json", *executor, cwd=folder)[0]
        )
        _, wall = cli("sweep", str(path), "--out", "out", "--quiet", *executor, cwd=folder)
        results = pd.read_parquet(folder / "out" / "results.parquet")
        steps = pd.read_parquet(folder / "out" / "steps.parquet")
    rows = steps.groupby("task_id").size()
    generated = results["generated_tokens"].sum() if "generated_tokens" in results else 0
    node_rounds = int((results.set_index("task_id")["n"] * rows).sum())
    return {
        "sweep": name,
        "executor": " ".join(executor) or "serial",
        "tasks": f"{plan['tasks']} / {len(results)}",
        "node-rounds": f"{plan['node_rounds']:,} / {node_rounds:,}",
        "tokens max / expected / measured": (
            f"{plan['tokens_max']:,} / {plan['tokens_expected']:,.0f} / {int(generated):,}"
            if plan["answers"]
            else "-"
        ),
        "wall: benchmarks / probe / measured (s)": (
            f"{plan['seconds']:.1f} / {probed['seconds']:.1f} / {wall:.1f}"
        ),
        "measured / planned": f"{wall / plan['seconds']:.2f} / {wall / probed['seconds']:.2f}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the tests' tiny sweeps only")
    args = parser.parse_args()
    if args.smoke:
        cases = [("tiny GMM", SMOKE_GMM, []), ("tiny LLM", SMOKE_LLM, [])]
    else:
        process = ["--executor", "process", "--workers", "2"]
        cases = [
            ("GMM 18 tasks", GMM, []),
            ("GMM 18 tasks", GMM, process),
            ("compare_llm", "compare_llm", []),
        ]
    table = pd.DataFrame([compare(*case) for case in cases])
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
