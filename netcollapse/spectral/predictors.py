"""Graph predictors beyond the walk's spectrum ends: Fiedler, Friedkin-Johnsen, Kemeny, degrees.

The public functions here are re-exported by :mod:`netcollapse.spectral`, whose
module docstring states the matrix convention (``W[i, j]`` is the share of node
*i*'s retrieval drawn from node *j*'s store; rows sum to 1; directed) and the
``method`` / ``tol`` conventions; import them from there. The ``chain_*`` helpers
(not in ``__all__``) take a validated :class:`netcollapse.spectral._markov.Chain`
so that :func:`netcollapse.spectral.spectral_summary` solves every shared
eigen-problem once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse import linalg as spla

from netcollapse._random import as_generator
from netcollapse._validation import check_h
from netcollapse.spectral._certify import (
    Certified,
    Form,
    certified_smallest,
    hutchinson,
    lanczos_certified,
)
from netcollapse.spectral._linalg import (
    EPS,
    block_cg,
    gmres_columns,
    lanczos_ends,
    rademacher,
    remove_perron,
    single_blas,
)
from netcollapse.spectral._markov import CERTIFIED_RTOL, INVERT_BELOW, Chain, as_matrix

__all__ = [
    "FJ_PROBES",
    "KEMENY_PROBES",
    "degree_heterogeneity",
    "fiedler_value",
    "fj_floor",
    "fj_rate",
    "kemeny_constant",
    "n_components",
]

KEMENY_PROBES = 16
"""Rademacher probes of the Hutchinson estimate in :func:`kemeny_constant` (sparse)."""
KEMENY_EXACT_MODES = 16
"""Slowest modes of :func:`kemeny_constant` counted exactly when it factorises ``I - W``."""
FJ_PROBES = 32
"""Rademacher probes of the Hutchinson estimate in :func:`fj_floor` (sparse)."""


# ----------------------------------------------------------------------------- internals
def _offdiag_sym(W: sp.csr_array) -> sp.csr_array:
    S = sp.csr_array((W + W.T) * 0.5)
    S = sp.csr_array(S - sp.diags_array(S.diagonal()))
    S.eliminate_zeros()
    return S


def _dense_error(n: int, scale: float = 1.0) -> float:
    """Error bound of a dense (LAPACK) symmetric eigenvalue: ``n eps ||A||``."""
    return n * EPS * scale


def chain_fiedler(chain: Chain, normalized: bool) -> Certified:
    """:func:`fiedler_value` of a validated chain, with its certificate."""
    if chain.n_components > 1:
        return Certified(0.0, 0.0, "exact (disconnected)")
    S = _offdiag_sym(chain.W)
    d = np.asarray(S.sum(axis=1)).ravel()
    n = chain.n
    m = d if normalized else np.ones(n)
    scale = 2.0 if normalized else 2.0 * float(d.max())  # bounds the Laplacian's spectrum
    if chain.dense:
        Sd = S.toarray()
        if normalized:
            isq = 1.0 / np.sqrt(d)
            L = np.eye(n) - isq[:, None] * Sd * isq[None, :]
        else:
            L = np.diag(d) - Sd
        value = max(0.0, float(np.linalg.eigvalsh(L)[1]))
        return Certified(value, _dense_error(n, scale), "dense symmetric eigensolver (LAPACK)")
    got = certified_smallest(
        Form(S, m, -1), np.sqrt(m), chain.residual_tol, CERTIFIED_RTOL, INVERT_BELOW * scale / 2
    )
    return got._replace(value=max(0.0, got.value))


def _unanchored(chain: Chain, h: np.ndarray) -> np.ndarray:
    """Mask of nodes in closed classes with h = 0 on the whole class."""
    labels, closed = chain.classes
    anchored = np.bincount(labels, weights=(h > 0).astype(float), minlength=closed.size) > 0
    return (closed & ~anchored)[labels]


def chain_fj_rate(chain: Chain, h: np.ndarray) -> Certified:
    """:func:`fj_rate` of a validated chain and anchoring shares ``h``, with its certificate."""
    if np.any(_unanchored(chain, h)):
        return Certified(1.0, 0.0, "exact (an unanchored closed class)")
    if np.all(h == 1.0):
        return Certified(0.0, 0.0, "exact (every node anchored)")
    if chain.reversible:  # (I - Theta) W is similar to the symmetric T = A S A, A = diag(sqrt(1-h))
        a = np.sqrt(1.0 - h)
        T = chain.S.copy()
        T.data = T.data * a[np.repeat(np.arange(chain.n), np.diff(T.indptr))] * a[T.indices]
        if chain.dense:
            value = float(np.clip(np.linalg.eigvalsh(T.toarray())[-1], 0.0, 1.0))
            return Certified(value, _dense_error(chain.n), "dense symmetric eigensolver (LAPACK)")
        lz = lanczos_ends(T.__matmul__, chain.n, chain.residual_tol, which="max", ref=(0.0, 1.0))
        got = lanczos_certified(lz.hi, lz.hi_err, lz.steps)
        return got._replace(value=float(np.clip(got.value, 0.0, 1.0)))
    B = chain.W.copy()
    B.data = B.data * (1.0 - h)[chain.rows]
    if chain.dense or chain.n < 8:
        value = float(np.max(np.abs(np.linalg.eigvals(B.toarray()))))
        return Certified(value, _dense_error(chain.n), "dense eigensolver (LAPACK), backward error")
    value = float(np.max(np.abs(chain.eigs(B, 1, "LM"))))
    return Certified(value, chain.arpack_tol * value, "ARPACK, backward error")


def _class_average(chain: Chain, mask: np.ndarray) -> sp.csr_array:
    """Rows: closed classes; (A @ z)[c] = pi_c^T z_c, pi_c the class's own stationary law."""
    labels = chain.classes[0]
    k = chain.classes[1].size
    nodes = np.flatnonzero(mask)
    csum = np.bincount(labels[nodes], weights=chain.pi[nodes], minlength=k)
    w = chain.pi[nodes] / csum[labels[nodes]]
    return sp.csr_array((w, (labels[nodes], nodes)), shape=(k, chain.n))


