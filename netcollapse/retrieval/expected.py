"""Expected quotas: the mean reads of a random allocation, for the theory.

The engines draw quotas with :func:`netcollapse.retrieval.quotas.allocate_quotas`;
whenever that draw is random (largest-remainder ties broken in a random order),
the theory needs its expectation, which :func:`expected_quotas` computes. ``W``
follows the convention of :mod:`netcollapse.graphs`: ``W[i, j]`` is the share of
node ``i``'s retrieval drawn from node ``j``'s store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.retrieval.apportion import hamilton_expected
from netcollapse.retrieval.quotas import allocation_table

__all__ = ["ExpectedQuotas", "expected_quotas"]


@dataclass(frozen=True, eq=False)
class ExpectedQuotas:
    """Expected per-node, per-source counts (floats) of a random allocation.

    Attributes
    ----------
    Q : scipy.sparse.csr_array
        Float, same pattern as ``W``.
    human : numpy.ndarray
        Float, shape ``(n,)``.
    exact : bool
        Whether the numbers are the exact expectation (see :func:`expected_quotas`).
    """

    Q: sp.csr_array
    human: np.ndarray
    exact: bool


def expected_quotas(
    W: RetrievalGraph | sp.csr_array,
    h: np.ndarray | float,
    k: np.ndarray | int,
    available: np.ndarray | Sequence[int],
    human_available: int,
) -> ExpectedQuotas:
    """Return the expected largest-remainder quotas when ties are broken at random.

    Parameters
    ----------
    W, h, k, available, human_available
        As in :func:`netcollapse.retrieval.quotas.allocate_quotas`.

    Returns
    -------
    ExpectedQuotas

    Notes
    -----
    Each pass of :func:`~netcollapse.retrieval.quotas.allocate_quotas` gives every
    source the floor of its target and one more unit to the largest remainders; the
    ``g`` sources tied at the cut share the ``u`` units left there, each getting one
    with probability ``u / g``.
    While no tied source can run short (its floor plus one fits in what it has),
    the sources active in the next pass and the units they place do not depend on
    the tie order, so the expectation is exact (``exact=True``). Otherwise the
    tied units are spread evenly and the shortfall is spread again in proportion to
    the shares (a mean-field step; ``exact=False``).

    Examples
    --------
    >>> W = sp.csr_array(np.array([[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.25, 0.25, 0.5]]))
    >>> e = expected_quotas(W, 0.0, 2, [10, 10, 10], 0)  # one unit, two tied neighbours
    >>> e.Q.toarray()[0].tolist(), e.exact
    ([1.0, 0.5, 0.5], True)
    """
    t, kk = allocation_table(W, h, k, available, human_available)
    n, M = kk.size, t.W
    q = np.zeros(t.row.size)
    rem = kk.astype(float)
    exact = True
    tol = 1e-9
    while True:
        active = (t.share > 0) & (q < t.cap - tol) & (rem[t.row] > tol)
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        ra, sa = t.row[a], t.share[a]
        S = np.bincount(ra, weights=sa, minlength=n)
        target = rem[ra] * sa / S[ra]
        room = t.cap[a] - q[a]
        whole = np.round(rem)
        if np.all(np.abs(rem - whole)[ra] < tol):
            give, tied = hamilton_expected(whole.astype(np.int64), ra, a, target, n)
            short = np.ceil(give - tol) > room  # could run short in some tie order
            full = tied & (np.ceil(give - tol) >= room)  # could drop out of the next pass
            bad_row = np.bincount(ra, weights=short | full, minlength=n) > 0
            tie_row = np.bincount(ra, weights=tied, minlength=n) > 0
            exact = exact and not (bad_row & tie_row).any()
        else:  # fractional units are left only after a mean-field step
            give = target
        take = np.minimum(give, room)
        q[a] += take
        rem -= np.bincount(ra, weights=take, minlength=n)
    Q = sp.csr_array((q[~t.is_h], M.indices.copy(), M.indptr.copy()), shape=M.shape)
    return ExpectedQuotas(Q=Q, human=q[t.is_h], exact=bool(exact))
