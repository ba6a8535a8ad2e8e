"""A scalar stance readout: answers projected on the axis between two stance centroids.

Given embedded documents labelled with one of two stances (say ``bullish`` and
``bearish``), the axis runs from the centroid ``c-`` of the negative stance to the
centroid ``c+`` of the positive one. An answer with embedding ``e`` reads as::

    stance(e) = (e - (c+ + c-) / 2) . (c+ - c-) / ||c+ - c-||^2

so the positive centroid reads ``+0.5``, the negative one ``-0.5``, and one unit
is the distance between the two centroids. The projection is linear, so a node's
stance (the mean over its ``L`` answers) is the projection of its mean embedding,
and the noise correction of :mod:`netcollapse.measures.corrected` applies to the
scalar readouts unchanged: they are DeGroot-style opinions.

Why the centroid difference and not a trained classifier: it has no parameters
to fit beyond two means, it cannot overfit a 30-post corpus, it is what the
difference of two group means in a 384-dimensional space measures, and it keeps
the readout linear (a logistic regression would too, but its direction chases the
few coordinates that separate the training posts). :func:`auc` checks that the
axis separates posts it was not built from.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from netcollapse._validation import as_array
from netcollapse.errors import bad
from netcollapse.measures.corrected import corrected_row, group_row

__all__ = ["StanceAxis", "auc", "project", "stance_axis", "stance_rows"]


class StanceAxis(NamedTuple):
    """The readout axis.

    Attributes
    ----------
    positive, negative : str
        The two stance names (``+0.5`` and ``-0.5`` on the axis).
    midpoint : ndarray, shape (d,)
        ``(c+ + c-) / 2``.
    direction : ndarray, shape (d,)
        ``(c+ - c-) / ||c+ - c-||^2``.
    """

    positive: str
    negative: str
    midpoint: np.ndarray
    direction: np.ndarray


def stance_axis(embeddings: Any, stances: Any, positive: str, negative: str) -> StanceAxis:
    """Build the axis from labelled document embeddings.

    Parameters
    ----------
    embeddings : array_like, shape (m, d)
    stances : sequence of str, length m
        Each document's stance; labels other than the two named are ignored.
    positive, negative : str
        The stances that read ``+0.5`` and ``-0.5``.

    Returns
    -------
    StanceAxis

    Examples
    --------
    >>> ax = stance_axis([[1.0, 0.0], [3.0, 0.0], [-1.0, 0.0]], ["up", "up", "down"], "up", "down")
    >>> ax.midpoint.tolist(), ax.direction.tolist()
    ([0.5, 0.0], [0.3333333333333333, 0.0])
    """
    emb = as_array(embeddings, "embeddings", (2,), "an array of shape (m, d)")
    lab = np.asarray(stances, dtype=object)
    if lab.shape != (emb.shape[0],):
        raise bad("stances", f"{lab.size} labels", f"{emb.shape[0]} (one per embedding)")
    centroids = []
    for name in (positive, negative):
        m = lab == name
        if not m.any():
            raise bad("stance", name, f"a stance among {sorted(set(lab.tolist()))}")
        centroids.append(emb[m].mean(axis=0))
    diff = centroids[0] - centroids[1]
    norm2 = float(diff @ diff)
    if norm2 == 0.0:
        raise bad(
            "stances", f"{positive!r} and {negative!r}", "two stances with different centroids"
        )
    midpoint = (centroids[0] + centroids[1]) / 2
    return StanceAxis(str(positive), str(negative), midpoint, diff / norm2)


def project(embeddings: Any, axis: StanceAxis) -> np.ndarray:
    """Stance of each embedding (any leading shape, last axis ``d``).

    Parameters
    ----------
    embeddings : array_like, shape (..., d)
    axis : StanceAxis

    Returns
    -------
    numpy.ndarray, shape (...)

    Examples
    --------
    >>> ax = stance_axis([[1.0, 0.0], [-1.0, 0.0]], ["up", "down"], "up", "down")
    >>> project([[1.0, 5.0], [0.0, 0.0], [-3.0, 1.0]], ax).tolist()
    [0.5, 0.0, -1.5]
    """
    emb = np.asarray(embeddings, dtype=float)
    if emb.shape[-1] != axis.direction.shape[0]:
        raise bad("embeddings.shape", emb.shape, f"a last dimension of {axis.direction.shape[0]}")
    return (emb - axis.midpoint) @ axis.direction


def auc(positive_scores: Any, negative_scores: Any) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties 1/2.

    Parameters
    ----------
    positive_scores, negative_scores : array_like, 1-D, non-empty

    Returns
    -------
    float

    Examples
    --------
    >>> auc([0.9, 0.4], [0.1, 0.4])
    0.875
    """
    p = np.asarray(positive_scores, dtype=float).ravel()
    q = np.asarray(negative_scores, dtype=float).ravel()
    if p.size == 0 or q.size == 0:
        raise bad("scores", f"{p.size} positive, {q.size} negative", "both non-empty")
    diff = p[:, None] - q[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def stance_rows(
    stance: np.ndarray, read: list[np.ndarray | None], groups: Any
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Stance columns of a round's metrics row and of its node rows.

    Parameters
    ----------
    stance : ndarray, shape (n, L)
        The stance readout of every answer.
    read : list of (ndarray or None)
        The stances of what each node read (``None``: it read nothing).
    groups : array_like
        Each node's group (the two-group split, :func:`group_row`).

    Returns
    -------
    (dict, dict)
        The row's ``stance_*`` columns and the node columns ``stance``,
        ``stance_var``, ``read_stance``, ``read_stance_var``.

    Examples
    --------
    >>> s = np.array([[0.5, 0.3], [-0.5, -0.1]])
    >>> row, cols = stance_rows(s, [np.array([0.4, 0.2]), None], [0, 1])
    >>> round(row["stance_mean"], 3), cols["read_stance"].tolist()[0]
    (0.05, 0.30000000000000004)
    """
    row = {
        "stance_mean": float(stance.mean()),
        **corrected_row(stance, "stance_"),
        **group_row(stance, groups, "stance_"),
    }
    filled = [np.array([np.nan]) if r is None else np.asarray(r, float) for r in read]
    cols = {
        "stance": stance.mean(axis=1),
        "stance_var": stance.var(axis=1, ddof=1),
        "read_stance": np.array([r.mean() for r in filled]),
        "read_stance_var": np.array([r.var(ddof=1) if r.size > 1 else np.nan for r in filled]),
    }
    return row, cols
