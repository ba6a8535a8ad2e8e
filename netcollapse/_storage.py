"""Full and read-only disks as one line; temporaries a killed writer left behind.

Every writer of :mod:`netcollapse._io` goes through :func:`writing`, so a full
disk (``ENOSPC``, ``EDQUOT``), a read-only file system (``EROFS``) or a folder
without write permission (``EACCES``, ``EPERM``) is one
:class:`~netcollapse.errors.StorageError` line naming the file, never a traceback;
``netcollapse`` exits with its status 74. The writers remove the failed write's
temporary file, and every file written before it stays whole, so the work resumes
once there is room. :func:`remove_temporaries` removes what a writer killed with
``SIGKILL`` (no ``finally`` runs) left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from netcollapse.errors import DataError, StorageError

__all__ = ["make_dirs", "remove_temporaries", "storage_error", "writing"]

#: errno -> what it says, for the errors that mean "no room or no right to write here".
_STORAGE_ERRNOS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "a read-only file system",
    errno.EACCES: "no permission to write",
    errno.EPERM: "no permission to write",
}
_PERMISSION = (errno.EACCES, errno.EPERM)
_WHAT_TO_DO = (
    "a writable folder with room for it (files written before it are kept): free space or "
    "make the folder writable, then run the same command again (netcollapse run: with --resume)"
)


def storage_error(
    exc: BaseException, path: str | Path | None = None, *, permission: bool = True
) -> StorageError | None:
    """Return the one-line :class:`StorageError` of a full or read-only disk (else ``None``).

    Parameters
    ----------
    exc : BaseException
        What a write raised; only an :class:`OSError` whose ``errno`` (or, where a
        library dropped it, message) says full disk, quota, read-only file system
        or permission becomes a :class:`StorageError`.
    path : str or Path, optional
        The file being written (default the exception's ``filename``).
    permission : bool
        Whether ``EACCES`` and ``EPERM`` count (only where ``exc`` surely comes
        from a write: a read can be refused too).

    Returns
    -------
    StorageError or None

    Examples
    --------
    >>> str(storage_error(OSError(errno.ENOSPC, "No space left on device"), "/r/m.parquet"))
    ... # doctest: +ELLIPSIS
    "m.parquet: got no space left on device (ENOSPC) writing '/r/m.parquet', expected a ..."
    >>> storage_error(OSError(errno.EIO, "I/O error")) is None
    True
    """
    if not isinstance(exc, OSError):
        return None
    codes = [c for c in _STORAGE_ERRNOS if permission or c not in _PERMISSION]
    code = exc.errno
    if code not in codes:  # pyarrow and others: the errno only in the message
        code = next((c for c in codes if os.strerror(c) in str(exc)), None)
        if code is None:
            return None
    target = Path(path if path is not None else exc.filename or "?")
    return StorageError(
        f"{target.name}: got {_STORAGE_ERRNOS[code]} ({errno.errorcode[code]}) writing "
        f"{str(target)!r}, expected {_WHAT_TO_DO}"
    )


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn a full or read-only disk met in the block into one :class:`StorageError` line.

    A folder where a file is written (or a file where a folder is made) is one
    :class:`~netcollapse.errors.DataError` line.

    Parameters
    ----------
    path : str or Path
        The file or folder being written, named in the message.

    Examples
    --------
    >>> with writing("/out/x.json"):  # doctest: +ELLIPSIS
    ...     raise PermissionError(errno.EACCES, "Permission denied")
    Traceback (most recent call last):
    ...
    netcollapse.errors.StorageError: x.json: got no permission to write (EACCES) writing ...
    """
    try:
        yield
    except OSError as exc:
        error = storage_error(exc, path)
        if error is not None:
            raise error from None
        if exc.errno in (errno.EISDIR, errno.ENOTDIR, errno.EEXIST):  # a folder, or a file
            target = Path(path)  # where a folder belongs: input to move away, exit 2
            raise DataError(
                f"{target.name}: got {str(target)!r} in the way ({errno.errorcode[exc.errno]}: "
                "a folder where a file belongs, or a file where a folder belongs), expected "
                "what netcollapse writes there (move it away)"
            ) from None
        raise


def make_dirs(path: str | Path) -> Path:
    """Create a folder and its parents (if missing); a read-only or full disk is one line.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Path
    """
    path = Path(path)
    with writing(path):
        path.mkdir(parents=True, exist_ok=True)
    return path


#: Names of the temporary files and folders below: ``.NAME.XXXXXXXX.tmp``,
#: ``.NAME-tmp-XXXXXXXX`` and ``.NAME-old-XXXXXXXX`` (``tempfile``'s 8 random characters).
_TEMPORARY = re.compile(r"\..+(\.[a-z0-9_]{8}\.tmp|-(tmp|old)-[a-z0-9_]{8})")


def remove_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporary files and folders a killed writer left directly in ``folder``.

    Only names this module's writers give their temporaries are removed, and only
    where no other process writes into ``folder`` at the same time (one run or
    sweep per folder).

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    list of Path
        What was removed.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / ".a.json.k2j_x9q1.tmp").write_text("{")
    >>> _ = (d / "a.json").write_text("{}")
    >>> [p.name for p in remove_temporaries(d)], sorted(p.name for p in d.iterdir())
    (['.a.json.k2j_x9q1.tmp'], ['a.json'])
    """
    removed = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for p in sorted(Path(folder).iterdir()):
            if _TEMPORARY.fullmatch(p.name):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                removed.append(p)
    return removed
