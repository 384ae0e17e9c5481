"""Text hygiene: every string is NFC and clean before it is measured or drawn."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean(text: str) -> str:
    """NFC, no control characters, single spaces, no leading/trailing space.

    Tone-mark placement ("hoà" / "hòa") is never changed: NFC keeps it.
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text)  # tabs, line breaks
    text = "".join(ch for ch in text if not _is_control(ch))
    text = _WS.sub(" ", text)
    return text.strip()


def _is_control(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return True
    # zero-width and bidi controls never belong on a banner
    return cat == "Cf"


def upper(text: str) -> str:
    """Vietnamese-safe upper case (đ -> Đ, ư -> Ư), result in NFC."""
    return unicodedata.normalize("NFC", text.upper())


def legacy_problem(text: str) -> str | None:
    """A one-line explanation if ``text`` is legacy-encoded Vietnamese (mojibake)."""
    from poster_gen.legacy import detect_legacy

    m = detect_legacy(text)
    if m is None:
        return None
    return (
        f"text \"{text[:40]}\" looks like {m.encoding} Vietnamese pasted as Unicode; it reads "
        f"\"{m.converted[:60]}\"; retype it in Unicode or convert it (e.g. Unikey's converter) and try again"
    )
