"""Sweep specs: the pydantic model of a sweep and its validation.

The format (``base``, ``axes``, ``zip``, ``graphs``, ``seeds``, ``seed``, ``T``) is
described in :mod:`netcollapse.sweeps.run`, which expands a spec into tasks and runs them.

* :class:`SweepSpec` is the validated mapping.
* :func:`load_sweep` reads a YAML file or a mapping and checks it.
* :func:`check_axis_path` checks one dotted axis path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from netcollapse._spec import read_yaml, validate
from netcollapse.engines.spec import GMMSpec, LLMSpec
from netcollapse.errors import bad
from netcollapse.graphs.size import machine_memory, too_big
from netcollapse.graphs.spec import TOPOLOGY_MODELS, parse_topology
from netcollapse.retrieval.settings import Retrieval

__all__ = [
    "TASK_BYTES",
    "SweepSpec",
    "axis_values",
    "check_axis_path",
    "check_sweep",
    "check_task_count",
    "load_sweep",
    "task_count",
]

TASK_BYTES = 2048
"""Lower bound of the memory one task of a sweep holds while the sweep runs."""

_SECTIONS: dict[str, type[BaseModel]] = {
    "retrieval": Retrieval,
    "gmm": GMMSpec,
    "llm": LLMSpec,
}
_PATH_HINT = (
    "a run-spec parameter path such as graph.family, graph.n, graph.p, retrieval.memory, "
    "retrieval.beta, gmm.L, llm.L, engine or T"
)


# --------------------------------------------------------------------------- spec
class SweepSpec(BaseModel):
    """A sweep: a base run spec, axes to vary, and replicate seeds.

    Attributes
    ----------
    name, description : str
    base : dict
        A run spec mapping (see :func:`netcollapse.runs.spec.parse_run`); its ``graph``
        may be missing when ``graphs`` or ``graph.*`` axes give it. No ``seed``:
        replicate seeds come from ``seed`` and ``seeds``.
    axes : dict of str to list
        Dotted run-spec paths (``graph.n``, ``retrieval.memory``, ``gmm.L``,
        ``engine``, ...) to non-empty lists of values.
    zip : list of list of str
        Groups of axis names (``graph`` for the ``graphs`` axis) varied together.
    graphs : dict of str to dict, optional
        Named graph specs, one axis (column ``graph`` holds the name); ``graph.*``
        axes are applied on top.
    seeds : int or list of int
        Number of replicates, or explicit replicate seeds.
    seed : int
        Sweep seed.
    T : int, optional
        Overrides ``base.T``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = "sweep"
    description: str = ""
    base: dict[str, Any]
    axes: dict[str, list[Any]] = Field(default_factory=dict)
    zip: list[list[str]] = Field(default_factory=list)
    graphs: dict[str, dict[str, Any]] | None = None
    seeds: int | list[int] = 1
    seed: int = Field(default=0, ge=0)
    T: int | None = Field(default=None, ge=1)


def _graph_fields() -> set[str]:
    return {name for model in TOPOLOGY_MODELS.values() for name in model.model_fields}


def check_axis_path(path: str) -> None:
    """Check that ``path`` names a run-spec parameter a sweep can vary.

    Parameters
    ----------
    path : str
        Dotted path, e.g. ``"graph.n"``, ``"retrieval.memory"``, ``"llm.defaults.temperature"``.

    Raises
    ------
    SpecError
        ``axes: got 'PATH', expected a run-spec parameter path ...``.

    Examples
    --------
    >>> check_axis_path("gmm.L")
    >>> check_axis_path("gmm.LL")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: axes: got 'gmm.LL', expected a run-spec parameter path \
such as graph.family, graph.n, graph.p, retrieval.memory, retrieval.beta, gmm.L, llm.L, engine or T
    """
    parts = str(path).split(".")
    root = parts[0]
    if root == "seed" and len(parts) == 1:
        raise bad("axes", path, "no seed axis (replicate seeds come from 'seeds' and 'seed')")
    if root in ("engine", "T") and len(parts) == 1:
        return
    if root == "graph" and len(parts) == 2 and parts[1] in _graph_fields():
        return
    if root in _SECTIONS and len(parts) >= 2:
        model: type[BaseModel] | None = _SECTIONS[root]
        for part in parts[1:]:
            if model is None or part not in model.model_fields:
                break
            ann = model.model_fields[part].annotation
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        else:
            return
    raise bad("axes", path, _PATH_HINT)


