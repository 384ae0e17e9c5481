"""Preflight: is a written file what it claims to be, and fit to print?

For a PDF: it parses whole; its page boxes are there and agree with the size
it claims in /Keywords (``size=``, ``trim_mm=``, ``bleed_mm=``); every font
is embedded and subset and none is left unused; it paints only in the colour
space asked for (``color=`` or the caller's ``color``); its text shows an
approved slogan of the campaign as whole lines (or it is flagged as a draft);
a PDF/X file carries its OutputIntent and identification keys; every content
stream (the page's and each form's it draws) tokenizes, uses only PDF 1.7
operators with the operands they take, and pairs q/Q, BT/ET, BX/EX and
BMC|BDC/EMC, with text shown only inside BT ... ET.

For a PNG: it is complete (every chunk's CRC, the image data inflates to the
exact size); it is 8-bit sRGB with its dpi in pHYs; its pixel size equals the
physical size it claims (iTXt ``Keywords``: ``width_mm``, ``height_mm``) at
that dpi, and that size agrees with its ``size=``.

Files reach ``check`` from strangers (over chat), so reading one is bounded:
the file's type comes from its first bytes, not its name; its size, every
stream's inflated size, the objects, pages and drawing operations of a PDF,
and the chunks of a PNG have stated limits (below); forms that draw one
another in a loop are found, not followed; and reading a PDF stops after
``MAX_PDF_SECONDS``. Whatever a file holds, it gets one-line problems, never
a hang or a traceback.

The library returns ``FileCheck`` records; the command line only prints them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import io
import os
import re
import signal
import stat
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from poster_gen.campaign import Campaign
from poster_gen.errors import PosterGenError
from poster_gen.i18n import N_, _, language, ngettext
from poster_gen.sizes import MAX_PIXELS, PT_PER_MM, px
from poster_gen.text import clean, upper

TOL_MM = 0.1  # page boxes and claimed sizes agree within this
TOL_PX = 1  # rounding of mm to pixels
DRAFT_ID = "draft"
CMYK_SPACES = {"DeviceCMYK", "Separation", "DeviceN"}
STANDARD_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica", "Helvetica-Bold",
    "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic",
    "Symbol", "ZapfDingbats",
}
_SUBSET = re.compile(r"^[A-Z]{6}\+")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Bounds on reading a file. poster-gen's own files are far inside them: a PDF is
# vector art of well under 1 MB (a few dozen objects, a few KB of drawing
# operators, no forms inside forms); a PNG is at most MAX_PIXELS, 8-bit RGB or
# palette, in 1 MB IDAT chunks. pypdf parses drawing operators at ~0.3 MB/s into
# ~70 bytes of objects per byte, twice (colours, then text): hence the small
# content bounds.
_MB = 1_000_000
MAX_PDF_BYTES = 64 * _MB  # a PDF is read whole into memory
MAX_PNG_BYTES = 2_000 * _MB  # a PNG is read chunk by chunk
MAX_STREAM_BYTES = 64 * _MB  # one PDF stream, inflated
MAX_PDF_INFLATED_BYTES = 256 * _MB  # all streams of one PDF, inflated
MAX_PDF_OBJECTS = 100_000
MAX_PDF_PAGES = 100  # reading the page tree stops here (an artwork has one page)
MAX_PAGE_TREE_DEPTH = 32
MAX_FORM_DEPTH = 16  # forms drawn inside forms
MAX_CONTENT_BYTES = 2 * _MB  # drawing operators parsed: the page's and each form's once (an outlined 7 m
# banner's page is about 0.2 MB; a long draft outlined about 0.3 MB)
MAX_DRAWING_OPS = 100_000  # operations drawn, a form counted each time it is drawn
MAX_COLOR_SPACE_DEPTH = 8  # colour spaces defined through others (Indexed, named)
MAX_FONT_MAP_BYTES = 1 * _MB  # fonts' ToUnicode and CMap streams in all (poster-gen's: ~1 KB a font); pypdf needs ~25x
MAX_PDF_FILTERS = 4  # filters chained on one stream
MAX_PDF_SECONDS = 5.0  # reading one PDF, whatever pypdf does with it (poster-gen's take ~0.02 s)
MAX_PNG_CHUNKS = 400_000  # libpng's 8 KB IDAT chunks make ~250,000 for the largest file
MAX_PNG_TEXT_BYTES = 1 * _MB  # metadata (tEXt, iTXt chunks) in all; an iTXt value inflated
MAX_MESSAGE_CHARS = 1_000
_PIECE = 1 << 20  # read and inflate in pieces of this size
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class Code:
    """The problem codes: machine-readable, in English whatever the user's language (JSON ``code``)."""

    READ = "read"
    BOXES = "boxes"
    FONTS = "fonts"
    COLOR = "color"
    TEXT = "text"
    PDFX = "pdfx"
    PNG = "png"
    SIZE = "size"
    DPI = "dpi"
    METADATA = "metadata"
    CONTENT = "content"


WARNING = "warning"  # a Problem's severity when it does not fail the file


@dataclass(frozen=True)
class Problem:
    code: str  # short tag (Code): read, boxes, fonts, color, text, pdfx, png, size, dpi, metadata, content
    message: str  # one line in the user's language: what is wrong and what was expected
    severity: str = "error"  # error | warning

    def __post_init__(self) -> None:
        # one line whatever a hostile file puts in the names and texts a message quotes
        msg = _CONTROL.sub(" ", self.message)
        if len(msg) > MAX_MESSAGE_CHARS:
            msg = msg[: MAX_MESSAGE_CHARS - 1] + "…"
        object.__setattr__(self, "message", msg)


@dataclass(frozen=True)
class FileCheck:
    path: str
    kind: str  # pdf | png | unknown
    problems: tuple[Problem, ...] = ()
    draft: bool = False
    facts: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.errors:
            return "fail"
        return "draft" if self.draft else "pass"

    def to_dict(self) -> dict:
        return {
            "file": self.path,
            "kind": self.kind,
            "status": self.status,
            "errors": [{"code": p.code, "message": p.message} for p in self.errors],
            "warnings": [{"code": p.code, "message": p.message} for p in self.warnings],
            "facts": self.facts,
        }


# ---------------------------------------------------------------------------
# entry points


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
            elif e.is_file(follow_symlinks=False) and q.suffix.lower() in (".pdf", ".png", ".tiff", ".tif", ".jpg", ".jpeg"):
                if not q.name.startswith("."):
                    found.append(q)
    return sorted(found)


def check_files(paths, campaign: Campaign | None = None, color: str | None = None) -> list[FileCheck]:
    return [check_file(p, campaign, color) for p in paths]


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


def check_file(path: str | Path, campaign: Campaign | None = None, color: str | None = None) -> FileCheck:
    """Preflight one file. ``color`` (rgb|cmyk) overrides the colour mode the file claims.

    The file's type is read from its first bytes and must match its name.
    Whatever the file holds, the answer is a FileCheck; PosterGenError only
    when it cannot be read at all (missing, a folder, a device, no permission).
    """
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
        from poster_gen.check_raster import check_raster

        found, facts = check_raster(path, kind)
        return FileCheck(str(path), "tiff" if kind == "tiff" else "jpg",
                         tuple(Problem(code, msg) for code, msg in found), facts=facts)
    if kind not in ("pdf", "png"):
        shown = named.lstrip(".") if named in (".pdf", ".png") else "unknown"
        return FileCheck(str(path), shown, (Problem(Code.READ, _(_NOT_ARTWORK[kind])),))
    if named != f".{kind}":
        if path.suffix:
            why = _("the file is a {kind} but named {suffix}; give it its .{ext} name, or render it again").format(
                kind=kind.upper(), suffix=path.suffix, ext=kind)
        else:
            why = _("the file is a {kind} but named without an extension; give it its .{ext} name, or render it "
                    "again").format(kind=kind.upper(), ext=kind)
        return FileCheck(str(path), kind, (Problem(Code.READ, why),))
    limit = MAX_PDF_BYTES if kind == "pdf" else MAX_PNG_BYTES
    if st.st_size > limit:
        why = _("the {kind} is {mb} MB, over the {limit} MB limit for a poster-gen {kind}; check that it is the right "
                "file").format(kind=kind.upper(), mb=_num(st.st_size / _MB, ",.0f"), limit=_num(limit / _MB, ",.0f"))
        return FileCheck(str(path), kind, (Problem(Code.READ, why),), facts={"bytes": st.st_size})
    if kind == "png":
        return _check_png(path, campaign)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PosterGenError(
            _("{path}: cannot read it ({reason}); check the path").format(path=path, reason=exc.strerror)
        ) from None
    return _check_pdf(path, data, campaign, color)


def parse_keywords(text: str) -> dict[str, str]:
    """'unit=a, slogan=4, size=x' -> {'unit': 'a', ...}; words without '=' are ignored."""
    out = {}
    for part in (text or "").split(","):
        k, sep, v = part.strip().partition("=")
        if sep and k.strip():
            out[k.strip()] = v.strip()
    return out


# ---------------------------------------------------------------------------
# shared: the claims a file makes


@dataclass(frozen=True)
class _Claim:
    width_mm: float
    height_mm: float
    bleed_mm: float
    source: str  # what the numbers come from, for messages: a size id, or the file's trim_mm and bleed_mm keywords
    by_size: bool  # the source is a size id


def _size_claims(kw: dict[str, str]) -> tuple[list[_Claim], list[Problem]]:
    """The physical size a file claims: its size id resolved, and explicit mm values."""
    from poster_gen.sizes import resolve_size

    claims, problems = [], []
    size_id = kw.get("size")
    if size_id:
        hem = _float(kw.get("hem_mm")) or 0.0
        if not 0.0 <= hem <= 200.0:
            problems.append(Problem(Code.METADATA, _("hem_mm={hem} in /Keywords is not a hem poster-gen makes "
                                                     "(0 to 200 mm)").format(hem=kw.get("hem_mm"))))
            hem = 0.0
        try:
            s = resolve_size(size_id)
            # a hemmed sheet (--hem) is the finished size plus the hem on every side
            claims.append(_Claim(s.width_mm + 2 * hem, s.height_mm + 2 * hem, s.bleed_mm, size_id, True))
        except PosterGenError:
            problems.append(Problem(Code.SIZE, _("claims size '{size}', which poster-gen does not know").format(
                size=size_id), WARNING))
    trim = kw.get("trim_mm")
    if trim:
        m = re.match(r"^([\d.]+)x([\d.]+)$", trim)
        bleed = _float(kw.get("bleed_mm"))
        if m and bleed is not None:
            claims.append(_Claim(float(m.group(1)), float(m.group(2)), bleed,
                                 f"trim_mm={trim}, bleed_mm={kw['bleed_mm']}", False))
        else:
            problems.append(Problem(Code.METADATA, _("cannot read trim_mm='{trim}' / bleed_mm in /Keywords").format(
                trim=trim)))
    return claims, problems


