import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import netcollapse
from netcollapse.app.cli import main
from netcollapse.app.shipped import shipped_dir

GMM_SPEC = """
name: tiny
engine: gmm
T: 6
graph: {family: ring, n: 6, self_weight: 0.2}
retrieval: {k: 4, memory: 1}
gmm: {B: 2, L: 3}
"""


def netcollapse_cmd(*args, **kwargs):
    """Run ``python -m netcollapse ARGS`` in a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "netcollapse", *args], capture_output=True, text=True, **kwargs
    )


def strict_json(text):
    """Parse JSON as any strict parser would: a bare NaN or Infinity is an error."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_strict_json_refuses_nan():
    with pytest.raises(ValueError, match="not JSON: NaN"):
        strict_json('{"x": NaN}')


def test_topologies_lists_every_shipped_spec_and_the_folder(capsys):
    assert main(["topologies"]) == 0
    out = capsys.readouterr().out
    for f in shipped_dir("topologies").glob("*.yaml"):
        assert f"\n{f.stem} " in out
    assert f"13 specs in {shipped_dir('topologies')}" in out


def test_experiments_lists_every_shipped_spec_with_its_command(capsys):
    assert main(["experiments"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {
        line.split()[0]: line.split()[1]
        for line in lines[1:]
        if line.strip() and not line[0].isdigit() and not line.startswith("Run one")
    }
    assert rows["paper_gmm"] == "run" and rows["compare_gmm"] == "sweep"
    assert set(rows) == {p.stem for p in shipped_dir("experiments").glob("*.yaml")}


def test_predict_refuses_a_T_override_nobody_means(capsys):
    assert main(["predict", "paper_gmm", "--T", str(2**70)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "T: got 1180591620717411303424, expected at most" in line and "on this machine" in line


def test_predict_prints_the_curve_and_its_measures_before_any_run(capsys, tmp_path):
    png = tmp_path / "curve.png"
    assert main(["predict", "paper_gmm", "--T", "30", "--json", "--png", str(png)]) == 0
    data = strict_json(capsys.readouterr().out)
    assert len(data["curve"]["frobenius"]) == 31 and data["method"] == "dense"
    assert 0 < data["measures"]["half_life"] < 30
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["predict", "paper_llm"]) == 2  # no linear model: one line, exit 2
    assert "engine: got 'llm'" in capsys.readouterr().err


def test_spectral_json_has_the_summary_keys(capsys):
    assert main(["spectral", str(shipped_dir("topologies") / "ring.yaml"), "--json"]) == 0
    data = strict_json(capsys.readouterr().out)
    for key in ("slem", "spectral_gap", "fiedler_value", "lazy_rate", "n_components"):
        assert key in data
    assert data["n"] == 64 and 0 < data["spectral_gap"] < 0.01


def test_spectral_json_is_strict_json_with_null_for_infinite_values(tmp_path, capsys):
    spec = tmp_path / "periodic.yaml"  # even ring, no self weight: SLEM 1, infinite times
    spec.write_text("family: ring\nn: 8\nk: 2\nself_weight: 0.0\n")
    assert main(["spectral", str(spec), "--json"]) == 0
    text = capsys.readouterr().out
    assert "Infinity" not in text and "NaN" not in text and "e+308" not in text
    data = strict_json(text)
    assert data["slem"] == 1.0 and data["relaxation_time"] is None
    assert data["mixing_time_upper"] is None and data["note"].startswith("periodic")


def test_spectral_accepts_a_shipped_name(capsys):
    assert main(["spectral", "ring", "--json"]) == 0
    by_name = strict_json(capsys.readouterr().out)
    assert main(["spectral", str(shipped_dir("topologies") / "ring.yaml"), "--json"]) == 0
    assert strict_json(capsys.readouterr().out) == by_name


def test_a_local_file_wins_over_a_shipped_name(tmp_path, monkeypatch, capsys):
    (tmp_path / "ring").write_text("family: ring\nn: 10\nk: 2\n")
    monkeypatch.chdir(tmp_path)
    assert main(["spectral", "ring", "--json"]) == 0
    assert strict_json(capsys.readouterr().out)["n"] == 10


def test_an_unknown_name_is_one_line_exit_2(capsys):
    assert main(["spectral", "no_such_topology"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "netcollapse: error: spec: got 'no_such_topology', expected an existing "
        "YAML file or the name of a shipped spec (netcollapse topologies lists them)"
    ]


def test_version_prints_the_package_version():
    proc = netcollapse_cmd("--version")
    assert proc.returncode == 0 and proc.stdout == f"netcollapse {netcollapse.__version__}\n"


def test_help_lists_every_subcommand_with_one_line_of_help():
    proc = netcollapse_cmd("--help", env={**os.environ, "COLUMNS": "80"})
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    for name in ("topologies", "experiments", "spectral", "run", "sweep", "export", "demo"):
        [line] = [x for x in lines if x.strip().startswith(name + " ")]
        assert len(line.split()) >= 4, line  # the name, then its help on the same line


@pytest.mark.parametrize(
    "args",
    [
        ["topologies"],
        ["spectral", "topologies/ring.yaml"],
        ["spectral", "ring", "--json"],
        ["--help"],
    ],
)
def test_a_closed_stdout_gives_no_traceback(args):
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "netcollapse", *args],
        stdout=write_end,
        stderr=subprocess.PIPE,
        cwd=shipped_dir("topologies").parents[2],
    )
    os.close(write_end)
    os.close(read_end)  # the reader is gone before the command prints anything
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert proc.returncode in (0, 141)


def test_head_1_on_a_shell_pipe_prints_one_line_and_no_traceback():
    cmd = f"{sys.executable} -m netcollapse topologies | head -1"
    proc = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True)
    assert proc.stdout.split() == ["spec", "family", "n", "description"]
    assert proc.stderr == ""


def test_run_and_sweep_point_at_each_other(capsys):
    assert main(["run", "compare_gmm"]) == 2
    assert "this is a sweep spec: netcollapse sweep" in capsys.readouterr().err
    assert main(["sweep", "experiments/paper_gmm.yaml"]) == 2
    assert "this is a run spec: netcollapse run" in capsys.readouterr().err


def test_spectral_table(capsys):
    assert main(["spectral", str(shipped_dir("topologies") / "complete.yaml")]) == 0
    out = capsys.readouterr().out
    assert "spectral_gap" in out and "RetrievalGraph(family='complete'" in out


def test_spectral_accuracy_prints_bounds_and_certificates(capsys):
    assert main(["spectral", "ring", "--accuracy"]) == 0
    gap_line = next(x for x in capsys.readouterr().out.splitlines() if "spectral_gap" in x)
    assert "+-" in gap_line and "LAPACK" in gap_line
    assert main(["spectral", "ring", "--json", "--accuracy"]) == 0
    data = strict_json(capsys.readouterr().out)
    assert 0 < data["spectral_gap_error"] < 1e-10 * data["n"] and data["n_error"] == 0
    assert "note_error" not in data


def test_run_writes_a_run_folder(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(GMM_SPEC)
    assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert "||D||_F" in capsys.readouterr().out
    m = pd.read_parquet(tmp_path / "r" / "metrics.parquet")
    assert list(m.columns[:2]) == ["step", "frobenius"] and "synthetic_share" in m.columns
    assert len(m) == 7 and (tmp_path / "r" / "summary.json").is_file()


@pytest.mark.slow
def test_llm_run_prints_its_path_tokens_and_tokens_per_second(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "engine: llm\nT: 1\ngraph: {family: complete, n: 2}\n"
        "llm: {L: 1, threads: 1, defaults: {max_new_tokens: 6}}\n"
    )
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["run", str(spec), "--out", str(tmp_path / "r"), "--quiet", "--profile"]) == 0
    # quiet: no deprecation noise from the libraries, no progress bar with --quiet
    noisy = [w for w in caught if issubclass(w.category, (DeprecationWarning, FutureWarning))]
    assert not [str(w.message)[:80] for w in noisy if "netcollapse" not in w.filename]
    cap = capsys.readouterr()
    assert "it/s" not in cap.err and "%|" not in cap.err
    out = cap.out.splitlines()
    (path,) = [x for x in out if x.startswith("generation: ")]
    assert ("llamacpp smollm2" in path or "hf smollm2" in path) and "1 thread (" in path
    assert "; CPU " in path
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())["tokens"]
    assert f"tokens: {summary['prompt']:,} prompt + {summary['generated']:,} generated" in out
    assert 2 <= summary["generated"] <= 2 * 2 * 6  # 2 rounds x 2 nodes x 1..6 tokens
    assert any("generated tok/s" in x for x in out)


