"""How a run's text was made: the machine, the libraries and the model file.

* :func:`machine_info`: CPU model and cores, torch's CPU capability, bf16 units and
  AMX (as torch may use them: ``ONEDNN_MAX_CPU_ISA`` counts), GPU name, and the
  versions of Python, numpy, torch, transformers, sentence-transformers and
  llama-cpp-python (read from the installed metadata; nothing is imported);
* :func:`file_digest`: a model file's sha256, computed once per file and process;
* :func:`path_line`: the one line ``netcollapse run`` prints about the chosen path.

Every generator's ``provenance()`` gives its own part (backend, model, file, hash,
dtype or quantisation, device, threads, why ``auto`` chose it); the LLM engine
writes both under ``provenance`` in ``config.json``, a key a resume does not
compare (a run may be resumed on another machine; its provenance is the one it
started with).
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from netcollapse.backends.devices import cpu_has_amx, cpu_has_bf16

__all__ = [
    "LIBRARIES",
    "file_digest",
    "generation_provenance",
    "machine_info",
    "model_digest",
    "path_line",
    "planned_path",
    "provenance_columns",
]

#: Distributions whose versions every provenance records (``None``: not installed).
LIBRARIES = (
    "netcollapse", "numpy", "torch", "transformers", "sentence-transformers",
    "llama_cpp_python", "hnswlib",
)  # fmt: skip


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@lru_cache(maxsize=1)
def _static_info() -> dict[str, Any]:
    import torch

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": _cpu_model(),
        "cores": cores,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "gpu": gpu,
        "python": platform.python_version(),
        **{name.replace("-", "_"): _version(name) for name in LIBRARIES},
    }


def machine_info() -> dict[str, Any]:
    """Return the machine and library facts a run records (JSON-able).

    Returns
    -------
    dict
        ``cpu``, ``cores``, ``cpu_capability`` (torch's, e.g. ``AVX512``),
        ``bf16_units``, ``amx``, ``onednn_max_cpu_isa``, ``gpu`` and one version
        per name in :data:`LIBRARIES` (``-`` written as ``_``) plus ``python``.

    Examples
    --------
    >>> info = machine_info()
    >>> info["cores"] >= 1 and isinstance(info["bf16_units"], bool)
    True
    """
    return {
        **_static_info(),
        "bf16_units": cpu_has_bf16(),
        "amx": cpu_has_amx(),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA") or None,
    }


def generation_provenance(generators: Any) -> dict[str, Any]:
    """Return how text is made: each distinct generator's ``provenance()`` and the machine.

    Parameters
    ----------
    generators : iterable of Generator
        One per node (shared ones appear once, in order of first use); a generator
        without ``provenance()`` is recorded by its class name.

    Returns
    -------
    dict
        ``generators`` and ``machine`` (:func:`machine_info`).

    Examples
    --------
    >>> from netcollapse.backends.fake import FakeGenerator
    >>> g = FakeGenerator()
    >>> generation_provenance([g, g])["generators"]
    [{'backend': 'FakeGenerator'}]
    """
    seen: dict[int, dict[str, Any]] = {}
    for g in generators:
        if id(g) not in seen:
            own = getattr(g, "provenance", None)
            seen[id(g)] = own() if own is not None else {"backend": type(g).__name__}
    return {"generators": list(seen.values()), "machine": machine_info()}


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | os.PathLike[str]) -> str:
    """Return the sha256 of a model file, once per file (path, size, mtime) and process.

    Parameters
    ----------
    path : str or PathLike

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     file_digest(f.name)[:12]
    'e3b0c44298fc'
    """
    from netcollapse.backends.models import file_sha256

    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_sha256(p)
    return _DIGESTS[key]


_WEIGHTS = ("*.safetensors", "*.bin", "*.gguf")


def model_digest(model: str | os.PathLike[str]) -> tuple[str | None, str | None]:
    """Return ``(file, sha256)`` of a model's weights: a file, a folder or a cached hub name.

    A folder with several weight files (shards) gets the sha256 of its sorted
    ``name  digest`` lines and ``file`` is the folder. A hub name is looked up in
    the local Hugging Face cache only; ``(None, None)`` where no weights are found.

    Parameters
    ----------
    model : str or PathLike

    Returns
    -------
    (str or None, str or None)

    Examples
    --------
    >>> model_digest("/no/such/model")
    (None, None)
    """
    import hashlib

    p = Path(model).expanduser()
    if p.is_file():
        return str(p.resolve()), file_digest(p)
    if not p.is_dir():
        try:
            from huggingface_hub import snapshot_download

            p = Path(snapshot_download(str(model), local_files_only=True))
        except Exception:  # not cached, not a hub name, or no huggingface_hub
            return None, None
    files = sorted({f for pattern in _WEIGHTS for f in p.glob(pattern)})
    if not files:
        return None, None
    if len(files) == 1:
        return str(files[0].resolve()), file_digest(files[0])
    lines = "".join(f"{f.name}  {file_digest(f)}\n" for f in files)
    return str(p.resolve()), hashlib.sha256(lines.encode()).hexdigest()


def path_line(generators: list[dict[str, Any]], machine: dict[str, Any]) -> str:
    r"""One line naming the generation path(s) and the machine, for the terminal.

    Parameters
    ----------
    generators : list of dict
        Each generator's ``provenance()``.
    machine : dict
        :func:`machine_info`.

    Returns
    -------
    str

    Examples
    --------
    >>> g = {"backend": "hf", "model": "smollm2", "dtype": "bfloat16", "device": "cpu",
    ...      "threads": 2, "reason": "dtype auto"}
    >>> m = {"cpu": "AMD EPYC", "cpu_capability": "AVX512", "bf16_units": True, "amx": False}
    >>> print(path_line([g], m).replace("; ", ";\n"))
    generation: hf smollm2 bfloat16 on cpu, 2 threads (dtype auto);
    CPU AMD EPYC, AVX512, bf16 units
    """
    parts = []
    for g in generators:
        how = g.get("dtype") or g.get("quantize") or g.get("base_url") or ""
        where = f" on {g['device']}" if g.get("device") else ""
        n = g.get("threads")
        threads = f", {n} thread{'' if n == 1 else 's'}" if n else ""
        why = f" ({g['reason']})" if g.get("reason") and g["reason"] != "as given" else ""
        parts.append(f"{g['backend']} {g['model']} {how}".rstrip() + where + threads + why)
    units = (
        "AMX"
        if machine.get("amx")
        else "bf16 units"
        if machine.get("bf16_units")
        else "no bf16 units"
    )
    cpu = f"CPU {machine.get('cpu')}, {machine.get('cpu_capability')}, {units}"
    gpu = f"; GPU {machine['gpu']}" if machine.get("gpu") else ""
    return "generation: " + "; ".join(parts) + f"; {cpu}{gpu}"


def planned_path(llm: dict[str, Any]) -> str:
    """Return :func:`path_line` for a spec's ``llm`` settings, without loading a model.

    Parameters
    ----------
    llm : dict
        A run spec's ``llm`` section (``backend``, ``dtype``, ``device``, ``quantize``,
        ``base_url``, ``threads``, ``defaults.model``).

    Returns
    -------
    str
        The path :func:`netcollapse.backends.factory.choose_path` picks on this machine.
    """
    import dataclasses

    from netcollapse.backends.factory import choose_path

    model = (llm.get("defaults") or {}).get("model", "smollm2")
    p = choose_path(
        llm.get("backend", "auto"), model, llm.get("device", "auto"), llm.get("dtype", "auto"),
        llm.get("base_url"), llm.get("quantize"),
    )  # fmt: skip
    gen = {"model": model, "threads": llm.get("threads"), **dataclasses.asdict(p)}
    return path_line([gen], machine_info())


#: Generator fields a sweep row records (several generators: values joined by ``;``).
ROW_GENERATOR_FIELDS = ("backend", "dtype", "quantize", "device", "threads", "model_sha256")
#: Machine fields a sweep row records.
ROW_MACHINE_FIELDS = (
    "cpu", "cpu_capability", "bf16_units", "amx", "gpu", "torch", "transformers",
    "llama_cpp_python",
)  # fmt: skip


def provenance_columns(provenance: dict[str, Any]) -> dict[str, Any]:
    """Flatten a run's ``provenance`` to the scalar columns of a sweep row.

    Parameters
    ----------
    provenance : dict
        ``{"generators": [...], "machine": {...}}`` as in ``config.json``.

    Returns
    -------
    dict

    Examples
    --------
    >>> p = {"generators": [{"backend": "hf", "dtype": "float32", "threads": 1}],
    ...      "machine": {"cpu": "X", "bf16_units": False}}
    >>> c = provenance_columns(p)
    >>> c["backend"], c["dtype"], c["threads"], c["quantize"], c["bf16_units"]
    ('hf', 'float32', '1', None, False)
    """
    gens = provenance.get("generators") or []
    out: dict[str, Any] = {}
    for key in ROW_GENERATOR_FIELDS:
        values = [g.get(key) for g in gens]
        known = [str(v) for v in values if v not in (None, "")]
        out[key] = ";".join(known) if known else None
    machine = provenance.get("machine") or {}
    out.update({key: machine.get(key) for key in ROW_MACHINE_FIELDS})
    return out
