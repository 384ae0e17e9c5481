"""``--outline``: text converted to curves, no font left in the file (issue 13).

An outlined PDF has no /Font resource and no font object; its glyphs are
filled paths drawn by glyph id in the run's colour (CMYK files stay CMYK
only); it reads without a complaint in Ghostscript, MuPDF and qpdf; it paints
the same picture as the live-text file; it is the same bytes every time; and
/Keywords says ``outline=yes`` while /Subject keeps the slogan's text.

The external tools are skipped, each with its reason, when missing (Debian
packages: ghostscript, mupdf-tools, qpdf, poppler-utils).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from poster_gen.api import compose_job, job_pdf_options, make_job
from poster_gen.outline import PdfPathPen, font_outlines
from poster_gen.pdf import PdfOptions, render_pdf_bytes
from poster_gen.scene import GlyphRun
from pdf_readers import ghostscript_complaints, mean_difference, mupdf_complaints, qpdf_complaints, rasterise, run, tool

DESIGNS = ("classic", "band", "title")
POSTER = "ap-phich-a3"
BANNER = "bieu-ngu-500x80"  # 5 m
BIG_BANNER = "bieu-ngu-700x100"  # over 200 inches with marks: written at 1:10
UNIT = "xa-bang-mac"


@dataclass(frozen=True)
class Variant:
    name: str
    size: str = POSTER
    design: str = "classic"
    slogan: str = "3"
    color: str = "rgb"
    marks: bool = False
    pdfx: str = ""


VARIANTS = (
    *(Variant(f"design-{d}", design=d) for d in DESIGNS),
    Variant("cmyk-marks", color="cmyk", marks=True),  # the slug line is text too
    Variant("pdfx-marks", slogan="1", color="cmyk", marks=True, pdfx="x1a"),
    Variant("banner-5m", size=BANNER, slogan="2", color="cmyk", marks=True),
    Variant("banner-7m", size=BIG_BANNER, slogan="2", color="cmyk", marks=True),
)
NAMES = [v.name for v in VARIANTS]


def render(campaign, v: Variant, outline: bool, path: Path | None = None) -> bytes:
    job = make_job(campaign, UNIT, v.slogan, v.size, design_id=v.design)
    opts = PdfOptions(color=v.color, marks=v.marks, pdfx=v.pdfx, outline=outline)
    opts = job_pdf_options(job, path or Path(f"{v.name}.pdf"), opts)
    return render_pdf_bytes(compose_job(campaign, job).scene, opts)


@pytest.fixture(scope="module")
def files(campaign, tmp_path_factory) -> dict[tuple[str, bool], Path]:
    """Every variant, outlined (True) and with live text (False)."""
    out = tmp_path_factory.mktemp("outline")
    paths = {}
    for v in VARIANTS:
        for outline in (True, False):
            path = out / f"{v.name}-{'outline' if outline else 'live'}.pdf"
            path.write_bytes(render(campaign, v, outline, path))
            paths[v.name, outline] = path
    return paths


def page_content(data: bytes) -> bytes:
    return PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()


# ---- no font, no text ---------------------------------------------------------------------------


def font_objects(data: bytes) -> list[str]:
    """Every object of the file that is a font or a font program (found by reading them all)."""
    reader = PdfReader(io.BytesIO(data))
    found = []
    for num in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(num)  # None for a free object number
        if hasattr(obj, "get") and (
            obj.get("/Type") in ("/Font", "/FontDescriptor") or any(k in obj for k in ("/FontFile", "/FontFile2",
                                                                                          "/FontFile3"))
        ):
            found.append(f"{num}: {obj.get('/Type')}")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_outlined_file_has_no_font_and_no_text(files, name):
    data = files[name, True].read_bytes()
    reader = PdfReader(io.BytesIO(data))
    resources = reader.pages[0]["/Resources"]
    assert "/Font" not in resources, resources
    assert font_objects(data) == []
    assert b"/Font" not in data and b"/FontFile" not in data
    ops = set(re.findall(rb"[A-Za-z*']+", page_content(data)))
    assert not ops & {b"BT", b"ET", b"Tf", b"TJ", b"Tj", b"Tm", b"Td"}, ops
    assert (reader.pages[0].extract_text() or "").strip() == ""
    # the live file of the same variant does have its fonts (the comparison is meaningful)
    assert "/Font" in PdfReader(files[name, False]).pages[0]["/Resources"]


@pytest.mark.parametrize("name", NAMES)
def test_pdffonts_lists_none(files, name):
    pdffonts = tool("pdffonts")
    res = run([pdffonts, str(files[name, True])])
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[0].startswith("name"), res.stdout  # the header only
    live = run([pdffonts, str(files[name, False])])
    assert len([ln for ln in live.stdout.splitlines() if ln.strip()]) > 2, live.stdout


@pytest.mark.parametrize("name", NAMES)
def test_metadata_keeps_the_text_and_says_outline(files, name, campaign):
    out, live = PdfReader(files[name, True]).metadata, PdfReader(files[name, False]).metadata
    assert out["/Subject"] == live["/Subject"] and out["/Title"] == live["/Title"]
    v = next(v for v in VARIANTS if v.name == name)
    slogan = next(s for s in campaign.slogans if s.id == v.slogan)
    assert out["/Subject"] == slogan.text
    kw = [k.strip() for k in out["/Keywords"].split(",")]
    assert "outline=yes" in kw
    assert [k for k in kw if k != "outline=yes"] == [k.strip() for k in live["/Keywords"].split(",")]
    assert "outline=" not in live["/Keywords"]


def test_live_text_is_unchanged_by_the_option(campaign):
    """outline=False writes exactly what the writer wrote before the option existed: no keyword, fonts as ever."""
    v = VARIANTS[0]
    job = make_job(campaign, UNIT, v.slogan, v.size)
    scene = compose_job(campaign, job).scene
    assert render_pdf_bytes(scene, PdfOptions()) == render_pdf_bytes(scene, PdfOptions(outline=False))


# ---- operators and colour -----------------------------------------------------------------------

# every operator an outlined page may use, with its operand count (PDF 32000-1, Annex A)
OUTLINE_OPERATORS = {
    "q": 0, "Q": 0, "cm": 6, "m": 2, "l": 2, "c": 6, "h": 0, "f": 0, "re": 4,  # artwork and glyphs
    "W": 0, "n": 0, "w": 1, "J": 1, "S": 0,  # the clip and the trim marks
    "k": 4, "K": 4, "rg": 3, "RG": 3,  # colour
}
NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)\Z")


def operations(content: bytes) -> list[tuple[str, int]]:
    """(operator, operand count) of a content stream made of numbers and operators only (no strings,
    names, arrays: an outlined page has none)."""
    ops, operands = [], 0
    for token in content.split():
        if NUMBER.match(token):
            operands += 1
        else:
            ops.append((token.decode("latin-1"), operands))
            operands = 0
    assert operands == 0, "dangling operands at the end of the content stream"
    return ops


@pytest.mark.parametrize("name", NAMES)
def test_every_operator_is_known_with_its_operand_count(files, name):
    ops = operations(page_content(files[name, True].read_bytes()))
    bad = [(op, n) for op, n in ops if OUTLINE_OPERATORS.get(op) != n]
    assert bad == []
    depth = 0
    for op, _n in ops:
        depth += {"q": 1, "Q": -1}.get(op, 0)
        assert depth >= 0
    assert depth == 0
    assert ("f", 0) in ops and ("c", 6) in ops


@pytest.mark.parametrize("name", [v.name for v in VARIANTS if v.color == "cmyk"])
def test_cmyk_outline_paints_in_cmyk_only(files, name):
    ops = {op for op, _n in operations(page_content(files[name, True].read_bytes()))}
    assert {"k"} <= ops
    assert not ops & {"rg", "RG", "g", "G", "cs", "CS", "sc", "scn", "SC", "SCN"}, ops


def test_glyphs_take_the_colour_of_their_run(campaign):
    """Each run is q <the run's colour operator> glyphs Q: the same operator the live text uses."""
    from poster_gen.pdf import _fill_op

    job = make_job(campaign, UNIT, "3", POSTER)
    scene = compose_job(campaign, job).scene
    runs = [it for it in scene.items if isinstance(it, GlyphRun)]
    for mode in ("rgb", "cmyk"):
        content = page_content(render_pdf_bytes(scene, PdfOptions(color=mode, outline=True))).decode("latin-1")
        live = page_content(render_pdf_bytes(scene, PdfOptions(color=mode))).decode("latin-1")
        for glyph_run in runs:
            op = _fill_op(glyph_run.color, mode)
            assert f"q\n{op}\nq " in content
            assert f"BT\n{op}\n" in live


