"""Files written once, completely or not at all, and JSON of numpy values.

The one home of the package's file helpers:

- :func:`atomic_write_bytes`, :func:`atomic_write_text`, :func:`write_parquet`:
  a temporary file in the target's folder, flushed, then renamed over the target,
  so a reader (or a run resumed after ``SIGKILL``) never sees half a file;
- :func:`atomic_write_dir`: the same for a whole folder;
- :func:`make_dirs` and :func:`writing` (from :mod:`netcollapse._storage`,
  which every writer here goes through): a full disk (``ENOSPC``, ``EDQUOT``), a
  read-only file system (``EROFS``) or a folder without write permission
  (``EACCES``, ``EPERM``) is one :class:`~netcollapse.errors.StorageError` line
  naming the file (the command line exits 74), the failed write's temporary file
  is removed and every file written before it is whole;
- :func:`remove_temporaries`: the temporary files and folders a process killed
  mid-write (``SIGKILL``) left in a folder, removed when the work resumes;
- :func:`read_json`, :func:`read_jsonl`, :func:`read_parquet`, :func:`read_npz`,
  :func:`read_npy`, :func:`read_text`: every result file the package reads goes
  through these, so a missing, truncated or garbled file is one
  :class:`~netcollapse.errors.DataError` line naming the file and what was
  expected, never a parser's traceback;
- :func:`resolve_path`: the one rule for relative paths in specs.

Files and folders get the usual permissions of the process's umask (``0o666``
and ``0o777`` masked), not the ``0o600`` of :func:`tempfile.mkstemp`, so a run
folder is readable by the group where the umask says so.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from netcollapse._storage import make_dirs, remove_temporaries, storage_error, writing
from netcollapse.errors import DataError, StorageError

__all__ = [
    "atomic_write_bytes",
    "atomic_write_dir",
    "atomic_write_text",
    "make_dirs",
    "read_json",
    "read_jsonl",
    "read_npy",
    "read_npz",
    "read_parquet",
    "read_text",
    "remove_temporaries",
    "resolve_path",
    "storage_error",
    "write_parquet",
    "writing",
]


def _umask() -> int:
    """Return the process umask, read without changing it where the OS allows (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (briefly visible to other threads)
    os.umask(mask)
    return mask


def _chmod_default(path: str | Path, folder: bool) -> None:
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename).

    Parameters
    ----------
    path : str or Path
        Target file; its folder is created if missing.
    data : bytes

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     target = Path(d) / "a" / "x.bin"
    ...     atomic_write_bytes(target, b"hi")
    ...     target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'hi', ['x.bin'])
    """
    path = Path(path)
    make_dirs(path.parent)
    with writing(path):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            _chmod_default(tmp, folder=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
    text : str
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def write_parquet(path: str | Path, frame: Any) -> None:
    """Write a DataFrame as parquet, atomically (no index).

    Parameters
    ----------
    path : str or Path
    frame : pandas.DataFrame
    """
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    atomic_write_bytes(path, buf.getvalue())


def atomic_write_dir(
    target: str | Path, write: Callable[[Path], None], *, replace: bool = False
) -> Path:
    """Fill a folder through ``write`` so that it appears complete or not at all.

    ``write`` fills a fresh temporary folder next to ``target``, which is then
    renamed to ``target``; a crash or exception leaves no temporary folder and
    ``target`` as it was.

    Parameters
    ----------
    target : str or Path
    write : callable
        ``write(folder)`` writes the contents into ``folder``.
    replace : bool
        Replace an existing ``target`` (moved aside, then deleted). Without it an
        existing ``target`` (another process won the race) is kept as it is.

    Returns
    -------
    pathlib.Path
        ``target``.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> out = atomic_write_dir(root / "x", lambda d: (d / "a.txt").write_text("hi"))
    >>> (out / "a.txt").read_text(), sorted(p.name for p in root.iterdir())
    ('hi', ['x'])
    """
    target = Path(target)
    make_dirs(target.parent)
    with writing(target):
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-tmp-", dir=target.parent))
        try:
            try:
                write(tmp)
            except StorageError as exc:  # name the file where it was going, not the temporary
                raise StorageError(str(exc).replace(str(tmp), str(target))) from None
            _chmod_default(tmp, folder=True)
            old = None
            if replace and target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
                os.replace(target, old / "previous")
            try:
                os.rename(tmp, target)
            except OSError:
                if not target.is_dir():  # not a lost race with another process
                    raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


# ----------------------------------------------------------------------------- reading
def _damaged(path: Path, what: str, exc: BaseException | None = None) -> DataError:
    why = "missing" if exc is None else f"unreadable ({type(exc).__name__})"
    return DataError(f"{path.name}: got {str(path)!r} {why}, expected {what}")


def read_text(path: str | Path, what: str = "a readable text file") -> str:
    """Return a UTF-8 file's text, or raise one :class:`DataError` line.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file should be, for the error message.

    Returns
    -------
    str

    Examples
    --------
    >>> read_text("/no/such/config.json", "the run's configuration")
    Traceback (most recent call last):
    ...
    netcollapse.errors.DataError: config.json: got '/no/such/config.json' missing, \
