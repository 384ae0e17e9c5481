"""Fonts: coverage checks, HarfBuzz shaping and ink measured from glyph outlines.

Everything here is in em units (1.0 = the font size); layout scales.

What measuring needs from a font file (units per em, the Unicode cmap,
advances, glyph boxes, capital height and two names) is read straight from
the file's tables when the file is a plain, well-formed TrueType font: the
packaged fonts and nearly every other. Loading fontTools and decoding those
tables with it took longer than writing the PDF. Whatever this reader does not
know for certain (another format, a table it would have to guess at, a name
record fontTools decodes its own way) is left to fontTools, as before, so the
answers are fontTools' own either way (``tests/test_layout.py`` compares them
on every font at hand).
"""

from __future__ import annotations

import array
import hashlib
import io
import os
import struct
import sys
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import uharfbuzz as hb

from poster_gen.errors import FontCoverageError, PosterGenError
from poster_gen.i18n import _
from poster_gen.resources import fonts_dir


class ShapedGlyph(NamedTuple):
    """One glyph of shaped text, in em."""

    gid: int
    char: str  # the source character(s) this glyph draws
    x_em: float  # pen position relative to the run origin
    y_em: float
    advance_em: float


class Shaped(NamedTuple):
    """Text shaped by HarfBuzz: its glyphs and total advance, in em."""

    text: str
    glyphs: tuple[ShapedGlyph, ...]
    advance_em: float


