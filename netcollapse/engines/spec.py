"""Run specs: engine, graph, retrieval settings, steps, seed and node settings.

A run spec is a mapping (usually a YAML file, see ``experiments/``); :func:`parse_run`
validates it with one-line errors, the graph part as a topology spec.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from netcollapse._spec import Spec as _Spec
from netcollapse._spec import validate
from netcollapse.backends.generation import DECODING_DEFAULTS
from netcollapse.backends.models import DTYPES
from netcollapse.engines.interventions import Intervention
from netcollapse.engines.retrieval import Retrieval
from netcollapse.engines.stances import StanceSpec
from netcollapse.errors import bad
from netcollapse.graphs.spec import parse_topology

__all__ = ["GMMSpec", "LLMSpec", "NodeSpec", "RunSpec", "parse_run"]

_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")


# --------------------------------------------------------------------------- run specs
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
    (:mod:`netcollapse.engines.stances`).
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


class RunSpec(_Spec):
    """A whole run: engine, graph, retrieval, steps, seed, node settings and interventions.

    ``interventions`` is a list of events that change the graph, the anchoring,
    who reads, or the human corpus from a given row on
    (:mod:`netcollapse.engines.interventions`).
    """

    name: str = "run"
    description: str = ""
    engine: Literal["gmm", "llm"]
    T: int = Field(ge=1)
    seed: int = Field(default=0, ge=0)
    graph: dict[str, Any]
    retrieval: Retrieval = Retrieval()
    gmm: GMMSpec = GMMSpec()
    llm: LLMSpec = LLMSpec()
    interventions: list[Intervention] = []


def _check_inject(spec: RunSpec, inj: Any, field: str) -> None:
    if spec.engine == "gmm":
        if inj.count is None or inj.texts is not None or inj.corpus is not None:
            raise bad(
                field,
                "no count" if inj.count is None else "texts/corpus",
                "count (and optional weights): GMM nodes inject points",
            )
        if inj.weights is not None and len(inj.weights) != spec.gmm.B:
            raise bad(
                f"{field}.weights",
                f"{len(inj.weights)} weights",
                f"B = {spec.gmm.B} (one per component)",
            )
    elif inj.weights is not None or (
        inj.texts is None and (inj.corpus is None or inj.count is None)
    ):
        raise bad(
            field,
            "weights" if inj.weights is not None else "no texts",
            "texts, or corpus with count: LLM nodes inject documents",
        )


def parse_run(data: dict[str, Any]) -> RunSpec:
    """Validate a run spec mapping; the graph part is checked as a topology spec.

    Parameters
    ----------
    data : dict

    Returns
    -------
    RunSpec

    Examples
    --------
    >>> spec = parse_run({"engine": "gmm", "T": 5, "graph": {"family": "complete", "n": 3}})
    >>> spec.retrieval.beta, spec.gmm.B
    (0.5, 2)
    >>> parse_run({"engine": "gmm", "T": 5, "graph": {"family": "complete", "n": 3},
    ...            "retrieval": {"beta": 1.5}})
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: retrieval.beta: got 1.5, expected a value <= 1.0
    """
    spec = validate(RunSpec, data)
    parse_topology(spec.graph, prefix="graph.")
    for i, ev in enumerate(spec.interventions):
        if ev.at > spec.T:
            raise bad(f"interventions.{i}.at", ev.at, f"a row <= T = {spec.T}")
        if ev.graph is not None:
            parse_topology(ev.graph, prefix=f"interventions.{i}.graph.")
        if ev.inject is not None:
            _check_inject(spec, ev.inject, f"interventions.{i}.inject")
    if spec.engine == "llm" and spec.llm.nodes is not None:
        for i, node in enumerate(spec.llm.nodes):
            validate(NodeSpec, {**spec.llm.defaults.model_dump(), **node}, f"llm.nodes.{i}.")
    return spec
