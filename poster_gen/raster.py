"""TIFF (CMYK) and JPEG (RGB) writers for sign shops' RIPs. Never measure, never decide.

Both draw the scene with ``png.render_strips`` (palette indices or RGB, in
horizontal strips) and cover the trim plus bleed, like the PDF's BleedBox:
they are print files. (The PNG covers the trim only.)

TIFF: baseline TIFF 6.0, CMYK (PhotometricInterpretation 5, InkSet 1),
8 bits per ink, LZW, chunky, little-endian, dpi in X/YResolution, the FOGRA39
profile embedded (tag 34675). Colours are converted from sRGB with littlecms,
relative colorimetric (see ``INTENT``). Pillow cannot write a TIFF strip by
strip, so this module writes the file itself: the header and the directory
come first (the Software tag "poster-gen" within the first bytes, for
``output.made_by_us``), then the profile, then the image strips. Each drawn
strip is LZW-compressed by libtiff (through Pillow, into memory) and its
compressed rows are copied into the file: memory stays that of one strip.

JPEG: baseline, RGB, sRGB profile embedded (APP2), dpi in JFIF, quality 92,
no chroma subsampling (4:4:4: red text on gold keeps sharp colour edges), a
COM segment "poster-gen". Pillow encodes a JPEG only from a whole image, so the
strips are pasted into one RGB image: 3 bytes a pixel, refused above
``JPEG_MAX_PIXELS`` (use TIFF or a lower dpi).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image, ImageCms

from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.output import atomic_write
from poster_gen.png import STRIP_BYTES, PngOptions, png_metadata, render_strips
from poster_gen.resources import data_dir
from poster_gen.scene import Scene

FOGRA39_ICC = "FOGRA39L-poster-gen.icc"
# Relative colorimetric: the design colours are in the FOGRA39 gamut, so they are
# kept as measured (white = paper white, no ink). The packaged profile has one
# B2A table, so perceptual gives the same numbers; relative colorimetric says so.
INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
# libtiff aims at strips of this many bytes (rows of 64 KB, at least one row)
TIFF_STRIP_TARGET = 65536
TIFF_MAX_BYTES = 2**32 - 1  # classic TIFF: 32-bit offsets
JPEG_QUALITY = 92
# Pillow holds an RGB image in 4 bytes a pixel: 70 Mpx is 280 MB; with the rest of the process this stays
# under the 400 MB memory ceiling (measured: see tests/test_raster.py)
JPEG_MAX_PIXELS = 70_000_000
JPEG_MAX_SIDE = 65_500  # libjpeg's largest image side
MAKER = "poster-gen"
# The sRGB profile's creation date, fixed so the same artwork gives the same bytes
_ICC_DATE = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)


@lru_cache(maxsize=1)
def srgb_icc() -> bytes:
    """littlecms's sRGB profile (ICC v4, 588 bytes), with a fixed creation date."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = _ICC_DATE
    return bytes(data)


@lru_cache(maxsize=1)
def fogra39_icc() -> bytes:
    return (data_dir() / FOGRA39_ICC).read_bytes()


@lru_cache(maxsize=1)
def cmyk_transform() -> ImageCms.ImageCmsTransform:
    """sRGB -> FOGRA39, built once per process."""
    src = ImageCms.ImageCmsProfile(io.BytesIO(srgb_icc()))
    dst = ImageCms.ImageCmsProfile(io.BytesIO(fogra39_icc()))
    return ImageCms.buildTransform(src, dst, "RGB", "CMYK", renderingIntent=INTENT)


def to_cmyk(colors: list) -> list[tuple[int, int, int, int]]:
    """Convert sRGB colours (0..255) to FOGRA39 CMYK (0..255 per ink)."""
    if not colors:
        return []
    im = Image.new("RGB", (len(colors), 1))
    im.putdata([tuple(c) for c in colors])
    out = ImageCms.applyTransform(im, cmyk_transform())
    return [out.getpixel((i, 0)) for i in range(len(colors))]


def _channels(idx: Image.Image, colors: list, mode: str) -> Image.Image:
    """Palette indices (mode L) -> an image of ``mode``, one lookup table per channel."""
    n = len(mode)
    luts = [[c[i] for c in colors] + [0] * (256 - len(colors)) for i in range(n)]
    return Image.merge(mode, [idx.point(lut) for lut in luts])