class Ink(NamedTuple):
    """Ink box in em, y up from the baseline."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float


class Font:
    """One font file: the only place that opens TrueType data for measuring.

    ``data``: the file's bytes, when the caller has read them (``load_font``); everything the
    font answers comes from these bytes, ``sha256`` included.
    """

    def __init__(self, path: str | Path, data: bytes | None = None):
        self.path = Path(path)
        try:
            if data is None:
                data = self.path.read_bytes()
            tables = _SfntTables.read(data)
            if tables is None:  # not the plain case: fontTools reads it, as it always did
                tables = _FontToolsTables(data)
        except Exception as exc:  # fontTools raises many types on bad files
            raise PosterGenError(
                _("font {path}: cannot be read ({reason}); reinstall poster-gen or fix the design's font").format(
                    path=self.path, reason=exc
                )
            ) from None
        if not tables.has_glyf:
            raise PosterGenError(
                _("font {path}: only TrueType-outline fonts (glyf) are supported").format(path=self.path)
            )
        tables.load()
        self._tables = tables
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.upem = tables.upem
        # the characters the font maps (fontTools' getBestCmap), to a glyph (id or name: see _tables)
        self.cmap: dict[int, int | str] = tables.cmap
        self.cap_height_em = (tables.cap_height or 700) / self.upem
        self.ps_name = (tables.debug_name(6) or self.path.stem).replace(" ", "")
        self.family = tables.debug_name(1) or self.path.stem
        self._hb_font = hb.Font(hb.Face(hb.Blob(data)))
        self._ink: dict[int, Ink | None] = {}

    @property
    def _tt(self) -> TTFont:
        """The font as fontTools reads it (opened on first use)."""
        return self._tables.tt

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
        tables = self._tables
        for ch in text:
            glyph = self.cmap.get(ord(ch), tables.notdef)
            adv = tables.advance(glyph) / self.upem
            glyphs.append(ShapedGlyph(tables.glyph_id(glyph), ch, x, 0.0, adv))
            x += adv
        return Shaped(text, tuple(glyphs), x)

    # -- ink --------------------------------------------------------------
    def ink(self, gid: int) -> Ink | None:
        try:
            return self._ink[gid]
        except KeyError:
            pass
        box = self._tables.box(gid)
        if box is None:
            self._ink[gid] = None
            return None
        s = 1.0 / self.upem
        ink = Ink(box[0] * s, box[1] * s, box[2] * s, box[3] * s)
        self._ink[gid] = ink
        return ink

    def advance_of(self, char: str) -> float:
        return self._tables.advance(self.cmap.get(ord(char), self._tables.notdef)) / self.upem


class _FontToolsTables:
    """The tables as fontTools reads them; glyphs are named (as fontTools' cmap names them)."""

    notdef = ".notdef"

    def __init__(self, source: Path | bytes):
        from fontTools.ttLib import TTFont

        self.tt = TTFont(io.BytesIO(source) if isinstance(source, bytes) else str(source), lazy=True)
        self.has_glyf = "glyf" in self.tt

    def load(self) -> None:
        self.upem = self.tt["head"].unitsPerEm
        self.cmap: dict[int, str] = self.tt.getBestCmap()
        self._glyf = self.tt["glyf"]
        self._order = self.tt.getGlyphOrder()
        self._hmtx = self.tt["hmtx"]
        self.cap_height = getattr(self.tt["OS/2"], "sCapHeight", 0)

    def debug_name(self, name_id: int) -> str | None:
        return _debug_name(self.tt, name_id)

    def glyph_id(self, name: str) -> int:
        return self.tt.getGlyphID(name)

    def advance(self, name: str) -> int:
        return self._hmtx[name][0]

    def box(self, gid: int) -> tuple[int, int, int, int] | None:
        g = self._glyf[self._order[gid]]
        if not hasattr(g, "xMin") or g.numberOfContours == 0:
            if g.isComposite():
                g.recalcBounds(self._glyf)
            if not hasattr(g, "xMin") or (g.numberOfContours == 0 and not g.isComposite()):
                return None
        return g.xMin, g.yMin, g.xMax, g.yMax


# the cmap subtables fontTools' getBestCmap prefers, in order
_CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
_REQUIRED = (b"head", b"maxp", b"hhea", b"hmtx", b"cmap", b"loca", b"glyf", b"OS/2", b"name", b"post")
# the shortest subtable of each format fontTools reads without complaint (a format not
# named here is one it skips or reads in its own way)
_CMAP_MIN_LENGTH = {0: 262, 2: 518, 4: 16, 6: 10, 12: 16, 13: 16, 14: 10}
# the bytes fontTools reads of each OS/2 version (format 0, then its additions)
_OS2_SIZES = {0: 78, 1: 86, 2: 96, 3: 96, 4: 96, 5: 100}


def _array(typecode: str, data: bytes) -> array.array:
    a = array.array(typecode)
    a.frombytes(data)
    if sys.byteorder != "big":
        a.byteswap()
    return a


class _SfntTables:
    """The same answers as ``_FontToolsTables``, read from a plain, well-formed TrueType file
    (see the module); glyphs are glyph ids. ``read`` returns None for any other file."""

    notdef = 0
    has_glyf = True

    @classmethod
    def read(cls, data: bytes) -> _SfntTables | None:
        try:
            return cls(data)
        except Exception:  # _NotPlain, or a surprise: fontTools answers either way
            return None

    def __init__(self, data: bytes):
        self._data = data
        if data[:4] not in (b"\x00\x01\x00\x00", b"true"):  # a collection, WOFF, CFF: fontTools
            raise _NotPlain
        (num_tables,) = struct.unpack_from(">H", data, 4)
        view = memoryview(data)
        tables: dict[bytes, memoryview] = {}
        for i in range(num_tables):
            tag, _checksum, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * i)
            if tag in tables or offset + length > len(data):
                raise _NotPlain
            tables[tag] = view[offset:offset + length]
        if any(tag not in tables for tag in _REQUIRED) or b"CFF " in tables or b"DMAP" in tables:
            raise _NotPlain
        self._glyf = tables[b"glyf"]
        head, maxp, hhea, os2 = tables[b"head"], tables[b"maxp"], tables[b"hhea"], tables[b"OS/2"]
        if len(head) != 54 or len(hhea) != 36:
            raise _NotPlain
        self.upem = struct.unpack_from(">H", head, 18)[0]
        (loca_format,) = struct.unpack_from(">h", head, 50)
        version, n = struct.unpack_from(">LH", maxp)
        if (version, len(maxp)) not in ((0x00005000, 6), (0x00010000, 32)) or n == 0:
            raise _NotPlain
        self.num_glyphs = n
        # capital height: OS/2 version 2 on (fontTools has no sCapHeight before it)
        (os2_version,) = struct.unpack_from(">H", os2)
        if len(os2) < _OS2_SIZES.get(os2_version, 1 << 30):
            raise _NotPlain
        self.cap_height = struct.unpack_from(">h", os2, 88)[0] if os2_version >= 2 else 0
        self._glyph_zero_is_notdef(tables[b"post"])
        self._read_hmtx(struct.unpack_from(">H", hhea, 34)[0], tables[b"hmtx"])
        self._read_loca(loca_format, tables[b"loca"], len(tables[b"glyf"]))
        self.cmap = self._read_cmap(tables[b"cmap"])
        self._names = {i: _raw_debug_name(bytes(tables[b"name"]), i) for i in (1, 6)}
        if any(v is None for v in self._names.values()):  # a record fontTools decodes its own way
            raise _NotPlain

    def load(self) -> None:
        pass  # read in full by ``read``

    def _glyph_zero_is_notdef(self, post: memoryview) -> None:
        """fontTools names glyph 0 '.notdef' (the nominal glyph of a character the cmap lacks)."""
        (post_format,) = struct.unpack_from(">L", post)
        if len(post) < 32:  # the header fontTools reads of every format
            raise _NotPlain
        if post_format == 0x00020000:
            count, first = struct.unpack_from(">HH", post, 32)
            if count == 0 or first != 0:
                raise _NotPlain
        elif post_format not in (0x00010000, 0x00030000):
            raise _NotPlain

    def _read_hmtx(self, n_metrics: int, hmtx: memoryview) -> None:
        n = self.num_glyphs
        n_metrics = min(n_metrics, n)
        if n_metrics == 0 or len(hmtx) < 4 * n_metrics + 2 * (n - n_metrics):
            raise _NotPlain
        self._advances = _array("H", hmtx[: 4 * n_metrics])[::2]

    def _read_loca(self, loca_format: int, loca: memoryview, glyf_len: int) -> None:
        if loca_format not in (0, 1):
            raise _NotPlain
        offsets = _array("I" if loca_format else "H", loca)  # ValueError when not whole entries
        if not loca_format:
            offsets = array.array("I", (2 * v for v in offsets))
        if len(offsets) < self.num_glyphs + 1 or offsets[-1] > glyf_len:
            raise _NotPlain
        # fontTools refuses a table whose glyphs run backwards, and cannot read a glyph of 1-9 bytes
        if any(not (b == a or b - a >= 10) for a, b in pairwise(offsets)):
            raise _NotPlain
        self._loca = offsets

    def _read_cmap(self, cmap: memoryview) -> dict[int, int]:
        _version, count = struct.unpack_from(">HH", cmap)
        subtables = []
        for i in range(count):
            platform, encoding, offset = struct.unpack_from(">HHL", cmap, 4 + 8 * i)
            fmt, length = struct.unpack_from(">HH", cmap, offset)
            if fmt in (8, 10, 12, 13):
                _fmt, _reserved, length = struct.unpack_from(">HHL", cmap, offset)
            elif fmt in (14, 15):
                _fmt, length = struct.unpack_from(">HL", cmap, offset)
            if length < _CMAP_MIN_LENGTH.get(fmt, 1 << 32) or offset + length > len(cmap):
                raise _NotPlain  # a subtable fontTools skips, refuses or reads in its own way
            if fmt in (12, 13) and length != 16 + 12 * struct.unpack_from(">L", cmap, offset + 12)[0]:
                raise _NotPlain
            subtables.append((platform, encoding, fmt, cmap[offset:offset + length]))
        for want in _CMAP_PREFERENCES:
            for platform, encoding, fmt, body in subtables:
                if (platform, encoding) == want:
                    return self._decode_cmap(fmt, body)
        raise _NotPlain  # no Unicode cmap

    def _decode_cmap(self, fmt: int, body: memoryview) -> dict[int, int]:
        """Format 4 or 12, well formed (sorted segments that do not overlap): what fontTools decodes."""
        out: dict[int, int] = {}
        if fmt == 4:
            (seg_x2,) = struct.unpack_from(">H", body, 6)
            seg = seg_x2 // 2
            if seg_x2 % 2 or seg == 0 or len(body) % 2 or len(body) < 16 + 8 * seg:
                raise _NotPlain
            words = _array("H", body[14:])
            ends, starts = words[:seg], words[seg + 1: 2 * seg + 1]
            deltas, range_offsets = words[2 * seg + 1: 3 * seg + 1], words[3 * seg + 1: 4 * seg + 1]
            glyph_ids = words[4 * seg + 1:]
            last_end = -1
            for i in range(seg - 1):  # the last segment (0xFFFF) maps nothing, as in fontTools
                start, end, delta, range_offset = starts[i], ends[i], deltas[i], range_offsets[i]
                if start > end or start <= last_end:
                    raise _NotPlain
                last_end = end
                if range_offset == 0:
                    for code in range(start, end + 1):
                        gid = (code + delta) & 0xFFFF
                        if gid:
                            out[code] = gid
                    continue
                first = range_offset // 2 - seg + i
                if first < 0 or first + end - start >= len(glyph_ids):
                    raise _NotPlain
                for code in range(start, end + 1):
                    gid = glyph_ids[first + code - start]
                    if gid:
                        gid = (gid + delta) & 0xFFFF
                        if gid:
                            out[code] = gid
        elif fmt == 12:
            (groups,) = struct.unpack_from(">L", body, 12)
            words = _array("I", body[16:16 + 12 * groups])
            last_end = -1
            for k in range(0, len(words), 3):
                start, end, gid = words[k], words[k + 1], words[k + 2]
                if start > end or start <= last_end or end > 0x10FFFF or gid + end - start > 0xFFFF:
                    raise _NotPlain
                last_end = end
                for code in range(start, end + 1):
                    if gid:
                        out[code] = gid
                    gid += 1
        else:
            raise _NotPlain
        if any(gid >= self.num_glyphs for gid in out.values()):
            raise _NotPlain  # fontTools names such glyphs "glyphNNNNN"
        return out

    @cached_property
    def tt(self) -> TTFont:
        from fontTools.ttLib import TTFont

        return TTFont(io.BytesIO(self._data), lazy=True)

    def debug_name(self, name_id: int) -> str | None:
        return self._names[name_id]

    def glyph_id(self, gid: int) -> int:
        return gid

    def advance(self, gid: int) -> int:
        advances = self._advances
        return advances[gid] if gid < len(advances) else advances[-1]

    def box(self, gid: int) -> tuple[int, int, int, int] | None:
        if not 0 <= gid < self.num_glyphs:
            raise IndexError(gid)
        start, end = self._loca[gid], self._loca[gid + 1]
        if start == end:
            return None  # an empty glyph (a space)
        contours, x_min, y_min, x_max, y_max = struct.unpack_from(">hhhhh", self._glyf, start)
        if contours == 0:
            return None
        return x_min, y_min, x_max, y_max


