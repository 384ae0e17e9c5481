"""The quick check (``check_file(..., level="quick")``): the structural preflight a batch runs on every file.

It reads poster-gen's own PDFs with its direct reader, not pypdf; it finds
every defect the full check finds in boxes, fonts, content streams, colours,
PDF/X keys and claims, with the same messages; what it leaves to the full check
(the text the page shows, a PNG's image data) is shown here too.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from poster_gen.api import make_job, render_job
from poster_gen.check import (
    LEVELS,
    check_file,
    check_files,
    format_report,
    read_direct,
    read_pypdf,
)
from poster_gen.check.limits import Budget
from poster_gen.check.streams import a85decode
from poster_gen.pdf import PdfOptions

UNIT, SLOGAN, SIZE = "xa-bang-mac", "4", "ap-phich-a3"


@pytest.fixture(scope="module")
def files(tmp_path_factory, campaign) -> dict[str, Path]:
    """Fresh files: A3 as RGB, CMYK with marks, PDF/X-1a, outlined, a draft; a 7 m banner (drawn at 1:10); a PNG."""
    root = tmp_path_factory.mktemp("quick")
    job = make_job(campaign, UNIT, SLOGAN, SIZE, dpi=20)
    out = {}
    for name, opts in {"rgb": PdfOptions(), "cmyk": PdfOptions(color="cmyk", marks=True),
                       "pdfx": PdfOptions(color="cmyk", marks=True, pdfx="x1a"),
                       "outline": PdfOptions(outline=True)}.items():
        out[name] = render_job(campaign, job, root / name, ("pdf",), opts).files["pdf"]
    banner = make_job(campaign, "tt-dong-mo", "6", "bieu-ngu-700x100", dpi=10)
    out["banner"] = render_job(campaign, banner, root / "banner", ("pdf",)).files["pdf"]
    draft = make_job(campaign, UNIT, None, SIZE, text="Chuyển đổi số vì nhân dân", dpi=20)
    out["draft"] = render_job(campaign, draft, root / "draft", ("pdf",)).files["pdf"]
    out["png"] = render_job(campaign, job, root / "png", ("png",)).files["png"]
    return {k: Path(v) for k, v in out.items()}


def errors(result) -> list[tuple[str, str]]:
    return [(p.code, p.message) for p in result.errors]


@pytest.fixture
def no_pypdf(monkeypatch):
    """pypdf may not read a PDF in this test: the direct reader must."""
    def refuse(*args, **kwargs):
        raise AssertionError("pypdf read a PDF the direct reader should have read")

    monkeypatch.setattr(read_pypdf, "load", refuse)


# ---- fresh files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["rgb", "cmyk", "pdfx", "outline", "banner", "draft", "png"])
def test_fresh_files_pass_quick_as_full(files, campaign, key):
    full = check_file(files[key], campaign)
    quick = check_file(files[key], campaign, level="quick")
    assert quick.status == full.status and quick.status in ("pass", "draft"), format_report([quick])
    assert quick.problems == full.problems
    assert (quick.level, full.level) == ("quick", "full")
    assert quick.to_dict()["level"] == "quick" and full.to_dict()["level"] == "full"
    lines = {} if key in ("outline", "png") else {"lines"}  # an outlined file's lines come from its Subject
    assert {k: v for k, v in full.facts.items() if k not in lines} == quick.facts


@pytest.mark.parametrize("key", ["rgb", "cmyk", "pdfx", "outline", "banner", "draft"])
def test_quick_reads_our_pdfs_without_pypdf(files, campaign, key, no_pypdf):
    r = check_file(files[key], campaign, level="quick")
    assert r.ok, format_report([r])
    doc = read_direct.load(files[key].read_bytes(), Budget())
    assert doc.parser == "direct" and len(doc.pages) == 1


def test_levels_are_checked(files):
    assert LEVELS == ("quick", "full")
    with pytest.raises(ValueError, match="unknown check level 'deep'"):
        check_file(files["rgb"], level="deep")
    assert [r.level for r in check_files([files["rgb"], files["png"]], level="quick")] == ["quick", "quick"]


# ---- defects: quick finds them, with the full check's words ------------------------------------------


def _rewrite(src: Path, dst: Path, content=None, edit=None) -> Path:
    writer = PdfWriter(clone_from=str(src))
    page = writer.pages[0]
    if content:
        stream = DecodedStreamObject()
        stream.set_data(content(page.get_contents().get_data()))
        page.replace_contents(stream)
    if edit:
        edit(writer, page)
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


def _same_length(old: bytes, new: bytes):
    """An edit of the file's bytes that keeps every offset: the file stays one the direct reader reads."""
    assert len(old) == len(new)

    def edit(src: Path, dst: Path) -> Path:
        data = src.read_bytes()
        assert data.count(old) >= 1, old
        dst.write_bytes(data.replace(old, new))
        return dst

    return edit


