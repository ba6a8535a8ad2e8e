"""Collapse metrics: distances between nodes, spreads, collapse speed, tidy rows.

Pure functions over NumPy arrays. Array conventions used throughout:

- ``samples`` has shape ``(n, L, d)``: node *i*'s ``L`` embedded answers at one
  step, each a vector in ``R^d``.
- ``X`` has shape ``(n, d)``: one state per node. For the LLM web it is the mean
  embedding ``X_i(t)`` of node *i*'s ``L`` samples (:func:`node_means`); for the
  GMM web it is the mixture-weight matrix ``Pi(t)`` of shape ``(n, B)``.
- ``F`` is a 1-D trajectory ``F[t] = ||D(t)||_F`` for ``t = 0, ..., T``.

The collapse metric of Wang, Horiguchi, Pang & Priebe, "LLM Web Dynamics: Tracing
Model Collapse in a Network of LLMs" (arXiv 2506.15690) is the Frobenius norm of
``D(t)_ij = ||X_i(t) - X_j(t)||_2``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netcollapse._validation import as_array as _as_array
from netcollapse.errors import bad

__all__ = [
    "distance_matrix",
    "drift",
    "frobenius_distance",
    "frobenius_trajectory",
    "node_means",
    "node_rows",
    "spread",
    "step_metrics",
    "synthetic_share",
    "within_spread",
]


# ----------------------------------------------------------------------------- validation
def _as_samples(samples: Any) -> np.ndarray:
    return _as_array(samples, "samples", (3,), "an array of shape (n, L, d)")


def _as_states(X: Any, field: str = "X") -> np.ndarray:
    arr = _as_array(X, field, (1, 2), "an array of shape (n, d) or (n,)")
    return arr[:, None] if arr.ndim == 1 else arr


# ----------------------------------------------------------------------------- states
def node_means(samples: np.ndarray) -> np.ndarray:
    """Mean embedding of each node's samples, ``X_i(t)``.

    Parameters
    ----------
    samples : numpy.ndarray, shape (n, L, d)
        Node *i*'s ``L`` embedded answers at one step.

    Returns
    -------
    numpy.ndarray, shape (n, d)

    Notes
    -----
    ``X_i(t)`` is the mean of the ``L`` embeddings of node *i*'s answers (Wang et
    al. 2025, arXiv 2506.15690, Algorithm 1).

    Examples
    --------
    >>> node_means(np.array([[[0.0, 0.0], [2.0, 4.0]]])).tolist()
    [[1.0, 2.0]]
    """
    return _as_samples(samples).mean(axis=1)


def distance_matrix(X: np.ndarray) -> np.ndarray:
    """Full matrix of Euclidean distances ``D_ij = ||X_i - X_j||_2`` (for small ``n``).

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d) or (n,)
        One state per node (1-D input: one scalar per node).

    Returns
    -------
    numpy.ndarray, shape (n, n)
        Symmetric, zero diagonal.

    See Also
    --------
    frobenius_distance : ``||D||_F`` in ``O(n d)`` without building ``D``.

    Examples
    --------
    >>> distance_matrix(np.array([[0.0, 0.0], [3.0, 4.0]])).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    arr = _as_states(X)
    diff = arr[:, None, :] - arr[None, :, :]
    return np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))


def frobenius_distance(X: np.ndarray) -> float:
    """Frobenius norm ``||D||_F`` of the node distance matrix, in ``O(n d)``.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d) or (n,)
        One state per node: mean embeddings ``X(t)`` (LLM web), mixture weights
        ``Pi(t)`` of shape ``(n, B)`` (GMM web), or one scalar per node.

    Returns
    -------
    float
        ``sqrt(sum_ij ||X_i - X_j||^2)``; 0 for a single node.

    Notes
    -----
    The collapse metric of Wang et al. 2025 (arXiv 2506.15690) is ``||D(t)||_F``
    with ``D(t)_ij = ||X_i(t) - X_j(t)||_2``. Because
    ``sum_ij ||x_i - x_j||^2 = 2 n sum_i ||x_i - xbar||^2`` (expand the square; the
    cross terms sum to zero around the mean), ``||D||_F = sqrt(2 n sum_i ||x_i - xbar||^2)``,
    which needs only the centred states, never the ``n x n`` matrix.

    Examples
    --------
    >>> frobenius_distance(np.array([[0.0, 0.0], [3.0, 4.0]]))  # sqrt(5**2 + 5**2)
    7.0710678118654755
    """
    arr = _as_states(X)
    centred = arr - arr.mean(axis=0)
    return float(math.sqrt(2.0 * arr.shape[0] * float(np.einsum("ij,ij->", centred, centred))))