def print_options(opts: PngOptions) -> PngOptions:
    """The options a print file is drawn with: the whole canvas (trim plus bleed)."""
    return replace(opts, bleed=True)


# ---- TIFF ------------------------------------------------------------------------

_SHORT, _LONG, _RATIONAL, _ASCII, _UNDEFINED = 3, 4, 5, 2, 7
_TYPE_SIZE = {_SHORT: 2, _LONG: 4, _RATIONAL: 8, _ASCII: 1, _UNDEFINED: 1}


def _lzw(img: Image.Image, rps: int) -> list[bytes]:
    """LZW-compress a CMYK image with libtiff, in TIFF strips of ``rps`` rows."""
    buf = io.BytesIO()
    img.save(buf, "TIFF", compression="tiff_lzw", strip_size=rps * 4 * img.width)
    data = buf.getbuffer()
    with Image.open(io.BytesIO(data)) as sub:
        tags = sub.tag_v2
        offsets, counts = tags[273], tags[279]
        # the strips asked for, no predictor: the rows can be copied into our file as they are
        assert int(tags.get(278, img.height)) == min(rps, img.height) and int(tags.get(317, 1)) == 1
    if isinstance(offsets, int):
        offsets, counts = (offsets,), (counts,)
    return [bytes(data[o : o + c]) for o, c in zip(offsets, counts)]


