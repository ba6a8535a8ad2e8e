"""Statistics of the tables: Spearman's rank correlation and a mean with its t-interval.

One definition each, used by the study, the sweep analysis and the figures:

- :func:`spearman`: Spearman's rank correlation of two columns, with one rule for
  what cannot be correlated (non-finite pairs dropped; NaN below 3 pairs or with a
  constant side);
- :func:`spearman_rows` and :func:`pearson_rows`: the same correlations of many
  rows at once (bootstrap resamples), on finite input;
- :func:`mean_interval`: the mean of the finite values and its Student-t
  interval (:func:`scipy.stats.t.ppf`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netcollapse.errors import bad

__all__ = ["mean_interval", "pearson_rows", "spearman", "spearman_rows"]


def pearson_rows(x: Any, y: Any) -> np.ndarray:
    """Pearson correlation of each row of ``x`` with the same row of ``y``.

    Parameters
    ----------
    x, y : array_like, shape (..., n)
        Finite values; the correlation is taken along the last axis.

    Returns
    -------
    numpy.ndarray, shape (...)
        In ``[-1, 1]``; NaN for a row where either side is constant.

    Examples
    --------
    >>> pearson_rows([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], [[2.0, 4.0, 7.0], [1.0, 2.0, 3.0]])
    array([0.99339927,        nan])
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    den = np.sqrt((xc**2).sum(axis=-1) * (yc**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * yc).sum(axis=-1) / den
    return np.where(den > 0, np.clip(r, -1.0, 1.0), np.nan)


def spearman_rows(x: Any, y: Any) -> np.ndarray:
    """Spearman's rank correlation of each row of ``x`` with the same row of ``y``.

    The Pearson correlation (:func:`pearson_rows`) of the average ranks along the
    last axis (ties share their mean rank, as in :func:`scipy.stats.spearmanr`).

    Parameters
    ----------
    x, y : array_like, shape (..., n)
        Finite values (drop the others first, or use :func:`spearman`).

    Returns
    -------
    numpy.ndarray, shape (...)
        NaN for a row where either side is constant.

    Examples
    --------
    >>> spearman_rows([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [[1.0, 5.0, 9.0], [9.0, 5.0, 1.0]])
    array([ 1., -1.])
    """
    from scipy.stats import rankdata

    return pearson_rows(rankdata(x, axis=-1), rankdata(y, axis=-1))


def spearman(x: Any, y: Any) -> float:
    """Spearman's rank correlation of two columns, over the pairs where both are finite.

    The rule, the same wherever the package reports a Spearman correlation: a pair
    with a non-finite value (NaN, an undefined measure, or an infinity) is dropped;
    the result is NaN when fewer than 3 pairs are left or when either side is
    constant over them. Ties share their mean rank.

    Parameters
    ----------
    x, y : array_like, shape (n,)

    Returns
    -------
    float
        In ``[-1, 1]``, or NaN.

    Examples
    --------
    >>> spearman([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0])
    0.8
    >>> spearman([1.0, 2.0, float("nan"), 4.0], [1.0, 3.0, 2.0, 4.0])
    1.0
    >>> spearman([1.0, 2.0], [2.0, 1.0]), spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    (nan, nan)
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise bad("len(y)", y.size, f"{x.size}, the length of x")
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return math.nan
    return float(spearman_rows(x[ok], y[ok]))


def mean_interval(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of the finite values and its Student-t interval.

    ``mean -/+ t * s / sqrt(n)`` with ``s`` the sample standard deviation
    (``ddof=1``) and ``t`` the ``(1 + level) / 2`` quantile of Student's t with
    ``n - 1`` degrees of freedom (:func:`scipy.stats.t.ppf`; 12.706 for 2 values,
    2.776 for 5, 1.984 for 101). Non-finite values are dropped first.

    Parameters
    ----------
    values : array_like
    level : float
        Coverage of the interval, in ``(0, 1)``.

    Returns
    -------
    (float, float, float)
        ``(mean, lo, hi)``; all NaN with no finite value, NaN bounds with one.

    Examples
    --------
    >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3)
    (2.0, -0.484, 4.484)
    >>> mean_interval([5.0, float("nan")])
    (5.0, nan, nan)
    """
    if not 0.0 < level < 1.0:
        raise bad("level", level, "a coverage in (0, 1)")
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if v.size < 2:
        return m, math.nan, math.nan
    from scipy.stats import t

    half = float(t.ppf(0.5 + level / 2, v.size - 1)) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return m, m - half, m + half
