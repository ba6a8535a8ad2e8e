"""The engines' settings: interacting-GMM parameters and LLM nodes.

:class:`GMMSpec` and :class:`LLMSpec` are the ``gmm:`` and ``llm:`` parts of a run
spec (:class:`netcollapse.runs.spec.RunSpec`); the engines validate their settings
with them, so each rule is written once.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from netcollapse._spec import Spec as _Spec
from netcollapse.backends.generation import DECODING_DEFAULTS
from netcollapse.backends.models import DTYPES
from netcollapse.scenarios.stances import StanceSpec

__all__ = ["GMMSpec", "LLMSpec", "NodeSpec"]

_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")


class GMMSpec(_Spec):
    """Interacting-GMM nodes (the paper's Algorithms 2-3)."""

    B: int = Field(default=2, ge=2)
    means: list[float] | list[list[float]] | None = None
    cov: float | list[list[float]] = 1.0
    a: float = Field(default=1.0, gt=0.0)
    L: int = Field(default=3, ge=1)
    alpha: float | Literal["1/k"] = "1/k"
    c: float | Literal["1/(k B^2)", "0"] = "1/(k B^2)"
    eps: float = Field(default=1e-4, gt=0.0, lt=1.0)
    A0: int = Field(default=20, ge=0)

    @model_validator(mode="after")
    def _means(self) -> GMMSpec:
        if self.means is not None and len(self.means) != self.B:
            raise ValueError(f"means: got {len(self.means)} means, expected B = {self.B}")
        return self


class NodeSpec(_Spec):
    """One LLM node's model, persona (system prompt) and decoding settings."""

    model: str = "smollm2"
    persona: str = ""
    temperature: float = Field(default=DECODING_DEFAULTS["temperature"], ge=0.0)
    top_p: float = Field(default=DECODING_DEFAULTS["top_p"], gt=0.0, le=1.0)
    max_new_tokens: int = Field(default=int(DECODING_DEFAULTS["max_new_tokens"]), ge=1)


class LLMSpec(_Spec):
    """LLM nodes: query, samples, seed corpus, embedder, backend and per-node models/personas.

    ``backend`` chooses how text is generated (:func:`netcollapse.backends.factory.make_generator`):
    ``auto`` (llama.cpp for the bundled model on a CPU, an OpenAI-compatible server
    when ``base_url`` is set, else transformers), ``hf``, ``llamacpp`` or ``openai``.
    ``device`` and ``dtype`` apply to transformers; ``threads`` to the local
    backends; ``base_url``, ``api_key_env`` (the NAME of the environment variable
    that holds the key: the key itself is never written anywhere),
    ``concurrency``, ``timeout`` and ``retries`` to servers. ``stances`` seeds
    every node's store with posts of its stance and reads answers as stances
    (:mod:`netcollapse.scenarios.stances`).
    """

    L: int = Field(default=4, ge=1)
    publish: int = Field(default=1, ge=1)
    query: str | None = None
    corpus: str = "default"
    text_column: str = "text"
    embedder: str = "minilm"
    backend: Literal["auto", "hf", "llamacpp", "openai"] = "auto"
    device: str = "auto"
    dtype: Literal[("auto", *DTYPES)] = "auto"  # type: ignore[valid-type]
    threads: int | None = Field(default=None, ge=1)
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = Field(default=8, ge=1)
    timeout: float = Field(default=60.0, gt=0.0)
    retries: int = Field(default=4, ge=0)
    defaults: NodeSpec = NodeSpec()
    personas: list[str] | None = None
    nodes: list[dict[str, Any]] | None = None
    stances: StanceSpec | None = None

    @field_validator("query")
    @classmethod
    def _query(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError(f"got {v!r}, expected a non-empty query")
        return v

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        if not _DEVICE.match(v.strip().lower()):
            raise ValueError(f"got {v!r}, expected one of auto, cpu, cuda, cuda:N")
        return v.strip().lower()

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"got {v!r}, expected an http(s) URL such as http://127.0.0.1:8000/v1")
        return v

    @field_validator("api_key_env")
    @classmethod
    def _api_key_env(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", v):
            raise ValueError(
                f"got {v[:4]!r}..., expected the NAME of an environment variable "
                "(such as OPENAI_API_KEY), not the key itself"
            )
        return v

    @model_validator(mode="after")
    def _publish(self) -> LLMSpec:
        if self.publish > self.L:
            raise ValueError(f"publish: got {self.publish}, expected at most L = {self.L}")
        return self
