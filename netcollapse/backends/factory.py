"""Choosing and building a generation backend from a few settings.

The one place that maps ``backend`` names to classes:

========== ====================================================== ==========================
backend    class                                                  model
========== ====================================================== ==========================
hf         :class:`~netcollapse.backends.HFGenerator`             bundled name, HF name, folder
llamacpp   :class:`~netcollapse.backends.LlamaCppGenerator`       bundled name, ``.gguf`` file
openai     :class:`~netcollapse.backends.OpenAIGenerator`         the server's model name
auto       see :func:`resolve_backend`
========== ====================================================== ==========================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netcollapse.backends.devices import cpu_has_amx, resolve_device, resolve_dtype
from netcollapse.backends.generation import TokenGenerator
from netcollapse.backends.local.gguf import QUANTIZE, llama_cpp_available
from netcollapse.backends.models import BUNDLED_LLM_NAMES
from netcollapse.errors import bad

__all__ = ["BACKENDS", "GenerationPath", "choose_path", "make_generator", "resolve_backend"]

#: Accepted ``backend`` names.
BACKENDS = ("auto", "hf", "llamacpp", "openai")


@dataclass(frozen=True)
class GenerationPath:
    """The concrete way text is generated: what ``auto`` settings resolve to.

    Attributes
    ----------
    backend : {"hf", "llamacpp", "openai"}
    device : str
        ``cpu`` or ``cuda:N`` (``cpu`` for llama.cpp, ``""`` for a server).
    dtype : str or None
        transformers only.
    quantize : str or None
        llama.cpp only: the converted copy it runs (``None``: the file as it is).
    reason : str
        Why ``auto`` chose it (``"as given"`` when nothing was left to ``auto``).
    """

    backend: str
    device: str
    dtype: str | None = None
    quantize: str | None = None
    reason: str = "as given"


def _bundled(model: str | None) -> bool:
    return model is None or str(model).lower() in BUNDLED_LLM_NAMES


def choose_path(
    backend: str = "auto",
    model: str | None = "smollm2",
    device: str = "auto",
    dtype: str = "auto",
    base_url: str | None = None,
    quantize: str | None = None,
) -> GenerationPath:
    """Resolve ``auto`` settings to the fastest generation path this machine has.

    The rule, from the throughput table in ``benchmarks/README.md`` ("Every path on
    each CPU kind": SmolLM2-135M, 16 requests x 4 answers x 32 new tokens, 2 threads;
    ``benchmarks/bench_paths.py``), decided from the CPU's flags so that the same
    machine always makes the same choice (a timing probe could choose differently
    under load, and the two paths give different texts):

    1. ``base_url`` given: ``openai``.
    2. A ``.gguf`` file: llama.cpp when installed (transformers otherwise).
    3. A CUDA device: transformers in bfloat16 (float16 where bf16 is missing).
    4. The bundled model on a CPU with AMX-BF16 tiles: transformers in bfloat16
       (Intel Xeon with AMX: 390 tok/s against 186 for llama.cpp's q4_0 copy).
    5. The bundled model on other CPUs, llama.cpp installed: llama.cpp on a q4_0
       copy (AMD EPYC with AVX512-BF16: 209 against 196 for transformers bf16;
       Intel Xeon without bf16 units: 138 against 121 for transformers float32).
    6. Otherwise transformers with ``dtype: auto`` (:func:`resolve_dtype`).

    A setting given explicitly is kept (``backend: hf`` never becomes llama.cpp;
    ``dtype``/``quantize`` only apply to their backend).

    Parameters
    ----------
    backend : {"auto", "hf", "llamacpp", "openai"}
    model : str or None
    device : {"auto", "cpu", "cuda", "cuda:N"}
    dtype : {"auto", "float32", "bfloat16", "float16"}
    base_url : str or None
    quantize : {None, "q8_0", "q4_0"}

    Returns
    -------
    GenerationPath

    Examples
    --------
    >>> choose_path("hf", "smollm2", "cpu", "float32")
    GenerationPath(backend='hf', device='cpu', dtype='float32', quantize=None, reason='as given')
    >>> choose_path("auto", "m", base_url="http://127.0.0.1:8000/v1").backend
    'openai'
    >>> choose_path("auto", "HuggingFaceTB/SmolLM2-360M-Instruct", "cpu", "float32").backend
    'hf'
    >>> try:
    ...     choose_path("vllm", "smollm2")
    ... except ValueError as exc:
    ...     print(exc)
    llm.backend: got 'vllm', expected one of auto, hf, llamacpp, openai
    """
    if backend not in BACKENDS:
        raise bad("llm.backend", backend, "one of " + ", ".join(BACKENDS))
    if quantize not in QUANTIZE:
        raise bad("llm.quantize", quantize, "null, " + " or ".join(QUANTIZE[1:]))
    if backend == "openai" or (backend == "auto" and base_url):
        why = "as given" if backend == "openai" else "a server URL is given"
        return GenerationPath("openai", "", reason=why)
    if backend == "llamacpp":
        return GenerationPath("llamacpp", "cpu", quantize=quantize)
    where = resolve_device(device)
    if backend == "hf":
        return GenerationPath("hf", where, dtype=resolve_dtype(dtype, where))
    have_llama = llama_cpp_available()
    if model is not None and str(model).endswith(".gguf") and have_llama:
        return GenerationPath("llamacpp", "cpu", quantize=quantize, reason="a GGUF file")
    if where.startswith("cuda"):
        reason = "a CUDA device"
    elif not _bundled(model):
        reason = "a transformers model"
    elif dtype != "auto":
        reason = f"dtype {dtype} given"
    elif cpu_has_amx():
        reason = "AMX-BF16 tiles: transformers bf16 is the fastest path"
    elif have_llama:
        return GenerationPath(
            "llamacpp", "cpu", quantize=quantize or "q4_0",
            reason="no AMX: llama.cpp's q4_0 kernels are the fastest path",
        )  # fmt: skip
    else:
        reason = "llama-cpp-python is not installed"
    return GenerationPath("hf", where, dtype=resolve_dtype(dtype, where), reason=reason)


def resolve_backend(
    backend: str, model: str | None, device: str = "auto", base_url: str | None = None
) -> str:
    """Return the concrete backend for ``backend`` (see :func:`choose_path`).

    Examples
    --------
    >>> resolve_backend("hf", "smollm2"), resolve_backend("llamacpp", "smollm2")
    ('hf', 'llamacpp')
    >>> resolve_backend("auto", "smollm2", "cpu", base_url="http://127.0.0.1:8000/v1")
    'openai'
    """
    return choose_path(backend, model, device, base_url=base_url).backend


def make_generator(
    backend: str = "auto",
    model: str | None = "smollm2",
    *,
    device: str = "auto",
    dtype: str = "auto",
    threads: int | None = None,
    quantize: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    concurrency: int = 8,
    timeout: float = 60.0,
    retries: int = 4,
) -> Any:
    """Build the generator for a backend name and its settings (nothing is loaded).

    ``auto`` settings resolve by :func:`choose_path`; the generator's ``reason``
    says why (it goes into the run's provenance).

    Parameters
    ----------
    backend : {"auto", "hf", "llamacpp", "openai"}
    model : str or None
        Bundled name, Hugging Face name or folder (hf), GGUF file (llamacpp), or
        the server's model name (openai).
    device : {"auto", "cpu", "cuda", "cuda:N"}
        Where the transformers backend runs; llama.cpp runs on the CPU here.
    dtype : {"auto", "float32", "bfloat16", "float16"}
        transformers only; ``auto``: :func:`~netcollapse.backends.devices.resolve_dtype`.
    threads : int or None
        CPU threads (hf, llamacpp); ``None``: the free cores.
    quantize : {None, "q8_0", "q4_0"}
        llama.cpp only: run a converted copy of the GGUF file (``backend: auto``
        picks ``q4_0`` for the bundled model where llama.cpp is the fastest path).
    base_url, api_key_env, concurrency, timeout, retries
        openai only: the server (``http://host:port/v1``), the NAME of the
        environment variable holding the key, requests in flight, seconds per
        request, retries before giving up.

    Returns
    -------
    Generator

    Examples
    --------
    >>> make_generator("hf", "smollm2", device="cpu", dtype="float32")
    HFGenerator(model='smollm2', dtype='float32', device='cpu')
    >>> try:
    ...     make_generator("openai", "m")
    ... except ValueError as exc:
    ...     print(str(exc)[:40])
    llm.base_url: got None, expected the ser
    """
    path = choose_path(backend, model, device, dtype, base_url, quantize)
    if path.backend == "openai":
        if not base_url:
            raise bad(
                "llm.base_url",
                base_url,
                "the server's URL (http://host:port/v1) for backend 'openai'",
            )
        from netcollapse.backends.remote.openai_api import OpenAIGenerator

        return OpenAIGenerator(
            model=str(model),
            base_url=base_url,
            api_key_env=api_key_env,
            concurrency=concurrency,
            timeout=timeout,
            retries=retries,
        )
    if path.backend == "llamacpp":
        from netcollapse.backends.local.llamacpp import LlamaCppGenerator

        if device not in ("auto", "cpu"):
            raise bad(
                "llm.device",
                device,
                "cpu or auto for backend 'llamacpp' (this build "
                "of llama.cpp runs on the CPU; use backend 'hf' for a GPU)",
            )
        gen: TokenGenerator = LlamaCppGenerator(
            model=model, threads=threads, quantize=path.quantize
        )
    else:
        from netcollapse.backends.local.hf import HFGenerator

        assert path.dtype is not None  # choose_path resolves it for transformers
        gen = HFGenerator(model=model, dtype=path.dtype, device=path.device, threads=threads)
    gen.reason = path.reason
    return gen
