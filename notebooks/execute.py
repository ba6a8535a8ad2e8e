"""Execute the notebooks in place, at full size, for maintainers.

Usage, from anywhere::

    python notebooks/execute.py                          # every notebook in notebooks/
    python notebooks/execute.py 01 02_surrogate_theory   # named ones: a path, a file name,
                                                         # a stem or a unique prefix
    python notebooks/execute.py --size ci 02             # the test suite's small settings

Each notebook runs top to bottom in a fresh ``python3`` kernel, from the
``notebooks/`` folder, with ``NETCOLLAPSE_NOTEBOOK_SIZE`` set to the chosen size
(default ``full``: the sizes whose outputs are committed) and a limit of 1200 s per
cell. Its outputs are written back into the file only when every cell ran; a
notebook that fails is left as it was and the script exits with status 1.
``tests/test_notebooks.py`` runs the same notebooks at size ``ci`` on copies.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
SIZES = ("full", "ci")
CELL_TIMEOUT = 1200


def find(name: str) -> Path:
    """Return the notebook a command-line name refers to."""
    path = Path(name)
    if path.suffix == ".ipynb" and path.exists():
        return path.resolve()
    matches = sorted(p for p in HERE.glob("*.ipynb")
                     if p.name == name or p.stem == name or p.name.startswith(name))
    if len(matches) != 1:
        found = ", ".join(p.name for p in matches) or "none"
        raise SystemExit(f"notebook: got {name!r}, expected one notebook in {HERE} "
                         f"(matches: {found})")
    return matches[0]


def execute(path: Path, size: str, timeout: int = CELL_TIMEOUT) -> float:
    """Execute one notebook in place; return its wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    os.environ["NETCOLLAPSE_NOTEBOOK_SIZE"] = size  # the kernel inherits this environment
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Command line: execute the named notebooks (default: all) in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--size", choices=SIZES, default="full",
                        help="NETCOLLAPSE_NOTEBOOK_SIZE (default: full)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds per cell (default: {CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    paths = [find(n) for n in args.notebooks] or sorted(HERE.glob("*.ipynb"))
    failed = 0
    for path in paths:
        print(f"{path.name}: running (size {args.size}) ...", flush=True)
        try:
            seconds = execute(path, args.size, args.timeout)
        except CellExecutionError as exc:
            failed += 1
            print(f"{path.name}: FAILED, file left unchanged\n{exc}", file=sys.stderr, flush=True)
            continue
        size_kb = path.stat().st_size / 1024
        print(f"{path.name}: done in {seconds:.1f} s, {size_kb:.0f} KB", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
