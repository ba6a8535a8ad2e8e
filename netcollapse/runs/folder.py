"""The one reader of a run folder: configuration, the run's own graph, stances, schedule, tables.

Everything that reads a finished (or interrupted) run goes through
:func:`load_run`: the stance study and its calibration, ``netcollapse report``,
predictions of a finished run and ``netcollapse run --resume``'s checks. The
graph is rebuilt by the one rule (:func:`netcollapse.runs.spec.run_graph`: the
graph spec's own ``seed``, which ``config.json`` always records, else the run
seed), so every reader sees the ``W`` the run read from.

Every file is read through :mod:`netcollapse._io`'s readers: a missing,
truncated or garbled file is one :class:`~netcollapse.errors.DataError` line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._io import read_json, read_parquet
from netcollapse.engines.checkpoint import read_checkpoint
from netcollapse.engines.result import RunResult
from netcollapse.errors import DataError
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.runs.spec import run_graph
from netcollapse.scenarios.interventions import Schedule

__all__ = ["GMM_KEYS", "RunFolder", "load_run"]

#: The GMM parameters a GMM run's ``config.json`` holds at its top level.
GMM_KEYS = ("B", "means", "cov", "a", "L", "alpha", "c", "eps", "A0")

_CONFIG = "the run's configuration (written when the run starts)"


@dataclass(frozen=True)
class RunFolder:
    """A run folder as read by :func:`load_run`.

    Attributes
    ----------
    path : Path
    config : dict
        ``config.json``: the resolved configuration.
    metrics : pandas.DataFrame
        One row per row of the run (``step = 0 .. T``).
    nodes : pandas.DataFrame or None
        One row per node and row (``None`` while the run is unfinished).
    summary : dict or None
        ``summary.json`` (written last): ``None`` for an unfinished run.
    """

    path: Path
    config: dict[str, Any]
    metrics: pd.DataFrame
    nodes: pd.DataFrame | None
    summary: dict[str, Any] | None

    @property
    def engine(self) -> str:
        """Return ``"gmm"`` or ``"llm"``."""
        return str(self.config["engine"])

    @property
    def seed(self) -> int:
        """Return the run's root seed."""
        return int(self.config["seed"])

    @property
    def finished(self) -> bool:
        """Return whether the run finished (``summary.json`` exists)."""
        return self.summary is not None

    @property
    def T(self) -> int:  # noqa: N802 (the paper's name)
        """Return the last row read (``T`` of a finished run)."""
        return int(self.metrics["step"].max())

    @property
    def events(self) -> list[dict[str, Any]]:
        """Return the run's interventions as written in ``config.json`` (may be empty)."""
        return list(self.config.get("interventions") or [])

    @property
    def stances(self) -> dict[str, Any]:
        """Return the ``stances`` record of an LLM run with seeded stances (else ``{}``)."""
        return dict(self.config.get("stances") or {})

    @cached_property
    def graph(self) -> RetrievalGraph:
        """Return the run's own retrieval graph (rows before any ``graph`` event)."""
        return run_graph(self.config["graph"], self.seed)

    @cached_property
    def schedule(self) -> Schedule:
        """Return the effective graph of every row, as the engine computed it."""
        return Schedule(self.graph, self.events, seed=self.seed)

    def seed_stance(self) -> np.ndarray:
        """Return each node's seed stance readout (an LLM run with ``llm.stances``).

        Raises
        ------
        DataError
            If the run has no seeded stances.
        """
        if "seed_stance" not in self.stances:
            raise DataError(
                f"run: got {str(self.path)!r}, expected an LLM run with llm.stances "
                "(config.json stances.seed_stance)"
            )
        return np.asarray(self.stances["seed_stance"], dtype=float)

    def column(self, name: str) -> np.ndarray:
        """Return a metrics column as floats (one line naming it when it is missing)."""
        if name not in self.metrics.columns:
            raise DataError(
                f"metrics.parquet: got no column {name!r} in {str(self.path)!r}, expected "
                + ("an LLM run with llm.stances" if name.startswith("stance") else "that column")
            )
        return self.metrics[name].to_numpy(float)

    def gmm_spec(self) -> dict[str, Any]:
        """Return the run spec mapping of a GMM run (to predict it with its own settings)."""
        if self.engine != "gmm":
            raise DataError(f"run: got an {self.engine} run in {str(self.path)!r}, expected GMM")
        cfg = self.config
        return {
            "engine": "gmm",
            "T": self.T,
            "seed": self.seed,
            "graph": cfg["graph"],
            "retrieval": cfg["retrieval"],
            "gmm": {k: cfg[k] for k in GMM_KEYS if k in cfg},
            **({"interventions": self.events} if self.events else {}),
        }

    def result(self, *, so_far: bool = False) -> RunResult:
        """Return the tables as a :class:`~netcollapse.engines.result.RunResult`.

        Parameters
        ----------
        so_far : bool
            For an unfinished run (``load_run(folder, finished=False)``) without
            ``nodes.parquet``: take the node rows of the rows up to the latest
            checkpoint (``steps/``), and only those rows of the metrics.

        Returns
        -------
        RunResult
            Its ``schedule`` is this folder's :attr:`schedule`, built when first
            needed (:meth:`~netcollapse.engines.result.RunResult.to_networkx`).
        """
        metrics, nodes = self.metrics, self.nodes
        if so_far and nodes is None:
            ck = read_checkpoint(self.path)
            if ck is not None:
                nodes = pd.concat(ck.node_frames, ignore_index=True)
                metrics = metrics[metrics["step"] <= ck.t].reset_index(drop=True)
        lazy = functools.partial(getattr, self, "schedule")  # picklable, built on first use
        return RunResult(metrics, nodes, self.config, self.path, schedule=lazy)


