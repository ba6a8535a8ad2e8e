"""Spectral predictors of collapse speed: pure functions of the retrieval matrix.

Matrix convention (the one of :mod:`netcollapse.topology`)
-----------------------------------------------------------
``W`` is an ``n x n`` row-stochastic matrix, a :class:`scipy.sparse.csr_array`
(a dense :class:`numpy.ndarray` or any scipy sparse matrix is accepted too).
``W[i, j]`` is the share of node *i*'s retrieval drawn from node *j*'s store;
every row sums to 1; ``W`` is directed. Read as a Markov chain, a step goes from
*i* to one of its sources *j*; a DeGroot step ``x <- W x`` replaces each node's
state by the average of its sources'. The anchoring shares ``h`` (length ``n``,
in ``[0, 1]``) are the Friedkin-Johnsen stubbornness ``Theta = diag(h)``.

Every function here takes ``W`` in this form, is pure, and takes
``method: str = "auto"``: ``"dense"`` uses numpy on the full matrix,
``"sparse"`` uses iterative solvers, ``"auto"`` picks dense for
``n <= DENSE_MAX`` (1500), and ``tol`` (accuracy of the sparse solvers).

Solvers on the sparse path
--------------------------
- Reversible ``W`` (every walk on an undirected graph): ``pi`` is read off a
  spanning tree; the symmetrised ``S = D^1/2 W D^-1/2`` goes to a plain Lanczos
  iteration that gets both ends of the spectrum (``lambda_2``, ``lambda_min``)
  from one Krylov space, the Perron eigenvalue moved inside the spectrum. It
  stops when the estimated remaining change of the wanted Ritz values is below
  ``tol`` (:data:`TOL`); accuracy is about ``tol``, or the width of an
  unresolved cluster at that end (long rings). On Barabasi-Albert walks, where
  ``|lambda_2| ~ |lambda_min|`` and both ends are clustered, this took 0.5 s at
  n = 100,000 where ARPACK ``eigsh`` took 1-40 s depending on the instance.
- Non-reversible ``W``: ARPACK ``eigs`` ("LM", "LR") at :data:`ARPACK_TOL`
  within :data:`ARPACK_MATVECS` matvecs, then a power-iteration estimate;
  ``lambda_min`` is not computed there (ARPACK "SR" on the edge of a bulk took
  30-60 s at n = 100,000) but read off the period when it is -1.
- Linear solves: block conjugate gradients (reversible) or GMRES.

The public functions run with one BLAS thread (via threadpoolctl when
installed): the sparse paths only need vector operations, dense problems are
small, and multi-threaded OpenBLAS on shared cores (a parallel sweep, a busy
laptop) was measured 5-20x slower on both. The start vectors are fixed, so every
function is deterministic; the two Monte-Carlo estimates (:func:`fj_floor`,
:func:`kemeny_constant` for large ``n``) take a ``seed``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.sparse import linalg as spla

# The machinery lives in private modules: solvers in _linalg, the chain (pi,
# reversibility, spectrum ends) in _markov, Fiedler / FJ / Kemeny / degrees in _predictors.
from netcollapse._linalg import _V0_SEED, ARPACK_MATVECS, ARPACK_TOL, TOL, _single_blas
from netcollapse._markov import DENSE_MAX, _balanced, _Chain, _check_g, _check_h, _Ends
from netcollapse._predictors import (
    FJ_PROBES,
    KEMENY_PROBES,
    _fiedler,
    _fj_floor,
    _fj_rate,
    _kemeny,
    _source_counts,
    degree_heterogeneity,
    fiedler_value,
    fj_floor,
    fj_rate,
    kemeny_constant,
    n_components,
)
from netcollapse.errors import bad

__all__ = [
    "ARPACK_MATVECS", "ARPACK_TOL", "DEFAULT_G", "DENSE_MAX", "FJ_PROBES", "KEMENY_PROBES",
    "MixingBounds", "TOL",
    "degree_heterogeneity", "fiedler_value", "fj_floor", "fj_rate", "is_reversible",
    "kemeny_constant", "lazy_rate", "mixing_time_bounds", "n_components",
    "relaxation_time", "slem", "spectral_gap", "spectral_summary",
    "stationary_distribution", "top_eigenvalues",
]

DEFAULT_G = 1.0 - math.exp(-1.0)
"""The paper's per-step pull ``g = 1 - (1 - 1/k)^k -> 1 - e^-1`` (alpha = 1/k)."""


