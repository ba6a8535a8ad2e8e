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

import contextlib
import functools
import math
import warnings
from functools import cached_property
from typing import Any, Callable, NamedTuple

import numpy as np
import pandas as pd
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse import linalg as spla

from netcollapse._random import as_generator
from netcollapse.errors import bad

try:  # one BLAS thread for dense solves (see module docstring); optional
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

__all__ = [
    "ARPACK_MATVECS", "ARPACK_TOL", "DEFAULT_G", "DENSE_MAX", "FJ_PROBES", "KEMENY_PROBES",
    "MixingBounds", "TOL",
    "degree_heterogeneity", "fiedler_value", "fj_floor", "fj_rate", "is_reversible",
    "kemeny_constant", "lazy_rate", "mixing_time_bounds", "n_components",
    "relaxation_time", "slem", "spectral_gap", "spectral_summary",
    "stationary_distribution", "top_eigenvalues",
]

DENSE_MAX = 1500
"""Largest ``n`` for which ``method="auto"`` uses dense linear algebra."""
DEFAULT_G = 1.0 - math.exp(-1.0)
"""The paper's per-step pull ``g = 1 - (1 - 1/k)^k -> 1 - e^-1`` (alpha = 1/k)."""
KEMENY_PROBES = 16
"""Rademacher probes of the Hutchinson estimate in :func:`kemeny_constant` (sparse)."""
FJ_PROBES = 32
"""Rademacher probes of the Hutchinson estimate in :func:`fj_floor` (sparse)."""
TOL = 1e-8
"""Default accuracy of the sparse symmetric eigen-solver (Lanczos) and linear solvers."""
ARPACK_TOL = 1e-6
"""Default ARPACK tolerance for non-reversible ``W`` (``eigs``)."""
ARPACK_MATVECS = 2000
"""Matvec budget of one ARPACK run in :func:`slem` / :func:`lazy_rate` (non-reversible W).

On a bulk spectrum (random directed graphs) ARPACK needed 2,000-20,000 matvecs
(10-100 s at n = 100,000) to separate eigenvalues whose moduli differ by 1e-3.
Past the budget the converged eigenvalues are used, or, if none, a power-iteration
estimate for ``slem`` / ``lazy_rate`` (0.3 % low there) and NaN for ``lambda_2``.
"""
_ONE = 1e-12  # a modulus within this of 1 is 1 (round-off)
_V0_SEED = 20250615  # fixed start vectors: results do not depend on any global state


class MixingBounds(NamedTuple):
    """Bounds on the mixing time ``t_mix(eps)`` (steps)."""

    lower: float
    upper: float


class _Ends(NamedTuple):
    lambda_2: float  # largest real part among non-Perron eigenvalues
    lambda_min: float  # smallest real part among all eigenvalues
    slem: float  # largest modulus among non-Perron eigenvalues
    rest: np.ndarray | None  # all non-Perron eigenvalues (dense, non-reversible only)


# ----------------------------------------------------------------------------- validation
def _as_csr(W: Any) -> sp.csr_array:
    if sp.issparse(W):
        M = sp.csr_array(W, dtype=float, copy=True)
    else:
        arr = np.asarray(W, dtype=float)
        if arr.ndim != 2:
            raise bad("W.shape", arr.shape, "a square n x n matrix")
        M = sp.csr_array(arr)
    if M.shape[0] != M.shape[1] or M.shape[0] < 2:
        raise bad("W.shape", M.shape, "a square n x n matrix with n >= 2")
    M.sum_duplicates()
    M.eliminate_zeros()
    if not np.all(np.isfinite(M.data)):
        raise bad("W", "non-finite entries", "finite shares")
    if M.nnz and M.data.min() < 0:
        raise bad("W.min()", float(M.data.min()), "shares >= 0")
    rs = M.sum(axis=1)
    i = int(np.argmax(np.abs(rs - 1.0)))
    if abs(rs[i] - 1.0) > 1e-8:
        raise bad(f"W[{i}, :].sum()", float(rs[i]), "1 (W must be row-stochastic)")
    return M


def _resolve(method: str, n: int) -> str:
    if method not in ("auto", "dense", "sparse"):
        raise bad("method", method, "'auto', 'dense' or 'sparse'")
    if method == "auto":
        return "dense" if n <= DENSE_MAX else "sparse"
    return method


