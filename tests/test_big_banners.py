"""Pages over 200 inches (issue 13): the 6 m and 7 m banners and any free size up to 50 m.

PDF 1.3 (so PDF/X-1a) and Acrobat-based tools stop at 14,400 units a side. A page
whose MediaBox, marks included, would be larger is written at 1:10: one ``cm`` at
the start of the content, boxes divided by 10, ``scale=0.1`` in /Keywords and
"scale 1:10 (print at 1000%)" at the end of the slug line. ``check`` computes the
physical size as box size / scale. Pages that fit are written exactly as before.

The renderers are skipped, each with its reason, when missing (Debian packages:
ghostscript, mupdf-tools, poppler-utils; pypdfium2 from PyPI).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from poster_gen import pdf as pdf_mod
from poster_gen.api import compose_job, job_pdf_options, make_job, render_job
from poster_gen.check import check_file
from poster_gen.i18n import set_language
from poster_gen.marks import MARK_MARGIN_MM, page_geometry
from poster_gen.pdf import (
    MAX_PAGE_UNITS,
    PdfOptions,
    page_scale,
    render_pdf_bytes,
    slug_with_scale,
)
from poster_gen.sizes import MAX_SIDE_MM, PRESETS, PT_PER_MM, resolve_size
from pdf_readers import tool

UNIT = "xa-bang-mac"
SLOGAN = "2"
BIG = ("bieu-ngu-600x100", "bieu-ngu-700x100", "20000x1000")
SCALE_NOTE = "scale 1:10 (print at 1000%)"


@dataclass(frozen=True)
class Variant:
    size: str
    marks: bool
    pdfx: bool

    @property
    def name(self) -> str:
        return f"{self.size}-{'marks' if self.marks else 'plain'}-{'pdfx' if self.pdfx else 'rgb'}"

    @property
    def options(self) -> PdfOptions:
        return PdfOptions(color="cmyk" if self.pdfx else "rgb", marks=self.marks, pdfx="x1a" if self.pdfx else "")


VARIANTS = tuple(Variant(s, m, x) for s in BIG for m in (False, True) for x in (False, True))
IDS = [v.name for v in VARIANTS]


def _render(campaign, size: str, opts: PdfOptions, path: Path, dpi: int | None = None) -> Path:
    job = make_job(campaign, UNIT, SLOGAN, size, dpi=dpi)
    path.write_bytes(render_pdf_bytes(compose_job(campaign, job).scene, job_pdf_options(job, path, opts)))
    return path


@pytest.fixture(scope="module")
def files(campaign, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("big")
    return {v.name: _render(campaign, v.size, v.options, out / f"{v.name}.pdf") for v in VARIANTS}


def _units(page, name: str) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in page[name])  # type: ignore[return-value]


def _true_mm(size: str) -> tuple[float, float]:
    s = resolve_size(size)
    return s.width_mm, s.height_mm


def _content(page) -> bytes:
    return page.get_contents().get_data()


# ---- the writer --------------------------------------------------------------------------------


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_big_pages_fit_in_14400_units_at_1_to_10(files, v):
    reader = PdfReader(files[v.name])
    page = reader.pages[0]
    media = _units(page, "/MediaBox")
    assert media[2] - media[0] <= MAX_PAGE_UNITS and media[3] - media[1] <= MAX_PAGE_UNITS
    assert reader.pdf_header == "%PDF-1.3"  # PDF/X-1a's version, and no UserUnit
    assert "/UserUnit" not in page
    w_mm, h_mm = _true_mm(v.size)
    margin = 2 * MARK_MARGIN_MM if v.marks else 0.0
    # every box at 1:10: the media, the trim, the bleed (no bleed on banners)
    assert (media[2] - media[0]) * 10 / PT_PER_MM == pytest.approx(w_mm + margin, abs=0.05)
    assert (media[3] - media[1]) * 10 / PT_PER_MM == pytest.approx(h_mm + margin, abs=0.05)
    for box in ("/TrimBox", "/BleedBox"):
        r = _units(page, box)
        assert (r[2] - r[0]) * 10 / PT_PER_MM == pytest.approx(w_mm, abs=0.05)
        assert (r[3] - r[1]) * 10 / PT_PER_MM == pytest.approx(h_mm, abs=0.05)
    keywords = str(reader.metadata["/Keywords"])
    assert "scale=0.1" in keywords.split(", ")
    assert f"trim_mm={w_mm:g}x{h_mm:g}" in keywords  # the claim stays the true size
    # one matrix at the start of the content, undone at its end
    content = _content(page).strip()
    assert re.search(rb"(^|\n)q 0\.1 0 0 0\.1 0 0 cm\n", content)
    assert content.endswith(b"Q")


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.marks], ids=[v.name for v in VARIANTS if v.marks])
def test_the_slug_line_states_the_scale(files, v):
    text = PdfReader(files[v.name]).pages[0].extract_text()
    assert SCALE_NOTE in " ".join(text.split())


def test_the_scale_note_is_translated():
    assert slug_with_scale("a | b", 0.1) == f"a | b  |  {SCALE_NOTE}"
    assert slug_with_scale("", 0.1) == SCALE_NOTE
    assert slug_with_scale("a | b", 1.0) == "a | b"
    set_language("vi")
    assert slug_with_scale("", 0.1) == "tỉ lệ 1:10 (in phóng to 1000%)"


def test_every_preset_and_any_size_up_to_the_limit_fits():
    sizes = [s for s in PRESETS.values()]
    sides = (50.0, 1000.0, 5000.0, 5050.0, 5080.0, 6000.0, 20000.0, MAX_SIDE_MM)
    for w in sides:
        for h in sides:
            # the geometry only: free sizes whose raster would be too large are still pages
            sizes.append(type(sizes[0])(id=f"{w:g}x{h:g}", kind="pano", width_mm=w, height_mm=h, dpi=10,
                                        bleed_mm=3.0, safe_mm=5.0, viewing_m=1.0))
    for s in sizes:
        for marks in (False, True):
            geo = page_geometry(s.width_pt + 2 * s.bleed_mm * PT_PER_MM, s.height_pt + 2 * s.bleed_mm * PT_PER_MM,
                                s.bleed_mm * PT_PER_MM, marks=marks)
            scale = page_scale(geo)
            assert max(geo.media_w_pt, geo.media_h_pt) * scale <= MAX_PAGE_UNITS, (s.id, marks)
            # 1:1 whenever the true size fits: only pages over 200 inches are scaled
            assert (scale == 1) == (max(geo.media_w_pt, geo.media_h_pt) <= MAX_PAGE_UNITS), (s.id, marks)
            assert min(geo.media_w_pt, geo.media_h_pt) * scale >= 3  # PDF 1.3's smallest page


def test_a_50_m_banner_is_written_and_passes_check(campaign, tmp_path):
    # 3 m high, so that a slogan read from 100 m fits; --dpi 20 keeps the size within the raster limit
    opts = PdfOptions(color="cmyk", marks=True, pdfx="x1a")
    path = _render(campaign, "50000x3000", opts, tmp_path / "b.pdf", dpi=20)
    media = _units(PdfReader(path).pages[0], "/MediaBox")
    assert max(media[2], media[3]) <= MAX_PAGE_UNITS
    r = check_file(path, campaign)
    assert r.ok, r.problems
    assert r.facts["trim_mm"] == [pytest.approx(50000, abs=0.05), pytest.approx(3000, abs=0.05)]


# ---- check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", VARIANTS, ids=IDS)
def test_check_passes_big_pages_and_reports_their_true_size(files, campaign, v):
    r = check_file(files[v.name], campaign)
    assert r.ok and not r.warnings, [p.message for p in r.problems]
    w_mm, h_mm = _true_mm(v.size)
    assert r.facts["trim_mm"] == [pytest.approx(w_mm, abs=0.05), pytest.approx(h_mm, abs=0.05)]
    margin = 2 * MARK_MARGIN_MM if v.marks else 0.0
    assert r.facts["media_mm"] == [pytest.approx(w_mm + margin, abs=0.05), pytest.approx(h_mm + margin, abs=0.05)]
    assert r.facts["scale"] == 0.1
    assert r.facts["bleed_mm"] == 0


def _with_keywords(data: bytes, old: bytes, new: bytes) -> bytes:
    """The same file with one /Keywords entry replaced by another of the same length (offsets stay right)."""
    assert len(old) == len(new) and data.count(old) == 1
    return data.replace(old, new)


@pytest.mark.parametrize(
    "old, new",
    [
        (b"scale=0.1", b"sca1e=0.1"),  # no scale claim: the boxes say 700 x 100 mm
        (b"scale=0.1", b"scale=1.0"),  # claims 1:1
        (b"scale=0.1", b"scale=.01"),  # claims 1:100
    ],
    ids=["no-claim", "claims-1-to-1", "claims-1-to-100"],
)
def test_a_file_whose_scale_claim_is_wrong_fails(files, campaign, tmp_path, old, new):
    path = tmp_path / "wrong.pdf"
    path.write_bytes(_with_keywords(files["bieu-ngu-700x100-marks-pdfx"].read_bytes(), old, new))
    r = check_file(path, campaign)
    assert not r.ok
    messages = [p.message for p in r.errors]
    assert any("TrimBox is" in m and "7000 x 1000 mm" in m for m in messages), messages
    assert any("scale it states" in m for m in messages), messages


def test_an_unreadable_scale_claim_fails(files, campaign, tmp_path):
    path = tmp_path / "bad.pdf"
    path.write_bytes(_with_keywords(files["bieu-ngu-600x100-plain-rgb"].read_bytes(), b"scale=0.1", b"scale=abc"))
    r = check_file(path, campaign)
    assert any(p.code == "metadata" and "scale='abc'" in p.message for p in r.errors), r.problems


def test_a_page_over_14400_units_fails_check(campaign, tmp_path, monkeypatch):
    """What poster-gen wrote before issue 13: the 7 m banner at its true size in points."""
    monkeypatch.setattr(pdf_mod, "page_scale", lambda geo: 1.0)
    path = _render(campaign, "bieu-ngu-700x100", PdfOptions(color="cmyk", marks=True, pdfx="x1a"), tmp_path / "t.pdf")
    media = _units(PdfReader(path).pages[0], "/MediaBox")
    assert media[2] > MAX_PAGE_UNITS
    r = check_file(path, campaign)
    assert not r.ok
    assert any(p.code == "boxes" and "14,400 units" in p.message for p in r.errors), r.problems


# ---- small pages are unchanged -------------------------------------------------------------------


@pytest.mark.parametrize("size", ["ap-phich-a3", "bieu-ngu-500x80", "pano-400x200"])
@pytest.mark.parametrize("marks", [False, True], ids=["plain", "marks"])
def test_pages_that_fit_are_written_at_their_true_size(campaign, tmp_path, size, marks):
    opts = PdfOptions(color="cmyk", marks=marks, pdfx="x1a")
    path = _render(campaign, size, opts, tmp_path / "small.pdf")
    reader = PdfReader(path)
    page = reader.pages[0]
    s = resolve_size(size)
    trim = _units(page, "/TrimBox")
    assert (trim[2] - trim[0]) / PT_PER_MM == pytest.approx(s.width_mm, abs=0.01)
    assert (trim[3] - trim[1]) / PT_PER_MM == pytest.approx(s.height_mm, abs=0.01)
    assert not any(k.startswith("scale=") for k in str(reader.metadata["/Keywords"]).split(", "))
    assert b"0.1 0 0 0.1 0 0 cm" not in _content(page)
    assert "scale 1:" not in page.extract_text()
    r = check_file(path, campaign)
    assert r.ok and "scale" not in r.facts, r.problems


def test_the_png_is_unaffected(campaign, tmp_path):
    """The raster is drawn from the scene at the true size, whatever the PDF's scale."""
    job = make_job(campaign, UNIT, SLOGAN, "bieu-ngu-700x100", dpi=10)
    result = render_job(campaign, job, tmp_path, formats=("png",))
    png = result.files["png"].read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (round(7000 / 25.4 * 10), round(1000 / 25.4 * 10))
    assert check_file(result.files["png"], campaign).ok


