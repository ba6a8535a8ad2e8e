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

from typing import Any, Literal

from pydantic import Field, model_validator

from netcollapse._spec import Spec, validate
from netcollapse.retrieval.quotas import QUOTAS
from netcollapse.retrieval.selection import PICKS

__all__ = ["MODES", "Retrieval", "as_retrieval"]

MODES = ("weighted", "pooled")
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

    mode: Literal[MODES] = "weighted"  # type: ignore[valid-type]
    beta: float | None = Field(default=0.5, gt=0.0, le=1.0)
    k: int | None = Field(default=None, ge=1)
    k_max: int | None = Field(default=None, ge=1)
    memory: int | None = Field(default=None, ge=1)
    quota: Literal[QUOTAS] = "largest_remainder"  # type: ignore[valid-type]
    pick: Literal[PICKS] = "random"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _size_defined(self) -> Retrieval:
        if self.k is None and self.beta is None:
            raise ValueError("beta: got None, expected a number in (0, 1] when k is not set")
        return self


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
