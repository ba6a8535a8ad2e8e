"""Validation helpers shared by every layer, with the one error format of :func:`bad`.

Every check raises a :class:`netcollapse.errors.SpecError` whose message is one
line, ``field: got VALUE, expected WHAT``.

The retrieval matrix ``W`` and the anchoring shares ``h`` (the convention is
stated once, in :mod:`netcollapse.graphs`) are checked here and nowhere else:
:func:`check_W` and :func:`check_h`, with the one row-sum tolerance
:data:`ROW_TOL`. They run at the public boundary (building a
:class:`~netcollapse.graphs.RetrievalGraph`, a public spectral or quota function
given a raw matrix); code that receives a ``RetrievalGraph`` trusts it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from netcollapse.errors import bad

__all__ = [
    "ROW_TOL",
    "ZERO_ROWS",
    "as_array",
    "check_W",
    "check_counts",
    "check_h",
    "check_int",
    "normalize_rows",
]

ROW_TOL = 1e-8
"""Largest accepted ``|sum_j W[i, j] - 1|``: rows of ``W`` sum to 1 within this."""

ZERO_ROWS = ("raise", "keep")
"""Values of ``zero_rows`` in :func:`normalize_rows`."""


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


def check_int(value: Any, field: str, low: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= low`` (bools are not).

    Parameters
    ----------
    value : object
    field : str
        Name used in the error message.
    low : int
        Smallest accepted value.

    Returns
    -------
    int

    Examples
    --------
    >>> check_int(3, "k_max", 1)
    3
    >>> check_int(0, "k_max", 1)
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: k_max: got 0, expected an integer >= 1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise bad(field, value, f"an integer >= {low}")
    return int(value)


def check_counts(value: Any, n: int, field: str) -> np.ndarray:
    """Return one non-negative integer per node: an int64 array of shape ``(n,)``.

    Parameters
    ----------
    value : int or array_like
        A scalar (the same count for every node) or ``n`` counts; floats are
        accepted when they are whole numbers.
    n : int
        Number of nodes.
    field : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> check_counts(2, 3, "k").tolist()
    [2, 2, 2]
    >>> check_counts([1, -1], 2, "available")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: available[1]: got -1, expected an integer >= 0
    """
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.shape != (n,):
        raise bad(field, f"shape {arr.shape}", f"a scalar or an array of shape ({n},)")
    if arr.size and not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        whole = np.issubdtype(arr.dtype, np.floating) and bool(np.all(arr == np.round(arr)))
        if not whole:
            raise bad(field, arr.tolist(), "integers >= 0")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        i = int(np.argmin(arr))
        raise bad(f"{field}[{i}]", int(arr[i]), "an integer >= 0")
    return arr


def check_W(W: Any, *, min_nodes: int = 1) -> sp.csr_array:
    """Validate a retrieval matrix and return it in canonical form.

    ``W[i, j]`` is the share of node *i*'s retrieval drawn from node *j*'s store
    (the convention of :mod:`netcollapse.graphs`): a square matrix of finite,
    non-negative shares whose rows sum to 1 within :data:`ROW_TOL`.

    Parameters
    ----------
    W : scipy sparse matrix or array_like
        The matrix; any scipy sparse format or a dense 2-D array.
    min_nodes : int
        Smallest accepted ``n``.

    Returns
    -------
    scipy.sparse.csr_array
        A new float64 ``csr_array`` (never a view of ``W``) with duplicate
        entries summed and sorted column indices. Stored zeros of a sparse ``W``
        are kept (a source with share 0); a dense ``W`` stores only non-zeros.

    Raises
    ------
    SpecError
        ``W.shape`` (not square, or fewer than ``min_nodes`` nodes),
        ``W[i, j]`` (a negative or non-finite entry) or ``W[i, :].sum()``
        (a row that does not sum to 1).

    Examples
    --------
    >>> check_W([[0.5, 0.5], [0.0, 1.0]]).toarray().tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    >>> check_W([[0.5, 0.5], [0.25, 0.25]])
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: W[1, :].sum(): got 0.5, expected 1 (rows of W sum to 1)
    >>> check_W([[1.5, -0.5], [0.0, 1.0]])
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: W[0, 1]: got -0.5, expected a finite share >= 0
    """
    if sp.issparse(W):
        # scipy-stubs 1.17 has no overload for a sparse input with a dtype; scipy takes it
        M = sp.csr_array(W, dtype=np.float64, copy=True)  # type: ignore[call-overload]
    else:
        try:
            arr = np.asarray(W, dtype=np.float64)
        except (TypeError, ValueError):
            raise bad("W", W, "a square n x n matrix of shares") from None
        if arr.ndim != 2:
            raise bad("W.shape", arr.shape, "a square n x n matrix")
        M = sp.csr_array(arr)
    n = M.shape[0]
    if M.ndim != 2 or M.shape[1] != n or n < min_nodes:
        raise bad("W.shape", M.shape, f"a square n x n matrix with n >= {min_nodes}")
    M.sum_duplicates()
    M.sort_indices()
    wrong = ~(M.data >= 0) | ~np.isfinite(M.data)
    if wrong.any():
        e = int(np.flatnonzero(wrong)[0])
        i = int(np.searchsorted(M.indptr, e, side="right")) - 1
        raise bad(f"W[{i}, {int(M.indices[e])}]", float(M.data[e]), "a finite share >= 0")
    sums = np.asarray(M.sum(axis=1), dtype=np.float64).reshape(-1)
    off = np.flatnonzero(np.abs(sums - 1.0) > ROW_TOL)
    if off.size:
        i = int(off[0])
        raise bad(f"W[{i}, :].sum()", float(sums[i]), "1 (rows of W sum to 1)")
    return M


def check_h(h: Any, n: int | None, field: str = "h") -> np.ndarray:
    """Validate anchoring shares: one number in ``[0, 1]`` per node.

    ``h[i]`` is the share of node *i*'s retrieval drawn from the human seed
    corpus (the convention of :mod:`netcollapse.graphs`).

    Parameters
    ----------
    h : float or array_like
        A scalar (the same share for every node) or one share per node.
    n : int or None
        Number of nodes; ``None`` accepts any length (a scalar gives one value).
    field : str
        Name used in error messages (``"anchoring"`` in topology specs).

    Returns
    -------
    numpy.ndarray
        Float64, shape ``(n,)``. Not a copy when ``h`` already is such an array.

    Examples
    --------
    >>> check_h(0.25, 3).tolist()
    [0.25, 0.25, 0.25]
    >>> check_h([0.0, 1.5], 2)
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: h[1]: got 1.5, expected a number in [0, 1]
    """
    try:
        arr = np.asarray(h, dtype=np.float64)
    except (TypeError, ValueError):
        raise bad(field, h, "a number in [0, 1] or one per node") from None
    if arr.ndim == 0:
        if not 0.0 <= float(arr) <= 1.0:
            raise bad(field, float(arr), "a number in [0, 1]")
        return np.full(1 if n is None else n, float(arr))
    if arr.ndim != 1 or (n is not None and arr.shape != (n,)):
        want = f"({n},)" if n is not None else "(n,)"
        raise bad(f"{field}.shape", arr.shape, f"() or {want}: one share per node")
    wrong = ~((arr >= 0.0) & (arr <= 1.0))
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise bad(f"{field}[{i}]", float(arr[i]), "a number in [0, 1]")
    return arr


def normalize_rows(x: Any, field: str = "x", zero_rows: str = "raise") -> np.ndarray:
    """Return ``x`` as float32 with every row scaled to unit L2 norm.

    Parameters
    ----------
    x : array_like
        Shape ``(m, d)``; the norms are computed in float64.
    field : str
        Name used in error messages.
    zero_rows : {"raise", "keep"}
        What a row of norm 0 does: ``"raise"`` an error (a document store needs
        unit vectors for cosine search), or ``"keep"`` it as zeros (an embedder
        passes its model's output through unchanged in that case).

    Returns
    -------
    numpy.ndarray
        Float32, shape ``(m, d)``.

    Raises
    ------
    SpecError
        A row with a non-finite entry (always), or a zero row with
        ``zero_rows="raise"``.

    Examples
    --------
    >>> normalize_rows([[3.0, 4.0], [0.0, 0.0]], zero_rows="keep").tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    >>> normalize_rows([[3.0, 4.0], [0.0, 0.0]], "emb")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: emb[1]: got 'a zero vector', expected a finite non-zero vector
    """
    if zero_rows not in ZERO_ROWS:
        raise bad("zero_rows", zero_rows, f"one of {', '.join(map(repr, ZERO_ROWS))}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise bad(f"{field}.shape", x.shape, "an (m, d) array")
    norms = np.linalg.norm(x, axis=1)
    finite = np.isfinite(norms)
    zero = norms == 0
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise bad(f"{field}[{row}]", "a non-finite vector", "a finite non-zero vector")
    if zero.any():
        if zero_rows == "raise":
            row = int(np.flatnonzero(zero)[0])
            raise bad(f"{field}[{row}]", "a zero vector", "a finite non-zero vector")
        norms = np.where(zero, 1.0, norms)
    return (x / norms[:, None]).astype(np.float32)