def _fj_apply(chain: Chain, h: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, bool]:
    """P @ Z for the FJ limit map P (iterative solves), Z of shape (n, p); and convergence."""
    U = _unanchored(chain, h)
    R = np.flatnonzero(~U)
    Y = np.zeros_like(Z)
    if U.any():
        Y[U] = (_class_average(chain, U) @ Z)[chain.classes[0][U]]
    if R.size == 0:
        return Y, True
    W = chain.W
    rhs = h[R, None] * Z[R]
    if U.any():
        rhs += (1.0 - h[R])[:, None] * (W[R][:, np.flatnonzero(U)] @ Y[U])
    if not chain.reversible:  # general: GMRES on I - (I - Theta) W restricted to R
        B = sp.csr_array(sp.diags_array(1.0 - h[R]) @ W[R][:, R])
        Y[R], ok = gmres_columns(lambda x: x - B @ x, rhs, chain.tol)
        return Y, ok
    # reversible: components decouple; nodes with h = 1 keep rhs; the rest is SPD after scaling
    hr = h[R]
    fixed, free = R[hr == 1.0], R[hr < 1.0]
    Y[fixed] = rhs[hr == 1.0]
    ok = True
    if free.size:
        r = rhs[hr < 1.0] + (1.0 - h[free])[:, None] * (W[free][:, fixed] @ Y[fixed])
        a, s = np.sqrt(1.0 - h[free]), np.sqrt(chain.pi[free])
        T = sp.csr_array(sp.diags_array(a) @ chain.S[free][:, free] @ sp.diags_array(a))
        X, ok = block_cg(lambda V: V - T @ V, (s / a)[:, None] * r, chain.tol)
        Y[free] = (a / s)[:, None] * X
    return Y, ok


