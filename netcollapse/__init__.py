"""netcollapse: model collapse in a network of LLMs.

The web of LLM agents is an explicit weighted graph: ``W[i, j]`` is the share of
node *i*'s retrieval drawn from node *j*'s document store (rows sum to 1), and
``h[i]`` the share drawn from a human seed corpus. On that graph netcollapse runs
real LLM agents (:class:`LLMWeb`) or the paper's interacting-GMM surrogate
(:class:`GMMWeb`), measures how fast they become alike (``||D(t)||_F``), and
compares that speed with spectral predictors of the graph
(:mod:`netcollapse.spectral`). Built on Wang, Horiguchi, Pang & Priebe, "LLM Web
Dynamics: Tracing Model Collapse in a Network of LLMs" (arXiv 2506.15690).

Submodules are imported lazily, so ``import netcollapse`` stays cheap (no torch).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "RetrievalGraph": "netcollapse.topology",
    "build": "netcollapse.topology",
    "GMMWeb": "netcollapse.surrogate",
    "LLMWeb": "netcollapse.llmweb",
    "RunResult": "netcollapse.simulate",
    "run_spec": "netcollapse.runner",
    "Corpus": "netcollapse.corpus",
    "default_corpus": "netcollapse.corpus",
    "load_corpus": "netcollapse.corpus",
    "DocumentStore": "netcollapse.store",
    "NetcollapseError": "netcollapse.errors",
    "SpecError": "netcollapse.errors",
    "DataError": "netcollapse.errors",
    "ModelError": "netcollapse.errors",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in ("spectral", "metrics", "topology", "simulate", "surrogate", "retrieval",
                "store", "corpus", "generation", "embedding", "plotting", "analysis", "sweep"):
        return importlib.import_module(f"netcollapse.{name}")
    raise AttributeError(f"module 'netcollapse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
