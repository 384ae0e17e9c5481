"""PDF output: extractable approved text, page boxes in mm, embedded subset fonts,
no standard-14 fonts, byte-for-byte repeatable files."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from pg_testutil import APPROVED_SLOGANS, REPO_DIR, squash, vn_upper
from poster_gen.api import make_job, render_job
from poster_gen.sizes import MM_PER_INCH, default_size

KINDS = ("pano", "ap-phich", "bieu-ngu")
STANDARD_14 = (
    "Helvetica", "Times-Roman", "Times-Bold", "Times-Italic", "Courier", "Symbol", "ZapfDingbats",
)
UNITS = ("xa-bang-mac", "tt-dong-mo", "xa-van-linh", "phong-tai-chinh-ke-hoach", "xa-hoa-binh", "mttq-huyen")
COMBOS = [(kind, str(i + 1)) for kind in KINDS for i in range(6)]


def _unit_for(kind: str, slogan_id: str) -> str:
    # spread headings over the renders: long agency names and heavy marks too
    return UNITS[(KINDS.index(kind) + int(slogan_id)) % len(UNITS)]


@pytest.fixture(scope="module")
def pdfs(campaign, tmp_path_factory):
    """Every approved slogan at each kind's default size, rendered once."""
    out = tmp_path_factory.mktemp("pdf")
    files = {}
    for kind, sid in COMBOS:
        job = make_job(campaign, _unit_for(kind, sid), sid, default_size(kind).id)
        res = render_job(campaign, job, out, formats=("pdf",))
        assert set(res.files) == {"pdf"}
        files[kind, sid] = res.files["pdf"]
    return files


def pt_to_mm(v: float) -> float:
    return float(v) / 72.0 * MM_PER_INCH


def box_mm(box) -> tuple[float, float, float, float]:
    return tuple(pt_to_mm(v) for v in (box.left, box.bottom, box.right, box.top))


def all_objects(reader: PdfReader):
    """Every dictionary reachable from the trailer (pages, fonts, descriptors ...)."""
    seen: set[int] = set()
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def font_dicts(reader: PdfReader) -> list[DictionaryObject]:
    return [d for d in all_objects(reader) if d.get("/Type") == "/Font"]


@pytest.mark.parametrize("kind, sid", COMBOS)
def test_slogan_text_extracts_exactly(pdfs, campaign, kind, sid):
    reader = PdfReader(pdfs[kind, sid])
    assert len(reader.pages) == 1
    text = squash(reader.pages[0].extract_text())
    slogan = APPROVED_SLOGANS[int(sid) - 1]
    assert vn_upper(slogan) in text
    heading = campaign.unit(_unit_for(kind, sid)).display_heading
    assert vn_upper(heading) in text


