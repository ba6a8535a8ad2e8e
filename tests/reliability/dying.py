"""A sweep task body that kills its own worker process, for the executor fault tests."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import SimpleNamespace


def work(task: SimpleNamespace) -> str:
    """Kill this worker on the first try (mode ``flaky``) or on every try (``dies``).

    Tries are counted in a file ``task.folder / task.task_id`` (one ``x`` a try).
    """
    mark = Path(task.folder) / task.task_id
    tries = len(mark.read_text()) if mark.exists() else 0
    mark.write_text("x" * (tries + 1))
    if task.mode == "dies" or (task.mode == "flaky" and tries == 0):
        os.kill(os.getpid(), signal.SIGKILL)
    return f"{task.task_id} done on try {tries + 1}"
