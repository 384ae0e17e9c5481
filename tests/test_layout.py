"""Layout: line breaks, size and line spacing from ink.

Two halves: data-driven cases (tests/data/layout_cases.toml) measured with a fake
font whose numbers are easy to check by hand, and property tests over generated
Vietnamese text measured with the real slogan font.
"""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pg_testutil import APPROVED_SLOGANS, DATA_DIR, PROPERTY, squash, vn_upper
from poster_gen.fonts import Ink, Shaped, ShapedGlyph
from poster_gen.layout import FitOptions, Region, TextBlock, fit
from poster_gen.text import clean
from poster_gen.words import Word, split_words

EPS_PT = 1e-6

# ---- a fake font -------------------------------------------------------------------

_ABOVE = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0302", "\u0306"}  # tones, circumflex, breve
_DOT_BELOW = "\u0323"


class FakeMetrics:
    """Fixed 0.6 em advance; ink boxes by the marks a letter carries (see layout_cases.toml)."""

    cap_height_em = 0.70
    ADVANCE = 0.6

    def shape(self, text: str) -> Shaped:
        glyphs = tuple(ShapedGlyph(ord(ch), ch, i * self.ADVANCE, 0.0, self.ADVANCE) for i, ch in enumerate(text))
        return Shaped(text, glyphs, len(text) * self.ADVANCE)

    def ink(self, gid: int) -> Ink | None:
        ch = chr(gid)
        if ch == " ":
            return None
        if ch == ",":
            return Ink(0.05, -0.15, 0.25, 0.15)
        if ch == "-":
            return Ink(0.05, 0.25, 0.55, 0.38)
        parts = unicodedata.normalize("NFD", ch)
        above = sum(c in _ABOVE for c in parts)
        top = {0: 0.70, 1: 0.95}.get(above, 1.15)
        bottom = -0.25 if _DOT_BELOW in parts else 0.0
        return Ink(0.05, bottom, 0.55, top)


def test_fake_metrics_model_the_marks():
    m = FakeMetrics()
    assert m.ink(ord("A")) == Ink(0.05, 0.0, 0.55, 0.70)
    assert m.ink(ord("Ẫ")).y_max == m.ink(ord("Ổ")).y_max == 1.15
    assert m.ink(ord("Ậ")).y_min == m.ink(ord("Ộ")).y_min == -0.25
    assert m.ink(ord("Ậ")).y_max == 0.95  # the circumflex, then the dot below
    assert m.ink(ord(" ")) is None


# ---- geometry helpers (independent of the layout's own LineBox ink fields) -----------


def glyph_boxes(block: TextBlock, metrics) -> list[list[tuple[float, float, float, float, str]]]:
    """Per line, each glyph's ink box (x0, y0, x1, y1) in pt, y down, and its character."""
    s = block.size_pt
    out = []
    for line in block.lines:
        boxes = []
        for g in line.shaped.glyphs:
            ink = metrics.ink(g.gid)
            if ink is None:
                continue
            x = line.x_pt + g.x_em * s
            base = line.baseline_pt - g.y_em * s
            boxes.append((x + ink.x_min * s, base - ink.y_max * s, x + ink.x_max * s, base - ink.y_min * s, g.char))
        out.append(boxes)
    return out


def assert_ink_inside(block: TextBlock, metrics, region: Region) -> None:
    for line_boxes in glyph_boxes(block, metrics):
        for x0, y0, x1, y1, ch in line_boxes:
            assert x0 >= region.x_pt - EPS_PT, f"{ch!r} sticks out left"
            assert x1 <= region.x_pt + region.w_pt + EPS_PT, f"{ch!r} sticks out right"
            assert y0 >= region.y_pt - EPS_PT, f"{ch!r} sticks out at the top"
            assert y1 <= region.y_pt + region.h_pt + EPS_PT, f"{ch!r} sticks out at the bottom"


def assert_lines_clear(block: TextBlock, metrics, min_gap_em: float) -> None:
    lines = [b for b in glyph_boxes(block, metrics) if b]
    for above, below in zip(lines, lines[1:]):
        bottom = max(b[3] for b in above)
        top = min(b[1] for b in below)
        assert top > bottom, "ink of two lines overlaps"
        assert top - bottom >= min_gap_em * block.size_pt - 1e-6, "lines closer than the minimum gap"