def _check_h(h: Any, n: int) -> np.ndarray:
    arr = np.zeros(n) if h is None else np.asarray(h, dtype=float).ravel()
    if arr.shape != (n,):
        raise bad("h.shape", np.shape(h), f"({n},): one anchoring share per node")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
        raise bad("h", arr.tolist(), "anchoring shares in [0, 1]")
    return arr


def _check_g(g: Any) -> float:
    if isinstance(g, bool) or not isinstance(g, (int, float, np.integer, np.floating)):
        raise bad("g", g, "a number in (0, 1]")
    if not 0.0 < float(g) <= 1.0:
        raise bad("g", g, "a number in (0, 1]")
    return float(g)


def _blas1() -> contextlib.AbstractContextManager:
    if threadpool_limits is None:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _single_blas(fn: Callable) -> Callable:
    """Run ``fn`` with one BLAS thread (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _blas1():
            return fn(*args, **kwargs)

    return wrapper


def _snap(x: float) -> float:
    return float(math.copysign(1.0, x)) if abs(abs(x) - 1.0) < _ONE else float(x)


# ----------------------------------------------------------------------------- solvers
def _lanczos_ends(
    matvec: Callable[[np.ndarray], np.ndarray],
    n: int,
    tol: float = TOL,
    which: str = "both",
    maxiter: int = 5000,
    check: int = 10,
) -> tuple[float, float]:
    """(min, max) eigenvalue of a symmetric operator, plain Lanczos (no re-orthogonalisation).

    Extreme Ritz values converge without full re-orthogonalisation (Paige) and
    move monotonically toward the extreme eigenvalues. Every ``check`` steps the
    remaining error of each wanted end is estimated from its last two changes
    ``d1, d0`` as ``d1 r / (1 - r)``, ``r = d1 / d0`` (geometric convergence);
    it stops when that and ``d1`` are below ``tol * max(1, |value|)``. A known
    eigenvector is deflated by the caller by moving its eigenvalue to the mean of
    the others, inside their range, so that it cannot become an end.
    """
    q = np.random.default_rng(_V0_SEED).standard_normal(n)
    q /= np.linalg.norm(q)
    q_prev, beta, scale = np.zeros(n), 0.0, 0.0
    alphas: list[float] = []
    betas: list[float] = []
    hist: list[np.ndarray] = []
    ends = np.zeros(2)
    want = {"both": [0, 1], "min": [0], "max": [1]}[which]
    for step in range(1, maxiter + 1):
        w = matvec(q) - beta * q_prev
        alpha = float(q @ w)
        w -= alpha * q
        c = float(q @ w)  # one local re-orthogonalisation keeps alpha accurate
        w -= c * q
        alpha += c
        beta = float(np.linalg.norm(w))
        alphas.append(alpha)
        scale = max(scale, abs(alpha) + beta)
        broke = beta <= 1e-12 * scale
        if broke or step % check == 0 or step == maxiter:
            d, e = np.array(alphas), np.array(betas)
            m = len(d)
            ends = np.array([
                la.eigvalsh_tridiagonal(d, e, select="i", select_range=(0, 0))[0],
                la.eigvalsh_tridiagonal(d, e, select="i", select_range=(m - 1, m - 1))[0],
            ])
            hist.append(ends)
            if broke:
                break
            if len(hist) >= 3:
                d1 = np.abs(hist[-1] - hist[-2])[want]
                d0 = np.abs(hist[-2] - hist[-3])[want]
                r = np.divide(d1, d0, out=np.zeros_like(d1), where=d0 > 0)
                rest = np.where(r < 1, d1 * r / np.maximum(1 - r, 1e-300), np.inf)
                lim = tol * np.maximum(1.0, np.abs(ends[want]))
                if np.all(d1 <= lim) and np.all(rest <= lim):
                    break
        betas.append(beta)
        q_prev, q = q, w / beta
    else:
        warnings.warn(f"Lanczos stopped after maxiter={maxiter} steps before reaching "
                      f"tol={tol}; eigenvalue estimates may be off", RuntimeWarning, stacklevel=3)
    return float(ends[0]), float(ends[1])


def _block_cg(matvec: Callable, B: np.ndarray, tol: float, maxiter: int = 5000) -> np.ndarray:
    """Conjugate gradients, one independent run per column of ``B`` (SPD operator)."""
    X = np.zeros_like(B)
    R = B.copy()
    P = R.copy()
    rs = np.einsum("ij,ij->j", R, R)
    stop = tol**2 * rs
    for _ in range(maxiter):
        if np.all(rs <= stop):
            break
        AP = matvec(P)
        pap = np.einsum("ij,ij->j", P, AP)
        alpha = np.divide(rs, pap, out=np.zeros_like(rs), where=pap > 0)
        X += P * alpha
        R -= AP * alpha
        rs_new = np.einsum("ij,ij->j", R, R)
        P = R + P * np.divide(rs_new, rs, out=np.zeros_like(rs), where=rs > 0)
        rs = rs_new
    return X


def _gmres_columns(matvec: Callable, B: np.ndarray, tol: float) -> np.ndarray:
    n = B.shape[0]
    op = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
    cols = [spla.gmres(op, B[:, k], rtol=tol, atol=0.0, restart=60, maxiter=200)[0]
            for k in range(B.shape[1])]
    return np.column_stack(cols)


def _power_rate(matvec: Callable, n: int, steps: int = 600) -> float:
    """Geometric-mean growth of ``||A^t x||`` over the second half of ``steps``.

    Converges to the spectral radius of ``A`` (from below, up to non-normal transients;
    slowly on a bulk spectrum).
    """
    x = np.random.default_rng(_V0_SEED).standard_normal(n)
    x /= np.linalg.norm(x)
    logs = []
    for _ in range(steps):
        x = matvec(x)
        nrm = float(np.linalg.norm(x))
        if nrm == 0.0:
            return 0.0
        logs.append(math.log(nrm))
        x /= nrm
    return math.exp(float(np.mean(logs[steps // 2:])))


def _rademacher(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    return rng.integers(0, 2, size=(n, p)).astype(float) * 2.0 - 1.0


def _remove_perron(ev: np.ndarray) -> np.ndarray:
    return np.delete(ev, int(np.argmin(np.abs(ev - 1.0))))


# ----------------------------------------------------------------------------- the chain
class _Chain:
    """Validated W plus lazily computed, shared pieces (pi, classes, spectrum ends)."""

    def __init__(self, W: Any, method: str = "auto", tol: float | None = None) -> None:
        self.W = _as_csr(W)
        self.n = self.W.shape[0]
        self.dense = _resolve(method, self.n) == "dense"
        self.tol = TOL if tol is None else float(tol)
        self.arpack_tol = ARPACK_TOL if tol is None else float(tol)

    @cached_property
    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.W.indptr))

    @cached_property
    def Wd(self) -> np.ndarray:
        return self.W.toarray()

    @cached_property
    def classes(self) -> tuple[np.ndarray, np.ndarray]:
        """SCC label per node and, per class, whether it is closed (no edge leaves it)."""
        k, labels = csgraph.connected_components(self.W, directed=True, connection="strong")
        leaving = labels[self.rows] != labels[self.W.indices]
        closed = np.ones(k, dtype=bool)
        closed[labels[self.rows[leaving]]] = False
        return labels, closed

    @cached_property
    def n_closed(self) -> int:
        return int(self.classes[1].sum())

    @cached_property
    def n_components(self) -> int:
        return int(csgraph.connected_components(self.W, directed=True, connection="weak")[0])

    @cached_property
    def _pi_rev(self) -> tuple[np.ndarray, bool]:
        pi = _tree_pi(self) if _pattern_symmetric(self.W) else None
        if pi is not None and _balanced(self.W, pi, 1e-10, self.rows):
            return pi, True
        return _general_pi(self), False

    @property
    def pi(self) -> np.ndarray:
        return self._pi_rev[0]

    @property
    def reversible(self) -> bool:
        return self._pi_rev[1]

    @cached_property
    def S(self) -> sp.csr_array:
        """D^1/2 W D^-1/2 (symmetric when reversible), D = diag(pi)."""
        s = np.sqrt(self.pi)
        S = self.W.copy()
        S.data = S.data * s[self.rows] / s[S.indices]
        return sp.csr_array((S + S.T) * 0.5)

    @cached_property
    def spectrum(self) -> np.ndarray:
        """All eigenvalues (dense path): real ascending if reversible, else complex."""
        if self.reversible:
            return np.linalg.eigvalsh(self.S.toarray())
        return np.linalg.eigvals(self.Wd)

    @cached_property
    def ends(self) -> _Ends:
        multi = self.n_closed > 1
        if self.dense or (not self.reversible and self.n < 8):
            ev = self.spectrum
            rest = _remove_perron(ev)
            lam2 = 1.0 if multi else float(np.max(rest.real))
            lmin = float(np.min(ev.real))
            slem_ = 1.0 if multi else float(np.max(np.abs(rest)))
            keep = None if self.reversible else rest
        elif self.reversible:
            lmin, lam2 = _lanczos_ends(_deflated(self.S, np.sqrt(self.pi), 1.0), self.n, self.tol)
            lam2 = 1.0 if multi else lam2
            slem_ = max(abs(lam2), abs(lmin))
            keep = None
        else:  # ARPACK; "SR" (lambda_min) is hopeless on a bulk edge: use the period instead
            lmin = -1.0 if self.period % 2 == 0 and self.period > 0 else math.nan
            keep = np.zeros(0, dtype=complex)
            if multi:
                lam2 = slem_ = 1.0
            else:
                lm = self._arpack(self._moved, "LM") if self.period == 1 else keep
                lr = self._arpack(self._moved, "LR")
                keep = np.concatenate([lm, lr])
                lam2 = float(np.max(lr.real)) if lr.size else math.nan
                if self.period > 1:
                    slem_ = 1.0
                elif lm.size:
                    slem_ = float(np.max(np.abs(keep)))
                else:  # ARPACK out of budget: power-iteration estimate
                    slem_ = max(_power_rate(self._moved, self.n), float(np.max(np.abs(keep),
                                                                                initial=0.0)))
        return _Ends(_snap(lam2), _snap(lmin), _snap(slem_), keep)

    @cached_property
    def _mean_other(self) -> float:
        """Mean of the non-Perron eigenvalues, (trace - 1) / (n - 1): inside their hull."""
        return (float(self.W.diagonal().sum()) - 1.0) / (self.n - 1)

    def _moved(self, x: np.ndarray) -> np.ndarray:
        """Matvec of W with its Perron eigenvalue (one closed class) moved to the mean."""
        return self.W @ x + (self._mean_other - 1.0) * float(self.pi @ x)

    def _arpack(self, matvec: Callable, which: str, k: int = 2) -> np.ndarray:
        """Converged eigenvalues of ARPACK ``eigs`` within :data:`ARPACK_MATVECS` (maybe none)."""
        n = self.n
        op = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
        ncv = min(n - 1, 20)
        v0 = np.random.default_rng(_V0_SEED).random(n) + 0.5
        try:
            return spla.eigs(op, k=k, which=which, v0=v0, tol=self.arpack_tol, ncv=ncv,
                             maxiter=max(1, ARPACK_MATVECS // (ncv - k)),
                             return_eigenvectors=False)
        except spla.ArpackNoConvergence as err:
            return np.asarray(err.eigenvalues, dtype=complex)

    @cached_property
    def period(self) -> int:
        """Period of the closed class (gcd of its cycle lengths) if there is one, else 0."""
        if self.n_closed != 1:
            return 0
        labels, closed = self.classes
        idx = np.flatnonzero(labels == np.flatnonzero(closed)[0])
        sub = sp.csr_array(self.W[idx][:, idx])
        lev = csgraph.shortest_path(sub, method="D", unweighted=True, indices=0)
        r = np.repeat(np.arange(idx.size), np.diff(sub.indptr))
        return int(np.gcd.reduce(np.abs(lev[r] + 1 - lev[sub.indices]).astype(np.int64)))

    def _eigs(self, A: Any, k: int, which: str) -> np.ndarray:
        v0 = np.random.default_rng(_V0_SEED).random(self.n) + 0.5
        return spla.eigs(A, k=k, which=which, v0=v0, tol=self.arpack_tol,
                         return_eigenvectors=False)

    def lazy(self, g: float) -> float:
        if self.n_closed > 1:
            return 1.0
        e = self.ends
        if self.reversible:
            return _snap(max(abs(1 - g + g * e.lambda_2), abs(1 - g + g * e.lambda_min)))
        if self.dense or self.n < 8:
            return _snap(float(np.max(np.abs(1 - g + g * e.rest))))
        if self.period > 1 and g == 1.0:
            return 1.0

        def mv(x: np.ndarray) -> np.ndarray:
            return (1.0 - g) * x + g * self._moved(x)

        ev = self._arpack(mv, "LM")
        rate = float(np.max(np.abs(ev))) if ev.size else _power_rate(mv, self.n)
        return _snap(max(rate, float(np.max(np.abs(1 - g + g * e.rest), initial=0.0))))


def _pattern_symmetric(W: sp.csr_array) -> bool:
    T = W.T.tocsr()
    T.sort_indices()
    return np.array_equal(T.indptr, W.indptr) and np.array_equal(T.indices, W.indices)


def _balanced(W: sp.csr_array, pi: np.ndarray, tol: float, rows: np.ndarray) -> bool:
    """Detailed balance pi_i W_ij = pi_j W_ji, entrywise relative, with pi > 0."""
    if not np.all(np.isfinite(pi)) or pi.min() <= 0:
        return False
    F = W.copy()
    F.data = F.data * pi[rows]
    V = abs(F - F.T) - tol * F.maximum(F.T)
    return V.nnz == 0 or bool(V.data.max() <= 0)


def _tree_pi(chain: _Chain) -> np.ndarray | None:
    """Stationary law from ratios W_pj / W_jp along a BFS spanning forest (valid iff reversible)."""
    W, n = chain.W, chain.n
    k, labels = csgraph.connected_components(W, directed=True, connection="weak")
    roots = np.unique(labels, return_index=True)[1]
    r = np.concatenate([chain.rows, np.full(k, n)])
    c = np.concatenate([W.indices, roots])
    G = sp.csr_array((np.ones(r.size), (r, c)), shape=(n + 1, n + 1))
    _, pred = csgraph.breadth_first_order(G, n, directed=True, return_predecessors=True)
    par = pred[:n].copy()
    par[roots] = roots
    keys = chain.rows.astype(np.int64) * n + W.indices
    j = np.flatnonzero(par != np.arange(n)).astype(np.int64)
    p = par[j].astype(np.int64)
    val = np.zeros(n)
    val[j] = np.log(W.data[np.searchsorted(keys, p * n + j)])
    val[j] -= np.log(W.data[np.searchsorted(keys, j * n + p)])
    while True:  # pointer jumping: val[j] = log pi_j - log pi_root(j)
        pp = par[par]
        val = val + val[par]
        if np.array_equal(pp, par):
            break
        par = pp
    top = np.full(k, -np.inf)
    np.maximum.at(top, labels, val)
    pi = np.exp(val - top[labels])
    sums = np.bincount(labels, weights=pi, minlength=k)
    sizes = np.bincount(labels, minlength=k)
    return pi / sums[labels] * sizes[labels] / n


def _general_pi(chain: _Chain) -> np.ndarray:
    labels, closed = chain.classes
    order = np.argsort(labels, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=closed.size))])
    total = sum(bounds[c + 1] - bounds[c] for c in np.flatnonzero(closed))
    pi = np.zeros(chain.n)
    for c in np.flatnonzero(closed):
        idx = order[bounds[c]:bounds[c + 1]]
        p = np.ones(1) if idx.size == 1 else _irreducible_pi(chain.W[idx][:, idx], chain.dense)
        pi[idx] = p * idx.size / total
    return pi


def _irreducible_pi(Wc: sp.csr_array, dense: bool) -> np.ndarray:
    m = Wc.shape[0]
    if dense or m < 4:
        A = np.eye(m) - Wc.toarray().T
        A[-1, :] = 1.0
        b = np.zeros(m)
        b[-1] = 1.0
        p = np.linalg.solve(A, b)
    else:  # Perron vector of the lazy chain: no other eigenvalue on the unit circle
        lazy = sp.csr_array(0.5 * (sp.eye_array(m, format="csr") + Wc.T))
        _, vec = spla.eigs(lazy, k=1, which="LM", v0=np.ones(m), tol=0.0)
        p = np.abs(vec[:, 0].real)
    return p / p.sum()


def _deflated(A: sp.csr_array, u: np.ndarray, lam: float) -> Callable:
    """Matvec of ``A`` with eigenpair ``(lam, u)`` moved to the mean of the other eigenvalues."""
    u = u / np.linalg.norm(u)
    n = A.shape[0]
    c = (float(A.diagonal().sum()) - lam) / (n - 1) - lam
    return lambda x: A @ x + c * u * (u @ x)


def _offdiag_sym(W: sp.csr_array) -> sp.csr_array:
    S = sp.csr_array((W + W.T) * 0.5)
    S = sp.csr_array(S - sp.diags_array(S.diagonal()))
    S.eliminate_zeros()
    return S


def _fiedler(chain: _Chain, normalized: bool) -> float:
    if chain.n_components > 1:
        return 0.0
    S = _offdiag_sym(chain.W)
    d = np.asarray(S.sum(axis=1)).ravel()
    n = chain.n
    if chain.dense:
        Sd = S.toarray()
        if normalized:
            isq = 1.0 / np.sqrt(d)
            L = np.eye(n) - isq[:, None] * Sd * isq[None, :]
        else:
            L = np.diag(d) - Sd
        return max(0.0, float(np.linalg.eigvalsh(L)[1]))
    if normalized:
        isq = sp.diags_array(1.0 / np.sqrt(d))
        N = sp.csr_array(isq @ S @ isq)
        _, hi = _lanczos_ends(_deflated(N, np.sqrt(d), 1.0), n, chain.tol, which="max")
        return max(0.0, 1.0 - hi)
    L = sp.csr_array(sp.diags_array(d) - S)
    lo, _ = _lanczos_ends(_deflated(L, np.ones(n), 0.0), n, chain.tol, which="min")
    return max(0.0, lo)


def _unanchored(chain: _Chain, h: np.ndarray) -> np.ndarray:
    """Mask of nodes in closed classes with h = 0 on the whole class."""
    labels, closed = chain.classes
    anchored = np.bincount(labels, weights=(h > 0).astype(float), minlength=closed.size) > 0
    return (closed & ~anchored)[labels]


def _fj_rate(chain: _Chain, h: np.ndarray) -> float:
    if np.any(_unanchored(chain, h)):
        return 1.0
    if np.all(h == 1.0):
        return 0.0
    if chain.reversible:  # (I - Theta) W is similar to the symmetric T = A S A, A = diag(sqrt(1-h))
        a = np.sqrt(1.0 - h)
        T = chain.S.copy()
        T.data = T.data * a[np.repeat(np.arange(chain.n), np.diff(T.indptr))] * a[T.indices]
        if chain.dense:
            return float(np.clip(np.linalg.eigvalsh(T.toarray())[-1], 0.0, 1.0))
        _, hi = _lanczos_ends(T.__matmul__, chain.n, chain.tol, which="max")
        return float(np.clip(hi, 0.0, 1.0))
    B = chain.W.copy()
    B.data = B.data * (1.0 - h)[chain.rows]
    if chain.dense or chain.n < 8:
        return float(np.max(np.abs(np.linalg.eigvals(B.toarray()))))
    return float(np.max(np.abs(chain._eigs(B, 1, "LM"))))


def _class_average(chain: _Chain, mask: np.ndarray) -> sp.csr_array:
    """Rows: closed classes; (A @ z)[c] = pi_c^T z_c, pi_c the class's own stationary law."""
    labels = chain.classes[0]
    k = chain.classes[1].size
    nodes = np.flatnonzero(mask)
    csum = np.bincount(labels[nodes], weights=chain.pi[nodes], minlength=k)
    w = chain.pi[nodes] / csum[labels[nodes]]
    return sp.csr_array((w, (labels[nodes], nodes)), shape=(k, chain.n))


