"""A deterministic stand-in for an LLM, for bookkeeping tests only.

:class:`FakeGenerator` runs no model. Each answer is a short sentence whose
words are drawn from the request's context documents (or from the query and a
small fixed vocabulary when there is no context), with a random stream seeded
by a hash of ``(seed, system, context, query, sample index)``. Because answers
are built from retrieved words, a web of fake nodes that re-reads its own posts
loses vocabulary over time, a cheap caricature of collapse that lets tests
check the engine's plumbing (quotas, write-back, metrics, resume). It says
nothing about how real models behave.
"""

from __future__ import annotations

import hashlib
import json
from typing import Sequence

import numpy as np

from netcollapse.backends.generation import GenerationRequest

__all__ = ["FakeGenerator", "fake_answer"]

_FALLBACK_WORDS = (
    "bitcoin", "market", "future", "price", "growth", "risk", "adoption", "value",
    "investors", "volatile", "digital", "asset", "rise", "fall", "uncertain", "strong",
)  # fmt: skip


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?\"'()[]").lower() for w in text.split() if w.strip(".,;:!?\"'()[]")]


def fake_answer(request: GenerationRequest, sample: int) -> str:
    """Return the fake answer number ``sample`` for ``request``.

    Greedy requests (``temperature == 0``) give the same answer for every
    sample, as greedy decoding would.

    Parameters
    ----------
    request : GenerationRequest
    sample : int
        Sample index in ``[0, request.n_samples)``.

    Returns
    -------
    str
        A non-empty sentence ending with ``"."``.

    Examples
    --------
    >>> r = GenerationRequest("", ("Bitcoin is going up fast",), "Why?", 2, seed=1)
    >>> a = fake_answer(r, 0)
    >>> a == fake_answer(r, 0), a.endswith("."), set(a[:-1].lower().split()) <= {
    ...     "bitcoin", "is", "going", "up", "fast"}
    (True, True, True)
    """
    index = 0 if request.temperature == 0 else int(sample)
    key = json.dumps(
        [request.seed, request.system, list(request.context), request.query, index],
        ensure_ascii=True,
    )
    digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "little"))
    pool = [w for doc in request.context for w in _words(doc)]
    if not pool:
        pool = _words(request.query) + list(_FALLBACK_WORDS)
    n_words = min(request.max_new_tokens, int(rng.integers(4, 11)))
    picked = [pool[i] for i in rng.integers(0, len(pool), size=n_words)]
    text = " ".join(picked)
    return text[:1].upper() + text[1:] + "."


class FakeGenerator:
    """Deterministic fake LLM (no model), for bookkeeping tests only.

    Parameters
    ----------
    name : str, default "fake"

    Examples
    --------
    >>> gen = FakeGenerator()
    >>> reqs = [GenerationRequest("", ("up up down",), "Q?", n_samples=3, seed=s)
    ...         for s in (0, 1)]
    >>> out = gen.generate(reqs)
    >>> [len(x) for x in out], out == gen.generate(reqs)
    ([3, 3], True)
    """

    def __init__(self, name: str = "fake") -> None:
        self.name = name

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[str]]:
        """Answer every request with :func:`fake_answer` (the ``Generator`` contract)."""
        return [[fake_answer(r, j) for j in range(r.n_samples)] for r in requests]