class MixingBounds(NamedTuple):
    """Bounds on the mixing time ``t_mix(eps)`` (steps)."""

    lower: float
    upper: float


# ----------------------------------------------------------------------------- public API
@_single_blas
def top_eigenvalues(W: Any, k: int = 6, method: str = "auto",
                    tol: float | None = None) -> np.ndarray:
    """Eigenvalues of ``W`` of largest modulus.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    chain = _Chain(W, method, tol)
    n = chain.n
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise bad("k", k, f"an integer in [1, n={n}]")
    if chain.dense or k >= n - 2:
        ev = chain.spectrum
    elif chain.reversible:
        v0 = np.random.default_rng(_V0_SEED).random(n) + 0.5
        ev = spla.eigsh(chain.S, k=k, which="LM", v0=v0, tol=chain.arpack_tol,
                        return_eigenvectors=False)
    else:
        ev = chain._eigs(chain.W, k, "LM")
    ev = np.real(ev) if chain.reversible else np.asarray(ev, dtype=complex)
    order = np.lexsort((-np.round(ev.real, 12), -np.round(np.abs(ev), 12)))
    return ev[order][:k]


@_single_blas
def stationary_distribution(W: Any, method: str = "auto") -> np.ndarray:
    """Stationary distribution ``pi`` (left Perron vector, ``pi W = pi``, sums to 1).

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return _Chain(W, method).pi.copy()


@_single_blas
def is_reversible(W: Any, pi: np.ndarray | None = None, tol: float = 1e-10) -> bool:
    """Whether ``W`` satisfies detailed balance ``pi_i W_ij = pi_j W_ji`` with ``pi > 0``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    chain = _Chain(W)
    if pi is None:
        if tol == 1e-10:
            return chain.reversible
        pi = chain.pi
    p = np.asarray(pi, dtype=float).ravel()
    if p.shape != (chain.n,):
        raise bad("pi.shape", np.shape(pi), f"({chain.n},)")
    return _balanced(chain.W, p, tol, chain.rows)


@_single_blas
def slem(W: Any, method: str = "auto", tol: float | None = None) -> float:
    """Second-largest eigenvalue modulus of ``W``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return _Chain(W, method, tol).ends.slem


@_single_blas
def spectral_gap(W: Any, method: str = "auto", tol: float | None = None) -> float:
    """Absolute spectral gap ``1 - slem(W)``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return 1.0 - _Chain(W, method, tol).ends.slem


@_single_blas
def lazy_rate(W: Any, g: float, method: str = "auto", tol: float | None = None) -> float:
    """Predicted per-step contraction of disagreement: the SLEM of ``(1 - g) I + g W``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    average of its sources), a lazy DeGroot step (method.md sec. 3; the paper's
    Appendix A rate ``(1 - alpha)^k -> e^-1``, arXiv 2506.15690). Eigenvalues map
    as ``lambda -> 1 - g + g lambda``; for reversible ``W`` only ``lambda_2`` and
    ``lambda_min`` matter, otherwise the SLEM is computed on the lazy matrix.

    Examples
    --------
    >>> import numpy as np
    >>> round(lazy_rate(np.full((4, 4), 0.25), DEFAULT_G), 6)  # e^-1
    0.367879
    """
    g = _check_g(g)
    return _Chain(W, method, tol).lazy(g)


@_single_blas
def relaxation_time(W: Any, method: str = "auto", tol: float | None = None) -> float:
    """Relaxation time ``t_rel = 1 / (1 - slem)`` in steps.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return _t_rel(_Chain(W, method, tol).ends.slem)


def _t_rel(s: float) -> float:
    return math.inf if s >= 1.0 else 1.0 / (1.0 - s)


def _mixing(chain: _Chain, eps: float) -> MixingBounds:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 0.5:
        raise bad("eps", eps, "a number in (0, 0.5)")
    t = _t_rel(chain.ends.slem)
    lower = (t - 1.0) * math.log(1.0 / (2.0 * eps))
    pmin = float(chain.pi.min())
    if not chain.reversible:
        upper = math.nan
    else:
        upper = math.inf if pmin <= 0 else t * math.log(1.0 / (eps * pmin))
    return MixingBounds(lower, upper)


