"""The ``netcollapse`` command line.

Subcommands: ``topologies``, ``spectral``, ``run``, ``demo`` (and ``sweep`` where
installed). Errors in user input print one line on stderr and exit with status 2,
without a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netcollapse.app.shipped import shipped_dir
from netcollapse.errors import NetcollapseError

__all__ = ["build_parser", "main"]


def _first_comment(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def cmd_topologies(args: argparse.Namespace) -> int:
    """List the shipped topology specs."""
    from netcollapse._spec import read_yaml

    rows = []
    for path in sorted(shipped_dir("topologies").glob("*.yaml")):
        data = read_yaml(path)
        size = data.get("n") or (
            sum(data["sizes"]) if "sizes" in data else data.get("rows", 0) * data.get("cols", 0)
        ) or "file"
        rows.append((path.name, data.get("family", "?"), str(size), _first_comment(path)))
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'spec':<{width[0]}}  {'family':<{width[1]}}  {'n':>{width[2]}}  description")
    for r in rows:
        print(f"{r[0]:<{width[0]}}  {r[1]:<{width[1]}}  {r[2]:>{width[2]}}  {r[3]}")
    print(f"\n{len(rows)} specs in {shipped_dir('topologies')}")
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    return str(value)


def cmd_spectral(args: argparse.Namespace) -> int:
    """Print the spectral predictors of one topology spec."""
    from netcollapse.graphs.retrieval_graph import RetrievalGraph
    from netcollapse.spectral import spectral_summary

    start = time.perf_counter()
    graph = RetrievalGraph.from_yaml(args.spec, seed=args.seed)
    built = time.perf_counter()
    summary = spectral_summary(graph)
    done = time.perf_counter()
    if args.json:
        print(json.dumps({k: _json_value(v) for k, v in summary.items()}))
        return 0
    print(f"{graph!r}")
    width = max(len(str(k)) for k in summary.index)
    for key, value in summary.items():
        print(f"  {key:<{width}}  {_fmt(value)}")
    print(f"built in {built - start:.2f} s, spectral summary in {done - built:.2f} s")
    return 0


def _json_value(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None if math.isnan(v) else (1e308 if v > 0 else -1e308)
    return v


def cmd_run(args: argparse.Namespace) -> int:
    """Run a spec into a run folder."""
    from netcollapse.engines.runner import load_run_spec, run_spec

    spec, _ = load_run_spec(args.spec)
    out = Path(args.out) if args.out else Path("runs") / (
        f"{spec.name}-seed{spec.seed if args.seed is None else args.seed}"
    )
    start = time.perf_counter()
    result = run_spec(args.spec, out, seed=args.seed, resume=args.resume,
                      progress=not args.quiet)
    m = result.measures()
    print(f"run folder: {out}")
    print(f"steps: {len(result.metrics)} rows in {time.perf_counter() - start:.1f} s")
    print(
        f"||D||_F: {m['initial_frobenius']:.4g} -> {m['final_frobenius']:.4g} "
        f"(ratio {m['final_frobenius'] / m['initial_frobenius']:.3g}); "
        f"half-life {_fmt(m['half_life'])} steps; fitted rate {_fmt(m['rate'])} per step"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the default demo (see :mod:`netcollapse.app.demo`)."""
    from netcollapse.app.demo import run_demo

    return run_demo(Path(args.out), quick=args.quick)


def _add_sweep_parser(subparsers: Any) -> None:
    """Add ``netcollapse sweep`` to the CLI's subparsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
    """
    s = subparsers.add_parser(
        "sweep", help="run a sweep spec (grid x seeds) into a folder with one results table",
        description="Run every task of a sweep spec; re-running the same folder skips "
                    "finished tasks. Prints the predictor table at the end.",
    )
    s.add_argument("spec", help="sweep YAML, e.g. experiments/sweep_topologies_gmm.yaml")
    s.add_argument("--executor", default="serial", help="serial (default), process or ray")
    s.add_argument("--workers", type=int, default=None,
                   help="worker processes / Ray CPUs (default: CPU count)")
    s.add_argument("--out", default=None, help="sweep folder (default sweeps/NAME)")
    s.add_argument("--address", default=None,
                   help="join this Ray cluster instead of starting a local one")
    s.add_argument("--gpus-per-actor", type=float, default=0.0,
                   help="GPUs per Ray actor for LLM tasks (default 0)")
    s.add_argument("--limit", type=int, default=None, help="run at most N pending tasks")
    s.add_argument("--boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_sweep)


def cmd_sweep(args: Any) -> int:
    """Run ``netcollapse sweep``: the sweep, a summary line, the predictor table."""
    from netcollapse.sweeps.analysis import format_predictor_table, predictor_table
    from netcollapse.sweeps.run import run_sweep
    from netcollapse.sweeps.spec import load_sweep

    sweep, _ = load_sweep(args.spec)
    out = Path(args.out) if args.out else Path("sweeps") / sweep.name
    options = {"gpus_per_actor": args.gpus_per_actor} if args.executor == "ray" else {}
    res = run_sweep(args.spec, out, executor=args.executor, workers=args.workers,
                    address=args.address, limit=args.limit, progress=not args.quiet,
                    **options)
    print(f"sweep folder: {out}")
    print(f"tasks: {res.n_tasks} (ran {res.ran}, skipped {res.skipped} already done, "
          f"{res.errors} with errors) in {res.seconds:.1f} s")
    if res.errors:
        first = res.results.loc[res.results["status"] != "ok", "error"].iloc[0]
        print(f"first error: {first}")
    ok = res.results[res.results["status"] == "ok"] if len(res.results) else res.results
    if len(ok) < 3:
        print("predictor table: fewer than 3 finished tasks")
        return 0
    table = predictor_table(ok, n_boot=args.boot, seed=0)
    table.to_csv(out / "predictors.csv", index=False)
    print(format_predictor_table(table))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``netcollapse`` command."""
    p = argparse.ArgumentParser(
        prog="netcollapse",
        description="Model collapse in a network of LLMs: topologies, spectra, simulations.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("topologies", help="list the shipped topology specs")
    s.set_defaults(func=cmd_topologies)

    s = sub.add_parser("spectral", help="spectral predictors of a topology spec")
    s.add_argument("spec", help="topology YAML, e.g. topologies/scale_free.yaml")
    s.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_spectral)

    s = sub.add_parser("run", help="run a simulation spec (engine gmm or llm)")
    s.add_argument("spec", help="run YAML, e.g. experiments/paper_gmm.yaml")
    s.add_argument("--out", default=None, help="run folder (default runs/NAME-seedN)")
    s.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    s.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("demo", help="the default experiment on the bundled models")
    s.add_argument("--out", default="reports/demo", help="report folder")
    s.add_argument("--quick", action="store_true", help="spectral part only")
    s.set_defaults(func=cmd_demo)

    _add_sweep_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``netcollapse`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad input.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NetcollapseError as exc:
        print(f"netcollapse: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("netcollapse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
