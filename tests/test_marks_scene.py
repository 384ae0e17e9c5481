"""Issue 13, part 1: the trim marks and the slug line are scene items (one display list)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from poster_gen.api import compose_job, make_job
from poster_gen.marks import MARK_MARGIN_MM, crop_marks, page_geometry, with_marks
from poster_gen.pdf import PdfOptions, WriterError, render_pdf_bytes
from poster_gen.png import PngOptions, render_strips
from poster_gen.scene import REGISTRATION, GlyphRun, Line, Rect
from poster_gen.sizes import PT_PER_MM


@pytest.fixture(scope="module")
def poster(campaign):
    return compose_job(campaign, make_job(campaign, "xa-bang-mac", "4", "ap-phich-a3")).scene


def _ops(data: bytes):
    reader = PdfReader(io.BytesIO(data))
    return reader, ContentStream(reader.pages[0].get_contents(), reader).operations


def test_with_marks_makes_lines_in_registration_and_a_slug_glyph_run(poster):
    marked = with_marks(poster, "Xã Bằng Mạc | khẩu hiệu 4")
    assert marked.items == poster.items and poster.marks == ()
    lines = [m for m in marked.marks if isinstance(m, Line)]
    runs = [m for m in marked.marks if isinstance(m, GlyphRun)]
    assert len(lines) == 8 and len(runs) == 1
    assert all(line.color == REGISTRATION and line.dash_pt == () for line in lines)
    assert REGISTRATION.cmyk == (1, 1, 1, 1) and REGISTRATION.rgb == (0, 0, 0)
    assert runs[0].text == "Xã Bằng Mạc | khẩu hiệu 4"
    # the same geometry as before: marks.crop_marks on the page with the 14 mm margin
    geo = page_geometry(poster.width_pt, poster.height_pt, poster.bleed_pt, marks=True)
    old = crop_marks(geo, "Xã Bằng Mạc | khẩu hiệu 4")
    assert [(s.x0_pt, s.y0_pt, s.x1_pt, s.y1_pt) for s in old.segments] == \
        [(ln.x0_pt, ln.y0_pt, ln.x1_pt, ln.y1_pt) for ln in lines]
    assert old.slug == runs[0]
    assert with_marks(marked, "other") is marked  # made once


def test_a_scene_with_marks_draws_the_same_bytes_as_marks_asked_of_the_writer(poster):
    for color in ("rgb", "cmyk"):
        asked = render_pdf_bytes(poster, PdfOptions(color=color, marks=True, slug="slug line"))
        made = render_pdf_bytes(with_marks(poster, "slug line"), PdfOptions(color=color))
        assert asked == made


@pytest.mark.parametrize("color,op", [("cmyk", b"1 1 1 1 K"), ("rgb", b"0 0 0 RG")])
def test_registration_is_painted_100_100_100_100_in_cmyk_and_black_in_rgb(poster, color, op):
    reader, _ = _ops(render_pdf_bytes(poster, PdfOptions(color=color, marks=True, slug="s")))
    raw = reader.pages[0].get_contents().get_data()
    assert op in raw
    if color == "cmyk":
        assert b"1 1 1 1K" not in raw


def test_page_grows_14_mm_a_side_and_the_slug_is_text(poster):
    reader, _ = _ops(render_pdf_bytes(poster, PdfOptions(marks=True, slug="Xã Bằng Mạc")))
    page = reader.pages[0]
    w = float(page["/MediaBox"][2])
    assert w == pytest.approx(poster.width_pt + 2 * MARK_MARGIN_MM * PT_PER_MM, abs=0.01)
    assert "Xã Bằng Mạc" in page.extract_text()


def test_dashed_lines_get_their_own_graphics_state(poster):
    dashed = Line(-20, -20, -10, -20, 0.25, REGISTRATION, (2.0, 1.0))
    scene = with_marks(poster, "s")
    scene = replace(scene, marks=(*scene.marks, dashed))
    _, operations = _ops(render_pdf_bytes(scene, PdfOptions(color="cmyk")))
    dashes = [o for o, op in operations if op == b"d"]
    assert len(dashes) == 1 and [float(v) for v in dashes[0][0]] == [2, 1]


class Mystery:
    pass


def test_the_pdf_writer_fails_loudly_on_an_item_it_does_not_know(poster):
    with pytest.raises(WriterError, match="Mystery"):
        render_pdf_bytes(replace(poster, items=(*poster.items, Mystery())))
    with pytest.raises(WriterError, match="Mystery"):
        render_pdf_bytes(replace(poster, marks=(Mystery(),)))


def test_the_png_writer_fails_loudly_on_an_item_it_does_not_know_and_skips_marks(poster):
    opts = PngOptions(dpi=10, width_px=117, height_px=165)
    with pytest.raises(WriterError, match="Mystery"):
        list(render_strips(replace(poster, items=(*poster.items, Mystery())), opts))
    # a line among the artwork is not something a raster draws: it says so
    with pytest.raises(WriterError, match="Line"):
        list(render_strips(replace(poster, items=(*poster.items, Line(0, 0, 10, 10, 1, REGISTRATION))), opts))
    # the marks lie outside the trim the PNG covers: skipped, the picture is the same
    plain = [img.tobytes() for _, _, img in render_strips(poster, opts)]
    marked = [img.tobytes() for _, _, img in render_strips(with_marks(poster, "slug"), opts)]
    assert plain == marked


def test_artwork_items_stay_rects_and_glyph_runs(poster):
    assert all(isinstance(it, (Rect, GlyphRun)) for it in poster.items)
