"""Preflight: is a written file what it claims to be, and fit to print?

For a PDF: it parses whole; its page boxes are there and agree with the size
it claims in /Keywords (``size=``, ``trim_mm=``, ``bleed_mm=``); every font
is embedded and subset and none is left unused; it paints only in the colour
space asked for (``color=`` or the caller's ``color``); its text shows an
approved slogan of the campaign as whole lines (or it is flagged as a draft);
a PDF/X file carries its OutputIntent and identification keys.

For a PNG: it is complete (every chunk's CRC, the image data inflates to the
exact size); it is 8-bit sRGB with its dpi in pHYs; its pixel size equals the
physical size it claims (iTXt ``Keywords``: ``width_mm``, ``height_mm``) at
that dpi, and that size agrees with its ``size=``.

The library returns ``FileCheck`` records; the command line only prints them.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from poster_gen.campaign import Campaign
from poster_gen.errors import PosterGenError
from poster_gen.sizes import PT_PER_MM, px
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


@dataclass(frozen=True)
class Problem:
    code: str  # short tag: read, boxes, fonts, color, text, pdfx, png, size, dpi, metadata
    message: str  # one line: what is wrong and what was expected
    severity: str = "error"  # error | warning


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

    A path that does not exist is bad input (PosterGenError, exit 2).
    """
    out: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            found = sorted(
                q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in (".pdf", ".png") and not q.name.startswith(".")
            )
            out += found
        elif p.is_file():
            out.append(p)
        elif p.exists():
            raise PosterGenError(f"{p}: not a regular file; give PDF or PNG files or a folder")
        else:
            raise PosterGenError(f"{p}: no such file; give PDF or PNG files written by poster-gen, or their folder")
    if not out:
        raise PosterGenError("no PDF or PNG files to check; give files or a folder that holds some")
    return list(dict.fromkeys(out))


def check_files(paths, campaign: Campaign | None = None, color: str | None = None) -> list[FileCheck]:
    return [check_file(p, campaign, color) for p in paths]


