"""Files shipped inside the package: topology specs, experiment specs, the seed corpus."""

from __future__ import annotations

from pathlib import Path

from netcollapse.errors import bad

__all__ = ["SHIPPED", "shipped_dir"]

SHIPPED = ("topologies", "experiments")
"""Folders under ``netcollapse/data`` (also linked at the top of the source tree)."""


def shipped_dir(name: str) -> Path:
    """Return a folder shipped with the package (``topologies`` or ``experiments``).

    Parameters
    ----------
    name : {"topologies", "experiments"}

    Returns
    -------
    Path

    Examples
    --------
    >>> sorted(p.name for p in shipped_dir("topologies").glob("ring*.yaml"))
    ['ring.yaml']
    """
    if name not in SHIPPED:
        raise bad("name", name, f"one of {', '.join(SHIPPED)}")
    folder = Path(__file__).resolve().parent.parent / "data" / name
    if not folder.is_dir():
        raise bad(name, str(folder), "the folder installed with the package (reinstall it)")
    return folder
