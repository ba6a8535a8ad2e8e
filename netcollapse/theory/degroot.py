"""The lazy-DeGroot theory of collapse speed, and the rate measured from a run.

One LWD step moves node *i*'s mixture weights to roughly
``(1 - g) Pi_i + g * (average of what its sources published)`` with
``g = 1 - (1 - alpha)^k`` (:func:`g_from_alpha`); on a graph that is the lazy
DeGroot operator ``M = (1 - g) I + g W``, so disagreement should contract by
``SLEM(M)`` per step (:func:`predicted_rate`, ``spectral.lazy_rate``). The
complete graph with uniform weights and self loops gives ``1 - g``, about
``e^-1`` for ``alpha = 1/k``: the paper's Appendix A rate (Wang et al. 2025,
arXiv 2506.15690). :func:`measured_rate` estimates the contraction from a run's
``||D(t)||_F`` and :func:`theory_check` puts the two side by side.

Where the prediction holds, and how it bends
--------------------------------------------
* **Memoryless stores** (``retrieval.memory = 1``), a fixed ``k`` and
  well-separated components: a node reads only what its sources published this
  step, which was sampled from their current weights, so the expected update is
  the lazy DeGroot step above and the measured rate tracks ``SLEM(M)``. The
  SLEM is an *asymptotic* rate: ``||D||_F`` sums all modes, and from a random
  start the fast modes decay first, so on slow graphs (rings, paths, weakly
  connected communities) the rate fitted over a finite run lies below
  ``SLEM(M)``; the ranking across graphs is what the theory gets right.
  Measured with ``experiments/sweep_graph_effect.yaml`` (34 graphs of 8 families
  at n = 64, 3 seeds, k = 256, T = 200): Spearman correlation of
  ``-log(measured_rate)`` with ``-log(lazy_rate)`` 0.94 over the 102 runs
  (0.95 over the 34 graph means); the complete graph measures 0.350 against
  0.357 predicted, and the median rate orders complete (0.35) < Erdos-Renyi
  (0.51) < ... < Watts-Strogatz (0.85) < grid (0.89) < ring (0.94). The largest
  misses are two-block SBMs with few cross edges (one slow mode carrying 1/63 of
  the initial disagreement) and the k = 2 ring (its slowest modes sit in the
  noise), both measured faster than predicted.
  On graphs nobody tuned for (``experiments/validate_curves.yaml``: 44 graphs of
  19 generators) the one number ranks poorly (Spearman 0.27 against the measured
  half-life); the whole predicted curve
  (:func:`netcollapse.spectral.predict_curve`, for the GMM engine
  :func:`netcollapse.theory.gmm.predict_gmm`) ranks it at 0.999.
* **Memory** (``memory = R > 1`` or keep-all): stores still hold posts sampled
  from older, more dispersed weights, so each step pulls a node toward a lagged
  average of its sources; that is a higher-order recursion whose contraction is
  slower than ``SLEM(M)`` (and with keep-all memory and ``k = beta |A|`` the pull
  itself changes over time).
* **Anchoring** (``h > 0``): a share of every context comes from the fixed human
  corpus, the Friedkin-Johnsen model; disagreement no longer goes to 0 but to a
  floor (``spectral.fj_floor``), approached at ``spectral.fj_rate``. That floor
  (and its rise with ``h``) is for nodes anchored to their *own* initial states
  (classic Friedkin-Johnsen); in the engines every node reads the *same* human
  corpus, which pulls all nodes toward one point, so the measured floor of
  ``||D||_F`` falls as ``h`` grows (:func:`netcollapse.runs.runner.predict_spec`
  predicts it).
* **Overlapping components**: ownerships are computed with the reader's own
  weights, which adds a pull toward itself (more laziness, a slower rate).
* **Sampling noise**: every step draws finitely many points, so ``||D||_F``
  settles on a noise floor instead of 0. Independent noise adds to the signal
  in quadrature (``E||s + e||^2 = ||s||^2 + E||e||^2`` for zero-mean noise ``e``
  independent of the signal ``s``), so :func:`measured_rate` subtracts the floor
  in quadrature before fitting; fitting ``log F`` directly would flatten the
  curve as it nears the floor and bias the rate toward 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netcollapse.errors import DataError, bad
from netcollapse.measures.curves import as_curve, plateau

__all__ = ["curve_error", "g_from_alpha", "measured_rate", "predicted_rate", "theory_check"]


# --------------------------------------------------------------------------- theory check
def g_from_alpha(alpha: float | str, k: int) -> float:
    """Per-step pull ``g = 1 - (1 - alpha)^k`` of ``k`` sequential updates with rate ``alpha``.

    Parameters
    ----------
    alpha : float or "1/k"
        Learning rate in ``(0, 1]``; ``"1/k"`` (the paper's) means ``1 / k``.
    k : int
        Points a node reads per step (>= 1).

    Returns
    -------
    float
        ``1 - (1 - 1/k)^k`` for ``"1/k"``: 1 at ``k = 1``, tending to ``1 - e^-1``.

    Examples
    --------
    >>> g_from_alpha("1/k", 1), round(g_from_alpha("1/k", 10**6), 6), g_from_alpha(0.5, 2)
    (1.0, 0.632121, 0.75)
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise bad("k", k, "an integer >= 1 (points read per step)")
    if isinstance(alpha, str):
        if alpha != "1/k":
            raise bad("alpha", alpha, "a number in (0, 1] or '1/k'")
        a = 1.0 / int(k)
    else:
        a = float(alpha)
        if not 0.0 < a <= 1.0:
            raise bad("alpha", alpha, "a number in (0, 1] or '1/k'")
    return float(1.0 - (1.0 - a) ** int(k))


def predicted_rate(graph: Any, k: int, alpha: float | str = "1/k") -> float:
    """Predicted per-step contraction of ``||D||_F``: ``lazy_rate(W, g_from_alpha(alpha, k))``.

    Parameters
    ----------
    graph : RetrievalGraph or matrix
        Anything with ``.W`` (row-stochastic, ``W[i, j]`` = share of *i*'s
        retrieval from *j*), or ``W`` itself.
    k : int
        Points each node reads per step.
    alpha : float or "1/k"

    Returns
    -------
    float
        The SLEM of ``(1 - g) I + g W``.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> g = build("complete", n=5, self_weight=0.2)  # uniform weights incl. the self loop
    >>> round(predicted_rate(g, k=50), 6) == round(1 - g_from_alpha("1/k", 50), 6)
    True
    """
    from netcollapse.spectral import lazy_rate

    W = graph.W if hasattr(graph, "W") else graph
    return float(lazy_rate(W, g_from_alpha(alpha, k)))


def measured_rate(F: Any, floor: float | None = None, tail: float = 0.2) -> float:
    """Per-step contraction of ``||D(t)||_F`` with the sampling-noise floor removed.

    Parameters
    ----------
    F : array_like, shape (T + 1,)
        ``F[t] = ||D(t)||_F``, finite and ``>= 0``.
    floor : float, optional
        Noise floor; default the plateau of the tail (mean of the last ``tail``
        share of steps, :func:`netcollapse.measures.disagreement.plateau`).
    tail : float
        Share of steps that defines the default floor.

    Returns
    -------
    float
        ``exp(slope)`` of a least-squares fit of ``log F_signal(t)`` on ``t``, with
        ``F_signal(t)^2 = F(t)^2 - floor^2``, over the steps from ``t = 0`` up to
        (not including) the first step where ``F^2 <= 2 floor^2`` (signal no longer
        above the noise); ``nan`` with fewer than 2 such steps.

    Notes
    -----
    Sampling noise ``e`` independent of the signal ``s`` adds in quadrature,
    ``E||s + e||^2 = ||s||^2 + E||e||^2``, so ``F^2 - floor^2`` estimates the
    signal's square. Fitting ``log F`` itself flattens as the curve reaches the
    floor and biases the rate toward 1; keeping only steps where the signal is at
    least as large as the noise avoids dividing noise by noise.

    Examples
    --------
    >>> t = np.arange(40)
    >>> F = np.sqrt((5 * 0.6**t) ** 2 + 0.3**2)
    >>> round(measured_rate(F), 6)
    0.6
    >>> round(measured_rate(5 * 0.5 ** np.arange(10), floor=0.0), 12)
    0.5
    """
    arr = np.asarray(F, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DataError("F: got an invalid trajectory, expected finite values >= 0 (1-D)")
    fl = plateau(arr, tail) if floor is None else float(floor)
    if not (fl >= 0 and math.isfinite(fl)):
        raise bad("floor", floor, "a finite number >= 0")
    sq = arr**2
    above = sq > 2.0 * fl**2 if fl > 0 else arr > 0
    stop = int(np.argmin(above)) if not above.all() else arr.size
    if stop < 2:
        return math.nan
    t = np.arange(stop, dtype=float)
    y = 0.5 * np.log(sq[:stop] - fl**2)
    tc = t - t.mean()
    slope = float(np.dot(tc, y - y.mean()) / np.dot(tc, tc))
    return math.exp(slope)


def theory_check(
    result: Any, graph: Any, k: int, alpha: float | str = "1/k", floor: float | None = None
) -> dict[str, float]:
    """Measured against predicted per-step contraction for one run.

    Parameters
    ----------
    result : RunResult or array_like
        A run (its ``frobenius`` trajectory) or the trajectory itself.
    graph : RetrievalGraph or matrix
        The run's graph.
    k : int
        Points each node read per step (the run's fixed ``k``).
    alpha : float or "1/k"
    floor : float, optional
        Noise floor for :func:`measured_rate`.

    Returns
    -------
    dict
        ``measured`` (:func:`measured_rate`), ``predicted`` (:func:`predicted_rate`).

    Examples
    --------
    >>> from netcollapse.engines.gmm import GMMWeb
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> g = build("complete", n=16, self_weight=1 / 16)
    >>> web = GMMWeb(g, B=3, means=[-8, 0, 8], L=64, seed=1, retrieval={"k": 64, "memory": 1})
    >>> c = theory_check(web.run(12, progress=False), g, k=64)
    >>> round(c["predicted"], 3), bool(abs(c["measured"] - c["predicted"]) < 0.1)
    (0.365, True)
    """
    F = result.frobenius if hasattr(result, "frobenius") else result
    return {"measured": measured_rate(F, floor=floor), "predicted": predicted_rate(graph, k, alpha)}


def curve_error(F: Any, P: Any, above: float = 1.5, tail: float = 0.2) -> tuple[float, int]:
    """RMS error of ``log F(t)`` against a predicted ``log P(t)`` over the informative range.

    Parameters
    ----------
    F : array_like, shape (T + 1,)
        Measured ``||D(t)||_F``.
    P : array_like, shape (T + 1,)
        Predicted ``||D(t)||_F`` on the same steps.
    above : float
        The informative range is the steps where ``F(t) > above * floor`` (floor:
        the mean of the last ``tail`` share of ``F``): where the curve still
        carries signal above the sampling noise.
    tail : float

    Returns
    -------
    (float, int)
        The RMS error (``nan`` when no step is informative or a value is 0) and the
        number of steps it was taken over.

    Examples
    --------
    >>> t = np.arange(30)
    >>> F = 4 * 0.5**t + 0.01
    >>> err, steps = curve_error(F, F * np.exp(0.1))
    >>> round(err, 12), steps
    (0.1, 10)
    """
    f, p = as_curve(F), as_curve(P)
    if f.shape != p.shape:
        raise bad("P", f"{p.size} steps", f"{f.size} steps (as many as F)")
    mask = f > above * plateau(f, tail)
    mask &= (f > 0) & (p > 0)
    if not mask.any():
        return math.nan, 0
    d = np.log(f[mask]) - np.log(p[mask])
    return float(np.sqrt(np.mean(d**2))), int(mask.sum())
