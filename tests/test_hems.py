"""Issue 13, part 2: hems and pole pockets (--hem MM), with fold marks, the ground carried into them."""

from __future__ import annotations

import io
import subprocess

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from poster_gen.api import compose_job, job_pdf_options, make_job
from poster_gen.cli import cli
from poster_gen.errors import PosterGenError
from poster_gen.marks import MARK_MARGIN_MM, with_marks
from poster_gen.pdf import PdfOptions, render_pdf_bytes
from poster_gen.png import PngOptions, render_strips
from poster_gen.scene import REGISTRATION, GlyphRun, Line, Rect
from poster_gen.sizes import PT_PER_MM, resolve_size, with_hem
from pdf_readers import tool

HEM = 40.0


def mm(v_pt: float) -> float:
    return v_pt / PT_PER_MM


@pytest.fixture(scope="module")
def plain_job(campaign):
    return make_job(campaign, "tt-dong-mo", "6", "bieu-ngu-500x80")


@pytest.fixture(scope="module")
def job(campaign):
    return make_job(campaign, "tt-dong-mo", "6", "bieu-ngu-500x80", hem_mm=HEM)


@pytest.fixture(scope="module")
def plain(campaign, plain_job):
    return compose_job(campaign, plain_job).scene


@pytest.fixture(scope="module")
def hemmed(campaign, job):
    return compose_job(campaign, job).scene


def _keywords(reader: PdfReader) -> dict:
    return dict(k.split("=", 1) for k in reader.metadata["/Keywords"].split(", ") if "=" in k)


def _box_mm(reader: PdfReader, name: str) -> tuple[float, float]:
    scale = float(_keywords(reader).get("scale", 1))
    x0, y0, x1, y1 = (float(v) / scale for v in reader.pages[0][name])
    return mm(x1 - x0), mm(y1 - y0)


# ---- the size ------------------------------------------------------------------------


def test_the_hem_adds_material_on_every_side_and_keeps_the_finished_size():
    s = with_hem(resolve_size("bieu-ngu-500x80"), HEM)
    assert (s.width_mm, s.height_mm, s.hem_mm) == (5000, 800, HEM)
    assert (s.sheet_width_mm, s.sheet_height_mm) == (5080, 880)
    assert s.pixel_size == (20000, 3465)  # the PNG is the sheet
    assert with_hem(resolve_size("bieu-ngu-500x80"), None) == resolve_size("bieu-ngu-500x80")


@pytest.mark.parametrize("hem,why", [(-5, "out of range"), (500, "out of range")])
def test_a_hem_out_of_range_is_refused(hem, why):
    with pytest.raises(PosterGenError, match=why):
        with_hem(resolve_size("bieu-ngu-500x80"), hem)


def test_a_paper_poster_takes_no_hem():
    with pytest.raises(PosterGenError, match="paper poster"):
        with_hem(resolve_size("ap-phich-a3"), 20)


# ---- the scene -----------------------------------------------------------------------


def test_the_sheet_is_40_mm_larger_on_each_side(plain, hemmed):
    assert mm(hemmed.width_pt) == pytest.approx(mm(plain.width_pt) + 2 * HEM)
    assert mm(hemmed.height_pt) == pytest.approx(mm(plain.height_pt) + 2 * HEM)
    assert mm(hemmed.hem_pt) == pytest.approx(HEM)
    assert "hem_mm=40" in hemmed.keywords and not any(k.startswith("hem_mm") for k in plain.keywords)


def test_the_ground_runs_to_the_sheet_edge(hemmed):
    ground = hemmed.items[0]
    assert isinstance(ground, Rect)
    assert (ground.x_pt, ground.y_pt, ground.w_pt, ground.h_pt) == (0, 0, hemmed.width_pt, hemmed.height_pt)


