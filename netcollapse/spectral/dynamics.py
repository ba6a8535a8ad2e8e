"""The whole collapse curve of the linear model: mean path plus propagated sampling noise.

The slowest mode (:func:`~netcollapse.spectral.lazy_rate`) only sets the late
decay. :func:`predict_curve` gives the expected ``||D(t)||_F`` at every step of
the linear (lazy DeGroot / Friedkin-Johnsen) model, with all modes, from the
actual initial state, plus the noise that finitely many reads add every step.

The model
---------
Every node ``i`` holds a state ``y_i(t)`` in ``R^d``. At step ``t`` it publishes
``yhat_i(t) = y_i(t) + xi_i(t)`` (a noisy copy: finitely many published points)
into its store, reads the average of what its sources published over the last
``R`` steps (the store's memory) and an anchor (the human corpus), and moves::

    y_i(t+1) = keep_i y_i(t)
               + gain_i [ sum_j S_ij avg_{s in window(t)} yhat_j(s) + a_i anchor_i ]
               + eta_i(t)

``S`` holds the shares read from stores (``S = diag(1 - h) W`` for the graph's
``W`` and anchoring ``h``, see :mod:`netcollapse.graphs` for the convention),
``a = h`` the share read from the anchor, ``keep = 1 - g`` and ``gain = g``
(lazy DeGroot ``M = (1 - g) I + g W`` for ``R = 1``, ``h = 0``; Friedkin-Johnsen
with ``h > 0``). ``window(t)`` holds steps ``max(0, t - R + 1), ..., t``
(``R = None``: every step so far). ``xi`` (publishing noise) and ``eta``
(reading noise) are independent, zero-mean, with per-node variances (summed over
the ``d`` coordinates) from a noise model, which may depend on the current mean
and variance (finite samples of a mixture have a variance that depends on its
weights).

With memory ``R > 1`` the next state depends on ``R`` published states: the
state is stacked into the block companion form ``z = (y(t), yhat(t-1), ...,
yhat(t-R+1))`` of order ``R`` (keep-all memory: ``z = (y(t), sum_{s<t} yhat(s))``,
order 2), so memory is predicted, not only described as "slower".

Expected disagreement
---------------------
With ``m(t) = E y(t)`` and ``Sigma(t) = Cov y(t)``, and the identity
``sum_ij ||y_i - y_j||^2 = 2 n sum_i ||y_i - ybar||^2``::

    E ||D(t)||_F^2 = 2 n [ sum_i ||m_i(t) - mbar(t)||^2 + tr(C Sigma(t)) ]

with ``C = I - 11^T / n``. The mean ``m`` follows the recursion without noise
(repeated sparse products with ``S``). The covariance of ``z`` follows
``Sigma(t+1) = A Sigma(t) A^T + Q(t)``:

- ``method="dense"`` propagates the ``(Rn) x (Rn)`` matrix exactly (``O((Rn)^2)``
  memory; used for ``R n <= DENSE_COV_MAX``);
- ``method="probes"`` propagates ``p`` probe vectors with the same linear
  recursion and Rademacher noise of the right variance injected each step, so
  ``E[Y Y^T] / p = Sigma`` exactly; ``tr(C Sigma)`` is estimated by
  ``||C Y||_F^2 / p``, unbiased, with relative standard deviation about
  ``sqrt(2 / (p r))`` where ``r = tr(C Sigma)^2 / ||C Sigma C||_F^2`` is the
  effective rank of the noise (large when many nodes contribute). The
  estimate's standard error is returned in the ``noise_se`` column.

The returned ``frobenius`` is ``sqrt(E ||D||_F^2)``, the root mean square; by
Jensen ``E ||D||_F <= sqrt(E ||D||_F^2)``, with a gap that shrinks as ``n`` grows
(for a large web ``||D||_F`` concentrates).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from netcollapse._random import SeedLike, as_generator
from netcollapse._validation import as_array, check_h
from netcollapse.errors import bad
from netcollapse.spectral._markov import as_matrix
from netcollapse.spectral.rates import DEFAULT_G

__all__ = ["DENSE_COV_MAX", "PROBES", "LinearStep", "linear_step", "predict_curve"]

DENSE_COV_MAX = 600
"""Largest stacked state ``R n`` for which ``method="auto"`` propagates the exact covariance."""
PROBES = 64
"""Default number of probe vectors of ``method="probes"``."""

NoiseModel = Callable[[int, np.ndarray, np.ndarray], tuple[Any, Any]]
"""``noise(t, mean, var) -> (publish_var, read_var)``: per-node variances at step ``t``.

