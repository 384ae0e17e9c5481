"""PNG writer: draws a Scene in horizontal strips, so memory stays flat
however large the print is. Never measures, never decides.

The PNG covers the finished (trim) size exactly: width_mm / 25.4 * dpi
pixels, dpi stored in pHYs, colour tagged sRGB.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from poster_gen.output import atomic_write
from poster_gen.scene import GlyphRun, Rect, Scene

STRIP_BYTES = 24 * 1024 * 1024  # pixel bytes per strip (RGB)


@dataclass(frozen=True)
class PngOptions:
    dpi: int
    width_px: int
    height_px: int
    bleed: bool = False  # False: the PNG is the trim size
    compress_level: int = 6


@dataclass(frozen=True)
class _Stamp:
    x0: int
    y0: int
    x1: int
    y1: int
    mask: Image.Image
    rgb: tuple[int, int, int]


@lru_cache(maxsize=64)
def _pil_font(path: str, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size_px, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def _glyph_mask(path: str, size_px: float, char: str) -> tuple[Image.Image | None, int, int]:
    font = _pil_font(path, size_px)
    x0, y0, x1, y1 = font.getbbox(char, anchor="ls")
    if x1 <= x0 or y1 <= y0:
        return None, 0, 0
    m = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(m).text((-x0, -y0), char, fill=255, font=font, anchor="ls")
    return m, x0, y0


def _stamps(scene: Scene, scale: float, ox: float, oy: float) -> list[_Stamp]:
    out = []
    for item in scene.items:
        if not isinstance(item, GlyphRun):
            continue
        size_px = round(item.size_pt * scale, 2)
        for g in item.glyphs:
            mask, dx, dy = _glyph_mask(item.font_path, size_px, g.char)
            if mask is None:
                continue
            x = round((g.x_pt - ox) * scale) + dx
            y = round((g.y_pt - oy) * scale) + dy
            out.append(_Stamp(x, y, x + mask.width, y + mask.height, mask, item.color.rgb))
    return out


def render_strips(scene: Scene, opts: PngOptions):
    """Yield (top_row, RGB image) strips covering the whole picture."""
    scale = opts.dpi / 72.0
    ox = oy = 0.0 if opts.bleed else scene.bleed_pt
    W, H = opts.width_px, opts.height_px
    rects = [it for it in scene.items if isinstance(it, Rect)]
    stamps = _stamps(scene, scale, ox, oy)
    rows = max(8, min(H, STRIP_BYTES // (3 * W)))
    for top in range(0, H, rows):
        h = min(rows, H - top)
        img = Image.new("RGB", (W, h), (255, 255, 255))
        draw = ImageDraw.Draw(img)
        for r in rects:
            x0 = round((r.x_pt - ox) * scale)
            x1 = round((r.x_pt + r.w_pt - ox) * scale)
            y0 = round((r.y_pt - oy) * scale) - top
            y1 = round((r.y_pt + r.h_pt - oy) * scale) - top
            if x1 <= x0:
                x1 = x0 + 1
            if y1 <= y0:
                y1 = y0 + 1
            if y1 <= 0 or y0 >= h or x1 <= 0 or x0 >= W:
                continue
            draw.rectangle((max(0, x0), max(0, y0), min(W, x1) - 1, min(h, y1) - 1), fill=r.color.rgb)
        for s in stamps:
            if s.y1 <= top or s.y0 >= top + h:
                continue
            img.paste(s.rgb, (s.x0, s.y0 - top), s.mask)
        yield top, img


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(strips, width: int, height: int, dpi: int, fh, compress_level: int = 6) -> None:
    """Stream RGB strips into a PNG (Up filter, one zlib stream)."""
    fh.write(b"\x89PNG\r\n\x1a\n")
    fh.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
    fh.write(_chunk(b"sRGB", b"\x00"))
    ppm = round(dpi / 0.0254)
    fh.write(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
    comp = zlib.compressobj(compress_level, zlib.DEFLATED, 15, 9)
    stride = width * 3
    prev_last: Image.Image | None = None
    pending = bytearray()
    for _top, img in strips:
        h = img.height
        raw = img.tobytes()
        if prev_last is None:
            first_above = Image.new("RGB", (width, 1), (0, 0, 0))
            first_filter = b"\x00"
        else:
            first_above = prev_last
            first_filter = b"\x02"
        above = Image.new("RGB", (width, h))
        above.paste(first_above, (0, 0))
        if h > 1:
            above.paste(img.crop((0, 0, width, h - 1)), (0, 1))
        if first_filter == b"\x00":
            diff_bytes = ImageChops.subtract_modulo(img, above).tobytes()
            diff_bytes = raw[:stride] + diff_bytes[stride:]
        else:
            diff_bytes = ImageChops.subtract_modulo(img, above).tobytes()
        parts = []
        for i in range(h):
            parts.append(first_filter if (i == 0) else b"\x02")
            parts.append(diff_bytes[i * stride : (i + 1) * stride])
        pending += comp.compress(b"".join(parts))
        if len(pending) > 1 << 20:
            fh.write(_chunk(b"IDAT", bytes(pending)))
            pending.clear()
        prev_last = img.crop((0, h - 1, width, h))
    pending += comp.flush()
    if pending:
        fh.write(_chunk(b"IDAT", bytes(pending)))
    fh.write(_chunk(b"IEND", b""))


def write_png(scene: Scene, path, opts: PngOptions) -> None:
    with atomic_write(path) as fh:
        encode_png(render_strips(scene, opts), opts.width_px, opts.height_px, opts.dpi, fh, opts.compress_level)
