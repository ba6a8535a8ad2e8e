"""Where a model runs: device names, dtypes per device, and free CPU cores.

The one home of three small decisions that every local backend makes:

* :func:`resolve_device`: ``auto | cpu | cuda | cuda:N`` to a concrete device
  (``auto`` is CUDA when a CUDA device is available, else the CPU);
* :func:`resolve_dtype`: ``auto`` is bfloat16 on a CPU with bf16 units (AMX-BF16
  or AVX512-BF16, :func:`cpu_has_bf16`), float32 on other CPUs (bf16 matrix
  products are emulated there and slower), and bfloat16 on a GPU that supports it
  (else float16). Measured with transformers, SmolLM2-135M, 16 requests x 4
  answers x 32 new tokens, 2 threads (``benchmarks/README.md``): AMD EPYC with
  AVX512-BF16, bf16 196-226 vs float32 190-196 tok/s; Intel Xeon with AVX-512 but no
  bf16 units, bf16 70.5 vs float32 120.6 tok/s; an AMX Xeon, bf16 390 tok/s;
* :func:`free_cores`: how many threads a backend should use now
  (:func:`check_threads`: the one rule for a backend's ``threads`` setting).
"""

from __future__ import annotations

import os
import re
from typing import Any

from netcollapse._validation import check_int
from netcollapse.backends.models import DTYPES
from netcollapse.errors import SpecError, bad

__all__ = [
    "DEVICES",
    "AMX_FLAGS",
    "BF16_FLAGS",
    "ONEDNN_ISAS",
    "check_threads",
    "cpu_flags",
    "cpu_has_amx",
    "cpu_has_bf16",
    "free_cores",
    "resolve_device",
    "resolve_dtype",
]

#: Accepted device names (``cuda:N`` for any N >= 0).
DEVICES = ("auto", "cpu", "cuda", "cuda:N")

_CUDA_N = re.compile(r"^cuda:(\d+)$")


def _cuda_count() -> int:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return 0
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def resolve_device(device: str, field: str = "llm.device") -> str:
    """Return the concrete device for ``device``.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N"}
    field : str
        Field name used in errors.

    Returns
    -------
    str
        ``"cpu"`` or ``"cuda:N"``.

    Raises
    ------
    SpecError
        One line if the name is unknown or names a CUDA device this machine lacks.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("gpu")
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: llm.device: got 'gpu', expected one of auto, cpu, cuda, cuda:N
    """
    name = str(device).strip().lower()
    if name == "cpu":
        return "cpu"
    count = _cuda_count()
    if name == "auto":
        return "cuda:0" if count else "cpu"
    if name == "cuda":
        name = "cuda:0"
    match = _CUDA_N.match(name)
    if not match:
        raise bad(field, device, "one of " + ", ".join(DEVICES))
    index = int(match.group(1))
    if index >= count:
        have = f"{count} CUDA device(s)" if count else "no CUDA device"
        raise bad(field, device, f"cpu or auto: this machine has {have}")
    return name


BF16_FLAGS = ("amx_bf16", "avx512_bf16")
"""CPU flags (``/proc/cpuinfo``) of units that compute bf16 matrix products natively."""

AMX_FLAGS = ("amx_bf16",)
"""CPU flags of AMX tiles that multiply bf16 matrices (Intel Sapphire Rapids and later)."""

#: oneDNN's ``ONEDNN_MAX_CPU_ISA`` values, lowest first (its documented order).
ONEDNN_ISAS = (
    "SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI",
    "AVX512_CORE_BF16", "AVX10_1_512", "AVX512_CORE_FP16", "AVX10_1_512_AMX",
    "AVX512_CORE_AMX", "AVX10_1_512_AMX_FP16", "AVX512_CORE_AMX_FP16", "AVX10_2_512",
    "AVX10_2_512_AMX_2",
)  # fmt: skip


def cpu_flags() -> str:
    """Return the ``flags`` line of ``/proc/cpuinfo`` (``""`` where it cannot be read)."""
    try:
        with open("/proc/cpuinfo") as handle:
            return next((x for x in handle if x.startswith("flags")), "")
    except OSError:
        return ""


def _onednn_allows(isa: str) -> bool:
    """Say whether ``ONEDNN_MAX_CPU_ISA`` admits ``isa`` (unset, ``ALL`` or unknown: no limit)."""
    limit = os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if limit not in ONEDNN_ISAS:
        return True
    return ONEDNN_ISAS.index(limit) >= ONEDNN_ISAS.index(isa)


