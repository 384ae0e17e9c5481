"""PNG writer: draws a Scene in horizontal strips, so memory stays flat
however large the print is. Never measures, never decides.

The PNG covers the finished (trim) size exactly: width_mm / 25.4 * dpi
pixels, dpi stored in pHYs, colour sRGB: an embedded sRGB ICC profile (iCCP
chunk, what Photoshop and RIPs read as the file's profile), or with
``PngOptions(icc=False)`` the sRGB chunk alone; never both, as the PNG
specification asks. ``PngOptions(truecolor=True)`` always writes 8-bit RGB.

Fast path: a scene of flat colours with text over one known colour is drawn
as 8-bit palette indices (solid colours, plus a ramp of anti-aliasing levels
for every text colour / ground colour pair) and written as a palette PNG:
a third of the bytes of RGB, visually the same. Anything else (text over
two grounds at once) falls back to RGB strips.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from poster_gen.output import atomic_write
from poster_gen.i18n import _
from poster_gen.scene import GlyphRun, Rect, Scene, WriterError

STRIP_BYTES = 16 * 1024 * 1024  # pixel bytes per strip
ICC_NAME = b"sRGB"  # the iCCP chunk's profile name
COMPRESS_THREADS = 2  # strips deflated at once (memory: about this many strips more)


@dataclass(frozen=True)
class PngOptions:
    dpi: int
    width_px: int
    height_px: int
    bleed: bool = False  # False: the PNG is the trim size
    compress_level: int = 3
    palette: bool = True  # allow the palette fast path
    truecolor: bool = False  # True: always RGB (8 bits a channel), never a palette PNG
    icc: bool = True  # True: an embedded sRGB profile (iCCP); False: the sRGB chunk
    text: tuple[tuple[str, str], ...] = ()  # tEXt chunks (keyword, value)


@dataclass(frozen=True)
class _Stamp:
    x0: int
    y0: int
    x1: int
    y1: int
    mask: Image.Image  # coverage 0..255
    rgb: tuple[int, int, int]
    ground: tuple[int, int, int] | None  # colour under the glyph, when one


def _pil_font(path: str, size_px: float) -> ImageFont.FreeTypeFont:
    """Pillow's font for the file as it is now: cached by the file's SHA-256, never by its path alone."""
    from poster_gen.fonts import font_file

    return _pil_font_of(path, font_file(path).sha256, size_px)


@lru_cache(maxsize=16)
def _pil_font_of(path: str, sha256: str, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size_px, layout_engine=ImageFont.Layout.BASIC)


def _glyph_mask(path: str, size_px: float, char: str) -> tuple[Image.Image | None, int, int]:
    font = _pil_font(path, size_px)
    x0, y0, x1, y1 = font.getbbox(char, anchor="ls")
    if x1 <= x0 or y1 <= y0:
        return None, 0, 0
    m = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(m).text((-x0, -y0), char, fill=255, font=font, anchor="ls")
    return m, x0, y0


def _px_rect(r: Rect, scale: float, ox: float, oy: float) -> tuple[int, int, int, int]:
    x0 = round((r.x_pt - ox) * scale)
    x1 = round((r.x_pt + r.w_pt - ox) * scale)
    y0 = round((r.y_pt - oy) * scale)
    y1 = round((r.y_pt + r.h_pt - oy) * scale)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def _stamps(scene: Scene, scale: float, ox: float, oy: float) -> list[_Stamp]:
    out = []
    masks: dict = {}  # per picture: memory stays bounded across a batch
    rects: list[tuple[tuple[int, int, int, int], tuple[int, int, int]]] = []
    # scene.marks (trim and fold marks, the slug) lie outside the canvas: a picture of the trim
    # or of the bleed has no room for them, so they are skipped here, as a whole, on purpose
    for index, item in enumerate(scene.items):
        if isinstance(item, Rect):
            rects.append((_px_rect(item, scale, ox, oy), item.color.rgb))
            continue
        if not isinstance(item, GlyphRun):
            raise WriterError(
                _("{writer} writer: {what} {index} is a {type}, which it cannot draw (known: {known}); "
                  "this is a bug in poster-gen").format(writer="PNG", what=_("scene item"), index=index,
                                                        type=type(item).__name__, known="Rect, GlyphRun")
            )
        size_px = round(item.size_pt * scale, 2)
        for g in item.glyphs:
            key = (item.font_path, size_px, g.char)
            if key not in masks:
                masks[key] = _glyph_mask(*key)
            mask, dx, dy = masks[key]
            if mask is None:
                continue
            x = round((g.x_pt - ox) * scale) + dx
            y = round((g.y_pt - oy) * scale) + dy
            box = (x, y, x + mask.width, y + mask.height)
            out.append(_Stamp(*box, mask, item.color.rgb, _ground(rects, box)))
    return out


def _ground(rects, box) -> tuple[int, int, int] | None:
    """The one colour under a box, or None if the box straddles colours."""
    x0, y0, x1, y1 = box
    for (rx0, ry0, rx1, ry1), rgb in reversed(rects):
        if rx1 <= x0 or rx0 >= x1 or ry1 <= y0 or ry0 >= y1:
            continue  # no overlap
        if rx0 <= x0 and ry0 <= y0 and rx1 >= x1 and ry1 >= y1:
            return rgb
        return None  # partly covered by a rect: more than one colour
    return (255, 255, 255)


@dataclass(frozen=True)
class _Palette:
    colors: list  # index -> rgb
    solid: dict  # rgb -> index
    luts: dict  # (fg, ground) -> (index lut, paste lut)


def _plan_palette(rect_colors: list, stamps: list[_Stamp]) -> _Palette | None:
    if any(s.ground is None for s in stamps):
        return None
    solid_list = list(dict.fromkeys([*rect_colors, *(s.rgb for s in stamps), (255, 255, 255)]))
    pairs = list(dict.fromkeys((s.rgb, s.ground) for s in stamps if s.rgb != s.ground))
    if len(solid_list) > 200:
        return None
    colors = list(solid_list)
    solid = {c: i for i, c in enumerate(solid_list)}
    luts = {}
    if pairs:
        levels = min(255, (256 - len(colors)) // len(pairs) + 1)
        if levels < 16:
            return None
        for fg, bg in pairs:
            base = len(colors)
            for q in range(1, levels):
                a = q / levels
                colors.append(tuple(round(bg[i] + (fg[i] - bg[i]) * a) for i in range(3)))
            idx_lut, paste_lut = [], []
            for v in range(256):
                q = round(v * levels / 255)
                if q <= 0:
                    idx_lut.append(0)
                    paste_lut.append(0)
                elif q >= levels:
                    idx_lut.append(solid[fg])
                    paste_lut.append(255)
                else:
                    idx_lut.append(base + q - 1)
                    paste_lut.append(255)
            luts[(fg, bg)] = (idx_lut, paste_lut)
    return _Palette(colors, solid, luts)


def render_strips(scene: Scene, opts: PngOptions, rows: int | None = None):
    """Yield (mode, palette, strip image) for strips covering the picture.

    mode is "P" (image holds palette indices, mode L) or "RGB". ``rows``: the
    height of every strip but the last (default: STRIP_BYTES of pixels).
    """
    scale = opts.dpi / 72.0
    ox = oy = 0.0 if opts.bleed else scene.bleed_pt
    W, H = opts.width_px, opts.height_px
    rects = [it for it in scene.items if isinstance(it, Rect)]
    stamps = _stamps(scene, scale, ox, oy)
    use_palette = opts.palette and not opts.truecolor
    pal = None if not use_palette else _plan_palette([r.color.rgb for r in rects], stamps)
    bpp = 1 if pal is not None else 3
    rows = max(1, min(H, rows)) if rows else max(8, min(H, STRIP_BYTES // (bpp * W)))
    prect = [(_px_rect(r, scale, ox, oy), r.color.rgb) for r in rects]
    for top in range(0, H, rows):
        h = min(rows, H - top)
        if pal is not None:
            img = Image.new("L", (W, h), pal.solid[(255, 255, 255)])
        else:
            img = Image.new("RGB", (W, h), (255, 255, 255))
        draw = ImageDraw.Draw(img)
        for (x0, y0, x1, y1), rgb in prect:
            y0, y1 = y0 - top, y1 - top
            if y1 <= 0 or y0 >= h or x1 <= 0 or x0 >= W:
                continue
            fill = pal.solid[rgb] if pal is not None else rgb
            draw.rectangle((max(0, x0), max(0, y0), min(W, x1) - 1, min(h, y1) - 1), fill=fill)
        for s in stamps:
            if s.y1 <= top or s.y0 >= top + h:
                continue
            if pal is not None:
                if s.rgb == s.ground:
                    continue
                # map coverage to palette indices for the rows in this strip only:
                # no second full-size copy of every glyph is kept
                y0, y1 = max(s.y0, top), min(s.y1, top + h)
                part = s.mask if (y0, y1) == (s.y0, s.y1) else s.mask.crop((0, y0 - s.y0, s.mask.width, y1 - s.y0))
                idx_lut, paste_lut = pal.luts[(s.rgb, s.ground)]
                img.paste(part.point(idx_lut), (s.x0, y0 - top), part.point(paste_lut))
            else:
                img.paste(s.rgb, (s.x0, s.y0 - top), s.mask)
        yield ("P" if pal is not None else "RGB"), (pal.colors if pal is not None else None), img


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(strips, width: int, height: int, dpi: int, fh, compress_level: int = 3, text=(),
               icc: bytes | None = None) -> None:
    """Stream strips into a PNG (Up filter, one zlib stream), deterministic.

    ``icc``: an sRGB ICC profile to embed (iCCP chunk) instead of the sRGB
    chunk. The PNG specification asks for one or the other, not both (libpng
    warns "iCCP: too many profiles" when both are there).
    """
    it = iter(strips)
    first = next(it)
    mode, colors, _ = first
    bpp = 1 if mode == "P" else 3
    fh.write(b"\x89PNG\r\n\x1a\n")
    fh.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3 if mode == "P" else 2, 0, 0, 0)))
    # text first: the Software chunk within the first bytes, for ``output.made_by_us``
    for key, value in text:
        if value.isascii():
            fh.write(_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("ascii")))
        else:  # Vietnamese: iTXt holds UTF-8 (flags 0 0, no language tag, no translated keyword)
            fh.write(_chunk(b"iTXt", key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + value.encode("utf-8")))
    if icc is not None:  # profile name, compression method 0 (zlib), the profile
        fh.write(_chunk(b"iCCP", ICC_NAME + b"\x00\x00" + zlib.compress(icc, 9)))
    else:
        fh.write(_chunk(b"sRGB", b"\x00"))
    if mode == "P":
        fh.write(_chunk(b"PLTE", b"".join(bytes(c) for c in colors)))
    ppm = round(dpi / 0.0254)
    fh.write(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
    # One zlib stream made of independently deflated strips (each ends on a
    # byte boundary with a sync flush, the last one finishes the stream), so
    # strips compress on several threads: zlib releases the GIL. The output
    # does not depend on the number of threads.
    fh_write = fh.write
    pending = bytearray(b"\x78\x01")  # zlib header: deflate, 32 KiB window
    adler = 1
    prev_last: Image.Image | None = None

    def strips_all():
        yield first
        yield from it

    def deflate(data: bytes, last: bool) -> bytes:
        comp = zlib.compressobj(compress_level, zlib.DEFLATED, -15, 9)
        return comp.compress(data) + comp.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    def emit(block: bytes) -> None:
        pending.extend(block)
        if len(pending) > 1 << 20:
            fh_write(_chunk(b"IDAT", bytes(pending)))
            pending.clear()

    with ThreadPoolExecutor(max_workers=COMPRESS_THREADS) as pool:
        inflight: list = []
        source = strips_all()
        nxt = next(source, None)
        while nxt is not None:
            img = nxt[2]
            data = _up_filtered(img, prev_last, bpp)
            prev_last = img.crop((0, img.height - 1, width, img.height))
            nxt = next(source, None)
            adler = zlib.adler32(data, adler)
            inflight.append(pool.submit(deflate, data, nxt is None))
            del data
            while len(inflight) > COMPRESS_THREADS:
                emit(inflight.pop(0).result())
        for f in inflight:
            emit(f.result())
    pending.extend(struct.pack(">I", adler & 0xFFFFFFFF))
    fh_write(_chunk(b"IDAT", bytes(pending)))
    fh_write(_chunk(b"IEND", b""))


def _up_filtered(img: Image.Image, prev_last: Image.Image | None, bpp: int) -> bytes:
    """PNG scanlines of a strip with the Up filter (filter byte 2 on every row)."""
    width, h = img.size
    above = Image.new(img.mode, (width, h))  # zeros: Up on the very first row == no filter
    if prev_last is not None:
        above.paste(prev_last, (0, 0))
    if h > 1:
        above.paste(img.crop((0, 0, width, h - 1)), (0, 1))
    diff = ImageChops.subtract_modulo(img, above)
    if bpp == 1:  # one byte per pixel: prepend a column holding the filter byte
        wide = Image.new("L", (width + 1, h), 2)
        wide.paste(diff, (1, 0))
        return wide.tobytes()
    raw = diff.tobytes()
    stride = width * bpp
    return b"".join(b"\x02" + raw[i * stride : (i + 1) * stride] for i in range(h))


def png_metadata(scene: Scene, opts: PngOptions) -> tuple[tuple[str, str], ...]:
    """Text chunks for preflight: what the picture is and its physical size.

    ``width_mm``/``height_mm`` are the size the pixels cover (the trim, or the
    trim plus bleed when ``opts.bleed``); ``poster-gen check`` compares them
    with the pixel size at the pHYs dpi.
    """
    from poster_gen.sizes import PT_PER_MM

    b = 0.0 if opts.bleed else scene.bleed_pt

    def mm(v_pt: float) -> str:
        return f"{v_pt / PT_PER_MM:.3f}".rstrip("0").rstrip(".")

    keywords = (
        *scene.keywords,
        f"width_mm={mm(scene.width_pt - 2 * b)}",
        f"height_mm={mm(scene.height_pt - 2 * b)}",
        f"dpi={opts.dpi}",
        f"bleed={'yes' if opts.bleed else 'no'}",
    )
    # Software first: ``output.made_by_us`` looks for it in the first bytes
    out = [("Software", "poster-gen"), ("Title", scene.title), ("Description", scene.subject),
           ("Keywords", ", ".join(keywords))]
    return tuple((k, v) for k, v in out if v)


def write_png(scene: Scene, path, opts: PngOptions) -> None:
    text = (*png_metadata(scene, opts), *opts.text)
    icc = None
    if opts.icc:
        from poster_gen.raster import srgb_icc

        icc = srgb_icc()
    with atomic_write(path) as fh:
        encode_png(render_strips(scene, opts), opts.width_px, opts.height_px, opts.dpi, fh, opts.compress_level, text,
                   icc)
