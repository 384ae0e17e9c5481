"""The campaign file: the packaged Chi Lăng 2024 campaign, and validation."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from pg_testutil import (
    APPROVED_SLOGANS,
    COMMUNE_KINDS,
    COMMUNE_UNITS,
    MEMO,
    SLUG_RE,
    UNITS_MD,
    is_nfc,
    memo_slogans,
    units_md_communes,
    vn_upper,
)
from poster_gen.campaign import load_campaign, parse_campaign
from poster_gen.errors import CampaignError, PosterGenError

needs_memo = pytest.mark.skipif(
    not MEMO.is_file(), reason=f"reference memo not reachable at {MEMO} (tests copied without shared/)"
)
needs_units_md = pytest.mark.skipif(
    not UNITS_MD.is_file(), reason=f"reference unit list not reachable at {UNITS_MD} (tests copied without shared/)"
)


# ---- the packaged campaign ---------------------------------------------------


def test_packaged_campaign_loads(campaign):
    assert campaign.name == "Ngày Sáng tạo và Đổi mới sáng tạo thế giới"
    assert campaign.event_date == dt.date(2024, 4, 21)
    assert campaign.source.endswith("slogans.toml")


def test_six_slogans_in_memo_order(campaign):
    assert [s.id for s in campaign.slogans] == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("index", range(6), ids=[str(i + 1) for i in range(6)])
def test_slogan_text_is_byte_identical_to_independent_copy(campaign, index):
    got = campaign.slogans[index].text
    assert got.encode("utf-8") == APPROVED_SLOGANS[index].encode("utf-8")


@needs_memo
def test_independent_copy_matches_the_memo():
    # guards the hard-coded copy itself
    assert tuple(memo_slogans()) == APPROVED_SLOGANS


@needs_memo
def test_slogans_are_byte_identical_to_the_memo(campaign):
    quoted = memo_slogans()
    assert len(quoted) == 6, "the memo quotes six slogans"
    assert [s.text.encode("utf-8") for s in campaign.slogans] == [q.encode("utf-8") for q in quoted]


def test_break_hints_spell_the_same_text(campaign):
    for s in campaign.slogans:
        if s.breaks:
            plain = " ".join(s.breaks.replace("|", " ").replace("~", " ").split())
            assert plain == s.text, s.id


def _communes(campaign):
    return [u for u in campaign.units if u.kind in COMMUNE_KINDS]


def test_twenty_commune_level_units(campaign):
    communes = _communes(campaign)
    assert len(communes) == 20
    assert sum(u.kind == "thi-tran" for u in communes) == 2
    assert sum(u.kind == "xa" for u in communes) == 18


def test_commune_names_and_codes_match_independent_copy(campaign):
    got = [(u.code, u.name) for u in _communes(campaign)]
    assert got == list(COMMUNE_UNITS)


@needs_units_md
def test_commune_names_match_units_md_table(campaign):
    table = units_md_communes()
    assert len(table) == 20
    assert table == list(COMMUNE_UNITS), "the hard-coded copy drifted from units.md"
    got = [(u.code, u.name) for u in _communes(campaign)]
    assert [(c, n.encode("utf-8")) for c, n in got] == [(c, n.encode("utf-8")) for c, n in table]


def test_commune_headings_are_the_peoples_committee_of_the_unit(campaign):
    for u in _communes(campaign):
        assert u.display_heading == "UBND " + vn_upper(u.name), u.id


def test_unit_ids_unique_and_slug_safe(campaign):
    ids = [u.id for u in campaign.units]
    assert len(ids) == len(set(ids))
    bad = [i for i in ids if not SLUG_RE.match(i) or len(i) > 64]
    assert bad == []


def test_two_chi_lang_units_are_distinct(campaign):
    xa = campaign.unit("xa-chi-lang")
    tt = campaign.unit("tt-chi-lang")
    assert xa.id != tt.id
    assert xa.name == "Xã Chi Lăng"
    assert tt.name == "Thị trấn Chi Lăng"
    assert xa.code != tt.code


def test_all_campaign_text_is_nfc(campaign):
    strings = [campaign.name, campaign.short_name, campaign.issuer]
    for d in campaign.documents:
        strings += [d.number, d.issuer]
    for s in campaign.slogans:
        strings += [s.id, s.text, s.breaks or ""]
    for u in campaign.units:
        strings += [u.id, u.name, u.kind, u.code, u.heading]
    not_nfc = [s for s in strings if not is_nfc(s)]
    assert not_nfc == []
    assert any(not s.isascii() for s in strings)  # the check saw Vietnamese text


# ---- validation ----------------------------------------------------------------

GOOD = """\
[campaign]
name = "Thử nghiệm"
event_date = 2024-04-21

[[slogans]]
id = "1"
text = "Đổi mới sáng tạo"

[[units]]
id = "xa-a"
name = "Xã A"
"""

MANY_PROBLEMS = """\
[campaign]
name = "Thử nghiệm"
event_date = "21/4/2024"
colour = "red"

[[slogans]]
id = "1"
text = "Đổi mới sáng tạo"

[[slogans]]
id = "1"
text = "Khơi nguồn tri thức"

