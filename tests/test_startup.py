"""Start-up: the compiled word lists say exactly what the text lists say (no timing here)."""

from __future__ import annotations

import shutil

import pytest

from poster_gen import legacy, words
from poster_gen.resources import data_dir
from poster_gen.words import Lexicon, _list_syllables, _read_list


@pytest.fixture()
def lists(tmp_path):
    for name in words.COMPILED_SOURCES:
        shutil.copy(data_dir() / name, tmp_path / name)
    return tmp_path


def text_lexicon() -> Lexicon:
    return Lexicon([line for name in words.WORDLIST_SOURCES for line in _read_list(name)])


def test_compiled_lexicon_equals_the_text_lists():
    built = text_lexicon()
    compiled = words.default_lexicon()
    assert compiled.keys() == built.keys()
    assert len(compiled) == len(built) > 20000
    assert compiled.max_len == built.max_len
    for key in list(built.keys())[:2000]:
        assert compiled.has_key(key)


def test_compiled_syllables_equal_the_text_lists():
    assert legacy.syllables() == _list_syllables(data_dir())


def test_compiled_lexicon_lookups():
    lex = words.default_lexicon()
    assert "sáng tạo" in lex and "sở hữu trí tuệ" in lex
    assert "hoà bình" in lex and "hòa bình" in lex  # placement-insensitive, as before
    assert "sáng" not in lex
    assert not lex.has_key(("sáng tạo",))  # a key holding a space is never a word
    assert not lex.has_key(("zzz", "qqq"))


def test_file_is_made_when_missing_and_remade_when_the_lists_change(lists, monkeypatch):
    monkeypatch.setattr(words, "data_dir", lambda: lists)
    words.compiled_wordlists.cache_clear()
    try:
        path = lists / words.COMPILED_WORDLISTS
        assert not path.exists()
        keys, max_len, syls, _phrases = words.compiled_wordlists()
        assert path.is_file()
        assert path.read_text(encoding="utf-8") == words.compile_wordlists(lists)
        assert "sáng tạo" in Lexicon._compiled(keys, max_len)

        with (lists / "words-extra.txt").open("a", encoding="utf-8") as fh:
            fh.write("\nxyzin qwerbo\n")
        words.compiled_wordlists.cache_clear()
        keys, max_len, syls, _phrases = words.compiled_wordlists()
        assert "xyzin qwerbo" in Lexicon._compiled(keys, max_len)
        assert "qwerbo" in syls
        assert path.read_text(encoding="utf-8") == words.compile_wordlists(lists)
    finally:
        words.compiled_wordlists.cache_clear()


def test_damaged_file_is_ignored(lists, monkeypatch):
    monkeypatch.setattr(words, "data_dir", lambda: lists)
    (lists / words.COMPILED_WORDLISTS).write_bytes(b"\xff\xfe not a word list")
    words.compiled_wordlists.cache_clear()
    try:
        keys, max_len, _, _ = words.compiled_wordlists()
        assert Lexicon._compiled(keys, max_len).keys() == text_lexicon().keys()
    finally:
        words.compiled_wordlists.cache_clear()


def test_compiled_phrases_equal_the_text_list():
    built = words.PhraseList(_read_list(words.PHRASES_SOURCE))
    compiled = words.default_phrases()
    assert compiled._phrases == built._phrases and len(compiled) == len(built) >= 80
    assert compiled.max_len == built.max_len
    assert "Ngày Giải phóng miền Nam, thống nhất đất nước" in compiled  # the punctuation between its words counts
    assert "Ngày Giải phóng miền Nam thống nhất đất nước" not in compiled


def test_file_is_remade_when_the_phrases_change(lists, monkeypatch):
    monkeypatch.setattr(words, "data_dir", lambda: lists)
    words.compiled_wordlists.cache_clear()
    try:
        assert "Xyzin Qwerbo Plok" not in words.PhraseList._compiled(words.compiled_wordlists().phrases)
        with (lists / words.PHRASES_SOURCE).open("a", encoding="utf-8") as fh:
            fh.write("\nXyzin Qwerbo Plok\n")
        words.compiled_wordlists.cache_clear()
        assert "Xyzin Qwerbo Plok" in words.PhraseList._compiled(words.compiled_wordlists().phrases)
        assert "qwerbo" not in words.compiled_wordlists().syllables  # a phrase is not a word of the lexicon
    finally:
        words.compiled_wordlists.cache_clear()


