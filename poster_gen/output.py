"""Writing files safely: a temporary file in the same folder, renamed into place."""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from poster_gen.errors import OutputError

TMP_PREFIX = ".poster-gen-"
TMP_SUFFIX = ".part"


@contextmanager
def atomic_write(path: str | Path):
    """Yield a binary file object; on success it replaces ``path`` atomically."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OutputError(_why(path.parent, exc)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(_why(path, exc)) from None
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(p: str) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def _why(where: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"cannot write {where}: the disk is full; free some space or choose another --out folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: permission denied; choose a folder you can write to with --out"
    return f"cannot write {where}: {exc.strerror or exc}; check the --out folder"


def remove_stale_temps(folder: Path) -> int:
    """Delete temporary files a killed run left behind. Returns how many."""
    n = 0
    if not folder.is_dir():
        return 0
    for p in folder.rglob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
        _unlink(str(p))
        n += 1
    return n
