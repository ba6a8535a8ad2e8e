"""Tests for netcollapse.theory.degroot: the lazy-DeGroot prediction and the measured rate."""

import math

import numpy as np
import pytest

from netcollapse.engines.gmm import GMMWeb
from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.measures.curves import fit_rate
from netcollapse.theory.degroot import g_from_alpha, measured_rate, predicted_rate, theory_check


# --------------------------------------------------------------------------- theory
def test_g_from_alpha():
    assert g_from_alpha("1/k", 1) == 1.0
    assert g_from_alpha("1/k", 4) == pytest.approx(1 - 0.75**4)
    assert g_from_alpha(0.1, 10) == pytest.approx(1 - 0.9**10)
    assert g_from_alpha("1/k", 10**6) == pytest.approx(1 - math.exp(-1), abs=1e-6)
    with pytest.raises(SpecError, match="alpha: got '1/n'"):
        g_from_alpha("1/n", 3)
    with pytest.raises(SpecError, match="k: got 0, expected an integer >= 1"):
        g_from_alpha(0.5, 0)


@pytest.mark.parametrize("n, k, alpha", [(4, 10, "1/k"), (7, 100, "1/k"), (5, 3, 0.2)])
def test_predicted_rate_complete_graph_with_self_loop_is_one_minus_g(n, k, alpha):
    g = build("complete", n=n, self_weight=1 / n)  # uniform weights including the self loop
    assert np.allclose(g.W.toarray(), 1 / n)
    assert predicted_rate(g, k, alpha) == pytest.approx(1 - g_from_alpha(alpha, k), abs=1e-9)
    assert predicted_rate(g.W, k, alpha) == pytest.approx(predicted_rate(g, k, alpha))


def test_predicted_rate_on_the_cycle_matches_its_closed_form():
    n, k = 10, 50
    g = g_from_alpha("1/k", k)
    # cycle walk: eigenvalues cos(2 pi j / n); lazy map lambda -> 1 - g + g lambda
    expected = max(abs(1 - g + g * math.cos(2 * math.pi / n)), abs(1 - 2 * g))
    assert predicted_rate(build("ring", n=n, k=2), k) == pytest.approx(expected, abs=1e-9)


def test_measured_rate_removes_the_noise_floor_in_quadrature():
    t = np.arange(50)
    F = np.sqrt((5 * 0.6**t) ** 2 + 0.3**2)
    assert measured_rate(F) == pytest.approx(0.6, abs=1e-2)
    assert measured_rate(F, floor=0.3) == pytest.approx(0.6, abs=1e-9)
    naive = fit_rate(F, window=(0, 12)).rate  # the same steps without the floor removed
    assert naive > 0.65  # biased toward 1
    assert measured_rate(5 * 0.8**t, floor=0.0) == pytest.approx(0.8)
    assert math.isnan(measured_rate(np.full(10, 2.0)))  # flat: no signal above the floor
    assert math.isnan(measured_rate(np.array([3.0])))
    with pytest.raises(DataError, match="F: got an invalid trajectory"):
        measured_rate(np.array([1.0, np.nan]))
    with pytest.raises(SpecError, match="floor: got -1"):
        measured_rate(F, floor=-1)


def test_theory_check_on_memoryless_gmm_complete_graph():
    graph = build("complete", n=16, self_weight=1 / 16)
    web = GMMWeb(
        graph, B=3, means=[-9, 0, 9], L=96, a=0.2, seed=2, retrieval={"k": 96, "memory": 1}
    )
    res = web.run(10, progress=False)
    check = theory_check(res, graph, k=96)
    assert set(check) == {"measured", "predicted"}
    assert check["predicted"] == pytest.approx(1 - g_from_alpha("1/k", 96))
    assert abs(check["measured"] - check["predicted"]) < 0.06
    assert theory_check(res.frobenius, graph, 96) == check


def test_memoryless_ring_contracts_slower_than_the_complete_graph():
    kw = dict(B=3, means=[-9, 0, 9], L=64, retrieval={"k": 64, "memory": 1}, a=0.2, seed=5)
    ring, complete = build("ring", n=16, k=2), build("complete", n=16)
    r_ring = measured_rate(GMMWeb(ring, **kw).run(40, progress=False).frobenius)
    r_full = measured_rate(GMMWeb(complete, **kw).run(40, progress=False).frobenius)
    assert predicted_rate(complete, 64) < predicted_rate(ring, 64)
    assert r_full < 0.5 < r_ring
