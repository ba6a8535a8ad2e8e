from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from quota_reference import allocate_row_reference

from netcollapse.errors import SpecError
from netcollapse.retrieval.quotas import (
    QUOTAS,
    allocate_quotas,
    available_counts,
    pooled_quotas,
    reachable_total,
    retrieval_size,
)
from netcollapse.retrieval.store import DocumentStore


def random_W(n, p, rng, explicit_zeros=False, uniform=False):
    A = (rng.random((n, n)) < p) | np.eye(n, dtype=bool)
    vals = (1.0 if uniform else rng.random((n, n))) * A  # uniform weights: many ties
    if explicit_zeros:
        # a few stored zeros (same pattern, zero share)
        Z = A & (rng.random((n, n)) < 0.1) & ~np.eye(n, dtype=bool)
        vals[Z] = 0.0
    vals = vals / vals.sum(axis=1, keepdims=True)
    W = sp.csr_array(np.where(A, vals, 0.0))
    if explicit_zeros:
        rows, cols = np.nonzero(A)
        W = sp.csr_array((vals[rows, cols], (rows, cols)), shape=(n, n))
    return W


def row_sources(W, h, avail, human_available, i):
    lo, hi = W.indptr[i], W.indptr[i + 1]
    shares = [h[i]] + list((1 - h[i]) * W.data[lo:hi])
    caps = [human_available] + list(avail[W.indices[lo:hi]])
    return shares, caps, W.indices[lo:hi]


# ---------------------------------------------------------------- sizes
def test_retrieval_size():
    avail = np.array([20, 23, 3, 0, 100])
    assert retrieval_size(avail, beta=0.5).tolist() == [10, 11, 1, 0, 50]
    assert retrieval_size([100], beta=0.29).tolist() == [29]  # 0.29 * 100 < 29 in floats
    assert retrieval_size(avail, beta=1.0, k_max=30).tolist() == [20, 23, 3, 0, 30]
    assert retrieval_size(avail, k=5).tolist() == [5, 5, 3, 0, 5]
    assert retrieval_size(avail, k=np.array([1, 2, 3, 4, 5]), k_max=2).tolist() == [1, 2, 2, 0, 2]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(beta=1.5), r"^beta: got 1\.5, expected a number in \(0, 1\]$"),
        (dict(beta=0.0), r"^beta: got 0\.0, expected a number in \(0, 1\]$"),
        (dict(beta=0.5, k_max=0), r"^k_max: got 0, expected an integer >= 1$"),
        (dict(), r"^beta/k: got \(None, None\), expected exactly one of beta or k$"),
        (dict(beta=0.5, k=3), r"^beta/k: got"),
        (dict(k=-1), r"^k: got -1"),
    ],
)
def test_retrieval_size_errors(kwargs, message):
    with pytest.raises(SpecError, match=message):
        retrieval_size([10, 10], **kwargs)


def test_reachable_total():
    W = sp.csr_array(np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]))
    assert reachable_total(W, [1, 2, 4], 10).tolist() == [13, 12, 17]
    assert reachable_total(W, [1, 2, 4], 10, h=[0.1, 0.0, 1.0]).tolist() == [13, 2, 17]