# ---- by glyph id, cached, deterministic ---------------------------------------------------------


def test_glyphs_are_drawn_by_gid_not_by_character(campaign):
    job = make_job(campaign, UNIT, "3", POSTER)
    scene = compose_job(campaign, job).scene
    opts = PdfOptions(outline=True)
    base = render_pdf_bytes(scene, opts)

    def remap(fn):
        return replace(scene, items=tuple(
            replace(it, glyphs=tuple(fn(g) for g in it.glyphs)) if isinstance(it, GlyphRun) else it
            for it in scene.items
        ))

    # other characters, same glyph ids: the same drawing
    assert render_pdf_bytes(remap(lambda g: replace(g, char="X")), opts) == base
    # same characters, other glyph ids: another drawing
    assert render_pdf_bytes(remap(lambda g: replace(g, gid=g.gid + 1)), opts) != base


def test_outline_cache_is_per_font_content(tmp_path, slogan_font):
    a = font_outlines(str(slogan_font.path))
    copy = tmp_path / slogan_font.path.name
    copy.write_bytes(slogan_font.path.read_bytes())
    assert font_outlines(str(copy)) is a  # same content: one cache
    tt = slogan_font._tt
    gid = tt.getGlyphID(tt.getBestCmap()[ord("Ộ")])
    assert a.path(gid) is a.path(gid)
    other = tmp_path / "other" / slogan_font.path.name  # same name, other font
    other.parent.mkdir()
    regular = slogan_font.path.with_name("BeVietnamPro_400Regular.ttf")
    if not regular.exists():
        pytest.skip("BeVietnamPro_400Regular.ttf is not packaged")
    other.write_bytes(regular.read_bytes())
    assert font_outlines(str(other)) is not a