def _float(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _slogan_problems(kw: dict[str, str], subject: str, campaign: Campaign | None) -> tuple[bool, object, list[Problem]]:
    """(draft, approved Slogan or None, problems) for the slogan a file claims."""
    sid = kw.get("slogan")
    if not sid:
        why = _("no slogan claim (slogan=ID) in the metadata; not a poster-gen file?")
        return False, None, [Problem(Code.TEXT, why)]
    if sid == DRAFT_ID:
        why = _("draft slogan, not in the approved list: «{text}»").format(text=clean(subject))
        return True, None, [Problem(Code.TEXT, why, WARNING)]
    if campaign is None:
        return False, None, [Problem(Code.TEXT, _("no campaign given: the slogan was not compared"), WARNING)]
    try:
        slogan = campaign.slogan(sid)
    except KeyError:
        why = _("claims slogan {id}, which campaign '{campaign}' does not have; check --campaign").format(
            id=sid, campaign=campaign.name)
        return False, None, [Problem(Code.TEXT, why)]
    problems = []
    if clean(subject) != slogan.text:
        why = _("metadata says slogan «{text}» but the campaign's slogan {id} is «{approved}»").format(
            text=clean(subject), id=sid, approved=slogan.text)
        problems.append(Problem(Code.TEXT, why))
    return False, slogan, problems


_VI_NUMBERS = str.maketrans(",.", ".,")


def _num(value: float, spec: str = "") -> str:
    """A number in a message, written as the reader writes numbers: 1,500.5 in English, 1.500,5 in Vietnamese."""
    text = format(value, spec)
    return text.translate(_VI_NUMBERS) if language() == "vi" else text


def _fmt_mm(v: float) -> str:
    """Millimetres to a tenth, without trailing zeros: 297, 293.5 (293,5 in Vietnamese)."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language() == "vi" else text


def _num_list(texts) -> str:
    """Numbers in a row: "3, 3, 3.5" in English; "3 / 3 / 3,5" in Vietnamese, where the comma is the decimal mark."""
    return (" / " if language() == "vi" else ", ").join(texts)


# ---------------------------------------------------------------------------
# PDF


class _Refused(Exception):
    """The PDF is beyond a bound or loops on itself: it fails with this one-line message."""


class _TimeUp(BaseException):
    """Reading one PDF took longer than MAX_PDF_SECONDS.

    A BaseException, so no ``except Exception`` inside pypdf swallows it.
    """


class _Budget:
    """What reading one PDF may still use: time, and bytes inflated from its streams."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_PDF_SECONDS
        self.inflated = 0
        self.sizes: dict[int, int] = {}  # stream object number -> bytes it decodes to

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _TimeUp


class _Alarm:
    """Raise _TimeUp in this thread after ``seconds``, even inside pypdf (POSIX, main thread only).

    Elsewhere only the budget's own checks stop the work. It fires once;
    ``cancel`` (safe to call twice) puts back the caller's handler and alarm.
    """

    def __init__(self, seconds: float) -> None:
        self.armed = self.installed = False
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return
        self.started = time.monotonic()
        self.previous = signal.signal(signal.SIGALRM, self._fire)
        self.outer = signal.setitimer(signal.ITIMER_REAL, seconds)
        if 0 < self.outer[0] < seconds:  # the caller's alarm is due first: keep its time, handled after cancel
            signal.setitimer(signal.ITIMER_REAL, self.outer[0])
        self.armed = self.installed = True

    def _fire(self, signum, frame) -> None:
        if self.armed:
            self.armed = False
            raise _TimeUp

    def cancel(self) -> None:
        self.armed = False
        if not self.installed:
            return
        self.installed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        left, interval = self.outer
        if left > 0:
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - self.started), 0.001), interval)


def _pypdf_bounds() -> contextlib.AbstractContextManager:
    """pypdf's own decoding limits set to ours (pypdf inflates cross-reference and object streams itself).

    Recent pypdf has a Configuration; older versions keep their built-in limits.
    """
    try:
        from pypdf import Configuration, apply_configuration
    except ImportError:
        return contextlib.nullcontext()
    wanted = {
        "zlib_maximum_output_length": MAX_STREAM_BYTES,
        "lzw_maximum_output_length": MAX_STREAM_BYTES,
        "run_length_maximum_output_length": MAX_STREAM_BYTES,
        "brotli_maximum_output_length": MAX_STREAM_BYTES,
        "jbig2_maximum_output_length": MAX_STREAM_BYTES,
        "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
        "maximum_declared_stream_length": MAX_PDF_BYTES,
        "stream_filters_maximum_length": MAX_PDF_FILTERS,
        "page_tree_maximum_entries": MAX_PDF_PAGES * 10,
        "page_tree_maximum_depth": MAX_PAGE_TREE_DEPTH,
        "xform_maximum_invocations_per_extraction": MAX_DRAWING_OPS,
    }
    known = {f.name for f in dataclasses.fields(Configuration)}
    return apply_configuration(**{k: v for k, v in wanted.items() if k in known})


def _short(text: object, limit: int = 160) -> str:
    """A value from the file, fit to quote in a one-line message."""
    t = _CONTROL.sub(" ", str(text)).strip()
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _check_pdf(path: Path, data: bytes, campaign: Campaign | None, color: str | None) -> FileCheck:
    problems: list[Problem] = []
    facts: dict = {"bytes": len(data)}
    alarm: _Alarm | None = None
    try:
        with _pypdf_bounds():
            alarm = _Alarm(MAX_PDF_SECONDS)
            try:
                return _read_pdf(path, data, campaign, color, problems, facts, _Budget())
            finally:
                alarm.cancel()
    except _TimeUp:
        if alarm is not None:
            alarm.cancel()  # in case it fired inside the first cancel
        why = _("reading it took more than {seconds} s (the limit for one PDF); it is not a file poster-gen wrote, so "
                "render it again").format(seconds=_num(MAX_PDF_SECONDS, "g"))
        return FileCheck(str(path), "pdf", (*problems, Problem(Code.READ, why)), facts=facts)
    except _Refused as exc:
        return FileCheck(str(path), "pdf", (*problems, Problem(Code.READ, str(exc))), facts=facts)
    except MemoryError:
        why = _("damaged PDF: reading it ran out of memory; render it again")
        return FileCheck(str(path), "pdf", (*problems, Problem(Code.READ, why)), facts=facts)
    except Exception as exc:  # pypdf raises many types on damaged and hostile files
        why = _("damaged PDF ({error}); render it again").format(error=f"{type(exc).__name__}: {_short(exc)}")
        return FileCheck(str(path), "pdf", (*problems, Problem(Code.READ, why)), facts=facts)


def _read_pdf(path: Path, data: bytes, campaign: Campaign | None, color: str | None, problems: list[Problem],
              facts: dict, budget: _Budget) -> FileCheck:
    """The checks of one PDF. Limits raise _Refused, pypdf raises on damage; _check_pdf turns both into problems."""
    from pypdf import PdfReader

    def fail(code: str, msg: str) -> FileCheck:
        return FileCheck(str(path), "pdf", (*problems, Problem(code, msg)), facts=facts)

    if len(data) > MAX_PDF_BYTES:
        return fail(Code.READ, _("the PDF is over the {limit} MB limit for a poster-gen PDF; check that it is the "
                                 "right file").format(limit=_num(MAX_PDF_BYTES / _MB, ".0f")))
    if b"%%EOF" not in data[-2048:]:
        return fail(Code.READ, _("truncated: no %%EOF at the end (the file was cut short); render it again"))
    reader = PdfReader(io.BytesIO(data), strict=True)
    numbers = _object_numbers(reader)
    xref_bad = _xref_damage(reader, data)
    if xref_bad:
        return fail(Code.READ, xref_bad)
    all_objects: dict[int, object] = {}
    compressed = getattr(reader, "xref_objStm", {})
    # objects stored whole first: their streams (object streams among them) are checked before pypdf inflates any
    for num in sorted(numbers, key=lambda n: n in compressed):
        budget.tick()
        obj = reader.get_object(num)
        if obj is None:
            continue
        all_objects[num] = obj
        if hasattr(obj, "get_data"):  # every stream (content, fonts) must decode, completely
            why = _stream_damage(obj, num, budget)
            if why:
                return fail(Code.READ, why)
    _font_maps(all_objects, budget)
    pages = _pages(reader, budget)
    if len(pages) != 1:
        return fail(Code.READ, _("has {n} pages; a poster-gen artwork has one").format(n=len(pages)))
    page = pages[0]
    info = reader.metadata or {}
    kw = parse_keywords(str(info.get("/Keywords", "")))
    subject = str(info.get("/Subject", ""))
    for k in ("unit", "slogan", "size", "design", "color"):
        if k in kw:
            facts[k] = kw[k]
    facts["version"] = reader.pdf_header.replace("%PDF-", "")

    problems += _pdf_boxes(page, kw, facts)
    problems += _pdf_fonts(page, all_objects, facts)
    outlined = kw.get("outline") == "yes"
    if outlined:  # --outline: text drawn as curves, no font may be left
        facts["outline"] = True
        if facts.get("fonts"):
            why = _("the file says its text is outlined, but it has fonts: {names}").format(
                names=", ".join(facts["fonts"]))
            problems.append(Problem(Code.FONTS, why))
    try:
        spaces, content = _pdf_color_spaces(reader, page, budget)
    except (_Refused, MemoryError):  # the file fails as a whole (_check_pdf)
        raise
    except Exception as exc:
        return fail(Code.READ, _("cannot read the page's content ({error}); render it again").format(
            error=f"{type(exc).__name__}: {_short(exc)}"))
    facts["color_spaces"] = sorted(spaces)
    problems += content
    want = color or kw.get("color")
    if want not in ("rgb", "cmyk"):
        why = _("the file does not say its colour mode (color=rgb|cmyk); not checked")
        problems.append(Problem(Code.COLOR, why, WARNING))
    elif want == "cmyk":
        bad = {s: n for s, n in spaces.items() if s not in CMYK_SPACES}
        if bad:
            # one item of a list: a colour space and how many times it is used
            ops = ", ".join(_("{space} ({n}x)").format(space=s, n=n) for s, n in sorted(bad.items()))
            why = _("asked for CMYK only but it paints in {spaces}; render it with --color cmyk").format(spaces=ops)
            problems.append(Problem(Code.COLOR, why))
    if color and kw.get("color") and color != kw["color"]:
        why = _("asked for {wanted} but the file was made as {made}").format(wanted=color.upper(),
                                                                            made=kw["color"].upper())
        problems.append(Problem(Code.COLOR, why))
    problems += _pdf_x(reader, info, kw, spaces, facts)

    draft, slogan, sp = _slogan_problems(kw, subject, campaign)
    problems += sp
    budget.tick()
    if outlined:  # no text on the page: the approved text is read from the metadata (Subject)
        if not subject.strip():
            problems.append(Problem(Code.TEXT, _("the text is outlined and the Subject, which must carry it, is empty")))
        facts["lines"] = [clean(subject)] if subject.strip() else []
        return FileCheck(str(path), "pdf", tuple(problems), draft=draft, facts=facts)
    try:
        text = page.extract_text() or ""
    except MemoryError:
        raise
    except Exception as exc:
        why = _("cannot extract the text ({error})").format(error=f"{type(exc).__name__}: {_short(exc)}")
        return fail(Code.TEXT, why)
    lines = [ln for ln in (clean(x) for x in text.splitlines()) if ln]
    facts["lines"] = lines
    if slogan is not None:
        wanted = [upper(slogan.text), slogan.text]
        if not any(_has_lines(lines, w) for w in wanted):
            shown = _short(" / ".join(lines), 400)
            why = _("the page does not show approved slogan {id} «{text}» as whole lines; it shows «{shown}»")
            why = why.format(id=slogan.id, text=upper(slogan.text), shown=shown)
            problems.append(Problem(Code.TEXT, why))
    elif draft and subject and not _has_lines(lines, upper(clean(subject))) and not _has_lines(lines, clean(subject)):
        why = _("the page does not show its draft slogan «{text}»").format(text=_short(clean(subject)))
        problems.append(Problem(Code.TEXT, why))
    return FileCheck(str(path), "pdf", tuple(problems), draft=draft, facts=facts)


