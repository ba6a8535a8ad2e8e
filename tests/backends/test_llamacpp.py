"""The llama.cpp backend on the bundled GGUF model (real model, tiny settings)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from generator_conformance import CONTEXT, check_generator, req

from netcollapse.backends import HFGenerator
from netcollapse.backends.local.gguf import resolve_gguf
from netcollapse.backends.local.llamacpp import LlamaCppGenerator, plan_groups
from netcollapse.errors import DataError, ModelError, SpecError


@pytest.fixture(scope="module")
def lc() -> LlamaCppGenerator:
    gen = LlamaCppGenerator("smollm2", threads=1)
    gen.load()
    return gen


def test_conformance(lc):
    check_generator(lc)


def test_prompt_tokens_equal_transformers(lc):
    """Same chat template and tokenizer as the transformers path: identical prompt ids."""
    hf = HFGenerator("smollm2", threads=1)
    for r in (req(), req(system="You are a cautious analyst."), req(context=())):
        assert lc.prompt_ids(r) == hf.prompt_ids(r)


def test_usage_counts_prompt_once_and_every_new_token(lc):
    requests = [req(seed=1, n=3, temperature=1.0), req(seed=2, context=())]
    texts, usage = lc.generate_counted(requests)
    ids = lc.generate_ids(requests)
    assert texts == lc.generate(requests)
    assert [u.prompt for u in usage] == [len(lc.prompt_ids(r)) for r in requests]
    assert [u.generated for u in usage] == [sum(len(s) for s in per) for per in ids]


def test_greedy_samples_equal_and_match_separate_requests(lc):
    shared = lc.generate_ids([req(seed=0, n=3)])[0]
    assert shared[0] == shared[1] == shared[2]
    assert 0 < len(shared[0]) <= 12
    alone = lc.generate_ids([req(seed=7, n=1)])[0][0]
    assert alone == shared[0]


def test_greedy_independent_of_batch_and_grouping(lc):
    long = req(seed=0, system="You are an analyst who writes careful, balanced notes.")
    short = req(seed=0, context=CONTEXT[:1])
    together = lc.generate_ids([long, short, req(seed=4, n=2, temperature=1.0)])
    assert together[0] == lc.generate_ids([long])[0]
    assert together[1] == lc.generate_ids([short])[0]
    # 2 sequences at a time: several groups and waves, same answers
    small = LlamaCppGenerator("smollm2", threads=1, max_seqs=2)
    batch = [short, req(seed=2, n=3), long]
    assert small.generate_ids(batch)[0] == together[1]
    assert small.generate_ids(batch)[2] == together[0]


def test_sampling_seeds(lc):
    a = lc.generate([req(seed=11, n=3, temperature=1.0)])[0]
    assert lc.generate([req(seed=11, n=3, temperature=1.0)])[0] == a
    assert lc.generate([req(seed=12, n=3, temperature=1.0)])[0] != a
    assert len(set(a)) > 1


def test_max_new_tokens_respected(lc):
    out = lc.generate_ids([req(seed=1, n=2, temperature=1.0, max_new=3), req(max_new=1)])
    assert all(1 <= len(s) <= 3 for s in out[0])
    assert len(out[1][0]) == 1


def test_plan_groups_budget():
    groups = plan_groups([2, 2, 1, 4, 5, 1], max_seqs=4)
    assert groups == [[0, 1], [2], [3], [4], [5]]
    assert sorted(i for g in groups for i in g) == list(range(6))
    assert all(sum([2, 2, 1, 4, 5, 1][i] for i in g) <= 4 for g in groups if len(g) > 1)


def test_prompt_too_long_is_one_line_error():
    gen = LlamaCppGenerator("smollm2", threads=1, seq_tokens=64)
    with pytest.raises(DataError, match=r"^requests\[0\]: got a prompt of \d+ tokens \+ 12 new"):
        gen.generate([req()])


def test_resolve_gguf_errors(tmp_path):
    assert resolve_gguf(None) == resolve_gguf("SmolLM2") == resolve_gguf("smollm2")
    with pytest.raises(ModelError, match=r"^llm.model: got '.*nope.gguf', expected an existing"):
        resolve_gguf(str(tmp_path / "nope.gguf"))
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"PK\x03\x04 not a gguf file")
    with pytest.raises(ModelError, match=r"expected a GGUF file \(it does not start with 'GGUF'\)"):
        resolve_gguf(str(junk))
    with pytest.raises(ModelError, match="llm.model"):
        LlamaCppGenerator(str(junk)).load()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threads": 0}, "threads: got 0"),
        ({"seq_tokens": 0}, "seq_tokens: got 0"),
        ({"max_seqs": 0}, "max_seqs: got 0"),
        ({"quantize": "q2"}, "quantize: got 'q2'"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(SpecError, match=match):
        LlamaCppGenerator(**kwargs)


def test_quantized_copy_is_cached_and_close(lc, tmp_path, monkeypatch):
    """q8_0 from the bundled Q4_1 is a near-lossless copy: next-token logits agree."""
    monkeypatch.setenv("NETCOLLAPSE_CACHE", str(tmp_path))
    q8 = LlamaCppGenerator("smollm2", threads=1, quantize="q8_0")
    first = q8.generate_ids([req(seed=0)])[0][0]
    files = list(tmp_path.glob("*.q8_0.gguf"))
    assert len(files) == 1 and files[0].read_bytes()[:4] == b"GGUF"
    assert len(first) > 0
    for r in (req(), req(context=()), req(system="You are a bear.")):
        a, b = lc.next_token_logits(r), q8.next_token_logits(r)
        assert np.corrcoef(a, b)[0, 1] > 0.995
        assert set(np.argsort(a)[-5:]) & set(np.argsort(b)[-5:])


def test_pickles_without_context(lc):
    clone = pickle.loads(pickle.dumps(lc))
    assert clone._state is None and clone.name == "smollm2"
    assert clone.generate_ids([req(seed=0)]) == lc.generate_ids([req(seed=0)])
