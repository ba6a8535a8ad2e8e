"""Sizing a stance-rate study before running it: the calibrated model played many times.

:func:`design_power` simulates a study design with
:func:`~netcollapse.theory.stance_sim.simulate_stance_run` (the calibrated linear
response on each graph; seeds that only start the run, memory 1) and scores every
simulated study the way the real one will be scored: the gap rate of each run
(:func:`~netcollapse.measures.rates.geometric_rate` from round 0), graph means,
Spearman and the least-squares slope of measured on predicted rates
(:func:`~netcollapse.theory.stance.predict_stance_gap`), and paired 95% t-intervals of
differences between conditions (seeds are blocks: every condition of one seed starts
from the same round 0). The share of simulated studies meeting each target is its
power under the model. The model is not the LLM: a design it calls powered can still
miss where the response is not linear on graphs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netcollapse.measures.rates import geometric_rate
from netcollapse.measures.stats import mean_interval, spearman

__all__ = ["design_power"]


def design_power(
    conditions: dict[str, tuple[Any, Any]],
    response: Any,
    *,
    T: int,
    L: int,
    k: int,
    seeds: int,
    pairs: dict[str, tuple[str, str]],
    studies: int = 200,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Simulate ``studies`` studies of a design; return per-condition rates and powers.

    Parameters
    ----------
    conditions : dict
        ``name -> (W, z)``: the retrieval matrix and the seed stance of each node.
    response : StanceResponse
    T, L, k : int
        Rounds after round 0, answers per node and round, documents read per round.
    seeds : int
        Runs per condition (blocks shared by all conditions).
    pairs : dict
        ``target name -> (a, b)``: the target is met when the paired 95% interval of
        ``rate(a) - rate(b)`` lies above 0.
    studies : int
        Simulated studies.
    seed : int

    Returns
    -------
    (pandas.DataFrame, dict)
        Per condition: ``predicted`` gap rate, ``mean`` and ``sd`` of the measured one
        over all simulated runs. Powers: ``spearman >= 0.8``, ``slope in [0.7, 1.3]``
        and one per pair.

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> from netcollapse.theory.stance import StanceResponse
    >>> r = StanceResponse(0.44, 0.04, 0.1, 0.05, 0.001, 0.0, 60, 0.7)
    >>> z = np.r_[np.full(4, 0.4), np.full(4, -0.4)]
    >>> cond = {"isolated": (build("isolated", n=8).W, z),
    ...         "complete": (build("complete", n=8, self_weight=0.5).W, z)}
    >>> table, power = design_power(cond, r, T=2, L=4, k=4, seeds=4,
    ...                             pairs={"isolated > complete": ("isolated", "complete")},
    ...                             studies=20)
    >>> sorted(power)
    ['isolated > complete', 'slope in [0.7, 1.3]', 'spearman >= 0.8']
    """
    from netcollapse.graphs.retrieval_graph import RetrievalGraph
    from netcollapse.theory.stance import predict_stance_gap
    from netcollapse.theory.stance_sim import simulate_stance_run

    names = list(conditions)
    predicted = {}
    for name, (W, z) in conditions.items():
        graph = RetrievalGraph(W, np.zeros(np.shape(z)[0]))
        predicted[name] = geometric_rate(predict_stance_gap(graph, z, response, T), 0)[0]
    rates = np.empty((studies, seeds, len(names)))
    for s in range(studies):
        for b in range(seeds):
            block = int(np.random.SeedSequence([seed, s, b]).generate_state(1)[0])
            for c, name in enumerate(names):
                W, z = conditions[name]
                run = simulate_stance_run(
                    W, z, response, T, L=L, k=k, rng=np.random.default_rng(block)
                )
                rates[s, b, c] = geometric_rate(run["stance_gap"].to_numpy(), 0)[0]
    pred = np.array([predicted[n] for n in names])
    hits = {"spearman >= 0.8": 0, "slope in [0.7, 1.3]": 0, **{p: 0 for p in pairs}}
    for s in range(studies):
        means = np.nanmean(rates[s], axis=0)
        hits["spearman >= 0.8"] += spearman(means, pred) >= 0.8
        pc = pred - pred.mean()
        slope = float(pc @ (means - means.mean()) / (pc @ pc))
        hits["slope in [0.7, 1.3]"] += 0.7 <= slope <= 1.3
        for target, (first, second) in pairs.items():
            diff = rates[s, :, names.index(first)] - rates[s, :, names.index(second)]
            _, lo, _ = mean_interval(diff[np.isfinite(diff)])
            hits[target] += lo > 0
    table = pd.DataFrame(
        {
            "condition": names,
            "predicted": pred,
            "mean": np.nanmean(rates, axis=(0, 1)),
            "sd": np.nanstd(rates, axis=(0, 1)),
        }
    )
    return table, {k_: v / studies for k_, v in hits.items()}