def check_file(path: str | Path, campaign: Campaign | None = None, color: str | None = None) -> FileCheck:
    """Preflight one file. ``color`` (rgb|cmyk) overrides the colour mode the file claims."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise PosterGenError(f"{path}: cannot read it ({exc.strerror}); check the path") from None
    if head.startswith(b"%PDF-"):
        return _check_pdf(path, path.read_bytes(), campaign, color)
    if head.startswith(PNG_SIGNATURE):
        return _check_png(path, campaign)
    kind = path.suffix.lower().lstrip(".") if path.suffix.lower() in (".pdf", ".png") else "unknown"
    what = "empty" if not head else "neither a PDF nor a PNG (wrong signature)"
    return FileCheck(str(path), kind, (Problem("read", f"the file is {what}; render it again"),))


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
    source: str  # what the numbers come from, for messages


def _size_claims(kw: dict[str, str]) -> tuple[list[_Claim], list[Problem]]:
    """The physical size a file claims: its size id resolved, and explicit mm values."""
    from poster_gen.sizes import resolve_size

    claims, problems = [], []
    size_id = kw.get("size")
    if size_id:
        try:
            s = resolve_size(size_id)
            claims.append(_Claim(s.width_mm, s.height_mm, s.bleed_mm, f"size {size_id}"))
        except PosterGenError:
            problems.append(Problem("size", f"claims size '{size_id}', which poster-gen does not know", "warning"))
    trim = kw.get("trim_mm")
    if trim:
        m = re.match(r"^([\d.]+)x([\d.]+)$", trim)
        bleed = _float(kw.get("bleed_mm"))
        if m and bleed is not None:
            claims.append(_Claim(float(m.group(1)), float(m.group(2)), bleed, f"trim_mm={trim}, bleed_mm={kw['bleed_mm']}"))
        else:
            problems.append(Problem("metadata", f"cannot read trim_mm='{trim}' / bleed_mm in /Keywords"))
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
        return False, None, [Problem("text", "no slogan claim (slogan=ID) in the metadata; not a poster-gen file?")]
    if sid == DRAFT_ID:
        return True, None, [Problem("text", f"draft slogan, not in the approved list: «{clean(subject)}»", "warning")]
    if campaign is None:
        return False, None, [Problem("text", "no campaign given: the slogan was not compared", "warning")]
    try:
        slogan = campaign.slogan(sid)
    except KeyError:
        return False, None, [
            Problem("text", f"claims slogan {sid}, which campaign '{campaign.name}' does not have; check --campaign")
        ]
    problems = []
    if clean(subject) != slogan.text:
        problems.append(
            Problem("text", f"metadata says slogan «{clean(subject)}» but the campaign's slogan {sid} is «{slogan.text}»")
        )
    return False, slogan, problems


def _fmt_mm(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------
# PDF


def _check_pdf(path: Path, data: bytes, campaign: Campaign | None, color: str | None) -> FileCheck:
    from pypdf import PdfReader

    problems: list[Problem] = []
    facts: dict = {"bytes": len(data)}

    def fail(code, msg):
        return FileCheck(str(path), "pdf", (*problems, Problem(code, msg)), facts=facts)

    if b"%%EOF" not in data[-2048:]:
        return fail("read", "truncated: no %%EOF at the end (the file was cut short); render it again")
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        pages = list(reader.pages)
        for p in pages:
            _ = p.get_contents()
            _ = p.get("/Resources")
        info = reader.metadata or {}
        all_objects = _all_objects(reader)
    except Exception as exc:  # pypdf raises many types on damaged files
        return fail("read", f"damaged PDF ({type(exc).__name__}: {exc}); render it again")
    xref_bad = _xref_damage(reader, data)
    if xref_bad:
        return fail("read", f"damaged PDF: {xref_bad}; render it again")
    for num, obj in sorted(all_objects.items()):
        if hasattr(obj, "get_data"):  # every stream (content, fonts) must decode, completely
            why = _stream_damage(obj)
            if why:
                return fail("read", f"damaged PDF: stream {num} {why}; render it again")
    if len(pages) != 1:
        return fail("read", f"has {len(pages)} pages; a poster-gen artwork has one")
    page = pages[0]
    kw = parse_keywords(str(info.get("/Keywords", "")))
    subject = str(info.get("/Subject", ""))
    for k in ("unit", "slogan", "size", "design", "color"):
        if k in kw:
            facts[k] = kw[k]
    facts["version"] = reader.pdf_header.replace("%PDF-", "")

    problems += _pdf_boxes(page, kw, facts)
    problems += _pdf_fonts(page, all_objects, facts)
    try:
        spaces = _pdf_color_spaces(reader, page)
    except Exception as exc:
        return fail("read", f"cannot read the page's content ({type(exc).__name__}: {exc}); render it again")
    facts["color_spaces"] = sorted(spaces)
    want = color or kw.get("color")
    if want not in ("rgb", "cmyk"):
        problems.append(Problem("color", "the file does not say its colour mode (color=rgb|cmyk); not checked", "warning"))
    elif want == "cmyk":
        bad = {s: n for s, n in spaces.items() if s not in CMYK_SPACES}
        if bad:
            ops = ", ".join(f"{s} ({n}x)" for s, n in sorted(bad.items()))
            problems.append(Problem("color", f"asked for CMYK only but it paints in {ops}; render it with --color cmyk"))
    if color and kw.get("color") and color != kw["color"]:
        problems.append(Problem("color", f"asked for {color.upper()} but the file was made as {kw['color'].upper()}"))
    problems += _pdf_x(reader, info, kw, spaces, facts)

    draft, slogan, sp = _slogan_problems(kw, subject, campaign)
    problems += sp
    try:
        text = page.extract_text() or ""
    except Exception as exc:
        return fail("text", f"cannot extract the text ({type(exc).__name__}: {exc})")
    lines = [ln for ln in (clean(x) for x in text.splitlines()) if ln]
    facts["lines"] = lines
    if slogan is not None:
        wanted = [upper(slogan.text), slogan.text]
        if not any(_has_lines(lines, w) for w in wanted):
            shown = " / ".join(lines)
            problems.append(
                Problem("text", f"the page does not show approved slogan {slogan.id} «{upper(slogan.text)}» as whole lines; it shows «{shown}»")
            )
    elif draft and subject and not _has_lines(lines, upper(clean(subject))) and not _has_lines(lines, clean(subject)):
        problems.append(Problem("text", f"the page does not show its draft slogan «{clean(subject)}»"))
    return FileCheck(str(path), "pdf", tuple(problems), draft=draft, facts=facts)


def _xref_damage(reader, data: bytes) -> str:
    """pypdf quietly repairs a broken cross-reference table; a print file should not need that."""
    for gen, table in getattr(reader, "xref", {}).items():
        for num, offset in table.items():
            if num == 0 or offset is None:
                continue
            head = data[offset : offset + 32].lstrip(b"\r\n\t ")
            if not re.match(rb"%d\s+%d\s+obj" % (num, gen), head):
                return f"the cross-reference entry of object {num} points elsewhere"
    return ""


def _stream_damage(obj) -> str:
    """Why a stream does not decode, or "". Flate is inflated strictly (pypdf forgives)."""
    filters = obj.get("/Filter")
    filters = [] if filters is None else [str(f) for f in (filters if isinstance(filters, list) else [filters])]
    data = getattr(obj, "_data", None)
    try:
        if data is None or any(f not in ("/FlateDecode", "/ASCII85Decode") for f in filters):
            obj.get_data()
            return ""
        for f in filters:
            if f == "/ASCII85Decode":
                data = base64.a85decode(bytes(data).strip().removesuffix(b"~>").replace(b"\n", b""))
            else:
                d = zlib.decompressobj()
                data = d.decompress(data)
                if not d.eof:
                    return "is cut short"
    except Exception as exc:
        return f"does not decode ({type(exc).__name__})"
    length1 = obj.get("/Length1")
    if length1 is not None and int(length1) != len(data):
        return f"holds {len(data)} of the {int(length1)} bytes its font should have"
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


def _all_objects(reader) -> dict[int, object]:
    """Every object the cross-reference table lists (damage raises)."""
    out = {}
    size = int(reader.trailer.get("/Size", 0))
    for num in range(1, size):
        obj = reader.get_object(num)
        if obj is not None:
            out[num] = obj
    return out


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


def _wh_mm(r) -> tuple[float, float]:
    return ((r[2] - r[0]) / PT_PER_MM, (r[3] - r[1]) / PT_PER_MM)


def _pdf_boxes(page, kw: dict, facts: dict) -> list[Problem]:
    problems = []
    tol = TOL_MM * PT_PER_MM
    media, trim, bleed = _rect(page, "/MediaBox"), _rect(page, "/TrimBox"), _rect(page, "/BleedBox")
    crop = _rect(page, "/CropBox")
    missing = [n for n, b in (("MediaBox", media), ("TrimBox", trim), ("BleedBox", bleed)) if b is None]
    if missing:
        problems.append(Problem("boxes", f"no {', '.join(missing)}; print shops need the trim and bleed boxes"))
    if media:
        facts["media_mm"] = [round(v, 2) for v in _wh_mm(media)]
    if trim:
        facts["trim_mm"] = [round(v, 2) for v in _wh_mm(trim)]
    if trim and bleed:
        facts["bleed_mm"] = round((trim[0] - bleed[0]) / PT_PER_MM, 2)
        if not _within(trim, bleed, tol):
            problems.append(Problem("boxes", "TrimBox is not inside BleedBox"))
    if bleed and media and not _within(bleed, media, tol):
        problems.append(Problem("boxes", "BleedBox is not inside MediaBox"))
    if crop and bleed and not _within(bleed, crop, tol):
        problems.append(Problem("boxes", "CropBox cuts into the bleed"))
    if bleed and media:
        marks = kw.get("marks")
        margins = [bleed[0] - media[0], bleed[1] - media[1], media[2] - bleed[2], media[3] - bleed[3]]
        if marks == "no" and max(margins) > tol:
            problems.append(Problem("boxes", "MediaBox is larger than BleedBox but the file says it has no marks"))
        if marks == "yes" and min(margins) < 5 * PT_PER_MM:
            problems.append(Problem("boxes", "the file says it has crop marks but MediaBox leaves no room for them"))
    claims, cp = _size_claims(kw)
    problems += cp
    if not claims:
        problems.append(Problem("size", "no size claim (size=, trim_mm=) in /Keywords: the boxes cannot be checked"))
    if trim and bleed:
        tw, th = _wh_mm(trim)
        for c in claims:
            if abs(tw - c.width_mm) > TOL_MM or abs(th - c.height_mm) > TOL_MM:
                problems.append(
                    Problem("boxes", f"TrimBox is {_fmt_mm(tw)} x {_fmt_mm(th)} mm but {c.source} is "
                            f"{_fmt_mm(c.width_mm)} x {_fmt_mm(c.height_mm)} mm")
                )
            sides = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
            if any(abs(s / PT_PER_MM - c.bleed_mm) > TOL_MM for s in sides):
                got = ", ".join(_fmt_mm(s / PT_PER_MM) for s in sides)
                problems.append(
                    Problem("boxes", f"BleedBox is trim + {got} mm (left, bottom, right, top) but {c.source} has "
                            f"{_fmt_mm(c.bleed_mm)} mm bleed")
                )
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
            what = "standard font" if name in STANDARD_14 else "font"
            problems.append(Problem("fonts", f"{what} {name} is in the file but the page does not use it"))
        if subtype == "/Type3":
            continue
        if "/Widths" in obj and "/FirstChar" in obj and "/LastChar" in obj:
            widths = _resolve(obj["/Widths"])
            if len(widths) != int(obj["/LastChar"]) - int(obj["/FirstChar"]) + 1:
                problems.append(Problem("fonts", f"font {name}: its widths table is damaged"))
        desc_font = obj
        if subtype == "/Type0":
            desc = _resolve(obj.get("/DescendantFonts")) or []
            desc_font = _resolve(desc[0]) if desc else {}
        fd = _resolve(desc_font.get("/FontDescriptor")) if hasattr(desc_font, "get") else None
        embedded = bool(fd) and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if not embedded:
            what = "standard font" if name in STANDARD_14 else "font"
            problems.append(Problem("fonts", f"{what} {name} is not embedded; the printer would substitute it"))
        elif not _SUBSET.match(name):
            problems.append(Problem("fonts", f"font {name} is embedded whole, not subset"))
    facts["fonts"] = names
    return problems


_OP_SPACE = {b"rg": "DeviceRGB", b"RG": "DeviceRGB", b"g": "DeviceGray", b"G": "DeviceGray",
             b"k": "DeviceCMYK", b"K": "DeviceCMYK"}
_NAME_SPACE = {"/DeviceRGB": "DeviceRGB", "/RGB": "DeviceRGB", "/DeviceGray": "DeviceGray", "/G": "DeviceGray",
               "/DeviceCMYK": "DeviceCMYK", "/CMYK": "DeviceCMYK", "/Pattern": "Pattern"}


def _space_of(cs, resources) -> str:
    """The name of a colour space given by name or array, resolving resources."""
    cs = _resolve(cs)
    if isinstance(cs, str) or (hasattr(cs, "startswith") and not isinstance(cs, (list, tuple))):
        name = str(cs)
        if name in _NAME_SPACE:
            return _NAME_SPACE[name]
        named = _resolve((_resolve((resources or {}).get("/ColorSpace")) or {}).get(name))
        return _space_of(named, resources) if named is not None else name.lstrip("/")
    if isinstance(cs, (list, tuple)) and cs:
        family = str(cs[0])
        if family == "/ICCBased":
            n = int(_resolve(cs[1]).get("/N", 0))
            return {1: "ICCBased Gray", 3: "ICCBased RGB", 4: "ICCBased CMYK"}.get(n, "ICCBased")
        if family == "/Indexed":
            return "Indexed " + _space_of(cs[1], resources)
        return family.lstrip("/")
    return "unknown"


def _pdf_color_spaces(reader, page) -> Counter:
    from pypdf.generic import ContentStream

    spaces: Counter = Counter()

    def walk(stream, resources, depth=0):
        if stream is None or depth > 8:
            return
        resources = _resolve(resources) or {}
        for operands, op in ContentStream(stream, reader).operations:
            if op in _OP_SPACE:
                spaces[_OP_SPACE[op]] += 1
            elif op in (b"cs", b"CS") and operands:
                spaces[_space_of(operands[0], resources)] += 1
            elif op == b"INLINE IMAGE":
                settings = operands.get("settings", {}) if hasattr(operands, "get") else {}
                cs = settings.get("/CS", settings.get("/ColorSpace"))
                if cs is not None:
                    spaces[_space_of(cs, resources)] += 1
            elif op == b"sh" and operands:
                sh = _resolve((_resolve(resources.get("/Shading")) or {}).get(operands[0]))
                if sh is not None:
                    spaces[_space_of(sh.get("/ColorSpace"), resources)] += 1
            elif op == b"Do" and operands:
                xo = _resolve((_resolve(resources.get("/XObject")) or {}).get(operands[0]))
                if xo is None:
                    continue
                if xo.get("/Subtype") == "/Image" and "/ColorSpace" in xo:
                    spaces[_space_of(xo["/ColorSpace"], resources)] += 1
                elif xo.get("/Subtype") == "/Form":
                    walk(xo, xo.get("/Resources", resources), depth + 1)

    walk(page.get_contents(), page.get("/Resources"))
    return spaces


def _icc_damage(stream) -> str:
    """Why an embedded output profile is unusable for a CMYK file, or ""."""
    try:
        data = stream.get_data()
    except Exception as exc:
        return f"does not decode ({type(exc).__name__})"
    if len(data) < 128 or data[36:40] != b"acsp":
        return "is not an ICC profile"
    if struct.unpack(">I", data[:4])[0] != len(data):
        return "is cut short"
    if data[16:20] != b"CMYK":
        return f"describes {data[16:20].decode('latin-1').strip()}, not CMYK"
    if data[12:16] != b"prtr":
        return "is not an output (printer) profile"
    return ""


def _pdf_x(reader, info, kw: dict, spaces: Counter, facts: dict) -> list[Problem]:
    version = str(info.get("/GTS_PDFXVersion", "") or "")
    if not version and "pdfx" not in kw:
        return []
    problems = []
    facts["pdfx"] = version or None
    if not version:
        problems.append(Problem("pdfx", "the file says pdfx but has no GTS_PDFXVersion in its information"))
    root = reader.trailer["/Root"].get_object()
    intents = [_resolve(i) for i in (_resolve(root.get("/OutputIntents")) or [])]
    gts = [i for i in intents if str(i.get("/S")) == "/GTS_PDFX"]
    if not gts:
        problems.append(Problem("pdfx", "PDF/X needs an OutputIntent with /S /GTS_PDFX; there is none"))
    else:
        oi = gts[0]
        facts["output_condition"] = str(oi.get("/OutputConditionIdentifier", ""))
        if not oi.get("/OutputConditionIdentifier"):
            problems.append(Problem("pdfx", "the OutputIntent has no OutputConditionIdentifier"))
        if "/DestOutputProfile" in oi:
            why = _icc_damage(_resolve(oi["/DestOutputProfile"]))
            facts["output_profile"] = "embedded" if not why else "damaged"
            if why:
                problems.append(Problem("pdfx", f"the output intent's ICC profile {why}"))
        elif not oi.get("/RegistryName"):
            problems.append(Problem("pdfx", "the OutputIntent has neither a profile nor a registered condition"))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        problems.append(Problem("pdfx", "PDF/X needs /Trapped True or False in the document information"))
    if version.startswith("PDF/X-1"):
        bad = sorted(s for s in spaces if s not in CMYK_SPACES | {"DeviceGray"})
        if bad:
            problems.append(Problem("pdfx", f"PDF/X-1a allows CMYK, gray and spot colours only; it uses {', '.join(bad)}"))
        if version == "PDF/X-1:2001" and reader.pdf_header > "%PDF-1.3":
            problems.append(Problem("pdfx", f"PDF/X-1a:2001 needs PDF 1.3; the file is {reader.pdf_header[1:]}"))
    if "/ID" not in reader.trailer:
        problems.append(Problem("pdfx", "PDF/X needs a file identifier (/ID) in the trailer"))
    return problems


# ---------------------------------------------------------------------------
# PNG


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


def read_png(path: Path, verify_data: bool = True) -> tuple[PngInfo | None, list[Problem]]:
    """Walk a PNG's chunks (CRCs checked), inflate its image data to check it is complete."""
    problems: list[Problem] = []
    text: dict[str, str] = {}
    ihdr = None
    dpi = None
    srgb = False
    seen_iend = False
    inflater = zlib.decompressobj()
    raw = 0
    with open(path, "rb") as fh:
        if fh.read(8) != PNG_SIGNATURE:
            return None, [Problem("read", "not a PNG (wrong signature)")]
        offset = 8
        while True:
            head = fh.read(8)
            if not head:
                break
            if len(head) < 8:
                problems.append(Problem("read", f"truncated: the file ends inside a chunk header at byte {offset}"))
                break
            length, kind = struct.unpack(">I4s", head)
            body = fh.read(length)
            crc = fh.read(4)
            if len(body) < length or len(crc) < 4:
                problems.append(Problem("read", f"truncated: the {kind.decode('latin-1')} chunk at byte {offset} is cut short"))
                break
            if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body) & 0xFFFFFFFF:
                problems.append(Problem("read", f"damaged: the {kind.decode('latin-1')} chunk at byte {offset} fails its CRC"))
                break
            offset += 12 + length
            if kind == b"IHDR":
                ihdr = struct.unpack(">IIBBBBB", body[:13])
            elif kind == b"pHYs":
                ppx, ppy, unit = struct.unpack(">IIB", body[:9])
                if unit == 1:
                    dpi = ppx * 0.0254 if ppx == ppy else None
                    if ppx != ppy:
                        problems.append(Problem("dpi", "pHYs gives different horizontal and vertical resolutions"))
            elif kind == b"sRGB":
                srgb = True
            elif kind == b"tEXt":
                k, _, v = body.partition(b"\x00")
                text[k.decode("latin-1")] = v.decode("latin-1")
            elif kind == b"iTXt":
                k, _, rest = body.partition(b"\x00")
                comp, rest = rest[0], rest[2:]  # compression flag; method is always 0 (zlib)
                _lang, _, rest = rest.partition(b"\x00")
                _tk, _, value = rest.partition(b"\x00")
                try:
                    text[k.decode("latin-1")] = (zlib.decompress(value) if comp else value).decode("utf-8")
                except (zlib.error, UnicodeDecodeError):
                    problems.append(Problem("metadata", f"the iTXt chunk '{k.decode('latin-1')}' is unreadable"))
            elif kind == b"IDAT" and verify_data:
                try:
                    data = body
                    while data:
                        raw += len(inflater.decompress(data, 1 << 24))
                        data = inflater.unconsumed_tail
                except zlib.error as exc:
                    problems.append(Problem("read", f"damaged image data ({exc})"))
                    verify_data = False
            elif kind == b"IEND":
                seen_iend = True
                if fh.read(1):
                    problems.append(Problem("read", "bytes after the end of the image (IEND)", "warning"))
                break
    if ihdr is None:
        problems.append(Problem("read", "no IHDR chunk: not a readable PNG"))
        return None, problems
    w, h, depth, ctype, _comp, _filt, interlace = ihdr
    if not seen_iend and not any(p.message.startswith(("truncated", "damaged")) for p in problems):
        problems.append(Problem("read", "truncated: no IEND chunk at the end"))
    if verify_data and not problems and interlace == 0:
        row = (w * _CHANNELS.get(ctype, 3) * depth + 7) // 8
        expected = h * (1 + row)
        if not inflater.eof or raw != expected:
            problems.append(Problem("read", f"incomplete image data: {raw} of {expected} bytes; render it again"))
    return PngInfo(w, h, depth, ctype, interlace, dpi, srgb, text), problems


