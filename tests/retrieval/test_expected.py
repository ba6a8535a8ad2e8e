"""Expected largest-remainder quotas against the mean of many random tie orders."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from netcollapse.errors import SpecError
from netcollapse.retrieval.expected import expected_quotas
from netcollapse.retrieval.quotas import allocate_quotas


def mean_quotas(W, h, k, avail, human, draws=2000):
    rng = np.random.default_rng(0)
    qs = [allocate_quotas(W, h, k, avail, human, rng=rng) for _ in range(draws)]
    return np.mean([q.Q.toarray() for q in qs], axis=0), np.mean([q.human for q in qs], axis=0)


def test_closed_form_on_a_complete_graph():
    n = 16
    W = sp.csr_array(np.full((n, n), 0.5 / (n - 1)) + np.eye(n) * (0.5 - 0.5 / (n - 1)))
    e = expected_quotas(W, 0.0, 12, np.full(n, 50), 0)
    M = e.Q.toarray()
    np.testing.assert_allclose(np.diag(M), 6.0)
    np.testing.assert_allclose(M[~np.eye(n, dtype=bool)], 0.4)
    assert e.exact


@pytest.mark.parametrize("seed", range(4))
def test_exact_expectation_matches_the_mean_of_draws(seed):
    rng = np.random.default_rng(seed)
    n = 7
    A = (rng.random((n, n)) < 0.6) | np.eye(n, dtype=bool)
    W = sp.csr_array(A / A.sum(axis=1, keepdims=True))  # uniform rows: many ties
    h = rng.choice([0.0, 0.25], size=n)
    k = rng.integers(1, 9, size=n)
    avail = np.full(n, 20)  # ample: no source runs short
    e = expected_quotas(W, h, k, avail, 20)
    assert e.exact
    mQ, mh = mean_quotas(W, h, k, avail, 20)
    np.testing.assert_allclose(e.Q.toarray(), mQ, atol=0.05)
    np.testing.assert_allclose(e.human, mh, atol=0.05)
    np.testing.assert_allclose(e.Q.toarray().sum(axis=1) + e.human, k)


def test_shortfall_without_tied_sources_stays_exact():
    W = sp.csr_array(np.array([[0.6, 0.3, 0.1]] * 3))
    e = expected_quotas(W, 0.0, [10, 10, 10], [2, 100, 100], 0)
    assert e.exact
    np.testing.assert_allclose(e.Q.toarray()[0], [2, 6, 2])


def test_a_tied_source_that_can_run_short_is_flagged():
    W = sp.csr_array(np.full((3, 3), 1 / 3))
    # 4 units: floors 1 each, one unit left over 3 tied sources, store 0 holds only 1
    e = expected_quotas(W, 0.0, [4, 4, 4], [1, 10, 10], 0)
    assert not e.exact
    np.testing.assert_allclose(e.Q.toarray().sum(axis=1), 4)
    mQ, _ = mean_quotas(W, 0.0, [4, 4, 4], [1, 10, 10], 0)
    np.testing.assert_allclose(e.Q.toarray(), mQ, atol=0.1)  # the mean-field step is close


def test_errors_name_the_field():
    W = sp.csr_array(np.eye(2))
    with pytest.raises(SpecError, match=r"^k\[0\]: got -1"):
        expected_quotas(W, 0.0, [-1, 2], [3, 3], 0)
