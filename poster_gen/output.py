"""Writing files safely.

- Every file is written to a temporary file in its folder and renamed into
  place, so a crash never leaves half a file under its real name.
- The output folder is a boundary: a path inside it that is a link to a place
  outside it is refused, never followed (``inside``).
- A file that exists under the name we are about to write, and that this tool
  did not make, is never overwritten (``made_by_us``).
- Temporary files carry the name of the run that made them, so a run removes
  only its own, and those of runs on this machine that are certainly dead.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from poster_gen.errors import OutputError
from poster_gen.i18n import _

TMP_PREFIX = ".poster-gen-"
TMP_SUFFIX = ".part"
# what a poster-gen PDF (Producer/Creator) and PNG (Software chunk) say of their maker
MAKER_MARK = b"poster-gen"
ZIP_COMMENT = MAKER_MARK + b" bundle"  # the archive comment of a bundle (poster-gen bundle)


def _host_name() -> str:
    """This machine's name, as ``socket.gethostname()`` gives it, without importing socket at start-up."""
    if hasattr(os, "uname"):  # POSIX: the node name is the host name (gethostname reads it there too)
        return os.uname().nodename
    import platform  # Windows

    return platform.node()


_HOST = format(zlib.crc32(_host_name().encode("utf-8", "replace")), "08x")
_RUN_ENV = "POSTER_GEN_RUN"


def run_token() -> str:
    """Who writes temporary files: this machine and the run's parent process.

    A batch sets it once (``claim_run``) so that its workers' temporary files
    carry the parent's token and the parent can clean them up.
    """
    return os.environ.get(_RUN_ENV) or f"{_HOST}-{os.getpid()}"


def claim_run() -> str:
    token = f"{_HOST}-{os.getpid()}"
    os.environ[_RUN_ENV] = token
    return token


# ---- the output folder is a boundary ---------------------------------------------


def inside(out: str | Path, rel: str | Path) -> Path:
    """``out / rel``, after making sure that no part of it leads outside ``out``.

    ``rel`` must be relative, without '..'. Every existing part of the path
    that is a link must resolve inside ``out``; otherwise OutputError names
    the link. ``out`` itself may be a link (the user chose it).
    """
    out = Path(out)
    rel = Path(rel)
    if rel.is_absolute() or rel.drive or any(part in ("..", "") for part in rel.parts):
        raise OutputError(
            _("{path}: a path outside the output folder {out}; poster-gen writes only inside it").format(path=rel, out=out)
        )
    try:
        root = out.resolve()
    except OSError as exc:
        raise OutputError(_("cannot use output folder {out}: {reason}").format(out=out, reason=exc.strerror)) from None
    cur = out
    for part in rel.parts:
        cur = cur / part
        if cur.is_symlink():
            target = cur.resolve()
            if not (target == root or target.is_relative_to(root)):
                raise OutputError(
                    _("{path} is a link to {target}, outside the output folder {out}; poster-gen writes and deletes "
                      "only inside it: remove the link or choose another --out").format(path=cur, target=target, out=out)
                )
    return out / rel


def made_by_us(path: str | Path) -> bool:
    """True when ``path`` does not exist, or is a PDF, PNG, TIFF, JPEG or zip this tool wrote.

    A PDF of ours names poster-gen as its Producer near its end; a PNG of ours
    has a Software text chunk before its image data, a TIFF its Software tag
    and a JPEG a comment segment, both in the first bytes; a zip (a bundle) ends
    with ``ZIP_COMMENT`` as its archive comment.
    """
    p = Path(path)
    try:
        if p.is_symlink() or not p.exists():
            return not p.is_symlink()
        if not p.is_file():
            return False
        with open(p, "rb") as fh:
            head = fh.read(8192)
            if head.startswith(b"%PDF"):
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 65536))
                return MAKER_MARK in fh.read()
            if head.startswith(b"\x89PNG"):
                return b"tEXtSoftware\x00" + MAKER_MARK in head
            if head.startswith((b"II*\x00", b"MM\x00*")):  # TIFF: the Software tag's text, near the start
                return MAKER_MARK + b"\x00" in head
            if head.startswith(b"\xff\xd8\xff"):  # JPEG: a COM segment before the image data
                return b"\xff\xfe\x00\x0c" + MAKER_MARK in head
            if head.startswith(b"PK\x03\x04"):  # zip: the end-of-directory record and its comment, last
                want = len(ZIP_COMMENT).to_bytes(2, "little") + ZIP_COMMENT
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 22 - len(ZIP_COMMENT)))
                tail = fh.read()
                return tail.endswith(want) and tail[-len(want) - 20 : -len(want) - 16] == b"PK\x05\x06"
            return False
    except OSError:
        return False


def refuse_foreign(path: str | Path) -> None:
    if not made_by_us(path):
        raise OutputError(
            _("{path} exists and was not made by poster-gen; it is not overwritten: move it away or choose another --out")
            .format(path=path)
        )


# ---- atomic writes ------------------------------------------------------------------


@contextmanager
def atomic_write(path: str | Path):
    """Yield a binary file object; on success it replaces ``path`` atomically."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{run_token()}-", suffix=TMP_SUFFIX, dir=path.parent)
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


def _unlink(p: str | Path) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def _why(where: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return _("cannot write {path}: the disk is full; free some space or choose another --out folder").format(path=where)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("cannot write {path}: permission denied; choose a folder you can write to with --out").format(path=where)
    return _("cannot write {path}: {reason}; check the --out folder").format(path=where, reason=exc.strerror or exc)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, not ours to signal; or cannot tell: keep its files
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _temp_owner(name: str) -> tuple[str, int] | None:
    """(host, pid) of a temporary file's run, from its name; None if not ours."""
    if not (name.startswith(TMP_PREFIX) and name.endswith(TMP_SUFFIX)):
        return None
    parts = name[len(TMP_PREFIX):].split("-")
    if len(parts) < 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def remove_stale_temps(folder: Path, token: str | None = None) -> int:
    """Delete temporary files of this run (``token``) and of dead runs on this machine.

    Files of a live run, or of another machine sharing the folder, are left
    alone. Links are never followed. Returns how many were removed.
    """
    n = 0
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    mine = (token or run_token()).split("-")
    for dirpath, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            owner = _temp_owner(name)
            if owner is None:
                continue
            host, pid = owner
            same_run = [host, str(pid)] == mine[:2]
            dead_here = host == _HOST and not _pid_alive(pid)
            if same_run or dead_here:
                p = Path(dirpath) / name
                if not p.is_symlink():
                    _unlink(p)
                    n += 1
    return n
