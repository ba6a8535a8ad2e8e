"""Interventions: what changes during a run, from which row on, on both engines.

A run spec's ``interventions:`` list holds events. Each has ``at``, the first row
produced under the change (row ``at`` is the first state that read with it; row
0 is the state before any reading, so ``at >= 1``), and exactly one action:

==========  =================================================================================
``graph``   a topology spec: the retrieval graph from row ``at`` on (same ``n``); a cut
            that heals is an SBM with ``p_out: 0`` followed by one with ``p_out > 0``
``rewire``  ``{rate: p}``: a rewiring process. In every round from row ``at`` on,
            each source ``j != i`` of each reader ``i`` is moved, with probability
            ``p``, to a node ``i`` does not read yet (uniformly at random), keeping
            its share; ``rate: 0`` stops it
``h``       anchoring shares (a number or one per node) from row ``at`` on
``freeze``  a list of nodes that stop reading others from row ``at`` on: they read
            only their own store (``W[i] = e_i``, ``h_i = 0``); ``[]`` unfreezes
``inject``  human documents added to the human corpus, readable from row ``at`` on
            (only nodes with ``h > 0`` read that corpus). GMM: ``count`` points drawn
            from the mixture with component ``weights`` (default equal). LLM:
            ``texts``, or ``count`` documents drawn from ``corpus`` (``"default"``,
            ``"stances"`` or a file), optionally only those whose ``column`` equals
            ``value``
==========  =================================================================================

For ``graph``, ``rewire``, ``h`` and ``freeze`` the latest event at or before a
row wins. The effective graph of row ``t`` is built in one order: the latest
``graph`` (else the run's), rewired round by round while a rate is set, then
``h``, then ``freeze``. :class:`Schedule` computes it (:meth:`Schedule.graph_at`),
once per row, deterministically from the run's seed, so a resumed run reads the
same graphs and the theory's predictions follow the same schedule
(:func:`netcollapse.spectral.predict_curve` takes a step per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from netcollapse._random import Stream, stream_rng
from netcollapse._spec import Spec
from netcollapse.errors import SpecError, bad
from netcollapse.graphs.changes import freeze_nodes, rewire_step, with_h
from netcollapse.graphs.retrieval_graph import RetrievalGraph

__all__ = [
    "ACTIONS",
    "Inject",
    "Intervention",
    "Rewire",
    "Schedule",
    "inject_texts",
]

ACTIONS = ("graph", "rewire", "h", "freeze", "inject")
"""The actions an intervention can take (one per event)."""


class Rewire(Spec):
    """A rewiring process: each source of each reader moves with probability ``rate`` per round."""

    rate: float = Field(ge=0.0, le=1.0)


class Inject(Spec):
    """Human documents added to the human corpus (see the module docstring)."""

    count: int | None = Field(default=None, ge=1)
    weights: list[float] | None = None
    texts: list[str] | None = None
    corpus: str | None = None
    column: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Inject:
        if self.texts is not None and (self.corpus is not None or self.count is not None):
            raise ValueError(
                f"texts: got {len(self.texts)} texts with corpus/count, "
                "expected texts alone or corpus with count"
            )
        if self.texts is not None and not self.texts:
            raise ValueError("texts: got [], expected at least one text")
        if (self.column is None) != (self.value is None):
            raise ValueError(
                f"column: got {self.column!r} with value {self.value!r}, expected both or neither"
            )
        w = self.weights
        if w is not None and (any(x < 0 for x in w) or sum(w) <= 0):
            raise ValueError(
                f"weights: got {self.weights}, expected non-negative weights, not all 0"
            )
        return self

    def check_engine(self, engine: str, B: int | None = None, field: str = "inject") -> None:
        """Check that an engine can inject this: the one rule for both engines.

        GMM nodes inject points (``count``, optional ``weights``, one per
        component); LLM nodes inject documents (``texts``, or ``corpus`` with
        ``count``).

        Parameters
        ----------
        engine : {"gmm", "llm"}
        B : int, optional
            The GMM's number of components.
        field : str
            Name used in error messages.

        Raises
        ------
        SpecError

        Examples
        --------
        >>> Inject(count=3, weights=[1, 0]).check_engine("gmm", B=3)
        Traceback (most recent call last):
        ...
        netcollapse.errors.SpecError: inject.weights: got '2 weights', expected B = 3 \
