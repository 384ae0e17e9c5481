"""One zip per unit, to send over chat or e-mail: ``OUT/bundles/<unit>.zip``.

Each bundle holds the unit's print files (as OUT/manifest.json lists them), a small JPEG
preview of each artwork (``xem-truoc/<name>.jpg``, at most PREVIEW_LONG_SIDE_PX on the long
side) and a note in Vietnamese (``HUONG-DAN.txt``) saying which file goes to the print shop, at
what size, how many copies, with what bleed or hem.

- **What a Windows user opens.** Names inside the zip are short and ASCII (letters, digits,
  ``-``, ``_``, ``.``), so Windows Explorer's own zip folder shows them right whatever its code
  page; the note is UTF-8 with a byte-order mark and CRLF line ends, lines wrapped, as Notepad
  wants. The note is Vietnamese whatever ``--lang`` (it is for the unit and its print shop);
  a source checkout without compiled catalogs writes it in English.
- **Same input, same bytes.** Entries in a fixed order (the note, the print files by name, the
  previews by name), every entry dated 1980-01-01 00:00 (the zip format's first day: a date from
  the files' mtimes would change the bytes on every re-render), Unix permissions 0644, no extra
  fields, deflate at zlib's default level 6 (JPEG previews stored). Deflate is deterministic for
  one zlib: the bytes are the same on one installation, not across every zlib build.
- **Why deflate.** The print PNGs are written fast (zlib level 3): deflating them again saves
  about a third; the PDFs about a tenth; the previews nothing (stored).
- **Re-runs.** ``bundles/index.json`` records each bundle's digest: the note's bytes, each print
  file's SHA-256 and each preview's key. A bundle whose digest is unchanged, and whose zip is
  still the one written, is kept as it is. Previews are kept in ``bundles/_previews/<key>.jpg``;
  the key is the SHA-256 of the file the preview is drawn from (and of how it is drawn), so an
  unchanged artwork is never drawn again.
- **Scale.** The manifest is read one artwork at a time, each kept as a small record (``_Art``);
  the units are bundled UNITS_AT_ONCE at a time (planned, their missing previews drawn, their zips
  written, then let go), so a national batch of 3,321 units is bundled in bounded memory.
- **Previews** are drawn from the PNG when there is one (the print file itself, shrunk in strips:
  memory is one byte a pixel for a palette PNG); otherwise, or when the PNG is too large to
  decode (MAX_PNG_DECODE_BYTES), from the artwork's scene, composed again from the campaign.
- **The output folder is a boundary.** The manifest is read as a stranger's: every file must lie
  inside OUT (``output.inside``), links are refused, sizes are bounded. A zip is written
  atomically and replaced only when poster-gen made it (its archive comment says so); bundles of
  units no longer in the manifest are removed only when the index lists them and they are ours.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import math
import os
import re
import stat
import textwrap
import zipfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from poster_gen.errors import OutputError, PosterGenError
from poster_gen.i18n import DOMAIN, LOCALE_DIR, N_, _, language, set_language
from poster_gen.output import (
    MAKER_MARK,
    ZIP_COMMENT,
    atomic_write,
    inside,
    made_by_us,
    remove_stale_temps,
)
from poster_gen.records import ManifestEntry

BUNDLES_DIR = "bundles"
INDEX = "index.json"
PREVIEW_CACHE = "_previews"  # inside BUNDLES_DIR
NOTE_NAME = "HUONG-DAN.txt"  # "hướng dẫn": the instructions
PREVIEW_FOLDER = "xem-truoc"  # "xem trước": preview
PREVIEW_LONG_SIDE_PX = 1600
PREVIEW_QUALITY = 80
# A warning above this size: what the common mail services take as attachments (Outlook 20 MB,
# Gmail 25 MB); chat apps take more, but a unit on a slow connection waits for every megabyte.
DEFAULT_MAX_MB = 20.0
NOTE_LANGUAGE = "vi"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644
FORMAT = 1  # the bundle's layout; part of every digest, so a change of layout remakes the bundles
PREVIEW_VERSION = 1  # how previews are drawn; part of every preview key
MAX_PNG_DECODE_BYTES = 400_000_000  # a PNG decoded for a preview; a larger one is drawn from its scene
MAX_PRINT_FILE_BYTES = 4_000_000_000  # one print file in a bundle
MAX_INDEX_BYTES = 64 * 1024 * 1024
NOTE_WIDTH = 90  # characters a line of the note, for Notepad (which does not wrap by default)
UNITS_AT_ONCE = 64  # units planned, their previews drawn and their zips written together

_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_KEY = re.compile(r"^[0-9a-f]{64}$")
_KIND_ORDER = ("pano", "ap-phich", "bieu-ngu", "phuon")
_FORMAT_ORDER = ("pdf", "png", "tiff", "jpg")
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "I;16B": 2, "RGB": 3, "RGBA": 4, "CMYK": 4}


# ---- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """One unit's zip as this run left it."""

    unit: str
    path: Path
    bytes: int
    made: bool  # written by this run (False: up to date, kept)
    entries: tuple[tuple[str, int], ...]  # (name in the zip, stored bytes), in zip order


@dataclass
class BundleReport:
    folder: Path
    max_bytes: int
    bundles: list[Bundle] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (unit, why)
    removed: list[str] = field(default_factory=list)  # units whose bundle was removed (no longer in the manifest)
    previews_made: int = 0
    previews_reused: int = 0

    @property
    def made(self) -> list[Bundle]:
        return [b for b in self.bundles if b.made]

    @property
    def kept(self) -> list[Bundle]:
        return [b for b in self.bundles if not b.made]

    @property
    def over(self) -> list[Bundle]:
        return [b for b in self.bundles if self.max_bytes and b.bytes > self.max_bytes]

    @property
    def largest(self) -> Bundle | None:
        return max(self.bundles, key=lambda b: (b.bytes, b.unit), default=None)


