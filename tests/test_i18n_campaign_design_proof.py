"""The campaign file, designs, the template sandbox and the proof sheet speak
the user's language: Vietnamese or English, whichever is in effect.

Each test sets the language with ``i18n.set_language`` and puts back the one
that was in effect; the proof page is made by the command line in a
subprocess, with POSTER_GEN_LANG.
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from poster_gen import i18n, sandbox
from poster_gen.campaign import load_campaign
from poster_gen.design import load_design_file
from poster_gen.errors import CampaignError, PosterGenError
from poster_gen.resources import default_campaign

CATALOG = Path(i18n.LOCALE_DIR) / "vi" / "LC_MESSAGES" / "poster_gen.mo"
pytestmark = pytest.mark.skipif(
    not CATALOG.is_file(), reason="catalog not compiled: run hatch_build.py or install the package (pip install -e .)"
)


@pytest.fixture(autouse=True)
def language():
    """Each test chooses its language; the one in effect before is put back after."""
    before = i18n.language()
    yield i18n.set_language
    i18n.set_language(before)


# ---- the campaign file -------------------------------------------------------------------------

BROKEN_CAMPAIGN = """\
[campaign]
name = "Ngày Sáng tạo Việt Nam"
event_date = "21/04/2025"
colour = "đỏ"

[[slogans]]
id = "1"
text = "Đổi mới sáng tạo - Khơi nguồn tri thức"

[[slogans]]
id = "1"
text = "Đổi mới sáng tạo - Nâng cao giá trị cuộc sống"

[[units]]
id = "xa-van-an"
name = "Xã Vân An"
"""


def _campaign_error(tmp_path: Path) -> tuple[Path, CampaignError]:
    path = tmp_path / "chien-dich.toml"
    path.write_text(BROKEN_CAMPAIGN, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    return path, info.value


def test_a_broken_campaign_is_reported_in_vietnamese(tmp_path, language):
    language("vi")
    path, err = _campaign_error(tmp_path)
    lines = str(err).splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{path}: ") for line in lines), lines  # one problem a line
    text = str(err)
    assert "mục 'colour' không hợp lệ" in text
    assert "'event_date' = '21/04/2025' không phải là ngày tháng" in text and "năm-tháng-ngày" in text
    assert "mã khẩu hiệu '1' bị trùng" in text and "mỗi khẩu hiệu phải có một mã riêng" in text
    for english in ("unknown key", "allowed", "is not a date", "write it as", "duplicate", "needs its own id"):
        assert english not in text, english


def test_a_broken_campaign_is_reported_in_english(tmp_path, language):
    language("en")
    _path, err = _campaign_error(tmp_path)
    text = str(err)
    assert len(text.splitlines()) == 3
    assert "[campaign]: unknown key 'colour' (allowed: " in text
    assert "'event_date' = '21/04/2025' is not a date (write it as YYYY-MM-DD" in text
    assert "[[slogans]] #2: duplicate slogan id '1'; each slogan needs its own id" in text
    assert "không" not in text and "khẩu hiệu" not in text


def test_a_toml_syntax_error_names_its_cause_in_vietnamese(tmp_path, language):
    language("vi")
    path = tmp_path / "c.toml"
    path.write_text('[campaign]\nname = "Thử"\nevent_date = 2025-09-02\n[[slogans]]\nid = "1"\ntext = "Đổi "mới""\n',
                    encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    text = str(info.value)
    assert "lỗi cú pháp TOML ở dòng 6" in text and "ngoặc kép cong" in text
    assert "TOML syntax error" not in text and "straight quotes" not in text


def test_a_bad_unit_id_is_explained_in_vietnamese(tmp_path, language):
    language("vi")
    path = tmp_path / "c.toml"
    path.write_text('[campaign]\nname = "Thử"\nevent_date = 2025-09-02\n[[slogans]]\nid = "1"\ntext = "Thử"\n'
                    '[[units]]\nid = "Xã-Vân-An"\nname = "Xã Vân An"\n', encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    text = str(info.value)
    assert "mã đơn vị 'Xã-Vân-An' có ký tự ngoài a-z, 0-9 và '-'" in text and "hãy dùng chữ thường" in text
    assert "chữ thường không dấu" in text and 'ví dụ "xa-bang-mac"' in text
    assert "has characters" not in text and "e.g." not in text


# ---- designs -------------------------------------------------------------------------------------


def _bad_design(folder: Path) -> Path:
    path = folder / "sai.toml"
    path.write_text('extends = "classic"\nid = "sai"\n[colors]\nvang = { rgb = "#FFDD0", cmyk = [0, 10, 100] }\n'
                    '[[kinds.pano.text]]\nfield = "slogan"\nlegibility = 1\n', encoding="utf-8")
    return path


def test_a_bad_design_value_is_reported_in_vietnamese(tmp_path, language):
    language("vi")
    path = _bad_design(tmp_path)
    with pytest.raises(PosterGenError) as info:
        load_design_file(path)
    text = str(info.value)
    assert text.startswith(f"mẫu thiết kế {path}: có 4 lỗi: ") and "\n" not in text
    text = text.replace(str(path), "")
    assert "[colors.vang]: rgb = '#FFDD0' không hợp lệ" in text and "các số nguyên từ 0 đến 255" in text
    assert "bốn số từ 0 đến 100 (phần trăm)" in text
    assert "legibility = 1 phải là true (có) hoặc false (không)" in text
    for english in ("design ", "problems", "give rgb", "whole numbers", "must be true or false"):
        assert english not in text, english


def test_a_bad_design_value_is_reported_in_english_after_vietnamese(tmp_path, language):
    """A design file's error is remembered per language, not in the first one asked."""
    path = _bad_design(tmp_path)
    (tmp_path / "hong.toml").write_bytes(b'id = "hong"\nname = "\xff"\n')  # not UTF-8
    said = {}
    for lang in ("vi", "en"):
        language(lang)
        with pytest.raises(PosterGenError) as info:
            load_design_file(tmp_path / "hong.toml")
        said[lang] = str(info.value)
    assert "không phải văn bản mã UTF-8" in said["vi"] and "not UTF-8" in said["en"]
    with pytest.raises(PosterGenError) as info:
        load_design_file(tmp_path / "hong.toml")
    assert "not UTF-8 text; save the file as UTF-8" in str(info.value)
    with pytest.raises(PosterGenError) as info:
        load_design_file(path)
    text = str(info.value)
    assert text.startswith(f"design {path}: 4 problems: ")
    assert "legibility = 1 must be true or false" in text and "phải" not in text