def _xref_damage(reader, data: bytes) -> str:
    """The problem of a broken cross-reference table, or "".

    pypdf quietly repairs one; a print file should not need that.
    """
    for gen, table in getattr(reader, "xref", {}).items():
        for num, offset in table.items():
            if num == 0 or offset is None:
                continue
            head = data[offset : offset + 32].lstrip(b"\r\n\t ")
            if not re.match(rb"%d\s+%d\s+obj" % (num, gen), head):
                return _("damaged PDF: the cross-reference entry of object {num} points elsewhere; render it "
                         "again").format(num=num)
    return ""


def _font_maps(all_objects: dict[int, object], budget: _Budget) -> None:
    """Refuse fonts whose character maps are too large for text extraction to parse (_Refused)."""
    total = 0
    for obj in all_objects.values():
        if not hasattr(obj, "get") or obj.get("/Type") != "/Font":
            continue
        for key in ("/ToUnicode", "/Encoding"):
            total += budget.sizes.get(getattr(obj.get(key), "idnum", -1), 0)
        if total > MAX_FONT_MAP_BYTES:
            raise _Refused(_("the fonts' character maps are more than {mb} MB in all (the limit for one PDF); it is "
                             "not a file poster-gen wrote, so render it again").format(
                mb=_num(MAX_FONT_MAP_BYTES / _MB, ".0f")))


def _object_numbers(reader) -> list[int]:
    """The numbers of the objects the cross-reference table lists, refusing a file with too many."""
    numbers: set[int] = set()
    for table in getattr(reader, "xref", {}).values():
        numbers.update(table)
        if len(numbers) > MAX_PDF_OBJECTS:
            break
    numbers.update(getattr(reader, "xref_objStm", {}))
    numbers.discard(0)
    if len(numbers) > MAX_PDF_OBJECTS:
        raise _Refused(_("the PDF has more than {n} objects (the limit for one PDF; a poster-gen PDF has a few dozen); "
                         "render it again").format(n=_num(MAX_PDF_OBJECTS, ",")))
    return sorted(numbers)


def _pages(reader, budget: _Budget) -> list:
    """The pages, after walking the page tree with bounds: no loops, not too deep, not too many pages."""
    root = _resolve(reader.trailer["/Root"])
    todo = [(root["/Pages"], 0)]
    seen: set[int] = set()
    count = 0
    while todo:
        budget.tick()
        ref, depth = todo.pop()
        num = getattr(ref, "idnum", None)
        if num is not None:
            if num in seen:
                raise _Refused(_("damaged PDF: its page tree reaches object {num} twice (a loop); render it "
                                 "again").format(num=num))
            seen.add(num)
        if depth > MAX_PAGE_TREE_DEPTH:
            raise _Refused(_("damaged PDF: its page tree is more than {n} levels deep; render it again").format(
                n=MAX_PAGE_TREE_DEPTH))
        node = _resolve(ref)
        kids = _resolve(node.get("/Kids")) if "/Kids" in node else None
        if kids is None:
            count += 1
            if count > MAX_PDF_PAGES:
                raise _Refused(_("has more than {n} pages; a poster-gen artwork has one").format(n=MAX_PDF_PAGES))
        else:
            todo += [(k, depth + 1) for k in kids]
    return list(reader.pages)


# stream filters by their full and abbreviated names
_FILTER_NAMES = {"/Fl": "/FlateDecode", "/A85": "/ASCII85Decode", "/AHx": "/ASCIIHexDecode", "/DCT": "/DCTDecode",
                 "/CCF": "/CCITTFaxDecode", "/LZW": "/LZWDecode", "/RL": "/RunLengthDecode"}
_IMAGE_FILTERS = {"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"}  # image codecs: pixels not needed


class _TooBig(Exception):
    pass


def _inflate(data: bytes, limit: int, keep: bool) -> tuple[bytes, int, bool]:
    """Inflate zlib data in pieces: (the output if ``keep``, its size, whether the zlib stream ended).

    Raises _TooBig as soon as the output passes ``limit``, zlib.error when it is not zlib data.
    """
    d = zlib.decompressobj()
    out = bytearray()
    size = 0
    while True:
        piece = d.decompress(data, _PIECE)
        size += len(piece)
        if size > limit:
            raise _TooBig
        if keep:
            out += piece
        data = d.unconsumed_tail
        if d.eof or (not data and len(piece) < _PIECE):
            return bytes(out), size, d.eof


def _stream_damage(obj, num: int, budget: _Budget) -> str:
    """The problem of a stream that does not decode, or "". Decoded here, in pieces and bounded (pypdf forgives and
    trusts).

    Raises _Refused when it inflates past MAX_STREAM_BYTES or the file's streams past MAX_PDF_INFLATED_BYTES.
    """
    filters = _resolve(obj.get("/Filter"))
    if filters is None:
        filters = []
    elif not isinstance(filters, list):
        filters = [filters]
    filters = [_FILTER_NAMES.get(str(_resolve(f)), str(_resolve(f))) for f in filters]
    if len(filters) > MAX_PDF_FILTERS:
        return _("damaged PDF: stream {num} chains {n} filters; render it again").format(num=num, n=len(filters))
    data = bytes(getattr(obj, "_data", None) or b"")
    size = len(data)  # of the output so far
    left = min(MAX_STREAM_BYTES, MAX_PDF_INFLATED_BYTES - budget.inflated)
    try:
        for i, f in enumerate(filters):
            if f in _IMAGE_FILTERS:
                break
            if f == "/FlateDecode":
                last = i == len(filters) - 1  # then only the size is needed
                data, size, ended = _inflate(data, left, keep=not last)
                if not ended:
                    return _("damaged PDF: stream {num} is cut short; render it again").format(num=num)
                continue
            body = re.sub(rb"\s", b"", data)
            if f == "/ASCII85Decode":
                body = body.removesuffix(b"~>")
                if len(body) + 4 * body.count(b"z") > left:  # 'z' stands for four zero bytes
                    raise _TooBig
                data = base64.a85decode(body)
            elif f == "/ASCIIHexDecode":
                body = body.removesuffix(b">")
                data = binascii.unhexlify(body + b"0" * (len(body) % 2))
            else:
                return _("damaged PDF: stream {num} uses the {filter} filter, which poster-gen does not write; render "
                         "it again").format(num=num, filter=_short(f, 40))
            size = len(data)
    except _TooBig:
        if left < MAX_STREAM_BYTES:
            raise _Refused(_("the PDF's streams inflate to more than {mb} MB in all (the limit for one PDF); it is not "
                             "a file poster-gen wrote, so render it again").format(
                mb=_num(MAX_PDF_INFLATED_BYTES / _MB, ".0f"))) from None
        raise _Refused(_("stream {num} inflates to more than {mb} MB (the limit for one stream); it is not a file "
                         "poster-gen wrote, so render it again").format(
            num=num, mb=_num(MAX_STREAM_BYTES / _MB, ".0f"))) from None
    except (zlib.error, ValueError) as exc:  # binascii.Error is a ValueError
        return _("damaged PDF: stream {num} does not decode ({error}); render it again").format(
            num=num, error=type(exc).__name__)
    budget.inflated += size
    budget.sizes[num] = size
    length1 = _resolve(obj.get("/Length1"))
    if length1 is not None and int(length1) != size:
        return _("damaged PDF: stream {num} holds {size} of the {length} bytes its font should have; render it "
                 "again").format(num=num, size=size, length=int(length1))
    return ""


def _has_lines(lines: list[str], target: str) -> bool:
    """Is ``target`` exactly a run of consecutive lines joined by spaces?"""
    for i in range(len(lines)):
        acc = ""
        for j in range(i, len(lines)):
            acc = lines[j] if j == i else f"{acc} {lines[j]}"
            if acc == target:
                return True
            if len(acc) >= len(target):
                break
    return False


def _rect(page, name: str) -> tuple[float, float, float, float] | None:
    v = page.get(name)
    if v is None:
        return None
    v = v.get_object()
    x0, y0, x1, y1 = (float(a) for a in v)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _within(inner, outer, tol_pt: float) -> bool:
    return (
        inner[0] >= outer[0] - tol_pt and inner[1] >= outer[1] - tol_pt
        and inner[2] <= outer[2] + tol_pt and inner[3] <= outer[3] + tol_pt
    )


def _wh_mm(r, k: float = 1.0) -> tuple[float, float]:
    """A box's width and height in mm; ``k`` is how many points one unit of the box stands for."""
    return ((r[2] - r[0]) * k / PT_PER_MM, (r[3] - r[1]) * k / PT_PER_MM)


# The page size limit of PDF 1.3 (so of PDF/X-1a) and of Acrobat-based tools: 200 inches.
MAX_PAGE_UNITS = 14_400.0


