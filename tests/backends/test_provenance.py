"""Provenance: machine facts, model digests, the printed path line, sweep-row columns."""

from __future__ import annotations

import hashlib
import json

import pytest

from netcollapse.backends.provenance import (
    file_digest,
    machine_info,
    model_digest,
    path_line,
    provenance_columns,
)


def test_machine_info_is_json_and_names_this_machine():
    import torch

    info = machine_info()
    json.dumps(info)  # JSON-able
    assert info["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert info["torch"] == torch.__version__.split("+")[0] or info["torch"] == torch.__version__
    assert info["numpy"] and info["transformers"] and info["python"].count(".") == 2
    assert info["gpu"] is None or isinstance(info["gpu"], str)


def test_model_digest_of_a_file_a_shard_folder_and_nothing(tmp_path):
    one = tmp_path / "single"
    one.mkdir()
    (one / "model.safetensors").write_bytes(b"abc")
    assert model_digest(one) == (
        str((one / "model.safetensors").resolve()),
        hashlib.sha256(b"abc").hexdigest(),
    )
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.safetensors").write_bytes(b"1")
    (shards / "b.safetensors").write_bytes(b"2")
    lines = "".join(
        f"{n}  {hashlib.sha256(d).hexdigest()}\n"
        for n, d in [("a.safetensors", b"1"), ("b.safetensors", b"2")]
    )
    assert model_digest(shards) == (
        str(shards.resolve()),
        hashlib.sha256(lines.encode()).hexdigest(),
    )
    (shards / "b.safetensors").write_bytes(b"3")  # a changed shard changes the digest
    assert model_digest(shards)[1] != hashlib.sha256(lines.encode()).hexdigest()
    assert model_digest(tmp_path / "empty-name-not-on-the-hub") == (None, None)


def test_file_digest_follows_the_file(tmp_path):
    f = tmp_path / "w.gguf"
    f.write_bytes(b"x" * 10)
    first = file_digest(f)
    f.write_bytes(b"y" * 11)  # new size and mtime: computed again
    assert file_digest(f) == hashlib.sha256(b"y" * 11).hexdigest() != first


@pytest.mark.parametrize(
    "gen, expected",
    [
        ({"backend": "llamacpp", "model": "smollm2", "quantize": "q4_0", "device": "cpu",
          "threads": 2, "reason": "no AMX"},
         "generation: llamacpp smollm2 q4_0 on cpu, 2 threads (no AMX); "
         "CPU X, AVX2, no bf16 units"),
        ({"backend": "openai", "model": "m", "base_url": "http://h:1/v1", "device": "",
          "reason": "as given"},
         "generation: openai m http://h:1/v1; CPU X, AVX2, no bf16 units"),
    ],
)  # fmt: skip
def test_path_line(gen, expected):
    machine = {"cpu": "X", "cpu_capability": "AVX2", "bf16_units": False, "amx": False}
    assert path_line([gen], machine) == expected


def test_provenance_columns_join_several_generators():
    prov = {
        "generators": [
            {"backend": "hf", "dtype": "bfloat16", "threads": 2, "model_sha256": "aa"},
            {"backend": "llamacpp", "quantize": "q4_0", "threads": 2, "model_sha256": "bb"},
        ],
        "machine": {"cpu": "X", "amx": True, "torch": "2.13.0"},
    }
    c = provenance_columns(prov)
    assert (c["backend"], c["dtype"], c["quantize"]) == ("hf;llamacpp", "bfloat16", "q4_0")
    assert (c["threads"], c["model_sha256"], c["amx"], c["gpu"]) == ("2;2", "aa;bb", True, None)


def test_planned_path_names_the_path_without_loading_a_model():
    from netcollapse.backends.provenance import planned_path

    line = planned_path({"backend": "hf", "dtype": "float32", "threads": 1})
    assert line.startswith("generation: hf smollm2 float32 on cpu, 1 thread")
    assert "CPU " in line
    line = planned_path({"backend": "openai", "base_url": "http://127.0.0.1:9/v1"})
    assert line.startswith("generation: openai smollm2")