# ---- four renderers open the 7 m banner at its documented scale ----------------------------------

DPI = 72  # at 1:10, 72 dpi on the file is 7.2 dpi of the printed banner


def _expected_px(path: Path) -> tuple[float, float]:
    media = _units(PdfReader(path).pages[0], "/MediaBox")
    return ((media[2] - media[0]) / 72 * DPI, (media[3] - media[1]) / 72 * DPI)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _render_with(renderer: str, pdf: Path, out: Path) -> tuple[int, int]:
    if renderer == "pdfium":
        pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed (pip install pypdfium2)")
        doc = pdfium.PdfDocument(str(pdf))
        try:
            bitmap = doc[0].render(scale=DPI / 72)
            return bitmap.width, bitmap.height
        finally:
            doc.close()
    if renderer == "gs":
        args = [tool("gs"), "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=png16m", f"-r{DPI}",
                f"-sOutputFile={out}", str(pdf)]
    elif renderer == "mutool":
        args = [tool("mutool"), "draw", "-q", "-r", str(DPI), "-o", str(out), str(pdf)]
    else:
        args = [tool("pdftoppm"), "-r", str(DPI), "-png", "-singlefile", str(pdf), str(out.with_suffix(""))]
    proc = subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return _png_size(out.read_bytes())


@pytest.mark.parametrize("renderer", ["gs", "mutool", "pdftoppm", "pdfium"])
@pytest.mark.parametrize("name", ["bieu-ngu-700x100-marks-pdfx", "bieu-ngu-700x100-plain-rgb"])
def test_the_7_m_banner_renders_at_its_documented_scale(files, tmp_path, renderer, name):
    pdf = files[name]
    size = _render_with(renderer, pdf, tmp_path / "page.png")
    want_w, want_h = _expected_px(pdf)
    # 1:10 of 7,000 mm (plus marks) at 72 dpi: about 1,992 x 291 px, or 1,992 x 283 without marks
    margin = 2 * MARK_MARGIN_MM if "marks" in name else 0.0
    assert want_w == pytest.approx((7000 + margin) / 25.4 * 72 / 10, abs=0.01)
    assert want_h == pytest.approx((1000 + margin) / 25.4 * 72 / 10, abs=0.01)
    # renderers round the page's edge down or up
    assert abs(size[0] - want_w) <= 1 and abs(size[1] - want_h) <= 1, (renderer, size, (want_w, want_h))
