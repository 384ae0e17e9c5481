"""The scene: what layout decided, for the writers to draw.

All lengths are PDF points (1/72 inch), origin at the top-left corner of the
canvas (the trim box plus bleed on every side), y growing downwards.
Writers draw these records and never measure or decide anything.

One display list: ``Scene.items`` is the artwork (drawn clipped to the
canvas), ``Scene.marks`` the printer's marks made at compose time when marks
are asked for (``marks.with_marks``): trim marks and fold marks as ``Line``
items in ``REGISTRATION``, and the slug line as a ``GlyphRun`` (shaped text,
drawn like any other text). Marks lie outside the canvas, on the page margin,
so they are positioned on the *page* (the canvas plus ``MARK_MARGIN_MM`` on
every side, see ``marks.page_geometry``), top-left origin, y down.

Every writer draws the item types it knows and raises ``WriterError`` on any
other: an item a writer silently skipped would be missing from the print.
The PDF draws items and marks through the same item loop. PNG, TIFF and
JPEG cover the trim (PNG) or the trim plus bleed: the marks lie outside what
they cover, so they skip ``Scene.marks`` as a whole, explicitly, and draw
``items`` only (where a ``Line`` is not expected: they raise on it).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Color:
    """A colour as the screen (``rgb``, 0-255) and the press (``cmyk``, 0-1) see it."""

    rgb: tuple[int, int, int]
    cmyk: tuple[float, float, float, float]  # 0..1 each

    @property
    def hex(self) -> str:
        return "#%02X%02X%02X" % self.rgb


class WriterError(RuntimeError):
    """A bug in poster-gen, not in the user's input: the writer met something it cannot draw."""


@dataclass(frozen=True)
class Rect:
    """A filled rectangle, top-left corner and size."""

    x_pt: float
    y_pt: float
    w_pt: float
    h_pt: float
    color: Color


# Printer's marks print on every plate: CMYK 100/100/100/100 (``1 1 1 1 K``), black in RGB.
REGISTRATION = Color(rgb=(0, 0, 0), cmyk=(1.0, 1.0, 1.0, 1.0))


@dataclass(frozen=True)
class Line:
    """A straight stroked line, butt caps (trim and fold marks). ``dash_pt``: on/off
    lengths of a dashed line, empty for a solid one."""

    x0_pt: float
    y0_pt: float
    x1_pt: float
    y1_pt: float
    width_pt: float
    color: Color
    dash_pt: tuple[float, ...] = ()


@dataclass(frozen=True)
class Glyph:
    """One glyph of a run, where layout placed it."""

    gid: int
    char: str
    x_pt: float  # pen position of the glyph origin on the canvas
    y_pt: float  # baseline, y down


@dataclass(frozen=True)
class GlyphRun:
    """One line of text: glyphs of one font, size and colour."""

    font_path: str
    font_name: str
    size_pt: float
    color: Color
    text: str
    glyphs: tuple[Glyph, ...]
    advances_pt: tuple[float, ...]  # shaped advance of each glyph (kerning included)


@dataclass(frozen=True)
class Scene:
    """One artwork, ready to draw: the canvas, its items and the PDF's document information."""

    width_pt: float  # canvas = trim + 2 x bleed (trim = the printed sheet: finished size + 2 x hem)
    height_pt: float
    bleed_pt: float
    items: tuple[Rect | GlyphRun, ...]
    title: str = ""
    subject: str = ""  # the slogan as approved, for preflight
    keywords: tuple[str, ...] = field(default_factory=tuple)
    # printer's marks, on the page (canvas + marks.MARK_MARGIN_MM a side), y down; empty: no marks
    marks: tuple[Line | GlyphRun, ...] = ()
    hem_pt: float = 0.0  # sewing hem inside the trim on every side (the finished edge is this far in)

    @property
    def trim_pt(self) -> tuple[float, float, float, float]:
        """Trim box as (x, y, w, h) on the canvas."""
        b = self.bleed_pt
        return (b, b, self.width_pt - 2 * b, self.height_pt - 2 * b)

    @property
    def finished_pt(self) -> tuple[float, float, float, float]:
        """The finished piece (trim less the hems) as (x, y, w, h) on the canvas: where the folds are."""
        x, y, w, h = self.trim_pt
        e = self.hem_pt
        return (x + e, y + e, w - 2 * e, h - 2 * e)
