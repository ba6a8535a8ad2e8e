"""Monte-Carlo of the calibrated stance model: runs of a web that answers like the model.

:func:`simulate_stance_run` plays the linear response of :mod:`netcollapse.theory.stance`
on a graph, round by round, with the same bookkeeping as an LLM web whose seed posts
only start the run (``llm.stances.persist: false``, ``retrieval.memory: 1``, every node
publishing its ``L`` answers):

1. round 0: node *i* reads its own seed posts (mean stance ``z_i``);
2. its ``L`` answers read ``intercept + slope * read_i + c_i + e_il``, with ``c_i`` of
   variance ``context_var`` (shared by the node's answers) and ``e_il`` of variance
   ``answer_var``;
3. round ``t + 1``: node *i* draws ``k`` documents, source ``j`` with probability
   ``W[i, j]`` (multinomial quotas), each one of that store's ``L`` answers of round
   ``t`` picked uniformly; ``read_i`` is their mean.

Its output is scored exactly as a run is (:func:`~netcollapse.measures.corrected.corrected_row`
on the ``(n, L)`` stances, then :func:`~netcollapse.measures.rates.geometric_rate`), so
the spread of measured rates over seeds, and the power of a study design, can be read
off before any LLM runs. It is the model, not the LLM: a design sized with it assumes
the calibrated linear response holds on graphs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netcollapse.measures.corrected import corrected_row

__all__ = ["simulate_stance_run"]


def simulate_stance_run(
    W: Any, z: Any, response: Any, T: int, *, L: int, k: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Return one simulated run's stance columns, rounds ``0..T``.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (n, n)
        Row-stochastic; ``W[i, j]`` the share of node *i*'s reads from store *j*.
    z : array_like, shape (n,)
        Mean stance of each node's seed posts.
    response : StanceResponse
        ``slope``, ``intercept``, ``answer_var``, ``context_var``.
    T : int
    L, k : int
        Answers per node and round (all published); documents read per round.
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        ``step``, ``stance_corrected`` (as a run's metrics) and ``stance_gap`` (mean
        stance of the nodes with ``z >= 0`` minus that of the others), so
        :func:`~netcollapse.measures.rates.stance_rates` scores it as a run.

    Examples
    --------
    With no noise on a graph where every node reads only itself the disagreement
    shrinks by the slope each round:

    >>> from netcollapse.theory.stance import StanceResponse
    >>> r = StanceResponse(0.5, 0.0, 0.1, 0.0, 0.0, 0.0, 10, 1.0)
    >>> c = simulate_stance_run(np.eye(4), [.5, .5, -.5, -.5], r, 3, L=2, k=2,
    ...                         rng=np.random.default_rng(0))
    >>> np.round(c["stance_corrected"] / c["stance_corrected"][0], 6).tolist()
    [1.0, 0.5, 0.25, 0.125]
    >>> c["stance_gap"].round(6).tolist()
    [0.5, 0.25, 0.125, 0.0625]
    """
    A = np.asarray(W.toarray() if hasattr(W, "toarray") else W, dtype=float)
    n = A.shape[0]
    read = np.asarray(z, dtype=float)
    group = read >= 0
    b, a = float(response.slope), float(response.intercept)
    sd_c, sd_e = np.sqrt(max(response.context_var, 0.0)), np.sqrt(max(response.answer_var, 0.0))
    curve, gap = np.empty(T + 1), np.empty(T + 1)
    for t in range(T + 1):
        mu = a + b * read + sd_c * rng.standard_normal(n)
        answers = mu[:, None] + sd_e * rng.standard_normal((n, L))
        curve[t] = corrected_row(answers)["corrected"]
        means = answers.mean(axis=1)
        gap[t] = means[group].mean() - means[~group].mean()
        if t == T:
            break
        counts = np.array([rng.multinomial(k, A[i]) for i in range(n)])  # (n, n) quotas
        read = np.empty(n)
        for i in range(n):
            src = np.repeat(np.arange(n), counts[i])
            read[i] = answers[src, rng.integers(0, L, size=src.size)].mean()
    return pd.DataFrame({"step": np.arange(T + 1), "stance_corrected": curve, "stance_gap": gap})
