"""Validation helpers shared by every layer, with the one error format of :func:`bad`.

``field: got VALUE, expected WHAT`` (a :class:`netcollapse.errors.SpecError`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netcollapse.errors import bad

__all__ = ["as_array"]


def as_array(value: Any, field: str, ndims: tuple[int, ...], what: str) -> np.ndarray:
    """Convert ``value`` to a finite, non-empty float array with ``ndim`` in ``ndims``.

    Parameters
    ----------
    value : array_like
    field : str
        Name used in error messages.
    ndims : tuple of int
        Accepted numbers of dimensions.
    what : str
        What was expected, for the error message.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> as_array([[1, 2]], "X", (2,), "an (n, d) array").shape
    (1, 2)
    >>> as_array([1, float("nan")], "F", (1,), "a curve")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: F[1]: got nan, expected a finite number
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise bad(field, value, what) from None
    if arr.ndim not in ndims:
        raise bad(f"{field}.shape", arr.shape, what)
    if arr.size == 0:
        raise bad(f"{field}.shape", arr.shape, f"{what}, non-empty")
    finite = np.isfinite(arr)
    if not finite.all():
        idx = tuple(int(i) for i in np.argwhere(~finite)[0])
        name = f"{field}[{', '.join(map(str, idx))}]"
        raise bad(name, float(arr[idx]), "a finite number")
    return arr
