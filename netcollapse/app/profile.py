"""Where a run's time goes: the step-time split printed by ``netcollapse run --profile``."""

from __future__ import annotations

import pandas as pd

__all__ = ["PHASES", "format_profile", "profile_table"]

#: Phases in the order a step runs them (LLM engine); others follow in column order.
PHASES = ("retrieve", "prompts", "generate", "embed", "metrics", "publish", "write")


def profile_table(timings: pd.DataFrame) -> pd.DataFrame:
    """Sum a run's ``timings.parquet`` over steps, per phase.

    ``other`` is step time outside the named phases (the loop itself); ``write``
    (step files and checkpoint) comes on top of ``seconds``.

    Parameters
    ----------
    timings : pandas.DataFrame
        Columns ``step``, ``seconds`` and one column per phase.

    Returns
    -------
    pandas.DataFrame
        Index: phase; columns ``seconds`` (total), ``per_step`` (mean) and
        ``share`` (of the total including ``write``).

    Examples
    --------
    >>> t = pd.DataFrame({"step": [0, 1], "seconds": [1.0, 3.0], "generate": [0.5, 2.5],
    ...                   "write": [0.5, 0.5]})
    >>> profile_table(t)["seconds"].to_dict()
    {'generate': 3.0, 'write': 1.0, 'other': 1.0}
    """
    phases = [c for c in PHASES if c in timings] + [
        c for c in timings.columns if c not in (*PHASES, "step", "seconds")
    ]
    totals = {p: float(timings[p].fillna(0).sum()) for p in phases}
    inner = sum(v for p, v in totals.items() if p != "write")
    totals["other"] = max(0.0, float(timings["seconds"].sum()) - inner)
    table = pd.DataFrame({"seconds": pd.Series(totals)})
    table["per_step"] = table["seconds"] / max(1, len(timings))
    table["share"] = table["seconds"] / table["seconds"].sum()
    return table


def format_profile(timings: pd.DataFrame, metrics: pd.DataFrame | None = None) -> list[str]:
    r"""Lines of the step-time split for the terminal.

    With an LLM run's ``metrics`` (token columns), a last line gives the tokens
    per second of the ``generate`` phase: generated, and prompt plus generated.

    Parameters
    ----------
    timings : pandas.DataFrame
    metrics : pandas.DataFrame, optional

    Returns
    -------
    list of str

    Examples
    --------
    >>> t = pd.DataFrame({"step": [0], "seconds": [2.0], "generate": [1.5]})
    >>> print("\n".join(format_profile(t)))
    phase        total s  per step s  share
    generate       1.500       1.500  75.0%
    other          0.500       0.500  25.0%
    all            2.000       2.000   100%
    >>> m = pd.DataFrame({"prompt_tokens": [300], "generated_tokens": [150]})
    >>> format_profile(t, m)[-1]
    'generate: 100.0 generated tok/s, 300.0 prompt + generated tok/s'
    """
    table = profile_table(timings)
    lines = [f"{'phase':<10} {'total s':>9} {'per step s':>11} {'share':>6}"]
    for phase, row in table.iterrows():
        lines.append(f"{phase:<10} {row.seconds:>9.3f} {row.per_step:>11.3f} {row.share:>6.1%}")
    total = table["seconds"].sum()
    lines.append(f"{'all':<10} {total:>9.3f} {total / max(1, len(timings)):>11.3f} {'100%':>6}")
    if metrics is not None and "generated_tokens" in metrics and "generate" in table.index:
        seconds = float(table["seconds"]["generate"])
        new = float(metrics["generated_tokens"].sum(min_count=1))
        both = new + float(metrics["prompt_tokens"].sum(min_count=1))
        if seconds > 0 and new == new:
            lines.append(
                f"generate: {new / seconds:,.1f} generated tok/s, "
                f"{both / seconds:,.1f} prompt + generated tok/s"
            )
    return lines