class _StripCoder:
    """TIFF strips of ``rps`` rows, LZW-compressed. A strip equal to the one above
    (rows of plain ground above, below and between the lines of text: a third of
    a banner's rows) reuses its compressed bytes instead of compressing it again:
    libtiff's LZW (about 110 MB/s) is most of the time a TIFF takes."""

    def __init__(self, width: int, rps: int):
        self.width, self.rps = width, rps
        self.prev: tuple[bytes, bytes] | None = None  # (raw, compressed) of the last strip

    def encode(self, img: Image.Image) -> list[bytes]:
        step = self.rps * 4 * self.width
        raw = img.tobytes()
        pieces = [raw[at : at + step] for at in range(0, len(raw), step)]
        del raw
        prev_raw = self.prev[0] if self.prev else None
        fresh = []  # indices of the pieces to compress
        for i, piece in enumerate(pieces):
            if piece != (pieces[i - 1] if i else prev_raw):
                fresh.append(i)
        if len(fresh) == len(pieces):
            done = _lzw(img, self.rps)
        elif fresh:
            joined = b"".join(pieces[i] for i in fresh)
            done = _lzw(Image.frombytes("CMYK", (self.width, len(joined) // (4 * self.width)), joined), self.rps)
            del joined
        else:
            done = []
        out: list[bytes] = []
        made = dict(zip(fresh, done))
        for i in range(len(pieces)):
            out.append(made[i] if i in made else (out[i - 1] if i else self.prev[1]))
        self.prev = (pieces[-1], out[-1])
        return out


def tiff_rows_per_strip(width: int) -> int:
    return max(1, TIFF_STRIP_TARGET // (4 * width))


def tiff_description(scene: Scene, opts: PngOptions) -> str:
    """ImageDescription (ASCII): the Keywords that preflight reads, ASCII ones only."""
    meta = dict(png_metadata(scene, opts))
    words = [w for w in meta.get("Keywords", "").split(", ") if w.isascii()]
    return ", ".join(words)


def write_tiff(scene: Scene, path, opts: PngOptions) -> None:
    """A CMYK TIFF of the whole canvas (trim plus bleed) at ``opts.dpi``."""
    opts = print_options(opts)
    W, H = opts.width_px, opts.height_px
    rps = tiff_rows_per_strip(W)
    # drawn strips of at most STRIP_BYTES of CMYK, a whole number of TIFF strips
    rows = max(rps, (STRIP_BYTES // (4 * W)) // rps * rps)
    n_strips = -(-H // rps)
    software = MAKER.encode("ascii") + b"\x00"
    desc = tiff_description(scene, opts).encode("ascii") + b"\x00"
    icc = fogra39_icc()
    res = struct.pack("<II", opts.dpi, 1)
    # (tag, type, count, value bytes or an int)
    entries = [
        (256, _LONG, 1, W),
        (257, _LONG, 1, H),
        (258, _SHORT, 4, struct.pack("<4H", 8, 8, 8, 8)),
        (259, _SHORT, 1, 5),  # LZW
        (262, _SHORT, 1, 5),  # separated: CMYK
        (270, _ASCII, len(desc), desc),
        (273, _LONG, n_strips, None),  # StripOffsets: filled in at the end
        (277, _SHORT, 1, 4),
        (278, _LONG, 1, rps),
        (279, _LONG, n_strips, None),  # StripByteCounts
        (282, _RATIONAL, 1, res),
        (283, _RATIONAL, 1, res),
        (284, _SHORT, 1, 1),  # chunky
        (296, _SHORT, 1, 2),  # inch
        (305, _ASCII, len(software), software),
        (332, _SHORT, 1, 1),  # InkSet: CMYK
        (34675, _UNDEFINED, len(icc), icc),
    ]
    # Software first among the values, right after the directory: near the start
    order = sorted(range(len(entries)), key=lambda i: (entries[i][0] != 305, i))
    ifd_size = 2 + 12 * len(entries) + 4
    pos = 8 + ifd_size
    where: dict[int, int] = {}  # entry index -> offset of its value, when not inline
    for i in order:
        tag, typ, count, value = entries[i]
        size = _TYPE_SIZE[typ] * count
        if size > 4:
            pos += pos & 1  # values start on a word boundary
            where[i] = pos
            pos += size
    data_start = pos + (pos & 1)

    def inline(typ: int, value) -> bytes:
        if isinstance(value, bytes):
            return value.ljust(4, b"\x00")
        return struct.pack("<HH", value, 0) if typ == _SHORT else struct.pack("<I", value)

    with atomic_write(path) as fh:
        head = bytearray(data_start)
        head[0:8] = b"II*\x00" + struct.pack("<I", 8)
        struct.pack_into("<H", head, 8, len(entries))
        for n, (tag, typ, count, value) in enumerate(entries):
            at = 10 + 12 * n
            if n in where:
                field = struct.pack("<I", where[n])
                if value is not None:
                    head[where[n] : where[n] + len(value)] = value
            else:
                field = inline(typ, value if value is not None else 0)
            head[at : at + 12] = struct.pack("<HHI", tag, typ, count) + field
        # the next-directory offset after the entries is 0 (already zero)
        fh.write(head)
        offsets: list[int] = []
        counts: list[int] = []
        written = data_start
        palette = None
        coder = _StripCoder(W, rps)
        for mode, colors, img in render_strips(scene, opts, rows=rows):
            if mode == "P":
                if palette is None or palette[0] is not colors:
                    palette = (colors, to_cmyk(colors))
                cmyk = _channels(img, palette[1], "CMYK")
            else:
                cmyk = ImageCms.applyTransform(img, cmyk_transform())
            del img
            parts = coder.encode(cmyk)
            del cmyk
            for part in parts:
                offsets.append(written)
                counts.append(len(part))
                fh.write(part)
                written += len(part)
                if written > TIFF_MAX_BYTES:
                    raise PosterGenError(
                        _("the TIFF would be over 4 GB ({width} x {height} px); lower --dpi").format(width=W, height=H)
                    )
        assert len(offsets) == n_strips
        for n, (tag, _typ, count, _value) in enumerate(entries):
            if tag in (273, 279):
                values = struct.pack(f"<{count}I", *(offsets if tag == 273 else counts))
                if n in where:
                    fh.seek(where[n])
                    fh.write(values)
                else:
                    fh.seek(10 + 12 * n + 8)
                    fh.write(values)
        fh.seek(0, io.SEEK_END)


def tiff_complete(path) -> bool:
    """Cheap check that a TIFF's strips all lie inside the file (not cut short)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
            if head[:4] != b"II*\x00":
                return False
            (ifd,) = struct.unpack("<I", head[4:8])
            fh.seek(ifd)
            (n,) = struct.unpack("<H", fh.read(2))
            raw = fh.read(12 * n)
            fields = {}
            for i in range(n):
                tag, typ, count, val = struct.unpack("<HHI4s", raw[12 * i : 12 * i + 12])
                fields[tag] = (typ, count, val)
            arrays = []
            for tag in (273, 279):
                typ, count, val = fields[tag]
                fmt = f"<{count}{'I' if typ == _LONG else 'H'}"
                size = struct.calcsize(fmt)
                if size <= 4:
                    arrays.append(struct.unpack(fmt, val[:size]))
                else:
                    fh.seek(struct.unpack("<I", val)[0])
                    arrays.append(struct.unpack(fmt, fh.read(size)))
            end = max((o + c for o, c in zip(*arrays)), default=0)
            fh.seek(0, io.SEEK_END)
            return fh.tell() >= end
    except (OSError, KeyError, struct.error):
        return False


# ---- JPEG ------------------------------------------------------------------------


def check_jpeg_size(width: int, height: int, dpi: int) -> None:
    if width > JPEG_MAX_SIDE or height > JPEG_MAX_SIDE:
        raise PosterGenError(
            _("a JPEG at {dpi} dpi would be {width} x {height} px; JPEG allows at most {most} px a side: "
              "lower --dpi or use --format tiff").format(dpi=dpi, width=width, height=height, most=f"{JPEG_MAX_SIDE:,}")
        )
    if width * height > JPEG_MAX_PIXELS:
        raise PosterGenError(
            _("a JPEG at {dpi} dpi would be {width} x {height} px ({mpx} Mpx), over the {limit} Mpx a JPEG is made "
              "in (it is built whole in memory): lower --dpi or use --format tiff").format(
                dpi=dpi, width=width, height=height, mpx=f"{width * height / 1e6:.0f}",
                limit=f"{JPEG_MAX_PIXELS / 1e6:.0f}")
        )


def write_jpeg(scene: Scene, path, opts: PngOptions, quality: int = JPEG_QUALITY) -> None:
    """An RGB JPEG of the whole canvas (trim plus bleed), sRGB profile embedded."""
    opts = print_options(opts)
    W, H = opts.width_px, opts.height_px
    check_jpeg_size(W, H, opts.dpi)
    full = Image.new("RGB", (W, H), (255, 255, 255))
    top = 0
    for mode, colors, img in render_strips(scene, opts, rows=max(1, STRIP_BYTES // (3 * W))):
        if mode == "P":  # the strip (indices, mode L) becomes a palette image in place, no copy
            img.putpalette(b"".join(bytes(c) for c in colors))
        full.paste(img, (0, top))
        top += img.height
        del img
    with atomic_write(path) as fh:
        full.save(fh, "JPEG", quality=quality, subsampling=0, dpi=(opts.dpi, opts.dpi),
                  icc_profile=srgb_icc(), comment=MAKER.encode("ascii"))


@dataclass(frozen=True)
class RasterOptions:
    """What ``render_job`` needs for its raster files besides the size."""

    png_truecolor: bool = False  # --png-truecolor: RGB PNG instead of a palette PNG
    jpeg_quality: int = JPEG_QUALITY


def write_raster(fmt: str, scene: Scene, path, size, options: RasterOptions = RasterOptions()) -> None:
    """Write a PNG (trim only), TIFF or JPEG (trim plus bleed) of ``size`` (a sizes.Size)."""
    from poster_gen.png import write_png
    from poster_gen.sizes import px

    if fmt == "png":
        w, h = size.pixel_size
        write_png(scene, path, PngOptions(dpi=size.dpi, width_px=w, height_px=h, truecolor=options.png_truecolor))
        return
    w = px(size.sheet_width_mm + 2 * size.bleed_mm, size.dpi)  # the sheet: finished size plus any hem
    h = px(size.sheet_height_mm + 2 * size.bleed_mm, size.dpi)
    opts = PngOptions(dpi=size.dpi, width_px=w, height_px=h, bleed=True)
    if fmt == "tiff":
        write_tiff(scene, path, opts)
    elif fmt == "jpg":
        write_jpeg(scene, path, opts, options.jpeg_quality)
    else:
        raise ValueError(fmt)
