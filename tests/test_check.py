"""Preflight (poster-gen check): fresh files pass, damaged ones fail with one clear line."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject, RectangleObject, TextStringObject

from poster_gen.api import compose_job, make_job, render_job
from poster_gen.batch import Order, check_outputs, run_batch
from poster_gen.check import check_file, check_files, collect_files, format_report, parse_keywords, report_json
from poster_gen.cli import cli
from poster_gen.errors import PosterGenError
from poster_gen.pdf import PdfOptions
from poster_gen.png import PngOptions, write_png
from poster_gen.resources import default_campaign

UNIT, SLOGAN, SIZE = "xa-bang-mac", "4", "ap-phich-a3"


@pytest.fixture(scope="module")
def out(tmp_path_factory, campaign):
    """Fresh files: an A3 poster (PNG at 50 dpi to stay small) as RGB, CMYK with marks, PDF/X, and a draft."""
    root = tmp_path_factory.mktemp("check")
    files = {}
    job = make_job(campaign, UNIT, SLOGAN, SIZE, dpi=50)
    files.update({f"rgb.{k}": v for k, v in render_job(campaign, job, root / "rgb", ("pdf", "png")).files.items()})
    res = render_job(campaign, job, root / "cmyk", ("pdf",), PdfOptions(color="cmyk", marks=True))
    files["cmyk.pdf"] = res.files["pdf"]
    res = render_job(campaign, job, root / "pdfx", ("pdf",), PdfOptions(color="cmyk", marks=True, pdfx="x1a"))
    files["pdfx.pdf"] = res.files["pdf"]
    banner = make_job(campaign, "tt-dong-mo", "6", "bieu-ngu-400x80", dpi=20)
    files.update({f"banner.{k}": v for k, v in render_job(campaign, banner, root / "banner").files.items()})
    draft = make_job(campaign, UNIT, None, SIZE, text="Chuyển đổi số vì nhân dân", dpi=30)
    files.update({f"draft.{k}": v for k, v in render_job(campaign, draft, root / "draft").files.items()})
    return root, files


def damaged(tmp_path: Path, src: Path, data: bytes, name: str | None = None) -> Path:
    p = tmp_path / (name or src.name)
    p.write_bytes(data)
    return p


def codes(result) -> set[str]:
    return {p.code for p in result.errors}


# ---- fresh files pass -------------------------------------------------------------


@pytest.mark.parametrize("key", ["rgb.pdf", "rgb.png", "cmyk.pdf", "pdfx.pdf", "banner.pdf", "banner.png"])
def test_fresh_files_pass(out, campaign, key):
    r = check_file(out[1][key], campaign)
    assert r.status == "pass", format_report([r])
    assert r.problems == ()


def test_facts_describe_the_file(out, campaign):
    r = check_file(out[1]["cmyk.pdf"], campaign)
    assert r.facts["trim_mm"] == [297.0, 420.0] and r.facts["bleed_mm"] == 3.0
    assert r.facts["color_spaces"] == ["DeviceCMYK"]
    assert all(f[6] == "+" for f in r.facts["fonts"])
    assert "ĐỔI MỚI SÁNG TẠO -" in r.facts["lines"]
    png = check_file(out[1]["rgb.png"], campaign)
    assert (png.facts["width_px"], png.facts["height_px"], png.facts["dpi"]) == (585, 827, 50)


def test_pdfx_facts(out, campaign):
    r = check_file(out[1]["pdfx.pdf"], campaign)
    assert r.facts["pdfx"] == "PDF/X-1:2001" and r.facts["output_condition"] == "FOGRA39"


def test_draft_is_flagged_not_failed(out, campaign):
    for key in ("draft.pdf", "draft.png"):
        r = check_file(out[1][key], campaign)
        assert r.status == "draft" and r.ok, format_report([r])
        assert any("draft" in p.message for p in r.warnings)


def test_cmyk_required_on_request(out, campaign):
    r = check_file(out[1]["rgb.pdf"], campaign, color="cmyk")
    assert r.status == "fail" and "color" in codes(r)
    assert any("DeviceRGB" in p.message for p in r.errors)


# ---- damaged files fail -------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_truncated_pdf_fails(out, campaign, tmp_path, keep):
    src = out[1]["cmyk.pdf"]
    data = src.read_bytes()
    r = check_file(damaged(tmp_path, src, data[: int(len(data) * keep)]), campaign)
    assert r.status == "fail" and codes(r) == {"read"}
    assert "truncated" in r.errors[0].message


@pytest.mark.parametrize("where", [0.05, 0.33, 0.6, 0.8, 0.97, 0.995])
def test_pdf_with_zeroed_bytes_fails(out, campaign, tmp_path, where):
    """Zeroed bytes in a font, the page content or the cross-reference table."""
    src = out[1]["cmyk.pdf"]
    data = bytearray(src.read_bytes())
    at = int(len(data) * where)
    data[at : at + 64] = b"\x00" * 64
    r = check_file(damaged(tmp_path, src, bytes(data)), campaign)
    assert r.status == "fail", (at, format_report([r]))


def _rewrite_pdf(src: Path, dst: Path, edit_content=None, edit_info=None) -> Path:
    writer = PdfWriter(clone_from=str(src))
    page = writer.pages[0]
    if edit_content:
        stream = DecodedStreamObject()
        stream.set_data(edit_content(page.get_contents().get_data()))
        page.replace_contents(stream)
    if edit_info:
        edit_info(writer)
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


def test_rgb_fill_in_a_cmyk_pdf_fails(out, campaign, tmp_path):
    src = out[1]["cmyk.pdf"]
    dst = _rewrite_pdf(src, tmp_path / "rgb-fill.pdf",
                       edit_content=lambda d: d.replace(b"0 1 1 0.05 k", b"0.843 0.098 0.125 rg", 1))
    r = check_file(dst, campaign)
    assert r.status == "fail"
    assert codes(r) == {"color"}, format_report([r])
    assert "DeviceRGB (1x)" in r.errors[0].message


def test_pdf_whose_text_is_not_the_claimed_slogan_fails(out, campaign, tmp_path):
    src = out[1]["rgb.pdf"]
    dst = _rewrite_pdf(src, tmp_path / "rewritten.pdf")  # rewriting alone changes nothing that matters
    assert check_file(dst, campaign).status == "pass"

    def claim_slogan_3(writer):
        kw = writer._info.get_object()["/Keywords"].replace("slogan=4", "slogan=3")
        writer._info.get_object()[NameObject("/Keywords")] = TextStringObject(kw)
        writer._info.get_object()[NameObject("/Subject")] = TextStringObject(campaign.slogan("3").text)

    dst = _rewrite_pdf(src, tmp_path / "claims-3.pdf", edit_info=claim_slogan_3)
    r = check_file(dst, campaign)
    assert r.status == "fail" and codes(r) == {"text"}
    assert "approved slogan 3" in r.errors[0].message


def test_pdf_with_wrong_boxes_fails(out, campaign, tmp_path):
    src = out[1]["cmyk.pdf"]

    def shrink_trim(writer):
        page = writer.pages[0]
        x0, y0, x1, y1 = (float(v) for v in page["/TrimBox"])
        page.trimbox = RectangleObject((x0, y0, x1 - 10, y1))

    r = check_file(_rewrite_pdf(src, tmp_path / "boxes.pdf", edit_info=shrink_trim), campaign)
    assert r.status == "fail" and "boxes" in codes(r)
    assert any("TrimBox is 293.5 x 420 mm but size ap-phich-a3 is 297 x 420 mm" in p.message for p in r.errors)


def test_pdf_without_trim_box_fails(out, campaign, tmp_path):
    def drop(writer):
        del writer.pages[0][NameObject("/TrimBox")]

    r = check_file(_rewrite_pdf(out[1]["rgb.pdf"], tmp_path / "notrim.pdf", edit_info=drop), campaign)
    assert r.status == "fail" and any("no TrimBox" in p.message for p in r.errors)


def test_pdf_with_a_standard_font_fails(out, campaign, tmp_path):
    """A file that draws with Helvetica (not embedded) fails the font check."""
    from reportlab.pdfgen.canvas import Canvas

    src = PdfReader(out[1]["rgb.pdf"])
    page = src.pages[0]
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(float(page.mediabox.width), float(page.mediabox.height)), invariant=1)
    c.setKeywords(src.metadata["/Keywords"])
    c.setSubject(src.metadata["/Subject"])
    c.setTrimBox([float(v) for v in page["/TrimBox"]])
    c.setBleedBox([float(v) for v in page["/BleedBox"]])
    for i, line in enumerate(["ĐỔI MỚI SÁNG TẠO -", "KHƠI NGUỒN TRI THỨC"]):
        c.drawString(100, 500 - 30 * i, line.encode("ascii", "replace").decode())
    c.showPage()
    c.save()
    p = damaged(tmp_path, out[1]["rgb.pdf"], buf.getvalue(), "helvetica.pdf")
    r = check_file(p, campaign)
    assert r.status == "fail" and "fonts" in codes(r)
    assert any("standard font Helvetica is not embedded" in e.message for e in r.errors)


def test_pdfx_without_output_intent_fails(out, campaign, tmp_path):
    def drop(writer):
        del writer._root_object[NameObject("/OutputIntents")]

    r = check_file(_rewrite_pdf(out[1]["pdfx.pdf"], tmp_path / "nointent.pdf", edit_info=drop), campaign)
    assert r.status == "fail" and codes(r) == {"pdfx"}


def _set_phys(data: bytes, dpi: float) -> bytes:
    i = data.index(b"pHYs") - 4
    ppm = round(dpi / 0.0254)
    body = struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + b"pHYs" + body + struct.pack(">I", zlib.crc32(b"pHYs" + body))
    return data[:i] + chunk + data[i + 21 :]


def test_png_at_the_wrong_dpi_fails(out, campaign, tmp_path):
    src = out[1]["rgb.png"]
    r = check_file(damaged(tmp_path, src, _set_phys(src.read_bytes(), 72)), campaign)
    assert r.status == "fail"
    msgs = " ".join(p.message for p in r.errors)
    assert "585 x 827 px is not 297 x 420 mm at 72 dpi (842 x 1191 px)" in msgs
    assert "pHYs says 72 dpi but the file was made at 50 dpi" in msgs


def test_png_resized_keeping_its_dpi_fails(campaign, tmp_path):
    """Pixels no longer cover the claimed size at the stored dpi (e.g. exported smaller)."""
    job = make_job(campaign, UNIT, SLOGAN, SIZE, dpi=50)
    scene = compose_job(campaign, job).scene
    p = tmp_path / "small.png"
    write_png(scene, p, PngOptions(dpi=50, width_px=400, height_px=566))
    r = check_file(p, campaign)
    assert r.status == "fail" and codes(r) == {"size"}


def test_png_truncated_or_corrupt_fails(out, campaign, tmp_path):
    src = out[1]["rgb.png"]
    data = src.read_bytes()
    r = check_file(damaged(tmp_path, src, data[: len(data) // 2], "half.png"), campaign)
    assert r.status == "fail" and "truncated" in r.errors[0].message
    r = check_file(damaged(tmp_path, src, data[:-12], "noiend.png"), campaign)
    assert r.status == "fail" and "truncated" in r.errors[0].message
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0xFF  # inside the image data: its CRC no longer matches
    r = check_file(damaged(tmp_path, src, bytes(bad), "flip.png"), campaign)
    assert r.status == "fail" and "CRC" in r.errors[0].message


def test_png_without_srgb_or_metadata_fails(tmp_path, campaign):
    from PIL import Image

    p = tmp_path / "plain.png"
    Image.new("RGB", (100, 100), (255, 0, 0)).save(p, dpi=(72, 72))
    r = check_file(p, campaign)
    assert r.status == "fail"
    msgs = " ".join(e.message for e in r.errors)
    assert "sRGB" in msgs and "no physical size" in msgs


def test_png_with_bleed_passes(tmp_path, campaign):
    from poster_gen.sizes import px

    job = make_job(campaign, UNIT, SLOGAN, SIZE)
    scene = compose_job(campaign, job).scene
    p = tmp_path / "bleed.png"
    write_png(scene, p, PngOptions(dpi=40, width_px=px(303, 40), height_px=px(426, 40), bleed=True))
    assert check_file(p, campaign).status == "pass"


def test_not_a_pdf_or_png_fails(tmp_path, campaign):
    p = tmp_path / "x.pdf"
    p.write_bytes(b"hello")
    assert check_file(p, campaign).status == "fail"
    e = tmp_path / "empty.png"
    e.write_bytes(b"")
    assert "empty" in check_file(e, campaign).errors[0].message


# ---- library helpers -----------------------------------------------------------------


def test_parse_keywords():
    assert parse_keywords("unit=a, slogan=4, size=6000x900, junk") == {"unit": "a", "slogan": "4", "size": "6000x900"}


def test_collect_files_expands_folders_and_refuses_missing(out, tmp_path):
    root, files = out
    found = collect_files([root / "rgb"])
    assert {p.suffix for p in found} == {".pdf", ".png"}
    with pytest.raises(PosterGenError, match="no such file"):
        collect_files([tmp_path / "missing.pdf"])


def test_report_formats(out, campaign, tmp_path):
    src = out[1]["cmyk.pdf"]
    bad = damaged(tmp_path, src, src.read_bytes()[:1000])
    results = check_files([out[1]["cmyk.pdf"], bad, out[1]["draft.pdf"]], campaign)
    text = format_report(results)
    lines = text.splitlines()
    assert lines[0].startswith("ok ") and "297 x 420 mm + 3 mm bleed, CMYK, slogan 4" in lines[0]
    assert lines[1].startswith("FAIL ") and str(bad) in lines[1]
    assert lines[-1] == "checked 3 files: 1 passed, 1 draft, 1 failed"
    data = report_json(results)
    assert (data["passed"], data["draft"], data["failed"]) == (1, 1, 1)
    json.dumps(data, ensure_ascii=False)


# ---- the command line ------------------------------------------------------------------


def test_cli_check_exit_codes(out, tmp_path):
    root, files = out
    runner = CliRunner()
    res = runner.invoke(cli, ["check", str(root / "cmyk"), str(files["rgb.png"])], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1] == "checked 2 files: 2 passed, 0 draft, 0 failed"

    bad = damaged(tmp_path, files["rgb.png"], _set_phys(files["rgb.png"].read_bytes(), 300))
    res = runner.invoke(cli, ["check", str(files["rgb.pdf"]), str(bad)], catch_exceptions=False)
    assert res.exit_code == 1
    fails = [ln for ln in res.output.splitlines() if ln.startswith("FAIL")]
    assert fails and all(str(bad) in ln for ln in fails)

    res = runner.invoke(cli, ["check", "--json", str(bad)], catch_exceptions=False)
    assert res.exit_code == 1
    assert json.loads(res.output)["files"][0]["status"] == "fail"

    res = runner.invoke(cli, ["check", str(tmp_path / "nothing.pdf")])
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and "no such file" in res.output

    res = runner.invoke(cli, ["check"])
    assert res.exit_code == 2


def test_cli_check_color_option(out):
    res = CliRunner().invoke(cli, ["check", "--color", "cmyk", str(out[1]["rgb.pdf"])], catch_exceptions=False)
    assert res.exit_code == 1 and "DeviceRGB" in res.output


def test_batch_runs_check_at_the_end(tmp_path):
    runner = CliRunner()
    args = ["batch", "--units", UNIT, "--slogans", SLOGAN, "--sizes", "ap-phich-a3", "--dpi", "20", "-j", "1",
            "--color", "cmyk", "--marks", "--out", str(tmp_path)]
    res = runner.invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "preflight: checked 2 files: 2 passed, 0 draft, 0 failed" in res.output
    pdf = next(tmp_path.rglob("*.pdf"))
    assert "marks=yes" in PdfReader(pdf).metadata["/Keywords"]
    res = runner.invoke(cli, [*args, "--no-check"], catch_exceptions=False)
    assert res.exit_code == 0 and "preflight" not in res.output


def test_batch_check_fails_on_a_damaged_file(tmp_path, campaign):
    order = Order(UNIT, SLOGAN, "ap-phich-a3")
    report = run_batch(default_campaign(), [order], tmp_path, ("pdf", "png"), PdfOptions(color="cmyk"), jobs=1, dpi=20)
    results = check_outputs(tmp_path, report.entries, default_campaign(), "cmyk", jobs=1)
    assert [r.status for r in results] == ["pass", "pass"]
    png = next(tmp_path.rglob("*.png"))
    png.write_bytes(_set_phys(png.read_bytes(), 300))
    results = check_outputs(tmp_path, report.entries, default_campaign(), "cmyk", jobs=1)
    assert [r.status for r in results] == ["pass", "fail"]


def _swap_colour_tag(data: bytes, chunk: bytes) -> bytes:
    """The PNG with its sRGB / iCCP chunk replaced by ``chunk`` (a whole chunk, or b"" for none)."""
    out, pos = bytearray(data[:8]), 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        whole = data[pos:pos + 12 + n]
        if kind in (b"sRGB", b"iCCP"):
            out += chunk
            chunk = b""
        else:
            out += whole
        pos += 12 + n
    return bytes(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def test_png_colour_tag_an_srgb_profile_counts_another_does_not(tmp_path, campaign):
    from PIL import ImageCms

    from poster_gen.resources import data_dir

    job = make_job(campaign, UNIT, SLOGAN, "ap-phich-a3", dpi=20)
    png = render_job(campaign, job, tmp_path, ("png",)).files["png"]
    data = png.read_bytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cases = {
        "icc-srgb": (_png_chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(srgb)), True),
        "icc-cmyk": (_png_chunk(b"iCCP", b"FOGRA39\x00\x00" + zlib.compress(
            (data_dir() / "FOGRA39L-poster-gen.icc").read_bytes())), False),
        "none": (b"", False),
    }
    for name, (chunk, ok) in cases.items():
        p = tmp_path / f"{name}.png"
        p.write_bytes(_swap_colour_tag(data, chunk))
        r = check_file(p, campaign)
        tagged = not any("sRGB" in pr.message for pr in r.problems)
        assert tagged is ok, (name, r.problems)
