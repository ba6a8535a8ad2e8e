"""The sweep folder on disk: per-task files, resuming, and the two rebuilt tables.

A sweep folder::

    sweep.json         the sweep spec and its task list (id, replicate, seed, parameters)
    tasks/ID.json      one finished task's row, written atomically when it ends
    tasks/ID-steps.parquet   that task's per-step metrics
    results.parquet    one row per task (rebuilt from tasks/ periodically and at the end)
    steps.parquet      per-step metrics of every finished task, keyed by task_id
    predictors.csv     the predictor table (:func:`netcollapse.sweeps.analysis.predictor_table`)

A task's steps file is written before its row, and the row marks the task done:
a sweep killed with SIGKILL loses at most the tasks in flight, and re-running it
into the same folder (:func:`load_outcomes`) skips tasks whose row says ``ok``.
Rows are keyed by task id, so a task is never duplicated. Every file is written
atomically (temporary file, then rename) with the permissions the umask allows
(``0o666 & ~umask``), and every JSON file is strict JSON (NaN and infinities are
written as ``null``; :func:`netcollapse._json.dumps`). One sweep process per folder
at a time.

* :func:`prepare_folder` creates the folder and writes ``sweep.json``.
* :func:`save_outcome` writes one finished task's files.
* :func:`load_outcomes` reads back the finished tasks of a task list.
* :func:`write_tables` rebuilds ``results.parquet`` and ``steps.parquet``.
* :func:`read_sweep` reads a sweep folder back (the study and the report): a
  missing, truncated or garbled file is one
  :class:`~netcollapse.errors.DataError` line naming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._io import (
    atomic_write_text,
    make_dirs,
    read_json,
    read_parquet,
    remove_temporaries,
    write_parquet,
)
from netcollapse._json import dumps
from netcollapse.errors import DataError, bad

__all__ = [
    "MEASURE_COLUMNS",
    "PREDICTED_MEASURES",
    "STANCE_MEASURES",
    "TIMING_COLUMNS",
    "SweepFolder",
    "TaskOutcome",
    "load_outcomes",
    "prepare_folder",
    "read_sweep",
    "save_outcome",
    "write_tables",
]

#: Collapse-measure columns of a results row (besides the spectral predictors).
MEASURE_COLUMNS = (
    "half_life",
    "time_to_twice_floor",
    "floor",
    "area_above_floor",
    "late_rate",
    "late_start",
    "late_stop",
    "notes",
    "final_frobenius",
    "initial_frobenius",
    "predicted_rate",
)
#: Measures also computed on the predicted curve (columns ``pred_<name>``), where the
#: engine has a prediction; ``curve_error`` is the RMS error of ``log ||D||_F`` against it.
PREDICTED_MEASURES = (
    "half_life",
    "time_to_twice_floor",
    "floor",
    "area_above_floor",
    "late_rate",
)
#: Measures of the corrected stance disagreement (LLM tasks with ``llm.stances``),
#: columns ``stance_<name>``.
STANCE_MEASURES = ("half_life", "excess_half_life", "retained_share", "floor")
#: The key of a task row file that names its NaN and infinite values (``{"slem": "nan"}``):
#: strict JSON writes them as ``null``, and a resumed sweep must read back what it wrote.
NONFINITE = "nonfinite_floats"
#: Timing columns, last in a results row.
TIMING_COLUMNS = ("seconds_graph", "seconds_spectral", "seconds_run", "seconds_total", "worker")


@dataclass(frozen=True)
class TaskOutcome:
    """What a task returns: its results row and its per-step metrics (``None`` on error)."""

    row: dict[str, Any]
    steps: pd.DataFrame | None = None


_PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"
_IN_PACKAGE = "package:"


def _portable_base(base_dir: str | Path | None) -> str | None:
    """Return ``base_dir`` as ``sweep.json`` records it.

    Inside the package's data folder it is written relative to it
    (``package:experiments``), so that a shipped sweep's relative paths resolve on any
    machine; elsewhere as an absolute path.
    """
    if base_dir is None:
        return None
    p = Path(base_dir).resolve()
    try:
        return _IN_PACKAGE + p.relative_to(_PACKAGE_DATA).as_posix()
    except ValueError:
        return str(p)


def _resolve_base(recorded: Any) -> Path | None:
    """Return the folder a recorded ``base_dir`` names here (``None`` if it is gone)."""
    if not isinstance(recorded, str):
        return None
    if recorded.startswith(_IN_PACKAGE):
        p = _PACKAGE_DATA / recorded[len(_IN_PACKAGE) :]
    else:
        p = Path(recorded)
    return p if p.is_dir() else None


def prepare_folder(
    out: str | Path, spec: dict[str, Any], tasks: list[Any], base_dir: str | Path | None = None
) -> Path:
    """Create the sweep folder (and ``tasks/``) and write ``sweep.json`` atomically.

    Temporary files a sweep killed while writing left in the folder are removed
    (one sweep process per folder).

    Parameters
    ----------
    out : str or Path
        Sweep folder, created if missing.
    spec : dict
        The sweep spec as JSON-able data.
    tasks : list of Task
        Listed in ``sweep.json`` by id, index, replicate, seed and parameters.
    base_dir : str or Path, optional
        The folder the spec's relative paths (graph files, corpora) are relative to;
        recorded so that readers of the folder resolve them as the sweep did.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    SpecError
        If ``out`` exists and is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     folder = prepare_folder(Path(d) / "s", {"name": "s"}, [])
    ...     sorted(p.name for p in folder.iterdir())
    ['sweep.json', 'tasks']
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise bad("out", str(out), "a folder")
    make_dirs(out / "tasks")
    for folder in (out, out / "tasks"):  # what a sweep killed while writing left
        remove_temporaries(folder)
    listing = [
        {
            "task_id": t.task_id,
            "index": t.index,
            "replicate": t.replicate,
            "seed": t.seed,
            "params": t.params,
        }
        for t in tasks
    ]
    meta = {"spec": spec, "base_dir": _portable_base(base_dir), "tasks": listing}
    atomic_write_text(out / "sweep.json", dumps(meta, indent=1))
    return out


