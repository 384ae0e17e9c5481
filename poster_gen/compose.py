"""From a job (campaign, unit, slogan, size, design) to a scene.

This is where design regions become physical regions and text blocks are
fitted by the layout engine. Nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from poster_gen.campaign import Campaign, Slogan, Unit
from poster_gen.design import Box, Design, render_field
from poster_gen.errors import LayoutError, PosterGenError
from poster_gen.fonts import Font, load_font
from poster_gen.layout import FitOptions, Region, TextBlock, fit
from poster_gen.scene import Glyph, GlyphRun, Rect, Scene
from poster_gen.sizes import PT_PER_MM, Size
from poster_gen.text import clean, upper
from poster_gen.words import Word, phrase_keys, proper_names, split_words

MIN_READABLE_FRACTION = 0.5  # below half the recommended capital height the job fails


@dataclass(frozen=True)
class Legibility:
    cap_height_mm: float
    required_mm: float
    viewing_m: float
    lines: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.cap_height_mm + 1e-6 >= self.required_mm

    @property
    def verdict(self) -> str:
        if self.ok:
            return "ok"
        return "small"

    def describe(self) -> str:
        mark = "meets" if self.ok else "BELOW"
        return (
            f"capital height {self.cap_height_mm:.0f} mm, {mark} the {self.required_mm:.0f} mm needed at "
            f"{self.viewing_m:g} m"
        )


@dataclass(frozen=True)
class Artwork:
    scene: Scene
    legibility: Legibility
    warnings: tuple[str, ...] = ()


@lru_cache(maxsize=8)
def campaign_names(campaign: Campaign) -> frozenset:
    """Place and proper names from the campaign's mixed-case texts, kept whole
    even in all-capital headings ("BẰNG MẠC", "VIỆT NAM", "CHI LĂNG")."""
    texts = [campaign.name, campaign.issuer, *(u.name for u in campaign.units)]
    return phrase_keys([*proper_names(texts), "Việt Nam"])


def template_context(campaign: Campaign, unit: Unit, slogan: Slogan) -> dict:
    d = campaign.event_date
    return {
        "campaign": campaign,
        "unit": unit,
        "slogan": slogan,
        "date": d,
        "date_vn": f"{d.day}/{d.month}/{d.year}",
        "date_long": f"ngày {d.day} tháng {d.month} năm {d.year}",
        "year": d.year,
    }


def _region(box: Box, area: tuple[float, float, float, float]) -> Region:
    x, y, w, h = area
    return Region(x + box.x * w, y + box.y * h, box.w * w, box.h * h)


def compose(
    campaign: Campaign,
    unit: Unit,
    slogan: Slogan,
    size: Size,
    design: Design,
    design_dirs: tuple[str, ...] = (),
) -> Artwork:
    if size.kind not in design.kinds:
        raise PosterGenError(
            f"design '{design.id}' has no layout for kind '{size.kind}' (it has: {', '.join(design.kinds)}); "
            "choose another --design"
        )
    lay = design.layout_for(size.kind, size.width_mm, size.height_mm)
    bleed = size.bleed_mm * PT_PER_MM
    cw, ch = size.width_pt + 2 * bleed, size.height_pt + 2 * bleed
    safe = size.safe_mm * PT_PER_MM
    trim_area = (bleed, bleed, size.width_pt, size.height_pt)
    safe_area = (bleed + safe, bleed + safe, size.width_pt - 2 * safe, size.height_pt - 2 * safe)
    areas = {"canvas": (0.0, 0.0, cw, ch), "trim": trim_area, "safe": safe_area}

    items: list = [Rect(0.0, 0.0, cw, ch, design.color(lay.background))]
    short = min(safe_area[2], safe_area[3])
    for f in lay.frames:
        inset = f.inset * short
        w = max(f.width * short, 0.5)
        x0, y0 = safe_area[0] + inset, safe_area[1] + inset
        x1, y1 = safe_area[0] + safe_area[2] - inset, safe_area[1] + safe_area[3] - inset
        col = design.color(f.color)
        items += [
            Rect(x0, y0, x1 - x0, w, col),
            Rect(x0, y1 - w, x1 - x0, w, col),
            Rect(x0, y0, w, y1 - y0, col),
            Rect(x1 - w, y0, w, y1 - y0, col),
        ]
    for r in lay.rects:
        reg = _region(r.box, areas[r.on])
        x0, y0, x1, y1 = reg.x_pt, reg.y_pt, reg.x_pt + reg.w_pt, reg.y_pt + reg.h_pt
        x0, y0 = (0.0 if "left" in r.to_edge else x0), (0.0 if "top" in r.to_edge else y0)
        x1, y1 = (cw if "right" in r.to_edge else x1), (ch if "bottom" in r.to_edge else y1)
        items.append(Rect(x0, y0, x1 - x0, y1 - y0, design.color(r.color)))

    ctx = template_context(campaign, unit, slogan)
    legibility: Legibility | None = None
    warnings: list[str] = []
    search = (*design_dirs, str(Path(design.path).parent))
    for t in lay.texts:
        if t.field == "slogan" and "slogan" not in design.fields:
            source = slogan.text
        else:
            source = render_field(design, t.field, ctx)
        source = clean(source)
        if not source:
            continue
        font = load_font(design.fonts[t.font], search)
        marked = slogan.breaks if (t.field == "slogan" and slogan.breaks and source == slogan.text) else None
        if t.field != "slogan" and ("|" in source or "~" in source):  # a design field's break markers
            marked, source = source, clean(source.replace("|", " ").replace("~", " "))
        words = split_words(source, marked=marked, names=campaign_names(campaign))
        if t.case == "upper":
            words = [Word(upper(w.text), w.syllables, w.break_cost, w.pinned) for w in words]
        display = " ".join(w.text for w in words)
        font.require(display, where=f"{t.field} text")
        region = _region(t.box, safe_area)
        max_size = (t.max_cap_frac * region.h_pt / font.cap_height_em) if t.max_cap_frac else None
        block = fit(
            words,
            region,
            font,
            FitOptions(max_lines=t.max_lines, max_size_pt=max_size, align=t.align, valign=t.valign),
        )
        items.append(_run_items(block, font, design.color(t.color)))
        if t.legibility:
            cap_mm = block.cap_height_pt / PT_PER_MM
            legibility = Legibility(
                cap_height_mm=round(cap_mm, 1),
                required_mm=size.min_cap_mm,
                viewing_m=size.viewing_m,
                lines=tuple(line.text for line in block.lines),
            )
    items = _flatten(items)
    if legibility is None:
        raise PosterGenError(f"design '{design.id}' has no slogan block for kind '{size.kind}'")
    if legibility.cap_height_mm < MIN_READABLE_FRACTION * legibility.required_mm:
        raise LayoutError(
            f"slogan too long for size {size.id}: capitals reach only {legibility.cap_height_mm:.0f} mm, "
            f"under half the {legibility.required_mm:.0f} mm needed at {legibility.viewing_m:g} m; "
            "choose a larger size or a shorter slogan"
        )
    if not legibility.ok:
        warnings.append(
            f"size {size.id}: slogan capitals {legibility.cap_height_mm:.0f} mm, below the "
            f"{legibility.required_mm:.0f} mm recommended at {legibility.viewing_m:g} m"
        )
    scene = Scene(
        width_pt=cw,
        height_pt=ch,
        bleed_pt=bleed,
        items=tuple(items),
        title=f"{unit.name} - {slogan.text}",
        subject=slogan.text,
        keywords=(f"unit={unit.id}", f"slogan={slogan.id}", f"size={size.id}", f"design={design.id}"),
    )
    return Artwork(scene=scene, legibility=legibility, warnings=tuple(warnings))


def _run_items(block: TextBlock, font: Font, color) -> list[GlyphRun]:
    runs = []
    s = block.size_pt
    for line in block.lines:
        glyphs = tuple(
            Glyph(g.gid, g.char, line.x_pt + g.x_em * s, line.baseline_pt - g.y_em * s) for g in line.shaped.glyphs
        )
        runs.append(
            GlyphRun(
                font_path=str(font.path),
                font_name=font.ps_name,
                size_pt=s,
                color=color,
                text=line.text,
                glyphs=glyphs,
                advances_pt=tuple(g.advance_em * s for g in line.shaped.glyphs),
            )
        )
    return runs


def _flatten(items: list) -> list:
    out = []
    for it in items:
        if isinstance(it, list):
            out.extend(it)
        else:
            out.append(it)
    return out