def frobenius_trajectory(states: np.ndarray) -> np.ndarray:
    """``||D(t)||_F`` for a stack of states, one per step.

    Parameters
    ----------
    states : numpy.ndarray, shape (T + 1, n, d)
        ``states[t]`` is ``X(t)`` (or ``Pi(t)``).

    Returns
    -------
    numpy.ndarray, shape (T + 1,)

    Examples
    --------
    >>> frobenius_trajectory(np.array([[[0.0], [2.0]], [[0.0], [1.0]]])).tolist()
    [2.8284271247461903, 1.4142135623730951]
    """
    arr = _as_array(states, "states", (3,), "an array of shape (T + 1, n, d)")
    centred = arr - arr.mean(axis=1, keepdims=True)
    return np.sqrt(2.0 * arr.shape[1] * np.einsum("tij,tij->t", centred, centred))


def within_spread(samples: np.ndarray) -> np.ndarray:
    """Measure each node's internal diversity: mean distance of its samples to their mean.

    Parameters
    ----------
    samples : numpy.ndarray, shape (n, L, d)

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``(1 / L) sum_l ||s_il - X_i||_2``; 0 when ``L = 1``.

    Notes
    -----
    Wang et al. 2025 (arXiv 2506.15690, Fig. 3) show each model's cloud of answers
    shrinking towards a point mass; this is that cloud's mean radius.

    Examples
    --------
    >>> within_spread(np.array([[[0.0, 0.0], [2.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]])).tolist()
    [1.0, 0.0]
    """
    arr = _as_samples(samples)
    centred = arr - arr.mean(axis=1, keepdims=True)
    return np.sqrt(np.einsum("ilk,ilk->il", centred, centred)).mean(axis=1)


def spread(samples: np.ndarray) -> float:
    """Network mean of :func:`within_spread`.

    Parameters
    ----------
    samples : numpy.ndarray, shape (n, L, d)

    Returns
    -------
    float

    Examples
    --------
    >>> spread(np.array([[[0.0, 0.0], [2.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]]))
    0.5
    """
    return float(within_spread(samples).mean())


def drift(X: np.ndarray, reference: np.ndarray) -> float:
    """Distance of the network centroid from a reference centroid.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, d)
        One state per node.
    reference : numpy.ndarray, shape (d,) or (m, d)
        The reference centroid (for instance the human corpus centroid), or the
        reference points themselves, whose mean is then used.

    Returns
    -------
    float
        ``|| mean_i X_i - reference centroid ||_2``.

    Examples
    --------
    >>> drift(np.array([[0.0, 2.0], [2.0, 2.0]]), np.array([1.0, 0.0]))
    2.0
    """
    arr = _as_states(X)
    ref = _as_array(reference, "reference", (1, 2), "an array of shape (d,) or (m, d)")
    centre = ref if ref.ndim == 1 else ref.mean(axis=0)
    if centre.shape[0] != arr.shape[1]:
        raise bad("reference.shape", ref.shape, f"a last dimension of {arr.shape[1]} (as X)")
    return float(np.linalg.norm(arr.mean(axis=0) - centre))


