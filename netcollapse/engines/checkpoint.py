"""Reading a run folder back for the engine loop: a finished run or the latest checkpoint.

:class:`~netcollapse.engines.loop.Web` writes the folder (layout in
:mod:`netcollapse.engines.loop`); ``run(..., resume=True)`` reads it back through
the functions here. Every file goes through :mod:`netcollapse._io`'s readers and
every cross-check (``summary.json``'s steps against the tables, ``LATEST``
against the checkpoint folders, ``t.json`` against the checkpoint's name, one
row per step) is one :class:`~netcollapse.errors.DataError` line naming the
file. Nothing here writes: a damaged folder is reported, never started again
over its files.

Examples
--------
>>> import tempfile
>>> from netcollapse.engines.gmm import GMMWeb
>>> from netcollapse.graphs.retrieval_graph import build
>>> folder = Path(tempfile.mkdtemp())
>>> _ = GMMWeb(build("ring", n=4), L=2, retrieval={"k": 2}, seed=0).run(
...     2, folder, progress=False)
>>> read_finished(folder, 2).metrics["step"].tolist()
[0, 1, 2]
>>> (folder / "summary.json").write_text("{")  # truncated
1
>>> read_finished(folder, 2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
netcollapse.errors.DataError: summary.json: got '.../summary.json' unreadable (JSONDecodeError), ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from netcollapse._io import read_json, read_parquet, read_text
from netcollapse._json import dumps
from netcollapse.engines.result import RunResult
from netcollapse.errors import DataError, SpecError, bad

__all__ = ["Checkpoint", "check_config", "lost", "read_checkpoint", "read_finished", "started"]

CONFIG = "the run's configuration (written when the run starts)"
SUMMARY = "a finished run's summary (written last)"
LATEST = "the name of the latest checkpoint"


def _short(value: Any) -> str:
    """Return ``repr`` of a value read from a file, on one line and at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _steps(table: pd.DataFrame) -> str:
    values = sorted(set(table["step"].tolist()))
    return f"{values[0]}..{values[-1]} ({len(values)} distinct)" if values else "none"


def _per_step(path: Path, table: pd.DataFrame, what: str, t: int, *, once: bool) -> None:
    """Raise one DataError line unless ``table`` covers steps ``0..t`` (``once``: one row each)."""
    steps = table["step"].tolist()
    ok = steps == list(range(t + 1)) if once else sorted(set(steps)) == list(range(t + 1))
    if not ok:
        raise DataError(
            f"{path.name}: got rows of steps {_steps(table)} in {str(path)!r}, "
            f"expected {what}, steps 0..{t}"
        )


def _tables(folder: Path) -> bool:
    """Return whether ``folder`` holds a run's tables (written at checkpoints and at the end)."""
    return any((folder / name).exists() for name in ("metrics.parquet", "nodes.parquet"))


def started(folder: Path) -> bool:
    """Return whether ``folder`` holds a run (a checkpoint, ``summary.json`` or its tables)."""
    return (folder / "checkpoint").exists() or (folder / "summary.json").exists() or _tables(folder)


def check_config(folder: Path, config: dict[str, Any]) -> None:
    """Check that a started run folder's ``config.json`` is whole and is ``config``.

    The ``provenance`` entry (machine, library versions, threads) is not compared:
    a run may be resumed on another machine and keeps the provenance it started with.

    Parameters
    ----------
    folder : Path
    config : dict
        The engine's configuration (:meth:`~netcollapse.engines.loop.Web.config`).

    Raises
    ------
    DataError
        If ``config.json`` is missing, truncated or garbled.
    SpecError
        If it is a different configuration (another spec or seed).
    """
    path = folder / "config.json"
    stored = read_json(path, CONFIG)

    def text(cfg: dict[str, Any]) -> str:
        return dumps({k: v for k, v in cfg.items() if k != "provenance"}, indent=2, sort_keys=True)

    if not isinstance(stored, dict) or text(stored) != text(config):
        raise SpecError(
            f"resume: got a different configuration than the one in {path}, "
            "expected the same spec and seed"
        )


def lost(folder: Path) -> DataError:
    """Return the error for a folder with a run's tables but no summary.json and no checkpoint."""
    if (folder / "nodes.parquet").exists():  # written only when a run finishes
        path, what = folder / "summary.json", SUMMARY
    else:
        path, what = folder / "checkpoint" / "LATEST", LATEST
    return DataError(
        f"{path.name}: got {str(path)!r} missing, expected {what}; the folder holds a "
        "run's tables, and a run is never started again over them (use a new folder)"
    )


