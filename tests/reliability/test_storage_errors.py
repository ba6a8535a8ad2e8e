"""Full and read-only disks: one line, exit 74, earlier results whole, then a resume finishes.

A GMM run and a GMM sweep write to a small ``tmpfs`` that fills up mid-way (the
mount needs root: elsewhere those tests are skipped with the reason), and resume
into a read-only folder (a read-only bind mount as root, ``chmod a-w`` otherwise).
Each time: one line on stderr naming the file, exit status 74 (``EX_IOERR``), no
temporary file left, the files written before are whole (the read-only folder:
not a byte changed); once there is room (the tmpfs remounted bigger, the folder
writable again) the same command finishes, with the tables of an uninterrupted run.
The writers' own contract (a failed write leaves the target and no temporary) is
tested without mounts first.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml
from conftest import assert_same_run, assert_same_sweep, cli, temporaries

from netcollapse._io import atomic_write_bytes, atomic_write_dir, remove_temporaries
from netcollapse._storage import storage_error
from netcollapse.app.cli import main
from netcollapse.errors import StorageError
from netcollapse.runs.folder import load_run
from netcollapse.runs.runner import build_web, load_run_spec
from netcollapse.sweeps.expand import expand
from netcollapse.sweeps.folder import load_outcomes
from netcollapse.sweeps.run import run_sweep
from netcollapse.sweeps.spec import load_sweep

EXIT_STORAGE = 74
RUN = {
    "name": "full",
    "engine": "gmm",
    "T": 40,
    "seed": 3,
    "retrieval": {"k": 6, "memory": 1},
    "gmm": {"B": 3, "means": [-6.0, 0.0, 6.0], "L": 6},
    "graph": {"family": "ring", "n": 30},
}
SWEEP = {
    "name": "full_sweep",
    "base": {k: RUN[k] for k in ("engine", "retrieval", "gmm")} | {"T": 6},
    "axes": {"graph.family": ["ring", "complete"], "graph.n": [4, 6, 8]},
    "seeds": 2,
    "seed": 3,
}
N_TASKS = 12


def _spec(tmp_path: Path, name: str, spec: dict) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return str(path)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _one_storage_line(status: int, err: str, folder: Path, why: str) -> None:
    lines = err.splitlines()
    assert status == EXIT_STORAGE and len(lines) == 1, (status, err[-2000:])
    assert lines[0].startswith("netcollapse: error: ") and why in lines[0], lines[0]
    assert str(folder) in lines[0] and "Traceback" not in err, lines[0]


class Stop(Exception):
    """Raised from ``on_step`` to interrupt a run after a checkpoint."""


def stop(t: int) -> None:
    if t == RUN["T"] // 2:
        raise Stop


# ----------------------------------------------------------------------------- no mounts
def _failing_fsync(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_write_keeps_the_target_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "results.parquet"
    target.write_bytes(b"earlier")
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(StorageError, match=r"^results.parquet: got no space left on device"):
        atomic_write_bytes(target, b"later")
    with pytest.raises(StorageError, match=r"^x: got no space left on device .* '.*/ck/x'"):
        atomic_write_dir(tmp_path / "ck", lambda d: atomic_write_bytes(d / "x", b"1"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.parquet"]
    assert target.read_bytes() == b"earlier"


@pytest.mark.parametrize(
    ("code", "permission", "mapped"),
    [
        (errno.ENOSPC, False, True),
        (errno.EDQUOT, False, True),
        (errno.EROFS, False, True),
        (errno.EACCES, True, True),
        (errno.EACCES, False, False),  # a refused read is not a storage error
        (errno.EIO, True, False),
    ],
)
def test_which_errors_are_storage_errors(code, permission, mapped):
    exc = OSError(code, os.strerror(code), "/out/x.json")
    error = storage_error(exc, permission=permission)
    assert (error is not None) == mapped
    if mapped:
        assert str(error).startswith("x.json: got ") and errno.errorcode[code] in str(error)
        assert "'/out/x.json'" in str(error) and "\n" not in str(error)


def test_an_errno_only_in_the_message_is_recognized():
    """pyarrow's writers put the errno in the message only."""
    exc = OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")
    assert "(ENOSPC)" in str(storage_error(exc, "/out/steps.parquet"))


