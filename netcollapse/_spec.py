"""Validation of user specs in one place, with one error format.

Every spec model derives from :class:`Spec` (unknown fields rejected, frozen, no
NaN or infinity); :func:`validate` turns pydantic's first complaint into one line,
``field: got VALUE, expected WHAT`` (a :class:`netcollapse.errors.SpecError`);
:func:`read_yaml` reads a YAML mapping with one-line errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from netcollapse.errors import DataError, SpecError, bad

__all__ = ["Spec", "read_yaml", "validate"]

_FIELD_FIRST = re.compile(r"^[\w.\[\]]+: got ")


class Spec(BaseModel):
    """Base of every spec model: unknown fields are errors; instances are frozen.

    Constructing a model directly (``Retrieval(k=0)``) raises the same one-line
    :class:`~netcollapse.errors.SpecError` as :func:`validate`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _one_line(type(self), exc, "") from None


def _expected(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    table = {
        "greater_than_equal": lambda: f"a value >= {ctx.get('ge')}",
        "greater_than": lambda: f"a value > {ctx.get('gt')}",
        "less_than_equal": lambda: f"a value <= {ctx.get('le')}",
        "less_than": lambda: f"a value < {ctx.get('lt')}",
        "int_type": lambda: "an integer",
        "int_parsing": lambda: "an integer",
        "int_from_float": lambda: "an integer",
        "float_type": lambda: "a number",
        "float_parsing": lambda: "a number",
        "finite_number": lambda: "a finite number",
        "bool_type": lambda: "true or false",
        "bool_parsing": lambda: "true or false",
        "string_type": lambda: "a string",
        "literal_error": lambda: f"one of {ctx.get('expected')}",
        "missing": lambda: "a value (this field is required)",
        "too_short": lambda: f"at least {ctx.get('min_length')} item(s)",
        "list_type": lambda: "a list",
    }
    if kind in table:
        return table[kind]()
    return str(err.get("msg", "a valid value")).removeprefix("Value error, ")


def validate(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    """Validate ``data`` against ``model``, turning the first problem into one line.

    Parameters
    ----------
    model : pydantic model class
    data : mapping
    prefix : str
        Dotted prefix for field names in messages (``"graph."``).

    Returns
    -------
    model instance

    Raises
    ------
    SpecError
        ``field: got VALUE, expected WHAT``.

    Examples
    --------
    >>> from netcollapse.graphs.spec import Complete
    >>> validate(Complete, {"n": 1}).n
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: n: got 1, expected a value >= 2
    """
    if not isinstance(data, dict):
        raise bad(prefix.rstrip(".") or "spec", data, "a mapping of field: value")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _one_line(model, exc, prefix) from None


def _one_line(model: type[BaseModel], exc: ValidationError, prefix: str) -> SpecError:
    """Return the first problem of a pydantic error as ``field: got VALUE, expected WHAT``."""
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err["loc"])
    msg = _expected(err)
    if err["type"] == "value_error":
        # our validators already say "got ..., expected ..."; model-level ones (and nested
        # models, whose own errors arrive here) start with the field, under ``loc``
        if _FIELD_FIRST.match(msg):
            return SpecError(f"{prefix}{loc}.{msg}" if loc else f"{prefix}{msg}")
        return SpecError(f"{prefix}{loc}: {msg}" if loc else f"{prefix}{msg}")
    if err["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(model.model_fields))
        return bad(f"{prefix}{loc}", err.get("input"), f"no such field; known fields: {allowed}")
    value = err.get("input") if err["type"] != "missing" else None
    return bad(f"{prefix}{loc}", value, msg)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from ``path`` with one-line errors.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict

    Raises
    ------
    DataError
        Missing, unreadable or unparsable file, or a file that is not a mapping.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"spec: got {str(path)!r}, expected an existing YAML file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"spec: got {str(path)!r}, expected a readable file ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataError(
            f"spec: got {str(path)!r}, expected valid YAML (parse error{where})"
        ) from None
    if not isinstance(data, dict):
        raise DataError(f"spec: got {str(path)!r}, expected a YAML mapping of field: value")
    return data
