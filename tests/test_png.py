"""PNG output: pixel size from mm and dpi, dpi and sRGB stored, and the PNG looks
like the PDF (both rasterised and compared with a tolerance)."""

from __future__ import annotations

import io

import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageStat

from poster_gen.api import compose_job, make_job, render_job
from poster_gen.png import PngOptions, write_png
from poster_gen.sizes import MM_PER_INCH, PT_PER_MM, default_size


def expected_px(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


def png_chunks(path: Path) -> list[tuple[bytes, bytes]]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        out.append((kind, body))
        pos += 12 + n
    return out


def check_png(path: Path, width_mm: float, height_mm: float, dpi: int) -> Image.Image:
    with Image.open(path) as im:
        im.load()  # decodes every row: the stream is complete and valid
        assert im.size == (expected_px(width_mm, dpi), expected_px(height_mm, dpi))
        xdpi, ydpi = im.info["dpi"]
        assert xdpi == pytest.approx(dpi, rel=2e-3) and ydpi == pytest.approx(dpi, rel=2e-3)
        assert im.info.get("icc_profile"), "no embedded colour profile"
        from PIL import ImageCms

        desc = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"])).profile.profile_description
        assert "sRGB" in desc, desc
        rgb = im.convert("RGB")
    kinds = [k for k, _ in png_chunks(path)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert kinds.index(b"iCCP") < kinds.index(b"IDAT") and b"sRGB" not in kinds  # one colour tag, as the spec asks
    (phys,) = [b for k, b in png_chunks(path) if k == b"pHYs"]
    ppx, ppy, unit = struct.unpack(">IIB", phys)
    assert unit == 1 and ppx == ppy  # pixels per metre, square pixels
    assert ppx * 0.0254 == pytest.approx(dpi, rel=2e-3)
    return rgb


@pytest.mark.parametrize(
    "size, dpi",
    [("600x400", 20), ("600x300", 25), ("5000x800", 10), ("2000x3000", 12), ("bieu-ngu-500x80", 15), ("ap-phich-a3", 33)],
)
def test_pixel_size_dpi_and_srgb(campaign, tmp_path, size, dpi):
    job = make_job(campaign, "xa-chien-thang", "5", size, dpi=dpi)
    res = render_job(campaign, job, tmp_path, formats=("png",))
    assert set(res.files) == {"png"}
    img = check_png(res.files["png"], job.size.width_mm, job.size.height_mm, dpi)
    # not blank: the ground and the slogan colour are both there
    colours = img.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 2


@pytest.mark.parametrize("kind", ["ap-phich", "bieu-ngu", "pano"])
def test_default_size_at_its_own_dpi(campaign, tmp_path, monkeypatch, kind):
    """One real print-resolution render per kind (fast: the writer streams strips)."""
    size = default_size(kind)
    job = make_job(campaign, "xa-bang-mac", "1", size.id)
    res = render_job(campaign, job, tmp_path, formats=("png",))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # big pictures are intended here
    check_png(res.files["png"], size.width_mm, size.height_mm, size.dpi)
    assert job.size.pixel_size == (expected_px(size.width_mm, size.dpi), expected_px(size.height_mm, size.dpi))


def test_png_is_repeatable(campaign, tmp_path):
    job = make_job(campaign, "xa-bang-mac", "3", "600x400", dpi=20)
    a = render_job(campaign, job, tmp_path / "a", formats=("png",)).files["png"].read_bytes()
    b = render_job(campaign, job, tmp_path / "b", formats=("png",)).files["png"].read_bytes()
    assert a == b


# ---- the PNG and the PDF show the same picture -----------------------------------------


def _save_diff(a: Image.Image, b: Image.Image, where: Path, stem: str) -> str:
    where.mkdir(parents=True, exist_ok=True)
    a.save(where / f"{stem}-png.png")
    b.save(where / f"{stem}-pdf.png")
    ImageChops.difference(a, b).save(where / f"{stem}-diff.png")
    return f"images written to {where}"


def compare(png: Image.Image, pdf: Image.Image, tmp_path: Path, stem: str) -> None:
    # pdfium and the PNG writer may round the page size differently by a pixel
    assert abs(png.width - pdf.width) <= 1 and abs(png.height - pdf.height) <= 1, (png.size, pdf.size)
    w, h = min(png.width, pdf.width), min(png.height, pdf.height)
    a, b = png.crop((0, 0, w, h)), pdf.crop((0, 0, w, h))
    diff = ImageChops.difference(a, b)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    big = ImageStat.Stat(diff.convert("L").point(lambda v: 255 if v > 100 else 0)).mean[0] / 255
    if mean >= 6 or big >= 0.03:
        pytest.fail(f"PNG and PDF differ: mean {mean:.2f}/255, {big:.1%} pixels far off; " + _save_diff(a, b, tmp_path, stem))


@pytest.mark.parametrize(
    "size, dpi, slogan",
    [
        ("bieu-ngu-500x80", 20, "1"),
        ("pano-300x200", 10, "2"),
        # 127 dpi makes the 3 mm bleed exactly 15 pixels
        ("300x200", 127, "6"),
        ("ap-phich-54x79", 40, "5"),
    ],
)
def test_png_matches_pdf(campaign, tmp_path, size, dpi, slogan):
    job = make_job(campaign, "xa-van-linh", slogan, size, dpi=dpi)
    res = render_job(campaign, job, tmp_path, formats=("pdf", "png"))
    png = Image.open(res.files["png"]).convert("RGB")
    doc = pdfium.PdfDocument(str(res.files["pdf"]))
    try:
        page = doc[0]
        b = job.size.bleed_mm * PT_PER_MM  # the PNG is the trim size: crop the bleed away
        pdf = page.render(scale=dpi / 72.0, crop=(b, b, b, b)).to_pil().convert("RGB")
    finally:
        doc.close()
    compare(png, pdf, tmp_path, f"{Path(res.files['png']).stem}")


def test_palette_fast_path_matches_rgb(campaign, tmp_path):
    job = make_job(campaign, "xa-hoa-binh", "2", "600x300", dpi=40)
    scene = compose_job(campaign, job).scene
    w, h = job.size.pixel_size
    write_png(scene, tmp_path / "pal.png", PngOptions(dpi=40, width_px=w, height_px=h, palette=True))
    write_png(scene, tmp_path / "rgb.png", PngOptions(dpi=40, width_px=w, height_px=h, palette=False))
    a = Image.open(tmp_path / "pal.png").convert("RGB")
    b = Image.open(tmp_path / "rgb.png").convert("RGB")
    assert a.size == b.size == (w, h)
    diff = ImageChops.difference(a, b)
    assert sum(ImageStat.Stat(diff).mean) / 3 < 0.5
    assert max(hi for _, hi in diff.getextrema()) <= 24


def test_strips_join_seamlessly(campaign, tmp_path, monkeypatch):
    """Many small strips give the same picture as one strip (the streamed encoder)."""
    import poster_gen.png as png_mod

    job = make_job(campaign, "xa-bang-mac", "4", "600x400", dpi=25)
    scene = compose_job(campaign, job).scene
    w, h = job.size.pixel_size
    opts = PngOptions(dpi=25, width_px=w, height_px=h)
    write_png(scene, tmp_path / "one.png", opts)
    monkeypatch.setattr(png_mod, "STRIP_BYTES", 3 * w * 11)  # strips of at most 11 rows
    write_png(scene, tmp_path / "many.png", opts)
    a = Image.open(tmp_path / "one.png").convert("RGB")
    b = Image.open(tmp_path / "many.png").convert("RGB")
    assert ImageChops.difference(a, b).getbbox() is None