def assert_fills_region(block: TextBlock, metrics, region: Region) -> None:
    """As large as the region allows: the ink touches it left and right or top and bottom."""
    boxes = [b for line in glyph_boxes(block, metrics) for b in line]
    w = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    h = max(b[3] for b in boxes) - min(b[1] for b in boxes)
    assert abs(w - region.w_pt) < 1e-3 or abs(h - region.h_pt) < 1e-3, (w, h, region)


def upper_words(text: str, marked: str | None = None) -> list[Word]:
    """What compose does for a text block in capitals."""
    return [Word(vn_upper(w.text), w.syllables, w.break_cost) for w in split_words(text, marked=marked)]


# ---- data-driven cases with the fake font ------------------------------------------

CASES = tomllib.loads((DATA_DIR / "layout_cases.toml").read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_layout_case(case):
    metrics = FakeMetrics()
    region = Region(10.0, 20.0, float(case["width_pt"]), float(case["height_pt"]))
    opts = FitOptions(max_lines=case["max_lines"])
    block = fit(upper_words(case["text"], case.get("marked")), region, metrics, opts)

    assert [line.text for line in block.lines] == case["lines"]
    if "size_pt" in case:
        assert block.size_pt == pytest.approx(case["size_pt"], abs=1e-3)
    if "leading_em" in case:
        assert block.leading_pt / block.size_pt == pytest.approx(case["leading_em"], abs=1e-3)
    assert block.cap_height_pt == pytest.approx(0.70 * block.size_pt)
    assert_ink_inside(block, metrics, region)
    assert_lines_clear(block, metrics, opts.min_gap_em)
    assert_fills_region(block, metrics, region)


def test_cases_file_is_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) >= 10
    for c in CASES:
        assert 1 <= len(c["lines"]) <= c["max_lines"], c["id"]
        assert squash(" ".join(c["lines"])) == vn_upper(c["text"]), c["id"]


def test_line_boxes_report_their_ink():
    metrics = FakeMetrics()
    region = Region(0.0, 0.0, 400.0, 400.0)
    block = fit(upper_words("Cộng đồng Tổ quốc"), region, metrics, FitOptions(max_lines=2))
    for line, boxes in zip(block.lines, glyph_boxes(block, metrics)):
        assert line.ink_top_pt == pytest.approx(min(b[1] for b in boxes))
        assert line.ink_bottom_pt == pytest.approx(max(b[3] for b in boxes))
        assert line.ink_left_pt == pytest.approx(min(b[0] for b in boxes))
        assert line.ink_right_pt == pytest.approx(max(b[2] for b in boxes))


@pytest.mark.parametrize("align", ["left", "center"])
def test_alignment(align):
    metrics = FakeMetrics()
    region = Region(0.0, 0.0, 600.0, 600.0)
    block = fit(upper_words("Đổi mới sáng tạo - Khơi nguồn tri thức"), region, metrics, FitOptions(max_lines=3, align=align))
    first, second = block.lines  # "ĐỔI MỚI SÁNG TẠO -" is one char shorter than line 2
    if align == "left":
        assert first.ink_left_pt == pytest.approx(0.0) and second.ink_left_pt == pytest.approx(0.0)
    else:
        for line in block.lines:
            assert (line.ink_left_pt + line.ink_right_pt) / 2 == pytest.approx(300.0)


@pytest.mark.parametrize("valign, where", [("top", 0.0), ("bottom", 1000.0)])
def test_vertical_alignment(valign, where):
    metrics = FakeMetrics()
    region = Region(0.0, 0.0, 200.0, 1000.0)
    block = fit(upper_words("Khơi nguồn tri thức"), region, metrics, FitOptions(max_lines=1, valign=valign))
    line = block.lines[0]
    edge = line.ink_top_pt if valign == "top" else line.ink_bottom_pt
    assert edge == pytest.approx(where)


def test_max_size_caps_the_size():
    metrics = FakeMetrics()
    block = fit(upper_words("Khơi nguồn tri thức"), Region(0, 0, 2000, 500), metrics, FitOptions(max_size_pt=30.0))
    assert block.size_pt == pytest.approx(30.0)


def test_empty_text_gives_an_empty_block():
    block = fit([], Region(0, 0, 100, 100), FakeMetrics())
    assert block.lines == ()


# ---- property tests with the real slogan font ----------------------------------------

