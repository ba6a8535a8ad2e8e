"""Per-round rates of a curve from its first round of dynamics: how fast a stance converges.

:func:`geometric_rate` fits ``x(t) = r x(t - 1)`` by least squares through the origin
over rounds ``start + 1 .. T``:

    r = sum_t x(t) x(t-1) / sum_t x(t-1)^2,   se(r) = s / sqrt(sum_t x(t-1)^2),

with ``s^2`` the residual variance (pairs - 1 degrees of freedom). Why this fit:

* it is exact for geometric decay ``x(t) = a r^t``, the noise-free DeGroot mode;
* it is defined for a signed curve (the gap between two groups may cross 0) and for a
  curve that touches 0 (a clipped corrected disagreement), where a log-linear fit is not;
* it weights each round by ``x(t - 1)``, where the signal is, so a noise floor late in
  the run pulls it less than a log-linear fit (which weights every round alike).

Where the fit starts (:func:`first_round`): in a stance run round 0 is answered from
the seed posts alone. When the seeds stay in the stores (``llm.stances.persist: true``,
the default) every later round still reads them, so the step from round 0 to round 1
sets a level the seeds keep, and the web's own dynamics start at round 1 (pairs
``(1, 2), ..., (T - 1, T)``). When the seeds only start the run (``persist: false``)
round 1 reads round 0's answers through ``W`` and nothing else, so the pair ``(0, 1)``
is the first step of the dynamics and the most informative one (the signal is largest
there): the fit starts at round 0. Measured on the calibrated model
(:mod:`netcollapse.theory.stance_sim`, n = 16, L = 4, k = 8, 300 runs), starting at
round 0 cut the spread of the gap rate over runs from 0.28-0.43 to 0.14-0.17.

:func:`stance_rates` gives ``stance_rate`` (of the corrected stance disagreement
``stance_corrected``) and ``stance_gap_rate`` (of the gap between the two groups'
mean stances, ``stance_gap``), each with its ``_se``: the columns of run summaries and
sweep rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["RATE_MEASURES", "first_round", "geometric_rate", "stance_rates"]

#: The keys of :func:`stance_rates`.
RATE_MEASURES = ("stance_rate", "stance_rate_se", "stance_gap_rate", "stance_gap_rate_se")


def geometric_rate(x: Any, start: int = 1) -> tuple[float, float]:
    """Return the least-squares geometric rate of ``x`` from round ``start`` on, and its SE.

    Parameters
    ----------
    x : array_like, shape (T + 1,)
        The curve, one value per round (NaN rounds are skipped with their pairs).
    start : int
        First round of the fit (pairs ``(start, start + 1), ..., (T - 1, T)``).

    Returns
    -------
    (float, float)
        ``r`` and its standard error: NaN without a pair with ``x(t - 1) != 0``;
        the SE is NaN with a single pair.

    Examples
    --------
    >>> r, se = geometric_rate(3.0 * 0.6 ** np.arange(6))
    >>> round(r, 12), round(se, 12)
    (0.6, 0.0)
    >>> geometric_rate([5.0, 2.0, -1.0, 0.5, -0.25])[0]  # a signed gap crossing 0
    -0.5
    >>> r, se = geometric_rate([1.0, 0.8, 0.5, 0.45, 0.2], start=0)
    >>> round(r, 3), round(se, 3)
    (0.724, 0.075)
    """
    arr = np.asarray(x, dtype=float)
    prev, cur = arr[start:-1], arr[start + 1 :]
    keep = np.isfinite(prev) & np.isfinite(cur)
    prev, cur = prev[keep], cur[keep]
    denom = float(prev @ prev)
    if prev.size == 0 or denom == 0.0:
        return math.nan, math.nan
    r = float(prev @ cur) / denom
    if prev.size < 2:
        return r, math.nan
    s2 = float(np.sum((cur - r * prev) ** 2)) / (prev.size - 1)
    return r, math.sqrt(s2 / denom)


def first_round(config: Any) -> int:
    """Return the round a stance run's rates are fitted from: 0 if its seeds only start it.

    Parameters
    ----------
    config : dict
        A run's configuration (``config.json``): ``stances.persist`` is ``False`` there
        when the seeds leave the stores after round 0.

    Examples
    --------
    >>> first_round({"stances": {"posts": 4}}), first_round({"stances": {"persist": False}})
    (1, 0)
    """
    stances = (config or {}).get("stances") or {}
    return 0 if stances.get("persist", True) is False else 1


def stance_rates(metrics: Any, start: int = 1) -> dict[str, float] | None:
    """Return :data:`RATE_MEASURES` of a stance run's metrics (``None`` without stances).

    Parameters
    ----------
    metrics : pandas.DataFrame
        A run's rows, with ``stance_corrected`` and (two groups) ``stance_gap``.
    start : int
        First round of the fits (:func:`first_round` of the run's configuration).

    Returns
    -------
    dict or None

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"stance_corrected": [0.5, 0.4, 0.2, 0.1],
    ...                   "stance_gap": [1.0, 0.8, 0.4, 0.2]})
    >>> stance_rates(m)["stance_gap_rate"]
    0.5
    """
    if "stance_corrected" not in metrics:
        return None
    rate, se = geometric_rate(metrics["stance_corrected"].to_numpy(float), start)
    gap = metrics["stance_gap"].to_numpy(float) if "stance_gap" in metrics else np.array([])
    gap_rate, gap_se = geometric_rate(gap, start) if gap.size else (math.nan, math.nan)
    return dict(zip(RATE_MEASURES, (rate, se, gap_rate, gap_se)))