@pytest.mark.parametrize("kind, sid", COMBOS)
def test_subject_is_the_approved_slogan(pdfs, kind, sid):
    meta = PdfReader(pdfs[kind, sid]).metadata
    assert meta.subject == APPROVED_SLOGANS[int(sid) - 1]
    assert meta.subject.encode("utf-8") == APPROVED_SLOGANS[int(sid) - 1].encode("utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_page_boxes_in_mm(pdfs, kind):
    size = default_size(kind)
    b = size.bleed_mm
    for sid in "123456":
        page = PdfReader(pdfs[kind, sid]).pages[0]
        tx0, ty0, tx1, ty1 = box_mm(page.trimbox)
        assert tx1 - tx0 == pytest.approx(size.width_mm, abs=0.1)
        assert ty1 - ty0 == pytest.approx(size.height_mm, abs=0.1)
        bx0, by0, bx1, by1 = box_mm(page.bleedbox)
        assert bx1 - bx0 == pytest.approx(size.width_mm + 2 * b, abs=0.1)
        assert by1 - by0 == pytest.approx(size.height_mm + 2 * b, abs=0.1)
        # the trim box sits centred in the bleed box, bleed on every side
        assert tx0 - bx0 == pytest.approx(b, abs=0.1)
        assert ty0 - by0 == pytest.approx(b, abs=0.1)
        assert bx1 - tx1 == pytest.approx(b, abs=0.1)
        assert by1 - ty1 == pytest.approx(b, abs=0.1)
        mx0, my0, mx1, my1 = box_mm(page.mediabox)
        assert mx1 - mx0 == pytest.approx(size.width_mm + 2 * b, abs=0.1)
        assert my1 - my0 == pytest.approx(size.height_mm + 2 * b, abs=0.1)


def test_poster_default_has_real_bleed():
    assert default_size("ap-phich").bleed_mm >= 3  # so the bleed checks above are not vacuous


@pytest.mark.parametrize("kind", KINDS)
def test_fonts_embedded_and_subset(pdfs, kind):
    for sid in "123456":
        reader = PdfReader(pdfs[kind, sid])
        fonts = font_dicts(reader)
        assert fonts, "no fonts found"
        for f in fonts:
            name = str(f["/BaseFont"])
            assert re.fullmatch(r"/[A-Z]{6}\+[A-Za-z0-9-]+", name), f"not a subset name: {name}"
            desc = f.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in f:
                desc = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            assert desc is not None, f"{name}: no font descriptor (not embedded)"
            desc = desc.get_object()
            assert "/FontFile2" in desc, f"{name}: no embedded TrueType program"
            assert len(desc["/FontFile2"].get_object().get_data()) > 1000
            assert str(desc["/FontName"]) == name
        families = {str(f["/BaseFont"]).split("+", 1)[1] for f in fonts}
        assert all(fam.startswith("BeVietnamPro-") for fam in families), families


@pytest.mark.parametrize("kind", KINDS)
def test_no_standard_14_fonts(pdfs, kind):
    for sid in "123456":
        path = pdfs[kind, sid]
        reader = PdfReader(path)
        for f in font_dicts(reader):
            base = str(f["/BaseFont"]).split("+")[-1]
            assert not base.startswith(STANDARD_14), base
            assert f.get("/Subtype") != "/Type1", base
        raw = path.read_bytes()
        for name in STANDARD_14:
            assert b"/" + name.encode() not in raw, f"{name} in {path.name}"


def test_two_renders_are_byte_identical(campaign, tmp_path, pdfs):
    # rendered again in the same process, after other jobs: nothing carries over
    for kind in KINDS:
        for sid in ("1", "4"):
            job = make_job(campaign, _unit_for(kind, sid), sid, default_size(kind).id)
            again = render_job(campaign, job, tmp_path / "again", formats=("pdf",)).files["pdf"]
            assert again.read_bytes() == pdfs[kind, sid].read_bytes(), (kind, sid)


def test_renders_in_another_process_are_byte_identical(pdfs, tmp_path):
    """No time stamps, random ids or hash-order dependence: a fresh interpreter with
    another hash seed writes the very same bytes."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from poster_gen.api import make_job, render_job
        from poster_gen.campaign import load_campaign
        from poster_gen.resources import default_campaign
        from poster_gen.sizes import default_size

        c = load_campaign(default_campaign())
        out = Path(sys.argv[1])
        for arg in sys.argv[2:]:
            unit, sid, kind = arg.split(":")
            res = render_job(c, make_job(c, unit, sid, default_size(kind).id), out, formats=("pdf",))
            print(res.files["pdf"])
        """
    )
    combos = [("ap-phich", "2"), ("bieu-ngu", "5"), ("pano", "3")]
    args = [f"{_unit_for(k, s)}:{s}:{k}" for k, s in combos]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Asia/Ho_Chi_Minh"}
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), *args],
        capture_output=True, text=True, env=env, cwd=REPO_DIR, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    written = [Path(p) for p in proc.stdout.split()]
    assert len(written) == len(combos)
    for (kind, sid), path in zip(combos, written):
        a, b = path.read_bytes(), pdfs[kind, sid].read_bytes()
        assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest(), (kind, sid)


def test_draft_text_extracts_too(campaign, tmp_path):
    text = "Chuyển đổi số vì nhân dân - Ẫm Ổn Ộp Ậm Ỹ"
    job = make_job(campaign, "xa-y-tich", None, "600x400", text=text)
    pdf = render_job(campaign, job, tmp_path, formats=("pdf",)).files["pdf"]
    reader = PdfReader(pdf)
    assert vn_upper(text) in squash(reader.pages[0].extract_text())
    assert reader.metadata.subject == text


def test_cmyk_pdf_paints_in_cmyk_only(campaign, tmp_path):
    from poster_gen.pdf import PdfOptions

    job = make_job(campaign, "xa-bang-mac", "4", default_size("ap-phich").id)
    res = render_job(campaign, job, tmp_path, formats=("pdf",), pdf_options=PdfOptions(color="cmyk"))
    content = PdfReader(res.files["pdf"]).pages[0].get_contents().get_data().decode("latin-1")
    ops = re.findall(r"(?m)(?:^|\s)(rg|RG|k|K)(?=\s|$)", content)
    assert "k" in ops
    assert "rg" not in ops and "RG" not in ops