@_single_blas
def mixing_time_bounds(W: Any, eps: float = 0.25, method: str = "auto",
                       tol: float | None = None) -> MixingBounds:
    """Spectral bounds on the total-variation mixing time ``t_mix(eps)``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return _mixing(_Chain(W, method, tol), eps)


SUMMARY_KEYS = (
    "n", "n_edges", "n_components", "reversible", "slem", "spectral_gap", "lambda_2",
    "lambda_min", "lazy_g", "lazy_rate", "relaxation_time", "mixing_time_lower",
    "mixing_time_upper", "fiedler_value", "fj_rate", "fj_floor", "kemeny_constant",
    "degree_heterogeneity", "pi_min", "pi_max", "note",
)
"""Index of :func:`spectral_summary` (the JSON keys of ``netcollapse spectral --json``)."""

PERIODIC_NOTE = ("periodic: eigenvalue -1 (bipartite, e.g. an even ring with no self weight) "
                 "gives SLEM 1; add self_weight > 0 to make it aperiodic")


PERIODIC_ODD = ("periodic: an eigenvalue of modulus 1 other than 1 gives SLEM 1; "
                "add self_weight > 0 to make it aperiodic")


def _note(chain: _Chain, e: _Ends) -> str:
    if chain.n_components > 1:
        return f"disconnected: {chain.n_components} components (gap 0)"
    if chain.n_closed > 1:
        return f"reducible: {chain.n_closed} closed classes (gap 0)"
    if not chain.reversible:  # exact, from the cycle structure
        even, odd = chain.period % 2 == 0, chain.period > 1
        return PERIODIC_NOTE if even else (PERIODIC_ODD if odd else "")
    if e.slem >= 1.0 - 1e-9:
        if e.lambda_min <= -1.0 + 1e-9:
            return PERIODIC_NOTE
        return PERIODIC_ODD
    return ""


@_single_blas
def spectral_summary(graph: Any, g: float | None = None, eps: float = 0.25,
                     method: str = "auto", tol: float | None = None, seed: Any = 0) -> pd.Series:
    """All spectral predictors of one retrieval graph, each eigen-problem solved once.

    Parameters
    ----------
    graph : RetrievalGraph or matrix
        An object with ``.W`` (row-stochastic csr_array, ``W[i, j]`` = share of
        *i*'s retrieval from *j*) and ``.h`` (anchoring shares), or ``W`` itself
        (then ``h = 0``).
    g : float, optional
        Lazy pull for ``lazy_rate``; default :data:`DEFAULT_G` ``= 1 - e^-1``.
    eps : float
        Mixing-time accuracy, in ``(0, 1/2)``.
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).
    seed : int, numpy.random.Generator or None
        Probes of the sparse ``fj_floor`` and ``kemeny_constant`` estimates.

    Returns
    -------
    pandas.Series
        Index :data:`SUMMARY_KEYS`; ``note`` says why the gap is 0 when it is.
        ``lambda_2`` is the largest real part among non-Perron eigenvalues,
        ``lambda_min`` the smallest real part (NaN for a non-reversible ``W`` on
        the sparse path unless its period is even, then -1); ``mixing_time_upper``
        is NaN unless ``W`` is reversible; ``kemeny_constant`` and ``fj_floor``
        are Hutchinson estimates on the sparse path.

    Notes
    -----
    See the individual functions for definitions and sources (DeGroot 1974;
    Friedkin & Johnsen 1990/1999; Fiedler 1973; Kemeny & Snell 1960;
    Levin, Peres & Wilmer 2017, Thms 12.4-12.5; arXiv 2506.15690 for the lazy rate).

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> s = spectral_summary(W)
    >>> round(s["slem"], 6), s["n_components"], s["note"]
    (0.809017, 1, '')
    """
    has_w = hasattr(graph, "W")
    chain = _Chain(graph.W if has_w else graph, method, tol)
    h = _check_h(getattr(graph, "h", None) if has_w else None, chain.n)
    g = DEFAULT_G if g is None else _check_g(g)
    e = chain.ends
    mix = _mixing(chain, eps)
    k = _source_counts(chain.W)
    pi = chain.pi
    values = [
        chain.n, int(k.sum()), chain.n_components, bool(chain.reversible), e.slem,
        1.0 - e.slem, e.lambda_2, e.lambda_min, g, chain.lazy(g), _t_rel(e.slem),
        mix.lower, mix.upper, _fiedler(chain, True), _fj_rate(chain, h),
        _fj_floor(chain, h, seed), _kemeny(chain, seed),
        float(np.mean(k**2) / np.mean(k)) if k.sum() else math.nan,
        float(pi.min()), float(pi.max()), _note(chain, e),
    ]
    return pd.Series(values, index=list(SUMMARY_KEYS), dtype=object, name="spectral")
