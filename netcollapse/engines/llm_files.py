"""The LLM engine's run-folder files: per-round answers and embeddings, and the final files.

While a run goes, round ``t`` leaves ``steps/responses-t.jsonl`` (one line per
answer: ``step``, ``node``, ``sample``, ``text``, ``published``, ``context`` as
``(source, doc)`` pairs) and ``steps/embeddings-t.npy`` (``(n, L, d)``); resuming
rebuilds the stores from them (:func:`read_round`). A finished run gathers them
into ``responses.jsonl``, ``embeddings.npz`` (``samples`` ``(T + 1, n, L, d)``,
``steps``, ``reference``) and ``sources.json`` (the human corpus with injected
texts, the seed posts, ``publish``), which
:meth:`netcollapse.engines.result.RunResult.responses` reads.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from netcollapse._io import (
    atomic_write_bytes,
    atomic_write_text,
    read_jsonl,
    read_npy,
    read_text,
)
from netcollapse.errors import DataError

__all__ = ["finalize_run", "read_round", "write_round"]


def write_round(
    steps: Path,
    t: int,
    answers: Sequence[Sequence[str]],
    picks: Sequence[Sequence[tuple[int, int]]],
    samples: np.ndarray,
    publish: int,
) -> None:
    """Write round ``t``'s answers (with what each node read) and embeddings, atomically."""
    lines = [
        json.dumps(
            {
                "step": t,
                "node": i,
                "sample": s,
                "text": text,
                "published": s < publish,
                "context": [[int(src), int(doc)] for src, doc in picks[i]],
            }
        )
        for i, node in enumerate(answers)
        for s, text in enumerate(node)
    ]
    atomic_write_text(steps / f"responses-{t:06d}.jsonl", "\n".join(lines) + "\n")
    buf = io.BytesIO()
    np.save(buf, samples)
    atomic_write_bytes(steps / f"embeddings-{t:06d}.npy", buf.getvalue())


def read_round(
    steps: Path, s: int, shape: tuple[int, int, int], publish: int
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Round ``s``'s answers and embeddings ``(n, L, d)``; damage is one DataError line."""
    path = steps / f"responses-{s:06d}.jsonl"
    rows = read_jsonl(path, f"the answers of round {s}", ("node", "text", "published"))
    samples = read_npy(
        steps / f"embeddings-{s:06d}.npy", f"the embedded answers of round {s}", shape
    )
    for i in range(shape[0]):
        k = sum(1 for r in rows if r["node"] == i and r["published"])
        if k != publish:
            raise DataError(
                f"{path.name}: got {k} published answers of node {i} in {str(path)!r}, "
                f"expected {publish} (publish) in the answers of round {s}"
            )
    return rows, samples


def finalize_run(
    folder: Path,
    samples: Sequence[np.ndarray],
    reference: np.ndarray,
    human: list[str],
    seeds: list[list[str]],
    publish: int,
) -> None:
    """Gather the per-round files of a finished run into its final files."""
    steps = folder / "steps"
    parts = [read_text(steps / f"responses-{s:06d}.jsonl") for s in range(len(samples))]
    atomic_write_text(folder / "responses.jsonl", "".join(parts))
    arrays = np.stack(samples)
    buf = io.BytesIO()
    np.savez_compressed(buf, samples=arrays, steps=np.arange(arrays.shape[0]), reference=reference)
    atomic_write_bytes(folder / "embeddings.npz", buf.getvalue())
    text = json.dumps({"human": human, "seeds": seeds, "publish": publish})
    atomic_write_text(folder / "sources.json", text)
