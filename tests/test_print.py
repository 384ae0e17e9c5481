"""Print-ready PDF and PNG: page boxes, bleed, crop marks, colour, fonts, PDF/X."""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import replace

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ContentStream

from poster_gen.api import compose_job, job_pdf_options, make_job, render_job
from poster_gen.cli import cli
from poster_gen.errors import PosterGenError
from poster_gen.marks import (
    MARK_LENGTH_MM,
    MARK_MARGIN_MM,
    crop_marks,
    mark_offset_pt,
    page_geometry,
    slug_text,
    trim_marks,
)
from poster_gen.pdf import PdfOptions, render_pdf_bytes
from poster_gen.png import PngOptions, write_png
from poster_gen.sizes import PRESETS, PT_PER_MM

A3_W_PT, A3_H_PT = 297 * PT_PER_MM, 420 * PT_PER_MM
BLEED_PT = 3 * PT_PER_MM
MARGIN_PT = MARK_MARGIN_MM * PT_PER_MM
COLOR_OPS = {b"rg", b"RG", b"g", b"G", b"k", b"K", b"sc", b"SC", b"scn", b"SCN", b"cs", b"CS"}


@pytest.fixture(scope="module")
def poster_job(campaign):
    return make_job(campaign, "xa-bang-mac", "4", "ap-phich-a3")


@pytest.fixture(scope="module")
def poster(campaign, poster_job):
    return compose_job(campaign, poster_job).scene


@pytest.fixture(scope="module")
def banner(campaign):
    return compose_job(campaign, make_job(campaign, "tt-dong-mo", "6", "bieu-ngu-500x80")).scene


def pdf(scene, **kw) -> PdfReader:
    return PdfReader(io.BytesIO(render_pdf_bytes(scene, PdfOptions(**kw))))


def box(page, name) -> tuple[float, ...]:
    return tuple(float(v) for v in page[name])


def ops(reader: PdfReader) -> list[tuple[list, bytes]]:
    return ContentStream(reader.pages[0].get_contents(), reader).operations


def approx(a, b, tol=0.01):
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))


def mm(v_pt: float) -> float:
    return v_pt / PT_PER_MM


# ---- 1. bleed and safe zone per size ----------------------------------------------


def test_sizes_json_gives_bleed_and_safe_margin():
    res = CliRunner().invoke(cli, ["sizes", "--json"], catch_exceptions=False)
    assert res.exit_code == 0
    rows = {r["id"]: r for r in json.loads(res.output)}
    for sid, r in rows.items():
        assert "bleed_mm" in r and "safe_mm" in r, sid
        if r["kind"] == "ap-phich":
            assert r["bleed_mm"] == 3  # posters: 3 mm bleed
        else:
            assert r["bleed_mm"] == 0 and r["safe_mm"] >= 20  # hiflex: hems and grommets, no bleed


def test_background_fills_the_bleed_and_text_stays_in_the_safe_zone(poster_job, poster):
    from poster_gen.scene import GlyphRun, Rect

    assert approx((poster.width_pt, poster.height_pt), (A3_W_PT + 2 * BLEED_PT, A3_H_PT + 2 * BLEED_PT))
    ground = poster.items[0]
    assert isinstance(ground, Rect)
    assert approx((ground.x_pt, ground.y_pt, ground.w_pt, ground.h_pt), (0, 0, poster.width_pt, poster.height_pt))
    safe = poster_job.size.safe_mm * PT_PER_MM + BLEED_PT
    for run in (it for it in poster.items if isinstance(it, GlyphRun)):
        for g in run.glyphs:
            assert safe - 0.01 <= g.x_pt <= poster.width_pt - safe
            assert safe <= g.y_pt <= poster.height_pt - safe


# ---- 2. page boxes ------------------------------------------------------------------


