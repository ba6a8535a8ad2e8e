"""Seeded stances: assignment, seed posts, the readout, and the LLM web with stances."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from netcollapse.backends import FakeGenerator
from netcollapse.backends.embedding import HashEmbedder, SentenceTransformerEmbedder
from netcollapse.engines.llm import LLMWeb
from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.retrieval_graph import RetrievalGraph, build
from netcollapse.measures.stance import auc, project
from netcollapse.retrieval.corpus import default_corpus
from netcollapse.scenarios.stances import (
    StanceSpec,
    assign_stances,
    readout,
    seed_stances,
    stance_corpus,
)


# ----------------------------------------------------------------- assignment
def test_halves_random_and_list():
    g = build("ring", n=6)
    assert assign_stances(StanceSpec(), g) == ["bullish"] * 3 + ["bearish"] * 3
    r1 = assign_stances(StanceSpec(assign="random", seed=4), g)
    assert sorted(r1) == sorted(["bullish"] * 3 + ["bearish"] * 3)  # balanced
    assert r1 == assign_stances(StanceSpec(assign="random", seed=4), g)
    draws = {tuple(assign_stances(StanceSpec(assign="random", seed=s), g)) for s in range(8)}
    assert len(draws) > 1
    given = ["bearish", "bullish"] * 3
    assert assign_stances(StanceSpec(assign=given), g) == given


def test_alternate_and_slowest_mode():
    assert assign_stances(StanceSpec(assign="alternate"), build("ring", n=5)) == [
        "bullish", "bearish", "bullish", "bearish", "bullish"
    ]  # fmt: skip
    # a path's slowest mode splits it in two halves (whichever half is positive)
    path = assign_stances(StanceSpec(assign="slowest_mode"), build("path", n=6, self_weight=0.5))
    assert path in (["bullish"] * 3 + ["bearish"] * 3, ["bearish"] * 3 + ["bullish"] * 3)
    # two dense blocks joined by one edge: the blocks
    g = RetrievalGraph.from_edges(
        6, np.array([[0, 1], [0, 2], [1, 2], [3, 4], [3, 5], [4, 5], [2, 3]]), self_weight=0.5
    )
    blocks = assign_stances(StanceSpec(assign="slowest_mode"), g)
    assert len(set(blocks[:3])) == 1 and len(set(blocks[3:])) == 1 and blocks[0] != blocks[3]
    # a ring's slowest eigenvalue is repeated: the seed picks a direction, the same each time
    ring = build("ring", n=8, self_weight=0.5)
    a = assign_stances(StanceSpec(assign="slowest_mode", seed=3), ring)
    assert a == assign_stances(StanceSpec(assign="slowest_mode", seed=3), ring)
    assert a.count("bullish") == 4
    runs = sum(a[i] != a[i - 1] for i in range(8))  # two arcs: 2 changes around the ring
    assert runs == 2


def test_slowest_mode_needs_a_mode():
    iso = RetrievalGraph.from_spec({"family": "isolated", "n": 4})
    with pytest.raises(SpecError, match=r"^llm.stances.assign: got 'slowest_mode', expected a "):
        assign_stances(StanceSpec(assign="slowest_mode"), iso)


def test_block_follows_the_sbm_blocks():
    g = RetrievalGraph.from_spec(
        {"family": "sbm", "sizes": [3, 5], "p_in": 0.9, "p_out": 0.1}, seed=0
    )
    assert assign_stances(StanceSpec(assign="block"), g) == ["bullish"] * 3 + ["bearish"] * 5
    with pytest.raises(SpecError, match=r"^llm.stances.assign: got 'block', expected an SBM"):
        assign_stances(StanceSpec(assign="block"), build("ring", n=4))


def test_attribute_of_a_graph_file(tmp_path):
    G = nx.cycle_graph(4)
    for v, s in zip(G.nodes, ["bearish", "bullish", "bullish", "bearish"]):
        G.nodes[v]["side"] = s
    path = tmp_path / "g.gml"
    nx.write_gml(G, path)
    g = RetrievalGraph.from_spec({"family": "file", "path": str(path)})
    spec = StanceSpec(assign="attribute", attribute="side")
    assert assign_stances(spec, g) == ["bearish", "bullish", "bullish", "bearish"]
    with pytest.raises(SpecError, match=r"^llm.stances.attribute: got 'colour'"):
        assign_stances(StanceSpec(assign="attribute", attribute="colour"), g)
    with pytest.raises(SpecError, match=r"^llm.stances.assign: got 'attribute'"):
        assign_stances(spec, build("ring", n=4))


def test_unknown_stance_in_an_assignment():
    with pytest.raises(SpecError, match=r"^llm.stances.assign\[1\]: got 'neutral', expected"):
        assign_stances(StanceSpec(assign=["bullish", "neutral", "bearish"]), build("ring", n=3))
    with pytest.raises(SpecError, match=r"^llm.stances.assign: got '2 stances', expected 3"):
        assign_stances(StanceSpec(assign=["bullish", "bearish"]), build("ring", n=3))


# ----------------------------------------------------------------- seed posts
def test_seed_posts_are_the_nodes_stance_and_never_held_out():
    g = build("ring", n=6)
    st = seed_stances(StanceSpec(posts=5, held_out=10), g, seed=3)
    corpus = stance_corpus("stances")
    label = {t: m["stance"] for t, m in zip(corpus.texts, corpus.metadata)}
    held = set(st.held_texts)
    assert len(held) == 20 and not held & set(st.pool_texts)
    assert len(st.pool_texts) == 60
    for stance, posts in zip(st.node_stance, st.node_posts):
        assert len(set(posts)) == 5 and not held & set(posts)
        assert {label[p] for p in posts} == {stance}
    assert st.node_posts == seed_stances(StanceSpec(posts=5), g, seed=3).node_posts
    assert st.node_posts != seed_stances(StanceSpec(posts=5), g, seed=4).node_posts
    np.testing.assert_array_equal(st.groups, [0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"posts": 31}, r"^llm.stances.posts: got 31, expected at most 30 \(40 'bullish' posts"),
        ({"positive": "neutral"}, r"^llm.stances.positive: got 'neutral', expected a stance of"),
        ({"negative": "bullish"}, r"^llm.stances.negative: got 'bullish', expected a stance other"),
    ],
)
def test_bad_stance_specs(spec, message):
    with pytest.raises(SpecError, match=message):
        seed_stances(StanceSpec(**spec), build("ring", n=4), seed=0)


def test_a_corpus_without_the_stance_column(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b", "stance": "bullish"}\n')
    with pytest.raises(DataError, match=r"^llm.stances.column: got 'stance', expected a column"):
        seed_stances(StanceSpec(corpus=str(path)), build("ring", n=4), seed=0)


# ----------------------------------------------------------------- readout
@pytest.mark.slow
def test_shipped_axis_separates_held_out_posts():
    """The acceptance check: AUC >= 0.9 on posts held out of the axis, over 20 splits."""
    emb = SentenceTransformerEmbedder("minilm")
    g = build("ring", n=4)
    scores = [readout(seed_stances(StanceSpec(), g, seed=s), emb).auc for s in range(20)]
    assert min(scores) >= 0.9
    assert np.mean(scores) >= 0.95


def test_readout_seed_stance_is_the_projection_of_the_seed_posts():
    emb = HashEmbedder(16)
    st = seed_stances(StanceSpec(posts=3), build("ring", n=4), seed=0)
    r = readout(st, emb)
    want = [project(emb.encode(list(p)), r.axis).mean() for p in st.node_posts]
    np.testing.assert_allclose(r.z, want, rtol=1e-6)
    pool = project(emb.encode(list(st.pool_texts)), r.axis)
    lab = np.array(st.pool_labels)
    assert pool[lab == "bullish"].mean() == pytest.approx(0.5)  # the centroid reads +0.5
    assert pool[lab == "bearish"].mean() == pytest.approx(-0.5)
    assert 0.0 <= r.auc <= 1.0 and auc([1.0], [0.0]) == 1.0


# ----------------------------------------------------------------- the web
def stance_web(**kw):
    g = build("ring", n=4, self_weight=0.5)
    st = seed_stances(StanceSpec(posts=3), g, seed=0)
    return LLMWeb(
        g,
        default_corpus(),
        FakeGenerator(),
        HashEmbedder(16),
        L=3,
        retrieval={"k": 4, "quota": "multinomial"},
        stances=st,
        seed=1,
        **kw,
    )


def test_round_zero_reads_own_seeds_and_rows_split_exactly(tmp_path):
    res = stance_web().run(3, tmp_path / "r", progress=False)
    r = pd.read_json(tmp_path / "r" / "responses.jsonl", lines=True)
    first = r[r.step == 0]
    for node, ctx in zip(first.node, first.context):
        assert [src for src, _ in ctx] == [node] * 3  # 3 own seed posts (k = 4 > 3)
    m = res.metrics
    np.testing.assert_allclose(m.frobenius**2, m.between_sq + m.noise_sq, rtol=1e-9)
    np.testing.assert_allclose(
        m.stance_between_sq, m.stance_within_sq + m.stance_across_sq, rtol=1e-9, atol=1e-12
    )
    assert m.synthetic_share.iloc[0] == 0  # seed posts are human-written
    nodes = pd.read_parquet(tmp_path / "r" / "nodes.parquet")
    assert (nodes[nodes.step == 0].read_seeds == 3).all()
    assert (
        nodes[nodes.step > 0].synthetic + nodes[nodes.step > 0].read_seeds
        == nodes[nodes.step > 0].k
    ).all()
    assert {"stance", "stance_var", "read_stance", "read_stance_var"} <= set(nodes.columns)
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert len(config["stances"]["seed_stance"]) == 4


def test_resume_with_seeds_gives_the_same_numbers(tmp_path):
    full = stance_web().run(4, tmp_path / "a", progress=False)

    def crash(t):
        if t == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stance_web().run(4, tmp_path / "b", progress=False, on_step=crash)
    resumed = stance_web().run(4, tmp_path / "b", resume=True, progress=False)
    pd.testing.assert_frame_equal(full.metrics, resumed.metrics, check_dtype=False)


def test_seeds_that_only_start_the_run(tmp_path):
    """persist: false: round 0 reads the seeds, later rounds only the nodes' answers."""
    g = build("ring", n=4, self_weight=0.5)
    st = seed_stances(StanceSpec(posts=3, persist=False), g, seed=0)
    web = LLMWeb(
        g, default_corpus(), FakeGenerator(), HashEmbedder(16), L=2,
        retrieval={"k": 3, "quota": "multinomial", "memory": 1}, stances=st, seed=1,
    )  # fmt: skip
    res = web.run(3, tmp_path / "r", progress=False)
    nodes = pd.read_parquet(tmp_path / "r" / "nodes.parquet")
    assert (nodes[nodes.step == 0].read_seeds == 3).all()
    assert (nodes[nodes.step > 0].read_seeds == 0).all()  # the seeds left the stores
    r = pd.read_json(tmp_path / "r" / "responses.jsonl", lines=True)
    later = r[r.step > 0]
    for step, ctx in zip(later.step, later.context):
        # a store holds its 3 seeds (docs 0-2), then one answer per round: memory 1 leaves
        # only the previous round's answer, doc 3 + (step - 1)
        assert ctx and all(src >= 0 and doc == 3 + step - 1 for src, doc in ctx)
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["stances"]["persist"] is False
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert set(summary["stance"]) == {
        "stance_rate", "stance_rate_se", "stance_gap_rate", "stance_gap_rate_se"
    }  # fmt: skip
    from netcollapse.measures.rates import geometric_rate

    gap = res.metrics["stance_gap"].to_numpy(float)  # seeds only start it: fitted from round 0
    assert summary["stance"]["stance_gap_rate"] == pytest.approx(geometric_rate(gap, 0)[0])
    kept = stance_web().run(3, tmp_path / "k", progress=False)  # persist: true (default)
    nodes = pd.read_parquet(tmp_path / "k" / "nodes.parquet")
    assert (nodes[nodes.step > 0].read_seeds > 0).any()
    assert "persist" not in json.loads((tmp_path / "k" / "config.json").read_text())["stances"]
    assert len(res.metrics) == len(kept.metrics) == 4


def test_stances_need_two_answers():
    with pytest.raises(SpecError, match=r"^L: got 1, expected L >= 2 with seeded stances"):
        LLMWeb(
            build("ring", n=4),
            default_corpus(),
            FakeGenerator(),
            HashEmbedder(8),
            L=1,
            stances=seed_stances(StanceSpec(posts=2), build("ring", n=4), seed=0),
        )
