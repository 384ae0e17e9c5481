"""PDF writer: draws a Scene with reportlab. Never measures, never decides.

Glyphs are drawn at the exact positions layout gave (HarfBuzz kerning
included) using TJ adjustments, so the text stays extractable, spaces and all.

Page boxes are set here from ``marks.page_geometry``: TrimBox is the finished
size, BleedBox the trim plus bleed (the scene's canvas), MediaBox the bleed
box plus a margin for crop marks when they are asked for. reportlab's own
``cropMarks``/``bleedWidth`` option is not used: it scales the artwork.

Pages over 200 inches: PDF 1.3 (so PDF/X-1a) and Acrobat-based tools stop at
14,400 units a side. A page whose MediaBox (marks included) would exceed that
is written at 1:10, the sign makers' convention: one ``cm`` at the start of
the content divides every coordinate, line width and font size by 10, and the
boxes are divided too. The file stays PDF 1.3 and opens the same in every
reader; /Keywords says ``scale=0.1`` (physical size = box size / scale, which
``check`` verifies) and the slug line says "scale 1:10". UserUnit (PDF 1.6)
is not used: poppler and PDFium ignore it and show the page 10 times too small.

Colour: ``rgb`` paints with DeviceRGB (what screens and most shops' RIPs take
today); ``cmyk`` paints only with DeviceCMYK (``k``/``K`` operators, marks in
registration 100/100/100/100). ``pdfx`` makes a PDF/X-1a:2001 file: an
OutputIntent naming the registered FOGRA39 condition with our FOGRA39 profile
(``poster_gen/data``) embedded, and the GTS_PDFX identification keys.
"""

from __future__ import annotations

import hashlib
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
from poster_gen.fonts import Font, font_file
from poster_gen.i18n import _
from poster_gen.marks import PageGeometry, page_geometry, with_marks
from poster_gen.output import atomic_write
from poster_gen.scene import Color, GlyphRun, Line, Rect, Scene, WriterError  # noqa: F401  (WriterError re-exported)
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

# Page size limit of PDF 1.3 (PDF Reference, appendix C: 14,400 units = 200 in) and of
# Acrobat-based preflight and RIP front ends; PDF/X-1a is PDF 1.3.
MAX_PAGE_UNITS = 14_400.0
# Scales a page is written at, largest first: 1:1, then the sign makers' 1:10
# (enough for the 50 m a side that sizes.MAX_SIDE_MM allows, marks included).
PAGE_SCALES = (1.0, 0.1)


@dataclass(frozen=True)
class PdfOptions:
    """How a PDF is written: colour mode, marks, PDF/X, text live or as outlines."""

    color: str = "rgb"  # rgb | cmyk
    marks: bool = False  # trim marks and a slug line outside the bleed
    slug: str = ""  # the slug line's text (api.render_job fills it in)
    pdfx: str = ""  # "" | "x1a": PDF/X-1a:2001 (needs color="cmyk")
    output_condition: str = DEFAULT_OUTPUT_CONDITION
    outline: bool = False  # text as filled glyph outlines: no font in the file (approved text in /Subject)

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


def subset_tag(font_sha256: str, codes: tuple[int, ...], gids: tuple[int, ...]) -> str:
    """Six capital letters naming one embedded subset (PDF 32000-1, 9.6.4).

    Derived from the font file's hash and the subset's code -> glyph table, so
    the same subset gets the same tag in every file, and two different subsets
    (other glyphs, or the same glyphs under other codes) get different ones:
    a RIP or imposition tool that caches fonts by name cannot mix them up.
    """
    key = font_sha256 + ":" + ",".join(f"{c}={g}" for c, g in zip(codes, gids))
    n = int.from_bytes(hashlib.sha256(key.encode("ascii")).digest()[:8], "big")
    letters = []
    for _i in range(6):
        n, r = divmod(n, 26)
        letters.append(chr(ord("A") + r))
    return "".join(letters)


