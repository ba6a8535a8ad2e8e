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
import warnings
from typing import Any, Callable

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse import linalg as spla

try:  # one BLAS thread for dense solves (see netcollapse.spectral); optional
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

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


# ----------------------------------------------------------------------------- solvers
def lanczos_ends(
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
    the others, inside their range, so that it cannot become an end. ``matvec``
    must return a new array (it is reused as the next Lanczos vector).
    """
    q = np.random.default_rng(V0_SEED).standard_normal(n)
    q /= np.linalg.norm(q)
    q_prev, beta, scale = np.zeros(n), 0.0, 0.0
    tmp = np.empty(n)  # vector updates in place: no temporaries of size n per step
    alphas: list[float] = []
    betas: list[float] = []
    hist: list[np.ndarray] = []
    ends = np.zeros(2)
    want = {"both": [0, 1], "min": [0], "max": [1]}[which]
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
            d, e = np.array(alphas), np.array(betas)
            m = len(d)
            ends = np.array(
                [
                    la.eigvalsh_tridiagonal(d, e, select="i", select_range=(0, 0))[0],
                    la.eigvalsh_tridiagonal(d, e, select="i", select_range=(m - 1, m - 1))[0],
                ]
            )
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
        q_prev, q = q, np.divide(w, beta, out=w)  # w is matvec's fresh array: ours to reuse
    else:
        warnings.warn(
            f"Lanczos stopped after maxiter={maxiter} steps before reaching "
            f"tol={tol}; eigenvalue estimates may be off",
            RuntimeWarning,
            stacklevel=3,
        )
    return float(ends[0]), float(ends[1])


def block_cg(matvec: Callable, B: np.ndarray, tol: float, maxiter: int = 5000) -> np.ndarray:
    """Conjugate gradients, one independent run per column of ``B`` (SPD operator).

    ``matvec`` must return a new array (it is overwritten).
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
    return X


def gmres_columns(matvec: Callable, B: np.ndarray, tol: float) -> np.ndarray:
    """Solve ``A X = B`` column by column with restarted GMRES (relative residual ``tol``)."""
    n = B.shape[0]
    op = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
    cols = [
        spla.gmres(op, B[:, k], rtol=tol, atol=0.0, restart=60, maxiter=200)[0]
        for k in range(B.shape[1])
    ]
    return np.column_stack(cols)


def power_rate(matvec: Callable, n: int, steps: int = 600) -> float:
    """Geometric-mean growth of ``||A^t x||`` over the second half of ``steps``.

    Converges to the spectral radius of ``A`` (from below, up to non-normal transients;
    slowly on a bulk spectrum).
    """
    x = np.random.default_rng(V0_SEED).standard_normal(n)
    x /= np.linalg.norm(x)
    logs = []
    for _ in range(steps):
        x = matvec(x)
        nrm = float(np.linalg.norm(x))
        if nrm == 0.0:
            return 0.0
        logs.append(math.log(nrm))
        x /= nrm
    return math.exp(float(np.mean(logs[steps // 2 :])))


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


def arpack_eigenvalues(matvec: Callable, n: int, which: str, tol: float, k: int = 2) -> np.ndarray:
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


def eigs_fixed_start(A: Any, k: int, which: str, tol: float) -> np.ndarray:
    """ARPACK ``eigs`` eigenvalues of ``A`` from the fixed start vector (no budget)."""
    v0 = np.random.default_rng(V0_SEED).random(A.shape[0]) + 0.5
    return spla.eigs(A, k=k, which=which, v0=v0, tol=tol, return_eigenvectors=False)