def chain_fj_floor(chain: Chain, h: np.ndarray, seed: Any) -> Certified:
    """:func:`fj_floor` of a validated chain and anchoring shares ``h``, with its certificate."""
    n = chain.n
    U = _unanchored(chain, h)
    if U.all():  # every node in an unanchored closed class: P = blockdiag(1 pi_c^T), exact
        A = _class_average(chain, U)
        sizes = np.bincount(chain.classes[0], minlength=A.shape[0])
        pic2 = np.asarray(A.multiply(A).sum(axis=1)).ravel()
        value = math.sqrt(float(np.sum(sizes * (1 - sizes / n) * pic2)) / (n - 1))
        return Certified(value, 0.0, "exact (closed form)")
    if chain.dense:
        P = np.zeros((n, n))
        if U.any():
            P[U] = _class_average(chain, U).toarray()[chain.classes[0][U]]
        R = ~U
        if R.any():
            Wd = chain.Wd
            BRR = (1.0 - h[R])[:, None] * Wd[np.ix_(R, R)]
            rhs = np.zeros((int(R.sum()), n))
            rhs[:, R] = np.diag(h[R])
            rhs += (1.0 - h[R])[:, None] * (Wd[np.ix_(R, U)] @ P[U])
            P[R] = np.linalg.solve(np.eye(int(R.sum())) - BRR, rhs)
        value = math.sqrt(float(np.sum((P - P.mean(axis=0)) ** 2)) / (n - 1))
        return Certified(value, _dense_error(n) * value, "dense solve (LAPACK), rounding")
    Z = rademacher(as_generator(seed), n, FJ_PROBES)
    Y, ok = _fj_apply(chain, h, Z)
    if not ok:
        return Certified(math.nan, math.nan, "iterative solves did not converge")
    mean, two_se = hutchinson(np.sum((Y - Y.mean(axis=0)) ** 2, axis=0))
    value = math.sqrt(mean / (n - 1))
    err = two_se / (2.0 * math.sqrt(mean * (n - 1))) if mean > 0 else math.nan
    return Certified(value, err, f"Hutchinson, {FJ_PROBES} probes: 2 standard errors")


def chain_kemeny(chain: Chain, seed: Any) -> Certified:
    """:func:`kemeny_constant` of a validated chain, with its certificate."""
    if chain.n_closed > 1:
        return Certified(math.inf, 0.0, "exact (reducible)")
    if chain.dense:
        mu = 1.0 - remove_perron(chain.spectrum)
        value = float(np.sum(1.0 / mu).real)
        err = float(np.sum(_dense_error(chain.n) / np.abs(mu) ** 2))
        return Certified(value, err, "dense eigensolver (LAPACK)")
    n = chain.n
    Z = rademacher(as_generator(seed), n, KEMENY_PROBES)
    if chain.reversible:
        return _kemeny_reversible(chain, Z)
    W, pi = chain.W, chain.pi
    Y, ok = gmres_columns(lambda x: x - W @ x + (pi @ x), Z, chain.tol)
    if not ok:
        return Certified(math.nan, math.nan, "GMRES did not converge")
    value, err = hutchinson(np.einsum("ij,ij->j", Z, Y))
    return Certified(value - 1.0, err, f"Hutchinson, {KEMENY_PROBES} probes: 2 standard errors")


def _kemeny_reversible(chain: Chain, Z: np.ndarray) -> Certified:
    """Trace of ``(I - S)^+``: block CG, or a sparse LU with the top modes counted exactly."""
    u = np.sqrt(chain.pi)
    u /= np.linalg.norm(u)
    Z -= np.outer(u, u @ Z)
    how = f"Hutchinson, {KEMENY_PROBES} probes: 2 standard errors"
    if "inverse" not in chain.__dict__:  # no factorisation yet: try conjugate gradients
        S = chain.S
        outer = np.empty_like(Z)

        def op(X: np.ndarray) -> np.ndarray:  # X - S X + u u^T X, in place
            Y = S @ X
            np.subtract(X, Y, out=Y)
            Y += np.multiply(u[:, None], u @ X, out=outer)
            return Y

        Y, ok = block_cg(op, Z, chain.tol)
        if ok:  # CG's own error: |z^T (x - x*)| <= tol ||z||^2 / mu_2 per probe
            value, err = hutchinson(np.einsum("ij,ij->j", Z, Y))
            mu2 = chain.ends.gap if chain.ends.gap > 0 else math.nan
            return Certified(value, err + chain.tol * chain.n / mu2, how + " (block CG)")
    try:
        inv = chain.inverse
        k = min(KEMENY_EXACT_MODES, chain.n - 2)
        vals, V = inv.top(k)
    except (MemoryError, RuntimeError, spla.ArpackError) as exc:
        return Certified(math.nan, math.nan, f"solves failed ({type(exc).__name__})")
    Z -= V @ (V.T @ Z)
    value, err = hutchinson(np.einsum("ij,ij->j", Z, inv.solve(Z)), float(vals.sum()))
    return Certified(value, err, how + f" (sparse LU; the {k} slowest modes exact)")