# Multi-syllable words (heavy marks included) and one-syllable words. The generated
# text is a sequence of these, so the test knows where word boundaries are.
MULTI = (
    "đổi mới", "sáng tạo", "sở hữu trí tuệ", "khoa học", "công nghệ", "nâng cao", "khơi dậy",
    "tổ quốc", "cộng đồng", "ngẫu nhiên", "mẫu giáo", "chẳng hạn", "phẳng lặng", "cuộc sống",
    "quốc gia", "hiện đại", "thúc đẩy", "kiến tạo", "khát vọng", "tương lai", "tri thức",
    "tiềm lực", "vị thế", "giá trị", "nền tảng", "ẩm thực", "lẫn lộn", "tốt đẹp",
)
SINGLE = ("và", "vì", "để", "với", "hơn", "mỗi", "ai", "Ấy", "Ẫm", "Ổn", "Ộp", "Ậm", "Ỹ")
TAILS = ("", "", "", ",", " -")


def test_generator_words_are_lexicon_words():
    from poster_gen.words import default_lexicon

    lex = default_lexicon()
    assert [w for w in MULTI if w not in lex] == []


@st.composite
def vietnamese_text(draw):
    tokens = draw(
        st.lists(
            st.tuples(st.sampled_from(MULTI + MULTI + SINGLE), st.sampled_from(TAILS)),
            min_size=1,
            max_size=9,
        )
    )
    pieces, boundaries, n = [], set(), 0
    for i, (word, tail) in enumerate(tokens):
        if i == len(tokens) - 1:
            tail = ""
        case = draw(st.sampled_from(("lower", "title", "upper")))
        w = {"lower": word, "title": word[:1].upper() + word[1:], "upper": vn_upper(word)}[case]
        pieces.append(w + tail)
        n += len(w.split()) + (1 if tail == " -" else 0)
        boundaries.add(n - 1)  # a break may follow this token
    text = " ".join(pieces)
    # arrive the way users' text arrives: sometimes decomposed, sometimes with extra spaces
    if draw(st.booleans()):
        text = unicodedata.normalize("NFD", text)
    if draw(st.booleans()):
        text = text.replace(" ", "  ", 1)
    return text, boundaries


regions = st.builds(
    lambda w, ratio: Region(5.0, 7.0, w, max(20.0, w * ratio)),
    st.floats(min_value=80.0, max_value=3000.0),
    st.sampled_from((0.08, 0.16, 0.3, 0.6, 1.0, 1.5)),
)


@PROPERTY
@given(vietnamese_text(), regions, st.integers(min_value=1, max_value=5))
def test_real_font_properties(slogan_font, sample, region, max_lines):
    raw, boundaries = sample
    source = clean(raw)
    words = upper_words(source)
    opts = FitOptions(max_lines=max_lines)
    block = fit(words, region, slogan_font, opts)
    assume(block.size_pt > 0)

    # the drawn text is the NFC input, in capitals, single-spaced
    expected = vn_upper(squash(unicodedata.normalize("NFC", raw)))
    for line in block.lines:
        assert "".join(g.char for g in line.shaped.glyphs) == line.text
        assert line.text == line.text.strip()
    assert " ".join(line.text for line in block.lines) == expected
    assert 1 <= len(block.lines) <= max_lines

    # every glyph's ink inside the region; lines never touch
    assert_ink_inside(block, slogan_font, region)
    assert_lines_clear(block, slogan_font, opts.min_gap_em)
    assert_fills_region(block, slogan_font, region)

    # breaks only between the words the text was built from
    n = 0
    for line in block.lines[:-1]:
        n += len(line.text.split())
        assert n - 1 in boundaries, f"break inside a word after syllable {n}: {[l.text for l in block.lines]}"


@pytest.mark.parametrize("text", APPROVED_SLOGANS, ids=[str(i + 1) for i in range(6)])
@pytest.mark.parametrize("w, h, max_lines", [(1400, 200, 3), (700, 700, 6), (300, 500, 6)])
def test_real_font_slogans(slogan_font, text, w, h, max_lines):
    region = Region(0.0, 0.0, float(w), float(h))
    block = fit(upper_words(text), region, slogan_font, FitOptions(max_lines=max_lines))
    assert " ".join(line.text for line in block.lines) == vn_upper(text)
    assert_ink_inside(block, slogan_font, region)
    assert_lines_clear(block, slogan_font, 0.10)
    for line in block.lines:
        for word in ("NÂNG", "KHƠI", "SỞ HỮU", "ĐỔI", "KHOA", "CÔNG"):
            assert not line.text.endswith(word), f"'{word}' ends a line: {[l.text for l in block.lines]}"


