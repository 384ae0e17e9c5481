"""From a job (campaign, unit, slogan, size, design) to a scene.

This is where design regions become physical regions and text blocks are
fitted by the layout engine. Nothing here draws.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from poster_gen.campaign import Campaign, Slogan, Unit
from poster_gen.design import Box, Design, TextSpec, render_field
from poster_gen.errors import LayoutError, PosterGenError
from poster_gen.fonts import Font, load_font
from poster_gen.i18n import N_, _
from poster_gen.layout import FitOptions, Region, TextBlock, fit
from poster_gen.scene import Color, Glyph, GlyphRun, Rect, Scene
from poster_gen.sizes import CAP_MM_PER_M, PT_PER_MM, Size
from poster_gen.text import clean, upper
from poster_gen.words import FORBIDDEN, Word, is_phrase_joint, phrase_keys, proper_names, split_words

MIN_READABLE_FRACTION = 0.5  # below half the recommended capital height the job fails
# Kinds whose slogan is set in short stacked lines (the narrow pole banner): see _stacked.
STACKED_KINDS = frozenset({"phuon"})
# The block that names the occasion, for the manifest's occasion_cap_mm: the
# occasion line, or the title design's title (the campaign's name, set large).
OCCASION_FIELDS = ("occasion", "title")
# The text blocks of the packaged designs, named in messages in the user's language;
# a block of another design is named by its field as written.
BLOCK_NAMES = {
    "slogan": N_("slogan"),
    "heading": N_("heading"),
    "occasion": N_("occasion"),
    "title": N_("title"),
    "kicker": N_("kicker"),
    "date": N_("date"),
}


def block_name(field: str) -> str:
    """How messages name a text block: ``slogan`` in English, ``khẩu hiệu`` in Vietnamese."""
    return _(BLOCK_NAMES[field]) if field in BLOCK_NAMES else field


def readable_m(cap_mm: int) -> float:
    """How far away capitals this tall can be read (the rule of thumb), rounded down to 0.1 m."""
    return math.floor(cap_mm / CAP_MM_PER_M * 10 + 1e-9) / 10


def block_line(field: str, cap_mm: int, required_mm: int | None, viewing_m: float | None) -> str:
    """The legibility line of one text block, in the user's language: its capitals against
    the height needed at the viewing distance, or (``required_mm`` None) how far they read."""
    name = block_name(field)
    if required_mm is None or viewing_m is None:
        return _("{block} capitals {cap} mm, legible from up to {distance} m away").format(
            block=name, cap=cap_mm, distance=f"{readable_m(cap_mm):g}"
        )
    if cap_mm >= required_mm:
        template = _("{block} capitals {cap} mm, meet the {needed} mm needed at {distance} m")
    else:
        template = _("{block} capitals {cap} mm, BELOW the {needed} mm needed at {distance} m")
    return template.format(block=name, cap=cap_mm, needed=required_mm, distance=f"{viewing_m:g}")


def whole_mm(mm: float) -> int:
    """Millimetres as every message and the manifest show them: whole, halves up.

    Legibility is judged on these figures, never on the unrounded ones, so a
    message cannot read "24 mm, below the 24 mm needed"."""
    return int(math.floor(mm + 0.5))


class BlockLegibility(NamedTuple):
    """One text block's capitals, as set. ``required_mm`` is None for a block
    that is not held to the viewing distance (heading, occasion, date)."""

    field: str
    cap_height_mm: int
    lines: tuple[str, ...]
    required_mm: int | None = None
    viewing_m: float | None = None

    @property
    def measured(self) -> bool:
        return self.required_mm is not None

    @property
    def ok(self) -> bool | None:
        return None if self.required_mm is None else self.cap_height_mm >= self.required_mm

    @property
    def readable_m(self) -> float:
        """How far away these capitals can be read by the same rule of thumb, rounded down to 0.1 m."""
        return readable_m(self.cap_height_mm)

    def describe(self) -> str:
        """One line, in the user's language."""
        return block_line(self.field, self.cap_height_mm, self.required_mm, self.viewing_m)


