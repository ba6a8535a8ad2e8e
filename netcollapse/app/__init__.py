"""The application layer: the ``netcollapse`` command, the demo, shipped specs.

- :mod:`~netcollapse.app.cli`: the ``netcollapse`` command (``python -m netcollapse``):
  its argument parser and :func:`main`;
- :mod:`~netcollapse.app.commands`: the handlers of its subcommands;
- :mod:`~netcollapse.app.export`: ``netcollapse export``, a run's graph with node
  results as GraphML, GEXF or CSV;
- :mod:`~netcollapse.app.demo`: ``netcollapse demo`` / ``make demo``;
- :mod:`~netcollapse.app.prediction`: the predicted-vs-measured table and figure of
  ``netcollapse run`` and ``netcollapse predict``;
- :mod:`~netcollapse.app.profile`: the step-time split of ``netcollapse run --profile``;
- :mod:`~netcollapse.app.shipped`: the topology and experiment specs installed
  with the package, and short names for them.

Figures and HTML reports are one layer below, in :mod:`netcollapse.reports`.
Nothing below this layer imports it.
"""

from __future__ import annotations

from netcollapse.app.cli import (
    main,
)
from netcollapse.app.demo import (
    run_demo,
)
from netcollapse.app.export import (
    export_run,
)
from netcollapse.app.shipped import (
    resolve_spec,
    shipped_dir,
)

__all__ = [
    "export_run",
    "main",
    "resolve_spec",
    "run_demo",
    "shipped_dir",
]
