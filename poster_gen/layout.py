"""Fitting text into a region: breaks, size and line spacing from real ink.

Layout takes its metrics as a parameter (anything with ``shape``, ``ink`` and
``cap_height_em``, see ``Metrics``) so tests can use fakes. It returns small
records; ``compose`` turns them into scene items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Protocol

from poster_gen.fonts import Ink, Shaped
from poster_gen.words import FORBIDDEN, Word

EPS = 1e-6


class Metrics(Protocol):
    cap_height_em: float

    def shape(self, text: str) -> Shaped: ...

    def ink(self, gid: int) -> Ink | None: ...


@dataclass(frozen=True)
class Region:
    x_pt: float
    y_pt: float
    w_pt: float
    h_pt: float


@dataclass(frozen=True)
class FitOptions:
    max_lines: int = 4
    min_lines: int = 1
    max_size_pt: float | None = None
    min_gap_em: float = 0.10  # clear space between the ink of two lines
    min_leading_caps: float = 1.5  # baseline to baseline, at least, in cap heights
    align: str = "center"  # center | left
    valign: str = "center"  # center | top | bottom


@dataclass(frozen=True)
class LineBox:
    text: str
    shaped: Shaped
    x_pt: float  # pen origin
    baseline_pt: float
    ink_top_pt: float  # y of the highest ink (y down)
    ink_bottom_pt: float
    ink_left_pt: float
    ink_right_pt: float


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[LineBox, ...]
    size_pt: float
    cap_height_pt: float
    leading_pt: float
    region: Region

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True)
class _LineInk:
    width_em: float  # ink width
    left_em: float  # ink left relative to pen origin
    top_em: float  # highest ink above baseline (>= 0)
    depth_em: float  # lowest ink below baseline (>= 0)


def line_ink(metrics: Metrics, shaped: Shaped) -> _LineInk:
    left, right, top, bottom = math.inf, -math.inf, 0.0, 0.0
    for g in shaped.glyphs:
        ink = metrics.ink(g.gid)
        if ink is None:
            continue
        left = min(left, g.x_em + ink.x_min)
        right = max(right, g.x_em + ink.x_max)
        top = max(top, g.y_em + ink.y_max)
        bottom = min(bottom, g.y_em + ink.y_min)
    if left is math.inf:
        return _LineInk(0.0, 0.0, 0.0, 0.0)
    return _LineInk(right - left, left, top, -bottom)


def _leading_em(inks: list[_LineInk], opts: FitOptions, cap_em: float) -> float:
    lead = opts.min_leading_caps * cap_em
    for a, b in zip(inks, inks[1:]):
        lead = max(lead, a.depth_em + opts.min_gap_em + b.top_em)
    return lead


def _height_em(inks: list[_LineInk], lead: float) -> float:
    return inks[0].top_em + lead * (len(inks) - 1) + inks[-1].depth_em


@dataclass(frozen=True)
class _Candidate:
    score: float
    size_pt: float
    breaks: tuple[int, ...]


def choose_breaks(
    words: list[Word], region: Region, metrics: Metrics, opts: FitOptions
) -> tuple[tuple[str, ...], float]:
    """Pick line breaks and the size they allow. Returns (lines, size_pt)."""
    n = len(words)
    span_cache: dict[tuple[int, int], _LineInk] = {}

    def span(i: int, j: int) -> _LineInk:  # words i..j-1
        key = (i, j)
        if key not in span_cache:
            text = " ".join(w.text for w in words[i:j])
            span_cache[key] = line_ink(metrics, metrics.shape(text))
        return span_cache[key]

    breakable = [k for k in range(1, n) if words[k - 1].break_cost != FORBIDDEN]
    best: _Candidate | None = None
    max_lines = max(1, min(opts.max_lines, len(breakable) + 1))
    for nlines in range(max(1, opts.min_lines), max_lines + 1):
        for breaks in _break_sets(words, breakable, nlines - 1, span):
            bounds = (0, *breaks, n)
            inks = [span(a, b) for a, b in zip(bounds, bounds[1:])]
            widest = max(i.width_em for i in inks)
            if widest <= 0:
                continue
            lead = _leading_em(inks, opts, metrics.cap_height_em)
            size = min(region.w_pt / widest, region.h_pt / _height_em(inks, lead))
            if opts.max_size_pt:
                size = min(size, opts.max_size_pt)
            score = size * _quality(words, bounds, inks, widest)
            if best is None or score > best.score + EPS:
                best = _Candidate(score, size, breaks)
    if best is None:
        return ((" ".join(w.text for w in words),), 0.0)
    bounds = (0, *best.breaks, n)
    lines = tuple(" ".join(w.text for w in words[a:b]) for a, b in zip(bounds, bounds[1:]))
    return lines, best.size_pt


def _quality(words: list[Word], bounds: tuple[int, ...], inks: list[_LineInk], widest: float) -> float:
    """1.0 for ideal breaks; lower for awkward ones (a multiplier on size)."""
    nlines = len(inks)
    if nlines == 1:
        return 1.0
    penalty = 0.0
    for b in bounds[1:-1]:
        penalty += 0.08 * words[b - 1].break_cost
        if words[b - 1].pinned:
            penalty -= 0.06  # a break the campaign file asked for
    for (a, b), ink in zip(zip(bounds, bounds[1:]), inks):
        ratio = ink.width_em / widest
        penalty += 0.30 * (1.0 - ratio) ** 2
        if sum(w.syllables for w in words[a:b]) <= 1:
            penalty += 0.10  # a single short word alone on a line
    # the last line much shorter than the rest reads as an orphan
    if inks[-1].width_em < 0.4 * widest:
        penalty += 0.06
    return max(0.05, 1.0 - penalty)


def _break_sets(words, breakable, k, span):
    """All sets of k break positions when few, else a DP's best few."""
    if k == 0:
        yield ()
        return
    if math.comb(len(breakable), k) <= 6000:
        yield from combinations(breakable, k)
        return
    yield from _dp_breaks(words, breakable, k, span)


