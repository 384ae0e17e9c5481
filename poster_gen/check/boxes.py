"""Page boxes: MediaBox, TrimBox and BleedBox present, nested, and the size and bleed the file claims.

A document (``document=`` in /Keywords, such as the order form) has pages of the size ``page_mm=`` claims,
and no print boxes (``document_box_problems``).
"""

from __future__ import annotations

import re

from poster_gen.check import limits
from poster_gen.check.claims import size_claims, to_float
from poster_gen.check.fmt import fmt_list, fmt_mm, fmt_num, short
from poster_gen.check.model import Code, Problem
from poster_gen.check.objects import resolve
from poster_gen.i18n import _, ngettext
from poster_gen.sizes import PT_PER_MM


def _rect(page, name: str) -> tuple[float, float, float, float] | None:
    v = page.get(name)
    if v is None:
        return None
    v = resolve(v)
    x0, y0, x1, y1 = (float(a) for a in v)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _within(inner, outer, tol_pt: float) -> bool:
    return (
        inner[0] >= outer[0] - tol_pt and inner[1] >= outer[1] - tol_pt
        and inner[2] <= outer[2] + tol_pt and inner[3] <= outer[3] + tol_pt
    )


def _wh_mm(r, k: float = 1.0) -> tuple[float, float]:
    """A box's width and height in mm; ``k`` is how many points one unit of the box stands for."""
    return ((r[2] - r[0]) * k / PT_PER_MM, (r[3] - r[1]) * k / PT_PER_MM)


# The page size limit of PDF 1.3 (so of PDF/X-1a) and of Acrobat-based tools: 200 inches.
MAX_PAGE_UNITS = 14_400.0


def _page_scale(page, kw: dict, facts: dict) -> tuple[float, list[Problem]]:
    """How many true points one unit of the page's boxes stands for: UserUnit / scale.

    A page over 200 inches is written at 1:10 and says ``scale=0.1`` in /Keywords:
    its physical size is the box size divided by the scale. A PDF 1.6 page may also
    set /UserUnit (points per unit), which poster-gen does not write.
    """
    problems = []
    scale = 1.0
    text = kw.get("scale")
    if text is not None:
        value = to_float(text)
        if value is None or not (0 < value <= 1):
            why = _("cannot read scale='{scale}' in /Keywords (a number over 0 and at most 1, such as 0.1 for 1:10)")
            problems.append(Problem(Code.METADATA, why.format(scale=text)))
        else:
            scale = value
    unit = 1.0
    raw = page.get("/UserUnit")
    if raw is not None:
        value = to_float(resolve(raw))
        if value is None or value <= 0:
            problems.append(Problem(Code.BOXES, _("cannot read the page's /UserUnit '{value}'").format(value=raw)))
        else:
            unit = value
    if scale != 1:
        facts["scale"] = scale
    if unit != 1:
        facts["user_unit"] = unit
    return unit / scale, problems