def test_the_artwork_is_the_unhemmed_one_moved_in_by_the_hem(plain, hemmed):
    h = hemmed.hem_pt
    p_runs = [r for r in plain.items if isinstance(r, GlyphRun)]
    h_runs = [r for r in hemmed.items if isinstance(r, GlyphRun)]
    assert [r.text for r in p_runs] == [r.text for r in h_runs]
    for a, b in zip(p_runs, h_runs):
        assert [v for g in a.glyphs for v in (g.x_pt + h, g.y_pt + h)] == \
            pytest.approx([v for g in b.glyphs for v in (g.x_pt, g.y_pt)])


def test_no_text_ink_in_the_hem(job, hemmed):
    fx, fy, fw, fh = hemmed.finished_pt
    safe = job.size.safe_mm * PT_PER_MM
    for run in (it for it in hemmed.items if isinstance(it, GlyphRun)):
        for g, adv in zip(run.glyphs, run.advances_pt):
            assert fx + safe - 0.01 <= g.x_pt and g.x_pt + adv <= fx + fw - safe + 0.01
            top = g.y_pt - 1.3 * run.size_pt  # stacked Vietnamese capitals reach about 1.25 em
            assert fy + safe <= top and g.y_pt + 0.3 * run.size_pt <= fy + fh - safe


def test_fold_ticks_sit_inside_the_hem_on_the_finished_edge(hemmed):
    fx, fy, fw, fh = hemmed.finished_pt
    ground = hemmed.items[0].color
    ticks = [r for r in hemmed.items if isinstance(r, Rect) and r.color != ground and
             (r.w_pt < 2 or r.h_pt < 2)]
    assert len(ticks) == 8
    for t in ticks:
        cx, cy = t.x_pt + t.w_pt / 2, t.y_pt + t.h_pt / 2
        on_fold = min(abs(cx - fx), abs(cx - fx - fw)) < 0.01 or min(abs(cy - fy), abs(cy - fy - fh)) < 0.01
        assert on_fold, t
        inside_finished = fx < cx < fx + fw and fy < cy < fy + fh
        assert not inside_finished, t  # in the hem


def test_no_hem_no_ticks_and_the_same_scene(campaign, plain_job, plain):
    assert compose_job(campaign, make_job(campaign, "tt-dong-mo", "6", "bieu-ngu-500x80", hem_mm=0)).scene == plain


# ---- the files -----------------------------------------------------------------------


def test_pdf_trimbox_is_the_sheet_and_the_keywords_say_the_hem(hemmed):
    reader = PdfReader(io.BytesIO(render_pdf_bytes(hemmed)))
    assert _box_mm(reader, "/TrimBox") == pytest.approx((5080, 880), abs=0.01)
    kw = _keywords(reader)
    assert kw["hem_mm"] == "40" and kw["trim_mm"] == "5080x880" and kw["size"] == "bieu-ngu-500x80"


def test_with_marks_fold_marks_are_dashed_at_the_finished_edge_outside_the_sheet(job, hemmed, tmp_path):
    marked = with_marks(hemmed, "s")
    folds = [m for m in marked.marks if isinstance(m, Line) and m.dash_pt]
    trims = [m for m in marked.marks if isinstance(m, Line) and not m.dash_pt]
    assert len(folds) == 8 and len(trims) == 8
    o = MARK_MARGIN_MM * PT_PER_MM
    fx, fy, fw, fh = hemmed.finished_pt
    tx, ty, tw, th = hemmed.trim_pt
    for f in folds:
        assert f.color == REGISTRATION
        if f.x0_pt == f.x1_pt:  # on a vertical fold, above or below the sheet
            assert min(abs(f.x0_pt - (o + fx)), abs(f.x0_pt - (o + fx + fw))) < 1e-6
            assert max(f.y0_pt, f.y1_pt) <= o + ty or min(f.y0_pt, f.y1_pt) >= o + ty + th
        else:
            assert min(abs(f.y0_pt - (o + fy)), abs(f.y0_pt - (o + fy + fh))) < 1e-6
            assert max(f.x0_pt, f.x1_pt) <= o + tx or min(f.x0_pt, f.x1_pt) >= o + tx + tw
    opts = job_pdf_options(job, tmp_path / "a.pdf", PdfOptions(color="cmyk", marks=True))
    assert "hem 40 mm" in opts.slug
    reader = PdfReader(io.BytesIO(render_pdf_bytes(hemmed, opts)))
    assert _box_mm(reader, "/TrimBox") == pytest.approx((5080, 880), abs=0.01)
    assert "hem 40 mm" in reader.pages[0].extract_text()
    assert b"] 0 d" in reader.pages[0].get_contents().get_data()  # the dash