# ----------------------------------------------------------------------------- public API
@single_blas
def fiedler_value(
    W: Any, normalized: bool = True, method: str = "auto", tol: float | None = None
) -> float:
    """Algebraic connectivity of the symmetrised retrieval graph.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    normalized : bool
        Normalised Laplacian ``I - D^-1/2 S D^-1/2`` (default) or ``D - S``.
    method : {"auto", "dense", "sparse"}
        Dense ``eigvalsh``, or Lanczos with the null vector ``D^1/2 1`` (resp. ``1``)
        projected out.
    tol : float, optional
        Accuracy of the sparse solver (default :data:`TOL`).

    Returns
    -------
    float
        Second-smallest Laplacian eigenvalue of ``S = (W + W^T) / 2`` with the
        diagonal removed, ``D = diag(S 1)``; 0 for a disconnected graph.

    Notes
    -----
    Fiedler, "Algebraic connectivity of graphs", Czech. Math. J. 23 (1973).
    Continuous consensus ``x' = -L x`` loses disagreement as ``exp(-lambda_2(L) t)``.
    Closed forms: cycle ``C_n`` (``W = A / 2``) ``1 - cos(2 pi / n)``; complete
    ``K_n`` (``W = A / (n - 1)``) ``n / (n - 1)``; star (walk) 1.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> round(fiedler_value(W), 6)  # 1 - cos(2 pi / 5)
    0.690983
    """
    return chain_fiedler(Chain(W, method, tol), normalized).value


@single_blas
def fj_rate(W: Any, h: Any, method: str = "auto", tol: float | None = None) -> float:
    """Friedkin-Johnsen convergence rate: spectral radius of ``(I - Theta) W``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    h : array_like
        Anchoring shares ``h_i`` in ``[0, 1]``, ``Theta = diag(h)``.
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).

    Returns
    -------
    float
        1 when some closed class of ``W`` has no anchored node (e.g. ``h = 0``).

    Notes
    -----
    ``x(t+1) = (I - Theta) W x(t) + Theta x(0)`` converges at this rate to its
    limit (Friedkin & Johnsen, J. Math. Sociol. 15, 1990; Social Influence
    Networks and Opinion Change, Adv. Group Processes 16, 1999). For reversible
    ``W`` the matrix is similar to the symmetric ``A S A``, ``A = diag(sqrt(1 - h))``.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> fj_rate(W, np.zeros(5)), round(fj_rate(W, np.full(5, 0.1)), 6)
    (1.0, 0.9)
    """
    chain = Chain(W, method, tol)
    return chain_fj_rate(chain, check_h(h, chain.n)).value