def _page_scale(page, kw: dict, facts: dict) -> tuple[float, list[Problem]]:
    """How many true points one unit of the page's boxes stands for: UserUnit / scale.

    A page over 200 inches is written at 1:10 and says ``scale=0.1`` in /Keywords:
    its physical size is the box size divided by the scale. A PDF 1.6 page may also
    set /UserUnit (points per unit), which poster-gen does not write.
    """
    problems = []
    scale = 1.0
    text = kw.get("scale")
    if text is not None:
        value = _float(text)
        if value is None or not (0 < value <= 1):
            why = _("cannot read scale='{scale}' in /Keywords (a number over 0 and at most 1, such as 0.1 for 1:10)")
            problems.append(Problem(Code.METADATA, why.format(scale=text)))
        else:
            scale = value
    unit = 1.0
    raw = page.get("/UserUnit")
    if raw is not None:
        value = _float(_resolve(raw))
        if value is None or value <= 0:
            problems.append(Problem(Code.BOXES, _("cannot read the page's /UserUnit '{value}'").format(value=raw)))
        else:
            unit = value
    if scale != 1:
        facts["scale"] = scale
    if unit != 1:
        facts["user_unit"] = unit
    return unit / scale, problems


def _pdf_boxes(page, kw: dict, facts: dict) -> list[Problem]:
    problems = []
    k, problems = _page_scale(page, kw, facts)  # true points per unit of the boxes
    tol = TOL_MM * PT_PER_MM / k
    media, trim, bleed = _rect(page, "/MediaBox"), _rect(page, "/TrimBox"), _rect(page, "/BleedBox")
    crop = _rect(page, "/CropBox")
    missing = [n for n, b in (("MediaBox", media), ("TrimBox", trim), ("BleedBox", bleed)) if b is None]
    if missing:
        why = _("no {boxes}; print shops need the trim and bleed boxes").format(boxes=", ".join(missing))
        problems.append(Problem(Code.BOXES, why))
    if media:
        facts["media_mm"] = [round(v, 2) for v in _wh_mm(media, k)]
        units = (media[2] - media[0], media[3] - media[1])
        if max(units) > MAX_PAGE_UNITS:
            why = _("MediaBox is {width} x {height} units, over the {most} units (200 inches) a side that PDF 1.3, "
                    "PDF/X-1a and Acrobat-based tools allow; render it again with poster-gen, which writes such pages "
                    "at 1:10 (scale=0.1)")
            problems.append(Problem(Code.BOXES, why.format(width=_num(units[0], ".0f"), height=_num(units[1], ".0f"),
                                                          most=_num(MAX_PAGE_UNITS, ",.0f"))))
    if trim:
        facts["trim_mm"] = [round(v, 2) for v in _wh_mm(trim, k)]
    if trim and bleed:
        facts["bleed_mm"] = round((trim[0] - bleed[0]) * k / PT_PER_MM, 2)
        if not _within(trim, bleed, tol):
            problems.append(Problem(Code.BOXES, _("TrimBox is not inside BleedBox")))
    if bleed and media and not _within(bleed, media, tol):
        problems.append(Problem(Code.BOXES, _("BleedBox is not inside MediaBox")))
    if crop and bleed and not _within(bleed, crop, tol):
        problems.append(Problem(Code.BOXES, _("CropBox cuts into the bleed")))
    if bleed and media:
        marks = kw.get("marks")
        margins = [bleed[0] - media[0], bleed[1] - media[1], media[2] - bleed[2], media[3] - bleed[3]]
        if marks == "no" and max(margins) > tol:
            why = _("MediaBox is larger than BleedBox but the file says it has no marks")
            problems.append(Problem(Code.BOXES, why))
        if marks == "yes" and min(margins) * k < 5 * PT_PER_MM:
            why = _("the file says it has crop marks but MediaBox leaves no room for them")
            problems.append(Problem(Code.BOXES, why))
    claims, cp = _size_claims(kw)
    problems += cp
    if not claims:
        why = _("no size claim (size=, trim_mm=) in /Keywords: the boxes cannot be checked")
        problems.append(Problem(Code.SIZE, why))
    if trim and bleed:
        tw, th = _wh_mm(trim, k)
        factor = 0.0  # physical / claimed, when it is the same both ways
        for c in claims:
            if abs(tw - c.width_mm) > TOL_MM or abs(th - c.height_mm) > TOL_MM:
                why = (_("TrimBox is {width} x {height} mm but size {source} is {claimed_width} x {claimed_height} mm")
                       if c.by_size else
                       _("TrimBox is {width} x {height} mm but {source} is {claimed_width} x {claimed_height} mm"))
                why = why.format(width=_fmt_mm(tw), height=_fmt_mm(th), source=c.source,
                                 claimed_width=_fmt_mm(c.width_mm), claimed_height=_fmt_mm(c.height_mm))
                problems.append(Problem(Code.BOXES, why))
                # the same factor both ways: the page is drawn at another scale than the file says
                f = tw / c.width_mm if c.width_mm > 0 and c.height_mm > 0 else 0.0
                if abs(f - 1) > 0.01 and abs(f - th / c.height_mm) <= 1e-3 * f:
                    factor = f
            sides = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
            if any(abs(s * k / PT_PER_MM - c.bleed_mm) > TOL_MM for s in sides):
                got = _num_list(_fmt_mm(s * k / PT_PER_MM) for s in sides)
                why = (_("BleedBox is trim + {sides} mm (left, bottom, right, top) but size {source} has {bleed} mm "
                         "bleed") if c.by_size else
                       _("BleedBox is trim + {sides} mm (left, bottom, right, top) but {source} has {bleed} mm bleed"))
                why = why.format(sides=got, source=c.source, bleed=_fmt_mm(c.bleed_mm))
                problems.append(Problem(Code.BOXES, why))
        if factor > 0:
            why = _("the page is {factor} times the size it claims in both directions, so the scale it states "
                    "(scale={scale} in /Keywords) is wrong; render it again")
            why = why.format(factor=_num(factor, ".4g"), scale=_num(facts.get("scale", 1.0), "g"))
            problems.append(Problem(Code.BOXES, why))
    return problems


def _resolve(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _pdf_fonts(page, all_objects: dict, facts: dict) -> list[Problem]:
    problems = []
    used: set[int] = set()
    res = _resolve(page.get("/Resources")) or {}
    fonts = _resolve(res.get("/Font")) or {}
    for ref in fonts.values():
        if hasattr(ref, "idnum"):
            used.add(ref.idnum)
    names = []
    for num, obj in sorted(all_objects.items()):
        if not hasattr(obj, "get") or obj.get("/Type") != "/Font":
            continue
        subtype = str(obj.get("/Subtype", ""))
        if subtype == "/CIDFontType0" or subtype == "/CIDFontType2":
            continue  # checked through their Type0 parent
        name = str(obj.get("/BaseFont", "?")).lstrip("/")
        names.append(name)
        if num not in used and subtype != "/Type0":
            why = (_("standard font {name} is in the file but the page does not use it") if name in STANDARD_14 else
                   _("font {name} is in the file but the page does not use it"))
            problems.append(Problem(Code.FONTS, why.format(name=name)))
        if subtype == "/Type3":
            continue
        if "/Widths" in obj and "/FirstChar" in obj and "/LastChar" in obj:
            widths = _resolve(obj["/Widths"])
            if len(widths) != int(obj["/LastChar"]) - int(obj["/FirstChar"]) + 1:
                problems.append(Problem(Code.FONTS, _("font {name}: its widths table is damaged").format(name=name)))
        desc_font = obj
        if subtype == "/Type0":
            desc = _resolve(obj.get("/DescendantFonts")) or []
            desc_font = _resolve(desc[0]) if desc else {}
        fd = _resolve(desc_font.get("/FontDescriptor")) if hasattr(desc_font, "get") else None
        embedded = bool(fd) and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if not embedded:
            why = (_("standard font {name} is not embedded; the printer would substitute it") if name in STANDARD_14
                   else _("font {name} is not embedded; the printer would substitute it"))
            problems.append(Problem(Code.FONTS, why.format(name=name)))
        elif not _SUBSET.match(name):
            problems.append(Problem(Code.FONTS, _("font {name} is embedded whole, not subset").format(name=name)))
    facts["fonts"] = names
    return problems


# ---------------------------------------------------------------------------
# content streams: a tokenizer and the PDF 1.7 operator table (Annex A)

MAX_CONTENT_NESTING = 32  # arrays and dictionaries inside one another in a content stream
MAX_CONTENT_PROBLEMS = 3  # content problems reported for one PDF (each stream reports its first)


class _Name(str):
    """A name operand, as "/Name" with its #xx escapes decoded (looks up resources like pypdf's NameObject)."""


class _Keyword(bytes):
    """An operator, or a keyword where an operand was expected."""


class _ContentError(Exception):
    """A content stream that does not tokenize: its message is the problem (without the stream's name)."""


_WHITE = b"\x00\t\n\x0c\r "
_SKIP = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_REGULAR = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_HEX_STRING = re.compile(rb"<([0-9A-Fa-f\x00\t\n\x0c\r ]*)>")
_STRING_SPECIAL = re.compile(rb"[()\\]")
_SIMPLE_STRING = re.compile(rb"\(((?:[^()\\]|\\[\s\S])*)\)")
_STRING_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|[\s\S])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STRING_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
                   ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
_INLINE_IMAGE_END = re.compile(rb"[\x00\t\n\x0c\r ]EI(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|\Z)")
_BINARY = re.compile(rb"[^\t\n\r\x20-\x7e]")
_INLINE_COMPONENTS = {"/DeviceGray": 1, "/G": 1, "/DeviceRGB": 3, "/RGB": 3, "/DeviceCMYK": 4, "/CMYK": 4,
                      "/Indexed": 1, "/I": 1}


def _unescape(m: re.Match) -> bytes:
    e = m.group(1)
    if e[0] in _STRING_ESCAPES:
        return _STRING_ESCAPES[e[0]]
    if 0x30 <= e[0] <= 0x37:
        return bytes([int(e, 8) & 0xFF])
    return b"" if e in (b"\r\n", b"\r", b"\n") else e  # a line continued; an unknown escape: the backslash is ignored


