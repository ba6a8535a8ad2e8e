"""The LLM web engine: bookkeeping with fakes, then the real bundled models on tiny settings."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from netcollapse.backends import FakeGenerator
from netcollapse.backends.embedding import HashEmbedder
from netcollapse.engines.llm import LLMWeb
from netcollapse.errors import DataError, SpecError
from netcollapse.graphs.retrieval_graph import build
from netcollapse.retrieval.corpus import Corpus, default_corpus
from netcollapse.runs.runner import run_spec


class CountingGenerator(FakeGenerator):
    def __init__(self, name="counting"):
        super().__init__(name)
        self.calls = []

    def generate(self, requests):
        self.calls.append(len(requests))
        return super().generate(requests)


def fake_web(graph=None, retrieval=None, **kw):
    graph = graph or build("ring", n=5, self_weight=0.2)
    kw.setdefault("L", 3)
    retrieval = {"k_max": 4, **(retrieval or {})}
    return LLMWeb(
        graph,
        default_corpus(),
        kw.pop("gen", FakeGenerator()),
        HashEmbedder(16),
        retrieval=retrieval,
        **kw,
    )


def responses(folder):
    return pd.read_json(folder / "responses.jsonl", lines=True)


# ----------------------------------------------------------------- bookkeeping (fakes)
def test_synchronous_update_reads_only_earlier_posts(tmp_path):
    web = fake_web(seed=1)
    web.run(4, tmp_path / "r", progress=False)
    r = responses(tmp_path / "r")
    assert len(r) == 5 * 5 * 3  # rows 0..4
    first = r[r.step == 0]
    assert all(src == -1 for ctx in first.context for src, _ in ctx)  # only the human corpus
    # every synthetic document read at step t was published before t
    for t in range(1, 5):
        for ctx in r[r.step == t].context:
            for src, doc in ctx:
                if src >= 0:
                    assert web.stores[src].metadata_of([doc])["step"][0] < t


def test_publishes_first_samples_into_own_store():
    web = fake_web(publish=2, seed=0)
    web.run(3, progress=False)
    for i, store in enumerate(web.stores):
        frame = store.to_frame()
        assert len(frame) == 4 * 2  # rows 0..3 each publish 2
        assert set(frame.author) == {i} and set(frame["sample"]) == {0, 1}


def test_one_batched_call_per_shared_generator_and_step():
    a, b = CountingGenerator("a"), CountingGenerator("b")
    web = fake_web(gen=[a, a, b, a, b], seed=0)
    web.run(3, progress=False)
    assert a.calls == [3, 3, 3, 3] and b.calls == [2, 2, 2, 2]  # rows 0..3


def test_weighted_quotas_follow_W_and_anchoring():
    g = build("star", n=4, self_weight=0.0, anchoring=0.5)
    web = fake_web(g, retrieval={"k": 4, "k_max": None}, L=1, seed=0)
    web.run(3, progress=False)
    last = web.node_frames[-1]
    assert (last["k"] == 4).all()
    assert (last["synthetic"] == 2).all()  # half from the human corpus, half from neighbours


def test_pooled_complete_graph_is_the_papers_uniform_draw():
    g = build("complete", n=3, self_weight=0.34)
    web = fake_web(g, retrieval={"mode": "pooled", "beta": 0.5, "k_max": None}, L=2, seed=0)
    res = web.run(3, progress=False)
    # |A(t)| = 20 + 3 t, k_t = floor(0.5 |A(t)|)
    np.testing.assert_array_equal(res.metrics["k_mean"], [10, 11, 13, 14])


def test_same_seed_same_numbers_and_resume(tmp_path):
    full = fake_web(seed=3).run(5, tmp_path / "a", progress=False)
    again = fake_web(seed=3).run(5, tmp_path / "b", progress=False)
    pd.testing.assert_frame_equal(full.metrics, again.metrics)

    def crash(t):
        if t == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fake_web(seed=3).run(5, tmp_path / "c", progress=False, on_step=crash)
    resumed = fake_web(seed=3).run(5, tmp_path / "c", resume=True, progress=False)
    pd.testing.assert_frame_equal(full.metrics, resumed.metrics, check_dtype=False)
    assert responses(tmp_path / "a").equals(responses(tmp_path / "c"))
    emb = np.load(tmp_path / "c" / "embeddings.npz")["samples"]
    assert emb.shape == (6, 5, 3, 16)  # rows 0..5


@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        (
            {"retrieval": {"beta": 0.0}},
            SpecError,
            r"^retrieval.beta: got 0.0, expected a value > 0.0",
        ),
        ({"retrieval": {"k_max": 0}}, SpecError, r"^retrieval.k_max: got 0, expected a value >= 1"),
        ({"query": "  "}, SpecError, r"^query: got '  ', expected a non-empty query"),
        ({"publish": 4}, SpecError, r"^publish: got 4, expected an integer in \[1, L = 3\]"),
        (
            {"retrieval": {"pick": "best"}},
            SpecError,
            r"^retrieval.pick: got 'best', expected one of 'random' or 'nearest'",
        ),
    ],
)
def test_bad_arguments(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        fake_web(**kwargs)


def test_empty_corpus_rejected():
    with pytest.raises(DataError, match=r"^corpus: got an empty corpus"):
        LLMWeb(build("complete", n=3), _empty(), FakeGenerator(), HashEmbedder(8))


def _empty():
    c = object.__new__(Corpus)
    object.__setattr__(c, "texts", ())
    return c


# ----------------------------------------------------------------- CLI bad input writes nothing
def _spec(tmp_path, **llm):
    spec = {
        "engine": "llm",
        "T": 2,
        "graph": {"family": "complete", "n": 3},
        "retrieval": {"k": 2},
        "llm": {"L": 2, **llm},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(spec))
    return path


@pytest.mark.parametrize(
    "llm, retrieval, message",
    [
        ({"defaults": {"model": "no-such-org/no-such-model"}}, {}, "no-such-org/no-such-model"),
        ({"corpus": "missing.txt"}, {}, "corpus.path: got"),
        ({"query": ""}, {}, "llm.query: got '', expected a non-empty query"),
        ({}, {"beta": 1.5, "k": None}, "retrieval.beta: got 1.5, expected a value <= 1.0"),
        ({}, {"k_max": 0}, "retrieval.k_max: got 0, expected a value >= 1"),
    ],
)
def test_cli_bad_input_one_line_exit_2_nothing_written(tmp_path, llm, retrieval, message):
    path = _spec(tmp_path, **llm)
    data = json.loads(path.read_text())
    data["retrieval"].update(retrieval)
    path.write_text(json.dumps(data))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


def test_cli_empty_corpus_file(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    path = _spec(tmp_path, corpus="empty.txt")
    proc = subprocess.run(
        [sys.executable, "-m", "netcollapse", "run", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "expected at least 1 non-empty document" in proc.stderr
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------- real bundled models
REAL = {
    "engine": "llm",
    "T": 2,
    "seed": 0,
    "graph": {"family": "complete", "n": 3, "self_weight": 0.34},
    "retrieval": {"mode": "pooled", "beta": 0.5, "k_max": 4},
    "llm": {
        "L": 2,
        "defaults": {"max_new_tokens": 12},
        "personas": ["You are an optimist.", "You are a pessimist.", "You are neutral."],
    },
}


@pytest.mark.slow
def test_real_models_tiny_run_is_reproducible(tmp_path):
    a = run_spec(REAL, tmp_path / "a", progress=False)
    b = run_spec(REAL, tmp_path / "b", progress=False)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    assert list(a.metrics.step) == [0, 1, 2]
    assert (a.metrics.frobenius > 0).all() and a.metrics.synthetic_share.iloc[1] > 0
    assert a.metrics.synthetic_share.iloc[0] == 0  # row 0 read the human corpus only
    r = responses(tmp_path / "a")
    assert len(r) == 3 * 3 * 2 and r.text.str.len().min() > 0
    assert r.text.tolist() == responses(tmp_path / "b").text.tolist()
    emb = np.load(tmp_path / "a" / "embeddings.npz")["samples"]
    assert emb.shape == (3, 3, 2, 384)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=-1), 1.0, atol=1e-5)
    check_tokens_and_provenance(tmp_path / "a", a)


def check_tokens_and_provenance(folder, res):
    """Token columns per round and node, their totals in summary.json, provenance in config.json."""
    import json

    from netcollapse.backends.models import file_sha256

    m, nodes = res.metrics, pd.read_parquet(folder / "nodes.parquet")
    n, L, new = 3, REAL["llm"]["L"], REAL["llm"]["defaults"]["max_new_tokens"]
    assert (m.prompt_tokens > 0).all()
    assert m.generated_tokens.between(n * L, n * L * new).all()  # 1..max_new tokens per sample
    per_round = nodes.groupby("step")[["prompt_tokens", "generated_tokens"]].sum()
    assert (
        per_round.to_numpy().tolist()
        == m[["prompt_tokens", "generated_tokens"]].to_numpy().tolist()
    )
    assert (nodes.prompt_tokens > 20).all()  # chat template + query at least
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["tokens"] == {
        "prompt": int(m.prompt_tokens.sum()),
        "generated": int(m.generated_tokens.sum()),
    }
    prov = json.loads((folder / "config.json").read_text())["provenance"]
    (gen,) = prov["generators"]
    assert gen["backend"] in ("hf", "llamacpp") and gen["threads"] >= 1
    assert gen["model_sha256"] == file_sha256(gen["model_file"])
    machine = prov["machine"]
    assert machine["cores"] >= 1 and machine["torch"].startswith("2.")
    assert isinstance(machine["bf16_units"], bool) and machine["cpu_capability"]


@pytest.mark.slow
def test_real_models_nearest_pick_mode(tmp_path):
    spec = {
        **REAL,
        "T": 2,
        "retrieval": {"mode": "weighted", "k": 3, "pick": "nearest"},
        "graph": {"family": "ring", "n": 3, "self_weight": 0.2, "anchoring": 0.5},
    }
    res = run_spec(spec, tmp_path / "n", progress=False)
    ctx = responses(tmp_path / "n").context
    assert all(len(c) == 3 for c in ctx)
    # shares: human 0.5, self 0.1, each neighbour 0.2 -> k = 3 gives 1 human + 1 + 1 (Hamilton)
    assert res.metrics.synthetic_share.iloc[1] == pytest.approx(2 / 3)
