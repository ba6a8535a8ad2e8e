"""The LLM web: real language models reading and writing on a retrieval graph.

The paper's Algorithm 1 (Wang et al. 2025, arXiv 2506.15690) on an arbitrary
weighted graph. Each round ``t = 0, ..., T`` (row ``t`` of the metrics), every node *i*:

1. retrieves ``k_i(t)`` documents published before round ``t`` (synchronous update;
   in round 0 no node has published yet, so row 0 holds answers written from the
   human corpus alone, or from no context where a node has no anchoring share):
   per-source quotas from row *i* of ``W`` and the anchoring share ``h_i``
   (weighted mode) or a uniform draw from the union of its sources (pooled mode;
   a complete graph in pooled mode is exactly the paper); within a source,
   documents are picked at random (paper) or as the query's nearest neighbours
   in the source's HNSW index;
2. answers the query ``L`` times from that one context (one generation request:
   the backend prefills once and decodes ``L`` continuations);
3. its answers are embedded; ``X_i(t)`` is their mean, and the metrics row holds
   ``||D(t)||_F``, ``within_spread`` (mean spread of a node's answers around their
   mean) and ``drift_from_human`` (distance of the mean answer from the mean human
   document), see :mod:`netcollapse.measures.disagreement`;
4. it publishes its first ``publish`` answers (paper: 1) into its own store.

Every row also splits the raw metric into between-node disagreement and sampling
noise (:mod:`netcollapse.measures.corrected`: ``between_sq``, ``corrected``,
``noise_sq``, ``diversity``, with jackknife SEs). With seeded stances
(:mod:`netcollapse.scenarios.stances`) every store starts with its node's stance
posts, in round 0 every node reads only its own seed posts (the same initial
condition on every graph), and each answer is read as a scalar stance
(:mod:`netcollapse.measures.stance`); rows then carry the same split for the
stance (``stance_*``), the two-group split and gap (polarization), and node rows
the stance a node wrote (``stance``, ``stance_var``) and the stance of what it
read (``read_stance``, ``read_stance_var``, ``read_seeds``).

Nodes that share a generator (one loaded model) are answered in one batched call
per step; all answers of a step are embedded in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from netcollapse._random import SeedLike, Stream
from netcollapse.backends.generation import (
    DECODING_DEFAULTS,
    GenerationRequest,
    Generator,
    Usage,
    generate_counted,
    token_columns,
)
from netcollapse.engines.llm_files import finalize_run, read_round, write_round
from netcollapse.engines.loop import Row, Web
from netcollapse.engines.spec import check_samples, node_settings
from netcollapse.errors import DataError, bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.measures.corrected import corrected_row
from netcollapse.measures.disagreement import node_rows, step_metrics
from netcollapse.measures.stance import project, stance_rows
from netcollapse.retrieval.corpus import DEFAULT_QUERY, Corpus
from netcollapse.retrieval.quotas import Quotas
from netcollapse.retrieval.selection import select_documents
from netcollapse.retrieval.settings import Retrieval
from netcollapse.retrieval.store import DocumentStore
from netcollapse.scenarios.interventions import inject_texts
from netcollapse.scenarios.stances import Readout, Stances, readout

__all__ = ["LLMWeb"]

DECODING_KEYS = tuple(DECODING_DEFAULTS)
ROW_COLUMNS = (
    "step",
    "frobenius",
    "synthetic_share",
    "k_mean",
    "within_spread",
    "drift_from_human",
    "between_sq",
    "between_se",
    "corrected",
    "noise_sq",
    "diversity",
    "diversity_se",
)


def _total(column: np.ndarray) -> int | float:
    """Return a token column's sum: an int, or NaN where any count is unknown."""
    return int(column.sum()) if column.dtype.kind == "i" else float(column.sum())


