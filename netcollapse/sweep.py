"""Batch sweeps: a grid of run specs x replicate seeds -> tasks -> executor -> one tidy table.

A sweep spec (YAML) is a ``base`` run spec plus what varies::

    name: topologies
    base: {engine: gmm, T: 40, retrieval: {k: 16, memory: 1}, gmm: {B: 4, L: 16}}
    graphs:                        # named graph specs: one axis, column "graph"
      ring: {family: ring, n: 32}
      small_world: {family: watts_strogatz, n: 32, k: 4, p: 0.1}
    axes:                          # dotted run-spec paths -> lists of values
      graph.self_weight: [0.0, 0.5]
      retrieval.memory: [1, 4]
    zip: [[graph.self_weight, retrieval.memory]]   # varied together, not crossed
    seeds: 5                       # replicates (or an explicit list of seeds)
    seed: 0                        # the sweep seed the replicate seeds come from
    T: 60                          # optional override of base.T

The conditions are the cartesian product of the axes (a zip group counts as one
axis); every condition runs once per replicate. Replicate ``r`` has the seed
``SeedSequence(seed).spawn(seeds)[r]`` and **the same seed is used in every
condition** (common random numbers, as Mesa's ``batch_run`` does), so differences
between conditions are not blurred by different draws; the graph of a random
family is built from that seed too unless the graph spec fixes ``seed``.

Each task has a stable id, the first 12 hex digits of the sha256 of its resolved
run spec (defaults filled in, seed included, ``name``/``description`` left out):
the same condition and seed give the same id in every sweep that contains them.

A sweep folder (layout in :mod:`netcollapse.sweepfolder`) holds ``sweep.json``, one
file pair per finished task under ``tasks/``, ``results.parquet`` (one row per task),
``steps.parquet`` (per-step metrics) and ``predictors.csv``. Re-running a sweep into
the same folder skips tasks whose row says ``ok`` and runs the rest (failed ones
again); a sweep killed with SIGKILL loses at most the tasks in flight.

A row holds ``task_id``, ``status`` (``ok``/``error``), ``error``, ``replicate``,
``seed``, every swept parameter by its spec name (``graph.n``, ``retrieval.memory``,
``graph`` for named graphs), ``family``, ``engine``, ``graph_id`` (a hash of W and h),
every spectral predictor by its :func:`netcollapse.spectral.spectral_summary` name
(computed once per distinct graph and process), the collapse measures of
:func:`netcollapse.metrics.collapse_measures`, ``measured_rate`` and
``predicted_rate`` (the theory check, :mod:`netcollapse.analysis`), and timings.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse.config import parse_run, parse_topology
from netcollapse.errors import SpecError, bad
from netcollapse.executors import error_outcome, graph_key, run_task
from netcollapse.sweepfolder import (
    TaskOutcome,
    load_outcomes,
    prepare_folder,
    save_outcome,
    write_tables,
)
from netcollapse.sweepspec import (
    SweepSpec,
    _axis_values,
    _check_spec,
    check_axis_path,
    load_sweep,
)

__all__ = [
    "SweepResult",
    "SweepSpec",
    "Task",
    "add_sweep_parser",
    "check_axis_path",
    "expand",
    "graph_key",
    "load_sweep",
    "replicate_seeds",
    "run_sweep",
    "run_task",
]


# --------------------------------------------------------------------------- tasks
@dataclass(frozen=True, eq=False)
class Task:
    """One run of a sweep: a resolved run spec and its replicate seed.

    Attributes
    ----------
    task_id : str
        Stable id: 12 hex digits of the sha256 of the resolved spec.
    index : int
        Position in the sweep (conditions in axis order, replicates inside).
    replicate : int
        Replicate index; its seed is shared by every condition.
    seed : int
        The run seed (and graph seed unless the graph spec fixes one).
    params : dict
        Swept parameters by column name (dotted path; ``graph`` for named graphs).
    spec : dict
        The run spec to run.
    engine : str
        ``"gmm"`` or ``"llm"`` (Ray sends LLM tasks to actors).
    base_dir : str, optional
        Folder for relative paths in the spec.
    error : str, optional
        Why the spec is invalid; such a task is recorded as failed, not run.
    """

    task_id: str
    index: int
    replicate: int
    seed: int
    params: dict[str, Any]
    spec: dict[str, Any]
    engine: str = "gmm"
    base_dir: str | None = None
    error: str | None = None


def replicate_seeds(seeds: int | list[int], seed: int = 0) -> list[int]:
    """Seeds of the replicates: spawned from the sweep seed, or given explicitly.

    Parameters
    ----------
    seeds : int or list of int
        Number of replicates, or the seeds themselves (used as given).
    seed : int
        Sweep seed.

    Returns
    -------
    list of int
        Seeds in ``[0, 2**31)``; replicate ``r`` keeps its seed when ``seeds`` grows.

    Examples
    --------
    >>> replicate_seeds(3, seed=1)[:2] == replicate_seeds(2, seed=1)
    True
    >>> replicate_seeds([5, 7])
    [5, 7]
    """
    if isinstance(seeds, list):
        return [int(s) for s in seeds]
    children = np.random.SeedSequence(seed).spawn(int(seeds))
    return [int(c.generate_state(1, dtype=np.uint32)[0] >> 1) for c in children]


def _set_path(spec: dict[str, Any], path: str, value: Any) -> None:
    *heads, last = path.split(".")
    node = spec
    for h in heads:
        if not isinstance(node.get(h), dict):
            node[h] = {}
        node = node[h]
    node[last] = copy.deepcopy(value)


def _factors(sweep: SweepSpec) -> list[list[dict[str, Any]]]:
    """Each factor: a list of assignments ``{column: value}`` (a zip group is one factor)."""
    names = (["graph"] if sweep.graphs is not None else []) + list(sweep.axes)
    group_of = {name: tuple(g) for g in sweep.zip for name in g}
    factors, done = [], set()
    for name in names:
        group = group_of.get(name, (name,))
        if group in done:
            continue
        done.add(group)
        columns = [_axis_values(sweep, g) for g in group]
        factors.append([dict(zip(group, vals)) for vals in zip(*columns)])
    return factors


def _canonical(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the resolved spec with defaults filled in (what the task id hashes)."""
    parsed = parse_run(spec)
    out = parsed.model_dump(mode="json", exclude={"name", "description"})
    out["graph"] = parse_topology(parsed.graph, prefix="graph.").model_dump(mode="json")
    return out


