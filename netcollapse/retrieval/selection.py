"""Selection: picking documents within sources, random or nearest.

Step 3 of the retrieval pipeline of :mod:`netcollapse.retrieval.quotas`: given each node's
quotas per source (a :class:`~netcollapse.retrieval.quotas.Quotas`, from
:func:`~netcollapse.retrieval.quotas.allocate_quotas` or
:func:`~netcollapse.retrieval.quotas.pooled_quotas`), :func:`select_documents` picks the
actual documents from each source's :class:`~netcollapse.retrieval.store.DocumentStore`,
uniformly at random (the paper) or nearest to a query. Source ``-1`` is the human
seed corpus ``H``. It loops over nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Sequence, get_args

import numpy as np

from netcollapse._random import spawn
from netcollapse.errors import bad
from netcollapse.retrieval.store import DocumentStore

if TYPE_CHECKING:
    from netcollapse.retrieval.quotas import Quotas

__all__ = ["PICKS", "select_documents"]

Pick = Literal["random", "nearest"]
"""The type of ``pick`` (what :data:`PICKS` lists)."""
PICKS: tuple[str, ...] = get_args(Pick)
"""Values of ``pick``: how :func:`select_documents` chooses documents within a source."""


# -------------------------------------------------------------- documents
def select_documents(
    stores: Sequence[DocumentStore],
    human_store: DocumentStore | None,
    quotas: Quotas,
    rng: int | np.random.Generator | None,
    before_step: int | None,
    pick: str = "random",
    query: np.ndarray | None = None,
) -> list[list[tuple[int, int]]]:
    """Pick the documents each node retrieves, given its quotas.

    Parameters
    ----------
    stores : sequence of DocumentStore
        One store per node (``stores[j]`` is ``S_j``).
    human_store : DocumentStore or None
        The seed corpus ``H`` (may be ``None`` when no node takes from it).
    quotas : Quotas
        From :func:`allocate_quotas` or :func:`pooled_quotas`.
    rng : int, numpy.random.Generator or None
        Random source. Node ``i`` uses the ``i``-th of ``spawn(rng, n)``
        (:func:`netcollapse._random.spawn`), so its picks do not depend on the
        order in which nodes are processed.
    before_step : int or None
        The reading step (documents published before it are visible).
    pick : {"random", "nearest"}
        How documents are chosen within a source (:data:`PICKS`). ``"random"``:
        uniform without replacement (the paper); the node's list is then
        shuffled. ``"nearest"``: the nearest neighbours of ``query`` (HNSW); the
        node's list is ordered by cosine similarity to the query, most similar
        first.
    query : numpy.ndarray, optional
        For ``"nearest"``: one embedding ``(d,)`` for all nodes or ``(n, d)``.

    Returns
    -------
    list of list of (int, int)
        For each node, ``(source, doc_id)`` pairs; source ``-1`` is ``H``.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from netcollapse.retrieval.quotas import allocate_quotas
    >>> rng = np.random.default_rng(0)
    >>> stores = [DocumentStore(dim=3) for _ in range(2)]
    >>> for j, s in enumerate(stores):
    ...     _ = s.add(["x", "y"], rng.normal(size=(2, 3)), author=j, step=0)
    >>> W = sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> qt = allocate_quotas(W, 0.0, [2, 1], [2, 2], 0)
    >>> picks = select_documents(stores, None, qt, rng=1, before_step=1)
    >>> sorted(picks[0]), [src for src, _ in picks[1]]
    ([(1, 0), (1, 1)], [0])
    """
    if pick not in PICKS:
        raise bad("pick", pick, f"one of {', '.join(map(repr, PICKS))}")
    n = quotas.n
    if len(stores) != n:
        raise bad("stores", f"{len(stores)} stores", f"one store per node ({n})")
    if human_store is None and quotas.human.any():
        raise bad("human_store", None, "a DocumentStore (some quotas draw from H)")
    queries = None
    if pick == "nearest":
        if query is None:
            raise bad("query", None, "an embedding of shape (d,) or (n, d) for pick 'nearest'")
        qarr = np.asarray(query, dtype=np.float64)
        queries = np.broadcast_to(qarr, (n, qarr.shape[-1])) if qarr.ndim == 1 else qarr
        if queries.shape[0] != n:
            raise bad("query", f"shape {qarr.shape}", f"shape (d,) or ({n}, d)")
    rngs = spawn(rng, n)
    Q = quotas.Q
    out: list[list[tuple[int, int]]] = []
    for i in range(n):
        sources: list[tuple[int, DocumentStore, int]] = []
        if human_store is not None and quotas.human[i] > 0:  # checked above
            sources.append((-1, human_store, int(quotas.human[i])))
        lo, hi = Q.indptr[i], Q.indptr[i + 1]
        for j, c in zip(Q.indices[lo:hi], Q.data[lo:hi]):
            if c > 0:
                sources.append((int(j), stores[j], int(c)))
        picks: list[tuple[int, int]] = []
        if pick == "random":
            for src, store, c in sources:
                ids = store.pick_random(c, rngs[i], before_step)
                picks.extend((src, int(d)) for d in ids)
            order = rngs[i].permutation(len(picks))
            picks = [picks[o] for o in order]
        else:
            assert queries is not None  # set above for pick 'nearest'
            q = queries[i]
            scored: list[tuple[float, int, int]] = []
            qn = q / np.linalg.norm(q)
            for src, store, c in sources:
                ids = store.pick_nearest(q, c, before_step)
                if ids.size:
                    sims = store.embeddings_of(ids) @ qn
                    scored.extend((-float(s), src, int(d)) for s, d in zip(sims, ids))
            scored.sort()
            picks = [(src, d) for _, src, d in scored]
        out.append(picks)
    return out
