"""A sweep's plan before launching: tasks, node-rounds, tokens and wall time, nothing run.

:func:`plan_sweep` expands a sweep spec (:func:`netcollapse.sweeps.expand.expand`),
leaves out the tasks already done in its folder (a resumed sweep runs only the rest;
the folder is read, never written, and need not exist) and plans each pending task
with :func:`netcollapse.runs.plan.plan_run`. Counts are exact; tokens and seconds
are expected values, from the benchmarks or from a probe (see
:mod:`netcollapse.runs.plan`).

Wall time: the executor's workers (serial: 1, in-process with the free cores;
process and Ray: ``workers``, default the CPU count, each task on one thread unless
``llm.threads`` says otherwise) each start once (imports, models loaded), then take
the pending tasks in order, each the next free worker's: the time the last worker
finishes. Ray's own start and a sweep's spectral predictors per task are not
included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcollapse.runs.plan import Probe, RunPlan, plan_run, probe_run
from netcollapse.runs.spec import parse_run
from netcollapse.sweeps.expand import expand
from netcollapse.sweeps.folder import load_outcomes
from netcollapse.sweeps.spec import SweepSpec, load_sweep

__all__ = ["SweepPlan", "plan_sweep"]


@dataclass(frozen=True)
class SweepPlan:
    """A sweep's expected cost (:func:`plan_sweep`).

    Attributes
    ----------
    name : str
    tasks, pending, done, invalid : int
        Tasks in the sweep; to run now (after ``limit``); already done in the folder;
        with an invalid spec (recorded as failed, not run).
    executor : str
    workers : int
        Workers that will run tasks (at most the pending tasks).
    node_rounds, answers, tokens_max : int
        Sums over the pending tasks (exact).
    tokens_expected : float
    token_source : str
        Where the expected answer length comes from.
    startup_seconds : float
        One worker's start-up (imports, models loaded).
    task_seconds : float
        The pending tasks' expected seconds, summed.
    seconds : float
        Expected wall time (NaN where a task has no rate).
    paths : list of str
        The distinct ways the tasks run (generation path and threads, or ``gmm``).
    source : str
        ``benchmarks: ...`` or ``probe: ...``.
    probe : dict or None
        What the probe measured.
    notes : list of str
    """

    name: str
    tasks: int
    pending: int
    done: int
    invalid: int
    executor: str
    workers: int
    node_rounds: int
    answers: int
    tokens_max: int
    tokens_expected: float
    token_source: str
    startup_seconds: float
    task_seconds: float
    seconds: float
    paths: list[str]
    source: str
    probe: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _workers(executor: str, workers: int | None, address: str | None) -> int:
    from netcollapse.sweeps.executors import make_executor

    pool = make_executor(executor, workers, address)  # checks the settings; starts nothing
    return int(getattr(pool, "workers", 1))


def _finish(plans: list[RunPlan], workers: int) -> float:
    """Wall time: each worker starts once, then takes the next pending task in order."""
    if not plans:
        return 0.0
    free = [max(p.startup_seconds for p in plans)] * workers
    for p in plans:
        k = min(range(workers), key=free.__getitem__)
        free[k] += p.run_seconds
    return max(free)


def plan_sweep(
    spec: str | Path | dict[str, Any] | SweepSpec,
    out: str | Path | None = None,
    *,
    executor: str = "serial",
    workers: int | None = None,
    address: str | None = None,
    limit: int | None = None,
    probe: bool = False,
) -> SweepPlan:
    """Plan a sweep: what runs, its counts, expected tokens and wall time; nothing written.

    Parameters
    ----------
    spec : str, Path, dict or SweepSpec
    out : str or Path, optional
        The sweep folder a run would use: tasks done there are not planned again.
    executor : {"serial", "process", "ray"}
    workers : int, optional
        As for :func:`netcollapse.sweeps.run.run_sweep` (default: the CPU count).
    address : str, optional
        A Ray cluster (``executor="ray"``), checked only: ``workers`` sets the plan.
    limit : int, optional
        Plan at most this many pending tasks, as ``run_sweep(limit=...)`` runs.
    probe : bool
        Measure the first pending task's start-up and one row here first
        (:func:`netcollapse.runs.plan.probe_run`; loads its models).

    Returns
    -------
    SweepPlan

    Raises
    ------
    SpecError
        The sweep spec is invalid (one line), or ``executor``/``workers``/``limit`` is.

    Examples
    --------
    >>> spec = {"base": {"engine": "gmm", "T": 4, "graph": {"family": "ring", "n": 5}},
    ...         "axes": {"gmm.L": [2, 3]}, "seeds": 3}
    >>> p = plan_sweep(spec, workers=2, executor="process")
    >>> p.tasks, p.pending, p.node_rounds, p.workers, p.seconds > 0
    (6, 6, 150, 2, True)
    """
    from netcollapse.errors import bad

    sweep, base_dir = load_sweep(spec)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise bad("limit", limit, "an integer >= 0")
    w = _workers(executor, workers, address)
    tasks = expand(sweep, base_dir)
    folder = None if out is None else Path(out)
    done = load_outcomes(folder, tasks) if folder is not None and folder.is_dir() else {}
    ok = {tid for tid, o in done.items() if o.row.get("status") == "ok"}
    pending = [t for t in tasks if t.task_id not in ok]
    invalid = [t for t in pending if t.error is not None]
    runnable = [t for t in pending if t.error is None]
    if limit is not None:
        runnable = runnable[:limit]
    specs = [parse_run(t.spec) for t in runnable]
    measured: Probe | None = None
    one_thread = executor != "serial"
    if probe and specs:
        measured = probe_run(specs[0], base_dir, threads=1 if one_thread else None)
    plans = [
        plan_run(s, base_dir, threads=1 if one_thread else None, probe=measured) for s in specs
    ]
    workers_used = max(1, min(w, len(plans))) if executor != "serial" else 1
    seconds = _finish(plans, workers_used)
    notes = sorted({note for p in plans for note in p.notes})
    if executor == "ray":
        notes.append("Ray's own start (seconds) is not included")
    return SweepPlan(
        name=sweep.name,
        tasks=len(tasks),
        pending=len(plans),
        done=len(ok),
        invalid=len(invalid),
        executor=executor,
        workers=workers_used,
        node_rounds=sum(p.node_rounds for p in plans),
        answers=sum(p.answers for p in plans),
        tokens_max=sum(p.tokens_max for p in plans),
        tokens_expected=float(sum(p.tokens_expected for p in plans)),
        token_source=next((p.token_source for p in plans if p.token_source), ""),
        startup_seconds=max((p.startup_seconds for p in plans), default=0.0),
        task_seconds=float(sum(p.run_seconds for p in plans)),
        seconds=seconds if all(math.isfinite(p.run_seconds) for p in plans) else math.nan,
        paths=sorted({p.path for p in plans}),
        source=plans[0].source if plans else "nothing to run",
        probe=None if measured is None else {**measured.__dict__, "scale": measured.scale},
        notes=notes,
    )
