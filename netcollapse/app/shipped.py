"""Files shipped inside the package: topology specs, experiment specs, the seed corpus.

They live under ``netcollapse/data`` (``topologies/``, ``experiments/``,
``bitcoin_seed.jsonl``) and are installed with the package, so every command works
from an installed wheel as well as from the source tree (where ``topologies`` and
``experiments`` at the top are links to the same folders).

* :func:`shipped_dir` returns one of the two spec folders.
* :func:`resolve_spec` turns a command-line spec argument into a file: an existing
  path as given, else the shipped spec of that name (``ring`` -> ``topologies/ring.yaml``).
* :func:`spec_command` reads the command an experiment spec's header names.
"""

from __future__ import annotations

import re
from pathlib import Path

from netcollapse.errors import bad

__all__ = ["SHIPPED", "resolve_spec", "shipped_dir", "spec_command"]

SHIPPED = ("topologies", "experiments")
"""Folders under ``netcollapse/data`` (also linked at the top of the source tree)."""

_COMMAND = re.compile(r"^#\s*(netcollapse (run|sweep|calibrate) experiments/(\S+\.yaml)\b.*)$")


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


def resolve_spec(arg: str | Path, kind: str) -> Path:
    """Return the spec file a command-line argument names.

    An existing file is used as given. Otherwise a bare name, or ``KIND/NAME`` as
    the commands in the shipped specs write it, is looked up among the shipped
    specs of ``kind``, with or without ``.yaml``; so ``netcollapse spectral ring``
    and ``netcollapse sweep experiments/compare_gmm.yaml`` work from any folder.

    Parameters
    ----------
    arg : str or Path
        A path, or the name of a shipped spec (``ring``, ``paper_gmm.yaml``).
    kind : {"topologies", "experiments"}
        Which shipped folder a bare name refers to.

    Returns
    -------
    Path

    Raises
    ------
    SpecError
        ``spec: got 'ARG', expected an existing YAML file or ...`` if neither exists.

    Examples
    --------
    >>> resolve_spec("ring", "topologies").name
    'ring.yaml'
    >>> resolve_spec("experiments/paper_gmm.yaml", "experiments").parent.name
    'experiments'
    >>> resolve_spec("no_such_spec", "topologies")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: spec: got 'no_such_spec', expected an existing YAML file \
or the name of a shipped spec (netcollapse topologies lists them)
    """
    path = Path(arg)
    if path.is_file():
        return path
    parts = path.parts
    if not path.is_absolute() and (len(parts) == 1 or (len(parts) == 2 and parts[0] == kind)):
        folder = shipped_dir(kind)
        for candidate in (folder / path.name, folder / f"{path.name}.yaml"):
            if candidate.suffix == ".yaml" and candidate.is_file():
                return candidate
    lister = "netcollapse topologies" if kind == "topologies" else "netcollapse experiments"
    raise bad(
        "spec",
        str(arg),
        f"an existing YAML file or the name of a shipped spec ({lister} lists them)",
    )


def spec_command(path: str | Path) -> str | None:
    """Return the command a shipped experiment spec's leading comment names.

    Parameters
    ----------
    path : str or Path
        An experiment spec whose first comment lines hold a line
        ``#   netcollapse run|sweep|calibrate experiments/NAME.yaml [options]``.

    Returns
    -------
    str or None
        That command line (without the ``#``), or ``None`` if the leading comment
        block names none.

    Examples
    --------
    >>> spec_command(shipped_dir("experiments") / "paper_gmm.yaml")
    'netcollapse run experiments/paper_gmm.yaml --seed 0'
    """
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            return None
        match = _COMMAND.match(line.strip())
        if match:
            return match.group(1).rstrip("\\ ").strip()
    return None
