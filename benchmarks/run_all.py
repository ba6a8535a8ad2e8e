"""Run every benchmark in turn (``make bench``); record results in benchmarks/README.md.

Each benchmark is its own script, run in a fresh interpreter so that model caches
and thread settings of one do not leak into the next.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ["bench_spectral.py"],
    ["bench_gmm.py"],
    ["bench_predict.py"],
    ["bench_scale.py"],
    ["bench_generation.py", "--threads", "1", "--repeats", "3"],
    ["bench_backends.py", "--repeats", "2"],
    ["bench_dtype.py", "float32", "bfloat16"],
    ["bench_plan.py"],
]


def main() -> int:
    status = 0
    for bench in BENCHES:
        path = HERE / bench[0]
        if not path.is_file():
            print(f"== {bench[0]}: missing, skipped")
            continue
        print(f"== {' '.join(bench)}", flush=True)
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, str(path), *bench[1:]])
        print(f"== {bench[0]} finished in {time.perf_counter() - start:.0f} s (exit {rc})\n")
        status = status or rc
    return status


if __name__ == "__main__":
    sys.exit(main())
