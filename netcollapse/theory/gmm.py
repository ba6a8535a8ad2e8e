"""The GMM engine as a linear model: its predicted collapse curve before anything is simulated.

:class:`GMMLinearModel` turns a :class:`~netcollapse.engines.gmm.GMMWeb` into the
step schedule and noise model of :func:`netcollapse.spectral.predict_curve`, and
:func:`predict_gmm` runs it from the web's actual initial weights.

Derivation (one node, one step)
-------------------------------
Write a node's weights as ``y = Pi - 1/B`` (deviation from uniform; ``sum y = 0``).
With well separated components a read point's ownership ``o`` is the one-hot
vector of the component that produced it. The Zivkovic-van der Heijden update
over ``k`` reads with ``alpha`` and ``c`` is::

    Pi' = (1 - alpha)^k Pi + sum_m w_m (o_m - c),   w_m = alpha (1 - alpha)^(k - m) / (1 - B c)

(the positivity reset aside). The reads are processed in random order, so each
read gets a random one of the weights ``w_m``; they sum to
``gain = g / (1 - B c)`` with ``g = 1 - (1 - alpha)^k``, and ``c`` cancels
against the uniform part, so in expectation::

    y' = (1 - g) y + gain * (mean read one-hot - 1/B)

which is the linear step with ``keep = 1 - g``, ``S_ij = k_ij / k`` (the quota
from store ``j`` over all reads) and ``a = k_iH / k`` (the human share). ``gain``
exceeds ``g`` by the factor ``1 / (1 - B c)``: the update pushes weights away
from uniform a little. Every mode of ``S`` with eigenvalue ``lam`` decays at
``keep + gain lam``, and ``keep + gain = 1 + g B c / (1 - B c)`` is slightly
above 1, so the slowest disagreement mode is slower than the lazy DeGroot rate
``1 - g + g lam`` (markedly so on bottleneck graphs, where ``lam`` is near 1),
and between the components of a disconnected graph disagreement grows even
without noise.

Noise. For a probability vector ``p`` the covariance of one one-hot draw is
``diag(p) - p p^T`` with trace ``1 - ||p||^2 = (1 - 1/B) - ||y||^2``: the
*diversity* ``v``. Three independent sources, each a trace summed over the ``B``
coordinates:

1. Publishing (``xi``, shared by every reader of a store): node ``j`` publishes
   ``L`` points, whose mean one-hot has variance ``v_j / L`` around ``Pi_j``, with
   ``E v_j = (1 - 1/B) - ||m_j||^2 - tr Cov y_j`` (mean and variance of the
   model's own state).
2. Reading from a pool (``eta``, independent per reader): ``k_ij`` points drawn
   without replacement from ``N_j = L R_t`` published points (``R_t`` steps
   visible) have a sum with variance ``k_ij v_j (N_j - k_ij) / N_j`` around the
   pool's sum (hypergeometric; the expectation of the pool's own diversity is
   ``v_j (1 - 1/N_j)``); the human corpus is a fixed pool of ``A0`` points with
   diversity ``v_H``: ``k_iH v_H (A0 - k_iH) / (A0 - 1)``. Every read carries the
   mean weight ``gain / k``, so this part is ``(gain / k)^2`` times the sum. In
   pooled mode the counts per source are themselves random (a uniform draw from
   the union of the sources): the sum has variance ``k v_U (N - k) / (N - 1)``
   with ``v_U`` the diversity of the union, ``sum_j s_j v_j`` plus the spread of
   the sources' means around their average.
3. Order (``eta``): given the reads, the random assignment of the weights
   ``w_m`` adds ``(sum w^2 - gain^2 / k) k / (k - 1) (1 - ||xbar||^2)``, with
   ``xbar`` the mean read one-hot (the variance of a permutation statistic).

Where the linear model bends: fixation (a single run whose weights all reach a
vertex, where sampling noise vanishes: the prediction is the expectation over
runs, and a run that fixates falls below it; measured in mean square over seeds
the two agree), a node that reads only its own store (:func:`predict_gmm`
warns), overlapping components (ownerships are not one-hot
and depend on the reader's weights; :func:`predict_gmm` warns when two
components are closer than ``OVERLAP_SEPARATION`` Mahalanobis units), weights at
the positivity floor ``eps`` (a node whose weights reached a vertex),
``quota: multinomial`` and largest-remainder ties broken at random (their
expected counts are used, from
:func:`netcollapse.retrieval.expected.expected_quotas`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from netcollapse.engines.gmm import GMMWeb, node_rates
from netcollapse.spectral.dynamics import PROBES, LinearStep, predict_curve

__all__ = ["OVERLAP_SEPARATION", "GMMLinearModel", "predict_gmm"]

OVERLAP_SEPARATION = 4.0
"""Mahalanobis distance between two component means below which :func:`predict_gmm` warns."""


class GMMLinearModel:
    """Step schedule, noise model and initial state of a GMM web's linear model.

    Parameters
    ----------
    web : GMMWeb
        The engine (not modified: its initial state is read with
        :meth:`~netcollapse.engines.gmm.GMMWeb.initial_weights` and
        :meth:`~netcollapse.engines.gmm.GMMWeb.seed_points`).

    Attributes
    ----------
    X0 : ndarray, shape (n, B)
        Initial weights minus ``1/B`` (row 0 of a run).
    anchor : ndarray, shape (B,)
        The human corpus's component mix minus ``1/B``.
    memory : int or None
    """

    def __init__(self, web: GMMWeb) -> None:
        self.web, self.B, self.n = web, web.B, web.n
        self.X0 = web.initial_weights() - 1.0 / self.B
        seed_lik = web.likelihood(web.seed_points())
        self._human_lik = [seed_lik]  # the seed set, then each inject event's points
        self.anchor, self.v_human = self._mix(seed_lik)
        self.memory = web.memory
        self._cache: dict[tuple[int, int, int], tuple[LinearStep, dict[str, Any]]] = {}

    def _mix(self, lik: np.ndarray) -> tuple[np.ndarray, float]:
        """Component mix (minus ``1/B``) and diversity of a human set (none: no anchor)."""
        mix = (lik / lik.sum(axis=1, keepdims=True)).mean(axis=0) if len(lik) else 1 / self.B
        anchor = np.broadcast_to(mix - 1.0 / self.B, (self.B,)).copy()
        return anchor, float(1.0 - ((anchor + 1 / self.B) ** 2).sum())

    def _human(self, injected: int) -> tuple[int, np.ndarray, float]:
        """Size, anchor and diversity of the human set after ``injected`` inject events."""
        while len(self._human_lik) <= injected:
            pts = self.web.injected_points(len(self._human_lik) - 1)
            self._human_lik.append(self.web.likelihood(pts))
        lik = np.concatenate(self._human_lik[: injected + 1])
        return len(lik), *self._mix(lik)

    # ------------------------------------------------------------------ reads
    def _counts(self, per_store: int, graph: Any, A: int) -> tuple[sp.csr_array, np.ndarray]:
        """Return the expected reads per (node, source) and from the human corpus."""
        n, r = self.n, self.web.retrieval
        avail = np.full(n, per_store, dtype=np.int64)
        pooled = r.mode == "pooled"
        if not pooled:  # expected reads: largest remainders, ties at random
            e = r.expected_quotas(graph, avail, A)
            return e.Q, e.human
        k = r.size(graph, avail, A)
        P = (graph.W > 0).astype(float) * per_store  # pooled: shares follow store sizes
        total = P.sum(axis=1) + A
        frac = np.where(total > 0, k / np.maximum(total, 1), 0.0)
        return sp.csr_array(sp.diags_array(frac) @ P), frac * A

    def step(self, t: int) -> LinearStep:
        """Return the linear step at ``t`` (producing row ``t + 1``, with its graph and corpus)."""
        return self._step(t)[0]

    def _visible(self, t: int) -> int:
        return t + 1 if self.memory is None else min(self.memory, t + 1)

    def _step(self, t: int) -> tuple[LinearStep, dict[str, Any]]:
        per_store = self.web.L * self._visible(t)
        schedule = self.web.schedule
        graph = schedule.graph_at(t + 1)
        injected = len(schedule.injections(t + 1))
        key = (per_store, id(graph), injected)
        if key not in self._cache:
            A, anchor, v_human = self._human(injected)
            Q, hq = self._counts(per_store, graph, A)
            k = np.asarray(Q.sum(axis=1)).ravel() + hq
            kk = np.maximum(np.rint(k).astype(np.int64), 1)
            alpha = node_rates(self.web.alpha, kk, self.B, "alpha")
            c = node_rates(self.web.c, kk, self.B, "c")
            reads = k > 0
            g = np.where(reads, 1.0 - (1.0 - alpha) ** kk, 0.0)
            gain = g / (1.0 - self.B * c)
            w1 = alpha / (1.0 - self.B * c)
            q2 = 1.0 - (1.0 - alpha) ** 2  # sum_m w_m^2, a geometric series (0 when alpha = 0)
            sum_w2 = np.divide(
                w1**2 * (1.0 - (1.0 - alpha) ** (2 * kk)), q2, out=np.zeros_like(q2), where=q2 > 0
            )
            inv = np.where(reads, 1.0 / np.maximum(k, 1e-300), 0.0)
            S = sp.csr_array(sp.diags_array(inv) @ Q)
            st = LinearStep(S, 1.0 - g, gain, hq * inv, None if injected == 0 else anchor)
            extra = {
                "Q": Q,
                "hq": hq,
                "k": k,
                "sum_w2": sum_w2,
                "N": per_store,
                "A": A,
                "anchor": anchor,
                "v_human": v_human,
                "graph": graph,
            }
            self._cache[key] = (st, extra)
        return self._cache[key]

    # ------------------------------------------------------------------ noise
    def noise(self, t: int, mean: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the publishing and reading variances at step ``t`` (module docstring)."""
        st, x = self._step(t)
        B, L = self.B, self.web.L
        v = np.clip((1.0 - 1.0 / B) - (mean**2).sum(axis=1) - var, 0.0, None)
        pub = v / L
        Q, hq, k, N = x["Q"], x["hq"], x["k"], x["N"]
        wbar2 = np.where(k > 0, st.gain / np.maximum(k, 1e-300), 0.0) ** 2
        A0, anchor, v_human = x["A"], x["anchor"], x["v_human"]
        read_mean = st.S @ mean + st.a[:, None] * anchor
        if self.web.retrieval.mode == "pooled":  # one draw from the union of the sources
            size = N * np.diff(st.S.indptr) + A0
            second = st.S @ (v + (mean**2).sum(axis=1)) + st.a * (
                v_human + float((anchor**2).sum())
            )
            v_union = np.clip(second - (read_mean**2).sum(axis=1), 0.0, None)
            hyper = k * v_union * np.clip(size - k, 0, None) / np.maximum(size - 1, 1)
        else:  # fixed quotas: one hypergeometric draw per source
            rows = np.repeat(np.arange(self.n), np.diff(Q.indptr))
            part = Q.data * v[Q.indices] * np.clip(N - Q.data, 0, None) / N
            hyper = np.bincount(rows, weights=part, minlength=self.n)
            if A0 > 1:
                hyper += hq * v_human * (A0 - hq) / (A0 - 1)
        kk = np.maximum(k, 2.0)
        xbar = np.clip((1.0 - 1.0 / B) - (read_mean**2).sum(axis=1), 0.0, None)
        order = np.clip(x["sum_w2"] - st.gain**2 / np.maximum(k, 1), 0, None) * kk / (kk - 1) * xbar
        return pub, wbar2 * hyper + np.where(k > 1, order, 0.0)


