"""Tests of netcollapse._io: atomic files and folders, strict JSON, permissions."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcollapse import _io
from netcollapse._io import (
    atomic_write_bytes,
    atomic_write_dir,
    atomic_write_text,
    write_parquet,
)
from netcollapse._json import dumps, to_jsonable


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, then restore it."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


# ----------------------------------------------------------------------------- files
def test_atomic_write_replaces_the_file_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b" / "x.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "twø")
    assert target.read_text(encoding="utf-8") == "twø"
    assert names(target.parent) == ["x.txt"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_atomic_write_leaves_no_temp_file_on_exception(tmp_path, monkeypatch, error):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def fail(src, dst):
        assert Path(src).name.startswith(".x.bin.") and Path(src).read_bytes() == b"new"
        raise error

    monkeypatch.setattr(_io.os, "replace", fail)
    with pytest.raises(type(error)):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"  # the target is as it was
    assert names(tmp_path) == ["x.bin"]  # and the temporary file is gone


def test_write_parquet_round_trip_and_no_temp_on_failure(tmp_path):
    frame = pd.DataFrame({"step": [0, 1], "frobenius": [1.5, math.nan]})
    write_parquet(tmp_path / "m.parquet", frame)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "m.parquet"), frame)
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error type
        write_parquet(tmp_path / "bad.parquet", pd.DataFrame({"x": [object()]}))
    assert names(tmp_path) == ["m.parquet"]


# ----------------------------------------------------------------------------- folders
def write_files(**files: str):
    def write(folder: Path) -> None:
        for name, text in files.items():
            (folder / name).write_text(text)

    return write


def test_atomic_write_dir_keeps_an_existing_folder_without_replace(tmp_path):
    target = tmp_path / "run"
    assert atomic_write_dir(target, write_files(a="1")) == target
    atomic_write_dir(target, write_files(b="2"))  # another writer won: kept as it is
    assert names(target) == ["a"] and (target / "a").read_text() == "1"
    assert names(tmp_path) == ["run"]


def test_atomic_write_dir_replace(tmp_path):
    target = tmp_path / "store"
    atomic_write_dir(target, write_files(a="1", b="1"))
    atomic_write_dir(target, write_files(b="2"), replace=True)
    assert names(target) == ["b"] and (target / "b").read_text() == "2"  # nothing of the old
    assert names(tmp_path) == ["store"]  # no temporary or moved-aside folder left


def test_atomic_write_dir_failure_leaves_the_target_alone(tmp_path):
    target = tmp_path / "store"
    atomic_write_dir(target, write_files(a="1"))

    def half(folder: Path) -> None:
        (folder / "a").write_text("half")
        raise RuntimeError("crash while writing")

    with pytest.raises(RuntimeError, match="crash while writing"):
        atomic_write_dir(target, half, replace=True)
    assert (target / "a").read_text() == "1"
    assert names(tmp_path) == ["store"]


# ----------------------------------------------------------------------------- permissions
@pytest.mark.parametrize(
    "mask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)]
)
def test_modes_follow_the_umask(tmp_path, umask, mask, file_mode, dir_mode):
    umask(mask)
    atomic_write_text(tmp_path / "f.txt", "x")
    write_parquet(tmp_path / "m.parquet", pd.DataFrame({"a": [1]}))
    atomic_write_dir(tmp_path / "d", write_files(a="1"))
    assert mode(tmp_path / "f.txt") == file_mode  # not mkstemp's 0o600
    assert mode(tmp_path / "m.parquet") == file_mode
    assert mode(tmp_path / "d") == dir_mode  # not mkdtemp's 0o700


# ----------------------------------------------------------------------------- JSON
def test_to_jsonable_turns_numpy_paths_and_non_finite_numbers_into_json():
    obj = {
        "nan": np.float64("nan"),
        "inf": -math.inf,
        "f32": np.float32(0.5),
        "i": np.int64(3),
        "b": np.bool_(True),
        "arr": np.array([[1.0, np.nan]]),
        "t": (1, Path("p")),
        4: {2},
    }
    assert to_jsonable(obj) == {
        "nan": None,
        "inf": None,
        "f32": 0.5,
        "i": 3,
        "b": True,
        "arr": [[1.0, None]],
        "t": [1, "p"],
        "4": [2],
    }
    assert type(to_jsonable(np.int64(3))) is int


def test_dumps_is_strict_json():
    text = dumps(
        {"rate": math.nan, "curve": np.array([1.0, np.inf]), "n": np.int32(2)}, sort_keys=True
    )
    assert text == '{"curve": [1.0, null], "n": 2, "rate": null}'

    def refuse(name: str) -> None:
        raise AssertionError(f"not strict JSON: {name}")

    assert json.loads(text, parse_constant=refuse)["rate"] is None
    assert dumps({"x": object()}).startswith('{"x": "<object object')  # default=str


def test_dumps_passes_keyword_arguments():
    assert dumps({"b": 1, "a": [1, 2]}, indent=1, sort_keys=True) == (
        '{\n "a": [\n  1,\n  2\n ],\n "b": 1\n}'
    )
