"""Vietnamese words: where a line may break, and what each break costs."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pg_testutil import APPROVED_SLOGANS, COMMUNE_UNITS, PROPERTY, vn_upper
from poster_gen.words import COST_STRONG, Lexicon, default_lexicon, split_words, syllable_key

NO_BREAK = ("sáng tạo", "đổi mới", "sở hữu trí tuệ", "khoa học", "công nghệ", "nâng cao", "khơi dậy")

CONTEXTS = (
    *APPROVED_SLOGANS,
    "Tuổi trẻ khơi dậy tinh thần sáng tạo",
    "Bảo hộ sở hữu trí tuệ cho sáng chế",
    "Ứng dụng khoa học và công nghệ vào sản xuất",
    "Thúc đẩy đổi mới trong nông nghiệp",
    "Cùng nhau nâng cao chất lượng cuộc sống",
    "khoa học công nghệ",
)


def break_gaps(words) -> set[int]:
    """Indices g of syllable gaps (between syllable g and g+1) where a line may break."""
    gaps, n = set(), 0
    for w in words[:-1]:
        n += w.syllables
        gaps.add(n - 1)
    return gaps


def phrase_spans(text: str, phrase: str) -> list[range]:
    """Syllable gap ranges inside each occurrence of phrase (case-insensitive)."""
    syl = [s.strip(",.-").lower() for s in text.split()]
    ph = phrase.lower().split()
    out = []
    for i in range(len(syl) - len(ph) + 1):
        if syl[i : i + len(ph)] == ph:
            out.append(range(i, i + len(ph) - 1))
    return out


def _cases():
    for text in CONTEXTS:
        for phrase in NO_BREAK:
            if phrase_spans(text, phrase):
                yield pytest.param(text, phrase, id=f"{phrase}|{text[:30]}")
                yield pytest.param(vn_upper(text), phrase, id=f"{phrase}|UPPER {text[:24]}")


@pytest.mark.parametrize("text, phrase", list(_cases()))
def test_no_break_inside_a_word(text, phrase):
    words = split_words(text)
    gaps = break_gaps(words)
    for span in phrase_spans(text, phrase):
        inside = gaps.intersection(span)
        assert not inside, f"break inside '{phrase}': {[w.text for w in words]}"


@pytest.mark.parametrize("text", ["Bảo vệ quyền sở hữu trí tuệ", "BẢO VỆ QUYỀN SỞ HỮU TRÍ TUỆ"])
def test_no_break_inside_so_huu_tri_tue_after_quyen(text):
    # "Quyền sở hữu trí tuệ" (intellectual property rights) is the usual wording of the
    # 26/4 World Intellectual Property Day campaign, one of the campaigns this tool serves.
    words = split_words(text)
    (span,) = phrase_spans(text, "sở hữu trí tuệ")
    assert not break_gaps(words).intersection(span), [w.text for w in words]


def test_every_required_word_was_exercised():
    seen = {phrase for text in CONTEXTS for phrase in NO_BREAK if phrase_spans(text, phrase)}
    assert seen == set(NO_BREAK)


def test_words_do_break_somewhere():
    # the segmenter is not simply gluing everything together
    words = split_words("Tuổi trẻ khơi dậy tinh thần sáng tạo")
    assert [w.text for w in words] == ["Tuổi trẻ", "khơi dậy", "tinh thần", "sáng tạo"]


# ---- placement-insensitive look-up ---------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [("hoà", "hòa"), ("thuỷ", "thủy"), ("uỷ", "ủy"), ("khoẻ", "khỏe"), ("HOÀ", "hòa"), ("Thuỷ", "THỦY")],
)
def test_syllable_key_ignores_tone_placement_and_case(a, b):
    assert a != b  # different strings ...
    assert syllable_key(a) == syllable_key(b)  # ... same syllable
    assert syllable_key(unicodedata.normalize("NFD", a)) == syllable_key(b)


@pytest.mark.parametrize("a, b", [("hoa", "hòa"), ("hòa", "hóa"), ("thủy", "thùy"), ("mới", "mỗi"), ("dậy", "dạy")])
def test_syllable_key_keeps_different_syllables_apart(a, b):
    assert syllable_key(a) != syllable_key(b)


@pytest.mark.parametrize("entry, query", [("hoà bình", "hòa bình"), ("hòa bình", "hoà bình"), ("hòa bình", "HOÀ BÌNH")])
def test_lexicon_lookup_is_placement_insensitive(entry, query):
    lex = Lexicon([entry])
    assert query in lex
    assert "hòa giải" not in lex


@pytest.mark.parametrize("pair", [("hòa bình", "hoà bình"), ("thủy lợi", "thuỷ lợi"), ("ủy ban", "uỷ ban")])
def test_default_lexicon_finds_both_placements(pair):
    lex = default_lexicon()
    new, old = pair
    assert new in lex
    assert old in lex


@pytest.mark.parametrize("name", ["Xã Hòa Bình", "Xã Hoà Bình", "UBND XÃ HÒA BÌNH", "Xã Vân Thuỷ"])
def test_placement_is_never_rewritten(name):
    words = split_words(name)
    assert " ".join(w.text for w in words) == name


def test_hoa_binh_is_one_word_in_either_placement():
    for text in ("hòa bình thế giới", "hoà bình thế giới"):
        assert [w.text for w in split_words(text)][0] in ("hòa bình", "hoà bình")


# ---- the text is never changed ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [*APPROVED_SLOGANS, *(n for _, n in COMMUNE_UNITS), *(vn_upper(s) for s in APPROVED_SLOGANS)],
)
def test_joined_words_equal_input(text):
    words = split_words(text)
    assert " ".join(w.text for w in words) == text
    assert sum(w.syllables for w in words) == len(text.split())
    assert words[-1].break_cost == 0.0


SYLLABLES = (
    "đổi", "mới", "sáng", "tạo", "khơi", "dậy", "khát", "vọng", "sở", "hữu", "trí", "tuệ", "và", "vì",
    "nâng", "cao", "tổ", "quốc", "cộng", "đồng", "ngẫu", "nhiên", "hoà", "hòa", "bình", "thuỷ", "lợi",
    "Bằng", "Mạc", "ẩm", "thực", "lẫn", "nhau", "-", "tri", "thức,", "UBND", "“Xanh”", "(mới)",
)


@PROPERTY
@given(st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=14), st.booleans())
def test_joined_words_equal_generated_input(syllables, upper):
    text = " ".join(syllables)
    if upper:
        text = vn_upper(text)
    words = split_words(text)
    assert " ".join(w.text for w in words) == text
    assert sum(w.syllables for w in words) == len(syllables)
    assert all(w.text == w.text.strip() and w.text for w in words)


def test_empty_text_has_no_words():
    assert split_words("") == []
    assert split_words("   ") == []


# ---- break costs -------------------------------------------------------------------


@pytest.mark.parametrize("text", APPROVED_SLOGANS, ids=[str(i + 1) for i in range(6)])
def test_break_after_dash_and_comma_costs_nothing(text):
    words = split_words(text)
    strong = [w for w in words[:-1] if w.text.endswith((" -", ","))]
    expected = text.count(" - ") + text.count(",")
    assert len(strong) == expected  # every dash and comma ends a word
    assert all(w.break_cost == COST_STRONG == 0.0 for w in strong)
    plain = [w for w in words[:-1] if w not in strong]
    assert all(w.break_cost > 0 for w in plain)


def test_a_dash_never_starts_a_line():
    for text in APPROVED_SLOGANS:
        for w in split_words(text):
            assert not w.text.startswith("-"), w.text


def test_dash_break_is_cheaper_than_a_plain_one():
    words = split_words("Đổi mới sáng tạo - Nâng cao giá trị cuộc sống")
    cost = {w.text: w.break_cost for w in words}
    assert cost["Đổi mới sáng tạo -"] == 0.0
    assert cost["Nâng cao"] > 0.0


def test_preferred_break_marker():
    text = "Nâng cao tiềm lực và vị thế quốc gia"
    plain = {w.text: w.break_cost for w in split_words(text)}
    assert plain["vị thế"] > 0
    marked = split_words(text, marked="Nâng cao tiềm lực và vị thế| quốc gia")
    cost = {w.text: w.break_cost for w in marked}
    assert cost["vị thế"] == 0.0
    assert " ".join(w.text for w in marked) == text  # markers never reach the text


def test_forbidden_break_marker():
    text = "Nâng cao tiềm lực và vị thế quốc gia"
    assert "vị thế quốc gia" not in [w.text for w in split_words(text)]
    marked = split_words(text, marked="Nâng cao tiềm lực và vị thế~quốc gia")
    assert "vị thế quốc gia" in [w.text for w in marked]
    assert " ".join(w.text for w in marked) == text


def test_campaign_break_hints_are_honoured(campaign):
    s = campaign.slogan("1")
    assert s.breaks and "|" in s.breaks
    words = split_words(s.text, marked=s.breaks)
    dash = [w for w in words if w.text.endswith(" -")]
    assert len(dash) == 1 and dash[0].break_cost == 0.0


def test_pinned_break_wins_over_a_plain_one():
    """A '|' pinned in the campaign file earns a bonus: with two equally wide
    choices, the layout takes the pinned break."""
    from poster_gen.layout import FitOptions, Region, fit

    class Fake:
        cap_height_em = 0.7

        def shape(self, text):
            from poster_gen.fonts import Shaped, ShapedGlyph

            glyphs = tuple(ShapedGlyph(1, ch, 0.6 * i, 0.0, 0.6) for i, ch in enumerate(text))
            return Shaped(text, glyphs, 0.6 * len(text))

        def ink(self, gid):
            from poster_gen.fonts import Ink

            return Ink(0.0, -0.2, 0.6, 0.9)

    text = "aa bb cc"
    region = Region(0, 0, 60, 100)
    plain = fit(split_words(text), region, Fake(), FitOptions(max_lines=2, min_lines=2))
    pinned = fit(split_words(text, marked="aa bb| cc"), region, Fake(), FitOptions(max_lines=2, min_lines=2))
    assert [l.text for l in plain.lines] == ["aa", "bb cc"]
    assert [l.text for l in pinned.lines] == ["aa bb", "cc"]