def _shrink_trim(writer, page):
    x0, y0, x1, y1 = (float(v) for v in page["/TrimBox"])
    page.trimbox = RectangleObject((x0, y0, x1 - 10, y1))


def _standard_font(src: Path, dst: Path) -> Path:
    """The page drawn again with Helvetica, which is not embedded."""
    from reportlab.pdfgen.canvas import Canvas

    page = PdfReader(src).pages[0]
    info = PdfReader(src).metadata
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(float(page.mediabox.width), float(page.mediabox.height)), invariant=1)
    c.setKeywords(info["/Keywords"])
    c.setSubject(info["/Subject"])
    c.setTrimBox([float(v) for v in page["/TrimBox"]])
    c.setBleedBox([float(v) for v in page["/BleedBox"]])
    c.drawString(100, 500, "DOI MOI SANG TAO")
    c.showPage()
    c.save()
    dst.write_bytes(buf.getvalue())
    return dst


def _drop_last_q(content: bytes) -> bytes:
    at = content.rindex(b"\nQ\n")
    return content[:at] + content[at + 2 :]


def _drop_output_intent(writer, page):
    writer._root_object.pop(NameObject("/OutputIntents"))


def _claim_slogan_3(campaign):
    def edit(writer, page):
        info = writer._info.get_object()
        info[NameObject("/Keywords")] = TextStringObject(info["/Keywords"].replace("slogan=4", "slogan=3"))
        info[NameObject("/Subject")] = TextStringObject(campaign.slogan("3").text)
    return edit


DEFECTS = {  # name: (source file, how to make it, the code it fails with, words of the message)
    "trim-box-shrunk": ("cmyk", lambda s, d: _rewrite(s, d, edit=_shrink_trim), "boxes",
                        "TrimBox is 293.5 x 420 mm but size ap-phich-a3 is 297 x 420 mm"),
    "no-trim-box": ("rgb", lambda s, d: _rewrite(s, d, edit=lambda w, p: p.pop(NameObject("/TrimBox"))), "boxes",
                    "no TrimBox"),
    "wrong-size-claim": ("rgb", _same_length(b"size=ap-phich-a3", b"size=ap-phich-a2"), "boxes",
                         "TrimBox is 297 x 420 mm but size ap-phich-a2 is 420 x 594 mm"),
    "wrong-bleed-claim": ("rgb", _same_length(b"bleed_mm=3", b"bleed_mm=5"), "boxes",
                          "but trim_mm=297x420, bleed_mm=5 has 5 mm bleed"),
    "font-not-embedded": ("rgb", _same_length(b"/FontFile2", b"/FontFileX"), "fonts", "is not embedded"),
    "standard-font": ("rgb", _standard_font, "fonts", "standard font Helvetica is not embedded"),
    "font-whole": ("rgb", _same_length(b"/BaseFont /", b"/BaseFont/a"), "fonts", "is embedded whole, not subset"),
    "bad-operator": ("cmyk", lambda s, d: _rewrite(s, d, content=lambda c: c.replace(b" 1 K", b" 1K", 1)), "content",
                     "unknown operator '1K' at byte"),
    "unbalanced-q": ("cmyk", lambda s, d: _rewrite(s, d, content=_drop_last_q), "content", "is never closed by 'Q'"),
    "stray-ET": ("rgb", lambda s, d: _rewrite(s, d, content=lambda c: c + b"\nET\n"), "content", "closes no 'BT'"),
    "operands": ("rgb", lambda s, d: _rewrite(s, d, content=lambda c: c.replace(b"1 0 0 1 0 0 cm", b"1 0 0 1 0 cm", 1)),
                 "content", "takes 6 numbers, found 5 operands (1 0 0 1 0)"),
    "rgb-in-cmyk": ("cmyk", lambda s, d: _rewrite(s, d, content=lambda c: c.replace(b"0 1 1 0.05 k", b"0.8 0 0 rg", 1)),
                    "color", "asked for CMYK only but it paints in DeviceRGB (1x)"),
    "pdfx-no-intent": ("pdfx", lambda s, d: _rewrite(s, d, edit=_drop_output_intent), "pdfx",
                       "PDF/X needs an OutputIntent"),
    "pdfx-claim": ("rgb", _same_length(b"marks=no", b"pdfx=no "), "pdfx", "has no GTS_PDFXVersion"),
    "outline-with-fonts": ("rgb", _same_length(b"design=classic", b"outline=yes   "), "fonts",
                           "the file says its text is outlined, but it has fonts"),
    "truncated": ("rgb", lambda s, d: (d.write_bytes(s.read_bytes()[:-100]), d)[1], "read", "truncated"),
}


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_quick_finds_what_full_finds(files, campaign, tmp_path, name):
    key, make, code, words = DEFECTS[name]
    bad = make(files[key], tmp_path / f"{name}.pdf")
    full = check_file(bad, campaign)
    quick = check_file(bad, campaign, level="quick")
    assert quick.status == "fail", format_report([quick])
    assert code in {p.code for p in quick.errors}, format_report([quick])
    assert any(words in p.message for p in quick.errors), format_report([quick])
    assert errors(quick) == [e for e in errors(full) if e[0] != "text"], (format_report([quick]), format_report([full]))