def test_png_is_the_sheet_with_the_ground_in_the_hem(job, hemmed):
    dpi = 10
    w, h = round(5080 / 25.4 * dpi), round(880 / 25.4 * dpi)
    img = Image.new("RGB", (w, h))
    top = 0
    for mode, colors, strip in render_strips(hemmed, PngOptions(dpi=dpi, width_px=w, height_px=h, palette=False)):
        img.paste(strip, (0, top))
        top += strip.height
    ground = hemmed.items[0].color.rgb
    hem_px = round(HEM / 25.4 * dpi)
    # every corner and the middle of each hem: the ground, no text
    for x, y in ((1, 1), (w - 2, h - 2), (w // 2, hem_px // 2), (w // 2, h - hem_px // 2), (hem_px // 3, h // 2)):
        assert img.getpixel((x, y)) == ground, (x, y)
    # the hem strips hold only the ground and the fold ticks' ink
    inks = {c for _, c in img.crop((0, 0, w, hem_px - 1)).getcolors(w * h)}
    assert inks <= {ground, (0, 0, 0), (255, 255, 255)}


@pytest.fixture(scope="module")
def hemmed_pdf(campaign, tmp_path_factory):
    out = tmp_path_factory.mktemp("hem")
    res = CliRunner().invoke(cli, ["render", "--unit", "tt-dong-mo", "--slogan", "6", "--size", "bieu-ngu-500x80",
                                   "--hem", "40", "--marks", "--color", "cmyk", "--format", "pdf", "--out", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out / "tt-dong-mo" / "bieu-ngu-500x80_6.pdf"


def test_cli_hem_makes_a_hemmed_pdf(hemmed_pdf):
    reader = PdfReader(hemmed_pdf)
    assert _box_mm(reader, "/TrimBox") == pytest.approx((5080, 880), abs=0.01)
    assert _keywords(reader)["hem_mm"] == "40"


def test_ghostscript_reads_it_cleanly(hemmed_pdf):
    gs = tool("gs")
    res = subprocess.run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=nullpage", str(hemmed_pdf)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and not res.stdout.strip() and not res.stderr.strip(), res.stdout + res.stderr


def test_mutool_reads_it_cleanly(hemmed_pdf, tmp_path):
    mutool = tool("mutool")
    res = subprocess.run([mutool, "draw", "-q", "-r", "2", "-o", str(tmp_path / "p.png"), str(hemmed_pdf)],
                         capture_output=True, text=True, timeout=120)
    # this build's "ICC support is not available" is about mutool, not the file
    problems = [ln for ln in res.stderr.splitlines() if ln.strip() and "ICC support is not available" not in ln]
    assert res.returncode == 0 and not problems, res.stderr


def test_qpdf_checks_it_cleanly(hemmed_pdf):
    qpdf = tool("qpdf")
    res = subprocess.run([qpdf, "--check", str(hemmed_pdf)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "No syntax or stream encoding errors" in res.stdout, res.stdout + res.stderr


def test_a_phuon_gets_its_hem_on_every_side_and_keeps_its_pockets(campaign):
    job = make_job(campaign, "xa-bang-mac", "3", "phuon-80x240", hem_mm=20)
    scene = compose_job(campaign, job).scene
    assert (round(mm(scene.width_pt), 3), round(mm(scene.height_pt), 3)) == (840, 2440)
    ground = scene.items[0]
    assert (ground.w_pt, ground.h_pt) == (scene.width_pt, scene.height_pt)
    fx, fy, fw, fh = scene.finished_pt
    pocket = job.size.pocket_top_mm * PT_PER_MM
    for run in (it for it in scene.items if isinstance(it, GlyphRun)):
        for g in run.glyphs:
            assert fy + pocket < g.y_pt < fy + fh - pocket
