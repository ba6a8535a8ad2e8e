"""Shared pieces of the fuzz tests: settings, the shipped specs, mutation strategies, the contract.

The default profile runs the example counts given to :func:`fuzz_settings`;
``NETCOLLAPSE_FUZZ=long`` (``make fuzz``) multiplies them by :data:`LONG_SCALE`.
Every property calls :func:`count` once per example, so the session can say how
many cases ran (``tests/fuzz/conftest.py`` prints it).
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from netcollapse._spec import read_yaml
from netcollapse.app.shipped import shipped_dir
from netcollapse.errors import NetcollapseError

LONG_SCALE = 20
"""How many times more examples the long profile runs."""

CASES: Counter[str] = Counter()
"""Examples run so far in this session, per property."""


def scale() -> int:
    """1 by default, :data:`LONG_SCALE` with ``NETCOLLAPSE_FUZZ=long``."""
    return LONG_SCALE if os.environ.get("NETCOLLAPSE_FUZZ", "") == "long" else 1


def fuzz_settings(examples: int) -> settings:
    """Reproducible settings: a fixed derandomized search, no deadline, no example database."""
    return settings(
        max_examples=examples * scale(),
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        # the generated specs and files are large on purpose (deep nesting, long texts)
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            # capsys is read out (and so emptied) in every example that uses it
            HealthCheck.function_scoped_fixture,
        ],
    )


def count(name: str) -> None:
    """Record one example of the property ``name``."""
    CASES[name] += 1


# ------------------------------------------------------------------------ the shipped specs
def shipped(kind: str) -> dict[str, dict[str, Any]]:
    """The shipped specs of ``kind`` (``experiments`` or ``topologies``) by name."""
    return {p.stem: read_yaml(p) for p in sorted(shipped_dir(kind).glob("*.yaml"))}


EXPERIMENTS = shipped("experiments")
TOPOLOGIES = shipped("topologies")
RUNS = {k: v for k, v in EXPERIMENTS.items() if "engine" in v}
SWEEPS = {k: v for k, v in EXPERIMENTS.items() if "base" in v}
CALIBRATIONS = {k: v for k, v in EXPERIMENTS.items() if k not in RUNS and k not in SWEEPS}


# ------------------------------------------------------------------------ the values
def deep(depth: int, kind: str) -> Any:
    """A dict (``kind == "dict"``) or list nested ``depth`` levels deep."""
    value: Any = 0
    for _ in range(depth):
        value = {"a": value} if kind == "dict" else [value]
    return value


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
huge_ints = st.sampled_from([2**31, 2**63, 2**70, 10**30, 10**400, 10**5000, -(2**70), -1, 0])
nasty_floats = st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, -1e-308, 5e-324])
nasty = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_floats,
    text,
    st.sampled_from(["", " ", "1/k", "\x00", "\u202e", "🐍" * 10, "1e400", "nan", "0x10"]),
    st.binary(max_size=40),
    st.builds(deep, st.integers(1, 200), st.sampled_from(["dict", "list"])),
    st.lists(st.integers(-5, 70), max_size=5),
    st.lists(text, max_size=3),
    st.dictionaries(text, st.integers(), max_size=3),
)
"""Values of every wrong kind: None, bools, huge and negative ints, NaN, inf, unicode,
bytes, deep nesting, lists and mappings."""


# ------------------------------------------------------------------------ the mutations
def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys and indices) into a nested spec, the root ``()`` first."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += paths(v, (*prefix, i))
    return out


def _copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def _apply(spec: Any, path: tuple, op: str, value: Any, key: str) -> Any:
    """Return ``spec`` with one mutation at ``path`` (the spec is copied first)."""
    if not path:
        if op == "replace":
            return value
        if isinstance(spec, dict):
            spec = _copy(spec)
            spec[key] = value
        return spec
    spec = _copy(spec)
    parent = spec
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "drop":
        del parent[last]
    elif op == "replace":
        parent[last] = value
    elif isinstance(parent[last], dict):  # "add": an unknown field inside a mapping
        parent[last][key] = value
    else:
        parent[last] = value
    return spec


@st.composite
def mutated(draw: Any, specs: dict[str, dict[str, Any]], most: int = 3) -> dict[str, Any]:
    """A shipped spec with 1 to ``most`` mutations: drops, unknown fields, wrong values."""
    name = draw(st.sampled_from(sorted(specs)))
    spec: Any = specs[name]
    for _ in range(draw(st.integers(1, most))):
        where = paths(spec)
        path = draw(st.sampled_from(where))
        op = draw(st.sampled_from(["drop", "replace", "replace", "add"] if path else ["add"]))
        key = draw(st.one_of(st.sampled_from(["x", "nn", "T ", "Engine", "n"]), text))
        spec = _apply(spec, path, op, draw(nasty), key)
    return spec


# ------------------------------------------------------------------------ the contract
FIELD_FIRST = re.compile(r"^(?!got )\S.*?: got ")


def check_error(exc: BaseException) -> str:
    """Assert the one-line error contract: a NetcollapseError, one line, naming a field."""
    assert isinstance(exc, NetcollapseError), f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert message.splitlines() == [message], repr(message)
    assert FIELD_FIRST.match(message), repr(message)
    return message


def refused(call: Any, *args: Any, **kwargs: Any) -> str | None:
    """Run ``call``; ``None`` when it succeeds, its checked one-line error when it refuses."""
    try:
        call(*args, **kwargs)
    except NetcollapseError as exc:
        return check_error(exc)
    return None


def folder_files(folder: Path) -> list[str]:
    """Every path under ``folder`` (empty when it does not exist)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []
