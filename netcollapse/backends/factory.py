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

from typing import Any

from netcollapse.backends.devices import resolve_device, resolve_dtype
from netcollapse.backends.local.gguf import llama_cpp_available
from netcollapse.errors import bad

__all__ = ["BACKENDS", "make_generator", "resolve_backend"]

#: Accepted ``backend`` names.
BACKENDS = ("auto", "hf", "llamacpp", "openai")


def resolve_backend(
    backend: str, model: str | None, device: str = "auto", base_url: str | None = None
) -> str:
    """Return the concrete backend for ``backend``.

    ``auto`` is ``openai`` when a ``base_url`` is given; ``llamacpp`` for a
    ``.gguf`` file when llama-cpp-python is installed; else ``hf``. The bundled
    model goes to ``hf``: on the project's CPU (AVX-512 and AMX) transformers in
    bfloat16 decodes it about 2x faster than llama.cpp (``benchmarks/README.md``,
    "Generation backends"); ``backend: llamacpp`` still selects llama.cpp.

    Parameters
    ----------
    backend : {"auto", "hf", "llamacpp", "openai"}
    model : str or None
    device : str
        A concrete device (``cpu``, ``cuda:N``) or ``auto``.
    base_url : str or None

    Returns
    -------
    str

    Examples
    --------
    >>> resolve_backend("hf", "smollm2")
    'hf'
    >>> resolve_backend("auto", "HuggingFaceTB/SmolLM2-360M-Instruct", "cpu")
    'hf'
    >>> resolve_backend("auto", "smollm2", "cpu"), resolve_backend("llamacpp", "smollm2")
    ('hf', 'llamacpp')
    >>> resolve_backend("auto", "smollm2", "cpu", base_url="http://127.0.0.1:8000/v1")
    'openai'
    >>> try:
    ...     resolve_backend("vllm", "smollm2")
    ... except ValueError as exc:
    ...     print(exc)
    llm.backend: got 'vllm', expected one of auto, hf, llamacpp, openai
    """
    if backend not in BACKENDS:
        raise bad("llm.backend", backend, "one of " + ", ".join(BACKENDS))
    if backend != "auto":
        return backend
    if base_url:
        return "openai"
    if model is not None and str(model).endswith(".gguf") and llama_cpp_available():
        return "llamacpp"
    return "hf"


def make_generator(
    backend: str = "auto",
    model: str | None = "smollm2",
    *,
    device: str = "auto",
    dtype: str = "auto",
    threads: int | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    concurrency: int = 8,
    timeout: float = 60.0,
    retries: int = 4,
) -> Any:
    """Build the generator for a backend name and its settings (nothing is loaded).

    Parameters
    ----------
    backend : {"auto", "hf", "llamacpp", "openai"}
    model : str or None
        Bundled name, Hugging Face name or folder (hf), GGUF file (llamacpp), or
        the server's model name (openai).
    device : {"auto", "cpu", "cuda", "cuda:N"}
        Where the transformers backend runs; llama.cpp runs on the CPU here.
    dtype : {"auto", "float32", "bfloat16", "float16"}
        transformers only; ``auto`` = float32 on a CPU, bfloat16 on a GPU.
    threads : int or None
        CPU threads (hf, llamacpp); ``None``: the free cores.
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
    concrete = resolve_backend(backend, model, device, base_url)
    if concrete == "openai":
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
    if concrete == "llamacpp":
        from netcollapse.backends.local.llamacpp import LlamaCppGenerator

        if device not in ("auto", "cpu"):
            raise bad(
                "llm.device",
                device,
                "cpu or auto for backend 'llamacpp' (this build "
                "of llama.cpp runs on the CPU; use backend 'hf' for a GPU)",
            )
        return LlamaCppGenerator(model=model, threads=threads)
    from netcollapse.backends.local.hf import HFGenerator

    where = resolve_device(device)
    return HFGenerator(
        model=model, dtype=resolve_dtype(dtype, where), device=where, threads=threads
    )
