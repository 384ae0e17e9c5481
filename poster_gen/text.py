"""Text hygiene: every string is NFC and clean before it is measured or drawn."""

from __future__ import annotations

import re
import unicodedata

from poster_gen.i18n import _

_WS = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean(text: str) -> str:
    """NFC, no control characters, single spaces, no leading/trailing space.

    Tone-mark placement ("hoà" / "hòa") is never changed: NFC keeps it.
    """
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():  # no control, format or separator character but the plain space: only runs to join
        return _WS.sub(" ", text).strip()
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
    """A one-line explanation, in the user's language, if ``text`` is legacy-encoded Vietnamese (mojibake)."""
    from poster_gen.legacy import detect_legacy

    m = detect_legacy(text)
    if m is None:
        return None
    return _(
        "text \"{text}\" looks like {encoding} Vietnamese pasted as Unicode; it reads \"{converted}\"; "
        "retype it in Unicode or convert it (e.g. Unikey's converter) and try again"
    ).format(text=text[:40], encoding=m.encoding, converted=m.converted[:60])


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _unprintable(ch: str) -> bool:
    # controls, format/bidi characters, line and paragraph separators, lone surrogates
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def one_line(message: str) -> str:
    """``message`` with every line break, control or bidi character written as an escape.

    The last guard of the rule that a message is one line, whatever text of
    the user's it quotes.
    """
    if message.isprintable():  # fast path: nothing to escape (a space is printable)
        return message
    return "".join(_escape(ch) if _unprintable(ch) else ch for ch in message)


def shown(value: object, limit: int = 60) -> str:
    """A user's value as it may be quoted in a one-line message: escaped, and cut when long."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = _("{start}... ({count} characters)").format(start=text[:limit], count=f"{len(text):,}")
    return one_line(text)
