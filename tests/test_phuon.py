"""Cờ phướn: the vertical pole banner, a fourth kind.

Every packaged design has a layout for it; every preset takes the longest
slogans (warning when the capitals fall short, never refusing them); the pole
pockets at both ends stay free of text and of the frame; the slogan is set in
short lines stacked down the strip. Geometry is read from the composed scene,
with each glyph's ink from the font's outlines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pg_testutil import DATA_DIR, vn_upper
from poster_gen.api import compose_job, make_job
from poster_gen.campaign import load_campaign
from poster_gen.cli import cli
from poster_gen.design import load_design
from poster_gen.fonts import load_font
from poster_gen.scene import GlyphRun, Rect
from poster_gen.sizes import KINDS, PRESETS, PT_PER_MM, default_size, resolve_size

PACKAGED = ("classic", "band", "title")
PHUON = tuple(s.id for s in PRESETS.values() if s.kind == "phuon")
QK = DATA_DIR / "campaign-quoc-khanh-2025.toml"  # the 2025 National Day campaign
LONG_SLOGANS = ("1",)  # the packaged campaign's longest
QK_LONG = ("chao-mung", "ky-nguyen-moi")  # 170 and 120 characters
PARTY = "Đảng Cộng sản Việt Nam quang vinh muôn năm!"


@pytest.fixture(scope="module")
def qk():
    return load_campaign(QK)


def ink_box(run: GlyphRun):
    """(x0, y0, x1, y1) of a line's ink on the canvas, from the glyph outlines."""
    font = load_font(Path(run.font_path).name)
    xs, ys = [], []
    for g in run.glyphs:
        ink = font.ink(g.gid)
        if ink is None:
            continue
        xs += [g.x_pt + ink.x_min * run.size_pt, g.x_pt + ink.x_max * run.size_pt]
        ys += [g.y_pt - ink.y_max * run.size_pt, g.y_pt - ink.y_min * run.size_pt]
    return min(xs), min(ys), max(xs), max(ys)


def pockets_pt(size):
    """(top, bottom) y bounds on the canvas of the zones no text may enter: pocket plus its seam margin."""
    b = size.bleed_mm * PT_PER_MM
    _, top, _, bottom = size.margins_mm
    return b + top * PT_PER_MM, b + size.height_pt - bottom * PT_PER_MM


# ---- the presets ---------------------------------------------------------------------


def test_phuon_is_a_kind_with_its_presets():
    assert "phuon" in KINDS
    assert set(PHUON) >= {"phuon-60x180", "phuon-80x240", "phuon-80x300"}
    assert default_size("phuon").id == "phuon-80x240"
    for sid in PHUON:
        s = PRESETS[sid]
        assert s.height_mm >= 2.5 * s.width_mm, sid
        assert s.dpi >= 72 and s.bleed_mm == 0, sid
        # a sewn pocket at each end for the bracket's rod, deeper than the side hems
        assert s.pocket_top_mm >= 2 * s.safe_mm and s.pocket_bottom_mm > 0, sid
        assert s.margins_mm == (s.safe_mm, s.safe_mm + s.pocket_top_mm, s.safe_mm, s.safe_mm + s.pocket_bottom_mm)
        assert "pocket" in s.label, sid  # 'poster-gen sizes' shows it
        # letters are bounded by the width, so the viewing distance goes with the width
        assert s.viewing_m == pytest.approx(s.width_mm / 100, abs=2), sid


@pytest.mark.parametrize("spec, pocket", [("800x3000", 100), ("600x2000", 75), ("1200x3600", 100)])
def test_a_tall_free_size_is_a_pole_banner(spec, pocket):
    s = resolve_size(spec)
    assert s.kind == "phuon"
    assert s.pocket_top_mm == s.pocket_bottom_mm == pocket
    # the same strip width as a preset is read from the same distance, whatever its length
    assert resolve_size("800x3000").viewing_m == PRESETS["phuon-80x240"].viewing_m
    assert resolve_size("phuon-80x240", kind="phuon") == PRESETS["phuon-80x240"]


def test_other_kinds_have_no_pockets():
    for s in PRESETS.values():
        if s.kind != "phuon":
            assert s.margins_mm == (s.safe_mm,) * 4, s.id


# ---- every design, every preset ------------------------------------------------------


@pytest.mark.parametrize("design_id", PACKAGED)
def test_every_design_has_a_phuon_layout(design_id):
    assert "phuon" in load_design(design_id).kinds


def _check_artwork(job, art, where):
    size = job.size
    scene = art.scene
    top, bottom = pockets_pt(size)
    b = size.bleed_mm * PT_PER_MM
    left, _, right, _ = (m * PT_PER_MM for m in size.margins_mm)
    runs = [it for it in scene.items if isinstance(it, GlyphRun)]
    assert runs, where
    boxes = []
    for r in runs:
        x0, y0, x1, y1 = ink_box(r)
        # no ink in the pockets nor in the seam margin under them, none in the side hems
        assert y0 >= top - 1e-3 and y1 <= bottom + 1e-3, (where, r.text, y0, top, y1, bottom)
        assert x0 >= b + left - 1e-3 and x1 <= b + size.width_pt - right + 1e-3, (where, r.text)
        boxes.append((y0, y1, r.text))
    boxes.sort()
    for (a0, a1, ta), (b0, b1, tb) in zip(boxes, boxes[1:]):
        assert b0 > a1, f"{where}: '{ta}' and '{tb}' overlap"
    # colour may run into a pocket edge to edge (a band), but no frame or rule starts there
    for it in scene.items:
        if isinstance(it, Rect) and it.w_pt < scene.width_pt - 1e-3:
            assert it.y_pt >= top - 1e-3 and it.y_pt + it.h_pt <= bottom + 1e-3, (where, it)
    assert vn_upper(job.slogan.text).replace(" ", "") in "".join(r.text for r in runs).replace(" ", "")


