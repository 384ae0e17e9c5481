"""Fixtures shared by the poster-gen tests.

Everything is located relative to this folder or through poster_gen.resources,
never through machine-specific paths.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # pg_testutil, whatever the import mode


@pytest.fixture(scope="session")
def campaign():
    """The packaged default campaign (slogans.toml)."""
    from poster_gen.campaign import load_campaign
    from poster_gen.resources import default_campaign

    return load_campaign(default_campaign())


@pytest.fixture(scope="session")
def slogan_font():
    """The font the classic design sets slogans in."""
    from poster_gen.fonts import load_font

    return load_font("BeVietnamPro_800ExtraBold.ttf")


@pytest.fixture(scope="session")
def classic_design():
    from poster_gen.design import load_design

    return load_design("classic")


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """Tests read the English messages unless they choose a language, whatever the machine's locale."""
    from poster_gen import i18n

    monkeypatch.setenv("POSTER_GEN_LANG", "en")
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)
