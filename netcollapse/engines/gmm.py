"""Interacting Gaussian mixtures on a retrieval graph: the paper's Algorithms 2-3, vectorised.

Every node is a Gaussian mixture in R^d with ``B`` fixed components (means
``mu_b`` and one shared covariance ``Sigma``); only its weights ``Pi_i`` change.
Each step ``t`` (paper order, Wang et al. 2025, arXiv 2506.15690, Algorithm 3):

1. every node samples ``L`` points from its mixture and publishes all of them to
   its own store (stamped ``t``);
2. every node draws ``k_i(t)`` points from its sources (per-source quotas from
   ``W`` and ``h``, or a uniform draw from the union in ``pooled`` mode; stores
   published up to and including step ``t``, within the memory window);
3. it updates its weights point by point, in random order, with the recursive
   rule of Zivkovic & van der Heijden (2004), the paper's Algorithm 2::

       o_b  = pi_b N(u; mu_b, Sigma) / sum_l pi_l N(u; mu_l, Sigma)
       pi_b <- (1 - alpha) pi_b + alpha (o_b - c) / (1 - B c)
       if pi_b <= 0: every other weight *= 1 / (1 + eps - pi_b); pi_b = eps

   with ``alpha = 1/k_i`` and ``c = 1/(k_i B^2)`` by default.

Vectorisation: the update is sequential within a node, so the loop runs over the
point index and updates all nodes at once: nodes are ordered by how many points
they read, so the nodes still reading at point ``p`` are a prefix and their
``p``-th points one contiguous block (the kernels live in
:mod:`netcollapse.engines.gmm_kernels`). The component likelihoods of each point
are computed once, when it is published (means and covariance are fixed), and
stored, so retrieval never recomputes a density; a step gathers the rows it reads
from that store once, straight into the update's layout.

The human seed set ``A(0)`` (the paper does not state it) is ``A0`` points drawn
from the mixture with equal weights ``1/B``; ``eps`` (also unstated) defaults to
``1e-4``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._io import atomic_write_bytes, read_npy
from netcollapse._random import SeedLike, Stream
from netcollapse._spec import validate
from netcollapse.engines.gmm_kernels import (
    default_means,
    rank_major,
    sample_without_replacement,
    zvdh_ragged,
)
from netcollapse.engines.loop import Row, Web
from netcollapse.engines.spec import GMMSpec
from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.measures.disagreement import frobenius_distance, synthetic_share
from netcollapse.retrieval.settings import Retrieval

__all__ = ["GMMWeb", "default_means", "sample_without_replacement"]


def node_rates(spec: float | str, k: np.ndarray, B: int, name: str) -> np.ndarray:
    """Return each node's value of a rate ``alpha`` or ``c`` given as a number or by name.

    Parameters
    ----------
    spec : float or {"1/k", "1/(k B^2)", "0"}
        The rate as configured (``k``: points the node read, at least 1).
    k : ndarray of int
        Points each node reads.
    B : int
        Number of mixture components.
    name : str
        The field's name, for the error.

    Returns
    -------
    ndarray of float, shaped like ``k``
    """
    kk = np.maximum(k, 1).astype(float)
    if isinstance(spec, str):
        table = {"1/k": 1.0 / kk, "1/(k B^2)": 1.0 / (kk * B * B), "0": np.zeros_like(kk)}
        if spec not in table:
            raise bad(name, spec, "a number or one of '1/k', '1/(k B^2)', '0'")
        return table[spec]
    return np.full(k.shape, float(spec))


def _plain(value: Any) -> Any:
    """Numpy arrays and scalars as plain lists and numbers (for the spec model)."""
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


# --------------------------------------------------------------------------- engine
class GMMWeb(Web):
    """Interacting Gaussian mixtures on a retrieval graph (paper Algorithms 2-3).

    Parameters
    ----------
    graph : RetrievalGraph
        ``W[i, j]`` = share of node *i*'s retrieval from node *j*'s store.
    B : int
        Number of mixture components (>= 2).
    means : array_like, shape (B,) or (B, d), optional
        Component means (scalars for d = 1); default :func:`default_means`
        (``B`` points evenly spaced in ``[-5, 5]``, the paper's -5 and +5 for B = 2).
    cov : float or array_like, shape (d, d)
        Shared covariance (a scalar is a variance times the identity).
    a : float
        Dirichlet concentration of the initial weights ``Pi_i(0)``.
    L : int
        Points each node samples (and publishes) per step.
    alpha, c : float or {"1/k", "1/(k B^2)"}
        Learning rate and prior constant of the update (paper: ``1/k`` and
        ``1/(k B^2)`` with ``k`` the number of retrieved points).
    eps : float
        Positivity reset value (paper leaves it unstated; 1e-4).
    A0 : int
        Size of the human seed set (paper leaves it unstated; 20, like the LLM
        experiment's 20 posts), drawn from the mixture with equal weights.
    retrieval : Retrieval or dict, optional
        How nodes read (see :class:`~netcollapse.retrieval.settings.Retrieval`;
        ``pick`` must be ``"random"``).
    seed : int, numpy.random.Generator or None
        See :class:`~netcollapse.engines.loop.Web`.
    interventions : sequence of Intervention or dict, optional
        Graph schedule, rewiring, anchoring changes, frozen nodes and injected
        human points (:mod:`netcollapse.scenarios.interventions`); an ``inject``
        event adds ``count`` points drawn from the mixture with its ``weights``
        (default equal) to the human set.
    record : bool
        Keep every step's random draws (component uniforms, normal draws, retrieved
        points) in :attr:`draws`, for checking against a reference implementation.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> web = GMMWeb(build("complete", n=3, self_weight=0.34), B=2, means=[-5, 5], cov=1.0,
    ...              L=3, retrieval={"mode": "pooled"}, seed=0)
    >>> res = web.run(20, progress=False)
    >>> len(res.metrics), bool(res.frobenius[-1] < res.frobenius[0])
    (21, True)
    """

    kind = "gmm"

    def __init__(
        self,
        graph: RetrievalGraph,
        *,
        B: int = 2,
        means: Any = None,
        cov: Any = 1.0,
        a: float = 1.0,
        L: int = 3,
        alpha: float | str = "1/k",
        c: float | str = "1/(k B^2)",
        eps: float = 1e-4,
        A0: int = 20,
        retrieval: Retrieval | dict[str, Any] | None = None,
        seed: SeedLike = None,
        interventions: Any = None,
        record: bool = False,
    ) -> None:
        super().__init__(graph, retrieval=retrieval, seed=seed, interventions=interventions)
        if self.retrieval.pick != "random":
            raise bad(
                "retrieval.pick",
                self.retrieval.pick,
                "'random' (GMM nodes have no query to be near to)",
            )
        given = {"B": B, "means": means, "cov": cov, "a": a, "L": L, "alpha": alpha, "c": c}
        given |= {"eps": eps, "A0": A0}
        p = validate(GMMSpec, {k: _plain(v) for k, v in given.items()})
        B, a, L, alpha, c, eps, A0 = p.B, p.a, p.L, p.alpha, p.c, p.eps, p.A0
        mu = p.mean_array()
        d = mu.shape[1]
        S = p.cov_array(d)
        chol = np.linalg.cholesky(S)
        self.B, self.means, self.cov, self.chol, self.d = int(B), mu, S, chol, d
        self.a, self.L, self.alpha, self.c = float(a), int(L), alpha, c
        self.eps, self.A0, self.record = float(eps), int(A0), record
        for i, inject in enumerate(self.schedule.injects):
            inject.check_engine("gmm", self.B, f"interventions.inject.{i}")

    def config(self) -> dict[str, Any]:
        """Return the resolved configuration (JSON-able)."""
        return {
            **self.base_config(),
            "B": self.B,
            "means": self.means.tolist(),
            "cov": self.cov.tolist(),
            "a": self.a,
            "L": self.L,
            "alpha": self.alpha,
            "c": self.c,
            "eps": self.eps,
            "A0": self.A0,
        }

    # ------------------------------------------------------------------ densities
    def likelihood(self, x: np.ndarray) -> np.ndarray:
        """Return the component likelihoods of points, scaled so each point's largest is 1.

        Parameters
        ----------
        x : ndarray, shape (..., d)
            Points in the mixture's space.

        Returns
        -------
        ndarray, shape (..., B)
            ``N(x; mu_b, Sigma)`` for every component ``b``, divided by its maximum
            over ``b`` (the update only uses ratios).
        """
        diff = x[..., None, :] - self.means  # (..., B, d)
        z = np.linalg.solve(self.chol, np.moveaxis(diff, -1, 0).reshape(self.d, -1))
        logp = np.square(z, out=z).sum(axis=0).reshape(diff.shape[:-1])
        logp *= -0.5
        top = logp[..., 0].copy()  # max over the B components (column by column: faster)
        for b in range(1, self.B):
            np.maximum(top, logp[..., b], out=top)
        logp -= top[..., None]
        return np.exp(logp, out=logp)

    def _sample(
        self, Pi: np.ndarray, U: np.ndarray, Z: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Points from each node's mixture given uniforms ``U`` (n, L) and normals ``Z``."""
        cdf = np.cumsum(Pi, axis=1)
        comp = np.minimum((U[..., None] > cdf[:, None, :]).sum(axis=-1), self.B - 1)
        return comp, self.means[comp] + Z @ self.chol.T

    # ------------------------------------------------------------------ state
    def initial_weights(self) -> np.ndarray:
        """Return the initial weights ``Pi(0)`` (row 0 of a run), without touching the web.

        Returns
        -------
        ndarray, shape (n, B)
            Dirichlet(``a``) draws from the run's ``GMM_INIT`` stream
            (:class:`~netcollapse._random.Stream`): the same numbers every call.
        """
        rng = self.rng(Stream.GMM_INIT, Stream.INIT_WEIGHTS)
        return rng.dirichlet(np.full(self.B, self.a), size=self.n)

    def seed_points(self) -> np.ndarray:
        """Return the human seed set ``A(0)``, without touching the web.

        Returns
        -------
        ndarray, shape (A0, d)
            ``A0`` points from the mixture with equal weights, drawn from the run's
            ``GMM_INIT`` stream: the same numbers every call.
        """
        rng = self.rng(Stream.GMM_INIT, Stream.INIT_SEED_SET)
        comp = rng.integers(0, self.B, size=self.A0)
        return self.means[comp] + rng.standard_normal((self.A0, self.d)) @ self.chol.T

    def _init_state(self) -> None:
        self.Pi = self.initial_weights()
        pts = self.seed_points()
        self.human_points = pts
        self.human_lik = self.likelihood(pts) if self.A0 else np.empty((0, self.B))
        self._injected = 0
        cap = self.memory if self.memory is not None else 16
        self._lik = np.empty((cap, self.n, self.L, self.B))
        self._steps = np.full(cap, -1, dtype=np.int64)  # which step each slot holds
        self.draws: list[dict[str, Any]] = []
        self._last_samples: np.ndarray | None = None

    def injected_points(self, index: int) -> np.ndarray:
        """Return the points of the ``index``-th ``inject`` event (drawn from its own stream).

        Parameters
        ----------
        index : int
            Position among the schedule's ``inject`` events.

        Returns
        -------
        ndarray, shape (count, d)
        """
        ev = self.schedule.injects[index]
        assert ev.count is not None  # check_engine("gmm") in __init__
        w = np.full(self.B, 1.0 / self.B) if ev.weights is None else np.asarray(ev.weights, float)
        rng = self.schedule.rng(index)
        comp = rng.choice(self.B, size=ev.count, p=w / w.sum())
        return self.means[comp] + rng.standard_normal((ev.count, self.d)) @ self.chol.T

    def _inject(self, row: int) -> None:
        """Add the points of ``inject`` events due by ``row`` to the human set."""
        due = self.schedule.injections(row)
        for index, _ in due[self._injected :]:
            pts = self.injected_points(index)
            self.human_points = np.concatenate([self.human_points, pts])
            self.human_lik = np.concatenate([self.human_lik, self.likelihood(pts)])
        self._injected = len(due)

    def _slot(self, t: int) -> int:
        cap = self._lik.shape[0]
        if self.memory is not None:
            return t % cap
        if t >= cap:  # grow (keep-all memory): double the capacity
            grown = np.empty((2 * cap, *self._lik.shape[1:]))
            grown[:cap] = self._lik
            steps = np.full(2 * cap, -1, dtype=np.int64)
            steps[:cap] = self._steps
            self._lik, self._steps = grown, steps
        return t

    def _publish(self, t: int, lik: np.ndarray) -> None:
        s = self._slot(t)
        self._lik[s] = lik
        self._steps[s] = t

    def _visible_slots(self, t: int) -> np.ndarray:
        """Slots of steps visible when reading at step ``t`` (steps <= t, in memory)."""
        lo = -1 if self.memory is None else t - self.memory
        ok = (self._steps <= t) & (self._steps > lo) & (self._steps >= 0)
        slots = np.flatnonzero(ok)
        return slots[np.argsort(self._steps[slots])]

    def _row(self, t: int, k: np.ndarray, synthetic: np.ndarray) -> Row:
        """Metrics and node rows of the current weights; ``k``, ``synthetic`` per node."""
        Pi = self.Pi
        centre = Pi.mean(axis=0)
        diversity = 1.0 - (Pi**2).sum(axis=1)
        read = int(k.sum())
        row = {
            "step": t,
            "frobenius": frobenius_distance(Pi),
            "synthetic_share": synthetic_share(int(synthetic.sum()), read),
            "k_mean": read / self.n,
            "weight_diversity": float(diversity.mean()),
            "weight_drift": float(np.linalg.norm(centre - 1.0 / self.B)),
        }
        nodes = pd.DataFrame(
            {
                "step": np.full(self.n, t),
                "node": np.arange(self.n),
                "dist_to_centroid": np.linalg.norm(Pi - centre, axis=1),
                "k": k.astype(np.int64),
                "synthetic": synthetic.astype(np.int64),
                "weight_diversity": diversity,
                "top_weight": Pi.max(axis=1),
            }
        )
        return row, nodes

    def _initial_rows(self) -> Row:
        none = np.zeros(self.n, dtype=np.int64)
        return self._row(0, none, none)

    # ------------------------------------------------------------------ one step
    def _advance(self, t: int) -> Row:
        n, L, B = self.n, self.L, self.B
        self._inject(t + 1)
        H = len(self.human_lik)
        sample_rng, quota_rng, pick_rng, order_rng = (
            self.rng(t, s)
            for s in (Stream.GMM_SAMPLE, Stream.GMM_QUOTAS, Stream.GMM_PICKS, Stream.GMM_ORDER)
        )
        # 1. sample and publish L points per node
        U = sample_rng.random((n, L))
        Z = sample_rng.standard_normal((n, L, self.d))
        comp, pts = self._sample(self.Pi, U, Z)
        self._publish(t, self.likelihood(pts))
        self._last_samples = pts
        # 2. retrieve: quotas, then uniform picks without replacement within each source
        slots = self._visible_slots(t)
        per_store = L * len(slots)
        q = self.quotas(np.full(n, per_store, dtype=np.int64), H, quota_rng)
        Q = q.Q.tocsr()
        counts = Q.data.astype(np.int64)
        reader = np.repeat(np.arange(n), np.diff(Q.indptr))
        source = Q.indices
        pos = sample_without_replacement(np.full(counts.size, per_store), counts, pick_rng)
        rd = np.repeat(reader, counts)
        src = np.repeat(source, counts)
        hq = q.human.astype(np.int64)
        hpos = sample_without_replacement(np.full(n, H), hq, pick_rng)
        readers = np.concatenate([np.repeat(np.arange(n), hq), rd])  # human points first
        k_i = np.bincount(readers, minlength=n)
        # random processing order within each node
        order = np.argsort(readers + order_rng.random(readers.size))  # shuffle within node
        readers = readers[order]
        # which point the update meets at each row of its (point index, node) layout
        perm, widths, dest = rank_major(k_i)
        which = np.empty(readers.size, dtype=np.int64)
        which[dest] = order
        row = (slots[pos // L] * n + src) * L + pos % L  # synthetic points: rows of the store
        lik = self._gather(which, hpos, row)
        if self.record:
            ids = np.concatenate([-1 - hpos, self._global_ids(slots, pos, src)])[order]
            self.draws.append({"U": U, "Z": Z, "readers": readers, "ids": ids, "k": k_i})
        # 3. update
        alpha = node_rates(self.alpha, k_i, B, "alpha")
        c = node_rates(self.c, k_i, B, "c")
        self.Pi = zvdh_ragged(self.Pi, lik, perm, widths, alpha, c, self.eps)
        return self._row(t + 1, k_i, np.bincount(rd, minlength=n))

    def _gather(self, which: np.ndarray, hpos: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Likelihoods of points ``which`` (human ``hpos`` first, then store rows ``row``)."""
        store = self._lik.reshape(-1, self.B)  # a view: the store is contiguous
        h = hpos.size
        if h == 0:
            return np.take(store, row[which], axis=0)
        lik = np.empty((which.size, self.B))
        human = which < h
        lik[human] = self.human_lik[hpos[which[human]]]
        lik[~human] = np.take(store, row[which[~human] - h], axis=0)
        return lik

    def _global_ids(self, slots: np.ndarray, pos: np.ndarray, src: np.ndarray) -> np.ndarray:
        """Identify synthetic points as ``(step * n + node) * L + sample`` (for ``record``)."""
        step = self._steps[slots[pos // self.L]]
        return (step * self.n + src) * self.L + pos % self.L

    # ------------------------------------------------------------------ persistence
    def _write_step(self, steps: Path, t: int) -> None:
        if t == 0:  # row 0 published nothing
            return
        buf = io.BytesIO()
        np.save(buf, self._lik[self._slot(t - 1)])  # points published at stamp t - 1
        atomic_write_bytes(steps / f"lik-{t - 1:06d}.npy", buf.getvalue())

    def _save_state(self, folder: Path) -> None:
        np.save(folder / "Pi.npy", self.Pi)

    def _load_state(self, folder: Path, steps: Path, t: int) -> None:
        n, L, B = self.n, self.L, self.B  # damaged or misshapen files: one DataError line
        self.Pi = read_npy(folder / "Pi.npy", "the checkpoint's mixture weights", (n, B))
        first = 0 if self.memory is None else max(0, t - self.memory)
        for s in range(first, t):
            what = f"the likelihoods of the points published at step {s}"
            self._publish(s, read_npy(steps / f"lik-{s:06d}.npy", what, (n, L, B)))
