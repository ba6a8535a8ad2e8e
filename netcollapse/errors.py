"""Typed exceptions raised by netcollapse.

Every error that comes from user input is a :class:`NetcollapseError`; its message
is one line of the form ``field: got VALUE, expected ...``, so the command line
can print it as-is and exit with status 2.
"""

from __future__ import annotations

from typing import Any


class NetcollapseError(Exception):
    """Base class of all errors netcollapse raises on purpose."""


class SpecError(NetcollapseError, ValueError):
    """A specification (YAML file, keyword argument, graph) is invalid."""


class DataError(NetcollapseError, ValueError):
    """An input file or corpus is missing, unreadable or empty."""


class ModelError(NetcollapseError, RuntimeError):
    """A model (LLM or embedder) cannot be found or loaded."""


class ServerError(NetcollapseError, RuntimeError):
    """A model server failed after all retries (unreachable, overloaded, malformed replies).

    Not the user's input: the run stopped cleanly at its last finished step and
    resumes once the server is back. The command line exits with
    :attr:`exit_status` 75 (``EX_TEMPFAIL``, "try again later").
    """

    exit_status = 75


class StorageError(NetcollapseError):
    """A file could not be written: the disk is full, over quota, read-only or not ours.

    Not the user's input either: every file written before the failing one is
    whole (files are written atomically), no temporary file is left, and the
    work resumes once there is room (``netcollapse run ... --resume``; a sweep
    re-run into its folder skips its finished tasks). The command line exits
    with :attr:`exit_status` 74 (``EX_IOERR``).
    """

    exit_status = 74


def bad(field: str, value: Any, expected: str) -> SpecError:
    """Build the one-line error ``field: got VALUE, expected EXPECTED``.

    Parameters
    ----------
    field : str
        Dotted name of the offending field (``"graph.p"``).
    value : object
        The value that was given; shown with ``repr`` and shortened.
    expected : str
        What would have been accepted.

    Returns
    -------
    SpecError
        The exception, to be raised by the caller.

    Examples
    --------
    >>> str(bad("n", 1, "an integer >= 2"))
    'n: got 1, expected an integer >= 2'
    """
    try:
        text = repr(value)
    except ValueError:  # an int too long to print (Python's limit is 4300 digits)
        text = f"an integer of {value.bit_length()} bits"
    if len(text) > 80:
        text = text[:77] + "..."
    return SpecError(f"{field}: got {text}, expected {expected}")


def one_line(text: Any, limit: int | None = None) -> str:
    r"""Return ``text`` on one line: every run of whitespace one space, ends stripped.

    Parameters
    ----------
    text : object
        Shown with ``str``.
    limit : int, optional
        Longest result; a longer one keeps its first ``limit - 3`` characters and
        ends in ``...``. ``None``: no limit.

    Returns
    -------
    str

    Examples
    --------
    >>> one_line("  a\n  b\tc ")
    'a b c'
    >>> one_line("abcdefgh", limit=6)
    'abc...'
    """
    text = " ".join(str(text).split())
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def exception_line(exc: BaseException, limit: int | None = 500) -> str:
    r"""Return ``Type: message`` of an exception on one line (:func:`one_line`).

    Parameters
    ----------
    exc : BaseException
    limit : int, optional
        Longest result (default 500); ``None``: no limit.

    Returns
    -------
    str

    Examples
    --------
    >>> exception_line(OSError("disk\n  full"))
    'OSError: disk full'
    """
    return one_line(f"{type(exc).__name__}: {exc}", limit)