def _literal_string(data: bytes, i: int) -> tuple[bytes, int]:
    """The string that opens with '(' at ``i``: its bytes (escapes decoded) and the offset after its ')'."""
    m = _SIMPLE_STRING.match(data, i)
    if m is not None:  # no parentheses inside: most strings
        body = m.group(1)
        return (_STRING_ESCAPE.sub(_unescape, body) if b"\\" in body else body), m.end()
    out = bytearray()
    depth, j = 1, i + 1
    while True:
        m = _STRING_SPECIAL.search(data, j)
        if m is None:
            raise _ContentError(_("a string that starts at byte {offset} is never closed").format(offset=i))
        k = m.start()
        out += data[j:k]
        ch = data[k]
        if ch == 0x5C:  # backslash
            esc = data[k + 1 : k + 2]
            if not esc:
                raise _ContentError(_("a string that starts at byte {offset} is never closed").format(offset=i))
            e = esc[0]
            if e in _STRING_ESCAPES:
                out += _STRING_ESCAPES[e]
                j = k + 2
            elif 0x30 <= e <= 0x37:  # up to three octal digits
                digits = re.match(rb"[0-7]{1,3}", data[k + 1 : k + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                j = k + 1 + len(digits)
            elif e == 0x0D:  # a line continued: \ CR, \ CR LF
                j = k + 3 if data[k + 2 : k + 3] == b"\n" else k + 2
            elif e == 0x0A:
                j = k + 2
            else:  # an unknown escape: the backslash is ignored
                j = k + 1
        elif ch == 0x28:
            depth += 1
            out += b"("
            j = k + 1
        else:
            depth -= 1
            if depth == 0:
                return bytes(out), k + 1
            out += b")"
            j = k + 1


def _content_object(data: bytes, i: int, depth: int = 0):
    """(value, offset after it) of the object or keyword at ``i`` (whitespace and comments already skipped).

    Numbers are int or float, names _Name, strings bytes, arrays list, dictionaries dict, keywords _Keyword.
    """
    c = data[i]
    if c == 0x28:  # (
        return _literal_string(data, i)
    if c == 0x2F:  # /
        m = _REGULAR.match(data, i + 1)
        raw = _NAME_ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), m.group())
        return _Name("/" + raw.decode("utf-8", "surrogateescape")), m.end()
    if c == 0x5B or data.startswith(b"<<", i):  # [ or <<
        if depth >= MAX_CONTENT_NESTING:
            raise _ContentError(_("arrays and dictionaries nested more than {n} deep at byte {offset}").format(
                n=MAX_CONTENT_NESTING, offset=i))
        is_array = c == 0x5B
        close = b"]" if is_array else b">>"
        items: list = []
        j = i + (1 if is_array else 2)
        while True:
            j = _SKIP.match(data, j).end()
            if j >= len(data):
                break
            if data.startswith(close, j):
                j += len(close)
                if is_array:
                    return items, j
                if len(items) % 2 or not all(isinstance(k, _Name) for k in items[::2]):
                    raise _ContentError(_("a dictionary at byte {offset} is not pairs of a name and a value").format(
                        offset=i))
                return dict(zip(items[::2], items[1::2])), j
            value, j = _content_object(data, j, depth + 1)
            if isinstance(value, _Keyword):
                break
            items.append(value)
        why = (_("an array that starts at byte {offset} is never closed") if is_array else
               _("a dictionary that starts at byte {offset} is never closed"))
        raise _ContentError(why.format(offset=i))
    if c == 0x3C:  # <
        m = _HEX_STRING.match(data, i)
        if m is None:
            raise _ContentError(_("a hex string at byte {offset} is not closed or holds a character that is not a hex "
                                  "digit").format(offset=i))
        digits = re.sub(rb"[\x00\t\n\x0c\r ]", b"", m.group(1))
        return binascii.unhexlify(digits + b"0" * (len(digits) % 2)), m.end()
    if c in b")]>{}":
        token = ">>" if data.startswith(b">>", i) else chr(c)
        raise _ContentError(_("unexpected '{token}' at byte {offset}").format(token=token, offset=i))
    m = _REGULAR.match(data, i)
    tok = m.group()
    if _NUMBER.fullmatch(tok):
        return (float(tok) if b"." in tok else int(tok)), m.end()
    if tok == b"true" or tok == b"false":
        return tok == b"true", m.end()
    if tok == b"null":
        return None, m.end()
    return _Keyword(tok), m.end()


def _inline_image_end(data: bytes, start: int, settings: dict, at: int) -> int:
    """The offset after the 'EI' of an inline image whose data starts at ``start`` (_ContentError if none)."""
    def get(*keys):
        for k in keys:
            if k in settings:
                return settings[k]
        return None

    length = get("/L", "/Length")
    if type(length) is not int and get("/F", "/Filter") is None:  # unfiltered: its size follows from its dictionary
        w, h, bpc = get("/W", "/Width"), get("/H", "/Height"), get("/BPC", "/BitsPerComponent")
        cs = get("/CS", "/ColorSpace")
        comps = 1 if get("/IM", "/ImageMask") is True else _INLINE_COMPONENTS.get(
            str(cs[0] if isinstance(cs, list) and cs else cs))
        if get("/IM", "/ImageMask") is True:
            bpc = 1
        if all(type(v) is int and v > 0 for v in (w, h, bpc, comps)):
            length = h * ((w * comps * bpc + 7) // 8)
    if type(length) is int and length >= 0:
        end = _SKIP.match(data, start + length).end()
        if data.startswith(b"EI", end) and (end + 2 == len(data) or data[end + 2] in _WHITE + b"()<>[]{}/%"):
            return end + 2
    for m in _INLINE_IMAGE_END.finditer(data, max(start - 1, 0)):
        after = _SKIP.match(data, m.end()).end()
        if not _BINARY.search(data[after : after + 32]):  # what follows reads as operators, not image data
            return m.end()
    raise _ContentError(_("the data of an inline image at byte {offset} has no end ('EI')").format(offset=at))


def _parse_content(data: bytes, tick=None, max_ops: int = MAX_DRAWING_OPS) -> tuple[list[tuple[list, bytes, int]],
                                                                                    str]:
    """The operations of a content stream, each (operands, operator, byte offset of the operator), and the
    problem that stopped the tokenizer ("" if none; the operations are those before it). It stops, without a
    problem, soon after ``max_ops`` operations: the caller refuses so many.

    An inline image is one operation: ([its dictionary], b"BI", offset of BI), its data skipped.
    """
    ops: list[tuple[list, bytes, int]] = []
    operands: list = []
    first = 0  # offset of the first pending operand
    n = len(data)
    i = 0
    try:
        while True:
            i = _SKIP.match(data, i).end()
            if i >= n:
                break
            if len(ops) % 1000 == 999:
                if tick is not None:
                    tick()
                if len(ops) > max_ops:
                    return ops, ""
            at = i
            value, i = _content_object(data, i)
            if not isinstance(value, _Keyword):
                if not operands:
                    first = at
                operands.append(value)
                continue
            if value == b"BI":
                items: list = []
                while True:
                    i = _SKIP.match(data, i).end()
                    if i >= n:
                        raise _ContentError(_("an inline image at byte {offset} has no 'ID'").format(offset=at))
                    item, i = _content_object(data, i, 1)
                    if isinstance(item, _Keyword):
                        break
                    items.append(item)
                if item != b"ID":
                    raise _ContentError(_("an inline image at byte {offset} has no 'ID'").format(offset=at))
                if len(items) % 2 or not all(isinstance(k, _Name) for k in items[::2]):
                    raise _ContentError(_("a dictionary at byte {offset} is not pairs of a name and a value").format(
                        offset=at))
                settings = dict(zip(items[::2], items[1::2]))
                i = _inline_image_end(data, i + 1, settings, at)  # one white-space byte after ID
                ops.append((operands + [settings], b"BI", at))
            else:
                ops.append((operands, bytes(value), at))
            operands = []
        if operands:
            raise _ContentError(_("operands at byte {offset} are followed by no operator").format(offset=first))
    except _ContentError as exc:
        return ops, str(exc)
    return ops, ""


# operand signatures: a regular expression over the operands' kinds (i integer, f real, N name, s string, a array,
# d dictionary), and what it asks for, for messages
_KIND = {int: "i", float: "f", _Name: "N", bytes: "s", list: "a", dict: "d", bool: "b", type(None): "z"}
_OPERAND_SIGNATURES = {
    "": (r"", N_("no operands")),
    "1n": (r"n", N_("1 number")),
    "2n": (r"nn", N_("2 numbers")),
    "3n": (r"nnn", N_("3 numbers")),
    "4n": (r"nnnn", N_("4 numbers")),
    "6n": (r"n{6}", N_("6 numbers")),
    "int": (r"i", N_("an integer")),
    "name": (r"N", N_("a name")),
    "font": (r"Nn", N_("a font name and a size")),
    "str": (r"s", N_("a string")),
    "TJ": (r"a", N_("an array of strings and numbers")),
    "dash": (r"an", N_("an array of numbers and a number")),
    "quote": (r"nns", N_("2 numbers and a string")),
    "mark": (r"N[Nd]", N_("a tag name and a name or dictionary")),
    "sc": (r"n{1,32}", N_("1 to 32 numbers")),
    "scn": (r"n{1,32}N?|N", N_("up to 32 numbers and an optional pattern name, at least one of them")),
    "BI": (r"d", N_("no operands")),
}
_SIGNATURE_RE = {k: re.compile(p.replace("n", "[if]")) for k, (p, _msg) in _OPERAND_SIGNATURES.items()}
_OPERATORS = {  # PDF 1.7, Annex A
    **dict.fromkeys(("b", "B", "b*", "B*", "BT", "BX", "EMC", "ET", "EX", "f", "F", "f*", "h", "n", "q", "Q", "s",
                     "S", "T*", "W", "W*"), ""),
    **dict.fromkeys(("G", "g", "i", "M", "Tc", "TL", "Ts", "Tw", "Tz", "w"), "1n"),
    **dict.fromkeys(("d0", "l", "m", "Td", "TD"), "2n"),
    **dict.fromkeys(("RG", "rg"), "3n"),
    **dict.fromkeys(("K", "k", "re", "v", "y"), "4n"),
    **dict.fromkeys(("c", "cm", "d1", "Tm"), "6n"),
    **dict.fromkeys(("J", "j", "Tr"), "int"),
    **dict.fromkeys(("BMC", "CS", "cs", "Do", "gs", "MP", "ri", "sh"), "name"),
    **dict.fromkeys(("BDC", "DP"), "mark"),
    **dict.fromkeys(("SC", "sc"), "sc"),
    **dict.fromkeys(("SCN", "scn"), "scn"),
    "Tf": "font", "Tj": "str", "'": "str", '"': "quote", "TJ": "TJ", "d": "dash", "BI": "BI",
}
_OPERATORS = {k.encode(): v for k, v in _OPERATORS.items()}
_TEXT_ONLY = {b"Tj", b"TJ", b"'", b'"', b"Td", b"TD", b"Tm", b"T*"}  # showing and positioning text: inside BT..ET
_PAIRS = {b"q": b"Q", b"BT": b"ET", b"BX": b"EX", b"BMC": b"EMC", b"BDC": b"EMC"}  # what opens -> what closes
_OPENERS = {b"Q": b"q", b"ET": b"BT", b"EX": b"BX", b"EMC": b"BMC"}  # what closes -> what opens, for messages


def _show_operand(v) -> str:
    """An operand as a message quotes it."""
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "null"}[v]
    if type(v) is float:
        return f"{v:.10g}"
    if isinstance(v, bytes):
        return "(" + _short(v.decode("latin-1"), 20) + ")"
    if isinstance(v, list):
        return "[…]"
    if isinstance(v, dict):
        return "<<…>>"
    return str(v)