def box_problems(page, kw: dict, facts: dict) -> list[Problem]:
    problems = []
    k, problems = _page_scale(page, kw, facts)  # true points per unit of the boxes
    tol = limits.TOL_MM * PT_PER_MM / k
    media, trim, bleed = _rect(page, "/MediaBox"), _rect(page, "/TrimBox"), _rect(page, "/BleedBox")
    crop = _rect(page, "/CropBox")
    missing = [n for n, b in (("MediaBox", media), ("TrimBox", trim), ("BleedBox", bleed)) if b is None]
    if missing:
        why = _("no {boxes}; print shops need the trim and bleed boxes").format(boxes=", ".join(missing))
        problems.append(Problem(Code.BOXES, why))
    if media:
        facts["media_mm"] = [round(v, 2) for v in _wh_mm(media, k)]
        units = (media[2] - media[0], media[3] - media[1])
        if max(units) > MAX_PAGE_UNITS:
            why = _("MediaBox is {width} x {height} units, over the {most} units (200 inches) a side that PDF 1.3, "
                    "PDF/X-1a and Acrobat-based tools allow; render it again with poster-gen, which writes such pages "
                    "at 1:10 (scale=0.1)")
            problems.append(Problem(Code.BOXES, why.format(width=fmt_num(units[0], ".0f"),
                                                           height=fmt_num(units[1], ".0f"),
                                                          most=fmt_num(MAX_PAGE_UNITS, ",.0f"))))
    if trim:
        facts["trim_mm"] = [round(v, 2) for v in _wh_mm(trim, k)]
    if trim and bleed:
        facts["bleed_mm"] = round((trim[0] - bleed[0]) * k / PT_PER_MM, 2)
        if not _within(trim, bleed, tol):
            problems.append(Problem(Code.BOXES, _("TrimBox is not inside BleedBox")))
    if bleed and media and not _within(bleed, media, tol):
        problems.append(Problem(Code.BOXES, _("BleedBox is not inside MediaBox")))
    if crop and bleed and not _within(bleed, crop, tol):
        problems.append(Problem(Code.BOXES, _("CropBox cuts into the bleed")))
    if bleed and media:
        marks = kw.get("marks")
        margins = [bleed[0] - media[0], bleed[1] - media[1], media[2] - bleed[2], media[3] - bleed[3]]
        if marks == "no" and max(margins) > tol:
            why = _("MediaBox is larger than BleedBox but the file says it has no marks")
            problems.append(Problem(Code.BOXES, why))
        if marks == "yes" and min(margins) * k < 5 * PT_PER_MM:
            why = _("the file says it has crop marks but MediaBox leaves no room for them")
            problems.append(Problem(Code.BOXES, why))
    claims, cp = size_claims(kw)
    problems += cp
    if not claims:
        why = _("no size claim (size=, trim_mm=) in /Keywords: the boxes cannot be checked")
        problems.append(Problem(Code.SIZE, why))
    if trim and bleed:
        tw, th = _wh_mm(trim, k)
        factor = 0.0  # physical / claimed, when it is the same both ways
        for c in claims:
            if abs(tw - c.width_mm) > limits.TOL_MM or abs(th - c.height_mm) > limits.TOL_MM:
                why = (_("TrimBox is {width} x {height} mm but size {source} is {claimed_width} x {claimed_height} mm")
                       if c.by_size else
                       _("TrimBox is {width} x {height} mm but {source} is {claimed_width} x {claimed_height} mm"))
                why = why.format(width=fmt_mm(tw), height=fmt_mm(th), source=c.source,
                                 claimed_width=fmt_mm(c.width_mm), claimed_height=fmt_mm(c.height_mm))
                problems.append(Problem(Code.BOXES, why))
                # the same factor both ways: the page is drawn at another scale than the file says
                f = tw / c.width_mm if c.width_mm > 0 and c.height_mm > 0 else 0.0
                if abs(f - 1) > 0.01 and abs(f - th / c.height_mm) <= 1e-3 * f:
                    factor = f
            sides = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
            if any(abs(s * k / PT_PER_MM - c.bleed_mm) > limits.TOL_MM for s in sides):
                got = fmt_list(fmt_mm(s * k / PT_PER_MM) for s in sides)
                why = (_("BleedBox is trim + {sides} mm (left, bottom, right, top) but size {source} has {bleed} mm "
                         "bleed") if c.by_size else
                       _("BleedBox is trim + {sides} mm (left, bottom, right, top) but {source} has {bleed} mm bleed"))
                why = why.format(sides=got, source=c.source, bleed=fmt_mm(c.bleed_mm))
                problems.append(Problem(Code.BOXES, why))
        if factor > 0:
            why = _("the page is {factor} times the size it claims in both directions, so the scale it states "
                    "(scale={scale} in /Keywords) is wrong; render it again")
            why = why.format(factor=fmt_num(factor, ".4g"), scale=fmt_num(facts.get("scale", 1.0), "g"))
            problems.append(Problem(Code.BOXES, why))
    return problems


_PAGE_MM = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$")
MAX_PAGE_MM = 5080.0  # a document's page size claim: at most 200 inches a side, as MAX_PAGE_UNITS


