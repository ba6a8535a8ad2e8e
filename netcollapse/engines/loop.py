"""The engine loop shared by every kind of node: step, run, checkpoint, resume, output.

One loop, two kinds of node. :class:`Web` owns the retrieval graph, the retrieval
settings (``beta``, ``k``, ``k_max``, memory, weighted or pooled mode), per-step
random streams, the metrics rows, checkpoints and the run folder. Subclasses say
what one step does to their nodes: :class:`netcollapse.engines.gmm.GMMWeb` (the
paper's interacting Gaussian mixtures, Algorithms 2-3) and
:class:`netcollapse.engines.llm.LLMWeb` (the paper's LLM experiment, Algorithm 1).

Randomness: step ``t`` draws from streams spawned from
``SeedSequence(seed, spawn_key=(t, stream))``, so a run resumed at step ``t`` draws
exactly what an uninterrupted run draws, and no random state needs saving.

A run folder holds::

    config.json        the resolved configuration
    metrics.parquet    one row per step: step, frobenius, spread, drift, synthetic_share, ...
    nodes.parquet      one row per node and step
    timings.parquet    wall time per step (kept apart so that metrics are reproducible)
    summary.json       collapse measures; written last: its presence marks a finished run
    checkpoint/        the latest small state (``LATEST`` names it); ``--resume`` starts there
    steps/             per-step files written once (node rows, published documents or
                       points, responses, embeddings); a checkpoint at step t uses the
                       files of steps < t, so the checkpoint itself stays small
"""

from __future__ import annotations

import json
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from netcollapse._io import atomic_write_dir, atomic_write_text, dumps, write_parquet
from netcollapse.engines.quotas import (
    Quotas,
    allocate_quotas,
    pooled_quotas,
    reachable_total,
    retrieval_size,
)
from netcollapse.errors import SpecError, bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.measures.curves import collapse_measures

__all__ = ["RunResult", "Web"]

RETRIEVAL_MODES = ("weighted", "pooled")
QUOTA_METHODS = ("largest_remainder", "multinomial")


# --------------------------------------------------------------------------- result
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

    def measures(self, eps: float = 0.1) -> dict[str, float]:
        """Collapse measures of the ``||D||_F`` trajectory (half-life, rate, plateau, ...).

        Parameters
        ----------
        eps : float
            Relative threshold of the epsilon collapse time.

        Returns
        -------
        dict
        """
        return collapse_measures(self.frobenius, eps=eps)

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


