"""Reading a run or sweep folder for :mod:`netcollapse.reports.report`.

:func:`load_source` turns a finished run folder or a sweep folder into a
:class:`Source` (one tidy step table with a ``label`` per curve, the
configuration, the interventions), or raises a one-line error naming the folder
and what was expected; :func:`parse_steps` reads ``--steps``.

Examples
--------
>>> parse_steps("0,T", 15), parse_steps("3, 1", 5)
([0, 15], [1, 3])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from netcollapse.errors import NetcollapseError, bad

__all__ = ["EXPECTED", "Source", "load_source", "parse_steps"]

EXPECTED = (
    "a finished run folder (config.json, metrics.parquet, summary.json) or a sweep "
    "folder (sweep.json, results.parquet, steps.parquet)"
)

_SWEEP_FILES = ("sweep.json", "results.parquet", "steps.parquet", "tasks")
_RUN_FILES = ("config.json", "metrics.parquet", "nodes.parquet", "summary.json", "checkpoint")


@dataclass
class Source:
    """A run or sweep folder read for a report (``steps``: label, task, step, metrics)."""

    kind: str
    path: Path
    engine: str
    config: dict[str, Any]
    steps: pd.DataFrame
    events: list[dict[str, Any]]
    run: Any = None
    results: pd.DataFrame | None = None
    tasks: dict[str, Any] = field(default_factory=dict)  # sweep: task id -> Task
    folder: Any = None  # run: the RunFolder (netcollapse.runs.folder.load_run)
    legend: str = "topology"

    @property
    def T(self) -> int:  # noqa: N802 (the paper's name)
        """Return the last step."""
        return int(self.steps["step"].max())


def parse_steps(text: str | None, T: int) -> list[int]:
    """Parse ``--steps``: comma-separated integers in ``0..T`` or ``T``; default ``0,T``."""
    if text is None:
        return sorted({0, T})
    out = set()
    for part in (p.strip() for p in str(text).split(",")):
        if not (part.upper() == "T" or (part.isdigit() and int(part) <= T)):
            raise bad(
                "--steps",
                text,
                f"comma-separated steps in 0..{T} (integers, or T for the last), e.g. 0,T",
            )
        out.add(T if part.upper() == "T" else int(part))
    return sorted(out)


def _events(raw: Any) -> list[dict[str, Any]]:
    """Return the interventions of a configuration: dicts with an integer ``at``."""
    return (
        [e for e in raw if isinstance(e, dict) and type(e.get("at")) is int]
        if isinstance(raw, list)
        else []
    )


def load_source(path: str | Path) -> Source:
    """Read a finished run folder or a sweep folder (a one-line error otherwise)."""
    p = Path(path)
    # a folder with any file of a sweep (or a run) is read as one: a missing file is named
    sweep = p.is_dir() and any((p / f).exists() for f in _SWEEP_FILES)
    if not sweep and not (p.is_dir() and any((p / f).exists() for f in _RUN_FILES)):
        raise bad("RUN_OR_SWEEP_DIR", str(path), EXPECTED)
    try:
        return _load_sweep(p) if sweep else _load_run(p)
    except NetcollapseError:
        raise
    except (OSError, ValueError, KeyError) as exc:  # unreadable or malformed result files
        raise bad(
            "RUN_OR_SWEEP_DIR",
            str(path),
            f"readable result files ({type(exc).__name__}: "
            f"{(str(exc).splitlines() or [''])[0][:100]})",
        ) from None


def _load_run(p: Path) -> Source:
    from netcollapse.runs.folder import load_run

    folder = load_run(p)
    run = folder.result()
    label = str(folder.config["graph"].get("family", "run"))
    return Source(
        "run",
        p,
        folder.engine,
        folder.config,
        run.metrics.assign(label=label, task=0),
        _events(folder.events),
        run=run,
        folder=folder,
    )


def _load_sweep(p: Path) -> Source:
    from netcollapse.sweeps.expand import expand
    from netcollapse.sweeps.folder import read_sweep
    from netcollapse.sweeps.run import SweepResult
    from netcollapse.sweeps.spec import load_sweep

    if not (p / "results.parquet").is_file() or not (p / "steps.parquet").is_file():
        raise bad(
            "sweep",
            str(p),
            "a sweep folder with results.parquet and steps.parquet "
            "(written as tasks finish; none has finished yet)",
        )
    found = read_sweep(p)  # a damaged file: one DataError line naming it
    meta: dict[str, Any] = {"spec": found.spec, "tasks": found.listing}
    results = found.results
    if "status" not in results or not (results["status"] == "ok").any():
        raise bad("sweep", str(p), "a sweep folder with at least one finished task (status ok)")
    spec, base = load_sweep(meta["spec"])
    tasks = expand(spec, base or found.base_dir)
    # by the listing in sweep.json (the expansion's order) and by today's ids
    by_id = {
        **dict(zip([t.get("task_id") for t in meta.get("tasks", [])], tasks)),
        **{t.task_id: t for t in tasks},
    }
    names = [c for c in dict.fromkeys(k for t in tasks for k in t.params) if c in results]
    labels = {
        r["task_id"]: (
            ", ".join(f"{k}={r[k]}" for k in names)
            if len(names) > 1
            else str(r[names[0]])
            if names
            else str(r.get("family", "all tasks"))
        )
        for _, r in results.iterrows()
    }
    tidy = SweepResult(p, results, found.steps, len(tasks), 0, 0, 0, 0.0, tasks).tidy_steps()
    steps = tidy.assign(label=tidy["task_id"].map(labels), task=tidy["task_id"])
    engine = str(results["engine"].dropna().iloc[0]) if "engine" in results else "?"
    return Source(
        "sweep",
        p,
        engine,
        meta["spec"],
        steps,
        _events(meta["spec"].get("base", {}).get("interventions")),
        results=results.assign(label=results["task_id"].map(labels)),
        tasks=by_id,
        legend=names[0] if len(names) == 1 else "condition",
    )
