"""Glyph outlines as PDF path operators, for text "converted to curves" (``--outline``).

A print shop's PC that lacks the font substitutes one when it opens a PDF with
live text, so shops ask for text as curves. Each glyph is drawn by its glyph id
from the shaped run (never re-mapped from its character), from the font's own
outline as fontTools reads it: TrueType quadratic curves become cubic ``c``
segments (exactly: a quadratic is a cubic with its control points at 2/3), CFF
curves are cubic already, composite glyphs (most accented Vietnamese letters)
are decomposed.

A glyph's path is in font units, y up, its origin at the glyph origin; the
writer places it with ``q s 0 0 s x y cm <path> f Q`` (nonzero winding, the
rule of both TrueType and CFF outlines). Paths are cached per font file
(its SHA-256, not its path) and glyph id, so a batch outlines each glyph of a
font once per process, and the same glyph is always the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import threading

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

_DECIMALS = 1  # font units: 1/10 unit is 1/10,000 em (0.03 mm on a 300 pt letter), far below any print's resolution


def _num(v: float) -> str:
    s = f"{v:.{_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def scale_operand(v: float) -> str:
    """A ``cm`` scale (size / unitsPerEm, e.g. 0.0135): fixed point, enough digits for a 20 m banner."""
    s = f"{v:.8f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


class PdfPathPen(BasePen):
    """A fontTools pen that writes PDF path operators (``m l c h``) in font units.

    BasePen splits ``qCurveTo`` (implied on-curve points, all-off-curve
    contours included) into single quadratic segments and turns each into a
    cubic one through ``_curveToOne``; components are drawn through the glyph
    set (BasePen decomposes them).
    """

    def __init__(self, glyph_set):
        super().__init__(glyph_set)
        self.ops: list[str] = []

    def _moveTo(self, pt):
        self.ops.append(f"{_num(pt[0])} {_num(pt[1])} m")

    def _lineTo(self, pt):
        self.ops.append(f"{_num(pt[0])} {_num(pt[1])} l")

    def _curveToOne(self, pt1, pt2, pt3):
        self.ops.append(" ".join(_num(v) for p in (pt1, pt2, pt3) for v in p) + " c")

    def _closePath(self):
        self.ops.append("h")

    def _endPath(self):
        # an open contour: filling closes it anyway; say so explicitly
        self.ops.append("h")


class FontOutlines:
    """The outlines of one font file, glyph by glyph, read lazily."""

    def __init__(self, data: bytes):
        self._tt = TTFont(io.BytesIO(data), lazy=True)
        self.units_per_em = int(self._tt["head"].unitsPerEm)
        self._glyph_set = self._tt.getGlyphSet()
        self._order = self._tt.getGlyphOrder()
        self.glyph_count = len(self._order)
        self._paths: dict[int, str] = {}
        self._lock = threading.Lock()  # fontTools' lazy tables are not safe to read from two threads at once

    def path(self, gid: int) -> str:
        """The glyph's path operators in font units ("" for a blank glyph such as a space), without a paint operator."""
        cached = self._paths.get(gid)
        if cached is not None:
            return cached
        with self._lock:
            if gid in self._paths:
                return self._paths[gid]
            if not 0 <= gid < len(self._order):
                raise IndexError(gid)  # the writer checks glyph ids first (pdf._outline_ops)
            pen = PdfPathPen(self._glyph_set)
            self._glyph_set[self._order[gid]].draw(pen)
            path = " ".join(pen.ops)
            self._paths[gid] = path
            return path


_BY_SHA256: dict[str, FontOutlines] = {}
_BY_SHA256_LOCK = threading.Lock()


def _font_sha256(path: str) -> str:
    """The SHA-256 of the font file as it is now (never cached by path: a replaced font is new)."""
    from poster_gen.fonts import font_file

    return font_file(path).sha256


def font_outlines(path: str) -> FontOutlines:
    """The outlines of the font at ``path``. The cache is keyed by the file's SHA-256: two copies of
    one font (a design's folder, the packaged fonts) share it, two fonts of the same name do not."""
    sha = _font_sha256(path)
    found = _BY_SHA256.get(sha)
    if found is not None:
        return found
    with open(path, "rb") as fh:
        data = fh.read()
    sha = hashlib.sha256(data).hexdigest()  # what is read now is what gets cached
    with _BY_SHA256_LOCK:
        return _BY_SHA256.setdefault(sha, FontOutlines(data))
