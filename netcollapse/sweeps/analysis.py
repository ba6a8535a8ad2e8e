"""Collapse speed against spectral predictors, across a sweep: correlation tables.

**Which graph statistic predicts collapse speed?** :func:`predictor_table`
   correlates every spectral predictor (SLEM, gap, lazy rate, Fiedler value,
   mixing times, Kemeny constant, ...) with every collapse measure (half-life,
   time to twice the floor, late rate, ...), Spearman and Pearson, with
   percentile bootstrap 95% intervals over tasks.
**Does the predicted curve hold?** :func:`curve_check` compares each run's
   measured curve with the engine's prediction (``curve_error``, ``pred_*``
   columns): the median RMS error of ``log ||D||_F`` and the Spearman correlation
   of predicted against measured measures over graph means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from netcollapse._random import as_generator
from netcollapse.errors import bad
from netcollapse.measures.stats import pearson_rows, spearman, spearman_rows
from netcollapse.spectral import SUMMARY_KEYS

__all__ = [
    "DEFAULT_MEASURES",
    "curve_check",
    "PREDICTORS",
    "format_predictor_table",
    "predictor_table",
]

#: Numeric spectral predictors (``spectral_summary`` names) that :func:`predictor_table`
#: uses by default, where the results table has them and they vary.
PREDICTORS = tuple(
    k for k in SUMMARY_KEYS if k not in ("n_components", "reversible", "lazy_g", "note")
) + ("predicted_rate",)
#: Collapse measures :func:`predictor_table` uses by default.
DEFAULT_MEASURES = (
    "half_life",
    "time_to_twice_floor",
    "late_rate",
    "area_above_floor",
    "floor",
    "final_frobenius",
    "stance_retained_share",
    "stance_excess_half_life",
)


# --------------------------------------------------------------------------- correlations
def _correlations(x: np.ndarray, y: np.ndarray, idx: np.ndarray) -> dict[str, tuple]:
    """Point estimates and bootstrap replicates of Spearman and Pearson correlations."""
    return {
        "spearman": (spearman(x, y), spearman_rows(x[idx], y[idx])),
        "pearson": (float(pearson_rows(x, y)), pearson_rows(x[idx], y[idx])),
    }


def predictor_table(
    results: pd.DataFrame,
    predictors: Sequence[str] | None = None,
    measures: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Correlation of every spectral predictor with every collapse measure, with CIs.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per task (a sweep's ``results.parquet``); rows whose ``status`` is
        not ``"ok"`` are left out.
    predictors : sequence of str, optional
        Columns to use as predictors (default: those of :data:`PREDICTORS` present
        and not constant).
    measures : sequence of str, optional
        Collapse measures (default: those of :data:`DEFAULT_MEASURES` present).
    n_boot : int
        Bootstrap resamples of the tasks (rows); 0 gives no intervals.
    seed : int, Generator or None
        Seed of the resampling.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``predictor, measure, method ("spearman"/"pearson"), r, lo, hi, n``;
        ``lo, hi`` is the percentile 95% interval of ``r`` over resamples (of the
        ``n`` rows where both columns are finite); ``r`` is NaN when either column
        is constant or ``n < 3``.

    Examples
    --------
    >>> x = np.arange(1.0, 21.0)
    >>> df = pd.DataFrame({"slem": x, "half_life": np.exp(x / 5)})
    >>> t = predictor_table(df, n_boot=200)
    >>> t.loc[t.method == "spearman", ["r", "lo", "hi", "n"]].round(6).values.tolist()
    [[1.0, 1.0, 1.0, 20.0]]
    """
    if not isinstance(results, pd.DataFrame):
        raise bad("results", type(results).__name__, "a pandas DataFrame (one row per task)")
    if int(n_boot) != n_boot or n_boot < 0:
        raise bad("n_boot", n_boot, "an integer >= 0")
    df = results
    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    for name, cols in (("predictors", predictors), ("measures", measures)):
        missing = [c for c in (cols or []) if c not in df.columns]
        if missing:
            raise bad(name, missing[0], "a column of the results table")
    if predictors is None:
        predictors = [c for c in PREDICTORS if c in df.columns and _varies(df[c])]
    if measures is None:
        measures = [c for c in DEFAULT_MEASURES if c in df.columns]
    rng = as_generator(seed)
    rows = []
    idx_cache: dict[int, np.ndarray] = {}
    for p in predictors:
        for m in measures:
            x = pd.to_numeric(df[p], errors="coerce").to_numpy(dtype=float)
            y = pd.to_numeric(df[m], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(y)
            x, y = x[ok], y[ok]
            n = int(x.size)
            if n < 3:
                for method in ("spearman", "pearson"):
                    rows.append((p, m, method, math.nan, math.nan, math.nan, n))
                continue
            if n not in idx_cache:  # the same resamples for every pair of this size
                idx_cache[n] = rng.integers(0, n, size=(int(n_boot), n))
            for method, (r, boot) in _correlations(x, y, idx_cache[n]).items():
                lo, hi = _interval(boot)
                rows.append((p, m, method, r, lo, hi, n))
    return pd.DataFrame(rows, columns=["predictor", "measure", "method", "r", "lo", "hi", "n"])


def _varies(col: pd.Series) -> bool:
    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return v.size > 1 and bool(np.ptp(v) > 0)


def _interval(boot: np.ndarray) -> tuple[float, float]:
    b = boot[np.isfinite(boot)]
    if b.size < 2:
        return math.nan, math.nan
    lo, hi = np.percentile(b, [2.5, 97.5])
    return float(lo), float(hi)


def format_predictor_table(
    table: pd.DataFrame,
    method: str = "spearman",
    measures: Sequence[str] = (
        "half_life",
        "time_to_twice_floor",
        "late_rate",
        "stance_retained_share",
    ),
) -> str:
    """Render the rows of one method as an aligned text table (what the CLI prints).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`predictor_table`.
    method : {"spearman", "pearson"}
    measures : sequence of str
        Measures to show (those present).

    Returns
    -------
    str
    """
    t = table[(table["method"] == method) & table["measure"].isin(list(measures))]
    t = t[np.isfinite(t["r"].to_numpy(dtype=float))]
    if t.empty:
        return (
            f"predictor table ({method}): no correlation to show (no predictor varies, or "
            f"the measures {', '.join(measures)} are NaN in every task)"
        )
    lines = [
        f"predictor table ({method} r, 95% bootstrap interval, n tasks):",
        f"  {'predictor':<22}{'measure':<21}{'r':>8}  {'interval':<19}{'n':>5}",
    ]
    for row in t.itertuples(index=False):
        ci = f"[{row.lo:+.3f}, {row.hi:+.3f}]"
        lines.append(f"  {row.predictor:<22}{row.measure:<21}{row.r:>+8.3f}  {ci:<19}{row.n:>5}")
    return "\n".join(lines)


def curve_check(results: pd.DataFrame, by: str | Sequence[str] = "graph_id") -> dict[str, float]:
    """How well the predicted curves hold over a sweep: the three numbers of a validation.

    Parameters
    ----------
    results : pandas.DataFrame
        A sweep's results table with ``curve_error`` and ``pred_*`` columns (GMM tasks).
    by : str or sequence of str
        Columns that identify a graph (and its settings) for the graph means; default
        ``graph_id`` (a hash of ``W`` and ``h``); add ``retrieval.memory`` when memory
        is swept on the same graph.

    Returns
    -------
    dict
        ``median_curve_error`` (median over runs of the RMS error of ``log ||D||_F``
        over the informative range), ``spearman_half_life`` and
        ``spearman_time_to_twice_floor`` (predicted vs measured, over graph means of
        the finite values), ``runs`` and ``graphs``.

    Examples
    --------
    >>> r = pd.DataFrame({"graph_id": ["a", "b", "c"], "curve_error": [0.1, 0.2, 0.05],
    ...                   "half_life": [1.0, 2.0, 3.0], "pred_half_life": [1.1, 2.5, 2.9],
    ...                   "time_to_twice_floor": [5.0, 9.0, 7.0],
    ...                   "pred_time_to_twice_floor": [5.0, 8.0, 9.0]})
    >>> c = curve_check(r)
    >>> c["median_curve_error"], c["spearman_half_life"], c["spearman_time_to_twice_floor"]
    (0.1, 1.0, 0.5)
    """
    keys = [by] if isinstance(by, str) else list(by)
    need = [
        "curve_error",
        "half_life",
        "pred_half_life",
        "time_to_twice_floor",
        "pred_time_to_twice_floor",
        *keys,
    ]
    missing = [c for c in need if c not in results.columns]
    if missing:
        raise bad(
            "results",
            f"missing columns {missing}",
            "a sweep of an engine with a prediction (GMM) run by this version",
        )
    means = results.groupby(keys, dropna=False)[need[1:5]].mean()
    out = {
        "median_curve_error": float(np.nanmedian(results["curve_error"].to_numpy(float))),
        "runs": int(len(results)),
        "graphs": int(len(means)),
    }
    for m in ("half_life", "time_to_twice_floor"):
        out[f"spearman_{m}"] = spearman(means[m], means[f"pred_{m}"])
    return out