def _check_png(path: Path, campaign: Campaign | None) -> FileCheck:
    info, problems = read_png(path)
    facts: dict = {"bytes": path.stat().st_size}
    if info is None or any(p.code == "read" and p.severity == "error" for p in problems):
        return FileCheck(str(path), "png", tuple(problems), facts=facts)
    facts.update(width_px=info.width, height_px=info.height)
    if (info.bit_depth, info.color_type) not in ((8, 2), (8, 3)):
        problems.append(Problem("png", f"colour type {info.color_type} at {info.bit_depth} bits; expected 8-bit RGB"))
    if not info.srgb:
        problems.append(Problem("png", "no sRGB chunk: the colours are not tagged sRGB"))
    kw = parse_keywords(info.text.get("Keywords", ""))
    for k in ("unit", "slogan", "size", "design"):
        if k in kw:
            facts[k] = kw[k]
    if info.dpi is None:
        problems.append(Problem("dpi", "no pHYs chunk in metres: the PNG does not say its dpi"))
        return FileCheck(str(path), "png", tuple(problems), facts=facts)
    dpi = info.dpi
    facts["dpi"] = round(dpi) if abs(dpi - round(dpi)) < 0.05 else round(dpi, 2)
    claimed_dpi = _float(kw.get("dpi"))
    if claimed_dpi is not None and abs(claimed_dpi - dpi) > 0.5:
        problems.append(Problem("dpi", f"pHYs says {dpi:.0f} dpi but the file was made at {claimed_dpi:g} dpi"))
    w_mm, h_mm = _float(kw.get("width_mm")), _float(kw.get("height_mm"))
    with_bleed = kw.get("bleed") == "yes"
    claims, cp = _size_claims({k: v for k, v in kw.items() if k == "size"})
    problems += cp
    if w_mm is None or h_mm is None:
        if claims:
            c = claims[0]
            extra = 2 * c.bleed_mm if with_bleed else 0.0
            w_mm, h_mm = c.width_mm + extra, c.height_mm + extra
        else:
            problems.append(Problem("size", "no physical size (width_mm/height_mm or size=) in the PNG's Keywords"))
            return FileCheck(str(path), "png", tuple(problems), facts=facts)
    facts.update(width_mm=w_mm, height_mm=h_mm)
    ew, eh = px(w_mm, round(dpi)), px(h_mm, round(dpi))
    if abs(info.width - ew) > TOL_PX or abs(info.height - eh) > TOL_PX:
        problems.append(
            Problem("size", f"{info.width} x {info.height} px is not {_fmt_mm(w_mm)} x {_fmt_mm(h_mm)} mm at "
                    f"{dpi:.0f} dpi ({ew} x {eh} px)")
        )
    for c in claims:
        extra = 2 * c.bleed_mm if with_bleed else 0.0
        if abs(c.width_mm + extra - w_mm) > TOL_MM or abs(c.height_mm + extra - h_mm) > TOL_MM:
            problems.append(
                Problem("size", f"the PNG says {_fmt_mm(w_mm)} x {_fmt_mm(h_mm)} mm but {c.source} is "
                        f"{_fmt_mm(c.width_mm + extra)} x {_fmt_mm(c.height_mm + extra)} mm")
            )
    draft, _slogan, sp = _slogan_problems(kw, info.text.get("Description", ""), campaign)
    problems += sp
    return FileCheck(str(path), "png", tuple(problems), draft=draft, facts=facts)