@pytest.mark.parametrize("design_id", PACKAGED)
def test_every_design_sets_the_long_slogans_on_every_phuon_preset(campaign, qk, design_id):
    for size_id in PHUON:
        for camp, unit_id, slogans in (
            (campaign, "ttvh-tt-tt", LONG_SLOGANS),  # the longest unit heading too
            (qk, "truong-ptdtnt-dinh-lap", QK_LONG),
        ):
            for slogan_id in slogans:
                job = make_job(camp, unit_id, slogan_id, size_id, design_id)
                art = compose_job(camp, job)  # never refused
                where = f"{design_id} {size_id} {slogan_id}"
                _check_artwork(job, art, where)
                leg = art.legibility
                if leg.cap_height_mm < leg.required_mm:  # said, never silent
                    assert "BELOW" in leg.describe(), where


@pytest.mark.parametrize("design_id", PACKAGED)
def test_every_qk_slogan_on_the_default_phuon(qk, design_id):
    for slogan in qk.slogans:
        job = make_job(qk, "ubnd-xa-na-sam", slogan.id, "phuon-80x240", design_id)
        _check_artwork(job, compose_job(qk, job), f"{design_id} {slogan.id}")


# ---- short stacked lines ---------------------------------------------------------------


@pytest.mark.parametrize("size_id", [*PHUON, "800x3000"])
def test_the_party_slogan_reads_in_short_stacked_lines(qk, size_id):
    """Refused before the pole banner existed (as a 0.8 x 3 m panel, read from 15 m). Set in
    stacked lines, the party's name kept whole on its line: a name is never split."""
    job = make_job(qk, "ubnd-xa-na-sam", "dang-quang-vinh", size_id)
    art = compose_job(qk, job)
    lines = art.legibility.lines
    assert len(lines) >= 2, lines
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in lines, lines
    assert " ".join(lines) == vn_upper(PARTY)
    # the lines are read top to bottom, each centred on the strip
    runs = [r for r in art.scene.items if isinstance(r, GlyphRun) and r.text in lines]
    assert [r.text for r in sorted(runs, key=lambda r: r.glyphs[0].y_pt)] == list(lines)
    centre = art.scene.width_pt / 2
    for r in runs:
        x0, _, x1, _ = ink_box(r)
        assert abs((x0 + x1) / 2 - centre) < 0.05 * art.scene.width_pt, r.text
    # the name spans the strip: the capitals are about a twenty-fifth of its width
    assert art.legibility.cap_height_mm >= 0.035 * job.size.width_mm


def test_stacking_never_leaves_a_lone_syllable_to_gain_size(qk):
    """"CỦA" or "TRONG" alone on a line reads badly: more lines are taken for legibility,
    never at that price (unless the slogan would otherwise be refused)."""
    for size_id in ("phuon-60x180", "phuon-80x240"):
        for slogan in qk.slogans:
            art = compose_job(qk, make_job(qk, "ubnd-xa-na-sam", slogan.id, size_id))
            assert all(" " in line for line in art.legibility.lines), (size_id, slogan.id, art.legibility.lines)


def test_the_banner_does_not_stack(qk):
    """Only the pole banner takes extra lines; other kinds keep the engine's choice."""
    art = compose_job(qk, make_job(qk, "ubnd-xa-na-sam", "dang-quang-vinh", "bieu-ngu-500x80"))
    assert len(art.legibility.lines) <= 2


# ---- from the command line ---------------------------------------------------------------


def test_render_800x3000_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        ["--campaign", str(QK), "render", "--unit", "ubnd-xa-na-sam", "--slogan", "dang-quang-vinh",
         "--size", "800x3000", "--format", "png,pdf", "--dpi", "20", "--out", str(out)],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    png = out / "ubnd-xa-na-sam" / "phuon-800x3000mm_dang-quang-vinh.png"
    assert png.is_file() and png.with_suffix(".pdf").is_file()
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == resolve_size("800x3000", 20).pixel_size
        # the top pocket, printed in the ground colour only
        rgb = im.convert("RGB")
        pocket_px = round(100 / 25.4 * 20)
        colours = {rgb.getpixel((x, y)) for y in range(pocket_px) for x in range(rgb.width)}
        assert len(colours) == 1, colours


@pytest.mark.parametrize("design_id", PACKAGED)
def test_batch_makes_the_default_phuon(tmp_path, design_id):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        ["batch", "--units", "xa-van-an", "--slogans", "1,4", "--sizes", "phuon-80x240", "--design", design_id,
         "--format", "pdf", "-j", "1", "--quiet", "--no-check", "--out", str(out)],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["artworks"]
    assert {e["kind"] for e in entries} == {"phuon"} and len(entries) == 2


def test_sizes_lists_the_phuon_presets():
    res = CliRunner().invoke(cli, ["sizes", "--json"], catch_exceptions=False)
    rows = {r["id"]: r for r in json.loads(res.output)}
    assert {r["kind"] for r in rows.values()} == set(KINDS)
    assert rows["phuon-80x240"]["default"] is True
