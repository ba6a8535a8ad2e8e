"""Document stores: texts, metadata, unit embeddings and an HNSW index per source.

Every node ``j`` of the retrieval graph publishes into its own
:class:`DocumentStore` ``S_j``; the human seed corpus ``H`` is one more store.
A document carries its author node (``-1`` for human text), the step at which it
was published (``-1`` for the seed corpus) and a sample index (which of the L
answers of that step it was).

Visibility
----------
At step ``t`` a node may only read documents published *before* ``t``
(``step < before_step``). With a finite memory ``R`` a store keeps only the last
``R`` steps, i.e. steps in ``[before_step - R, before_step)``; seed documents
(``step == -1``) never expire. Documents outside the window are never returned:
they are filtered out of every pick (the HNSW search uses hnswlib 0.8's ``filter``
callable), not deleted, so the same store can be queried at any past step.

Similarity is cosine: embeddings are L2-normalised on the way in and the index
uses hnswlib's inner-product space.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import hnswlib
import numpy as np
import pandas as pd

from netcollapse._random import as_generator
from netcollapse._validation import check_int, normalize_rows
from netcollapse.errors import bad

__all__ = ["DocumentStore"]


def _as_int_column(value: Any, m: int, field: str, low: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != m):
        raise bad(field, f"shape {arr.shape}", f"an int or an array of length {m}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise bad(field, value, f"integers >= {low}")
    arr = np.broadcast_to(arr.astype(np.int64), (m,))
    if m and int(arr.min()) < low:
        raise bad(field, int(arr.min()), f"integers >= {low}")
    return arr


class DocumentStore:
    """A growing set of documents with metadata, unit embeddings and an HNSW index.

    Parameters
    ----------
    dim : int
        Embedding dimension.
    name : str
        Label (e.g. the node's name, or ``"human"``).
    memory : int or None
        Retention window in steps: ``None`` keeps everything (the paper);
        ``R`` keeps only documents of steps ``[before_step - R, before_step)``.
        Seed documents (step ``-1``) are never expired by it.
    M, ef_construction, ef : int
        hnswlib parameters (graph degree, build beam, default query beam).
    seed : int
        ``random_seed`` of the hnswlib index.
    initial_capacity : int
        Initial capacity; it doubles (``resize_index``) as documents arrive.
    brute_force_below : int
        Nearest-neighbour queries over fewer visible documents than this are
        answered by an exact cosine ranking instead of HNSW.
    seed_rounds : int or None
        Seed documents (step ``-1``) are visible only while ``before_step <
        seed_rounds`` (``1``: read in round 0 only); ``None`` keeps them for good.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> store = DocumentStore(dim=4, name="node0")
    >>> ids = store.add(["a", "b", "c"], rng.normal(size=(3, 4)), author=0, step=0, sample=0)
    >>> ids.tolist(), len(store), store.count_visible(before_step=1)
    ([0, 1, 2], 3, 3)
    >>> store.count_visible(before_step=0)
    0
    >>> store.texts_of(store.pick_nearest(store.embeddings_of([1])[0], 1, before_step=1))
    ['b']
    """

    def __init__(
        self,
        dim: int,
        name: str = "",
        memory: int | None = None,
        M: int = 16,
        ef_construction: int = 100,
        ef: int = 64,
        seed: int = 0,
        initial_capacity: int = 256,
        brute_force_below: int = 1024,
        seed_rounds: int | None = None,
    ) -> None:
        for field, value, low in [
            ("dim", dim, 1),
            ("M", M, 2),
            ("ef_construction", ef_construction, 1),
            ("ef", ef, 1),
            ("initial_capacity", initial_capacity, 1),
            ("brute_force_below", brute_force_below, 0),
            ("seed", seed, 0),
        ]:
            check_int(value, f"store.{field}", low)
        if memory is not None and (
            isinstance(memory, bool) or not isinstance(memory, (int, np.integer)) or memory < 1
        ):
            raise bad("store.memory", memory, "None (keep all) or an integer >= 1")
        self.dim = int(dim)
        self.name = str(name)
        self.memory = None if memory is None else int(memory)
        if seed_rounds is not None:
            check_int(seed_rounds, "store.seed_rounds", 1)
        self.seed_rounds = None if seed_rounds is None else int(seed_rounds)
        self.M = int(M)
        self.ef_construction = int(ef_construction)
        self.ef = int(ef)
        self.seed = int(seed)
        self.brute_force_below = int(brute_force_below)
        self._capacity = int(initial_capacity)
        self._count = 0
        self._texts: list[str] = []
        self._author = np.empty(self._capacity, dtype=np.int64)
        self._step = np.empty(self._capacity, dtype=np.int64)
        self._sample = np.empty(self._capacity, dtype=np.int64)
        self._emb = np.empty((self._capacity, self.dim), dtype=np.float32)
        self._index = self._new_index()

    # ------------------------------------------------------------------ state
    def _new_index(self) -> hnswlib.Index:
        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(
            max_elements=self._capacity,
            M=self.M,
            ef_construction=self.ef_construction,
            random_seed=self.seed,
        )
        index.set_ef(self.ef)
        return index

    def _grow(self, needed: int) -> None:
        new = self._capacity
        while new < needed:
            new *= 2
        if new == self._capacity:
            return
        self._index.resize_index(new)
        for attr in ("_author", "_step", "_sample"):
            arr = np.empty(new, dtype=np.int64)
            arr[: self._count] = getattr(self, attr)[: self._count]
            setattr(self, attr, arr)
        emb = np.empty((new, self.dim), dtype=np.float32)
        emb[: self._count] = self._emb[: self._count]
        self._emb = emb
        self._capacity = new

    @property
    def capacity(self) -> int:
        """Current capacity of the arrays and the HNSW index."""
        return self._capacity

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return (
            f"DocumentStore(name={self.name!r}, dim={self.dim}, n_docs={self._count}, "
            f"memory={self.memory})"
        )

    def add(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        author: int | Sequence[int],
        step: int | Sequence[int],
        sample: int | Sequence[int] | np.ndarray = 0,
    ) -> np.ndarray:
        """Add documents; return their ids (consecutive integers from ``len(self)``).

        Parameters
        ----------
        texts : sequence of str
            The documents.
        embeddings : numpy.ndarray
            Shape ``(len(texts), dim)``; normalised to unit length here.
        author : int or sequence of int
            Author node per document (``-1`` = human).
        step : int or sequence of int
            Publication step per document (``-1`` = seed corpus, never expired).
        sample : int or sequence of int
            Sample index per document (which of the L answers).

        Returns
        -------
        numpy.ndarray
            Int64 ids of the new documents.
        """
        if isinstance(texts, str):
            raise bad("texts", texts, "a sequence of strings, not one string")
        texts = list(texts)
        m = len(texts)
        if not all(isinstance(t, str) for t in texts):
            raise bad("texts", next(t for t in texts if not isinstance(t, str)), "strings")
        emb = np.asarray(embeddings)
        if emb.shape != (m, self.dim) and not (m == 0 and emb.size == 0):
            raise bad("embeddings", f"shape {emb.shape}", f"shape ({m}, {self.dim})")
        author_arr = _as_int_column(author, m, "author", -1)
        step_arr = _as_int_column(step, m, "step", -1)
        sample_arr = _as_int_column(sample, m, "sample", 0)
        if m == 0:
            return np.empty(0, dtype=np.int64)
        emb = normalize_rows(emb.reshape(m, self.dim), "embeddings", zero_rows="raise")
        start = self._count
        self._grow(start + m)
        ids = np.arange(start, start + m, dtype=np.int64)
        self._index.add_items(emb, ids, num_threads=1)  # one thread: reproducible graph
        self._emb[start : start + m] = emb
        self._author[start : start + m] = author_arr
        self._step[start : start + m] = step_arr
        self._sample[start : start + m] = sample_arr
        self._texts.extend(texts)
        self._count += m
        return ids

    # ------------------------------------------------------------- visibility
    def _before(self, before_step: int | None) -> int:
        if before_step is None:
            return int(self._step[: self._count].max()) + 1 if self._count else 0
        if isinstance(before_step, bool) or not isinstance(before_step, (int, np.integer)):
            raise bad("before_step", before_step, "an integer >= 0 or None")
        if before_step < 0:
            raise bad("before_step", before_step, "an integer >= 0 or None")
        return int(before_step)

    def visible_mask(self, before_step: int | None = None) -> np.ndarray:
        """Return a boolean mask over all documents: visible at ``before_step``.

        Parameters
        ----------
        before_step : int or None
            Documents with ``step < before_step`` inside the retention window are
            visible; ``None`` means "after the last step added".

        Returns
        -------
        numpy.ndarray
            Boolean array of length ``len(self)``.
        """
        t = self._before(before_step)
        steps = self._step[: self._count]
        mask = steps < t
        if self.memory is not None:
            mask &= (steps >= t - self.memory) | (steps == -1)
        if self.seed_rounds is not None and t >= self.seed_rounds:
            mask &= steps != -1
        return mask

    def visible(self, before_step: int | None = None) -> np.ndarray:
        """Return ids of the documents visible at ``before_step`` (see :meth:`visible_mask`).

        Parameters
        ----------
        before_step : int or None
            The reading step.

        Returns
        -------
        numpy.ndarray
            Sorted int64 ids.
        """
        return np.flatnonzero(self.visible_mask(before_step)).astype(np.int64)

    def count_visible(self, before_step: int | None = None) -> int:
        """Count the documents visible at ``before_step``.

        Parameters
        ----------
        before_step : int or None
            The reading step.

        Returns
        -------
        int
        """
        return int(self.visible_mask(before_step).sum())

    # ------------------------------------------------------------------ picks
    def pick_random(
        self,
        k: int,
        rng: int | np.random.Generator | None,
        before_step: int | None = None,
    ) -> np.ndarray:
        """Pick ``k`` visible documents uniformly at random without replacement.

        Parameters
        ----------
        k : int
            How many; if fewer are visible, all visible documents are returned.
        rng : int, numpy.random.Generator or None
            Random source.
        before_step : int or None
            The reading step.

        Returns
        -------
        numpy.ndarray
            Int64 ids in random order.
        """
        k = check_int(k, "k", 0)
        vis = self.visible(before_step)
        if k >= len(vis):
            k = len(vis)
        if k == 0:
            return np.empty(0, dtype=np.int64)
        return as_generator(rng).choice(vis, size=k, replace=False).astype(np.int64)

    def pick_nearest(self, query: np.ndarray, k: int, before_step: int | None = None) -> np.ndarray:
        """Return the ``k`` visible documents most cosine-similar to ``query``.

        Parameters
        ----------
        query : numpy.ndarray
            Query embedding, shape ``(dim,)`` (normalised here).
        k : int
            How many; if fewer are visible, all visible documents are returned.
        before_step : int or None
            The reading step.

        Returns
        -------
        numpy.ndarray
            Int64 ids, most similar first.

        Notes
        -----
        Below ``brute_force_below`` visible documents the ranking is exact (ties
        broken by lower id). Otherwise hnswlib answers, restricted to visible
        documents with its ``filter`` callable; the beam ``ef`` is raised in
        proportion to the share of documents the filter removes. If hnswlib
        cannot fill ``k`` results the exact ranking is used.
        """
        k = check_int(k, "k", 0)
        q = np.asarray(query, dtype=np.float64).reshape(-1)
        if q.shape != (self.dim,):
            raise bad("query", f"shape {np.asarray(query).shape}", f"shape ({self.dim},)")
        q = normalize_rows(q[None, :], "query", zero_rows="raise")[0]
        mask = self.visible_mask(before_step)
        n_vis = int(mask.sum())
        k = min(k, n_vis)
        if k == 0:
            return np.empty(0, dtype=np.int64)
        if n_vis < self.brute_force_below:
            return self._exact_nearest(q, np.flatnonzero(mask), k)
        all_visible = n_vis == self._count
        ef = max(self.ef, k)
        if not all_visible:
            ef = max(ef, math.ceil(2 * k * self._count / n_vis))
        self._index.set_ef(min(ef, max(self._count, k)))
        try:
            if all_visible:
                labels, _ = self._index.knn_query(q[None, :], k=k, num_threads=1)
            else:
                allowed = mask.tolist()
                labels, _ = self._index.knn_query(
                    q[None, :], k=k, num_threads=1, filter=allowed.__getitem__
                )
        except RuntimeError:
            return self._exact_nearest(q, np.flatnonzero(mask), k)
        finally:
            self._index.set_ef(self.ef)
        return labels[0].astype(np.int64)

    def _exact_nearest(self, q: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
        sims = self._emb[ids] @ q
        order = np.lexsort((ids, -sims))[:k]
        return ids[order].astype(np.int64)

    # --------------------------------------------------------------- accessors
    def _check_ids(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= self._count):
            raise bad("ids", arr.tolist(), f"document ids in [0, {self._count})")
        return arr

    def texts_of(self, ids: Sequence[int] | np.ndarray) -> list[str]:
        """Return the texts of the given ids, in order.

        Parameters
        ----------
        ids : sequence of int

        Returns
        -------
        list of str
        """
        return [self._texts[i] for i in self._check_ids(ids)]

    def embeddings_of(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Return unit embeddings of the given ids, shape ``(len(ids), dim)`` (a copy).

        Parameters
        ----------
        ids : sequence of int

        Returns
        -------
        numpy.ndarray
        """
        return self._emb[self._check_ids(ids)].copy()

    def metadata_of(self, ids: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """Return author, step and sample arrays of the given ids.

        Parameters
        ----------
        ids : sequence of int

        Returns
        -------
        dict of str to numpy.ndarray
            Keys ``"author"``, ``"step"``, ``"sample"``.
        """
        arr = self._check_ids(ids)
        return {"author": self._author[arr], "step": self._step[arr], "sample": self._sample[arr]}

    def to_frame(self) -> pd.DataFrame:
        """All documents as a DataFrame with columns id, text, author, step, sample.

        Returns
        -------
        pandas.DataFrame
        """
        n = self._count
        return pd.DataFrame(
            {
                "id": np.arange(n, dtype=np.int64),
                "text": pd.Series(self._texts, dtype=object),
                "author": self._author[:n].copy(),
                "step": self._step[:n].copy(),
                "sample": self._sample[:n].copy(),
            }
        )
