"""Page geometry for print: the PDF page boxes, crop marks and the slug line.

Pure functions returning small records; ``pdf.py`` only draws them. Lengths
are PDF points. Like the scene, positions are measured from the top-left
corner of the *media* (the whole PDF page) with y growing downwards; boxes
meant for the PDF dictionary (``media_box``, ``bleed_box``, ``trim_box``) are
given the PDF way, as (llx, lly, urx, ury) with y up.

Without marks the media is the artwork canvas (trim + bleed on every side).
With marks it grows by ``MARK_MARGIN_MM`` beyond the bleed on every side;
the trim marks sit in that margin, entirely outside the bleed, and the slug
line (what this sheet is: unit, slogan, size, file) sits below the bottom
marks.

The slug line is for the print shop, which reads Vietnamese: it is written
in the user's language, like the messages (the slug font, Be Vietnamese Pro,
has every Vietnamese letter; a character it lacks is drawn as '?'). Ids,
file names and the colour mode stay as they are in any language.

The marks are scene items (``scene.Line`` in registration, the slug a
``GlyphRun``), made once by ``with_marks`` into ``Scene.marks``; every writer
draws them the same way (the PDF) or skips them explicitly (the rasters,
which cover the trim or the bleed only).

A hemmed sheet (``--hem``) also gets fold marks: dashed lines on the lines of
the finished edges (the folds), in the margin beyond the sheet, where the
trim marks are. Inside the hem, small ticks at the sheet's edge show the
folds with or without marks: those are artwork (``compose``), drawn by every
writer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from poster_gen.i18n import _
from poster_gen.scene import REGISTRATION, Color, Glyph, GlyphRun, Line, Scene  # noqa: F401  (REGISTRATION re-exported)
from poster_gen.sizes import PT_PER_MM
from poster_gen.text import clean

MARK_MARGIN_MM = 14.0  # media beyond the bleed on every side, when marks are on
MARK_GAP_MM = 2.0  # from the bleed edge to where a trim mark starts
MARK_MIN_OFFSET_MM = 3.0  # trim marks start at least this far from the trim (no-bleed banners)
MARK_LENGTH_MM = 5.0
MARK_LINE_PT = 0.25
SLUG_FONT = "BeVietnamPro_500Medium.ttf"
SLUG_SIZE_PT = 7.0
SLUG_MIN_SIZE_PT = 4.0
SLUG_GAP_MM = 1.0  # clear space between the end of the bottom marks and the slug's ink
SLUG_INK_TOP_EM = 1.25  # stacked Vietnamese capitals reach about 1.24 em
SLUG_INK_DEPTH_EM = 0.3
SLUG_EDGE_MM = 3.0  # keep the slug this far from the media's right edge

FOLD_DASH_MM = (1.0, 1.0)  # fold marks: dashed, 1 mm on, 1 mm off
SLUG_BLACK = Color(rgb=(0, 0, 0), cmyk=(0.0, 0.0, 0.0, 1.0))


class PageGeometry(NamedTuple):
    """Where the artwork canvas sits on the PDF page."""

    media_w_pt: float
    media_h_pt: float
    origin_pt: float  # the canvas's top-left corner is at (origin, origin) on the media
    canvas_w_pt: float
    canvas_h_pt: float
    bleed_pt: float

    @property
    def marks(self) -> bool:
        return self.origin_pt > 0

    @property
    def media_box(self) -> tuple[float, float, float, float]:
        return (0.0, 0.0, self.media_w_pt, self.media_h_pt)

    @property
    def bleed_box(self) -> tuple[float, float, float, float]:
        o = self.origin_pt
        return (o, o, o + self.canvas_w_pt, o + self.canvas_h_pt)

    @property
    def trim_box(self) -> tuple[float, float, float, float]:
        o, b = self.origin_pt, self.bleed_pt
        return (o + b, o + b, o + self.canvas_w_pt - b, o + self.canvas_h_pt - b)

    @property
    def trim_rect(self) -> tuple[float, float, float, float]:
        """Trim as (x, y, w, h) on the media, y down."""
        o, b = self.origin_pt, self.bleed_pt
        return (o + b, o + b, self.canvas_w_pt - 2 * b, self.canvas_h_pt - 2 * b)


class Segment(NamedTuple):
    """A straight mark line on the media (y down)."""

    x0_pt: float
    y0_pt: float
    x1_pt: float
    y1_pt: float


class Marks(NamedTuple):
    """The printer's marks of a page: trim mark segments, their stroke, and the slug line."""

    segments: tuple[Segment, ...]
    line_pt: float
    color: Color
    slug: GlyphRun | None  # positioned on the media (y down)


