"""The ``netcollapse`` command line (also ``python -m netcollapse``).

Subcommands (their handlers are in :mod:`netcollapse.app.commands`):
``topologies`` and ``experiments`` list the specs shipped with the package;
``spectral`` prints a topology's spectral predictors; ``predict`` prints a run
spec's predicted collapse curve and its measures before anything is simulated;
``run`` runs one simulation spec into a run folder (and prints its curve measures
beside the predicted ones); ``sweep`` runs a sweep spec into a sweep folder
(``run --plan`` and ``sweep --plan`` print the tasks, node-rounds, expected tokens
and wall time instead, running and writing nothing: :mod:`netcollapse.app.planning`);
``study`` compares the measured stance collapse per graph of an LLM sweep with
its calibrated and spectral predictions (:mod:`netcollapse.studies.stance`);
``calibrate`` measures a model's stance response on contexts of known stance, with
no graph (:mod:`netcollapse.studies.calibrate`);
``report`` writes an HTML report of a run or sweep folder
(:mod:`netcollapse.reports.report`); ``export`` writes a run's graph at one row as
GraphML, GEXF or CSV tables (:mod:`netcollapse.app.export`); ``demo`` runs the
default experiment (:mod:`netcollapse.app.demo`). A spec argument is a path, or the
name of a shipped spec (``netcollapse spectral ring``).

Exit status: 0 on success; 1 when tasks of a sweep failed (everything else was
written); 2 on bad input, with one line on stderr and no traceback; 74 when a file
could not be written (disk full, over quota, read-only or not writable: one line;
what was written before is whole, and the same command resumes once there is room,
``netcollapse run`` with ``--resume``); 75 when a model server stayed unreachable
(resume later); 130 on Ctrl-C; 141 when stdout was closed early
(``netcollapse topologies | head -1``), quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from netcollapse._storage import storage_error
from netcollapse.app.commands import (
    cmd_calibrate,
    cmd_demo,
    cmd_experiments,
    cmd_predict,
    cmd_report,
    cmd_run,
    cmd_spectral,
    cmd_study,
    cmd_sweep,
    cmd_topologies,
)
from netcollapse.app.export import cmd_export
from netcollapse.app.planning import add_plan_flags
from netcollapse.errors import NetcollapseError
from netcollapse.studies.stance import STUDY_MEASURES

__all__ = ["build_parser", "main"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer


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
    add_plan_flags(s, "sweep")
    s.set_defaults(func=cmd_sweep)


def _add_report_parser(sub: Any) -> None:
    """Register ``netcollapse report`` (:func:`netcollapse.reports.report.build_report`)."""
    s = sub.add_parser(
        "report",
        help="write a self-contained HTML report of a run or sweep",
        description="Write report.html (figures inline) and the figure PNGs of "
        "a finished run folder or a sweep folder.",
    )
    s.add_argument("folder", metavar="RUN_OR_SWEEP_DIR", help="run folder or sweep folder")
    s.add_argument("--out", default=None, help="report folder (default FOLDER/report)")
    s.add_argument(
        "--calibration",
        default=None,
        help="calibration run folder: calibrated prediction (LLM with llm.stances)",
    )
    s.add_argument(
        "--steps",
        default=None,
        help="steps of the perspective maps and D(t) heatmaps (default 0,T)",
    )
    s.add_argument(
        "--measure",
        default="half_life",
        help="stance study measure with --calibration: half_life (default), "
        "excess_half_life, time_to_twice_floor, retained_share or stance_rate",
    )
    s.set_defaults(func=cmd_report)


def _add_export_parser(sub: Any) -> None:
    """Register ``netcollapse export`` (:func:`netcollapse.app.export.export_run`)."""
    s = sub.add_parser(
        "export",
        help="write a run's graph at one row as GraphML, GEXF or CSV tables",
        description="Write the graph a row of the run read with (edges j -> i weighted "
        "W[i, j]: node i reads node j's store) with that row's node table as node "
        "attributes. An unfinished run exports the rows up to its latest checkpoint.",
    )
    s.add_argument("run", metavar="RUN", help="run folder")
    s.add_argument("--format", default="graphml", help="graphml (default), gexf or csv")
    s.add_argument("--step", default=None, help="the row to export (default the last row)")
    s.add_argument(
        "--out",
        default=None,
        help="file, or folder for csv (default RUNNAME-stepN.FORMAT, RUNNAME-stepN-csv)",
    )
    s.add_argument("--force", action="store_true", help="replace an existing --out")
    s.set_defaults(func=cmd_export)


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
        "'netcollapse COMMAND --help' describes a command. Exit status: 0 done, "
        "1 some sweep tasks failed, 2 bad input, 74 disk full or read-only (free "
        "space, then the same command; run: with --resume), 75 model server unreachable.",
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
    s.add_argument(
        "--accuracy",
        action="store_true",
        help="add each number's error bound and how it was certified",
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
    add_plan_flags(s, "run")
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
        help="calibration folder (netcollapse calibrate) or run folder (not a sweep task) "
        "to take the stance response from",
    )
    s.add_argument(
        "--measure",
        default="half_life",
        choices=list(STUDY_MEASURES),
        help="curve measure compared across graphs (default half_life)",
    )
    s.add_argument(
        "--pair",
        action="append",
        default=[],
        metavar="A:B",
        help="report the paired difference A - B over shared seeds (repeatable)",
    )
    s.add_argument(
        "--reference",
        default=None,
        metavar="GRAPH",
        help="compare every graph with this one, paired by seed",
    )
    s.add_argument(
        "--out",
        default=None,
        help="folder for study_tasks.csv, study_graphs.csv, study.json, study.png",
    )
    s.set_defaults(func=cmd_study)

    s = sub.add_parser(
        "calibrate", help="dose-response calibration of the model's stance response (no graph)"
    )
    s.add_argument("spec", help="calibration spec (YAML): llm, k, contexts, L, variants, seed")
    s.add_argument("--out", required=True, help="new folder for contexts.parquet, calibration.json")
    s.set_defaults(func=cmd_calibrate)

    _add_report_parser(sub)
    _add_export_parser(sub)

    s = sub.add_parser("demo", help="run the default experiment on the bundled models")
    s.add_argument("--out", default="reports/demo", help="report folder")
    s.add_argument("--quick", action="store_true", help="spectral part only")
    s.set_defaults(func=cmd_demo)
    return p


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
        74 if a file could not be written (disk full or read-only), 75 if a model
        server stayed unreachable, 130 on Ctrl-C, 141 if stdout was closed before
        everything was printed.
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
    except OSError as exc:  # a write outside netcollapse._io (a library's cache, say)
        error = storage_error(exc, permission=False)  # a refused read is not this
        if error is None:
            raise
        _flush_quietly()
        print(f"netcollapse: error: {error}", file=sys.stderr)
        return error.exit_status
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