def read_finished(folder: Path, T: int) -> RunResult:
    """Read a finished run back: ``summary.json``, ``config.json``, metrics and node tables.

    Parameters
    ----------
    folder : Path
    T : int
        The ``T`` asked for; it must be the finished run's.

    Returns
    -------
    RunResult

    Raises
    ------
    DataError
        One line naming a missing, truncated or garbled file, or tables that do
        not hold the steps ``0..T`` ``summary.json`` says.
    SpecError
        If ``T`` is not the finished run's.
    """
    path = folder / "summary.json"
    steps = read_json(path, SUMMARY).get("steps")
    if type(steps) is not int:
        raise DataError(
            f"summary.json: got steps {_short(steps)} in {str(path)!r}, "
            f"expected {SUMMARY} with an integer steps"
        )
    if steps != T:
        raise bad("T", T, f"{steps}, the finished run's T (run longer in a new folder)")
    result = RunResult.load(folder)  # config, metrics and nodes, each whole
    if result.nodes is None:
        raise DataError(
            f"nodes.parquet: got {str(folder / 'nodes.parquet')!r} missing, "
            "expected the finished run's per-node rows"
        )
    for name, table in (("metrics", result.metrics), ("nodes", result.nodes)):
        what = f"the finished run's {name} (summary.json's steps)"
        _per_step(folder / f"{name}.parquet", table, what, T, once=name == "metrics")
    return result


@dataclass(frozen=True)
class Checkpoint:
    """An interrupted run's latest checkpoint, read whole by :func:`read_checkpoint`.

    Attributes
    ----------
    path : Path
        The checkpoint folder (``checkpoint/step-NNNNNN``), holding the engine's state.
    t : int
        The last row recorded.
    rows, timings : list of dict
        The metrics and timing rows of steps ``0..t``.
    node_frames : list of pandas.DataFrame
        The node rows of steps ``0..t`` (from ``steps/nodes-*.parquet``).
    """

    path: Path
    t: int
    rows: list[dict[str, Any]]
    timings: list[dict[str, Any]]
    node_frames: list[pd.DataFrame]


def read_checkpoint(folder: Path) -> Checkpoint | None:
    """Read an interrupted run's latest checkpoint (``None``: the run has none yet).

    Parameters
    ----------
    folder : Path
        A run folder whose ``config.json`` has been checked.

    Returns
    -------
    Checkpoint or None
        ``None`` when ``checkpoint/LATEST`` is missing and the folder holds no
        tables either (killed before its first checkpoint: nothing to lose).

    Raises
    ------
    DataError
        One line naming a missing, truncated or garbled file: ``LATEST``, the
        checkpoint's ``t.json``, ``metrics.parquet`` or ``timings.parquet``, or a
        ``steps/nodes-NNNNNN.parquet`` (the engine's own state is read by its
        ``_load_state``).
    """
    root = folder / "checkpoint"
    latest = root / "LATEST"
    if not latest.is_file():
        if _tables(folder):
            raise lost(folder)
        return None
    name = read_text(latest, LATEST).strip()
    path = root / name
    if re.fullmatch(r"step-\d{6}", name) is None or not path.is_dir():
        raise DataError(
            f"LATEST: got {_short(name)} in {str(latest)!r}, expected {LATEST} "
            f"(the name of a folder step-NNNNNN in {str(root)!r})"
        )
    t = read_json(path / "t.json", "the checkpoint's row").get("t")
    if type(t) is not int or name != f"step-{t:06d}":
        raise DataError(
            f"t.json: got t {_short(t)} in {str(path / 't.json')!r}, expected "
            f"{int(name[5:])} (the checkpoint's row, as its folder's name says)"
        )
    tables = []
    for table in ("metrics", "timings"):
        what, file = f"the checkpoint's {table}", path / f"{table}.parquet"
        frame = read_parquet(file, what, ("step",))
        _per_step(file, frame, f"{what}, one row per step", t, once=True)
        tables.append(frame.to_dict("records"))
    frames, seen = [], set()
    for chunk in sorted((folder / "steps").glob("nodes-*.parquet")):
        if chunk.stem[6:].isdigit() and int(chunk.stem[6:]) <= t:
            frame = read_parquet(chunk, "the node rows of a checkpointed step", ("step",))
            frames.append(frame)
            seen |= set(frame["step"].tolist())
    gone = [s for s in range(t + 1) if s not in seen]
    if gone:
        chunk = folder / "steps" / f"nodes-{gone[0]:06d}.parquet"
        raise DataError(
            f"{chunk.name}: got {str(chunk)!r} missing (no node rows of step {gone[0]}), "
            f"expected the node rows of every step 0..{t} under steps/"
        )
    return Checkpoint(path, t, tables[0], tables[1], frames)
