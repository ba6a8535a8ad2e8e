"""Perspective space: classical multidimensional scaling (CMDS) maps of responses.

Helm, Duderstadt, Park & Priebe, "Tracking the perspectives of interacting language
models" (arXiv 2406.11938) embed every (model, time) response jointly with classical
MDS to trace each model's history in one picture; Wang, Horiguchi, Pang & Priebe
(arXiv 2506.15690, Fig. 3) draw such maps for a network of LLMs. This module holds
the two maps: :func:`cmds` of any distance matrix and :func:`perspective_space`, the
joint map of embedded responses computed without the ``m x m`` distance matrix.

Pure functions over NumPy arrays; output signs are fixed (the largest-magnitude
entry of each column is positive), so the same input always gives the same map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netcollapse._validation import as_array as _as_array
from netcollapse.errors import bad

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cmds", "perspective_space"]


# ----------------------------------------------------------------------------- CMDS
def _fix_signs(coords: np.ndarray) -> np.ndarray:
    """Flip each column so that its largest-magnitude entry is positive.

    Ties (entries within a relative ``1e-9`` of the largest magnitude, as in
    symmetric configurations) go to the first such row, so rounding noise cannot
    decide the sign.
    """
    if coords.shape[0] == 0:
        return coords
    mag = np.abs(coords)
    idx = np.argmax(mag >= mag.max(axis=0) * (1 - 1e-9), axis=0)
    signs = np.where(coords[idx, np.arange(coords.shape[1])] < 0, -1.0, 1.0)
    return coords * signs


def cmds(D: np.ndarray, k: int = 2) -> np.ndarray:
    """Classical (Torgerson) multidimensional scaling of a distance matrix.

    Parameters
    ----------
    D : numpy.ndarray, shape (m, m)
        Symmetric matrix of distances (symmetrised as ``(D + D.T) / 2``).
    k : int
        Number of dimensions, ``1 <= k <= m``.

    Returns
    -------
    numpy.ndarray, shape (m, k)
        Coordinates whose Euclidean distances reproduce ``D`` when ``D`` is
        Euclidean of dimension ``<= k``.

    Notes
    -----
    ``B = -1/2 J D^(2) J`` with ``J = I - 11^T / m`` and ``D^(2)`` the element-wise
    squares; the coordinates are the top-``k`` eigenvectors of ``B`` scaled by the
    square roots of their eigenvalues, negative eigenvalues clipped to 0. Sign
    convention (deterministic output): the largest-magnitude entry of each column
    is positive (on a tie within a relative ``1e-9``, the first such entry). Used
    for the response maps of Wang et al. 2025 (Fig. 3) and the perspective space
    of Helm et al. 2024 (arXiv 2406.11938).

    Examples
    --------
    >>> from netcollapse.measures.disagreement import distance_matrix
    >>> D = distance_matrix(np.array([[0.0], [1.0], [3.0]]))
    >>> cmds(D, k=1).round(6).ravel().tolist()
    [-1.333333, -0.333333, 1.666667]
    """
    arr = _as_array(D, "D", (2,), "a square matrix of distances")
    m = arr.shape[0]
    if arr.shape[1] != m:
        raise bad("D.shape", arr.shape, "a square matrix of distances")
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= m:
        raise bad("k", k, f"an integer in [1, {m}]")
    sq = ((arr + arr.T) / 2.0) ** 2
    row = sq.mean(axis=1)
    B = -0.5 * (sq - row[:, None] - row[None, :] + row.mean())
    vals, vecs = np.linalg.eigh(B)
    order = np.argsort(vals)[::-1][:k]
    lam = np.clip(vals[order], 0.0, None)
    return _fix_signs(vecs[:, order] * np.sqrt(lam))


def _pca_coords(centred: np.ndarray, k: int) -> np.ndarray:
    """Top-``k`` principal coordinates ``U_k S_k`` of centred data, via the smaller Gram matrix."""
    m, d = centred.shape
    coords = np.zeros((m, k))
    r = min(k, m, d)
    if m <= d:  # m x m Gram matrix: this is CMDS itself
        vals, vecs = np.linalg.eigh(centred @ centred.T)
        order = np.argsort(vals)[::-1][:r]
        coords[:, :r] = vecs[:, order] * np.sqrt(np.clip(vals[order], 0.0, None))
    else:  # d x d scatter matrix: project the data on its top eigenvectors
        vals, vecs = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(vals)[::-1][:r]
        coords[:, :r] = centred @ vecs[:, order]
    return coords


def perspective_space(
    embeddings: np.ndarray, labels: pd.DataFrame | None = None, k: int = 2
) -> pd.DataFrame:
    """Joint CMDS of all responses over time ("perspective space").

    Parameters
    ----------
    embeddings : numpy.ndarray, shape (m, d) or (T + 1, n, L, d)
        Every embedded response, for all nodes and steps; the 4-D array a run
        stores (``RunResult.embeddings()``) is taken as it is, with ``step``,
        ``node`` and ``sample`` labels made for it.
    labels : pandas.DataFrame, optional
        ``m`` rows of metadata in the same order (typically ``node``, ``step``,
        ``sample``); must not already hold ``dim1 ... dimk``.
    k : int
        Number of dimensions, ``1 <= k <= m``.

    Returns
    -------
    pandas.DataFrame
        The columns of ``labels`` (if given) followed by ``dim1, ..., dimk``; one
        row per response.

    Notes
    -----
    Helm, Duderstadt, Park & Priebe (arXiv 2406.11938) embed all (model, time)
    responses jointly with classical MDS to trace each model's history; Wang et
    al. 2025 (arXiv 2506.15690, Fig. 3) draw such a map. For Euclidean distances
    CMDS equals principal components of the centred embeddings (the Gram matrix
    is ``B = X_c X_c^T``), so this solves the eigenproblem of the smaller of
    ``X_c X_c^T`` (``m x m``) and ``X_c^T X_c`` (``d x d``) in ``O(m d min(m, d))``,
    never building the ``m x m`` distance matrix; the result equals
    ``cmds(distance_matrix(embeddings), k)`` with the same sign convention.

    Examples
    --------
    >>> import pandas as pd
    >>> E = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 1.0]])
    >>> frame = perspective_space(E, pd.DataFrame({"node": [0, 1, 2]}))
    >>> list(frame.columns)
    ['node', 'dim1', 'dim2']

    A run's stored embeddings, ``(T + 1, n, L, d)``, are labelled for you:

    >>> stored = np.random.default_rng(0).normal(size=(3, 2, 4, 5))
    >>> f = perspective_space(stored)
    >>> len(f), list(f.columns)
    (24, ['step', 'node', 'sample', 'dim1', 'dim2'])
    """
    import pandas as pd

    arr = _as_array(
        embeddings, "embeddings", (2, 4), "an array of shape (m, d) or (T + 1, n, L, d)"
    )
    if arr.ndim == 4:
        steps, n, L, d = arr.shape
        if labels is None:
            grid = np.indices((steps, n, L)).reshape(3, -1)
            labels = pd.DataFrame({"step": grid[0], "node": grid[1], "sample": grid[2]})
        arr = arr.reshape(-1, d)
    m = arr.shape[0]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= m:
        raise bad("k", k, f"an integer in [1, {m}]")
    names = [f"dim{i + 1}" for i in range(k)]
    if labels is not None:
        if not isinstance(labels, pd.DataFrame) or len(labels) != m:
            got = len(labels) if isinstance(labels, pd.DataFrame) else type(labels).__name__
            raise bad("labels", got, f"a DataFrame with {m} rows (one per embedding)")
        clash = [c for c in names if c in labels.columns]
        if clash:
            raise bad("labels.columns", clash, f"no column named {names[0]}..{names[-1]}")
    coords = _fix_signs(_pca_coords(arr - arr.mean(axis=0), k))
    out = pd.DataFrame() if labels is None else labels.reset_index(drop=True).copy()
    for j, name in enumerate(names):
        out[name] = coords[:, j]
    return out
