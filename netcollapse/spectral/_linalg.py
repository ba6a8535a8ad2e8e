"""Sparse and dense linear-algebra kernels behind :mod:`netcollapse.spectral`.

Plain Lanczos for the two ends of a symmetric spectrum, block conjugate
gradients, column-wise GMRES, ARPACK ``eigs`` within a matvec budget, a
power-iteration rate, Rademacher probes, and the one-BLAS-thread wrapper of the
public spectral functions. Every start vector is drawn from the fixed seed
``V0_SEED``, so the results do not depend on any global state. The operators
are plain callables (matvecs) or scipy sparse arrays; nothing here knows about
Markov chains (see :mod:`netcollapse.spectral._markov`). The names here are
public to the spectral modules, not to users (none is in ``netcollapse.spectral.__all__``).
"""

from __future__ import annotations

import contextlib
import functools
import math
from typing import Any, Callable, Literal, NamedTuple

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse import linalg as spla

try:  # one BLAS thread for dense solves (see netcollapse.spectral); optional
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

EPS = float(np.finfo(float).eps)
TOL = 1e-8
"""Default accuracy of the sparse symmetric eigen-solver (Lanczos) and linear solvers."""
ARPACK_TOL = 1e-6
"""Default ARPACK tolerance for non-reversible ``W`` (``eigs``)."""
ARPACK_MATVECS = 2000
"""Matvec budget of one ARPACK run in :func:`netcollapse.spectral.slem` /
:func:`netcollapse.spectral.lazy_rate` (non-reversible W).

On a bulk spectrum (random directed graphs) ARPACK needed 2,000-20,000 matvecs
(10-100 s at n = 100,000) to separate eigenvalues whose moduli differ by 1e-3.
Past the budget the converged eigenvalues are used, or, if none, a power-iteration
estimate for ``slem`` / ``lazy_rate`` (0.3 % low there) and NaN for ``lambda_2``.
"""
STALL_WINDOW = 50
"""Lanczos steps over which :func:`lanczos_ends` measures a bound's decay (from step 100)."""
BULK_PATIENCE = 400
"""Steps before :func:`lanczos_ends` gives up on a bulk end (early decay misleads)."""
V0_SEED = 20250615
"""Seed of every start vector: results do not depend on any global state."""


