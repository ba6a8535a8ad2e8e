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

from netcollapse._validation import check_int, normalize_rows
from netcollapse.backends.devices import check_threads
from netcollapse.backends.models import (
    BUNDLED_EMBEDDER_NAMES,
    load_sentence_transformer,
    torch_threads,
)
from netcollapse.errors import bad

__all__ = ["Embedder", "HashEmbedder", "MemoEmbedder", "SentenceTransformerEmbedder"]


@runtime_checkable
class Embedder(Protocol):
    """A text embedder: ``encode`` gives unit-norm float32 rows of length ``dim``."""

    name: str

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; shape ``(len(texts), dim)``, float32, unit rows."""
        ...


class _UnitRowEmbedder:
    """What the embedders share: checking ``texts`` and making the rows unit-norm.

    A subclass gives ``dim`` and ``_embed`` (the raw rows of a non-empty list).
    """

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        numpy.ndarray of float32, shape (len(texts), dim)
            Unit-norm rows (an all-zero row stays zero); ``(0, dim)`` for no texts.

        Raises
        ------
        SpecError
            ``texts`` is one string, or a row is not finite.
        """
        if isinstance(texts, str):
            raise bad("texts", texts, "a sequence of strings, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(self._embed(texts), "embeddings", zero_rows="keep")

    def _embed(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


class SentenceTransformerEmbedder(_UnitRowEmbedder):
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
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.threads = check_threads(threads)
        self.model = model
        self.device = device
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

    def _embed(self, texts: list[str]) -> np.ndarray:
        model = self.load()
        with torch_threads(self.threads):
            return model.encode(
                texts,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )


def _digest(text: str, salt: str = "") -> bytes:
    return hashlib.blake2b((salt + "\x00" + text).encode("utf-8"), digest_size=16).digest()


class HashEmbedder(_UnitRowEmbedder):
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
        self._dim = check_int(dim, "dim", 1)
        self.name = f"hash{dim}"

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        return self._dim

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

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._row(t) for t in texts])


class MemoEmbedder:
    """An embedder that embeds each distinct text once and keeps its row.

    For readers that embed the same texts again and again (the stance readout of
    every task of a sweep embeds the same corpus of stance posts): the first call
    that meets a text embeds it, with the other new texts of that call in one
    batch; later calls reuse the row. Rows are those of the wrapped embedder, so
    they agree with a direct call up to the last bits a different batch may
    change.

    Parameters
    ----------
    embedder : Embedder
        The embedder whose rows are kept.

    Examples
    --------
    >>> memo = MemoEmbedder(HashEmbedder(dim=4))
    >>> a = memo.encode(["up", "down"])
    >>> b = memo.encode(["down", "up", "up"])
    >>> bool(np.array_equal(b, a[[1, 0, 0]])), len(memo)
    (True, 2)
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._rows: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"MemoEmbedder({self.embedder!r})"

    def __len__(self) -> int:
        """Return how many distinct texts are kept."""
        return len(self._rows)

    @property
    def name(self) -> str:
        """The wrapped embedder's name."""
        return str(self.embedder.name)

    @property
    def dim(self) -> int:
        """Embedding dimension (the wrapped embedder's)."""
        return self.embedder.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``, each distinct new text once (see :meth:`Embedder.encode`)."""
        if isinstance(texts, str):
            raise bad("texts", texts, "a sequence of strings, not one string")
        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self._rows]
        if new:
            self._rows.update(zip(new, self.embedder.encode(new)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._rows[t] for t in texts])