class _TaggedTTFont(TTFont):
    """reportlab's TrueType font, with subset tags derived from the subset's content.

    reportlab names subsets by their index only (AAAAAA+, AAAAAB+ ...), the
    same in every file whatever glyphs they hold. After reportlab has built a
    subset's objects, its name is replaced in the three places it appears:
    the font's /BaseFont, the descriptor's /FontName and the ToUnicode CMap.
    """

    def __init__(self, name: str, path, sha256: str):
        super().__init__(name, path, asciiReadable=False)
        self._sha256 = sha256

    def addObjects(self, doc):
        state = self.state.get(doc)
        subsets = [tuple(s) for s in state.subsets] if state is not None else []
        internal = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(subsets))]
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        to_glyph = self.face.charToGlyph
        for name, codes in zip(internal, subsets):
            pdf_font = fonts[name]
            old = pdf_font.BaseFont
            plus = old.index("+")
            new = subset_tag(self._sha256, codes, tuple(to_glyph.get(c, 0) for c in codes)) + old[plus:]
            pdf_font.BaseFont = new
            descriptor = doc.idToObject[pdf_font.FontDescriptor.name]
            descriptor.dict["FontName"] = PDFName(new)
            cmap = doc.idToObject[pdf_font.ToUnicode.name]
            cmap.content = cmap.content.replace(old, new)


# reportlab's fonts, by file, each with the font (``fonts.font_file``) it was made from: a file
# whose bytes have changed is made into a reportlab font again, under a new name (the name holds
# the bytes' hash), so a replaced font is never embedded as it was.
_RL_FONTS: dict[str, tuple[Font, str, TTFont]] = {}


def _rl_font(path: str, source: Font | None = None) -> tuple[str, TTFont]:
    """The reportlab font of the font file ``path`` as it is now, or as ``source`` (the font the
    layout measured, read from that file) holds it: (registered name, font)."""
    if source is None:
        source = font_file(path)
    hit = _RL_FONTS.get(path)
    if hit is not None and hit[0] is source:
        return hit[1], hit[2]
    sha = source.sha256
    # the hash keeps two files of the same name (a design's folder, the packaged fonts) apart
    name = "PG-" + path.rsplit("/", 1)[-1].rsplit(".", 1)[0] + "-" + sha[:12]
    data = io.BytesIO(source.data)  # the bytes measured and hashed, not the file read again
    data.name = path  # what reportlab calls the file, as when it opened it
    font = _TaggedTTFont(name, data, sha)
    pdfmetrics.registerFont(font)
    _RL_FONTS[path] = (source, name, font)
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
    """The stroking twin of ``_fill_op``: the same operands, then ``K`` or ``RG``."""
    operands, op = _fill_op(color, mode).rsplit(" ", 1)
    return f"{operands} {op.upper()}"


def page_scale(geo: PageGeometry) -> float:
    """The scale the page is written at: 1, or 0.1 when the media is over 14,400 units a side."""
    for scale in PAGE_SCALES:
        if max(geo.media_w_pt, geo.media_h_pt) * scale <= MAX_PAGE_UNITS:
            return scale
    raise WriterError(
        _("PDF writer: a {width} x {height} pt page does not fit in {most} units even at 1:10; this is a bug in "
          "poster-gen (sizes are limited to 50 m)").format(
            width=_fmt(geo.media_w_pt), height=_fmt(geo.media_h_pt), most=_fmt(MAX_PAGE_UNITS))
    )


def scale_label(scale: float) -> str:
    """'1:10' for 0.1: how sign makers write a drawing's scale."""
    return f"1:{_fmt(1 / scale)}"


def slug_with_scale(slug: str, scale: float) -> str:
    """The slug line, with the page's scale at its end when it is not 1:1 (alone when there is no slug)."""
    if scale == 1:
        return slug
    note = _("scale {scale} (print at {percent}%)").format(scale=scale_label(scale), percent=_fmt(100 / scale))
    return f"{slug}  |  {note}" if slug else note


def _scaled_box(box: tuple[float, float, float, float], scale: float) -> tuple[float, float, float, float]:
    return tuple(v * scale for v in box)  # type: ignore[return-value]


def writer_keywords(scene: Scene, geo: PageGeometry, opts: PdfOptions, scale: float = 1.0) -> tuple[str, ...]:
    """What the writer adds to /Keywords, for preflight to compare against."""
    tw, th = geo.canvas_w_pt - 2 * geo.bleed_pt, geo.canvas_h_pt - 2 * geo.bleed_pt
    kw = [
        f"color={opts.color}",
        f"trim_mm={_mm(tw)}x{_mm(th)}",
        f"bleed_mm={_mm(geo.bleed_pt)}",
        f"marks={'yes' if geo.marks else 'no'}",
        *([f"pdfx={opts.pdfx}"] if opts.pdfx else []),  # machine-readable, never translated
        *(["outline=yes"] if opts.outline else []),  # no text on the page: check reads /Subject
        *([f"scale={_fmt(scale)}"] if scale != 1 else []),  # physical size = box size / scale
    ]
    claimed = {k.split("=", 1)[0] for k in scene.keywords}
    return tuple(k for k in kw if k.split("=", 1)[0] not in claimed)


