"""The engines' settings: interacting-GMM parameters and LLM nodes.

:class:`GMMSpec` and :class:`LLMSpec` are the ``gmm:`` and ``llm:`` parts of a run
spec (:class:`netcollapse.runs.spec.RunSpec`); the engines validate their settings
with them, so each rule is written once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from netcollapse._spec import Spec as _Spec
from netcollapse.backends.generation import DECODING_DEFAULTS
from netcollapse.backends.models import Dtype
from netcollapse.engines.gmm_kernels import default_means
from netcollapse.errors import SpecError, bad
from netcollapse.graphs.size import human_bytes, machine_memory
from netcollapse.scenarios.stances import StanceSpec

__all__ = [
    "GMMSpec",
    "LLMSpec",
    "NodeSpec",
    "RATES",
    "check_samples",
    "node_settings",
    "round_robin",
]

_DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")


#: The rates ``alpha`` and ``c`` may be given by name (``k``: points a node read).
RATES = ("1/k", "1/(k B^2)", "0")


class GMMSpec(_Spec):
    """Interacting-GMM nodes (the paper's Algorithms 2-3): every GMM parameter rule lives here.

    :class:`~netcollapse.engines.gmm.GMMWeb` validates its keyword arguments with
    this model, and a run spec's ``gmm:`` part is this model, so both say the same.

    Examples
    --------
    >>> GMMSpec(B=3, means=[-4, 0, 4]).mean_array().shape
    (3, 1)
    >>> GMMSpec(cov=-1.0)
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: cov: got 'not positive definite', expected a positive \
definite covariance
    """

    B: int = 2
    means: list[float] | list[list[float]] | None = None
    cov: float | list[list[float]] = 1.0
    a: float = Field(default=1.0, gt=0.0)
    L: int = 3
    alpha: float | str = "1/k"
    c: float | str = "1/(k B^2)"
    eps: float = Field(default=1e-4, gt=0.0, lt=1.0)
    A0: int = Field(default=20, ge=0)

    @field_validator("B")
    @classmethod
    def _B(cls, v: int) -> int:  # noqa: N802 (the paper's name)
        if v < 2:
            raise ValueError(f"got {v}, expected an integer >= 2 (number of components)")
        most = machine_memory() // 64  # checked before the default means are laid out
        if v > most:
            raise ValueError(
                f"got {v}, expected at most {most:,} components on this machine "
                f"({human_bytes(machine_memory())} of memory)"
            )
        return v

    @field_validator("L")
    @classmethod
    def _L(cls, v: int) -> int:  # noqa: N802 (the paper's name)
        if v < 1:
            raise ValueError(f"got {v}, expected an integer >= 1 (samples per node and step)")
        return v

    @field_validator("alpha", "c")
    @classmethod
    def _rate(cls, v: float | str) -> float | str:
        if isinstance(v, str) and v not in RATES:
            raise ValueError(f"got {v!r}, expected a number or one of '1/k', '1/(k B^2)', '0'")
        return v

    @model_validator(mode="after")
    def _arrays(self) -> GMMSpec:
        mu = self.mean_array()
        if mu.ndim != 2 or mu.shape[0] != self.B:
            raise ValueError(
                str(
                    bad(
                        "means",
                        f"shape {np.asarray(self.means, dtype=float).shape}",
                        f"{self.B} finite means (shape (B,) or (B, d))",
                    )
                )
            )
        d = mu.shape[1]
        S = self.cov_array(d)
        if S.shape != (d, d) or not np.allclose(S, S.T):
            raise ValueError(
                str(bad("cov", f"shape {S.shape}", f"a variance or a symmetric {d}x{d} matrix"))
            )
        try:
            np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            raise ValueError(
                str(bad("cov", "not positive definite", "a positive definite covariance"))
            ) from None
        return self

    def mean_array(self) -> np.ndarray:
        """Return the component means as a ``(B, d)`` array (default: ``B`` points in [-5, 5])."""
        mu = default_means(self.B) if self.means is None else np.asarray(self.means, float)
        return mu[:, None] if mu.ndim == 1 else mu

    def cov_array(self, d: int | None = None) -> np.ndarray:
        """Return the shared covariance as a ``(d, d)`` array (a scalar is a variance)."""
        S = np.asarray(self.cov, dtype=float)
        d = self.mean_array().shape[1] if d is None else d
        return S * np.eye(d) if S.ndim == 0 else S


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
    ``auto`` (the fastest path on this machine,
    :func:`netcollapse.backends.factory.choose_path`), ``hf``, ``llamacpp`` or
    ``openai``. ``device`` and ``dtype`` apply to transformers, ``quantize`` (run
    a ``q8_0`` or ``q4_0`` copy of the GGUF file) to llama.cpp; ``threads`` to the local
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
    dtype: Literal["auto", Dtype] = "auto"
    threads: int | None = Field(default=None, ge=1)
    quantize: Literal["q8_0", "q4_0"] | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = Field(default=8, ge=1)
    timeout: float = Field(default=60.0, gt=0.0)
    retries: int = Field(default=4, ge=0)
    defaults: NodeSpec = NodeSpec()
    personas: list[str] | None = None
    nodes: list[dict[str, Any]] | None = None
    stances: StanceSpec | None = None

    def generator(self, model: str | None) -> Any:
        """Return the generator of ``model`` under these settings (nothing is loaded).

        The one mapping of the ``llm`` settings onto
        :func:`~netcollapse.backends.factory.make_generator`.
        """
        from netcollapse.backends.factory import make_generator

        return make_generator(
            self.backend, model, device=self.device, dtype=self.dtype, threads=self.threads,
            quantize=self.quantize, base_url=self.base_url, api_key_env=self.api_key_env,
            concurrency=self.concurrency, timeout=self.timeout, retries=self.retries,
        )  # fmt: skip

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
    def _samples(self) -> LLMSpec:
        try:
            check_samples(self.L, self.publish, self.stances is not None)
        except SpecError as exc:
            raise ValueError(str(exc)) from None
        return self


def check_samples(L: int, publish: int, stances: bool) -> None:
    """Check an LLM web's answers per node and round: the one rule for L and publish.

    Parameters
    ----------
    L : int
        Answers per node and round (>= 1; >= 2 with seeded stances, whose
        corrected disagreement needs the within-node variance).
    publish : int
        How many of them a node publishes, ``1 <= publish <= L``.
    stances : bool
        Whether the web has seeded stances.

    Raises
    ------
    SpecError

    Examples
    --------
    >>> check_samples(1, 1, stances=True)
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: L: got 1, expected L >= 2 with seeded stances (the \
corrected stance disagreement needs the within-node variance)
    """
    if isinstance(L, bool) or int(L) != L or L < 1:
        raise bad("L", L, "an integer >= 1 (answers per node and round)")
    if stances and L < 2:
        raise bad(
            "L",
            L,
            "L >= 2 with seeded stances (the corrected stance "
            "disagreement needs the within-node variance)",
        )
    if isinstance(publish, bool) or int(publish) != publish or not 1 <= publish <= L:
        raise bad("publish", publish, f"an integer in [1, L = {L}]")


def round_robin(
    n: int, personas: list[str] | tuple[str, ...], field: str = "personas"
) -> list[str]:
    """Give ``n`` nodes their personas in turn (node ``i`` gets ``personas[i % len]``).

    Examples
    --------
    >>> round_robin(5, ["a", "b"])
    ['a', 'b', 'a', 'b', 'a']
    """
    if len(personas) == 0:
        raise bad(field, [], "at least one persona")
    return [personas[i % len(personas)] for i in range(n)]


def node_settings(n: int, personas: Sequence[str] | None, decoding: Any) -> list[dict]:
    """Each node's persona and decoding settings (defaults, then ``decoding``, then personas).

    Parameters
    ----------
    n : int
    personas : sequence of str, optional
        Given to the nodes in turn (:func:`round_robin`).
    decoding : dict, sequence of n dicts, or None
        One dict for every node, or one per node.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> [s["persona"] for s in node_settings(3, ["a", "b"], {"temperature": 0.5})]
    ['a', 'b', 'a']
    """
    base = {"persona": "", **DECODING_DEFAULTS}
    if isinstance(decoding, dict) or decoding is None:
        per = [dict(decoding or {}) for _ in range(n)]
    else:
        per = [dict(d) for d in decoding]
        if len(per) != n:
            raise bad("decoding", f"{len(per)} entries", f"one dict or {n} (one per node)")
    out = []
    for i in range(n):
        s = {**base, **per[i]}
        out.append(s)
    if personas is not None:
        for s, persona in zip(out, round_robin(n, list(personas)), strict=True):
            s["persona"] = persona
    return out
