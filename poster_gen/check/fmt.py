"""Numbers and quoted values in messages, written the way the reader writes them."""

from __future__ import annotations

from poster_gen.check.model import CONTROL
from poster_gen.i18n import language

_VI_NUMBERS = str.maketrans(",.", ".,")


def fmt_num(value: float, spec: str = "") -> str:
    """A number in a message, written as the reader writes numbers: 1,500.5 in English, 1.500,5 in Vietnamese."""
    text = format(value, spec)
    return text.translate(_VI_NUMBERS) if language() == "vi" else text


def fmt_mm(v: float) -> str:
    """Millimetres to a tenth, without trailing zeros: 297, 293.5 (293,5 in Vietnamese)."""
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language() == "vi" else text


def fmt_list(texts) -> str:
    """Numbers in a row: "3, 3, 3.5" in English; "3 / 3 / 3,5" in Vietnamese, where the comma is the decimal mark."""
    return (" / " if language() == "vi" else ", ").join(texts)


def short(text: object, limit: int = 160) -> str:
    """A value from the file, fit to quote in a one-line message."""
    t = CONTROL.sub(" ", str(text)).strip()
    return t if len(t) <= limit else t[: limit - 1] + "…"
