"""One table of every spectral predictor of a retrieval graph, each eigen-problem solved once."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from netcollapse._validation import check_h
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.spectral._certify import Certified
from netcollapse.spectral._linalg import single_blas
from netcollapse.spectral._markov import CERTIFIED_RTOL, Chain, Ends, check_g
from netcollapse.spectral.predictors import (
    chain_fiedler,
    chain_fj_floor,
    chain_fj_rate,
    chain_kemeny,
    source_counts,
)
from netcollapse.spectral.rates import DEFAULT_G, chain_mixing, gap_t_rel

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


def _note(chain: Chain) -> str:
    """Why the gap is 0, from the graph's structure (exact: no eigenvalue threshold)."""
    if chain.n_components > 1:
        return f"disconnected: {chain.n_components} components (gap 0)"
    if chain.n_closed > 1:
        return f"reducible: {chain.n_closed} closed classes (gap 0)"
    if chain.period > 1:  # the closed class's gcd of cycle lengths
        return PERIODIC_NOTE if chain.period % 2 == 0 else PERIODIC_ODD
    return ""


@single_blas
def spectral_summary(
    graph: Any,
    g: float | None = None,
    eps: float = 0.25,
    method: str = "auto",
    tol: float | None = None,
    seed: Any = 0,
    accuracy: bool = False,
) -> pd.Series | pd.DataFrame:
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
    accuracy : bool
        Return the table with each number's error bound and certificate.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Index :data:`SUMMARY_KEYS`; ``note`` says why the gap is 0 when it is and
        why a number is NaN when it is. With ``accuracy=True``, a DataFrame with
        columns ``value``, ``error`` (an absolute bound: the true number lies
        within it; 0 for exact ones; twice the standard error for Hutchinson
        estimates; NaN where no bound applies) and ``certificate`` (how the
        number was found and bounded).
        ``lambda_2`` is the largest real part among non-Perron eigenvalues,
        ``lambda_min`` the smallest real part (NaN for a non-reversible ``W`` on
        the sparse path unless its period is even, then -1); ``mixing_time_upper``
        is NaN unless ``W`` is reversible; ``kemeny_constant`` and ``fj_floor``
        are Hutchinson estimates on the sparse path.

    Notes
    -----
    **Certified numbers.** Every spectral number carries an error bound, and a
    number whose bound exceeds :data:`CERTIFIED_RTOL` times its scale (the gap
    for the SLEM, the gap and the relaxation and mixing times; ``1 - lambda_2``;
    ``1 + lambda_min``; the value itself for the others) is returned as NaN with
    the reason in ``note``; never an unconverged number. Symmetric eigenvalues
    are bounded by their Ritz vector's residual (Lanczos, Paige's bound), or, when
    plain Lanczos stalls on a small gap (rings, paths, tori of 10^5 nodes and
    more), by shift-invert with a sparse LU of ``I - W`` and the residual of the
    eigenvector it finds, computed from differences of neighbouring values (no
    cancellation, so gaps of 1e-12 keep their digits). Non-reversible ``W`` on the
    sparse path: ARPACK's backward-error bound; out of its matvec budget, NaN.

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
    rows = _rows(chain, h, g, eps, seed)
    table = pd.DataFrame(rows, columns=["key", "value", "error", "certificate", "scale"])
    table = table.set_index("key")
    whys = [chain.ends.why] if chain.ends.why else []
    for key, row in table.iterrows():  # a number without a certificate becomes NaN
        if _certified(row.value, row.error, row.scale):
            continue
        whys.append(
            f"{key} not certified ({_fmt(row.value)} +- {_fmt(row.error)}: {row.certificate})"
        )
        table.loc[key, "value"] = math.nan
    note = "; ".join(x for x in [_note(chain), *dict.fromkeys(whys)] if x)
    table.loc["note"] = pd.Series([note, math.nan, "", math.nan], index=table.columns)
    if accuracy:
        return table[["value", "error", "certificate"]]
    return pd.Series(list(table["value"]), index=list(SUMMARY_KEYS), dtype=object, name="spectral")


def _fmt(x: Any) -> str:
    return f"{x:.3g}" if isinstance(x, (float, np.floating)) else str(x)


