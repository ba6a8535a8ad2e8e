"""Retrieval: how a node fills its context from the stores it reads.

- :mod:`~netcollapse.retrieval.settings`: :class:`Retrieval`, one settings object
  (``mode``, ``beta``, ``k``, ``k_max``, ``memory``, ``quota``, ``pick``) shared by
  the engines and run specs;
- :mod:`~netcollapse.retrieval.apportion`: rounding target counts to whole documents
  (largest remainders with seeded random ties, multinomial draws);
- :mod:`~netcollapse.retrieval.quotas`: retrieval sizes and per-source quotas from a
  row of ``W`` (and ``h``);
- :mod:`~netcollapse.retrieval.expected`: the expected quotas the theory uses;
- :mod:`~netcollapse.retrieval.selection`: which documents within a source;
- :mod:`~netcollapse.retrieval.store`: per-node document stores with an HNSW index;
- :mod:`~netcollapse.retrieval.corpus`: the human seed corpus.
"""

from __future__ import annotations

from netcollapse.retrieval.corpus import DEFAULT_QUERY, Corpus, default_corpus, load_corpus
from netcollapse.retrieval.quotas import Quotas, allocate_quotas, pooled_quotas, retrieval_size
from netcollapse.retrieval.selection import select_documents
from netcollapse.retrieval.settings import Retrieval
from netcollapse.retrieval.store import DocumentStore

__all__ = [
    "Corpus",
    "DEFAULT_QUERY",
    "DocumentStore",
    "Quotas",
    "Retrieval",
    "allocate_quotas",
    "default_corpus",
    "load_corpus",
    "pooled_quotas",
    "retrieval_size",
    "select_documents",
]
