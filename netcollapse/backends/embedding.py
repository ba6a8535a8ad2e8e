"""Sentence embedders behind one :class:`Embedder` protocol.

The paper embeds each model's L answers with an embedding model phi and averages
them (Wang, Horiguchi, Pang, Priebe, arXiv 2506.15690, Algorithm 1; they use
nomic-embed-v1.5). netcollapse ships all-MiniLM-L6-v2 (384-d) so that it runs
offline; any sentence-transformers model name or folder works too.

Every embedder returns float32 arrays of shape ``(len(texts), dim)`` whose rows
have unit L2 norm, so that Euclidean distances and cosines are comparable across
backends (:func:`netcollapse._validation.normalize_rows` with ``zero_rows="keep"``:
a model's all-zero row stays zero; a non-finite row is an error).
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from netcollapse._validation import normalize_rows
from netcollapse.backends.models import (
    BUNDLED_EMBEDDER_NAMES,
    load_sentence_transformer,
    torch_threads,
)
from netcollapse.errors import bad

__all__ = ["Embedder", "HashEmbedder", "SentenceTransformerEmbedder"]


@runtime_checkable
class Embedder(Protocol):
    """A text embedder: ``encode`` gives unit-norm float32 rows of length ``dim``."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; shape ``(len(texts), dim)``, float32, unit rows."""
        ...


class SentenceTransformerEmbedder:
    """Embed texts with a sentence-transformers model, batched.

    Parameters
    ----------
    model : str or None, default "minilm"
        ``"minilm"``/``None`` for the bundled all-MiniLM-L6-v2, else a model name
        or local folder (offline by default).
    batch_size : int, default 64
    device : str, default "cpu"
    threads : int or None, default None
        If set, torch's intra-op thread count while encoding (restored after).

    Notes
    -----
    The model is loaded on first use and shared process-wide by name and device
    (:func:`netcollapse.backends.models.load_sentence_transformer`); the constructor only
    stores settings.

    Examples
    --------
    >>> emb = SentenceTransformerEmbedder()
    >>> x = emb.encode(["Bitcoin will rise", "Bitcoin price will go up"])
    >>> x.shape, x.dtype, emb.dim
    ((2, 384), dtype('float32'), 384)
    >>> bool(abs(np.linalg.norm(x[0]) - 1) < 1e-5)
    True
    """

    def __init__(
        self,
        model: str | None = "minilm",
        batch_size: int = 64,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise bad("batch_size", batch_size, "an integer >= 1")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise bad("threads", threads, "None or an integer >= 1")
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.threads = threads
        bundled = model is None or str(model).lower() in BUNDLED_EMBEDDER_NAMES
        self.name = "minilm" if bundled else str(model)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model={self.name!r}, device={self.device!r})"

    def load(self) -> Any:
        """Return the shared ``SentenceTransformer``, loading it on first use."""
        return load_sentence_transformer(self.model, device=self.device)

    @property
    def dim(self) -> int:
        """Embedding dimension (loads the model)."""
        model = self.load()
        getter = getattr(model, "get_embedding_dimension", None)
        if getter is None:
            getter = model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        numpy.ndarray of float32, shape (len(texts), dim)
            Unit-norm rows; ``(0, dim)`` for no texts.
        """
        if isinstance(texts, str):
            raise bad("texts", texts, "a sequence of strings, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.load()
        with torch_threads(self.threads):
            x = model.encode(
                texts,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return normalize_rows(x, "embeddings", zero_rows="keep")


def _digest(text: str, salt: str = "") -> bytes:
    return hashlib.blake2b((salt + "\x00" + text).encode("utf-8"), digest_size=16).digest()


class HashEmbedder:
    """Deterministic fake embedder (no model), for bookkeeping tests only.

    Feature hashing of lower-cased words with random signs, so texts that share
    words are close; a text without words gets a random unit vector seeded by
    the text. The same text gives the same row in every process.

    Parameters
    ----------
    dim : int, default 32

    Examples
    --------
    >>> emb = HashEmbedder(dim=8)
    >>> x = emb.encode(["up up", "up up", "down"])
    >>> x.shape, bool(np.allclose(x[0], x[1])), bool(np.allclose(np.linalg.norm(x, axis=1), 1))
    ((3, 8), True, True)
    """

    def __init__(self, dim: int = 32) -> None:
        if not isinstance(dim, int) or dim < 1:
            raise bad("dim", dim, "an integer >= 1")
        self.dim = dim
        self.name = f"hash{dim}"

    def __repr__(self) -> str:
        return f"HashEmbedder(dim={self.dim})"

    def _row(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim)
        for word in text.lower().split():
            h = int.from_bytes(_digest(word, "w"), "little")
            v[h % self.dim] += 1.0 if (h >> 64) & 1 else -1.0
        if not np.any(v):
            v = np.random.default_rng(int.from_bytes(_digest(text, "t"), "little")).normal(
                size=self.dim
            )
        return v

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; float32 ``(len(texts), dim)`` with unit rows.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        numpy.ndarray of float32
        """
        if isinstance(texts, str):
            raise bad("texts", texts, "a sequence of strings, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(
            np.stack([self._row(t) for t in texts]), "embeddings", zero_rows="keep"
        )