class LLMWeb(Web):
    """LLM agents that answer a query from retrieved posts and publish their answers.

    Parameters
    ----------
    graph : RetrievalGraph
        ``W[i, j]`` = share of node *i*'s retrieval from node *j*'s store; ``graph.h``
        the shares drawn from the human seed corpus.
    corpus : Corpus
        The human seed corpus ``A(0)`` (must not be empty).
    generators : Generator or sequence of Generator
        One backend for every node, or one per node; nodes given the same object
        share one loaded model and one batched call per step.
    embedder : Embedder
        Embeds answers (rows L2-normalised), e.g. the bundled all-MiniLM-L6-v2.
    query : str
        The fixed query (paper: one concise sentence on Bitcoin's prospects).
    L : int
        Answers per node and step, all from one retrieved context.
    publish : int
        How many of its ``L`` answers a node posts (paper: the first one).
    personas : sequence of str, optional
        System prompts, assigned to nodes round-robin.
    decoding : dict or sequence of dict, optional
        ``temperature``, ``top_p``, ``max_new_tokens``: one dict for all nodes or
        one per node.
    retrieval : Retrieval or dict, optional
        How nodes read (:class:`~netcollapse.retrieval.settings.Retrieval`); its
        ``pick`` chooses documents within a source: uniformly at random (paper)
        or the query's nearest neighbours in the source's HNSW index.
    stances : Stances, optional
        Seeded stances (:func:`~netcollapse.scenarios.stances.seed_stances`): each
        node's store starts with its seed posts, and answers are read as stances.
    seed : int, numpy.random.Generator or None
        See :class:`~netcollapse.engines.loop.Web`.
    interventions : sequence of Intervention or dict, optional
        See :class:`~netcollapse.engines.loop.Web`; an ``inject`` event's texts
        join the human corpus (stamped ``at - 1``, so round ``at`` reads them).

    Examples
    --------
    Bookkeeping with the deterministic fakes (real runs use the bundled models):

    >>> from netcollapse.backends.embedding import HashEmbedder
    >>> from netcollapse.backends import FakeGenerator
    >>> from netcollapse.graphs.retrieval_graph import build
    >>> from netcollapse.retrieval.corpus import default_corpus
    >>> web = LLMWeb(build("complete", n=3, self_weight=0.2), default_corpus(),
    ...              FakeGenerator(), HashEmbedder(16), L=2, retrieval={"k_max": 4}, seed=0)
    >>> res = web.run(3, progress=False)
    >>> len(res.metrics), list(res.metrics.columns)[:6]
    (4, ['step', 'frobenius', 'synthetic_share', 'k_mean', 'within_spread', 'drift_from_human'])
    """

    kind = "llm"

    def __init__(
        self,
        graph: RetrievalGraph,
        corpus: Corpus,
        generators: Generator | Sequence[Generator],
        embedder: Any,
        *,
        query: str = DEFAULT_QUERY,
        L: int = 4,
        publish: int = 1,
        personas: Sequence[str] | None = None,
        decoding: dict | Sequence[dict] | None = None,
        retrieval: Retrieval | dict[str, Any] | None = None,
        stances: Stances | None = None,
        seed: SeedLike = None,
        interventions: Any = None,
    ) -> None:
        super().__init__(graph, retrieval=retrieval, seed=seed, interventions=interventions)
        self.injected = [
            inject_texts(inject, self.schedule.rng(i), field=f"interventions.inject.{i}")
            for i, inject in enumerate(self.schedule.injects)
        ]
        if stances is not None and len(stances.node_stance) != self.n:
            raise bad("stances", f"{len(stances.node_stance)} nodes", f"n = {self.n}")
        check_samples(L, publish, stances is not None)
        self.stances = stances
        self._readout: Readout | None = None
        if not isinstance(corpus, Corpus) or len(corpus) == 0:
            raise DataError("corpus: got an empty corpus, expected at least 1 document")
        if not isinstance(query, str) or not query.strip():
            raise bad("query", query, "a non-empty query")
        gens = list(generators) if isinstance(generators, list | tuple) else [generators] * self.n
        if len(gens) != self.n:
            raise bad("generators", f"{len(gens)} generators", f"one, or {self.n} (one per node)")
        self.corpus, self.generators, self.embedder = corpus, gens, embedder
        self.query, self.L, self.publish = query, int(L), int(publish)
        self.settings = node_settings(self.n, personas, decoding)
        for i, s in enumerate(self.settings):  # validate decoding settings once, early
            GenerationRequest(
                s["persona"], (), query, 1, 0, **{key: s[key] for key in DECODING_KEYS}
            )
            unknown = set(s) - {"persona", *DECODING_KEYS}
            if unknown:
                raise bad(f"decoding[{i}]", sorted(unknown)[0], f"keys among {DECODING_KEYS}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_spec(
        cls,
        graph: RetrievalGraph,
        llm: Any,
        *,
        retrieval: Retrieval | dict[str, Any] | None = None,
        seed: SeedLike = None,
        base_dir: Path | None = None,
        interventions: Any = None,
    ) -> LLMWeb:
        """Build from the ``llm`` part of a run spec (:class:`netcollapse.engines.spec.LLMSpec`).

        Nodes that name the same model share one generator, built by
        :func:`~netcollapse.backends.factory.make_generator` from ``llm.backend``
        and its settings; every generator and the embedder load here, before a
        run folder is touched, so a bad model, file or server fails first.

        Returns
        -------
        LLMWeb
        """
        from netcollapse.engines.llm_build import build_llm_web

        return build_llm_web(
            cls, graph, llm, retrieval=retrieval, seed=seed, base_dir=base_dir,
            interventions=interventions,
        )  # fmt: skip

    def stance_readout(self) -> Readout:
        """Return the readout axis, its AUC on the held-out posts and the seed stances.

        Returns
        -------
        Readout
            See :func:`~netcollapse.scenarios.stances.readout`.
        """
        if self.stances is None:
            raise DataError("stances: got None, expected a web with seeded stances")
        if self._readout is None:
            self._readout = readout(self.stances, self.embedder)
        return self._readout

    def config(self) -> dict[str, Any]:
        """Return the resolved configuration (JSON-able)."""
        return {
            **self.base_config(),
            "corpus": {"name": self.corpus.name, "size": len(self.corpus)},
            "generators": [getattr(g, "name", type(g).__name__) for g in self.generators],
            "embedder": getattr(self.embedder, "name", type(self.embedder).__name__),
            "provenance": self.provenance(),
            "query": self.query,
            "L": self.L,
            "publish": self.publish,
            "nodes": self.settings,
            **(
                {}
                if self.stances is None
                else {
                    "stances": {
                        "positive": self.stances.positive,
                        "negative": self.stances.negative,
                        "node_stance": list(self.stances.node_stance),
                        "posts": len(self.stances.node_posts[0]),
                        **({} if self.stances.persist else {"persist": False}),
                        "stance_auc": self.stance_readout().auc,
                        "seed_stance": self.stance_readout().z.tolist(),
                    }
                }
            ),
        }

    def provenance(self) -> dict[str, Any]:
        """Return how this web's text is made: its generators and the machine."""
        from netcollapse.backends.provenance import generation_provenance

        return generation_provenance(self.generators)

    def path_line(self) -> str:
        """Return the line naming the generation path and the machine (printed by ``run``)."""
        from netcollapse.backends.provenance import path_line

        prov = self.provenance()
        return path_line(prov["generators"], prov["machine"])

    # ------------------------------------------------------------------ state
    def _init_state(self) -> None:
        texts = list(self.corpus.texts)
        emb = np.asarray(self.embedder.encode(texts), dtype=np.float32)
        self.dim = emb.shape[1]
        self.human = DocumentStore(self.dim, name="human", seed=self.seed)
        self.human.add(texts, emb, author=-1, step=-1, sample=np.arange(len(texts)))
        self.reference = emb.mean(axis=0)
        self.query_embedding = np.asarray(self.embedder.encode([self.query]))[0]
        # seeds that only start the run are read in round 0 and then leave the stores
        rounds = None if self.stances is None or self.stances.persist else 1
        self.stores = [
            DocumentStore(
                self.dim,
                name=f"node{i}",
                memory=self.memory,
                seed=self.seed + i,
                seed_rounds=rounds,
            )  # fmt: skip
            for i in range(self.n)
        ]
        self._injected = 0
        self.n_seed = np.zeros(self.n, dtype=np.int64)  # a store's first n_seed docs are seeds
        if self.stances is not None:
            for i, posts in enumerate(self.stances.node_posts):
                e = np.asarray(self.embedder.encode(list(posts)), dtype=np.float32)
                self.stores[i].add(list(posts), e, author=i, step=-1, sample=np.arange(len(posts)))
                self.n_seed[i] = len(posts)
        self._last: dict[str, Any] = {}

    def _requests(self, t: int, contexts: list[list[str]]) -> list[GenerationRequest]:
        key = (t, Stream.LLM_GENERATION)
        seeds = np.random.SeedSequence(self.seed, spawn_key=key).generate_state(self.n)
        return [
            GenerationRequest(
                s["persona"],
                tuple(contexts[i]),
                self.query,
                self.L,
                int(seeds[i]),
                **{key: s[key] for key in DECODING_KEYS},
            )
            for i, s in enumerate(self.settings)
        ]

    def _generate(self, requests: list[GenerationRequest]) -> tuple[list[list[str]], list[Usage]]:
        """One batched call per distinct generator; answers and token usage in node order."""
        answers: list[list[str]] = [[] for _ in range(self.n)]  # each node's, filled below
        usage: list[Usage] = [Usage(None, None)] * self.n
        groups: dict[int, list[int]] = {}
        for i, g in enumerate(self.generators):
            groups.setdefault(id(g), []).append(i)
        for members in groups.values():
            gen = self.generators[members[0]]
            out, used = generate_counted(gen, [requests[i] for i in members])
            for i, texts, u in zip(members, out, used):
                answers[i], usage[i] = list(texts), u
        return answers, usage

    def _initial_rows(self) -> Row:
        return self._round(0)

    def _advance(self, t: int) -> Row:
        return self._round(t + 1)

    def _round(self, t: int) -> Row:
        """Round ``t``: read posts of rounds ``< t``, answer ``L`` times, embed, publish."""
        with self.phase("retrieve"):
            self._inject(t)
            available = np.array([s.count_visible(t) for s in self.stores], dtype=np.int64)
            quotas = self.quotas(
                available, self.human.count_visible(t), self.rng(t, Stream.LLM_QUOTAS)
            )
            if t == 0 and self.stances is not None:  # round 0: every node reads its own seeds
                own = np.minimum(quotas.total, self.n_seed)
                quotas = Quotas(
                    sp.csr_array(sp.diags_array(own, dtype=np.int64).tocsr()),
                    np.zeros(self.n, dtype=np.int64),
                )
            picks = select_documents(
                self.stores,
                self.human,
                quotas,
                self.rng(t, Stream.LLM_PICKS),
                before_step=t,
                pick=self.retrieval.pick,
                query=self.query_embedding,
            )
            contexts = [
                [(self.human if src < 0 else self.stores[src]).texts_of([doc])[0] for src, doc in p]
                for p in picks
            ]
        with self.phase("prompts"):
            requests = self._requests(t, contexts)
        with self.phase("generate"):
            answers, usage = self._generate(requests)
        with self.phase("embed"):
            flat = [a for node in answers for a in node]
            emb = np.asarray(self.embedder.encode(flat), dtype=np.float32)
        with self.phase("metrics"):
            samples = emb.reshape(self.n, self.L, self.dim)
            k = np.array([len(p) for p in picks], dtype=np.int64)
            seeds = np.array(
                [sum(src >= 0 and doc < self.n_seed[src] for src, doc in p) for p in picks],
                dtype=np.int64,
            )
            synthetic = np.array([sum(src >= 0 for src, _ in p) for p in picks]) - seeds
            row = step_metrics(
                samples,
                t,
                reference=self.reference,
                n_synthetic=int(synthetic.sum()),
                n_retrieved=int(k.sum()),
            )
            row = {**row, "k_mean": float(k.mean()), **corrected_row(samples)}
            row = {key: row[key] for key in ROW_COLUMNS}
            tokens = token_columns(usage)
            row.update({key: _total(col) for key, col in tokens.items()})
            nodes = pd.DataFrame(node_rows(samples, t))
            nodes.insert(3, "k", k)
            nodes.insert(4, "synthetic", synthetic)
            for key, col in tokens.items():
                nodes[key] = col
            if self.stances is not None:
                srow, scols = self._stance_metrics(self.stances, samples, picks)
                row.update(srow)
                nodes["read_seeds"] = seeds
                for key, col in scols.items():
                    nodes[key] = col
        with self.phase("publish"):
            for i, store in enumerate(self.stores):
                store.add(
                    answers[i][: self.publish],
                    samples[i, : self.publish],
                    author=i,
                    step=t,
                    sample=np.arange(self.publish),
                )
        self._last = {"answers": answers, "samples": samples, "picks": picks}
        return row, nodes

    def _inject(self, t: int) -> None:
        """Add the texts of ``inject`` events due by round ``t`` to the human corpus."""
        due = self.schedule.injections(t)
        for index, ev in due[self._injected :]:
            texts = self.injected[index]
            emb = np.asarray(self.embedder.encode(texts), dtype=np.float32)
            self.human.add(texts, emb, author=-1, step=ev.at - 1, sample=np.arange(len(texts)))
        self._injected = len(due)

    def _stance_metrics(
        self, stances: Stances, samples: np.ndarray, picks: list
    ) -> tuple[dict, dict]:
        """Stance columns of a row and of its node rows."""
        axis = self.stance_readout().axis

        def doc(src: int, i: int) -> np.ndarray:
            return (self.human if src < 0 else self.stores[src]).embeddings_of([i])

        read = [project(np.concatenate([doc(*d) for d in p]), axis) if p else None for p in picks]
        return stance_rows(project(samples, axis), read, stances.groups)

    # ------------------------------------------------------------------ persistence
    def _write_step(self, steps: Path, t: int) -> None:
        last = self._last
        write_round(steps, t, last["answers"], last["picks"], last["samples"], self.publish)

    def _save_state(self, folder: Path) -> None:
        """Nothing beyond the per-round files: stores are rebuilt from them on resume."""

    def _step_files(self, steps: Path, s: int) -> tuple[list[dict[str, Any]], np.ndarray]:
        return read_round(steps, s, (self.n, self.L, self.dim), self.publish)

    def _load_state(self, folder: Path, steps: Path, t: int) -> None:
        for s in range(t + 1):  # rounds 0..t have published
            rows, samples = self._step_files(steps, s)
            for i, store in enumerate(self.stores):
                texts = [r["text"] for r in rows if r["node"] == i and r["published"]]
                store.add(
                    texts, samples[i, : len(texts)], author=i, step=s, sample=np.arange(len(texts))
                )

    def _finalize(self, folder: Path) -> None:
        rounds = [self._step_files(folder / "steps", s) for s in range(self.t + 1)]
        seeds = [] if self.stances is None else [list(p) for p in self.stances.node_posts]
        human = list(self.corpus.texts) + [x for texts in self.injected for x in texts]
        finalize_run(
            folder, [samples for _, samples in rounds], self.reference, human, seeds, self.publish
        )