def test_boxes_without_marks_in_points_and_mm(poster):
    page = pdf(poster).pages[0]
    assert approx(box(page, "/TrimBox"), (BLEED_PT, BLEED_PT, BLEED_PT + A3_W_PT, BLEED_PT + A3_H_PT))
    assert approx(box(page, "/BleedBox"), (0, 0, A3_W_PT + 2 * BLEED_PT, A3_H_PT + 2 * BLEED_PT))
    assert approx(box(page, "/MediaBox"), box(page, "/BleedBox"))
    x0, y0, x1, y1 = box(page, "/TrimBox")
    assert approx((mm(x1 - x0), mm(y1 - y0)), (297, 420), 0.01)
    bx0, by0, bx1, by1 = box(page, "/BleedBox")
    assert approx((mm(x0 - bx0), mm(y0 - by0), mm(bx1 - x1), mm(by1 - y1)), (3, 3, 3, 3), 0.01)


def test_boxes_with_marks_grow_the_media_only(poster):
    page = pdf(poster, marks=True).pages[0]
    m = MARGIN_PT
    assert approx(box(page, "/MediaBox"), (0, 0, A3_W_PT + 2 * BLEED_PT + 2 * m, A3_H_PT + 2 * BLEED_PT + 2 * m))
    assert approx(box(page, "/BleedBox"), (m, m, m + A3_W_PT + 2 * BLEED_PT, m + A3_H_PT + 2 * BLEED_PT))
    t = box(page, "/TrimBox")
    assert approx((mm(t[2] - t[0]), mm(t[3] - t[1])), (297, 420), 0.01)
    media = box(page, "/MediaBox")
    assert approx((mm(media[2]), mm(media[3])), (297 + 6 + 2 * MARK_MARGIN_MM, 420 + 6 + 2 * MARK_MARGIN_MM), 0.01)


def test_banner_without_bleed_has_bleedbox_equal_to_trim(banner):
    page = pdf(banner).pages[0]
    assert approx(box(page, "/TrimBox"), box(page, "/BleedBox"))
    t = box(page, "/TrimBox")
    assert approx((mm(t[2] - t[0]), mm(t[3] - t[1])), (5000, 800), 0.01)


def test_artwork_is_translated_not_scaled_by_marks(poster):
    """reportlab's bleedWidth scales the artwork; ours moves it by the mark margin only."""
    plain, marked = ops(pdf(poster)), ops(pdf(poster, marks=True))
    cms = [o for o, op in marked if op == b"cm"]
    assert [float(v) for v in cms[-1]] == pytest.approx([1, 0, 0, 1, MARGIN_PT, MARGIN_PT], abs=1e-3)
    rects_plain = [[float(v) for v in o] for o, op in plain if op == b"re"]
    rects_marked = [[float(v) for v in o] for o, op in marked if op == b"re"]
    # the clip to the bleed box comes first, then the same rectangles
    assert rects_marked[0] == pytest.approx([0, 0, poster.width_pt, poster.height_pt], abs=1e-3)
    assert rects_marked[1:] == rects_plain


# ---- 3. crop marks -----------------------------------------------------------------


def _outside(seg, rect) -> bool:
    """Does a segment stay out of the interior of rect (x, y, w, h)?"""
    x, y, w, h = rect
    sx0, sx1 = sorted((seg.x0_pt, seg.x1_pt))
    sy0, sy1 = sorted((seg.y0_pt, seg.y1_pt))
    return sx1 <= x or sx0 >= x + w or sy1 <= y or sy0 >= y + h


