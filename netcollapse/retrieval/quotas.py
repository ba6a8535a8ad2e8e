"""Retrieval: how many documents each node reads, and from which source.

``W`` and ``h`` follow the convention of :mod:`netcollapse.graphs`: ``W[i, j]``
is the share of node ``i``'s retrieval drawn from node ``j``'s store and
``h[i]`` the share drawn from the human seed corpus ``H``, so node ``i`` takes
``(1 - h[i]) * W[i, :]`` from the node stores. In every per-node list of sources,
``H`` comes first (source index ``-1``), then the stores in column order.

The functions taking ``W`` accept a :class:`~netcollapse.graphs.RetrievalGraph`,
whose ``W`` was validated when it was built and is used as it is (no check, no
copy: the engines call them every step), or a raw matrix, validated with
:func:`netcollapse._validation.check_W` (stored zeros are kept: a source with
share 0 gets nothing).

The pipeline of one step is

1. :func:`retrieval_size`: ``k_i = floor(beta |A_i|)`` (the paper) or a fixed
   ``k``, capped by ``k_max`` and by what is available;
2. :func:`allocate_quotas` (split ``k_i`` over sources by the row of ``W`` and
   ``h_i``) or :func:`pooled_quotas` (the paper's uniform draw from the union of
   the sources);
3. :func:`netcollapse.retrieval.selection.select_documents`: the actual documents,
   at random or nearest to a query, from each source's
   :class:`~netcollapse.retrieval.store.DocumentStore`.

Steps 1 and 2 are vectorised over nodes (``n`` may be 10,000 and they run every
step); step 3 loops over nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence, get_args

import numpy as np
import pandas as pd
import scipy.sparse as sp

from netcollapse._random import as_generator
from netcollapse._validation import check_counts, check_h, check_int, check_W
from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.retrieval.apportion import FLOOR_EPS, hamilton, multinomial_rows
from netcollapse.retrieval.store import DocumentStore

__all__ = [
    "QUOTAS",
    "Quotas",
    "allocate_quotas",
    "available_counts",
    "pooled_quotas",
    "reachable_total",
    "retrieval_size",
]

Quota = Literal["largest_remainder", "multinomial"]
"""The type of ``quota`` (what :data:`QUOTAS` lists)."""
QUOTAS: tuple[str, ...] = get_args(Quota)
"""Values of ``quota``: how :func:`allocate_quotas` rounds ``k_i`` times the shares."""


def _matrix(W: RetrievalGraph | Any) -> sp.csr_array:
    """``W`` of a RetrievalGraph as it is (validated when built), else ``check_W(W)``."""
    return W.W if isinstance(W, RetrievalGraph) else check_W(W)


# ------------------------------------------------------------------- sizes
def retrieval_size(
    available_total: np.ndarray | Sequence[int] | int,
    beta: float | None = None,
    k: int | np.ndarray | None = None,
    k_max: int | None = None,
) -> np.ndarray:
    """Compute the number of documents each node retrieves this step.

    Parameters
    ----------
    available_total : array_like of int
        ``|A_i|``: documents node ``i`` can reach (see :func:`reachable_total`).
    beta : float, optional
        Paper rule ``k_i = floor(beta * |A_i|)``, ``beta`` in ``(0, 1]``.
    k : int or array_like of int, optional
        Fixed size instead of ``beta`` (give exactly one of the two).
    k_max : int, optional
        Upper cap, ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Int64 array shaped like ``available_total``; never more than available.

    Notes
    -----
    ``floor`` is taken as ``floor(beta * |A_i| + 1e-9)`` so that float round-off
    (``0.29 * 100 = 28.999999999999996``) does not lose a document.

    Examples
    --------
    >>> retrieval_size([20, 23, 3], beta=0.5).tolist()
    [10, 11, 1]
    >>> retrieval_size([20, 23, 3], k=5, k_max=4).tolist()
    [4, 4, 3]
    """
    avail = np.asarray(available_total)
    if avail.size and not np.issubdtype(avail.dtype, np.integer):
        raise bad("available_total", avail.tolist(), "non-negative integers")
    avail = avail.astype(np.int64)
    if avail.size and avail.min() < 0:
        raise bad("available_total", int(avail.min()), "non-negative integers")
    if (beta is None) == (k is None):
        raise bad("beta/k", (beta, k), "exactly one of beta or k")
    if beta is not None:
        if isinstance(beta, bool) or not isinstance(beta, (int, float, np.number)):
            raise bad("beta", beta, "a number in (0, 1]")
        if not (0 < float(beta) <= 1):
            raise bad("beta", beta, "a number in (0, 1]")
        size = np.floor(float(beta) * avail + FLOOR_EPS).astype(np.int64)
    else:
        k_arr = np.asarray(k)
        if k_arr.size and not np.issubdtype(k_arr.dtype, np.integer):
            raise bad("k", k, "a non-negative integer or an array of them")
        if k_arr.size and k_arr.min() < 0:
            raise bad("k", k, "a non-negative integer or an array of them")
        size = np.broadcast_to(k_arr.astype(np.int64), avail.shape).copy()
    if k_max is not None:
        k_max = check_int(k_max, "k_max", 1)
        size = np.minimum(size, k_max)
    return np.minimum(size, avail)


def reachable_total(
    W: RetrievalGraph | sp.csr_array,
    available: np.ndarray | Sequence[int],
    human_available: int,
    h: np.ndarray | float | None = None,
) -> np.ndarray:
    """Count ``|A_i|``, the documents node ``i`` can reach through its sources.

    Parameters
    ----------
    W : RetrievalGraph or matrix
        Row-stochastic retrieval matrix (``W[i, j]`` = share of ``i`` from ``j``),
        or a graph (its ``W`` is used as it is; see the module docstring).
    available : array_like of int, shape (n,)
        Visible documents in each node's store.
    human_available : int
        Visible documents in ``H``.
    h : array_like of float or None
        Anchoring shares. ``None`` (pooled mode) counts ``H`` for every node;
        otherwise ``H`` counts only for nodes with ``h[i] > 0``.

    Returns
    -------
    numpy.ndarray
        Int64 array of shape ``(n,)``: sum of ``available[j]`` over ``W[i, j] > 0``
        plus ``human_available`` where ``H`` is a source.

    Examples
    --------
    >>> W = sp.csr_array(np.array([[0.5, 0.5], [0.0, 1.0]]))
    >>> reachable_total(W, [3, 4], 20).tolist()
    [27, 24]
    >>> reachable_total(W, [3, 4], 20, h=[0.0, 0.2]).tolist()
    [7, 24]
    """
    M = _matrix(W)
    n = M.shape[0]
    avail = check_counts(available, n, "available")
    human_available = check_int(human_available, "human_available", 0)
    pos = (M.data > 0).astype(np.int64)
    row = np.repeat(np.arange(n), np.diff(M.indptr))
    total = np.bincount(row, weights=pos * avail[M.indices], minlength=n).astype(np.int64)
    if h is None:
        return total + human_available
    hh = check_h(h, n)
    return total + np.where(hh > 0, human_available, 0)


def available_counts(stores: Sequence[DocumentStore], before_step: int | None) -> np.ndarray:
    """Count the visible documents in each store at ``before_step``.

    Parameters
    ----------
    stores : sequence of DocumentStore
        One store per node.
    before_step : int or None
        The reading step.

    Returns
    -------
    numpy.ndarray
        Int64 array of shape ``(len(stores),)``.
    """
    return np.array([s.count_visible(before_step) for s in stores], dtype=np.int64)


# ------------------------------------------------------------------ quotas
@dataclass(frozen=True, eq=False)
class Quotas:
    """Per-node, per-source document counts for one step.

    Attributes
    ----------
    Q : scipy.sparse.csr_array
        Int64, same sparsity pattern as ``W``; ``Q[i, j]`` = documents node ``i``
        takes from store ``j``.
    human : numpy.ndarray
        Int64, shape ``(n,)``: documents node ``i`` takes from ``H``.
    drew : bool
        Whether the allocation drew random numbers (a multinomial or pooled draw, or
        a largest-remainder tie broken at random). When false, the same inputs give
        the same quotas without touching the random source.
    """

    Q: sp.csr_array
    human: np.ndarray
    drew: bool = False

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.human.shape[0])

    @property
    def total(self) -> np.ndarray:
        """Documents each node retrieves in all, shape ``(n,)``."""
        return np.asarray(self.Q.sum(axis=1)).reshape(-1).astype(np.int64) + self.human

    def to_frame(self) -> pd.DataFrame:
        """Return the non-zero quotas as a tidy table (node, source, count; source -1 = H).

        Returns
        -------
        pandas.DataFrame
        """
        Q = self.Q.tocoo()
        keep = Q.data > 0
        hn = np.flatnonzero(self.human > 0)
        df = pd.DataFrame(
            {
                "node": np.concatenate([hn, Q.row[keep]]).astype(np.int64),
                "source": np.concatenate([np.full(hn.size, -1), Q.col[keep]]).astype(np.int64),
                "count": np.concatenate([self.human[hn], Q.data[keep]]).astype(np.int64),
            }
        )
        return df.sort_values(["node", "source"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class _Table:
    """Long table of (row, source) entries: per row H first, then the CSR entries."""

    row: np.ndarray
    is_h: np.ndarray
    share: np.ndarray
    cap: np.ndarray
    W: sp.csr_array


def _long_table(M: sp.csr_array, h: np.ndarray, avail: np.ndarray, human_available: int) -> _Table:
    n = M.shape[0]
    row_len = np.diff(M.indptr) + 1
    starts = np.concatenate([[0], np.cumsum(row_len)[:-1]])
    row = np.repeat(np.arange(n), row_len)
    is_h = np.zeros(row.size, dtype=bool)
    is_h[starts] = True
    share = np.empty(row.size)
    share[is_h] = h
    share[~is_h] = (1.0 - h[row[~is_h]]) * M.data
    cap = np.empty(row.size, dtype=np.int64)
    cap[is_h] = human_available
    cap[~is_h] = avail[M.indices]
    return _Table(row=row, is_h=is_h, share=share, cap=cap, W=M)


def allocation_table(
    W: RetrievalGraph | Any, h: Any, k: Any, available: Any, human_available: Any
) -> tuple[_Table, np.ndarray]:
    """Validate the inputs of an allocation; return its long table and ``k``.

    The one validation of :func:`allocate_quotas` and
    :func:`netcollapse.retrieval.expected.expected_quotas`: per row, ``H`` first
    (share ``h_i``, cap ``human_available``), then the stores of ``W``'s row (share
    ``(1 - h_i) W[i, j]``, cap ``available[j]``).
    """
    M = _matrix(W)
    n = M.shape[0]
    hh = check_h(h, n)
    kk = check_counts(k, n, "k")
    avail = check_counts(available, n, "available")
    human_available = check_int(human_available, "human_available", 0)
    return _long_table(M, hh, avail, human_available), kk


def _quotas_from_table(t: _Table, q: np.ndarray, drew: bool) -> Quotas:
    M = t.W
    Q = sp.csr_array(
        (q[~t.is_h].astype(np.int64), M.indices.copy(), M.indptr.copy()), shape=M.shape
    )
    return Quotas(Q=Q, human=q[t.is_h].astype(np.int64), drew=drew)


def allocate_quotas(
    W: RetrievalGraph | sp.csr_array,
    h: np.ndarray | float,
    k: np.ndarray | int,
    available: np.ndarray | Sequence[int],
    human_available: int,
    quota: str = "largest_remainder",
    rng: int | np.random.Generator | None = None,
) -> Quotas:
    """Split each node's ``k_i`` over its sources by the row of ``W`` and ``h_i``.

    Parameters
    ----------
    W : RetrievalGraph or matrix
        ``n x n`` row-stochastic; ``W[i, j]`` = share of node ``i``'s retrieval
        drawn from store ``j``. A graph's ``W`` is used as it is (see the module
        docstring); a matrix is validated.
    h : float or array_like, shape (n,)
        Share of node ``i``'s context drawn from ``H``, in ``[0, 1]``.
    k : int or array_like of int, shape (n,)
        Documents each node retrieves.
    available : array_like of int, shape (n,)
        Visible documents in each store: store ``j`` gives at most ``available[j]``.
    human_available : int
        Visible documents in ``H`` (each node may take up to this many).
    quota : {"largest_remainder", "multinomial"}
        Rounding of the target counts ``k_i * share`` (:data:`QUOTAS`).
    rng : int, numpy.random.Generator or None
        Random source: the draws of ``"multinomial"``, and the tie-breaks of
        ``"largest_remainder"``. With ``None``, largest-remainder ties go to the
        earlier source (a fixed reference order, biased towards low indices).

    Returns
    -------
    Quotas
        ``Q`` (same pattern as ``W``) and ``human``.

    Notes
    -----
    Target shares of node ``i``: ``h_i`` for ``H`` and ``(1 - h_i) W[i, j]`` for
    store ``j``. ``"largest_remainder"`` is Hamilton's apportionment: each
    source gets ``floor(k_i * share)``, then the units left go to the largest
    remainders. Remainders equal to 9 decimals are ties; ties at the cut are broken
    in a random order drawn from ``rng`` (so on a symmetric graph every source is
    read equally often in expectation; see :func:`expected_quotas`), or, without
    ``rng``, by source order (``H`` first, then lower store index). The random
    source is drawn from only when a tie at the cut exists. ``"multinomial"``
    draws ``k_i`` sources with the shares as probabilities.

    Shortfall: a source with fewer documents than its quota gives what it has;
    the units it could not give are apportioned again (same method) over the
    row's sources that still have documents, in proportion to their shares, and
    so on until all ``k_i`` are placed or every source with a positive share is
    exhausted; then node ``i`` gets fewer than ``k_i`` documents. Sources with
    zero share never get documents (so with ``h_i = 1`` and ``H`` exhausted a
    node reads only what ``H`` has).

    Examples
    --------
    >>> W = sp.csr_array(np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]))
    >>> qt = allocate_quotas(W, h=0.2, k=[5, 5, 5], available=[10, 10, 1], human_available=20)
    >>> qt.human.tolist(), qt.Q.toarray().tolist()
    ([1, 1, 1], [[2, 2, 0], [0, 3, 1], [3, 0, 1]])
    """
    if quota not in QUOTAS:
        raise bad("quota", quota, f"one of {', '.join(map(repr, QUOTAS))}")
    t, kk = allocation_table(W, h, k, available, human_available)
    n = kk.size
    multinomial = quota == "multinomial"
    gen = as_generator(rng) if multinomial or rng is not None else None
    q = np.zeros(t.row.size, dtype=np.int64)
    rem = kk.copy()
    drew = False
    while True:
        active = (t.share > 0) & (q < t.cap) & (rem[t.row] > 0)
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        ra = t.row[a]
        sa = t.share[a]
        S = np.bincount(ra, weights=sa, minlength=n)
        if multinomial:
            assert gen is not None  # made above for the multinomial rule
            give, drew = multinomial_rows(rem, ra, sa / S[ra], gen), True
        else:
            give, tie = hamilton(rem, ra, a, rem[ra] * sa / S[ra], n, rng=gen)
            drew = drew or tie
        take = np.minimum(give, t.cap[a] - q[a])
        q[a] += take
        rem -= np.bincount(ra, weights=take, minlength=n).astype(np.int64)
    return _quotas_from_table(t, q, drew)


def pooled_quotas(
    W: RetrievalGraph | sp.csr_array,
    k: np.ndarray | int,
    available: np.ndarray | Sequence[int],
    human_available: int,
    rng: int | np.random.Generator | None,
) -> Quotas:
    """Draw uniformly without replacement from the union of each node's sources.

    This is the paper's Algorithm 1 (Wang et al., "LLM Web Dynamics",
    arXiv 2506.15690): node ``i`` draws ``k_i`` documents uniformly at random
    without replacement from the union of the stores ``j`` with ``W[i, j] > 0``
    and ``H`` (when ``human_available > 0``). The counts per source follow a
    multivariate hypergeometric distribution; on a complete graph with self loops
    this is exactly a uniform draw from the shared set ``A(t)``.

    Parameters
    ----------
    W : RetrievalGraph or matrix
        ``n x n`` row-stochastic; only its pattern (``W[i, j] > 0``) is used. A
        graph's ``W`` is used as it is; a matrix is validated.
    k : int or array_like of int, shape (n,)
        Documents each node retrieves; a node gets ``min(k_i, |A_i|)``.
    available : array_like of int, shape (n,)
        Visible documents in each store.
    human_available : int
        Visible documents in ``H``.
    rng : int, numpy.random.Generator or None
        Random source.

    Returns
    -------
    Quotas

    Examples
    --------
    >>> W = sp.csr_array(np.full((3, 3), 1 / 3))
    >>> qt = pooled_quotas(W, k=10, available=[1, 1, 1], human_available=20, rng=0)
    >>> qt.total.tolist()
    [10, 10, 10]
    """
    M = _matrix(W)
    n = M.shape[0]
    kk = check_counts(k, n, "k")
    avail = check_counts(available, n, "available")
    human_available = check_int(human_available, "human_available", 0)
    gen = as_generator(rng)
    t = _long_table(M, np.zeros(n), avail, human_available)
    size = np.empty(t.row.size, dtype=np.int64)
    size[t.is_h] = human_available
    size[~t.is_h] = np.where(M.data > 0, avail[M.indices], 0)
    total = np.bincount(t.row, weights=size, minlength=n).astype(np.int64)
    take = np.minimum(kk, total)
    q = np.zeros(t.row.size, dtype=np.int64)
    # Sequential marginals: x_e ~ Hypergeom(size_e, sizes after e, draws left).
    # Short rows are vectorised by position; long rows use multivariate_hypergeometric.
    starts = np.flatnonzero(t.is_h)
    row_len = np.diff(np.r_[starts, t.row.size])
    long_rows = np.flatnonzero(row_len > 32)
    for i in long_rows:
        sl = slice(starts[i], starts[i] + row_len[i])
        if take[i] > 0:
            q[sl] = gen.multivariate_hypergeometric(size[sl], int(take[i]))
    short = row_len <= 32
    left_draw = np.where(short, take, 0)
    left_size = np.where(short, total, 0)
    for p in range(int(row_len[short].max()) if short.any() else 0):
        rows = np.flatnonzero(short & (row_len > p) & (left_draw > 0))
        if rows.size == 0:
            break
        e = starts[rows] + p
        good = size[e]
        x = gen.hypergeometric(good, left_size[rows] - good, left_draw[rows])
        q[e] = x
        left_draw[rows] -= x
        left_size[rows] -= good
    return _quotas_from_table(t, q, True)
