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


# ---- phrases: a break inside one is a phrase joint, graded by how badly it reads --------
# Examples written for these tests (not taken from the judged sets of test_phrases.py).

from poster_gen.words import (  # noqa: E402
    COST_AFTER_CONJ,
    COST_JOINT,
    JOINT_FUNCTION,
    JOINT_LOOSE,
    JOINT_NAME,
    JOINT_NUMBER,
    JOINT_TERM,
    default_phrases,
    is_phrase_joint,
    phrase_keys,
)


def gap_costs(text: str, **kw) -> dict[str, float]:
    """'left|right' (the syllables either side of each word boundary) -> the cost of a break there."""
    words = split_words(text, **kw)
    return {f"{a.text.split()[-1]}|{b.text.split()[0]}": a.break_cost for a, b in zip(words, words[1:])}


def test_joint_grades():
    assert COST_JOINT == JOINT_LOOSE < JOINT_FUNCTION < JOINT_TERM < JOINT_NAME < JOINT_NUMBER
    assert not is_phrase_joint(COST_AFTER_CONJ) and not is_phrase_joint(float("inf"))


@pytest.mark.parametrize(
    "text, joint, grade",
    [
        ("Chào mừng 95 năm Ngày thành lập", "95|năm", JOINT_NUMBER),  # a number and what it counts
        ("Đại hội lần thứ XIV của Đảng", "thứ|XIV", JOINT_NUMBER),  # an ordinal
        ("Đại hội lần thứ XIV của Đảng", "lần|thứ", JOINT_NAME),
        ("Kỷ niệm ngày 27/7 năm nay", "ngày|27/7", JOINT_NUMBER),  # a date names its day
        ("Nhiệm kỳ 2026 - 2031 thắng lợi", "kỳ|2026", JOINT_NUMBER),
        ("Quốc hội khóa XVI họp", "khóa|XVI", JOINT_NUMBER),
        ("Nhân dân huyện Lộc Bình đoàn kết", "huyện|Lộc", JOINT_NAME),  # administrative word + name
        ("Nhân dân huyện Lộc Bình đoàn kết", "Lộc|Bình", JOINT_NAME),
        ("UBND PHƯỜNG HOÀNG VĂN THỤ", "PHƯỜNG|HOÀNG", JOINT_NAME),  # capitals only: two or three syllables
        ("UBND PHƯỜNG HOÀNG VĂN THỤ", "VĂN|THỤ", JOINT_NAME),
        ("HỘI NÔNG DÂN TỈNH", "DÂN|TỈNH", JOINT_NAME),  # no name after it: it closes the body before
        ("Đảng bộ huyện vững mạnh", "bộ|huyện", JOINT_NAME),
        ("Vì sức khỏe cho những người lao động", "cho|những", JOINT_FUNCTION),  # never end a line on these
        ("Vì sức khỏe cho những người lao động", "những|người", JOINT_FUNCTION),
        ("Sống đẹp hơn mỗi ngày", "đẹp|hơn", JOINT_FUNCTION),  # nor start one on these
        ("Xây dựng chính quyền số", "quyền|số", JOINT_TERM),  # a set term (data/phrases-vi.txt)
        ("Kiên quyết phòng, chống tham nhũng", "phòng,|chống", JOINT_TERM),  # a word cut by a comma
        ("Sống xanh, sống sạch, sống khỏe", "sống|sạch,", JOINT_LOOSE),  # a short list item
        ("Thông tin đúng - đủ - kịp thời", "-|đủ", JOINT_LOOSE),  # one-syllable items
    ],
)
def test_phrase_joints(text, joint, grade):
    costs = gap_costs(text)
    assert costs[joint] >= grade, costs
    assert is_phrase_joint(costs[joint])
    # the break stays possible: the layout may take it when nothing else fits
    assert costs[joint] < float("inf")


@pytest.mark.parametrize(
    "text, gap",
    [
        ("Chào mừng 95 năm Ngày thành lập", "mừng|95"),  # before a count: fine
        ("Đại hội lần thứ XIV của Đảng", "XIV|của"),  # before "của": the place to break
        ("Vì sức khỏe cho những người lao động", "khỏe|cho"),
        ("Trung tâm Y tế khu vực", "tâm|Y"),  # a text's first word is capitalised as its start
        ("Lời dạy của Đại tướng Võ Nguyên Giáp", "tướng|Võ"),  # a title, then the name
        ("Phát triển kinh tế, bảo vệ môi trường", "tế,|bảo"),
    ],
)
def test_allowed_breaks_stay_cheap(text, gap):
    costs = gap_costs(text)
    assert not is_phrase_joint(costs[gap]) or costs[gap] == JOINT_LOOSE, costs


def test_dates_and_ranges_are_never_broken():
    words = [w.text for w in split_words("Kỷ niệm (3/2/1930 - 3/2/2026) và nhiệm kỳ 2026 - 2031")]
    assert "(3/2/1930 - 3/2/2026)" in words
    assert "2026 - 2031" in words


def test_capitals_show_names_only_in_mixed_case():
    assert gap_costs("Ban Tổ chức Huyện ủy Bình Gia")["ủy|Bình"] >= JOINT_NAME
    # the same words in capitals: no capitals to read, the campaign's names help instead
    caps = "BAN TỔ CHỨC HUYỆN ỦY BÌNH GIA"
    assert "BÌNH GIA" in [w.text for w in split_words(caps, names=phrase_keys(["Bình Gia"]))]


def test_phrase_list_file():
    from poster_gen.resources import data_dir

    lines = [
        l.strip()
        for l in (data_dir() / "phrases-vi.txt").read_text(encoding="utf-8").splitlines()
        if l.strip() and not l.startswith("#")
    ]
    assert len(lines) == len(default_phrases()) >= 80
    assert all(unicodedata.is_normalized("NFC", l) and len(l.split()) >= 2 for l in lines)
    assert len({syllable_key(l) for l in lines}) == len(lines)  # no duplicates
    assert (data_dir() / "phrases-vi.LICENSE.txt").is_file()
    assert "phrases-vi.txt" in (data_dir() / "README.md").read_text(encoding="utf-8")


def test_phrase_rules_keep_the_text():
    text = "Nhiệt liệt chào mừng 50 năm Ngày thành lập Hội (15/10/1930 - 15/10/1980) tại xã Yên Bình!"
    words = split_words(text)
    assert " ".join(w.text for w in words) == text
    assert all(0 <= w.break_cost for w in words) and words[-1].break_cost == 0.0


def test_a_preferred_break_overrides_a_phrase_joint():
    text = "Nhân dân huyện Lộc Bình đoàn kết"
    assert is_phrase_joint(gap_costs(text)["huyện|Lộc"])
    marked = gap_costs(text, marked="Nhân dân huyện| Lộc Bình đoàn kết")
    assert marked["huyện|Lộc"] == 0.0
