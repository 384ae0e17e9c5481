"""Preflight of the TIFF and JPEG files poster-gen writes for sign-shop RIPs.

Only the file's header and tags are read (never the image data, which may be
gigapixels): the colour mode, the embedded profile, the resolution, the
compression, that every TIFF strip lies inside the file, and, for a TIFF,
that its pixel size equals the physical size its description claims at its
dpi.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

from poster_gen.i18n import _

MAX_PIXELS = 1_500_000_000  # poster-gen's own limit for any raster it writes
_LZW = 5
# problem codes, as Code's (with one of its own, "tiff")
READ, DPI, COLOR, TIFF, METADATA, SIZE = "read", "dpi", "color", "tiff", "metadata", "size"


@contextmanager
def _pillow_limit():
    """Open headers of large banners without Pillow's decompression-bomb refusal, but with ours."""
    from PIL import Image

    before = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        yield Image
    finally:
        Image.MAX_IMAGE_PIXELS = before


def _profile_name(icc: bytes | None) -> str:
    if not icc:
        return ""
    try:
        from PIL import ImageCms

        return ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description or ""
    except (OSError, ValueError, TypeError):
        return "?"


def check_raster(path: Path, kind: str) -> tuple[list, dict]:
    """(problems as (code, message), facts) of a TIFF (``kind`` "tiff") or JPEG ("jpeg")."""
    problems: list[tuple[str, str]] = []
    facts: dict = {"bytes": path.stat().st_size}
    try:
        with _pillow_limit() as Image, Image.open(path) as im:
            facts.update(width_px=im.width, height_px=im.height, mode=im.mode)
            dpi = im.info.get("dpi")
            icc = im.info.get("icc_profile")
            tags = dict(getattr(im, "tag_v2", {}) or {}) if kind == "tiff" else {}
    except Exception as exc:  # noqa: BLE001 - any failure to read the header is a damaged file
        return [(READ, _("damaged {kind} ({error}); render it again").format(kind=kind.upper(), error=exc))], facts
    profile = _profile_name(icc)
    facts["profile"] = profile
    if not dpi or not dpi[0]:
        problems.append((DPI, _("no resolution (dpi) stored; the RIP would guess the print size")))
    else:
        facts["dpi"] = round(float(dpi[0]), 2)
    if kind == "tiff":
        from poster_gen.raster import tiff_complete

        if facts.get("mode") != "CMYK":
            problems.append((COLOR, _("the TIFF is {mode}, expected CMYK").format(mode=facts.get("mode"))))
        if not icc:
            problems.append((COLOR, _("no colour profile embedded; the RIP cannot tell which CMYK this is")))
        if tags.get(259) != _LZW:
            problems.append((TIFF, _("the TIFF is not LZW-compressed")))
        if not tiff_complete(path):
            problems.append((READ, _("truncated: a strip of the TIFF lies beyond the end of the file; render it "
                                       "again")))
        claims = dict(part.split("=", 1) for part in str(tags.get(270, "")).split(", ") if "=" in part)
        facts.update({k: claims[k] for k in ("unit", "slogan", "size", "design") if k in claims})
        try:
            w_mm, h_mm = float(claims["width_mm"]), float(claims["height_mm"])
        except (KeyError, ValueError):
            problems.append((METADATA, _("the TIFF does not say its physical size (ImageDescription)")))
        else:
            if facts.get("dpi"):
                want = (round(w_mm / 25.4 * facts["dpi"]), round(h_mm / 25.4 * facts["dpi"]))
                got = (facts["width_px"], facts["height_px"])
                if any(abs(a - b) > 1 for a, b in zip(got, want)):
                    why = _("{w} x {h} px, but {wmm} x {hmm} mm at {dpi} dpi is {ew} x {eh} px").format(
                        w=got[0], h=got[1], wmm=f"{w_mm:g}", hmm=f"{h_mm:g}", dpi=f"{facts['dpi']:g}", ew=want[0],
                        eh=want[1])
                    problems.append((SIZE, why))
    else:
        if facts.get("mode") != "RGB":
            problems.append((COLOR, _("the JPEG is {mode}, expected RGB").format(mode=facts.get("mode"))))
        if "sRGB" not in profile:
            problems.append((COLOR, _("no sRGB profile embedded: the colours are not tagged sRGB")))
    return problems, facts
