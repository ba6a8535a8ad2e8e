"""Text generation backends behind one :class:`Generator` protocol.

* :class:`HFGenerator`: local ``transformers`` models (the bundled SmolLM2 by
  default), batched, prefill once and decode L samples per request.
* :class:`FakeGenerator`: deterministic, no model; for bookkeeping tests only.
"""

from __future__ import annotations

from netcollapse.generation.base import (
    CONTEXT_HEADER,
    GenerationRequest,
    Generator,
    build_plain_prompt,
    build_prompt_messages,
    build_user_message,
    postprocess,
)
from netcollapse.generation.fake import FakeGenerator
from netcollapse.generation.hf import HFGenerator

__all__ = [
    "CONTEXT_HEADER",
    "FakeGenerator",
    "GenerationRequest",
    "Generator",
    "HFGenerator",
    "build_plain_prompt",
    "build_prompt_messages",
    "build_user_message",
    "postprocess",
]
