"""The retrieval matrix read as a Markov chain: ``pi``, reversibility, spectrum ends.

Internal to :mod:`netcollapse.spectral`. ``W`` follows the convention of
:mod:`netcollapse.graphs` (``W[i, j]`` is the share of node *i*'s retrieval drawn
from node *j*'s store, rows sum to 1, directed). :class:`Chain` takes a
:class:`~netcollapse.graphs.RetrievalGraph` as it is (validated when built) or
validates a raw matrix with :func:`netcollapse._validation.check_W`, and
computes, lazily and at most once, the pieces every predictor shares: the
communicating classes, the stationary law ``pi`` (exact from a spanning tree
when ``W`` is reversible), the symmetrised ``S = D^1/2 W D^-1/2``, the period,
the ends of the spectrum (``lambda_2``, ``lambda_min``, SLEM) and the lazy rate.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Callable, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse import linalg as spla

from netcollapse._validation import check_W
from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.spectral._certify import Certified, Form, Inverse, lanczos_certified, smallest
from netcollapse.spectral._linalg import (
    ARPACK_MATVECS,
    ARPACK_TOL,
    EPS,
    TOL,
    ArpackWhich,
    arpack_eigenvalues,
    deflated,
    eigs_fixed_start,
    int32_indices,
    lanczos_ends,
    remove_perron,
)

DENSE_MAX = 1500
"""Largest ``n`` for which ``method="auto"`` uses dense linear algebra."""
_ONE = 1e-12  # a modulus within this of 1 is 1 (round-off)


class Ends(NamedTuple):
    lambda_2: float  # largest real part among non-Perron eigenvalues
    lambda_min: float  # smallest real part among all eigenvalues
    slem: float  # largest modulus among non-Perron eigenvalues
    rest: np.ndarray | None  # all non-Perron eigenvalues (dense, non-reversible only)
    gap: float = math.nan  # 1 - slem, computed without cancellation where it is small
    error: float = math.nan  # bound on |slem - true| (= on the gap); NaN: no certificate
    lambda_2_error: float = math.nan
    lambda_min_error: float = math.nan
    how: str = ""  # how the numbers were found and certified
    why: str = ""  # why a number is NaN (empty when none is)


INVERT_BELOW = 1e-3
"""Distance from +-1 below which an end of a reversible spectrum is found by shift-invert.

Only small distances (gaps of order 1 / n^2: rings, paths, tori) make the inverse
better separated than the matrix; larger ones are bulk edges (expanders, as
Barabasi-Albert walks) where plain Lanczos is the method and a sparse LU would
fill in to a dense matrix.
"""

CERTIFIED_RTOL = 1e-3
"""Largest relative error bound (error / gap) a sparse spectral number is returned with.

