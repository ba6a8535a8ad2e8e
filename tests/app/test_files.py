"""What the app writes is readable as the umask allows: run folders, sweep folders, figures."""

import os
import stat

import matplotlib
import pytest
import yaml

from netcollapse.app.cli import main
from netcollapse.reports.plotting import save_figure

matplotlib.use("Agg")

RUN = {
    "name": "tiny",
    "engine": "gmm",
    "T": 4,
    "graph": {"family": "ring", "n": 6},
    "retrieval": {"k": 4, "memory": 1},
    "gmm": {"B": 2, "L": 3},
}
SWEEP = {
    "name": "tiny",
    "base": {k: v for k, v in RUN.items() if k not in ("name", "graph")},
    "graphs": {"ring": {"family": "ring", "n": 6}, "star": {"family": "star", "n": 5}},
    "seeds": 2,
}


@pytest.fixture
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def modes(folder):
    """``{relative path: permission bits}`` of every file and folder under ``folder``."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = stat.S_IMODE(os.stat(path).st_mode)
    return out


@pytest.mark.parametrize("umask", [0o022, 0o002], indirect=True)
def test_run_sweep_and_figure_follow_the_umask(tmp_path, umask, capsys):
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(RUN))
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(SWEEP))
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "run.yaml"), "--out", str(out / "run"), "--quiet"]) == 0
    assert (
        main(
            [
                "sweep",
                str(tmp_path / "sweep.yaml"),
                "--out",
                str(out / "sweep"),
                "--quiet",
                "--boot",
                "20",
            ]
        )
        == 0
    )
    import matplotlib.pyplot as plt

    fig = plt.figure()
    save_figure(fig, out / "figures" / "f.png")
    plt.close(fig)
    found = modes(out)
    assert {
        "run/metrics.parquet",
        "run/summary.json",
        "sweep/sweep.json",
        "sweep/results.parquet",
        "sweep/predictors.csv",
        "figures/f.png",
    } <= set(found)
    file_mode, dir_mode = 0o666 & ~umask, 0o777 & ~umask
    wrong = {
        p: oct(m) for p, m in found.items() if m != (dir_mode if (out / p).is_dir() else file_mode)
    }
    assert not wrong, (
        f"umask {oct(umask)}: expected files {oct(file_mode)}, folders {oct(dir_mode)}: {wrong}"
    )