def render_pdf_bytes(scene: Scene, opts: PdfOptions = PdfOptions(), fonts: dict | None = None) -> bytes:
    """The PDF of ``scene``. ``fonts``: font file -> the ``fonts.Font`` the scene was measured with
    (``compose.Artwork.fonts``), embedded as it is; a file not given is read as it is now."""
    opts.validate()
    buf = io.BytesIO()
    geo = page_geometry(scene.width_pt, scene.height_pt, scene.bleed_pt, marks=opts.marks or bool(scene.marks))
    scale = page_scale(geo)
    if geo.marks:  # the marks become scene items (marks.with_marks); a scene that has them keeps its own
        scene = with_marks(scene, slug_with_scale(opts.slug, scale))
    runs = [it for it in (*scene.items, *scene.marks) if isinstance(it, GlyphRun)]
    measured = fonts or {}
    fonts = {path: _rl_font(path, measured.get(path)) for path in sorted({r.font_path for r in runs})}
    # A TrueType initial font keeps reportlab from adding an unused Helvetica.
    first_font = next(iter(fonts.values()))[0] if fonts else _rl_font(_fallback_font())[0]
    canv = Canvas(
        buf,
        pagesize=(geo.media_w_pt * scale, geo.media_h_pt * scale),
        invariant=1,
        pageCompression=1,
        initialFontName=first_font,
        enforceColorSpace="cmyk" if opts.color == "cmyk" else None,
    )
    canv._poster_gen_outline = opts.outline  # read by _text_ops
    canv._poster_gen_fonts = fonts  # (name, reportlab font) by file: read by _text_ops
    canv.setTitle(scene.title)
    canv.setSubject(scene.subject)
    canv.setKeywords(", ".join((*scene.keywords, *writer_keywords(scene, geo, opts, scale))))
    canv.setCreator(f"poster-gen {__version__}")
    canv.setAuthor("poster-gen")
    canv.setProducer(f"poster-gen {__version__}")
    canv.setTrimBox(_scaled_box(geo.trim_box, scale))
    canv.setBleedBox(_scaled_box(geo.bleed_box, scale))
    code: list[str] = []
    if scale != 1:
        # everything below is drawn in true points; this one matrix writes it at 1:10
        code.append(f"q {_fmt(scale)} 0 0 {_fmt(scale)} 0 0 cm")
    if geo.marks:
        o = geo.origin_pt
        # the artwork in its own frame, clipped to the bleed box
        code.append(f"q 1 0 0 1 {_fmt(o)} {_fmt(o)} cm 0 0 {_fmt(scene.width_pt)} {_fmt(scene.height_pt)} re W n")
    code += _scene_ops(canv, scene, opts.color)
    if geo.marks:
        code.append("Q")
        code += _marks_ops(canv, scene, geo, opts.color)
    if scale != 1:
        code.append("Q")
    canv._code.extend(code)  # reportlab has no public raw-operator API
    canv.showPage()
    if opts.outline:
        _drop_font_resources(canv)
    if opts.pdfx:
        _add_pdfx(canv, opts)
    canv.save()
    return buf.getvalue()


def _fallback_font() -> str:
    from poster_gen.fonts import load_font
    from poster_gen.marks import SLUG_FONT

    return str(load_font(SLUG_FONT).path)


def _scene_ops(canv: Canvas, scene: Scene, mode: str) -> list[str]:
    return _item_ops(canv, scene.items, scene.height_pt, mode)


