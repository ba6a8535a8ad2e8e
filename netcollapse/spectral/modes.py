"""The slowest mode of the walk ``W``: the initial state that DeGroot averaging keeps longest.

``W[i, j]`` is the share of node *i*'s retrieval drawn from node *j*'s store (rows sum
to 1). Under ``x <- W x`` a state's component along the right eigenvector of the
non-trivial eigenvalue of largest modulus decays slowest, so seeding opinions by the
signs of that eigenvector starts a web in its slowest pattern (on a two-block graph:
the blocks; on a path: its two halves).

* :func:`slowest_mode`: that eigenvector (dense: webs of LLM agents are small);
* :func:`balanced_signs`: the balanced split of a vector (its ``n // 2`` largest
  entries ``+1``, the rest ``-1``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netcollapse.errors import DataError
from netcollapse.spectral._markov import as_matrix

__all__ = ["balanced_signs", "slowest_mode"]

#: Largest graph :func:`slowest_mode` decomposes densely.
DENSE_LIMIT = 5000


def slowest_mode(W: Any, seed: int = 0, tol: float = 1e-9) -> np.ndarray:
    """Return the right eigenvector of ``W``'s slowest non-trivial eigenvalue (unit norm).

    Non-trivial: every eigenvalue within ``tol`` of 1 is left out (one per closed
    class). Slowest: the largest modulus of the rest. Where that eigenvalue is
    repeated (a ring's ``lambda_2`` has two eigenvectors), the mode is a direction in
    its eigenspace drawn from ``seed`` (Gaussian weights on the eigenvectors), so the
    same seed gives the same pattern. The sign is fixed so that the first entry that is
    not (numerically) zero is positive.

    Parameters
    ----------
    W : array_like or sparse matrix
        Row-stochastic, ``n <= 5000``.
    seed : int
        Chooses the direction inside a repeated eigenvalue's eigenspace.
    tol : float
        Eigenvalues this close count as equal.

    Returns
    -------
    numpy.ndarray
        Real, shape ``(n,)``.

    Raises
    ------
    DataError
        One line if ``W`` has no non-trivial eigenvalue, if the slowest one is
        complex (a directed graph whose slowest mode rotates), or if ``n`` is too large.

    Examples
    --------
    A path of 4 nodes with self weight 1/2: the slowest mode splits it in halves.

    >>> W = np.array([[.5, .5, 0, 0], [.25, .5, .25, 0], [0, .25, .5, .25], [0, 0, .5, .5]])
    >>> np.sign(slowest_mode(W)).tolist()
    [1.0, 1.0, -1.0, -1.0]
    """
    A = as_matrix(W)
    n = A.shape[0]
    if n > DENSE_LIMIT:
        raise DataError(f"W: got n = {n}, expected at most {DENSE_LIMIT} nodes for its modes")
    vals, vecs = np.linalg.eig(A.toarray())
    rest = np.flatnonzero(np.abs(vals - 1.0) > tol)
    if rest.size == 0:
        raise DataError(
            "W: got no eigenvalue other than 1, expected a graph with a non-trivial mode "
            "(W = I has none)"
        )
    top = np.abs(vals[rest]).max()
    tied = rest[np.abs(np.abs(vals[rest]) - top) <= tol * max(1.0, top)]
    if np.abs(vals[tied].imag).max() > tol:
        raise DataError(
            f"W: got a complex slowest eigenvalue {complex(vals[tied[0]]):.4g}, expected a "
            "real one (a graph whose slowest mode does not rotate)"
        )
    basis = vecs[:, tied].real
    if len(tied) == 1:
        v = basis[:, 0]
    else:
        v = basis @ np.random.default_rng(seed).standard_normal(len(tied))
    v = v / np.linalg.norm(v)
    first = np.flatnonzero(np.abs(v) > 1e-6 * np.abs(v).max())[0]
    return v if v[first] > 0 else -v


def balanced_signs(v: Any) -> np.ndarray:
    """Return ``+1`` for the ``n // 2`` largest entries of ``v`` and ``-1`` for the rest.

    Ties are broken by node index (lower first), so the split is deterministic.

    Examples
    --------
    >>> balanced_signs([0.3, -0.1, 0.2, -0.4, 0.0]).tolist()
    [1, -1, 1, -1, -1]
    """
    v = np.asarray(v, dtype=float)
    order = np.argsort(-v, kind="stable")
    out = -np.ones(v.size, dtype=int)
    out[order[: v.size // 2]] = 1
    return out