def page_geometry(canvas_w_pt: float, canvas_h_pt: float, bleed_pt: float, marks: bool = False) -> PageGeometry:
    margin = MARK_MARGIN_MM * PT_PER_MM if marks else 0.0
    return PageGeometry(
        media_w_pt=canvas_w_pt + 2 * margin,
        media_h_pt=canvas_h_pt + 2 * margin,
        origin_pt=margin,
        canvas_w_pt=canvas_w_pt,
        canvas_h_pt=canvas_h_pt,
        bleed_pt=bleed_pt,
    )


def mark_offset_pt(bleed_pt: float) -> float:
    """Distance from the trim edge to where a trim mark starts."""
    return max(bleed_pt + MARK_GAP_MM * PT_PER_MM, MARK_MIN_OFFSET_MM * PT_PER_MM)


def trim_marks(geo: PageGeometry) -> tuple[Segment, ...]:
    """Eight lines, two per trim corner, on the trim edges' lines, outside the bleed."""
    x, y, w, h = geo.trim_rect
    off = mark_offset_pt(geo.bleed_pt)
    ln = MARK_LENGTH_MM * PT_PER_MM
    segs = []
    for cx, sx in ((x, -1), (x + w, 1)):
        for cy, sy in ((y, -1), (y + h, 1)):
            # horizontal mark: on the line of the horizontal trim edge, outwards in x
            segs.append(Segment(cx + sx * off, cy, cx + sx * (off + ln), cy))
            # vertical mark: on the line of the vertical trim edge, outwards in y
            segs.append(Segment(cx, cy + sy * off, cx, cy + sy * (off + ln)))
    return tuple(segs)


def slug_text(
    unit: str,
    slogan_id: str,
    size_id: str,
    width_mm: float,
    height_mm: float,
    bleed_mm: float,
    filename: str,
    color: str = "RGB",
    version: str = "",
    hem_mm: float = 0.0,
) -> str:
    """The slug line: what a press operator needs to identify a sheet, in the user's language.

    ``width_mm`` x ``height_mm`` is the finished size; a hem is named after it."""
    parts = [
        unit,
        _("slogan {id}").format(id=slogan_id),
        _("{size} {width} x {height} mm, bleed {bleed} mm").format(
            size=size_id, width=f"{width_mm:g}", height=f"{height_mm:g}", bleed=f"{bleed_mm:g}"
        ),
        *([_("hem {hem} mm a side, folded at the dashed marks").format(hem=f"{hem_mm:g}")] if hem_mm > 0 else []),
        color,
        filename,
    ]
    if version:
        tool = f"poster-gen {version}"  # the program's name: the same in every language
        parts.append(tool)
    return "  |  ".join(p for p in parts if p)


