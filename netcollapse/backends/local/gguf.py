"""GGUF files for llama.cpp: finding them, converting them, loading them once.

* :func:`resolve_gguf`: the bundled SmolLM2-135M-Instruct (Q4_1) or a user's
  ``.gguf`` file, with one-line errors for a missing or non-GGUF file;
* :func:`quantized_gguf`: a converted copy (``q8_0``, ``q4_0``) made once and
  kept in the user cache;
* :func:`load_model`: one llama.cpp model per file and process, shared by every
  generator; :func:`render_chat` renders the chat template stored in the file
  exactly as ``transformers`` renders it.

``llama_cpp`` is imported only inside the functions that need it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from netcollapse.backends.models import BUNDLED_LLM_NAMES, bundled_llm_path
from netcollapse.errors import ModelError, bad

__all__ = [
    "QUANTIZE",
    "llama_cpp_available",
    "load_model",
    "quantized_gguf",
    "render_chat",
    "resolve_gguf",
]

#: Types a model can be converted to (``None``: as it is).
QUANTIZE = (None, "q8_0", "q4_0")

_LOCK = threading.RLock()
_MODELS: dict[str, Any] = {}


def llama_cpp_available() -> bool:
    """Say whether ``llama-cpp-python`` is installed (without importing it).

    Examples
    --------
    >>> isinstance(llama_cpp_available(), bool)
    True
    """
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def resolve_gguf(model: str | None) -> Path:
    """Return the GGUF file for ``model``: a bundled name, or a path to a ``.gguf`` file.

    Parameters
    ----------
    model : str or None
        ``None`` or a name in :data:`~netcollapse.backends.models.BUNDLED_LLM_NAMES`
        for the bundled SmolLM2-135M-Instruct (Q4_1), else a file path.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ModelError
        One line naming ``llm.model`` if the file is missing or is not GGUF.

    Examples
    --------
    >>> resolve_gguf("smollm2").name
    'SmolLM2-135M-Instruct.Q4_1.gguf'
    >>> resolve_gguf("/no/such.gguf")
    Traceback (most recent call last):
    ...
    netcollapse.errors.ModelError: llm.model: got '/no/such.gguf', expected an existing GGUF file
    """
    if model is None or str(model).lower() in BUNDLED_LLM_NAMES:
        folder, name = bundled_llm_path()
        return folder / name
    path = Path(str(model)).expanduser()
    if not path.is_file():
        raise ModelError(f"llm.model: got {str(model)!r}, expected an existing GGUF file")
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"GGUF":
        raise ModelError(
            f"llm.model: got {str(model)!r}, expected a GGUF file (it does not start with 'GGUF')"
        )
    return path


def quantized_gguf(path: Path, kind: str) -> Path:
    """Return a copy of the GGUF file ``path`` converted to ``kind``, made once and cached.

    Parameters
    ----------
    path : pathlib.Path
    kind : {"q8_0", "q4_0"}

    Returns
    -------
    pathlib.Path
        In :func:`~netcollapse.backends.models.cache_dir`, named by the source's
        sha256 (the conversion is written atomically).
    """
    import ctypes

    from llama_cpp import llama_cpp as C

    from netcollapse._io import atomic_write_bytes
    from netcollapse.backends.models import cache_dir, file_sha256

    if kind not in QUANTIZE[1:]:
        raise bad("quantize", kind, "None, " + " or ".join(QUANTIZE[1:]))
    target = cache_dir() / f"{path.stem}-{file_sha256(path)[:16]}.{kind}.gguf"
    if target.is_file():
        return target
    params = C.llama_model_quantize_default_params()
    params.ftype = {"q8_0": C.LLAMA_FTYPE_MOSTLY_Q8_0, "q4_0": C.LLAMA_FTYPE_MOSTLY_Q4_0}[kind]
    params.allow_requantize = True
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    try:
        code = C.llama_model_quantize(str(path).encode(), str(tmp).encode(), ctypes.byref(params))
        if code != 0:
            raise ModelError(
                f"quantize: llama.cpp could not convert {path.name} to {kind} (code {code})"
            )
        atomic_write_bytes(target, tmp.read_bytes())
    finally:
        tmp.unlink(missing_ok=True)
    return target


def render_chat(template: str, messages: list[dict[str, str]], bos: str, eos: str) -> str:
    """Render a chat template as ``transformers`` does (sandboxed Jinja, trimmed blocks)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise ModelError(f"chat template: {message}")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(
        messages=messages, add_generation_prompt=True, bos_token=bos, eos_token=eos
    )


_LOG_CALLBACK: Any = None


def _quiet_llama_cpp() -> None:
    """Route llama.cpp's own log lines (loading, KV copies) to nowhere, once per process."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is None:
        from llama_cpp import llama_cpp as C

        _LOG_CALLBACK = C.llama_log_callback(lambda level, text, data: None)
        C.llama_log_set(_LOG_CALLBACK, None)


def load_model(path: Path) -> Any:
    """Load a GGUF model once per process (weights shared by every generator)."""
    from llama_cpp import llama_cpp as C
    from llama_cpp._internals import LlamaModel

    key = str(path.resolve())
    with _LOCK:
        if key not in _MODELS:
            _quiet_llama_cpp()
            C.llama_backend_init()
            params = C.llama_model_default_params()
            try:
                _MODELS[key] = LlamaModel(path_model=key, params=params, verbose=False)
            except ValueError as exc:  # llama.cpp could not read it
                raise ModelError(
                    f"llm.model: got {key!r}, expected a loadable GGUF file ({exc})"
                ) from None
        return _MODELS[key]