# ---------------------------------------------------------------------------
# the readable report


def _describe(r: FileCheck) -> str:
    f = r.facts
    bits = [r.kind]
    if "size" in f:
        bits.append(str(f["size"]))
    if r.kind == "pdf" and "trim_mm" in f:
        w, h = f["trim_mm"]
        bits.append(f"{_fmt_mm(w)} x {_fmt_mm(h)} mm + {_fmt_mm(f.get('bleed_mm', 0))} mm bleed")
    if r.kind == "png" and "width_px" in f:
        bits.append(f"{f['width_px']} x {f['height_px']} px at {f.get('dpi', '?'):g} dpi" if "dpi" in f else
                    f"{f['width_px']} x {f['height_px']} px")
    if "color" in f:
        bits.append(str(f["color"]).upper())
    if f.get("pdfx"):
        bits.append(str(f["pdfx"]))
    if "slogan" in f:
        bits.append(f"slogan {f['slogan']}")
    return ", ".join(bits)


def summary_line(results: list[FileCheck]) -> str:
    n = len(results)
    counts = {k: sum(r.status == k for r in results) for k in ("pass", "draft", "fail")}
    return (f"checked {n} file{'s' if n != 1 else ''}: {counts['pass']} passed, {counts['draft']} draft, "
            f"{counts['fail']} failed")


def format_report(results: list[FileCheck], summary: bool = True) -> str:
    """One line per file that passes, one line per problem otherwise, and a summary."""
    out = []
    for r in results:
        label = {"pass": "ok   ", "draft": "draft", "fail": "FAIL "}[r.status]
        if r.errors:
            out += [f"{label} {r.path}: {p.message}" for p in r.errors]
        else:
            out.append(f"{label} {r.path} ({_describe(r)})")
        out += [f"warn  {r.path}: {p.message}" for p in r.warnings]
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