@pytest.mark.parametrize("bleed_mm", [0.0, 3.0, 5.0])
def test_trim_marks_sit_outside_the_bleed_on_the_trim_lines(bleed_mm):
    b = bleed_mm * PT_PER_MM
    geo = page_geometry(A3_W_PT + 2 * b, A3_H_PT + 2 * b, b, marks=True)
    segs = trim_marks(geo)
    assert len(segs) == 8
    bleed_rect = (geo.origin_pt, geo.origin_pt, geo.canvas_w_pt, geo.canvas_h_pt)
    tx, ty, tw, th = geo.trim_rect
    for s in segs:
        assert _outside(s, bleed_rect), s
        for v in (s.x0_pt, s.x1_pt):
            assert 0 <= v <= geo.media_w_pt
        for v in (s.y0_pt, s.y1_pt):
            assert 0 <= v <= geo.media_h_pt
        length = abs(s.x1_pt - s.x0_pt) + abs(s.y1_pt - s.y0_pt)
        assert length == pytest.approx(MARK_LENGTH_MM * PT_PER_MM)
        if s.y0_pt == s.y1_pt:  # horizontal: on a horizontal trim edge
            assert min(abs(s.y0_pt - ty), abs(s.y0_pt - (ty + th))) < 1e-6
        else:
            assert min(abs(s.x0_pt - tx), abs(s.x0_pt - (tx + tw))) < 1e-6
    # a mark starts at least 2 mm beyond the bleed, and 3 mm beyond the trim
    assert mark_offset_pt(b) >= b + 2 * PT_PER_MM - 1e-9
    assert mark_offset_pt(b) >= 3 * PT_PER_MM - 1e-9


def test_no_marks_without_the_option():
    geo = page_geometry(100, 200, 5, marks=False)
    assert geo.media_box == geo.bleed_box == (0, 0, 100, 200)
    assert crop_marks(geo, "slug").segments == ()


def test_slug_line_below_the_marks_inside_the_media(poster_job, poster):
    s = poster_job.size
    text = slug_text("Xã Bằng Mạc (xa-bang-mac)", "4", s.id, s.width_mm, s.height_mm, s.bleed_mm, "ap-phich-a3_4.pdf", "CMYK")
    for part in ("Xã Bằng Mạc", "slogan 4", "ap-phich-a3", "297 x 420 mm", "bleed 3 mm", "ap-phich-a3_4.pdf", "CMYK"):
        assert part in text
    geo = page_geometry(poster.width_pt, poster.height_pt, poster.bleed_pt, marks=True)
    marks = crop_marks(geo, text)
    slug = marks.slug
    assert slug is not None and slug.text == text.replace("  ", " ")
    lowest_mark = max(max(sg.y0_pt, sg.y1_pt) for sg in marks.segments)
    baseline = slug.glyphs[0].y_pt
    assert baseline - 1.25 * slug.size_pt > lowest_mark  # the capitals' ink clears the marks
    assert baseline + 0.3 * slug.size_pt < geo.media_h_pt  # the dot below stays on the page
    right = slug.glyphs[-1].x_pt + slug.advances_pt[-1]
    assert slug.glyphs[0].x_pt >= 0 and right <= geo.media_w_pt


def test_long_slug_shrinks_then_truncates():
    geo = page_geometry(60 * PT_PER_MM, 60 * PT_PER_MM, 0, marks=True)
    slug = crop_marks(geo, "x" * 400).slug
    assert slug.size_pt >= 4.0
    assert slug.text.endswith("…")
    assert slug.glyphs[-1].x_pt + slug.advances_pt[-1] <= geo.media_w_pt


def test_pdf_marks_are_drawn_outside_the_bleed_box(poster):
    reader = pdf(poster, marks=True, color="cmyk", slug="Xã Bằng Mạc | slogan 4")
    page = reader.pages[0]
    bx0, by0, bx1, by1 = box(page, "/BleedBox")
    operations = ops(reader)
    # after the artwork's Q come the marks: m/l pairs in page coordinates
    q_end = max(i for i, (_, op) in enumerate(operations) if op == b"Q" and i < len(operations) - 10)
    points = [(float(o[0]), float(o[1])) for o, op in operations[: q_end + 30] if op in (b"m", b"l")]
    assert len(points) == 16
    for (x0, y0), (x1, y1) in zip(points[::2], points[1::2]):
        assert max(x0, x1) <= bx0 or min(x0, x1) >= bx1 or max(y0, y1) <= by0 or min(y0, y1) >= by1
    text = page.extract_text()
    assert "Xã Bằng Mạc | slogan 4" in text


