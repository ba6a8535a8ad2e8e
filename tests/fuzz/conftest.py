"""Fuzz tests: the case count of the session, printed at the end (``fuzz: N generated cases``)."""

from __future__ import annotations

from typing import Any

from mutations import CASES, scale


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how many generated cases the fuzz properties ran, in total and per property."""
    if not CASES:
        return
    profile = "long" if scale() > 1 else "default"
    detail = ", ".join(f"{name} {n}" for name, n in sorted(CASES.items()))
    terminalreporter.write_line(
        f"fuzz ({profile} profile): {sum(CASES.values())} generated cases ({detail})"
    )
