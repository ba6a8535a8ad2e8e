"""The stance web as a linear model: a response calibrated on one run, then predicted.

A node of an LLM web has no state of its own: what it writes at round ``t + 1``
depends on what it read. Read as scalar stances (:mod:`netcollapse.measures.stance`),
one run gives ``n (T + 1)`` pairs of (mean stance of the documents node *i* read,
mean stance of its ``L`` answers). :func:`fit_stance_response` fits::

    stance_i(t) = intercept + slope * read_i(t) + e_i(t)

``slope`` is how far a node's stance moves toward what it read, ``intercept /
(1 - slope)`` the model's own prior (the stance it drifts to when it reads
itself), and the residual splits into the sampling noise of the mean of ``L``
answers (``answer_var / L``, which the corrected measure removes) and
``context_var``, the part no linear response explains.

On a graph (:func:`predict_stance_curve`) the reads follow the stores. Node *j*'s
store holds ``m`` seed posts of stance ``z_j`` (never expiring) and its published
answers of the last ``R`` rounds (all rounds for keep-all memory); node *i* draws
``k W_ij`` documents from it, uniformly, so with ``phi(t) = m / (m + v(t))``,
``v(t)`` the posts visible at round ``t + 1``::

    E read_i(t+1) = sum_j W_ij [ phi(t) z_j + (1 - phi(t)) avg_window yhat_j ]

which is :func:`~netcollapse.spectral.dynamics.predict_curve`'s model with
``keep = 0``, ``gain = slope``, ``S = (1 - phi(t)) W``, anchor share ``phi(t)``
and anchor ``W z``. The intercept is shared by all nodes and drops out of every
disagreement. Round 0 reads only the node's own seeds, so ``y(0) = slope z``. The
noise: a published answer is one of ``L`` (variance ``answer_var``); a node's
mean moves by ``slope^2 pick_var + context_var`` per round, ``pick_var`` the
variance of the mean of ``k`` picked documents (``read_stance_var / k``, the
within-read variance of the calibration run, without a finite-store correction).

Assumptions that the prediction needs (checked): no human anchoring share
(``h = 0``), every node seeded with the same number of posts, random picks
within a source.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from netcollapse.errors import DataError, bad
from netcollapse.spectral.dynamics import LinearStep, predict_curve

__all__ = [
    "StanceResponse",
    "predict_stance_gap",
    "fit_read_var",
    "fit_stance_response",
    "predict_stance_curve",
    "seed_share",
]


@dataclass(frozen=True)
class StanceResponse:
    """A node's calibrated linear stance response.

    Attributes
    ----------
    slope, slope_se : float
        Movement toward the mean stance read, and its standard error.
    intercept : float
    answer_var : float
        Mean within-node variance of one answer's stance.
    context_var : float
        Variance of a node's mean stance beyond the linear response and the
        ``L``-sample noise (clipped at 0).
    pick_var : float
        Mean variance of the mean of the documents picked.
    rows : int
        Node-rounds used.
    r2 : float
        Share of the variance of node stances the fit explains.
    """

    slope: float
    slope_se: float
    intercept: float
    answer_var: float
    context_var: float
    pick_var: float
    rows: int
    r2: float
    read_var: float | None = None

    @property
    def round_var(self) -> float:
        """Per-round variance of a node's mean stance: ``read_var``, or the moment estimate.

        The moment estimate is ``slope^2 pick_var + context_var``;
        :func:`fit_read_var` replaces it by the value that fits the calibration
        run's own curve.
        """
        if self.read_var is not None:
            return float(self.read_var)
        return self.slope**2 * self.pick_var + self.context_var

    @property
    def prior(self) -> float:
        """``intercept / (1 - slope)``: where a node drifts when it reads only itself."""
        return self.intercept / (1.0 - self.slope) if self.slope != 1 else math.nan

    def _replace_read_var(self, value: float | None) -> StanceResponse:
        return replace(self, read_var=value)

    def to_dict(self) -> dict[str, float]:
        """Return the fields and the prior as a JSON-able dict."""
        return {**asdict(self), "prior": self.prior, "round_var": self.round_var}


_NODE_COLUMNS = ("stance", "stance_var", "read_stance", "read_stance_var", "k")


def fit_stance_response(nodes: pd.DataFrame, L: int) -> StanceResponse:
    """Fit the linear stance response from one run's node rows.

    Parameters
    ----------
    nodes : pandas.DataFrame
        A run's ``nodes.parquet`` with seeded stances: ``stance``, ``stance_var``,
        ``read_stance``, ``read_stance_var``, ``k``.
    L : int
        Answers per node and round in that run.

    Returns
    -------
    StanceResponse

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> read = rng.uniform(-0.5, 0.5, 400)
    >>> nodes = pd.DataFrame({"stance": 0.1 + 0.6 * read + rng.normal(0, 0.05, 400),
    ...     "stance_var": 0.04, "read_stance": read, "read_stance_var": 0.1, "k": 4})
    >>> r = fit_stance_response(nodes, L=4)
    >>> round(r.slope, 2), round(r.intercept, 2), round(r.pick_var, 3)
    (0.6, 0.1, 0.025)
    """
    missing = [c for c in _NODE_COLUMNS if c not in nodes.columns]
    if missing:
        raise DataError(
            f"nodes: got no {missing[0]!r} column, expected the node rows of a run "
            "with seeded stances (llm.stances)"
        )
    if isinstance(L, bool) or not isinstance(L, (int, np.integer)) or L < 2:
        raise bad("L", L, "an integer >= 2")
    d = nodes[list(_NODE_COLUMNS)].dropna(subset=["stance", "read_stance"])
    if len(d) < 3 or d["read_stance"].std() == 0:
        raise DataError(f"nodes: got {len(d)} usable rows, expected at least 3 with varying reads")
    x, y = d["read_stance"].to_numpy(float), d["stance"].to_numpy(float)
    xc = x - x.mean()
    slope = float(xc @ (y - y.mean()) / (xc @ xc))
    intercept = float(y.mean() - slope * x.mean())
    resid = y - intercept - slope * x
    s2 = float(resid @ resid / (len(y) - 2))
    answer_var = float(d["stance_var"].mean())
    pick = (d["read_stance_var"] / d["k"]).dropna()
    return StanceResponse(
        slope=slope,
        slope_se=math.sqrt(s2 / float(xc @ xc)),
        intercept=intercept,
        answer_var=answer_var,
        context_var=max(s2 - answer_var / L, 0.0),
        pick_var=float(pick.mean()) if len(pick) else 0.0,
        rows=len(y),
        r2=1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum()),
    )


def seed_share(t: int, seeds: int, memory: int | None, publish: int = 1) -> float:
    """Share of seed posts in a store read at round ``t + 1``: ``m / (m + v(t))``.

    Examples
    --------
    >>> seed_share(0, 4, None), seed_share(5, 4, None), seed_share(5, 4, 2)
    (0.8, 0.4, 0.6666666666666666)
    """
    visible = t + 1 if memory is None else min(t + 1, memory)
    return seeds / (seeds + publish * visible)


def predict_stance_curve(
    graph: Any,
    z: Any,
    response: StanceResponse,
    T: int,
    *,
    seeds: int,
    memory: int | None = None,
    publish: int = 1,
    persist: bool = True,
) -> pd.DataFrame:
    """Predicted corrected stance disagreement ``sqrt(E sum_ij (mu_i - mu_j)^2)`` per round.

    Parameters
    ----------
    graph : RetrievalGraph or callable
        ``W[i, j]``: share of node *i*'s reads from node *j*'s store; ``h`` must be 0.
        A callable ``row -> RetrievalGraph`` (such as
        :meth:`netcollapse.scenarios.interventions.Schedule.graph_at`) gives each
        round its own graph: round ``t + 1`` reads with ``graph(t + 1)``.
    z : array_like, shape (n,)
        Mean stance of each node's seed posts.
    response : StanceResponse
        From :func:`fit_stance_response` (on another run).
    T : int
        Rounds after round 0.
    seeds : int
        Seed posts per store.
    memory : int or None
        Rounds of posts a store keeps (``retrieval.memory``).
    publish : int
        Answers a node publishes per round.
    persist : bool
        Whether seed posts stay in the stores after round 0 (``llm.stances.persist``);
        without them every later read is of answers (``phi = 0``): DeGroot on stance.

    Returns
    -------
    pandas.DataFrame
        :func:`~netcollapse.spectral.dynamics.predict_curve`'s frame (``step``,
        ``frobenius``, ``signal``, ``noise``, ``noise_se``).

    Examples
    --------
    With no noise and reads that only see the seeds (``phi = 1`` is never reached,
    but a large ``m`` comes close), the disagreement stays at ``slope`` times the
    seeds' on a graph where every node reads itself: ``y = (0.25, -0.25)``, so
    ``sqrt(sum_ij (y_i - y_j)^2) = sqrt(2 * 0.5^2)``:

    >>> from netcollapse.graphs.retrieval_graph import RetrievalGraph
    >>> g = RetrievalGraph(np.eye(2), np.zeros(2))
    >>> r = StanceResponse(0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 10, 1.0)
    >>> c = predict_stance_curve(g, [0.5, -0.5], r, 2, seeds=10**9)
    >>> np.round(c["frobenius"].to_numpy(), 6).tolist()
    [0.707107, 0.707107, 0.707107]
    """
    graph_at = graph if callable(graph) else (lambda row: graph)
    W0 = _stance_W(graph_at(0))
    n = W0.shape[0]
    zz = np.asarray(z, dtype=float)
    if zz.shape != (n,):
        raise bad("z", f"shape {zz.shape}", f"({n},) (one seed stance per node)")
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise bad("seeds", seeds, "an integer >= 1 (seed posts per store)")
    b = float(response.slope)

    def step(t: int) -> LinearStep:
        phi = seed_share(t, int(seeds), memory, publish) if persist else 0.0
        W = W0 if not callable(graph) else _stance_W(graph_at(t + 1))
        return LinearStep((1.0 - phi) * W, np.zeros(n), np.full(n, b), np.full(n, phi), W @ zz)

    noise = (response.answer_var, response.round_var)
    return predict_curve(step, b * zz, int(T), anchor=W0 @ zz, memory=memory, noise=noise)


def predict_stance_gap(graph: Any, z: Any, response: StanceResponse, T: int) -> np.ndarray:
    """Return the expected gap between the two groups' mean stances (seeds that only start).

    With ``llm.stances.persist: false`` and ``retrieval.memory: 1`` a node's mean answer
    at round ``t + 1`` is ``intercept + slope * (W y(t))_i`` in expectation, and round 0
    answers its own seeds, ``y(0) = intercept + slope * z``. The intercept drops out of
    the gap, so::

        gap(t) = g . (slope W)^t (slope z),

    ``g`` the contrast of the nodes with ``z >= 0`` against the others (each group's
    mean). Noise does not enter an expected gap (it is linear).

    Parameters
    ----------
    graph : RetrievalGraph
        ``h`` must be 0.
    z : array_like, shape (n,)
        Mean stance of each node's seed posts (its sign gives the group).
    response : StanceResponse
    T : int

    Returns
    -------
    numpy.ndarray, shape (T + 1,)

    Examples
    --------
    Two nodes that read each other half the time: the gap shrinks by ``slope * 0``.

    >>> from netcollapse.graphs.retrieval_graph import RetrievalGraph
    >>> g = RetrievalGraph(np.full((2, 2), 0.5), np.zeros(2))
    >>> r = StanceResponse(0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 10, 1.0)
    >>> predict_stance_gap(g, [0.5, -0.5], r, 2).tolist()
    [0.5, 0.0, 0.0]
    """
    W = _stance_W(graph)
    zz = np.asarray(z, dtype=float)
    if zz.shape != (W.shape[0],):
        raise bad("z", f"shape {zz.shape}", f"({W.shape[0]},) (one seed stance per node)")
    pos = zz >= 0
    if pos.all() or not pos.any():
        raise bad("z", "one sign", "seed stances of both signs (two groups)")
    g = np.where(pos, 1.0 / pos.sum(), -1.0 / (~pos).sum())
    y, b = float(response.slope) * zz, float(response.slope)
    out = np.empty(int(T) + 1)
    for t in range(int(T) + 1):
        out[t] = g @ y
        y = b * (W @ y)
    return out


def _stance_W(graph: Any) -> sp.csr_array:
    """Return the graph's ``W``, checking that it reads no human corpus (``h = 0``)."""
    if np.any(np.asarray(graph.h) > 0):
        raise bad(
            "graph.anchoring",
            float(np.max(graph.h)),
            "0 (the calibrated stance prediction reads seeds, not a human corpus)",
        )
    return sp.csr_array(graph.W)