@pytest.mark.parametrize(
    "text, message",
    [
        ("engine: gmm\nT: 5\ngraph: {family: torus, n: 5}\n", "graph.family: got 'torus'"),
        ("engine: gmm\nT: 0\ngraph: {family: ring, n: 5}\n", "T: got 0, expected a value >= 1"),
        ("engine: gpt\nT: 2\ngraph: {family: ring, n: 5}\n", "engine: got 'gpt'"),
        ("engine: gmm\nT: 2\ngraph: {family: ring, n: 1}\n", "graph.n: got 1, expected"),
        (
            "engine: gmm\nT: 2\ngraph: {family: ring, n: 5}\ngmm: {B: 2, means: [1]}\n",
            "gmm.means: got 'shape (1,)', expected 2 finite means",
        ),
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
    proc = netcollapse_cmd("spectral", "nope.yaml")
    assert proc.returncode == 2
    assert proc.stderr.startswith("netcollapse: error: spec: got 'nope.yaml'")
    assert "Traceback" not in proc.stderr


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(GMM_SPEC.replace("T: 6", "T: 120").replace("n: 6", "n: 50"))
    cmd = [sys.executable, "-m", "netcollapse", "run", str(spec), "--quiet", "--out"]
    subprocess.run(cmd + [str(tmp_path / "full")], check=True, capture_output=True)
    proc = subprocess.Popen(
        cmd + [str(tmp_path / "cut")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
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
