"""Runs: from a run spec to a run folder, and from a run folder back to its parts.

- :mod:`~netcollapse.runs.spec`: :class:`RunSpec` and :func:`parse_run`;
- :mod:`~netcollapse.runs.runner`: spec -> graph -> engine -> run folder
  (:func:`run_spec`), and the predicted curve of a spec (:func:`predict_spec`);
- :mod:`~netcollapse.runs.folder`: :func:`load_run`, the one reader of a run folder
  (configuration, the run's own graph, stances, schedule, tables).
"""

from __future__ import annotations

from netcollapse.runs.folder import RunFolder, load_run
from netcollapse.runs.runner import (
    build_graph,
    build_web,
    load_run_spec,
    predict_spec,
    predict_web,
    run_spec,
)
from netcollapse.runs.spec import RunSpec, parse_run, run_graph

__all__ = [
    "RunFolder",
    "RunSpec",
    "build_graph",
    "build_web",
    "load_run",
    "load_run_spec",
    "parse_run",
    "predict_spec",
    "predict_web",
    "run_graph",
    "run_spec",
]
