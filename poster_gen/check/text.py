"""The text a page shows: the approved slogan (or the draft's text), as whole lines.

Only the full check reads it: text extraction (pypdf's) maps every glyph
back to its characters through the fonts' maps, and costs as much as the
rest of the check.
"""

from __future__ import annotations

from poster_gen.check.fmt import short
from poster_gen.check.model import Code, Problem
from poster_gen.i18n import _
from poster_gen.text import clean, upper


def has_lines(lines: list[str], target: str) -> bool:
    """Is ``target`` exactly a run of consecutive lines joined by spaces?"""
    for i in range(len(lines)):
        acc = ""
        for j in range(i, len(lines)):
            acc = lines[j] if j == i else f"{acc} {lines[j]}"
            if acc == target:
                return True
            if len(acc) >= len(target):
                break
    return False


def text_problems(page, slogan, draft: bool, subject: str, facts: dict) -> list[Problem]:
    """Does the page (read by pypdf) show ``slogan`` (an approved Slogan, or None) as whole lines, or, for a
    ``draft``, the text of its ``subject``? Its lines go to ``facts["lines"]``."""
    try:
        text = page.extract_text() or ""
    except MemoryError:
        raise
    except Exception as exc:
        why = _("cannot extract the text ({error})").format(error=f"{type(exc).__name__}: {short(exc)}")
        return [Problem(Code.TEXT, why)]
    lines = [ln for ln in (clean(x) for x in text.splitlines()) if ln]
    facts["lines"] = lines
    if slogan is not None:
        wanted = [upper(slogan.text), slogan.text]
        if not any(has_lines(lines, w) for w in wanted):
            shown = short(" / ".join(lines), 400)
            why = _("the page does not show approved slogan {id} «{text}» as whole lines; it shows «{shown}»")
            why = why.format(id=slogan.id, text=upper(slogan.text), shown=shown)
            return [Problem(Code.TEXT, why)]
    elif draft and subject and not has_lines(lines, upper(clean(subject))) and not has_lines(lines, clean(subject)):
        why = _("the page does not show its draft slogan «{text}»").format(text=short(clean(subject)))
        return [Problem(Code.TEXT, why)]
    return []
