"""Bad backend settings in a run spec: one line naming the field, exit 2, nothing written."""

from __future__ import annotations

import socket

import pytest
from bad_input import run_bad as check_bad


def spec_with(**llm):
    return {
        "name": "bad",
        "engine": "llm",
        "T": 1,
        "seed": 0,
        "graph": {"family": "complete", "n": 2},
        "retrieval": {"k_max": 2},
        "llm": {"L": 2, "defaults": {"max_new_tokens": 4}, **llm},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_bad(tmp_path, capsys, **llm):
    return check_bad(tmp_path, capsys, spec_with(**llm))


@pytest.mark.parametrize(
    ("llm", "field", "expected"),
    [
        ({"backend": "vllm"}, "llm.backend", "'auto', 'hf', 'llamacpp' or 'openai'"),
        ({"device": "gpu"}, "llm.device", "expected one of auto, cpu, cuda, cuda:N"),
        ({"device": "cuda:7", "backend": "hf"}, "llm.device", "this machine has"),
        ({"base_url": "localhost:8000"}, "llm.base_url", "an http(s) URL"),
        ({"api_key_env": "sk-abc123"}, "llm.api_key_env", "the NAME of an environment variable"),
        ({"backend": "openai"}, "llm.base_url", "the server's URL"),
        (
            {"backend": "llamacpp", "defaults": {"model": "/no/such/model.gguf"}},
            "llm.model",
            "an existing GGUF file",
        ),
    ],
)
def test_bad_backend_settings(tmp_path, capsys, llm, field, expected):
    err = run_bad(tmp_path, capsys, **llm)
    assert field in err and expected in err


def test_not_a_gguf_file(tmp_path, capsys):
    fake = tmp_path / "model.gguf"
    fake.write_text("this is not a model")
    err = run_bad(tmp_path, capsys, backend="llamacpp", defaults={"model": str(fake)})
    assert "llm.model" in err and "expected a GGUF file" in err


def test_unreachable_server(tmp_path, capsys):
    url = f"http://127.0.0.1:{free_port()}/v1"
    err = run_bad(tmp_path, capsys, backend="openai", base_url=url, defaults={"model": "smollm2"})
    assert "llm.base_url" in err and url in err and "reachable" in err


def test_missing_key_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NETCOLLAPSE_TEST_KEY", raising=False)
    err = run_bad(
        tmp_path,
        capsys,
        backend="openai",
        base_url="http://127.0.0.1:9/v1",
        api_key_env="NETCOLLAPSE_TEST_KEY",
        defaults={"model": "smollm2"},
    )
    assert "llm.api_key_env" in err and "NETCOLLAPSE_TEST_KEY" in err
