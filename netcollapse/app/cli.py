"""The ``netcollapse`` command line (also ``python -m netcollapse``).

Subcommands: ``topologies`` and ``experiments`` list the specs shipped with the
package; ``spectral`` prints a topology's spectral predictors; ``predict`` prints
a run spec's predicted collapse curve and its measures before anything is
simulated; ``run`` runs one simulation spec into a run folder (and prints its
curve measures beside the predicted ones); ``sweep`` runs a sweep spec into a sweep folder;
``study`` compares the measured stance collapse per graph of an LLM sweep with
its calibrated and spectral predictions (:mod:`netcollapse.studies.stance`);
``report`` writes an HTML report of a run or sweep folder (:mod:`netcollapse.app.report`);
``demo`` runs the default experiment (:mod:`netcollapse.app.demo`). A spec argument
is a path, or the name of a shipped spec (``netcollapse spectral ring``).

Exit status: 0 on success; 1 when tasks of a sweep failed (everything else was
written); 2 on bad input, with one line on stderr and no traceback; 130 on Ctrl-C;
141 when stdout was closed early (``netcollapse topologies | head -1``), quietly.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netcollapse.app.shipped import resolve_spec, shipped_dir, spec_command
from netcollapse.errors import NetcollapseError, bad

__all__ = ["build_parser", "main"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer


def _first_comment(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def _print_table(header: Sequence[str], rows: list[Sequence[str]], right: int = -1) -> None:
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
    from netcollapse._io import dumps
    from netcollapse.graphs.retrieval_graph import RetrievalGraph
    from netcollapse.spectral import spectral_summary

    path = resolve_spec(args.spec, "topologies")
    start = time.perf_counter()
    graph = RetrievalGraph.from_yaml(path, seed=args.seed)
    built = time.perf_counter()
    summary = spectral_summary(graph)
    done = time.perf_counter()
    if args.json:
        print(dumps(dict(summary.items())))  # strict JSON: NaN and infinities are null
        return 0
    print(f"{graph!r}")
    width = max(len(str(k)) for k in summary.index)
    for key, value in summary.items():
        print(f"  {key:<{width}}  {_fmt(value)}")
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


def cmd_run(args: argparse.Namespace) -> int:
    """Run a spec into a run folder."""
    from netcollapse.runs.runner import load_run_spec, run_spec

    path = resolve_spec(args.spec, "experiments")
    _check_kind(path, "run", args.spec)
    spec, _ = load_run_spec(path)
    out = (
        Path(args.out)
        if args.out
        else Path("runs") / (f"{spec.name}-seed{spec.seed if args.seed is None else args.seed}")
    )
    start = time.perf_counter()
    result = run_spec(path, out, seed=args.seed, resume=args.resume, progress=not args.quiet)
    F = result.frobenius
    print(f"run folder: {out}")
    print(f"steps: {len(result.metrics)} rows in {time.perf_counter() - start:.1f} s")
    print(f"||D||_F: {F[0]:.4g} -> {F[-1]:.4g} (ratio {F[-1] / F[0] if F[0] else math.nan:.3g})")
    _print_measures(path, args.seed, len(F) - 1, F, out)
    if args.profile:
        from netcollapse._io import read_parquet
        from netcollapse.app.profile import format_profile

        timings = read_parquet(out / "timings.parquet", "the run's time per step", ("seconds",))
        print("where the time went (timings.parquet):")
        for line in format_profile(timings):
            print("  " + line)
    return 0


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
    from netcollapse._io import dumps
    from netcollapse.app.plotting import save_figure
    from netcollapse.app.prediction import format_measures, plot_prediction, prediction_record
    from netcollapse.measures.curves import curve_measures
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


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``netcollapse sweep``: the sweep, a summary line, the predictor table.

    Failed tasks do not stop the sweep; the command writes everything it can
    (``results.parquet``, ``steps.parquet``, ``predictors.csv``), then raises
    :class:`~netcollapse.sweeps.run.TasksFailed` (exit status 1).
    """
    from netcollapse._io import atomic_write_text
    from netcollapse.sweeps.analysis import format_predictor_table, predictor_table
    from netcollapse.sweeps.run import run_sweep
    from netcollapse.sweeps.spec import load_sweep

    path = resolve_spec(args.spec, "experiments")
    _check_kind(path, "sweep", args.spec)
    sweep, _ = load_sweep(path)
    out = Path(args.out) if args.out else Path("sweeps") / sweep.name
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


