"""Topology specs: one validated model per graph family (pydantic).

A topology spec is a mapping with a ``family`` and that family's parameters, plus
how ``W`` is weighted and anchored (``weighting``, ``self_weight``, ``anchoring``)
and an optional ``seed``; :func:`parse_topology` validates it with one-line errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from netcollapse._spec import Spec as _Spec
from netcollapse._spec import validate
from netcollapse._validation import check_h
from netcollapse.errors import SpecError, bad
from netcollapse.graphs.size import check_graph_size

__all__ = ["TOPOLOGY_MODELS", "parse_topology"]


Probability = Field(ge=0.0, le=1.0)


class _Graph(_Spec):
    """Settings shared by every family: how W is weighted and anchored."""

    weighting: Literal["uniform", "degree", "dirichlet", "weight"] = "uniform"
    self_weight: float = Field(default=0.0, ge=0.0, lt=1.0)
    anchoring: float | list[float] = 0.0
    seed: int | None = Field(default=None, ge=0)
    if TYPE_CHECKING:  # each family's model declares its own literal (a pydantic field)
        family: str

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


class Isolated(_Graph):
    """No edges: every node reads only its own store (``W = I``), the no-network control.

    ``self_weight`` must stay above 0 (any value gives ``W = I``: a node has no other
    source); ``anchoring`` must be 0: the control reads no shared human corpus.
    """

    family: Literal["isolated"] = "isolated"
    n: int = Field(ge=1)
    self_weight: float = Field(default=0.5, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _alone(self) -> Isolated:
        h = self.anchoring if isinstance(self.anchoring, list) else [self.anchoring]
        if any(x != 0 for x in h):
            raise ValueError(
                f"anchoring: got {self.anchoring!r}, expected 0 for family 'isolated' "
                "(the no-network control reads no shared corpus)"
            )
        return self


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


MAX_NODES = 10_000_000
"""Largest tree a ``tree`` spec may ask for (its size grows as r^height)."""

WEIGHTED_NETWORKS = ("karate_club", "les_miserables")
"""Networks of family ``named`` that carry edge weights (``weighting: weight``)."""


class Tree(_Graph):
    """Tree: balanced ``r``-ary of height ``height``, or uniformly random labelled on ``n`` nodes.

    Give ``r`` and ``height`` for a balanced tree ((r^(height+1) - 1)/(r - 1) nodes,
    node 0 the root, at most :data:`MAX_NODES`), or ``random: true`` and ``n`` for a
    tree drawn uniformly from the n^(n-2) labelled trees on ``n`` nodes.
    """

    family: Literal["tree"] = "tree"
    r: int | None = Field(default=None, ge=2)
    height: int | None = Field(default=None, ge=1)
    random: bool = False
    n: int | None = Field(default=None, ge=2)

    @model_validator(mode="after")
    def _form(self) -> Tree:
        if self.random:
            if self.n is None:
                raise ValueError("n: got None, expected an integer >= 2 with random: true")
            for name in ("r", "height"):
                if getattr(self, name) is not None:
                    raise ValueError(
                        f"{name}: got {getattr(self, name)}, expected no {name} with random: "
                        "true (a random tree takes n)"
                    )
            return self
        if self.n is not None:
            raise ValueError(
                f"n: got {self.n}, expected no n without random: true "
                "(a balanced tree takes r and height)"
            )
        r, height = self.r, self.height
        if r is None or height is None:
            raise ValueError(
                f"{'r' if r is None else 'height'}: got None, expected an integer (a balanced "
                "tree takes r and height; a random one random: true and n)"
            )
        # r >= 2, so a height of 64 or more is past MAX_NODES: never compute r^height then
        small = height < 64 and r <= MAX_NODES
        nodes = (r ** (height + 1) - 1) // (r - 1) if small else MAX_NODES + 1
        if nodes > MAX_NODES:
            gives = f"gives {nodes}" if small else f"gives more than {MAX_NODES}"
            raise ValueError(
                f"height: got {self.height}, expected a tree of at most {MAX_NODES} nodes "
                f"(r={self.r}, height={self.height} {gives})"
            )
        return self


class Bipartite(_Graph):
    """Bipartite graph on parts of ``sizes = [n1, n2]``: K_{n1,n2}, or random with ``p``.

    Each of the n1*n2 cross pairs is an edge with probability ``p`` (default 1: the
    complete bipartite graph). A random one may be disconnected.
    """

    family: Literal["bipartite"] = "bipartite"
    sizes: list[int]
    p: float = Field(default=1.0, ge=0.0, le=1.0)

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if len(v) != 2 or any(s < 1 for s in v):
            raise ValueError(f"got {v!r}, expected two part sizes [n1, n2], each >= 1")
        return v


class Barbell(_Graph):
    """Bottleneck graph: ``cliques`` cliques of ``clique_size`` nodes in a chain.

    Consecutive cliques are joined by a path of ``path_length`` nodes (0: by one edge),
    so n = cliques*clique_size + (cliques - 1)*path_length.
    """

    family: Literal["barbell"] = "barbell"
    cliques: int = Field(default=2, ge=2)
    clique_size: int = Field(ge=2)
    path_length: int = Field(default=0, ge=0)


class Caveman(_Graph):
    """Connected caveman graph: ``caves`` cliques of ``cave_size`` nodes in a ring.

    One edge of each cave is rewired to the previous cave (networkx
    ``connected_caveman_graph``); ``cave_size`` >= 3, as size 2 would disconnect it.
    """

    family: Literal["caveman"] = "caveman"
    caves: int = Field(ge=2)
    cave_size: int = Field(ge=3)


class Hypercube(_Graph):
    """Hypercube Q_dim: 2^dim nodes, adjacent when their binary codes differ in one bit."""

    family: Literal["hypercube"] = "hypercube"
    dim: int = Field(ge=1, le=20)


class CorePeriphery(_Graph):
    """Core-periphery: a G(core, p_core) core and a periphery that reads only the core.

    Each periphery node links to each core node with probability ``p_link``, and to one
    core node chosen at random if it drew none; periphery nodes never link to each other.
    """

    family: Literal["core_periphery"] = "core_periphery"
    core: int = Field(ge=1)
    periphery: int = Field(ge=1)
    p_core: float = Probability
    p_link: float = Probability


class DirectedRandom(_Graph):
    """Random directed graph: every node reads exactly ``reads`` other nodes.

    ``reciprocal: true`` (default): each node's sources are chosen uniformly at random,
    independently. ``reciprocal: false``: no two nodes read each other, and every node
    is also read by exactly ``reads`` nodes (needs 2*reads < n).
    """

    family: Literal["directed_random"] = "directed_random"
    n: int = Field(ge=2)
    reads: int = Field(ge=1)
    reciprocal: bool = True

    @model_validator(mode="after")
    def _reads(self) -> DirectedRandom:
        if self.reads >= self.n:
            raise ValueError(f"reads: got {self.reads}, expected an integer in [1, n)")
        if not self.reciprocal and 2 * self.reads >= self.n:
            raise ValueError(
                f"reads: got {self.reads}, expected 2*reads < n with reciprocal: false"
            )
        return self


class Named(_Graph):
    """A real network shipped with networkx; its node names are kept as labels.

    ``karate_club`` (34 nodes, 78 edges), ``les_miserables`` (77, 254),
    ``florentine_families`` (15, 20), ``davis_southern_women`` (32, 89, bipartite).
    ``weighting: weight`` uses networkx's edge weights (:data:`WEIGHTED_NETWORKS` only).
    """

    family: Literal["named"] = "named"
    network: Literal["karate_club", "les_miserables", "florentine_families", "davis_southern_women"]

    @model_validator(mode="after")
    def _weights(self) -> Named:
        if self.weighting == "weight" and self.network not in WEIGHTED_NETWORKS:
            raise ValueError(
                f"weighting: got 'weight', expected uniform, degree or dirichlet "
                f"({self.network} has no edge weights)"
            )
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
        Complete,
        Ring,
        Star,
        PathGraph,
        Grid,
        ErdosRenyi,
        WattsStrogatz,
        BarabasiAlbert,
        StochasticBlock,
        RandomRegular,
        Tree,
        Bipartite,
        Barbell,
        Caveman,
        Hypercube,
        CorePeriphery,
        DirectedRandom,
        Isolated,
        Named,
        FileGraph,
    )
}
"""The spec model of each topology family, by its ``family`` name."""


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
    if not isinstance(family, str) or family not in TOPOLOGY_MODELS:
        raise bad(f"{prefix}family", family, f"one of {', '.join(TOPOLOGY_MODELS)}")
    spec = validate(TOPOLOGY_MODELS[family], data, prefix)
    check_graph_size(spec, prefix)
    return spec