def test_marks_pixels_outside_the_bleed(poster):
    """Rasterised: the margin beyond the bleed is white except for thin dark marks and the slug."""
    pdfium = pytest.importorskip("pypdfium2")
    data = render_pdf_bytes(poster, PdfOptions(marks=True, slug="poster-gen slug"))
    doc = pdfium.PdfDocument(data)
    img = doc[0].render(scale=100 / 72).to_pil().convert("L")
    px_per_pt = 100 / 72
    m = round(MARGIN_PT * px_per_pt)
    w, h = img.size
    # the artwork (red) starts at the bleed box, the margin is white but for the marks
    assert img.getpixel((m + 5, m + 5)) < 200
    assert img.getpixel((m // 4, m // 4)) == 255
    top_margin = img.crop((0, 0, w, m - 2))
    dark = sum(1 for v in top_margin.tobytes() if v < 128)
    assert 0 < dark < 0.02 * top_margin.width * top_margin.height
    bottom = img.crop((m, h - m + 2, w, h))
    assert sum(1 for v in bottom.tobytes() if v < 128) > 20  # the slug line


# ---- 4. colour -----------------------------------------------------------------------


@pytest.mark.parametrize("marks", [False, True])
def test_cmyk_mode_has_no_rgb_operators_anywhere(poster, marks):
    reader = pdf(poster, color="cmyk", marks=marks, slug="slug")
    used = {op for _, op in ops(reader) if op in COLOR_OPS}
    assert used and used <= {b"k", b"K"}, used
    raw = reader.pages[0].get_contents().get_data()
    for line in raw.splitlines():
        assert not line.rstrip().endswith((b" rg", b" RG", b" g", b" G", b" sc", b" scn")), line
    # the design's CMYK values, not converted RGB
    assert any(op == b"k" and [float(v) for v in o] == [0, 1, 1, 0.05] for o, op in ops(reader))


def test_cmyk_marks_use_registration(poster):
    reader = pdf(poster, color="cmyk", marks=True, slug="slug")
    strokes = [[float(v) for v in o] for o, op in ops(reader) if op == b"K"]
    assert strokes == [[1, 1, 1, 1]]
    # as written: pypdf reads the glued "1 1 1 1K" leniently, Ghostscript stops on it
    assert b"1 1 1 1 K" in reader.pages[0].get_contents().get_data()


def test_rgb_is_the_default_and_paints_in_rgb(poster):
    reader = pdf(poster)
    used = {op for _, op in ops(reader) if op in COLOR_OPS}
    assert used == {b"rg"}
    assert "color=rgb" in reader.metadata["/Keywords"]


def test_writer_records_what_preflight_compares(poster):
    kw = pdf(poster, color="cmyk", marks=True).metadata["/Keywords"]
    for part in ("unit=xa-bang-mac", "slogan=4", "size=ap-phich-a3", "color=cmyk", "trim_mm=297x420", "bleed_mm=3",
                 "marks=yes"):
        assert part in kw


def test_unknown_color_mode_is_refused(poster):
    with pytest.raises(PosterGenError):
        render_pdf_bytes(poster, PdfOptions(color="rgba"))


def test_png_is_srgb_with_dpi_and_physical_size(tmp_path, poster_job, poster):
    w, h = poster_job.size.pixel_size
    path = tmp_path / "a3.png"
    write_png(poster, path, PngOptions(dpi=poster_job.size.dpi, width_px=w, height_px=h))
    chunks = _png_chunks(path.read_bytes())
    assert b"iCCP" in chunks and chunks[b"iCCP"][0].startswith(b"sRGB\x00")  # the sRGB profile, embedded
    ppm, ppm_y, unit = struct.unpack(">IIB", chunks[b"pHYs"][0])
    assert unit == 1 and ppm == ppm_y and round(ppm * 0.0254) == poster_job.size.dpi
    from PIL import Image

    with Image.open(path) as im:
        assert im.size == (w, h) == (3508, 4961)  # A3 at 300 dpi: the trim, no bleed
        assert im.info["dpi"][0] == pytest.approx(300, abs=0.02)
        assert "width_mm=297" in im.info["Keywords"] and "height_mm=420" in im.info["Keywords"]
        assert "bleed=no" in im.info["Keywords"]
        assert im.info["Description"] == "Đổi mới sáng tạo - Khơi nguồn tri thức"  # UTF-8 in iTXt


def test_png_with_bleed_records_the_larger_physical_size(tmp_path, poster):
    from poster_gen.sizes import px

    dpi = 50
    w, h = px(303, dpi), px(426, dpi)
    path = tmp_path / "bleed.png"
    write_png(poster, path, PngOptions(dpi=dpi, width_px=w, height_px=h, bleed=True))
    from PIL import Image

    with Image.open(path) as im:
        assert "width_mm=303" in im.info["Keywords"] and "bleed=yes" in im.info["Keywords"]


def _png_chunks(data: bytes) -> dict[bytes, list[bytes]]:
    out: dict[bytes, list[bytes]] = {}
    pos = 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0] == zlib.crc32(kind + body)
        out.setdefault(kind, []).append(body)
        pos += 12 + n
    return out


# ---- 5. fonts --------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [{}, {"color": "cmyk", "marks": True, "slug": "Xã Bằng Mạc"}])
def test_every_font_embedded_and_subset_and_no_standard_font(poster, kw):
    data = render_pdf_bytes(poster, PdfOptions(**kw))
    reader = PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert len(fonts) >= 3
    for ref in fonts.values():
        f = ref.get_object()
        assert f["/Subtype"] == "/TrueType"
        name = str(f["/BaseFont"])
        assert name[1:7].isupper() and name[7] == "+", name  # subset tag
        assert "/FontFile2" in f["/FontDescriptor"]
    for std in (b"Helvetica", b"Times-Roman", b"Courier", b"ZapfDingbats", b"Symbol"):
        assert std not in data
    # no font object in the file that the page does not use
    used = {ref.idnum for ref in fonts.values()}
    all_fonts = set()
    for num in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(num)
        if hasattr(obj, "get") and obj.get("/Type") == "/Font":
            all_fonts.add(num)
    assert all_fonts == used


def test_scene_without_text_still_has_no_standard_font(poster):
    from poster_gen.scene import Rect

    bare = replace(poster, items=tuple(it for it in poster.items if isinstance(it, Rect)))
    data = render_pdf_bytes(bare, PdfOptions())
    assert b"Helvetica" not in data
    assert len(PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]) == 0