# ---- composed artworks: every text block inside the safe area, blocks apart ------------


def _ink_rect(run, font):
    xs, ys = [], []
    for g in run.glyphs:
        ink = font.ink(g.gid)
        if ink is None:
            continue
        xs += [g.x_pt + ink.x_min * run.size_pt, g.x_pt + ink.x_max * run.size_pt]
        ys += [g.y_pt - ink.y_max * run.size_pt, g.y_pt - ink.y_min * run.size_pt]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("unit_id", ["xa-bang-mac", "phong-lao-dong-tbxh", "ttvh-tt-tt"])
@pytest.mark.parametrize("kind", ["pano", "ap-phich", "bieu-ngu"])
def test_composed_text_inside_safe_area(campaign, unit_id, kind):
    from poster_gen.api import compose_job, make_job
    from poster_gen.fonts import load_font
    from poster_gen.scene import GlyphRun
    from poster_gen.sizes import PT_PER_MM, default_size

    size = default_size(kind)
    for slogan in campaign.slogans:
        art = compose_job(campaign, make_job(campaign, unit_id, slogan.id, size.id))
        scene = art.scene
        safe = (size.bleed_mm + size.safe_mm) * PT_PER_MM
        runs = [it for it in scene.items if isinstance(it, GlyphRun)]
        assert " ".join(r.text for r in runs).count(vn_upper(slogan.text)) == 1
        rects = []
        for run in runs:
            font = load_font(Path(run.font_path).name)
            x0, y0, x1, y1 = _ink_rect(run, font)
            assert x0 >= safe - 1e-3 and y0 >= safe - 1e-3, (slogan.id, run.text)
            assert x1 <= scene.width_pt - safe + 1e-3 and y1 <= scene.height_pt - safe + 1e-3, (slogan.id, run.text)
            rects.append((y0, y1, run.text))
        rects.sort()
        for (a0, a1, ta), (b0, b1, tb) in zip(rects, rects[1:]):
            assert b0 > a1, f"slogan {slogan.id}: '{ta}' and '{tb}' overlap"


def _proper_names(name: str) -> list[str]:
    """Runs of two or more capitalised syllables after the first word: 'Bằng Mạc', 'Việt Nam'."""
    syl = name.split()
    names, run = [], []
    for i, s in enumerate(syl):
        if i > 0 and s[:1].isupper() and not (len(s) > 1 and s.isupper()):
            run.append(s)
            continue
        if len(run) >= 2:
            names.append(" ".join(run))
        run = []
    if len(run) >= 2:
        names.append(" ".join(run))
    return names


def test_proper_name_helper():
    assert _proper_names("Ủy ban Mặt trận Tổ quốc Việt Nam huyện") == ["Việt Nam"]
    assert _proper_names("Thị trấn Đồng Mỏ") == ["Đồng Mỏ"]
    assert _proper_names("Xã Y Tịch") == ["Y Tịch"]


def test_headings_never_split_place_names(campaign):
    from poster_gen.api import compose_job, make_job
    from poster_gen.scene import GlyphRun

    bad = []
    for size in ("pano-200x300", "1500x2500", "1200x3000", "1000x1500"):  # portrait panels: 2-line headings
        for unit in campaign.units:
            names = [vn_upper(n) for n in (*_proper_names(unit.name), "Chi Lăng")]
            art = compose_job(campaign, make_job(campaign, unit.id, "4", size))
            runs = [r.text for r in art.scene.items if isinstance(r, GlyphRun)]
            heading = vn_upper(unit.display_heading)
            for a in range(len(runs)):
                for b in range(a + 2, len(runs) + 1):
                    if " ".join(runs[a:b]) != heading:
                        continue
                    for first, second in zip(runs[a:b], runs[a + 1 : b]):
                        for name in names:
                            head, _, tail = name.partition(" ")
                            if first.endswith(" " + head) or first == head:
                                if second.startswith(tail):
                                    bad.append(f"{size} {unit.id}: {runs[a:b]}")
    assert bad == []


# ---- phrase joints: kept whole unless that costs much more size ------------------------

from poster_gen.layout import JOINT_FACTOR, MAX_JOINTS, choose_breaks  # noqa: E402
from poster_gen.words import (  # noqa: E402
    COST_PLAIN,
    JOINT_FUNCTION,
    JOINT_LOOSE,
    JOINT_NAME,
    JOINT_NUMBER,
    JOINT_TERM,
    is_phrase_joint,
)

