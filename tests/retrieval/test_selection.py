"""Tests for netcollapse.retrieval.selection: picking documents within sources."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from netcollapse.errors import SpecError
from netcollapse.retrieval.quotas import Quotas, allocate_quotas, available_counts
from netcollapse.retrieval.selection import PICKS, select_documents
from netcollapse.retrieval.store import DocumentStore


def random_W(n, p, rng):
    A = (rng.random((n, n)) < p) | np.eye(n, dtype=bool)
    vals = rng.random((n, n)) * A
    return sp.csr_array(vals / vals.sum(axis=1, keepdims=True))


def make_stores(n, d, rng, per_step=5, steps=2):
    stores = []
    for j in range(n):
        s = DocumentStore(dim=d, name=f"n{j}")
        for t in range(steps):
            x = rng.normal(size=(per_step, d))
            s.add([f"n{j}t{t}d{i}" for i in range(per_step)], x, author=j, step=t)
        stores.append(s)
    human = DocumentStore(dim=d, name="human")
    human.add([f"h{i}" for i in range(8)], rng.normal(size=(8, d)), author=-1, step=-1)
    return stores, human


def test_select_documents_random():
    rng = np.random.default_rng(0)
    n, d = 4, 6
    stores, human = make_stores(n, d, rng)
    W = random_W(n, 0.5, rng)
    avail = available_counts(stores, 1)
    assert avail.tolist() == [5] * n  # only step 0 is visible before step 1
    q = allocate_quotas(W, 0.25, 6, avail, human.count_visible(1))
    picks = select_documents(stores, human, q, rng=7, before_step=1)
    Q = q.Q.toarray()
    for i in range(n):
        srcs = [s for s, _ in picks[i]]
        assert srcs.count(-1) == q.human[i]
        for j in range(n):
            assert srcs.count(j) == Q[i, j]
        assert len(set(picks[i])) == len(picks[i])  # no duplicates
        for s, doc in picks[i]:
            store = human if s == -1 else stores[s]
            assert doc in set(store.visible(1).tolist())
    # reproducible, and node 1's picks do not depend on node 0's quota
    again = select_documents(stores, human, q, rng=7, before_step=1)
    assert again == picks
    Q2 = q.Q.copy()
    Q2.data[Q2.indptr[0] : Q2.indptr[1]] = 0
    other = select_documents(stores, human, Quotas(Q2, q.human), rng=7, before_step=1)
    assert other[1:] == picks[1:]


def test_select_documents_nearest():
    rng = np.random.default_rng(1)
    n, d = 3, 5
    stores, human = make_stores(n, d, rng, steps=3)
    W = sp.csr_array(np.full((n, n), 1 / n))
    q = allocate_quotas(W, 0.25, 8, available_counts(stores, 3), human.count_visible(3))
    query = rng.normal(size=d)
    picks = select_documents(stores, human, q, 0, before_step=3, pick="nearest", query=query)
    qn = query / np.linalg.norm(query)
    for i in range(n):
        sims = []
        for s, doc in picks[i]:
            store = human if s == -1 else stores[s]
            sims.append(float(store.embeddings_of([doc])[0] @ qn))
        assert sims == sorted(sims, reverse=True)
        for s in {s for s, _ in picks[i]}:
            store = human if s == -1 else stores[s]
            mine = {doc for src, doc in picks[i] if src == s}
            assert mine == set(store.pick_nearest(query, len(mine), 3).tolist())
    with pytest.raises(SpecError, match=r"^query: got None"):
        select_documents(stores, human, q, 0, before_step=3, pick="nearest")
    with pytest.raises(SpecError, match=r"^pick: got 'best', expected one of 'random', 'nearest'$"):
        select_documents(stores, human, q, 0, before_step=3, pick="best")


def test_pick_values_are_exported_once():
    assert PICKS == ("random", "nearest")
    rng = np.random.default_rng(2)
    stores, human = make_stores(2, 4, rng)
    W = sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    q = allocate_quotas(W, 0.0, 3, available_counts(stores, 1), 0)
    for pick in PICKS:
        picks = select_documents(stores, None, q, 0, before_step=1, pick=pick, query=np.ones(4))
        assert [len(p) for p in picks] == [3, 3] and {s for s, _ in picks[0]} == {1}


def test_global_numpy_rng_untouched():
    state = np.random.get_state()[1].copy()
    rng = np.random.default_rng(0)
    stores, human = make_stores(3, 4, rng)
    W = random_W(3, 0.5, rng)
    q = allocate_quotas(W, 0.2, 4, available_counts(stores, 1), 8, quota="multinomial", rng=1)
    select_documents(stores, human, q, rng=3, before_step=1)
    assert np.array_equal(np.random.get_state()[1], state)
