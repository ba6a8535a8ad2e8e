"""Array kernels of the GMM engine (:mod:`netcollapse.engines.gmm`).

:func:`default_means` and :func:`sample_without_replacement` are re-exported by
:mod:`netcollapse.engines.gmm`. The engine updates through :func:`zvdh_ragged`, which
gives the same numbers as a plain dense update over an ``(n, P, B)`` tensor with a mask
(the tests' reference, ``tests/gmm_reference.py``) without building that tensor:
nodes are ordered by how many points they read (most first), so the nodes still
updating at point ``p`` are a prefix of that order and their ``p``-th points one
contiguous block (:func:`rank_major`). Both run the same per-point arithmetic
(:func:`zvdh_point`), row by row, so they agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from netcollapse.errors import bad

__all__ = [
    "default_means",
    "rank_major",
    "sample_without_replacement",
    "zvdh_point",
    "zvdh_ragged",
]


def default_means(B: int) -> np.ndarray:
    """Default component means: ``B`` points evenly spaced in ``[-5, 5]`` (d = 1).

    Parameters
    ----------
    B : int
        Number of components (>= 2).

    Returns
    -------
    ndarray, shape (B,)

    Examples
    --------
    >>> default_means(2).tolist(), default_means(3).tolist()
    ([-5.0, 5.0], [-5.0, 0.0, 5.0])
    """
    return np.linspace(-5.0, 5.0, int(B))


def sample_without_replacement(
    sizes: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw ``counts[p]`` distinct positions in ``range(sizes[p])`` for every segment ``p``.

    Parameters
    ----------
    sizes : ndarray of int, shape (P,)
        Population size of each segment.
    counts : ndarray of int, shape (P,)
        How many to draw from each, ``0 <= counts <= sizes``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (counts.sum(),)
        Positions grouped by segment (segment 0 first). Each segment's set is a
        uniform random subset: dense segments (``2 count > size``) keep the
        ``count`` smallest of ``size`` random keys; the others draw with
        replacement and redraw duplicates, a procedure symmetric under relabelling
        the population, hence uniform over subsets.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pos = sample_without_replacement(np.array([5, 100]), np.array([5, 3]), rng)
    >>> sorted(pos[:5].tolist()), len(set(pos[5:].tolist()))
    ([0, 1, 2, 3, 4], 3)
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if np.any(counts > sizes) or np.any(counts < 0):
        raise bad("counts", counts.max(), "0 <= counts <= sizes")
    out = np.empty(int(counts.sum()), dtype=np.int64)
    dense = 2 * counts > sizes
    seg_all = np.repeat(np.arange(len(sizes)), counts)
    mask = ~dense[seg_all]
    # dense segments: random keys, keep the `count` smallest per segment (stable order)
    d = np.flatnonzero(dense & (counts > 0))
    if d.size:
        size_d = sizes[d]
        keys = rng.random(int(size_d.sum()))
        if size_d.min() == size_d.max():  # one population size (the engine's case)
            s = int(size_d[0])
            ranked = np.argsort(keys.reshape(d.size, s), axis=1, kind="stable")
            out[~mask] = ranked[np.arange(s) < counts[d, None]]  # segments in order
        else:  # a (segments, s) table of keys per size s
            first = np.cumsum(size_d) - size_d
            starts = np.cumsum(counts) - counts
            for s in np.unique(size_d):
                rows = np.flatnonzero(size_d == s)
                cols = np.arange(s)
                ranked = np.argsort(keys[first[rows, None] + cols], axis=1, kind="stable")
                keep = cols < counts[d[rows], None]
                out[(starts[d[rows], None] + cols)[keep]] = ranked[keep]
    # sparse segments: draw with replacement, redraw duplicates until none are left
    if mask.any():
        idx = np.flatnonzero(mask)
        seg = seg_all[idx]
        pos = (rng.random(idx.size) * sizes[seg]).astype(np.int64)
        # only segments drawing two or more can hold a duplicate
        multi = np.flatnonzero(counts[seg] > 1)
        mseg = seg[multi]
        base = mseg * (int(sizes.max()) + 1)  # one int64 key per (segment, position)
        while multi.size:
            key = base + pos[multi]
            order = np.argsort(key, kind="stable")
            k_sorted = key[order]
            dup = np.zeros(multi.size, dtype=bool)
            dup[order[1:]] = k_sorted[1:] == k_sorted[:-1]
            if not dup.any():
                break
            redo = multi[dup]
            pos[redo] = (rng.random(redo.size) * sizes[seg[redo]]).astype(np.int64)
        out[idx] = pos
    return out


def zvdh_point(
    P: np.ndarray,
    lik: np.ndarray,
    gain: np.ndarray,
    keep: np.ndarray,
    c: np.ndarray,
    eps: float,
    o: np.ndarray,
) -> None:
    """One point of the update for ``m`` nodes, in place on the weights ``P`` (m, B).

    ``lik`` (m, B): the point's likelihoods; ``gain`` = ``alpha / (1 - B c)``,
    ``keep`` = ``1 - alpha`` and ``c``, each (m, 1); ``o`` (m, B): scratch space.
    """
    np.multiply(P, lik, out=o)
    o /= o.sum(axis=1, keepdims=True)  # ownership probabilities
    o -= c
    o *= gain
    P *= keep
    P += o
    low = P <= 0
    hit = low[:, 0].copy()  # rows with a non-positive weight (column by column: faster)
    for b in range(1, P.shape[1]):
        hit |= low[:, b]
    rows = np.flatnonzero(hit)
    if rows.size:
        P[rows] = _positivity(P[rows], eps)


def _positivity(P: np.ndarray, eps: float) -> np.ndarray:
    """Apply the paper's positivity step to rows ``P`` (m, B), component by component.

    Works on the transpose (a component's weights contiguous) and multiplies every
    row by its factor, 1 for rows the component leaves alone (exact): the same
    numbers as rescaling only the rows concerned.
    """
    X = np.ascontiguousarray(P.T)
    factor = np.empty(X.shape[1])
    for b in range(X.shape[0]):
        col = X[b]
        low = col <= 0
        if low.any():
            factor.fill(1.0)
            np.divide(1.0, 1.0 + eps - col, out=factor, where=low)
            X *= factor
            col[low] = eps
    return X.T


def rank_major(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lay out ragged per-node points by point index first, nodes by ``k`` (most first).

    Parameters
    ----------
    k : ndarray of int, shape (n,)
        Points of each node; node-major order lists node 0's ``k[0]`` points, then
        node 1's, and so on.

    Returns
    -------
    perm : ndarray of int, shape (n,)
        Nodes in order of decreasing ``k`` (stable).
    widths : ndarray of int, shape (max k,)
        ``widths[p]``: nodes with more than ``p`` points, ``perm[:widths[p]]``.
    dest : ndarray of int, shape (k.sum(),)
        Row in the rank-major layout of each point in node-major order: block
        ``p`` (rows ``widths[:p].sum()`` on) holds the ``p``-th point of
        ``perm[0], perm[1], ...``.
    """
    n = k.size
    perm = np.argsort(-k, kind="stable")
    where = np.empty(n, dtype=np.int64)
    where[perm] = np.arange(n)
    P = int(k.max()) if n else 0
    widths = n - np.cumsum(np.bincount(k, minlength=P + 1))[:P]
    offset = np.cumsum(widths) - widths
    first = np.cumsum(k) - k
    node = np.repeat(np.arange(n), k)
    rank = np.arange(node.size) - first[node]
    return perm, widths, offset[rank] + where[node]


def zvdh_ragged(
    Pi: np.ndarray,
    lik: np.ndarray,
    perm: np.ndarray,
    widths: np.ndarray,
    alpha: np.ndarray,
    c: np.ndarray,
    eps: float,
) -> np.ndarray:
    """:func:`zvdh_update` on points laid out by :func:`rank_major` (same numbers).

    ``lik`` (k.sum(), B) holds the likelihoods in rank-major order; ``perm`` and
    ``widths`` come from :func:`rank_major`.
    """
    B = Pi.shape[1]
    gain = (alpha / (1.0 - B * c))[perm, None]
    keep = (1.0 - alpha)[perm, None]
    cc = np.asarray(c)[perm, None]
    P = np.array(Pi, dtype=float)[perm]
    scratch = np.empty_like(P)
    start = 0
    for m in widths.tolist():
        stop = start + m
        zvdh_point(P[:m], lik[start:stop], gain[:m], keep[:m], cc[:m], eps, scratch[:m])
        start = stop
    out = np.empty_like(P)
    out[perm] = P
    return out
