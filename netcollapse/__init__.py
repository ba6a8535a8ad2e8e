"""netcollapse: model collapse in a network of LLMs.

The web of LLM agents is an explicit weighted graph: ``W[i, j]`` is the share of
node *i*'s retrieval drawn from node *j*'s document store (rows sum to 1), and
``h[i]`` the share drawn from a human seed corpus (the convention is stated once,
in :mod:`netcollapse.graphs`). On that graph netcollapse runs real LLM agents
(:class:`LLMWeb`) or the paper's interacting-GMM surrogate (:class:`GMMWeb`),
measures how fast they become alike (``||D(t)||_F``), and compares that speed
with spectral predictors of the graph (:mod:`netcollapse.spectral`). Built on
Wang, Horiguchi, Pang & Priebe, "LLM Web Dynamics: Tracing Model Collapse in a
Network of LLMs" (arXiv 2506.15690).

The subpackages follow the data flow, each importing only the ones before it:
``graphs`` -> ``spectral`` -> ``measures`` -> ``backends`` -> ``retrieval`` ->
``scenarios`` -> ``engines`` -> ``theory`` -> ``runs`` -> ``sweeps`` -> ``studies``
-> ``reports`` -> ``app``. They are imported lazily, so ``import netcollapse`` stays
cheap (no torch, no hnswlib).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

SUBPACKAGES = (
    "graphs",
    "spectral",
    "measures",
    "backends",
    "retrieval",
    "scenarios",
    "engines",
    "theory",
    "runs",
    "sweeps",
    "studies",
    "reports",
    "app",
)
"""The layers, lowest first: a module imports only from its own layer or lower ones."""

_LAZY = {
    "RetrievalGraph": "netcollapse.graphs",
    "build": "netcollapse.graphs",
    "spectral_summary": "netcollapse.spectral",
    "GMMWeb": "netcollapse.engines",
    "LLMWeb": "netcollapse.engines",
    "RunResult": "netcollapse.engines",
    "Retrieval": "netcollapse.retrieval",
    "run_spec": "netcollapse.runs",
    "load_run": "netcollapse.runs",
    "predict_spec": "netcollapse.runs",
    "Corpus": "netcollapse.retrieval",
    "default_corpus": "netcollapse.retrieval",
    "load_corpus": "netcollapse.retrieval",
    "DocumentStore": "netcollapse.retrieval",
    "run_sweep": "netcollapse.sweeps",
    "NetcollapseError": "netcollapse.errors",
    "SpecError": "netcollapse.errors",
    "DataError": "netcollapse.errors",
    "ModelError": "netcollapse.errors",
}

__all__ = sorted([*_LAZY, *SUBPACKAGES, "SUBPACKAGES", "__version__"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in SUBPACKAGES:
        return importlib.import_module(f"netcollapse.{name}")
    raise AttributeError(f"module 'netcollapse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