(one per component)
        """
        if engine == "gmm":
            if self.count is None or self.texts is not None or self.corpus is not None:
                raise bad(
                    field,
                    "no count" if self.count is None else "texts/corpus",
                    "count (and optional weights): GMM nodes inject points",
                )
            if self.weights is not None and B is not None and len(self.weights) != B:
                raise bad(
                    f"{field}.weights",
                    f"{len(self.weights)} weights",
                    f"B = {B} (one per component)",
                )
        elif self.weights is not None or (
            self.texts is None and (self.corpus is None or self.count is None)
        ):
            raise bad(
                field,
                "weights" if self.weights is not None else "no texts",
                "texts, or corpus with count: LLM nodes inject documents",
            )


class Intervention(Spec):
    """One event of a run's schedule: ``at`` plus exactly one action (module docstring)."""

    at: int = Field(ge=1)
    graph: dict[str, Any] | None = None
    rewire: Rewire | None = None
    h: float | list[float] | None = None
    freeze: list[int] | None = None
    inject: Inject | None = None
    label: str = ""

    @model_validator(mode="after")
    def _one_action(self) -> Intervention:
        given = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(
                f"action: got {given or 'none'}, expected exactly one of {', '.join(ACTIONS)}"
            )
        return self

    @property
    def action(self) -> str:
        """The event's action (one of :data:`ACTIONS`)."""
        return next(a for a in ACTIONS if getattr(self, a) is not None)

    def describe(self) -> str:
        """Return a short human-readable description (``label`` if set)."""
        if self.label:
            return self.label
        a = self.action  # exactly one action field is set: the checks below agree with it
        if self.graph is not None:
            return f"graph -> {self.graph.get('family', '?')}"
        if self.rewire is not None:
            return f"rewire at rate {self.rewire.rate:g}"
        if a == "h":
            return f"h -> {self.h if isinstance(self.h, float | int) else 'per node'}"
        if a == "freeze":
            return f"freeze nodes {self.freeze}" if self.freeze else "unfreeze"
        inj = self.inject
        n = "?" if inj is None else len(inj.texts) if inj.texts is not None else inj.count
        return f"inject {n} human documents"


class Schedule:
    """The effective retrieval graph of every row, and the documents injected by then.

    Parameters
    ----------
    graph : RetrievalGraph
        The run's graph (rows before any ``graph`` event).
    events : sequence of Intervention or dict
        The spec's ``interventions`` (validated here when given as dicts).
    seed : int
        The run's root seed (rewiring draws from streams of it).
    graph_seed : int, optional
        Seed of ``graph`` events' topologies without their own ``seed`` (default ``seed``).

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> s = Schedule(build("ring", n=4), [{"at": 2, "freeze": [0]}, {"at": 3, "h": 0.5}], seed=0)
    >>> s.graph_at(1) is s.graph_at(0), s.graph_at(2).W.toarray()[0].tolist()
    (True, [1.0, 0.0, 0.0, 0.0])
    >>> s.graph_at(3).h.tolist()
    [0.0, 0.5, 0.5, 0.5]
    """

    def __init__(
        self,
        graph: RetrievalGraph,
        events: Sequence[Intervention | dict] = (),
        *,
        seed: int,
        graph_seed: int | None = None,
    ) -> None:
        from netcollapse._spec import validate

        self.graph = graph
        self.seed = int(seed)
        evs = [
            e if isinstance(e, Intervention) else validate(Intervention, e, f"interventions.{i}.")
            for i, e in enumerate(events)
        ]
        self.events = sorted(evs, key=lambda e: e.at)  # stable: same-row events keep spec order
        self._graphs: dict[int, RetrievalGraph] = {}
        for i, e in enumerate(evs):
            self._check(i, e, graph_seed if graph_seed is not None else seed)
        self._struct: list[RetrievalGraph] = [graph]  # structural graph of rows 0, 1, ...
        self._memo: dict[tuple[int, int, int], RetrievalGraph] = {}
        self._struct_id: list[int] = [0]

    def _check(self, i: int, e: Intervention, graph_seed: int) -> None:
        n, field = self.graph.n, f"interventions.{i}"
        if e.graph is not None:
            seed = e.graph.get("seed", graph_seed)
            try:
                g = RetrievalGraph.from_spec(e.graph, seed=seed)
            except SpecError as exc:
                raise SpecError(f"{field}.graph.{exc}") from None
            if g.n != n:
                raise bad(f"{field}.graph.n", g.n, f"{n}, the run's number of nodes")
            self._graphs[id(e)] = g
        if e.freeze is not None:
            badn = [v for v in e.freeze if not 0 <= v < n]
            if badn:
                raise bad(f"{field}.freeze", badn[0], f"node indices in [0, {n - 1}]")
        if e.h is not None:
            try:
                with_h(self.graph, e.h)
            except SpecError as exc:
                raise SpecError(f"{field}.{exc}") from None

    @property
    def empty(self) -> bool:
        """Whether there are no events (every row reads the run's graph)."""
        return not self.events

    def _latest(self, action: str, row: int) -> Intervention | None:
        out = None
        for e in self.events:
            if e.at > row:
                break
            if e.action == action:
                out = e
        return out

    def _structural(self, row: int) -> tuple[RetrievalGraph, int]:
        while len(self._struct) <= row:
            t = len(self._struct)
            ev = [e for e in self.events if e.at == t and e.action == "graph"]
            g, sid = self._struct[-1], self._struct_id[-1]
            if ev:
                g, sid = self._graphs[id(ev[-1])], sid + 1
            latest = self._latest("rewire", t)
            rw = None if latest is None else latest.rewire
            if rw is not None and rw.rate > 0:
                rng = stream_rng(self.seed, Stream.REWIRE, t)
                g, sid = rewire_step(g, rw.rate, rng), sid + 1
            self._struct.append(g)
            self._struct_id.append(sid)
        return self._struct[row], self._struct_id[row]

    def graph_at(self, row: int) -> RetrievalGraph:
        """Return the graph row ``row`` reads with (the same object while nothing changes).

        Parameters
        ----------
        row : int
            Row index (row ``t`` is produced by the ``t``-th round of reading).

        Returns
        -------
        RetrievalGraph
        """
        if self.empty:
            return self.graph
        g, sid = self._structural(max(int(row), 0))
        he, fe = self._latest("h", row), self._latest("freeze", row)
        key = (sid, -1 if he is None else id(he), -1 if fe is None else id(fe))
        if key not in self._memo:
            out = g if he is None else with_h(g, he.h)
            if fe is not None and fe.freeze is not None:  # (the freeze event's list)
                out = freeze_nodes(out, fe.freeze)
            self._memo[key] = out
        return self._memo[key]

    @property
    def inject_events(self) -> list[Intervention]:
        """Return every ``inject`` event, in ``at`` order (an event's index is its position)."""
        return [e for e in self.events if e.action == "inject"]

    @property
    def injects(self) -> list[Inject]:
        """Return the action of every ``inject`` event, in the order of :attr:`inject_events`."""
        return [e.inject for e in self.inject_events if e.inject is not None]

    def injections(self, row: int) -> list[tuple[int, Intervention]]:
        """Return ``(index, event)`` of the ``inject`` events at or before ``row``, in order."""
        return [(i, e) for i, e in enumerate(self.inject_events) if e.at <= row]

    def rng(self, index: int) -> np.random.Generator:
        """Return the random stream of the ``index``-th ``inject`` event's draws."""
        return stream_rng(self.seed, Stream.INJECT, index)

    def table(self) -> pd.DataFrame:
        """Return the events as a tidy table: ``at``, ``action``, ``description``."""
        return pd.DataFrame(
            [{"at": e.at, "action": e.action, "description": e.describe()} for e in self.events],
            columns=["at", "action", "description"],
        )

    def config(self) -> list[dict[str, Any]]:
        """Return the events as JSON-able dicts (in ``at`` order)."""
        return [
            e.model_dump(exclude_none=True, exclude_defaults=True) | {"at": e.at}
            for e in self.events
        ]