def _task_id(canonical: dict[str, Any]) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def expand(sweep: SweepSpec | dict[str, Any], base_dir: Path | None = None) -> list[Task]:
    """All tasks of a sweep: conditions (cartesian product of the axes) x replicates.

    Parameters
    ----------
    sweep : SweepSpec or dict
    base_dir : Path, optional
        Folder for relative paths in the specs.

    Returns
    -------
    list of Task
        Conditions in axis order (the last axis varies fastest), replicates inside.
        A task whose spec is invalid carries its ``error`` (it is recorded, not run).

    Raises
    ------
    SpecError
        If the spec is invalid, if every task's run spec is invalid (the first
        error), or if two conditions resolve to the same run spec.

    Examples
    --------
    >>> tasks = expand({"base": {"engine": "gmm", "T": 3}, "seeds": 2,
    ...                 "axes": {"graph.family": ["ring", "complete"], "graph.n": [4, 5]}})
    >>> len(tasks), tasks[0].params, tasks[0].seed == tasks[2].seed
    (8, {'graph.family': 'ring', 'graph.n': 4}, True)
    """
    if not isinstance(sweep, SweepSpec):
        sweep, _ = load_sweep(sweep)
    else:
        _check_spec(sweep)
    seeds = replicate_seeds(sweep.seeds, sweep.seed)
    tasks: list[Task] = []
    seen: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for assignment in itertools.product(*_factors(sweep)):
        params: dict[str, Any] = {}
        for part in assignment:
            params.update(part)
        resolved = copy.deepcopy(sweep.base)
        if "graph" in params and sweep.graphs is not None:
            resolved["graph"] = copy.deepcopy(sweep.graphs[params["graph"]])
        for path, value in params.items():
            if not (path == "graph" and sweep.graphs is not None):
                _set_path(resolved, path, value)
        if sweep.T is not None:
            resolved["T"] = sweep.T
        for r, s in enumerate(seeds):
            spec = {**resolved, "seed": s}
            error = None
            try:
                canonical = _canonical(spec)
            except SpecError as exc:
                error, canonical = str(exc), spec
                errors.append(error)
            tid = _task_id(canonical)
            if tid in seen:
                raise bad("axes", params, f"distinct conditions (same run spec as {seen[tid]})")
            seen[tid] = params
            tasks.append(Task(
                task_id=tid, index=len(tasks), replicate=r, seed=s, params=params, spec=spec,
                engine=str(spec.get("engine", "gmm")),
                base_dir=None if base_dir is None else str(base_dir), error=error,
            ))
    if tasks and len(errors) == len(tasks):
        raise SpecError(errors[0])
    return tasks