def fit_read_var(
    graph: Any,
    z: Any,
    response: StanceResponse,
    measured: Any,
    *,
    seeds: int,
    memory: int | None = None,
    publish: int = 1,
) -> StanceResponse:
    """Fit the per-round variance to the calibration run's own corrected stance curve.

    The predicted ``E ||D||^2`` is linear in the per-round variance, so the value
    that minimises the squared error over rounds ``1 .. T`` (round 0 has no
    propagated noise) is one least-squares coefficient, clipped at 0.

    Parameters
    ----------
    graph, z, seeds, memory, publish : see :func:`predict_stance_curve`
        Of the calibration run.
    response : StanceResponse
        From :func:`fit_stance_response` on the same run.
    measured : array_like, shape (T + 1,)
        The run's ``stance_corrected`` column.

    Returns
    -------
    StanceResponse
        ``response`` with ``read_var`` set.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> g = build("complete", n=4, self_weight=0.25)
    >>> r = StanceResponse(0.5, 0.0, 0.0, 0.01, 0.0, 0.0, 10, 1.0, read_var=0.02)
    >>> z = np.array([0.5, 0.5, -0.5, -0.5])
    >>> F = predict_stance_curve(g, z, r, 6, seeds=4)["frobenius"]
    >>> round(fit_read_var(g, z, r._replace_read_var(None), F, seeds=4).read_var, 6)
    0.02
    """
    F = np.asarray(measured, dtype=float)
    T = F.shape[0] - 1
    if T < 1:
        raise bad("measured", f"{F.shape[0]} rounds", "at least 2")
    base, unit = (
        predict_stance_curve(
            graph, z, response._replace_read_var(v), T, seeds=seeds, memory=memory, publish=publish
        )
        for v in (0.0, 1.0)
    )
    f0, f1 = base["frobenius"].to_numpy() ** 2, unit["frobenius"].to_numpy() ** 2
    x, y = (f1 - f0)[1:], (F**2 - f0)[1:]
    ok = np.isfinite(y)
    c = float(x[ok] @ y[ok] / (x[ok] @ x[ok])) if ok.any() and (x[ok] @ x[ok]) > 0 else 0.0
    return response._replace_read_var(max(c, 0.0))
