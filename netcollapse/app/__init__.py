"""The application layer: the ``netcollapse`` command, the demo, figures, shipped specs.

- :mod:`~netcollapse.app.cli`: the ``netcollapse`` command (``python -m netcollapse``);
- :mod:`~netcollapse.app.demo`: ``netcollapse demo`` / ``make demo``;
- :mod:`~netcollapse.app.plotting`: figures of collapse curves and predictors;
- :mod:`~netcollapse.app.figures`: what plots and report figures draw alike;
- :mod:`~netcollapse.app.shipped`: the topology and experiment specs installed
  with the package, and short names for them.

Nothing below this layer imports it.
"""

from __future__ import annotations

from netcollapse.app.cli import (
    main,
)
from netcollapse.app.demo import (
    run_demo,
)
from netcollapse.app.shipped import (
    resolve_spec,
    shipped_dir,
)

__all__ = [
    "main",
    "resolve_spec",
    "run_demo",
    "shipped_dir",
]