# --------------------------------------------------------------------------- engine
class Web(ABC):
    """Base engine: a retrieval graph of nodes that read, produce and publish each step.

    Parameters
    ----------
    graph : RetrievalGraph
        ``W[i, j]`` = share of node *i*'s retrieval from node *j*'s store; ``graph.h``
        the anchoring shares (human seed corpus).
    beta : float, optional
        Paper rule ``k_i(t) = floor(beta * |A_i(t)|)``, in (0, 1]. Ignored if ``k`` is set.
    k : int, optional
        Fixed number of retrieved documents instead of ``beta``.
    k_max : int, optional
        Cap on the number of retrieved documents (>= 1).
    memory : int, optional
        Stores keep only the last ``memory`` steps of posts (``None``: keep all).
    retrieval : {"weighted", "pooled"}
        ``weighted``: per-source quotas from ``W`` and ``h``; ``pooled``: a uniform
        draw from the union of a node's sources (on a complete graph, the paper).
    quota : {"largest_remainder", "multinomial"}
        How ``k_i`` is split over sources in weighted mode.
    seed : int
        Seed of every random stream of the run.

    Notes
    -----
    Constructors store configuration only; :meth:`reset` (called by :meth:`run`)
    builds the state.
    """

    kind: ClassVar[str] = "base"

    def __init__(
        self,
        graph: RetrievalGraph,
        *,
        beta: float | None = 0.5,
        k: int | None = None,
        k_max: int | None = None,
        memory: int | None = None,
        retrieval: str = "weighted",
        quota: str = "largest_remainder",
        seed: int = 0,
    ) -> None:
        if not isinstance(graph, RetrievalGraph):
            raise bad("graph", type(graph).__name__, "a RetrievalGraph")
        if k is None and (beta is None or not (0.0 < float(beta) <= 1.0)):
            raise bad("beta", beta, "a number in (0, 1]")
        if k is not None and (int(k) != k or k < 1):
            raise bad("k", k, "an integer >= 1")
        if k_max is not None and (int(k_max) != k_max or k_max < 1):
            raise bad("k_max", k_max, "an integer >= 1")
        if memory is not None and (int(memory) != memory or memory < 1):
            raise bad("memory", memory, "an integer >= 1 (steps kept) or None (keep all)")
        if retrieval not in RETRIEVAL_MODES:
            raise bad("retrieval", retrieval, f"one of {', '.join(RETRIEVAL_MODES)}")
        if quota not in QUOTA_METHODS:
            raise bad("quota", quota, f"one of {', '.join(QUOTA_METHODS)}")
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise bad("seed", seed, "a non-negative integer")
        self.graph = graph
        self.beta = None if k is not None else float(beta)
        self.k = None if k is None else int(k)
        self.k_max = None if k_max is None else int(k_max)
        self.memory = None if memory is None else int(memory)
        self.retrieval = retrieval
        self.quota = quota
        self.seed = int(seed)
        self.t = 0
        self.rows: list[dict[str, Any]] = []
        self.node_frames: list[pd.DataFrame] = []
        self.timings: list[dict[str, Any]] = []
        self._flushed = 0

    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.graph.n

    # ------------------------------------------------------------------ shared pieces
    def rng(self, t: int, stream: int = 0) -> np.random.Generator:
        """Return the random stream ``stream`` of step ``t`` (independent of every other).

        Parameters
        ----------
        t : int
        stream : int

        Returns
        -------
        numpy.random.Generator
        """
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(t, stream)))

    def quotas(
        self,
        available: np.ndarray,
        human_available: int,
        rng: np.random.Generator,
    ) -> Quotas:
        """How many documents each node takes from each source this step.

        Parameters
        ----------
        available : ndarray of int, shape (n,)
            Visible documents in each node's store.
        human_available : int
            Visible documents in the human seed corpus.
        rng : numpy.random.Generator

        Returns
        -------
        Quotas
        """
        W, h = self.graph.W, self.graph.h
        pooled = self.retrieval == "pooled"
        reach = reachable_total(W, available, human_available, h=None if pooled else h)
        k = retrieval_size(reach, beta=self.beta, k=self.k, k_max=self.k_max)
        if pooled:
            return pooled_quotas(W, k, available, human_available, rng)
        return allocate_quotas(W, h, k, available, human_available, method=self.quota, rng=rng)

    def retrieval_config(self) -> dict[str, Any]:
        """Return the retrieval settings as a JSON-able dict."""
        return {
            "beta": self.beta, "k": self.k, "k_max": self.k_max, "memory": self.memory,
            "retrieval": self.retrieval, "quota": self.quota, "seed": self.seed,
        }

    # ------------------------------------------------------------------ subclass API
    @abstractmethod
    def config(self) -> dict[str, Any]:
        """Return the resolved configuration (JSON-able), written to ``config.json``."""

    @abstractmethod
    def _init_state(self) -> None:
        """Build the initial state (called by :meth:`reset`)."""

    @abstractmethod
    def _advance(self, t: int) -> tuple[dict[str, Any], pd.DataFrame]:
        """Do step ``t``; return its metrics row and its node rows."""

    def _initial_rows(self) -> tuple[dict[str, Any], pd.DataFrame] | None:
        """Metrics of the initial state, before any step (``None`` if it has none)."""
        return None

    @abstractmethod
    def _save_state(self, folder: Path) -> None:
        """Write the small state needed to resume at ``self.t`` into ``folder``."""

    @abstractmethod
    def _load_state(self, folder: Path, steps: Path, t: int) -> None:
        """Restore the state at step ``t`` from a checkpoint and the per-step files."""

    @abstractmethod
    def _write_step(self, steps: Path, t: int) -> None:
        """Write what step ``t`` published (once, atomically) under ``steps``."""

    def _finalize(self, folder: Path) -> None:
        """Gather per-step outputs into their final files at the end of a run."""

    # ------------------------------------------------------------------ loop
    def reset(self) -> None:
        """Build the initial state; the next :meth:`step` is step 0."""
        self.t = 0
        self.rows, self.node_frames, self.timings = [], [], []
        self._flushed = 0
        self._init_state()
        first = self._initial_rows()
        if first is not None:
            self.rows.append(first[0])
            self.node_frames.append(first[1])

    def step(self) -> dict[str, Any]:
        """Advance one step.

        Returns
        -------
        dict
            The step's metrics row.
        """
        start = time.perf_counter()
        row, nodes = self._advance(self.t)
        self.timings.append({"step": self.t, "seconds": time.perf_counter() - start})
        self.rows.append(row)
        self.node_frames.append(nodes)
        self.t += 1
        return row

    def result(self, path: Path | None = None) -> RunResult:
        """Return the metrics so far as a :class:`RunResult`."""
        nodes = pd.concat(self.node_frames, ignore_index=True) if self.node_frames else None
        return RunResult(pd.DataFrame(self.rows), nodes, self.config(), path)

    def run(
        self,
        T: int,
        out: str | Path | None = None,
        *,
        resume: bool = False,
        progress: bool = True,
        on_step: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Run ``T`` steps, optionally into a run folder with a checkpoint after every step.

        Parameters
        ----------
        T : int
            Number of steps.
        out : str or Path, optional
            Run folder. Without it nothing is written.
        resume : bool
            Continue from the folder's latest checkpoint (a fresh start if it has none).
        progress : bool
            Show a progress bar over steps.
        on_step : callable, optional
            Called with the step index after each step (after its checkpoint).

        Returns
        -------
        RunResult
        """
        if int(T) != T or T < 1:
            raise bad("T", T, "an integer >= 1 (number of steps)")
        folder = None if out is None else Path(out)
        if folder is not None:
            self._prepare_folder(folder, resume)
        if not (resume and folder is not None and self._restore(folder)):
            self.reset()
        bar = _progress(total=T, initial=min(self.t, T), enabled=progress, desc=self.kind)
        try:
            while self.t < T:
                self.step()
                if folder is not None:
                    (folder / "steps").mkdir(exist_ok=True)
                    self._write_step(folder / "steps", self.t - 1)
                    self._checkpoint(folder)
                bar.update(1)
                if on_step is not None:
                    on_step(self.t - 1)
        finally:
            bar.close()
        result = self.result(folder)
        if folder is not None:
            self._write_tables(folder)
            self._finalize(folder)
            summary = {"status": "complete", "steps": self.t, "measures": result.measures()}
            atomic_write_text(folder / "summary.json", dumps(summary, indent=2))
        return result

    # ------------------------------------------------------------------ folder & checkpoints
    def _prepare_folder(self, folder: Path, resume: bool) -> None:
        cfg = dumps(self.config(), indent=2, sort_keys=True)
        started = (folder / "checkpoint").exists() or (folder / "summary.json").exists()
        if folder.exists() and started:
            if not resume:
                raise bad("out", str(folder), "a new or empty folder (or pass --resume)")
            old = folder / "config.json"
            if old.is_file() and old.read_text() != cfg:
                raise SpecError(
                    f"resume: got a different configuration than the one in {old}, "
                    "expected the same spec and seed"
                )
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "config.json", cfg)

    def _checkpoint(self, folder: Path) -> None:
        steps, ck = folder / "steps", folder / "checkpoint"
        ck.mkdir(exist_ok=True)
        fresh = self.node_frames[self._flushed:]
        if fresh:
            write_parquet(steps / f"nodes-{self.t:06d}.parquet", pd.concat(fresh))
            self._flushed = len(self.node_frames)
        name = f"step-{self.t:06d}"

        def write(tmp: Path) -> None:
            self._save_state(tmp)
            pd.DataFrame(self.rows).to_parquet(tmp / "metrics.parquet", index=False)
            pd.DataFrame(self.timings).to_parquet(tmp / "timings.parquet", index=False)
            (tmp / "t.json").write_text(json.dumps({"t": self.t}))

        shutil.rmtree(ck / name, ignore_errors=True)  # a stale copy from before a crash
        atomic_write_dir(ck / name, write)
        atomic_write_text(ck / "LATEST", name)
        for old in ck.iterdir():
            if old.name not in (name, "LATEST"):
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        write_parquet(folder / "metrics.parquet", pd.DataFrame(self.rows))

    def _restore(self, folder: Path) -> bool:
        latest = folder / "checkpoint" / "LATEST"
        if not latest.is_file():
            return False
        ck = folder / "checkpoint" / latest.read_text().strip()
        t = int(json.loads((ck / "t.json").read_text())["t"])
        self.reset()
        self._load_state(ck, folder / "steps", t)
        self.t = t
        self.rows = pd.read_parquet(ck / "metrics.parquet").to_dict("records")
        self.timings = pd.read_parquet(ck / "timings.parquet").to_dict("records")
        chunks = sorted((folder / "steps").glob("nodes-*.parquet"))
        self.node_frames = [
            pd.read_parquet(c) for c in chunks if int(c.stem.split("-")[1]) <= t
        ]
        self._flushed = len(self.node_frames)
        return True

    def _write_tables(self, folder: Path) -> None:
        result = self.result(folder)
        write_parquet(folder / "metrics.parquet", result.metrics)
        if result.nodes is not None:
            write_parquet(folder / "nodes.parquet", result.nodes)
        write_parquet(folder / "timings.parquet", pd.DataFrame(self.timings))


class _NoBar:
    def update(self, k: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=f"{desc} steps", unit="step", leave=False,
                disable=None)  # None: no bar when stderr is not a terminal
