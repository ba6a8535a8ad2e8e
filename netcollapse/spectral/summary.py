"""One table of every spectral predictor of a retrieval graph, each eigen-problem solved once."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._validation import check_h
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.spectral._linalg import single_blas
from netcollapse.spectral._markov import Chain, Ends, check_g
from netcollapse.spectral.predictors import (
    chain_fiedler,
    chain_fj_floor,
    chain_fj_rate,
    chain_kemeny,
    source_counts,
)
from netcollapse.spectral.rates import DEFAULT_G, chain_mixing, t_rel

__all__ = ["PERIODIC_NOTE", "PERIODIC_ODD", "SUMMARY_KEYS", "spectral_summary"]

SUMMARY_KEYS = (
    "n",
    "n_edges",
    "n_components",
    "reversible",
    "slem",
    "spectral_gap",
    "lambda_2",
    "lambda_min",
    "lazy_g",
    "lazy_rate",
    "relaxation_time",
    "mixing_time_lower",
    "mixing_time_upper",
    "fiedler_value",
    "fj_rate",
    "fj_floor",
    "kemeny_constant",
    "degree_heterogeneity",
    "pi_min",
    "pi_max",
    "note",
)
"""Index of :func:`spectral_summary` (the JSON keys of ``netcollapse spectral --json``)."""

PERIODIC_NOTE = (
    "periodic: eigenvalue -1 (bipartite, e.g. an even ring with no self weight) "
    "gives SLEM 1; add self_weight > 0 to make it aperiodic"
)


PERIODIC_ODD = (
    "periodic: an eigenvalue of modulus 1 other than 1 gives SLEM 1; "
    "add self_weight > 0 to make it aperiodic"
)


def _note(chain: Chain, e: Ends) -> str:
    if chain.n_components > 1:
        return f"disconnected: {chain.n_components} components (gap 0)"
    if chain.n_closed > 1:
        return f"reducible: {chain.n_closed} closed classes (gap 0)"
    if not chain.reversible:  # exact, from the cycle structure
        even, odd = chain.period % 2 == 0, chain.period > 1
        return PERIODIC_NOTE if even else (PERIODIC_ODD if odd else "")
    if e.slem >= 1.0 - 1e-9:
        if e.lambda_min <= -1.0 + 1e-9:
            return PERIODIC_NOTE
        return PERIODIC_ODD
    return ""


@single_blas
def spectral_summary(
    graph: Any,
    g: float | None = None,
    eps: float = 0.25,
    method: str = "auto",
    tol: float | None = None,
    seed: Any = 0,
) -> pd.Series:
    """All spectral predictors of one retrieval graph, each eigen-problem solved once.

    Parameters
    ----------
    graph : RetrievalGraph or matrix
        A :class:`~netcollapse.graphs.RetrievalGraph` (its ``W`` and ``h`` are
        used as they are: they were validated when it was built), another object
        with ``.W`` and ``.h`` (both validated here), or ``W`` itself (validated
        here; then ``h = 0``). ``W[i, j]`` is the share of node *i*'s retrieval
        drawn from node *j*'s store.
    g : float, optional
        Lazy pull for ``lazy_rate``; default :data:`DEFAULT_G` ``= 1 - e^-1``.
    eps : float
        Mixing-time accuracy, in ``(0, 1/2)``.
    method : {"auto", "dense", "sparse"}
        See :func:`slem`.
    tol : float, optional
        Accuracy of the sparse solvers (default :data:`TOL`, :data:`ARPACK_TOL`).
    seed : int, numpy.random.Generator or None
        Probes of the sparse ``fj_floor`` and ``kemeny_constant`` estimates.

    Returns
    -------
    pandas.Series
        Index :data:`SUMMARY_KEYS`; ``note`` says why the gap is 0 when it is.
        ``lambda_2`` is the largest real part among non-Perron eigenvalues,
        ``lambda_min`` the smallest real part (NaN for a non-reversible ``W`` on
        the sparse path unless its period is even, then -1); ``mixing_time_upper``
        is NaN unless ``W`` is reversible; ``kemeny_constant`` and ``fj_floor``
        are Hutchinson estimates on the sparse path.

    Notes
    -----
    See the individual functions for definitions and sources (DeGroot 1974;
    Friedkin & Johnsen 1990/1999; Fiedler 1973; Kemeny & Snell 1960;
    Levin, Peres & Wilmer 2017, Thms 12.4-12.5; arXiv 2506.15690 for the lazy rate).

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(5)
    >>> W = (np.roll(I, 1, axis=1) + np.roll(I, -1, axis=1)) / 2  # walk on the cycle C_5
    >>> s = spectral_summary(W)
    >>> round(s["slem"], 6), s["n_components"], s["note"]
    (0.809017, 1, '')
    """
    if isinstance(graph, RetrievalGraph):  # validated when built: W and h are used as they are
        chain, h = Chain(graph, method, tol), graph.h
    else:
        has_w = hasattr(graph, "W")
        chain = Chain(graph.W if has_w else graph, method, tol)
        h_raw = getattr(graph, "h", None) if has_w else None
        h = np.zeros(chain.n) if h_raw is None else check_h(h_raw, chain.n)
    g = DEFAULT_G if g is None else check_g(g)
    e = chain.ends
    mix = chain_mixing(chain, eps)
    k = source_counts(chain.W)
    pi = chain.pi
    values = [
        chain.n,
        int(k.sum()),
        chain.n_components,
        bool(chain.reversible),
        e.slem,
        1.0 - e.slem,
        e.lambda_2,
        e.lambda_min,
        g,
        chain.lazy(g),
        t_rel(e.slem),
        mix.lower,
        mix.upper,
        chain_fiedler(chain, True),
        chain_fj_rate(chain, h),
        chain_fj_floor(chain, h, seed),
        chain_kemeny(chain, seed),
        float(np.mean(k**2) / np.mean(k)) if k.sum() else math.nan,
        float(pi.min()),
        float(pi.max()),
        _note(chain, e),
    ]
    return pd.Series(values, index=list(SUMMARY_KEYS), dtype=object, name="spectral")
