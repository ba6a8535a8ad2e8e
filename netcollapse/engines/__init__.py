"""Engines: nodes that read from their sources, produce, and publish, round by round.

One loop (:class:`Web`, :mod:`~netcollapse.engines.loop`) and two kinds of node:
:class:`GMMWeb` (the paper's interacting Gaussian mixtures,
:mod:`~netcollapse.engines.gmm` with its array kernels in
:mod:`~netcollapse.engines.gmm_kernels`) and :class:`LLMWeb` (real language
models, :mod:`~netcollapse.engines.llm`). Their settings are the ``gmm:`` and
``llm:`` parts of a run spec (:mod:`~netcollapse.engines.spec`); what a run leaves
behind is a :class:`RunResult` (:mod:`~netcollapse.engines.result`). How nodes
read is :mod:`netcollapse.retrieval`; what changes during a run is
:mod:`netcollapse.scenarios`.
"""

from __future__ import annotations

from netcollapse.engines.gmm import GMMWeb
from netcollapse.engines.llm import LLMWeb
from netcollapse.engines.loop import Web
from netcollapse.engines.result import RunResult
from netcollapse.engines.spec import GMMSpec, LLMSpec, NodeSpec

__all__ = ["GMMSpec", "GMMWeb", "LLMSpec", "LLMWeb", "NodeSpec", "RunResult", "Web"]