def _flatten(path: str, steps: int = 16) -> list[tuple[float, float]]:
    """Points along a path of m/l/c/h operators (cubics sampled)."""
    pts: list[tuple[float, float]] = []
    stack: list[float] = []
    cur = (0.0, 0.0)
    for tok in path.split():
        if tok in ("m", "l"):
            cur = (stack[0], stack[1])
            pts.append(cur)
        elif tok == "c":
            (x1, y1, x2, y2, x3, y3) = stack
            x0, y0 = cur
            for i in range(1, steps + 1):
                t = i / steps
                u = 1 - t
                pts.append((u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                            u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3))
            cur = (x3, y3)
        elif tok == "h":
            pass
        else:
            stack.append(float(tok))
            continue
        stack = []
    return pts


@pytest.mark.parametrize("char", ["O", "Ộ", "Ẫ", "ư", "g", "&"])
def test_paths_follow_the_glyph_outline(slogan_font, char):
    """Quadratic TrueType curves become cubic ones on the same curve; composites are decomposed."""
    from fontTools.pens.boundsPen import BoundsPen

    tt = slogan_font._tt
    gid = tt.getGlyphID(tt.getBestCmap()[ord(char)])
    path = font_outlines(str(slogan_font.path)).path(gid)
    assert set(path.split()) & {"m", "c", "h"} == {"m", "c", "h"}
    pts = _flatten(path)
    glyph_set = tt.getGlyphSet()
    pen = BoundsPen(glyph_set)
    glyph_set[tt.getGlyphOrder()[gid]].draw(pen)
    x0, y0, x1, y1 = pen.bounds
    got = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
    assert got == pytest.approx((x0, y0, x1, y1), abs=1.0), (got, pen.bounds)  # 1 unit = 1/1000 em


def test_pen_turns_a_quadratic_into_the_same_cubic():
    pen = PdfPathPen(None)
    pen.moveTo((0, 0))
    pen.qCurveTo((30, 60), (90, 0))
    pen.closePath()
    # control points at 2/3 towards the quadratic's: (20, 40) and (50, 40)
    assert " ".join(pen.ops) == "0 0 m 20 40 50 40 90 0 c h"


