"""Certified spectra: closed forms on rings, paths and tori; bounds that cover the truth.

The small-gap cases are sized so that plain Lanczos stalls (so shift-invert and
its certificate are exercised) while the suite stays quick.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from walks import path_walk, ring_walk, torus_walk

from netcollapse.spectral import _certify, _linalg, _markov, spectral_summary
from netcollapse.spectral import predictors as P

N = 20_000
CASES = {  # W, exact gap, exact Kemeny
    "ring": (ring_walk(N, 0.5), math.sin(math.pi / N) ** 2, (N * N - 1) / 3),
    "path": (path_walk(N, 0.5), math.sin(math.pi / (2 * N)) ** 2, 2 * (N * N - 1) / 3),
    "odd ring, s = 0": (
        ring_walk(N + 1, 0.0),
        2 * math.sin(math.pi / (2 * (N + 1))) ** 2,
        ((N + 1) ** 2 - 1) / 6,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_small_gaps_match_closed_forms_with_a_bound_that_covers_them(name):
    W, gap, kemeny = CASES[name]
    acc = spectral_summary(W, method="sparse", accuracy=True)
    v, e = acc["value"], acc["error"]
    assert v["note"] == ""  # aperiodic, connected: nothing to flag
    err = abs(v["spectral_gap"] - gap)
    assert err <= e["spectral_gap"]  # the certificate holds
    assert e["spectral_gap"] <= 1e-3 * gap  # and is tight enough to be certified
    assert err <= 1e-9 * gap  # cancellation-free: the gap keeps its digits
    assert "shift-invert" in acc.loc["spectral_gap", "certificate"]
    assert v["relaxation_time"] == pytest.approx(1 / gap, rel=1e-9)
    assert v["slem"] == pytest.approx(1 - gap, abs=1e-15)
    assert abs(v["kemeny_constant"] - kemeny) <= 2 * e["kemeny_constant"]  # 2 SE, twice
    assert e["kemeny_constant"] <= 0.03 * kemeny


def test_torus_gap_and_kemeny():
    m = 120
    W = torus_walk(m, 0.5)
    a = 2 * np.pi * np.arange(m) / m
    mu = 0.5 * (1 - (np.cos(a)[:, None] + np.cos(a)[None, :]) / 2)
    kemeny = float(np.sum(1 / mu.ravel()[1:]))
    acc = spectral_summary(W, method="sparse", accuracy=True)
    gap = 0.5 * math.sin(math.pi / m) ** 2
    assert abs(acc.loc["spectral_gap", "value"] - gap) <= acc.loc["spectral_gap", "error"]
    assert acc.loc["spectral_gap", "value"] == pytest.approx(gap, rel=1e-9)
    k, k_err = acc.loc["kemeny_constant", ["value", "error"]]
    assert abs(k - kemeny) <= 2 * k_err


@pytest.mark.parametrize(
    ("n", "method"),
    [(10, "dense"), (1_000, "dense"), (10, "sparse"), (1_000, "sparse"), (20_000, "sparse")],
)
def test_even_ring_without_self_weight_is_flagged_periodic_at_every_n(n, method):
    s = spectral_summary(ring_walk(n, 0.0), method=method)
    assert s["note"].startswith("periodic") and s["slem"] == 1.0 and s["lambda_min"] == -1.0
    assert s["spectral_gap"] == 0.0 and s["relaxation_time"] == math.inf


def test_odd_ring_with_a_tiny_gap_is_not_called_periodic():
    n = 20_001  # 1 + lambda_min = 1 - cos(pi / n) ~ 1.2e-8: a threshold on |lambda| would misfire
    s = spectral_summary(ring_walk(n, 0.0), method="sparse")
    assert s["note"] == "" and s["slem"] < 1.0
    assert s["lambda_min"] == pytest.approx(-math.cos(math.pi / n), abs=1e-15)


def test_form_quotient_and_residual_are_cancellation_free():
    n = 1_000
    W = ring_walk(n, 0.5)
    pi = np.full(n, 1 / n)
    form = _certify.Form(sp.csr_array(sp.diags_array(pi) @ W), pi, -1)
    f = np.cos(2 * np.pi * np.arange(n) / n)  # the slowest mode, exactly
    mu = math.sin(math.pi / n) ** 2
    assert form.quotient(f) == pytest.approx(mu, rel=1e-13)
    value, bound = form.certify(np.sqrt(pi) * f)
    assert value == pytest.approx(mu, rel=1e-13) and bound < 1e-15
    # a wrong vector gets a large residual: the bound is not a formality
    value, bound = form.certify(np.sqrt(pi) * np.cos(4 * np.pi * np.arange(n) / n + 0.3) + 1e-3)
    assert bound > 1e-6


def test_lanczos_bounds_cover_the_ends_of_a_known_spectrum():
    rng = np.random.default_rng(0)
    ev = np.sort(rng.uniform(-1, 1, 400))
    Q, _ = np.linalg.qr(rng.standard_normal((400, 400)))
    A = (Q * ev) @ Q.T
    got = _linalg.lanczos_ends(lambda x: A @ x, 400, tol=1e-6)
    assert abs(got.lo - ev[0]) <= got.lo_err and abs(got.hi - ev[-1]) <= got.hi_err
    assert got.converged


def test_lanczos_stalls_on_a_dense_end_instead_of_running_to_maxiter():
    W = ring_walk(200_000, 0.5)
    got = _linalg.lanczos_ends(W.__matmul__, W.shape[0], tol=1e-8, ref=(-1.0, 1.0))
    assert not got.converged and got.steps < 2_000


def test_uncertifiable_gap_is_nan_with_a_note(monkeypatch):
    """When shift-invert cannot run (here: SuperLU refused), the gap is NaN, not a guess."""

    def refuse(*args, **kwargs):
        raise MemoryError("no room for the factor")

    monkeypatch.setattr(_certify.spla, "splu", refuse)
    s = spectral_summary(ring_walk(N, 0.5), method="sparse")
    assert math.isnan(s["spectral_gap"]) and math.isnan(s["slem"])
    assert math.isnan(s["relaxation_time"]) and math.isnan(s["mixing_time_lower"])
    assert "shift-invert failed (MemoryError" in s["note"]
    assert math.isnan(s["fiedler_value"]) and "fiedler_value not certified" in s["note"]


def test_well_separated_gap_needs_no_factorisation():
    """A walk on an expander is certified by plain Lanczos (no LU: the fill would be huge)."""
    import networkx as nx

    G = nx.random_regular_graph(4, 3_000, seed=1)
    A = nx.to_scipy_sparse_array(G, format="csr", dtype=float)
    W = sp.csr_array(A / 4)
    chain = _markov.Chain(W, "sparse")
    assert "Lanczos" in chain.ends.how and "shift-invert" not in chain.ends.how
    assert "inverse" not in chain.__dict__
    dense = _markov.Chain(W, "dense").ends
    assert abs(chain.ends.slem - dense.slem) <= chain.ends.error + dense.error
    assert P.chain_kemeny(chain, 0).how.endswith("(block CG)")