def _task_files(out: Path, tid: str) -> tuple[Path, Path]:
    return out / "tasks" / f"{tid}.json", out / "tasks" / f"{tid}-steps.parquet"


def save_outcome(out: Path, outcome: TaskOutcome) -> None:
    """Write a finished task's files: steps first, then the row (which marks it done).

    Parameters
    ----------
    out : Path
        Sweep folder (with its ``tasks/`` folder).
    outcome : TaskOutcome
        Its row must hold ``task_id``.

    Examples
    --------
    >>> import tempfile
    >>> from types import SimpleNamespace
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = Path(d)
    ...     (out / "tasks").mkdir()
    ...     save_outcome(out, TaskOutcome({"task_id": "a1", "status": "error"}))
    ...     found = load_outcomes(out, [SimpleNamespace(task_id="a1")])
    >>> found["a1"].row
    {'task_id': 'a1', 'status': 'error'}
    """
    row_path, steps_path = _task_files(out, outcome.row["task_id"])
    if outcome.steps is not None:
        write_parquet(steps_path, outcome.steps)  # first: the row marks the task done
    row = dict(outcome.row)
    special = {k: repr(float(v)) for k, v in row.items() if _nonfinite(v)}
    if special:  # strict JSON writes them as null: name them, so they read back as they were
        row[NONFINITE] = special
    atomic_write_text(row_path, dumps(row))


def _nonfinite(value: Any) -> bool:
    return isinstance(value, float | np.floating) and not math.isfinite(value)


def _float(text: Any) -> float | None:
    """``float("nan" | "inf" | "-inf")``; ``None`` for anything else."""
    return float(text) if text in ("nan", "inf", "-inf") else None


def load_outcomes(out: Path, tasks: list[Any]) -> dict[str, TaskOutcome]:
    """Rows (and steps of ok rows) already in the folder for these tasks.

    Parameters
    ----------
    out : Path
        Sweep folder.
    tasks : list of Task
        Only these tasks' files are read; unreadable files are ignored (the task
        runs again).

    Returns
    -------
    dict of str to TaskOutcome
        By task id.

    Examples
    --------
    >>> import tempfile
    >>> from types import SimpleNamespace
    >>> with tempfile.TemporaryDirectory() as d:
    ...     load_outcomes(Path(d), [SimpleNamespace(task_id="missing")])
    {}
    """
    found: dict[str, TaskOutcome] = {}
    for task in tasks:
        row_path, steps_path = _task_files(out, task.task_id)
        if not row_path.is_file():
            continue
        try:
            row = read_json(row_path, "a finished task's row")
            steps = read_parquet(steps_path) if row.get("status") == "ok" else None
        except DataError:  # missing, truncated or garbled: run it again
            continue
        if row.get("task_id") == task.task_id:
            special = row.pop(NONFINITE, None)
            if isinstance(special, dict):  # NaN and infinities, written as null
                values = {k: _float(v) for k, v in special.items() if k in row}
                if None in values.values():  # garbled: run it again
                    continue
                row.update(values)
            else:  # a row written before NONFINITE: NaN measures were written as null
                predicted = [f"pred_{m}" for m in PREDICTED_MEASURES] + ["curve_error"]
                stance = [f"stance_{m}" for m in STANCE_MEASURES]
                for key in [*MEASURE_COLUMNS, *predicted, *stance]:
                    if key in row and row[key] is None:
                        row[key] = math.nan
            found[task.task_id] = TaskOutcome(row, steps)
    return found


