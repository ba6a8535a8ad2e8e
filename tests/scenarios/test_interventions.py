"""Interventions: the schedule of graphs, rewiring, anchoring, frozen nodes, injected documents."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from netcollapse.backends import FakeGenerator
from netcollapse.backends.embedding import HashEmbedder
from netcollapse.engines.gmm import GMMWeb
from netcollapse.engines.llm import LLMWeb
from netcollapse.errors import SpecError
from netcollapse.graphs.changes import freeze_nodes, rewire_step, with_h
from netcollapse.graphs.retrieval_graph import build
from netcollapse.retrieval.corpus import default_corpus
from netcollapse.runs.runner import predict_spec, run_spec
from netcollapse.runs.spec import parse_run
from netcollapse.scenarios.interventions import Inject, Schedule, inject_texts
from netcollapse.scenarios.stances import StanceSpec, seed_stances


# ----------------------------------------------------------------- graph operations
def test_freeze_makes_a_node_read_only_itself():
    g = with_h(build("complete", n=4), 0.2)
    f = freeze_nodes(g, [2, 0])
    W = f.W.toarray()
    assert W[0].tolist() == [1, 0, 0, 0] and W[2].tolist() == [0, 0, 1, 0]
    np.testing.assert_allclose(W[1], g.W.toarray()[1])
    assert f.h.tolist() == [0.0, 0.2, 0.0, 0.2]
    assert freeze_nodes(g, []) is g


def test_rewiring_keeps_shares_and_moves_them_to_new_sources():
    g = build("ring", n=10, self_weight=0.4)
    r = rewire_step(g, 1.0, np.random.default_rng(1))
    W0, W1 = g.W.toarray(), r.W.toarray()
    np.testing.assert_allclose(W1.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.diag(W1), np.diag(W0))
    assert sorted(W1[W1 > 0].round(12).tolist()) == sorted(W0[W0 > 0].round(12).tolist())
    moved = (W0 > 0) & (W1 == 0) & ~np.eye(10, dtype=bool)
    assert moved.sum() == 20  # rate 1: every off-diagonal share moved (n - 3 free targets each)
    assert rewire_step(g, 0.0, np.random.default_rng(1)).W.nnz == g.W.nnz
    full = rewire_step(build("complete", n=4), 1.0, np.random.default_rng(0))
    np.testing.assert_allclose(full.W.toarray(), build("complete", n=4).W.toarray())  # no room


def test_rewiring_rate_is_the_share_of_moved_sources():
    g = build("random_regular", n=200, d=4, seed=0)
    r = rewire_step(g, 0.25, np.random.default_rng(3))
    moved = ((g.W.toarray() > 0) & (r.W.toarray() == 0)).sum() / g.W.nnz
    assert abs(moved - 0.25) < 0.05


# ----------------------------------------------------------------- schedule
def test_latest_event_wins_and_graphs_are_reused():
    g = build("ring", n=6, self_weight=0.5)
    s = Schedule(
        g,
        [
            {"at": 2, "h": 0.5},
            {"at": 4, "freeze": [1]},
            {"at": 6, "freeze": []},
            {"at": 5, "graph": {"family": "complete", "n": 6}},
        ],
        seed=0,
    )
    assert s.graph_at(0) is g and s.graph_at(1) is g
    assert s.graph_at(2) is s.graph_at(3) and s.graph_at(3).h.tolist() == [0.5] * 6
    assert s.graph_at(4).W.toarray()[1].tolist() == [0, 1, 0, 0, 0, 0]
    assert s.graph_at(4).h[1] == 0 and s.graph_at(4).h[0] == 0.5
    assert s.graph_at(5).family == "complete" and s.graph_at(5).W[1, 1] == 1  # still frozen
    assert s.graph_at(6).W[1, 1] == 0 and s.graph_at(6).h[1] == 0.5  # unfrozen, still anchored
    assert list(s.table()["action"]) == ["h", "freeze", "graph", "freeze"]


def test_rewiring_is_cumulative_seeded_and_stoppable():
    g = build("ring", n=12, self_weight=0.5)
    events = [{"at": 3, "rewire": {"rate": 0.5}}, {"at": 6, "rewire": {"rate": 0.0}}]
    a, b = Schedule(g, events, seed=1), Schedule(g, events, seed=1)
    assert a.graph_at(2) is g and a.graph_at(3) is not g
    assert (a.graph_at(4).W != a.graph_at(3).W).nnz > 0  # a new rewiring every round
    assert a.graph_at(6) is a.graph_at(5) and a.graph_at(9) is a.graph_at(5)  # rate 0 stops
    assert (a.graph_at(8).W != b.graph_at(8).W).nnz == 0  # same seed, same graphs
    assert (Schedule(g, events, seed=2).graph_at(8).W != a.graph_at(8).W).nnz > 0


@pytest.mark.parametrize(
    "events, message",
    [
        ([{"at": 2}], r"^interventions.0.action: got none, expected exactly one"),
        ([{"at": 2, "h": 0.1, "freeze": [0]}], r"^interventions.0.action: got \['h', 'freeze'\]"),
        ([{"at": 0, "h": 0.1}], r"^interventions.0.at: got 0, expected a value >= 1"),
        ([{"at": 2, "freeze": [9]}], r"^interventions.0.freeze: got 9, expected node indices"),
        ([{"at": 2, "rewire": {"rate": 2}}], r"^interventions.0.rewire.rate: got 2"),
        ([{"at": 2, "graph": {"family": "ring", "n": 5}}], r"^interventions.0.graph.n: got 5"),
        ([{"at": 2, "h": 1.5}], r"^interventions.0.h: got 1.5"),
    ],
)
def test_bad_events(events, message):
    with pytest.raises(SpecError, match=message):
        Schedule(build("ring", n=4), events, seed=0)


def test_inject_texts_from_a_filtered_corpus_are_seeded():
    ev = Inject(corpus="stances", column="stance", value="bearish", count=4)
    a = inject_texts(ev, np.random.default_rng(0))
    assert a == inject_texts(ev, np.random.default_rng(0)) and len(set(a)) == 4
    from netcollapse.scenarios.stances import stance_corpus

    c = stance_corpus("stances")
    bearish = {t for t, m in zip(c.texts, c.metadata) if m["stance"] == "bearish"}
    assert set(a) <= bearish
    with pytest.raises(SpecError, match=r"^inject.count: got 99, expected at most 40"):
        inject_texts(
            Inject(corpus="stances", column="stance", value="bearish", count=99),
            np.random.default_rng(0),
        )


# ----------------------------------------------------------------- GMM engine
GMM = {
    "engine": "gmm",
    "T": 14,
    "seed": 0,
    "graph": {"family": "ring", "n": 16, "self_weight": 0.5},
    "gmm": {"L": 64, "B": 3, "means": [-8, 0, 8]},
    "retrieval": {"k": 64, "memory": 1},
}


def test_the_past_is_untouched_and_the_anchor_share_is_exact():
    base = run_spec(GMM, progress=False)
    spec = {**GMM, "interventions": [{"at": 5, "h": 0.25}]}
    res = run_spec(spec, progress=False)
    np.testing.assert_array_equal(res.frobenius[:5], base.frobenius[:5])
    assert not np.allclose(res.frobenius[5:], base.frobenius[5:])
    share = res.metrics["synthetic_share"].to_numpy()
    assert np.all(share[1:5] == 1.0) and np.all(share[5:] == 0.75)  # 16 of 64 reads are human
    assert res.config["interventions"] == [{"at": 5, "h": 0.25}]


def test_injected_points_join_the_human_set_and_pull_the_weights():
    spec = parse_run(
        {
            **GMM,
            "interventions": [
                {"at": 1, "h": 0.3},
                {"at": 4, "inject": {"count": 500, "weights": [1, 0, 0]}},
            ],
        }
    )
    from netcollapse.runs.runner import build_web

    web = build_web(spec)
    res = web.run(spec.T, progress=False)
    assert len(web.human_lik) == 20 + 500
    assert web.injected_points(0).mean() < -7  # drawn from component 0 (mean -8)
    drift = res.metrics["weight_drift"].to_numpy()
    assert drift[-1] > 0.3 > drift[3]


def test_frozen_nodes_read_only_their_own_store():
    g = build("complete", n=6, self_weight=0.2)
    web = GMMWeb(
        g, L=8, retrieval={"k": 8}, seed=0, record=True, interventions=[{"at": 3, "freeze": [1, 4]}]
    )
    web.run(5, progress=False)
    for t, d in enumerate(web.draws):  # draws[t] produced row t + 1
        src = (d["ids"] // web.L) % web.n
        for node in (1, 4):
            mine = src[d["readers"] == node]
            assert (np.all(mine == node)) == (t + 1 >= 3)


def test_resume_replays_rewiring_and_injections(tmp_path):
    spec = {
        **GMM,
        "interventions": [
            {"at": 2, "rewire": {"rate": 0.3}},
            {"at": 1, "h": 0.2},
            {"at": 6, "inject": {"count": 50}},
        ],
    }
    full = run_spec(spec, progress=False)
    from netcollapse.runs.runner import build_web

    def crash(t):
        if t == 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_web(parse_run(spec)).run(14, tmp_path / "r", progress=False, on_step=crash)
    resumed = run_spec(spec, tmp_path / "r", resume=True, progress=False)
    pd.testing.assert_frame_equal(full.metrics, resumed.metrics, check_dtype=False)


@pytest.mark.parametrize(
    "event",
    [
        {"at": 6, "graph": {"family": "complete", "n": 16, "self_weight": 0.5}},
        {"at": 4, "rewire": {"rate": 0.2}},
        {"at": 4, "freeze": [0, 5, 10]},
    ],
)
def test_prediction_follows_the_schedule(event):
    spec = {**GMM, "interventions": [event]}
    base = predict_spec(GMM)[1]["frobenius"].to_numpy()
    pred = predict_spec(spec)[1]["frobenius"].to_numpy()
    at = event["at"]
    np.testing.assert_allclose(pred[:at], base[:at])  # rows before the change: same steps
    assert not np.allclose(pred[at + 1 :], base[at + 1 :])
    # measured in mean square over seeds, the prediction tracks the changed run
    seeds = range(6)
    F2 = np.mean([run_spec(spec, seed=s, progress=False).frobenius ** 2 for s in seeds], axis=0)
    P2 = np.mean(
        [predict_spec(spec, seed=s)[1]["frobenius"].to_numpy() ** 2 for s in seeds], axis=0
    )
    err = np.abs(np.sqrt(P2[1:] / F2[1:]) - 1)
    assert np.median(err) < 0.08 and err.max() < 0.2


def test_prediction_follows_injected_points():
    spec = {
        **GMM,
        "interventions": [
            {"at": 1, "h": 0.2},
            {"at": 6, "inject": {"count": 400, "weights": [1, 0, 0]}},
        ],
    }
    F2 = np.mean([run_spec(spec, seed=s, progress=False).frobenius ** 2 for s in range(6)], 0)
    P2 = np.mean(
        [predict_spec(spec, seed=s)[1]["frobenius"].to_numpy() ** 2 for s in range(6)], axis=0
    )
    err = np.abs(np.sqrt(P2[1:] / F2[1:]) - 1)
    assert np.median(err) < 0.08
    plain = predict_spec({**GMM, "interventions": [{"at": 1, "h": 0.2}]})[1]["frobenius"]
    assert not np.allclose(plain.to_numpy()[7:], predict_spec(spec)[1]["frobenius"][7:])


# ----------------------------------------------------------------- LLM engine (bookkeeping)
def llm_web(events, **kw):
    g = build("ring", n=4, self_weight=0.5)
    st = seed_stances(StanceSpec(posts=2), g, seed=0)
    return LLMWeb(
        g,
        default_corpus(),
        FakeGenerator(),
        HashEmbedder(16),
        L=2,
        retrieval={"k": 4},
        stances=st,
        seed=1,
        interventions=events,
        **kw,
    )


def test_llm_injected_texts_are_read_from_their_row_on(tmp_path):
    texts = ["INJECTED one: bitcoin will triple.", "INJECTED two: bitcoin is a bubble."]
    web = llm_web(
        [{"at": 1, "h": 0.5}, {"at": 3, "inject": {"texts": texts}}, {"at": 2, "freeze": [3]}]
    )
    res = web.run(4, tmp_path / "r", progress=False)
    sources = json.loads((tmp_path / "r" / "sources.json").read_text())
    assert sources["human"][-2:] == texts
    r = res.responses()
    seen = r.apply(lambda x: any(c.startswith("INJECTED") for c in x.context_texts), axis=1)
    assert not seen[r.step < 3].any() and seen[r.step >= 3].any()
    raw = pd.read_json(tmp_path / "r" / "responses.jsonl", lines=True)
    frozen = raw[(raw.node == 3) & (raw.step >= 2)]
    assert all(src == 3 for ctx in frozen.context for src, _ in ctx)
    before = raw[(raw.node == 3) & (raw.step == 1)]
    assert any(src != 3 for ctx in before.context for src, _ in ctx)


def test_llm_resume_with_interventions(tmp_path):
    events = [
        {"at": 1, "h": 0.5},
        {"at": 2, "inject": {"texts": ["INJECTED post."]}},
        {"at": 2, "rewire": {"rate": 0.5}},
    ]
    full = llm_web(events).run(4, progress=False)

    def crash(t):
        if t == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        llm_web(events).run(4, tmp_path / "b", progress=False, on_step=crash)
    resumed = llm_web(events).run(4, tmp_path / "b", resume=True, progress=False)
    pd.testing.assert_frame_equal(full.metrics, resumed.metrics, check_dtype=False)