def _dp_breaks(words, breakable, k, span):
    """Minimise the widest line (then total break cost) for long texts."""
    n = len(words)
    points = [0, *breakable, n]
    idx = {p: i for i, p in enumerate(points)}
    INF = (math.inf, math.inf)
    # best[j][l] = (max width, cost) for words[0:points[j]] in l lines
    best = [[INF] * (k + 2) for _ in points]
    back = [[-1] * (k + 2) for _ in points]
    best[0][0] = (0.0, 0.0)
    for j in range(1, len(points)):
        for l in range(1, k + 2):
            for i in range(j):
                prev = best[i][l - 1]
                if prev == INF:
                    continue
                w = span(points[i], points[j]).width_em
                cost = prev[1] + (words[points[j] - 1].break_cost if points[j] < n else 0.0)
                cand = (max(prev[0], w), cost)
                if cand < best[j][l]:
                    best[j][l] = cand
                    back[j][l] = i
    j, l, out = idx[n], k + 1, []
    if best[j][l] == INF:
        return
    while l > 0:
        i = back[j][l]
        if i > 0:
            out.append(points[i])
        j, l = i, l - 1
    yield tuple(sorted(out))


def set_lines(lines: tuple[str, ...], size_pt: float, region: Region, metrics: Metrics, opts: FitOptions) -> TextBlock:
    """Place already-broken lines at a given size inside the region."""
    shaped = [metrics.shape(t) for t in lines]
    inks = [line_ink(metrics, s) for s in shaped]
    lead = _leading_em(inks, opts, metrics.cap_height_em)
    height = _height_em(inks, lead) * size_pt
    if opts.valign == "top":
        top = region.y_pt
    elif opts.valign == "bottom":
        top = region.y_pt + region.h_pt - height
    else:
        top = region.y_pt + (region.h_pt - height) / 2
    baseline = top + inks[0].top_em * size_pt
    boxes = []
    for text, sh, ink in zip(lines, shaped, inks):
        width = ink.width_em * size_pt
        if opts.align == "left":
            ink_left = region.x_pt
        else:
            ink_left = region.x_pt + (region.w_pt - width) / 2
        x = ink_left - ink.left_em * size_pt
        boxes.append(
            LineBox(
                text=text,
                shaped=sh,
                x_pt=x,
                baseline_pt=baseline,
                ink_top_pt=baseline - ink.top_em * size_pt,
                ink_bottom_pt=baseline + ink.depth_em * size_pt,
                ink_left_pt=ink_left,
                ink_right_pt=ink_left + width,
            )
        )
        baseline += lead * size_pt
    return TextBlock(
        lines=tuple(boxes),
        size_pt=size_pt,
        cap_height_pt=metrics.cap_height_em * size_pt,
        leading_pt=lead * size_pt,
        region=region,
    )


def fit(words: list[Word], region: Region, metrics: Metrics, opts: FitOptions = FitOptions()) -> TextBlock:
    """Break and size ``words`` as large as ``region`` allows, ink inside it.

    Pure, so results are memoised: a batch sets the same slogan in the same
    region for every unit.
    """
    try:
        return _fit_cached(tuple(words), region, metrics, opts)
    except TypeError:  # unhashable fake metrics in a test
        return _fit(words, region, metrics, opts)


@lru_cache(maxsize=256)
def _fit_cached(words: tuple, region: Region, metrics: Metrics, opts: FitOptions) -> TextBlock:
    return _fit(list(words), region, metrics, opts)


def _fit(words: list[Word], region: Region, metrics: Metrics, opts: FitOptions) -> TextBlock:
    if not words:
        return TextBlock((), 0.0, 0.0, 0.0, region)
    lines, size = choose_breaks(words, region, metrics, opts)
    size *= 1 - 1e-9  # keep float rounding on the inside
    return set_lines(lines, size, region, metrics, opts)