def _order_columns(frame: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    head = [
        "task_id",
        "status",
        "error",
        "replicate",
        "seed",
        *params,
        "family",
        "engine",
        "graph_id",
    ]
    tail = [*MEASURE_COLUMNS, *TIMING_COLUMNS]
    first = [c for c in head if c in frame.columns]
    last = [c for c in tail if c in frame.columns]
    middle = [c for c in frame.columns if c not in first and c not in last]
    return frame[first + middle + last]


def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding several Python types become strings (parquet needs one type)."""
    for col in frame.columns:
        if frame[col].dtype == object:
            kinds = {type(v) for v in frame[col] if v is not None and v == v}
            if len(kinds) > 1:
                frame[col] = [None if v is None else str(v) for v in frame[col]]
    return frame


def _tables(tasks: list[Any], done: dict[str, TaskOutcome]) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = list(dict.fromkeys(k for t in tasks for k in t.params))
    rows = [
        {k: v for k, v in done[t.task_id].row.items() if k != "traceback"}
        for t in tasks
        if t.task_id in done
    ]
    results = (
        _arrow_safe(_order_columns(pd.DataFrame(rows), params))
        if rows
        else pd.DataFrame(columns=["task_id", "status", "error", "replicate", "seed", *params])
    )
    frames = [
        done[t.task_id].steps
        for t in tasks
        if t.task_id in done and done[t.task_id].steps is not None
    ]
    steps = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["task_id"])
    return results, steps


def write_tables(out: Path, tasks: list[Any], done: dict[str, TaskOutcome]) -> tuple:
    """Rebuild ``results.parquet`` and ``steps.parquet`` (atomically) from the outcomes.

    Parameters
    ----------
    out : Path
        Sweep folder.
    tasks : list of Task
        The sweep's tasks, in order (rows follow it; swept parameters become columns).
    done : dict of str to TaskOutcome
        Outcomes by task id; tasks without one have no row.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The results and steps tables as written (tracebacks left out).

    Examples
    --------
    >>> import tempfile
    >>> from types import SimpleNamespace
    >>> task = SimpleNamespace(task_id="a1", params={"graph.n": 4})
    >>> done = {"a1": TaskOutcome({"task_id": "a1", "status": "ok", "graph.n": 4},
    ...                           pd.DataFrame({"task_id": ["a1"], "t": [0]}))}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     results, steps = write_tables(Path(d), [task], done)
    ...     back = pd.read_parquet(Path(d) / "results.parquet")
    >>> list(back.columns), len(steps)
    (['task_id', 'status', 'graph.n'], 1)
    """
    results, steps = _tables(tasks, done)
    write_parquet(out / "results.parquet", results)
    write_parquet(out / "steps.parquet", steps)
    return results, steps


@dataclass(frozen=True)
class SweepFolder:
    """A sweep folder as read by :func:`read_sweep`.

    Attributes
    ----------
    path : Path
    spec : dict
        The sweep spec (``sweep.json``'s ``spec``).
    listing : list of dict
        ``sweep.json``'s task list (id, index, replicate, seed, parameters).
    results : pandas.DataFrame
        One row per finished task (``results.parquet``).
    steps : pandas.DataFrame
        Per-step metrics of the finished tasks (``steps.parquet``).
    base_dir : Path or None
        The folder the spec's relative paths are relative to, where it exists on this
        machine (``None`` for folders written before it was recorded).
    """

    path: Path
    spec: dict[str, Any]
    listing: list[dict[str, Any]]
    results: pd.DataFrame
    steps: pd.DataFrame
    base_dir: Path | None = None


def read_sweep(out: str | Path) -> SweepFolder:
    """Read a sweep folder's ``sweep.json``, ``results.parquet`` and ``steps.parquet``.

    Parameters
    ----------
    out : str or Path

    Returns
    -------
    SweepFolder

    Raises
    ------
    DataError
        One line naming the file when one is missing (no task has finished
        yet), truncated or garbled, or lacks what every sweep folder holds.

    Examples
    --------
    >>> import tempfile
    >>> read_sweep(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcollapse.errors.DataError: sweep.json: got '.../sweep.json' missing, expected ...
    """
    p = Path(out)
    path = p / "sweep.json"
    meta = read_json(path, "a sweep folder's spec and task list")
    spec, listing = meta.get("spec"), meta.get("tasks", [])
    if not isinstance(spec, dict) or not isinstance(listing, list):
        raise DataError(
            f"sweep.json: got keys {sorted(meta)[:8]} in {str(path)!r}, expected a sweep "
            "spec (a mapping under spec) and its task list (a list under tasks)"
        )
    written = "(written as tasks finish: none has finished yet)"
    results = read_parquet(
        p / "results.parquet", f"one row per finished task {written}", ("task_id", "status")
    )
    steps = read_parquet(
        p / "steps.parquet", f"the finished tasks' per-step metrics {written}", ("task_id",)
    )
    return SweepFolder(p, spec, listing, results, steps, _resolve_base(meta.get("base_dir")))