# ---- the template sandbox --------------------------------------------------------------------------


def test_a_sandbox_refusal_is_in_vietnamese(language):
    language("vi")
    with pytest.raises(sandbox.SandboxError) as info:
        sandbox.compile_field("{% include 'x' %}", "mẫu thiết kế a.toml, trường 'heading'")
    text = str(info.value)
    assert "dòng 1: không được dùng {% include %} trong một trường của mẫu thiết kế" in text
    assert text.endswith("hãy viết nội dung ngay trong trường đó")
    template = sandbox.compile_field("{{ range(10**9)|list }}", "f")
    with pytest.raises(sandbox.SandboxError) as info:
        sandbox.render(template, {}, "f", sandbox.FIELD_LIMITS)
    text = str(info.value)
    assert "range() gồm 1,000,000,000 phần tử, vượt giới hạn 10,000; hãy dùng khoảng nhỏ hơn" in text
    assert "is over the limit" not in text and "use a smaller range" not in text


def test_a_sandbox_refusal_is_in_english(language):
    language("en")
    template = sandbox.compile_field("{{ 'A ' * 10**8 }}", "design a.toml, field 'heading'")
    with pytest.raises(sandbox.SandboxError) as info:
        sandbox.render(template, {}, "design a.toml, field 'heading'", sandbox.FIELD_LIMITS)
    text = str(info.value)
    assert "'*' by 100,000,000 would make 200,000,000 characters" in text and text.endswith("make the text shorter")


def test_an_unknown_name_in_a_field_is_explained_in_vietnamese(language):
    language("vi")
    template = sandbox.compile_field("{{ nam }}", "f")
    with pytest.raises(sandbox.SandboxError) as info:
        sandbox.render(template, {"year": 2025}, "f", sandbox.FIELD_LIMITS, names_hint="year")
    assert str(info.value) == "f: không có tên 'nam' (một trường chỉ dùng được các tên: year); hãy sửa lại khuôn mẫu"


