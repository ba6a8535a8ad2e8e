"""Eigenvalue rates of the walk ``W``: SLEM, spectral gap, lazy rate, relaxation and mixing.

``W[i, j]`` is the share of node *i*'s retrieval drawn from node *j*'s store
(rows sum to 1); the conventions and solvers are described in :mod:`netcollapse.spectral`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import linalg as spla

from netcollapse.errors import bad
from netcollapse.spectral._linalg import V0_SEED, single_blas
from netcollapse.spectral._markov import Chain, balanced, check_g

__all__ = [
    "DEFAULT_G",
    "MixingBounds",
    "is_reversible",
    "lazy_rate",
    "mixing_time_bounds",
    "relaxation_time",
    "slem",
    "spectral_gap",
    "stationary_distribution",
    "top_eigenvalues",
]

DEFAULT_G = 1.0 - math.exp(-1.0)
"""The paper's per-step pull ``g = 1 - (1 - 1/k)^k -> 1 - e^-1`` (alpha = 1/k)."""


class MixingBounds(NamedTuple):
    """Bounds on the mixing time ``t_mix(eps)`` (steps)."""

    lower: float
    upper: float


# ----------------------------------------------------------------------------- public API
@single_blas
def top_eigenvalues(
    W: Any, k: int = 6, method: str = "auto", tol: float | None = None
) -> np.ndarray:
    """Eigenvalues of ``W`` of largest modulus.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    k : int
        How many (at most ``n``).
    method : {"auto", "dense", "sparse"}
        Dense LAPACK, or ARPACK (``eigsh``/``eigs`` with ``which="LM"``).
    tol : float, optional
        ARPACK tolerance (0 = machine precision); default :data:`ARPACK_TOL`.

    Returns
    -------
    numpy.ndarray
        ``k`` eigenvalues sorted by modulus, descending (ties: larger real part
        first). Real dtype when ``W`` is reversible (real spectrum), complex otherwise.

    Notes
    -----
    The leading eigenvalue of a stochastic matrix is 1 (Perron-Frobenius); see
    Levin, Peres & Wilmer, *Markov Chains and Mixing Times* (2nd ed., 2017), ch. 12.
    ARPACK's ``"LM"`` is slow when ``|lambda_2| ~ |lambda_min|`` (Barabasi-Albert
    walks); :func:`slem` uses a faster route.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> np.round(top_eigenvalues(W, k=3), 6)
    array([ 1.      , -0.809017, -0.809017])
    """
    chain = Chain(W, method, tol)
    n = chain.n
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise bad("k", k, f"an integer in [1, n={n}]")
    if chain.dense or k >= n - 2:
        ev = chain.spectrum
    elif chain.reversible:
        v0 = np.random.default_rng(V0_SEED).random(n) + 0.5
        ev = spla.eigsh(
            chain.S, k=k, which="LM", v0=v0, tol=chain.arpack_tol, return_eigenvectors=False
        )
    else:
        ev = chain.eigs(chain.W, k, "LM")
    ev = np.real(ev) if chain.reversible else np.asarray(ev, dtype=complex)
    order = np.lexsort((-np.round(ev.real, 12), -np.round(np.abs(ev), 12)))
    return ev[order][:k]


@single_blas
def stationary_distribution(W: Any, method: str = "auto") -> np.ndarray:
    """Stationary distribution ``pi`` (left Perron vector, ``pi W = pi``, sums to 1).

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    method : {"auto", "dense", "sparse"}
        Dense solve, or sparse (ARPACK on the lazy chain) for large classes.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``. ``pi_i`` is the long-run share of node *i*'s store in
        what the network reads (the DeGroot consensus weight of node *i*).

    Notes
    -----
    For reversible ``W`` (symmetric non-zero pattern and detailed balance),
    ``pi`` is read off exactly from the ratios ``W[p, j] / W[j, p]`` along a
    spanning tree, without an eigen-solve. Otherwise each closed communicating
    class gets its own stationary law (a linear solve, or ARPACK on the lazy chain
    ``(I + W) / 2``). A reducible ``W`` has many stationary laws; this returns
    the mixture that weights every closed class by its number of nodes (for ``W``
    with no transient nodes, the Cesaro limit started from the uniform law).
    Transient nodes get 0. Kemeny & Snell, *Finite Markov Chains* (1960), ch. 4-5.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)  # path 1-0-2
    >>> W = A / A.sum(axis=1, keepdims=True)
    >>> stationary_distribution(W).round(6)  # degree / 2m
    array([0.5 , 0.25, 0.25])
    """
    return Chain(W, method).pi.copy()