``mean`` is ``m(t)``, shape ``(n, d)``; ``var`` is ``tr Cov y_i(t)``, shape ``(n,)``.
Each returned value is a scalar or an ``(n,)`` array of variances summed over
coordinates.
"""


class LinearStep(NamedTuple):
    """One step's operator: ``y' = keep y + gain (S avg(yhat) + a anchor)``.

    Attributes
    ----------
    S : scipy.sparse.csr_array, shape (n, n)
        Shares read from each store; rows sum to ``1 - a``.
    keep : ndarray, shape (n,)
        Weight kept on the node's own state (``1 - g``).
    gain : ndarray, shape (n,)
        Weight on what the node read (``g``; the GMM update has ``g / (1 - B c)``).
    a : ndarray, shape (n,)
        Share read from the anchor.
    anchor : ndarray, shape (d,) or (n, d), optional
        What the anchor share reads at this step; ``None``: :func:`predict_curve`'s
        ``anchor`` (a schedule may change it, e.g. human documents injected).
    """

    S: sp.csr_array
    keep: np.ndarray
    gain: np.ndarray
    a: np.ndarray
    anchor: np.ndarray | None = None


def linear_step(
    W: Any, g: float = DEFAULT_G, h: Any = 0.0, gain: float | None = None
) -> LinearStep:
    """Return the step of the lazy DeGroot / Friedkin-Johnsen model on a graph.

    Parameters
    ----------
    W : RetrievalGraph or matrix
        Row-stochastic retrieval matrix (``W[i, j]``: share of *i*'s reads from
        *j*'s store).
    g : float
        Pull per step, in ``(0, 1]``: ``keep = 1 - g``.
    h : float or array_like, shape (n,)
        Anchoring shares: ``S = diag(1 - h) W``, ``a = h``.
    gain : float, optional
        Weight on what was read; default ``g`` (then ``keep + gain = 1``).

    Returns
    -------
    LinearStep

    Examples
    --------
    >>> import numpy as np
    >>> st = linear_step(np.array([[0.5, 0.5], [0.5, 0.5]]), g=0.6, h=0.25)
    >>> st.S.toarray().tolist(), st.keep.tolist(), st.a.tolist()
    ([[0.375, 0.375], [0.375, 0.375]], [0.4, 0.4], [0.25, 0.25])
    """
    M = as_matrix(W)
    n = M.shape[0]
    if isinstance(g, bool) or not isinstance(g, (int, float, np.number)) or not 0 < g <= 1:
        raise bad("g", g, "a number in (0, 1]")
    hh = check_h(h, n)
    gn = float(g) if gain is None else float(gain)
    if not gn > 0:
        raise bad("gain", gain, "a number > 0")
    S = sp.csr_array(sp.diags_array(1.0 - hh) @ M)
    return LinearStep(S, np.full(n, 1.0 - float(g)), np.full(n, gn), hh)


# ----------------------------------------------------------------------------- the recursion
class _Stack:
    """Block companion form of the windowed recursion; ``apply`` acts on columns."""

    def __init__(self, n: int, memory: int | None) -> None:
        self.n, self.memory = n, memory
        self.blocks = 2 if memory is None else memory  # y, then past published blocks

    def visible(self, t: int) -> int:
        """Return the number of published steps a node reads at step ``t``."""
        return t + 1 if self.memory is None else min(self.memory, t + 1)

    def _past(self, Z: np.ndarray, t: int) -> np.ndarray | float:
        n = self.n
        if self.memory is None:
            return Z[n : 2 * n]
        r = self.visible(t)
        return Z[n : r * n].reshape(r - 1, n, -1).sum(axis=0) if r > 1 else 0.0

    def apply(self, st: LinearStep, t: int, Z: np.ndarray) -> np.ndarray:
        """Noise-free map of the stacked state ``Z`` (shape ``(blocks n, m)``)."""
        n = self.n
        y = Z[:n]
        read = st.S @ (y + self._past(Z, t)) / self.visible(t)
        out = np.empty_like(Z)
        out[:n] = st.keep[:, None] * y + st.gain[:, None] * read
        if self.memory is None:
            out[n:] = Z[n:] + y
        elif self.blocks > 1:
            out[n : 2 * n] = y
            out[2 * n :] = Z[n : (self.blocks - 1) * n]
        return out

    def inject(self, st: LinearStep, t: int, xi: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """Stacked state noise from publishing noise ``xi`` and reading noise ``eta`` (n, m)."""
        n = self.n
        out = np.zeros((self.blocks * n, xi.shape[1]))
        out[:n] = st.gain[:, None] * (st.S @ xi) / self.visible(t) + eta
        if self.blocks > 1:
            out[n : 2 * n] = xi
        return out


def _variances(
    noise: NoiseModel | tuple | None, t: int, mean: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = mean.shape[0]
    if noise is None:
        return np.zeros(n), np.zeros(n)
    pv, rv = noise(t, mean, var) if callable(noise) else noise
    out = []
    for name, v in (("publish_var", pv), ("read_var", rv)):
        arr = np.broadcast_to(np.asarray(v, dtype=float), (n,))
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise bad(f"noise.{name}", float(arr.min()) if arr.size else v, "finite variances >= 0")
        out.append(np.asarray(arr))
    return out[0], out[1]


def _centred_sq(Y: np.ndarray) -> float:
    """``sum_i ||y_i - ybar||^2`` over the columns of ``Y`` (n, m)."""
    return float(((Y - Y.mean(axis=0)) ** 2).sum())


def _steps_of(model: Any, g: float, h: Any, gain: float | None) -> Callable[[int], LinearStep]:
    if isinstance(model, LinearStep):
        return lambda t: model
    if callable(model) and not hasattr(model, "shape") and not hasattr(model, "W"):
        return model
    st = linear_step(model, g=g, h=h, gain=gain)
    return lambda t: st


def predict_curve(
    W: Any,
    X0: Any,
    T: int,
    *,
    g: float = DEFAULT_G,
    h: Any = 0.0,
    anchor: Any = None,
    gain: float | None = None,
    memory: int | None = 1,
    noise: NoiseModel | tuple | None = None,
    method: str = "auto",
    probes: int = PROBES,
    seed: SeedLike = 0,
) -> pd.DataFrame:
    """Predicted ``||D(t)||_F`` for ``t = 0, ..., T``: mean path plus propagated noise.

    Parameters
    ----------
    W : RetrievalGraph, matrix, LinearStep or callable
        The graph's retrieval matrix (with ``g``, ``h``, ``gain`` giving the step,
        :func:`linear_step`), one :class:`LinearStep` for every step, or a
        callable ``t -> LinearStep`` (a schedule: time-varying graphs, reads that
        grow while stores fill, interventions; step ``t`` produces row ``t + 1``,
        so the prediction is the product of the step operators).
    X0 : array_like, shape (n,) or (n, d)
        The initial state (row 0 of a run).
    T : int
        Steps to predict (the result has ``T + 1`` rows).
    g, h, gain : see :func:`linear_step`
        Used when ``W`` is a graph or matrix.
    anchor : array_like, shape (d,) or (n, d), optional
        What the anchor share reads: a shared point (a human corpus) or one per
        node; default ``X0`` (classic Friedkin-Johnsen: each node anchored to its
        own initial state).
    memory : int or None
        Steps a store keeps (``R``); ``None`` keeps all.
    noise : callable or (publish_var, read_var), optional
        Per-node variances added each step (see :data:`NoiseModel`); ``None``
        gives the noise-free curve.
    method : {"auto", "dense", "probes"}
        How the covariance is propagated (module docstring); ``"auto"`` is dense
        for ``R n <= DENSE_COV_MAX``.
    probes : int
        Probe vectors for ``"probes"``.
    seed : int, Generator or None
        Seed of the probes (``"probes"`` only).

    Returns
    -------
    pandas.DataFrame
        One row per step: ``step``, ``frobenius`` (``sqrt(E ||D||_F^2)``),
        ``signal`` (``||D||_F`` of the mean path), ``noise`` (the noise part,
        ``sqrt(2 n tr(C Sigma))``) and ``noise_se`` (standard error of ``noise^2``
        from the probes; 0 for ``"dense"``). ``attrs`` records ``method`` and
        ``probes``.

    Examples
    --------
    Noise-free lazy DeGroot on the complete graph with self loops contracts by
    exactly ``1 - g`` per step:

    >>> import numpy as np
    >>> W = np.full((4, 4), 0.25)
    >>> c = predict_curve(W, [0.0, 1.0, 2.0, 3.0], T=3, g=0.5)
    >>> np.round(c["frobenius"].to_numpy() / c["frobenius"][0], 6).tolist()
    [1.0, 0.5, 0.25, 0.125]

    With reading noise of variance ``q`` per node the curve levels off at the
    stationary floor ``2 n tr(C Sigma_inf)``, ``Sigma_inf = q I / (1 - (1 - g)^2)``
    here:

    >>> c = predict_curve(W, np.zeros(4), T=200, g=0.5, noise=(0.0, 0.01))
    >>> floor = np.sqrt(2 * 4 * 3 * 0.01 / (1 - 0.25))
    >>> bool(abs(c["frobenius"].iloc[-1] - floor) < 1e-9)
    True
    """
    steps = _steps_of(W, g, h, gain)
    st0 = steps(0)
    n = st0.S.shape[0]
    X = as_array(X0, "X0", (1, 2), "an array of shape (n,) or (n, d)")
    X = X[:, None] if X.ndim == 1 else X
    if X.shape[0] != n:
        raise bad("X0", f"{X.shape[0]} rows", f"{n} rows (one per node)")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 0:
        raise bad("T", T, "an integer >= 0")
    if memory is not None and (
        isinstance(memory, bool) or not isinstance(memory, (int, np.integer)) or memory < 1
    ):
        raise bad("memory", memory, "an integer >= 1 or None (keep all)")
    if method not in ("auto", "dense", "probes"):
        raise bad("method", method, "'auto', 'dense' or 'probes'")
    if isinstance(probes, bool) or not isinstance(probes, (int, np.integer)) or probes < 1:
        raise bad("probes", probes, "an integer >= 1")
    anc = X if anchor is None else _anchor(anchor, X, np.ndim(X0) == 1)
    stack = _Stack(n, memory)
    nz = stack.blocks * n
    dense = method == "dense" or (method == "auto" and nz <= DENSE_COV_MAX)
    rng = as_generator(seed)
    Zm = np.zeros((nz, X.shape[1]))
    Zm[:n] = X
    Sig = np.zeros((nz, nz)) if dense and noise is not None else None
    Y = np.zeros((nz, int(probes))) if not dense and noise is not None else None
    rows = []
    for t in range(int(T) + 1):
        m = Zm[:n]
        if Sig is not None:
            var, tr = np.diag(Sig)[:n].copy(), _dense_trace(Sig[:n, :n])
            se = 0.0
        elif Y is not None:
            var = (Y[:n] ** 2).sum(axis=1) / Y.shape[1]
            tr, se = _probe_trace(Y[:n])
        else:
            var, tr, se = np.zeros(n), 0.0, 0.0
        sig2 = _centred_sq(m)
        rows.append(
            (
                t,
                math.sqrt(2 * n * max(sig2 + tr, 0.0)),
                math.sqrt(2 * n * sig2),
                math.sqrt(2 * n * max(tr, 0.0)),
                2 * n * se,
            )
        )
        if t == T:
            break
        st = steps(t) if t else st0
        pv, rv = _variances(noise, t, m, var)
        Znew = stack.apply(st, t, Zm)
        anc_t = anc if st.anchor is None else _anchor(st.anchor, X, np.ndim(X0) == 1)
        Znew[:n] += (st.gain * st.a)[:, None] * anc_t
        if Sig is not None:
            Sig = stack.apply(st, t, stack.apply(st, t, Sig).T)
            G = stack.inject(st, t, np.diag(np.sqrt(pv)), np.zeros((n, n)))
            Sig += G @ G.T
            Sig[np.arange(n), np.arange(n)] += rv  # reading noise enters y alone, independently
        elif Y is not None:
            p = Y.shape[1]
            xi = np.sqrt(pv)[:, None] * rademacher(rng, n, p)
            eta = np.sqrt(rv)[:, None] * rademacher(rng, n, p)
            Y = stack.apply(st, t, Y) + stack.inject(st, t, xi, eta)
        Zm = Znew
    out = pd.DataFrame(rows, columns=["step", "frobenius", "signal", "noise", "noise_se"])
    out.attrs.update(method="dense" if dense else "probes", probes=0 if dense else int(probes))
    return out


def _anchor(anchor: Any, X: np.ndarray, one_d: bool) -> np.ndarray:
    """Return the anchor as an ``(n, d)`` array: a shared point or one per node."""
    a = np.atleast_1d(as_array(anchor, "anchor", (0, 1, 2), "a point or one point per node"))
    n, d = X.shape
    if one_d and a.ndim == 1 and a.shape[0] == n:
        return a[:, None]
    if a.ndim == 1 and a.shape[0] == d:
        return np.broadcast_to(a[None, :], X.shape)
    if a.shape == X.shape:
        return a
    raise bad("anchor", f"shape {a.shape}", f"shape ({d},) (shared) or {X.shape} (per node)")


def rademacher(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    return rng.integers(0, 2, size=(n, p), dtype=np.int8).astype(float) * 2.0 - 1.0


def _dense_trace(S: np.ndarray) -> float:
    """``tr(C S)`` for the centring ``C``."""
    return float(np.trace(S) - S.sum() / S.shape[0])


def _probe_trace(Y: np.ndarray) -> tuple[float, float]:
    """``tr(C Sigma)`` estimated from probes ``Y`` (n, p), and its standard error."""
    per = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    p = per.size
    return float(per.mean()), float(per.std(ddof=1) / math.sqrt(p)) if p > 1 else math.inf
