"""The library's messages in Vietnamese and English.

Errors, warnings, legibility lines and the texts of a batch are made by the
library in the language in effect (``poster_gen.i18n.set_language``): in
Vietnamese they use the words of the offices that read them, and nothing of
the English is left; in English they are exactly the source texts.

The Vietnamese catalog is compiled here (with Babel, as the package build
does) when it is missing or older than its sources. Every test puts the
language back as it found it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pg_testutil import REPO_DIR, ensure_catalog

from poster_gen import i18n

CATALOG_DIR = REPO_DIR / "poster_gen" / "locale" / "vi" / "LC_MESSAGES"
MOJIBAKE = "§æi míi s¸ng t¹o"  # "Đổi mới sáng tạo" typed in TCVN3 (ABC) and pasted as Unicode


@pytest.fixture(scope="module", autouse=True)
def _catalog():
    if not ensure_catalog():
        pytest.skip("no compiled Vietnamese catalog and no Babel to compile it")




@pytest.fixture
def vi():
    assert i18n.set_language("vi") == "vi"


@pytest.fixture
def en():
    assert i18n.set_language("en") == "en"


def _error(fn, *args, **kwargs) -> str:
    from poster_gen.errors import PosterGenError

    with pytest.raises(PosterGenError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---- an unknown size ------------------------------------------------------------------


def test_an_unknown_size_in_vietnamese(vi):
    from poster_gen.sizes import resolve_size

    msg = _error(resolve_size, "ap-phich-a9")
    assert "không có kích thước 'ap-phich-a9'" in msg
    assert "có phải là" in msg and "ap-phich-a3" in msg and "hợp lệ" in msg
    assert "hoặc RỘNGxCAO tính bằng mm" in msg
    assert "unknown" not in msg and "did you mean" not in msg and "valid:" not in msg


def test_an_unknown_size_in_english(en):
    from poster_gen.sizes import resolve_size

    msg = _error(resolve_size, "ap-phich-a9")
    assert msg.startswith("unknown size 'ap-phich-a9': did you mean ")
    assert "valid: pano-300x200" in msg and "(or WIDTHxHEIGHT in mm, e.g. 5000x800)" in msg


def test_size_errors_in_vietnamese(vi):
    from poster_gen.sizes import resolve_size

    small = _error(resolve_size, "40x800")
    assert "chiều rộng 40 mm quá nhỏ" in small and "milimét" in small and "too small" not in small
    dpi = _error(resolve_size, "ap-phich-a3", dpi=5000)
    assert "nằm ngoài khoảng cho phép" in dpi and "out of range" not in dpi


def test_size_labels_and_kinds_are_shown_in_the_language_ids_stay(vi):
    from poster_gen.sizes import PRESETS, kind_label

    banner = PRESETS["bieu-ngu-500x80"]
    assert banner.shown_label == "Băng rôn 5 x 0,8 m (cổng chào)"
    assert banner.label == "Băng rôn 5 x 0.8 m (gate)"  # as written: what JSON output gives
    assert banner.id == "bieu-ngu-500x80"
    assert "túi luồn cán" in PRESETS["phuon-80x240"].shown_label
    assert kind_label("phuon") == "Cờ phướn (treo dọc trên cột)"
    assert kind_label("no-such-kind") == "no-such-kind"
    i18n.set_language("en")
    assert PRESETS["bieu-ngu-500x80"].shown_label == "Băng rôn 5 x 0.8 m (gate)"
    assert kind_label("phuon") == "Cờ phướn (vertical pole banner)"


# ---- legibility ------------------------------------------------------------------------


def _short_artwork(campaign):
    """An artwork whose slogan falls short of the capital height needed (not refused)."""
    from poster_gen.api import compose_job, make_job

    art = compose_job(campaign, make_job(campaign, "xa-van-an", "1", "phuon-80x240", dpi=10))
    assert not art.legibility.ok
    return art


def test_a_too_small_legibility_line_in_vietnamese(vi, campaign):
    lines = _short_artwork(campaign).legibility.messages()
    first = lines[0]
    assert first.startswith("chiều cao chữ hoa của khẩu hiệu là ")
    assert "CHƯA ĐẠT mức" in first and "khoảng cách nhìn 8 m" in first
    assert all("capitals" not in line and "BELOW" not in line and "needed" not in line for line in lines)
    assert any("của tiêu đề là" in line and "đọc được từ khoảng cách" in line for line in lines[1:])


def test_a_too_small_legibility_line_in_english(en, campaign):
    lines = _short_artwork(campaign).legibility.messages()
    assert lines[0].startswith("slogan capitals ") and ", BELOW the 64 mm needed at 8 m" in lines[0]
    assert any(line.startswith("heading capitals ") and "legible from up to" in line for line in lines[1:])


def test_the_verdicts_of_a_block(vi):
    from poster_gen.compose import BlockLegibility, Legibility

    ok = BlockLegibility("slogan", 150, ("ĐỔI MỚI",), 80, 10.0)
    short = BlockLegibility("title", 30, ("QUỐC KHÁNH",), 80, 10.0)
    other = BlockLegibility("motto", 30, ("X",), 80, 10.0)  # a field of the user's own design: its name as written
    assert ok.describe() == "chiều cao chữ hoa của khẩu hiệu là 150 mm, đạt mức 80 mm cần có ở khoảng cách nhìn 10 m"
    assert short.describe().startswith("chiều cao chữ hoa của tiêu đề ngày lễ là 30 mm, CHƯA ĐẠT")
    assert "của motto là" in other.describe()
    assert Legibility(150, 80, 10.0, ("ĐỔI MỚI",)).describe().startswith("chiều cao chữ hoa 150 mm, đạt mức")
    i18n.set_language("en")
    assert ok.describe() == "slogan capitals 150 mm, meet the 80 mm needed at 10 m"
    assert short.describe() == "title capitals 30 mm, BELOW the 80 mm needed at 10 m"


def test_a_layout_refusal_in_vietnamese(vi, campaign):
    from poster_gen.api import compose_job, make_job
    from poster_gen.errors import LayoutError

    text = " ".join(["Toàn dân đoàn kết xây dựng nông thôn mới đô thị văn minh"] * 6)
    job = make_job(campaign, "xa-van-an", None, "pano-300x200", text=text, dpi=10)
    with pytest.raises(LayoutError) as info:
        compose_job(campaign, job)
    msg = str(info.value)
    assert msg.startswith("khẩu hiệu quá dài so với kích thước pano-300x200")
    assert "chưa bằng một nửa" in msg and "too long" not in msg


# ---- unknown ids: suggestions ------------------------------------------------------------


def test_an_unknown_unit_suggestion_in_vietnamese(vi, campaign):
    from poster_gen.api import find_unit

    msg = _error(find_unit, campaign, "xa-van-a")
    assert msg.startswith("không có đơn vị 'xa-van-a': có phải là xa-van-an")
    assert "Các mã đơn vị hợp lệ: " in msg and "(xem 'poster-gen units')" in msg
    assert "unknown" not in msg and "did you mean" not in msg and "valid:" not in msg and "see '" not in msg


def test_an_unknown_unit_suggestion_in_english(en, campaign):
    from poster_gen.api import find_unit

    msg = _error(find_unit, campaign, "xa-van-a")
    assert msg.startswith("unknown unit 'xa-van-a': did you mean xa-van-an")
    assert "? valid: " in msg and msg.endswith("(see 'poster-gen units')")


def test_an_id_without_a_close_match(vi):
    from poster_gen.suggest import Choices, unknown_choice

    msg = unknown_choice("format", "tiff", ["pdf", "png"])
    assert msg == "không có định dạng 'tiff'; các định dạng hợp lệ: pdf, png"
    # a kind of id without its own sentence: the general one, with the caller's (translated) noun
    assert Choices("khổ giấy", ["a3"]).message("b9") == "không có khổ giấy 'b9'; các giá trị hợp lệ: a3"
    i18n.set_language("en")
    assert unknown_choice("format", "tiff", ["pdf", "png"]) == "unknown format 'tiff': valid: pdf, png"


# ---- legacy encodings -------------------------------------------------------------------


def test_a_legacy_encoded_text_is_refused_in_vietnamese(vi):
    from poster_gen.api import draft_slogan

    msg = _error(draft_slogan, MOJIBAKE)
    assert msg.startswith("--text: đoạn chữ ")
    assert "bảng mã TCVN3 (ABC, phông .VnTime)" in msg and '"Đổi mới sáng tạo"' in msg
    assert "hãy gõ lại bằng Unicode hoặc chuyển mã" in msg
    assert "looks like" not in msg and "retype" not in msg and "fonts)" not in msg


def test_a_legacy_encoded_text_is_refused_in_english(en):
    from poster_gen.api import draft_slogan

    msg = _error(draft_slogan, MOJIBAKE)
    assert "looks like TCVN3 (ABC, .VnTime fonts) Vietnamese pasted as Unicode" in msg
    assert 'it reads "Đổi mới sáng tạo"' in msg


# ---- plans ---------------------------------------------------------------------------------


def _plan(tmp_path: Path, campaign) -> list[str]:
    from poster_gen.plan import read_plan

    csv = tmp_path / "don-dat.csv"
    csv.write_text("unit,slogan,size,copies,note\nxa-van-a,1,,0,x\nxa-van-an,1,ap-phich-a3,2,\n", encoding="utf-8")
    orders, problems = read_plan(csv, campaign, {"classic"})
    assert len(orders) == 1
    return problems


def test_a_plan_row_problem_in_vietnamese(vi, tmp_path, campaign):
    header, row = _plan(tmp_path, campaign)
    assert header == "bảng đặt in don-dat.csv: dòng 1: bỏ qua các cột không xác định: note"
    assert row.startswith("bảng đặt in don-dat.csv dòng 2: không có đơn vị 'xa-van-a': có phải là xa-van-an")
    assert "ô 'size' đang để trống" in row and "số bản (copies) '0' phải là số nguyên từ 1 đến" in row
    assert all(w not in row for w in ("plan ", "line ", "unknown", "cell is empty", "must be"))


def test_a_plan_row_problem_in_english(en, tmp_path, campaign):
    header, row = _plan(tmp_path, campaign)
    assert header == "plan don-dat.csv: line 1: ignoring unknown column(s) note"
    assert row.startswith("plan don-dat.csv line 2: unknown unit 'xa-van-a': did you mean xa-van-an")
    assert "; the 'size' cell is empty; copies '0' must be a whole number from 1 to 1,000,000" in row


def test_a_missing_plan_in_vietnamese(vi, tmp_path, campaign):
    from poster_gen.plan import read_plan

    msg = _error(read_plan, tmp_path / "khong-co.csv", campaign, {"classic"})
    assert "bảng đặt in" in msg and "không tìm thấy tệp" in msg and "--plan" in msg and "not found" not in msg


# ---- batches ------------------------------------------------------------------------------


def _interrupted() -> str:
    from poster_gen.batch import BatchInterrupted, BatchReport

    report = BatchReport(made=[{}, {}], skipped=[{}], manifest=Path("ket-qua") / "manifest.json")
    return str(BatchInterrupted(report))


def test_a_batch_interruption_in_vietnamese(vi):
    msg = _interrupted()
    assert msg.startswith("đã dừng giữa chừng: 2 ấn phẩm đã làm xong và được ghi vào ")
    assert "manifest.json" in msg and "1 ấn phẩm đã có sẵn" in msg and "chạy lại đúng lệnh này" in msg
    assert "interrupted" not in msg and "artworks" not in msg and "run the same command" not in msg


def test_a_batch_interruption_in_english(en):
    msg = _interrupted()
    assert msg.startswith("interrupted: 2 artworks finished and recorded in ")
    assert msg.endswith("1 were already up to date; run the same command again to finish")


def test_a_damaged_manifest_in_vietnamese(vi, tmp_path):
    from poster_gen.batch import ManifestError, load_manifest

    m = tmp_path / "manifest.json"
    m.write_text('{"tool": "poster-gen 1", "artworks": [{"unit": 1}]}', encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        load_manifest(m)
    msg = str(info.value)
    assert "ấn phẩm thứ 1 bị hỏng ('unit' không phải là chuỗi văn bản)" in msg
    said = msg.split("manifest.json: ", 1)[1]
    assert "hãy chuyển tệp đó sang chỗ khác" in said and "damaged" not in said and "move it" not in said


def test_workers_are_given_the_language(vi, tmp_path, monkeypatch):
    """A worker started afresh (spawn) would take the language from its environment:
    the batch hands it the language in effect, and its failures come back in it."""
    from poster_gen.batch import run_batch
    from poster_gen.plan import Order
    from poster_gen.resources import default_campaign

    monkeypatch.setenv(i18n.ENV, "en")  # what a spawned worker would guess on its own
    long_text = " ".join(["Toàn dân đoàn kết xây dựng nông thôn mới đô thị văn minh"] * 6)
    c = tmp_path / "c.toml"
    c.write_text(
        Path(default_campaign()).read_text(encoding="utf-8") + f'\n[[slogans]]\nid = "dai"\ntext = "{long_text}"\n',
        encoding="utf-8",
    )
    orders = [Order("xa-van-an", "dai", "pano-300x200"), Order("xa-van-an", "3", "ap-phich-a3")]
    report = run_batch(c, orders, tmp_path / "out", ("pdf",), jobs=2, dpi=10, start_method="spawn")
    assert len(report.made) == 1 and len(report.failed) == 1
    (order, why), = report.failed
    assert order.slogan == "dai"
    assert why.startswith("khẩu hiệu quá dài so với kích thước pano-300x200"), why


# ---- the slug line of the trim marks ---------------------------------------------------------


def test_the_slug_line_is_in_the_language(vi):
    from poster_gen.marks import slug_text

    vi_text = slug_text("Xã Vân An (xa-van-an)", "4", "ap-phich-a3", 297, 420, 3, "ap-phich-a3_4.pdf", "CMYK", "1.0")
    assert vi_text == ("Xã Vân An (xa-van-an)  |  khẩu hiệu 4  |  ap-phich-a3 297 x 420 mm, lề chảy 3 mm  |  CMYK  |  "
                       "ap-phich-a3_4.pdf  |  poster-gen 1.0")
    i18n.set_language("en")
    en_text = slug_text("Xã Vân An (xa-van-an)", "4", "ap-phich-a3", 297, 420, 3, "ap-phich-a3_4.pdf", "CMYK")
    assert en_text == "Xã Vân An (xa-van-an)  |  slogan 4  |  ap-phich-a3 297 x 420 mm, bleed 3 mm  |  CMYK  |  ap-phich-a3_4.pdf"


def test_the_slug_font_draws_every_letter_of_the_vietnamese_slug(vi):
    from poster_gen.fonts import load_font
    from poster_gen.marks import SLUG_FONT, slug_text

    text = slug_text("Xã Vân An", "4", "ap-phich-a3", 297, 420, 3, "a.pdf", "CMYK")
    assert load_font(SLUG_FONT).missing(text) == []


def test_a_marks_batch_is_made_again_in_another_language(campaign):
    """The slug line is printed in the language: with marks, the language is part of an artwork's fingerprint."""
    from poster_gen.api import make_job
    from poster_gen.batch import fingerprint
    from poster_gen.pdf import PdfOptions

    job = make_job(campaign, "xa-van-an", "1", "ap-phich-a3")
    marks, plain = PdfOptions(marks=True), PdfOptions()
    i18n.set_language("vi")
    vi_marks, vi_plain = fingerprint(campaign, job, ("pdf",), marks, "d"), fingerprint(campaign, job, ("pdf",), plain, "d")
    i18n.set_language("en")
    assert fingerprint(campaign, job, ("pdf",), marks, "d") != vi_marks  # the slug line differs
    assert fingerprint(campaign, job, ("pdf",), plain, "d") == vi_plain  # nothing else does


# ---- quoting a user's long value ----------------------------------------------------------------


def test_a_long_value_is_cut_in_the_language(vi):
    from poster_gen.text import shown

    assert shown("x" * 100, 10) == "xxxxxxxxxx... (100 ký tự)"
    i18n.set_language("en")
    assert shown("x" * 1000, 10) == "xxxxxxxxxx... (1,000 characters)"
