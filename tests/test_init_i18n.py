"""poster-gen init speaks the user's language.

Its errors, the notes on the memo, what is left to edit and the summary line
are made in the language in effect (``poster_gen.i18n.set_language``): in
Vietnamese nothing of the English is left; in English they are the source
texts. The campaign file it writes is the same in both: its comments are
Vietnamese by design, for whoever edits the file.

The official unit list is a small stand-in here (the real one is an optional
dependency, tested in test_init.py). The Vietnamese catalog is compiled with
Babel, as the package build does, when it is missing or older than its
sources. Every test puts the language back as it found it.
"""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from pg_testutil import DATA_DIR, REPO_DIR, ensure_catalog
from poster_gen import i18n, init
from poster_gen.cli import cli
from poster_gen.errors import PosterGenError

CATALOG_DIR = REPO_DIR / "poster_gen" / "locale" / "vi" / "LC_MESSAGES"
MEMO = DATA_DIR / "init" / "cong-van-ubnd-chi-lang-2024.txt"

WARDS = (
    init.Ward("06040", "Xã Na Sầm", "xã"),
    init.Ward("06106", "Phường Lương Văn Tri", "phường"),
    init.Ward("06253", "Xã Chi Lăng", "xã"),
)
REGISTRY = init.Registry(
    package_version="0.0-test",
    data_version="2025-10-18",
    provinces=(
        init.Province("04", "Cao Bằng", "tỉnh", (init.Ward("01273", "Phường Thục Phán", "phường"),)),
        init.Province("20", "Lạng Sơn", "tỉnh", WARDS),
    ),
)


@pytest.fixture(scope="module", autouse=True)
def _catalog():
    if not ensure_catalog():
        pytest.skip("no compiled Vietnamese catalog and no Babel to compile it")




@pytest.fixture(autouse=True)
def _registry(monkeypatch):
    monkeypatch.setattr(init, "load_registry", lambda: REGISTRY)


def _unknown_province(lang: str) -> str:
    i18n.set_language(lang)
    with pytest.raises(PosterGenError) as exc:
        init.find_provinces(["Lang Sonn"], REGISTRY)
    return str(exc.value)


def _existing_file(lang: str, tmp_path) -> str:
    path = tmp_path / f"c-{lang}.toml"
    path.write_text("# mine\n", encoding="utf-8")
    i18n.set_language(lang)
    with pytest.raises(PosterGenError) as exc:
        init.write_campaign(path, provinces=["Lạng Sơn"])
    assert path.read_text(encoding="utf-8") == "# mine\n"
    return str(exc.value)


def _summary(lang: str, tmp_path) -> tuple[str, init.InitResult]:
    i18n.set_language(lang)
    res = init.write_campaign(tmp_path / f"c-{lang}.toml", provinces=["Lạng Sơn"], slogans_file=MEMO)
    return res.summary(), res


def test_unknown_province_in_vietnamese():
    msg = _unknown_province("vi")
    assert "không có tỉnh, thành phố 'Lang Sonn'" in msg and "có phải ý bạn là Lạng Sơn?" in msg
    assert "tỉnh, thành phố là: Cao Bằng, Lạng Sơn" in msg
    assert "unknown province" not in msg and "did you mean" not in msg and "provinces and cities" not in msg


def test_unknown_province_in_english():
    msg = _unknown_province("en")
    assert msg == ("unknown province 'Lang Sonn': did you mean Lạng Sơn? the 34 provinces and cities are: "
                   "Cao Bằng, Lạng Sơn (or 'all')")


def test_a_merged_province_and_a_commune_name_in_vietnamese():
    i18n.set_language("vi")
    with pytest.raises(PosterGenError) as merged:
        init.find_provinces(["Bắc Giang"], REGISTRY)
    with pytest.raises(PosterGenError) as commune:
        init.find_provinces(["Chi Lăng"], REGISTRY)
    assert "không còn là tỉnh: từ ngày 01/7/2025 đã hợp nhất vào Bắc Ninh" in str(merged.value)
    assert "đây không phải tên tỉnh, nhưng có đơn vị Xã Chi Lăng (Lạng Sơn)" in str(commune.value)
    said = (str(merged.value) + str(commune.value)).replace("--province", "")
    assert "province" not in said and "since" not in said and "there is" not in said


def test_existing_file_without_force_in_vietnamese(tmp_path):
    msg = _existing_file("vi", tmp_path)
    assert "đã có" in msg and "không ghi đè" in msg and "--force" in msg and "tên tệp khác" in msg
    assert "exists" not in msg and "overwritten" not in msg and "choose another" not in msg


def test_existing_file_without_force_in_english(tmp_path):
    msg = _existing_file("en", tmp_path)
    assert msg == (f"{tmp_path / 'c-en.toml'} exists; it is not overwritten: give --force to replace it, "
                   "or choose another file name")


def test_summary_line_in_vietnamese(tmp_path):
    line, res = _summary("vi", tmp_path)
    n = len(res.memo.slogans)
    assert line == f"đã ghi tệp {res.path}: 3 đơn vị của Lạng Sơn (dữ liệu ngày 2025-10-18), {n} khẩu hiệu"
    for english in ("wrote", "units", "data", "slogan"):
        assert english not in line


def test_summary_line_in_english(tmp_path):
    line, res = _summary("en", tmp_path)
    n = len(res.memo.slogans)
    assert n > 1
    assert line == f"wrote {res.path}: 3 units of Lạng Sơn (data 2025-10-18), {n} slogans"


def test_placeholders_and_summary_without_options(tmp_path):
    i18n.set_language("vi")
    res = init.write_campaign(tmp_path / "c.toml")
    assert res.summary() == f"đã ghi tệp {res.path}: 1 đơn vị tạm, 1 khẩu hiệu tạm"
    assert res.placeholders[0] == "tên sự kiện, mục name của [campaign] (--occasion)"
    i18n.set_language("en")
    assert res.summary() == f"wrote {res.path}: 1 placeholder unit, 1 placeholder slogan"


def test_where_and_why_follow_the_language_the_file_stays_vietnamese(tmp_path):
    memo = tmp_path / "cv.txt"
    memo.write_text("Theo “Nghị quyết số 5” của tỉnh.\n\n- “Đổi mới sáng tạo”\n- “Đổi mới sáng tạo”\n",
                    encoding="utf-8")
    texts = {}
    for lang in ("vi", "en"):
        i18n.set_language(lang)
        res = init.build(slogans_file=memo)
        texts[lang] = res.text
        others = [(f.where, f.reason) for f in res.memo.others]
        if lang == "vi":
            assert others == [("dòng 1", "trích trong câu văn"), ("dòng 4", "lặp lại khẩu hiệu đã có")]
        else:
            assert others == [("line 1", "quoted inside a sentence"), ("line 4", "the same text again")]
    assert texts["vi"] == texts["en"]
    assert "# dòng 1: trích trong câu văn" in texts["en"]


def test_the_command_reports_in_vietnamese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["--lang", "vi", "init", "c.toml", "--province", "Lạng Sơn", "--slogans-from",
                                   str(MEMO)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("đã ghi tệp c.toml: 3 đơn vị của Lạng Sơn (dữ liệu ngày 2025-10-18), ")
    assert "cần sửa trước khi in: tên sự kiện" in res.stderr
    assert "wrote" not in res.stdout and "placeholder" not in res.stderr
