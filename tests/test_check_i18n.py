"""Preflight (poster-gen check) speaks the user's language: Vietnamese or English.

The problems, the report lines and the summary are made in the language set
when check runs; the JSON report keeps its keys, codes and statuses in English.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from poster_gen import i18n
from poster_gen.api import make_job, render_job
from poster_gen.check import (
    check_file,
    check_files,
    format_report,
    report_json,
    summary_line,
)
from poster_gen.check.fmt import fmt_list, fmt_mm, fmt_num

UNIT, SLOGAN, SIZE = "xa-bang-mac", "4", "ap-phich-a3"
COMPILED = (i18n.LOCALE_DIR / "vi" / "LC_MESSAGES" / "poster_gen.mo").is_file()

pytestmark = pytest.mark.skipif(not COMPILED, reason="catalog not compiled: install the package (pip install -e .)")


@pytest.fixture(autouse=True)
def english_afterwards():
    """Each test chooses its language; the tests after it run in English again."""
    yield
    i18n.set_language("en")


def use(lang: str) -> None:
    assert i18n.set_language(lang) == lang


@pytest.fixture(scope="module")
def files(tmp_path_factory, campaign) -> dict[str, Path]:
    """A fresh A3 poster as PDF and PNG (20 dpi, to stay small)."""
    root = tmp_path_factory.mktemp("check-i18n")
    job = make_job(campaign, UNIT, SLOGAN, SIZE, dpi=20)
    return dict(render_job(campaign, job, root, ("pdf", "png")).files)


def truncated_pdf(files, tmp_path) -> Path:
    data = files["pdf"].read_bytes()
    p = tmp_path / "cut.pdf"
    p.write_bytes(data[: len(data) // 2])
    return p


def png_at_dpi(files, tmp_path, dpi: float) -> Path:
    """The PNG with its pHYs chunk saying another dpi (the pixels are those of 20 dpi)."""
    data = files["png"].read_bytes()
    i = data.index(b"pHYs") - 4
    ppm = round(dpi / 0.0254)
    body = struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + b"pHYs" + body + struct.pack(">I", zlib.crc32(b"pHYs" + body))
    p = tmp_path / "dpi.png"
    p.write_bytes(data[:i] + chunk + data[i + 21 :])
    return p


# ---- a damaged PDF ------------------------------------------------------------------------


def test_a_damaged_pdf_is_reported_in_vietnamese(files, campaign, tmp_path):
    use("vi")
    r = check_file(truncated_pdf(files, tmp_path), campaign)
    assert r.status == "fail" and [p.code for p in r.errors] == ["read"]
    msg = r.errors[0].message
    assert "tệp không trọn vẹn" in msg and "hãy xuất lại tệp" in msg, msg
    assert "truncated" not in msg and "render it again" not in msg
    line = format_report([r], summary=False)
    assert line.startswith("LỖI ") and "FAIL" not in line, line


def test_a_damaged_pdf_is_reported_in_english(files, campaign, tmp_path):
    use("en")
    r = check_file(truncated_pdf(files, tmp_path), campaign)
    msg = r.errors[0].message
    assert msg == "truncated: no %%EOF at the end (the file was cut short); render it again"
    assert format_report([r], summary=False).startswith("FAIL ")


def test_a_pdf_named_png_is_reported_in_vietnamese(files, campaign, tmp_path):
    p = tmp_path / "art.png"
    p.write_bytes(files["pdf"].read_bytes())
    use("vi")
    msg = check_file(p, campaign).errors[0].message
    assert msg == "tệp này là tệp PDF nhưng lại có đuôi .png; hãy đổi tên tệp sang đuôi .pdf, hoặc xuất lại tệp"


# ---- a PNG at the wrong dpi ----------------------------------------------------------------


def test_a_png_at_the_wrong_dpi_is_reported_in_vietnamese(files, campaign, tmp_path):
    use("vi")
    r = check_file(png_at_dpi(files, tmp_path, 72), campaign)
    assert r.status == "fail" and {p.code for p in r.errors} == {"dpi", "size"}
    msgs = " | ".join(p.message for p in r.errors)
    assert "khối pHYs ghi 72 dpi nhưng tệp được xuất ở 20 dpi" in msgs, msgs
    assert "không đúng khổ 297 x 420 mm ở 72 dpi" in msgs, msgs
    assert "pHYs says" not in msgs and "is not" not in msgs and "was made at" not in msgs


def test_a_png_at_the_wrong_dpi_is_reported_in_english(files, campaign, tmp_path):
    use("en")
    msgs = " | ".join(p.message for p in check_file(png_at_dpi(files, tmp_path, 72), campaign).errors)
    assert "pHYs says 72 dpi but the file was made at 20 dpi" in msgs
    assert "is not 297 x 420 mm at 72 dpi" in msgs
    assert "khối" not in msgs


# ---- the report and its summary ------------------------------------------------------------


def results(files, campaign, tmp_path):
    return check_files([files["pdf"], truncated_pdf(files, tmp_path), png_at_dpi(files, tmp_path, 72)], campaign)


def file_column(line: str, res) -> int:
    """Where the file's name starts in a report line."""
    return min(line.index(r.path) for r in res if r.path in line)