@single_blas
def is_reversible(W: Any, pi: np.ndarray | None = None, tol: float = 1e-10) -> bool:
    """Whether ``W`` satisfies detailed balance ``pi_i W_ij = pi_j W_ji`` with ``pi > 0``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    pi : numpy.ndarray, optional
        Distribution to test against; default :func:`stationary_distribution`.
    tol : float
        Entrywise relative tolerance: ``|F_ij - F_ji| <= tol * max(F_ij, F_ji)``
        for the flows ``F = diag(pi) W``.

    Returns
    -------
    bool
        A chain with transient nodes (``pi_i = 0``) counts as not reversible: its
        spectrum need not be real.

    Notes
    -----
    Reversible chains have a real spectrum and ``D^1/2 W D^-1/2`` (``D = diag(pi)``)
    is symmetric, which the fast paths here use. Every random walk on an
    undirected weighted graph is reversible. Levin, Peres & Wilmer (2017), sec. 1.6.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> is_reversible(W), is_reversible(np.roll(I, 1, axis=1))  # walk vs directed cycle
    (True, False)
    """
    chain = Chain(W)
    if pi is None:
        if tol == 1e-10:
            return chain.reversible
        pi = chain.pi
    p = np.asarray(pi, dtype=float).ravel()
    if p.shape != (chain.n,):
        raise bad("pi.shape", np.shape(pi), f"({chain.n},)")
    return balanced(chain.W, p, tol, chain.rows)


@single_blas
def slem(W: Any, method: str = "auto", tol: float | None = None) -> float:
    """Second-largest eigenvalue modulus of ``W``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    method : {"auto", "dense", "sparse"}
        Dense eigenvalues, or sparse solvers.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).

    Returns
    -------
    float
        ``max |lambda|`` over the eigenvalues other than one Perron eigenvalue 1,
        i.e. ``max(|lambda_2|, |lambda_min|)`` for reversible ``W``. It is 1 when
        ``W`` has several closed classes (disconnected) or is periodic.

    Notes
    -----
    DeGroot: for primitive ``W``, ``W^t x -> 1 pi^T x`` with error ``~ slem^t``
    (DeGroot, "Reaching a consensus", JASA 1974; Levin, Peres & Wilmer 2017,
    sec. 12.2, the absolute spectral gap ``1 - slem``). Reversible large ``W``:
    one Lanczos run on the symmetrised ``S = D^1/2 W D^-1/2`` (Perron eigenvalue
    moved inside the spectrum) gives ``lambda_2`` and ``lambda_min`` together;
    otherwise ARPACK ``eigs`` within :data:`ARPACK_MATVECS` matvecs, then a
    power-iteration estimate (bulk spectra of random directed graphs).

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> round(slem(W), 6)  # odd cycle: cos(pi / 5)
    0.809017
    """
    return Chain(W, method, tol).ends.slem


@single_blas
def spectral_gap(W: Any, method: str = "auto", tol: float | None = None) -> float:
    """Absolute spectral gap ``1 - slem(W)``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).

    Returns
    -------
    float
        In ``[0, 1]``; 0 for a disconnected or periodic ``W``.

    Notes
    -----
    Levin, Peres & Wilmer, *Markov Chains and Mixing Times* (2017), sec. 12.2.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> round(spectral_gap(W), 6)
    0.190983
    """
    return Chain(W, method, tol).ends.gap


