"""Strict JSON of numpy values: the one home of :func:`to_jsonable` and :func:`dumps`.

Numpy scalars and arrays, paths and tuples become plain JSON values; NaN and
infinities become ``null``, so every file the package writes is valid JSON
(``json.loads`` of any JSON parser, not only Python's). Files are written with
:mod:`netcollapse._io`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Return ``obj`` as plain JSON values; NaN and infinities become ``None``.

    Parameters
    ----------
    obj : Any
        Nested dicts, lists, tuples, numpy arrays and scalars, paths, numbers.

    Returns
    -------
    Any
        Only dict (string keys), list, str, int, float (finite), bool and None.

    Examples
    --------
    >>> to_jsonable({"a": np.float64("nan"), "b": np.arange(2), 3: Path("x")})
    {'a': None, 'b': [0, 1], '3': 'x'}
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`to_jsonable` (strict JSON: never a bare ``NaN``).

    Parameters
    ----------
    obj : Any
    **kwargs
        Passed to :func:`json.dumps` (``indent``, ``sort_keys``, ...).

    Returns
    -------
    str

    Examples
    --------
    >>> dumps({"x": float("inf"), "y": np.int64(2)})
    '{"x": null, "y": 2}'
    """
    kwargs.setdefault("default", str)
    return json.dumps(to_jsonable(obj), allow_nan=False, **kwargs)