def test_a_file_cut_short_is_made_again(lists, monkeypatch):
    monkeypatch.setattr(words, "data_dir", lambda: lists)
    whole = words.compile_wordlists(lists).encode("utf-8")
    (lists / words.COMPILED_WORDLISTS).write_bytes(whole[: len(whole) - 1000])
    words.compiled_wordlists.cache_clear()
    try:
        keys, max_len, _, _ = words.compiled_wordlists()
        assert Lexicon._compiled(keys, max_len).keys() == text_lexicon().keys()
        assert (lists / words.COMPILED_WORDLISTS).read_bytes() == whole
    finally:
        words.compiled_wordlists.cache_clear()


@pytest.mark.parametrize("split_after", [words.SortedLines.SPLIT_AFTER, 0])
def test_sorted_lines_are_looked_up_in_the_bytes_as_in_a_list(split_after, monkeypatch):
    """Bisecting the file's bytes, and bisecting the split list (after many lookups), answer as a set does."""
    monkeypatch.setattr(words.SortedLines, "SPLIT_AFTER", split_after)
    items = sorted({"a", "a b", "ab", "b", "đá", "đá bóng", "ơi", "z", "zz", "ưu tiên", "ấy"})
    data = ("head\n" + "\n".join(items) + "\x1drest").encode("utf-8")
    lines = words.SortedLines(data, 5, data.index(b"\x1d"))
    asked = [*items, "", "0", "a c", "aa", "b ", " b", "c", "đ", "đá bó", "zzz", "ư", "head", "rest", "a\nb", 3, None]
    assert [x in lines for x in asked] == [x in set(items) for x in asked]
    assert list(lines) == items and len(lines) == len(items)
    empty = words.SortedLines(b"x\x1d", 2, 2)
    assert "x" not in empty and "" not in empty and list(empty) == [] and len(empty) == 0


def test_the_syllable_shape_is_the_expression_it_was():
    """``legacy`` checks the shape of a syllable without compiling this expression at start-up."""
    import random
    import re
    import unicodedata

    onset = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    nucleus = ("(?:iêu|yêu|oai|oay|oao|oeo|uôi|ươi|ươu|uya|uyê|uây|uyu|"
               "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|ươ|ưa|ưi|ưu|uy|yê|"
               "[aăâeêioôơuưy])")
    expression = re.compile(f"^{onset}{nucleus}(?:ng|nh|ch|[cmnpt])?$")

    def bare(word: str) -> str:
        nfd = unicodedata.normalize("NFD", word.lower())
        return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in legacy._TONES))

    texts = {bare(s) for s in legacy.syllables()}
    rnd = random.Random(14)
    letters = list("abcdđeghiklmnopqrstuvxyăâêôơư") + ["\n", " ", "1", "A"]
    texts |= {"".join(rnd.choice(letters) for _ in range(rnd.randrange(8))) for _ in range(30000)}
    texts |= {t + "\n" for t in list(texts)[:3000]} | {"", "\n", "a\n\n", "ngh", "nghiêng", "qua", "gi", "gìn"}
    assert len(texts) > 20000  # every syllable of the word lists, and strings near them
    assert [t for t in texts if bool(expression.match(t)) != legacy._shaped_like_a_syllable(t)] == []


def test_the_host_name_is_the_one_the_socket_module_gives():
    import socket

    from poster_gen import output

    assert output._host_name() == socket.gethostname()