# ----------------------------------------------------------------------------- BLAS threads
def _blas1() -> contextlib.AbstractContextManager:
    if threadpool_limits is None:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def single_blas(fn: Callable) -> Callable:
    """Run ``fn`` with one BLAS thread (see the :mod:`netcollapse.spectral` docstring)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _blas1():
            return fn(*args, **kwargs)

    return wrapper


def int32_indices(M: sp.csr_array) -> sp.csr_array:
    """``M`` with 32-bit indices (sharing its values) when they fit, else ``M``.

    For the matrices the iterative solvers multiply by, again and again: products
    read half the index bytes (15-25 % faster at n = 10^6), with the same numbers.
    """
    if M.indices.dtype == np.int32 and M.indptr.dtype == np.int32:
        return M
    if max(M.shape[0], M.nnz) >= np.iinfo(np.int32).max:
        return M
    return sp.csr_array(
        (M.data, M.indices.astype(np.int32), M.indptr.astype(np.int32)), shape=M.shape
    )


# ----------------------------------------------------------------------------- solvers
class LanczosEnds(NamedTuple):
    """Extreme Ritz values of :func:`lanczos_ends` with their residual bounds."""

    lo: float
    hi: float
    lo_err: float  # an eigenvalue lies within lo_err of lo (Paige's bound, see lanczos_ends)
    hi_err: float
    steps: int
    converged: bool  # every wanted end met its target (see lanczos_ends)


def lanczos_ends(
    matvec: Callable[[np.ndarray], np.ndarray],
    n: int,
    tol: float = TOL,
    which: str = "both",
    maxiter: int = 5000,
    check: int = 10,
    ref: tuple[float, float] | None = None,
    accept: float = 0.0,
    invert_below: float = math.inf,
) -> LanczosEnds:
    """(min, max) eigenvalue of a symmetric operator with residual bounds, plain Lanczos.

    Extreme Ritz values converge without full re-orthogonalisation (Paige). The
    residual of the Ritz pair of value ``theta`` is ``beta_m |s_m|`` (``s`` its
    eigenvector of the tridiagonal matrix); some eigenvalue of the operator lies
    within that plus ``m eps ||A||`` of ``theta`` in floating point (Paige 1980,
    Theorem 3.1, with the constant rounded up). These are the ``*_err`` bounds.

    It stops when each wanted end's bound is at most ``tol`` times its reference
    distance: ``|theta - ref[e]|`` where ``ref`` is given (for a Markov chain, the
    distance of ``lambda_2`` from 1 is its spectral gap), else ``max(1, |theta|)``.
    An end also stops, unconverged, when its bound's decay over the last :data:`STALL_WINDOW` steps
    says the target lies beyond ``maxiter`` (a spectrum too dense at that end for
    plain Lanczos): then ``converged`` is False, and the caller decides from the
    bounds whether the values are good enough or a shift-invert is needed. An
    end whose distance is at least ``invert_below`` (where a shift-invert would
    not separate it better: a bulk edge, as on expanders) is judged stalled only
    when even ``accept`` times its distance is out of reach. A known eigenvector
    is deflated by the caller by moving its eigenvalue inside the others' range
    (:func:`deflated`). ``matvec`` must return a new array (it is reused).
    """
    q = np.random.default_rng(V0_SEED).standard_normal(n)
    q /= np.linalg.norm(q)
    q_prev, beta, scale = np.zeros(n), 0.0, 0.0
    tmp = np.empty(n)  # vector updates in place: no temporaries of size n per step
    alphas: list[float] = []
    betas: list[float] = []
    want = {"both": [0, 1], "min": [0], "max": [1]}[which]
    ends, errs = np.zeros(2), np.full(2, np.inf)
    done = np.ones(2, dtype=bool)
    done[want] = False  # an end is done when it met its target or stalled
    excess: dict[int, np.ndarray] = {}
    stall: dict[int, np.ndarray] = {}
    seen: dict[int, np.ndarray] = {}
    step = 0
    for step in range(1, maxiter + 1):
        w = matvec(q)
        w -= np.multiply(q_prev, beta, out=tmp)
        alpha = float(q @ w)
        w -= np.multiply(q, alpha, out=tmp)
        c = float(q @ w)  # one local re-orthogonalisation keeps alpha accurate
        w -= np.multiply(q, c, out=tmp)
        alpha += c
        beta = float(np.linalg.norm(w))
        alphas.append(alpha)
        scale = max(scale, abs(alpha) + beta)
        broke = beta <= 1e-12 * scale
        if broke or step % check == 0 or step == maxiter:
            ends, errs = _ritz_ends(alphas, betas, beta, scale)
            dist = np.maximum(1.0, np.abs(ends)) if ref is None else np.abs(ends - np.array(ref))
            excess[step] = np.log(errs / np.maximum(tol * dist, 1e-300))
            # where a shift-invert would not help (distance >= invert_below: a bulk
            # edge), plain Lanczos is the only way: it goes on while `accept` is in reach
            stall[step] = np.log(errs / np.maximum(max(tol, accept) * dist, 1e-300))
            bulk = dist >= invert_below
            slow_t, slow_a = _slow(excess, step, maxiter), _slow(stall, step, maxiter)
            done |= excess[step] <= 0
            done |= ~bulk & slow_t
            # past `accept` a bulk end may stop short of its residual target once its
            # value has settled (Ritz values converge quadratically: the value is good)
            seen[step] = ends
            before = seen.get(step - STALL_WINDOW)
            settled = before is not None and np.abs(ends - before) <= tol**2 * dist
            done |= bulk & (stall[step] <= 0) & slow_t & settled
            done |= bulk & (stall[step] > 0) & slow_a & (step >= BULK_PATIENCE)
            if broke or done.all():
                break
        betas.append(beta)
        q_prev, q = q, np.divide(w, beta, out=w)  # w is matvec's fresh array: ours to reuse
    met = bool(np.all(excess[step][want] <= 0)) if step in excess else False
    return LanczosEnds(float(ends[0]), float(ends[1]), float(errs[0]), float(errs[1]), step, met)


def _slow(hist: dict[int, np.ndarray], step: int, maxiter: int) -> np.ndarray:
    """Per end, whether the log-excess in ``hist`` misses 0 by ``maxiter`` at its recent pace."""
    past = hist.get(step - STALL_WINDOW) if step >= 2 * STALL_WINDOW else None
    if past is None:
        return np.zeros(2, dtype=bool)
    fall = (past - hist[step]) / STALL_WINDOW  # geometric decay per step
    with np.errstate(divide="ignore", invalid="ignore"):
        return (hist[step] > 0) & ((fall <= 0) | (step + hist[step] / fall > maxiter))


def _ritz_ends(
    alphas: list[float], betas: list[float], beta: float, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest Ritz values of the tridiagonal matrix and their residual bounds."""
    d, e = np.array(alphas), np.array(betas)
    m = d.size
    if m == 1:
        return np.array([d[0], d[0]]), np.full(2, abs(beta) + EPS * scale)
    vals, last = np.zeros(2), np.zeros(2)
    for k, i in enumerate((0, m - 1)):
        v, vec = la.eigh_tridiagonal(d, e, select="i", select_range=(i, i))
        vals[k], last[k] = v[0], abs(vec[-1, 0])
    return vals, beta * last + m * EPS * scale


