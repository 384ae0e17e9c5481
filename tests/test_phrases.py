"""Phrases stay whole: line breaks judged by a Vietnamese reader, read back from artworks.

The judged sets (tests/data/phrases-*.txt) mark with '~' every joint a Vietnamese
typesetter never breaks (inside a word or term, a proper name, a number and what it
counts, a date range, after "của"/"và"/..., inside a short set pair). Each judged
text is composed as a slogan, as a unit heading (set in capitals) and as the
campaign name that the occasion line or title prints, in every packaged design at
a spread of preset sizes; the lines the artwork sets (and, for a sample, the lines
a PDF reader reads back) must not break at any '~' joint.

``phrases-dev.txt`` is the development set the rules were learnt from.
``phrases-quoc-khanh.txt`` judges every text of the Quốc khánh 2025 campaign (the
campaign of the issue); it was written before the rules were tuned, and its results
were watched while tuning. ``phrases-holdout.txt`` was written before the rules
were tuned and was never tuned on: it measures what an unseen campaign will see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from pg_testutil import DATA_DIR, vn_upper
from poster_gen.campaign import Campaign, Slogan, Unit, load_campaign
from poster_gen.compose import compose
from poster_gen.design import load_design
from poster_gen.errors import LayoutError
from poster_gen.scene import GlyphRun
from poster_gen.sizes import PRESETS

DESIGNS = ("classic", "band", "title")
# Each kind's default (the pole banner, cờ phướn, included), and the presets of other shapes:
# the portrait and the long panel, a small poster, the shortest banner, the narrowest phướn.
SIZES = tuple(
    dict.fromkeys(
        [s.id for s in PRESETS.values() if s.default]
        + [s for s in ("pano-200x300", "pano-240x120", "ap-phich-a3", "bieu-ngu-300x100", "phuon-60x180") if s in PRESETS]
    )
)
JUDGED_SETS = ("phrases-dev.txt", "phrases-holdout.txt", "phrases-quoc-khanh.txt")


@dataclass(frozen=True)
class Judged:
    kind: str  # 'S' slogan, 'U' unit name / heading
    text: str  # as written, single-spaced
    forbidden: frozenset  # gap g (between syllable g and g+1) that must never break


def parse_judged(line: str) -> Judged:
    kind, body = line[0], line[2:].strip()
    syllables, forbidden = [], set()
    for token in body.split():
        parts = token.split("~")
        for i, p in enumerate(parts):
            if i > 0:
                forbidden.add(len(syllables) - 1)
            syllables.append(p)
    return Judged(kind, " ".join(syllables), frozenset(forbidden))


def load_judged(name: str) -> list[Judged]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [parse_judged(l) for l in lines if l[:2] in ("S ", "U ")]


def break_gaps(lines) -> set[int]:
    """Syllable gaps where these lines break."""
    gaps, n = set(), 0
    for line in list(lines)[:-1]:
        n += len(line.split())
        gaps.add(n - 1)
    return gaps


def violations(lines, judged: Judged, offset: int = 0) -> list[str]:
    """The '~' joints these lines break at, shown as 'LEFT / RIGHT'."""
    bad = sorted(g - offset for g in break_gaps(lines) if g - offset in judged.forbidden)
    syl = judged.text.split()
    return [f"{' '.join(syl[max(0, g - 2) : g + 1])} / {' '.join(syl[g + 1 : g + 3])}" for g in bad]


def blocks(runs: list[str], expected: str) -> list[tuple[list[str], int]]:
    """Consecutive glyph runs (lines) that together set ``expected``, maybe after a few words
    a design puts before it ("HƯỞNG ỨNG ..."), with the number of those words."""
    out = []
    n = len(expected.split())
    for a in range(len(runs)):
        acc = ""
        for b in range(a, len(runs)):
            acc = runs[b] if b == a else f"{acc} {runs[b]}"
            if acc == expected or acc.endswith(" " + expected):
                before = len(acc.split()) - n
                if before < len(runs[a].split()):  # it starts in this block's first line
                    out.append((runs[a : b + 1], before))
                break
            if len(acc) > len(expected) + 40:
                break
    return out


def artwork_violations(art, texts: dict[str, Judged], counts: list | None = None) -> list[str]:
    """Check every text block of an artwork that sets one of ``texts`` (capitals -> judged).

    ``counts``, if given, gets [blocks checked, blocks with a violation] added to it."""
    runs = [it.text for it in art.scene.items if isinstance(it, GlyphRun)]
    return lines_violations(runs, texts, counts)


def lines_violations(runs: list[str], texts: dict[str, Judged], counts: list | None = None) -> list[str]:
    bad = []
    for shown, judged in texts.items():
        for lines, offset in blocks(runs, shown):
            found = violations(lines, judged, offset)
            bad += [f"{v}   in {lines}" for v in found]
            if counts is not None:
                counts[0] += 1
                counts[1] += bool(found)
    return bad


def all_forms(*names: str) -> dict[str, Judged]:
    """The judged texts of these sets as an artwork shows them (in capitals)."""
    return {vn_upper(j.text): j for name in names for j in load_judged(name)}


def rotation_campaign(texts: list[Judged], k: int) -> tuple[Campaign, str, str]:
    """A campaign whose slogan is text k, whose unit is named text k+1 and whose name is text k+2."""
    n = len(texts)
    slogan, unit, name = texts[k % n], texts[(k + 1) % n], texts[(k + 2) % n]
    camp = Campaign(
        name=name.text,
        event_date=dt.date(2025, 9, 2),
        slogans=(Slogan(id="s", text=slogan.text),),
        units=(Unit(id="u", name=unit.text),),
    )
    return camp, "u", "s"


def compose_or_none(camp, unit_id, slogan_id, size_id, design):
    """The artwork, or None where the size is refused as too small for the text (reported elsewhere)."""
    try:
        return compose(camp, camp.unit(unit_id), camp.slogan(slogan_id), PRESETS[size_id], design)
    except LayoutError:
        return None


def run_set(name: str, designs=DESIGNS, sizes=SIZES, counts: list | None = None) -> tuple[list[str], int]:
    """Compose every judged text of a set in every role; the violations found and the artworks checked."""
    texts = load_judged(name)
    forms = all_forms(name)
    bad, checked = [], 0
    for design_id in designs:
        design = load_design(design_id)
        for size_id in sizes:
            if PRESETS[size_id].kind not in design.kinds:
                continue
            for k in range(len(texts)):
                camp, u, s = rotation_campaign(texts, k)
                art = compose_or_none(camp, u, s, size_id, design)
                if art is None:
                    continue
                checked += 1
                bad += [f"{design_id} {size_id}: {v}" for v in artwork_violations(art, forms, counts)]
    return bad, checked


# ---- the reading of the judged files ----------------------------------------------


def test_parse_judged():
    j = parse_judged("S Chào~mừng Đại~hội (19/8/1945~-~19/8/2025)")
    assert j.text == "Chào mừng Đại hội (19/8/1945 - 19/8/2025)"
    assert j.forbidden == {0, 2, 4, 5}
    assert violations(["CHÀO", "MỪNG ĐẠI HỘI (19/8/1945 - 19/8/2025)"], j) == ["Chào / mừng Đại"]
    assert violations(["CHÀO MỪNG", "ĐẠI HỘI (19/8/1945 - 19/8/2025)"], j) == []


@pytest.mark.parametrize("name", JUDGED_SETS)
def test_judged_sets_are_well_formed(name):
    texts = load_judged(name)
    assert len(texts) >= 20
    assert all(j.forbidden for j in texts)
    assert len({j.text for j in texts}) == len(texts)


# ---- no '~' joint broken, in any role, design or size ----------------------------------


@pytest.mark.parametrize("name", ["phrases-dev.txt", "phrases-quoc-khanh.txt"])
def test_judged_phrases_stay_whole(name):
    bad, checked = run_set(name)
    assert checked > 100
    assert bad == [], f"{len(bad)} broken phrases, e.g.:\n" + "\n".join(bad[:15])


# The held-out set was judged before the rules were tuned and is never tuned on, so it
# measures what a new campaign will see. The goal is none; this guards the measured level
# (8.0 % of text blocks when the rules were written, against 22 % before them).
HOLDOUT_MAX_SHARE = 0.10


def test_holdout_phrases_mostly_whole():
    counts = [0, 0]
    bad, checked = run_set("phrases-holdout.txt", counts=counts)
    share = counts[1] / counts[0]
    assert counts[0] > 500
    assert share <= HOLDOUT_MAX_SHARE, f"{share:.1%} of blocks break a phrase, e.g.:\n" + "\n".join(bad[:15])


# ---- the Quốc khánh campaign file as it is: its own names, headings and occasion ----------

QK_FILE = DATA_DIR / "campaign-quoc-khanh-2025.toml"
DEFAULTS = ("pano-300x200", "pano-200x300", "ap-phich-54x79", "ap-phich-a1", "bieu-ngu-500x80")


@pytest.fixture(scope="module")
def quoc_khanh():
    return load_campaign(QK_FILE)


def campaign_artworks(camp, sizes=DEFAULTS):
    """Every slogan with the first unit and every unit with the first slogan, per design and size."""
    pairs = [(camp.units[0].id, s.id) for s in camp.slogans] + [(u.id, camp.slogans[0].id) for u in camp.units[1:]]
    for design_id in DESIGNS:
        design = load_design(design_id)
        for size_id in sizes:
            if PRESETS[size_id].kind not in design.kinds:
                continue
            for unit_id, slogan_id in pairs:
                art = compose_or_none(camp, unit_id, slogan_id, size_id, design)
                if art is not None:
                    yield f"{design_id} {size_id} {unit_id} {slogan_id}", art


def test_quoc_khanh_campaign_keeps_phrases_whole(quoc_khanh):
    forms = all_forms("phrases-quoc-khanh.txt")
    counts, bad = [0, 0], []
    for where, art in campaign_artworks(quoc_khanh):
        bad += [f"{where}: {v}" for v in artwork_violations(art, forms, counts)]
    # every slogan, every heading and the occasion line were found and checked
    assert counts[0] >= 300
    assert bad == [], "\n".join(bad[:15])


def test_issue_examples_are_set_whole(quoc_khanh):
    """The settings reported in the issue, on the artworks it names."""
    cases = [
        ("dan-giau", "ap-phich-54x79", "classic", "DÂN GIÀU, NƯỚC"),
        ("chao-mung", "bieu-ngu-500x80", "classic", "(19/8/1945 -"),
        ("doc-lap-tu-do", "ap-phich-a1", "title", "QUÝ"),
        ("ky-nguyen-moi", "pano-300x200", "band", "KỶ NGUYÊN"),
    ]
    for slogan_id, size_id, design_id, bad_end in cases:
        art = compose(quoc_khanh, quoc_khanh.units[0], quoc_khanh.slogan(slogan_id), PRESETS[size_id], load_design(design_id))
        lines = art.legibility.lines
        assert not any(line.endswith(bad_end) for line in lines[:-1]), (slogan_id, lines)
    art = compose(quoc_khanh, quoc_khanh.unit("ttphhcc-phuong-ky-lua"), quoc_khanh.slogans[0],
                  PRESETS["ap-phich-54x79"], load_design("classic"))
    runs = [r.text for r in art.scene.items if isinstance(r, GlyphRun)]
    assert not any(r.startswith("CÔNG PHƯỜNG") for r in runs), runs
    assert not any(r.endswith(("QUỐC KHÁNH NƯỚC", "CỦA", " VÀ")) for r in runs), runs


# ---- what a PDF reader reads back --------------------------------------------------------


@pytest.mark.parametrize(
    "unit_id, slogan_id, size_id, design_id",
    [
        ("ttphhcc-phuong-ky-lua", "dan-giau", "ap-phich-54x79", "classic"),
        ("mttq-phuong-dong-kinh", "chao-mung", "bieu-ngu-500x80", "classic"),
        ("truong-ptdtnt-dinh-lap", "doc-lap-tu-do", "ap-phich-a1", "title"),
        ("don-bp-po-ma", "ky-nguyen-moi", "pano-300x200", "band"),
        ("ubnd-xa-na-sam", "dai-hoi", "pano-200x300", "classic"),
    ],
)
def test_pdf_text_reads_back_whole_phrases(quoc_khanh, tmp_path, unit_id, slogan_id, size_id, design_id):
    from pypdf import PdfReader

    from poster_gen.api import make_job, render_job

    job = make_job(quoc_khanh, unit_id, slogan_id, size_id, design_id=design_id)
    res = render_job(quoc_khanh, job, tmp_path, formats=("pdf",))
    lines = [l.strip() for l in PdfReader(res.files["pdf"]).pages[0].extract_text().splitlines() if l.strip()]
    counts = [0, 0]
    bad = lines_violations(lines, all_forms("phrases-quoc-khanh.txt"), counts)
    assert counts[0] >= 3, lines  # slogan, heading and occasion (or title) found
    assert bad == [], lines


# ---- the packaged campaign needs no hints; the hints still win --------------------------


def test_packaged_slogans_set_the_same_without_their_hints(campaign):
    from dataclasses import replace

    hinted = [s for s in campaign.slogans if s.breaks]
    assert hinted
    bare = replace(campaign, slogans=tuple(replace(s, breaks=None) for s in campaign.slogans))
    differ = []
    for design_id in DESIGNS:
        design = load_design(design_id)
        for size_id, size in PRESETS.items():
            if size.kind not in design.kinds:
                continue
            for s in hinted:
                try:
                    a = compose(campaign, campaign.units[0], s, size, design).legibility.lines
                except LayoutError:
                    continue
                b = compose(bare, bare.units[0], bare.slogan(s.id), size, design).legibility.lines
                if a != b:
                    differ.append(f"{design_id} {size_id} {s.id}: {a} / without hints {b}")
    assert differ == []


def test_markers_still_override_the_rules():
    from poster_gen.words import split_words

    text = "Chào mừng Đại hội đại biểu Đảng bộ tỉnh"
    assert "Đảng bộ tỉnh" not in [w.text for w in split_words(text, marked="Chào mừng Đại hội đại biểu Đảng bộ| tỉnh")]
    pinned = {w.text: w for w in split_words(text, marked="Chào mừng Đại hội đại biểu Đảng bộ| tỉnh")}
    assert pinned["Đảng bộ"].pinned and pinned["Đảng bộ"].break_cost == 0.0
    joined = [w.text for w in split_words(text, marked="Chào mừng~Đại hội đại biểu Đảng bộ tỉnh")]
    assert joined[0].startswith("Chào mừng Đại hội")
