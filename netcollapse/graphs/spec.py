"""Topology specs: one validated model per graph family (pydantic).

A topology spec is a mapping with a ``family`` and that family's parameters, plus
how ``W`` is weighted and anchored (``weighting``, ``self_weight``, ``anchoring``)
and an optional ``seed``; :func:`parse_topology` validates it with one-line errors.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from netcollapse._spec import Spec as _Spec
from netcollapse._spec import validate
from netcollapse._validation import check_h
from netcollapse.errors import SpecError, bad

__all__ = ["TOPOLOGY_MODELS", "parse_topology"]


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
        try:  # the one check of h; the node count is known only when the graph is built
            check_h(v, None, field="anchoring")
        except SpecError as exc:  # validate() puts the field name in front again
            raise ValueError(str(exc).partition(": ")[2]) from None
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