def _separation(web: GMMWeb) -> float:
    inv = np.linalg.inv(web.cov)
    mu = web.means
    best = math.inf
    for a in range(len(mu)):
        for b in range(a + 1, len(mu)):
            d = mu[a] - mu[b]
            best = min(best, float(np.sqrt(d @ inv @ d)))
    return best


def predict_gmm(
    web: GMMWeb,
    T: int,
    *,
    noise: bool = True,
    method: str = "auto",
    probes: int = PROBES,
    seed: int = 0,
) -> pd.DataFrame:
    """Predicted ``||D(t)||_F`` of a GMM web for ``t = 0, ..., T``, before simulating it.

    Parameters
    ----------
    web : GMMWeb
        The engine as configured (graph, retrieval, ``L``, ``alpha``, ``c``,
        seed: the prediction starts from the same initial weights as its run).
    T : int
        Steps.
    noise : bool
        Include the sampling noise (the floor); ``False`` gives the mean path only.
    method, probes, seed
        See :func:`netcollapse.spectral.predict_curve`.

    Returns
    -------
    pandas.DataFrame
        Columns ``step``, ``frobenius``, ``signal``, ``noise``, ``noise_se``.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> web = GMMWeb(build("complete", n=16, self_weight=1 / 16), B=3, means=[-8, 0, 8],
    ...              L=64, seed=1, retrieval={"k": 64, "memory": 1})
    >>> pred = predict_gmm(web, 12)
    >>> res = web.run(12, progress=False)
    >>> bool(abs(pred["frobenius"][3] / res.frobenius[3] - 1) < 0.25)
    True
    """
    separation = _separation(web)
    if separation < OVERLAP_SEPARATION:
        warnings.warn(
            f"components are {separation:.2f} Mahalanobis units apart (< "
            f"{OVERLAP_SEPARATION}): ownerships overlap and the linear prediction is rough",
            stacklevel=2,
        )
    W = web.graph.W
    lonely = np.flatnonzero((W.diagonal() >= 1.0 - 1e-12) & (web.graph.h == 0))
    if lonely.size:
        warnings.warn(
            f"node {int(lonely[0])} reads only its own store: the web converges to its state, "
            "and once that reaches a vertex the measured curve is set by positivity resets "
            "(eps), which the linear model does not include (it predicts a floor near 0)",
            stacklevel=2,
        )
    model = GMMLinearModel(web)
    return predict_curve(
        model.step,
        model.X0,
        T,
        anchor=model.anchor,
        memory=model.memory,
        noise=model.noise if noise else None,
        method=method,
        probes=probes,
        seed=seed,
    )