def check_sweep(sweep: SweepSpec) -> None:
    """Check what the model alone cannot: axis paths, zip groups, seeds, named graphs.

    Parameters
    ----------
    sweep : SweepSpec

    Raises
    ------
    SpecError
        One line naming the field.
    """
    for path, values in sweep.axes.items():
        check_axis_path(path)
        if not values:
            raise bad(f"axes.{path}", values, "a non-empty list of values")
    if sweep.graphs is not None:
        if not sweep.graphs:
            raise bad("graphs", {}, "at least one named graph spec")
        if "graph" in sweep.axes:
            raise bad("axes", "graph", "graph.* paths (named graphs go under graphs:)")
        for name, g in sweep.graphs.items():
            parse_topology(g, prefix=f"graphs.{name}.")
    names = set(sweep.axes) | ({"graph"} if sweep.graphs is not None else set())
    seen: set[str] = set()
    for i, group in enumerate(sweep.zip):
        if len(group) < 2:
            raise bad(f"zip.{i}", group, "a group of at least 2 axis names")
        for name in group:
            if name not in names:
                raise bad(f"zip.{i}", name, f"an axis name, one of {', '.join(sorted(names))}")
            if name in seen:
                raise bad(f"zip.{i}", name, "each axis in at most one zip group")
            seen.add(name)
        sizes = {len(axis_values(sweep, name)) for name in group}
        if len(sizes) > 1:
            raise bad(f"zip.{i}", group, "axes with the same number of values")
    if isinstance(sweep.seeds, int):
        if sweep.seeds < 1:
            raise bad("seeds", sweep.seeds, "a number of replicates >= 1 or a list of seeds")
    elif not sweep.seeds or min(sweep.seeds) < 0 or len(set(sweep.seeds)) != len(sweep.seeds):
        raise bad("seeds", sweep.seeds, "a non-empty list of distinct seeds >= 0")
    check_task_count(sweep)
    if "seed" in sweep.base:
        raise bad(
            "base.seed",
            sweep.base["seed"],
            "no seed in base (replicate seeds come from the sweep's seed and seeds)",
        )


def task_count(sweep: SweepSpec) -> int:
    """Count the tasks of a checked sweep: conditions (a zip group counts once) x replicates.

    Examples
    --------
    >>> s, _ = load_sweep({"base": {"engine": "gmm", "T": 3}, "seeds": 2,
    ...                    "axes": {"graph.family": ["ring", "complete"], "graph.n": [4, 5, 6]}})
    >>> task_count(s)
    12
    """
    names = (["graph"] if sweep.graphs is not None else []) + list(sweep.axes)
    group_of = {name: tuple(g) for g in sweep.zip for name in g}
    count = len(sweep.seeds) if isinstance(sweep.seeds, list) else int(sweep.seeds)
    for group in dict.fromkeys(group_of.get(name, (name,)) for name in names):
        count *= len(axis_values(sweep, group[0]))
    return count


def check_task_count(sweep: SweepSpec) -> None:
    """Refuse a sweep whose task list alone cannot fit this machine's memory.

    Each task holds at least :data:`TASK_BYTES` (its resolved run spec, its id, its
    row), so a sweep may have at most ``machine_memory() // TASK_BYTES`` tasks.

    Raises
    ------
    SpecError
        ``seeds: got 2147483648, expected at most N on this machine (...)`` (or
        ``axes`` when the conditions alone are too many).
    """
    count = task_count(sweep)
    most = machine_memory() // TASK_BYTES
    if count <= most:
        return
    replicates = len(sweep.seeds) if isinstance(sweep.seeds, list) else int(sweep.seeds)
    conditions = count // replicates
    if conditions <= most:
        value = sweep.seeds if isinstance(sweep.seeds, int) else f"{replicates} seeds"
        raise too_big("seeds", value, most // conditions, count * TASK_BYTES, None)
    raise too_big("axes", f"{conditions} conditions", most, count * TASK_BYTES, None)


def axis_values(sweep: SweepSpec, name: str) -> list[Any]:
    """Return the values of one axis (``"graph"``: the names of the named graphs)."""
    if name == "graph" and sweep.graphs is not None:
        return list(sweep.graphs)
    return list(sweep.axes[name])


def load_sweep(spec: str | Path | dict[str, Any] | SweepSpec) -> tuple[SweepSpec, Path | None]:
    """Read and validate a sweep spec.

    Parameters
    ----------
    spec : str, Path, dict or SweepSpec
        A YAML file, a mapping or a validated spec.

    Returns
    -------
    (SweepSpec, Path or None)
        The spec and the folder its relative paths are read from.

    Raises
    ------
    SpecError
        One line naming the field, e.g. ``axes.graph.n: got [], expected a non-empty list``.

    Examples
    --------
    >>> s, _ = load_sweep({"base": {"engine": "gmm", "T": 3}, "seeds": 2,
    ...                    "axes": {"graph.family": ["ring", "complete"], "graph.n": [4]}})
    >>> s.seeds, list(s.axes)
    (2, ['graph.family', 'graph.n'])
    >>> load_sweep({"base": {"engine": "gmm", "T": 3}, "axes": {"graph.n": []}})
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: axes.graph.n: got [], expected a non-empty list of values
    """
    base_dir = None
    if isinstance(spec, SweepSpec):
        sweep = spec
    else:
        if not isinstance(spec, dict):
            base_dir = Path(spec).resolve().parent
            spec = read_yaml(spec)
        sweep = validate(SweepSpec, spec)
    check_sweep(sweep)
    return sweep, base_dir