def test_design_fields_get_no_translation_callables(language):
    """The proof page is given _() and ngettext(); a design field is not."""
    language("vi")
    for source in ("{{ _('x') }}", "{{ ngettext('a', 'b', 1) }}", "{{ gettext('x') }}"):
        template = sandbox.compile_field(source, "f")
        with pytest.raises(sandbox.SandboxError, match="không có tên"):
            sandbox.render(template, {}, "f", sandbox.FIELD_LIMITS)
    assert set(sandbox.field_environment().globals) == {"range", "dict"}
    assert set(sandbox.page_environment().globals) == {"range", "dict"}


# ---- the proof sheet ----------------------------------------------------------------------------


class Visible(HTMLParser):
    """The text a reader sees: text outside <script> and <style>, titles and labels."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [a[k] for k in ("title", "aria-label", "alt") if a.get(k)]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def proof_page(out: Path, lang: str) -> tuple[str, str]:
    """(lang attribute, visible text) of the proof sheet of a small batch, made in ``lang``: its
    index and its one unit's page."""
    env = dict(os.environ, POSTER_GEN_LANG=lang)

    def run(*args: str) -> None:
        res = subprocess.run([sys.executable, "-m", "poster_gen", *args], check=False, capture_output=True,
                             text=True, env=env, timeout=300, cwd=out.parent)
        assert res.returncode == 0, res.stderr

    run("batch", "--units", "tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1",
        "--out", str(out))
    run("proof", str(out))
    texts = []
    for path in (out / "index.html", out / "_proof" / "u" / "tt-dong-mo.html"):
        page = Visible()
        page.feed(path.read_text(encoding="utf-8"))
        assert page.lang == lang
        texts.append("\n".join(page.parts))
    return page.lang, "\n".join(texts)


# the page's own words, as the template writes them in English
ENGLISH_ON_THE_PAGE = (
    "Proof sheet", "artworks", "units", "slogans", "legible", "below recommended capitals", "preflight",
    "To be printed, by kind and size", "copies to print", "of material", "Total", "Designs:", "Every file passed",
    "Units", "show only", "set as", "size", "design", "capitals", "needs", "heading", "occasion", "pass", "copies",
    "material", "Previews are small drawings", "Each unit's page", "Townships", "problems",
)


def test_the_proof_sheet_is_in_vietnamese(tmp_path):
    lang, text = proof_page(tmp_path / "out", "vi")
    event = load_campaign(default_campaign()).event_date
    assert lang == "vi"
    for vietnamese in (
        "Bản in thử: ", "ấn phẩm", "đơn vị", "khẩu hiệu", "đọc rõ ở khoảng cách nhìn", "chữ hoa thấp hơn mức khuyến nghị",
        "không đạt kiểm tra trước khi in (đã kiểm tra 1/1)", "Số lượng cần in theo loại và kích thước",
        "bản cần in", "diện tích vật liệu", "Tổng cộng", "Mẫu thiết kế:", "Thị trấn", "số bản", "vật liệu",
        "giấy · 0,13 m²", "khổ in 303 × 426 mm",
        "Tất cả các tệp đều đạt kiểm tra trước khi in.", "tt-dong-mo · 1 ấn phẩm", "xếp dòng:", "kích thước",
        "chiều cao chữ hoa", "khi nhìn từ", "tiêu đề", "dòng sự kiện", "đạt", "Ảnh xem trước",
        f"{event.day:02d}/{event.month:02d}/{event.year}",
    ):
        assert vietnamese in text, vietnamese
    for english in ENGLISH_ON_THE_PAGE:
        assert english not in text, english
    assert event.isoformat() not in text


def test_the_proof_sheet_is_in_english(tmp_path):
    lang, text = proof_page(tmp_path / "out", "en")
    assert lang == "en"
    assert "tt-dong-mo · 1 artwork\n" in text + "\n"
    assert "giấy · 0.13 m²" in text and "303 × 426 mm printed" in text
    for english in ENGLISH_ON_THE_PAGE:
        assert english in text, english
    for vietnamese in ("Bản in thử", "ấn phẩm", "kiểm tra trước khi in", "chiều cao chữ hoa", "Ảnh xem trước"):
        assert vietnamese not in text, vietnamese
    assert load_campaign(default_campaign()).event_date.isoformat() in text