def test_pdf_is_deterministic(poster):
    opts = PdfOptions(color="cmyk", marks=True, slug="s", pdfx="x1a")
    assert render_pdf_bytes(poster, opts) == render_pdf_bytes(poster, opts)


# ---- 7. PDF/X-1a ----------------------------------------------------------------------------


def test_pdfx_output_intent_and_identification(poster):
    data = render_pdf_bytes(poster, PdfOptions(color="cmyk", marks=True, pdfx="x1a"))
    assert data.startswith(b"%PDF-1.3")
    reader = PdfReader(io.BytesIO(data))
    info = reader.metadata
    assert info["/GTS_PDFXVersion"] == "PDF/X-1:2001"
    assert info["/GTS_PDFXConformance"] == "PDF/X-1a:2001"
    assert info["/Trapped"] == "/False"
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert len(intents) == 1
    oi = intents[0].get_object()
    assert oi["/S"] == "/GTS_PDFX" and oi["/OutputConditionIdentifier"] == "FOGRA39"
    assert oi["/RegistryName"] == "http://www.color.org"
    icc = oi["/DestOutputProfile"].get_object()
    assert icc["/N"] == 4
    profile = icc.get_data()
    assert profile[36:40] == b"acsp" and profile[12:20] == b"prtrCMYK"
    assert profile[8] == 2  # ICC v2: what PDF 1.3 (PDF/X-1a:2001) can carry
    assert "/ID" in reader.trailer


