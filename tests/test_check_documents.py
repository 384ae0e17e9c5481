"""Preflight of documents: the order form (``poster-gen order``) is checked as a document, not as an artwork.

A PDF whose /Keywords say ``document=order`` has pages of the size ``page_mm=`` claims, fonts embedded and
subset (used on any page), content streams whose operators are PDF's, the colours it claims, and no slogan.
A fresh form passes at both levels; planted defects fail with one line naming the page; a document claim
does not let an artwork skip its checks.

Defects are planted in the bytes: a change of the same length in place, or objects replaced and the
cross-reference table written again (``rebuild``), so the file stays one the quick level's direct reader reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from poster_gen.check import (
    DOCUMENT_KINDS,
    check_file,
    format_report,
    limits,
    read_direct,
    read_pypdf,
)
from poster_gen.check.limits import Budget

LEVELS = pytest.mark.parametrize("level", ["quick", "full"])
PLAN = "unit,slogan,size,copies\ntt-dong-mo,1,pano-300x200,2\nxa-van-an,3,ap-phich-a3,25\n"


def cli(*args: str):
    from poster_gen.cli import cli as main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A small batch (PDF only) and its order form, made by the command line as a user makes them."""
    root = tmp_path_factory.mktemp("documents")
    plan = root / "plan.csv"
    plan.write_text(PLAN, encoding="utf-8")
    out = root / "out"
    res = cli("--lang", "en", "batch", "--plan", str(plan), "--out", str(out), "--format", "pdf", "--no-check",
              "--quiet", "-j", "1")
    assert res.exit_code == 0, res.output
    res = cli("--lang", "en", "order", str(out), "--date", "2025-08-20", "--place", "Chi Lăng")
    assert res.exit_code == 0, res.output
    assert (out / "order.pdf").is_file()
    return out


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> Path:
    """An order form of 90 artworks: three A4 pages."""
    from poster_gen.order import build_order
    from poster_gen.order_pdf import render_pdf_bytes
    from poster_gen.records import ManifestEntry

    entries = [
        ManifestEntry(unit=f"xa-{i:03d}", slogan="1", size="pano-300x200", design="classic",
                      files={"pdf": f"xa-{i:03d}/pano-300x200_1.pdf"}, kind="pano", width_mm=3000, height_mm=2000,
                      bleed_mm=0, copies=i % 4 + 1)
        for i in range(90)
    ]
    path = tmp_path_factory.mktemp("form") / "order.pdf"
    path.write_bytes(render_pdf_bytes(build_order(entries, None, None), dt.date(2025, 8, 20), "Chi Lăng"))
    assert len(PdfReader(path).pages) == 3
    return path


def write(tmp_path: Path, data: bytes, name: str = "order.pdf") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def messages(result) -> list[str]:
    return [p.message for p in result.errors]


def same_length(data: bytes, old: bytes, new: bytes, count: int = -1) -> bytes:
    """``old`` replaced by ``new`` in place: the offsets of the cross-reference table still hold."""
    assert len(old) == len(new) and old in data
    return data.replace(old, new, count)


def rebuild(data: bytes, objects: dict[int, bytes]) -> bytes:
    """The plain PDF ``data`` with ``objects`` (number -> what goes between ``obj`` and ``endobj``) in place of
    its own, and its cross-reference table written again."""
    start = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data).group(1))
    table = data[start:]
    offsets = {}
    for sub in re.finditer(rb"(\d+) (\d+)\r?\n((?:\d{10} \d{5} [nf][ \r\n]{1,2})+)", table[: table.index(b"trailer")]):
        first = int(sub.group(1))
        for i, entry in enumerate(re.findall(rb"(\d{10}) \d{5} ([nf])", sub.group(3))):
            if entry[1] == b"n":
                offsets[first + i] = int(entry[0])
    bounds = sorted(offsets.values()) + [start]
    chunks = {num: data[at : bounds[bounds.index(at) + 1]] for num, at in offsets.items()}
    out = bytearray(data[: min(offsets.values())])
    where = {}
    for num in sorted(chunks):
        where[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num]) if num in objects else chunks[num]
    size = max(where) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % where[n] if n in where else b"0000000000 65535 f \n"
                    for n in range(1, size))
    trailer = table[table.index(b"trailer") : table.index(b"startxref")]
    out += trailer + b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(content), extra, content)