expected the run's configuration
    """
    p = Path(path)
    if not p.is_file():
        raise _damaged(p, what)
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(p, what, exc) from None


def read_json(path: str | Path, what: str = "a JSON file", kind: type = dict) -> Any:
    """Parse a JSON file; a missing, truncated or garbled one raises one DataError line.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file should be, for the error message.
    kind : type
        The type the top-level value must have (``dict`` by default).

    Returns
    -------
    Any
    """
    p = Path(path)
    text = read_text(p, what)
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _damaged(p, what, exc) from None
    if not isinstance(value, kind):
        raise DataError(
            f"{p.name}: got a JSON {type(value).__name__} in {str(p)!r}, expected {what}"
        )
    return value


def read_parquet(
    path: str | Path, what: str = "a parquet table", columns: tuple[str, ...] = ()
) -> Any:
    """Read a parquet table; a missing or damaged file raises one DataError line.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file should be, for the error message.
    columns : tuple of str
        Columns the table must have.

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise _damaged(p, what)
    try:
        frame = pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises many types (ArrowInvalid, OSError, ...)
        raise _damaged(p, what, exc) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{p.name}: got no column {missing[0]!r} in {str(p)!r}, expected {what}")
    return frame


Shape = tuple[int | None, ...]


def _array(p: Path, what: str, shape: Shape | None, key: str | None) -> np.ndarray:
    """Load an ``.npy`` file or one array of an ``.npz`` (no pickle); check its shape."""
    if not p.is_file():
        raise _damaged(p, what)
    try:
        with open(p, "rb") as fh:
            data = np.load(fh, allow_pickle=False)
            array = data if key is None else np.array(data[key])
            if not isinstance(array, np.ndarray):  # an .npz archive under an .npy name
                raise TypeError("not an array")
    except Exception as exc:  # BadZipFile, KeyError, ValueError, EOFError, OSError, ...
        raise _damaged(p, what, exc) from None
    if shape is not None and (
        array.ndim != len(shape) or any(w not in (None, g) for g, w in zip(array.shape, shape))
    ):
        want = "(" + ", ".join("*" if w is None else str(w) for w in shape) + ")"
        raise DataError(
            f"{p.name}: got an array of shape {array.shape} in {str(p)!r}, "
            f"expected {what} of shape {want}"
        )
    return array


def read_npz(
    path: str | Path, key: str, what: str = "a numpy archive", shape: Shape | None = None
) -> np.ndarray:
    """Read one array of an ``.npz`` file (no pickle); damage raises one DataError line.

    Parameters
    ----------
    path : str or Path
    key : str
        The array's name in the archive.
    what : str
        What the file should be, for the error message.
    shape : tuple of int or None, optional
        The shape the array must have (``None`` in a place: any length).

    Returns
    -------
    numpy.ndarray
    """
    return _array(Path(path), what, shape, key)


def read_npy(
    path: str | Path, what: str = "a numpy array", shape: Shape | None = None
) -> np.ndarray:
    """Read an ``.npy`` file (no pickle); a missing, damaged or misshapen one is one DataError line.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file should be, for the error message.
    shape : tuple of int or None, optional
        The shape the array must have (``None`` in a place: any length).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> np.save(folder / "Pi.npy", np.zeros((2, 3)))
    >>> read_npy(folder / "Pi.npy", "the weights", shape=(2, None)).shape
    (2, 3)
    >>> read_npy(folder / "Pi.npy", "the weights", shape=(3, 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    netcollapse.errors.DataError: Pi.npy: got an array of shape (2, 3) in '...', expected the ...
    """
    return _array(Path(path), what, shape, None)


def read_jsonl(
    path: str | Path, what: str = "JSON lines", keys: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    r"""Parse a JSON-lines file (one object a line; blank lines skipped), or one DataError line.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file should be, for the error message.
    keys : tuple of str
        Keys every line's object must have.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d) / "r.jsonl"
    ...     _ = f.write_text('{"step": 0}\n{"step": 1}\n')
    ...     [r["step"] for r in read_jsonl(f, keys=("step",))]
    [0, 1]
    """
    p = Path(path)
    rows = []
    for number, line in enumerate(read_text(p, what).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise DataError(
                f"{p.name}: got unreadable line {number} ({type(exc).__name__}) in "
                f"{str(p)!r}, expected {what}"
            ) from None
        missing = [k for k in keys if not isinstance(value, dict) or k not in value]
        if missing:
            raise DataError(
                f"{p.name}: got line {number} without {missing[0]!r} in {str(p)!r}, expected {what}"
            )
        rows.append(value)
    return rows


def resolve_path(base_dir: str | Path | None, path: str | Path) -> Path:
    """Where a path written in a spec points: the one rule, the spec's folder first.

    An absolute path is itself. A relative path is read from ``base_dir`` (the
    folder of the spec that names it) when a file or folder is there, else from
    the working folder when one is there; when neither exists it is
    ``base_dir / path`` (so an error names the place the spec points to).

    Parameters
    ----------
    base_dir : str, Path or None
        The spec's folder (``None``: a spec given as a mapping; the working folder).
    path : str or Path

    Returns
    -------
    Path

    Examples
    --------
    >>> str(resolve_path("/specs", "/data/g.txt"))
    '/data/g.txt'
    >>> str(resolve_path("/specs", "nowhere/g.txt"))
    '/specs/nowhere/g.txt'
    >>> str(resolve_path(None, "g.txt"))
    'g.txt'
    """
    p = Path(path)
    if p.is_absolute() or base_dir is None:
        return p
    local = Path(base_dir) / p
    if local.exists() or not p.exists():
        return local
    return p
