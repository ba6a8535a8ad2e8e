"""Sweep expansion: a sweep spec -> conditions x replicate seeds -> tasks with stable ids.

The conditions are the cartesian product of the axes (a zip group counts as one
axis); every condition runs once per replicate. Replicate ``r`` has the seed
``SeedSequence(seed).spawn(seeds)[r]`` and **the same seed is used in every
condition** (common random numbers, as Mesa's ``batch_run`` does), so differences
between conditions are not blurred by different draws; the graph of a random
family is built from that seed too unless the graph spec fixes ``seed``.

Each task has a stable id, the first 12 hex digits of the sha256 of its resolved
run spec (defaults filled in, seed included, ``name``/``description`` left out):
the same condition and seed give the same id in every sweep that contains them.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from netcollapse.errors import SpecError, bad
from netcollapse.graphs.spec import parse_topology
from netcollapse.runs.budget import check_total, estimate_run
from netcollapse.runs.spec import RunSpec, parse_run
from netcollapse.sweeps.spec import SweepSpec, axis_values, check_sweep, load_sweep

__all__ = ["Task", "expand", "replicate_seeds"]


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
        columns = [axis_values(sweep, g) for g in group]
        factors.append([dict(zip(group, vals)) for vals in zip(*columns)])
    return factors


#: Fields added after sweeps were run, with their empty value: left out of the hash
#: while they hold it, so the ids of earlier sweeps' tasks do not change.
ADDED_LATER: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("interventions",), []),
    (("llm", "quantize"), None),
    (("llm", "stances", "persist"), True),
)


def _canonical(parsed: RunSpec) -> dict[str, Any]:
    """Return the resolved spec with defaults filled in (what the task id hashes)."""
    out = parsed.model_dump(mode="json", exclude={"name", "description"})
    out["graph"] = parse_topology(parsed.graph, prefix="graph.").model_dump(mode="json")
    for path, empty in ADDED_LATER:
        parent: Any = out
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and parent.get(path[-1], empty) == empty:
            parent.pop(path[-1], None)
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
        check_sweep(sweep)
    seeds = replicate_seeds(sweep.seeds, sweep.seed)
    tasks: list[Task] = []
    seen: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    peak, seconds = 0, 0.0  # the largest task's memory, all tasks' time (lower bounds)
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
                parsed = parse_run(spec)
                canonical = _canonical(parsed)
                cost = estimate_run(parsed)
                peak, seconds = max(peak, cost.memory), seconds + cost.seconds
            except SpecError as exc:
                error, canonical = str(exc), spec
                errors.append(error)
            tid = _task_id(canonical)
            if tid in seen:
                raise bad("axes", params, f"distinct conditions (same run spec as {seen[tid]})")
            seen[tid] = params
            tasks.append(
                Task(
                    task_id=tid,
                    index=len(tasks),
                    replicate=r,
                    seed=s,
                    params=params,
                    spec=spec,
                    engine=str(spec.get("engine", "gmm")),
                    base_dir=None if base_dir is None else str(base_dir),
                    error=error,
                )
            )
    if tasks and len(errors) == len(tasks):
        raise SpecError(errors[0])
    check_total(seconds, peak, "seeds", sweep.seeds)
    return tasks


# --------------------------------------------------------------------------- sweep