Past it, the sparse path tries shift-invert; a number it still cannot certify comes
back NaN with a note (see :func:`netcollapse.spectral.spectral_summary`).
"""


# ----------------------------------------------------------------------------- validation
def as_matrix(W: Any) -> sp.csr_array:
    """Return the chain's matrix: a RetrievalGraph's ``W`` as it is, else ``check_W(W)``.

    A :class:`RetrievalGraph` was validated when it was built, so its frozen
    ``W`` is used without a check or a copy. Stored zeros are dropped (in a
    copy): the chain's pattern (classes, period, reversibility) is its positive
    shares.
    """
    M = W.W if isinstance(W, RetrievalGraph) else check_W(W, min_nodes=2)
    if not np.all(M.data > 0):
        M = M.copy()
        M.eliminate_zeros()
    return M


def _resolve(method: str, n: int) -> str:
    if method not in ("auto", "dense", "sparse"):
        raise bad("method", method, "'auto', 'dense' or 'sparse'")
    if method == "auto":
        return "dense" if n <= DENSE_MAX else "sparse"
    return method


def check_g(g: Any) -> float:
    """Return the lazy pull ``g`` as a float in ``(0, 1]`` (SpecError otherwise)."""
    if isinstance(g, bool) or not isinstance(g, (int, float, np.integer, np.floating)):
        raise bad("g", g, "a number in (0, 1]")
    if not 0.0 < float(g) <= 1.0:
        raise bad("g", g, "a number in (0, 1]")
    return float(g)


def _snap(x: float) -> float:
    return float(math.copysign(1.0, x)) if abs(abs(x) - 1.0) < _ONE else float(x)


# ----------------------------------------------------------------------------- the chain
class Chain:
    """Validated W plus lazily computed, shared pieces (pi, classes, spectrum ends)."""

    def __init__(self, W: Any, method: str = "auto", tol: float | None = None) -> None:
        self.W = as_matrix(W)
        self.n = self.W.shape[0]
        self.dense = _resolve(method, self.n) == "dense"
        self.tol = TOL if tol is None else float(tol)
        # Lanczos stops at a residual bound of sqrt(tol) x the distance that matters:
        # Ritz values converge quadratically, so the value is then good to about tol
        # while the certificate stays the (linear) residual bound.
        self.residual_tol = math.sqrt(self.tol)
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
        if pi is not None and balanced(self.W, pi, 1e-10, self.rows):
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
        return int32_indices(sp.csr_array((S + S.T) * 0.5))

    @cached_property
    def spectrum(self) -> np.ndarray:
        """All eigenvalues (dense path): real ascending if reversible, else complex."""
        if self.reversible:
            return np.linalg.eigvalsh(self.S.toarray())
        return np.linalg.eigvals(self.Wd)

    @cached_property
    def ends(self) -> Ends:
        if self.dense or (not self.reversible and self.n < 8):
            return self._dense_ends()
        if self.reversible:
            return self._reversible_ends()
        return self._arpack_ends()

    def _dense_ends(self) -> Ends:
        multi = self.n_closed > 1
        ev = self.spectrum
        rest = remove_perron(ev)
        lam2 = 1.0 if multi else float(np.max(rest.real))
        lmin = float(np.min(ev.real))
        slem_ = 1.0 if multi else float(np.max(np.abs(rest)))
        exact_one = multi or self.period > 1  # gap 0 by the graph's structure
        err = 0.0 if exact_one else self.n * EPS  # LAPACK: backward-stable, ||S||_2 = 1
        if self.reversible:
            how = "dense symmetric eigensolver (LAPACK), bound n eps"
        else:
            how = "dense eigensolver (LAPACK), backward-error bound n eps"
        keep = None if self.reversible else rest
        e = Ends(_snap(lam2), _snap(lmin), _snap(slem_), keep)
        return e._replace(
            gap=1.0 - e.slem, error=err, lambda_2_error=err, lambda_min_error=err, how=how
        )

    def _reversible_ends(self) -> Ends:
        if self.n_closed > 1:
            return Ends(1.0, math.nan, 1.0, None, 0.0, 0.0, 0.0, math.nan, "exact (reducible)")
        lz = lanczos_ends(
            deflated(self.S, np.sqrt(self.pi), 1.0),
            self.n,
            self.residual_tol,
            ref=(-1.0, 1.0),
            accept=CERTIFIED_RTOL,
            invert_below=INVERT_BELOW,
        )
        hi = lanczos_certified(1.0 - lz.hi, lz.hi_err, lz.steps)  # mu_2 = 1 - lambda_2
        lo = lanczos_certified(1.0 + lz.lo, lz.lo_err, lz.steps)  # 1 + lambda_min
        if self.period == 2:  # bipartite: -1 is an eigenvalue, exactly
            lo = Certified(0.0, 0.0, "exact (bipartite)")
        whys = []
        for end in ("hi", "lo"):
            c = hi if end == "hi" else lo
            other = lo if end == "hi" else hi
            if c.value >= INVERT_BELOW:  # a bulk edge: shift-invert would not separate it
                continue
            needed = c.value - c.error <= other.value + other.error  # it may set the SLEM
            enough = self.residual_tol if needed else CERTIFIED_RTOL  # relative to its own distance
            if c.error <= enough * max(c.value, 0.0):
                continue
            c, why = self._invert(end, c)
            whys.append(why)
            hi, lo = (c, lo) if end == "hi" else (hi, c)
        gap_c = hi if hi.value <= lo.value else lo
        certified = gap_c.error <= CERTIFIED_RTOL * gap_c.value or gap_c.error == 0.0
        how = "; ".join(dict.fromkeys([f"lambda_2: {hi.how}", f"lambda_min: {lo.how}"]))
        why = "; ".join(w for w in whys if w)
        if not certified:
            why = why or (
                f"not certified: gap {gap_c.value:.3g} +- {gap_c.error:.2g} ({gap_c.how})"
            )
            return Ends(math.nan, math.nan, math.nan, None, math.nan, math.nan, how=how, why=why)
        gap = max(0.0, min(hi.value, lo.value))
        lam2, lmin = _snap(1.0 - hi.value), _snap(lo.value - 1.0)
        return Ends(lam2, lmin, _snap(1.0 - gap), None, gap, gap_c.error, hi.error, lo.error, how)

    def _invert(self, end: str, c: Certified) -> tuple[Certified, str]:
        """Shift-invert one end of a reversible chain (``hi``: ``I - W``, ``lo``: ``I + W``)."""
        try:
            if end == "hi":
                got = smallest(self.form(-1), np.sqrt(self.pi), self.inverse)
            else:
                got = smallest(self.form(+1), None)
        except (MemoryError, RuntimeError, spla.ArpackError) as err:
            return c, f"shift-invert failed ({type(err).__name__}: {err})"
        return (got, "") if got.error <= c.error else (c, "")

    def form(self, sign: int) -> Form:
        """Return the chain's Dirichlet form: ``I - W`` (``sign = -1``) or ``I + W`` (``+1``)."""
        C = self.W.copy()
        C.data = C.data * self.pi[self.rows]
        return Form(sp.csr_array((C + C.T) * 0.5), self.pi, sign)

    @cached_property
    def inverse(self) -> Inverse:
        """Sparse LU of the grounded ``I - W`` (reversible chains; raises when it fails)."""
        return Inverse(self.form(-1), np.sqrt(self.pi))

    def _arpack_ends(self) -> Ends:
        # ARPACK; "SR" (lambda_min) is hopeless on a bulk edge: use the period instead
        lmin = -1.0 if self.period % 2 == 0 and self.period > 0 else math.nan
        keep = np.zeros(0, dtype=complex)
        tol = self.arpack_tol
        how = f"ARPACK, backward-error bound {tol:g} |lambda|"
        if self.n_closed > 1:
            return Ends(1.0, lmin, 1.0, keep, 0.0, 0.0, 0.0, how="exact (reducible)")
        lm = self.arpack(self._moved, "LM") if self.period == 1 else keep
        lr = self.arpack(self._moved, "LR")
        keep = np.concatenate([lm, lr])
        lam2 = float(np.max(lr.real)) if lr.size else math.nan
        lam2_err = tol * abs(lam2)
        if self.period > 1:
            return Ends(_snap(lam2), lmin, 1.0, keep, 0.0, 0.0, lam2_err, 0.0, how + "; period")
        if not lm.size:  # out of budget: no certified SLEM
            why = f"ARPACK did not converge within {ARPACK_MATVECS} matrix-vector products"
            nan = math.nan
            return Ends(_snap(lam2), lmin, nan, keep, nan, nan, lam2_err, how=how, why=why)
        slem_ = _snap(float(np.max(np.abs(keep))))
        return Ends(_snap(lam2), lmin, slem_, keep, 1.0 - slem_, tol * slem_, lam2_err, how=how)

    @cached_property
    def _mean_other(self) -> float:
        """Mean of the non-Perron eigenvalues, (trace - 1) / (n - 1): inside their hull."""
        return (float(self.W.diagonal().sum()) - 1.0) / (self.n - 1)

    def _moved(self, x: np.ndarray) -> np.ndarray:
        """Matvec of W with its Perron eigenvalue (one closed class) moved to the mean."""
        return self.W @ x + (self._mean_other - 1.0) * float(self.pi @ x)

    def arpack(self, matvec: Callable, which: ArpackWhich, k: int = 2) -> np.ndarray:
        """Converged eigenvalues of ARPACK ``eigs`` within ``ARPACK_MATVECS`` (maybe none)."""
        return arpack_eigenvalues(matvec, self.n, which, self.arpack_tol, k)

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

    def eigs(self, A: Any, k: int, which: ArpackWhich) -> np.ndarray:
        """ARPACK ``eigs`` eigenvalues of ``A`` at the chain's ARPACK tolerance (no budget)."""
        return eigs_fixed_start(A, k, which, self.arpack_tol)

    def lazy(self, g: float) -> float:
        if self.n_closed > 1:
            return 1.0
        e = self.ends
        if self.reversible:
            return _snap(max(abs(1 - g + g * e.lambda_2), abs(1 - g + g * e.lambda_min)))
        rest = e.rest
        assert rest is not None  # the dense and ARPACK ends (non-reversible chains) carry it
        if self.dense or self.n < 8:
            return _snap(float(np.max(np.abs(1 - g + g * rest))))
        if self.period > 1 and g == 1.0:
            return 1.0

        def mv(x: np.ndarray) -> np.ndarray:
            return (1.0 - g) * x + g * self._moved(x)

        ev = self.arpack(mv, "LM")
        if not ev.size:  # out of ARPACK's budget: no certified number (the summary's note)
            return math.nan
        rate = float(np.max(np.abs(ev)))
        return _snap(max(rate, float(np.max(np.abs(1 - g + g * rest), initial=0.0))))


def _pattern_symmetric(W: sp.csr_array) -> bool:
    T = W.T.tocsr()
    T.sort_indices()
    return np.array_equal(T.indptr, W.indptr) and np.array_equal(T.indices, W.indices)


def balanced(W: sp.csr_array, pi: np.ndarray, tol: float, rows: np.ndarray) -> bool:
    """Detailed balance pi_i W_ij = pi_j W_ji, entrywise relative, with pi > 0."""
    if not np.all(np.isfinite(pi)) or pi.min() <= 0:
        return False
    F = W.copy()
    F.data = F.data * pi[rows]
    V = abs(F - F.T) - tol * F.maximum(F.T)
    return V.nnz == 0 or bool(V.data.max() <= 0)


def _tree_pi(chain: Chain) -> np.ndarray | None:
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


def _general_pi(chain: Chain) -> np.ndarray:
    labels, closed = chain.classes
    order = np.argsort(labels, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=closed.size))])
    total = sum(bounds[c + 1] - bounds[c] for c in np.flatnonzero(closed))
    pi = np.zeros(chain.n)
    for c in np.flatnonzero(closed):
        idx = order[bounds[c] : bounds[c + 1]]
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