# --------------------------------------------------------- largest remainder
def test_hamilton_known_cases():
    W = sp.csr_array(np.array([[0.5, 0.3, 0.2], [0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]))
    q = allocate_quotas(W, 0.0, [7, 3, 3], [10, 10, 10], 0)
    assert q.Q.toarray().tolist() == [[4, 2, 1], [2, 1, 0], [0, 2, 1]]  # ties -> lower index
    assert q.human.tolist() == [0, 0, 0]
    # H first in ties: shares 1/3 each, k = 4
    q = allocate_quotas(W, 1 / 3, [4, 4, 4], [10, 10, 10], 10)
    assert q.human.tolist()[1:] == [2, 2]
    assert q.Q.toarray()[1].tolist() == [1, 1, 0]
    assert q.Q.toarray()[2].tolist() == [0, 1, 1]


def test_shortfall_redistribution():
    W = sp.csr_array(np.array([[0.6, 0.3, 0.1]] * 3))
    # store 0 has only 2 docs; its shortfall goes to store 1 and 2 in ratio 3:1
    q = allocate_quotas(W, 0.0, [10, 10, 10], [2, 100, 100], 0)
    assert q.Q.toarray()[0].tolist() == [2, 6, 2]
    # every source exhausted: fewer than k
    q = allocate_quotas(W, 0.5, [50, 50, 50], [2, 3, 4], 5)
    assert q.total.tolist() == [14, 14, 14]
    assert q.human.tolist() == [5, 5, 5]
    # a zero-share source never gets documents, even when others run out
    W2 = sp.csr_array((np.array([1.0, 0.0, 1.0, 1.0]), ([0, 0, 1, 2], [0, 1, 1, 2])), shape=(3, 3))
    q = allocate_quotas(W2, 0.0, [5, 1, 1], [2, 10, 10], 0)
    assert q.Q.toarray()[0].tolist() == [2, 0, 0]
    assert q.Q.nnz == W2.nnz  # same pattern as W


@pytest.mark.parametrize("seed", range(8))
def test_largest_remainder_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    W = random_W(n, rng.uniform(0.05, 0.5), rng, explicit_zeros=seed % 2 == 1, uniform=seed % 4 < 2)
    h = rng.choice([0.0, 0.1, 1 / 3, 0.5, 1.0], size=n)
    k = rng.integers(0, 30, size=n)
    avail = rng.integers(0, 12, size=n)
    human_available = int(rng.integers(0, 15))
    q = allocate_quotas(W, h, k, avail, human_available)
    Q = q.Q.toarray()
    for i in range(n):
        shares, caps, cols = row_sources(W, h, avail, human_available, i)
        ref = allocate_row_reference(shares, caps, int(k[i]))
        assert [int(q.human[i])] + Q[i, cols].tolist() == ref
        possible = sum(c for s, c in zip(shares, caps) if s > 0)
        assert q.total[i] == min(k[i], possible)
        assert all(x <= c for x, c in zip(ref, caps))
        assert all(x == 0 for x, s in zip(ref, shares) if s == 0)


def test_proportional_when_capacity_is_ample():
    rng = np.random.default_rng(11)
    n = 50
    W = random_W(n, 0.2, rng)
    h = rng.uniform(0, 1, n)
    k = rng.integers(0, 200, n)
    q = allocate_quotas(W, h, k, np.full(n, 10**6), 10**6)
    expected = (sp.diags_array(k * (1 - h)) @ W).toarray()
    assert np.abs(q.Q.toarray() - expected).max() < 1
    assert np.abs(q.human - k * h).max() < 1
    assert q.total.tolist() == k.tolist()


# --------------------------------------------------------------- multinomial
def test_multinomial_sums_caps_and_mean():
    rng = np.random.default_rng(4)
    n = 30
    W = random_W(n, 0.2, rng)
    h = rng.choice([0.0, 0.3], size=n)
    k = rng.integers(1, 25, size=n)
    avail = rng.integers(0, 6, size=n)
    gen = np.random.default_rng(0)
    for _ in range(20):
        q = allocate_quotas(W, h, k, avail, 4, quota="multinomial", rng=gen)
        Q = q.Q.toarray()
        for i in range(n):
            shares, caps, cols = row_sources(W, h, avail, 4, i)
            got = [int(q.human[i])] + Q[i, cols].tolist()
            assert all(x <= c for x, c in zip(got, caps))
            assert all(x == 0 for x, s in zip(got, shares) if s == 0)
            assert sum(got) == min(k[i], sum(c for s, c in zip(shares, caps) if s > 0))
    # mean over many draws vs k * share (no capacity binding)
    big = np.full(n, 10**6)
    reps = 400
    acc = np.zeros((n, n))
    acc_h = np.zeros(n)
    for _ in range(reps):
        q = allocate_quotas(W, h, k, big, 10**6, quota="multinomial", rng=gen)
        acc += q.Q.toarray()
        acc_h += q.human
    expected = (sp.diags_array(k * (1 - h)) @ W).toarray()
    sd = np.sqrt(np.maximum(expected, 0.25) / reps)
    assert np.all(np.abs(acc / reps - expected) < 5 * sd)
    assert np.all(np.abs(acc_h / reps - k * h) < 5 * np.sqrt(np.maximum(k * h, 0.25) / reps))


def test_multinomial_reference_agrees_in_distribution():
    shares, caps = [0.2, 0.5, 0.3], [100, 100, 2]
    rng = np.random.default_rng(0)
    ref = np.mean(
        [allocate_row_reference(shares, caps, 10, "multinomial", rng) for _ in range(2000)], axis=0
    )
    W = sp.csr_array(np.array([[0.625, 0.375], [0.0, 1.0]]))
    got = np.mean(
        [
            np.r_[q.human[0], q.Q.toarray()[0]]
            for q in (
                allocate_quotas(W, [0.2, 0.0], [10, 0], [100, 2], 100, "multinomial", rng)
                for _ in range(2000)
            )
        ],
        axis=0,
    )
    np.testing.assert_allclose(got, ref, atol=0.15)
    assert got[2] <= 2


def test_multinomial_reproducible():
    W = random_W(20, 0.3, np.random.default_rng(1))
    a = allocate_quotas(W, 0.1, 9, np.full(20, 5), 5, quota="multinomial", rng=3)
    b = allocate_quotas(W, 0.1, 9, np.full(20, 5), 5, quota="multinomial", rng=3)
    assert (a.Q != b.Q).nnz == 0 and a.human.tolist() == b.human.tolist()


# -------------------------------------------------------------------- pooled
@pytest.mark.parametrize("n", [5, 40])  # 40: rows longer than 32 take the per-row path
def test_pooled_complete_graph_is_uniform(n):
    W = sp.csr_array(np.full((n, n), 1 / n))
    rng = np.random.default_rng(0)
    avail = rng.integers(0, 6, size=n)
    human = 20
    total = avail.sum() + human
    k = np.full(n, 12)
    reps = 300
    acc = np.zeros((n, n))
    acc_h = np.zeros(n)
    for _ in range(reps):
        q = pooled_quotas(W, k, avail, human, rng)
        Q = q.Q.toarray()
        assert np.all(Q <= avail[None, :]) and np.all(q.human <= human)
        assert q.total.tolist() == np.minimum(k, total).tolist()
        acc += Q
        acc_h += q.human
    np.testing.assert_allclose(acc / reps, np.tile(12 * avail / total, (n, 1)), atol=0.5)
    np.testing.assert_allclose(acc_h / reps, 12 * human / total, atol=0.5)
    assert abs(acc_h.mean() / reps - 12 * human / total) < 0.15


def test_pooled_sparse_graph_and_small_totals():
    rng = np.random.default_rng(2)
    n = 25
    W = random_W(n, 0.15, rng, explicit_zeros=True)
    avail = rng.integers(0, 4, size=n)
    k = rng.integers(0, 30, size=n)
    q = pooled_quotas(W, k, avail, 0, rng)
    reach = reachable_total(W, avail, 0)
    assert q.total.tolist() == np.minimum(k, reach).tolist()
    assert q.human.sum() == 0
    Q = q.Q.toarray()
    assert np.all(Q[W.toarray() == 0] == 0)


# ------------------------------------------------------------------ validation
def test_validation_errors():
    good = sp.csr_array(np.eye(3))
    with pytest.raises(SpecError, match=r"^W\.shape: got \(2, 3\), expected a square"):
        allocate_quotas(sp.csr_array(np.ones((2, 3)) / 3), 0, 1, [1, 1], 0)
    with pytest.raises(SpecError, match=r"^W\[1, :\]\.sum\(\): got 0\.5, expected 1 \(rows"):
        allocate_quotas(sp.csr_array(np.array([[1.0, 0], [0.25, 0.25]])), 0, 1, [1, 1], 0)
    with pytest.raises(SpecError, match=r"^W\[0, 1\]: got -0\.5, expected a finite share >= 0$"):
        reachable_total(np.array([[1.5, -0.5], [0.0, 1.0]]), [1, 1], 0)
    with pytest.raises(SpecError, match=r"^h\[2\]: got 1\.5, expected a number in \[0, 1\]$"):
        allocate_quotas(good, [0, 0, 1.5], 1, [1, 1, 1], 0)
    with pytest.raises(SpecError, match=r"^h\[0\]: got -0\.1, expected a number in \[0, 1\]$"):
        allocate_quotas(good, [-0.1, 0, 0], 1, [1, 1, 1], 0)
    with pytest.raises(SpecError, match=r"^quota: got 'hare', expected one of 'largest_remainder'"):
        allocate_quotas(good, 0, 1, [1, 1, 1], 0, quota="hare")
    with pytest.raises(SpecError, match=r"^k\[1\]: got -2, expected an integer >= 0$"):
        allocate_quotas(good, 0, [1, -2, 0], [1, 1, 1], 0)
    with pytest.raises(SpecError, match=r"^available: got 'shape \(2,\)'"):
        allocate_quotas(good, 0, 1, [1, 1], 0)
    with pytest.raises(SpecError, match=r"^human_available: got -1"):
        pooled_quotas(good, 1, [1, 1, 1], -1, 0)


def test_quota_values_are_exported_once():
    assert QUOTAS == ("largest_remainder", "multinomial")
    W = sp.csr_array(np.full((3, 3), 1 / 3))
    for quota in QUOTAS:
        q = allocate_quotas(W, 0.0, 6, [9, 9, 9], 0, quota=quota, rng=0)
        assert q.total.tolist() == [6] * 3


def test_a_graph_is_used_as_it_is_and_gives_the_same_numbers(monkeypatch):
    from netcollapse.graphs import RetrievalGraph, build
    from netcollapse.retrieval import quotas as quotas_module

    g = build("erdos_renyi", n=30, p=0.2, self_weight=0.2, anchoring=0.1, seed=4)
    W = sp.csr_array(g.W)  # the same matrix, not a graph
    avail = np.random.default_rng(0).integers(0, 9, 30)
    expected = (
        reachable_total(W, avail, 7, h=g.h),
        allocate_quotas(W, g.h, 5, avail, 7, quota="multinomial", rng=3),
        pooled_quotas(W, 5, avail, 7, rng=3),
    )

    def refuse(W, **kwargs):
        raise AssertionError("a RetrievalGraph must not be validated again")

    monkeypatch.setattr(quotas_module, "check_W", refuse)
    got = (
        reachable_total(g, avail, 7, h=g.h),
        allocate_quotas(g, g.h, 5, avail, 7, quota="multinomial", rng=3),
        pooled_quotas(g, 5, avail, 7, rng=3),
    )
    assert got[0].tolist() == expected[0].tolist()
    for a, b in zip(got[1:], expected[1:]):
        assert (a.Q != b.Q).nnz == 0 and a.human.tolist() == b.human.tolist()
        assert a.Q.indices is not g.W.indices  # the quotas never share the graph's arrays
    assert isinstance(g, RetrievalGraph) and not g.W.data.flags.writeable
    with pytest.raises(AssertionError, match="must not be validated"):
        allocate_quotas(W, g.h, 5, avail, 7)  # a raw matrix is validated


def test_available_counts():
    rng = np.random.default_rng(3)
    stores = []
    for j, per_step in enumerate([2, 3]):
        s = DocumentStore(dim=2, name=f"n{j}")
        for t in range(3):
            s.add(
                [f"{j}{t}{i}" for i in range(per_step)],
                rng.normal(size=(per_step, 2)),
                author=j,
                step=t,
            )
        stores.append(s)
    assert available_counts(stores, 1).tolist() == [2, 3]  # only step 0 before step 1
    assert available_counts(stores, 3).tolist() == [6, 9]
    assert available_counts(stores, 0).tolist() == [0, 0]


def test_quotas_frame():
    W = sp.csr_array(np.array([[0.5, 0.5], [0.0, 1.0]]))
    q = allocate_quotas(W, [0.5, 0.0], [4, 3], [9, 9], 9)
    df = q.to_frame()
    assert df.to_dict("list") == {
        "node": [0, 0, 0, 1],
        "source": [-1, 0, 1, 1],
        "count": [2, 1, 1, 3],
    }


def test_global_numpy_rng_untouched():
    state = np.random.get_state()[1].copy()
    rng = np.random.default_rng(0)
    W = random_W(3, 0.5, rng)
    avail = np.array([5, 5, 5])
    allocate_quotas(W, 0.2, 4, avail, 8, quota="multinomial", rng=1)
    pooled_quotas(W, 4, avail, 8, rng=2)
    assert np.array_equal(np.random.get_state()[1], state)


# ------------------------------------------------------ ties broken at random
def test_symmetric_graph_reads_every_source_equally_often():
    from netcollapse.graphs.retrieval_graph import build
    from netcollapse.retrieval.settings import Retrieval

    g = build("complete", n=16, self_weight=0.5)  # 6 of 12 reads from itself, 0.4 per neighbour
    r = Retrieval(k=12)
    avail = np.full(16, 50)
    rng = np.random.default_rng(7)
    draws = [r.quotas(g, avail, 0, rng).Q.toarray() for _ in range(3000)]
    mean = np.mean(draws, axis=0)
    assert np.all(np.diag(mean) == 6)
    off = mean[~np.eye(16, dtype=bool)]
    # 6 units over 15 tied neighbours: 0.4 each in expectation (sd of a mean ~0.009)
    assert np.abs(off - 0.4).max() < 0.05
    assert all(d.sum(axis=1).tolist() == [12] * 16 for d in draws[:50])
    # without a random source the low-numbered neighbours take every unit
    fixed = r.quotas(g, avail, 0).Q.toarray()
    assert fixed[15, :6].tolist() == [1] * 6 and fixed[15, 6:15].sum() == 0


def test_drew_says_whether_the_random_source_was_used():
    W = sp.csr_array(np.array([[0.5, 0.5], [0.5, 0.5]]))
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    q = allocate_quotas(W, 0.0, [4, 4], [10, 10], 0, rng=rng)
    assert q.drew is False and rng.bit_generator.state == state
    q = allocate_quotas(W, 0.0, [3, 3], [10, 10], 0, rng=rng)
    assert q.drew is True and q.total.tolist() == [3, 3]
    assert allocate_quotas(W, 0.0, [3, 3], [10, 10], 0, quota="multinomial", rng=1).drew
    assert pooled_quotas(W, [3, 3], [10, 10], 0, rng=1).drew


def test_random_ties_are_reproducible():
    W = sp.csr_array(np.full((6, 6), 1 / 6))
    a = allocate_quotas(W, 0.0, [4] * 6, [9] * 6, 0, rng=np.random.default_rng(11))
    b = allocate_quotas(W, 0.0, [4] * 6, [9] * 6, 0, rng=np.random.default_rng(11))
    assert (a.Q != b.Q).nnz == 0
