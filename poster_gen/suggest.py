"""Friendly 'did you mean' messages for unknown ids."""

from __future__ import annotations

import difflib


def unknown_choice(what: str, value: str, valid: list[str], extra: str = "") -> str:
    close = difflib.get_close_matches(value, valid, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    shown = ", ".join(valid[:25]) + (" ..." if len(valid) > 25 else "")
    tail = f" ({extra})" if extra else ""
    return f"unknown {what} '{value}': {hint}valid: {shown}{tail}"