def inject_texts(event: Inject, rng: np.random.Generator, field: str = "inject") -> list[str]:
    """Resolve an LLM ``inject`` action to its texts.

    Parameters
    ----------
    event : Inject
        ``texts``, or ``corpus`` (``"default"``, ``"stances"`` or a file) with
        ``count`` and optionally ``column``/``value`` to keep matching documents.
    rng : numpy.random.Generator
        Chooses ``count`` documents without replacement.
    field : str
        Name used in error messages.

    Returns
    -------
    list of str

    Examples
    --------
    >>> ev = Inject(corpus="stances", column="stance", value="bullish", count=3)
    >>> len(inject_texts(ev, np.random.default_rng(0)))
    3
    """
    from netcollapse.retrieval.corpus import default_corpus, load_corpus
    from netcollapse.scenarios.stances import stance_corpus

    event.check_engine("llm", field=field)
    if event.texts is not None:
        return list(event.texts)
    assert event.corpus is not None and event.count is not None  # check_engine: no texts
    if event.corpus == "default":
        corpus = default_corpus()
    elif event.corpus == "stances":
        corpus = stance_corpus("stances")
    else:
        corpus = load_corpus(Path(event.corpus))  # a spec's relative path: made absolute by
        # netcollapse.runs.runner (the one place that knows the spec's folder)
    pool = list(range(len(corpus)))
    if event.column is not None:
        pool = [i for i in pool if str(corpus.metadata[i].get(event.column)) == event.value]
    if len(pool) < event.count:
        raise bad(
            f"{field}.count",
            event.count,
            f"at most {len(pool)} (documents of {event.corpus!r} that match)",
        )
    pick = rng.choice(len(pool), size=event.count, replace=False)
    return [corpus.texts[pool[int(i)]] for i in pick]
