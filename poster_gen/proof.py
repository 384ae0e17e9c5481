"""The proof sheet: OUT/index.html and a page per unit, to review a whole batch in a browser.

It reads OUT/manifest.json, draws a small preview of every artwork from its scene (never by
shrinking the print PNG) into OUT/_proof/<unit>/, and writes from the packaged
``templates/proof.html.j2``, rendered in the sandbox (sandbox.py) with autoescaping on:

- ``OUT/index.html``: the campaign's totals (units, artworks, copies, material area, and the
  cost when prices are known), the units with a problem first, then every unit grouped by
  province and by kind (xã, phường, đặc khu...) with its counts, each linking to its page;
- ``OUT/_proof/u/<unit>.html``: that unit's artworks, at most ``PAGE_PREVIEWS`` a page (then
  ``<unit>~2.html``, ``<unit>~3.html``...; '~' is never in an id), each with its preview, lines
  as set, legibility, preflight status, copies, area and cost.

A page stays light at any scale: the index shows no image, a unit page at most 200, and they load
as they scroll into view (``loading="lazy"`` with their size given). A preview is drawn once: its
name carries a key made from the artwork's fingerprint (the manifest's ``hash``), so a re-run
reuses it and a changed artwork gets a new one.

A proof of the whole country (60,000 artworks) is written in bounded memory: the manifest is read
a line at a time when batch wrote it (one artwork a line), each artwork kept as a small record of
what its page shows (``_Art``), and each unit's pages made, written and let go in turn, while the
index's figures are summed up (``_IndexTotals``); a large proof's pages are rendered in worker
processes, a few units ahead of the writing.

The manifest is read as if a stranger wrote it: its shape is checked, links on the pages are only
relative paths to files inside OUT, and nothing is written or deleted outside OUT/_proof (a link
there is refused). Previews and unit pages are deleted only when this tool made them, as recorded
in OUT/_proof/previews.json.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import stat
from collections import Counter, defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import quote

from PIL import Image, features

from poster_gen import i18n, sandbox
from poster_gen.errors import OutputError, PosterGenError
from poster_gen.i18n import N_, _
from poster_gen.limits import (
    MAX_JSON_BYTES,
    MAX_NESTING,
    InputLimitError,
    file_size,
    nesting_depth_exceeds,
    over_limit,
    read_json,
    too_deep,
)
from poster_gen.output import atomic_write
from poster_gen.records import CheckRecord, ManifestEntry, Problem
from poster_gen.scene import Scene
from poster_gen.sizes import KINDS, MM_PER_INCH

PROOF_DIR = "_proof"
PAGES_DIR = "u"  # OUT/_proof/u/<unit>.html
PREVIEW_INDEX = "previews.json"  # the previews and pages this tool made, so it deletes only those
INDEX = "index.html"
PAGE_PREVIEWS = 200  # previews on one unit page at most
MAX_PREVIEW_INDEX_BYTES = 64 * 1024 * 1024
MAX_LISTED_FAILURES = 100  # jobs a batch could not render, listed on the index (the rest counted)
PREVIEW_AREA_PX = 400 * 300  # about 400 px wide for a pano
PREVIEW_MAX_SIDE_PX = 900
# part of every preview's key: change it when previews are drawn differently, so all are drawn again
PREVIEW_VERSION = "1"
# a date as the page shows it: ISO 8601 in English, day/month/year in Vietnamese
DATE_FORMAT = N_("{year:04d}-{month:02d}-{day:02d}")

# The kinds of unit, as the campaign file names them (init writes xa, phuong, dac-khu), in the
# order the index lists them; a kind not listed here is shown as written, after these.
UNIT_KINDS = {
    "xa": N_("Communes"),
    "phuong": N_("Wards"),
    "dac-khu": N_("Special zones"),
    "thi-tran": N_("Townships"),
    "co-quan": N_("Agencies"),
    "su-nghiep": N_("Public service units"),
    "to-chuc": N_("Organisations"),
}
OTHER_UNITS = N_("Other units")
# a unit without a kind: its kind from the first words of its name
_NAME_KINDS = (("xa ", "xa"), ("phuong ", "phuong"), ("dac khu ", "dac-khu"), ("thi tran ", "thi-tran"))


# ---- previews ----------------------------------------------------------------


def preview_size(width_mm: float, height_mm: float, area_px: int = PREVIEW_AREA_PX, max_side: int = PREVIEW_MAX_SIDE_PX):
    """Pixel size and dpi of a preview: a fixed area, the longest side capped."""
    aspect = width_mm / height_mm
    w = math.sqrt(area_px * aspect)
    h = w / aspect
    k = min(1.0, max_side / max(w, h))
    w, h = max(1, round(w * k)), max(1, round(h * k))
    dpi = w / (width_mm / MM_PER_INCH)
    return w, h, dpi


def render_preview(scene: Scene, width_mm: float, height_mm: float, **kw) -> Image.Image:
    """Draw the scene's trim area small, with the same PNG writer as the print files."""
    from poster_gen.png import PngOptions, render_strips

    w, h, dpi = preview_size(width_mm, height_mm, **kw)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    y = 0
    for strip in render_strips(scene, PngOptions(dpi=dpi, width_px=w, height_px=h, palette=False)):
        part = strip[-1] if isinstance(strip, tuple) else strip
        if part.mode != "RGB":
            part = part.convert("RGB")
        img.paste(part, (0, y))
        y += part.height
    return img


def preview_format() -> str:
    return "webp" if features.check("webp") else "png"


def save_preview(img: Image.Image, path: Path) -> None:
    fmt = path.suffix.lstrip(".").lower()
    with atomic_write(path) as fh:
        if fmt == "webp":
            img.save(fh, "WEBP", quality=82, method=4)
        elif fmt in ("jpg", "jpeg"):
            img.save(fh, "JPEG", quality=85, optimize=True)
        else:
            img.quantize(64).save(fh, "PNG", optimize=True)


# ---- what the pages show ------------------------------------------------------


@dataclass(frozen=True)
class ProofItem:
    """One artwork as its unit page shows it."""

    anchor: str
    unit: str
    slogan_id: str
    slogan: str  # the approved text (or the set lines when the campaign does not know it)
    lines: tuple[str, ...]
    size: str
    size_label: str
    kind: str
    kind_label: str
    design: str
    cap_height_mm: float | None
    required_cap_mm: float | None
    viewing_m: float | None
    verdict: str  # ok | small | unknown
    warnings: tuple[str, ...]
    links: tuple[tuple[str, str, bool], ...]  # (label, href from OUT, file exists)
    preview: str | None  # href of the preview image, from OUT
    preview_w: int = 0
    preview_h: int = 0
    heading_cap_mm: float | None = None
    occasion_cap_mm: float | None = None
    preview_error: str = ""
    check_status: str = ""  # pass | fail | draft | "" (not checked)
    check_errors: tuple[str, ...] = ()  # its files' preflight errors (their warnings are in ``warnings``)
    # (label, value) of manifest file entries that are not files inside OUT: shown as text, never as links
    refused_links: tuple[tuple[str, str], ...] = ()
    required_note: str = ""  # "(needs 8 mm at 1 m)" in the user's language, or "" when not measured
    copies: int = 1
    quantity: Quantity | None = None  # material, area and cost of all its copies, when known
    page: str = ""  # the unit page it is on, from OUT: "_proof/u/<unit>.html"
    opens: str = ""  # what its preview links to, from OUT: its PNG, else its first file, else itself

    @property
    def missing_files(self) -> int:
        return sum(not ok for _, _, ok in self.links)

    @property
    def has_problem(self) -> bool:
        """Something to fix before printing (a slogan below the recommended size is shown apart)."""
        return (self.check_status == "fail" or bool(self.preview_error) or bool(self.missing_files)
                or bool(self.refused_links))


