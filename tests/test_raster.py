"""Raster files for sign shops: TIFF (CMYK, FOGRA39, LZW) and JPEG (sRGB) of the
trim plus bleed, and the PNG's embedded sRGB profile and true-colour mode."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zlib

import pytest
from PIL import Image, ImageChops, ImageCms

from poster_gen import raster
from poster_gen.api import compose_job, make_job, parse_formats, render_job
from poster_gen.errors import PosterGenError
from poster_gen.png import PngOptions, render_strips
from poster_gen.raster import RasterOptions, fogra39_icc, srgb_icc, tiff_complete, write_tiff
from poster_gen.sizes import MM_PER_INCH, px



def png_chunks(path) -> list[tuple[bytes, bytes]]:
    data = path.read_bytes()
    out, pos = [], 8
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]))
        pos += 12 + n
    return out


def canvas_px(job) -> tuple[int, int]:
    s = job.size
    return px(s.width_mm + 2 * s.bleed_mm, s.dpi), px(s.height_mm + 2 * s.bleed_mm, s.dpi)


def reference_rgb(scene, opts: PngOptions) -> Image.Image:
    """The whole canvas drawn in one RGB image, the plain way."""
    full = Image.new("RGB", (opts.width_px, opts.height_px))
    top = 0
    for mode, colors, img in render_strips(scene, opts):
        if mode == "P":
            img.putpalette(b"".join(bytes(c) for c in colors))
        full.paste(img.convert("RGB"), (0, top))
        top += img.height
    return full


@pytest.fixture(scope="module")
def poster(campaign, tmp_path_factory):
    """A3 poster (3 mm bleed) at 40 dpi: PNG, TIFF and JPEG."""
    out = tmp_path_factory.mktemp("raster")
    job = make_job(campaign, "xa-bang-mac", "1", "ap-phich-a3", dpi=40)
    res = render_job(campaign, job, out, ("png", "tiff", "jpg"))
    return job, res


def test_tiff_is_cmyk_lzw_fogra39_trim_plus_bleed(poster):
    job, res = poster
    path = res.files["tiff"]
    assert path.suffix == ".tiff"
    assert job.size.bleed_mm == 3
    with Image.open(path) as im:
        im.load()
        assert im.mode == "CMYK"
        assert im.size == canvas_px(job) == (px(297 + 6, 40), px(420 + 6, 40))
        assert im.info["dpi"] == (40, 40)
        assert im.info["compression"] == "tiff_lzw"
        assert im.info["icc_profile"] == fogra39_icc()
        tags = im.tag_v2
        assert tags[262] == 5 and tags[332] == 1 and tags[296] == 2  # separated, CMYK inks, inch
        assert tags[305] == "poster-gen"
        assert "bleed=yes" in tags[270] and "dpi=40" in tags[270]
        prof = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert "FOGRA39" in prof.profile.profile_description
        # the ground runs into the bleed: the very corner is the red ground
        c, m, y, k = (v / 2.55 for v in im.getpixel((0, 0)))
    # the classic red ground (#D71920, designed as 0/100/100/5) through FOGRA39
    assert c < 5 and m > 90 and y > 88 and 2 < k < 12
    head = path.read_bytes()[:512]
    assert head.startswith(b"II*\x00") and b"poster-gen\x00" in head  # maker mark, for made_by_us
    assert tiff_complete(path)


def test_tiff_matches_the_picture_converted_with_littlecms(poster, campaign):
    job, res = poster
    w, h = canvas_px(job)
    opts = PngOptions(dpi=job.size.dpi, width_px=w, height_px=h, bleed=True)
    ref = ImageCms.applyTransform(reference_rgb(compose_job(campaign, job).scene, opts), raster.cmyk_transform())
    with Image.open(res.files["tiff"]) as im:
        diff = ImageChops.difference(im.convert("CMYK"), ref)
    assert max(hi for _lo, hi in diff.getextrema()) <= 1


@pytest.mark.parametrize("size, dpi, palette, strip_bytes", [
    ("bieu-ngu-500x80", 84, True, 1 << 20),  # wider than 16,384 px: TIFF strips of one row
    ("ap-phich-a3", 30, True, 200_000),  # narrow: several rows a TIFF strip
    ("ap-phich-a3", 30, False, 200_000),  # RGB strips converted by littlecms
])
def test_tiff_strips_assemble_to_the_whole_picture(campaign, tmp_path, monkeypatch, size, dpi, palette, strip_bytes):
    """Small drawn strips (many of them, rows repeated, a short last one) give the picture."""
    job = make_job(campaign, "tt-dong-mo", "4", size, dpi=dpi)
    scene = compose_job(campaign, job).scene
    w, h = canvas_px(job)
    opts = PngOptions(dpi=dpi, width_px=w, height_px=h, bleed=True, palette=palette)
    ref = ImageCms.applyTransform(reference_rgb(scene, opts), raster.cmyk_transform())
    monkeypatch.setattr(raster, "STRIP_BYTES", strip_bytes)
    write_tiff(scene, tmp_path / "a.tiff", opts)
    with Image.open(tmp_path / "a.tiff") as im:
        rps = im.tag_v2[278]
        assert rps == raster.tiff_rows_per_strip(w) and len(im.tag_v2[273]) == -(-h // rps)
        diff = ImageChops.difference(im.convert("CMYK"), ref)
    assert max(hi for _lo, hi in diff.getextrema()) <= 1
    data = (tmp_path / "a.tiff").read_bytes()
    (tmp_path / "cut.tiff").write_bytes(data[: len(data) - 10])
    assert not tiff_complete(tmp_path / "cut.tiff")


def test_jpeg_is_srgb_with_dpi_and_bleed(poster):
    job, res = poster
    path = res.files["jpg"]
    with Image.open(path) as im:
        im.load()
        assert im.format == "JPEG" and im.mode == "RGB"
        assert im.size == canvas_px(job)
        assert im.info["dpi"] == (40, 40)
        assert im.info["icc_profile"] == srgb_icc()
        prof = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert "sRGB" in prof.profile.profile_description
        r, g, b = im.getpixel((0, 0))
    assert abs(r - 0xD7) < 8 and g < 40 and b < 48  # the red ground, in the bleed
    data = path.read_bytes()
    assert data.startswith(b"\xff\xd8\xff") and b"\xff\xfe\x00\x0cposter-gen" in data[:8192]
    assert data.endswith(b"\xff\xd9")


def test_jpeg_over_its_limits_is_refused_with_the_limit():
    with pytest.raises(PosterGenError, match=r"over the 70 Mpx .*--format tiff"):
        raster.check_jpeg_size(20_000, 4_000, 100)
    with pytest.raises(PosterGenError, match=r"at most 65,500 px a side"):
        raster.check_jpeg_size(70_000, 100, 100)
    raster.check_jpeg_size(19_685, 3_150, 100)  # the 5 m gate banner at 100 dpi: 62 Mpx


def test_png_embeds_an_srgb_profile_not_the_srgb_chunk(poster):
    job, res = poster
    chunks = png_chunks(res.files["png"])
    kinds = [k for k, _ in chunks]
    assert b"iCCP" in kinds and b"sRGB" not in kinds  # one or the other, as the PNG spec asks
    assert kinds.index(b"iCCP") < kinds.index(b"IDAT")
    (body,) = [b for k, b in chunks if k == b"iCCP"]
    name, _sep, rest = body.partition(b"\x00")
    assert name == b"sRGB" and rest[0] == 0 and zlib.decompress(rest[1:]) == srgb_icc()
    head = res.files["png"].read_bytes()[:200]
    assert b"tEXtSoftware\x00poster-gen" in head
    with Image.open(res.files["png"]) as im:
        assert im.mode == "P" and im.info["icc_profile"] == srgb_icc()
        assert im.size == job.size.pixel_size  # the PNG stays the trim


def test_png_truecolor(campaign, tmp_path, poster):
    job, res = poster
    out = render_job(campaign, job, tmp_path, ("png",), raster_options=RasterOptions(png_truecolor=True))
    with Image.open(out.files["png"]) as im, Image.open(res.files["png"]) as pal:
        assert im.mode == "RGB" and im.size == pal.size
        diff = ImageChops.difference(im.convert("RGB"), pal.convert("RGB"))
        assert max(hi for _lo, hi in diff.getextrema()) <= 24  # only anti-aliasing levels differ
    ihdr = png_chunks(out.files["png"])[0][1]
    assert ihdr[8:10] == b"\x08\x02"  # 8 bits, colour type 2 (RGB)


def test_srgb_profile_is_the_same_every_time():
    assert srgb_icc()[24:36] == bytes.fromhex("07e8000100010000" "00000000")
    assert ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()[36:] == srgb_icc()[36:]


def test_format_names():
    assert parse_formats("TIF, jpeg,png,tiff") == ("tiff", "jpg", "png")
    with pytest.raises(PosterGenError, match="pdf, png, tiff, jpg"):
        parse_formats(" , ")
    with pytest.raises(PosterGenError):
        parse_formats("bmp")


_PEAK = r"""
import json, resource, sys, time
from poster_gen.api import make_job, render_job
from poster_gen.campaign import load_campaign
from poster_gen.resources import default_campaign
c = load_campaign(default_campaign())
job = make_job(c, "xa-bang-mac", "1", "10000x1200", dpi=150)
t = time.perf_counter()
res = render_job(c, job, sys.argv[1], ("tiff",))
secs = time.perf_counter() - t
print(json.dumps({"seconds": secs, "bytes": res.files["tiff"].stat().st_size}))
"""


# Linux keeps a process's peak memory across exec, so a child forked from this (large)
# test process would report this process's size: a small launcher starts the
# render and reads the peak of its own child (resource.getrusage RUSAGE_CHILDREN).
_LAUNCH = r"""
import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if r.returncode:
    sys.exit(r.stderr)