class Legibility(NamedTuple):
    """The capital height of every text block; the top-level figures are those
    of the slogan (the block measured against the viewing distance)."""

    cap_height_mm: int
    required_mm: int
    viewing_m: float
    lines: tuple[str, ...]
    blocks: tuple[BlockLegibility, ...] = ()

    @property
    def ok(self) -> bool:
        measured = [b for b in self.blocks if b.measured]
        if measured:
            return all(b.ok for b in measured)
        return self.cap_height_mm >= self.required_mm

    @property
    def verdict(self) -> str:
        if self.ok:
            return "ok"
        return "small"

    def block(self, field: str) -> BlockLegibility | None:
        return next((b for b in self.blocks if b.field == field), None)

    def cap_of(self, fields: tuple[str, ...]) -> int | None:
        """The capital height of the first of ``fields`` that the artwork sets."""
        for f in fields:
            b = self.block(f)
            if b is not None:
                return b.cap_height_mm
        return None

    def describe(self) -> str:
        """The slogan's figures in one line, in the user's language."""
        if self.cap_height_mm >= self.required_mm:
            template = _("capital height {cap} mm, meets the {needed} mm needed at {distance} m")
        else:
            template = _("capital height {cap} mm, BELOW the {needed} mm needed at {distance} m")
        return template.format(cap=self.cap_height_mm, needed=self.required_mm, distance=f"{self.viewing_m:g}")

    def messages(self) -> list[str]:
        """One line per text block, the measured ones first; a shortfall is said once, here."""
        return [b.describe() for b in sorted(self.blocks, key=lambda b: not b.measured)]


@dataclass(frozen=True)
class Artwork:
    """What composing a job gives: the scene to draw and how legible its text is."""

    scene: Scene
    legibility: Legibility
    warnings: tuple[str, ...] = ()
    # field -> the region its text was fitted in (after reflow), in points on the canvas
    regions: dict = field(default_factory=dict, compare=False)
    # font file (a GlyphRun's font_path) -> the font measured: the writer embeds these very bytes
    fonts: dict = field(default_factory=dict, compare=False, repr=False)


@lru_cache(maxsize=8)
def campaign_names(campaign: Campaign) -> frozenset:
    """Place and proper names from the campaign's mixed-case texts, kept whole
    even in all-capital headings ("BẰNG MẠC", "VIỆT NAM", "CHI LĂNG")."""
    texts = [campaign.name, campaign.issuer, *(u.name for u in campaign.units)]
    return phrase_keys([*proper_names(texts), "Việt Nam"])