def test_only_temporaries_are_removed(tmp_path):
    keep = ["a.json", ".hidden", ".a.json.tmp", "x.1234abcd.tmp", ".a-tmp-short"]
    gone = [".a.json.k2j_x9q1.tmp", ".step-000003-tmp-abcd_123", ".report-old-zz9z9z9z"]
    for name in keep + gone:
        (tmp_path / name).write_text("x")
    (tmp_path / ".ck-tmp-0123abcd").mkdir()
    removed = remove_temporaries(tmp_path)
    assert sorted(p.name for p in removed) == sorted([*gone, ".ck-tmp-0123abcd"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_the_command_line_maps_a_stray_full_disk_to_exit_74(monkeypatch, capsys):
    def full(args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/cache/model.bin")

    import netcollapse.app.cli as cli_module

    monkeypatch.setattr(cli_module, "cmd_topologies", full)
    assert main(["topologies"]) == EXIT_STORAGE
    _one_storage_line(EXIT_STORAGE, capsys.readouterr().err, Path("/cache"), "ENOSPC")


# ----------------------------------------------------------------------------- a full disk
def test_a_run_on_a_full_disk_stops_with_one_line_and_resumes(small_disk, tmp_path, capsys):
    spec = _spec(tmp_path, "run", RUN)
    assert main(["run", spec, "--out", str(tmp_path / "whole"), "--quiet"]) == 0
    small_disk.remount("size=256k")  # fills up around row 12 of 40
    out = small_disk.path / "run"
    proc = cli("run", spec, "--out", str(out), "--quiet")  # a real process: no traceback
    _one_storage_line(proc.returncode, proc.stderr, out, "no space left on device (ENOSPC)")
    assert temporaries(out) == []
    partial = load_run(out, finished=False)  # the rows written before are whole
    assert 0 < partial.T < RUN["T"]
    whole = load_run(tmp_path / "whole")
    assert partial.metrics.equals(whole.metrics.iloc[: partial.T + 1])
    # still full: the resume stops the same way, and loses nothing
    assert main(["run", spec, "--out", str(out), "--quiet", "--resume"]) == EXIT_STORAGE
    _one_storage_line(EXIT_STORAGE, capsys.readouterr().err, out, "ENOSPC")
    assert load_run(out, finished=False).T >= partial.T
    small_disk.remount("size=16m")  # space freed
    assert main(["run", spec, "--out", str(out), "--quiet", "--resume"]) == 0
    assert_same_run(out, tmp_path / "whole")
    assert temporaries(out) == []


def test_a_sweep_on_a_full_disk_stops_with_one_line_and_resumes(small_disk, tmp_path, capsys):
    spec = _spec(tmp_path, "sweep", SWEEP)
    whole = run_sweep(spec, tmp_path / "whole", progress=False)
    assert whole.errors == 0 and len(whole.results) == N_TASKS
    small_disk.remount("size=96k")  # room for about half of the tasks
    out = small_disk.path / "sweep"
    args = ["sweep", spec, "--out", str(out), "--quiet", "--boot", "20"]
    assert main(args) == EXIT_STORAGE
    _one_storage_line(EXIT_STORAGE, capsys.readouterr().err, out, "ENOSPC")
    assert temporaries(out) == []
    tasks = expand(*load_sweep(spec))
    kept = load_outcomes(out, tasks)  # every task file written is whole
    assert 0 < len(kept) < N_TASKS
    assert len(list((out / "tasks").glob("*.json"))) == len(kept)
    small_disk.remount("size=16m")
    assert main(args) == 0
    capsys.readouterr()
    again = run_sweep(spec, out, progress=False)
    assert (again.ran, again.skipped) == (0, N_TASKS)
    assert_same_sweep(out, tmp_path / "whole")
    assert temporaries(out) == []


# ----------------------------------------------------------------------------- read-only
def test_a_run_resumed_into_a_read_only_folder_changes_nothing(tmp_path, read_only, capsys):
    spec = _spec(tmp_path, "run", RUN)
    assert main(["run", spec, "--out", str(tmp_path / "whole"), "--quiet"]) == 0
    out = tmp_path / "ro" / "run"
    out.parent.mkdir()
    parsed, base = load_run_spec(spec)  # an interrupted run: stopped after row 20 of 40
    with pytest.raises(Stop):
        build_web(parsed, base).run(parsed.T, out / "run", progress=False, on_step=stop)
    switch = read_only(out.parent)
    switch.on()
    before = _snapshot(out)
    for folder, extra in ((out / "run", ["--resume"]), (out / "new", [])):
        proc = cli("run", spec, "--out", str(folder), "--quiet", *extra)
        why = "(EROFS)" if switch.mounted else "(EACCES)"
        _one_storage_line(proc.returncode, proc.stderr, folder, why)
    assert _snapshot(out) == before and not (out / "new").exists()
    switch.off()
    assert main(["run", spec, "--out", str(out / "run"), "--quiet", "--resume"]) == 0
    assert_same_run(out / "run", tmp_path / "whole")
    assert temporaries(out) == []
    capsys.readouterr()


def test_a_sweep_rerun_into_a_read_only_folder_changes_nothing(tmp_path, read_only, capsys):
    spec = _spec(tmp_path, "sweep", SWEEP)
    run_sweep(spec, tmp_path / "whole", progress=False)
    out = tmp_path / "ro" / "sweep"
    first = run_sweep(spec, out, limit=5, progress=False)
    assert first.ran == 5
    switch = read_only(out.parent)
    switch.on()
    before = _snapshot(out)
    args = ["sweep", spec, "--out", str(out), "--quiet", "--boot", "20"]
    assert main(args) == EXIT_STORAGE
    _one_storage_line(
        EXIT_STORAGE, capsys.readouterr().err, out, "EROFS" if switch.mounted else "EACCES"
    )
    assert _snapshot(out) == before
    switch.off()
    assert main(args) == 0
    capsys.readouterr()
    assert_same_sweep(out, tmp_path / "whole")
    assert temporaries(out) == []
