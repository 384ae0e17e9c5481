"""Start-up: the compiled word lists say exactly what the text lists say (no timing here)."""

from __future__ import annotations

import shutil

import pytest

from poster_gen import legacy, words
from poster_gen.resources import data_dir
from poster_gen.words import Lexicon, _list_syllables, _read_list


@pytest.fixture()
def lists(tmp_path):
    for name in words.WORDLIST_SOURCES:
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
        keys, max_len, syls = words.compiled_wordlists()
        assert path.is_file()
        assert path.read_text(encoding="utf-8") == words.compile_wordlists(lists)
        assert "sáng tạo" in Lexicon._compiled(keys, max_len)

        with (lists / "words-extra.txt").open("a", encoding="utf-8") as fh:
            fh.write("\nxyzin qwerbo\n")
        words.compiled_wordlists.cache_clear()
        keys, max_len, syls = words.compiled_wordlists()
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
        keys, max_len, _ = words.compiled_wordlists()
        assert Lexicon._compiled(keys, max_len).keys() == text_lexicon().keys()
    finally:
        words.compiled_wordlists.cache_clear()


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
