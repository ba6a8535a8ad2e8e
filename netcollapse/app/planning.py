"""``netcollapse run --plan`` and ``netcollapse sweep --plan``: print a plan, run nothing.

The plans come from :func:`netcollapse.runs.plan.plan_run` and
:func:`netcollapse.sweeps.plan.plan_sweep`; this module only checks the flags and
formats them: an aligned table on stdout, or with ``--json`` one strict JSON object
(NaN as ``null``). Nothing is written: no run or sweep folder is created.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path
from typing import Any

from netcollapse.errors import bad

__all__ = [
    "add_plan_flags",
    "check_plan_flags",
    "format_plan",
    "plan_record",
    "print_run_plan",
    "print_sweep_plan",
]


def add_plan_flags(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--plan``, ``--probe`` and ``--json`` to the ``run`` or ``sweep`` parser.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_plan_flags(p, "run")
    >>> p.parse_args(["--plan", "--json"]).json
    True
    """
    parser.add_argument(
        "--plan",
        action="store_true",
        help=f"print the {what}'s tasks, node-rounds, expected tokens and wall time on this "
        "machine; run and write nothing",
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="with --plan: first load the models and time one row here (seconds)",
    )
    parser.add_argument("--json", action="store_true", help="with --plan: one strict JSON object")


def check_plan_flags(args: argparse.Namespace) -> bool:
    """Return whether ``--plan`` was given; ``--probe`` and ``--json`` need it.

    Raises
    ------
    SpecError
        ``--json: got True, expected only with --plan`` (and the same for ``--probe``).

    Examples
    --------
    >>> check_plan_flags(argparse.Namespace(plan=True, probe=False, json=True))
    True
    >>> check_plan_flags(argparse.Namespace(plan=False, probe=True, json=False))
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: --probe: got True, expected only with --plan
    """
    plan = bool(getattr(args, "plan", False))
    for flag in ("probe", "json"):
        if getattr(args, flag, False) and not plan:
            raise bad(f"--{flag}", True, "only with --plan")
    return plan


def _time(seconds: float) -> str:
    from netcollapse.graphs.size import human_seconds

    return "unknown" if not math.isfinite(seconds) else human_seconds(seconds)


def _tokens(p: Any) -> str:
    if not p.answers:
        return "none (no LLM tasks)"
    return (
        f"{p.tokens_max:,} at most (max_new_tokens every answer); expected {p.tokens_expected:,.0f}"
    )


def plan_record(plan: Any) -> dict[str, Any]:
    """Return a plan as a JSON-able mapping (its fields, and ``seconds`` for a run).

    Examples
    --------
    >>> from netcollapse.runs.plan import plan_run
    >>> from netcollapse.runs.spec import RunSpec
    >>> r = plan_record(plan_run(RunSpec(engine="gmm", T=3, graph={"family": "ring", "n": 4})))
    >>> r["kind"], r["node_rounds"], r["seconds"] > 0
    ('run', 16, True)
    """
    record = dataclasses.asdict(plan)
    kind = "sweep" if "pending" in record else "run"
    if kind == "run":
        record["seconds"] = plan.seconds
    return {"kind": kind, **record}


def format_plan(plan: Any, where: str | None = None) -> list[str]:
    """Return the lines of a run or sweep plan's table.

    Parameters
    ----------
    plan : RunPlan or SweepPlan
    where : str, optional
        The folder whose finished tasks were left out (a sweep).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from netcollapse.runs.plan import plan_run
    >>> from netcollapse.runs.spec import RunSpec
    >>> lines = format_plan(plan_run(RunSpec(engine="gmm", T=3, graph={"family": "ring", "n": 4})))
    >>> lines[0]
    'plan (nothing is run or written):'
    >>> [x.split()[0] for x in lines[1:5]]
    ['tasks', 'rows', 'node-rounds', 'runs']
    """
    rows: list[tuple[str, str]] = []
    if hasattr(plan, "pending"):  # a sweep
        folder = f" in {where}" if where else ""
        rows.append(
            (
                "tasks",
                f"{plan.tasks} ({plan.pending} to run, {plan.done} done{folder}, "
                f"{plan.invalid} invalid)",
            )
        )
        rows.append(("executor", f"{plan.executor}, {plan.workers} worker(s)"))
        rows.append(("node-rounds", f"{plan.node_rounds:,}"))
        rows.append(("runs on", "; ".join(plan.paths) or "-"))
        startup = f"{_time(plan.startup_seconds)} per worker (process start, imports, models)"
        work = [("task time", f"{_time(plan.task_seconds)} summed over the tasks to run")]
    else:
        rows.append(("tasks", "1 run"))
        rows.append(("rows", f"{plan.rows} (t = 0..{plan.rows - 1}) x {plan.nodes} nodes"))
        rows.append(("node-rounds", f"{plan.node_rounds:,}"))
        rows.append(("runs on", plan.path))
        startup = f"{_time(plan.startup_seconds)} (process start, imports, models)"
        work = [("run time", f"{_time(plan.run_seconds)} (its rows and set-up, start-up aside)")]
    if plan.answers:
        rows.append(("answers", f"{plan.answers:,}"))
    rows.append(("tokens", _tokens(plan)))
    rows.append(("start-up", startup))
    rows.extend(work)
    rows.append(("wall time", f"expected {_time(plan.seconds)}"))
    rows.append(("from", plan.source))
    width = max(len(k) for k, _ in rows)
    lines = ["plan (nothing is run or written):"]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    if plan.answers:
        share = plan.tokens_expected / plan.tokens_max if plan.tokens_max else math.nan
        lines.append(f"  expected tokens: {share:.2f} of the upper bound ({plan.token_source})")
    probe = getattr(plan, "probe", None)
    if probe:
        lines.append(
            f"  probe: built the first task in {probe['startup_seconds']:.1f} s and ran one row "
            f"in {probe['row_seconds']:.2f} s here ({probe['seconds']:.1f} s in all)"
        )
    lines += [f"  note: {n}" for n in plan.notes]
    return lines


def _print(plan: Any, as_json: bool, where: str | None = None) -> int:
    from netcollapse._json import dumps

    if as_json:
        print(dumps(plan_record(plan)))
    else:
        print("\n".join(format_plan(plan, where)))
    return 0


def print_run_plan(path: Path, args: argparse.Namespace) -> int:
    """Print ``netcollapse run SPEC --plan`` (``--probe``, ``--json``); returns 0."""
    from netcollapse.runs.plan import plan_run, probe_run
    from netcollapse.runs.runner import load_run_spec

    spec, base_dir = load_run_spec(path)
    if args.seed is not None:
        spec = spec.model_copy(update={"seed": args.seed})
    measured = probe_run(spec, base_dir) if args.probe else None
    plan = plan_run(spec, base_dir, probe=measured)
    if measured is not None:
        plan = dataclasses.replace(
            plan, notes=[*plan.notes, f"probe: {measured.seconds:.1f} s, not in the plan"]
        )
    return _print(plan, args.json)


def print_sweep_plan(path: Path, out: Path, args: argparse.Namespace) -> int:
    """Print ``netcollapse sweep SPEC --plan`` (``--probe``, ``--json``); returns 0."""
    from netcollapse.sweeps.plan import plan_sweep

    plan = plan_sweep(
        path,
        out,
        executor=args.executor,
        workers=args.workers,
        address=args.address,
        limit=args.limit,
        probe=args.probe,
    )
    return _print(plan, args.json, str(out))