def _content_problem(ops: list[tuple[list, bytes, int]]) -> str:
    """The first problem of a tokenized content stream, or "": an unknown operator, operands that do not fit
    their operator, q/Q, BT/ET, BX/EX and marked content that do not pair up, text shown outside a text object.
    """
    opened: dict[bytes, list[tuple[int, bytes]]] = {close: [] for close in _OPENERS}  # by what closes them
    in_text = None  # offset of the BT of the open text object
    compat = 0  # inside BX..EX an unknown operator is ignored
    for operands, op, at in ops:
        sig = _OPERATORS.get(op)
        shown = op.decode("latin-1")
        if sig is None:
            if compat:
                continue
            return _("unknown operator '{op}' at byte {offset}").format(op=_short(shown, 40), offset=at)
        kinds = "".join(_KIND.get(type(v), "?") for v in operands)
        ok = _SIGNATURE_RE[sig].fullmatch(kinds) is not None
        if ok and op == b"TJ":
            ok = all(type(v) in (bytes, int, float) for v in operands[0])
        elif ok and op == b"d":
            ok = all(type(v) in (int, float) for v in operands[0])
        if not ok:
            found = (ngettext("{n} operand ({operands})", "{n} operands ({operands})", len(operands)).format(
                n=len(operands), operands=_short(" ".join(_show_operand(v) for v in operands), 60))
                if operands else _("no operands"))
            return _("'{op}' at byte {offset} takes {expected}, found {found}").format(
                op=shown, offset=at, expected=_(_OPERAND_SIGNATURES[sig][1]), found=found)
        if op == b"BT" and in_text is not None:
            return _("'BT' at byte {offset} opens a text object inside the one opened at byte {start}").format(
                offset=at, start=in_text)
        if op in _TEXT_ONLY and in_text is None:
            return _("text operator '{op}' at byte {offset} is outside a text object (BT … ET)").format(
                op=shown, offset=at)
        if op in _PAIRS:
            opened[_PAIRS[op]].append((at, op))
            if op == b"BT":
                in_text = at
            elif op == b"BX":
                compat += 1
        elif op in _OPENERS:
            if not opened[op]:
                return _("'{op}' at byte {offset} closes no '{open}'").format(
                    op=shown, offset=at, open=_OPENERS[op].decode())
            opened[op].pop()
            if op == b"ET":
                in_text = None
            elif op == b"EX":
                compat -= 1
    left = [starts[0] for starts in opened.values() if starts]
    if left:
        at, op = min(left)
        return _("'{op}' at byte {offset} is never closed by '{close}'").format(
            op=op.decode(), offset=at, close=_PAIRS[op].decode())
    return ""


_OP_SPACE = {b"rg": "DeviceRGB", b"RG": "DeviceRGB", b"g": "DeviceGray", b"G": "DeviceGray",
             b"k": "DeviceCMYK", b"K": "DeviceCMYK"}
_NAME_SPACE = {"/DeviceRGB": "DeviceRGB", "/RGB": "DeviceRGB", "/DeviceGray": "DeviceGray", "/G": "DeviceGray",
               "/DeviceCMYK": "DeviceCMYK", "/CMYK": "DeviceCMYK", "/Pattern": "Pattern"}


def _space_of(cs, resources, depth: int = 0) -> str:
    """The name of a colour space given by name or array, resolving resources."""
    if depth > MAX_COLOR_SPACE_DEPTH:
        raise _Refused(_("damaged PDF: a colour space is defined through more than {n} others (or through itself); "
                         "render it again").format(n=MAX_COLOR_SPACE_DEPTH))
    cs = _resolve(cs)
    if isinstance(cs, str) or (hasattr(cs, "startswith") and not isinstance(cs, (list, tuple))):
        name = str(cs)
        if name in _NAME_SPACE:
            return _NAME_SPACE[name]
        named = _resolve((_resolve((resources or {}).get("/ColorSpace")) or {}).get(name))
        return _space_of(named, resources, depth + 1) if named is not None else name.lstrip("/")
    if isinstance(cs, (list, tuple)) and cs:
        family = str(_resolve(cs[0]))
        if family == "/ICCBased":
            n = int(_resolve(cs[1]).get("/N", 0))
            return {1: "ICCBased Gray", 3: "ICCBased RGB", 4: "ICCBased CMYK"}.get(n, "ICCBased")
        if family == "/Indexed":
            return "Indexed " + _space_of(cs[1], resources, depth + 1)
        return family.lstrip("/")
    return "unknown"


def _pdf_color_spaces(reader, page, budget: _Budget) -> tuple[Counter, list[Problem]]:
    """The colour spaces the page paints in, each counted once per use (a form's uses once per time it is drawn),
    and the problems of its content streams (the page's and its forms', at most MAX_CONTENT_PROBLEMS).

    Every content stream is tokenized (_parse_content) and its operators checked (_content_problem).

    Each form is parsed once, however often it is drawn. Forms that draw one
    another in a loop, forms nested deeper than MAX_FORM_DEPTH, more than
    MAX_CONTENT_BYTES of operators or a drawing that expands to more than
    MAX_DRAWING_OPS operations raise _Refused: a text extraction (or a
    printer) would follow every one of them.
    """
    done: dict[tuple[int, int], tuple[Counter, int]] = {}  # form and resources -> its uses, its operations drawn
    path: list[tuple[int, int]] = []
    keep: list = []  # the resources whose id() is part of a key stay alive
    content: list[Problem] = []  # the first problem of each stream that has one
    parsed = 0

    def walk(stream, resources, form_num: int | None = None) -> tuple[Counter, int]:
        """Uses of colour spaces and operations drawn by one content stream, its forms included.

        The stream's first problem, if any, goes to ``content``.
        """
        nonlocal parsed
        spaces: Counter = Counter()
        if stream is None:
            return spaces, 0
        data = stream.get_data()  # decoded; its size was checked with all streams
        parsed += len(data)
        if parsed > MAX_CONTENT_BYTES:
            raise _Refused(_("the page's drawing is more than {mb} MB of operators (the limit for one PDF); it is not "
                             "a file poster-gen wrote, so render it again").format(
                mb=_num(MAX_CONTENT_BYTES / _MB, "g")))
        resources = _resolve(resources) or {}
        operations, why = _parse_content(data, budget.tick)
        if len(operations) > MAX_DRAWING_OPS:
            raise _Refused(_("the page's drawing has more than {n} operations, a form counted each time it is "
                             "drawn (the limit for one PDF); it is not a file poster-gen wrote, so render it "
                             "again").format(n=_num(MAX_DRAWING_OPS, ",")))
        why = why or _content_problem(operations)
        if why:
            where = _("page {n}").format(n=1) if form_num is None else _("form {num} drawn on page {n}").format(
                num=form_num, n=1)
            content.append(Problem(Code.CONTENT, _("content stream of {where}: {problem}; the file is damaged: "
                                                   "render it again").format(where=where, problem=why)))
        drawn = len(operations)
        for i, (operands, op, _at) in enumerate(operations):
            if i % 1000 == 0:
                budget.tick()
            if op in _OP_SPACE:
                spaces[_OP_SPACE[op]] += 1
            elif op in (b"cs", b"CS") and operands:
                spaces[_space_of(operands[0], resources)] += 1
            elif op == b"BI":
                settings = operands[-1]
                cs = settings.get("/CS", settings.get("/ColorSpace"))
                if cs is not None:
                    spaces[_space_of(cs, resources)] += 1
            elif op == b"sh" and operands:
                sh = _resolve((_resolve(resources.get("/Shading")) or {}).get(operands[0]))
                if sh is not None:
                    spaces[_space_of(sh.get("/ColorSpace"), resources)] += 1
            elif op == b"Do" and operands:
                ref = (_resolve(resources.get("/XObject")) or {}).get(operands[0])
                xo = _resolve(ref)
                if xo is None:
                    continue
                if xo.get("/Subtype") == "/Image" and "/ColorSpace" in xo:
                    spaces[_space_of(xo["/ColorSpace"], resources)] += 1
                elif xo.get("/Subtype") == "/Form":
                    form_spaces, form_drawn = form(xo, getattr(ref, "idnum", None), xo.get("/Resources", resources))
                    spaces.update(form_spaces)
                    drawn += form_drawn
            if drawn > MAX_DRAWING_OPS:
                raise _Refused(_("the page's drawing has more than {n} operations, a form counted each time it is "
                                 "drawn (the limit for one PDF); it is not a file poster-gen wrote, so render it "
                                 "again").format(n=_num(MAX_DRAWING_OPS, ",")))
        return spaces, drawn

    def form(xo, num: int | None, resources) -> tuple[Counter, int]:
        resources = _resolve(resources)
        keep.append(resources)
        key = (num if num is not None else id(xo), id(resources))
        if key in done:
            return done[key]
        if key in path:
            loop = [str(k[0]) for k in path[path.index(key):]] + [str(key[0])]
            raise _Refused(_("damaged PDF: its forms draw one another in a loop (objects {objects}); it would never "
                             "finish printing, so render it again").format(objects=" -> ".join(loop)))
        if len(path) >= MAX_FORM_DEPTH:
            raise _Refused(_("the page draws forms inside forms more than {n} deep (the limit for one PDF); it is not "
                             "a file poster-gen wrote, so render it again").format(n=MAX_FORM_DEPTH))
        path.append(key)
        done[key] = walk(xo, resources, num)
        path.pop()
        return done[key]

    spaces = walk(page.get_contents(), page.get("/Resources"))[0]
    return spaces, content[:MAX_CONTENT_PROBLEMS]


def _icc_damage(stream) -> str:
    """The problem of an embedded output profile unusable for a CMYK file, or ""."""
    try:
        data = stream.get_data()
    except Exception as exc:
        return _("the output intent's ICC profile does not decode ({error})").format(error=type(exc).__name__)
    if len(data) < 128 or data[36:40] != b"acsp":
        return _("the output intent's ICC profile is not an ICC profile")
    if struct.unpack(">I", data[:4])[0] != len(data):
        return _("the output intent's ICC profile is cut short")
    if data[16:20] != b"CMYK":
        return _("the output intent's ICC profile describes {space}, not CMYK").format(
            space=_short(data[16:20].decode("latin-1"), 8))
    if data[12:16] != b"prtr":
        return _("the output intent's ICC profile is not an output (printer) profile")
    return ""