TWO_HALVES = Region(0.0, 0.0, 60.0, 1000.0)  # narrow: two lines set the text about twice as large


def two_halves(cost: float, **kw) -> TextBlock:
    words = [Word("AAAA AAAA", 2, cost), Word("BBBB BBBB", 2, 0.0)]
    return fit(words, TWO_HALVES, FakeMetrics(), FitOptions(max_lines=2, **kw))


def test_a_plain_break_doubles_the_size_here():
    whole = fit([Word("AAAA AAAA BBBB BBBB", 4, 0.0)], TWO_HALVES, FakeMetrics(), FitOptions(max_lines=2))
    split = two_halves(COST_PLAIN)
    assert len(split.lines) == 2
    assert 2.0 < split.size_pt / whole.size_pt < 2.5


@pytest.mark.parametrize("cost, broken", [
    (JOINT_LOOSE, True),  # about twice the size is worth splitting a loose pair
    (JOINT_FUNCTION, False),  # but not "của" at a line end, a term, a name or a number
    (JOINT_TERM, False),
    (JOINT_NAME, False),
    (JOINT_NUMBER, False),
])
def test_phrase_joints_give_way_by_grade(cost, broken):
    assert JOINT_FACTOR == 0.5
    assert (len(two_halves(cost).lines) == 2) == broken


def test_min_size_breaks_a_phrase_rather_than_going_below_it():
    whole = two_halves(JOINT_NUMBER)
    assert len(whole.lines) == 1
    floored = two_halves(JOINT_NUMBER, min_size_pt=whole.size_pt * 1.5)
    assert [l.text for l in floored.lines] == ["AAAA AAAA", "BBBB BBBB"]
    # out of reach: the largest layout there is
    assert two_halves(JOINT_NUMBER, min_size_pt=1e6).size_pt == pytest.approx(floored.size_pt)
    # a floor already reached changes nothing
    assert [l.text for l in two_halves(JOINT_NUMBER, min_size_pt=whole.size_pt * 0.9).lines] == [whole.lines[0].text]


def test_the_cheapest_phrase_joint_gives_way_first():
    words = [Word("AAAA AAAA", 2, JOINT_NUMBER), Word("BBBB BBBB", 2, JOINT_LOOSE), Word("CCCC CCCC", 2, 0.0)]
    region = Region(0.0, 0.0, 60.0, 1000.0)
    whole = fit(words, region, FakeMetrics(), FitOptions(max_lines=2))
    assert len(whole.lines) == 1
    # either break reaches the floor: the one inside the loose pair is taken, not the number's
    block = fit(words, region, FakeMetrics(), FitOptions(max_lines=2, min_size_pt=1.2 * whole.size_pt))
    assert [l.text for l in block.lines] == ["AAAA AAAA BBBB BBBB", "CCCC CCCC"]


def test_layout_is_deterministic_and_memoised():
    words = upper_words("Nhiệt liệt chào mừng kỷ niệm 80 năm Ngày truyền thống lực lượng Công an nhân dân")
    region = Region(0.0, 0.0, 500.0, 400.0)
    a = fit(words, region, FakeMetrics(), FitOptions(max_lines=4))
    b = fit(list(words), region, FakeMetrics(), FitOptions(max_lines=4))
    assert [l.text for l in a.lines] == [l.text for l in b.lines] and a.size_pt == b.size_pt


# The search passes over sets of breaks that cannot win (a branch and bound): it must find
# exactly the layout that trying every set finds.

def _brute_force(words, region, metrics, opts) -> float:
    from itertools import combinations

    from poster_gen.layout import _height_em, _leading_em, _QualityData, line_ink

    n = len(words)
    q = _QualityData(words)
    breakable = [k for k in range(1, n) if words[k - 1].break_cost != float("inf")]
    best = largest = reaching = None
    for k in range(0, min(opts.max_lines, len(breakable) + 1)):
        for breaks in combinations(breakable, k):
            if sum(is_phrase_joint(words[b - 1].break_cost) for b in breaks) > MAX_JOINTS:
                continue
            bounds = (0, *breaks, n)
            inks = [line_ink(metrics, metrics.shape(" ".join(w.text for w in words[a:b]))) for a, b in zip(bounds, bounds[1:])]
            widest = max(i.width_em for i in inks)
            size = min(region.w_pt / widest, region.h_pt / _height_em(inks, _leading_em(inks, opts, metrics.cap_height_em)))
            if opts.max_size_pt:
                size = min(size, opts.max_size_pt)
            score = size * q.quality(bounds, inks, widest)
            if best is None or score > best[0] + 1e-6:
                best = (score, size)
            if opts.min_size_pt:
                if size >= opts.min_size_pt and (reaching is None or score > reaching[0] + 1e-6):
                    reaching = (score, size)
                if largest is None or size > largest[1] + 1e-6:
                    largest = (score, size)
    if opts.min_size_pt and best[1] < opts.min_size_pt:
        best = reaching or largest
    return best[1]