def block_cg(
    matvec: Callable, B: np.ndarray, tol: float, maxiter: int = 5000
) -> tuple[np.ndarray, bool]:
    """Conjugate gradients, one independent run per column of ``B`` (SPD operator).

    Returns the solution and whether every column reached relative residual
    ``tol`` within ``maxiter`` steps. ``matvec`` must return a new array (it is
    overwritten).
    """
    X = np.zeros_like(B)
    R = B.copy()
    P = R.copy()
    tmp = np.empty_like(B)  # updates in place: no (n, p) temporaries per iteration
    rs = np.einsum("ij,ij->j", R, R)
    stop = tol**2 * rs
    for _ in range(maxiter):
        if np.all(rs <= stop):
            break
        AP = matvec(P)
        pap = np.einsum("ij,ij->j", P, AP)
        alpha = np.divide(rs, pap, out=np.zeros_like(rs), where=pap > 0)
        X += np.multiply(P, alpha, out=tmp)
        R -= np.multiply(AP, alpha, out=AP)
        rs_new = np.einsum("ij,ij->j", R, R)
        P *= np.divide(rs_new, rs, out=np.zeros_like(rs), where=rs > 0)
        P += R
        rs = rs_new
    return X, bool(np.all(rs <= stop))


def gmres_columns(matvec: Callable, B: np.ndarray, tol: float) -> tuple[np.ndarray, bool]:
    """Solve ``A X = B`` column by column with restarted GMRES (relative residual ``tol``).

    Returns the solution and whether every column converged.
    """
    n = B.shape[0]
    op = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
    runs = [
        spla.gmres(op, B[:, k], rtol=tol, atol=0.0, restart=60, maxiter=200)
        for k in range(B.shape[1])
    ]
    return np.column_stack([x for x, _ in runs]), all(info == 0 for _, info in runs)


def rademacher(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Draw an ``(n, p)`` matrix of independent random signs +-1 (Hutchinson probes)."""
    return rng.integers(0, 2, size=(n, p)).astype(float) * 2.0 - 1.0


def remove_perron(ev: np.ndarray) -> np.ndarray:
    """``ev`` without the one eigenvalue closest to 1 (the Perron eigenvalue)."""
    return np.delete(ev, int(np.argmin(np.abs(ev - 1.0))))


def deflated(A: sp.csr_array, u: np.ndarray, lam: float) -> Callable:
    """Matvec of ``A`` with eigenpair ``(lam, u)`` moved to the mean of the other eigenvalues."""
    u = u / np.linalg.norm(u)
    n = A.shape[0]
    c = (float(A.diagonal().sum()) - lam) / (n - 1) - lam
    cu = c * u
    tmp = np.empty(n)

    def matvec(x: np.ndarray) -> np.ndarray:
        y = A @ x
        y += np.multiply(cu, u @ x, out=tmp)
        return y

    return matvec


ArpackWhich = Literal["LM", "SM", "LR", "SR", "LI", "SI"]
"""Which eigenvalues ARPACK's ``eigs`` finds: largest/smallest modulus, real or imaginary part."""


def arpack_eigenvalues(
    matvec: Callable, n: int, which: ArpackWhich, tol: float, k: int = 2
) -> np.ndarray:
    """Converged eigenvalues of ARPACK ``eigs`` within :data:`ARPACK_MATVECS` (maybe none)."""
    op = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
    ncv = min(n - 1, 20)
    v0 = np.random.default_rng(V0_SEED).random(n) + 0.5
    try:
        return spla.eigs(
            op,
            k=k,
            which=which,
            v0=v0,
            tol=tol,
            ncv=ncv,
            maxiter=max(1, ARPACK_MATVECS // (ncv - k)),
            return_eigenvectors=False,
        )
    except spla.ArpackNoConvergence as err:
        return np.asarray(err.eigenvalues, dtype=complex)


def eigs_fixed_start(A: Any, k: int, which: ArpackWhich, tol: float) -> np.ndarray:
    """ARPACK ``eigs`` eigenvalues of ``A`` from the fixed start vector (no budget)."""
    v0 = np.random.default_rng(V0_SEED).random(A.shape[0]) + 0.5
    return spla.eigs(A, k=k, which=which, v0=v0, tol=tol, return_eigenvectors=False)
