"""Engines: nodes that read from their sources, produce, and publish, step by step.

One loop (:class:`Web`, :mod:`~netcollapse.engines.loop`) and two kinds of node:
:class:`GMMWeb` (the paper's interacting Gaussian mixtures) and :class:`LLMWeb`
(real language models); the GMM engine's linear model and predicted curve are in
:mod:`~netcollapse.engines.gmm_theory`. How nodes read is one settings object,
:class:`Retrieval`, shared with run specs. Retrieval: per-source quotas from ``W``
(:mod:`~netcollapse.engines.quotas`), picks within a source
(:mod:`~netcollapse.engines.selection`), per-node document stores with an HNSW
index (:mod:`~netcollapse.engines.store`) and the human seed corpus
(:mod:`~netcollapse.engines.corpus`). Run specs (:mod:`~netcollapse.engines.spec`)
become runs through :mod:`~netcollapse.engines.runner`.
"""

from __future__ import annotations

from netcollapse.engines.corpus import (
    DEFAULT_QUERY,
    Corpus,
    default_corpus,
    load_corpus,
)
from netcollapse.engines.gmm import (
    GMMWeb,
)
from netcollapse.engines.gmm_theory import (
    GMMLinearModel,
    predict_gmm,
)
from netcollapse.engines.llm import (
    LLMWeb,
)
from netcollapse.engines.loop import (
    RunResult,
    Web,
)
from netcollapse.engines.quotas import (
    Quotas,
    allocate_quotas,
    pooled_quotas,
    retrieval_size,
)
from netcollapse.engines.retrieval import (
    Retrieval,
)
from netcollapse.engines.runner import (
    build_web,
    load_run_spec,
    run_spec,
)
from netcollapse.engines.selection import (
    select_documents,
)
from netcollapse.engines.spec import (
    RunSpec,
    parse_run,
)
from netcollapse.engines.store import (
    DocumentStore,
)

__all__ = [
    "Corpus",
    "DEFAULT_QUERY",
    "DocumentStore",
    "GMMLinearModel",
    "GMMWeb",
    "LLMWeb",
    "Quotas",
    "Retrieval",
    "RunResult",
    "RunSpec",
    "Web",
    "allocate_quotas",
    "build_web",
    "default_corpus",
    "load_corpus",
    "load_run_spec",
    "parse_run",
    "pooled_quotas",
    "predict_gmm",
    "retrieval_size",
    "run_spec",
    "select_documents",
]
