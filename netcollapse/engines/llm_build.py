"""Building an LLM web from the ``llm`` part of a run spec: nodes, shared generators, corpus.

:func:`build_llm_web` is what :meth:`netcollapse.engines.llm.LLMWeb.from_spec` calls:
per-node settings (``defaults``, ``nodes``, ``personas``), one generator per distinct
model (:meth:`~netcollapse.engines.spec.LLMSpec.generator`), the human corpus, the
embedder and the seeded stances. Every generator and the embedder load here, before a
run folder is touched, so a bad model, file or server fails first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netcollapse._io import resolve_path
from netcollapse._random import SeedLike, root_seed
from netcollapse.engines.spec import round_robin
from netcollapse.errors import bad
from netcollapse.graphs.retrieval_graph import RetrievalGraph
from netcollapse.retrieval.corpus import DEFAULT_QUERY, default_corpus, load_corpus
from netcollapse.scenarios.stances import seed_stances

__all__ = ["build_llm_web"]


def build_llm_web(
    cls: type,
    graph: RetrievalGraph,
    llm: Any,
    *,
    retrieval: Any = None,
    seed: SeedLike = None,
    base_dir: Path | None = None,
    interventions: Any = None,
) -> Any:
    """Build an LLM web (``cls``) from an :class:`~netcollapse.engines.spec.LLMSpec`.

    Parameters
    ----------
    cls : type
        :class:`~netcollapse.engines.llm.LLMWeb` (or a subclass).
    graph : RetrievalGraph
    llm : LLMSpec
    retrieval, seed, base_dir, interventions
        As for :meth:`~netcollapse.engines.llm.LLMWeb.from_spec`.

    Returns
    -------
    LLMWeb
    """
    from netcollapse.backends.devices import resolve_device
    from netcollapse.backends.embedding import SentenceTransformerEmbedder
    from netcollapse.engines.llm import DECODING_KEYS

    n, seed = graph.n, root_seed(seed)
    stances = None if llm.stances is None else seed_stances(llm.stances, graph, seed, base_dir)
    defaults = llm.defaults.model_dump()
    if llm.nodes is not None and len(llm.nodes) != n:
        raise bad("llm.nodes", f"{len(llm.nodes)} entries", f"n = {n} (one per node)")
    nodes = [{**defaults, **(llm.nodes[i] if llm.nodes else {})} for i in range(n)]
    if llm.personas is not None:
        for node, persona in zip(nodes, round_robin(n, llm.personas, "llm.personas")):
            node["persona"] = persona
    shared: dict[str, Any] = {}
    for node in nodes:
        if node["model"] not in shared:
            shared[node["model"]] = llm.generator(node["model"])
    if llm.corpus == "default":
        corpus = default_corpus()
    else:
        corpus = load_corpus(resolve_path(base_dir, llm.corpus), text_column=llm.text_column)
    embedder = SentenceTransformerEmbedder(llm.embedder, device=resolve_device(llm.device))
    for gen in shared.values():  # fail early, before a run folder is touched
        gen.load()
    embedder.load()
    return cls(
        graph,
        corpus,
        [shared[node["model"]] for node in nodes],
        embedder,
        query=llm.query or DEFAULT_QUERY,
        L=llm.L,
        publish=llm.publish,
        personas=[node["persona"] for node in nodes],
        decoding=[{k: node[k] for k in DECODING_KEYS} for node in nodes],
        retrieval=retrieval,
        stances=stances,
        seed=seed,
        interventions=interventions,
    )