@pytest.mark.parametrize("name", ["wrong-size-claim", "font-not-embedded", "font-whole", "trim-box-shrunk",
                                  "bad-operator", "unbalanced-q", "rgb-in-cmyk", "pdfx-no-intent"])
def test_quick_finds_them_without_pypdf(files, campaign, tmp_path, name, no_pypdf):
    key, make, code, words = DEFECTS[name]
    r = check_file(make(files[key], tmp_path / f"{name}.pdf"), campaign, level="quick")
    assert r.status == "fail" and any(words in p.message for p in r.errors if p.code == code), format_report([r])


def test_quick_checks_the_colour_asked_for(files, campaign):
    quick = check_file(files["rgb"], campaign, color="cmyk", level="quick")
    assert quick.status == "fail" and [p.code for p in quick.errors] == ["color", "color"]
    assert errors(quick) == errors(check_file(files["rgb"], campaign, color="cmyk"))
    assert "DeviceRGB" in quick.errors[0].message


@pytest.mark.parametrize("where", [0.05, 0.2, 0.33, 0.5, 0.6, 0.8, 0.9, 0.97, 0.995])
def test_zeroed_bytes_fail_quick_as_full(files, campaign, tmp_path, where):
    """Zeroed bytes in a font, a font's map, the page content, an object or the cross-reference table."""
    data = bytearray(files["cmyk"].read_bytes())
    at = int(len(data) * where)
    data[at : at + 64] = bytes(64)
    p = tmp_path / "zeroed.pdf"
    p.write_bytes(bytes(data))
    quick, full = check_file(p, campaign, level="quick"), check_file(p, campaign)
    assert quick.status == "fail", (at, format_report([quick]))
    assert errors(quick) == [e for e in errors(full) if e[0] != "text"], (format_report([quick]), format_report([full]))


# ---- what quick leaves to the full check -----------------------------------------------------------


def test_quick_does_not_read_the_text_on_the_page(files, campaign, tmp_path):
    """The file claims slogan 3 (and its Subject says it) but the page shows slogan 4: only full reads the page."""
    bad = _rewrite(files["rgb"], tmp_path / "claims-3.pdf", edit=_claim_slogan_3(campaign))
    full = check_file(bad, campaign)
    assert full.status == "fail" and [p.code for p in full.errors] == ["text"]
    quick = check_file(bad, campaign, level="quick")
    assert quick.status == "pass" and "lines" not in quick.facts


