import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from netcollapse.app.cli import main, shipped_dir

GMM_SPEC = """
name: tiny
engine: gmm
T: 6
graph: {family: ring, n: 6, self_weight: 0.2}
retrieval: {k: 4, memory: 1}
gmm: {B: 2, L: 3}
"""


def test_topologies_lists_every_shipped_spec(capsys):
    assert main(["topologies"]) == 0
    out = capsys.readouterr().out
    for f in shipped_dir("topologies").glob("*.yaml"):
        assert f.name in out


def test_spectral_json_has_the_summary_keys(capsys):
    assert main(["spectral", str(shipped_dir("topologies") / "ring.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("slem", "spectral_gap", "fiedler_value", "lazy_rate", "n_components"):
        assert key in data
    assert data["n"] == 64 and 0 < data["spectral_gap"] < 0.01


def test_spectral_table(capsys):
    assert main(["spectral", str(shipped_dir("topologies") / "complete.yaml")]) == 0
    out = capsys.readouterr().out
    assert "spectral_gap" in out and "RetrievalGraph(family='complete'" in out


def test_run_writes_a_run_folder(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(GMM_SPEC)
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert "||D||_F" in capsys.readouterr().out
    m = pd.read_parquet(tmp_path / "r" / "metrics.parquet")
    assert list(m.columns[:5]) == ["step", "frobenius", "spread", "drift", "synthetic_share"]
    assert len(m) == 7 and (tmp_path / "r" / "summary.json").is_file()


@pytest.mark.parametrize(
    "text, message",
    [
        ("engine: gmm\nT: 5\ngraph: {family: torus, n: 5}\n", "graph.family: got 'torus'"),
        ("engine: gmm\nT: 0\ngraph: {family: ring, n: 5}\n", "T: got 0, expected a value >= 1"),
        ("engine: gpt\nT: 2\ngraph: {family: ring, n: 5}\n", "engine: got 'gpt'"),
        ("engine: gmm\nT: 2\ngraph: {family: ring, n: 1}\n", "graph.n: got 1, expected"),
        ("engine: gmm\nT: 2\ngraph: {family: ring, n: 5}\ngmm: {B: 2, means: [1]}\n",
         "gmm: means: got 1 means, expected B = 2"),
        ("engine: [gmm\n", "expected valid YAML"),
    ],
)
def test_bad_specs_exit_2_with_one_line(tmp_path, capsys, text, message):
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    assert main(["run", str(spec), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "r").exists()


def test_cli_process_exit_code_and_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "netcollapse", "spectral", "nope.yaml"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("netcollapse: error: spec: got 'nope.yaml'")
    assert "Traceback" not in proc.stderr


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(GMM_SPEC.replace("T: 6", "T: 120").replace("n: 6", "n: 50"))
    cmd = [sys.executable, "-m", "netcollapse", "run", str(spec), "--quiet", "--out"]
    subprocess.run(cmd + [str(tmp_path / "full")], check=True, capture_output=True)
    proc = subprocess.Popen(cmd + [str(tmp_path / "cut")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    ck = tmp_path / "cut" / "checkpoint" / "LATEST"
    while time.time() < deadline:  # wait until a few checkpoints exist, then kill -9
        if ck.is_file() and int(ck.read_text().split("-")[1]) >= 20:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "cut" / "summary.json").exists()
    subprocess.run(cmd + [str(tmp_path / "cut"), "--resume"], check=True, capture_output=True)
    a = pd.read_parquet(tmp_path / "full" / "metrics.parquet")
    b = pd.read_parquet(tmp_path / "cut" / "metrics.parquet")
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    na = pd.read_parquet(tmp_path / "full" / "nodes.parquet")
    nb = pd.read_parquet(tmp_path / "cut" / "nodes.parquet")
    pd.testing.assert_frame_equal(na, nb, check_dtype=False)