COSTS = (0.0, 0.35, COST_PLAIN, 2.0, JOINT_LOOSE, JOINT_FUNCTION, JOINT_TERM, JOINT_NAME, JOINT_NUMBER)


@PROPERTY
@given(
    st.lists(
        st.tuples(st.sampled_from(("A", "BB", "CCC -", "DDDD", "EE EE", "Ấ Ộ", "FFFFFF")), st.sampled_from(COSTS), st.booleans()),
        min_size=1,
        max_size=9,
    ),
    st.floats(min_value=20.0, max_value=800.0),
    st.sampled_from((0.1, 0.5, 1.0, 3.0, 10.0)),
    st.integers(min_value=1, max_value=6),
    st.sampled_from((None, 3.0, 12.0, 40.0)),
)
def test_search_finds_what_trying_every_set_finds(parts, width, ratio, max_lines, floor):
    words = [Word(t, len(t.split()), c, pinned=p and c < 1.0) for t, c, p in parts]
    words[-1] = Word(words[-1].text, words[-1].syllables, 0.0)
    region = Region(0.0, 0.0, width, width * ratio)
    opts = FitOptions(max_lines=max_lines, min_size_pt=floor)
    lines, size = choose_breaks(words, region, FakeMetrics(), opts)
    assert size == pytest.approx(_brute_force(words, region, FakeMetrics(), opts), rel=1e-9)


# ---- the font tables layout measures with ------------------------------------------
#
# poster_gen.fonts reads a plain TrueType file's tables itself (fontTools takes tens of
# milliseconds to load); its answers must be fontTools' own, on every glyph.

from fontTools.fontBuilder import FontBuilder  # noqa: E402
from fontTools.pens.ttGlyphPen import TTGlyphPen  # noqa: E402

from poster_gen import fonts as fonts_mod  # noqa: E402
from poster_gen.errors import PosterGenError  # noqa: E402
from poster_gen.resources import fonts_dir  # noqa: E402


def _font_files() -> list[Path]:
    import reportlab

    found = sorted(fonts_dir().rglob("*.ttf")) + sorted((Path(reportlab.__file__).parent / "fonts").glob("*.ttf"))
    system = Path("/usr/share/fonts")  # whatever the machine has: more fonts, other cmap and OS/2 versions
    if system.is_dir():
        found += sorted(system.rglob("*.ttf"))[:12]
    return found