def test_build_step_writes_the_compiled_file(tmp_path):
    import sys

    from pg_testutil import REPO_DIR

    sys.path.insert(0, str(REPO_DIR))  # the build step, at the top of the checkout
    try:
        import hatch_build
    finally:
        sys.path.remove(str(REPO_DIR))

    root = tmp_path / "src"
    shutil.copytree(REPO_DIR / "poster_gen", root / "poster_gen", ignore=shutil.ignore_patterns("__pycache__", "*.compiled"))
    out = hatch_build.compile_wordlists(root)
    assert out == root / "poster_gen" / "data" / words.COMPILED_WORDLISTS
    assert out.read_text(encoding="utf-8") == words.compile_wordlists(data_dir())


@pytest.mark.parametrize(
    "text, encoding",
    [("§æi míi s¸ng t¹o", "TCVN3"), ("Ñoåi môùi saùng taïo", "VNI"), ("Ð±i m¾i sáng tÕo", "VISCII")],
)
def test_legacy_still_found(text, encoding):
    m = legacy.detect_legacy(text)
    assert m is not None and encoding in m.encoding and m.converted == "Đổi mới sáng tạo"


@pytest.mark.parametrize("text", ["Đổi mới sáng tạo - Khơi nguồn tri thức", "UBND XÃ BẰNG MẠC", "xã Bằng Mạc", "Café"])
def test_unicode_vietnamese_is_not_legacy(text):
    assert legacy.detect_legacy(text) is None


def _detect_in_full(text: str):
    """detect_legacy as it was before it stopped early: every conversion made and scored."""
    if not legacy._suspicious(text):
        return None
    words_ = legacy._letters(text)
    if not words_ or sum(1 for w in words_ if legacy.well_formed_syllable(w)) / len(words_) + 0.25 > 1.0:
        return None
    candidates = [(name, converted) for name, decode in legacy.DECODERS if (converted := decode(text)) != text]
    if not candidates:
        return None
    base = legacy._score(text)
    best = None
    for name, converted in candidates:
        score = legacy._score(converted)
        if score >= 0.75 and score >= base + 0.25 and (best is None or score > best.score):
            best = legacy.LegacyMatch(name, converted, score)
    return best if best is None else legacy.LegacyMatch(legacy._(best.encoding), best.converted, best.score)


def _as_legacy(text: str, encoding: str) -> str:
    """``text`` typed in a legacy encoding and pasted as Unicode (cp1252 / Latin-1 characters)."""
    import unicodedata

    if encoding == "VNI":  # a base letter, then its marks as bytes
        marks = {v: k for k, v in legacy._VNI_MARKS.items() if k.islower()}
        letters = {v: k for k, v in legacy._VNI_LETTERS.items()}
        out = []
        for ch in unicodedata.normalize("NFD", text):
            if out and ch in "\u0300\u0301\u0303\u0309\u0323\u0302\u0306" and (out[-1] + ch) not in marks:
                out.append(marks.get(ch, ch))
            else:
                out.append(letters.get(ch, ch))
        return "".join(out)
    table = legacy.TCVN3 if encoding == "TCVN3" else legacy.VISCII
    to_byte = {ch: 0x80 + i for i, ch in enumerate(table)}
    out = []
    for ch in text:
        b = to_byte.get(ch)
        out.append(ch if b is None else bytes([b]).decode("cp1252", errors="ignore") or bytes([b]).decode("latin-1"))
    return "".join(out)


def test_legacy_detection_gives_the_answers_of_the_full_scoring(campaign):
    """Stopping early (text that scores above 0.75 is not decoded) changes no answer."""
    texts = [campaign.name, campaign.issuer, *(u.name for u in campaign.units), *(s.text for s in campaign.slogans)]
    texts += [u.heading for u in campaign.units if u.heading]
    texts += [_as_legacy(t, enc) for t in texts[:30] for enc in ("TCVN3", "VNI", "VISCII")]
    texts += ["UBND XÃ MAI SAO", "…/UBND-KTHT", "Café Phố", "§æi míi", "ÑOÅI MÔÙI", "Ð±i m¾i", "Tieáng Vieät"]
    found = 0
    for text in texts:
        got, full = legacy.detect_legacy(text), _detect_in_full(text)
        assert got == full, text
        found += got is not None
    assert found >= 30  # the converted texts are found: the comparison covers both answers


