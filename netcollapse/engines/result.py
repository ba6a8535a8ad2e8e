"""What a run leaves behind: :class:`RunResult`, tidy tables read from memory or a run folder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netcollapse.errors import bad
from netcollapse.measures.curves import collapse_measures

__all__ = ["RunResult"]


@dataclass(frozen=True)
class RunResult:
    """What a run leaves behind, as DataFrames.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per step (``step``, ``frobenius``, ``spread``, ``drift``,
        ``synthetic_share``, ...).
    nodes : pandas.DataFrame
        One row per node and step.
    config : dict
        The resolved configuration.
    path : Path or None
        The run folder, if the run was written to disk.
    """

    metrics: pd.DataFrame
    nodes: pd.DataFrame
    config: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def frobenius(self) -> np.ndarray:
        """The trajectory ``||D(t)||_F``."""
        return self.metrics["frobenius"].to_numpy(dtype=float)

    def measures(self, tail: float = 0.2) -> dict[str, float | int | str]:
        """Return the collapse measures of the ``||D||_F`` trajectory (``collapse_measures``).

        Parameters
        ----------
        tail : float
            Share of the last steps whose mean is the floor.

        Returns
        -------
        dict
            Half-life, time to twice the floor, floor, area above the floor,
            late-window rate and its window, NaN reasons, first and last value.
        """
        return collapse_measures(self.frobenius, tail=tail)

    def to_frame(self) -> pd.DataFrame:
        """Return the per-step metrics table."""
        return self.metrics

    @classmethod
    def load(cls, path: str | Path) -> RunResult:
        """Read a finished (or checkpointed) run folder.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        RunResult
        """
        p = Path(path)
        if not (p / "metrics.parquet").is_file():
            raise bad("run", str(path), "a run folder with metrics.parquet")
        cfg = json.loads((p / "config.json").read_text()) if (p / "config.json").is_file() else {}
        nodes = pd.read_parquet(p / "nodes.parquet") if (p / "nodes.parquet").is_file() else None
        return cls(pd.read_parquet(p / "metrics.parquet"), nodes, cfg, p)