def build(objects: dict[int, bytes]) -> bytes:
    """A PDF from its objects: the catalog is 1, the information dictionary 99 (if any)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    where = {}
    for num in sorted(objects):
        where[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % where[n] if n in where else b"0000000000 65535 f \n"
                    for n in range(1, size))
    info = b" /Info 99 0 R" if 99 in objects else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, info, xref)
    return bytes(out)


A4 = b"/MediaBox [0 0 595.2756 841.8898]"


def font(name: bytes, descriptor: int) -> bytes:
    return (b"<< /Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 65 /LastChar 66 /Widths [500 500] "
            b"/FontDescriptor %d 0 R >>" % (name, descriptor))


def two_fonts_on_two_pages(unused: bool = False, color: bytes = b"rgb", fill: bytes = b"0 0 0 rg") -> bytes:
    """A document of two A4 pages that claims ``color``: page 1 fills with ``fill`` and draws with font 10 only,
    page 2 fills in RGB and draws with font 11 only; font 12 on no page when ``unused``. The fonts are embedded
    (their file is a stand-in) and subset."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 2 0 R " + A4 + b" /Resources << /Font << /F1 10 0 R >> >> /Contents 5 0 R >>",
        4: b"<< /Type /Page /Parent 2 0 R " + A4 + b" /Resources << /Font << /F2 11 0 R >> >> /Contents 6 0 R >>",
        5: stream(fill + b" BT /F1 12 Tf 72 720 Td (AB) Tj ET"),
        6: stream(b"0 0 0 rg BT /F2 12 Tf 72 720 Td (BA) Tj ET"),
        10: font(b"AAAAAA+One", 20),
        11: font(b"BBBBBB+Two", 20),
        20: b"<< /Type /FontDescriptor /FontName /AAAAAA+One /Flags 32 /FontBBox [0 0 500 700] /ItalicAngle 0 "
            b"/Ascent 700 /Descent 0 /CapHeight 700 /StemV 80 /FontFile2 21 0 R >>",
        21: stream(b"not a font, a stand-in"),
    }
    if unused:
        objects[12] = font(b"CCCCCC+Three", 20)
    objects[99] = b"<< /Keywords (document=order, page_mm=210x297, color=%s) >>" % color
    return build(objects)


# ---- a fresh form passes ---------------------------------------------------------------------


def test_document_kinds_are_exported():
    assert DOCUMENT_KINDS == ("order",)


@LEVELS
def test_the_order_form_of_a_batch_passes(batch, level):
    r = check_file(batch / "order.pdf", level=level)
    assert r.status == "pass" and r.problems == (), format_report([r])
    assert r.facts["document"] == "order" and r.facts["pages"] == len(PdfReader(batch / "order.pdf").pages)
    assert r.facts["page_mm"] == [210.0, 297.0] and r.facts["media_mm"] == [210.0, 297.0]
    assert r.facts["color"] == "rgb" and r.facts["color_spaces"] == ["DeviceRGB"]
    assert r.facts["fonts"] and all(re.match(r"^[A-Z]{6}\+BeVietnamPro-", f) for f in r.facts["fonts"])
    assert not {"slogan", "size", "lines", "trim_mm"} & set(r.facts)


@LEVELS
def test_a_form_of_three_pages_passes(form, level):
    r = check_file(form, level=level)
    assert r.status == "pass" and r.problems == (), format_report([r])
    assert r.facts["pages"] == 3
    assert format_report([r], summary=False) == f"ok    {form} (pdf, order form, 3 pages, 210 x 297 mm, RGB)"


def test_the_quick_level_reads_the_form_with_its_direct_reader(form):
    """The form is a plain PDF: the quick level does not hand it to pypdf."""
    doc = read_direct.load(form.read_bytes(), Budget())
    assert doc.parser == "direct" and len(doc.pages) == 3


def test_check_on_the_batch_folder_passes(batch):
    res = cli("--lang", "en", "check", str(batch))
    assert res.exit_code == 0, res.output
    line = re.compile(r"^ok    .*order\.pdf \(pdf, order form, 1 page, 210 x 297 mm, RGB\)$", re.MULTILINE)
    assert line.search(res.output), res.output
    assert "checked 3 files: 3 passed, 0 draft, 0 failed" in res.output
    res = cli("--lang", "en", "check", str(batch), "--json")
    assert res.exit_code == 0, res.output
    (order,) = [f for f in json.loads(res.output)["files"] if f["file"].endswith("order.pdf")]
    assert order["status"] == "pass" and order["facts"]["document"] == "order" and order["facts"]["pages"] == 1


@LEVELS
def test_a_colour_mode_asked_for_the_artworks_is_not_the_forms(batch, level):
    """--color cmyk checks the artworks for the print shop; the form, printed in the office, keeps its own claim."""
    r = check_file(batch / "order.pdf", color="cmyk", level=level)
    assert r.status == "pass", format_report([r])


# ---- the order of the pages --------------------------------------------------------------------


