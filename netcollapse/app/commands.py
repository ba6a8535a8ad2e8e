"""The handlers of the ``netcollapse`` subcommands (:mod:`netcollapse.app.cli` parses).

Each ``cmd_NAME(args)`` runs ``netcollapse NAME`` on the parsed arguments, prints
what it did and returns the exit status; bad input raises a one-line
:class:`~netcollapse.errors.NetcollapseError`, which :func:`netcollapse.app.cli.main`
turns into status 2 (``TasksFailed``: status 1). Heavy imports happen inside the
handlers, so ``netcollapse --help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netcollapse.app.shipped import resolve_spec, shipped_dir, spec_command
from netcollapse.errors import bad

__all__ = [
    "cmd_calibrate",
    "cmd_demo",
    "cmd_experiments",
    "cmd_predict",
    "cmd_report",
    "cmd_run",
    "cmd_spectral",
    "cmd_study",
    "cmd_sweep",
    "cmd_topologies",
]


def _first_comment(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: int = -1) -> None:
    """Print aligned columns; the last column is not padded, column ``right`` is right-aligned."""
    width = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    for r in [header, *rows]:
        cells = [f"{r[i]:>{w}}" if i == right else f"{r[i]:<{w}}" for i, w in enumerate(width)]
        print("  ".join([*cells, str(r[-1])]).rstrip())


def cmd_topologies(args: argparse.Namespace) -> int:
    """List the shipped topology specs and where they are."""
    from netcollapse._spec import read_yaml

    folder = shipped_dir("topologies")
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)
        size = (
            data.get("n")
            or (
                sum(data["sizes"]) if "sizes" in data else data.get("rows", 0) * data.get("cols", 0)
            )
            or "file"
        )
        rows.append((path.stem, str(data.get("family", "?")), str(size), _first_comment(path)))
    _print_table(("spec", "family", "n", "description"), rows, right=2)
    print(f"\n{len(rows)} specs in {folder}")
    print(
        "Use a name or a path: netcollapse spectral ring, "
        "netcollapse spectral path/to/my_graph.yaml"
    )
    return 0


def cmd_experiments(args: argparse.Namespace) -> int:
    """List the shipped experiment specs, each with the command that runs it."""
    folder = shipped_dir("experiments")
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        command = spec_command(path) or "?"
        rows.append(
            (path.stem, command.split()[1] if command != "?" else "?", _first_comment(path))
        )
    _print_table(("spec", "command", "description"), rows)
    print(f"\n{len(rows)} specs in {folder}")
    print(
        "Run one by name or path: netcollapse run paper_gmm, "
        "netcollapse sweep experiments/compare_gmm.yaml"
    )
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    return str(value)


def cmd_spectral(args: argparse.Namespace) -> int:
    """Print the spectral predictors of one topology spec."""
    from netcollapse._json import dumps
    from netcollapse.graphs.retrieval_graph import RetrievalGraph
    from netcollapse.spectral import spectral_summary

    path = resolve_spec(args.spec, "topologies")
    start = time.perf_counter()
    graph = RetrievalGraph.from_yaml(path, seed=args.seed)
    built = time.perf_counter()
    table = spectral_summary(graph, accuracy=True)
    summary = table["value"]
    done = time.perf_counter()
    accuracy = getattr(args, "accuracy", False)
    if args.json:
        out = dict(summary.items())
        if accuracy:  # one "KEY_error" per number with a bound
            out.update({f"{k}_error": v for k, v in table["error"].items() if k != "note"})
        print(dumps(out))  # strict JSON: NaN and infinities are null
        return 0
    print(f"{graph!r}")
    width = max(len(str(k)) for k in summary.index)
    for key, value in summary.items():
        line = f"  {key:<{width}}  {_fmt(value)}"
        if accuracy and key != "note":
            err = table.loc[key, "error"]
            line = f"{line:<{width + 18}}  +- {_fmt(err):<10}  {table.loc[key, 'certificate']}"
        print(line)
    print(f"built in {built - start:.2f} s, spectral summary in {done - built:.2f} s")
    return 0


def _check_kind(path: Path, kind: str, given: str) -> None:
    """Point at the right subcommand when a sweep spec is given to ``run`` or vice versa."""
    from netcollapse._spec import read_yaml

    data = read_yaml(path)
    if kind == "run" and "base" in data and "engine" not in data:
        raise bad(
            "spec",
            given,
            "a run spec with engine, T and graph (this is a sweep spec: netcollapse sweep PATH)",
        )
    if kind == "sweep" and "engine" in data and "base" not in data:
        raise bad(
            "spec", given, "a sweep spec with a base run (this is a run spec: netcollapse run PATH)"
        )
    if kind == "calibrate" and ("engine" in data or "base" in data):
        raise bad(
            "spec",
            given,
            "a calibration spec (llm, k, contexts, L, variants): this is a run or sweep spec",
        )


def cmd_run(args: argparse.Namespace) -> int:
    """Run a spec into a run folder."""
    from netcollapse.runs.runner import load_run_spec, run_spec

    path = resolve_spec(args.spec, "experiments")
    _check_kind(path, "run", args.spec)
    from netcollapse.app.planning import check_plan_flags, print_run_plan

    if check_plan_flags(args):  # --plan: print what the run would cost, run nothing
        return print_run_plan(path, args)
    spec, _ = load_run_spec(path)
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / (f"{spec.name}-seed{spec.seed if args.seed is None else args.seed}")
    )
    start = time.perf_counter()

    def announce(web: Any) -> None:
        if hasattr(web, "path_line"):
            print(web.path_line(), flush=True)

    result = run_spec(
        path, out, seed=args.seed, resume=args.resume, progress=not args.quiet, on_built=announce
    )
    F = result.frobenius
    print(f"run folder: {out}")
    print(f"steps: {len(result.metrics)} rows in {time.perf_counter() - start:.1f} s")
    tokens = result.tokens()
    if tokens is not None:
        print(f"tokens: {_fmt_tokens(tokens)}")
    print(f"||D||_F: {F[0]:.4g} -> {F[-1]:.4g} (ratio {F[-1] / F[0] if F[0] else math.nan:.3g})")
    _print_measures(path, args.seed, len(F) - 1, F, out)
    if args.profile:
        from netcollapse._io import read_parquet
        from netcollapse.app.profile import format_profile

        timings = read_parquet(out / "timings.parquet", "the run's time per step", ("seconds",))
        print("where the time went (timings.parquet):")
        for line in format_profile(timings, result.metrics):
            print("  " + line)
    return 0


def _fmt_tokens(tokens: dict[str, Any]) -> str:
    """``12,345 prompt + 6,789 generated`` (``?`` for a count a server did not report)."""

    def one(v: Any) -> str:
        return "?" if v is None or v != v else f"{int(v):,}"

    return f"{one(tokens['prompt'])} prompt + {one(tokens['generated'])} generated"


def _print_measures(path: Path, seed: int | None, T: int, F: Any, out: Path) -> None:
    """Print the curve measures, measured beside predicted where the engine predicts."""
    from netcollapse.app.prediction import format_measures, write_prediction
    from netcollapse.measures.curves import curve_measures
    from netcollapse.runs.runner import predict_spec

    columns = {"measured": curve_measures(F)}
    _, pred = predict_spec(path, seed=seed, T=T)
    if pred is not None:
        columns["predicted"] = curve_measures(pred["frobenius"].to_numpy())
        write_prediction(out, pred)
    for line in format_measures(columns):
        print(line)
    if pred is not None and F[-1] < 0.25 * pred["frobenius"].iloc[-1]:
        print(
            "note: the run ends far below the predicted floor: it fixated (every node's "
            "weights near one vertex, where sampling noise vanishes); the prediction is "
            "the mean over runs"
        )
    if pred is None:
        print("(no prediction: this engine has no linear model)")


def cmd_predict(args: argparse.Namespace) -> int:
    """Print (and draw) a run spec's predicted curve and its measures, without simulating."""
    from netcollapse._json import dumps
    from netcollapse.app.prediction import format_measures, plot_prediction, prediction_record
    from netcollapse.measures.curves import curve_measures
    from netcollapse.reports.plotting import save_figure
    from netcollapse.runs.runner import predict_spec

    path = resolve_spec(args.spec, "experiments")
    _check_kind(path, "run", args.spec)
    if args.T is not None and args.T < 0:
        raise bad("--T", args.T, "an integer >= 0")
    start = time.perf_counter()
    spec, pred = predict_spec(path, seed=args.seed, T=args.T)
    if pred is None:
        raise bad(
            "engine",
            spec.engine,
            "an engine with a linear model (gmm); the LLM engine has no prediction yet",
        )
    m = curve_measures(pred["frobenius"].to_numpy())
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = plot_prediction(pred, title=f"{spec.name}: predicted ||D(t)||_F")
        save_figure(ax, args.png)
        plt.close(ax.figure)
    if args.json:
        print(dumps(prediction_record(pred, m)))
        return 0
    print(
        f"{spec.name}: predicted ||D||_F {pred['frobenius'].iloc[0]:.4g} -> "
        f"{pred['frobenius'].iloc[-1]:.4g} over {len(pred) - 1} steps "
        f"(covariance: {pred.attrs['method']}; {time.perf_counter() - start:.2f} s)"
    )
    for line in format_measures({"predicted": m}):
        print(line)
    if args.png:
        print(f"figure: {args.png}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``netcollapse report``: build the report, print where it is."""
    from netcollapse.reports.report import build_report

    folder, rep = build_report(
        args.folder, args.out, calibration=args.calibration, steps=args.steps, measure=args.measure
    )
    print(f"report: {folder / 'report.html'} ({len(rep.figures)} figures, {len(rep.notes)} notes)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``netcollapse sweep``: the sweep, a summary line, the predictor table.

    Failed tasks do not stop the sweep; the command writes everything it can
    (``results.parquet``, ``steps.parquet``, ``predictors.csv``), then raises
    :class:`~netcollapse.sweeps.run.TasksFailed` (exit status 1).
    """
    from netcollapse._io import atomic_write_text
    from netcollapse.backends.generation import token_totals
    from netcollapse.sweeps.analysis import format_predictor_table, predictor_table
    from netcollapse.sweeps.run import run_sweep
    from netcollapse.sweeps.spec import load_sweep

    path = resolve_spec(args.spec, "experiments")
    _check_kind(path, "sweep", args.spec)
    sweep, _ = load_sweep(path)
    out = Path(args.out) if args.out else Path("sweeps") / sweep.name
    from netcollapse.app.planning import check_plan_flags, print_sweep_plan

    if check_plan_flags(args):  # --plan: print what the sweep would cost, run nothing
        return print_sweep_plan(path, out, args)
    options = {"gpus_per_actor": args.gpus_per_actor} if args.executor == "ray" else {}
    res = run_sweep(
        path,
        out,
        executor=args.executor,
        workers=args.workers,
        address=args.address,
        limit=args.limit,
        progress=not args.quiet,
        **options,
    )
    print(f"sweep folder: {out}")
    print(
        f"tasks: {res.n_tasks} (ran {res.ran}, skipped {res.skipped} already done, "
        f"{res.errors} with errors) in {res.seconds:.1f} s"
    )
    ok = res.results[res.results["status"] == "ok"] if len(res.results) else res.results
    totals = token_totals(ok)
    if totals is not None:
        print(f"tokens: {_fmt_tokens(totals)} over {len(ok)} finished tasks")
    if len(ok) < 3:
        print("predictor table: fewer than 3 finished tasks")
    else:
        table = predictor_table(ok, n_boot=args.boot, seed=0)
        atomic_write_text(out / "predictors.csv", table.to_csv(index=False))
        print(format_predictor_table(table))
    if "curve_error" in ok.columns and ok["curve_error"].notna().sum() >= 3:
        from netcollapse.sweeps.analysis import curve_check

        keys = ["graph_id", *[c for c in ("retrieval.memory",) if c in ok.columns]]
        c = curve_check(ok, by=keys)
        print(
            f"predicted curves ({c['runs']} runs, {c['graphs']} graph settings): median RMS "
            f"error of log ||D||_F {c['median_curve_error']:.3f}; Spearman predicted vs "
            f"measured half-life {c['spearman_half_life']:.3f}, time to 2x floor "
            f"{c['spearman_time_to_twice_floor']:.3f}"
        )
    res.raise_for_errors()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the default demo (see :mod:`netcollapse.app.demo`)."""
    from netcollapse.app.demo import run_demo

    return run_demo(Path(args.out), quick=args.quick)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run a stance calibration spec into a new folder; print the per-variant table."""
    from netcollapse.studies.calibrate import format_calibration, run_calibration

    path = resolve_spec(args.spec, "experiments")
    _check_kind(path, "calibrate", args.spec)
    result = run_calibration(path, args.out)
    print(format_calibration(result))
    print(f"calibration folder: {args.out}")
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    """Print (and optionally write) the stance topology study of a sweep folder."""
    from netcollapse._io import atomic_write_text
    from netcollapse._json import dumps
    from netcollapse.studies.stance import format_study, stance_study

    pairs = []
    for text in args.pair:
        a, sep, b = text.partition(":")
        if not (sep and a and b):
            raise bad("--pair", text, "two graph names as A:B")
        pairs.append((a, b))
    study = stance_study(
        args.sweep, args.calibration, measure=args.measure, pairs=pairs, reference=args.reference
    )
    print(format_study(study))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "study_tasks.csv", study.tasks.to_csv(index=False))
        atomic_write_text(out / "study_graphs.csv", study.graphs.to_csv(index=False))
        atomic_write_text(out / "study_curves.csv", study.curves.to_csv(index=False))
        atomic_write_text(out / "study.json", dumps(study.targets, indent=2))
        from netcollapse.reports.plotting import plot_study

        plot_study(study, out / "study.png")
        print(f"written: {out}")
    return 0