def test_the_report_and_summary_are_in_vietnamese(files, campaign, tmp_path):
    use("vi")
    res = results(files, campaign, tmp_path)
    lines = format_report(res).splitlines()
    assert lines[-1] == "đã kiểm tra 3 tệp: 1 đạt, 0 bản nháp, 2 không đạt"
    assert summary_line(res) == lines[-1]
    assert lines[0].startswith("đạt ") and "297 x 420 mm + lề chảy 3 mm" in lines[0] and "khẩu hiệu 4" in lines[0]
    assert all(ln.startswith("LỖI ") for ln in lines[1:-1])
    # the file names line up, whatever the status word
    assert {file_column(ln, res) for ln in lines[:-1]} == {6}, lines
    text = "\n".join(lines)
    for english in ("checked", "passed", "failed", "ok ", "FAIL", "bleed", "slogan"):
        assert english not in text, english


def test_the_report_and_summary_are_in_english(files, campaign, tmp_path):
    use("en")
    res = results(files, campaign, tmp_path)
    lines = format_report(res).splitlines()
    assert lines[-1] == "checked 3 files: 1 passed, 0 draft, 2 failed"
    assert lines[0].startswith("ok ") and "297 x 420 mm + 3 mm bleed" in lines[0] and "slogan 4" in lines[0]
    assert all(ln.startswith("FAIL ") for ln in lines[1:-1])
    assert {file_column(ln, res) for ln in lines[:-1]} == {6}, lines
    assert summary_line(res[:1]) == "checked 1 file: 1 passed, 0 draft, 0 failed"


def test_a_warning_line_is_in_vietnamese(files):
    use("vi")
    r = check_file(files["png"])  # no campaign: the slogan is not compared
    assert r.status == "pass"
    assert format_report([r], summary=False).splitlines()[-1].startswith("lưu ý ")
    assert "chưa chỉ định chiến dịch" in r.warnings[0].message


def test_json_stays_machine_readable_in_vietnamese(files, campaign, tmp_path):
    use("vi")
    data = report_json(results(files, campaign, tmp_path))
    assert (data["passed"], data["draft"], data["failed"]) == (1, 0, 2)
    assert [f["status"] for f in data["files"]] == ["pass", "fail", "fail"]
    assert {e["code"] for f in data["files"] for e in f["errors"]} == {"read", "dpi", "size"}
    assert "tệp không trọn vẹn" in data["files"][1]["errors"][0]["message"]


def test_numbers_are_written_the_vietnamese_way():
    """A comma is the decimal mark in Vietnamese and a dot groups thousands: 2,000 MB would read as 2 MB."""
    use("vi")
    assert fmt_mm(293.5) == "293,5" and fmt_mm(297.0) == "297"
    assert fmt_num(2_000, ",.0f") == "2.000" and fmt_num(0.5, "g") == "0,5"
    assert fmt_list(["3", "3,5"]) == "3 / 3,5"
    use("en")
    assert fmt_mm(293.5) == "293.5" and fmt_num(2_000, ",.0f") == "2,000"
    assert fmt_list(["3", "3.5"]) == "3, 3.5"


def test_no_message_of_the_check_package_is_left_untranslated():
    """The lint of test_i18n, over the modules of poster_gen/check/ (it looks at the package's top level)."""
    from test_i18n import untranslated_literals

    from poster_gen import check

    folder = Path(check.__file__).parent
    found = {p.name: untranslated_literals(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.py"))}
    assert len(found) > 10 and not any(found.values()), {k: v for k, v in found.items() if v}