def template_context(campaign: Campaign, unit: Unit, slogan: Slogan, kind: str = "") -> dict:
    d = campaign.event_date
    return {
        "campaign": campaign,
        "unit": unit,
        "slogan": slogan,
        # lead-in and name, one space between, none when there is no lead-in
        "occasion": campaign.occasion,
        # the lead-in as printed before the name: empty when there is none or the name begins with it
        "lead_in": "" if campaign.occasion == campaign.name.strip() else campaign.lead_in,
        "occasion_short": campaign.occasion_short,  # with the short name, when the campaign gives one
        "kind": kind,  # pano, ap-phich, bieu-ngu or phuon
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
            _("design '{design}' has no layout for kind '{kind}' (it has: {kinds}); choose another --design").format(
                design=design.id, kind=size.kind, kinds=", ".join(design.kinds)
            )
        )
    lay = design.layout_for(size.kind, size.width_mm, size.height_mm)
    bleed = size.bleed_mm * PT_PER_MM
    # --hem: material beyond the finished size on every side. The design is laid out on the
    # finished piece, moved in by the hem; the ground and the bands that reach the finished
    # edge run on to the sheet's edge (and into the bleed); text and frames never enter it.
    hem = size.hem_mm * PT_PER_MM
    cw, ch = size.width_pt + 2 * hem + 2 * bleed, size.height_pt + 2 * hem + 2 * bleed
    left, top, right, bottom = (m * PT_PER_MM for m in size.margins_mm)
    trim_area = (bleed + hem, bleed + hem, size.width_pt, size.height_pt)
    # text (and frames) stay inside the safe area: off the hems, grommets and pole pockets
    safe_area = (bleed + hem + left, bleed + hem + top, size.width_pt - left - right, size.height_pt - top - bottom)
    areas = {"canvas": (hem, hem, cw - 2 * hem, ch - 2 * hem) if hem else (0.0, 0.0, cw, ch), "trim": trim_area,
             "safe": safe_area}

    items: list = [Rect(0.0, 0.0, cw, ch, design.color(lay.background))]
    decorations: list[Rect] = []
    short = min(safe_area[2], safe_area[3])
    for f in lay.frames:
        inset = f.inset * short
        w = max(f.width * short, 0.5)
        x0, y0 = safe_area[0] + inset, safe_area[1] + inset
        x1, y1 = safe_area[0] + safe_area[2] - inset, safe_area[1] + safe_area[3] - inset
        col = design.color(f.color)
        decorations += [
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
        if hem:  # a band that reaches the finished edge runs on through the hem
            x0, y0 = (0.0 if x0 <= hem + bleed + _EPS else x0), (0.0 if y0 <= hem + bleed + _EPS else y0)
            x1 = cw if x1 >= cw - hem - bleed - _EPS else x1
            y1 = ch if y1 >= ch - hem - bleed - _EPS else y1
        decorations.append(Rect(x0, y0, x1 - x0, y1 - y0, design.color(r.color)))
    items += decorations
    if hem:
        items += fold_ticks(cw, ch, bleed, hem, design.color(lay.background))

    # the text of every block first: a block that renders empty leaves its room to its neighbours
    ctx = template_context(campaign, unit, slogan, size.kind)
    sources: list[tuple[TextSpec, str]] = []
    for t in lay.texts:
        if t.field == "slogan" and "slogan" not in design.fields:
            source = slogan.text
        else:
            source = render_field(design, t.field, ctx)
        sources.append((t, clean(source)))
    planned = {t.field: _region(t.box, safe_area) for t, _ in sources}
    vacated = [planned[t.field] for t, src in sources if not src]
    vacated += [_region(b, safe_area) for b in removed_blocks(design, size, design_dirs)]
    growers = {t.field for t, src in sources if src and (t.legibility or t.field == "slogan")}
    regions = reflow({t.field: planned[t.field] for t, src in sources if src}, vacated, decorations, growers)

    blocks: list[BlockLegibility] = []
    primary: BlockLegibility | None = None
    warnings: list[str] = []
    search = (*design_dirs, str(Path(design.path).parent))
    fonts: dict[str, Font] = {}  # each of the design's fonts read once per artwork
    for t, source in sources:
        if not source:
            continue
        font = fonts.get(t.font)
        if font is None:
            font = fonts[t.font] = load_font(design.fonts[t.font], search)
        marked = slogan.breaks if (t.field == "slogan" and slogan.breaks and source == slogan.text) else None
        if t.field != "slogan" and ("|" in source or "~" in source):  # a design field's break markers
            marked, source = source, clean(source.replace("|", " ").replace("~", " "))
        words = split_words(source, marked=marked, names=campaign_names(campaign))
        if t.case == "upper":
            words = [Word(upper(w.text), w.syllables, w.break_cost, w.pinned) for w in words]
        display = " ".join(w.text for w in words)
        font.require(display, where=_("{block} text").format(block=block_name(t.field)))
        region = regions[t.field]
        # the cap on capital height keeps to the region the design drew: reflow gives a block
        # room (more or longer lines), never a larger place in the hierarchy
        max_size = (t.max_cap_frac * planned[t.field].h_pt / font.cap_height_em) if t.max_cap_frac else None
        # No size floor (FitOptions.min_size_pt): below half the capital height needed the
        # artwork is refused with a clear message, rather than printed with a name split.
        opts = FitOptions(max_lines=t.max_lines, max_size_pt=max_size, align=t.align, valign=t.valign)
        if t.legibility and size.kind in STACKED_KINDS:
            block = _narrow(words, region, font, opts, whole_mm(size.min_cap_mm))
        else:
            block = fit(words, region, font, opts)
        items.append(_run_items(block, font, design.color(t.color)))
        cap = whole_mm(block.cap_height_pt / PT_PER_MM)
        lines = tuple(line.text for line in block.lines)
        if t.legibility:
            info = BlockLegibility(t.field, cap, lines, whole_mm(size.min_cap_mm), size.viewing_m)
            if primary is None or t.field == "slogan":
                primary = info
        else:
            info = BlockLegibility(t.field, cap, lines)
        blocks.append(info)
    items = _flatten(items)
    if primary is None:
        raise PosterGenError(
            _("design '{design}' has no slogan block for kind '{kind}'").format(design=design.id, kind=size.kind)
        )
    for b in blocks:
        # a cờ phướn keeps its names whole and is read from the pavement: short of the mark it
        # is printed with a warning, never refused
        if b.measured and b.cap_height_mm < MIN_READABLE_FRACTION * b.required_mm and size.kind not in STACKED_KINDS:
            if b.field == "slogan":
                template = _("slogan too long for size {size}: capitals reach only {cap} mm, under half the {needed} mm "
                             "needed at {distance} m; choose a larger size or a shorter slogan")
            else:
                template = _("{block} text too long for size {size}: capitals reach only {cap} mm, under half the "
                             "{needed} mm needed at {distance} m; choose a larger size or a shorter text")
            raise LayoutError(
                template.format(block=block_name(b.field), size=size.id, cap=b.cap_height_mm, needed=b.required_mm,
                                distance=f"{b.viewing_m:g}")
            )
    legibility = Legibility(
        cap_height_mm=primary.cap_height_mm,
        required_mm=primary.required_mm or 0,
        viewing_m=size.viewing_m,
        lines=primary.lines,
        blocks=tuple(blocks),
    )
    scene = Scene(
        width_pt=cw,
        height_pt=ch,
        bleed_pt=bleed,
        items=tuple(items),
        title=f"{unit.name} - {slogan.text}",
        subject=slogan.text,
        keywords=(f"unit={unit.id}", f"slogan={slogan.id}", f"size={size.id}", f"design={design.id}",
                  *([f"hem_mm={size.hem_mm:g}"] if size.hem_mm else [])),  # machine-readable, never translated
        hem_pt=hem,
    )
    return Artwork(scene=scene, legibility=legibility, warnings=tuple(warnings), regions=regions,
                   fonts={str(f.path): f for f in fonts.values()})


FOLD_TICK_MM = 0.5  # width of a fold tick inside the hem
FOLD_TICK_MAX_MM = 10.0  # its length: half the hem, at most this


def fold_ticks(cw: float, ch: float, bleed: float, hem: float, ground) -> list[Rect]:
    """Small ticks inside the hem, on the fold lines (the finished edges), from the sheet's
    edge inwards: two per fold, in black or white, whichever stands out on the ground. They
    fold away with the hem; every writer draws them (PDF, PNG, TIFF, JPEG)."""
    r, g, b = ground.rgb
    dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 128
    ink = Color(rgb=(255, 255, 255), cmyk=(0.0, 0.0, 0.0, 0.0)) if dark else Color(rgb=(0, 0, 0), cmyk=(0.0, 0.0, 0.0, 1.0))
    t = FOLD_TICK_MM * PT_PER_MM
    ln = min(hem / 2, FOLD_TICK_MAX_MM * PT_PER_MM)
    x0, y0, x1, y1 = bleed, bleed, cw - bleed, ch - bleed  # the sheet's edges
    ticks = []
    for fx in (x0 + hem, x1 - hem):  # vertical folds: at the top and bottom edges
        ticks += [Rect(fx - t / 2, y0, t, ln, ink), Rect(fx - t / 2, y1 - ln, t, ln, ink)]
    for fy in (y0 + hem, y1 - hem):  # horizontal folds: at the left and right edges
        ticks += [Rect(x0, fy - t / 2, ln, t, ink), Rect(x1 - ln, fy - t / 2, ln, t, ink)]
    return ticks


# ---- reflow: blocks share the room of a block that is gone ---------------------------
#
# Text blocks that overlap horizontally form a column, read top to bottom. When
# a block is removed (``remove = true`` in a design that extends another) or its
# text renders empty, its vertical span is given to its neighbours in the column:
#
# 1. a neighbour that is measured against the viewing distance (the slogan)
#    takes it all: it grows to the far edge of the vacated region, so the
#    spacing the design drew on the far side stays as it was (when a
#    decoration keeps it from growing at all, the other neighbour takes it);
# 2. otherwise the neighbour above and the neighbour below share it, in
#    proportion to their heights, keeping the larger of the two gaps the
#    design drew between them and the vacated block; a lone neighbour takes it all;
# 3. no block grows across a fixed decoration (a rule, a band's edge, a frame)
#    or another text block: it stops short of it by the gap it kept before.
#
# Blocks only grow, and only vertically; a design with every block present
# and set is laid out exactly as drawn.

_EPS = 1e-6


def _bottom(r: Region) -> float:
    return r.y_pt + r.h_pt


def _x_overlap(a, b) -> bool:
    return a.x_pt < b.x_pt + b.w_pt - _EPS and b.x_pt < a.x_pt + a.w_pt - _EPS


def _grow(f: str, regions: dict, to_y: float, gap: float, obstacles: list) -> None:
    """Move one edge of block ``f`` towards ``to_y`` (down when below it, up when above),
    stopping ``gap`` short of any obstacle edge on the way."""
    r = regions[f]
    others = [o for name, o in regions.items() if name != f]
    edges = [y for o in (*obstacles, *others) if _x_overlap(r, o) for y in (o.y_pt, _bottom(o))]
    if to_y > _bottom(r):
        for y in edges:
            if _bottom(r) + _EPS < y <= to_y:
                to_y = min(to_y, y - gap)
        if to_y > _bottom(r) + _EPS:
            regions[f] = Region(r.x_pt, r.y_pt, r.w_pt, to_y - r.y_pt)
    elif to_y < r.y_pt:
        for y in edges:
            if to_y <= y < r.y_pt - _EPS:
                to_y = max(to_y, y + gap)
        if to_y < r.y_pt - _EPS:
            regions[f] = Region(r.x_pt, to_y, r.w_pt, _bottom(r) - to_y)


def reflow(regions: dict, vacated: list, obstacles: list, growers: set) -> dict:
    """The regions (field -> Region) after handing out the ``vacated`` regions (see above)."""
    regions = dict(regions)
    for e in sorted(vacated, key=lambda r: (r.y_pt, r.x_pt)):
        e0, e1 = e.y_pt, _bottom(e)
        column = [f for f, r in regions.items() if _x_overlap(r, e)]
        above = [f for f in column if _bottom(regions[f]) <= e0 + _EPS]
        below = [f for f in column if regions[f].y_pt >= e1 - _EPS]
        a = max(above, key=lambda f: _bottom(regions[f]), default=None)
        b = min(below, key=lambda f: regions[f].y_pt, default=None)
        gap_a = e0 - _bottom(regions[a]) if a else 0.0
        gap_b = regions[b].y_pt - e1 if b else 0.0
        if a and (a in growers or not b):
            before = regions[a]
            _grow(a, regions, e1, gap_a, obstacles)
            if b and regions[a] == before:  # kept off by a decoration: the other neighbour takes it
                _grow(b, regions, e0, gap_b, obstacles)
        elif b and (b in growers or not a):
            before = regions[b]
            _grow(b, regions, e0, gap_b, obstacles)
            if a and regions[b] == before:
                _grow(a, regions, e1, gap_a, obstacles)
        elif a and b:
            ra, rb = regions[a], regions[b]
            gap = max(gap_a, gap_b)
            free = (rb.y_pt - _bottom(ra)) - gap
            share_a = free * ra.h_pt / (ra.h_pt + rb.h_pt)
            _grow(a, regions, _bottom(ra) + share_a, gap, obstacles)
            _grow(b, regions, rb.y_pt - (free - share_a), gap, obstacles)
    return regions


def removed_blocks(design: Design, size: Size, design_dirs: tuple[str, ...] = ()) -> tuple[Box, ...]:
    """The regions of the text blocks this design removed (``remove = true``) from
    the designs it extends, for this kind and orientation: the nearest parent that
    has the block gives its region."""
    if not design.extends:
        return ()
    from poster_gen.design import MAX_DESIGN_BYTES
    from poster_gen.limits import read_text_file

    paths = (design.path, *design.extends)
    try:  # the files as they are now: what they hold is the key, not when they were written
        content = tuple(hashlib.sha256(read_text_file(Path(p), "design", MAX_DESIGN_BYTES)).digest() for p in paths)
    except (OSError, PosterGenError):
        return ()
    orientation = "portrait" if size.height_mm > size.width_mm else "landscape"
    return _removed_blocks(paths, content, tuple(design_dirs), size.kind, orientation,
                           frozenset(t.field for t in design.layout_for(size.kind, size.width_mm, size.height_mm).texts))


@lru_cache(maxsize=64)
def _removed_blocks(paths, content, design_dirs, kind, orientation, have) -> tuple[Box, ...]:
    """``content``: the digests of the files ``paths`` (the design and its parents) as they were read."""
    from poster_gen.design import load_design_file

    w, h = (1.0, 2.0) if orientation == "portrait" else (2.0, 1.0)
    found: dict[str, Box] = {}
    extra = [Path(paths[0]).parent, *(Path(d) for d in design_dirs)]
    for parent in paths[1:]:
        try:
            d = load_design_file(Path(parent), extra)
        except PosterGenError:  # the parent cannot be read now: nothing to reflow
            continue
        if kind not in d.kinds:
            continue
        for t in d.layout_for(kind, w, h).texts:
            if t.field not in have and t.field not in found:
                found[t.field] = t.box
    return tuple(found.values())


STACK_GAIN = 1.2  # more lines on a strip: for capitals at least this much larger


def _narrow(words: list, region: Region, font: Font, opts: FitOptions, need_mm: int) -> TextBlock:
    """The slogan of a narrow strip (cờ phướn). Elsewhere the engine may split a phrase when
    keeping it whole costs much type size; on a strip that is what it would do nearly always,
    so here phrases are always kept whole, in short stacked lines ("ĐẢNG CỘNG SẢN VIỆT NAM /
    QUANG VINH / MUÔN NĂM!"). A long name then sets the type size; a strip is read from the
    pavement below it, so a shortfall is a warning there, not a refusal (see compose)."""
    whole = [w if w.pinned or not is_phrase_joint(w.break_cost) else w._replace(break_cost=FORBIDDEN)
             for w in words]
    return _stacked(fit(whole, region, font, opts), whole, region, font, opts, need_mm)


def _splits_phrase(block: TextBlock, words: list) -> bool:
    """True when a line of ``block`` ends inside a phrase (a name, a number and its noun, ...)."""
    i = 0
    for line in block.lines[:-1]:
        used = -1
        while i < len(words) and used < len(line.text):
            used += len(words[i].text) + 1
            i += 1
        if i and is_phrase_joint(words[i - 1].break_cost):
            return True
    return False


def _stacked(block: TextBlock, words: list, region: Region, font: Font, opts: FitOptions, need_mm: int) -> TextBlock:
    """On a narrow strip the slogan reads in short stacked lines. The engine's
    choice keeps phrases whole; a setting with more lines replaces it when it
    changes the verdict (reaches the capital height needed, or lifts the capitals
    from under half of it, refused, to a warning) or makes the capitals at least
    STACK_GAIN times larger. A setting that breaks a phrase ("ĐẢNG CỘNG SẢN / VIỆT
    NAM") or leaves a single syllable alone on a line ("CỦA", "TRONG") is taken
    only to avoid a refusal. Among those, the fewest lines."""

    def cap_mm(b: TextBlock) -> int:
        return whole_mm(b.cap_height_pt / PT_PER_MM)

    def level(b: TextBlock) -> int:
        return 2 if cap_mm(b) >= need_mm else (1 if cap_mm(b) >= MIN_READABLE_FRACTION * need_mm else 0)

    def lone(b: TextBlock) -> bool:
        return any(" " not in line.text.strip() for line in b.lines)

    best = block
    for n in range(len(block.lines) + 1, opts.max_lines + 1):
        if level(best) == 2:
            break
        cand = fit(words, region, font, replace(opts, min_lines=n, max_lines=n))  # the best n-line setting
        if len(cand.lines) < n:  # no more places to break
            break
        if (lone(cand) and not lone(block)) or (_splits_phrase(cand, words) and not _splits_phrase(block, words)):
            if level(best) == 0 and level(cand) > 0:
                best = cand
            continue
        if level(cand) > level(best) or cand.cap_height_pt >= STACK_GAIN * best.cap_height_pt:
            best = cand
    return best


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
