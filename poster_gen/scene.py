"""The scene: what layout decided, for the writers to draw.

All lengths are PDF points (1/72 inch), origin at the top-left corner of the
canvas (the trim box plus bleed on every side), y growing downwards.
Writers draw these records and never measure or decide anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Color:
    rgb: tuple[int, int, int]
    cmyk: tuple[float, float, float, float]  # 0..1 each

    @property
    def hex(self) -> str:
        return "#%02X%02X%02X" % self.rgb


@dataclass(frozen=True)
class Rect:
    x_pt: float
    y_pt: float
    w_pt: float
    h_pt: float
    color: Color


@dataclass(frozen=True)
class Glyph:
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
    width_pt: float  # canvas = trim + 2 x bleed
    height_pt: float
    bleed_pt: float
    items: tuple[Rect | GlyphRun, ...]
    title: str = ""
    subject: str = ""  # the slogan as approved, for preflight
    keywords: tuple[str, ...] = field(default_factory=tuple)

    @property
    def trim_pt(self) -> tuple[float, float, float, float]:
        """Trim box as (x, y, w, h) on the canvas."""
        b = self.bleed_pt
        return (b, b, self.width_pt - 2 * b, self.height_pt - 2 * b)
