"""Collapse measures over a ``||D(t)||_F`` trajectory.

``F`` is a 1-D trajectory ``F[t] = ||D(t)||_F`` for ``t = 0, ..., T``, the
Frobenius norm of the node distance matrix ``D(t)_ij = ||X_i(t) - X_j(t)||_2`` of
Wang, Horiguchi, Pang & Priebe, "LLM Web Dynamics: Tracing Model Collapse in a
Network of LLMs" (arXiv 2506.15690); see
:func:`netcollapse.measures.disagreement.frobenius_trajectory`. This module measures
how fast and how far it falls. :func:`curve_measures` (a :class:`CurveMeasures`)
gives the measures with one definition each, used the same way on measured and
predicted curves (half-life, time to twice the floor, floor, area above the
floor, late-window rate); :func:`collapse_measures` is the same as one tidy row.
The building blocks :func:`half_life`, :func:`epsilon_time`, :func:`plateau` and
:func:`fit_rate` (a least-squares fit over a window you choose, :class:`RateFit`)
are public too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from netcollapse._validation import as_array as _as_array
from netcollapse.errors import bad

__all__ = [
    "CurveMeasures",
    "RateFit",
    "collapse_measures",
    "curve_measures",
    "epsilon_time",
    "fit_rate",
    "half_life",
    "plateau",
]

Interpolation = Literal["log", "linear"]


# ----------------------------------------------------------------------------- validation
def as_curve(F: Any) -> np.ndarray:
    """Validate a ``||D(t)||_F`` trajectory: a 1-D float array of values >= 0 (SpecError)."""
    arr = _as_array(F, "F", (1,), "a 1-D array of ||D(t)||_F values")
    if (arr < 0).any():
        t = int(np.argmax(arr < 0))
        raise bad(f"F[{t}]", float(arr[t]), "a value >= 0")
    return arr


# ----------------------------------------------------------------------------- collapse speed
def first_crossing(F: np.ndarray, target: float, interpolation: Interpolation) -> float:
    """First (fractional) step at which ``F`` reaches ``target`` or below; ``nan`` if never."""
    if interpolation not in ("log", "linear"):
        raise bad("interpolation", interpolation, "'log' or 'linear'")
    hits = np.flatnonzero(F <= target)
    if hits.size == 0:
        return math.nan
    t = int(hits[0])
    if t == 0:
        return 0.0
    hi, lo = float(F[t - 1]), float(F[t])
    if interpolation == "log" and lo > 0 and target > 0:
        frac = (math.log(hi) - math.log(target)) / (math.log(hi) - math.log(lo))
    else:
        frac = (hi - target) / (hi - lo)
    return float((t - 1) + frac)


def half_life(F: np.ndarray, interpolation: Interpolation = "log") -> float:
    """First time at which ``||D||_F`` has fallen to half its initial value.

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,)
        ``F[t] = ||D(t)||_F`` for ``t = 0, ..., T``; finite and ``>= 0``.
    interpolation : {"log", "linear"}
        How to place the crossing between the bracketing steps ``t - 1`` and ``t``
        (``F[t - 1] > F[0] / 2 >= F[t]``): ``"log"`` interpolates ``log F``
        linearly, which is exact for geometric decay; ``"linear"`` interpolates
        ``F`` itself. ``"log"`` falls back to linear when ``F[t] == 0``.

    Returns
    -------
    float
        The fractional step ``t*``; ``0.0`` when ``F[0] == 0``; ``nan`` when ``F``
        never falls to ``F[0] / 2`` (no collapse within the run).

    Raises
    ------
    SpecError
        If ``F`` is empty, not 1-D, holds NaN/inf or a negative value.

    Examples
    --------
    >>> half_life(5 * 0.5 ** np.arange(10))
    1.0
    >>> half_life(np.array([4.0, 3.0, 1.0]), interpolation="linear")
    1.5
    >>> half_life(np.ones(5))
    nan
    """
    arr = as_curve(F)
    return first_crossing(arr, arr[0] / 2.0, interpolation)


def epsilon_time(
    F: np.ndarray,
    eps: float = 0.1,
    relative: bool = True,
    interpolation: Interpolation = "log",
) -> float:
    """First time at which ``||D||_F <= eps F[0]`` (or ``<= eps`` when not relative).

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,)
        ``F[t] = ||D(t)||_F``; finite and ``>= 0``.
    eps : float
        Threshold, ``>= 0``: a fraction of ``F[0]`` (``relative=True``) or an
        absolute level.
    relative : bool
        Whether ``eps`` is relative to ``F[0]``.
    interpolation : {"log", "linear"}
        Placement of the crossing between steps, as in :func:`half_life`.

    Returns
    -------
    float
        The fractional step; ``0.0`` if ``F[0]`` is already at or below the
        threshold; ``nan`` when the threshold is never reached.

    Examples
    --------
    >>> t = epsilon_time(5 * 0.5 ** np.arange(10), eps=0.1)
    >>> bool(abs(t - np.log(0.1) / np.log(0.5)) < 1e-12)
    True
    >>> epsilon_time(np.array([1.0, 0.5, 0.25]), eps=0.3, relative=False, interpolation="linear")
    1.8
    """
    arr = as_curve(F)
    number = isinstance(eps, (int, float, np.integer, np.floating))
    if not number or not 0 <= eps < math.inf:
        raise bad("eps", eps, "a finite number >= 0")
    target = float(eps) * float(arr[0]) if relative else float(eps)
    return first_crossing(arr, target, interpolation)


def plateau(F: np.ndarray, tail: float = 0.2) -> float:
    """Level a trajectory settles at: mean of its last ``tail`` share of steps.

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,)
    tail : float
        Share of the steps, in ``(0, 1]``; the mean is over the last
        ``ceil(tail * len(F))`` values (at least one).

    Returns
    -------
    float
        An estimate of the limit ``c`` in ``||D(t)||_F -> c`` (Wang et al. 2025
        conjecture ``c >= 0``; anchoring gives ``c > 0``).

    Examples
    --------
    >>> plateau(np.array([9.0, 5.0, 3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]))
    2.0
    """
    arr = as_curve(F)
    if not isinstance(tail, (int, float, np.floating)) or not 0 < tail <= 1:
        raise bad("tail", tail, "a number in (0, 1]")
    count = max(1, math.ceil(tail * arr.size - 1e-9))
    return float(arr[-count:].mean())


@dataclass(frozen=True)
class RateFit:
    """Least-squares fit of ``log F(t) = intercept + slope * t`` over steps ``start <= t < stop``.

    Attributes
    ----------
    rate : float
        Per-step contraction factor ``exp(slope)`` (``< 1`` means collapse).
    slope : float
        Slope of ``log F`` against ``t``.
    intercept : float
        Fitted ``log F`` at ``t = 0``.
    r2 : float
        Coefficient of determination of the fit in log space.
    start : int
        First step fitted.
    stop : int
        One past the last step fitted (Python slice convention).
    """

    rate: float
    slope: float
    intercept: float
    r2: float
    start: int
    stop: int

    def to_dict(self) -> dict[str, float | int]:
        """Return the fields as a plain dict.

        Returns
        -------
        dict
        """
        return asdict(self)


def _auto_window(F: np.ndarray) -> tuple[int, int]:
    nonpositive = np.flatnonzero(F <= 0)
    z = int(nonpositive[0]) if nonpositive.size else F.size
    below = np.flatnonzero(F < 1.5 * plateau(F))
    b = int(below[0]) if below.size else F.size
    stop = max(min(b, z), min(3, z))
    return 0, stop


def fit_rate(F: np.ndarray, window: tuple[int, int] | None = None) -> RateFit:
    """Per-step contraction rate of ``||D(t)||_F`` from a log-linear least-squares fit.

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,)
        ``F[t] = ||D(t)||_F``; finite and ``>= 0``.
    window : (int, int), optional
        Steps ``start <= t < stop`` to fit (all ``F > 0``, at least 2 steps). By
        default chosen automatically, see Notes.

    Returns
    -------
    RateFit
        ``rate = exp(slope)``. All of ``rate, slope, intercept, r2`` are ``nan`` when
        fewer than 2 usable steps exist (``F`` of length 1, or ``F[1] == 0``).

    Notes
    -----
    Automatic window: from ``t = 0`` up to, not including, the first step where
    ``F`` falls below ``1.5 * plateau(F)`` (the transient before the curve
    flattens, so that a floor ``c > 0`` does not pull the rate towards 1), and
    before the first step with ``F <= 0`` (the log is undefined there). The window
    is widened to at least 3 steps where ``F`` allows. For pure geometric decay
    ``F(t) = a r^t`` the fit returns ``rate = r`` exactly. The spectral
    prediction for this rate is the SLEM of the lazy DeGroot operator
    (:mod:`netcollapse.theory.degroot`); the paper's complete-graph GMM gives about
    ``e^-1``. ``r2`` is 1 for a perfect fit, including a constant curve.

    Examples
    --------
    >>> fit = fit_rate(5 * 0.5 ** np.arange(20))
    >>> round(fit.rate, 12), fit.r2
    (0.5, 1.0)
    >>> fit_rate(np.full(10, 3.0)).rate
    1.0
    """
    arr = as_curve(F)
    if window is None:
        start, stop = _auto_window(arr)
    else:
        ok = (
            isinstance(window, (tuple, list))
            and len(window) == 2
            and all(isinstance(w, (int, np.integer)) for w in window)
            and 0 <= window[0]
            and window[0] + 2 <= window[1] <= arr.size
        )
        if not ok:
            expected = f"(start, stop) with 0 <= start, start + 2 <= stop <= {arr.size}"
            raise bad("window", window, expected)
        start, stop = int(window[0]), int(window[1])
        if (arr[start:stop] <= 0).any():
            raise bad("window", window, "steps where F > 0 (the fit is on log F)")
    if stop - start < 2:
        return RateFit(math.nan, math.nan, math.nan, math.nan, start, stop)
    t = np.arange(start, stop, dtype=float)
    y = np.log(arr[start:stop])
    tc = t - t.mean()
    slope = float(np.dot(tc, y - y.mean()) / np.dot(tc, tc))
    intercept = float(y.mean() - slope * t.mean())
    resid = y - (intercept + slope * t)
    ss_res = float(np.dot(resid, resid))
    ss_tot = float(np.dot(y - y.mean(), y - y.mean()))
    if ss_tot > 0:
        r2 = 1.0 - ss_res / ss_tot
    else:
        r2 = 1.0 if ss_res <= 1e-24 else 0.0
    return RateFit(math.exp(slope), slope, intercept, r2, start, stop)


@dataclass(frozen=True)
class CurveMeasures:
    """Collapse measures of one ``||D(t)||_F`` curve, each with one definition.

    The same function computes them on a measured curve and on a predicted one
    (:func:`netcollapse.spectral.predict_curve`), so the two compare directly.

    Attributes
    ----------
    half_life : float
        First (log-interpolated) time with ``F(t) <= F(0) / 2``.
    time_to_twice_floor : float
        First (log-interpolated) time with ``F(t) <= 2 floor``.
    floor : float
        The level the curve settles at: the mean of its last ``tail`` share of steps
        (a curve that has not settled by ``T`` overstates it).
    area_above_floor : float
        ``sum_t max(F(t) - floor, 0)`` over ``t = 0, ..., T`` (units of ``F`` times steps).
    late_rate : float
        Per-step contraction ``exp(slope)`` of ``log sqrt(F^2 - floor^2)`` (noise
        removed in quadrature) over the late window ``late_start <= t < late_stop``.
    late_start, late_stop : int
        The late window: from the first step at or below the geometric midpoint
        ``sqrt(F(0) * 2 floor)`` (the half-life step when ``floor == 0``) to the
        first step at or below ``2 floor`` (exclusive), widened backwards to at
        least 3 steps.
    notes : str
        Why a measure is NaN (``"; "``-separated), empty when none is.
    """

    half_life: float
    time_to_twice_floor: float
    floor: float
    area_above_floor: float
    late_rate: float
    late_start: int
    late_stop: int
    notes: str

    def to_dict(self) -> dict[str, float | int | str]:
        """Return the fields as a plain dict.

        Returns
        -------
        dict
        """
        return asdict(self)


def _late_window(F: np.ndarray, floor: float, hl: float) -> tuple[int, int]:
    """Late window ``[start, stop)``: geometric midpoint of F(0) and 2 floor, down to 2 floor."""
    if floor > 0:
        below = np.flatnonzero(F <= 2.0 * floor)
        stop = int(below[0]) if below.size else F.size
        mid = math.sqrt(F[0] * 2.0 * floor)
        hits = np.flatnonzero(F[:stop] <= mid)
        start = int(hits[0]) if hits.size else stop
    else:
        zero = np.flatnonzero(F <= 0)
        stop = int(zero[0]) if zero.size else F.size
        start = min(int(math.ceil(hl)), stop) if math.isfinite(hl) else stop
    return max(0, min(start, stop - 3)), stop


def curve_measures(F: Any, floor: float | None = None, tail: float = 0.2) -> CurveMeasures:
    """Half-life, time to twice the floor, floor, area above it and the late rate of a curve.

    Parameters
    ----------
    F : array_like, shape (T + 1,)
        ``F[t] = ||D(t)||_F`` (measured or predicted); finite and ``>= 0``.
    floor : float, optional
        The noise floor; default the mean of the last ``tail`` share of ``F``
        (:func:`plateau`). Pass a known floor (a prediction's stationary noise
        level) to measure against it instead.
    tail : float
        Share of steps that defines the default floor.

    Returns
    -------
    CurveMeasures
        NaN where a measure is undefined, with the reason in ``notes``: a curve
        that never halves, one that starts within twice its floor (no decay above
        the noise), a floor of 0 (no time to twice it), fewer than 3 steps above
        twice the floor (no late window).

    Examples
    --------
    >>> t = np.arange(60)
    >>> m = curve_measures(np.sqrt((8 * 0.5**t) ** 2 + 0.01**2), floor=0.01)
    >>> round(m.half_life, 4), round(m.late_rate, 6), (m.late_start, m.late_stop)
    (1.0, 0.5, (5, 9))
    >>> curve_measures(np.ones(10)).notes
    'never falls to half of F(0); starts within twice its floor: no decay above the noise'
    """
    arr = as_curve(F)
    fl = plateau(arr, tail) if floor is None else float(floor)
    if not (math.isfinite(fl) and fl >= 0):
        raise bad("floor", floor, "a finite number >= 0")
    notes = []
    hl = half_life(arr)
    if math.isnan(hl):
        notes.append("never falls to half of F(0)")
    decays = arr[0] > 2.0 * fl
    if fl == 0:
        t2 = math.nan
        notes.append("floor is 0: no time to twice it")
    elif not decays:
        t2 = math.nan
        notes.append("starts within twice its floor: no decay above the noise")
    else:
        t2 = first_crossing(arr, 2.0 * fl, "log")
        if math.isnan(t2):
            notes.append("never reaches twice its floor")
    area = float(np.clip(arr - fl, 0.0, None).sum())
    start, stop = _late_window(arr, fl, hl)
    rate = math.nan
    if stop - start >= 3 and decays:
        t = np.arange(start, stop, dtype=float)
        y = 0.5 * np.log(arr[start:stop] ** 2 - fl**2)
        tc = t - t.mean()
        rate = math.exp(float(np.dot(tc, y - y.mean()) / np.dot(tc, tc)))
    elif decays:
        notes.append("fewer than 3 steps above twice the floor: no late window")
    return CurveMeasures(hl, t2, fl, area, rate, start, stop, "; ".join(notes))


def collapse_measures(F: np.ndarray, tail: float = 0.2) -> dict[str, float | int | str]:
    """All collapse measures of one trajectory, as one tidy row.

    Parameters
    ----------
    F : numpy.ndarray, shape (T + 1,)
        ``F[t] = ||D(t)||_F``.
    tail : float
        Share of steps that defines the floor.

    Returns
    -------
    dict
        The fields of :func:`curve_measures` (``half_life``,
        ``time_to_twice_floor``, ``floor``, ``area_above_floor``, ``late_rate``,
        ``late_start``, ``late_stop``, ``notes``) plus ``initial_frobenius``
        (``F[0]``) and ``final_frobenius`` (``F[-1]``).

    Examples
    --------
    >>> m = collapse_measures(5 * 0.5 ** np.arange(30))
    >>> m["half_life"], m["initial_frobenius"]
    (1.0, 5.0)
    """
    arr = as_curve(F)
    return {
        **curve_measures(arr, tail=tail).to_dict(),
        "initial_frobenius": float(arr[0]),
        "final_frobenius": float(arr[-1]),
    }
