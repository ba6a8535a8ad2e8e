"""The vectorised GMM engine against a plain-loop reference of the paper's Algorithms 2-3."""

import numpy as np
import pandas as pd
import pytest
from gmm_reference import reference_run, reference_sample, reference_update, zvdh_update

from netcollapse.engines.gmm import GMMWeb, sample_without_replacement
from netcollapse.errors import SpecError
from netcollapse.graphs.retrieval_graph import build


@pytest.mark.parametrize("d", [1, 2])
def test_pooled_complete_graph_matches_reference_step_by_step(d):
    rng = np.random.default_rng(1)
    B, L, n, beta = 3, 3, 3, 0.5
    means = rng.normal(scale=3, size=(B, d))
    cov = np.eye(d) * 1.5
    web = GMMWeb(
        build("complete", n=n, self_weight=0.34),
        B=B,
        means=means,
        cov=cov,
        L=L,
        A0=6,
        retrieval={"mode": "pooled", "beta": beta},
        seed=7,
        record=True,
    )
    web.reset()
    pi = web.Pi.copy()
    chol = np.linalg.cholesky(cov)
    A = {-1 - i: web.human_points[i] for i in range(6)}  # id -> point
    for t in range(6):
        web.step()
        draw = web.draws[-1]
        # 1. every node samples L points from its mixture; all of them are published
        for i in range(n):
            for s in range(L):
                A[(t * n + i) * L + s] = reference_sample(
                    pi[i], draw["U"][i, s], draw["Z"][i, s], means, chol
                )
        # 2. every node draws k = floor(beta |A|) distinct points of A
        k = int(np.floor(beta * len(A)))
        new = np.empty_like(pi)
        for i in range(n):
            ids = draw["ids"][draw["readers"] == i]
            assert len(ids) == k and len(set(ids.tolist())) == k
            assert set(ids.tolist()) <= set(A)
            new[i] = reference_update(pi[i], [A[j] for j in ids], means, cov, web.eps)
        pi = new
        np.testing.assert_allclose(web.Pi, pi, rtol=0, atol=1e-12)


def test_zvdh_closed_form_and_mass_preserved():
    Pi = np.array([[0.2, 0.3, 0.5]])
    lik = np.array([[[0.0, 1.0, 0.0]]])
    out = zvdh_update(Pi, lik, np.ones((1, 1), bool), np.array([0.25]), np.array([0.0]), 1e-4)
    np.testing.assert_allclose(out, [[0.15, 0.475, 0.375]])
    rng = np.random.default_rng(0)
    Pi = rng.dirichlet(np.ones(4), size=50)
    lik = rng.random((50, 7, 4))
    out = zvdh_update(Pi, lik, np.ones((50, 7), bool), np.full(50, 0.1), np.full(50, 0.0), 1e-4)
    np.testing.assert_allclose(out.sum(1), 1.0)  # exact without the positivity step
    out = zvdh_update(Pi, lik, np.ones((50, 7), bool), np.full(50, 0.1), np.full(50, 0.01), 1e-4)
    np.testing.assert_allclose(out.sum(1), 1.0, atol=1e-5)  # the paper's reset moves O(eps)


def test_positivity_step_as_in_the_paper():
    # c large pushes the unowned weight below zero: it is reset to eps, others rescaled
    Pi = np.array([[0.01, 0.99]])
    lik = np.array([[[0.0, 1.0]]])
    alpha, c, eps = np.array([0.5]), np.array([0.2]), 1e-3
    out = zvdh_update(Pi, lik, np.ones((1, 1), bool), alpha, c, eps)
    p0 = 0.5 * 0.01 + 0.5 * (0 - 0.2) / (1 - 0.4)
    p1 = 0.5 * 0.99 + 0.5 * (1 - 0.2) / (1 - 0.4)
    assert p0 <= 0
    np.testing.assert_allclose(out, [[eps, p1 / (1 + eps - p0)]])


def test_sample_without_replacement_is_uniform_and_distinct():
    rng = np.random.default_rng(0)
    sizes, counts = np.array([4, 10, 1000]), np.array([3, 2, 5])
    hits = np.zeros((2, 10))
    for _ in range(4000):
        pos = sample_without_replacement(sizes, counts, rng)
        segs = np.split(pos, np.cumsum(counts)[:-1])
        for s, seg in zip(sizes, segs):
            assert len(set(seg.tolist())) == len(seg) and seg.max() < s
        hits[0, segs[0]] += 1
        hits[1, segs[1]] += 1
    np.testing.assert_allclose(hits[0, :4] / 4000, 0.75, atol=0.03)
    np.testing.assert_allclose(hits[1] / 4000, 0.2, atol=0.03)


def test_same_seed_same_numbers_and_no_global_rng():
    g = build("ring", n=12, self_weight=0.2)
    np.random.seed(0)
    before = np.random.random()

    def run(seed):
        return GMMWeb(g, B=4, means=[-6, -2, 2, 6], L=2, seed=seed, retrieval={"k_max": 8}).run(
            15, progress=False
        )

    a, b, c = run(3), run(3), run(4)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    pd.testing.assert_frame_equal(a.nodes, b.nodes)
    assert not np.allclose(a.frobenius, c.frobenius)
    np.random.seed(0)
    assert np.random.random() == before


