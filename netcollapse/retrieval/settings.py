"""How nodes read: one settings object shared by run specs, the engine loop and both engines.

:class:`Retrieval` is the ``retrieval:`` section of a run spec *and* the
``retrieval=`` argument of :class:`~netcollapse.engines.gmm.GMMWeb` and
:class:`~netcollapse.engines.llm.LLMWeb`, with the same names end to end:

=========  ===========================================================================
``mode``   ``"weighted"``: per-source quotas from the row of ``W`` and ``h``;
           ``"pooled"``: a uniform draw from the union of a node's sources (on a
           complete graph, the paper's shared pool ``A(t)``)
``beta``   the paper's ``k_i(t) = floor(beta |A_i(t)|)``; ignored when ``k`` is set
``k``      a fixed number of documents per node and step instead of ``beta``
``k_max``  a cap on the number of documents
``memory`` stores keep only the last ``memory`` steps of posts (``None``: keep all)
``quota``  how ``k_i`` is split over sources in weighted mode
           (:data:`~netcollapse.retrieval.quotas.QUOTAS`)
``pick``   documents within a source: at random (the paper) or nearest to the query
           in the source's HNSW index (:data:`~netcollapse.retrieval.selection.PICKS`;
           the GMM engine has no query and accepts only ``"random"``)
=========  ===========================================================================
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import numpy as np
from pydantic import Field, model_validator

from netcollapse._spec import Spec, validate
from netcollapse.retrieval.expected import ExpectedQuotas, expected_quotas
from netcollapse.retrieval.quotas import (
    Quota,
    Quotas,
    allocate_quotas,
    pooled_quotas,
    reachable_total,
    retrieval_size,
)
from netcollapse.retrieval.selection import Pick

__all__ = ["MODES", "Retrieval", "as_retrieval"]

Mode = Literal["weighted", "pooled"]
"""The type of :attr:`Retrieval.mode` (what :data:`MODES` lists)."""
MODES: tuple[str, ...] = get_args(Mode)
"""Values of :attr:`Retrieval.mode`."""


class Retrieval(Spec):
    """Retrieval settings (validated, frozen).

    Examples
    --------
    >>> r = Retrieval(k=12, memory=1)
    >>> r.mode, r.k, r.beta, r.quota, r.pick
    ('weighted', 12, 0.5, 'largest_remainder', 'random')
    >>> as_retrieval({"mode": "pooled", "beta": 2.0})
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: retrieval.beta: got 2.0, expected a value <= 1.0
    """

    mode: Mode = "weighted"
    beta: float | None = Field(default=0.5, gt=0.0, le=1.0)
    k: int | None = Field(default=None, ge=1)
    k_max: int | None = Field(default=None, ge=1)
    memory: int | None = Field(default=None, ge=1)
    quota: Quota = "largest_remainder"
    pick: Pick = "random"

    @model_validator(mode="after")
    def _size_defined(self) -> Retrieval:
        if self.k is None and self.beta is None:
            raise ValueError("beta: got None, expected a number in (0, 1] when k is not set")
        return self

    def size(self, graph: Any, available: np.ndarray, human_available: int) -> np.ndarray:
        """Documents each node reads this round: ``k_i`` from what it can reach.

        Parameters
        ----------
        graph : RetrievalGraph
            ``W`` and ``h`` of the round.
        available : ndarray of int, shape (n,)
            Visible documents in each node's store.
        human_available : int
            Visible documents in the human seed corpus.

        Returns
        -------
        ndarray of int, shape (n,)
        """
        h = None if self.mode == "pooled" else graph.h
        reach = reachable_total(graph, available, human_available, h=h)
        beta = None if self.k is not None else self.beta
        return retrieval_size(reach, beta=beta, k=self.k, k_max=self.k_max)

    def quotas(
        self,
        graph: Any,
        available: np.ndarray,
        human_available: int,
        rng: np.random.Generator | None = None,
    ) -> Quotas:
        """Return this round's quotas: reach -> size ``k_i`` -> per-source quotas.

        The one home of this pipeline: the engine loop draws with it, and
        :meth:`expected_quotas` gives the theory its expectation.

        Parameters
        ----------
        graph : RetrievalGraph
        available : ndarray of int, shape (n,)
        human_available : int
        rng : numpy.random.Generator, optional
            Draws multinomial quotas and pooled reads, and breaks largest-remainder
            ties; without it, ties go to the earlier source.

        Returns
        -------
        Quotas

        Examples
        --------
        >>> from netcollapse.graphs.retrieval_graph import build
        >>> ring = build("ring", n=4, self_weight=0.5)  # half from itself, a quarter per side
        >>> q = Retrieval(k=4).quotas(ring, np.full(4, 10), 0)
        >>> q.total.tolist(), q.Q.toarray()[0].tolist()
        ([4, 4, 4, 4], [2, 1, 0, 1])
        """
        k = self.size(graph, available, human_available)
        if self.mode == "pooled":
            return pooled_quotas(graph, k, available, human_available, rng)
        return allocate_quotas(
            graph, graph.h, k, available, human_available, quota=self.quota, rng=rng
        )

    def expected_quotas(
        self, graph: Any, available: np.ndarray, human_available: int
    ) -> ExpectedQuotas:
        """Return the expected weighted-mode reads of this round, with ties at random.

        Parameters
        ----------
        graph : RetrievalGraph
        available : ndarray of int, shape (n,)
        human_available : int

        Returns
        -------
        ExpectedQuotas
            The expectation of largest-remainder quotas with random tie-breaks
            (:func:`netcollapse.retrieval.expected.expected_quotas`).

        Examples
        --------
        >>> from netcollapse.graphs.retrieval_graph import build
        >>> ring = build("ring", n=4, self_weight=0.5)
        >>> Retrieval(k=2).expected_quotas(ring, np.full(4, 10), 0).Q.toarray()[0].tolist()
        [1.0, 0.5, 0.0, 0.5]
        """
        k = self.size(graph, available, human_available)
        return expected_quotas(graph, graph.h, k, available, human_available)


def as_retrieval(value: Retrieval | dict[str, Any] | None) -> Retrieval:
    """Return ``value`` as :class:`Retrieval` (``None``: the defaults; a dict is validated).

    Parameters
    ----------
    value : Retrieval, dict or None

    Returns
    -------
    Retrieval

    Examples
    --------
    >>> as_retrieval(None) == Retrieval()
    True
    """
    if value is None:
        return Retrieval()
    if isinstance(value, Retrieval):
        return value
    return validate(Retrieval, value, "retrieval.")