facts = json.loads(r.stdout.splitlines()[-1])
facts["peak_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kB
print(json.dumps(facts))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX only")
def test_10m_banner_tiff_at_150_dpi_stays_under_400_mb(tmp_path, monkeypatch):
    """59,055 x 7,087 px of CMYK (1.7 GB uncompressed); measured: 167 MB peak, 11 s, 18 MB file."""
    r = subprocess.run([sys.executable, "-c", _LAUNCH, sys.executable, "-c", _PEAK, str(tmp_path)],
                       check=False, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    facts = json.loads(r.stdout.splitlines()[-1])
    peak_mb = facts["peak_kb"] / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS
    print(f"10000x1200 at 150 dpi, TIFF: peak {peak_mb:.0f} MB, {facts['seconds']:.1f} s, {facts['bytes']:,} bytes")
    assert peak_mb < 400
    (tiff,) = tmp_path.rglob("*.tiff")
    assert tiff_complete(tiff)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # 418 Mpx: more than Pillow opens unasked
    with Image.open(tiff) as im:  # reads the header only
        assert im.size == (round(10000 / MM_PER_INCH * 150), round(1200 / MM_PER_INCH * 150)) and im.mode == "CMYK"


# ---- preflight of TIFF and JPEG ------------------------------------------------------------


def test_check_passes_our_tiff_and_jpeg_and_fails_damaged_ones(tmp_path):
    from poster_gen.api import make_job, render_job
    from poster_gen.campaign import load_campaign
    from poster_gen.check import check_file
    from poster_gen.resources import default_campaign

    campaign = load_campaign(default_campaign())
    job = make_job(campaign, "tt-dong-mo", "4", "ap-phich-a3", dpi=30)
    files = render_job(campaign, job, tmp_path, ("tiff", "jpg")).files
    for fmt in ("tiff", "jpg"):
        r = check_file(files[fmt], campaign)
        assert r.ok and not r.problems, (fmt, r.problems)
        assert r.facts["dpi"] == 30
    # a TIFF cut short, and one whose pixels do not match the size it claims
    data = files["tiff"].read_bytes()
    cut = tmp_path / "cut.tiff"
    cut.write_bytes(data[: len(data) // 2])
    assert not check_file(cut, campaign).ok
    from PIL import Image

    with Image.open(files["jpg"]) as im:
        small = tmp_path / "plain.jpg"
        im.convert("RGB").save(small, "JPEG")  # no profile, no dpi
    r = check_file(small, campaign)
    assert not r.ok and {p.code for p in r.problems} >= {"color", "dpi"}