def synthetic_share(n_synthetic: int | float, n_total: int | float) -> float:
    """Share of retrieved documents that are synthetic (model-written).

    Parameters
    ----------
    n_synthetic : int or float
        Number of synthetic documents, ``0 <= n_synthetic <= n_total``.
    n_total : int or float
        Number of documents in all.

    Returns
    -------
    float
        ``n_synthetic / n_total``, or ``nan`` when ``n_total == 0``.

    Examples
    --------
    >>> synthetic_share(3, 12)
    0.25
    >>> synthetic_share(0, 0)
    nan
    """
    for field, value in (("n_synthetic", n_synthetic), ("n_total", n_total)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
            raise bad(field, value, "a number >= 0")
    if n_synthetic > n_total:
        raise bad("n_synthetic", n_synthetic, f"a number <= n_total ({n_total})")
    if n_total == 0:
        return math.nan
    return float(n_synthetic) / float(n_total)


# ----------------------------------------------------------------------------- tidy rows
def _states_and_spreads(samples: Any) -> tuple[np.ndarray, np.ndarray]:
    arr = _as_array(samples, "samples", (2, 3), "an array of shape (n, L, d) or (n, d)")
    if arr.ndim == 2:
        return arr, np.full(arr.shape[0], math.nan)
    return arr.mean(axis=1), within_spread(arr)


def step_metrics(
    samples: np.ndarray,
    step: int,
    reference: np.ndarray | None = None,
    n_synthetic: int = 0,
    n_retrieved: int = 0,
) -> dict[str, float | int]:
    """One tidy metrics row for one step of a run.

    Parameters
    ----------
    samples : numpy.ndarray, shape (n, L, d) or (n, d)
        The step's embedded samples; a 2-D array is taken as the node states
        themselves (e.g. GMM weights ``Pi(t)``), whose spread is then ``nan``.
    step : int
        The step ``t``.
    reference : numpy.ndarray, shape (d,) or (m, d), optional
        Reference centroid for :func:`drift` (``nan`` drift when omitted).
    n_synthetic, n_retrieved : int
        Synthetic and total documents retrieved this step, for
        :func:`synthetic_share` (``nan`` when ``n_retrieved == 0``).

    Returns
    -------
    dict
        ``step``, ``frobenius``, ``synthetic_share``, ``within_spread`` (mean of
        :func:`within_spread` over nodes) and ``drift_from_human`` (:func:`drift`
        from ``reference``).

    Examples
    --------
    >>> s = np.array([[[0.0, 0.0], [2.0, 0.0]], [[4.0, 0.0], [4.0, 0.0]]])
    >>> row = step_metrics(s, 3, reference=np.zeros(2), n_synthetic=1, n_retrieved=4)
    >>> [row[k] for k in ("step", "frobenius", "synthetic_share")]
    [3, 4.242640687119285, 0.25]
    >>> row["within_spread"], row["drift_from_human"]
    (0.5, 2.5)
    """
    X, spreads = _states_and_spreads(samples)
    return {
        "step": int(step),
        "frobenius": frobenius_distance(X),
        "synthetic_share": synthetic_share(n_synthetic, n_retrieved),
        "within_spread": float(spreads.mean()),
        "drift_from_human": math.nan if reference is None else drift(X, reference),
    }


def node_rows(samples: np.ndarray, step: int) -> list[dict[str, float | int]]:
    """One tidy row per node for one step.

    Parameters
    ----------
    samples : numpy.ndarray, shape (n, L, d) or (n, d)
        As in :func:`step_metrics`.
    step : int
        The step ``t``.

    Returns
    -------
    list of dict
        Keys ``step``, ``node`` (index ``0 .. n - 1``), ``dist_to_centroid``
        (``||X_i - xbar||``) and ``within_spread`` (``nan`` for 2-D input).

    Examples
    --------
    >>> rows = node_rows(np.array([[[0.0], [2.0]], [[5.0], [5.0]]]), 0)
    >>> [(r["node"], r["dist_to_centroid"], r["within_spread"]) for r in rows]
    [(0, 2.0, 1.0), (1, 2.0, 0.0)]
    """
    X, spreads = _states_and_spreads(samples)
    dist = np.linalg.norm(X - X.mean(axis=0), axis=1)
    return [
        {
            "step": int(step),
            "node": i,
            "dist_to_centroid": float(dist[i]),
            "within_spread": float(spreads[i]),
        }
        for i in range(X.shape[0])
    ]
