"""PDF writer: draws a Scene with reportlab. Never measures, never decides.

Glyphs are drawn at the exact positions layout gave (HarfBuzz kerning
included) using TJ adjustments, so the text stays extractable, spaces and all.

Page boxes are set here from ``marks.page_geometry``: TrimBox is the finished
size, BleedBox the trim plus bleed (the scene's canvas), MediaBox the bleed
box plus a margin for crop marks when they are asked for. reportlab's own
``cropMarks``/``bleedWidth`` option is not used: it scales the artwork.

Colour: ``rgb`` paints with DeviceRGB (what screens and most shops' RIPs take
today); ``cmyk`` paints only with DeviceCMYK (``k``/``K`` operators, marks in
registration 100/100/100/100). ``pdfx`` makes a PDF/X-1a:2001 file: an
OutputIntent naming the registered FOGRA39 condition with our FOGRA39 profile
(``poster_gen/data``) embedded, and the GTS_PDFX identification keys.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDate,
    PDFDictionary,
    PDFInfo,
    PDFName,
    PDFStream,
    PDFString,
    PDFZCompress,
)
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from poster_gen import __version__
from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.marks import Marks, PageGeometry, crop_marks, page_geometry
from poster_gen.output import atomic_write
from poster_gen.scene import Color, GlyphRun, Rect, Scene
from poster_gen.sizes import PT_PER_MM

COLOR_MODES = ("rgb", "cmyk")
PDFX_MODES = ("x1a",)
PDFX_VERSION = "PDF/X-1:2001"
PDFX_CONFORMANCE = "PDF/X-1a:2001"

# Characterised printing conditions of the ICC registry: id -> (OutputCondition,
# Info, the profile shipped in poster_gen/data and embedded as DestOutputProfile).
OUTPUT_CONDITIONS = {
    "FOGRA39": (
        "Coated FOGRA39 (ISO 12647-2:2004)",
        "Offset printing, ISO 12647-2:2004/Amd 1, paper types 1 and 2 (coated), 115 lpcm",
        "FOGRA39L-poster-gen.icc",
    ),
}
DEFAULT_OUTPUT_CONDITION = "FOGRA39"
REGISTRY = "http://www.color.org"


@dataclass(frozen=True)
class PdfOptions:
    color: str = "rgb"  # rgb | cmyk
    marks: bool = False  # trim marks and a slug line outside the bleed
    slug: str = ""  # the slug line's text (api.render_job fills it in)
    pdfx: str = ""  # "" | "x1a": PDF/X-1a:2001 (needs color="cmyk")
    output_condition: str = DEFAULT_OUTPUT_CONDITION

    def validate(self) -> None:
        if self.color not in COLOR_MODES:
            raise PosterGenError(_("colour mode '{mode}' is unknown; give rgb or cmyk").format(mode=self.color))
        if self.pdfx:
            if self.pdfx not in PDFX_MODES:
                raise PosterGenError(
                    _("PDF/X mode '{mode}' is unknown; give {valid}").format(mode=self.pdfx, valid=", ".join(PDFX_MODES))
                )
            if self.color != "cmyk":
                raise PosterGenError(_("PDF/X-1a allows CMYK only; use --color cmyk with --pdfx"))
            if self.output_condition not in OUTPUT_CONDITIONS:
                raise PosterGenError(
                    _("output condition '{condition}' is unknown; give {valid}").format(
                        condition=self.output_condition, valid=", ".join(OUTPUT_CONDITIONS)
                    )
                )


@lru_cache(maxsize=None)
def _rl_font(path: str) -> tuple[str, TTFont]:
    name = "PG-" + path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    font = TTFont(name, path, asciiReadable=False)
    pdfmetrics.registerFont(font)
    return name, font


def _fmt(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _mm(v_pt: float) -> str:
    return _fmt(v_pt / PT_PER_MM)


def _fill_op(color: Color, mode: str) -> str:
    if mode == "cmyk":
        c, m, y, k = color.cmyk
        return f"{_fmt(c)} {_fmt(m)} {_fmt(y)} {_fmt(k)} k"
    r, g, b = (v / 255 for v in color.rgb)
    return f"{_fmt(r)} {_fmt(g)} {_fmt(b)} rg"


def _stroke_op(color: Color, mode: str) -> str:
    op = _fill_op(color, mode)
    return op[:-2] + ("K" if mode == "cmyk" else "RG")


def writer_keywords(scene: Scene, geo: PageGeometry, opts: PdfOptions) -> tuple[str, ...]:
    """What the writer adds to /Keywords, for preflight to compare against."""
    tw, th = geo.canvas_w_pt - 2 * geo.bleed_pt, geo.canvas_h_pt - 2 * geo.bleed_pt
    kw = [
        f"color={opts.color}",
        f"trim_mm={_mm(tw)}x{_mm(th)}",
        f"bleed_mm={_mm(geo.bleed_pt)}",
        f"marks={'yes' if geo.marks else 'no'}",
        *([f"pdfx={opts.pdfx}"] if opts.pdfx else []),  # machine-readable, never translated
    ]
    claimed = {k.split("=", 1)[0] for k in scene.keywords}
    return tuple(k for k in kw if k.split("=", 1)[0] not in claimed)


def render_pdf_bytes(scene: Scene, opts: PdfOptions = PdfOptions()) -> bytes:
    opts.validate()
    buf = io.BytesIO()
    geo = page_geometry(scene.width_pt, scene.height_pt, scene.bleed_pt, marks=opts.marks)
    marks = crop_marks(geo, opts.slug)
    runs = [it for it in scene.items if isinstance(it, GlyphRun)]
    if marks.slug is not None:
        runs.append(marks.slug)
    fonts = sorted({r.font_path for r in runs})
    # A TrueType initial font keeps reportlab from adding an unused Helvetica.
    first_font = _rl_font(fonts[0])[0] if fonts else _rl_font(_fallback_font())[0]
    canv = Canvas(
        buf,
        pagesize=(geo.media_w_pt, geo.media_h_pt),
        invariant=1,
        pageCompression=1,
        initialFontName=first_font,
        enforceColorSpace="cmyk" if opts.color == "cmyk" else None,
    )
    canv.setTitle(scene.title)
    canv.setSubject(scene.subject)
    canv.setKeywords(", ".join((*scene.keywords, *writer_keywords(scene, geo, opts))))
    canv.setCreator(f"poster-gen {__version__}")
    canv.setAuthor("poster-gen")
    canv.setProducer(f"poster-gen {__version__}")
    canv.setTrimBox(geo.trim_box)
    canv.setBleedBox(geo.bleed_box)
    code: list[str] = []
    if geo.marks:
        o = geo.origin_pt
        # the artwork in its own frame, clipped to the bleed box
        code.append(f"q 1 0 0 1 {_fmt(o)} {_fmt(o)} cm 0 0 {_fmt(scene.width_pt)} {_fmt(scene.height_pt)} re W n")
    code += _scene_ops(canv, scene, opts.color)
    if geo.marks:
        code.append("Q")
        code += _marks_ops(canv, marks, geo, opts.color)
    canv._code.extend(code)  # reportlab has no public raw-operator API
    canv.showPage()
    if opts.pdfx:
        _add_pdfx(canv, opts)
    canv.save()
    return buf.getvalue()


def _fallback_font() -> str:
    from poster_gen.fonts import load_font
    from poster_gen.marks import SLUG_FONT

    return str(load_font(SLUG_FONT).path)


def _scene_ops(canv: Canvas, scene: Scene, mode: str) -> list[str]:
    page_h = scene.height_pt
    code = []
    for item in scene.items:
        if isinstance(item, Rect):
            y = page_h - item.y_pt - item.h_pt
            code.append(
                f"{_fill_op(item.color, mode)} {_fmt(item.x_pt)} {_fmt(y)} {_fmt(item.w_pt)} {_fmt(item.h_pt)} re f"
            )
        elif isinstance(item, GlyphRun):
            code.append(_text_ops(canv, item, page_h, mode))
    return code


def _marks_ops(canv: Canvas, marks: Marks, geo: PageGeometry, mode: str) -> list[str]:
    h = geo.media_h_pt
    code = [f"q {_fmt(marks.line_pt)} w 0 J {_stroke_op(marks.color, mode)}"]
    for s in marks.segments:
        code.append(f"{_fmt(s.x0_pt)} {_fmt(h - s.y0_pt)} m {_fmt(s.x1_pt)} {_fmt(h - s.y1_pt)} l S")
    code.append("Q")
    if marks.slug is not None:
        code.append(_text_ops(canv, marks.slug, h, mode))
    return code


def _text_ops(canv: Canvas, run: GlyphRun, page_h: float, mode: str) -> str:
    _name, font = _rl_font(run.font_path)
    doc = canv._doc
    size = run.size_pt
    out = ["BT", _fill_op(run.color, mode)]
    cur_subset = None
    cur_y = None
    tj: list[str] = []
    pen = 0.0  # where the PDF's pen is, in pt

    def flush():
        if tj:
            out.append("[" + " ".join(tj) + "] TJ")
            tj.clear()

    for i, g in enumerate(run.glyphs):
        (subset, code), = font.splitString(g.char, doc) or [(0, b"")]
        y = page_h - g.y_pt
        if subset != cur_subset or cur_y is None or abs(y - cur_y) > 1e-6:
            flush()
            if subset != cur_subset:
                out.append(f"{font.getSubsetInternalName(subset, doc)} {_fmt(size)} Tf")
                cur_subset = subset
            out.append(f"1 0 0 1 {_fmt(g.x_pt)} {_fmt(y)} Tm")
            cur_y = y
            pen = g.x_pt
        else:
            gap = g.x_pt - pen
            adj = -gap * 1000.0 / size
            if abs(adj) > 0.0005:
                tj.append(_fmt(adj))
            pen = g.x_pt
        tj.append("(" + canv._escape(code) + ")")
        pen += font.stringWidth(g.char, size)
    flush()
    out.append("ET")
    return "\n".join(out)


class _PdfXInfo(PDFInfo):
    """The document information dictionary with the PDF/X identification keys."""

    pdfx: dict = {}

    def format(self, document):
        D = {}
        D["Title"] = PDFString(self.title)
        D["Author"] = PDFString(self.author)
        D["ModDate"] = D["CreationDate"] = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
        D["Producer"] = PDFString(self.producer)
        D["Creator"] = PDFString(self.creator)
        D["Subject"] = PDFString(self.subject)
        D["Keywords"] = PDFString(self.keywords)
        D["Trapped"] = PDFName(self.trapped)
        for k, v in self.pdfx.items():
            D[k] = PDFString(v)
        return PDFDictionary(D).format(document)


def _add_pdfx(canv: Canvas, opts: PdfOptions) -> None:
    doc = canv._doc
    info = _PdfXInfo()
    info.__dict__.update(doc.info.__dict__)
    info.trapped = "False"
    info.pdfx = {"GTS_PDFXVersion": PDFX_VERSION, "GTS_PDFXConformance": PDFX_CONFORMANCE}
    doc.info = info
    condition, about, profile = OUTPUT_CONDITIONS[opts.output_condition]
    entries = {
        "Type": PDFName("OutputIntent"),
        "S": PDFName("GTS_PDFX"),
        "OutputConditionIdentifier": PDFString(opts.output_condition),
        "OutputCondition": PDFString(condition),
        "RegistryName": PDFString(REGISTRY),
        "Info": PDFString(about),
    }
    if profile:
        icc = PDFStream(PDFDictionary({"N": 4, "Alternate": PDFName("DeviceCMYK")}), _icc_bytes(profile), [PDFZCompress])
        entries["DestOutputProfile"] = doc.Reference(icc)
    intent = PDFDictionary(entries)
    cat = doc.Catalog
    cat.__NoDefault__ = [*type(cat).__NoDefault__, "OutputIntents"]
    cat.OutputIntents = PDFArray([intent])


@lru_cache(maxsize=None)
def _icc_bytes(name: str) -> bytes:
    from poster_gen.resources import data_dir

    try:
        return (data_dir() / name).read_bytes()
    except OSError as exc:
        raise PosterGenError(
            _("colour profile {name} is missing ({reason}); reinstall poster-gen").format(name=name, reason=exc.strerror)
        ) from None


def write_pdf(scene: Scene, path, opts: PdfOptions = PdfOptions()) -> None:
    data = render_pdf_bytes(scene, opts)
    with atomic_write(path) as fh:
        fh.write(data)
