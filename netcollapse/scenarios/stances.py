"""Seeded stances: every node's store starts with posts of its own stance.

Without seeds every store starts empty and every node reads one shared human
corpus, so nodes differ only by persona, a stubborn anchor that never mixes. With
seeds, node *i*'s store holds ``posts`` human-written posts of its stance (step
``-1``: they never expire, see :mod:`netcollapse.retrieval.store`), which its
readers see next to its published answers; the graph then decides how fast the
stances mix.

The ``llm.stances`` section of a run spec (:class:`StanceSpec`):

============  ===================================================================
``corpus``    ``"stances"`` (the shipped ``bitcoin_stances.jsonl``: 40 bullish and
              40 bearish one-sentence posts written for netcollapse) or a path to
              a corpus with a stance column
``column``    the stance column (default ``stance``)
``positive``  the stance that reads ``+0.5`` on the readout axis (``bullish``)
``negative``  the stance that reads ``-0.5`` (``bearish``)
``assign``    ``halves`` (nodes ``0 .. n/2 - 1`` positive, the rest negative),
              ``alternate`` (even nodes positive, odd nodes negative),
              ``slowest_mode`` (the sign pattern of W's slowest non-trivial
              eigenvector, balanced: the n/2 largest entries positive;
              :func:`netcollapse.spectral.modes.slowest_mode`, with ``seed`` choosing
              a direction inside a repeated eigenvalue's eigenspace),
              ``block`` (SBM block 0 positive, block 1 negative), ``attribute``
              (a node attribute of a graph file, whose values name stances),
              ``random`` (a balanced random half, with ``seed``), or a list of
              stance names, one per node
``posts``     seed posts per node, drawn without replacement from its stance's pool
``held_out``  posts per stance kept out of every store and out of the axis: the
              axis is checked on them (``stance_auc`` in the run's config)
``persist``   ``true`` (default): seed posts stay in the stores for the whole run;
              ``false``: they are read in round 0 only and then leave the stores,
              so the seeds only start the run (with ``retrieval.memory: 1`` a
              store then holds only its node's last answers)
============  ===================================================================

The readout axis (:mod:`netcollapse.measures.stance`) is built from the pool
posts, the ones that may seed stores; the held-out posts only test it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from pydantic import Field, field_validator

from netcollapse._io import resolve_path
from netcollapse._random import Stream, stream_rng
from netcollapse._spec import Spec
from netcollapse.errors import DataError, bad
from netcollapse.measures.stance import StanceAxis, auc, project, stance_axis
from netcollapse.retrieval.corpus import Corpus, load_corpus

__all__ = [
    "ASSIGN",
    "STANCES_FILE",
    "Readout",
    "StanceSpec",
    "Stances",
    "assign_stances",
    "readout",
    "seed_stances",
    "stance_corpus",
]

STANCES_FILE = "bitcoin_stances.jsonl"
ASSIGN = ("halves", "alternate", "block", "attribute", "random", "slowest_mode")


class StanceSpec(Spec):
    """The ``llm.stances`` section (see the module docstring)."""

    corpus: str = "stances"
    column: str = "stance"
    positive: str = "bullish"
    negative: str = "bearish"
    assign: Any = "halves"
    attribute: str | None = None
    seed: int = Field(default=0, ge=0)
    posts: int = Field(default=8, ge=1)
    held_out: int = Field(default=10, ge=1)
    persist: bool = True

    @field_validator("assign")
    @classmethod
    def _assign(cls, v: Any) -> Any:
        if isinstance(v, str) and v in ASSIGN:
            return v
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            return v
        raise ValueError(
            f"got {v!r}, expected one of {', '.join(ASSIGN)} or a list of "
            "stance names (one per node)"
        )


@dataclass(frozen=True)
class Stances:
    """Resolved stances of one run.

    Attributes
    ----------
    positive, negative : str
    node_stance : tuple of str
        Each node's stance.
    node_posts : tuple of tuple of str
        Each node's seed posts.
    pool_texts, pool_labels : tuple of str
        Posts the readout axis is built from (every post that may seed a store).
    held_texts, held_labels : tuple of str
        Posts kept out of stores and axis, to check the axis.
    persist : bool
        Whether seed posts stay in the stores after round 0.
    """

    positive: str
    negative: str
    node_stance: tuple[str, ...]
    node_posts: tuple[tuple[str, ...], ...]
    pool_texts: tuple[str, ...]
    pool_labels: tuple[str, ...]
    held_texts: tuple[str, ...]
    held_labels: tuple[str, ...]
    persist: bool = True

    @property
    def groups(self) -> np.ndarray:
        """0 for nodes of the positive stance, 1 for the negative one."""
        return np.array([0 if s == self.positive else 1 for s in self.node_stance])

    @property
    def z(self) -> np.ndarray:
        """Nominal seed stance per node: ``+0.5`` positive, ``-0.5`` negative."""
        return 0.5 - self.groups.astype(float)


def stance_corpus(corpus: str, column: str = "stance", base_dir: Path | None = None) -> Corpus:
    """Load a stance corpus: ``"stances"`` (shipped) or a path; every document needs ``column``.

    Examples
    --------
    >>> c = stance_corpus("stances")
    >>> len(c), sorted({m["stance"] for m in c.metadata})
    (80, ['bearish', 'bullish'])
    """
    if corpus == "stances":
        ref = resources.files("netcollapse.data").joinpath(STANCES_FILE)
        with resources.as_file(ref) as path:
            out = load_corpus(path)
    else:
        out = load_corpus(resolve_path(base_dir, corpus))
    missing = [i for i, m in enumerate(out.metadata) if m.get(column) in (None, "")]
    if missing:
        raise DataError(
            f"llm.stances.column: got {column!r}, expected a column every document "
            f"has (document {missing[0]} of {corpus!r} has none)"
        )
    return out


def _graph_attribute(graph: Any, attribute: str, base_dir: Path | None) -> list[Any]:
    from netcollapse.graphs.families import read_graph_file

    params = getattr(graph, "params", {}) or {}
    if getattr(graph, "family", None) != "file" or "path" not in params:
        raise bad("llm.stances.assign", "attribute", "a graph read from a file (family: file)")
    path = resolve_path(base_dir, params["path"])
    G = read_graph_file(path, params.get("format"), directed=params.get("directed"))
    values = []
    for label in graph.labels:
        key = label if label in G.nodes else str(label)
        value = G.nodes[key].get(attribute) if key in G.nodes else None
        if value is None:
            raise bad(
                "llm.stances.attribute",
                attribute,
                f"an attribute of every node (node {label!r} has none)",
            )
        values.append(value)
    return values


def assign_stances(spec: StanceSpec, graph: Any, base_dir: Path | None = None) -> list[str]:
    """Return each node's stance name.

    Parameters
    ----------
    spec : StanceSpec
    graph : RetrievalGraph
    base_dir : Path, optional
        Folder for a relative graph file path (``assign: attribute``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> assign_stances(StanceSpec(), build("ring", n=4))
    ['bullish', 'bullish', 'bearish', 'bearish']
    """
    n, pos, neg = graph.n, spec.positive, spec.negative
    a = spec.assign
    if isinstance(a, list):
        if len(a) != n:
            raise bad("llm.stances.assign", f"{len(a)} stances", f"{n} (one per node)")
        out = list(a)
    elif a == "halves":
        out = [pos] * (n // 2) + [neg] * (n - n // 2)
    elif a == "alternate":
        out = [pos if i % 2 == 0 else neg for i in range(n)]
    elif a == "slowest_mode":
        from netcollapse.spectral.modes import balanced_signs, slowest_mode

        try:
            mode = slowest_mode(graph.W, seed=spec.seed)
        except DataError as exc:
            raise bad(
                "llm.stances.assign", "slowest_mode", f"a graph with one real slowest mode ({exc})"
            ) from None
        out = [pos if s > 0 else neg for s in balanced_signs(mode)]
    elif a == "random":
        half = np.array([pos] * (n // 2) + [neg] * (n - n // 2), dtype=object)
        out = list(np.random.default_rng(spec.seed).permutation(half))
    elif a == "block":
        labels = graph.labels
        if not all(isinstance(x, tuple) and len(x) == 2 for x in labels):
            raise bad("llm.stances.assign", "block", "an SBM graph (node labels (block, node))")
        blocks = sorted({int(x[0]) for x in labels})
        if len(blocks) != 2:
            raise bad(
                "llm.stances.assign", f"block on {len(blocks)} blocks", "an SBM with 2 blocks"
            )
        out = [pos if int(x[0]) == blocks[0] else neg for x in labels]
    else:  # attribute
        if not spec.attribute:
            raise bad("llm.stances.attribute", spec.attribute, "a node attribute name")
        out = [str(v) for v in _graph_attribute(graph, spec.attribute, base_dir)]
    for i, s in enumerate(out):
        if s not in (pos, neg):
            raise bad(f"llm.stances.assign[{i}]", s, f"{pos!r} or {neg!r}")
    return out


def seed_stances(spec: StanceSpec, graph: Any, seed: int, base_dir: Path | None = None) -> Stances:
    """Resolve a stance spec: who holds which stance, with which seed posts.

    Parameters
    ----------
    spec : StanceSpec
    graph : RetrievalGraph
    seed : int
        The run's seed: which posts are held out and which seed each node.
    base_dir : Path, optional

    Returns
    -------
    Stances

    Examples
    --------
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> st = seed_stances(StanceSpec(posts=3), build("ring", n=4), seed=0)
    >>> st.node_stance, [len(p) for p in st.node_posts], len(st.held_texts)
    (('bullish', 'bullish', 'bearish', 'bearish'), [3, 3, 3, 3], 20)
    """
    corpus = stance_corpus(spec.corpus, spec.column, base_dir)
    labels = [str(m[spec.column]) for m in corpus.metadata]
    if spec.positive == spec.negative:
        raise bad("llm.stances.negative", spec.negative, f"a stance other than {spec.positive!r}")
    for field, name in (("positive", spec.positive), ("negative", spec.negative)):
        if name not in labels:
            raise bad(
                f"llm.stances.{field}",
                name,
                f"a stance of the corpus, one of {sorted(set(labels))}",
            )
    node_stance = assign_stances(spec, graph, base_dir)
    rng = stream_rng(seed, Stream.STANCE_POSTS)
    pool: dict[str, list[int]] = {}
    held: list[int] = []
    for name in (spec.positive, spec.negative):
        idx = rng.permutation([i for i, lab in enumerate(labels) if lab == name])
        if len(idx) - spec.held_out < spec.posts:
            raise bad(
                "llm.stances.posts",
                spec.posts,
                f"at most {len(idx) - spec.held_out} "
                f"({len(idx)} {name!r} posts, {spec.held_out} held out)",
            )
        held += idx[: spec.held_out].tolist()
        pool[name] = idx[spec.held_out :].tolist()
    posts = tuple(
        tuple(corpus.texts[j] for j in rng.choice(pool[s], spec.posts, replace=False))
        for s in node_stance
    )
    pool_ids = pool[spec.positive] + pool[spec.negative]
    return Stances(
        spec.positive,
        spec.negative,
        tuple(node_stance),
        posts,
        tuple(corpus.texts[j] for j in pool_ids),
        tuple(labels[j] for j in pool_ids),
        tuple(corpus.texts[j] for j in held),
        tuple(labels[j] for j in held),
        spec.persist,
    )


class Readout(NamedTuple):
    """A run's stance readout: the axis, its held-out AUC, each node's seed stance."""

    axis: StanceAxis
    auc: float
    z: np.ndarray


def readout(stances: Stances, embedder: Any) -> Readout:
    """Embed the stance posts once: the axis from the pool, its AUC, the seed stances.

    Parameters
    ----------
    stances : Stances
    embedder : Embedder
        The run's embedder (``encode(texts) -> (m, d)``).

    Returns
    -------
    Readout
        ``z[i]`` is the mean stance of node *i*'s seed posts.

    Examples
    --------
    The bundled embedder separates the shipped corpus's held-out posts (AUC 0.94
    to 1.0 over the splits of seeds 0-19, mean 0.986), and the seed stances of
    the two positive nodes read above those of the two negative ones:

    >>> from netcollapse.backends.embedding import SentenceTransformerEmbedder
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> st = seed_stances(StanceSpec(posts=2), build("ring", n=4), 0)
    >>> r = readout(st, SentenceTransformerEmbedder())
    >>> r.z.shape, bool(r.auc > 0.9), bool(min(r.z[:2]) > 0 > max(r.z[2:]))
    ((4,), True, True)
    """
    posts = [p for node in stances.node_posts for p in node]
    texts = list(stances.pool_texts + stances.held_texts) + posts
    emb = np.asarray(embedder.encode(texts), dtype=float)
    m, h = len(stances.pool_texts), len(stances.held_texts)
    axis = stance_axis(emb[:m], stances.pool_labels, stances.positive, stances.negative)
    held = project(emb[m : m + h], axis)
    labels = np.array(stances.held_labels)
    score = auc(held[labels == stances.positive], held[labels == stances.negative])
    per = len(stances.node_posts[0])
    z = project(emb[m + h :], axis).reshape(len(stances.node_posts), per).mean(axis=1)
    return Readout(axis, score, z)