def _same_as_fonttools(path: Path) -> bool:
    """Compare what the direct reader gives with fontTools' reading; True when the direct reader took the file."""
    raw = fonts_mod._SfntTables.read(path.read_bytes())
    ref = fonts_mod._FontToolsTables(path)
    if not ref.has_glyf:
        assert raw is None, path
        return False
    ref.load()
    if raw is None:
        return False
    tt = ref.tt
    assert raw.upem == ref.upem
    assert raw.cap_height == ref.cap_height
    assert raw.cmap == {code: tt.getGlyphID(name) for code, name in ref.cmap.items()}
    assert [raw.debug_name(i) for i in (1, 6)] == [ref.debug_name(i) for i in (1, 6)]
    assert raw.glyph_id(raw.notdef) == ref.glyph_id(ref.notdef) == 0
    order = tt.getGlyphOrder()
    for gid in range(0, len(order), max(1, len(order) // 1500)):  # every glyph of a font of up to 3,000
        assert raw.advance(gid) == ref.advance(order[gid]), (path, gid)
        assert raw.box(gid) == ref.box(gid), (path, gid)
    return True


@pytest.mark.parametrize("path", _font_files(), ids=lambda p: p.name)
def test_font_tables_read_directly_are_fonttools_own(path):
    direct = _same_as_fonttools(path)
    if path.parent == fonts_dir() or fonts_dir() in path.parents:
        assert direct, "the packaged fonts are read without fontTools"


def _built_font(tmp_path: Path, name: str, *, cmap_format_12=False, os2_version=4, post_format=2.0, cff=False) -> Path:
    """A small font made with fontTools: a box, a composite of two boxes, a space, 'é' beyond the BMP too."""
    glyphs = [".notdef", "space", "A", "B", "AB"]
    fb = FontBuilder(1000, isTTF=not cff)
    fb.setupGlyphOrder(glyphs)
    cmap = {0x20: "space", 0x41: "A", 0x42: "B", 0xC9: "AB"}
    if cmap_format_12:
        cmap[0x1F600] = "AB"  # forces a format 12 (3, 10) subtable
    fb.setupCharacterMap(cmap)
    advances = {".notdef": 500, "space": 250, "A": 600, "B": 640, "AB": 1240}
    if cff:
        from fontTools.pens.t2CharStringPen import T2CharStringPen

        charstrings = {}
        for g in glyphs:
            pen = T2CharStringPen(advances[g], None)
            if g not in ("space",):
                pen.moveTo((50, 0)), pen.lineTo((50, 700)), pen.lineTo((450, 700)), pen.closePath()
            charstrings[g] = pen.getCharString()
        fb.setupCFF(name, {"FullName": name}, charstrings, {})
    else:
        def box(x0, x1, y1=700):
            pen = TTGlyphPen(None)
            pen.moveTo((x0, 0)), pen.lineTo((x0, y1)), pen.lineTo((x1, y1)), pen.lineTo((x1, 0)), pen.closePath()
            return pen.glyph()

        glyf = {".notdef": box(50, 450), "space": TTGlyphPen(None).glyph(), "A": box(20, 580, 720), "B": box(40, 600)}
        composite = TTGlyphPen(glyf)
        composite.addComponent("A", (1, 0, 0, 1, 0, 0))
        composite.addComponent("B", (1, 0, 0, 1, 600, 0))
        glyf["AB"] = composite.glyph()
        fb.setupGlyf(glyf)
    fb.setupHorizontalMetrics({g: (advances[g], 0) for g in glyphs})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": name, "styleName": "Bold", "psName": name + "-Bold"})
    fb.setupOS2(version=os2_version, sCapHeight=690, sTypoAscender=800, sTypoDescender=-200)
    fb.setupPost(formatType=post_format)
    path = tmp_path / f"{name}.{'otf' if cff else 'ttf'}"
    fb.save(str(path))
    return path


@pytest.mark.parametrize("variant", [
    {},
    {"cmap_format_12": True},
    {"os2_version": 1},  # no capital height: 700/1000 em, as before
    {"post_format": 3.0},
])
def test_built_fonts_read_directly_as_fonttools_reads_them(tmp_path, variant):
    path = _built_font(tmp_path, "Built", **variant)
    assert _same_as_fonttools(path)
    font = fonts_mod.Font(path)
    assert isinstance(font._tables, fonts_mod._SfntTables)  # read directly
    assert font.cap_height_em == (0.7 if variant.get("os2_version") == 1 else 0.69)
    assert font.ink(font.shape(" ").glyphs[0].gid) is None  # a space has no ink
    composite = font.ink(font.shape("É").glyphs[0].gid)
    assert composite is not None and composite.x_max > 1.0  # the box of both parts


def test_other_font_files_are_read_by_fonttools_with_the_same_messages(tmp_path):
    otf = _built_font(tmp_path, "Cff", cff=True)
    with pytest.raises(PosterGenError, match="only TrueType-outline fonts"):
        fonts_mod.Font(otf)
    ttf = _built_font(tmp_path, "Whole")
    cut = tmp_path / "cut.ttf"
    cut.write_bytes(ttf.read_bytes()[:100])
    with pytest.raises(PosterGenError, match="cut.ttf: cannot be read"):
        fonts_mod.Font(cut)
    # a file the direct reader does not take goes to fontTools whole: here, one that lists no tables
    data = ttf.read_bytes()
    odd = tmp_path / "odd.ttf"
    odd.write_bytes(data[:4] + b"\x00\x00" + data[6:])
    assert fonts_mod._SfntTables.read(odd.read_bytes()) is None
    with pytest.raises(PosterGenError, match="only TrueType-outline fonts"):
        fonts_mod.Font(odd)
