"""Curve measures relative to a curve's level: for curves that drop to a plateau.

:mod:`netcollapse.measures.curves` measures decay towards a floor (half-life from
``F(0)``, time to twice the floor, late rate). A web of real LLMs seeded with
opposed stances often drops in one round to a level that the graph sets and then
wanders around it with sampling noise; a threshold time is then decided by the
noise. These two measures use the level instead: how fast the excess over the
floor halves (in squares, as noise adds), and how much of the initial
disagreement is kept on average. :func:`level_measures` gives them beside the
threshold measures, one dict per curve (what a sweep task and the stance study
record).
"""

from __future__ import annotations

import math

import numpy as np

from netcollapse.errors import bad
from netcollapse.measures.curves import as_curve, curve_measures, first_crossing, plateau

__all__ = ["LEVEL_MEASURES", "excess_half_life", "level_measures", "retained_share"]

#: The numeric keys of :func:`level_measures`, in order.
LEVEL_MEASURES = (
    "half_life",
    "excess_half_life",
    "retained_share",
    "time_to_twice_floor",
    "floor",
)


def excess_half_life(F: np.ndarray, floor: float | None = None, tail: float = 0.2) -> float:
    """First time at which the excess of ``||D||_F^2`` over its floor has halved.

    With ``E(t) = F(t)^2 - floor^2`` (noise adds in squares, so the excess is the
    part of the disagreement the noise floor does not explain), the first
    fractional step at which ``E(t) <= E(0) / 2``. Unlike :func:`half_life` it is
    defined when the floor is above ``F(0) / 2``: a web that falls to its floor in
    one round has an excess half-life below one round whatever the floor.

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,)
    floor : float, optional
        Default :func:`plateau` of ``F``.
    tail : float
        Share of steps for the default floor.

    Returns
    -------
    float
        ``nan`` when ``F(0)`` is not above the floor or the excess never halves.

    Examples
    --------
    >>> t = np.arange(12)
    >>> round(excess_half_life(np.sqrt(16 * 0.5**t + 9.0), floor=3.0), 6)
    1.0
    """
    arr = as_curve(F)
    fl = plateau(arr, tail) if floor is None else float(floor)
    excess = arr**2 - fl**2
    if not excess[0] > 0:
        return math.nan
    return first_crossing(np.maximum(excess, 0.0), excess[0] / 2, "log")


def retained_share(F: np.ndarray) -> float:
    """Mean of ``F(t) / F(0)`` over ``1 <= t <= T``: how much disagreement a web keeps.

    A threshold time (:func:`half_life`) is a poor summary of a curve that drops in
    one round to a level set by the graph and then wanders around it with sampling
    noise: the crossing time is decided by the noise. The retained share averages
    the whole curve instead; for a drop to a plateau ``c`` it is ``c / F(0)``, for
    geometric decay ``r^t`` over a long run about ``r / ((1 - r) T)``.

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,), T >= 1

    Returns
    -------
    float
        ``nan`` when ``F(0) == 0``.

    Examples
    --------
    >>> retained_share(np.array([8.0, 4.0, 4.0, 4.0]))
    0.5
    """
    arr = as_curve(F)
    if arr.size < 2:
        raise bad("F", f"{arr.size} steps", "at least 2 (t = 0 and t >= 1)")
    return float(arr[1:].mean() / arr[0]) if arr[0] > 0 else math.nan


def level_measures(F: np.ndarray, tail: float = 0.2) -> dict[str, float | str]:
    """Return the measures of a curve that may drop to a level: threshold and level ones.

    One dict per curve, the same for a measured and a predicted curve: the
    :func:`~netcollapse.measures.curves.curve_measures` ``half_life``,
    ``time_to_twice_floor`` and ``floor`` (:func:`plateau` of the last ``tail``
    share of steps), :func:`excess_half_life` over that floor and
    :func:`retained_share`, then ``notes`` (why a threshold measure is NaN).

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,), T >= 1
    tail : float
        Share of steps that defines the floor.

    Returns
    -------
    dict
        The keys of :data:`LEVEL_MEASURES` (floats, NaN where undefined) and
        ``notes`` (str).

    Examples
    --------
    >>> m = level_measures(np.array([8.0, 4.0, 4.0, 4.0, 4.0]))
    >>> [m[k] for k in LEVEL_MEASURES]
    [1.0, 0.5, 0.5, nan, 4.0]
    """
    arr = as_curve(F)
    m = curve_measures(arr, tail=tail)
    return {
        "half_life": float(m.half_life),
        "excess_half_life": excess_half_life(arr, floor=m.floor),
        "retained_share": retained_share(arr),
        "time_to_twice_floor": float(m.time_to_twice_floor),
        "floor": float(m.floor),
        "notes": m.notes,
    }
