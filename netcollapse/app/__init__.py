"""The application layer: the ``netcollapse`` command, the demo, figures.

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
    shipped_dir,
)

__all__ = [
    "main",
    "run_demo",
    "shipped_dir",
]
