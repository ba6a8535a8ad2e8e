"""What a run leaves behind: :class:`RunResult`, tidy tables read from memory or a run folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcollapse._io import read_json, read_jsonl, read_npz, read_parquet
from netcollapse.errors import DataError, bad
from netcollapse.graphs.export import to_networkx
from netcollapse.measures.curves import collapse_measures

if TYPE_CHECKING:
    from collections.abc import Callable

    import networkx as nx

    from netcollapse.scenarios.interventions import Schedule

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
    schedule : Schedule, callable or None
        The graph of every row (the run's graph and its interventions), for
        :meth:`to_networkx`: a :class:`~netcollapse.scenarios.interventions.Schedule`
        or a function returning one when first needed.
        :func:`netcollapse.runs.load_run` sets it (``load_run(folder).result()``);
        a result built without it has ``None``.
    """

    metrics: pd.DataFrame
    nodes: pd.DataFrame | None
    config: dict = field(default_factory=dict)
    path: Path | None = None
    schedule: Schedule | Callable[[], Schedule] | None = field(
        default=None, compare=False, repr=False
    )

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

    def tokens(self) -> dict[str, int | float] | None:
        """Return the token totals (``prompt``, ``generated``); ``None`` without token columns.

        A total is NaN where a backend did not report a count (a server without usage).

        Examples
        --------
        >>> m = pd.DataFrame({"step": [0, 1], "frobenius": [1.0, 0.5],
        ...                   "prompt_tokens": [100, 120], "generated_tokens": [40, 44]})
        >>> RunResult(m, None, {}).tokens()
        {'prompt': 220, 'generated': 84}
        """
        from netcollapse.backends.generation import token_totals

        return token_totals(self.metrics)

    def _file(self, name: str) -> Path:
        """Return a file of an LLM run folder (a GMM folder has none: a one-line error)."""
        if self.path is None or (
            not (self.path / name).is_file() and self.config.get("engine") != "llm"
        ):
            raise bad("run", str(self.path), f"a finished LLM run folder with {name}")
        return self.path / name

    def embeddings(self) -> np.ndarray:
        """Embedded answers of a finished LLM run, shape ``(T + 1, n, L, d)``.

        Returns
        -------
        numpy.ndarray
            ``[t, i, l]`` is node *i*'s ``l``-th answer in round ``t``; pass it as it
            is to :func:`~netcollapse.measures.perspective.perspective_space`.

        Raises
        ------
        DataError
            One line naming ``embeddings.npz`` when it is missing, damaged or of
            another shape than the run's rows, nodes and answers.
        """
        cfg = self.config
        shape = (
            len(self.metrics),
            cfg.get("graph", {}).get("n") if isinstance(cfg.get("graph"), dict) else None,
            cfg.get("L"),
            None,
        )
        return read_npz(
            self._file("embeddings.npz"),
            "samples",
            "the run's embedded answers (T + 1, n, L, d)",
            shape=tuple(v if isinstance(v, int) else None for v in shape),
        )

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
        keys = ("step", "node", "sample", "text", "published", "context")
        records = read_jsonl(self._file("responses.jsonl"), "the run's answers", keys)
        frame = pd.DataFrame(records) if records else pd.DataFrame(columns=list(keys))
        path = self._file("sources.json")
        src = read_json(path, "the texts the run read (human corpus, seed posts)")
        human, seeds, publish = src.get("human"), src.get("seeds"), src.get("publish")
        if not (isinstance(human, list) and isinstance(seeds, list) and type(publish) is int):
            raise DataError(
                f"sources.json: got keys {sorted(src)} in {str(path)!r}, expected "
                "human and seeds (lists) and publish (an integer)"
            )

        def text(source: int, doc: int) -> str:
            if source < 0:
                return human[doc]
            m = len(seeds[source]) if seeds else 0
            if doc < m:
                return seeds[source][doc]
            step, sample = divmod(doc - m, publish)
            return posted[(source, step, sample)]

        try:
            cols = ("node", "step", "sample", "text", "published")
            posted = {
                (int(node), int(step), int(sample)): str(text)
                for node, step, sample, text, published in zip(*(frame[c] for c in cols))
                if published
            }
            frame["context_texts"] = [
                [text(int(a), int(b)) for a, b in c] for c in frame["context"]
            ]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise DataError(
                f"responses.jsonl: got an answer or a context that names no text "
                f"({type(exc).__name__}) in {str(self._file('responses.jsonl'))!r}, "
                "expected answers whose contexts are (source, doc) pairs "
                "of the human corpus, the seed posts and earlier answers (sources.json)"
            ) from None
        return frame

    def to_networkx(self, step: int | None = None) -> nx.DiGraph:
        """Return the graph row ``step`` read with, its node rows as node attributes.

        Parameters
        ----------
        step : int, optional
            The row (``step`` column of the node table); default the last row.

        Returns
        -------
        networkx.DiGraph
            An edge ``j -> i`` for every positive ``W[i, j]`` of the graph in force
            at row ``step`` (interventions included), with ``weight = W[i, j]``:
            node *i* reads node *j*'s store (self-loops where ``W`` has a
            diagonal). Node attributes: ``label``, ``h`` and every column of the
            node table at that row (NaN left out); graph attributes ``engine``,
            ``seed``, ``step``, ``family``, ``n`` and ``edges`` (the direction
            convention). Built by :func:`netcollapse.graphs.export.to_networkx`.

        Raises
        ------
        SpecError
            One line naming ``step`` with the rows there are, ``nodes`` when the
            result has no node table, or ``schedule`` when it does not carry the
            run's graphs.

        Examples
        --------
        >>> import tempfile
        >>> from netcollapse.runs import load_run, run_spec
        >>> out = tempfile.mkdtemp()
        >>> spec = {"engine": "gmm", "T": 3, "seed": 1,
        ...         "graph": {"family": "ring", "n": 4},
        ...         "interventions": [{"at": 2, "freeze": [0]}]}
        >>> _ = run_spec(spec, out, progress=False)
        >>> result = load_run(out).result()
        >>> sorted(result.to_networkx(step=1).in_edges(0, data="weight"))
        [(1, 0, 0.5), (3, 0, 0.5)]
        >>> G = result.to_networkx()  # row 3: node 0 frozen, reads only its own store
        >>> sorted(G.in_edges(0, data="weight")), G.graph["step"]
        ([(0, 0, 1.0)], 3)
        """
        if self.nodes is None:
            raise bad("nodes", None, "a run with its node table (nodes.parquet)")
        rows = sorted(int(s) for s in set(self.nodes["step"].tolist()))
        if not rows:
            raise bad("nodes", "no rows", "a run with its node table (nodes.parquet)")
        if step is None:
            step = rows[-1]
        elif isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step not in rows:
            raise bad("step", step, f"a row of the run in {rows[0]}..{rows[-1]}")
        if self.schedule is None:
            raise bad(
                "schedule",
                None,
                "a result that carries the run's graphs: load_run(folder).result()",
            )
        attrs = {"engine": self.config.get("engine"), "seed": self.config.get("seed")}
        schedule = self.schedule() if callable(self.schedule) else self.schedule
        table = self.nodes[self.nodes["step"] == step]
        graph = schedule.graph_at(int(step))
        return to_networkx(graph, table, attrs={**attrs, "step": int(step)})

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
            ``nodes`` is ``None`` for an unfinished run without ``nodes.parquet``.

        Raises
        ------
        DataError
            One line naming ``config.json``, ``metrics.parquet`` or
            ``nodes.parquet`` when it is missing (``nodes.parquet``: only where
            ``summary.json`` says the run finished), truncated or garbled.
        """
        p = Path(path)
        if not p.is_dir():
            raise bad("run", str(path), "a run folder with metrics.parquet")
        cfg = read_json(p / "config.json", "the run's configuration (written when it starts)")
        metrics = read_parquet(p / "metrics.parquet", "the run's per-step metrics", ("step",))
        nodes = None
        if (p / "nodes.parquet").exists() or (p / "summary.json").exists():
            nodes = read_parquet(p / "nodes.parquet", "the run's per-node rows", ("step", "node"))
        return cls(metrics, nodes, cfg, p)