def _item_ops(canv: Canvas, items, page_h: float, mode: str, marks: bool = False) -> list[str]:
    """The one item loop: the artwork (canvas frame) and the marks (page frame) alike.
    Consecutive lines of one width, colour and dash share one graphics state."""
    code = []
    stroke = None  # (width, colour, dash) of the open q ... Q block of lines
    for index, item in enumerate(items):
        if isinstance(item, Line):
            state = (item.width_pt, item.color, item.dash_pt)
            if state != stroke:
                if stroke is not None:
                    code.append("Q")
                dash = f" [{' '.join(_fmt(d) for d in item.dash_pt)}] 0 d" if item.dash_pt else ""
                code.append(f"q {_fmt(item.width_pt)} w 0 J{dash} {_stroke_op(item.color, mode)}")
                stroke = state
            code.append(
                f"{_fmt(item.x0_pt)} {_fmt(page_h - item.y0_pt)} m {_fmt(item.x1_pt)} {_fmt(page_h - item.y1_pt)} l S"
            )
            continue
        if stroke is not None:
            code.append("Q")
            stroke = None
        if isinstance(item, Rect):
            y = page_h - item.y_pt - item.h_pt
            code.append(
                f"{_fill_op(item.color, mode)} {_fmt(item.x_pt)} {_fmt(y)} {_fmt(item.w_pt)} {_fmt(item.h_pt)} re f"
            )
        elif isinstance(item, GlyphRun):
            code.append(_text_ops(canv, item, page_h, mode))
        else:
            raise WriterError(
                _("{writer} writer: {what} {index} is a {type}, which it cannot draw (known: {known}); "
                  "this is a bug in poster-gen").format(writer="PDF", what=_("mark") if marks else _("scene item"), index=index,
                                                        type=type(item).__name__, known="Rect, GlyphRun, Line")
            )
    if stroke is not None:
        code.append("Q")
    return code


def _marks_ops(canv: Canvas, scene: Scene, geo: PageGeometry, mode: str) -> list[str]:
    """The printer's marks (``Scene.marks``), on the page frame, through the same item loop."""
    return _item_ops(canv, scene.marks, geo.media_h_pt, mode, marks=True)


def _text_ops(canv: Canvas, run: GlyphRun, page_h: float, mode: str) -> str:
    if getattr(canv, "_poster_gen_outline", False):
        return _outline_ops(run, page_h, mode)
    _name, font = canv._poster_gen_fonts[run.font_path]
    # Live text is encoded by character (reportlab's subsets are keyed by character). That draws
    # the glyph shaping measured only when it is the character's own glyph; a run where shaping
    # chose another glyph (a substitution by the font's GSUB) is drawn by glyph id, as curves.
    nominal = font.face.charToGlyph
    if any(len(g.char) != 1 or nominal.get(ord(g.char)) != g.gid for g in run.glyphs):
        return _outline_ops(run, page_h, mode)
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
        # every glyph here is its character's own glyph (checked above)
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


def _outline_ops(run: GlyphRun, page_h: float, mode: str) -> str:
    """A run as filled glyph outlines (``--outline``): each glyph by its gid, in the run's colour.

    ``q <colour> (q s 0 0 s x y cm <path> f Q)... Q``: the colour operator is the
    one the text would use (``rg`` or ``k``), so CMYK files stay CMYK only.
    Blank glyphs (spaces) draw nothing.
    """
    from poster_gen.outline import font_outlines, scale_operand

    outlines = font_outlines(run.font_path)
    s = scale_operand(run.size_pt / outlines.units_per_em)
    out = ["q", _fill_op(run.color, mode)]
    for g in run.glyphs:
        if not 0 <= g.gid < outlines.glyph_count:
            raise WriterError(
                _("PDF writer: glyph {gid} is not in {font}, which has {count} glyphs; this is a bug in poster-gen").format(
                    gid=g.gid, font=run.font_name or run.font_path, count=outlines.glyph_count)
            )
        path = outlines.path(g.gid)
        if path:
            out.append(f"q {s} 0 0 {s} {_fmt(g.x_pt)} {_fmt(page_h - g.y_pt)} cm {path} f Q")
    out.append("Q")
    return "\n".join(out)


def _drop_font_resources(canv: Canvas) -> None:
    """No /Font in the page's resources (``--outline``).

    reportlab gives every page ``/Font <BasicFonts>``, an empty dictionary,
    even when no text is drawn. The page gets resources of its own without
    it, stored in that object (object 1) so that no object is left unused.
    """
    from reportlab.pdfbase.pdfdoc import (
        BasicFonts,
        PDFObjectReference,
        PDFResourceDictionary,
    )

    doc = canv._doc
    if doc.fontMapping or doc.delayedFonts:
        raise WriterError(_("PDF writer: text was outlined but a font was still used; this is a bug in poster-gen"))
    resources = PDFResourceDictionary()
    resources.ProcSet = PDFArray([PDFName("PDF")])
    doc.idToObject[BasicFonts] = resources
    for page in doc.Pages.pages:
        page.Resources = PDFObjectReference(BasicFonts)


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


def write_pdf(scene: Scene, path, opts: PdfOptions = PdfOptions(), fonts: dict | None = None) -> None:
    data = render_pdf_bytes(scene, opts, fonts)
    with atomic_write(path) as fh:
        fh.write(data)