@dataclass(frozen=True)
class Quantity:
    """What printing all copies of one artwork (or of several) takes, as the pages show it: from the
    order lines of ``quantities.py``, the same figures as ``poster-gen order``."""

    material: str = ""
    area_m2: float | None = None  # the printed material (hem and bleed included) of all copies
    amount: int | None = None  # VND, None when not priced
    sheet: str = ""  # "3006 × 2006 mm printed", when the printed sheet is larger than the finished size
    price_text: str = ""  # "45.000 ₫/m²"

    @property
    def area_text(self) -> str:
        return format_area(self.area_m2) if self.area_m2 is not None else ""

    @property
    def amount_text(self) -> str:
        return format_money(self.amount) if self.amount is not None else ""


@dataclass(frozen=True)
class UnitPage:
    """One unit on the proof: its counts, where it is grouped and the pages its artworks are on."""

    id: str
    name: str
    group: str  # the province ("Tỉnh Lạng Sơn"), or "" when not known
    kind: str
    kind_label: str
    pages: tuple[str, ...]  # file names under OUT/_proof/u/
    artworks: int
    copies: int
    check_failed: int = 0
    small: int = 0
    preview_failures: int = 0
    missing_files: int = 0
    refused_links: int = 0
    total: Quantity | None = None

    @property
    def href(self) -> str:
        """The unit's first page, from OUT."""
        return _href(f"{PROOF_DIR}/{PAGES_DIR}/{self.pages[0]}")

    @property
    def problems(self) -> int:
        return self.check_failed + self.preview_failures + self.missing_files + self.refused_links

    @property
    def flagged(self) -> bool:
        return bool(self.problems or self.small)


@dataclass(frozen=True)
class KindGroup:
    kind: str
    label: str
    units: tuple[UnitPage, ...]

    @property
    def artworks(self) -> int:
        return sum(u.artworks for u in self.units)


@dataclass(frozen=True)
class UnitGroup:
    """The units of one province (or of the campaign, when no province is known), by kind."""

    label: str
    kinds: tuple[KindGroup, ...]

    @property
    def units(self) -> int:
        return sum(len(k.units) for k in self.kinds)

    @property
    def artworks(self) -> int:
        return sum(k.artworks for k in self.kinds)


@dataclass
class ProofReport:
    index: Path
    artworks: int = 0
    units: int = 0
    pages: int = 0
    previews_made: int = 0
    previews_reused: int = 0
    preview_failures: int = 0
    preflight_failures: int = 0
    refused_links: int = 0


def _href(rel: str) -> str:
    """A relative '/'-separated path as a URL path."""
    return quote(rel, safe="/~")


_NOT_ALNUM = re.compile(r"[\W_]")  # what str.isalnum() is not, a character at a time


def _anchor(entry: ManifestEntry, used: set[str]) -> str:
    base = "a-" + "-".join(_NOT_ALNUM.sub("-", str(v)) for v in (entry.unit, entry.size, entry.slogan, entry.design))
    name, i = base, 1
    while name in used:
        i += 1
        name = f"{base}-{i}"
    used.add(name)
    return name


# ---- numbers as the reader writes them ------------------------------------------------


def _separators() -> tuple[str, str]:
    """(thousands, decimal): 1.234.567 and 12,5 in Vietnamese; 1,234,567 and 12.5 in English."""
    return (".", ",") if i18n.language() == "vi" else (",", ".")


def format_int(n: int) -> str:
    thousands, _decimal = _separators()
    return f"{n:,}".replace(",", thousands)


def format_area(m2: float) -> str:
    """Square metres to two decimals at most, trailing zeros dropped: 12,5 m²; 0,13 m²; 6 m²."""
    thousands, decimal = _separators()
    text = f"{m2:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands) + " m²"


def format_money(vnd: int) -> str:
    """Đồng without decimals: 1.234.567 ₫."""
    return f"{format_int(int(vnd))} ₫"


# ---- paths: only inside OUT ---------------------------------------------------------

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_MADE_PREVIEW = re.compile(r"[A-Za-z0-9._-]+/[A-Za-z0-9._-]+\.(?:webp|png)")
_MADE_PAGE = re.compile(re.escape(PAGES_DIR) + r"/[A-Za-z0-9._-]+(?:~[0-9]+)?\.html")


