"""Choosing the generation path: the CPU rule behind ``auto``, and what stays as given.

The CPU's flags and llama-cpp-python's presence are patched here (bookkeeping tests:
nothing is generated); the paths themselves are measured in benchmarks/bench_paths.py.
"""

from __future__ import annotations

import pytest

from netcollapse.backends import devices, factory
from netcollapse.backends.factory import choose_path, make_generator

AMX = "fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile"
BF16 = "fpu avx2 avx512f avx512_bf16"
PLAIN = "fpu avx2 avx512f"


@pytest.fixture
def cpu(monkeypatch):
    """Set the CPU's flags and whether llama.cpp is installed."""

    def set_cpu(flags: str, llama: bool = True) -> None:
        monkeypatch.setattr(devices, "cpu_flags", lambda: flags)
        monkeypatch.setattr(factory, "llama_cpp_available", lambda: llama)
        monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)

    return set_cpu


@pytest.mark.parametrize(
    "flags, llama, expected",
    [
        (AMX, True, ("hf", "bfloat16", None)),  # AMX: transformers bf16 (390 vs 186 tok/s)
        (AMX, False, ("hf", "bfloat16", None)),
        (BF16, True, ("llamacpp", None, "q4_0")),  # AVX512-BF16 only: llama.cpp q4_0
        (BF16, False, ("hf", "bfloat16", None)),  # ... else transformers in bf16
        (PLAIN, True, ("llamacpp", None, "q4_0")),  # no bf16 units
        (PLAIN, False, ("hf", "float32", None)),
    ],
)
def test_auto_bundled_model_on_each_cpu_kind(cpu, flags, llama, expected):
    cpu(flags, llama)
    path = choose_path("auto", "smollm2", "cpu", "auto")
    assert (path.backend, path.dtype, path.quantize) == expected
    assert path.reason != "as given"


def test_onednn_limit_hides_bf16_units(cpu, monkeypatch):
    cpu(AMX, llama=False)
    assert choose_path("auto", "smollm2", "cpu").dtype == "bfloat16"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")
    assert not devices.cpu_has_bf16() and not devices.cpu_has_amx()
    assert choose_path("auto", "smollm2", "cpu").dtype == "float32"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16")  # bf16 units, no AMX
    assert devices.cpu_has_bf16() and not devices.cpu_has_amx()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx10_1_512_amx")  # case does not matter
    assert devices.cpu_has_amx()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "ALL")
    assert devices.cpu_has_amx()


def test_given_settings_are_kept(cpu):
    cpu(PLAIN, llama=True)
    assert choose_path("hf", "smollm2", "cpu").backend == "hf"  # never turned into llama.cpp
    assert choose_path("hf", "smollm2", "cpu").dtype == "float32"  # dtype auto still resolves
    assert choose_path("auto", "smollm2", "cpu", "bfloat16").backend == "hf"  # a dtype asks for hf
    path = choose_path("llamacpp", "smollm2")
    assert (path.backend, path.quantize, path.reason) == ("llamacpp", None, "as given")
    assert choose_path("auto", "smollm2", "cpu", quantize="q8_0").quantize == "q8_0"
    assert choose_path("auto", "/m/model.gguf", "cpu").backend == "llamacpp"
    assert choose_path("auto", "HuggingFaceTB/SmolLM2-360M-Instruct", "cpu").backend == "hf"
    assert choose_path("auto", "smollm2", base_url="http://127.0.0.1:1/v1").backend == "openai"


def test_make_generator_follows_the_path_and_says_why(cpu):
    cpu(PLAIN, llama=True)
    gen = make_generator("auto", "smollm2", device="cpu", threads=1)
    assert type(gen).__name__ == "LlamaCppGenerator" and gen.quantize == "q4_0"
    assert "q4_0" in gen.reason
    cpu(PLAIN, llama=False)
    gen = make_generator("auto", "smollm2", device="cpu", threads=1)
    assert (type(gen).__name__, gen.dtype) == ("HFGenerator", "float32")
    assert gen.reason == "llama-cpp-python is not installed"


def test_bad_quantize_is_one_line():
    with pytest.raises(
        ValueError, match=r"^llm.quantize: got 'q2_k', expected null, q8_0 or q4_0$"
    ):
        choose_path("llamacpp", "smollm2", quantize="q2_k")
