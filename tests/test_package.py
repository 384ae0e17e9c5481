"""What ships with the package: pinned fonts with their licence, and glyph coverage
for every text the campaign can put on an artwork."""

from __future__ import annotations

import hashlib
import re

import pytest

from pg_testutil import APPROVED_SLOGANS, COMMUNE_UNITS, vn_upper
from poster_gen.fonts import load_font
from poster_gen.resources import data_dir, default_campaign, fonts_dir, templates_dir

FAMILY_DIR = fonts_dir() / "be-vietnam-pro"


def listed_hashes() -> dict[str, str]:
    text = (FAMILY_DIR / "README.md").read_text(encoding="utf-8")
    pairs = re.findall(r"(?m)^([0-9a-f]{64})\s+(\S+\.ttf)\s*$", text)
    return {name: digest for digest, name in pairs}


def shipped_fonts() -> list[str]:
    return sorted(p.name for p in FAMILY_DIR.glob("*.ttf"))


def test_resources_exist():
    assert default_campaign().is_file()
    assert (templates_dir() / "classic.toml").is_file()
    assert FAMILY_DIR.is_dir()


def test_readme_lists_every_shipped_font():
    listed = listed_hashes()
    assert len(listed) == 6
    assert sorted(listed) == shipped_fonts()


@pytest.mark.parametrize("name", sorted(listed_hashes()))
def test_font_matches_its_sha256(name):
    digest = hashlib.sha256((FAMILY_DIR / name).read_bytes()).hexdigest()
    assert digest == listed_hashes()[name]
    assert load_font(name).sha256 == digest  # and the loader opens that very file


def test_ofl_licence_next_to_the_fonts():
    ofl = FAMILY_DIR / "OFL.txt"
    assert ofl.is_file()
    text = ofl.read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in text.upper()
    assert "Version 1.1" in text
    assert "Be Vietnam Pro" in text


def test_word_list_licence_ships_with_it():
    assert (data_dir() / "pyvi-words.txt").is_file()
    assert "MIT" in (data_dir() / "pyvi-words.LICENSE.txt").read_text(encoding="utf-8")


def _texts(campaign) -> list[str]:
    texts = [*APPROVED_SLOGANS, *(n for _, n in COMMUNE_UNITS), campaign.name, campaign.short_name]
    texts += [s.text for s in campaign.slogans]
    for u in campaign.units:
        texts += [u.name, u.display_heading]
    # what the artwork actually shows is mostly capitals
    return sorted(set(texts + [vn_upper(t) for t in texts]))


@pytest.mark.parametrize("name", shipped_fonts())
def test_fonts_cover_every_campaign_text(campaign, name):
    font = load_font(name)
    missing = {t: font.missing(t) for t in _texts(campaign)}
    assert {t: m for t, m in missing.items() if m} == {}


def test_coverage_check_can_fail():
    font = load_font("BeVietnamPro_800ExtraBold.ttf")
    assert font.missing("Ẫ漢Ổ") == ["漢"]


def test_classic_design_fonts_are_shipped(classic_design):
    for role, name in classic_design.fonts.items():
        assert name in shipped_fonts(), (role, name)
        assert load_font(name).path.parent == FAMILY_DIR