# --------------------------------------------------------------------------- sweep
@dataclass(frozen=True)
class SweepResult:
    """A finished (or partly finished) sweep.

    Attributes
    ----------
    path : Path
        The sweep folder.
    results : pandas.DataFrame
        One row per task that has a row (``status`` ok or error).
    steps : pandas.DataFrame
        Per-step metrics of the ok tasks, keyed by ``task_id``.
    n_tasks, ran, skipped, errors : int
        Tasks in the sweep, run now, skipped as already done, with status error.
    seconds : float
        Wall time of this call.
    """

    path: Path
    results: pd.DataFrame
    steps: pd.DataFrame
    n_tasks: int
    ran: int
    skipped: int
    errors: int
    seconds: float
    tasks: list[Task] = field(default_factory=list, repr=False)


def run_sweep(
    spec: str | Path | dict[str, Any] | SweepSpec,
    out: str | Path,
    *,
    executor: str = "serial",
    workers: int | None = None,
    address: str | None = None,
    limit: int | None = None,
    progress: bool = True,
    flush_every: float = 15.0,
    **executor_options: Any,
) -> SweepResult:
    """Run a sweep into a folder, skipping tasks already finished there.

    Parameters
    ----------
    spec : str, Path, dict or SweepSpec
    out : str or Path
        Sweep folder (created if missing; re-use it to resume).
    executor : {"serial", "process", "ray"}
    workers : int, optional
        Worker processes or Ray CPUs (default: CPU count).
    address : str, optional
        Ray cluster to join (``executor="ray"``).
    limit : int, optional
        Run at most this many of the pending tasks (to stage a big sweep).
    progress : bool
        Progress bar over tasks, with an ETA.
    flush_every : float
        Seconds between rebuilds of ``results.parquet`` and ``steps.parquet``.
    **executor_options
        Passed to :class:`netcollapse.executors.RayExecutor`.

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> import tempfile
    >>> spec = {"base": {"engine": "gmm", "T": 3, "graph": {"family": "ring", "n": 4}},
    ...         "axes": {"gmm.L": [1, 2]}, "seeds": 2}
    >>> with tempfile.TemporaryDirectory() as d:  # doctest: +SKIP
    ...     res = run_sweep(spec, d, progress=False)
    ...     again = run_sweep(spec, d, progress=False)
    >>> len(res.results), again.ran, again.skipped  # doctest: +SKIP
    (4, 0, 4)
    """
    from netcollapse.executors import make_executor

    start = time.perf_counter()
    sweep, base_dir = load_sweep(spec)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise bad("limit", limit, "an integer >= 0")
    pool = make_executor(executor, workers, address, **executor_options)
    tasks = expand(sweep, base_dir)
    out = prepare_folder(out, sweep.model_dump(mode="json"), tasks)
    done = load_outcomes(out, tasks)
    pending = [t for t in tasks if done.get(t.task_id, TaskOutcome({})).row.get("status") != "ok"]
    skipped = len(tasks) - len(pending)
    if limit is not None:
        pending = pending[:limit]
    ran, last_flush, failed = 0, time.monotonic(), 0
    bar = _bar(len(tasks), skipped, sweep.name, progress)
    try:
        if pending:
            with pool:
                for task, outcome in pool.map(run_task, pending):
                    if not isinstance(outcome, TaskOutcome):
                        outcome = error_outcome(task, outcome)
                    save_outcome(out, outcome)
                    done[task.task_id] = outcome
                    ran += 1
                    failed += outcome.row.get("status") != "ok"
                    bar.update(1)
                    if failed:
                        bar.set_postfix(errors=failed, refresh=False)
                    if time.monotonic() - last_flush > flush_every:
                        write_tables(out, tasks, done)
                        last_flush = time.monotonic()
    finally:
        bar.close()
        results, steps = write_tables(out, tasks, done)
    errors = int((results["status"] != "ok").sum()) if len(results) else 0
    return SweepResult(out, results, steps, len(tasks), ran, skipped, errors,
                       time.perf_counter() - start, tasks)


def _bar(total: int, initial: int, name: str, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=name, unit="task", disable=not enabled,
                dynamic_ncols=True, smoothing=0.1)


# --------------------------------------------------------------------------- CLI
def add_sweep_parser(subparsers: Any) -> None:
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
    from netcollapse.analysis import format_predictor_table, predictor_table

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