def _add_sweep_parser(sub: Any) -> None:
    s = sub.add_parser(
        "sweep",
        help="run a sweep spec (graphs x axes x seeds) into a folder",
        description="Run every task of a sweep spec; re-running the same folder skips "
        "finished tasks. Prints the predictor table at the end. Exit status 1 "
        "if some tasks failed (their rows say why).",
    )
    s.add_argument("spec", help="sweep YAML or shipped name, e.g. experiments/compare_gmm.yaml")
    s.add_argument("--executor", default="serial", help="serial (default), process or ray")
    s.add_argument(
        "--workers", type=int, default=None, help="worker processes / Ray CPUs (default: CPU count)"
    )
    s.add_argument("--out", default=None, help="sweep folder (default sweeps/NAME)")
    s.add_argument(
        "--address", default=None, help="join this Ray cluster instead of starting a local one"
    )
    s.add_argument(
        "--gpus-per-actor",
        type=float,
        default=0.0,
        help="GPUs per Ray actor for LLM tasks (default 0)",
    )
    s.add_argument("--limit", type=int, default=None, help="run at most N pending tasks")
    s.add_argument("--boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_sweep)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``netcollapse`` command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["spectral", "ring", "--json"]).json
    True
    """
    from netcollapse import __version__

    p = argparse.ArgumentParser(
        prog="netcollapse",
        description="Model collapse in a network of LLMs: topologies, spectra, simulations.",
        epilog="A spec argument is a path or the name of a shipped spec. "
        "'netcollapse COMMAND --help' describes a command.",
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=17),
    )
    p.add_argument("--version", action="version", version=f"netcollapse {__version__}")
    sub = p.add_subparsers(dest="command", required=True, title="commands")

    s = sub.add_parser("topologies", help="list the shipped topology specs and their folder")
    s.set_defaults(func=cmd_topologies)

    s = sub.add_parser("experiments", help="list the shipped experiment specs and their commands")
    s.set_defaults(func=cmd_experiments)

    s = sub.add_parser("spectral", help="print the spectral predictors of a topology spec")
    s.add_argument("spec", help="topology YAML or shipped name, e.g. ring or my_graph.yaml")
    s.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    s.add_argument(
        "--json",
        action="store_true",
        help="print one strict JSON object (NaN and infinities as null)",
    )
    s.set_defaults(func=cmd_spectral)

    s = sub.add_parser("run", help="run a simulation spec (engine gmm or llm) into a folder")
    s.add_argument("spec", help="run YAML or shipped name, e.g. experiments/paper_gmm.yaml")
    s.add_argument("--out", default=None, help="run folder (default runs/NAME-seedN)")
    s.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    s.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument(
        "--profile",
        action="store_true",
        help="print the step-time split (retrieve, prompts, generate, embed, ...)",
    )
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("predict", help="predict a run spec's collapse curve before simulating")
    s.add_argument("spec", help="run YAML or shipped name, e.g. paper_gmm")
    s.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    s.add_argument("--T", type=int, default=None, help="steps to predict (default the spec's T)")
    s.add_argument("--json", action="store_true", help="print one strict JSON object")
    s.add_argument("--png", default=None, help="also draw the curve into this PNG file")
    s.set_defaults(func=cmd_predict)

    _add_sweep_parser(sub)

    s = sub.add_parser("study", help="per-graph stance collapse of an LLM sweep vs its predictions")
    s.add_argument("sweep", help="sweep folder of LLM runs with llm.stances")
    s.add_argument(
        "--calibration",
        required=True,
        help="run folder to calibrate the stance response on (not a sweep task)",
    )
    s.add_argument(
        "--measure",
        default="half_life",
        choices=["half_life", "excess_half_life", "time_to_twice_floor", "retained_share"],
        help="curve measure compared across graphs (default half_life)",
    )
    s.add_argument(
        "--out",
        default=None,
        help="folder for study_tasks.csv, study_graphs.csv, study.json, study.png",
    )
    s.set_defaults(func=cmd_study)

    from netcollapse.app.report import add_report_parser  # netcollapse report FOLDER

    add_report_parser(sub)

    s = sub.add_parser("demo", help="run the default experiment on the bundled models")
    s.add_argument("--out", default="reports/demo", help="report folder")
    s.add_argument("--quick", action="store_true", help="spectral part only")
    s.set_defaults(func=cmd_demo)
    return p


def cmd_study(args: argparse.Namespace) -> int:
    """Print (and optionally write) the stance topology study of a sweep folder."""
    from netcollapse._io import atomic_write_text, dumps
    from netcollapse.studies.stance import format_study, stance_study

    study = stance_study(args.sweep, args.calibration, measure=args.measure)
    print(format_study(study))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "study_tasks.csv", study.tasks.to_csv(index=False))
        atomic_write_text(out / "study_graphs.csv", study.graphs.to_csv(index=False))
        atomic_write_text(out / "study_curves.csv", study.curves.to_csv(index=False))
        atomic_write_text(out / "study.json", dumps(study.targets, indent=2))
        from netcollapse.app.plotting import plot_study

        plot_study(study, out / "study.png")
        print(f"written: {out}")
    return 0


def _stdout_gone() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor
        pass
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``netcollapse`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 if tasks of a sweep failed, 2 on bad input,
        130 on Ctrl-C, 141 if stdout was closed before everything was printed.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe is caught here, not at exit
        return status
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_BROKEN_PIPE
    except SystemExit:  # --help, --version, usage errors: flush what they printed
        _flush_quietly()
        raise
    except NetcollapseError as exc:
        _flush_quietly()
        print(f"netcollapse: error: {exc}", file=sys.stderr)
        # TasksFailed (a sweep with failed tasks) says 1; bad input is 2
        return int(getattr(exc, "exit_status", EXIT_BAD_INPUT))
    except KeyboardInterrupt:
        _flush_quietly()
        print("netcollapse: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()
    except (OSError, ValueError):  # a closed or detached stdout
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
