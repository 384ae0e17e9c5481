"""Bad input gets one clear line, exit code 2, and loses nothing."""

from __future__ import annotations

import errno
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from poster_gen import output
from poster_gen.api import draft_slogan, make_job, render_job
from poster_gen.campaign import load_campaign
from poster_gen.cli import cli
from poster_gen.errors import PosterGenError
from poster_gen.legacy import detect_legacy
from poster_gen.resources import default_campaign

CAMPAIGN = default_campaign()


def run(*args: str, **kw):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


def assert_one_line_error(res, *needles: str, code: int = 2):
    assert res.exit_code == code, res.output
    text = res.output.strip()
    assert "Traceback" not in text
    err_lines = [l for l in text.splitlines() if l.startswith("poster-gen: error:")]
    assert len(err_lines) == 1, text
    for n in needles:
        assert n in err_lines[0], (n, err_lines[0])


# ---- 1. campaign files ------------------------------------------------------------


def test_toml_syntax_error_names_file_line_and_column(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[campaign]\nname = "x\nevent_date = 2024-04-21\n', encoding="utf-8")
    res = run("--campaign", str(bad), "slogans")
    assert_one_line_error(res, str(bad), "line 2", "column")


def test_all_campaign_problems_reported_together(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text(
        """
[campaign]
name = ""
event_date = "21/4/2024"
colour = "red"

[[slogans]]
id = "1"
text = "Đổi mới sáng tạo"

[[slogans]]
id = "1"
text = "   "

[[units]]
id = "Xã Bằng Mạc"
name = "Xã Bằng Mạc"

[[units]]
id = "xa-y-tich"
name = 5
""",
        encoding="utf-8",
    )
    res = run("--campaign", str(bad), "units")
    assert res.exit_code == 2 and "Traceback" not in res.output
    # one problem per line, each an error line naming the file
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 7 and all(ln.startswith(f"poster-gen: error: {bad}: ") for ln in lines), res.output
    for needle in ("'name' is empty", "not a date", "unknown key 'colour'", "duplicate slogan id '1'",
                   "'text' is empty", "slug", "must be text"):
        assert sum(needle in ln for ln in lines) == 1, needle


def test_missing_campaign_file(tmp_path):
    res = run("--campaign", str(tmp_path / "nope.toml"), "slogans")
    assert_one_line_error(res, "not found")


def test_campaign_not_utf8(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_bytes('[campaign]\nname = "Đổi mới"\n'.encode("utf-16"))
    res = run("--campaign", str(bad), "slogans")
    assert_one_line_error(res, "UTF-8")


# ---- 2. unknown ids ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,needles",
    [
        (["--unit", "xa-bang-mc", "--slogan", "1", "--size", "ap-phich-a1"], ["unknown unit 'xa-bang-mc'", "did you mean xa-bang-mac"]),
        (["--unit", "xa-bang-mac", "--slogan", "7", "--size", "ap-phich-a1"], ["unknown slogan '7'", "1, 2, 3, 4, 5, 6"]),
        (["--unit", "xa-bang-mac", "--slogan", "1", "--size", "ap-phich-a9"], ["unknown size 'ap-phich-a9'", "ap-phich-a"]),
        (["--unit", "xa-bang-mac", "--slogan", "1", "--size", "ap-phich-a1", "--design", "clasic"], ["unknown design 'clasic'", "classic"]),
    ],
)
def test_unknown_ids_are_named_with_suggestions(tmp_path, args, needles):
    res = run("render", *args, "--out", str(tmp_path))
    assert_one_line_error(res, *needles)
    assert not any(tmp_path.iterdir())


# ---- 3. text -----------------------------------------------------------------------------


def test_nfd_input_is_drawn_as_nfc(tmp_path):
    c = load_campaign(CAMPAIGN)
    nfd = unicodedata.normalize("NFD", "Đổi mới sáng tạo - Khơi nguồn tri thức")
    job = make_job(c, "xa-bang-mac", None, "ap-phich-a3", text=nfd, dpi=20)
    res = render_job(c, job, tmp_path, ("pdf",))
    text = " ".join(PdfReader(res.files["pdf"]).pages[0].extract_text().split())
    assert unicodedata.normalize("NFC", nfd).upper() in text


@pytest.mark.parametrize(
    "mojibake,encoding,reading",
    [
        ("§æi míi s¸ng t¹o", "TCVN3", "Đổi mới sáng tạo"),
        ("Ñoåi môùi saùng taïo", "VNI", "Đổi mới sáng tạo"),
        ("Ð±i m¾i sáng tÕo", "VISCII", "Đổi mới sáng tạo"),
    ],
)
def test_legacy_encodings_are_refused_naming_them(tmp_path, mojibake, encoding, reading):
    m = detect_legacy(mojibake)
    assert m is not None and m.encoding.startswith(encoding) and m.converted == reading
    res = run("render", "--unit", "xa-bang-mac", "--text", mojibake, "--size", "ap-phich-a3", "--out", str(tmp_path))
    assert_one_line_error(res, encoding, reading)


@pytest.mark.parametrize("text", ["Xã Hòa Bình", "Xã Hoà Bình", "Café sáng tạo", "ĐỔI MỚI SÁNG TẠO", "Thủy", "Thuỷ"])
def test_real_vietnamese_is_not_mistaken_for_legacy(text):
    assert detect_legacy(text) is None


def test_tone_placement_is_never_rewritten(tmp_path):
    c = load_campaign(CAMPAIGN)
    for spelling in ("Hoà bình và đổi mới", "Hòa bình và đổi mới"):
        job = make_job(c, "xa-bang-mac", None, "ap-phich-a3", text=spelling, dpi=20)
        res = render_job(c, job, tmp_path, ("pdf",))
        drawn = " ".join(PdfReader(res.files["pdf"]).pages[0].extract_text().split())
        assert spelling.upper() in drawn


def test_missing_glyph_names_codepoint_and_font(tmp_path):
    res = run("render", "--unit", "xa-bang-mac", "--text", "Đổi mới ☃", "--size", "ap-phich-a3", "--out", str(tmp_path))
    assert_one_line_error(res, "U+2603", "Be Vietnam Pro")


def test_control_characters_and_stray_spaces_are_cleaned():
    s = draft_slogan("  Đổi\u200b mới\t\tsáng\x07 tạo \n")
    assert s.text == "Đổi mới sáng tạo"
    with pytest.raises(PosterGenError, match="empty"):
        draft_slogan(" \x00\u200b ")


# ---- 4. sizes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size,dpi,needle",
    [
        ("0x800", None, "too small"),
        ("-5000x800", None, "too small"),
        ("60000x800", None, "50 m"),
        ("40000x40000", 300, "Mpx"),
        ("5000x800", 0, "--dpi"),
        ("5000x800", 100000, "--dpi"),
    ],
)
def test_absurd_sizes_are_refused_with_the_limit(tmp_path, size, dpi, needle):
    args = ["render", "--unit", "xa-bang-mac", "--slogan", "1", "--size", size, "--out", str(tmp_path)]
    if dpi is not None:
        args += ["--dpi", str(dpi)]
    res = run(*args)
    assert_one_line_error(res, needle)


# ---- 5. files ----------------------------------------------------------------------------


def test_crash_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    c = load_campaign(CAMPAIGN)
    job = make_job(c, "xa-bang-mac", "1", "ap-phich-a3", dpi=20)
    import poster_gen.png as png

    def boom(*a, **k):
        yield from ()
        raise RuntimeError("simulated crash mid-file")

    monkeypatch.setattr(png, "render_strips", boom)
    with pytest.raises(Exception):
        render_job(c, job, tmp_path, ("png",))
    assert list(tmp_path.rglob("*")) == [tmp_path / "xa-bang-mac"]


def test_full_disk_is_a_clear_error(tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "replace", full)
    res = run("render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "ap-phich-a3", "--dpi", "20", "--format", "pdf",
              "--out", str(tmp_path))
    assert_one_line_error(res, "disk is full")
    assert not list(tmp_path.rglob("*.pdf")) and not list(tmp_path.rglob("*.part"))


def test_output_folder_that_is_a_file(tmp_path):
    f = tmp_path / "out"
    f.write_text("x", encoding="utf-8")
    res = run("render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "ap-phich-a3", "--out", str(f / "sub"))
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_ids_cannot_steer_paths_outside_the_output(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text(
        CAMPAIGN.read_text(encoding="utf-8").replace('id = "xa-bang-mac"', 'id = "../../etc"'), encoding="utf-8"
    )
    res = run("--campaign", str(bad), "units")
    assert_one_line_error(res, "../../etc", "slug")


# ---- 6. templates ------------------------------------------------------------------------


def _user_design(tmp_path: Path, field_source: str) -> Path:
    from poster_gen.resources import templates_dir

    d = tmp_path / "designs"
    d.mkdir()
    text = (templates_dir() / "classic.toml").read_text(encoding="utf-8")
    text = text.replace('id = "classic"', 'id = "mine"', 1)
    import re

    head, tail = text.split("[fields]", 1)
    tail = re.sub(r'(?m)^heading = ".*"$', lambda m: f"heading = {field_source}", tail, count=1)
    text = head + "[fields]" + tail
    (d / "mine.toml").write_text(text, encoding="utf-8")
    return d


@pytest.mark.parametrize(
    "source,needle",
    [('"{{ unit.nmae }}"', "nmae"), ('"{{ unit.name.__class__.__mro__ }}"', "mine"), ('"{{ unit.name"', "mine")],
)
def test_template_errors_name_the_template(tmp_path, source, needle):
    from poster_gen.campaign import load_campaign as lc
    from poster_gen.compose import compose
    from poster_gen.design import load_design

    c = lc(CAMPAIGN)
    with pytest.raises(PosterGenError) as info:
        design = load_design("mine", [_user_design(tmp_path, source)])
        compose(c, c.unit("xa-bang-mac"), c.slogan("1"), make_job(c, "xa-bang-mac", "1", "ap-phich-a3").size, design)
    msg = str(info.value)
    assert needle in msg and "\n" not in msg


# ---- property: any text renders or fails with the documented error ---------------------------

_ALPHABET = st.characters(
    whitelist_categories=("Lu", "Ll", "Nd", "Zs", "Po", "Pd", "Mn", "Cc", "Cf", "So"), max_codepoint=0x2FFF
)


@given(st.text(alphabet=_ALPHABET, min_size=0, max_size=40))
def test_any_text_renders_as_nfc_or_fails_cleanly(tmp_path_factory, text):
    c = load_campaign(CAMPAIGN)
    out = tmp_path_factory.mktemp("p")
    try:
        job = make_job(c, "xa-bang-mac", None, "ap-phich-a3", text=text, dpi=10)
        res = render_job(c, job, out, ("pdf",))
    except PosterGenError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg
        assert any(k in msg for k in ("--text", "no glyph", "too long", "U+")), msg
        return
    drawn = " ".join(PdfReader(res.files["pdf"]).pages[0].extract_text().split())
    expected = " ".join(unicodedata.normalize("NFC", job.slogan.text).upper().split())
    assert expected in drawn
    assert not list(out.rglob("*.part"))


def test_missing_dependency_is_a_clear_error(tmp_path, monkeypatch):
    """poster-gen run with a Python that lacks a dependency says which and how to install."""
    import poster_gen.api as api

    def missing(*a, **k):
        raise ModuleNotFoundError("No module named 'uharfbuzz'", name="uharfbuzz")

    monkeypatch.setattr(api, "render_job", missing)
    res = run("render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "ap-phich-a3", "--out", str(tmp_path))
    assert_one_line_error(res, "'uharfbuzz' is missing", "pip install")