def _usable(flags: str | None, wanted: tuple[str, ...], isa: str) -> bool:
    """Say whether the CPU lists one of ``wanted`` and oneDNN may use ``isa``."""
    have = set((cpu_flags() if flags is None else flags).replace(":", " ").split())
    return any(f in have for f in wanted) and _onednn_allows(isa)


def cpu_has_bf16(flags: str | None = None) -> bool:
    """Return whether torch can use bf16 units on this CPU (AMX-BF16 or AVX512-BF16).

    ``ONEDNN_MAX_CPU_ISA`` below ``AVX512_CORE_BF16`` (for example
    ``AVX512_CORE``) hides them from torch's matrix products, and so from this test:
    the documented way to measure the no-bf16 case on a CPU that has them.

    Parameters
    ----------
    flags : str, optional
        The ``flags`` line of ``/proc/cpuinfo``; read from this machine when not
        given (``False`` where it cannot be read).

    Returns
    -------
    bool

    Examples
    --------
    >>> cpu_has_bf16("fpu sse2 avx2 avx512f avx512_bf16"), cpu_has_bf16("fpu avx2 avx512f")
    (True, False)
    """
    return _usable(flags, BF16_FLAGS, "AVX512_CORE_BF16")


def cpu_has_amx(flags: str | None = None) -> bool:
    """Return whether torch can use AMX-BF16 tiles on this CPU (see :func:`cpu_has_bf16`).

    Examples
    --------
    >>> cpu_has_amx("fpu avx512f avx512_bf16 amx_bf16 amx_tile"), cpu_has_amx("avx512_bf16")
    (True, False)
    """
    return _usable(flags, AMX_FLAGS, "AVX10_1_512_AMX")


def resolve_dtype(dtype: str, device: str, field: str = "llm.dtype") -> str:
    """Return the dtype to load a model in on ``device``.

    Parameters
    ----------
    dtype : {"auto", "float32", "bfloat16", "float16"}
    device : str
        A concrete device (:func:`resolve_device`).
    field : str

    Returns
    -------
    str

    Examples
    --------
    >>> resolve_dtype("bfloat16", "cpu")
    'bfloat16'
    >>> resolve_dtype("auto", "cpu") == ("bfloat16" if cpu_has_bf16() else "float32")
    True
    """
    if dtype != "auto":
        if dtype not in DTYPES:
            raise bad(field, dtype, "one of auto, " + ", ".join(DTYPES))
        return dtype
    if not device.startswith("cuda"):
        return "bfloat16" if cpu_has_bf16() else "float32"
    import torch

    return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"


def _others_running(samples: int = 5, pause: float = 0.01) -> int:
    """Median count of runnable threads other than this one (``/proc/stat``), 0 if unknown."""
    import time

    counts = []
    for k in range(samples):
        try:
            with open("/proc/stat") as handle:
                line = next(x for x in handle if x.startswith("procs_running"))
        except (OSError, StopIteration):
            return 0
        counts.append(max(0, int(line.split()[1]) - 1))
        if k + 1 < samples:
            time.sleep(pause)
    return sorted(counts)[len(counts) // 2]


def free_cores() -> int:
    """Return how many threads a backend should use now.

    ``OMP_NUM_THREADS`` where it is set (sweep workers set it to 1), else the
    cores this process may use minus the threads of other processes running now
    (median of five looks at ``procs_running`` in ``/proc/stat`` over 40 ms), at
    least 1. Backends call it when they load, not at every step: their own
    threads would count as load later.

    Returns
    -------
    int

    Examples
    --------
    >>> free_cores() >= 1
    True
    """
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores - _others_running())


def check_threads(threads: Any) -> int | None:
    """Return a backend's ``threads`` setting if it is ``None`` or an integer >= 1.

    Parameters
    ----------
    threads : object
        ``None`` leaves the choice to the backend.

    Returns
    -------
    int or None

    Examples
    --------
    >>> check_threads(None), check_threads(2)
    (None, 2)
    >>> check_threads(0)
    Traceback (most recent call last):
    ...
    netcollapse.errors.SpecError: threads: got 0, expected None or an integer >= 1
    """
    if threads is None:
        return None
    try:
        return check_int(threads, "threads", 1)
    except SpecError:
        raise bad("threads", threads, "None or an integer >= 1") from None
