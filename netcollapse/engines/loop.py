"""The engine loop shared by every kind of node: rows, run folder, checkpoints, resume.

One loop, two kinds of node. :class:`Web` owns the retrieval graph, the
retrieval settings (:class:`~netcollapse.retrieval.settings.Retrieval`), per-step
random streams, the metrics rows, checkpoints and the run folder. Subclasses say
what their nodes do: :class:`netcollapse.engines.gmm.GMMWeb` (the paper's
interacting Gaussian mixtures, Algorithms 2-3) and
:class:`netcollapse.engines.llm.LLMWeb` (the paper's LLM experiment, Algorithm 1).

The engine contract
-------------------
``run(T)`` gives ``T + 1`` rows, ``step = 0, ..., T``. Row 0 is the state before
any node has read another node's output (the GMM's initial weights; the LLM's
first answers, written from the human corpus alone); row ``t >= 1`` follows the
``t``-th round of reading other nodes' posts. ``F[0]``, half-lives and rates thus
mean the same thing in every engine. Every engine's metrics table has ``step``,
``frobenius`` (``||D(t)||_F`` of the node states), ``synthetic_share`` (share of
the documents read for this row that were written by nodes; NaN when nothing was
read) and ``k_mean`` (documents read per node); its node table has ``step``,
``node``, ``dist_to_centroid`` (distance of the node's state to the mean state),
``k`` and ``synthetic``. Engine-specific columns have engine-specific names.

Randomness: the seed (``int``, :class:`numpy.random.Generator` or ``None``) is
turned into one root integer at construction (:func:`netcollapse._random.root_seed`,
written to ``config.json``); row ``t`` draws from streams
``SeedSequence(root, spawn_key=(t, stream))`` (the keys are named by
:class:`netcollapse._random.Stream`), so a run resumed at row ``t`` draws
exactly what an uninterrupted run draws and no random state needs saving.

A run folder holds::

    config.json        the resolved configuration (retrieval settings and root seed included)
    metrics.parquet    one row per step t = 0..T
    nodes.parquet      one row per node and step
    timings.parquet    wall time per row (kept apart so that metrics are reproducible):
                       ``seconds`` in all, the engine's phases (LLM: retrieve,
                       prompts, generate, embed, metrics, publish) and ``write``
                       (step files and checkpoint)
    summary.json       collapse measures; written last: its presence marks a finished run
    checkpoint/, steps/  while running: the latest small state and per-row files (published
                       documents or points); a finished run removes both, so a finished
                       folder holds only the tables above (plus the engine's final files)
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from netcollapse._io import (
    atomic_write_dir,
    atomic_write_text,
    make_dirs,
    remove_temporaries,
    write_parquet,
)
from netcollapse._json import dumps
from netcollapse._random import SeedLike, root_seed, stream_rng
from netcollapse.engines import checkpoint
from netcollapse.engines.result import RunResult
from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.measures.rates import first_round, stance_rates
from netcollapse.retrieval.quotas import (
    Quotas,
)
from netcollapse.retrieval.settings import Retrieval, as_retrieval
from netcollapse.scenarios.interventions import Intervention, Schedule

__all__ = ["Web"]

Row = tuple[dict[str, Any], pd.DataFrame]


class Web(ABC):
    """Base engine: a retrieval graph of nodes that read, produce and publish.

    Parameters
    ----------
    graph : RetrievalGraph
        ``W[i, j]`` = share of node *i*'s retrieval from node *j*'s store; ``graph.h``
        the anchoring shares (human seed corpus).
    retrieval : Retrieval or dict, optional
        How nodes read (``mode``, ``beta``, ``k``, ``k_max``, ``memory``, ``quota``,
        ``pick``); a dict is validated into a :class:`Retrieval`.
    seed : int, numpy.random.Generator or None
        Seed of every random stream of the run. A generator is drawn from once,
        here; ``None`` takes fresh entropy. The resulting root integer is
        :attr:`seed` (and ``config.json``'s ``seed``), so every run can be repeated.
    interventions : sequence of Intervention or dict, optional
        Events that change the graph, the anchoring, who reads, or the human
        corpus from a given row on (:mod:`netcollapse.scenarios.interventions`).
        :attr:`graph` is the graph the current row reads with;
        :attr:`base_graph` the one given here.

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
        retrieval: Retrieval | dict[str, Any] | None = None,
        seed: SeedLike = None,
        interventions: Sequence[Intervention | dict[str, Any]] | None = None,
    ) -> None:
        if not isinstance(graph, RetrievalGraph):
            raise bad("graph", type(graph).__name__, "a RetrievalGraph")
        self.graph = self.base_graph = graph
        self.retrieval = as_retrieval(retrieval)
        self.seed = root_seed(seed)
        self.schedule = Schedule(graph, interventions or (), seed=self.seed)
        self.t = 0
        self.rows: list[dict[str, Any]] = []
        self.node_frames: list[pd.DataFrame] = []
        self.timings: list[dict[str, Any]] = []
        self._flushed = 0
        self._quota_memo: tuple[Any, ...] | None = None

    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.graph.n

    @property
    def memory(self) -> int | None:
        """Steps of posts a store keeps (``None``: all)."""
        return self.retrieval.memory

    # ------------------------------------------------------------------ shared pieces
    def rng(self, t: int, stream: int = 0) -> np.random.Generator:
        """Return the random stream ``stream`` of step ``t`` (independent of every other).

        Parameters
        ----------
        t : int
            The step, or a whole-run key such as ``Stream.GMM_INIT``.
        stream : int
            A per-round :class:`~netcollapse._random.Stream` (e.g. ``Stream.GMM_SAMPLE``).

        Returns
        -------
        numpy.random.Generator
            ``stream_rng(root, t, stream)`` (:func:`~netcollapse._random.stream_rng`).
        """
        return stream_rng(self.seed, t, stream)

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
            Quotas that drew no random numbers (largest remainders without a tie at
            the cut) depend on their inputs only, so a call with the same inputs as
            the previous one returns the previous result without recomputing it.
        """
        g, r = self.graph, self.retrieval  # a graph: W is not re-validated
        memo = self._quota_memo
        if (
            memo is not None
            and memo[0] is g
            and memo[1] is r
            and memo[2] == human_available
            and np.array_equal(memo[3], available)
        ):
            return memo[4]
        q = r.quotas(g, available, human_available, rng)
        fixed = not q.drew
        self._quota_memo = (
            (g, r, human_available, np.array(available, copy=True), q) if fixed else None
        )
        return q

    def base_config(self) -> dict[str, Any]:
        """Return the configuration every engine shares: engine, graph, retrieval, root seed."""
        g = self.base_graph
        out = {
            "engine": self.kind,
            "graph": g.params or {"family": g.family, "n": self.n},
            "retrieval": self.retrieval.model_dump(),
            "seed": self.seed,
        }
        if not self.schedule.empty:
            out["interventions"] = self.schedule.config()
        return out

    # ------------------------------------------------------------------ subclass API
    @abstractmethod
    def config(self) -> dict[str, Any]:
        """Return the resolved configuration (JSON-able), written to ``config.json``."""

    @abstractmethod
    def _init_state(self) -> None:
        """Build the state before row 0 (called by :meth:`reset` and on resume)."""

    @abstractmethod
    def _initial_rows(self) -> Row:
        """Produce row 0: the state before any node has read another node's output."""

    @abstractmethod
    def _advance(self, t: int) -> Row:
        """Read, produce and publish: go from row ``t`` to row ``t + 1``; return the latter."""

    @abstractmethod
    def _save_state(self, folder: Path) -> None:
        """Write the small state needed to resume at row :attr:`t` into ``folder``."""

    @abstractmethod
    def _load_state(self, folder: Path, steps: Path, t: int) -> None:
        """Restore the state at row ``t`` from a checkpoint and the per-row files."""

    @abstractmethod
    def _write_step(self, steps: Path, t: int) -> None:
        """Write what producing row ``t`` published (once, atomically) under ``steps``."""

    def _finalize(self, folder: Path) -> None:
        """Gather per-row outputs into their final files at the end of a run."""

    # ------------------------------------------------------------------ loop
    def reset(self) -> None:
        """Build the initial state and row 0; the next :meth:`step` produces row 1."""
        self.t = 0
        self.graph = self.schedule.graph_at(0)
        self.rows, self.node_frames, self.timings = [], [], []
        self._flushed = 0
        self._init_state()
        self._append(self._initial_rows, 0)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a block as part ``name`` of the current row (a column of ``timings.parquet``)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._phases[name] = self._phases.get(name, 0.0) + time.perf_counter() - start

    def _append(self, produce: Callable[[], Row], t: int) -> dict[str, Any]:
        self._phases: dict[str, float] = {}
        start = time.perf_counter()
        row, nodes = produce()
        self.timings.append({"step": t, "seconds": time.perf_counter() - start, **self._phases})
        self.rows.append(row)
        self.node_frames.append(nodes)
        return row

    def step(self) -> dict[str, Any]:
        """Advance one round of reading (call :meth:`reset` first).

        Returns
        -------
        dict
            The new row's metrics.
        """
        if not self.rows:
            raise bad("step", "called before reset()", "reset() or run() first")
        self.graph = self.schedule.graph_at(self.t + 1)
        row = self._append(lambda: self._advance(self.t), self.t + 1)
        self.t += 1
        return row

    def result(self, path: Path | None = None) -> RunResult:
        """Return the rows so far as a :class:`RunResult`."""
        nodes = pd.concat(self.node_frames, ignore_index=True) if self.node_frames else None
        return RunResult(
            pd.DataFrame(self.rows), nodes, self.config(), path, schedule=self.schedule
        )

    def run(
        self,
        T: int,
        out: str | Path | None = None,
        *,
        resume: bool = False,
        progress: bool = True,
        on_step: Callable[[int], None] | None = None,
    ) -> RunResult:
        """Run to row ``T`` (``T + 1`` rows), optionally into a run folder.

        Parameters
        ----------
        T : int
            Number of rounds of reading after row 0.
        out : str or Path, optional
            Run folder, checkpointed after every row. Without it nothing is written.
        resume : bool
            Continue from the folder's latest checkpoint (a fresh start only if
            the run was stopped before its first one; a finished run with the
            same ``T`` is read back, not re-run). A missing, truncated or
            garbled file the resume reads is one
            :class:`~netcollapse.errors.DataError` line naming it, and the
            folder is left as it was.
        progress : bool
            Show a progress bar over rows (only on a terminal).
        on_step : callable, optional
            Called with the row index ``t`` after each row ``t >= 1`` is recorded.

        Returns
        -------
        RunResult
        """
        if isinstance(T, bool) or int(T) != T or T < 1:
            raise bad("T", T, "an integer >= 1 (rounds of reading)")
        T = int(T)
        folder = None if out is None else Path(out)
        if folder is not None:
            done = self._prepare_folder(folder, resume, T)
            if done is not None:
                return done
        if not (resume and folder is not None and self._restore(folder)):
            self.reset()
            if folder is not None:
                self._record(folder)
        bar = _progress(total=T, initial=min(self.t, T), enabled=progress, desc=self.kind)
        try:
            while self.t < T:
                self.step()
                if folder is not None:
                    self._record(folder)
                bar.update(1)
                if on_step is not None:
                    on_step(self.t)
        finally:
            bar.close()
        result = self.result(folder)
        if folder is not None:
            self._finish(folder, result)
        return result

    # ------------------------------------------------------------------ folder & checkpoints
    def _prepare_folder(self, folder: Path, resume: bool, T: int) -> RunResult | None:
        """Check a run folder before running; return a finished run's result to read back.

        A folder holding a run (a checkpoint, ``summary.json`` or its tables) is
        never started again from scratch: without ``resume`` that is an error;
        with it, every file the resume reads must be whole (one
        :class:`~netcollapse.errors.DataError` line naming a missing, truncated
        or garbled file, :mod:`netcollapse.engines.checkpoint`), and nothing in
        the folder is written before they are read.
        """
        config = self.config()
        cfg = dumps(config, indent=2, sort_keys=True)
        if folder.exists() and checkpoint.started(folder):
            if not resume:
                raise bad("out", str(folder), "a new or empty folder (or pass --resume)")
            checkpoint.check_config(folder, config)
            if (folder / "summary.json").exists():
                result = replace(checkpoint.read_finished(folder, T), schedule=self.schedule)
                self._clean(folder)  # a crash may have come between summary and clean-up
                return result
            return None
        make_dirs(folder)
        atomic_write_text(folder / "config.json", cfg)
        return None

    def _record(self, folder: Path) -> None:
        start = time.perf_counter()
        steps = make_dirs(folder / "steps")
        self._write_step(steps, self.t)
        self._checkpoint(folder)
        self.timings[-1]["write"] = time.perf_counter() - start

    def _checkpoint(self, folder: Path) -> None:
        steps, ck = folder / "steps", folder / "checkpoint"
        make_dirs(ck)
        fresh = self.node_frames[self._flushed :]
        if fresh:
            write_parquet(steps / f"nodes-{self.t:06d}.parquet", pd.concat(fresh))
            self._flushed = len(self.node_frames)
        name = f"step-{self.t:06d}"

        def write(tmp: Path) -> None:
            self._save_state(tmp)
            write_parquet(tmp / "metrics.parquet", pd.DataFrame(self.rows))
            write_parquet(tmp / "timings.parquet", pd.DataFrame(self.timings))
            atomic_write_text(tmp / "t.json", json.dumps({"t": self.t}))

        shutil.rmtree(ck / name, ignore_errors=True)  # a stale copy from before a crash
        atomic_write_dir(ck / name, write)
        atomic_write_text(ck / "LATEST", name)
        for old in ck.iterdir():
            if old.name not in (name, "LATEST"):
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        write_parquet(folder / "metrics.parquet", pd.DataFrame(self.rows))

    def _restore(self, folder: Path) -> bool:
        ck = checkpoint.read_checkpoint(folder)  # every file whole, or one DataError line
        if ck is None:
            return False
        self._init_state()
        self._load_state(ck.path, folder / "steps", ck.t)
        self.t, self.rows, self.timings = ck.t, ck.rows, ck.timings
        self.node_frames = ck.node_frames
        self._flushed = len(self.node_frames)
        return True

    def _finish(self, folder: Path, result: RunResult) -> None:
        write_parquet(folder / "metrics.parquet", result.metrics)
        if result.nodes is not None:
            write_parquet(folder / "nodes.parquet", result.nodes)
        write_parquet(folder / "timings.parquet", pd.DataFrame(self.timings))
        self._finalize(folder)
        summary = {"status": "complete", "steps": self.t, "measures": result.measures()}
        tokens = result.tokens()
        if tokens is not None:
            summary["tokens"] = tokens
        rates = stance_rates(result.metrics, first_round(result.config))
        if rates is not None:
            summary["stance"] = rates
        atomic_write_text(folder / "summary.json", dumps(summary, indent=2))
        self._clean(folder)

    @staticmethod
    def _clean(folder: Path) -> None:
        """Remove what only a running run needs (its tables hold everything else).

        That is ``steps/``, ``checkpoint/`` and the temporary files a process killed
        while writing left (:func:`netcollapse._io.remove_temporaries`).
        """
        for name in ("steps", "checkpoint"):
            shutil.rmtree(folder / name, ignore_errors=True)
        remove_temporaries(folder)


class _NoBar:
    def update(self, k: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(
        total=total, initial=initial, desc=f"{desc} steps", unit="step", leave=False, disable=None
    )  # None: no bar when stderr is not a terminal
