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
from pydantic_core import ErrorDetails

from netcollapse.errors import DataError, SpecError, bad, one_line

__all__ = ["MAX_DEPTH", "MAX_INT_BITS", "Spec", "check_plain", "read_yaml", "validate"]

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists a spec may have (the shipped ones use 4)."""

MAX_INT_BITS = 13_000
"""Longest integer a spec may hold (about 3900 digits; Python prints at most 4300)."""

_FIELD_FIRST = re.compile(r"""^(?:[\w.\[\]]|'[^'\n]*'|"[^"\n]*")+: got """)
_PLAIN = re.compile(r"^[\w.\-]+\Z")


class Spec(BaseModel):
    """Base of every spec model: unknown fields are errors; instances are frozen.

    Constructing a model directly (``Retrieval(k=0)``) raises the same one-line
    :class:`~netcollapse.errors.SpecError` as :func:`validate`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        check_plain(data)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _one_line(type(self), exc, "") from None


def check_plain(data: Any, prefix: str = "") -> None:
    """Refuse what no validator should see: nesting deeper than :data:`MAX_DEPTH`, huge ints.

    Walked without recursion, so a value nested thousands of levels deep is one line,
    not a ``RecursionError``; an integer too long to print is refused before any
    message tries to show it.

    Parameters
    ----------
    data : object
        A spec mapping (or any value in one).
    prefix : str
        Dotted prefix for field names in messages.

    Raises
    ------
    SpecError

    Examples
    --------
    >>> check_plain({"gmm": {"B": [[[1]]]}})
    >>> check_plain({"T": 10**5000})
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: T: got an integer of 16610 bits, expected a number of at \
most 13000 bits
    """
    stack: list[tuple[str, Any, int]] = [(prefix.rstrip("."), data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise bad(path or "spec", value, f"a number of at most {MAX_INT_BITS} bits")
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise bad(path or "spec", "a value nested deeper", f"at most {MAX_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            stack.append((f"{path}.{_name(key)}" if path else _name(key), child, depth + 1))


def _expected(err: ErrorDetails) -> str:
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
    check_plain(data, prefix)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _one_line(model, exc, prefix) from None


def _one_line(model: type[BaseModel], exc: ValidationError, prefix: str) -> SpecError:
    """Return the first problem of a pydantic error as ``field: got VALUE, expected WHAT``."""
    err = exc.errors()[0]
    loc = ".".join(_name(x) for x in err["loc"])
    msg = _expected(err)
    if err["type"] == "value_error":
        # our validators already say "got ..., expected ..."; model-level ones (and nested
        # models, whose own errors arrive here) start with the field, under ``loc``
        if _FIELD_FIRST.match(msg):
            return SpecError(f"{prefix}{loc}.{msg}" if loc else f"{prefix}{msg}")
        return SpecError(one_line(f"{prefix}{loc}: {msg}" if loc else f"{prefix}{msg}"))
    if err["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(model.model_fields))
        return bad(f"{prefix}{loc}", err.get("input"), f"no such field; known fields: {allowed}")
    value = err.get("input") if err["type"] != "missing" else None
    return bad(f"{prefix}{loc}", value, msg)


def _name(part: Any) -> str:
    """One part of a field's dotted name: as written when it is a plain name, else its repr.

    An unknown key may be empty, hold a colon, a space or a newline: the repr keeps the
    message one line that starts with the field.
    """
    text = str(part)
    return text if _PLAIN.match(text) else repr(part)


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
    except RecursionError:
        raise DataError(
            f"spec: got {str(path)!r}, expected YAML nested at most {MAX_DEPTH} levels deep"
        ) from None
    except ValueError as exc:  # an integer too long for Python to read, among others
        raise DataError(
            f"spec: got {str(path)!r}, expected valid YAML ({one_line(exc, 120)})"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataError(
            f"spec: got {str(path)!r}, expected valid YAML (parse error{where})"
        ) from None
    if not isinstance(data, dict):
        raise DataError(f"spec: got {str(path)!r}, expected a YAML mapping of field: value")
    return data