@single_blas
def fj_floor(
    W: Any, h: Any, method: str = "auto", seed: Any = 0, tol: float | None = None
) -> float:
    """Disagreement floor under anchoring (Friedkin-Johnsen limit).

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    h : array_like
        Anchoring shares ``h_i`` in ``[0, 1]``.
    method : {"auto", "dense", "sparse"}
        Dense: exact. Sparse: Hutchinson estimate with :data:`FJ_PROBES` Rademacher
        probes, each an iterative solve (block CG for reversible ``W``, else GMRES).
    seed : int, numpy.random.Generator or None
        Probes of the sparse estimate.
    tol : float, optional
        Relative residual of the iterative solves (default :data:`TOL`).

    Returns
    -------
    float
        ``sqrt(||C P||_F^2 / ||C||_F^2)`` with ``P`` the limit map ``x_inf = P x_0``
        and ``C = I - 1 1^T / n``: the RMS disagreement at the limit per unit
        initial disagreement for iid unit-variance opinions. 0 for consensus.

    Notes
    -----
    Where every closed class has an anchored node, ``P = (I - (I - Theta) W)^-1
    Theta`` (Friedkin & Johnsen 1990, 1999). A closed class with ``h = 0`` on it
    runs plain DeGroot and ends at its own consensus ``pi_c^T x_0`` (the Cesaro
    limit if it is periodic); the other nodes then solve
    ``(I - B_RR) x_R = Theta_R x0_R + B_RU x_U``. So ``h = 0`` gives 0 on a
    connected graph and a positive floor between disconnected components. The
    sparse estimate's relative standard error is at most ``sqrt(2 / 32) / 2``
    (about 12 %) and much smaller when ``P`` is far from low rank.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> fj_floor(W, np.zeros(5)), round(fj_floor(W, np.ones(5)), 6)
    (0.0, 1.0)
    """
    chain = Chain(W, method, tol)
    return chain_fj_floor(chain, check_h(h, chain.n), seed).value


@single_blas
def kemeny_constant(W: Any, method: str = "auto", seed: Any = 0, tol: float | None = None) -> float:
    """Kemeny's constant ``sum_k 1 / (1 - lambda_k)`` over non-Perron eigenvalues.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    method : {"auto", "dense", "sparse"}
        Dense: exact from the spectrum. Sparse: Hutchinson estimate of the trace of
        the fundamental matrix with :data:`KEMENY_PROBES` Rademacher probes.
    seed : int, numpy.random.Generator or None
        Probes of the sparse estimate.
    tol : float, optional
        Relative residual of the iterative solves (default :data:`TOL`).

    Returns
    -------
    float
        Expected hitting time of a ``pi``-distributed target, from any start;
        ``inf`` when ``W`` has several closed classes (disconnected).

    Notes
    -----
    Kemeny & Snell, *Finite Markov Chains* (1960), Thm 4.4.10;
    ``K = tr(Z) - 1`` with ``Z = (I - W + 1 pi^T)^-1``. For reversible ``W`` the
    sparse path runs block CG on ``I - S + u u^T`` with ``u = sqrt(pi)``. The
    estimate's error shrinks like ``1 / sqrt(n * probes)`` on expander-like graphs.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> round(kemeny_constant(W), 6)
    4.0
    """
    return chain_kemeny(Chain(W, method, tol), seed).value


def degree_heterogeneity(W: Any) -> float:
    """``<k^2> / <k>`` of the number of sources ``k_i`` of each node.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.

    Returns
    -------
    float
        ``k_i`` = non-zero off-diagonal entries of row *i*; NaN with no edges.

    Notes
    -----
    The heterogeneity ratio of scale-free network theory (Pastor-Satorras &
    Vespignani, PRL 86, 2001): spreading thresholds scale with ``<k> / <k^2>``.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> degree_heterogeneity(W)
    2.0
    """
    k = source_counts(as_matrix(W))
    return float(np.mean(k**2) / np.mean(k)) if k.sum() else math.nan


def source_counts(W: sp.csr_array) -> np.ndarray:
    """Count the sources of each node: non-zero off-diagonal entries per row (floats)."""
    return (np.diff(W.indptr) - (W.diagonal() != 0)).astype(float)


def n_components(W: Any) -> int:
    """Count the weakly connected components of the non-zero pattern of ``W``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.

    Returns
    -------
    int

    Notes
    -----
    ``scipy.sparse.csgraph.connected_components(connection="weak")``. Each component
    has at least one closed class, so ``> 1`` means spectral gap 0 (Kemeny & Snell 1960).

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> n_components(W), n_components(np.eye(3))
    (1, 3)
    """
    return int(csgraph.connected_components(as_matrix(W), directed=True, connection="weak")[0])
