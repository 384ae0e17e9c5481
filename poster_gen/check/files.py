"""Which files to check, and one file's check: its type from its first bytes, then the checks of that type."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from poster_gen.campaign import Campaign
from poster_gen.check import limits
from poster_gen.check.fmt import fmt_num
from poster_gen.check.model import Code, FileCheck, Problem
from poster_gen.check.pdf import check_pdf
from poster_gen.check.png import PNG_SIGNATURE, check_png
from poster_gen.errors import PosterGenError
from poster_gen.i18n import N_, _

LEVELS = ("quick", "full")  # how deep check_file goes; see check_file
_NAMES = (".pdf", ".png", ".tiff", ".tif", ".jpg", ".jpeg")  # what a folder is searched for


def collect_files(args: list[str | Path]) -> list[Path]:
    """The files to check: files as given, folders searched for *.pdf and *.png.

    A path that does not exist is bad input (PosterGenError, exit 2). Links
    inside a folder are not followed: one that points out of the folder is
    refused (PosterGenError), one that stays inside is skipped, since what it
    points to is found on its own.
    """
    out: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            out += _files_in(p)
        elif p.is_file():
            out.append(p)
        elif p.exists():
            raise PosterGenError(_("{path}: not a regular file; give PDF or PNG files or a folder").format(path=p))
        else:
            raise PosterGenError(
                _("{path}: no such file; give PDF or PNG files written by poster-gen, or their folder").format(path=p)
            )
    if not out:
        raise PosterGenError(_("no PDF or PNG files to check; give files or a folder that holds some"))
    return list(dict.fromkeys(out))


def _files_in(folder: Path) -> list[Path]:
    """*.pdf, *.png, *.tiff and *.jpg files (not hidden ones) in ``folder`` and below, without following links."""
    root = folder.resolve()
    found: list[Path] = []
    todo = [folder]
    while todo:
        d = todo.pop()
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError as exc:
            raise PosterGenError(_("{path}: cannot read the folder ({reason}); check its permissions").format(
                path=d, reason=exc.strerror)) from None
        for e in entries:
            q = Path(e.path)
            if e.is_symlink():
                try:
                    target = q.resolve()
                except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
                    raise PosterGenError(
                        _("{path}: a link that loops back on itself; remove the link").format(path=q)
                    ) from None
                if not target.is_relative_to(root):
                    raise PosterGenError(
                        _("{path}: a link to {target}, outside {folder}; check does not follow links out of a folder, "
                          "so give that file or folder itself, or remove the link").format(
                            path=q, target=target, folder=folder)
                    )
            elif e.is_dir(follow_symlinks=False):
                todo.append(q)
            elif e.is_file(follow_symlinks=False) and q.suffix.lower() in _NAMES:
                if not q.name.startswith("."):
                    found.append(q)
    return sorted(found)


def check_files(paths, campaign: Campaign | None = None, color: str | None = None,
                level: str = "full") -> list[FileCheck]:
    return [check_file(p, campaign, color, level) for p in paths]


# what a file's first bytes say it is
_SIGNATURES = (
    (b"%PDF-", "pdf"), (PNG_SIGNATURE, "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"),
    (b"PK\x03\x04", "zip"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"), (b"%!PS", "postscript"),
    (b"\x1f\x8b", "gzip"),
)
# the problem of a file that is neither a PDF nor a PNG, by what it is
_NOT_ARTWORK = {
    "jpeg": N_("the file is a JPEG image; render it again"),
    "gif": N_("the file is a GIF image; render it again"),
    "zip": N_("the file is a ZIP archive; render it again"),
    "tiff": N_("the file is a TIFF image; render it again"),
    "postscript": N_("the file is a PostScript file; render it again"),
    "gzip": N_("the file is a gzip archive; render it again"),
    "webp": N_("the file is a WebP image; render it again"),
    "empty": N_("the file is empty; render it again"),
    "other": N_("the file is neither a PDF nor a PNG (wrong signature); render it again"),
}


# the names a TIFF or JPEG poster-gen writes may have
_RASTER_NAMES = {"tiff": (".tiff", ".tif"), "jpeg": (".jpg", ".jpeg")}


def _sniff(head: bytes) -> str:
    """'pdf', 'png', or what else the first bytes of a file show it is (a key of _NOT_ARTWORK)."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return "empty" if not head else "other"


def check_file(path: str | Path, campaign: Campaign | None = None, color: str | None = None,
               level: str = "full") -> FileCheck:
    """Preflight one file. ``color`` (rgb|cmyk) overrides the colour mode the file claims.

    ``level`` is how deep: "quick" checks the structure and the claims (boxes,
    fonts, every content stream's operators, colours, metadata) and is cheap
    enough to run on every file a batch writes; "full" also reads the text
    the page shows and compares it with the approved slogan, and reads every
    PDF with pypdf, a second parser.

    The file's type is read from its first bytes and must match its name.
    Whatever the file holds, the answer is a FileCheck; PosterGenError only
    when it cannot be read at all (missing, a folder, a device, no permission).
    """
    if level not in LEVELS:
        raise ValueError(_("unknown check level '{level}'; use one of: {levels}").format(level=level,
                                                                                   levels=", ".join(LEVELS)))
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise PosterGenError(_("{path}: not a regular file; give PDF or PNG files or a folder").format(path=path))
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise PosterGenError(
            _("{path}: cannot read it ({reason}); check the path").format(path=path, reason=exc.strerror)
        ) from None
    kind = _sniff(head)
    named = path.suffix.lower()
    if kind in ("tiff", "jpeg") and named in _RASTER_NAMES[kind]:
        from poster_gen.check.raster import check_raster

        found, facts = check_raster(path, kind)
        return FileCheck(str(path), "tiff" if kind == "tiff" else "jpg",
                         tuple(Problem(code, msg) for code, msg in found), facts=facts, level=level)
    if kind not in ("pdf", "png"):
        shown = named.lstrip(".") if named in (".pdf", ".png") else "unknown"
        return FileCheck(str(path), shown, (Problem(Code.READ, _(_NOT_ARTWORK[kind])),), level=level)
    if named != f".{kind}":
        if path.suffix:
            why = _("the file is a {kind} but named {suffix}; give it its .{ext} name, or render it again").format(
                kind=kind.upper(), suffix=path.suffix, ext=kind)
        else:
            why = _("the file is a {kind} but named without an extension; give it its .{ext} name, or render it "
                    "again").format(kind=kind.upper(), ext=kind)
        return FileCheck(str(path), kind, (Problem(Code.READ, why),), level=level)
    limit = limits.MAX_PDF_BYTES if kind == "pdf" else limits.MAX_PNG_BYTES
    if st.st_size > limit:
        why = _("the {kind} is {mb} MB, over the {limit} MB limit for a poster-gen {kind}; check that it is the right "
                "file").format(kind=kind.upper(), mb=fmt_num(st.st_size / limits.MB, ",.0f"),
                               limit=fmt_num(limit / limits.MB, ",.0f"))
        return FileCheck(str(path), kind, (Problem(Code.READ, why),), facts={"bytes": st.st_size}, level=level)
    if kind == "png":
        return check_png(path, campaign, level)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PosterGenError(
            _("{path}: cannot read it ({reason}); check the path").format(path=path, reason=exc.strerror)
        ) from None
    return check_pdf(path, data, campaign, color, level)