@single_blas
def lazy_rate(W: Any, g: float, method: str = "auto", tol: float | None = None) -> float:
    """Predicted per-step contraction of disagreement: the SLEM of ``(1 - g) I + g W``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    g : float
        Per-step pull toward the sources, in ``(0, 1]``; the paper's
        ``alpha = 1/k`` gives ``g = 1 - e^-1`` (:data:`DEFAULT_G`).
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).

    Returns
    -------
    float
        ``W = J / n`` (complete graph, uniform weights with self loops) gives ``1 - g``.

    Notes
    -----
    One LWD step moves node *i*'s mixture weights to ``(1 - g) Pi_i + g *`` (the
    average of its sources), a lazy DeGroot step: ``k`` sequential updates with
    rate ``alpha`` (one per retrieved point) keep ``(1 - alpha)^k`` of the old
    weights, so ``g = 1 - (1 - alpha)^k``; ``alpha = 1/k`` gives the paper's
    Appendix A rate ``(1 - alpha)^k -> e^-1`` (Wang et al., arXiv 2506.15690;
    see :mod:`netcollapse.theory.degroot`). Eigenvalues map
    as ``lambda -> 1 - g + g lambda``; for reversible ``W`` only ``lambda_2`` and
    ``lambda_min`` matter, otherwise the SLEM is computed on the lazy matrix.

    Examples
    --------
    >>> import numpy as np
    >>> round(lazy_rate(np.full((4, 4), 0.25), DEFAULT_G), 6)  # e^-1
    0.367879
    """
    g = check_g(g)
    return Chain(W, method, tol).lazy(g)


@single_blas
def relaxation_time(W: Any, method: str = "auto", tol: float | None = None) -> float:
    """Relaxation time ``t_rel = 1 / (1 - slem)`` in steps.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).

    Returns
    -------
    float
        ``inf`` when the gap is 0.

    Notes
    -----
    Levin, Peres & Wilmer (2017), sec. 12.2: ``t_rel = 1 / gamma_*`` with the
    absolute spectral gap ``gamma_*``.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> round(relaxation_time(W), 4)
    5.2361
    """
    return gap_t_rel(Chain(W, method, tol).ends.gap)


def gap_t_rel(gap: float) -> float:
    """Relaxation time ``1 / gap`` of a spectral gap; ``inf`` at 0, NaN when the gap is NaN."""
    if math.isnan(gap):
        return math.nan
    return math.inf if gap <= 0.0 else 1.0 / gap


def chain_mixing(chain: Chain, eps: float) -> MixingBounds:
    """:func:`mixing_time_bounds` of a validated chain (``eps`` checked here)."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 0.5:
        raise bad("eps", eps, "a number in (0, 0.5)")
    t = gap_t_rel(chain.ends.gap)
    lower = (t - 1.0) * math.log(1.0 / (2.0 * eps))
    pmin = float(chain.pi.min())
    if not chain.reversible:
        upper = math.nan
    else:
        upper = math.inf if pmin <= 0 else t * math.log(1.0 / (eps * pmin))
    return MixingBounds(lower, upper)


@single_blas
def mixing_time_bounds(
    W: Any, eps: float = 0.25, method: str = "auto", tol: float | None = None
) -> MixingBounds:
    """Spectral bounds on the total-variation mixing time ``t_mix(eps)``.

    Parameters
    ----------
    W : RetrievalGraph, scipy.sparse.csr_array or numpy.ndarray
        Row-stochastic retrieval matrix, ``W[i, j]`` = share of *i*'s retrieval from *j*.
    eps : float
        Distance to stationarity, in ``(0, 1/2)``.
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).

    Returns
    -------
    MixingBounds
        ``lower = (t_rel - 1) log(1 / (2 eps))``, ``upper = t_rel log(1 / (eps pi_min))``.
        ``upper`` is NaN when ``W`` is not reversible (the theorem does not apply).

    Notes
    -----
    Levin, Peres & Wilmer, *Markov Chains and Mixing Times* (2nd ed. 2017),
    Theorem 12.4 (upper bound; reversible, irreducible ``W``) and Theorem 12.5
    (lower bound); Theorems 12.3 / 12.4 in the 1st edition.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> [round(x, 3) for x in mixing_time_bounds(W)]
    [2.936, 15.686]
    """
    return chain_mixing(Chain(W, method, tol), eps)