def test_quick_does_not_inflate_a_pngs_image_data(files, campaign, tmp_path):
    """Image data cut short inside a whole chunk (its CRC right): only full inflates it; a CRC failure both find."""
    data = files["png"].read_bytes()
    i = data.index(b"IDAT") - 4
    (n,) = struct.unpack(">I", data[i : i + 4])
    body = zlib.compress(zlib.decompress(data[i + 8 : i + 8 + n])[:-50])
    chunk = struct.pack(">I", len(body)) + b"IDAT" + body + struct.pack(">I", zlib.crc32(b"IDAT" + body))
    short = tmp_path / "short.png"
    short.write_bytes(data[:i] + chunk + data[i + 12 + n :])
    assert check_file(short, campaign).status == "fail"
    assert check_file(short, campaign, level="quick").status == "pass"
    flipped = bytearray(data)
    flipped[i + 8 + n // 2] ^= 0xFF
    short.write_bytes(bytes(flipped))
    for level in LEVELS:
        r = check_file(short, campaign, level=level)
        assert r.status == "fail" and "CRC" in r.errors[0].message


def test_a_pdf_the_direct_reader_does_not_read_goes_to_pypdf(files, campaign, tmp_path):
    """An incremental update (a second cross-reference section) is not plain: pypdf reads it, and it passes."""
    writer = PdfWriter(str(files["rgb"]), incremental=True)
    writer.add_metadata({"/Title": "again"})
    p = tmp_path / "updated.pdf"
    with open(p, "wb") as fh:
        writer.write(fh)
    with pytest.raises(read_direct.NotPlain):
        read_direct.load(p.read_bytes(), Budget())
    r = check_file(p, campaign, level="quick")
    assert r.status == "pass", format_report([r])


# ---- the direct reader's pieces agree with pypdf and the standard library ------------------------------


def test_text_strings_decode_as_pypdf_decodes_them():
    from pypdf.generic import create_string_object

    for code in range(1, 256):  # pypdf drops NUL
        raw = bytes([code]) + b"A"
        ours = read_direct.text_string(raw)
        theirs = create_string_object(raw)
        if isinstance(theirs, str):  # pypdf leaves code points PDFDocEncoding does not define as bytes
            assert ours == str(theirs), hex(code)
    assert read_direct.text_string("\ufeffĐổi mới".encode("utf-16-be")) == "Đổi mới"


def test_the_direct_reader_never_cuts_a_comment_short():
    for text in (b"<< /A %(}}\n) >>", b"<< /A 1 %>>\n"):
        with pytest.raises(read_direct.NotPlain):
            read_direct._value(text, 0, read_direct._Parse())
    assert read_direct._value(b"<< /A 1 %x >>\n/B 2 >>", 0, read_direct._Parse())[0] == {"/A": 1, "/B": 2}


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=64), cut=st.integers(0, 5), noise=st.sampled_from([b"", b"z", b"~", b"v", b"!!"]))
def test_ascii85_decodes_as_the_standard_library(raw, cut, noise):
    body = base64.a85encode(raw)
    body = body[: max(len(body) - cut, 0)] + noise
    try:
        expected = base64.a85decode(body)
    except ValueError:
        with pytest.raises(ValueError):
            a85decode(body)
        return
    assert a85decode(body) == expected


# ---- quick and full agree on damaged copies of a real file -------------------------------------------

_TOKENS = [b"5 0 R", b"2 0 R", b"/Kids", b"[", b"<<", b">>", b"-1", b"0", b"/Type", b"/Page", b"R", b"(", b")", b"\\",
           b" ", b"\x00", b"%", b"obj", b"endobj", b"stream"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["flip", "token", "cut"]), st.integers(1, 255),
                                st.sampled_from(_TOKENS)), min_size=1, max_size=3))
def test_quick_and_full_agree_on_a_damaged_file(files, campaign, tmp_path, edits):
    """Quick never passes a file that full fails for a reason other than its text, nor fails one full passes."""
    data = bytearray(files["rgb"].read_bytes())
    for where, how, value, token in edits:
        at = min(int(where * len(data)), len(data) - 1)
        if how == "flip":
            data[at] ^= value
        elif how == "token":
            data[at : at + len(token)] = token
        else:
            del data[at : at + value]
    p = tmp_path / "damaged.pdf"
    p.write_bytes(bytes(data))
    quick, full = check_file(p, campaign, level="quick"), check_file(p, campaign)
    if quick.ok:
        assert all(e.code == "text" for e in full.errors if e not in quick.errors), format_report([quick, full])
    assert quick.ok or not full.ok, format_report([quick, full])