def _pdf_x(reader, info, kw: dict, spaces: Counter, facts: dict) -> list[Problem]:
    version = str(info.get("/GTS_PDFXVersion", "") or "")
    if not version and "pdfx" not in kw:
        return []
    problems = []
    facts["pdfx"] = version or None
    if not version:
        problems.append(Problem(Code.PDFX, _("the file says pdfx but has no GTS_PDFXVersion in its information")))
    root = reader.trailer["/Root"].get_object()
    intents = [_resolve(i) for i in (_resolve(root.get("/OutputIntents")) or [])]
    gts = [i for i in intents if str(i.get("/S")) == "/GTS_PDFX"]
    if not gts:
        problems.append(Problem(Code.PDFX, _("PDF/X needs an OutputIntent with /S /GTS_PDFX; there is none")))
    else:
        oi = gts[0]
        facts["output_condition"] = str(oi.get("/OutputConditionIdentifier", ""))
        if not oi.get("/OutputConditionIdentifier"):
            problems.append(Problem(Code.PDFX, _("the OutputIntent has no OutputConditionIdentifier")))
        if "/DestOutputProfile" in oi:
            why = _icc_damage(_resolve(oi["/DestOutputProfile"]))
            facts["output_profile"] = "embedded" if not why else "damaged"
            if why:
                problems.append(Problem(Code.PDFX, why))
        elif not oi.get("/RegistryName"):
            why = _("the OutputIntent has neither a profile nor a registered condition")
            problems.append(Problem(Code.PDFX, why))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        problems.append(Problem(Code.PDFX, _("PDF/X needs /Trapped True or False in the document information")))
    if version.startswith("PDF/X-1"):
        bad = sorted(s for s in spaces if s not in CMYK_SPACES | {"DeviceGray"})
        if bad:
            why = _("PDF/X-1a allows CMYK, gray and spot colours only; it uses {spaces}").format(spaces=", ".join(bad))
            problems.append(Problem(Code.PDFX, why))
        if version == "PDF/X-1:2001" and reader.pdf_header > "%PDF-1.3":
            why = _("PDF/X-1a:2001 needs PDF 1.3; the file is {version}").format(version=reader.pdf_header[1:])
            problems.append(Problem(Code.PDFX, why))
    if "/ID" not in reader.trailer:
        problems.append(Problem(Code.PDFX, _("PDF/X needs a file identifier (/ID) in the trailer")))
    return problems


# ---------------------------------------------------------------------------
# PNG


def _is_srgb_profile(body: bytes) -> bool:
    """An iCCP chunk (name, NUL, method 0, deflated ICC profile) that embeds an sRGB profile."""
    name, _sep, rest = body.partition(b"\x00")
    if not rest or rest[0] != 0:
        return False
    try:
        profile = zlib.decompressobj().decompress(rest[1:], 1 << 20)  # an sRGB profile is a few KB
    except zlib.error:
        return False
    return len(profile) >= 132 and profile[36:40] == b"acsp" and profile[16:20] == b"RGB " and (
        b"sRGB" in name or b"sRGB" in profile or "sRGB".encode("utf-16-be") in profile)