[[slogans]]
id = "3"
text = "   "

[[units]]
id = "Xã Bằng Mạc"
name = "Xã Bằng Mạc"
"""


def _write(tmp_path, text, name="campaign.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_campaign_loads(tmp_path):
    c = load_campaign(_write(tmp_path, GOOD))
    assert [s.text for s in c.slogans] == ["Đổi mới sáng tạo"]
    assert [u.id for u in c.units] == ["xa-a"]


def test_all_problems_reported_at_once(tmp_path):
    path = _write(tmp_path, MANY_PROBLEMS)
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    err = info.value
    assert isinstance(err, PosterGenError)
    problems = err.problems
    msg = str(err)
    assert str(path) in msg

    def find(*needles):
        hits = [p for p in problems if all(n in p for n in needles)]
        assert hits, f"no problem mentions {needles}: {problems}"
        assert all(n in msg for n in needles)
        return hits

    find("duplicate slogan id", "'1'")
    find("id 3", "'text' is empty")
    find("event_date", "21/4/2024", "YYYY-MM-DD")
    find("unknown key", "colour")
    find("Xã Bằng Mạc", "slug")
    assert len(problems) == 5, problems
    assert len(msg.splitlines()) == 5  # one line per problem, each naming the file


def test_duplicate_unit_ids_rejected(tmp_path):
    text = GOOD + '\n[[units]]\nid = "xa-a"\nname = "Xã A khác"\n'
    with pytest.raises(CampaignError, match="duplicate unit id 'xa-a'"):
        load_campaign(_write(tmp_path, text))


def test_toml_syntax_error_names_the_line(tmp_path):
    text = GOOD.replace('name = "Xã A"', 'name = "Xã A')  # unterminated string on line 12
    lineno = text.splitlines().index('name = "Xã A') + 1
    with pytest.raises(CampaignError) as info:
        load_campaign(_write(tmp_path, text))
    msg = str(info.value)
    assert "TOML" in msg
    assert f"line {lineno}" in msg


def test_missing_file_is_a_campaign_error(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(CampaignError, match="not found"):
        load_campaign(missing)


def test_not_utf8_is_a_campaign_error(tmp_path):
    p = tmp_path / "latin.toml"
    p.write_bytes(GOOD.encode("utf-8").replace("Thử".encode("utf-8"), b"Th\xfd"))
    with pytest.raises(CampaignError, match="UTF-8"):
        load_campaign(p)


def test_breaks_must_spell_the_text(tmp_path):
    text = GOOD.replace('text = "Đổi mới sáng tạo"', 'text = "Đổi mới sáng tạo"\nbreaks = "Đổi mới | sáng tạo mới"')
    with pytest.raises(CampaignError, match="breaks"):
        load_campaign(_write(tmp_path, text))


def test_nfd_input_is_loaded_as_nfc_without_moving_tone_marks(tmp_path):
    nfd_name = unicodedata.normalize("NFD", "Xã Vân Thuỷ")  # old-style placement, decomposed
    text = GOOD.replace('name = "Xã A"', f'name = "{nfd_name}"')
    c = load_campaign(_write(tmp_path, text))
    name = c.units[0].name
    assert is_nfc(name)
    assert name == "Xã Vân Thuỷ"  # "uỷ" stays "uỷ", never rewritten to "ủy"
    assert name != "Xã Vân Thủy"


def test_parse_campaign_accepts_integer_slogan_ids():
    data = {
        "campaign": {"name": "X", "event_date": dt.date(2024, 4, 21)},
        "slogans": [{"id": 1, "text": "Một"}, {"id": 2, "text": "Hai"}],
        "units": [{"id": "a", "name": "A"}],
    }
    c = parse_campaign(data)
    assert [s.id for s in c.slogans] == ["1", "2"]


# ---- text.clean: a quick path for text with nothing to remove -----------------------------------


def _clean_char_by_char(text: str) -> str:
    """``text.clean`` as it is defined: every character looked at."""
    import re

    from poster_gen.text import _is_control

    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text)
    text = "".join(ch for ch in text if not _is_control(ch))
    return re.sub(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text).strip()


def test_clean_gives_what_looking_at_every_character_gives():
    import random

    from poster_gen.text import clean

    rnd = random.Random(14)
    pool = [chr(rnd.randrange(0x110000)) for _ in range(2000)] + list(" \t\n\r\x0b\x0c\x1c\x85\u00a0\u1680\u2000"
                                                                       "\u2028\u2029\u200b\u200d\u202f\u205f\u3000\ufeff"
                                                                       "abcđêáE\u0301o\u0302\u0301")
    texts = ["", " ", "Đổi mới  sáng tạo ", "UBND XÃ BẰNG MẠC", "e\u0301", "a\u200bb", "a\tb", "a\u00a0 b"]
    texts += ["".join(rnd.choice(pool) for _ in range(rnd.randrange(12))) for _ in range(20000)]
    texts += [chr(cp) for cp in range(0x3400)] + [f" a{chr(cp)}  b " for cp in range(0x3400)]
    assert [t for t in texts if clean(t) != _clean_char_by_char(t)] == []
