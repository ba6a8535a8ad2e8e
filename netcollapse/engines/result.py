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

    def _file(self, name: str) -> Path:
        if self.path is None or not (self.path / name).is_file():
            raise bad("run", str(self.path), f"a finished LLM run folder with {name}")
        return self.path / name

    def embeddings(self) -> np.ndarray:
        """Embedded answers of a finished LLM run, shape ``(T + 1, n, L, d)``.

        Returns
        -------
        numpy.ndarray
            ``[t, i, l]`` is node *i*'s ``l``-th answer in round ``t``; pass it as it
            is to :func:`~netcollapse.measures.perspective.perspective_space`.
        """
        with np.load(self._file("embeddings.npz")) as data:
            return data["samples"]

    def responses(self) -> pd.DataFrame:
        """Every answer of a finished LLM run, with the texts of the context it read.

        Returns
        -------
        pandas.DataFrame
            ``step``, ``node``, ``sample``, ``text``, ``published``, ``context``
            (``(source, doc)`` pairs; source ``-1`` is the human corpus) and
            ``context_texts`` (the documents themselves, in the order read).

        Notes
        -----
        A store's documents are its seed posts (if any) followed by its node's
        published answers in round order, ``publish`` per round, so
        ``(source, doc)`` resolves without the stores; the human corpus and the
        seed posts are in the folder's ``sources.json``.
        """
        frame = pd.read_json(self._file("responses.jsonl"), lines=True)
        src = json.loads(self._file("sources.json").read_text())
        human, seeds, publish = src["human"], src["seeds"], int(src["publish"])
        posted = {
            (int(r.node), int(r.step), int(r.sample)): r.text
            for r in frame.itertuples(index=False)
            if r.published
        }

        def text(source: int, doc: int) -> str:
            if source < 0:
                return human[doc]
            m = len(seeds[source]) if seeds else 0
            if doc < m:
                return seeds[source][doc]
            step, sample = divmod(doc - m, publish)
            return posted[(source, step, sample)]

        frame["context_texts"] = [[text(int(a), int(b)) for a, b in c] for c in frame["context"]]
        return frame

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