class _NotPlain(Exception):
    """The file is not the plain case ``_SfntTables`` reads: fontTools reads it."""


def _debug_name(tt: TTFont, name_id: int) -> str | None:
    """``tt["name"].getDebugName(name_id)``, read from the raw table where that gives the same answer.

    Decompiling the name table imports most of fontTools' OpenType tables (tens of
    milliseconds at start-up).
    """
    try:
        data = tt.reader["name"] if "name" not in tt.tables else None
    except Exception:
        data = None
    text = _raw_debug_name(data, name_id) if data else None
    return text if text is not None else tt["name"].getDebugName(name_id)


def _raw_debug_name(data: bytes, name_id: int) -> str | None:
    """The name fontTools' getDebugName gives, read from the raw name table, or None
    where fontTools must answer.

    fontTools returns the first Windows English record (platform 3, language 0x409)
    that decodes; when that record is plain UTF-16BE it is read here, and any
    other case is left to fontTools.
    """
    if len(data) >= 6:
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
    return None


if TYPE_CHECKING:
    from fontTools.ttLib import TTFont


@lru_cache(maxsize=20000)
def _shape_cached(font: Font, text: str) -> Shaped:
    return font._shape(text)


# The fonts made so far, by file, each with the bytes it was made from (``Font.data``). A font
# is used again only while its file holds the same bytes: a font replaced while a process runs
# (a library caller's second run, a design folder edited during a batch) is read anew, and is
# never measured, drawn or recorded (its hash) as it was. Reading a font again and comparing
# its bytes takes some microseconds; no name, size or clock decides.
_FONTS: dict[str, Font] = {}


