"""Compare two run folders or two sweep folders number by number.

Used to show that a refactor changed no numbers:

    python benchmarks/compare_runs.py OLD NEW --rename spread=weight_diversity,drift=weight_drift

A run folder is compared on ``metrics.parquet``; a sweep folder on
``results.parquet`` and ``steps.parquet``, rows matched by the swept parameters
and the replicate (``task_id`` is a hash of the resolved spec, so it changes when
a spec field is renamed). Timing and host columns are skipped. Every shared
numeric column must be bit-identical (NaN equal to NaN); the script prints one
line per table and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SKIP = ("seconds", "worker", "traceback")


def _load(folder: Path) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    if (folder / "results.parquet").is_file():
        results = pd.read_parquet(folder / "results.parquet")
        first = list(results.columns).index("replicate")
        last = list(results.columns).index("family")
        keys = list(results.columns[first:last])  # replicate, seed and the swept parameters
        steps = pd.read_parquet(folder / "steps.parquet").merge(
            results[["task_id", *keys]], on="task_id"
        )
        return {
            "results": (results.drop(columns="task_id"), keys),
            "steps": (steps.drop(columns="task_id"), [*keys, "step"]),
        }
    return {"metrics": (pd.read_parquet(folder / "metrics.parquet"), ["step"])}


def compare(old: Path, new: Path, rename: dict[str, str]) -> int:
    failures = 0
    for name, (a, keys) in _load(old).items():
        b, _ = _load(new)[name]
        a = a.rename(columns=rename).sort_values(keys).reset_index(drop=True)
        b = b.sort_values(keys).reset_index(drop=True)
        shared = [c for c in a.columns if c in b.columns and not c.startswith(SKIP)]
        if len(a) != len(b):
            print(f"{name}: {len(a)} rows before, {len(b)} after")
            failures += 1
            continue
        differ = []
        for c in shared:
            x, y = a[c].to_numpy(), b[c].to_numpy()
            same = (
                np.array_equal(x, y, equal_nan=True)
                if x.dtype.kind in "fc"
                else a[c]
                .astype(object)
                .fillna("<missing>")
                .astype(str)
                .equals(b[c].astype(object).fillna("<missing>").astype(str))
            )
            if not same:
                differ.append(c)
        only_old = sorted(set(a.columns) - set(b.columns))
        only_new = sorted(set(b.columns) - set(a.columns))
        print(
            f"{name}: {len(a)} rows, {len(shared)} shared columns identical"
            f"{'' if not differ else ' EXCEPT ' + ', '.join(differ)}"
            f"; only before: {only_old or 'none'}; only after: {only_new or 'none'}"
        )
        failures += bool(differ)
    return 1 if failures else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("--rename", default="", help="old=new column renames, comma-separated")
    args = p.parse_args()
    rename = dict(pair.split("=") for pair in args.rename.split(",") if pair)
    return compare(args.old, args.new, rename)


if __name__ == "__main__":
    sys.exit(main())
