"""Where the packaged fonts, designs and default campaign live.

In an installed wheel they sit inside the package (``poster_gen/fonts`` ...);
in a source checkout they are the top-level ``fonts/``, ``templates/`` and
``slogans.toml`` next to the package.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _root() -> Path:
    if (_PKG / "fonts").is_dir():
        return _PKG
    return _PKG.parent


def fonts_dir() -> Path:
    return _root() / "fonts"


def templates_dir() -> Path:
    return _root() / "templates"


def default_campaign() -> Path:
    return _root() / "slogans.toml"


def data_dir() -> Path:
    return _PKG / "data"