def test_memory_keeps_the_store_bounded():
    g = build("ring", n=10, self_weight=0.2)
    web = GMMWeb(g, B=2, L=3, seed=0, retrieval={"k_max": 4, "memory": 2})
    web.run(30, progress=False)
    assert web._lik.shape[0] == 2
    # with memory R, a node can reach at most R steps x L points per source
    assert sorted(web._steps.tolist()) == [28, 29]


def test_resume_gives_the_same_numbers(tmp_path):
    g = build("watts_strogatz", n=20, k=4, p=0.2, seed=1, self_weight=0.2, anchoring=0.1)

    def make():
        return GMMWeb(g, B=3, means=[-4, 0, 4], L=2, seed=5, retrieval={"k_max": 6, "memory": 3})

    def stop_at_5(t):
        if t == 5:
            raise KeyboardInterrupt

    full = make().run(12, tmp_path / "full", progress=False)
    with pytest.raises(KeyboardInterrupt):  # a run that stopped after row 5
        make().run(12, tmp_path / "cut", progress=False, on_step=stop_at_5)
    assert (tmp_path / "cut" / "checkpoint").is_dir()
    resumed = make().run(12, tmp_path / "cut", resume=True, progress=False)
    pd.testing.assert_frame_equal(full.metrics, resumed.metrics, check_dtype=False)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "full" / "nodes.parquet"),
        pd.read_parquet(tmp_path / "cut" / "nodes.parquet"),
        check_dtype=False,
    )
    assert (tmp_path / "cut" / "summary.json").is_file()
    again = make().run(12, tmp_path / "cut", resume=True, progress=False)  # finished: read back
    pd.testing.assert_frame_equal(full.metrics, again.metrics, check_dtype=False)
    with pytest.raises(SpecError, match=r"^T: got 20, expected 12, the finished run's T"):
        make().run(20, tmp_path / "cut", resume=True, progress=False)


def test_any_number_of_components_with_default_means():
    res = GMMWeb(build("ring", n=6, self_weight=0.2), B=5, L=4, seed=0).run(3, progress=False)
    assert res.config["means"] == [[-5.0], [-2.5], [0.0], [2.5], [5.0]]
    assert len(res.metrics) == 4 and np.isfinite(res.frobenius).all()


def test_refuses_to_overwrite_a_run_folder(tmp_path):
    g = build("complete", n=3)
    GMMWeb(g, seed=0).run(2, tmp_path / "r", progress=False)
    with pytest.raises(SpecError, match=r"^out: got '.*r', expected a new or empty folder"):
        GMMWeb(g, seed=0).run(2, tmp_path / "r", progress=False)
    with pytest.raises(SpecError, match=r"^resume: got a different configuration"):
        GMMWeb(g, seed=1).run(2, tmp_path / "r", resume=True, progress=False)


def test_anchoring_keeps_a_floor_and_uses_the_human_set():
    g = build("complete", n=8, self_weight=0.1, anchoring=0.5)
    res = GMMWeb(g, B=2, L=3, A0=50, seed=0, retrieval={"k_max": 10}).run(20, progress=False)
    share = res.metrics["synthetic_share"].iloc[1:]
    np.testing.assert_allclose(share, 0.5, atol=0.1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"B": 1}, r"^B: got 1, expected an integer >= 2"),
        ({"means": [0, 1, 2]}, r"^means: got 'shape \(3,\)', expected 2 finite means"),
        ({"cov": -1.0}, r"^cov: got 'not positive definite'"),
        ({"L": 0}, r"^L: got 0, expected an integer >= 1"),
        ({"retrieval": {"beta": 1.5}}, r"^retrieval.beta: got 1.5, expected a value <= 1.0"),
        ({"retrieval": {"k_max": 0}}, r"^retrieval.k_max: got 0, expected a value >= 1"),
        ({"retrieval": {"pick": "nearest"}}, r"^retrieval.pick: got 'nearest', expected 'random'"),
        ({"alpha": "1/t"}, r"^alpha: got '1/t', expected a number or one of"),
        (
            {"retrieval": {"mode": "mixed"}},
            r"^retrieval.mode: got 'mixed', expected one of 'weighted' or 'pooled'",
        ),
        ({"seed": -2}, r"^seed: got -2, expected a non-negative integer"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(SpecError, match=message):
        GMMWeb(build("complete", n=3), **kwargs)


def test_reference_run_and_engine_agree_in_distribution():
    """Independent random streams, same model: mean ||D||_F after 4 steps agrees."""
    g = build("ring", n=6, self_weight=0.2)
    means, cov = np.array([[-3.0], [3.0]]), np.eye(1)
    ref = np.mean([reference_run(g.W, means, cov, L=4, k=6, T=4, seed=s)[-1] for s in range(20)])
    eng = np.mean(
        [
            GMMWeb(g, B=2, means=[-3, 3], L=4, A0=0, seed=s, retrieval={"k": 6, "memory": 1})
            .run(4, progress=False)
            .frobenius[-1]
            for s in range(20)
        ]
    )
    assert abs(ref - eng) < 0.35 * max(ref, eng)