def load_run(folder: str | Path, *, finished: bool = True) -> RunFolder:
    """Read a run folder: the one reader every command and study uses.

    Parameters
    ----------
    folder : str or Path
    finished : bool
        Require a finished run (``summary.json`` and ``nodes.parquet``); with
        ``False`` an interrupted run's ``config.json`` and latest
        ``metrics.parquet`` are enough.

    Returns
    -------
    RunFolder

    Raises
    ------
    DataError
        One line naming the file when the folder is not a run folder or a file
        in it is missing, truncated or garbled.

    Examples
    --------
    >>> import tempfile
    >>> from netcollapse.runs.runner import run_spec
    >>> out = tempfile.mkdtemp()
    >>> spec = {"engine": "gmm", "T": 3, "seed": 100,
    ...         "graph": {"family": "erdos_renyi", "n": 8, "p": 0.4, "seed": 7}}
    >>> _ = run_spec(spec, out, progress=False)
    >>> run = load_run(out)
    >>> run.engine, run.T, run.graph.params["seed"]
    ('gmm', 3, 7)
    """
    p = Path(folder)
    if not p.is_dir():
        raise DataError(
            f"run: got {str(p)!r}, expected a run folder (config.json, metrics.parquet)"
        )
    config = read_json(p / "config.json", _CONFIG)
    for key in ("engine", "graph", "seed"):
        if key not in config:
            raise DataError(
                f"config.json: got no {key!r} in {str(p / 'config.json')!r}, expected {_CONFIG}"
            )
    summary = None
    if (p / "summary.json").exists() or finished:
        summary = read_json(
            p / "summary.json",
            "a finished run's summary (written last: without it the run has not finished; "
            "netcollapse run SPEC --out DIR --resume finishes it)",
        )
    metrics = read_parquet(p / "metrics.parquet", "the run's per-row metrics", ("step",))
    nodes = None
    if summary is not None or (p / "nodes.parquet").exists():
        nodes = read_parquet(p / "nodes.parquet", "the run's per-node rows", ("step", "node"))
    if summary is not None:
        steps = summary.get("steps")
        if type(steps) is not int:
            raise DataError(
                f"summary.json: got steps {str(steps)[:40]!r} in {str(p / 'summary.json')!r}, "
                "expected a finished run's summary with an integer steps"
            )
        for name, table in (("metrics", metrics), ("nodes", nodes)):
            got = sorted(set(table["step"].tolist())) if table is not None else []
            if got != list(range(steps + 1)):
                raise DataError(
                    f"{name}.parquet: got rows of steps "
                    f"{f'{got[0]}..{got[-1]}' if got else 'none'} in "
                    f"{str(p / f'{name}.parquet')!r}, "
                    f"expected steps 0..{steps} (summary.json's steps)"
                )
    elif metrics.empty:
        raise DataError(
            f"metrics.parquet: got no rows in {str(p / 'metrics.parquet')!r}, "
            "expected the run's per-row metrics"
        )
    return RunFolder(p, config, metrics, nodes, summary)
