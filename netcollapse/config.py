"""Validated specifications (pydantic): topology specs now, run and sweep specs later.

All validation of user input happens here, with one error format:
``field: got VALUE, expected WHAT`` (a :class:`netcollapse.errors.SpecError`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from netcollapse.errors import DataError, SpecError, bad

__all__ = ["TOPOLOGY_MODELS", "parse_topology", "read_yaml", "validate"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Probability = Field(ge=0.0, le=1.0)


class _Graph(_Spec):
    """Settings shared by every family: how W is weighted and anchored."""

    weighting: Literal["uniform", "degree", "dirichlet", "weight"] = "uniform"
    self_weight: float = Field(default=0.0, ge=0.0, lt=1.0)
    anchoring: float | list[float] = 0.0
    seed: int | None = None

    @field_validator("anchoring")
    @classmethod
    def _anchoring_range(cls, v: float | list[float]) -> float | list[float]:
        for x in [v] if isinstance(v, float | int) else v:
            if not (0.0 <= x <= 1.0) or math.isnan(x):
                raise ValueError(f"got {x!r}, expected shares in [0, 1]")
        return v


class Complete(_Graph):
    """Complete graph K_n: every node reads every other node."""

    family: Literal["complete"] = "complete"
    n: int = Field(ge=2)


class Ring(_Graph):
    """Ring lattice: every node reads its ``k`` nearest nodes (k/2 on each side)."""

    family: Literal["ring"] = "ring"
    n: int = Field(ge=3)
    k: int = Field(default=2, ge=2)

    @model_validator(mode="after")
    def _k(self) -> Ring:
        if self.k % 2 or self.k >= self.n:
            raise ValueError(f"k: got {self.k}, expected an even integer in [2, n)")
        return self


class Star(_Graph):
    """Star: node 0 reads all leaves, every leaf reads node 0."""

    family: Literal["star"] = "star"
    n: int = Field(ge=2)


class PathGraph(_Graph):
    """Path P_n: node i reads i - 1 and i + 1."""

    family: Literal["path"] = "path"
    n: int = Field(ge=2)


class Grid(_Graph):
    """2-D grid (lattice) of ``rows x cols`` nodes, optionally periodic (a torus)."""

    family: Literal["grid"] = "grid"
    rows: int = Field(ge=1)
    cols: int = Field(ge=1)
    periodic: bool = False

    @model_validator(mode="after")
    def _size(self) -> Grid:
        if self.rows * self.cols < 2:
            raise ValueError(f"rows*cols: got {self.rows * self.cols}, expected at least 2 nodes")
        return self


class ErdosRenyi(_Graph):
    """Erdos-Renyi G(n, p)."""

    family: Literal["erdos_renyi"] = "erdos_renyi"
    n: int = Field(ge=2)
    p: float = Probability
    directed: bool = False


class WattsStrogatz(_Graph):
    """Watts-Strogatz small world: a ring with ``k`` neighbours, rewired with probability p."""

    family: Literal["watts_strogatz"] = "watts_strogatz"
    n: int = Field(ge=3)
    k: int = Field(default=4, ge=2)
    p: float = Probability

    @model_validator(mode="after")
    def _k(self) -> WattsStrogatz:
        if self.k % 2 or self.k >= self.n:
            raise ValueError(f"k: got {self.k}, expected an even integer in [2, n)")
        return self


class BarabasiAlbert(_Graph):
    """Barabasi-Albert preferential attachment with ``m`` edges per new node."""

    family: Literal["barabasi_albert"] = "barabasi_albert"
    n: int = Field(ge=2)
    m: int = Field(default=3, ge=1)
    directed: bool = False

    @model_validator(mode="after")
    def _m(self) -> BarabasiAlbert:
        if self.m >= self.n:
            raise ValueError(f"m: got {self.m}, expected an integer in [1, n)")
        return self


class StochasticBlock(_Graph):
    """Stochastic block model: blocks of ``sizes``; edge probability p_in inside, p_out across."""

    family: Literal["sbm"] = "sbm"
    sizes: list[int] = Field(min_length=1)
    p_in: float = Probability
    p_out: float = Probability

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if any(s < 1 for s in v) or sum(v) < 2:
            raise ValueError(f"got {v!r}, expected block sizes >= 1 adding up to at least 2")
        return v


class RandomRegular(_Graph):
    """Random d-regular graph."""

    family: Literal["random_regular"] = "random_regular"
    n: int = Field(ge=2)
    d: int = Field(ge=1)

    @model_validator(mode="after")
    def _d(self) -> RandomRegular:
        if self.d >= self.n or (self.n * self.d) % 2:
            raise ValueError(f"d: got {self.d}, expected d < n with n*d even")
        return self


class FileGraph(_Graph):
    """A graph read from a file: edge list (``u v [weight]``), GraphML or GML."""

    family: Literal["file"] = "file"
    path: str
    format: Literal["edgelist", "graphml", "gml"] | None = None
    directed: bool | None = None
    weight_attribute: str = "weight"


TOPOLOGY_MODELS: dict[str, type[_Graph]] = {
    m.model_fields["family"].default: m
    for m in (
        Complete, Ring, Star, PathGraph, Grid, ErdosRenyi, WattsStrogatz,
        BarabasiAlbert, StochasticBlock, RandomRegular, FileGraph,
    )
}


def _expected(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    table = {
        "greater_than_equal": lambda: f"a value >= {ctx.get('ge')}",
        "greater_than": lambda: f"a value > {ctx.get('gt')}",
        "less_than_equal": lambda: f"a value <= {ctx.get('le')}",
        "less_than": lambda: f"a value < {ctx.get('lt')}",
        "int_type": lambda: "an integer",
        "int_parsing": lambda: "an integer",
        "int_from_float": lambda: "an integer",
        "float_type": lambda: "a number",
        "float_parsing": lambda: "a number",
        "finite_number": lambda: "a finite number",
        "bool_type": lambda: "true or false",
        "bool_parsing": lambda: "true or false",
        "string_type": lambda: "a string",
        "literal_error": lambda: f"one of {ctx.get('expected')}",
        "missing": lambda: "a value (this field is required)",
        "too_short": lambda: f"at least {ctx.get('min_length')} item(s)",
        "list_type": lambda: "a list",
    }
    if kind in table:
        return table[kind]()
    return str(err.get("msg", "a valid value")).removeprefix("Value error, ")


def validate(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    """Validate ``data`` against ``model``, turning the first problem into one line.

    Parameters
    ----------
    model : pydantic model class
    data : mapping
    prefix : str
        Dotted prefix for field names in messages (``"graph."``).

    Returns
    -------
    model instance

    Raises
    ------
    SpecError
        ``field: got VALUE, expected WHAT``.

    Examples
    --------
    >>> validate(Complete, {"n": 1}).n
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: n: got 1, expected a value >= 2
    """
    if not isinstance(data, dict):
        raise bad(prefix.rstrip(".") or "spec", data, "a mapping of field: value")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        msg = _expected(err)
        if err["type"] == "value_error":
            # our validators already say "got ..., expected ..." (model-level ones name the field)
            head = f"{prefix}{loc}: " if loc else prefix
            raise SpecError(f"{head}{msg}") from None
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(model.model_fields))
            expected = f"no such field; known fields: {allowed}"
            raise bad(f"{prefix}{loc}", err.get("input"), expected) from None
        value = err.get("input") if err["type"] != "missing" else None
        raise bad(f"{prefix}{loc}", value, msg) from None


def parse_topology(data: dict[str, Any], prefix: str = "") -> _Graph:
    """Validate a topology spec mapping (``family`` plus that family's parameters).

    Parameters
    ----------
    data : dict
        For example ``{"family": "ring", "n": 64, "k": 2, "self_weight": 0.5}``.
    prefix : str
        Dotted prefix for error messages.

    Returns
    -------
    pydantic model
        The family's spec model.

    Examples
    --------
    >>> parse_topology({"family": "ring", "n": 8}).k
    2
    >>> parse_topology({"family": "torus", "n": 8})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: family: got 'torus', expected one of complete, ring, ...
    """
    if not isinstance(data, dict):
        raise bad(prefix.rstrip(".") or "topology", data, "a mapping with a 'family' field")
    family = data.get("family")
    if family not in TOPOLOGY_MODELS:
        raise bad(f"{prefix}family", family, f"one of {', '.join(TOPOLOGY_MODELS)}")
    return validate(TOPOLOGY_MODELS[family], data, prefix)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from ``path`` with one-line errors.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict

    Raises
    ------
    DataError
        Missing, unreadable or unparsable file, or a file that is not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"spec: got {str(path)!r}, expected an existing YAML file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"spec: got {str(path)!r}, expected a readable file ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataError(
            f"spec: got {str(path)!r}, expected valid YAML (parse error{where})"
        ) from None
    if not isinstance(data, dict):
        raise DataError(f"spec: got {str(path)!r}, expected a YAML mapping of field: value")
    return data


# --------------------------------------------------------------------------- run specs
class RetrievalSpec(_Spec):
    """How nodes read: sizes, quotas, memory, and how documents are picked in a source."""

    mode: Literal["weighted", "pooled"] = "weighted"
    beta: float | None = Field(default=0.5, gt=0.0, le=1.0)
    k: int | None = Field(default=None, ge=1)
    k_max: int | None = Field(default=None, ge=1)
    memory: int | None = Field(default=None, ge=1)
    quota: Literal["largest_remainder", "multinomial"] = "largest_remainder"
    pick: Literal["random", "nearest"] = "random"


class GMMSpec(_Spec):
    """Interacting-GMM nodes (the paper's Algorithms 2-3)."""

    B: int = Field(default=2, ge=2)
    means: list[float] | list[list[float]] | None = None
    variance: float = Field(default=1.0, gt=0.0)
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
    temperature: float = Field(default=0.7, ge=0.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    max_new_tokens: int = Field(default=48, ge=1)


class LLMSpec(_Spec):
    """LLM nodes: query, samples, seed corpus, embedder and per-node models/personas."""

    L: int = Field(default=4, ge=1)
    publish: int = Field(default=1, ge=1)
    query: str | None = None
    corpus: str = "default"
    text_column: str = "text"
    embedder: str = "minilm"
    dtype: Literal["float32", "bfloat16"] = "float32"
    defaults: NodeSpec = NodeSpec()
    personas: list[str] | None = None
    nodes: list[dict[str, Any]] | None = None

    @field_validator("query")
    @classmethod
    def _query(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError(f"got {v!r}, expected a non-empty query")
        return v

    @model_validator(mode="after")
    def _publish(self) -> LLMSpec:
        if self.publish > self.L:
            raise ValueError(f"publish: got {self.publish}, expected at most L = {self.L}")
        return self


class RunSpec(_Spec):
    """A whole run: engine, graph, retrieval, steps, seed and the engine's node settings."""

    name: str = "run"
    description: str = ""
    engine: Literal["gmm", "llm"]
    T: int = Field(ge=1)
    seed: int = Field(default=0, ge=0)
    graph: dict[str, Any]
    retrieval: RetrievalSpec = RetrievalSpec()
    gmm: GMMSpec = GMMSpec()
    llm: LLMSpec = LLMSpec()


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
    if spec.engine == "llm" and spec.llm.nodes is not None:
        for i, node in enumerate(spec.llm.nodes):
            validate(NodeSpec, {**spec.llm.defaults.model_dump(), **node}, f"llm.nodes.{i}.")
    return spec