def test_shipped_profile_is_pinned_and_licensed():
    import hashlib
    import re

    from poster_gen.resources import data_dir

    icc = data_dir() / "FOGRA39L-poster-gen.icc"
    licence = data_dir() / "FOGRA39L-poster-gen.LICENSE.txt"
    readme = (data_dir() / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(icc.read_bytes()).hexdigest()
    assert digest in readme
    assert "zlib" in licence.read_text(encoding="utf-8").lower()
    assert re.search(r"icc-profiles-free.{0,3}2\.0\.1", readme)


def test_pdfx_needs_cmyk(poster):
    with pytest.raises(PosterGenError, match="CMYK"):
        render_pdf_bytes(poster, PdfOptions(color="rgb", pdfx="x1a"))


# ---- the command line and the library's front door ----------------------------------


def test_job_pdf_options_fill_in_the_slug(poster_job, tmp_path):
    opts = job_pdf_options(poster_job, tmp_path / "x" / "ap-phich-a3_4.pdf", PdfOptions(marks=True, color="cmyk"))
    for part in ("Xã Bằng Mạc (xa-bang-mac)", "slogan 4", "ap-phich-a3", "ap-phich-a3_4.pdf", "CMYK"):
        assert part in opts.slug
    assert job_pdf_options(poster_job, tmp_path / "a.pdf", PdfOptions()).slug == ""


def test_render_job_with_marks_writes_the_slug(campaign, poster_job, tmp_path):
    res = render_job(campaign, poster_job, tmp_path, ("pdf",), PdfOptions(color="cmyk", marks=True))
    text = PdfReader(res.files["pdf"]).pages[0].extract_text()
    assert "ap-phich-a3_4.pdf" in text and "slogan 4" in text


def test_cli_render_color_marks_pdfx(tmp_path):
    runner = CliRunner()
    args = ["render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "ap-phich-a3", "--format", "pdf",
            "--out", str(tmp_path)]
    res = runner.invoke(cli, [*args, "--marks", "--pdfx"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    reader = PdfReader(res.output.split()[0])
    assert "color=cmyk" in reader.metadata["/Keywords"] and "marks=yes" in reader.metadata["/Keywords"]
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-1:2001"
    res = runner.invoke(cli, [*args, "--pdfx", "--color", "rgb"])
    assert res.exit_code == 2 and "CMYK" in res.output
    res = runner.invoke(cli, [*args, "--color", "lab"])
    assert res.exit_code == 2


def test_every_preset_renders_consistent_boxes():
    """TrimBox equals the preset's size for every kind, with and without marks (divided by the page's
    scale: pages over 200 inches are written at 1:10, see test_big_banners.py)."""
    from poster_gen.check import parse_keywords
    from poster_gen.scene import Color, Rect, Scene

    red = Color((215, 25, 32), (0, 1, 1, 0.05))
    for s in PRESETS.values():
        b = s.bleed_mm * PT_PER_MM
        scene = Scene(s.width_pt + 2 * b, s.height_pt + 2 * b, b, (Rect(0, 0, s.width_pt + 2 * b, s.height_pt + 2 * b, red),))
        for marks in (False, True):
            reader = PdfReader(io.BytesIO(render_pdf_bytes(scene, PdfOptions(marks=marks))))
            page = reader.pages[0]
            k = 1 / float(parse_keywords(str(reader.metadata["/Keywords"])).get("scale", 1))
            t = box(page, "/TrimBox")
            assert approx((mm(t[2] - t[0]) * k, mm(t[3] - t[1]) * k), (s.width_mm, s.height_mm), 0.01), s.id
