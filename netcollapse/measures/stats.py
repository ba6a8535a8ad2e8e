"""Statistics of the tables: Spearman's rank correlation and a mean with its t-interval.

One definition each, used by the study, the sweep analysis and the figures:

- :func:`spearman`: Spearman's rank correlation of two columns, with one rule for
  what cannot be correlated (non-finite pairs dropped; NaN below 3 pairs or with a
  constant side);
- :func:`spearman_rows` and :func:`pearson_rows`: the same correlations of many
  rows at once (bootstrap resamples), on finite input;
- :func:`mean_interval`: the mean of the finite values and its Student-t
  interval (:func:`scipy.stats.t.ppf`);
- :func:`paired_interval`: the mean difference of two conditions over shared blocks
  (seeds) with its t-interval;
- :func:`blocked_anova`: the two-way additive ANOVA of a measure, condition x block;
- :func:`line_fit`: the least-squares line of ``y`` on ``x`` with a t-interval for
  the slope.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from netcollapse.errors import bad

__all__ = [
    "blocked_anova",
    "line_fit",
    "mean_interval",
    "paired_interval",
    "pearson_rows",
    "spearman",
    "spearman_rows",
]


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


def paired_interval(
    table: pd.DataFrame,
    measure: str,
    a: str,
    b: str,
    condition: str = "graph",
    block: str = "seed",
    level: float = 0.95,
) -> dict[str, Any]:
    """Mean of ``a - b`` over the blocks both conditions share, with its t-interval.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (condition, block) with the measure.
    measure, condition, block : str
        Column names.
    a, b : str
        The two conditions.
    level : float
        Coverage of the interval.

    Returns
    -------
    dict
        ``a``, ``b``, ``mean``, ``lo``, ``hi``, ``sd`` (of the differences),
        ``n`` (blocks with both values finite) and ``positive`` (blocks where
        ``a > b``).

    Examples
    --------
    >>> t = pd.DataFrame({"graph": ["x", "x", "x", "y", "y", "y"], "seed": [0, 1, 2] * 2,
    ...                   "v": [3.0, 4.0, 6.0, 1.0, 2.0, 3.0]})
    >>> r = paired_interval(t, "v", "x", "y")
    >>> round(r["mean"], 3), r["n"], r["positive"], round(r["lo"], 3)
    (2.333, 3, 3, 0.899)
    """
    for col in (measure, condition, block):
        if col not in table.columns:
            raise bad("column", col, f"one of {sorted(table.columns)}")
    wide = table.pivot_table(index=block, columns=condition, values=measure, aggfunc="mean")
    for name in (a, b):
        if name not in wide.columns:
            raise bad(condition, name, f"one of {sorted(map(str, wide.columns))}")
    d = (wide[a] - wide[b]).to_numpy(float)
    d = d[np.isfinite(d)]
    m, lo, hi = mean_interval(d, level)
    return {
        "a": a,
        "b": b,
        "mean": m,
        "lo": lo,
        "hi": hi,
        "sd": float(d.std(ddof=1)) if d.size > 1 else math.nan,
        "n": int(d.size),
        "positive": int((d > 0).sum()),
    }


def blocked_anova(
    table: pd.DataFrame, measure: str, condition: str = "graph", block: str = "seed"
) -> dict[str, Any]:
    """Two-way additive ANOVA of ``measure``: condition x block, one value per cell.

    Only blocks with a finite value for every condition enter (a complete
    randomised block design). Sums of squares: conditions ``b sum (m_c - m)^2``,
    blocks ``c sum (m_b - m)^2``, residual the rest, with ``(c - 1)``, ``(b - 1)``
    and ``(c - 1)(b - 1)`` degrees of freedom.

    Parameters
    ----------
    table : pandas.DataFrame
    measure, condition, block : str
        Column names.

    Returns
    -------
    dict
        ``conditions``, ``blocks``, ``F_condition``, ``p_condition``, ``F_block``,
        ``p_block``, ``residual_sd`` and ``block_sd`` (the SD of the block means).

    Examples
    --------
    >>> t = pd.DataFrame({"graph": list("xxxyyy"), "seed": [0, 1, 2] * 2,
    ...                   "v": [3.0, 4.0, 6.0, 1.0, 2.5, 3.0]})
    >>> r = blocked_anova(t, "v")
    >>> r["conditions"], r["blocks"], round(r["F_condition"], 2)
    (2, 3, 24.14)
    """
    from scipy.stats import f as f_dist

    wide = table.pivot_table(index=block, columns=condition, values=measure, aggfunc="mean")
    wide = wide[np.isfinite(wide.to_numpy(float)).all(axis=1)]
    X = wide.to_numpy(float)
    nb, nc = X.shape
    out: dict[str, Any] = {"conditions": nc, "blocks": nb}
    if nb < 2 or nc < 2:
        return out | dict.fromkeys(
            ("F_condition", "p_condition", "F_block", "p_block", "residual_sd", "block_sd"),
            math.nan,
        )
    m = X.mean()
    ss_c = nb * float(((X.mean(axis=0) - m) ** 2).sum())
    ss_b = nc * float(((X.mean(axis=1) - m) ** 2).sum())
    ss_r = float(((X - m) ** 2).sum()) - ss_c - ss_b
    df_c, df_b, df_r = nc - 1, nb - 1, (nc - 1) * (nb - 1)
    ms_r = max(ss_r, 0.0) / df_r
    F_c = (ss_c / df_c) / ms_r if ms_r > 0 else math.inf
    F_b = (ss_b / df_b) / ms_r if ms_r > 0 else math.inf
    return out | {
        "F_condition": F_c,
        "p_condition": float(f_dist.sf(F_c, df_c, df_r)),
        "F_block": F_b,
        "p_block": float(f_dist.sf(F_b, df_b, df_r)),
        "residual_sd": math.sqrt(ms_r),
        "block_sd": float(X.mean(axis=1).std(ddof=1)),
    }


def line_fit(x: Any, y: Any, level: float = 0.95) -> dict[str, float]:
    """Least-squares line ``y = intercept + slope x`` over the finite pairs.

    :func:`scipy.stats.linregress` on the finite pairs, with the slope's interval.

    Parameters
    ----------
    x, y : array_like
    level : float
        Coverage of the slope's t-interval (``n - 2`` degrees of freedom).

    Returns
    -------
    dict
        ``slope``, ``intercept``, ``slope_lo``, ``slope_hi``, ``r2``, ``n``; NaN
        below 3 pairs or with a constant ``x``.

    Examples
    --------
    >>> r = line_fit([0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 5.0, 7.0])
    >>> round(r["slope"], 9), round(r["intercept"], 9), round(r["r2"], 9)
    (2.0, 1.0, 1.0)
    """
    from scipy.stats import linregress, t

    xa, ya = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise bad("len(y)", ya.size, f"{xa.size}, the length of x")
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    n = int(xa.size)
    nan = dict.fromkeys(("slope", "intercept", "slope_lo", "slope_hi", "r2"), math.nan)
    if n < 3 or np.ptp(xa) == 0:
        return nan | {"n": n}
    fit = linregress(xa, ya)
    half = float(t.ppf(0.5 + level / 2, n - 2)) * float(fit.stderr)
    return {
        "slope": float(fit.slope),
        "intercept": float(fit.intercept),
        "slope_lo": float(fit.slope) - half,
        "slope_hi": float(fit.slope) + half,
        "r2": float(fit.rvalue) ** 2 if np.ptp(ya) > 0 else math.nan,
        "n": n,
    }
