"""The claims a file makes about itself, in its metadata: its size, its slogan, its colour mode.

A PDF makes them in /Keywords (``size=``, ``trim_mm=``, ``bleed_mm=``,
``hem_mm=``, ``slogan=``, ``color=``) and /Subject (the slogan's text); a PNG
in its iTXt ``Keywords`` and ``Description``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from poster_gen.campaign import Campaign
from poster_gen.check.model import WARNING, Code, Problem
from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.text import clean

DRAFT_ID = "draft"  # the slogan id of a file whose text is not an approved slogan


def parse_keywords(text: str) -> dict[str, str]:
    """'unit=a, slogan=4, size=x' -> {'unit': 'a', ...}; words without '=' are ignored."""
    out = {}
    for part in (text or "").split(","):
        k, sep, v = part.strip().partition("=")
        if sep and k.strip():
            out[k.strip()] = v.strip()
    return out


@dataclass(frozen=True)
class Claim:
    width_mm: float
    height_mm: float
    bleed_mm: float
    source: str  # what the numbers come from, for messages: a size id, or the file's trim_mm and bleed_mm keywords
    by_size: bool  # the source is a size id


def size_claims(kw: dict[str, str]) -> tuple[list[Claim], list[Problem]]:
    """The physical size a file claims: its size id resolved, and explicit mm values."""
    from poster_gen.sizes import resolve_size

    claims, problems = [], []
    size_id = kw.get("size")
    if size_id:
        hem = to_float(kw.get("hem_mm")) or 0.0
        if not 0.0 <= hem <= 200.0:
            problems.append(Problem(Code.METADATA, _("hem_mm={hem} in /Keywords is not a hem poster-gen makes "
                                                     "(0 to 200 mm)").format(hem=kw.get("hem_mm"))))
            hem = 0.0
        try:
            s = resolve_size(size_id)
            # a hemmed sheet (--hem) is the finished size plus the hem on every side
            claims.append(Claim(s.width_mm + 2 * hem, s.height_mm + 2 * hem, s.bleed_mm, size_id, True))
        except PosterGenError:
            problems.append(Problem(Code.SIZE, _("claims size '{size}', which poster-gen does not know").format(
                size=size_id), WARNING))
    trim = kw.get("trim_mm")
    if trim:
        m = re.match(r"^([\d.]+)x([\d.]+)$", trim)
        bleed = to_float(kw.get("bleed_mm"))
        if m and bleed is not None:
            claims.append(Claim(float(m.group(1)), float(m.group(2)), bleed,
                                 f"trim_mm={trim}, bleed_mm={kw['bleed_mm']}", False))
        else:
            problems.append(Problem(Code.METADATA, _("cannot read trim_mm='{trim}' / bleed_mm in /Keywords").format(
                trim=trim)))
    return claims, problems


def to_float(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def slogan_problems(kw: dict[str, str], subject: str, campaign: Campaign | None) -> tuple[bool, object, list[Problem]]:
    """(draft, approved Slogan or None, problems) for the slogan a file claims."""
    sid = kw.get("slogan")
    if not sid:
        why = _("no slogan claim (slogan=ID) in the metadata; not a poster-gen file?")
        return False, None, [Problem(Code.TEXT, why)]
    if sid == DRAFT_ID:
        why = _("draft slogan, not in the approved list: «{text}»").format(text=clean(subject))
        return True, None, [Problem(Code.TEXT, why, WARNING)]
    if campaign is None:
        return False, None, [Problem(Code.TEXT, _("no campaign given: the slogan was not compared"), WARNING)]
    try:
        slogan = campaign.slogan(sid)
    except KeyError:
        why = _("claims slogan {id}, which campaign '{campaign}' does not have; check --campaign").format(
            id=sid, campaign=campaign.name)
        return False, None, [Problem(Code.TEXT, why)]
    problems = []
    if clean(subject) != slogan.text:
        why = _("metadata says slogan «{text}» but the campaign's slogan {id} is «{approved}»").format(
            text=clean(subject), id=sid, approved=slogan.text)
        problems.append(Problem(Code.TEXT, why))
    return False, slogan, problems