@dataclass(frozen=True)
class _Member:
    """One entry to write: from a file (``source``) or from bytes (``data``)."""

    name: str
    sha256: str
    size: int
    compress: int
    source: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class _Preview:
    key: str
    name: str  # in the zip
    png: Path | None  # draw from this PNG, else from the scene
    entry: _Art


class _UnitFailed(Exception):
    """This unit's bundle cannot be made (the others can): one line, in the user's language."""


# ---- the note -------------------------------------------------------------------------------

_T_TITLE = N_("PRINT FILES OF {unit}")
_T_CAMPAIGN = N_("Campaign: {name}")
_T_SEND_PDF = N_("Send the PDF files to the print shop. Each PDF is one artwork at its finished size, ready to "
                 "print; tell the shop the size and the number of copies listed below.")
_T_SEND_OTHER = N_("Send the files listed below to the print shop, with the size and the number of copies of each.")
_T_RASTER = N_("The {formats} files are the same artworks as pictures, for a shop that does not take PDF.")
_T_PREVIEWS = N_("The pictures in the folder {folder} are small previews to look at on a phone or to forward in a "
                 "chat; do not print them.")
_T_ITEM = N_("{number}. {file}: {kind}, finished size {size}, copies: {copies}")
_T_SLOGAN = N_("Slogan: {text}")
_T_BLEED = N_("Bleed: {bleed} mm on every side beyond the finished size in the PDF, trimmed off after printing.")
_T_HEM = N_("Hem: {hem} of material on every side beyond the finished size, for sewing or eyelets; the printed "
            "sheet is {sheet}.")
_T_EXACT = N_("No bleed and no hem: the file is exactly the finished size.")
_T_ALSO = N_("Also as {format}: {file}")
_T_ALSO_DPI = N_("Also as {format}: {file}, {dpi} dpi")
_T_PREVIEW = N_("Preview: {file}")
_T_TOTAL = N_("In all: {artworks} artworks, {copies} copies to print.")


def _catalog(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])
    except OSError:  # no compiled catalog (a source checkout without a build): English
        return gettext.NullTranslations()


def _number(value: float, decimal: str) -> str:
    text = f"{round(value, 3):g}"
    return text.replace(".", decimal)


def size_text(width_mm: float, height_mm: float, decimal: str = ",") -> str:
    """A finished size as a print shop says it: metres from 1 m up, else centimetres ("3 x 2 m", "54 x 79 cm")."""
    if max(width_mm, height_mm) >= 1000:
        return f"{_number(width_mm / 1000, decimal)} x {_number(height_mm / 1000, decimal)} m"
    return f"{_number(width_mm / 10, decimal)} x {_number(height_mm / 10, decimal)} cm"


def _length_text(mm: float, decimal: str) -> str:
    return f"{_number(mm / 10, decimal)} cm" if mm >= 10 else f"{_number(mm, decimal)} mm"


@dataclass(frozen=True)
class _Item:
    """One artwork of a unit, as the note describes it."""

    entry: _Art
    files: tuple[tuple[str, str], ...]  # (format, name in the zip), the main file first
    preview: str  # name in the zip
    bleed_mm: float | None
    hem_mm: float | None  # None: not known (an old manifest)
    slogan: str = ""