def test_pages_come_in_the_order_of_the_page_tree_whichever_parser_reads_them():
    """Both readers give a page tree's pages in its /Kids order, depth first (the direct reader gave them
    backwards)."""
    page = b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d 100] /Contents 9 0 R >>"
    data = build({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 4 >>",
        3: b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 >>",
        4: page % (3, 100), 5: page % (3, 200), 6: b"<< /Type /Pages /Parent 2 0 R /Kids [7 0 R 8 0 R] /Count 2 >>",
        7: page % (6, 300), 8: page % (6, 400), 9: stream(b"0 0 m"),
    })
    direct = read_direct.load(data, Budget())
    with contextlib.ExitStack() as stack:
        pypdf = read_pypdf.load(data, Budget(), stack)
        by_pypdf = [float(p["/MediaBox"][2]) for p in pypdf.pages]
    assert direct.parser == "direct"
    assert [float(p["/MediaBox"][2]) for p in direct.pages] == by_pypdf == [100, 200, 300, 400]


@LEVELS
def test_a_wrong_page_is_named_by_its_place(form, tmp_path, level):
    """Page 3 of three made US Letter: the message names page 3, at both levels (the direct reader named it
    page 1, reading the pages backwards)."""
    data = form.read_bytes()
    reader = PdfReader(form)
    num = reader.pages[2].indirect_reference.idnum
    m = re.search(rb"\n%d 0 obj\n" % num, data)
    end = data.index(b"endobj", m.end())
    page = data[m.end() : end]
    assert page.count(b"595.2756 841.8898") == 1
    data = data[: m.end()] + page.replace(b"595.2756 841.8898", b"612.0000 792.0000") + data[end:]
    r = check_file(write(tmp_path, data), level=level)
    assert messages(r) == [("page 3 is 215.9 x 279.4 mm but the file says its pages are 210 x 297 mm "
                           "(page_mm=210x297); render it again")]


# ---- planted defects fail ---------------------------------------------------------------------


@LEVELS
def test_pages_of_another_size_than_claimed_fail(form, tmp_path, level):
    data = same_length(form.read_bytes(), b"page_mm=210x297", b"page_mm=297x210")
    r = check_file(write(tmp_path, data), level=level)
    assert r.status == "fail" and [p.code for p in r.errors] == ["boxes"]
    assert messages(r) == [("pages 1, 2, 3 are 210 x 297 mm but the file says its pages are 297 x 210 mm "
                           "(page_mm=297x210); render it again")]


@pytest.mark.parametrize("keywords, expected", [
    (b"xxxxxxxxxxxxxxx", "no page size claim (page_mm=WIDTHxHEIGHT) in /Keywords: the pages cannot be checked"),
    (b"page_mm=A4x297y", "cannot read page_mm='A4x297y' in /Keywords (width x height in mm, such as 210x297)"),
    (b"page_mm=0x297  ", "cannot read page_mm='0x297' in /Keywords (width x height in mm, such as 210x297)"),
])
@LEVELS
def test_a_missing_or_unreadable_page_size_is_a_size_error(form, tmp_path, level, keywords, expected):
    r = check_file(write(tmp_path, same_length(form.read_bytes(), b"page_mm=210x297", keywords)), level=level)
    assert [(p.code, p.message) for p in r.errors] == [("size", expected)]


@LEVELS
def test_an_unembedded_font_fails(form, tmp_path, level):
    data = same_length(form.read_bytes(), b"/FontFile2", b"/FontFileX")
    r = check_file(write(tmp_path, data), level=level)
    assert r.status == "fail" and {p.code for p in r.errors} == {"fonts"}
    fonts = r.facts["fonts"]
    assert len(fonts) == 2 and sorted(messages(r)) == sorted(
        f"font {f} is not embedded; the printer would substitute it" for f in fonts)


@pytest.mark.parametrize("n", [2, 3])
@LEVELS
def test_a_bad_operator_on_a_later_page_fails_naming_the_page(form, tmp_path, level, n):
    data = form.read_bytes()
    ref = PdfReader(form).pages[n - 1].raw_get("/Contents")
    num, drawn = ref.idnum, ref.get_object().get_data()
    bad = rebuild(data, {num: stream(zlib.compress(drawn + b"\n1 0 0 zz\n"), b"/Filter /FlateDecode")})
    r = check_file(write(tmp_path, bad), level=level)
    assert r.status == "fail" and [p.code for p in r.errors] == ["content"], format_report([r])
    (msg,) = messages(r)
    assert msg.startswith(f"content stream of page {n}: unknown operator 'zz' at byte ") and msg.endswith(
        "; the file is damaged: render it again")


@LEVELS
def test_a_font_used_on_page_2_only_is_used(tmp_path, level):
    r = check_file(write(tmp_path, two_fonts_on_two_pages()), level=level)
    assert r.status == "pass", format_report([r])
    assert r.facts["fonts"] == ["AAAAAA+One", "BBBBBB+Two"] and r.facts["pages"] == 2
    r = check_file(write(tmp_path, two_fonts_on_two_pages(unused=True)), level=level)
    assert messages(r) == ["font CCCCCC+Three is in the file but no page uses it"]


