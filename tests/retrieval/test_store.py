from __future__ import annotations

import numpy as np
import pytest

from netcollapse._validation import normalize_rows
from netcollapse.errors import SpecError
from netcollapse.retrieval.store import DocumentStore


def unit(rng, m, d):
    x = rng.normal(size=(m, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_nearest(emb, ids, q, k):
    sims = emb[ids] @ (q / np.linalg.norm(q))
    return ids[np.argsort(-sims, kind="stable")[:k]]


def make_store(n_steps=5, per_step=4, d=8, memory=None, seed=0, **kw):
    rng = np.random.default_rng(seed)
    store = DocumentStore(dim=d, name="s", memory=memory, **kw)
    store.add([f"seed{i}" for i in range(3)], unit(rng, 3, d), author=-1, step=-1, sample=0)
    for t in range(n_steps):
        texts = [f"t{t}s{i}" for i in range(per_step)]
        store.add(texts, unit(rng, per_step, d), author=1, step=t, sample=np.arange(per_step))
    return store


def test_add_grows_and_normalises():
    rng = np.random.default_rng(1)
    store = DocumentStore(dim=5, initial_capacity=4)
    ids1 = store.add(["a", "b", "c"], rng.normal(size=(3, 5)) * 7, author=0, step=0)
    ids2 = store.add([f"x{i}" for i in range(10)], rng.normal(size=(10, 5)), author=0, step=1)
    assert ids1.tolist() == [0, 1, 2]
    assert ids2.tolist() == list(range(3, 13))
    assert len(store) == 13
    assert store.capacity == 16  # 4 -> 8 -> 16
    emb = store.embeddings_of(np.arange(13))
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-6)
    assert emb.dtype == np.float32
    assert store.texts_of([4, 0]) == ["x1", "a"]
    assert store.add([], np.empty((0, 5)), author=0, step=2).size == 0


def test_metadata_and_frame():
    store = make_store(n_steps=2, per_step=3)
    df = store.to_frame()
    assert list(df.columns) == ["id", "text", "author", "step", "sample"]
    assert len(df) == 9
    assert df["author"].tolist() == [-1] * 3 + [1] * 6
    assert df["step"].tolist() == [-1] * 3 + [0] * 3 + [1] * 3
    assert df["sample"].tolist() == [0, 0, 0, 0, 1, 2, 0, 1, 2]
    meta = store.metadata_of([4])
    assert (meta["step"][0], meta["sample"][0]) == (0, 1)


def test_visible_keep_all_and_window():
    store = make_store(n_steps=5, per_step=4)
    assert store.count_visible(0) == 3  # only seed docs
    assert store.count_visible(2) == 3 + 8
    assert store.count_visible(None) == len(store)
    win = make_store(n_steps=5, per_step=4, memory=2)
    steps = win.to_frame()["step"].to_numpy()
    for t in range(7):
        ids = win.visible(t)
        expected = np.flatnonzero((steps == -1) | ((steps >= t - 2) & (steps < t)))
        assert ids.tolist() == expected.tolist()
    # seed documents never expire
    assert set(range(3)) <= set(win.visible(100).tolist())
    assert win.count_visible(100) == 3


def test_seed_rounds_limit_the_seeds_only():
    rng = np.random.default_rng(0)
    store = DocumentStore(dim=4, seed_rounds=1)
    store.add(["s1", "s2"], rng.normal(size=(2, 4)), author=0, step=-1, sample=[0, 1])
    store.add(["a0"], rng.normal(size=(1, 4)), author=0, step=0, sample=0)
    store.add(["a1"], rng.normal(size=(1, 4)), author=0, step=1, sample=0)
    assert store.visible(before_step=0).tolist() == [0, 1]  # round 0 reads the seeds
    assert store.visible(before_step=1).tolist() == [2]  # then they are gone
    assert store.visible(before_step=2).tolist() == [2, 3]
    keep = DocumentStore(dim=4, memory=1)  # default: seeds stay, whatever the memory
    keep.add(["s"], rng.normal(size=(1, 4)), author=0, step=-1, sample=0)
    assert keep.visible(before_step=5).tolist() == [0]
    with pytest.raises(SpecError, match=r"^store.seed_rounds: got 0"):
        DocumentStore(dim=4, seed_rounds=0)


def test_pick_random_uniform_without_replacement():
    store = make_store(n_steps=3, per_step=4, memory=1)
    vis = store.visible(3)  # 3 seed + 4 of step 2
    assert vis.size == 7
    ids = store.pick_random(5, np.random.default_rng(0), before_step=3)
    assert len(set(ids.tolist())) == 5 and set(ids.tolist()) <= set(vis.tolist())
    assert sorted(store.pick_random(50, 0, before_step=3).tolist()) == vis.tolist()
    assert store.pick_random(0, 0, before_step=3).size == 0
    np.testing.assert_array_equal(store.pick_random(3, 7, 3), store.pick_random(3, 7, 3))
    rng = np.random.default_rng(3)
    counts = np.zeros(len(store))
    for _ in range(2000):
        counts[store.pick_random(2, rng, before_step=3)] += 1
    assert counts[np.setdiff1d(np.arange(len(store)), vis)].sum() == 0
    np.testing.assert_allclose(counts[vis] / 2000, 2 / 7, atol=0.04)


def test_pick_nearest_exact_small_store():
    store = make_store(n_steps=6, per_step=10, d=8, memory=3)
    emb = store.embeddings_of(np.arange(len(store)))
    rng = np.random.default_rng(5)
    for _ in range(10):
        q = rng.normal(size=8)
        got = store.pick_nearest(q, 4, before_step=6)
        ref = exact_nearest(emb, store.visible(6), q, 4)
        assert got.tolist() == ref.tolist()
    assert store.pick_nearest(q, 1000, before_step=6).size == store.count_visible(6)


def test_pick_nearest_hnsw_with_filter():
    d = 16
    rng = np.random.default_rng(2)
    store = DocumentStore(dim=d, memory=2, brute_force_below=0, initial_capacity=8, ef=32)
    for t in range(6):
        store.add([f"{t}-{i}" for i in range(100)], unit(rng, 100, d), author=0, step=t)
    emb = store.embeddings_of(np.arange(len(store)))
    vis = store.visible(6)
    assert vis.size == 200
    hits = total = 0
    for _ in range(20):
        target = rng.choice(vis)
        q = emb[target] + 0.05 * rng.normal(size=d)
        got = store.pick_nearest(q, 5, before_step=6)
        assert set(got.tolist()) <= set(vis.tolist())  # never an expired doc
        assert got[0] == exact_nearest(emb, vis, q, 1)[0]
        ref = exact_nearest(emb, vis, q, 5)
        hits += len(set(got.tolist()) & set(ref.tolist()))
        total += 5
    assert hits / total >= 0.95
    # everything visible: the unfiltered HNSW path
    full = DocumentStore(dim=d, brute_force_below=0)
    full.add([str(i) for i in range(300)], emb[:300], author=0, step=0)
    for i in (3, 77, 250):
        assert full.pick_nearest(emb[i], 3, before_step=1)[0] == i


def test_errors(tmp_path):
    store = DocumentStore(dim=4)
    msg = r"embeddings: got 'shape \(2, 3\)', expected shape \(2, 4\)"
    with pytest.raises(SpecError, match=msg):
        store.add(["a", "b"], np.ones((2, 3)), author=0, step=0)
    with pytest.raises(SpecError, match=r"embeddings\[1\]: got .*zero"):
        store.add(["a", "b"], np.array([[1.0, 0, 0, 0], [0, 0, 0, 0]]), author=0, step=0)
    with pytest.raises(SpecError, match=r"step: got -2, expected integers >= -1"):
        store.add(["a"], np.ones((1, 4)), author=0, step=-2)
    with pytest.raises(SpecError, match=r"store.memory: got 0, expected None"):
        DocumentStore(dim=4, memory=0)
    with pytest.raises(SpecError, match=r"before_step: got -1"):
        store.visible(-1)
    with pytest.raises(SpecError, match=r"query: got 'shape \(3,\)', expected shape \(4,\)"):
        store.pick_nearest(np.ones(3), 1, 0)
    assert len(store) == 0  # failed adds leave the store unchanged


def test_normalize_rows():
    x = normalize_rows(np.array([[3.0, 4.0], [0.0, 2.0]]))
    np.testing.assert_allclose(x, [[0.6, 0.8], [0.0, 1.0]], rtol=1e-6)
    assert x.dtype == np.float32


def test_store_rejects_zero_and_non_finite_vectors():
    store = DocumentStore(dim=2)
    with pytest.raises(SpecError, match=r"^embeddings\[0\]: got 'a non-finite vector'"):
        store.add(["a"], np.array([[np.inf, 1.0]]), author=0, step=0)
    with pytest.raises(SpecError, match=r"^query\[0\]: got 'a zero vector', expected a finite"):
        store.pick_nearest(np.zeros(2), 1, 0)
    assert len(store) == 0
    with pytest.raises(SpecError, match=r"^k: got -1, expected an integer >= 0$"):
        store.pick_random(-1, 0)
    with pytest.raises(SpecError, match=r"^store\.M: got 1, expected an integer >= 2$"):
        DocumentStore(dim=2, M=1)