# ---- what a render loads -------------------------------------------------------------------
#
# Start-up is mostly imports. A PDF of a packaged design needs neither jinja2 (its fields are
# read by poster_gen.fieldexpr) nor fontTools (poster_gen.fonts reads plain TrueType files
# itself), nor the raster writers. Which modules a fresh process loaded is a fact, not a timing.

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

NOT_FOR_A_PDF = ("jinja2", "fontTools", "poster_gen.sandbox", "poster_gen.raster", "poster_gen.png", "numpy",
                 # the print order's records and money (a campaign without [materials] or [prices]),
                 # suggestions for mistakes, the host name from the socket module
                 "poster_gen.quantities", "decimal", "poster_gen.suggest", "difflib", "socket")


def _loaded_by(code: str, tmp_path) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code`` (in ``tmp_path``)."""
    listing = tmp_path / "modules.txt"
    script = f"{code}\nimport sys\nopen({str(listing)!r}, 'w').write('\\n'.join(sorted(sys.modules)))\n"
    env = {**os.environ, "POSTER_GEN_LANG": "en"}
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    return set(listing.read_text().split())


def test_the_render_command_loads_no_template_engine_font_library_or_raster_writer(tmp_path):
    code = (
        "import runpy, sys\n"
        "sys.argv = ['poster-gen', 'render', '--unit', 'xa-bang-mac', '--slogan', '4', '--size', 'bieu-ngu-500x80',"
        f" '--format', 'pdf', '--out', {str(tmp_path / 'out')!r}]\n"
        "try:\n    runpy.run_module('poster_gen', run_name='__main__')\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
    )
    loaded = _loaded_by(code, tmp_path)
    assert (tmp_path / "out" / "xa-bang-mac" / "bieu-ngu-500x80_4.pdf").is_file()
    assert "poster_gen.fonts" in loaded and "poster_gen.pdf" in loaded  # the check below means something
    assert not [m for m in loaded if m.split(".")[0] in NOT_FOR_A_PDF or m in NOT_FOR_A_PDF]


def test_every_packaged_design_composes_and_writes_a_pdf_without_them(tmp_path):
    code = (
        "from poster_gen import api\n"
        "from poster_gen.campaign import load_campaign\n"
        "from poster_gen.pdf import PdfOptions, render_pdf_bytes\n"
        "from poster_gen.resources import default_campaign\n"
        "c = load_campaign(default_campaign())\n"
        "for design in ('classic', 'band', 'title'):\n"
        "    for size in ('pano-300x200', 'pano-200x300', 'ap-phich-a1', 'bieu-ngu-500x80', 'phuon-80x240'):\n"
        "        job = api.make_job(c, 'xa-bang-mac', '4', size, design)\n"
        "        art = api.compose_job(c, job)\n"
        "        assert render_pdf_bytes(art.scene, PdfOptions(marks=True)).startswith(b'%PDF')\n"
    )
    loaded = _loaded_by(code, tmp_path)
    assert not [m for m in loaded if m.split(".")[0] in NOT_FOR_A_PDF or m in NOT_FOR_A_PDF]


def test_a_design_field_outside_the_subset_loads_jinja2(tmp_path):
    """The control: the check above would see jinja2 if a render loaded it."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "own.toml").write_text(
        'id = "own"\nextends = "classic"\n[fields]\nheading = "{{ unit.name | upper }}"\n', encoding="utf-8")
    code = (
        "from poster_gen import api\n"
        "from poster_gen.campaign import load_campaign\n"
        "from poster_gen.resources import default_campaign\n"
        "from pathlib import Path\n"
        "c = load_campaign(default_campaign())\n"
        "job = api.make_job(c, 'xa-bang-mac', '4', 'bieu-ngu-500x80', 'own', design_dirs=[Path('templates')])\n"
        "assert api.compose_job(c, job).legibility.block('heading').lines == ('XÃ BẰNG MẠC',)\n"
    )
    assert "jinja2" in _loaded_by(code, tmp_path)