@LEVELS
def test_the_colour_claim_covers_every_page(tmp_path, level):
    """A CMYK document that paints in RGB on its second page only fails."""
    r = check_file(write(tmp_path, two_fonts_on_two_pages(color=b"cmyk", fill=b"0 0 0 1 k")), level=level)
    assert [p.code for p in r.errors] == ["color"] and "DeviceRGB (1x)" in r.errors[0].message
    assert r.facts["color_spaces"] == ["DeviceCMYK", "DeviceRGB"]


@LEVELS
def test_an_unknown_kind_of_document_fails_naming_it(form, tmp_path, level):
    r = check_file(write(tmp_path, same_length(form.read_bytes(), b"document=order", b"document=bills")), level=level)
    assert [(p.code, p.message) for p in r.errors] == [
        ("metadata", ("claims to be a document of kind 'bills' (document= in /Keywords), which poster-gen does not "
                     "write (it writes: order); check that it is the right file"))]


@LEVELS
def test_more_pages_than_the_limit_are_refused(form, tmp_path, monkeypatch, level):
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 2)
    r = check_file(form, level=level)
    assert messages(r) == [("has more than 2 pages, the limit for one PDF (a poster-gen artwork has one page, an "
                           "order form a few); check that it is the right file")]


# ---- a document claim does not let an artwork skip its checks ----------------------------------------


@pytest.fixture(scope="module")
def artwork(tmp_path_factory, campaign) -> Path:
    from poster_gen.api import make_job, render_job

    job = make_job(campaign, "xa-bang-mac", "4", "ap-phich-a3", dpi=20)
    return Path(render_job(campaign, job, tmp_path_factory.mktemp("artwork"), ("pdf",)).files["pdf"])


def with_keywords(src: Path, edit) -> bytes:
    """The artwork with its /Keywords edited by ``edit`` (old text -> new text)."""
    data = src.read_bytes()
    reader = PdfReader(src)
    info = reader.trailer.raw_get("/Info")
    old = str(reader.metadata["/Keywords"])
    m = re.search(rb"\n%d 0 obj\n" % info.idnum, data)
    body = data[m.end() : data.index(b"endobj", m.end())].strip()
    assert old.encode("latin-1") in body
    return rebuild(data, {info.idnum: body.replace(old.encode("latin-1"), edit(old).encode("latin-1"))})


@LEVELS
def test_an_artwork_that_also_claims_to_be_a_document_fails(artwork, campaign, tmp_path, level):
    assert check_file(artwork, campaign, level=level).status == "pass"
    data = with_keywords(artwork, lambda kw: "document=order, page_mm=303x426, " + kw)
    r = check_file(write(tmp_path, data, "art.pdf"), campaign, level=level)
    assert r.status == "fail"
    both = [p.message for p in r.errors if p.code == "metadata"]
    assert both == [("claims to be both a document (document=order) and an artwork (unit=, slogan=, size=, design=, "
                    "trim_mm=, bleed_mm=, marks= in /Keywords); render it again with poster-gen")]


@LEVELS
def test_an_artwork_that_claims_only_to_be_a_document_fails_on_its_print_boxes(artwork, campaign, tmp_path, level):
    """Its page is the size it claims and it makes no artwork claim: its TrimBox and BleedBox give it away."""
    data = with_keywords(artwork, lambda kw: "document=order, page_mm=303x426, color=rgb")
    r = check_file(write(tmp_path, data, "art.pdf"), campaign, level=level)
    assert [(p.code, p.message) for p in r.errors] == [
        ("boxes", ("page 1 has a TrimBox or BleedBox, as an artwork has; a document (document=order) has none, so "
                  "check that it is the right file"))]


# ---- in Vietnamese ---------------------------------------------------------------------------------


@pytest.fixture
def vietnamese():
    from poster_gen import i18n

    if not (i18n.LOCALE_DIR / "vi" / "LC_MESSAGES" / "poster_gen.mo").is_file():
        pytest.skip("catalog not compiled: install the package (pip install -e .)")
    assert i18n.set_language("vi") == "vi"
    yield
    i18n.set_language("en")


def test_the_form_and_its_problems_are_reported_in_vietnamese(form, tmp_path, vietnamese):
    r = check_file(form, level="quick")
    assert format_report([r], summary=False) == f"đạt   {form} (pdf, bảng tổng hợp đặt in, 3 trang, 210 x 297 mm, RGB)"
    r = check_file(write(tmp_path, same_length(form.read_bytes(), b"page_mm=210x297", b"page_mm=297x210")))
    assert messages(r) == [("trang 1, 2, 3 có khổ 210 x 297 mm nhưng tệp ghi khổ trang là 297 x 210 mm "
                           "(page_mm=297x210); hãy xuất lại tệp")]
