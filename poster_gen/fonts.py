"""Fonts: coverage checks, HarfBuzz shaping and ink measured from glyph outlines.

Everything here is in em units (1.0 = the font size); layout scales.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from poster_gen.errors import FontCoverageError, PosterGenError
from poster_gen.i18n import _
from poster_gen.resources import fonts_dir


@dataclass(frozen=True)
class ShapedGlyph:
    gid: int
    char: str  # the source character(s) this glyph draws
    x_em: float  # pen position relative to the run origin
    y_em: float
    advance_em: float


@dataclass(frozen=True)
class Shaped:
    text: str
    glyphs: tuple[ShapedGlyph, ...]
    advance_em: float


@dataclass(frozen=True)
class Ink:
    """Ink box in em, y up from the baseline."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float


class Font:
    """One font file: the only place that opens TrueType data for measuring."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._tt = TTFont(str(self.path), lazy=True)
            data = self.path.read_bytes()
        except Exception as exc:  # fontTools raises many types on bad files
            raise PosterGenError(
                _("font {path}: cannot be read ({reason}); reinstall poster-gen or fix the design's font").format(
                    path=self.path, reason=exc
                )
            ) from None
        if "glyf" not in self._tt:
            raise PosterGenError(
                _("font {path}: only TrueType-outline fonts (glyf) are supported").format(path=self.path)
            )
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.upem = self._tt["head"].unitsPerEm
        self.cmap: dict[int, str] = self._tt.getBestCmap()
        self._glyf = self._tt["glyf"]
        self._order = self._tt.getGlyphOrder()
        self._hmtx = self._tt["hmtx"]
        os2 = self._tt["OS/2"]
        self.cap_height_em = (getattr(os2, "sCapHeight", 0) or 700) / self.upem
        self.ps_name = (_debug_name(self._tt, 6) or self.path.stem).replace(" ", "")
        self.family = _debug_name(self._tt, 1) or self.path.stem
        self._hb_font = hb.Font(hb.Face(hb.Blob(data)))
        self._ink: dict[int, Ink | None] = {}

    # -- coverage ---------------------------------------------------------
    def missing(self, text: str) -> list[str]:
        return sorted({ch for ch in text if ch != "\n" and ord(ch) not in self.cmap})

    def require(self, text: str, where: str = "") -> None:
        """Refuse ``text`` when a character has no glyph; ``where`` (translated) names the text."""
        miss = self.missing(text)
        if miss:
            names = ", ".join(f"U+{ord(c):04X} {c!r}" for c in miss[:5])
            if where:
                template = _("{where}: font {family} ({file}) has no glyph for {characters}; remove or replace that character")
            else:
                template = _("text: font {family} ({file}) has no glyph for {characters}; remove or replace that character")
            raise FontCoverageError(template.format(where=where, family=self.family, file=self.path.name, characters=names))

    # -- shaping ----------------------------------------------------------
    def shape(self, text: str) -> Shaped:
        return _shape_cached(self, text)

    def _shape(self, text: str) -> Shaped:
        buf = hb.Buffer()
        buf.add_codepoints([ord(c) for c in text])
        buf.guess_segment_properties()
        hb.shape(self._hb_font, buf, {"kern": True, "liga": False})
        infos, poss = buf.glyph_infos, buf.glyph_positions
        scale = 1.0 / self.upem
        clusters = [i.cluster for i in infos]
        if len(infos) != len(text) or clusters != list(range(len(text))):
            return self._nominal(text)
        glyphs = []
        x = 0.0
        for ch, info, pos in zip(text, infos, poss):
            glyphs.append(
                ShapedGlyph(info.codepoint, ch, x + pos.x_offset * scale, pos.y_offset * scale, pos.x_advance * scale)
            )
            x += pos.x_advance * scale
        return Shaped(text, tuple(glyphs), x)

    def _nominal(self, text: str) -> Shaped:
        """Unshaped fallback: one glyph per character from the cmap."""
        glyphs, x = [], 0.0
        for ch in text:
            gname = self.cmap.get(ord(ch), ".notdef")
            gid = self._tt.getGlyphID(gname)
            adv = self._hmtx[gname][0] / self.upem
            glyphs.append(ShapedGlyph(gid, ch, x, 0.0, adv))
            x += adv
        return Shaped(text, tuple(glyphs), x)

    # -- ink --------------------------------------------------------------
    def ink(self, gid: int) -> Ink | None:
        try:
            return self._ink[gid]
        except KeyError:
            pass
        g = self._glyf[self._order[gid]]
        if not hasattr(g, "xMin") or g.numberOfContours == 0:
            if g.isComposite():
                g.recalcBounds(self._glyf)
            if not hasattr(g, "xMin") or (g.numberOfContours == 0 and not g.isComposite()):
                self._ink[gid] = None
                return None
        s = 1.0 / self.upem
        ink = Ink(g.xMin * s, g.yMin * s, g.xMax * s, g.yMax * s)
        self._ink[gid] = ink
        return ink

    def advance_of(self, char: str) -> float:
        gname = self.cmap.get(ord(char), ".notdef")
        return self._hmtx[gname][0] / self.upem


def _debug_name(tt: TTFont, name_id: int) -> str | None:
    """``tt["name"].getDebugName(name_id)``, read from the raw table where that gives the same answer.

    Decompiling the name table imports most of fontTools' OpenType tables (tens of
    milliseconds at start-up). fontTools returns the first Windows English record
    (platform 3, language 0x409) that decodes; when that record is plain UTF-16BE
    it is read here, and any other case is left to fontTools.
    """
    try:
        data = tt.reader["name"] if "name" not in tt.tables else None
    except Exception:
        data = None
    if data and len(data) >= 6:
        _format, count, string_offset = struct.unpack(">HHH", data[:6])
        strings = data[string_offset:]
        if 6 + 12 * count <= len(data):
            for i in range(count):
                platform, encoding, lang, nid, length, offset = struct.unpack_from(">6H", data, 6 + 12 * i)
                if nid != name_id or (platform, lang) != (3, 0x409):
                    continue
                raw = strings[offset : offset + length]
                if encoding in (1, 10) and offset + length <= len(strings) and length % 2 == 0:
                    try:
                        text = raw.decode("utf_16_be")
                    except UnicodeDecodeError:
                        break
                    # fontTools narrows text that still looks like UTF-16BE; leave that to it
                    if text and not all(
                        ord(c) == 0 if k % 2 == 0 else (0x20 <= ord(c) <= 0x7E or ord(c) in (9, 10, 13))
                        for k, c in enumerate(text)
                    ):
                        return text
                break
    return tt["name"].getDebugName(name_id)


@lru_cache(maxsize=20000)
def _shape_cached(font: Font, text: str) -> Shaped:
    return font._shape(text)


@lru_cache(maxsize=None)
def load_font(name: str, search: tuple[str, ...] = ()) -> Font:
    """A font by file name: the design's folders first, then the packaged fonts."""
    for folder in (*search, str(fonts_dir()), *[str(p) for p in sorted(fonts_dir().glob("*")) if p.is_dir()]):
        p = Path(folder) / name
        if p.is_file():
            return Font(p)
    p = Path(name)
    if p.is_file():
        return Font(p)
    raise PosterGenError(
        _("font '{name}' not found in {folder} or the design's folder; check the design's [fonts] table").format(
            name=name, folder=fonts_dir()
        )
    )