def _slug_run(text: str, geo: PageGeometry) -> GlyphRun | None:
    from poster_gen.fonts import load_font

    text = clean(text)
    if not text:
        return None
    font = load_font(SLUG_FONT)
    text = "".join(ch if ord(ch) in font.cmap else "?" for ch in text)
    x0 = geo.origin_pt  # aligned with the bleed's left edge
    avail = geo.media_w_pt - x0 - SLUG_EDGE_MM * PT_PER_MM
    shaped = font.shape(text)
    size = min(SLUG_SIZE_PT, avail / shaped.advance_em) if shaped.advance_em > 0 else SLUG_SIZE_PT
    if size < SLUG_MIN_SIZE_PT:
        size = SLUG_MIN_SIZE_PT
        while len(text) > 1 and font.shape(text).advance_em * size > avail:
            text = text[:-2].rstrip() + "…"
        shaped = font.shape(text)
    _x, ty, _w, th = geo.trim_rect
    marks_end = ty + th + mark_offset_pt(geo.bleed_pt) + MARK_LENGTH_MM * PT_PER_MM
    baseline = marks_end + SLUG_GAP_MM * PT_PER_MM + SLUG_INK_TOP_EM * size
    glyphs = tuple(Glyph(g.gid, g.char, x0 + g.x_em * size, baseline - g.y_em * size) for g in shaped.glyphs)
    return GlyphRun(
        font_path=str(font.path),
        font_name=font.ps_name,
        size_pt=size,
        color=SLUG_BLACK,
        text=text,
        glyphs=glyphs,
        advances_pt=tuple(g.advance_em * size for g in shaped.glyphs),
    )


def crop_marks(geo: PageGeometry, slug: str = "") -> Marks:
    """Trim marks and the slug for a page laid out with ``page_geometry(..., marks=True)``."""
    if not geo.marks:
        return Marks((), MARK_LINE_PT, REGISTRATION, None)
    return Marks(trim_marks(geo), MARK_LINE_PT, REGISTRATION, _slug_run(slug, geo))


def fold_marks(geo: PageGeometry, hem_pt: float) -> tuple[Segment, ...]:
    """Eight lines on the lines of the finished edges (the folds), beyond the sheet, where
    the trim marks are: two per fold, one at each end. None without a hem or without marks."""
    if hem_pt <= 0 or not geo.marks:
        return ()
    x, y, w, h = geo.trim_rect
    off = mark_offset_pt(geo.bleed_pt)
    ln = MARK_LENGTH_MM * PT_PER_MM
    segs = []
    for fx in (x + hem_pt, x + w - hem_pt):  # vertical folds: marks above and below the sheet
        segs.append(Segment(fx, y - off, fx, y - off - ln))
        segs.append(Segment(fx, y + h + off, fx, y + h + off + ln))
    for fy in (y + hem_pt, y + h - hem_pt):  # horizontal folds: marks left and right of the sheet
        segs.append(Segment(x - off, fy, x - off - ln, fy))
        segs.append(Segment(x + w + off, fy, x + w + off + ln, fy))
    return tuple(segs)


def mark_items(marks: Marks, folds: tuple[Segment, ...] = ()) -> tuple[Line | GlyphRun, ...]:
    """Scene items for ``Scene.marks``: the trim marks, the fold marks (dashed), the slug."""
    items: list[Line | GlyphRun] = [
        Line(s.x0_pt, s.y0_pt, s.x1_pt, s.y1_pt, marks.line_pt, marks.color) for s in marks.segments
    ]
    dash = tuple(v * PT_PER_MM for v in FOLD_DASH_MM)
    items += [Line(s.x0_pt, s.y0_pt, s.x1_pt, s.y1_pt, marks.line_pt, marks.color, dash) for s in folds]
    if marks.slug is not None:
        items.append(marks.slug)
    return tuple(items)


def with_marks(scene: Scene, slug: str = "") -> Scene:
    """The scene with its printer's marks (``Scene.marks``): trim marks, fold marks when the
    sheet has a hem, and the slug line, placed on the page that ``page_geometry(...,
    marks=True)`` gives. A scene that has its marks already is returned as it is."""
    if scene.marks:
        return scene
    geo = page_geometry(scene.width_pt, scene.height_pt, scene.bleed_pt, marks=True)
    return replace(scene, marks=mark_items(crop_marks(geo, slug), fold_marks(geo, scene.hem_pt)))