def _certified(value: Any, error: Any, scale: Any) -> bool:
    """Whether ``value`` carries a usable certificate: ``error <= CERTIFIED_RTOL * scale``.

    Statistical estimates (Hutchinson traces) have an infinite scale: they are
    returned with their two standard errors, whatever their size.
    """
    if isinstance(value, (bool, np.bool_, str)) or not isinstance(value, (int, float, np.number)):
        return True
    if not math.isfinite(float(value)) or error == 0.0:
        return True
    if error is None or math.isnan(error) or math.isnan(scale):
        return math.isnan(scale)  # no error estimate: fine only where none applies
    return float(error) <= CERTIFIED_RTOL * abs(float(scale))


def _rows(chain: Chain, h: np.ndarray, g: float, eps: float, seed: Any) -> list[tuple]:
    """(key, value, error bound, certificate, scale of the relative check) per summary key."""
    e = chain.ends
    mix = chain_mixing(chain, eps)
    k = source_counts(chain.W)
    pi = chain.pi
    nan = math.nan
    t = gap_t_rel(e.gap)
    t_err = e.error / e.gap**2 if e.gap > 0 else (0.0 if e.error == 0 else nan)
    lazy = chain.lazy(g)
    fiedler = chain_fiedler(chain, True)
    fj_r = chain_fj_rate(chain, h)
    fj_f = chain_fj_floor(chain, h, seed)
    kem = chain_kemeny(chain, seed)
    exact = "exact"
    pi_how = "spanning-tree ratios (reversible)" if chain.reversible else "Perron vector"
    mix_err = math.log(1.0 / (2.0 * eps)) * t_err
    up_err = t_err * math.log(1.0 / (eps * float(pi.min()))) if pi.min() > 0 else nan
    return [
        ("n", chain.n, 0.0, exact, nan),
        ("n_edges", int(k.sum()), 0.0, exact, nan),
        ("n_components", chain.n_components, 0.0, exact, nan),
        ("reversible", bool(chain.reversible), 0.0, "detailed balance, relative 1e-10", nan),
        ("slem", e.slem, e.error, e.how, e.gap),
        ("spectral_gap", e.gap, e.error, e.how, e.gap),
        ("lambda_2", e.lambda_2, e.lambda_2_error, e.how, 1.0 - e.lambda_2),
        ("lambda_min", e.lambda_min, e.lambda_min_error, e.how, 1.0 + e.lambda_min),
        ("lazy_g", g, 0.0, "given", nan),
        ("lazy_rate", lazy, _lazy_error(e, g), e.how, 1.0 - lazy),
        ("relaxation_time", t, t_err, "1 / spectral_gap", t),
        ("mixing_time_lower", mix.lower, mix_err, "from spectral_gap", mix.lower),
        ("mixing_time_upper", mix.upper, up_err, "from spectral_gap", mix.upper),
        ("fiedler_value", *fiedler, fiedler.value),
        ("fj_rate", *fj_r, 1.0 - fj_r.value),
        ("fj_floor", *fj_f, _scale(fj_f)),
        ("kemeny_constant", *kem, _scale(kem)),
        ("degree_heterogeneity", _heterogeneity(k), 0.0, exact, nan),
        ("pi_min", float(pi.min()), nan, pi_how, nan),
        ("pi_max", float(pi.max()), nan, pi_how, nan),
    ]


def _lazy_error(e: Ends, g: float) -> float:
    """Bound on ``max(|1 - g + g lambda_2|, |1 - g + g lambda_min|)``: the larger term's."""
    if math.isnan(e.lambda_min) or math.isnan(e.lambda_min_error):
        return g * e.lambda_2_error
    hi, lo = abs(1 - g + g * e.lambda_2), abs(1 - g + g * e.lambda_min)
    e_hi, e_lo = g * e.lambda_2_error, g * e.lambda_min_error
    if hi - e_hi >= lo + e_lo:
        return e_hi
    if lo - e_lo >= hi + e_hi:
        return e_lo
    return max(e_hi, e_lo)


def _scale(c: Certified) -> float:
    """Scale of the relative check: a Hutchinson estimate keeps its 2 standard errors."""
    return math.inf if c.how.startswith("Hutchinson") else c.value


def _heterogeneity(k: np.ndarray) -> float:
    return float(np.mean(k**2) / np.mean(k)) if k.sum() else math.nan
