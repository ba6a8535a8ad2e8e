"""On-disk form of a :class:`~netcollapse.engines.store.DocumentStore` (no pickle).

A saved store is a folder of four files:

``header.json``
    ``format`` (:data:`FORMAT`), ``version``, the store's settings (``dim``,
    ``name``, ``memory``, ``M``, ``ef_construction``, ``ef``, ``seed``,
    ``brute_force_below``), its ``capacity`` and document ``count``;
``docs.jsonl``
    one JSON object per document: ``id``, ``text``, ``author``, ``step``, ``sample``;
``embeddings.npy``
    the unit embeddings, float32, shape ``(count, dim)``;
``index.bin``
    the hnswlib index (``save_index``).

The folder is written with :func:`netcollapse._io.atomic_write_dir`: it appears
complete or not at all, and an existing folder is replaced.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hnswlib
import numpy as np

from netcollapse._io import atomic_write_dir
from netcollapse.errors import DataError

if TYPE_CHECKING:
    from netcollapse.engines.store import DocumentStore

__all__ = ["FORMAT", "VERSION", "load_store", "save_store"]

FORMAT = "netcollapse.DocumentStore"
"""The ``format`` of ``header.json``."""
VERSION = 1
"""The ``version`` of ``header.json``."""


def _header(store: DocumentStore) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "dim": store.dim,
        "name": store.name,
        "memory": store.memory,
        "M": store.M,
        "ef_construction": store.ef_construction,
        "ef": store.ef,
        "seed": store.seed,
        "brute_force_below": store.brute_force_below,
        "capacity": store._capacity,
        "count": store._count,
    }


def save_store(store: DocumentStore, folder: str | os.PathLike) -> Path:
    """Write ``store`` to ``folder`` atomically; an existing folder is replaced.

    Parameters
    ----------
    store : DocumentStore
    folder : str or os.PathLike

    Returns
    -------
    pathlib.Path
        The folder.
    """
    n = store._count

    def write(tmp: Path) -> None:
        rows = (
            json.dumps(
                {
                    "id": i,
                    "text": store._texts[i],
                    "author": int(store._author[i]),
                    "step": int(store._step[i]),
                    "sample": int(store._sample[i]),
                },
                ensure_ascii=False,
            )
            + "\n"
            for i in range(n)
        )
        (tmp / "docs.jsonl").write_text("".join(rows), encoding="utf-8")
        np.save(tmp / "embeddings.npy", store._emb[:n], allow_pickle=False)
        store._index.save_index(str(tmp / "index.bin"))
        (tmp / "header.json").write_text(json.dumps(_header(store), indent=1))

    return atomic_write_dir(folder, write, replace=True)


def load_store(cls: type[DocumentStore], folder: str | os.PathLike) -> DocumentStore:
    """Read a store written by :func:`save_store`.

    Parameters
    ----------
    cls : type
        :class:`~netcollapse.engines.store.DocumentStore` (or a subclass).
    folder : str or os.PathLike

    Returns
    -------
    DocumentStore

    Raises
    ------
    DataError
        If the folder or one of its files is missing or inconsistent.
    """
    folder = Path(folder)
    header_path = folder / "header.json"
    if not header_path.is_file():
        raise DataError(f"store.path: got {str(folder)!r}, expected a saved DocumentStore folder")
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"store.path: cannot read {str(header_path)!r} ({exc})") from None
    if header.get("format") != FORMAT:
        raise DataError(f"store.format: got {header.get('format')!r}, expected {FORMAT!r}")
    store = cls(
        dim=header["dim"],
        name=header["name"],
        memory=header["memory"],
        M=header["M"],
        ef_construction=header["ef_construction"],
        ef=header["ef"],
        seed=header["seed"],
        initial_capacity=header["capacity"],
        brute_force_below=header["brute_force_below"],
    )
    n = int(header["count"])
    emb = np.load(folder / "embeddings.npy", allow_pickle=False)
    texts, author, step, sample = [], [], [], []
    with open(folder / "docs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(row["text"])
            author.append(row["author"])
            step.append(row["step"])
            sample.append(row["sample"])
    if len(texts) != n or emb.shape != (n, store.dim):
        raise DataError(
            f"store.count: got {len(texts)} documents and embeddings of shape {emb.shape}, "
            f"expected {n} documents of dimension {store.dim}"
        )
    index = hnswlib.Index(space="ip", dim=store.dim)
    index.load_index(str(folder / "index.bin"), max_elements=store._capacity)
    index.set_ef(store.ef)
    if index.get_current_count() != n:
        raise DataError(
            f"store.index: got {index.get_current_count()} indexed vectors, expected {n}"
        )
    store._index = index
    store._texts = texts
    store._emb[:n] = emb
    store._author[:n] = author
    store._step[:n] = step
    store._sample[:n] = sample
    store._count = n
    return store
