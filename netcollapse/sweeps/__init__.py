"""Sweeps: a grid of run specs x replicate seeds -> tasks -> an executor -> one tidy table.

- :mod:`~netcollapse.sweeps.spec`: the sweep spec (base run, axes, zip, seeds);
- :mod:`~netcollapse.sweeps.expand`: conditions x seeds -> :class:`Task` with stable ids;
- :mod:`~netcollapse.sweeps.task`: one task on a worker (graph, predictors, run, measures);
- :mod:`~netcollapse.sweeps.executors`: serial, process pool, Ray;
- :mod:`~netcollapse.sweeps.folder`: the sweep folder (per-task files, tables, resume);
- :mod:`~netcollapse.sweeps.run`: :func:`run_sweep`;
- :mod:`~netcollapse.sweeps.analysis`: predictor-vs-measure correlation tables.
"""

from __future__ import annotations

from netcollapse.sweeps.analysis import format_predictor_table, predictor_table
from netcollapse.sweeps.executors import (
    EXECUTORS,
    make_executor,
)
from netcollapse.sweeps.expand import (
    Task,
    expand,
)
from netcollapse.sweeps.run import (
    SweepResult,
    run_sweep,
)
from netcollapse.sweeps.spec import (
    SweepSpec,
    load_sweep,
)
from netcollapse.sweeps.task import (
    run_task,
)

__all__ = [
    "EXECUTORS",
    "SweepResult",
    "SweepSpec",
    "Task",
    "expand",
    "format_predictor_table",
    "load_sweep",
    "make_executor",
    "predictor_table",
    "run_sweep",
    "run_task",
]