@dataclass(frozen=True)
class PngInfo:
    width: int
    height: int
    bit_depth: int
    color_type: int
    interlace: int
    dpi: float | None
    srgb: bool
    text: dict


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_CHUNK_SIZES = {b"IHDR": 13, b"pHYs": 9, b"sRGB": 1, b"IEND": 0}
_KEPT_CHUNKS = {b"IHDR", b"pHYs", b"sRGB", b"iCCP", b"tEXt", b"iTXt"}  # read into memory and parsed
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_data_size(width: int, height: int, bit_depth: int, color_type: int, interlace: int) -> int:
    """How many bytes a PNG's image data inflates to: rows of pixels, each after a filter byte."""
    bits = _CHANNELS[color_type] * bit_depth

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w > 0 and h > 0 else 0

    if interlace == 0:
        return rows(width, height)
    return sum(rows((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy) for x0, y0, dx, dy in _ADAM7)


class _PngStop(Exception):
    """The PNG cannot be read further: its message is the problem."""


def _inflate_text(data: bytes) -> bytes:
    """A compressed iTXt value, at most MAX_PNG_TEXT_BYTES (ValueError beyond, zlib.error if damaged)."""
    try:
        out, _size, ended = _inflate(data, MAX_PNG_TEXT_BYTES, keep=True)
    except _TooBig:
        raise ValueError from None  # too large: the caller reports the chunk as unreadable
    if not ended:
        raise ValueError  # cut short
    return out


def read_png(path: Path, verify_data: bool = True) -> tuple[PngInfo | None, list[Problem]]:
    """Walk a PNG's chunks (CRCs checked), inflate its image data to check it is complete.

    Whatever the file holds, this returns: damage, truncation and sizes
    beyond the limits (MAX_PNG_CHUNKS chunks, MAX_PNG_TEXT_BYTES of metadata,
    MAX_PIXELS pixels, image data inflating past what IHDR says) are
    problems with code "read"; an unreadable iTXt is a "metadata" problem.
    The PngInfo is None when there is no valid IHDR. Only a file that cannot
    be opened raises (PosterGenError). Memory stays within a few MB: chunks are
    read and inflated in pieces. The image data is inflated (``verify_data``)
    only for the 8-bit RGB and palette PNGs poster-gen writes; others fail on
    their colour type anyway.
    """
    problems: list[Problem] = []
    text: dict[str, str] = {}
    ihdr: tuple[int, ...] | None = None
    dpi = None
    srgb = False
    seen_iend = False
    stopped = False
    inflater = zlib.decompressobj()
    raw = expected = 0
    inflating = False
    data_problem: Problem | None = None
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise PosterGenError(
            _("{path}: cannot read it ({reason}); check the path").format(path=path, reason=exc.strerror)
        ) from None
    with fh:
        if fh.read(8) != PNG_SIGNATURE:
            return None, [Problem(Code.READ, _("not a PNG (wrong signature)"))]
        offset = 8
        chunks = kept = 0
        try:
            while True:
                head = fh.read(8)
                if not head:
                    break
                if len(head) < 8:
                    raise _PngStop(_("truncated: the file ends inside a chunk header at byte {offset}").format(
                        offset=offset))
                length, kind = struct.unpack(">I4s", head)
                name = kind.decode("latin-1")
                chunks += 1
                if chunks > MAX_PNG_CHUNKS:
                    raise _PngStop(_("the PNG has more than {n} chunks (the limit for one PNG); it is not a file "
                                     "poster-gen wrote, so render it again").format(n=_num(MAX_PNG_CHUNKS, ",")))
                if not kind.isalpha():
                    raise _PngStop(_("damaged PNG: no chunk name at byte {offset}; render it again").format(
                        offset=offset))
                if length > 0x7FFFFFFF:
                    raise _PngStop(_("damaged PNG: the {chunk} chunk at byte {offset} claims {length} bytes; render it "
                                     "again").format(chunk=name, offset=offset, length=length))
                if ihdr is None and kind != b"IHDR":
                    raise _PngStop(_("damaged PNG: the first chunk is {chunk}, not IHDR; render it again").format(
                        chunk=name))
                if ihdr is not None and kind == b"IHDR":
                    raise _PngStop(_("damaged PNG: a second IHDR chunk at byte {offset}; render it again").format(
                        offset=offset))
                if kind in _CHUNK_SIZES and length != _CHUNK_SIZES[kind]:
                    raise _PngStop(_("damaged PNG: the {chunk} chunk is {length} bytes, expected {expected}; render it "
                                     "again").format(chunk=name, length=length, expected=_CHUNK_SIZES[kind]))
                keep = kind in _KEPT_CHUNKS
                kept += length if keep else 0
                if kept > MAX_PNG_TEXT_BYTES:
                    raise _PngStop(_("the PNG's metadata reaches {mb} MB at the {chunk} chunk at byte {offset}, over "
                                     "the {limit} MB limit; render it again").format(
                        mb=_num(kept / _MB, ".1f"), chunk=name, offset=offset,
                        limit=_num(MAX_PNG_TEXT_BYTES / _MB, ".0f")))
                body = bytearray()
                crc = zlib.crc32(kind)
                left = length
                while left:
                    piece = fh.read(min(left, _PIECE))
                    if not piece:
                        break
                    left -= len(piece)
                    crc = zlib.crc32(piece, crc)
                    if keep:
                        body += piece
                    elif kind == b"IDAT" and inflating:
                        # the image data is inflated as it is read: its size is bounded by what IHDR says
                        try:
                            raw += _feed(inflater, piece, expected - raw)
                        except _TooBig:
                            why = _("damaged PNG: its image data inflates to more than the {size} bytes its IHDR "
                                    "says; render it again").format(size=_num(expected, ","))
                            data_problem = Problem(Code.READ, why)
                            inflating = False
                        except zlib.error as exc:
                            data_problem = Problem(Code.READ, _("damaged image data ({error})").format(error=exc))
                            inflating = False
                stored = fh.read(4)
                if left or len(stored) < 4:
                    raise _PngStop(_("truncated: the {chunk} chunk at byte {offset} is cut short").format(
                        chunk=name, offset=offset))
                if struct.unpack(">I", stored)[0] != crc:
                    raise _PngStop(_("damaged: the {chunk} chunk at byte {offset} fails its CRC").format(
                        chunk=name, offset=offset))
                if data_problem is not None:  # only now: a CRC failure is the better explanation
                    problems.append(data_problem)
                    data_problem = None
                offset += 12 + length
                if kind == b"IHDR":
                    ihdr = _png_header(bytes(body))
                    w, h, depth, ctype, _c, _f, interlace = ihdr
                    expected = _png_data_size(w, h, depth, ctype, interlace)
                    inflating = verify_data and depth == 8 and ctype in (2, 3)
                elif kind == b"pHYs":
                    ppx, ppy, unit = struct.unpack(">IIB", body)
                    if unit == 1:
                        dpi = ppx * 0.0254 if ppx == ppy and ppx > 0 else None
                        if ppx != ppy:
                            why = _("pHYs gives different horizontal and vertical resolutions")
                            problems.append(Problem(Code.DPI, why))
                elif kind == b"sRGB":
                    srgb = True
                elif kind == b"iCCP":
                    srgb = srgb or _is_srgb_profile(bytes(body))
                elif kind == b"tEXt":
                    k, _sep, v = bytes(body).partition(b"\x00")
                    text[k.decode("latin-1")] = v.decode("latin-1")
                elif kind == b"iTXt":
                    _read_itxt(bytes(body), text, problems)
                elif kind == b"IEND":
                    seen_iend = True
                    if fh.read(1):
                        problems.append(Problem(Code.READ, _("bytes after the end of the image (IEND)"), WARNING))
                    break
        except _PngStop as exc:
            problems.append(Problem(Code.READ, str(exc)))
            stopped = True
        except OSError as exc:
            why = _("cannot read the whole file ({reason}); copy it again").format(reason=exc.strerror)
            problems.append(Problem(Code.READ, why))
            stopped = True
    if ihdr is None:
        if not stopped:
            problems.append(Problem(Code.READ, _("no IHDR chunk: not a readable PNG")))
        return None, problems
    w, h, depth, ctype, _comp, _filt, interlace = ihdr
    if not seen_iend and not stopped:
        problems.append(Problem(Code.READ, _("truncated: no IEND chunk at the end")))
    if inflating and not problems:
        if not inflater.eof or raw != expected:
            why = _("incomplete image data: {size} of {expected} bytes; render it again").format(size=raw,
                                                                                                 expected=expected)
            problems.append(Problem(Code.READ, why))
    return PngInfo(w, h, depth, ctype, interlace, dpi, srgb, text), problems


def _png_header(body: bytes) -> tuple[int, ...]:
    """The IHDR fields, if they make a PNG poster-gen could have written the size of (_PngStop otherwise)."""
    w, h, depth, ctype, comp, filt, interlace = fields = struct.unpack(">IIBBBBB", body)
    if not (0 < w <= 0x7FFFFFFF and 0 < h <= 0x7FFFFFFF) or depth not in _BIT_DEPTHS.get(ctype, ()) or comp or filt \
            or interlace > 1:
        raise _PngStop(_("damaged PNG: its IHDR ({width} x {height} px, {depth}-bit colour type {type}, compression "
                         "{compression}, filter {filter}, interlace {interlace}) does not describe a PNG; render it "
                         "again").format(width=w, height=h, depth=depth, type=ctype, compression=comp, filter=filt,
                                         interlace=interlace))
    if w * h > MAX_PIXELS:
        raise _PngStop(_("the PNG is {width} x {height} px, over the {limit} Mpx limit of poster-gen; check that it is "
                         "the right file").format(width=w, height=h, limit=_num(MAX_PIXELS / 1e6, ",.0f")))
    return fields


def _feed(inflater, data: bytes, room: int) -> int:
    """Inflate one piece of image data; how many bytes it gave. _TooBig past ``room`` bytes."""
    size = 0
    while True:
        out = inflater.decompress(data, _PIECE * 4)
        size += len(out)
        if size > room:
            raise _TooBig
        data = inflater.unconsumed_tail
        if not data and len(out) < _PIECE * 4:
            return size


def _read_itxt(body: bytes, text: dict[str, str], problems: list[Problem]) -> None:
    """keyword NUL compression-flag method language NUL translated-keyword NUL value."""
    k, sep, rest = body.partition(b"\x00")
    key = k.decode("latin-1")
    try:
        if not sep or len(rest) < 2:
            raise ValueError  # too short: reported as unreadable below
        comp, rest = rest[0], rest[2:]
        _lang, _sep, rest = rest.partition(b"\x00")
        _tk, _sep, value = rest.partition(b"\x00")
        text[key] = (_inflate_text(value) if comp else value).decode("utf-8")
    except (zlib.error, ValueError):  # UnicodeDecodeError is a ValueError
        problems.append(Problem(Code.METADATA, _("the iTXt chunk '{key}' is unreadable").format(key=_short(key, 80))))


def _check_png(path: Path, campaign: Campaign | None) -> FileCheck:
    try:
        return _png_checks(path, campaign)
    except PosterGenError:
        raise
    except MemoryError:
        why = _("damaged PNG: reading it ran out of memory; render it again")
        return FileCheck(str(path), "png", (Problem(Code.READ, why),))
    except Exception as exc:  # a case read_png does not foresee: still a file problem, not a traceback
        why = _("damaged PNG ({error}); render it again").format(error=f"{type(exc).__name__}: {_short(exc)}")
        return FileCheck(str(path), "png", (Problem(Code.READ, why),))


def _png_checks(path: Path, campaign: Campaign | None) -> FileCheck:
    info, problems = read_png(path)
    facts: dict = {"bytes": path.stat().st_size}
    if info is None or any(p.code == "read" and p.severity == "error" for p in problems):
        return FileCheck(str(path), "png", tuple(problems), facts=facts)
    facts.update(width_px=info.width, height_px=info.height)
    if (info.bit_depth, info.color_type) not in ((8, 2), (8, 3)):
        why = _("colour type {type} at {depth} bits; expected 8-bit RGB").format(type=info.color_type,
                                                                                 depth=info.bit_depth)
        problems.append(Problem(Code.PNG, why))
    if not info.srgb:
        problems.append(Problem(Code.PNG, _("no sRGB chunk or sRGB profile: the colours are not tagged sRGB")))
    kw = parse_keywords(info.text.get("Keywords", ""))
    for k in ("unit", "slogan", "size", "design"):
        if k in kw:
            facts[k] = kw[k]
    if info.dpi is None:
        problems.append(Problem(Code.DPI, _("no pHYs chunk in metres: the PNG does not say its dpi")))
        return FileCheck(str(path), "png", tuple(problems), facts=facts)
    dpi = info.dpi
    facts["dpi"] = round(dpi) if abs(dpi - round(dpi)) < 0.05 else round(dpi, 2)
    claimed_dpi = _float(kw.get("dpi"))
    if claimed_dpi is not None and abs(claimed_dpi - dpi) > 0.5:
        why = _("pHYs says {dpi} dpi but the file was made at {made} dpi").format(dpi=_num(dpi, ".0f"),
                                                                                  made=_num(claimed_dpi, "g"))
        problems.append(Problem(Code.DPI, why))
    w_mm, h_mm = _float(kw.get("width_mm")), _float(kw.get("height_mm"))
    with_bleed = kw.get("bleed") == "yes"
    claims, cp = _size_claims({k: v for k, v in kw.items() if k in ("size", "hem_mm")})
    problems += cp
    if w_mm is None or h_mm is None:
        if claims:
            c = claims[0]
            extra = 2 * c.bleed_mm if with_bleed else 0.0
            w_mm, h_mm = c.width_mm + extra, c.height_mm + extra
        else:
            why = _("no physical size (width_mm/height_mm or size=) in the PNG's Keywords")
            problems.append(Problem(Code.SIZE, why))
            return FileCheck(str(path), "png", tuple(problems), facts=facts)
    facts.update(width_mm=w_mm, height_mm=h_mm)
    ew, eh = px(w_mm, round(dpi)), px(h_mm, round(dpi))
    if abs(info.width - ew) > TOL_PX or abs(info.height - eh) > TOL_PX:
        why = _("{width} x {height} px is not {width_mm} x {height_mm} mm at {dpi} dpi ({expected_width} x "
                "{expected_height} px)").format(width=info.width, height=info.height, width_mm=_fmt_mm(w_mm),
                                                height_mm=_fmt_mm(h_mm), dpi=_num(dpi, ".0f"), expected_width=ew,
                                                expected_height=eh)
        problems.append(Problem(Code.SIZE, why))
    for c in claims:
        extra = 2 * c.bleed_mm if with_bleed else 0.0
        if abs(c.width_mm + extra - w_mm) > TOL_MM or abs(c.height_mm + extra - h_mm) > TOL_MM:
            why = _("the PNG says {width} x {height} mm but size {source} is {claimed_width} x {claimed_height} mm")
            why = why.format(width=_fmt_mm(w_mm), height=_fmt_mm(h_mm), source=c.source,
                             claimed_width=_fmt_mm(c.width_mm + extra), claimed_height=_fmt_mm(c.height_mm + extra))
            problems.append(Problem(Code.SIZE, why))
    draft, _slogan, sp = _slogan_problems(kw, info.text.get("Description", ""), campaign)
    problems += sp
    return FileCheck(str(path), "png", tuple(problems), draft=draft, facts=facts)


# ---------------------------------------------------------------------------
# the readable report


def _describe(r: FileCheck) -> str:
    """What a file that passes is, in a few words: the list after its name in the report."""
    f = r.facts
    bits = [r.kind]
    if "size" in f:
        bits.append(str(f["size"]))
    if r.kind == "pdf" and "trim_mm" in f:
        w, h = f["trim_mm"]
        bits.append(_("{width} x {height} mm + {bleed} mm bleed").format(
            width=_fmt_mm(w), height=_fmt_mm(h), bleed=_fmt_mm(f.get("bleed_mm", 0))))
    if r.kind == "png" and "width_px" in f:
        if "dpi" in f:
            bits.append(_("{width} x {height} px at {dpi} dpi").format(
                width=f["width_px"], height=f["height_px"], dpi=_num(f['dpi'], "g")))
        else:
            bits.append(f"{f['width_px']} x {f['height_px']} px")
    if "color" in f:
        bits.append(str(f["color"]).upper())
    if f.get("pdfx"):
        bits.append(str(f["pdfx"]))
    if "slogan" in f:
        bits.append(_("slogan {id}").format(id=f["slogan"]))
    return ", ".join(bits)


def summary_line(results: list[FileCheck]) -> str:
    n = len(results)
    counts = {k: sum(r.status == k for r in results) for k in ("pass", "draft", "fail")}
    return ngettext("checked {n} file: {passed} passed, {draft} draft, {failed} failed",
                    "checked {n} files: {passed} passed, {draft} draft, {failed} failed", n).format(
        n=n, passed=counts["pass"], draft=counts["draft"], failed=counts["fail"])


def format_report(results: list[FileCheck], summary: bool = True) -> str:
    """One line per file that passes, one line per problem otherwise, and a summary.

    Each line is one whole message, so a translation can pad its status word to line up.
    """
    out = []
    for r in results:
        if r.errors:
            out += [_("FAIL  {file}: {problem}").format(file=r.path, problem=p.message) for p in r.errors]
        elif r.status == "draft":
            out.append(_("draft {file} ({description})").format(file=r.path, description=_describe(r)))
        else:
            out.append(_("ok    {file} ({description})").format(file=r.path, description=_describe(r)))
        out += [_("warn  {file}: {problem}").format(file=r.path, problem=p.message) for p in r.warnings]
    if summary:
        out.append(summary_line(results))
    return "\n".join(out)


def report_json(results: list[FileCheck]) -> dict:
    return {
        "files": [r.to_dict() for r in results],
        "passed": sum(r.status == "pass" for r in results),
        "draft": sum(r.status == "draft" for r in results),
        "failed": sum(r.status == "fail" for r in results),
    }