def _wrap(text: str, indent: str = "", width: int = NOTE_WIDTH, hang: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` characters; the second and later ones start with ``hang``."""
    if text and len(indent) + len(text) <= width and text.isprintable() and not text[-1].isspace():
        return [indent + text]  # one line, as textwrap gives it (60,000 artworks' notes have 250,000 such)
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent if hang is None else hang,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def _wrapper(memo: dict | None):
    """``_wrap``, remembering in ``memo`` what it wrapped with textwrap (a run's notes repeat their long
    lines: the same slogans, the same bleed, in every unit)."""
    if memo is None:
        return _wrap

    def wrap(text: str, indent: str = "", width: int = NOTE_WIDTH, hang: str | None = None) -> list[str]:
        if len(indent) + len(text) <= width:
            return _wrap(text, indent, width, hang)
        key = (text, indent, width, hang)
        got = memo.get(key)
        if got is None:
            got = memo[key] = _wrap(text, indent, width, hang)
        return got

    return wrap


def note_text(unit_label: str, campaign_name: str, items: list[_Item], lang: str = NOTE_LANGUAGE,
              memo: dict | None = None) -> bytes:
    """The note of one bundle: UTF-8 with a byte-order mark, CRLF line ends (Notepad). ``memo``: a dict
    the run keeps, so that a line wrapped for one unit's note is not wrapped again for the next."""
    wrap = _wrapper(memo)
    from poster_gen.sizes import KINDS

    tr = _catalog(lang)
    t = tr.gettext
    dec = "," if isinstance(tr, gettext.GNUTranslations) and lang == "vi" else "."
    lines = [t(_T_TITLE).format(unit=unit_label)]
    if campaign_name:
        lines += wrap(t(_T_CAMPAIGN).format(name=campaign_name))
    lines.append("")
    has_pdf = any(fmt == "pdf" for it in items for fmt, _n in it.files)
    lines += wrap(t(_T_SEND_PDF) if has_pdf else t(_T_SEND_OTHER))
    rasters = sorted({fmt for it in items for fmt, _n in it.files if fmt != "pdf"},
                     key=lambda f: (_FORMAT_ORDER.index(f) if f in _FORMAT_ORDER else 9, f))
    if has_pdf and rasters:
        lines += wrap(t(_T_RASTER).format(formats=", ".join(f.upper() for f in rasters)))
    lines += wrap(t(_T_PREVIEWS).format(folder=PREVIEW_FOLDER + "/"))
    lines.append("")
    sub = "   "
    for number, it in enumerate(items, 1):
        e = it.entry
        kind = t(KINDS[e.kind]) if e.kind in KINDS else e.kind
        main_fmt, main = it.files[0]
        lines += wrap(t(_T_ITEM).format(number=number, file=main, kind=kind,
                                         size=size_text(e.width_mm, e.height_mm, dec), copies=e.copies),
                       hang=sub)
        if it.slogan:
            lines += wrap(t(_T_SLOGAN).format(text=it.slogan), sub)
        if it.hem_mm:
            sheet = size_text(e.width_mm + 2 * it.hem_mm, e.height_mm + 2 * it.hem_mm, dec)
            lines += wrap(t(_T_HEM).format(hem=_length_text(it.hem_mm, dec), sheet=sheet), sub)
        if it.bleed_mm and main_fmt == "pdf":
            lines += wrap(t(_T_BLEED).format(bleed=_number(it.bleed_mm, dec)), sub)
        if it.bleed_mm == 0 and it.hem_mm == 0:
            lines += wrap(t(_T_EXACT), sub)
        for fmt, name in it.files[1:]:
            if fmt in ("png", "tiff", "jpg") and e.dpi:
                lines += wrap(t(_T_ALSO_DPI).format(format=fmt.upper(), file=name, dpi=e.dpi), sub)
            else:
                lines += wrap(t(_T_ALSO).format(format=fmt.upper(), file=name), sub)
        lines += wrap(t(_T_PREVIEW).format(file=it.preview), sub)
        lines.append("")
    lines += wrap(t(_T_TOTAL).format(artworks=len(items), copies=sum(it.entry.copies for it in items)))
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8")


# ---- reading the manifest -------------------------------------------------------------------


class _Art(NamedTuple):
    """One artwork as a bundle needs it: its files and what the note says of it (60,000 of these are held
    while the units are bundled one after another, not 60,000 whole manifest entries). Its fields are
    named as those of a ``records.ManifestEntry``."""

    unit: str
    slogan: str
    size: str
    design: str
    kind: str
    files: dict[str, str]
    width_mm: float
    height_mm: float
    bleed_mm: float | None
    hem_mm: float
    dpi: int | None
    copies: int
    lines: tuple[str, ...]
    version: int


def _by_unit(out: Path) -> dict[str, list[_Art]]:
    """The artworks of OUT/manifest.json by unit, read one at a time; the manifest's shape is checked by
    batch's reader (see ``_manifest_rows``), each unit id here."""
    from poster_gen.batch import MANIFEST

    path = out / MANIFEST
    if path.is_symlink():
        raise PosterGenError(_("{path} is a link; poster-gen reads only a manifest inside the output folder").format(
            path=path))
    by_unit: dict[str, list[_Art]] = {}
    memo: dict = {}
    n = 0
    for raw in _manifest_rows(path):
        n += 1
        e = ManifestEntry.from_dict(raw)
        if not _ID.match(e.unit):
            raise PosterGenError(
                _("{path}: artwork {number} has the unit id {unit}, which cannot name a file; the manifest was edited "
                  "or damaged: run 'poster-gen batch --out {out}' again").format(
                    path=path, number=n, unit=json.dumps(e.unit[:80], ensure_ascii=False), out=out))
        s = memo.setdefault
        by_unit.setdefault(s(e.unit, e.unit), []).append(_Art(
            unit=s(e.unit, e.unit), slogan=s(e.slogan, e.slogan), size=s(e.size, e.size), design=s(e.design, e.design),
            kind=s(e.kind, e.kind), files=e.files, width_mm=e.width_mm, height_mm=e.height_mm, bleed_mm=e.bleed_mm,
            hem_mm=e.hem_mm, dpi=e.dpi, copies=e.copies, lines=s(e.lines, e.lines), version=e.version))
    if not n:
        raise PosterGenError(_("{path}: no artworks to bundle; run 'poster-gen batch --out {out}' first").format(
            path=path, out=out))
    return by_unit


def _manifest_rows(path: Path):
    """The tables of a manifest's artworks, each checked, one at a time. batch reads its manifest so
    (``_open_manifest(path).rows()``) but has no public name for it yet; this is the one place here that
    relies on it. A damaged manifest or another program's: ManifestError."""
    from poster_gen.batch import _open_manifest

    m = _open_manifest(path)
    if m is not None:
        for raw, _line in m.rows():
            yield raw


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _artwork_order(e: _Art) -> tuple:
    kind = _KIND_ORDER.index(e.kind) if e.kind in _KIND_ORDER else len(_KIND_ORDER)
    return (kind, _natural(e.size), _natural(e.slogan), e.design)


def _zip_name(rel: str) -> str:
    """A print file's name in the zip: its file name, in letters, digits, '-', '_' and '.' only."""
    name = PurePosixPath(rel).name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = _UNSAFE.sub("-", stem).strip(".-") or "file"
    ext = _UNSAFE.sub("", ext).lower()
    return f"{stem[:80]}.{ext}" if ext else stem[:80]


# ---- files: inside OUT, no links, bounded -----------------------------------------------------


def _print_file(out: Path, rel: str) -> Path:
    """The file ``rel`` of the manifest, when it is a regular file inside OUT reached through no link."""
    try:
        path = inside(out, rel)
    except OutputError as exc:
        raise _UnitFailed(str(exc)) from None
    here = out
    for part in PurePosixPath(rel).parts:
        here = here / part
        if here.is_symlink():
            raise _UnitFailed(_("{path} is a link; poster-gen bundles only files inside the output folder, never "
                                "through a link").format(path=here))
    try:
        st = path.stat()
    except OSError:
        raise _UnitFailed(_("{path} is missing; run 'poster-gen batch --out {out}' again to make it").format(
            path=path, out=out)) from None
    if not stat.S_ISREG(st.st_mode):
        raise _UnitFailed(_("{path} is not a file; the manifest lists it as a print file: run 'poster-gen batch --out "
                            "{out}' again").format(path=path, out=out))
    if st.st_size > MAX_PRINT_FILE_BYTES:
        raise _UnitFailed(_("{path}: {size} MB is over the {limit} MB limit for a file in a bundle").format(
            path=path, size=f"{st.st_size / 1e6:.0f}", limit=f"{MAX_PRINT_FILE_BYTES / 1e6:.0f}"))
    return path


class _Memo:
    """What a run works out once for all its units: whether each folder of print files lies inside OUT
    (60,000 files lie in 3,321 folders), and the notes' long lines as wrapped (``note_text``).

    ``path`` checks a print file as ``_print_file`` does: a file that is anything but a plain file in a
    folder known to be sound goes through every check again, which says what is wrong with it."""

    def __init__(self, out: Path):
        self.out = out
        self.folders: dict[str, bool] = {}  # folder of OUT -> it lies inside OUT, reached through no link
        self.wraps: dict = {}

    def path(self, rel: str) -> Path:
        r = PurePosixPath(rel)
        if not r.is_absolute() and ".." not in r.parts and "\\" not in rel:
            folder = str(r.parent)
            ok = self.folders.get(folder)
            if ok is None:
                ok = self.folders[folder] = self._folder_ok(r.parent)
            if ok:
                path = self.out / rel
                try:
                    st = os.lstat(path)
                except OSError:
                    st = None
                if st is not None and stat.S_ISREG(st.st_mode) and st.st_size <= MAX_PRINT_FILE_BYTES:
                    return path
        return _print_file(self.out, rel)

    def _folder_ok(self, folder: PurePosixPath) -> bool:
        if not folder.parts:
            return True
        try:
            inside(self.out, str(folder))
        except OutputError:
            return False
        here = self.out
        for part in folder.parts:
            here = here / part
            if here.is_symlink():
                return False
        return True


def _open_file(path: Path):
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags), "rb")


class _Digests:
    """SHA-256 of files, remembered by (size, mtime, inode) between runs (``index.json``)."""

    def __init__(self, out: Path, known: dict):
        self.out = out
        self.known = known
        self.seen: dict[str, list] = {}

    def sha256(self, rel: str, path: Path) -> tuple[str, int]:
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        old = self.known.get(rel)
        if isinstance(old, list) and len(old) == 4 and old[:3] == stamp and isinstance(old[3], str) and _KEY.match(old[3]):
            digest = old[3]
        else:
            h = hashlib.sha256()
            try:
                with _open_file(path) as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
            except OSError as exc:
                raise _UnitFailed(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)) from None
            digest = h.hexdigest()
        self.seen[rel] = [*stamp, digest]
        return digest, st.st_size


# ---- previews ----------------------------------------------------------------------------------


@contextmanager
def _pillow_limit():
    """Pillow refuses images over its own decompression-bomb size; ours is the size poster-gen writes at most."""
    from PIL import Image

    from poster_gen.sizes import MAX_PIXELS

    before = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        yield Image
    finally:
        Image.MAX_IMAGE_PIXELS = before


def _png_header(path: Path) -> tuple[int, int, str, dict] | None:
    """(width, height, mode, info) of a PNG, reading its header only; None when it is not a PNG."""
    try:
        with _pillow_limit() as Image, Image.open(path, formats=["PNG"]) as im:
            return im.width, im.height, im.mode, dict(im.info)
    except Exception:  # noqa: BLE001 - anything unreadable: drawn from the scene instead
        return None


def _hem_from_png(info: dict) -> float | None:
    """The hem a poster-gen PNG says it has (its Keywords: ``hem_mm=50``); 0 when it says none."""
    words = str(info.get("Keywords", ""))
    if "width_mm=" not in words:
        return None
    m = re.search(r"(?:^|, )hem_mm=([0-9.]+)(?:,|$)", words)
    try:
        return float(m.group(1)) if m else 0.0
    except ValueError:
        return None


def preview_pixels(width: int, height: int, long_side: int = PREVIEW_LONG_SIDE_PX) -> tuple[int, int]:
    """A preview's size: the long side ``long_side`` (never enlarged), the aspect kept."""
    k = min(1.0, long_side / max(width, height))
    return max(1, round(width * k)), max(1, round(height * k))


def shrink_png(path: Path, long_side: int = PREVIEW_LONG_SIDE_PX):
    """The PNG at ``path`` as an RGB image at most ``long_side`` px on its long side.

    The PNG is decoded once (a palette PNG: one byte a pixel) and reduced in strips, so no
    full-size RGB copy is ever made.
    """
    with _pillow_limit() as Image, Image.open(path, formats=["PNG"]) as im:
        im.load()
        W, H = im.size
        f = max(1, max(W, H) // long_side)
        small = Image.new("RGB", (-(-W // f), -(-H // f)), (255, 255, 255))
        rows = max(f, (4_000_000 // max(1, W)) // f * f)
        alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        for top in range(0, H, rows):
            strip = im.crop((0, top, W, min(H, top + rows)))
            if alpha:
                rgba = strip.convert("RGBA")
                strip = Image.new("RGB", rgba.size, (255, 255, 255))
                strip.paste(rgba, mask=rgba.getchannel("A"))
            else:
                strip = strip.convert("RGB")
            small.paste(strip.reduce(f) if f > 1 else strip, (0, top // f))
    size = preview_pixels(small.width, small.height, long_side)
    return small if size == small.size else small.resize(size, Image.Resampling.LANCZOS)


def save_jpeg(img, path: Path, quality: int = PREVIEW_QUALITY) -> None:
    """An sRGB JPEG (embedded profile) that says it was made by poster-gen."""
    from poster_gen.raster import srgb_icc

    with atomic_write(path) as fh:
        img.save(fh, "JPEG", quality=quality, optimize=True, icc_profile=srgb_icc(), comment=MAKER_MARK)


_W: dict = {}


def _init_worker(campaign_path: str | None, design_dirs: tuple[str, ...], lang: str | None = None) -> None:
    if lang:
        set_language(lang)
    _W.clear()
    _W.update(campaign_path=campaign_path, campaign=None, dirs=[Path(d) for d in design_dirs], designs={})


def _scene_image(entry: _Art):
    """The artwork drawn small from its scene, composed again from the campaign (no PNG to shrink)."""
    from poster_gen.api import find_slogan, find_unit
    from poster_gen.compose import compose
    from poster_gen.design import load_design
    from poster_gen.proof import render_preview
    from poster_gen.sizes import resolve_size, with_hem

    if not _W.get("campaign_path"):
        raise PosterGenError(_("it has no PNG to draw a preview from, and no campaign to compose it again; give "
                               "--campaign FILE"))
    if _W["campaign"] is None:
        from poster_gen.campaign import load_campaign

        _W["campaign"] = load_campaign(Path(_W["campaign_path"]))
    campaign = _W["campaign"]
    if entry.design not in _W["designs"]:
        _W["designs"][entry.design] = load_design(entry.design, _W["dirs"])
    size = with_hem(resolve_size(entry.size, entry.dpi, kind=entry.kind or None), entry.hem_mm or None)
    art = compose(campaign, find_unit(campaign, entry.unit), find_slogan(campaign, entry.slogan), size,
                  _W["designs"][entry.design])
    area = PREVIEW_LONG_SIDE_PX * PREVIEW_LONG_SIDE_PX  # so that the long side is the cap
    return render_preview(art.scene, size.sheet_width_mm, size.sheet_height_mm, area_px=area,
                          max_side=PREVIEW_LONG_SIDE_PX)


def _draw(task: tuple[_Preview, str]) -> tuple[str, str]:
    """(key, error) of one preview drawn into ``dest``; runs in a worker."""
    p, dest = task
    try:
        img = shrink_png(p.png) if p.png is not None else _scene_image(p.entry)
        save_jpeg(img, Path(dest))
        return p.key, ""
    except PosterGenError as exc:
        return p.key, str(exc)
    except MemoryError:
        return p.key, _("out of memory; close other programs, or run with -j 1")
    except Exception as exc:  # noqa: BLE001 - a damaged PNG, an entry that cannot be drawn: one line
        return p.key, f"{type(exc).__name__}: {exc}"


class _Drawer:
    """Draws previews for a run, a group of units at a time: in this process when there is one job (or the
    first group has fewer than 4 previews), else in a pool of workers made once and kept for the run."""

    def __init__(self, campaign_path: Path | None, design_dirs, jobs: int):
        self.args = (str(campaign_path) if campaign_path else None, tuple(str(d) for d in design_dirs or ()),
                     language())
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        self.here = False  # this process is set up to draw

    def draw(self, tasks: list[tuple[_Preview, str]]) -> dict[str, str]:
        """key -> error ('' when drawn) of every task."""
        if self.pool is None and (self.jobs == 1 or len(tasks) < 4):
            if not self.here:
                _init_worker(*self.args[:2])
                self.here = True
            return dict(map(_draw, tasks))
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker, initargs=self.args)
        return dict(self.pool.map(_draw, tasks, chunksize=1))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
        if self.here:
            _W.clear()  # nothing of this run's campaign is kept for the next
            self.here = False


# ---- zips -------------------------------------------------------------------------------------


def _stored_sizes(path: Path) -> tuple[tuple[str, int], ...] | None:
    """(name, stored bytes) of every entry of a zip this tool wrote; None when it cannot be read (remade)."""
    try:
        with _open_file(path) as fh, zipfile.ZipFile(fh) as zf:
            return tuple((zi.filename, zi.compress_size) for zi in zf.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return None


def write_zip(path: Path, members: list[_Member]) -> tuple[tuple[str, int], ...]:
    """Write the zip atomically; every file's bytes are checked against the digest it was planned with."""
    with atomic_write(path) as fh, zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
        zf.comment = ZIP_COMMENT
        for m in members:
            zi = zipfile.ZipInfo(m.name, date_time=ZIP_DATE)
            zi.compress_type = m.compress
            zi.create_system = 3  # Unix, whatever the platform: the same bytes everywhere
            zi.external_attr = ZIP_FILE_MODE << 16
            zi.file_size = m.size
            h = hashlib.sha256()
            with zf.open(zi, "w") as w:
                if m.data is not None:
                    h.update(m.data)
                    w.write(m.data)
                else:
                    try:
                        with _open_file(m.source) as src:
                            for block in iter(lambda: src.read(1 << 20), b""):
                                h.update(block)
                                w.write(block)
                    except OSError as exc:
                        raise _UnitFailed(_("cannot read {path}: {reason}").format(
                            path=m.source, reason=exc.strerror)) from None
            if h.hexdigest() != m.sha256:
                raise _UnitFailed(_("{path} changed while it was being bundled; run 'poster-gen bundle' again").format(
                    path=m.source or m.name))
        sizes = tuple((zi.filename, zi.compress_size) for zi in zf.infolist())
    return sizes


# ---- the index -----------------------------------------------------------------------------------


def _read_index(path: Path) -> dict:
    """What an earlier run recorded; a damaged or foreign index counts as empty (everything is remade)."""
    from poster_gen.limits import read_json

    if path.is_symlink() or not path.is_file():
        return {"bundles": {}, "files": {}}
    try:
        data = read_json(path, "bundle index", MAX_INDEX_BYTES)
    except (PosterGenError, ValueError):
        return {"bundles": {}, "files": {}}
    if not isinstance(data, dict) or not str(data.get("tool", "")).startswith("poster-gen"):
        return {"bundles": {}, "files": {}}
    bundles = data.get("bundles") if isinstance(data.get("bundles"), dict) else {}
    good = {
        u: b for u, b in bundles.items()
        if isinstance(u, str) and _ID.match(u) and isinstance(b, dict) and isinstance(b.get("digest"), str)
        and isinstance(b.get("bytes"), int) and isinstance(b.get("mtime_ns"), int)
    }
    files = data.get("files") if isinstance(data.get("files"), dict) else {}
    return {"bundles": good, "files": files}


def _write_index(path: Path, bundles: dict, files: dict) -> None:
    from poster_gen import __version__

    data = {"tool": f"poster-gen {__version__}", "format": FORMAT,
            "bundles": dict(sorted(bundles.items())), "files": dict(sorted(files.items()))}
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


# ---- planning one unit -------------------------------------------------------------------------


@dataclass
class _Plan:
    unit: str
    zip_path: Path
    note: bytes
    files: list[_Member]
    previews: list[_Preview]
    digest: str = ""


def _design_key(entry: _Art, design_dirs, cache: dict) -> str:
    from poster_gen.batch import design_digest
    from poster_gen.design import load_design

    k = (entry.design, entry.kind)
    if k not in cache:
        try:
            cache[k] = design_digest(load_design(entry.design, list(design_dirs or [])), entry.kind)
        except PosterGenError:
            cache[k] = ""
    return cache[k]


def _plan_unit(out: Path, folder: Path, unit: str, entries: list[_Art], digests: _Digests,
               facts: _CampaignFacts, design_dirs, design_keys: dict, note_lang: str,
               memo: _Memo | None = None) -> _Plan:
    from poster_gen.sizes import PRESETS

    memo = memo or _Memo(out)

    members: list[_Member] = []
    previews: list[_Preview] = []
    items: list[_Item] = []
    names: dict[str, str] = {NOTE_NAME.lower(): NOTE_NAME}  # lower-cased name in the zip -> what it is
    for e in sorted(entries, key=_artwork_order):
        formats = sorted(e.files, key=lambda f: (_FORMAT_ORDER.index(f) if f in _FORMAT_ORDER else 9, f))
        listed: list[tuple[str, str]] = []
        shas: dict[str, str] = {}
        png: Path | None = None
        hem = e.hem_mm if e.version >= 2 else None
        for fmt in formats:
            rel = e.files[fmt]
            path = memo.path(rel)
            name = _zip_name(rel)
            if name.lower() in names:  # Windows does not tell A.pdf from a.pdf
                raise _UnitFailed(_("{first} and {second} would have the same name {name} in the bundle; rename one "
                                    "of them").format(first=names[name.lower()], second=rel, name=name))
            names[name.lower()] = rel
            sha, size = digests.sha256(rel, path)
            shas[fmt] = sha
            members.append(_Member(name, sha, size, zipfile.ZIP_DEFLATED, source=path))
            listed.append((fmt, name))
            if fmt == "png" and png is None:
                header = _png_header(path)
                if header is not None:
                    w, h, mode, info = header
                    if hem is None:
                        hem = _hem_from_png(info)
                    if w * h * _BYTES_PER_PIXEL.get(mode, 4) <= MAX_PNG_DECODE_BYTES:
                        png = path
        main = PurePosixPath(listed[0][1]).stem
        preview_name = f"{PREVIEW_FOLDER}/{main}.jpg"
        if preview_name.lower() in names:
            raise _UnitFailed(_("{first} and {second} would have the same name {name} in the bundle; rename one "
                                "of them").format(first=names[preview_name.lower()], second=e.files[formats[0]],
                                                  name=preview_name))
        names[preview_name.lower()] = e.files[formats[0]]
        if png is not None:
            source = ["png", shas["png"]]
        else:
            source = ["scene", shas[formats[0]], facts.sha256, _design_key(e, design_dirs, design_keys), e.unit,
                      e.slogan, e.size, e.kind, e.design, e.dpi, e.hem_mm]
        key = hashlib.sha256(json.dumps([PREVIEW_VERSION, PREVIEW_LONG_SIDE_PX, PREVIEW_QUALITY, *source])
                             .encode("utf-8")).hexdigest()
        drawn = e if hem is None or hem == e.hem_mm else e._replace(hem_mm=hem)  # a scene needs the hem
        previews.append(_Preview(key, preview_name, png, drawn))
        bleed = e.bleed_mm
        if bleed is None and e.size in PRESETS:
            bleed = PRESETS[e.size].bleed_mm
        slogan = facts.slogans.get(e.slogan) or " ".join(e.lines)
        items.append(_Item(e, tuple(listed), preview_name, bleed, hem, slogan))
    label = f"{facts.units[unit]} ({unit})" if unit in facts.units else unit
    note = note_text(label, facts.name, items, note_lang, memo.wraps)
    plan = _Plan(unit, folder / f"{unit}.zip", note, sorted(members, key=lambda m: m.name), previews)
    blob = json.dumps([FORMAT, hashlib.sha256(note).hexdigest(), [(m.name, m.sha256) for m in plan.files],
                       sorted((p.name, p.key) for p in previews)]).encode("utf-8")
    plan.digest = hashlib.sha256(blob).hexdigest()
    return plan


def _members(plan: _Plan, cache: Path) -> list[_Member]:
    note = _Member(NOTE_NAME, hashlib.sha256(plan.note).hexdigest(), len(plan.note), zipfile.ZIP_DEFLATED,
                   data=plan.note)
    shots = []
    for p in sorted(plan.previews, key=lambda p: p.name):
        path = cache / f"{p.key}.jpg"
        try:
            with _open_file(path) as fh:
                data = fh.read()
        except OSError as exc:
            raise _UnitFailed(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)) from None
        shots.append(_Member(p.name, hashlib.sha256(data).hexdigest(), len(data), zipfile.ZIP_STORED, data=data))
    return [note, *plan.files, *shots]


# ---- the run -------------------------------------------------------------------------------------


def _folder(out: Path, rel: str) -> Path:
    path = inside(out, rel)
    if path.is_symlink():
        raise OutputError(_("{path} is a link; poster-gen writes only inside the output folder {out}: remove the "
                            "link").format(path=path, out=out))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(_("cannot create {path}: {reason}; check the output folder").format(
            path=path, reason=exc.strerror)) from None
    return path


@dataclass(frozen=True)
class _CampaignFacts:
    """What the notes and previews take from the campaign."""

    name: str = ""
    sha256: str = ""  # of the campaign file
    units: dict = field(default_factory=dict)  # unit id -> name
    slogans: dict = field(default_factory=dict)  # slogan id -> approved text


def _campaign_facts(out: Path, campaign_path: Path | None) -> _CampaignFacts:
    from poster_gen.batch import manifest_campaign

    rec = manifest_campaign(out) or {}
    if campaign_path is None:
        return _CampaignFacts(name=str(rec.get("name", "")))
    from poster_gen.campaign import load_campaign

    campaign = load_campaign(Path(campaign_path))
    return _CampaignFacts(
        name=campaign.name or str(rec.get("name", "")),
        sha256=hashlib.sha256(Path(campaign_path).read_bytes()).hexdigest(),
        units={u.id: u.name for u in campaign.units},
        slogans={s.id: s.text for s in campaign.slogans},
    )


def write_bundles(
    out: Path,
    campaign_path: Path | None = None,
    design_dirs: list[Path] | None = None,
    max_mb: float = DEFAULT_MAX_MB,
    jobs: int | None = None,
    note_lang: str = NOTE_LANGUAGE,
) -> BundleReport:
    """Write OUT/bundles/<unit>.zip for every unit of OUT/manifest.json (see the module's description).

    ``campaign_path``: where the notes take the campaign's and units' names, and previews without
    a PNG are composed again (None: the names recorded in the manifest, or the unit ids).
    ``max_mb``: bundles over this many MB (of 10**6 bytes) are listed in ``BundleReport.over``.

    The units are bundled UNITS_AT_ONCE at a time (planned, their missing previews drawn, their zips
    written) and let go, so that memory holds a group of units' plans, not every unit's.
    """
    from poster_gen.batch import manifest_lock

    out = Path(out)
    if not math.isfinite(max_mb) or max_mb <= 0:
        raise PosterGenError(_("--max-mb {value}: give a size in MB greater than 0, e.g. 20").format(value=max_mb))
    if not out.is_dir():
        raise PosterGenError(_("{out} is not a folder; give the --out folder of 'poster-gen batch'").format(out=out))
    by_unit = _by_unit(out)
    facts = _campaign_facts(out, campaign_path)
    folder = _folder(out, BUNDLES_DIR)
    cache = _folder(out, f"{BUNDLES_DIR}/{PREVIEW_CACHE}")
    report = BundleReport(folder=folder, max_bytes=int(max_mb * 1_000_000))
    units = sorted(by_unit)
    index_path = folder / INDEX
    with manifest_lock(index_path):
        remove_stale_temps(folder)
        index = _read_index(index_path)
        old = index["bundles"]
        digests = _Digests(out, index["files"])
        del index
        design_keys: dict = {}
        memo = _Memo(out)
        new_index = {u: r for u, r in old.items() if u in by_unit}
        keep: set[str] = set()  # the previews the bundles use
        errors: dict[str, str] = {}  # key -> error ('' when drawn) of the previews this run drew
        counted: set[str] = set()  # the previews already counted as drawn or reused
        drawer = _Drawer(campaign_path, design_dirs, max(1, jobs or os.cpu_count() or 1))
        try:
            for start in range(0, len(units), UNITS_AT_ONCE):
                todo: list[_Plan] = []
                for unit in units[start:start + UNITS_AT_ONCE]:
                    try:
                        plan = _plan_unit(out, folder, unit, by_unit.pop(unit), digests, facts, design_dirs,
                                          design_keys, note_lang, memo)
                    except _UnitFailed as exc:
                        report.failed.append((unit, str(exc)))
                        continue
                    keep.update(p.key for p in plan.previews)
                    # what is up to date stays as it is
                    rec = old.get(plan.unit)
                    sizes = _stored_sizes(plan.zip_path) if rec and rec["digest"] == plan.digest and _unchanged(
                        plan.zip_path, rec) else None
                    if sizes is not None:
                        report.bundles.append(Bundle(plan.unit, plan.zip_path, rec["bytes"], False, sizes))
                    else:
                        todo.append(plan)
                written = _bundle_group(todo, cache, drawer, errors, counted, report)
                new_index.update(written)
        finally:
            drawer.close()
        report.previews_made = sum(1 for err in errors.values() if not err)

        # bundles of units no longer in the manifest: removed when this tool made them
        for unit in sorted(set(old) - set(units)):
            path = folder / f"{unit}.zip"
            if path.is_file() and not path.is_symlink() and made_by_us(path):
                try:
                    path.unlink()
                    report.removed.append(unit)
                except OSError:
                    new_index[unit] = old[unit]
        _prune_previews(cache, keep)
        _write_index(index_path, new_index, digests.seen)
        remove_stale_temps(folder)
    report.bundles.sort(key=lambda b: b.unit)
    report.failed.sort()
    return report


def _bundle_group(todo: list[_Plan], cache: Path, drawer: _Drawer, errors: dict[str, str], counted: set[str],
                  report: BundleReport) -> dict[str, dict]:
    """Write the zips of a group of units that are not up to date: their previews first (the cached ones,
    then the missing ones drawn); the index records of the zips written."""
    wanted = {p.key: p for plan in todo for p in plan.previews}
    draw = []
    for key, p in sorted(wanted.items()):
        if key in counted:  # counted with an earlier group: drawn then, or found in the cache
            continue
        counted.add(key)
        dest = cache / f"{key}.jpg"
        if dest.is_file() and not dest.is_symlink() and made_by_us(dest):
            report.previews_reused += 1
        else:
            draw.append((p, str(dest)))
    if draw:
        errors.update(drawer.draw(draw))
    made: dict[str, dict] = {}
    for plan in todo:
        bad = next(((p, errors[p.key]) for p in plan.previews if errors.get(p.key)), None)
        if bad is not None:
            p, why = bad
            report.failed.append((plan.unit, _("the preview of {file} cannot be drawn: {reason}").format(
                file=p.entry.files[next(iter(p.entry.files))], reason=why)))
            continue
        try:
            if not made_by_us(plan.zip_path):
                raise _UnitFailed(_("{path} exists and was not made by poster-gen; it is not overwritten: move it "
                                    "away").format(path=plan.zip_path))
            sizes = write_zip(plan.zip_path, _members(plan, cache))
        except _UnitFailed as exc:
            report.failed.append((plan.unit, str(exc)))
            continue
        st = plan.zip_path.stat()
        made[plan.unit] = {"zip": plan.zip_path.name, "digest": plan.digest, "bytes": st.st_size,
                           "mtime_ns": st.st_mtime_ns}
        report.bundles.append(Bundle(plan.unit, plan.zip_path, st.st_size, True, sizes))
    return made


def _unchanged(path: Path, rec: dict) -> bool:
    try:
        if path.is_symlink():
            return False
        st = path.stat()
    except OSError:
        return False
    return st.st_size == rec["bytes"] and st.st_mtime_ns == rec["mtime_ns"] and made_by_us(path)


def _prune_previews(cache: Path, keep: set[str]) -> None:
    """Delete cached previews no bundle uses any more: only ``<key>.jpg`` files this tool made."""
    try:
        names = os.listdir(cache)
    except OSError:
        return
    for name in names:
        stem, _dot, ext = name.partition(".")
        if ext != "jpg" or not _KEY.match(stem) or stem in keep:
            continue
        path = cache / name
        if path.is_symlink() or not path.is_file() or not made_by_us(path):
            continue
        try:
            path.unlink()
        except OSError:
            pass


# ---- what makes a bundle large ------------------------------------------------------------------


def what_is_large(bundle: Bundle, top: int = 3) -> str:
    """The share of each kind of file in a bundle, and its largest files, in the user's language."""
    groups: dict[str, int] = {}  # what -> stored bytes; those under 0.05 MB (the note) are not named
    for name, n in bundle.entries:
        if name.startswith(PREVIEW_FOLDER + "/"):
            label = _("previews")
        else:
            ext = PurePosixPath(name).suffix.lstrip(".").upper()
            label = _("{format} files").format(format=ext) if ext else name
        groups[label] = groups.get(label, 0) + n
    shares = ", ".join(_("{what} {size} MB").format(what=k, size=f"{v / 1e6:.1f}")
                       for k, v in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])) if v >= 50_000)
    biggest = sorted(bundle.entries, key=lambda e: (-e[1], e[0]))[:top]
    names = ", ".join(_("{name} {size} MB").format(name=n, size=f"{s / 1e6:.1f}") for n, s in biggest)
    return _("{shares}; largest: {files}").format(shares=shares, files=names)
