"""Fonts: every font embedded and subset, none left unused by the pages, widths tables whole, character maps bounded."""

from __future__ import annotations

import re

from poster_gen.check import limits
from poster_gen.check.fmt import fmt_num
from poster_gen.check.limits import Budget, Refused
from poster_gen.check.model import Code, Problem
from poster_gen.check.objects import resolve
from poster_gen.i18n import _

STANDARD_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica", "Helvetica-Bold",
    "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic",
    "Symbol", "ZapfDingbats",
}
_SUBSET = re.compile(r"^[A-Z]{6}\+")  # a subset font's name: six capitals and a plus


def check_font_maps(all_objects: dict[int, object], budget: Budget) -> None:
    """Refuse fonts whose character maps are too large for text extraction to parse (Refused)."""
    total = 0
    for obj in all_objects.values():
        if not hasattr(obj, "get") or obj.get("/Type") != "/Font":
            continue
        for key in ("/ToUnicode", "/Encoding"):
            total += budget.sizes.get(getattr(obj.get(key), "idnum", -1), 0)
        if total > limits.MAX_FONT_MAP_BYTES:
            raise Refused(_("the fonts' character maps are more than {mb} MB in all (the limit for one PDF); it is "
                            "not a file poster-gen wrote, so render it again").format(
                mb=fmt_num(limits.MAX_FONT_MAP_BYTES / limits.MB, ".0f")))


def font_problems(pages: list, all_objects: dict, facts: dict) -> list[Problem]:
    """The fonts of the file: each embedded and subset, and used by one of ``pages`` at least (a document's font
    used on its second page only is used). Their names go to ``facts["fonts"]``."""
    problems = []
    used: set[int] = set()
    for page in pages:
        res = resolve(page.get("/Resources")) or {}
        fonts = resolve(res.get("/Font")) or {}
        for ref in fonts.values():
            if hasattr(ref, "idnum"):
                used.add(ref.idnum)
    names = []
    for num, obj in sorted(all_objects.items()):
        if not hasattr(obj, "get") or obj.get("/Type") != "/Font":
            continue
        subtype = str(obj.get("/Subtype", ""))
        if subtype == "/CIDFontType0" or subtype == "/CIDFontType2":
            continue  # checked through their Type0 parent
        name = str(obj.get("/BaseFont", "?")).lstrip("/")
        names.append(name)
        if num not in used and subtype != "/Type0":
            if len(pages) > 1:
                why = (_("standard font {name} is in the file but no page uses it") if name in STANDARD_14 else
                       _("font {name} is in the file but no page uses it"))
            else:
                why = (_("standard font {name} is in the file but the page does not use it") if name in STANDARD_14
                       else _("font {name} is in the file but the page does not use it"))
            problems.append(Problem(Code.FONTS, why.format(name=name)))
        if subtype == "/Type3":
            continue
        if "/Widths" in obj and "/FirstChar" in obj and "/LastChar" in obj:
            widths = resolve(obj["/Widths"])
            if len(widths) != int(obj["/LastChar"]) - int(obj["/FirstChar"]) + 1:
                problems.append(Problem(Code.FONTS, _("font {name}: its widths table is damaged").format(name=name)))
        desc_font = obj
        if subtype == "/Type0":
            desc = resolve(obj.get("/DescendantFonts")) or []
            desc_font = resolve(desc[0]) if desc else {}
        fd = resolve(desc_font.get("/FontDescriptor")) if hasattr(desc_font, "get") else None
        embedded = bool(fd) and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if not embedded:
            why = (_("standard font {name} is not embedded; the printer would substitute it") if name in STANDARD_14
                   else _("font {name} is not embedded; the printer would substitute it"))
            problems.append(Problem(Code.FONTS, why.format(name=name)))
        elif not _SUBSET.match(name):
            problems.append(Problem(Code.FONTS, _("font {name} is embedded whole, not subset").format(name=name)))
    facts["fonts"] = names
    return problems