def _inside(path: Path, root: Path) -> bool:
    """True when ``path``, links resolved, lies in ``root`` (links resolved too)."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _file_in_out(out: Path, rel, folders: dict[str, bool] | None = None) -> str | None:
    """``rel`` when it is a relative path (with '/') to a file inside OUT, else None.

    A hand-edited manifest may hold "https://…", "javascript:…", "/etc/passwd"
    or "../../x": none of those may become a link on the page. ``folders`` caches,
    for a run, whether each folder lies inside OUT once its links are resolved.
    """
    if not isinstance(rel, str) or not rel or len(rel) > 1000 or not rel.isprintable():
        return None
    if rel.startswith("/") or "\\" in rel or ":" in rel:  # absolute, Windows path, or any URL scheme
        return None
    if any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    folder = rel.rpartition("/")[0]
    inside = None if folders is None else folders.get(folder)
    if inside is None:
        inside = _inside(out / folder, out) if folder else True
        if folders is not None:
            folders[folder] = inside
    if not inside:
        return None
    path = os.path.join(out, rel)
    return rel if not os.path.islink(path) or _inside(Path(path), out) else None


def _refuse_link(link: Path, out: Path) -> None:
    try:
        target = os.readlink(link)
    except OSError:
        raise OutputError(
            _("{link} is a link to another folder; poster-gen writes only inside the output folder {out}; "
              "remove the link").format(link=link, out=out)
        ) from None
    raise OutputError(
        _("{link} is a link to {target}; poster-gen writes only inside the output folder {out}; remove the link")
        .format(link=link, target=target, out=out)
    )


def _check_writable(folder: Path, proof_dir: Path, out: Path) -> None:
    """Refuse to write into ``folder`` when it, or a folder between it and
    OUT/_proof, is a link, or it resolves outside OUT/_proof."""
    here = proof_dir
    for part in folder.relative_to(proof_dir).parts:
        here = here / part
        if here.is_symlink():
            _refuse_link(here, out)
    if folder.exists() and not _inside(folder, proof_dir):
        raise OutputError(_("{folder} lies outside the output folder {out}; poster-gen writes only inside it").format(
            folder=folder, out=out))


def _preview_name(entry: ManifestEntry, files: list[str], ext: str) -> str:
    """``<unit>/<stem>[.<key>].<ext>`` under OUT/_proof, made only of safe characters.

    ``key`` comes from the artwork's fingerprint: the same artwork keeps its preview, a changed
    one (another text, design, size, campaign) gets a new name. An entry without a fingerprint
    (a hand-made manifest) has no key; its preview is drawn again when its files are newer."""
    stem = PurePosixPath(files[0]).stem if files else f"{entry.size}_{entry.slogan}_{entry.design}"
    stem = _SAFE_NAME.sub("-", stem).lstrip(".") or "preview"
    if entry.hash:
        key = hashlib.sha256(f"{entry.hash}\x1f{PREVIEW_VERSION}".encode("utf-8", "replace")).hexdigest()[:12]
        stem = f"{stem}.{key}"
    return f"{entry.unit}/{stem}.{ext}"


@dataclass
class _Made:
    """What an earlier run recorded as made by it: previews (with their pixel size and bytes) and pages."""

    previews: dict[str, tuple[int, int, int] | None] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)


def _read_preview_index(proof_dir: Path) -> _Made:
    """A damaged index counts as empty (nothing is reused, nothing deleted)."""
    path = proof_dir / PREVIEW_INDEX
    if not path.is_file() or path.is_symlink():
        return _Made()
    try:  # this tool's own file, but read as a stranger's: bounded, and damage counts as empty
        with open(path, "rb") as fh:
            raw = fh.read(MAX_PREVIEW_INDEX_BYTES + 1)
        data = json.loads(raw) if len(raw) <= MAX_PREVIEW_INDEX_BYTES else None
    except (OSError, ValueError, RecursionError):
        return _Made()
    if not isinstance(data, dict):
        return _Made()
    names, sizes, pages = data.get("previews"), data.get("sizes"), data.get("pages")
    sizes = sizes if isinstance(sizes, dict) else {}
    made = _Made()
    for rel in names if isinstance(names, list) else []:
        if isinstance(rel, str):
            v = sizes.get(rel)
            ok = (isinstance(v, list) and len(v) == 3 and all(type(x) is int and x > 0 for x in v[:2])
                  and type(v[2]) is int)
            made.previews[rel] = (v[0], v[1], v[2]) if ok else None
    made.pages = [p for p in pages if isinstance(p, str)] if isinstance(pages, list) else []
    return made


def _prune(proof_dir: Path, old: list[str], keep: set[str], shape: re.Pattern) -> None:
    """Delete what an earlier run made (previews, pages) that this run did not.

    Only names of the shape this tool writes, only regular files inside OUT/_proof, never through
    a link."""
    for rel in old:
        if rel in keep or not shape.fullmatch(rel) or ".." in rel:
            continue
        path = proof_dir / rel
        if path.is_symlink() or path.parent.is_symlink() or not path.is_file() or not _inside(path, proof_dir):
            continue
        try:
            path.unlink()
            path.parent.rmdir()  # only when empty
        except OSError:
            pass


def _reusable(dest: Path, rel: str, made: _Made, keyed: bool, sources: list[str]) -> tuple[int, int] | None:
    """The pixel size of the preview at ``dest`` when it can be shown again, else None.

    A keyed preview (its name carries the artwork's fingerprint) is reused when this tool made it
    and it still has the bytes it had. One without a key must also be newer than every file it
    shows (``sources``: their paths)."""
    try:
        st = os.lstat(dest)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):  # a link or anything but a file: drawn again, in its place
        return None
    rec = made.previews.get(rel)
    if rec is not None and rec[2] != st.st_size:
        return None
    if not keyed:
        try:
            if not sources or any(os.stat(s).st_mtime_ns > st.st_mtime_ns for s in sources):
                return None
        except OSError:
            return None
    elif rel not in made.previews:
        return None
    if rec is not None:
        return rec[0], rec[1]
    try:
        with Image.open(dest) as im:
            return im.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


# ---- drawing previews ---------------------------------------------------------------


_P: dict = {}


def _init_previewer(campaign_path: str, design_dirs: tuple[str, ...], lang: str | None = None):
    from poster_gen.campaign import load_campaign

    if lang:  # a worker process: the messages it makes are in the language of the run
        i18n.set_language(lang)
    _P.clear()  # one run's campaign and designs: nothing is kept from the run before
    _P.update(campaign=load_campaign(campaign_path), dirs=[Path(d) for d in design_dirs], designs={})


def _make_preview(task: tuple[ManifestEntry, str]) -> tuple[str, int, int, str]:
    """(path, width, height, error) for one manifest entry; runs in a worker."""
    entry, dest = task
    try:
        from poster_gen.api import compose_job, resolve_job

        job = resolve_job(_P["campaign"], entry.unit, entry.slogan, entry.size, entry.design, kind=entry.kind or None,
                          design_dirs=_P["dirs"], designs=_P["designs"])
        art = compose_job(_P["campaign"], job)
        img = render_preview(art.scene, job.size.width_mm, job.size.height_mm)
        save_preview(img, Path(dest))
        return dest, img.width, img.height, ""
    except PosterGenError as exc:
        return dest, 0, 0, str(exc)
    except (KeyError, TypeError, ValueError) as exc:
        return dest, 0, 0, _("manifest entry cannot be drawn: {detail}").format(detail=f"{type(exc).__name__}: {exc}")


def _draw(plan: list[tuple[ManifestEntry, str]], campaign_path: Path, design_dirs, jobs: int | None):
    """The results of ``_make_preview`` for ``plan``, in its order (in parallel when many)."""
    dirs = tuple(str(d) for d in design_dirs or [])
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(plan) < 16:
        _init_previewer(str(campaign_path), dirs)
        try:
            return list(map(_make_preview, plan))
        finally:
            _P.clear()
    with ProcessPoolExecutor(max_workers=min(jobs, 8), initializer=_init_previewer,
                             initargs=(str(campaign_path), dirs, i18n.language())) as pool:
        return list(pool.map(_make_preview, plan, chunksize=max(1, min(32, len(plan) // (4 * jobs)))))


# ---- the manifest -------------------------------------------------------------------

# ids name folders and files: the manifest's must look like the ones batch writes
_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")
_ID_KEYS = ("unit", "size", "slogan", "design", "kind")
_NUMBER_KEYS = ("width_mm", "height_mm", "dpi", "cap_height_mm", "required_cap_mm", "heading_cap_mm", "occasion_cap_mm",
                "viewing_m", "copies", "bleed_mm", "hem_mm")
_TEXT_LIST_KEYS = ("lines", "warnings")
_MAX_SHOWN = 5
MAX_COPIES = 1_000_000  # of one artwork: far beyond any print order


def _entry_problems(i: int, e) -> list[str]:
    """What is wrong with the shape of manifest entry ``i`` (empty: nothing)."""
    at = f"artworks[{i}]"
    if not isinstance(e, dict):
        return [_("{where} is {type}, not an artwork's record").format(where=at, type=type(e).__name__)]
    out = []
    for key in _ID_KEYS:
        if key not in e:
            if key in ("unit", "size"):
                out.append(_("{where} has no \"{key}\"").format(where=at, key=key))
            continue
        v = e[key]
        if not isinstance(v, str) or not _ID.match(v) or ".." in v:
            out.append(_("{where}.{key} = {value} is not an id (letters, digits, '-', '_', '.')").format(
                where=at, key=key, value=_show(v)))
    files = e.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        out.append(_("{where}.files = {value} must map formats to file names, e.g. {example}").format(
            where=at, value=_show(files), example='{"pdf": "unit/x.pdf"}'))
    for key in _NUMBER_KEYS:
        v = e.get(key)
        if v is not None and not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)):
            out.append(_("{where}.{key} = {value} must be a number").format(where=at, key=key, value=_show(v)))
    copies = e.get("copies", 1)
    if isinstance(copies, int | float) and not isinstance(copies, bool) and math.isfinite(copies) and not (
            copies == int(copies) and 1 <= copies <= MAX_COPIES):
        out.append(_("{where}.copies = {value} must be a whole number from 1 to {most}").format(
            where=at, value=_show(copies), most=f"{MAX_COPIES:,}"))
    for key in _TEXT_LIST_KEYS:
        v = e.get(key)
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            out.append(_("{where}.{key} = {value} must be a list of texts").format(where=at, key=key, value=_show(v)))
    if e.get("legible") not in (True, False, None):
        out.append(_("{where}.legible = {value} must be true, false or null").format(
            where=at, value=_show(e["legible"])))
    if not isinstance(e.get("hash", ""), str):
        out.append(_("{where}.hash = {value} must be a text").format(where=at, value=_show(e["hash"])))
    return out


def _show(v) -> str:
    text = json.dumps(v, ensure_ascii=False) if isinstance(v, str | int | float | bool | type(None)) else type(v).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# The manifest as batch writes it: its table but "artworks" on the first line, then one artwork a
# line (see batch.py). Such a manifest is read a line at a time, a few hundred lines decoded at
# once, so that memory holds one artwork's record, not the whole file (100 MB at 60,000 artworks);
# a manifest in any other layout (one edited by hand, one of an earlier version) is read whole.
_ARTWORKS_OPEN = b'"artworks": ['
_ARTWORKS_CLOSE = b"]}"
_BLANK = b" \t\r\n"
_HEAD_MAX = 1 << 16  # the first line holds the tool and the campaign's record: far less than this
_DECODE_BATCH = 256  # lines decoded at once
_LINE_NESTING = MAX_NESTING - 2  # an artwork's line is two levels down: the manifest's table, its list


class _NotLines(Exception):
    """The manifest is not in the layout of one artwork a line: it is read whole."""


def _tables(path: Path, out: Path):
    """The tables of the manifest's "artworks" list, in order, nothing checked yet; read a line at a
    time when batch wrote the manifest, else whole."""
    done = 0
    try:
        for table in _line_tables(path):
            done += 1
            yield table
        return
    except _NotLines:  # the tables given so far are the first of the whole
        pass
    yield from _whole_tables(path, out)[done:]


def _line_tables(path: Path):
    file_size(path, MAX_JSON_BYTES, "manifest")
    try:
        with open(path, "rb") as fh:
            yield from _lines_of(fh, path)
    except OSError:
        raise _NotLines from None  # the whole read says why


def _lines_of(fh, path: Path):
    """The artworks' tables of a manifest in batch's layout (``fh`` at its start)."""
    first = fh.readline(_HEAD_MAX)
    line = first.rstrip(_BLANK)
    if not line.endswith(_ARTWORKS_OPEN):
        raise _NotLines
    head = line[: -len(_ARTWORKS_OPEN)].rstrip(_BLANK)
    head = b"{}" if head == b"{" else head[:-1] + b"}" if head.endswith(b",") else b""
    if not head or head.count(b"[") + head.count(b"{") > MAX_NESTING:
        raise _NotLines
    try:
        table = json.loads(head)
    except (ValueError, RecursionError):
        raise _NotLines from None
    if not isinstance(table, dict) or "artworks" in table:
        raise _NotLines
    read = len(first)
    batch: list[bytes] = []
    comma = None  # did the last artwork's line end with a comma
    closed = False
    for raw in fh:
        read += len(raw)
        if read > MAX_JSON_BYTES:
            raise over_limit(path, MAX_JSON_BYTES, "manifest")
        line = raw.strip(_BLANK)
        if not line:
            continue
        if closed:  # something after the end
            raise _NotLines
        if line == _ARTWORKS_CLOSE:
            if comma:
                raise _NotLines
            closed = True
            continue
        if comma is False:  # two artworks without a comma between them
            raise _NotLines
        comma = line.endswith(b",")
        if comma:
            line = line[:-1].rstrip(_BLANK)
        if line.count(b"[") + line.count(b"{") > _LINE_NESTING and nesting_depth_exceeds(
                line, _LINE_NESTING, flavor="json"):
            raise too_deep(path, "manifest")
        batch.append(line)
        if len(batch) == _DECODE_BATCH:
            yield from _decoded(batch)
            batch = []
    if not closed:
        raise _NotLines
    yield from _decoded(batch)


def _decoded(batch: list[bytes]) -> list:
    try:
        found = json.loads(b"[" + b",".join(batch) + b"]") if batch else []
    except (ValueError, RecursionError):
        found = None
    if found is None or len(found) != len(batch):  # a line that is not one artwork: the whole read says why
        raise _NotLines
    return found


def _whole_tables(path: Path, out: Path) -> list:
    try:
        data = read_json(path, "manifest")
    except InputLimitError:
        raise
    except PosterGenError:
        if not path.exists():
            raise PosterGenError(_("{path} not found; run 'poster-gen batch --out {out}' first").format(
                path=path, out=out)) from None
        raise
    except ValueError as exc:
        raise PosterGenError(_("{path}: cannot be read as JSON ({detail}); run 'poster-gen batch' again").format(
            path=path, detail=exc)) from None
    entries = data.get("artworks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PosterGenError(_("{path}: no \"artworks\" list; is it a poster-gen manifest?").format(path=path))
    return entries


def _artwork_tables(out: Path):
    """The artworks of OUT/manifest.json one at a time, each whose shape is sound. The shape of every
    one is checked: the problems are one PosterGenError naming the entries and keys, raised after the
    last artwork (so take nothing from them as final before then), never a traceback later."""
    path = Path(out) / "manifest.json"
    if not path.exists():
        raise PosterGenError(_("{path} not found; run 'poster-gen batch --out {out}' first").format(
            path=path, out=out))
    listed: list[str] = []
    count = 0
    for i, e in enumerate(_tables(path, Path(out))):
        problems = _entry_problems(i, e)
        if problems:
            listed += problems[: _MAX_SHOWN - len(listed)]
            count += len(problems)
        else:
            yield e
    if count:
        redo = _("the manifest was edited or damaged: fix it, or delete it and run 'poster-gen batch --out {out}' "
                 "again").format(out=out)
        shown = "; ".join(listed)
        if count > _MAX_SHOWN:
            raise PosterGenError(_("{path}: {problems} (and {n} more); {todo}").format(
                path=path, problems=shown, n=count - _MAX_SHOWN, todo=redo))
        raise PosterGenError(_("{path}: {problems}; {todo}").format(path=path, problems=shown, todo=redo))


def read_manifest(out: Path) -> list[dict]:
    """The artworks of OUT/manifest.json, its shape checked: any problem is one
    PosterGenError naming the entry and key, never a traceback later."""
    return list(_artwork_tables(out))


_STATUSES = ("pass", "fail", "draft")


def _problems(raw) -> tuple[Problem, ...]:
    out = []
    for m in raw if isinstance(raw, list) else [raw] if raw else []:
        if isinstance(m, dict):
            text = m.get("message") or json.dumps(m, ensure_ascii=False)
            out.append(Problem(str(m.get("code") or ""), str(text)))
        else:
            out.append(Problem("", str(m)))
    return tuple(out)


def check_records(raw) -> tuple[CheckRecord, ...] | None:
    """The preflight records in a manifest entry's "check" value (None: not checked).

    batch writes a list of ``CheckRecord`` tables; a hand or an older tool may have left one
    table, a list of texts, or {"failures": [...]}. Each is shown, none trusted: a record with
    errors fails whatever its status says."""
    if raw is None:
        return None
    records = []
    for r in raw if isinstance(raw, list) else [raw]:
        if isinstance(r, dict):
            errors = _problems(r.get("errors")) + _problems(r.get("failures")) + _problems(r.get("problems"))
            status = r.get("status")
            if status not in _STATUSES:
                status = "fail" if errors or r.get("ok") is False else "pass"
            if errors:
                status = "fail"
            file = str(r.get("file") or "")
            records.append(CheckRecord(file=file, kind=str(r.get("kind") or PurePosixPath(file).suffix.lstrip(".")),
                                       status=status, errors=errors, warnings=_problems(r.get("warnings"))))
        elif isinstance(r, str):
            records.append(CheckRecord(file="", kind="", status="fail", errors=(Problem("", r),)))
    return tuple(records)


def typed_entry(d: dict) -> ManifestEntry:
    """A shape-checked manifest table (``read_manifest``) as a ManifestEntry."""
    entry = ManifestEntry.from_dict({**d, "slogan": str(d.get("slogan", "")), "copies": int(d.get("copies") or 1),
                                     "check": None})
    raw = d.get("check")
    return entry if raw is None else replace(entry, check=check_records(raw))


def _record_messages(rec: CheckRecord) -> tuple[list[str], list[str]]:
    prefix = f"{PurePosixPath(rec.file).suffix.lstrip('.').upper()}: " if rec.file else ""

    def text(p: Problem) -> str:
        return f"{prefix}{p.code}: {p.message}" if p.code else f"{prefix}{p.message}"

    return [text(p) for p in rec.errors], [text(p) for p in rec.warnings]


def _check_status(records) -> str:
    states = {r.status for r in records}
    return "fail" if "fail" in states else "draft" if "draft" in states else "pass" if states else ""


# ---- how units are grouped ------------------------------------------------------------


def _unit_kind(unit) -> str:
    """The unit's kind as the campaign gives it, or from the first words of its name."""
    if unit.kind:
        return unit.kind
    from poster_gen.init import fold

    name = fold(unit.name) + " "
    return next((k for prefix, k in _NAME_KINDS if name.startswith(prefix)), "")


def kind_label(kind: str) -> str:
    return _(UNIT_KINDS[kind]) if kind in UNIT_KINDS else kind or _(OTHER_UNITS)


def unit_provinces(units) -> dict[str, tuple[str, str]]:
    """unit id -> (sort key, province) for the units whose province is known.

    A unit may say it (``province``); otherwise a unit with a statistics office code is looked up
    in the official list, when the optional package that holds it is installed, and only when the
    list gives the unit the same name (codes of units abolished in 2025 were given to others).
    The lookup is used only when every coded unit of the campaign is found, so a campaign of
    former units is not half grouped. Units without a code (agencies) join the province when all
    the others are in one."""
    found: dict[str, tuple[str, str]] = {}
    for u in units:
        province = getattr(u, "province", "")
        if isinstance(province, str) and province:
            found[u.id] = (province, province)
    coded = [u for u in units if u.id not in found and re.fullmatch(r"[0-9]{5}", u.code or "")]
    if coded:
        try:
            from poster_gen.init import fold, load_registry

            registry = load_registry()
        except PosterGenError:  # the list is not installed: no grouping by province
            return found
        wards = {w.code: (p, fold(w.name)) for p in registry.provinces for w in p.wards}
        looked_up = {}
        for u in coded:
            hit = wards.get(u.code)
            if hit is None or hit[1] not in fold(u.name):
                looked_up = {}
                break
            looked_up[u.id] = (hit[0].code, hit[0].full_name)
        found.update(looked_up)
    if found and len(set(found.values())) == 1:
        only = next(iter(found.values()))
        found = {u.id: only for u in units}
    return found


# ---- the pages ----------------------------------------------------------------------

MAX_ATTENTION_PER_UNIT = 5  # problem artworks the index lists under a unit (the rest: on its page)
MAX_ATTENTION = 300  # problem artworks the index lists in all
MAX_ATTENTION_UNITS = 200  # units with a problem the index lists (the rest are marked in the list of units)
MAX_SMALL_ROWS = 50  # artworks (size, slogan, design) below the recommended size the index lists


def _price_text(vnd: int | None, basis: str | None) -> str:
    if vnd is None:
        return ""
    if basis == "piece":
        return _("{price} a piece").format(price=format_money(vnd))
    return _("{price}/m²").format(price=format_money(vnd))


def _quantity(e: ManifestEntry, campaign, prices, memo: dict):
    """(order line, Quantity) of one entry: material, area and cost as quantities.py works them out
    from the campaign's materials and prices; (None, None) when its size cannot be known (the page
    says "not measured"). ``memo``: the run's Quantity of each distinct figure, shared by the
    artworks that have it (60,000 artworks have a few dozen)."""
    from poster_gen.quantities import QuantityError, order_lines

    try:
        (line,) = order_lines([e], campaign, prices=prices)
    except QuantityError:
        return None, None
    key = (line.material, line.area_m2, line.amount, line.sheet_w_mm, line.sheet_h_mm, line.width_mm,
           line.height_mm, line.unit_price, line.basis)
    shown = memo.get(key)
    if shown is None:
        sheet = ""
        if (line.sheet_w_mm, line.sheet_h_mm) != (line.width_mm, line.height_mm):
            sheet = _("{width} × {height} mm printed").format(width=f"{line.sheet_w_mm:g}",
                                                              height=f"{line.sheet_h_mm:g}")
        shown = memo[key] = Quantity(material=line.material, area_m2=line.area_m2, amount=line.amount, sheet=sheet,
                                     price_text=_price_text(line.unit_price, line.basis))
    return line, shown


def _total(quantities) -> Quantity | None:
    """The sum of some artworks' quantities: area over those measured, cost over those priced."""
    known = [q for q in quantities if q is not None]
    if not known:
        return None
    amounts = [q.amount for q in known if q.amount is not None]
    return Quantity(
        material=", ".join(sorted({q.material for q in known if q.material})),
        area_m2=round(sum(q.area_m2 for q in known if q.area_m2 is not None), 6),
        amount=sum(amounts) if amounts else None,
    )


def _item(out: Path, e: ManifestEntry, anchor: str, files: dict[str, str], refused, preview, slogans, extra_checks,
          quantity: Quantity | None, page: str) -> ProofItem:
    """The artwork ``e`` as the page ``page`` (from OUT) shows it."""
    from poster_gen.sizes import PRESETS

    path, pw, ph, perr = preview
    links = tuple((fmt.upper(), _href(rel), os.path.isfile(os.path.join(out, rel))) for fmt, rel in sorted(files.items()))
    # the preview opens the print PNG, else the first file, else the artwork on its page
    opens = next((href for label, href, _ok in links if label == "PNG"), links[0][1] if links else f"{_href(page)}#{anchor}")
    records = list(e.check or ())
    seen = {r.file for r in records}
    for rel in files.values() if extra_checks else ():  # preflight of this run that the manifest does not hold yet
        rec = extra_checks.get(os.path.normcase(os.path.abspath(out / rel)))
        if rec is not None and rel not in seen:
            records.append(rec)
    errors: list[str] = []
    warnings: list[str] = []
    for r in records:
        errs, warns = _record_messages(r)
        errors += errs
        warnings += warns
    status = _check_status(records) if (e.check is not None or records) else ""
    preset = PRESETS.get(e.size)
    w_mm, h_mm = e.width_mm, e.height_mm
    label = f"{w_mm:g} × {h_mm:g} mm" if w_mm and h_mm else (_(preset.label) if preset and preset.label else "")
    note = "" if e.required_cap_mm is None else _("(needs {need} mm at {distance} m)").format(
        need=f"{e.required_cap_mm:.0f}", distance=f"{e.viewing_m or 0:g}")
    return ProofItem(
        anchor=anchor,
        unit=e.unit,
        slogan_id=e.slogan,
        slogan=slogans.get(e.slogan, " ".join(e.lines)),
        lines=tuple(str(x) for x in e.lines),
        size=e.size,
        size_label=label,
        kind=e.kind,
        kind_label=_(KINDS[e.kind]) if e.kind in KINDS else e.kind,
        design=e.design,
        cap_height_mm=e.cap_height_mm,
        required_cap_mm=e.required_cap_mm,
        heading_cap_mm=e.heading_cap_mm,
        occasion_cap_mm=e.occasion_cap_mm,
        viewing_m=e.viewing_m,
        verdict="ok" if e.legible is True else ("small" if e.legible is False else "unknown"),
        warnings=tuple(str(w) for w in e.warnings) + tuple(warnings),
        links=links,
        preview=None if perr else _href(f"{PROOF_DIR}/{path}"),
        preview_w=pw,
        preview_h=ph,
        preview_error=perr,
        check_status=status,
        check_errors=tuple(errors),
        refused_links=refused,
        required_note=note,
        copies=e.copies,
        quantity=quantity,
        page=page,
        opens=opens,
    )


def _order_rows(lines) -> list[dict]:
    """The order by kind, size and material, as ``poster-gen order`` sums it (quantities.size_totals)."""
    from poster_gen.quantities import size_totals

    rows = []
    for t in size_totals(lines):
        sheet = ""
        if (t.sheet_w_mm, t.sheet_h_mm) != (t.width_mm, t.height_mm):
            sheet = _("{width} × {height} mm printed").format(width=f"{t.sheet_w_mm:g}", height=f"{t.sheet_h_mm:g}")
        rows.append({
            "kind_label": _(KINDS[t.kind]) if t.kind in KINDS else t.kind,
            "size": t.size,
            "size_label": f"{t.width_mm:g} × {t.height_mm:g} mm",
            "sheet": sheet,
            "material": t.material,
            "artworks": t.count,
            "copies": t.copies,
            "area": format_area(t.area_m2),
            "price": _price_text(t.unit_price, t.basis),
            "amount": format_money(t.amount) if t.amount is not None else "",
        })
    return rows


def _mm_range(values) -> str:
    """"107 mm", or "98–107 mm" when they differ."""
    known = sorted({round(v) for v in values if v is not None})
    if not known:
        return ""
    return f"{known[0]} mm" if len(known) == 1 else f"{known[0]}–{known[-1]} mm"


def _page_names(unit: str, n_items: int) -> tuple[str, ...]:
    """``<unit>.html``, then ``<unit>~2.html``... for every PAGE_PREVIEWS artworks."""
    pages = max(1, math.ceil(n_items / PAGE_PREVIEWS))
    return tuple(f"{unit}.html" if i == 0 else f"{unit}~{i + 1}.html" for i in range(pages))


def _unit_page(uid: str, name: str, group: str, kind: str, items: list[ProofItem], pages: tuple[str, ...]) -> UnitPage:
    return UnitPage(
        id=uid, name=name, group=group, kind=kind, kind_label=kind_label(kind),
        pages=pages,
        artworks=len(items),
        copies=sum(it.copies for it in items),
        check_failed=sum(it.check_status == "fail" for it in items),
        small=sum(it.verdict == "small" for it in items),
        preview_failures=sum(bool(it.preview_error) for it in items),
        missing_files=sum(it.missing_files for it in items),
        refused_links=sum(len(it.refused_links) for it in items),
        total=_total([it.quantity for it in items]),
    )


def _groups(units: list[UnitPage], provinces: dict[str, tuple[str, str]]) -> list[UnitGroup]:
    """Units by province (in the list's order, units of no known province last), then by kind."""
    kind_order = {k: i for i, k in enumerate(UNIT_KINDS)}
    by_group: dict[tuple, dict[str, list[UnitPage]]] = defaultdict(lambda: defaultdict(list))
    for u in units:
        key = provinces.get(u.id)
        by_group[(0, key[0], key[1]) if key else (1, "", "")][u.kind].append(u)
    return [
        UnitGroup(
            label=label,
            kinds=tuple(
                KindGroup(kind=k, label=kind_label(k), units=tuple(kinds[k]))
                for k in sorted(kinds, key=lambda k: (kind_order.get(k, len(kind_order)), k == "", k))
            ),
        )
        for (_none, _key, label), kinds in sorted(by_group.items())
    ]


def _common(campaign, version: str) -> dict:
    when = campaign.event_date
    return {
        # the page's words: the template marks them with _() and ngettext() (see templates/proof.html.j2)
        "_": _,
        "ngettext": i18n.ngettext,
        "lang": i18n.language(),
        "title": _("Proof sheet: {name}").format(name=campaign.name),
        "event_date": _(DATE_FORMAT).format(year=when.year, month=when.month, day=when.day),
        "campaign": campaign,
        "version": version,
        "num": format_int,
    }


def _render(template, context: dict) -> bytes:
    return sandbox.render(template, context, sandbox.page_where(), sandbox.PAGE_LIMITS).encode("utf-8")


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write ``path`` unless it already holds ``data`` (a re-run leaves unchanged pages alone)."""
    try:
        if not path.is_symlink() and path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    with atomic_write(path) as fh:
        fh.write(data)


# ---- rendering the unit pages: in worker processes for a large proof ------------------------------

PARALLEL_PAGES_FROM = 16  # units; fewer are rendered in this process
_R: dict = {}  # a page-rendering process: the template and what every page shares, for one run


def _init_renderer(campaign_path: str, version: str, lang: str | None = None) -> None:
    from poster_gen.campaign import load_campaign

    if lang:  # a worker process: the pages are in the language of the run
        i18n.set_language(lang)
    _R.clear()
    _R.update(template=sandbox.page_template(), common=_common(load_campaign(campaign_path), version))


def _render_pages(contexts: list[dict]) -> list[bytes]:
    """The pages of one unit, from what each page shows of it (``contexts``)."""
    return [_render(_R["template"], dict(_R["common"], **ctx)) for ctx in contexts]


class _Pages:
    """Renders the unit pages in order, in this process or (a large proof, ``jobs`` > 1) in worker
    processes, a few units ahead of the pages written: ``add`` a unit's pages, ``finish`` at the end;
    ``write`` gets each unit's page names and bytes, in the order they were added."""

    def __init__(self, campaign_path: Path, version: str, jobs: int | None, units: int, write, template, common):
        jobs = max(1, jobs or os.cpu_count() or 1)
        self.write = write
        self.pool = None
        self.pending: deque = deque()
        self.window = 4 * jobs
        if jobs > 1 and units >= PARALLEL_PAGES_FROM:
            self.pool = ProcessPoolExecutor(max_workers=min(jobs, 8), initializer=_init_renderer,
                                            initargs=(str(campaign_path), version, i18n.language()))
        else:
            self.template, self.common = template, common

    def add(self, names: list[str], contexts: list[dict]) -> None:
        if self.pool is None:
            self.write(names, [_render(self.template, dict(self.common, **ctx)) for ctx in contexts])
            return
        self.pending.append((names, self.pool.submit(_render_pages, contexts)))
        while len(self.pending) >= self.window:
            self._one()

    def _one(self) -> None:
        names, future = self.pending.popleft()
        self.write(names, future.result())

    def finish(self) -> None:
        try:
            while self.pending:
                self._one()
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            for _names, future in self.pending:
                future.cancel()
            self.pool.shutdown()
            self.pool = None


class _Art(NamedTuple):
    """One artwork as the proof holds it from reading the manifest to writing its unit's page: what the
    page shows of it, nothing more (a national proof holds 60,000). Its fields are named as those of
    a ``ManifestEntry``, so that ``_item`` and ``_anchor`` read it as one."""

    unit: str
    slogan: str
    size: str
    design: str
    kind: str
    lines: tuple[str, ...]
    warnings: tuple[str, ...]
    width_mm: float
    height_mm: float
    cap_height_mm: float | None
    required_cap_mm: float | None
    heading_cap_mm: float | None
    occasion_cap_mm: float | None
    viewing_m: float | None
    legible: bool | None
    copies: int
    check: tuple[CheckRecord, ...] | None
    files: tuple[tuple[str, str], ...]  # (format, path) of the files a link may point at, as listed
    refused: tuple[tuple[str, str], ...]  # (FORMAT, value) of the entries that are not files inside OUT
    preview: str  # its preview's name under OUT/_proof
    keyed: bool  # the preview's name carries the artwork's fingerprint
    quantity: Quantity | None


class _Sketch(NamedTuple):
    """What a worker needs to draw an artwork's preview."""

    unit: str
    slogan: str
    size: str
    design: str
    kind: str


def _shared(memo: dict, value):
    """``value``, or the equal one the run already holds (texts and tuples of texts that 60,000 artworks
    repeat: ids, the lines of a slogan)."""
    return memo.setdefault(value, value)


def _read_arts(out: Path, campaign, prices, ext: str) -> tuple[list[_Art], list]:
    """The artworks of OUT/manifest.json as ``_Art`` records, read one at a time, and their order lines
    (for the summary by kind and size)."""
    texts: dict = {}
    figures: dict = {}
    folders: dict[str, bool] = {}
    arts: list[_Art] = []
    lines = []
    s = functools.partial(_shared, texts)
    for d in _artwork_tables(out):
        e = typed_entry(d)
        # every file a link may point at: relative, inside OUT; the rest is shown as text
        safe = {fmt: rel for fmt, rel in e.files.items() if _file_in_out(out, rel, folders)}
        refused = tuple((fmt.upper(), str(rel)) for fmt, rel in sorted(e.files.items()) if fmt not in safe)
        line, quantity = _quantity(e, campaign, prices, figures)
        if line is not None:
            lines.append(line)
        arts.append(_Art(
            unit=s(e.unit), slogan=s(e.slogan), size=s(e.size), design=s(e.design), kind=s(e.kind),
            lines=s(tuple(e.lines)), warnings=s(tuple(e.warnings)), width_mm=e.width_mm, height_mm=e.height_mm,
            cap_height_mm=e.cap_height_mm, required_cap_mm=e.required_cap_mm, heading_cap_mm=e.heading_cap_mm,
            occasion_cap_mm=e.occasion_cap_mm, viewing_m=e.viewing_m, legible=e.legible, copies=e.copies,
            check=e.check, files=tuple((s(fmt), rel) for fmt, rel in safe.items()), refused=refused,
            preview=_preview_name(e, list(safe.values()), ext), keyed=bool(e.hash), quantity=quantity,
        ))
    return arts, lines


class _IndexTotals:
    """What the index shows of all the artworks, gathered unit by unit as their pages are written."""

    def __init__(self, priced: bool):
        self.priced = priced
        self.artworks = self.copies = self.unpriced = self.unmeasured = self.unmeasured_copies = 0
        self.legible = self.small = self.checked = self.check_failed = self.missing_files = 0
        self.refused_links = self.preview_failures = 0
        self.slogans: set[str] = set()
        self.designs: Counter = Counter()
        self.problem_units = 0
        self.attention: list = []  # (unit, its first problem artworks, how many more)
        self.listed = 0
        self.small_by: dict[tuple[str, str, str], list] = {}  # (size, slogan, design) -> [first, units, n, caps]
        self.measured_any = False
        self.materials: set[str] = set()
        self.area = 0
        self.amounts = 0
        self.amount_any = False

    def add(self, u: UnitPage, items: list[ProofItem]) -> None:
        if u.problems:
            self.problem_units += 1
            if len(self.attention) < MAX_ATTENTION_UNITS:
                bad = [it for it in items if it.has_problem]
                shown = bad[:max(0, min(MAX_ATTENTION_PER_UNIT, MAX_ATTENTION - self.listed))]
                self.listed += len(shown)
                self.attention.append((u, shown, len(bad) - len(shown)))
        for it in items:
            q = it.quantity
            self.artworks += 1
            self.copies += it.copies
            self.slogans.add(it.slogan_id)
            self.designs[it.design] += 1
            if q is None:
                self.unmeasured += 1
                self.unmeasured_copies += it.copies
            else:  # the sum of every artwork's quantity, as _total adds them
                self.measured_any = True
                if q.material:
                    self.materials.add(q.material)
                if q.area_m2 is not None:
                    self.area += q.area_m2
                if q.amount is not None:
                    self.amounts += q.amount
                    self.amount_any = True
            if self.priced and (q is None or q.amount is None):
                self.unpriced += 1
            self.legible += it.verdict == "ok"
            self.checked += bool(it.check_status)
            self.check_failed += it.check_status == "fail"
            self.missing_files += it.missing_files
            self.refused_links += len(it.refused_links)
            self.preview_failures += bool(it.preview_error)
            if it.verdict == "small":
                self.small += 1
                row = self.small_by.get((it.size, it.slogan_id, it.design))
                if row is None:
                    row = self.small_by[(it.size, it.slogan_id, it.design)] = [it, set(), 0, set()]
                row[1].add(it.unit)
                row[2] += 1
                if it.cap_height_mm is not None:
                    row[3].add(round(it.cap_height_mm))

    @property
    def total(self) -> Quantity | None:
        if not self.measured_any:
            return None
        return Quantity(material=", ".join(sorted(self.materials)), area_m2=round(self.area, 6),
                        amount=self.amounts if self.amount_any else None)

    def small_rows(self) -> list[dict]:
        """Slogans set below the recommended size, by artwork (a design too small for a size shows in every
        unit), the most frequent first."""
        return [
            {"first": first, "units": len(units), "artworks": n, "caps": _mm_range(caps)}
            for first, units, n, caps in sorted(self.small_by.values(), key=lambda r: (-r[2], r[0].size,
                                                                                         r[0].slogan_id))
        ]


def write_proof(
    out: Path,
    campaign_path: Path,
    design_dirs: list[Path] | None = None,
    checks: list | None = None,
    failed: list[tuple[str, str]] | None = None,
    jobs: int | None = None,
    prices=None,
) -> ProofReport:
    """Write OUT/index.html, a page per unit under OUT/_proof/u/ and the previews under OUT/_proof/,
    for the artworks in OUT/manifest.json.

    ``design_dirs``: where the previews' designs are looked up (design TOML files only: the pages
    are always made from the packaged template). ``checks``: preflight results (``FileCheck`` or
    their ``to_dict()``) to show beside the artworks whose files they name, when the manifest does
    not hold them yet; ``failed``: (what, why) of jobs a batch could not render; ``prices``: a
    ``quantities.PriceList`` in place of the campaign's ``[prices]`` (as ``order --prices`` reads it).

    The manifest is read one artwork at a time and each artwork kept as a small record; a unit's
    page is made from its records, written, and let go before the next unit's.
    """
    from poster_gen import __version__
    from poster_gen.campaign import load_campaign

    out = Path(out)
    if not (out / "manifest.json").exists():
        raise PosterGenError(_("{path} not found; run 'poster-gen batch --out {out}' first").format(
            path=out / "manifest.json", out=out))
    campaign = load_campaign(campaign_path)
    ext = preview_format()
    arts, lines = _read_arts(out, campaign, prices, ext)
    template = sandbox.page_template()
    report = ProofReport(index=out / INDEX, artworks=len(arts))
    extra_checks: dict[str, CheckRecord] = {}
    for c in checks or []:
        d = c.to_dict() if hasattr(c, "to_dict") else c
        if isinstance(d, dict) and d.get("file"):
            recs = check_records(d) or ()
            if recs:
                rel = Path(os.path.relpath(os.path.abspath(d["file"]), os.path.abspath(out))).as_posix()
                extra_checks[os.path.normcase(os.path.abspath(d["file"]))] = CheckRecord(
                    file=rel, kind=recs[0].kind, status=recs[0].status, errors=recs[0].errors,
                    warnings=recs[0].warnings)

    # previews and pages: only inside OUT/_proof, never through a link
    proof_dir = out / PROOF_DIR
    if proof_dir.is_symlink():
        _refuse_link(proof_dir, out)
    for folder in sorted({(proof_dir / a.preview).parent for a in arts} | {proof_dir / PAGES_DIR}):
        _check_writable(folder, proof_dir, out)
    made = _read_preview_index(proof_dir)

    # reuse what an earlier run drew, draw the rest
    previews: list[tuple[int, int, str]] = [(0, 0, "")] * len(arts)
    todo: list[int] = []
    for i, a in enumerate(arts):
        size = _reusable(proof_dir / a.preview, a.preview, made, a.keyed, [os.path.join(out, rel) for _f, rel in a.files])
        if size:
            previews[i] = (size[0], size[1], "")
            report.previews_reused += 1
        else:
            todo.append(i)
    if todo:
        plan = [(_Sketch(a.unit, a.slogan, a.size, a.design, a.kind), str(proof_dir / a.preview))
                for a in (arts[i] for i in todo)]
        for i, (_dest, w, h, err) in zip(todo, _draw(plan, campaign_path, design_dirs, jobs)):
            previews[i] = (w, h, err)
        del plan
    report.previews_made = sum(1 for i in todo if not previews[i][2])

    # the artworks, by unit in the campaign's order, each unit's by kind, size, slogan and design
    slogans = {s.id: s.text for s in campaign.slogans}
    by_unit: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(arts):
        by_unit[a.unit].append(i)
    known = {u.id: u for u in campaign.units}
    unit_order = {u.id: i for i, u in enumerate(campaign.units)}
    provinces = unit_provinces(campaign.units)
    kind_order = {k: i for i, k in enumerate(KINDS)}
    order_ids = sorted(by_unit, key=lambda u: (unit_order.get(u, len(unit_order)), u))
    page_names = [_page_names(uid, len(by_unit[uid])) for uid in order_ids]
    unit_names = [known[uid].name if uid in known else uid for uid in order_ids]

    common = _common(campaign, __version__)
    priced = any(a.quantity is not None and a.quantity.amount is not None for a in arts)
    measured = any(a.quantity is not None and a.quantity.area_m2 is not None for a in arts)
    index = _IndexTotals(priced)

    # a page per unit, at most PAGE_PREVIEWS artworks each
    used: set[str] = set()
    units: list[UnitPage] = []
    pages_written: set[str] = set()

    def write(names: list[str], pages: list[bytes]) -> None:
        for name, html in zip(names, pages, strict=True):
            rel = f"{PAGES_DIR}/{name}"
            _write_if_changed(proof_dir / rel, html)
            pages_written.add(rel)

    renderer = _Pages(campaign_path, __version__, jobs, len(order_ids), write, template, common)
    try:
        for n, uid in enumerate(order_ids):
            unit = known.get(uid)
            mine = sorted(by_unit.pop(uid), key=lambda i: (kind_order.get(arts[i].kind, 9), arts[i].size,
                                                           arts[i].slogan, arts[i].design))
            names_ = page_names[n]
            items = [
                _item(out, arts[i], _anchor(arts[i], used), dict(arts[i].files), arts[i].refused,
                      (arts[i].preview, *previews[i]), slogans, extra_checks, arts[i].quantity,
                      f"{PROOF_DIR}/{PAGES_DIR}/{names_[k // PAGE_PREVIEWS]}")
                for k, i in enumerate(mine)
            ]
            u = _unit_page(uid, unit_names[n], provinces.get(uid, ("", ""))[1], _unit_kind(unit) if unit else "",
                           items, names_)
            units.append(u)
            index.add(u, items)
            problems = [it for it in items if it.has_problem]
            small = [it for it in items if it.verdict == "small" and not it.has_problem]
            renderer.add(list(u.pages), [{
                "page": "unit",
                "root": "../../",
                "unit": u,
                "items": items[p * PAGE_PREVIEWS:(p + 1) * PAGE_PREVIEWS],
                "page_no": p + 1,
                "page_links": [(k + 1, _href(other)) for k, other in enumerate(u.pages)],
                "previous": (unit_names[n - 1], _href(page_names[n - 1][0])) if n > 0 else None,
                "next": (unit_names[n + 1], _href(page_names[n + 1][0])) if n + 1 < len(order_ids) else None,
                "attention": problems[:MAX_ATTENTION],
                "attention_more": max(0, len(problems) - MAX_ATTENTION),
                "small": small[:MAX_ATTENTION],
                "small_more": max(0, len(small) - MAX_ATTENTION),
                "priced": priced,
                "measured": measured,
            } for p in range(len(u.pages))])
        renderer.finish()
    finally:
        renderer.close()
    report.pages = len(pages_written)
    report.units = len(units)
    report.preview_failures = index.preview_failures
    report.preflight_failures = index.check_failed
    report.refused_links = index.refused_links

    # the index: totals, the units with a problem first, then every unit by province and kind
    by_size = _order_rows(lines)
    del lines
    small_rows = index.small_rows()
    failed = list(failed or [])
    total = index.total
    summary = {
        "artworks": index.artworks,
        "units": len(units),
        "slogans": len(index.slogans),
        "copies": index.copies,
        "area": total.area_text if total else "",
        "amount": total.amount_text if total else "",
        "unpriced": index.unpriced,
        "unmeasured": index.unmeasured,
        "unmeasured_copies": index.unmeasured_copies,
        "designs": index.designs,
        "legible": index.legible,
        "small": index.small,
        "checked": index.checked,
        "check_failed": index.check_failed,
        "missing_files": index.missing_files,
        "refused_links": index.refused_links,
        "preview_failures": index.preview_failures,
    }
    html = _render(template, dict(
        common,
        page="index",
        root="",
        summary=summary,
        by_size=by_size,
        attention=index.attention,
        problem_units=index.problem_units,
        small_rows=small_rows[:MAX_SMALL_ROWS],
        small_more=max(0, len(small_rows) - MAX_SMALL_ROWS),
        failed=failed[:MAX_LISTED_FAILURES],
        failed_count=len(failed),
        groups=_groups(units, provinces),
        priced=priced,
        measured=measured,
    ))
    with atomic_write(out / INDEX) as fh:
        fh.write(html)

    # what this run made, so that the next one reuses it and deletes only what it made
    sizes_made = {}
    for a, (w, h, err) in zip(arts, previews):
        if not err:
            try:
                sizes_made[a.preview] = [w, h, (proof_dir / a.preview).stat().st_size]
            except OSError:
                pass
    shown = {a.preview for a, (_w, _h, err) in zip(arts, previews) if not err}
    _prune(proof_dir, list(made.previews), shown, _MADE_PREVIEW)
    _prune(proof_dir, made.pages, pages_written, _MADE_PAGE)
    with atomic_write(proof_dir / PREVIEW_INDEX) as fh:
        fh.write(json.dumps({"previews": sorted(shown), "sizes": sizes_made, "pages": sorted(pages_written)},
                            indent=0, sort_keys=True).encode("utf-8"))
    return report
