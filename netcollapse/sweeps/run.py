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
    T: 60                          # overrides base.T (optional)

The conditions are the cartesian product of the axes (a zip group counts as one
axis), each run once per replicate seed; every condition shares the replicate seeds
(common random numbers). Expansion, replicate seeds and the stable task ids are in
:mod:`netcollapse.sweeps.expand`, one task's work in :mod:`netcollapse.sweeps.task`,
the executors (serial, process pool, Ray) in :mod:`netcollapse.sweeps.executors`.

:func:`run_sweep` (and ``netcollapse sweep SPEC``) runs the pending tasks into a
sweep folder (layout in :mod:`netcollapse.sweeps.folder`): ``sweep.json``, one file
pair per finished task under ``tasks/``, ``results.parquet`` (one row per task),
``steps.parquet`` (per-step metrics) and, from the command, ``predictors.csv``.
Re-running a sweep into the same folder skips tasks whose row says ``ok`` and runs
the rest (failed ones again); a sweep killed with SIGKILL loses at most the tasks in
flight. A task that fails is recorded with its error and the sweep goes on;
:meth:`SweepResult.raise_for_errors` turns failures into :class:`TasksFailed`
(``netcollapse sweep`` then exits with status 1).

A row holds ``task_id``, ``status`` (``ok``/``error``), ``error``, ``replicate``,
``seed``, every swept parameter by its spec name (``graph.n``, ``retrieval.memory``,
``graph`` for named graphs), ``family``, ``engine``, ``graph_id`` (a hash of W and h),
every spectral predictor by its :func:`netcollapse.spectral.spectral_summary` name
(computed once per distinct graph and process), the collapse measures of
:func:`netcollapse.measures.curves.collapse_measures`, ``predicted_rate`` (the
lazy-DeGroot slowest mode), for engines with a prediction the same measures of
the predicted curve (``pred_half_life``, ...), ``curve_error`` (RMS error of
``log ||D||_F`` against it, :func:`netcollapse.theory.degroot.curve_error`) and
``prediction_warning``, and timings. ``steps.parquet`` then has a
``predicted_frobenius`` column.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from netcollapse.errors import NetcollapseError, StorageError, bad
from netcollapse.sweeps.expand import Task, expand
from netcollapse.sweeps.folder import (
    TaskOutcome,
    load_outcomes,
    prepare_folder,
    save_outcome,
    write_tables,
)
from netcollapse.sweeps.spec import SweepSpec, load_sweep
from netcollapse.sweeps.task import error_outcome, run_task

__all__ = ["SweepResult", "TasksFailed", "run_sweep"]


class TasksFailed(NetcollapseError):
    """Some tasks of a sweep failed; their rows (and everything else) were written.

    Its ``exit_status`` is 1, which ``netcollapse`` exits with (2 means bad input).
    """

    exit_status = 1


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

    @property
    def failure(self) -> str | None:
        """``"3 of 10 tasks failed; first error: ..."``, or ``None`` when none failed.

        Examples
        --------
        >>> rows = pd.DataFrame({"status": ["ok", "error"], "error": [None, "boom"]})
        >>> SweepResult(Path("s"), rows, pd.DataFrame(), 2, 2, 0, 1, 0.1).failure
        '1 of 2 tasks failed; first error: boom'
        """
        if not self.errors:
            return None
        failed = self.results.loc[self.results["status"] != "ok", "error"]
        first = next((str(e) for e in failed if isinstance(e, str) and e), "no message")
        return f"{self.errors} of {self.n_tasks} tasks failed; first error: {first}"

    def tidy_steps(self) -> pd.DataFrame:
        """Per-step metrics with the sweep's axis values, replicate and seed as columns.

        Returns
        -------
        pandas.DataFrame
            :attr:`steps` joined on ``task_id`` with each task's swept parameters
            (``graph`` for named graphs, ``gmm.L`` for an axis, ...), ``replicate``
            and ``seed``: one row per task and step, ready for plotting by axis.

        Examples
        --------
        >>> import tempfile
        >>> spec = {"base": {"engine": "gmm", "T": 2, "graph": {"family": "ring", "n": 4}},
        ...         "axes": {"gmm.L": [2, 4]}}
        >>> with tempfile.TemporaryDirectory() as d:
        ...     tidy = run_sweep(spec, d, progress=False).tidy_steps()
        >>> len(tidy), sorted(tidy["gmm.L"].unique().tolist())
        (6, [2, 4])
        """
        params = sorted({k for t in self.tasks for k in t.params})
        keys = self.results[
            ["task_id", "replicate", "seed", *[c for c in params if c in self.results.columns]]
        ]
        return self.steps.merge(keys, on="task_id", how="left", validate="many_to_one")

    def raise_for_errors(self) -> SweepResult:
        """Return the result, or raise :class:`TasksFailed` if a task failed.

        Returns
        -------
        SweepResult
            ``self``.

        Raises
        ------
        TasksFailed
            With :attr:`failure` as its message.
        """
        if self.errors:
            raise TasksFailed(self.failure)
        return self


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
        Passed to :class:`netcollapse.sweeps.executors.RayExecutor`.

    Returns
    -------
    SweepResult

    Raises
    ------
    StorageError
        The disk is full or the folder read-only: one line naming the file; the
        finished tasks' files are whole, and the same call resumes once there is room.

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
    from netcollapse.sweeps.executors import make_executor

    start = time.perf_counter()
    sweep, base_dir = load_sweep(spec)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise bad("limit", limit, "an integer >= 0")
    pool = make_executor(executor, workers, address, **executor_options)
    tasks = expand(sweep, base_dir)
    out = prepare_folder(out, sweep.model_dump(mode="json"), tasks, base_dir)
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
    except BaseException:
        bar.close()
        with contextlib.suppress(StorageError):  # the first full-disk error is the one told
            write_tables(out, tasks, done)
        raise
    bar.close()
    results, steps = write_tables(out, tasks, done)
    errors = int((results["status"] != "ok").sum()) if len(results) else 0
    return SweepResult(
        out, results, steps, len(tasks), ran, skipped, errors, time.perf_counter() - start, tasks
    )


def _bar(total: int, initial: int, name: str, enabled: bool) -> Any:
    if not enabled:  # the plain class: tqdm.auto in a notebook without widgets warns
        from tqdm import tqdm as plain

        return plain(total=total, disable=True)
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=name,
        unit="task",
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )
