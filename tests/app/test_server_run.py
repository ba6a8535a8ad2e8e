"""A run against a real OpenAI-compatible server (llama-cpp-python's, on 127.0.0.1) that
dies mid-run: one line, exit 75 ("retry later"), and a resume after the restart that
finishes the run without duplicating a response or a published document."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

from netcollapse.backends.local.gguf import resolve_gguf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))
from servers import free_port  # noqa: E402

pytestmark = pytest.mark.slow
N, L, T = 2, 2, 6


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(resolve_gguf(None)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "1",
            "--n_threads_batch",
            "1",
            "--verbose",
            "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "llama_cpp.server exited at start"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                return proc
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError("llama_cpp.server did not start within 60 s")


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(10)


def test_server_dies_mid_run_then_resume_completes(tmp_path):
    port = free_port()
    spec = {
        "name": "served",
        "engine": "llm",
        "T": T,
        "seed": 3,
        "graph": {"family": "complete", "n": N},
        "retrieval": {"k_max": 2},
        "llm": {
            "L": L,
            "backend": "openai",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "retries": 1,
            "timeout": 20,
            "concurrency": 2,
            "defaults": {"model": "smollm2", "max_new_tokens": 6},
        },
    }
    path = tmp_path / "served.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "netcollapse", "run", str(path), "--out", str(out), "--quiet"]
    server = start_server(port)
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        marker = out / "steps" / "responses-000001.jsonl"
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        stop(server)  # mid-run: step 1 is written, later steps are not
        _, err = proc.communicate(timeout=120)
    finally:
        if server.poll() is None:
            stop(server)
    lines = err.strip().splitlines()
    assert proc.returncode == 75, err
    assert len(lines) == 1 and "Traceback" not in err
    assert f"127.0.0.1:{port}" in lines[0] and "resume" in lines[0]
    assert not (out / "summary.json").exists()
    done_before = len(list((out / "steps").glob("responses-*.jsonl")))
    assert 2 <= done_before <= T

    server = start_server(port)  # the same address again
    try:
        resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    finally:
        stop(server)
    assert resumed.returncode == 0, resumed.stderr
    rows = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines() if x]
    keys = [(r["step"], r["node"], r["sample"]) for r in rows]
    assert len(keys) == len(set(keys)) == (T + 1) * N * L
    published = [r for r in rows if r["published"]]
    assert len(published) == (T + 1) * N  # publish = 1: one post per node and step
    assert len(pd.read_parquet(out / "metrics.parquet")) == T + 1