def test_blank_glyphs_draw_nothing(slogan_font):
    gid = slogan_font._tt.getGlyphID("space")
    assert font_outlines(str(slogan_font.path)).path(gid) == ""


def test_same_bytes_twice_and_in_a_fresh_process(campaign, files, tmp_path):
    v = next(v for v in VARIANTS if v.name == "pdfx-marks")
    path = files[v.name, True]
    assert render(campaign, v, True, path) == path.read_bytes()
    # a cold outline cache writes the same bytes as a warm one
    code = (
        "import sys; from pathlib import Path; from poster_gen.campaign import load_campaign; "
        "from poster_gen.resources import default_campaign; import test_outline as t; "
        "v = next(v for v in t.VARIANTS if v.name == 'pdfx-marks'); "
        "sys.stdout.buffer.write(t.render(load_campaign(default_campaign()), v, True, Path(sys.argv[1])))"
    )
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=120,
                         cwd=Path(__file__).parent, check=False)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout == path.read_bytes()


# ---- other readers ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_ghostscript_reads_without_error(files, name):
    assert not ghostscript_complaints(files[name, True])


@pytest.mark.parametrize("name", NAMES)
def test_mupdf_cleans_without_warning(files, name, tmp_path):
    assert not mupdf_complaints(files[name, True], tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_qpdf_check_passes(files, name):
    assert not qpdf_complaints(files[name, True])


# ---- the same picture ---------------------------------------------------------------------------

# Rendered at 4 x 50 dpi and box-filtered down to 50 dpi: what is compared is the artwork, not how a
# renderer anti-aliases text (FreeType, hinted) against filled paths. At a plain 50 dpi that alone
# makes ~0.9-2.0/255 of mean difference on a poster; supersampled, PDFium sees ~0.01/255 (the same
# shapes) and poppler ~0.5/255 (it hints the live glyphs).
DPI = 50
SUPERSAMPLE = 4
MAX_MEAN_DIFF = 1 / 255


RASTERISERS = ("poppler", "pdfium")


@pytest.mark.parametrize("rasteriser", RASTERISERS)
@pytest.mark.parametrize("design", DESIGNS)
def test_outlined_and_live_paint_the_same_poster(files, design, rasteriser, tmp_path):
    pytest.importorskip("PIL", reason="Pillow is not installed")
    live = rasterise(rasteriser, files[f"design-{design}", False], tmp_path, DPI, SUPERSAMPLE)
    out = rasterise(rasteriser, files[f"design-{design}", True], tmp_path, DPI, SUPERSAMPLE)
    diff = mean_difference(live, out)
    print(design, rasteriser, f"{diff * 255:.3f}/255 mean difference")
    assert diff <= MAX_MEAN_DIFF, f"{diff * 255:.2f}/255"


def test_the_comparison_sees_other_text(campaign, files, tmp_path):
    """Sensitivity: the outlined poster against the live one of another slogan is far beyond the tolerance."""
    pytest.importorskip("PIL", reason="Pillow is not installed")
    other = tmp_path / "other.pdf"
    other.write_bytes(render(campaign, Variant("other", slogan="4"), False, other))
    a = rasterise("pdfium", files["design-classic", True], tmp_path, DPI, SUPERSAMPLE)
    b = rasterise("pdfium", other, tmp_path, DPI, SUPERSAMPLE)
    assert mean_difference(a, b) > 2.5 * MAX_MEAN_DIFF


# ---- the command line ---------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POSTER_GEN_DEBUG", raising=False)
    monkeypatch.setenv("POSTER_GEN_LANG", "en")
    return CliRunner()


def _only_pdf(folder: Path) -> Path:
    pdfs = sorted(folder.rglob("*.pdf"))
    assert len(pdfs) == 1, pdfs
    return pdfs[0]


def test_render_outline(runner, tmp_path):
    from poster_gen.cli import cli

    res = runner.invoke(cli, ["render", "--unit", UNIT, "--slogan", "2", "--size", POSTER, "--format", "pdf",
                              "--color", "cmyk", "--outline", "--out", str(tmp_path / "o")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = _only_pdf(tmp_path / "o").read_bytes()
    assert "/Font" not in PdfReader(io.BytesIO(data)).pages[0]["/Resources"] and font_objects(data) == []
    assert "outline=yes" in PdfReader(io.BytesIO(data)).metadata["/Keywords"]


def test_batch_outline(runner, tmp_path):
    from poster_gen.cli import cli

    res = runner.invoke(cli, ["batch", "--units", UNIT, "--slogans", "2", "--sizes", POSTER, "--format", "pdf",
                              "--outline", "-j", "1", "--no-check", "--quiet", "--out", str(tmp_path / "b")],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = _only_pdf(tmp_path / "b").read_bytes()
    assert font_objects(data) == [] and "outline=yes" in PdfReader(io.BytesIO(data)).metadata["/Keywords"]


def test_outline_help_is_translated(runner, monkeypatch):
    from poster_gen.cli import cli

    for command in ("render", "batch"):
        en = runner.invoke(cli, [command, "--help"])
        assert "--outline" in en.output and "curves" in en.output
        monkeypatch.setenv("POSTER_GEN_LANG", "vi")
        vi = runner.invoke(cli, [command, "--help"])
        monkeypatch.setenv("POSTER_GEN_LANG", "en")
        assert "--outline" in vi.output and "đường cong" in vi.output, vi.output


def test_check_reads_an_outlined_files_text_from_its_metadata(tmp_path):
    """check: an outlined file passes on its Subject; emptied or made to claim another slogan, it fails."""
    from pypdf import PdfReader, PdfWriter

    from poster_gen.api import make_job, render_job
    from poster_gen.campaign import load_campaign
    from poster_gen.check import check_file
    from poster_gen.pdf import PdfOptions
    from poster_gen.resources import default_campaign

    campaign = load_campaign(default_campaign())
    job = make_job(campaign, "tt-dong-mo", "4", "ap-phich-a3")
    pdf = render_job(campaign, job, tmp_path, ("pdf",), PdfOptions(outline=True)).files["pdf"]
    r = check_file(pdf, campaign)
    assert r.ok and r.facts.get("outline") is True, r.problems
    for name, subject in (("empty", ""), ("other", campaign.slogan("1").text)):
        w = PdfWriter(clone_from=PdfReader(pdf))
        meta = dict(PdfReader(pdf).metadata)
        meta["/Subject"] = subject
        w.add_metadata(meta)
        bad = tmp_path / f"{name}.pdf"
        with open(bad, "wb") as fh:
            w.write(fh)
        assert not check_file(bad, campaign).ok, name


def test_live_text_draws_the_glyph_shaping_chose_not_the_characters(tmp_path):
    """A run whose shaped glyph is not the character's own (a GSUB substitution) is drawn by its
    glyph id, as curves; runs of nominal glyphs stay live text."""
    from dataclasses import replace as dc_replace

    from poster_gen.api import compose_job, make_job
    from poster_gen.campaign import load_campaign
    from poster_gen.pdf import PdfOptions, render_pdf_bytes
    from poster_gen.resources import default_campaign
    from poster_gen.scene import GlyphRun

    campaign = load_campaign(default_campaign())
    art = compose_job(campaign, make_job(campaign, "tt-dong-mo", "4", "ap-phich-a3"))
    runs = [i for i in art.scene.items if isinstance(i, GlyphRun)]
    first = runs[0]
    swapped_gid = first.glyphs[1].gid  # the first glyph drawn with the second one's shape
    changed = dc_replace(first, glyphs=(dc_replace(first.glyphs[0], gid=swapped_gid), *first.glyphs[1:]))
    items = [changed if i is first else i for i in art.scene.items]
    live = render_pdf_bytes(art.scene, PdfOptions())
    mixed = render_pdf_bytes(dc_replace(art.scene, items=tuple(items)), PdfOptions())
    assert live != mixed
    from pypdf import PdfReader
    import io

    def text_of(data):
        return PdfReader(io.BytesIO(data)).pages[0].extract_text()

    assert first.text in text_of(live)
    assert first.text not in text_of(mixed)  # that line is now curves
    assert runs[1].text in text_of(mixed)  # the others are still live text
