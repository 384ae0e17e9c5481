"""PNG: complete (every chunk's CRC, the image data inflating to its exact size), 8-bit sRGB, its dpi in pHYs,
and its pixel size equal to the physical size it claims at that dpi.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from poster_gen.campaign import Campaign
from poster_gen.check import limits
from poster_gen.check.claims import (
    parse_keywords,
    size_claims,
    slogan_problems,
    to_float,
)
from poster_gen.check.fmt import fmt_mm, fmt_num, short
from poster_gen.check.limits import TooBig, inflate
from poster_gen.check.model import WARNING, Code, FileCheck, Problem
from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.sizes import MAX_PIXELS, px

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"



def _is_srgb_profile(body: bytes) -> bool:
    """An iCCP chunk (name, NUL, method 0, deflated ICC profile) that embeds an sRGB profile."""
    name, _sep, rest = body.partition(b"\x00")
    if not rest or rest[0] != 0:
        return False
    try:
        profile = zlib.decompressobj().decompress(rest[1:], 1 << 20)  # an sRGB profile is a few KB
    except zlib.error:
        return False
    return len(profile) >= 132 and profile[36:40] == b"acsp" and profile[16:20] == b"RGB " and (
        b"sRGB" in name or b"sRGB" in profile or "sRGB".encode("utf-16-be") in profile)


@dataclass(frozen=True)
class PngInfo:
    width: int
    height: int
    bit_depth: int
    color_type: int
    interlace: int
    dpi: float | None
    srgb: bool
    text: dict


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_CHUNK_SIZES = {b"IHDR": 13, b"pHYs": 9, b"sRGB": 1, b"IEND": 0}
_KEPT_CHUNKS = {b"IHDR", b"pHYs", b"sRGB", b"iCCP", b"tEXt", b"iTXt"}  # read into memory and parsed
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_data_size(width: int, height: int, bit_depth: int, color_type: int, interlace: int) -> int:
    """How many bytes a PNG's image data inflates to: rows of pixels, each after a filter byte."""
    bits = _CHANNELS[color_type] * bit_depth

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w > 0 and h > 0 else 0

    if interlace == 0:
        return rows(width, height)
    return sum(rows((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy) for x0, y0, dx, dy in _ADAM7)


class _PngStop(Exception):
    """The PNG cannot be read further: its message is the problem."""


def _inflate_text(data: bytes) -> bytes:
    """A compressed iTXt value, at most limits.MAX_PNG_TEXT_BYTES (ValueError beyond, zlib.error if damaged)."""
    try:
        out, _size, ended = inflate(data, limits.MAX_PNG_TEXT_BYTES, keep=True)
    except TooBig:
        raise ValueError from None  # too large: the caller reports the chunk as unreadable
    if not ended:
        raise ValueError  # cut short
    return out


def read_png(path: Path, verify_data: bool = True) -> tuple[PngInfo | None, list[Problem]]:
    """Walk a PNG's chunks (CRCs checked), inflate its image data to check it is complete.

    Whatever the file holds, this returns: damage, truncation and sizes
    beyond the limits (limits.MAX_PNG_CHUNKS chunks, limits.MAX_PNG_TEXT_BYTES of metadata,
    MAX_PIXELS pixels, image data inflating past what IHDR says) are
    problems with code "read"; an unreadable iTXt is a "metadata" problem.
    The PngInfo is None when there is no valid IHDR. Only a file that cannot
    be opened raises (PosterGenError). Memory stays within a few MB: chunks are
    read and inflated in pieces. The image data is inflated (``verify_data``)
    only for the 8-bit RGB and palette PNGs poster-gen writes; others fail on
    their colour type anyway.
    """
    problems: list[Problem] = []
    text: dict[str, str] = {}
    ihdr: tuple[int, ...] | None = None
    dpi = None
    srgb = False
    seen_iend = False
    stopped = False
    inflater = zlib.decompressobj()
    raw = expected = 0
    inflating = False
    data_problem: Problem | None = None
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise PosterGenError(
            _("{path}: cannot read it ({reason}); check the path").format(path=path, reason=exc.strerror)
        ) from None
    with fh:
        if fh.read(8) != PNG_SIGNATURE:
            return None, [Problem(Code.READ, _("not a PNG (wrong signature)"))]
        offset = 8
        chunks = kept = 0
        try:
            while True:
                head = fh.read(8)
                if not head:
                    break
                if len(head) < 8:
                    raise _PngStop(_("truncated: the file ends inside a chunk header at byte {offset}").format(
                        offset=offset))
                length, kind = struct.unpack(">I4s", head)
                name = kind.decode("latin-1")
                chunks += 1
                if chunks > limits.MAX_PNG_CHUNKS:
                    raise _PngStop(_("the PNG has more than {n} chunks (the limit for one PNG); it is not a file "
                                     "poster-gen wrote, so render it again").format(
                        n=fmt_num(limits.MAX_PNG_CHUNKS, ",")))
                if not kind.isalpha():
                    raise _PngStop(_("damaged PNG: no chunk name at byte {offset}; render it again").format(
                        offset=offset))
                if length > 0x7FFFFFFF:
                    raise _PngStop(_("damaged PNG: the {chunk} chunk at byte {offset} claims {length} bytes; render it "
                                     "again").format(chunk=name, offset=offset, length=length))
                if ihdr is None and kind != b"IHDR":
                    raise _PngStop(_("damaged PNG: the first chunk is {chunk}, not IHDR; render it again").format(
                        chunk=name))
                if ihdr is not None and kind == b"IHDR":
                    raise _PngStop(_("damaged PNG: a second IHDR chunk at byte {offset}; render it again").format(
                        offset=offset))
                if kind in _CHUNK_SIZES and length != _CHUNK_SIZES[kind]:
                    raise _PngStop(_("damaged PNG: the {chunk} chunk is {length} bytes, expected {expected}; render it "
                                     "again").format(chunk=name, length=length, expected=_CHUNK_SIZES[kind]))
                keep = kind in _KEPT_CHUNKS
                kept += length if keep else 0
                if kept > limits.MAX_PNG_TEXT_BYTES:
                    raise _PngStop(_("the PNG's metadata reaches {mb} MB at the {chunk} chunk at byte {offset}, over "
                                     "the {limit} MB limit; render it again").format(
                        mb=fmt_num(kept / limits.MB, ".1f"), chunk=name, offset=offset,
                        limit=fmt_num(limits.MAX_PNG_TEXT_BYTES / limits.MB, ".0f")))
                body = bytearray()
                crc = zlib.crc32(kind)
                left = length
                while left:
                    piece = fh.read(min(left, limits.PIECE))
                    if not piece:
                        break
                    left -= len(piece)
                    crc = zlib.crc32(piece, crc)
                    if keep:
                        body += piece
                    elif kind == b"IDAT" and inflating:
                        # the image data is inflated as it is read: its size is bounded by what IHDR says
                        try:
                            raw += _feed(inflater, piece, expected - raw)
                        except TooBig:
                            why = _("damaged PNG: its image data inflates to more than the {size} bytes its IHDR "
                                    "says; render it again").format(size=fmt_num(expected, ","))
                            data_problem = Problem(Code.READ, why)
                            inflating = False
                        except zlib.error as exc:
                            data_problem = Problem(Code.READ, _("damaged image data ({error})").format(error=exc))
                            inflating = False
                stored = fh.read(4)
                if left or len(stored) < 4:
                    raise _PngStop(_("truncated: the {chunk} chunk at byte {offset} is cut short").format(
                        chunk=name, offset=offset))
                if struct.unpack(">I", stored)[0] != crc:
                    raise _PngStop(_("damaged: the {chunk} chunk at byte {offset} fails its CRC").format(
                        chunk=name, offset=offset))
                if data_problem is not None:  # only now: a CRC failure is the better explanation
                    problems.append(data_problem)
                    data_problem = None
                offset += 12 + length
                if kind == b"IHDR":
                    ihdr = _png_header(bytes(body))
                    w, h, depth, ctype, _c, _f, interlace = ihdr
                    expected = png_data_size(w, h, depth, ctype, interlace)
                    inflating = verify_data and depth == 8 and ctype in (2, 3)
                elif kind == b"pHYs":
                    ppx, ppy, unit = struct.unpack(">IIB", body)
                    if unit == 1:
                        dpi = ppx * 0.0254 if ppx == ppy and ppx > 0 else None
                        if ppx != ppy:
                            why = _("pHYs gives different horizontal and vertical resolutions")
                            problems.append(Problem(Code.DPI, why))
                elif kind == b"sRGB":
                    srgb = True
                elif kind == b"iCCP":
                    srgb = srgb or _is_srgb_profile(bytes(body))
                elif kind == b"tEXt":
                    k, _sep, v = bytes(body).partition(b"\x00")
                    text[k.decode("latin-1")] = v.decode("latin-1")
                elif kind == b"iTXt":
                    _read_itxt(bytes(body), text, problems)
                elif kind == b"IEND":
                    seen_iend = True
                    if fh.read(1):
                        problems.append(Problem(Code.READ, _("bytes after the end of the image (IEND)"), WARNING))
                    break
        except _PngStop as exc:
            problems.append(Problem(Code.READ, str(exc)))
            stopped = True
        except OSError as exc:
            why = _("cannot read the whole file ({reason}); copy it again").format(reason=exc.strerror)
            problems.append(Problem(Code.READ, why))
            stopped = True
    if ihdr is None:
        if not stopped:
            problems.append(Problem(Code.READ, _("no IHDR chunk: not a readable PNG")))
        return None, problems
    w, h, depth, ctype, _comp, _filt, interlace = ihdr
    if not seen_iend and not stopped:
        problems.append(Problem(Code.READ, _("truncated: no IEND chunk at the end")))
    if inflating and not problems:
        if not inflater.eof or raw != expected:
            why = _("incomplete image data: {size} of {expected} bytes; render it again").format(size=raw,
                                                                                                 expected=expected)
            problems.append(Problem(Code.READ, why))
    return PngInfo(w, h, depth, ctype, interlace, dpi, srgb, text), problems


def _png_header(body: bytes) -> tuple[int, ...]:
    """The IHDR fields, if they make a PNG poster-gen could have written the size of (_PngStop otherwise)."""
    w, h, depth, ctype, comp, filt, interlace = fields = struct.unpack(">IIBBBBB", body)
    if not (0 < w <= 0x7FFFFFFF and 0 < h <= 0x7FFFFFFF) or depth not in _BIT_DEPTHS.get(ctype, ()) or comp or filt \
            or interlace > 1:
        raise _PngStop(_("damaged PNG: its IHDR ({width} x {height} px, {depth}-bit colour type {type}, compression "
                         "{compression}, filter {filter}, interlace {interlace}) does not describe a PNG; render it "
                         "again").format(width=w, height=h, depth=depth, type=ctype, compression=comp, filter=filt,
                                         interlace=interlace))
    if w * h > MAX_PIXELS:
        raise _PngStop(_("the PNG is {width} x {height} px, over the {limit} Mpx limit of poster-gen; check that it is "
                         "the right file").format(width=w, height=h, limit=fmt_num(MAX_PIXELS / 1e6, ",.0f")))
    return fields


def _feed(inflater, data: bytes, room: int) -> int:
    """Inflate one piece of image data; how many bytes it gave. TooBig past ``room`` bytes."""
    size = 0
    while True:
        out = inflater.decompress(data, limits.PIECE * 4)
        size += len(out)
        if size > room:
            raise TooBig
        data = inflater.unconsumed_tail
        if not data and len(out) < limits.PIECE * 4:
            return size


def _read_itxt(body: bytes, text: dict[str, str], problems: list[Problem]) -> None:
    """keyword NUL compression-flag method language NUL translated-keyword NUL value."""
    k, sep, rest = body.partition(b"\x00")
    key = k.decode("latin-1")
    try:
        if not sep or len(rest) < 2:
            raise ValueError  # too short: reported as unreadable below
        comp, rest = rest[0], rest[2:]
        _lang, _sep, rest = rest.partition(b"\x00")
        _tk, _sep, value = rest.partition(b"\x00")
        text[key] = (_inflate_text(value) if comp else value).decode("utf-8")
    except (zlib.error, ValueError):  # UnicodeDecodeError is a ValueError
        problems.append(Problem(Code.METADATA, _("the iTXt chunk '{key}' is unreadable").format(key=short(key, 80))))


def check_png(path: Path, campaign: Campaign | None, level: str = "full") -> FileCheck:
    """Preflight one PNG; ``level`` "quick" walks its chunks (CRCs checked) without inflating the image data."""
    try:
        return _png_checks(path, campaign, level)
    except PosterGenError:
        raise
    except MemoryError:
        why = _("damaged PNG: reading it ran out of memory; render it again")
        return FileCheck(str(path), "png", (Problem(Code.READ, why),), level=level)
    except Exception as exc:  # a case read_png does not foresee: still a file problem, not a traceback
        why = _("damaged PNG ({error}); render it again").format(error=f"{type(exc).__name__}: {short(exc)}")
        return FileCheck(str(path), "png", (Problem(Code.READ, why),), level=level)


def _png_checks(path: Path, campaign: Campaign | None, level: str) -> FileCheck:
    info, problems = read_png(path, verify_data=level == "full")
    facts: dict = {"bytes": path.stat().st_size}
    if info is None or any(p.code == "read" and p.severity == "error" for p in problems):
        return FileCheck(str(path), "png", tuple(problems), facts=facts, level=level)
    facts.update(width_px=info.width, height_px=info.height)
    if (info.bit_depth, info.color_type) not in ((8, 2), (8, 3)):
        why = _("colour type {type} at {depth} bits; expected 8-bit RGB").format(type=info.color_type,
                                                                                 depth=info.bit_depth)
        problems.append(Problem(Code.PNG, why))
    if not info.srgb:
        problems.append(Problem(Code.PNG, _("no sRGB chunk or sRGB profile: the colours are not tagged sRGB")))
    kw = parse_keywords(info.text.get("Keywords", ""))
    for k in ("unit", "slogan", "size", "design"):
        if k in kw:
            facts[k] = kw[k]
    if info.dpi is None:
        problems.append(Problem(Code.DPI, _("no pHYs chunk in metres: the PNG does not say its dpi")))
        return FileCheck(str(path), "png", tuple(problems), facts=facts, level=level)
    dpi = info.dpi
    facts["dpi"] = round(dpi) if abs(dpi - round(dpi)) < 0.05 else round(dpi, 2)
    claimed_dpi = to_float(kw.get("dpi"))
    if claimed_dpi is not None and abs(claimed_dpi - dpi) > 0.5:
        why = _("pHYs says {dpi} dpi but the file was made at {made} dpi").format(dpi=fmt_num(dpi, ".0f"),
                                                                                  made=fmt_num(claimed_dpi, "g"))
        problems.append(Problem(Code.DPI, why))
    w_mm, h_mm = to_float(kw.get("width_mm")), to_float(kw.get("height_mm"))
    with_bleed = kw.get("bleed") == "yes"
    claims, cp = size_claims({k: v for k, v in kw.items() if k in ("size", "hem_mm")})
    problems += cp
    if w_mm is None or h_mm is None:
        if claims:
            c = claims[0]
            extra = 2 * c.bleed_mm if with_bleed else 0.0
            w_mm, h_mm = c.width_mm + extra, c.height_mm + extra
        else:
            why = _("no physical size (width_mm/height_mm or size=) in the PNG's Keywords")
            problems.append(Problem(Code.SIZE, why))
            return FileCheck(str(path), "png", tuple(problems), facts=facts, level=level)
    facts.update(width_mm=w_mm, height_mm=h_mm)
    ew, eh = px(w_mm, round(dpi)), px(h_mm, round(dpi))
    if abs(info.width - ew) > limits.TOL_PX or abs(info.height - eh) > limits.TOL_PX:
        why = _("{width} x {height} px is not {width_mm} x {height_mm} mm at {dpi} dpi ({expected_width} x "
                "{expected_height} px)").format(width=info.width, height=info.height, width_mm=fmt_mm(w_mm),
                                                height_mm=fmt_mm(h_mm), dpi=fmt_num(dpi, ".0f"), expected_width=ew,
                                                expected_height=eh)
        problems.append(Problem(Code.SIZE, why))
    for c in claims:
        extra = 2 * c.bleed_mm if with_bleed else 0.0
        if abs(c.width_mm + extra - w_mm) > limits.TOL_MM or abs(c.height_mm + extra - h_mm) > limits.TOL_MM:
            why = _("the PNG says {width} x {height} mm but size {source} is {claimed_width} x {claimed_height} mm")
            why = why.format(width=fmt_mm(w_mm), height=fmt_mm(h_mm), source=c.source,
                             claimed_width=fmt_mm(c.width_mm + extra), claimed_height=fmt_mm(c.height_mm + extra))
            problems.append(Problem(Code.SIZE, why))
    draft, _slogan, sp = slogan_problems(kw, info.text.get("Description", ""), campaign)
    problems += sp
    return FileCheck(str(path), "png", tuple(problems), draft=draft, facts=facts, level=level)