def page_mm_claim(kw: dict) -> tuple[tuple[float, float] | None, list[Problem]]:
    """The page size a document claims (``page_mm=210x297`` in /Keywords, width x height): (w, h) or None, and
    the size problem when it is missing or unreadable."""
    text = kw.get("page_mm")
    if text is None:
        why = _("no page size claim (page_mm=WIDTHxHEIGHT) in /Keywords: the pages cannot be checked")
        return None, [Problem(Code.SIZE, why)]
    m = _PAGE_MM.match(text)
    if m is None or not (0 < float(m.group(1)) <= MAX_PAGE_MM and 0 < float(m.group(2)) <= MAX_PAGE_MM):
        why = _("cannot read page_mm='{value}' in /Keywords (width x height in mm, such as 210x297)")
        return None, [Problem(Code.SIZE, why.format(value=short(text, 40)))]
    return (float(m.group(1)), float(m.group(2))), []


def document_box_problems(pages: list, kw: dict, facts: dict) -> list[Problem]:
    """A document's pages (an order form's): each one's MediaBox the size ``page_mm=`` claims, within TOL_MM,
    and no print boxes (TrimBox, BleedBox), which an artwork has and a document does not."""
    claim, problems = page_mm_claim(kw)
    if claim is not None:
        facts["page_mm"] = list(claim)
    wrong: dict[tuple[float, float], list[int]] = {}  # a size found -> the pages of that size
    missing, printed = [], []
    for n, page in enumerate(pages, start=1):
        media = _rect(page, "/MediaBox")
        if any(page.get(name) is not None for name in ("/TrimBox", "/BleedBox")):
            printed.append(n)
        if media is None:
            missing.append(n)
            continue
        unit = 1.0
        raw = page.get("/UserUnit")
        if raw is not None:
            unit = to_float(resolve(raw)) or 0.0
            if unit <= 0:
                problems.append(Problem(Code.BOXES, _("cannot read the /UserUnit '{value}' of page {n}").format(
                    value=short(raw, 40), n=n)))
                continue
        w, h = _wh_mm(media, unit)
        if n == 1:
            facts["media_mm"] = [round(w, 2), round(h, 2)]
        if claim is not None and (abs(w - claim[0]) > limits.TOL_MM or abs(h - claim[1]) > limits.TOL_MM):
            wrong.setdefault((round(w, 1), round(h, 1)), []).append(n)
    if missing:
        problems.append(Problem(Code.BOXES, ngettext(
            "page {pages} has no MediaBox; render it again", "pages {pages} have no MediaBox; render it again",
            len(missing)).format(pages=_page_list(missing))))
    for (w, h), numbers in list(wrong.items())[: limits.MAX_CONTENT_PROBLEMS]:  # a line per size, a few sizes
        why = ngettext("page {pages} is {width} x {height} mm but the file says its pages are {claimed_width} x "
                       "{claimed_height} mm (page_mm={claim}); render it again",
                       "pages {pages} are {width} x {height} mm but the file says its pages are {claimed_width} x "
                       "{claimed_height} mm (page_mm={claim}); render it again", len(numbers))
        problems.append(Problem(Code.BOXES, why.format(
            pages=_page_list(numbers), width=fmt_mm(w), height=fmt_mm(h), claimed_width=fmt_mm(claim[0]),
            claimed_height=fmt_mm(claim[1]), claim=kw["page_mm"])))
    if printed:
        why = ngettext("page {pages} has a TrimBox or BleedBox, as an artwork has; a document (document={kind}) "
                       "has none, so check that it is the right file",
                       "pages {pages} have a TrimBox or BleedBox, as an artwork has; a document (document={kind}) "
                       "has none, so check that it is the right file", len(printed))
        problems.append(Problem(Code.BOXES, why.format(pages=_page_list(printed), kind=short(kw.get("document"), 40))))
    return problems


def _page_list(numbers: list[int], most: int = 10) -> str:
    """Page numbers for a message: "2, 3, 5", the first ``most`` of a longer list followed by "…"."""
    return ", ".join(str(n) for n in numbers[:most]) + (", …" if len(numbers) > most else "")
