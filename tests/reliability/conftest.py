"""Shared helpers of the reliability tests: small disks, read-only folders, tables, temporaries.

A small disk is a ``tmpfs`` mounted on a test's folder (root only: elsewhere the
test is skipped with the reason); a read-only folder is a read-only bind mount
as root (root ignores permission bits) and ``chmod a-w`` otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from netcollapse.sweeps.folder import TIMING_COLUMNS

#: Where and how a task ran (a Ray worker runs one thread, a serial sweep all cores).
ENVIRONMENT_COLUMNS = ("threads", "worker")

#: The names netcollapse._io gives its temporary files and folders.
TEMPORARY = re.compile(r"\..+(\.[a-z0-9_]{8}\.tmp|-(tmp|old)-[a-z0-9_]{8})")


def temporaries(folder: Path) -> list[str]:
    """Return the temporary files and folders anywhere under ``folder``."""
    return [str(p) for p in folder.rglob("*") if TEMPORARY.fullmatch(p.name)]


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m netcollapse ARGS`` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "netcollapse", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def results_table(folder: Path) -> pd.DataFrame:
    """A sweep's ``results.parquet`` by task id, without wall times and where it ran."""
    table = pd.read_parquet(folder / "results.parquet")
    assert table["task_id"].is_unique, "a task has two rows"
    where = [c for c in (*TIMING_COLUMNS, *ENVIRONMENT_COLUMNS) if c in table]
    table = table.drop(columns=where)
    return table.sort_values("task_id").reset_index(drop=True)


def steps_table(folder: Path) -> pd.DataFrame:
    """A sweep's ``steps.parquet`` sorted by task and step."""
    table = pd.read_parquet(folder / "steps.parquet")
    assert not table.duplicated(["task_id", "step"]).any(), "a task's step has two rows"
    return table.sort_values(["task_id", "step"]).reset_index(drop=True)


def assert_same_sweep(got: Path, want: Path) -> None:
    """Both sweep tables equal exactly (wall times aside)."""
    pd.testing.assert_frame_equal(results_table(got), results_table(want), check_exact=True)
    pd.testing.assert_frame_equal(steps_table(got), steps_table(want), check_exact=True)


def assert_same_run(got: Path, want: Path) -> None:
    """A run folder's metrics and node tables equal exactly."""
    for name in ("metrics.parquet", "nodes.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(got / name), pd.read_parquet(want / name), check_exact=True
        )


# ----------------------------------------------------------------------------- mounts
def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


class Disk:
    """A ``tmpfs`` mounted on :attr:`path`, resizable and remountable read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def remount(self, options: str) -> None:
        proc = _mount("-o", f"remount,{options}", str(self.path))
        assert proc.returncode == 0, proc.stderr


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Disk]:
    """A 1 MiB ``tmpfs`` on ``tmp_path/disk`` (skipped where it cannot be mounted)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small disk is a tmpfs mounted by the test: needs root and mount(8)")
    path = tmp_path / "disk"
    path.mkdir()
    proc = _mount("-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", str(path))
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip()[:120]})")
    try:
        yield Disk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


class ReadOnly:
    """Make a folder read-only and writable again (bind mount as root, else ``chmod``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.mounted = False

    def on(self) -> None:
        if os.geteuid() == 0:
            # root writes through permission bits: a read-only bind mount of the folder
            proc = _mount("--bind", str(self.path), str(self.path))
            if proc.returncode != 0:
                pytest.skip(f"root, and cannot bind-mount read-only ({proc.stderr.strip()[:120]})")
            self.mounted = True
            self.remount("ro")
        else:
            for p in [self.path, *self.path.rglob("*")]:
                p.chmod(p.stat().st_mode & ~0o222)

    def remount(self, mode: str) -> None:
        proc = _mount("-o", f"remount,bind,{mode}", str(self.path))
        assert proc.returncode == 0, proc.stderr

    def off(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True, timeout=30)
            self.mounted = False
        else:
            for p in [self.path, *self.path.rglob("*")]:
                p.chmod(p.stat().st_mode | 0o200)


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], ReadOnly]]:
    """``read_only(path)``: a :class:`ReadOnly` switch, always switched off at the end."""
    made: list[ReadOnly] = []

    def make(path: Path) -> ReadOnly:
        switch = ReadOnly(path)
        made.append(switch)
        return switch

    yield make
    for switch in made:
        switch.off()