@lru_cache(maxsize=1)
def _packaged_folders() -> tuple[str, ...]:
    """The packaged fonts' folders (the program's own files: listed once)."""
    return (str(fonts_dir()), *[str(p) for p in sorted(fonts_dir().glob("*")) if p.is_dir()])


def font_path(name: str, search: tuple[str, ...] = ()) -> Path:
    """Where the font ``name`` is: the design's folders first, then the packaged fonts."""
    for folder in (*search, *_packaged_folders()):
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return Path(p)
    if os.path.isfile(name):
        return Path(name)
    raise PosterGenError(
        _("font '{name}' not found in {folder} or the design's folder; check the design's [fonts] table").format(
            name=name, folder=fonts_dir()
        )
    )


def font_file(path: str | Path) -> Font:
    """The font in the file ``path`` as it is now: made again when its bytes have changed."""
    key = os.fspath(path)
    try:
        with open(key, "rb", buffering=0) as fh:
            data = fh.readall()
    except OSError:
        data = None  # Font says why it cannot be read
    font = _FONTS.get(key)
    if font is None or data is None or font.data != data:
        font = _FONTS[key] = Font(key, data)
    return font


def load_font(name: str, search: tuple[str, ...] = ()) -> Font:
    """A font by file name: the design's folders first, then the packaged fonts (see ``font_file``)."""
    return font_file(font_path(name, search))
