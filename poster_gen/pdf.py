"""PDF writer: draws a Scene with reportlab. Never measures, never decides.

Glyphs are drawn at the exact positions layout gave (HarfBuzz kerning
included) using TJ adjustments, so the text stays extractable, spaces and all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from poster_gen import __version__
from poster_gen.output import atomic_write
from poster_gen.scene import Color, GlyphRun, Rect, Scene


@dataclass(frozen=True)
class PdfOptions:
    color: str = "rgb"  # rgb | cmyk
    marks: bool = False
    slug: str = ""


@lru_cache(maxsize=None)
def _rl_font(path: str) -> tuple[str, TTFont]:
    name = "PG-" + path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    font = TTFont(name, path, asciiReadable=False)
    pdfmetrics.registerFont(font)
    return name, font


def _fmt(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _fill_op(color: Color, mode: str) -> str:
    if mode == "cmyk":
        c, m, y, k = color.cmyk
        return f"{_fmt(c)} {_fmt(m)} {_fmt(y)} {_fmt(k)} k"
    r, g, b = (v / 255 for v in color.rgb)
    return f"{_fmt(r)} {_fmt(g)} {_fmt(b)} rg"


def render_pdf_bytes(scene: Scene, opts: PdfOptions = PdfOptions()) -> bytes:
    buf = io.BytesIO()
    fonts = sorted({it.font_path for it in scene.items if isinstance(it, GlyphRun)})
    first_font = _rl_font(fonts[0])[0] if fonts else None
    page_w, page_h = scene.width_pt, scene.height_pt
    canv = Canvas(
        buf,
        pagesize=(page_w, page_h),
        invariant=1,
        pageCompression=1,
        initialFontName=first_font,
        enforceColorSpace="cmyk" if opts.color == "cmyk" else None,
    )
    canv.setTitle(scene.title)
    canv.setSubject(scene.subject)
    canv.setKeywords(", ".join(scene.keywords))
    canv.setCreator(f"poster-gen {__version__}")
    canv.setAuthor("poster-gen")
    canv.setProducer(f"poster-gen {__version__}")
    tx, ty, tw, th = scene.trim_pt
    canv.setTrimBox((tx, page_h - ty - th, tx + tw, page_h - ty))
    canv.setBleedBox((0, 0, page_w, page_h))
    code: list[str] = []
    for item in scene.items:
        if isinstance(item, Rect):
            y = page_h - item.y_pt - item.h_pt
            code.append(
                f"{_fill_op(item.color, opts.color)} {_fmt(item.x_pt)} {_fmt(y)} {_fmt(item.w_pt)} {_fmt(item.h_pt)} re f"
            )
        elif isinstance(item, GlyphRun):
            code.append(_text_ops(canv, item, page_h, opts.color))
    canv._code.extend(code)  # reportlab has no public raw-operator API
    canv.showPage()
    canv.save()
    return buf.getvalue()


def _text_ops(canv: Canvas, run: GlyphRun, page_h: float, mode: str) -> str:
    _, font = _rl_font(run.font_path)
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


def write_pdf(scene: Scene, path, opts: PdfOptions = PdfOptions()) -> None:
    data = render_pdf_bytes(scene, opts)
    with atomic_write(path) as fh:
        fh.write(data)