def _fj_apply(chain: _Chain, h: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """P @ Z for the FJ limit map P (iterative solves), Z of shape (n, p)."""
    U = _unanchored(chain, h)
    R = np.flatnonzero(~U)
    Y = np.zeros_like(Z)
    if U.any():
        Y[U] = (_class_average(chain, U) @ Z)[chain.classes[0][U]]
    if R.size == 0:
        return Y
    W = chain.W
    rhs = h[R, None] * Z[R]
    if U.any():
        rhs += (1.0 - h[R])[:, None] * (W[R][:, np.flatnonzero(U)] @ Y[U])
    if not chain.reversible:  # general: GMRES on I - (I - Theta) W restricted to R
        B = sp.csr_array(sp.diags_array(1.0 - h[R]) @ W[R][:, R])
        Y[R] = _gmres_columns(lambda x: x - B @ x, rhs, chain.tol)
        return Y
    # reversible: components decouple; nodes with h = 1 keep rhs; the rest is SPD after scaling
    hr = h[R]
    fixed, free = R[hr == 1.0], R[hr < 1.0]
    Y[fixed] = rhs[hr == 1.0]
    if free.size:
        r = rhs[hr < 1.0] + (1.0 - h[free])[:, None] * (W[free][:, fixed] @ Y[fixed])
        a, s = np.sqrt(1.0 - h[free]), np.sqrt(chain.pi[free])
        T = sp.csr_array(sp.diags_array(a) @ chain.S[free][:, free] @ sp.diags_array(a))
        X = _block_cg(lambda V: V - T @ V, (s / a)[:, None] * r, chain.tol)
        Y[free] = (a / s)[:, None] * X
    return Y


def _fj_floor(chain: _Chain, h: np.ndarray, seed: Any) -> float:
    n = chain.n
    U = _unanchored(chain, h)
    if U.all():  # every node in an unanchored closed class: P = blockdiag(1 pi_c^T), exact
        A = _class_average(chain, U)
        sizes = np.bincount(chain.classes[0], minlength=A.shape[0])
        pic2 = np.asarray(A.multiply(A).sum(axis=1)).ravel()
        return math.sqrt(float(np.sum(sizes * (1 - sizes / n) * pic2)) / (n - 1))
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
        return math.sqrt(float(np.sum((P - P.mean(axis=0)) ** 2)) / (n - 1))
    Z = _rademacher(as_generator(seed), n, FJ_PROBES)
    Y = _fj_apply(chain, h, Z)
    return math.sqrt(float(np.mean(np.sum((Y - Y.mean(axis=0)) ** 2, axis=0))) / (n - 1))


def _kemeny(chain: _Chain, seed: Any) -> float:
    if chain.n_closed > 1:
        return math.inf
    if chain.dense:
        return float(np.sum(1.0 / (1.0 - _remove_perron(chain.spectrum))).real)
    n = chain.n
    Z = _rademacher(as_generator(seed), n, KEMENY_PROBES)
    if chain.reversible:  # tr of (I - S)^-1 on the complement of u = sqrt(pi)
        u = np.sqrt(chain.pi)
        u /= np.linalg.norm(u)
        Z -= np.outer(u, u @ Z)
        S = chain.S
        Y = _block_cg(lambda X: X - S @ X + np.outer(u, u @ X), Z, chain.tol)
        return float(np.mean(np.einsum("ij,ij->j", Z, Y)))
    W, pi = chain.W, chain.pi
    Y = _gmres_columns(lambda x: x - W @ x + (pi @ x), Z, chain.tol)
    return float(np.mean(np.einsum("ij,ij->j", Z, Y))) - 1.0


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


@_single_blas
def fiedler_value(W: Any, normalized: bool = True, method: str = "auto",
                  tol: float | None = None) -> float:
    """Algebraic connectivity of the symmetrised retrieval graph.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return _fiedler(_Chain(W, method, tol), normalized)


@_single_blas
def fj_rate(W: Any, h: Any, method: str = "auto", tol: float | None = None) -> float:
    """Friedkin-Johnsen convergence rate: spectral radius of ``(I - Theta) W``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    chain = _Chain(W, method, tol)
    return _fj_rate(chain, _check_h(h, chain.n))


@_single_blas
def fj_floor(W: Any, h: Any, method: str = "auto", seed: Any = 0,
             tol: float | None = None) -> float:
    """Disagreement floor under anchoring (Friedkin-Johnsen limit).

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    chain = _Chain(W, method, tol)
    return _fj_floor(chain, _check_h(h, chain.n), seed)


@_single_blas
def kemeny_constant(W: Any, method: str = "auto", seed: Any = 0,
                    tol: float | None = None) -> float:
    """Kemeny's constant ``sum_k 1 / (1 - lambda_k)`` over non-Perron eigenvalues.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return _kemeny(_Chain(W, method, tol), seed)


def degree_heterogeneity(W: Any) -> float:
    """``<k^2> / <k>`` of the number of sources ``k_i`` of each node.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    k = _source_counts(_as_csr(W))
    return float(np.mean(k**2) / np.mean(k)) if k.sum() else math.nan


def _source_counts(W: sp.csr_array) -> np.ndarray:
    return (np.diff(W.indptr) - (W.diagonal() != 0)).astype(float)


def n_components(W: Any) -> int:
    """Count the weakly connected components of the non-zero pattern of ``W``.

    Parameters
    ----------
    W : scipy.sparse.csr_array or numpy.ndarray
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
    return int(csgraph.connected_components(_as_csr(W), directed=True, connection="weak")[0])


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
