"""Fitting text into a region: breaks, size and line spacing from real ink.

Layout takes its metrics as a parameter (anything with ``shape``, ``ink`` and
``cap_height_em``, see ``Metrics``) so tests can use fakes. It returns small
records; ``compose`` turns them into scene items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol

from poster_gen.fonts import Ink, Shaped
from poster_gen.words import COST_JOINT, DASHES, FORBIDDEN, Word, is_phrase_joint

EPS = 1e-6
# A break inside a phrase (a name, a number and its noun, "của" at a line end; see
# words.py) multiplies a layout's score by JOINT_FACTOR for every COST_JOINT of its
# cost: the text is set with a phrase split only when keeping every phrase whole
# would make its type much smaller, and then at the phrase joint that reads least badly.
JOINT_FACTOR = 0.5
_DASH_ENDS = tuple(" " + d for d in sorted(DASHES))
MAX_JOINTS = 3  # never more phrase joints broken in one block


class Metrics(Protocol):
    cap_height_em: float

    def shape(self, text: str) -> Shaped: ...

    def ink(self, gid: int) -> Ink | None: ...


class Region(NamedTuple):
    """A rectangle to fit text in, top-left corner and size."""

    x_pt: float
    y_pt: float
    w_pt: float
    h_pt: float


@dataclass(frozen=True)
class FitOptions:
    """How a block of text is fitted to its region: lines, sizes, alignment, spacing."""

    max_lines: int = 4
    min_lines: int = 1
    max_size_pt: float | None = None
    # The size the block should reach (e.g. the least legible size): when keeping every
    # phrase whole leaves the text smaller, phrases are broken, cheapest joints first,
    # rather than refusing the artwork. None: phrase joints are weighed by JOINT_FACTOR only.
    min_size_pt: float | None = None
    min_gap_em: float = 0.10  # clear space between the ink of two lines
    min_leading_caps: float = 1.5  # baseline to baseline, at least, in cap heights
    align: str = "center"  # center | left
    valign: str = "center"  # center | top | bottom


class LineBox(NamedTuple):
    """One set line: its text, shaped, and where its pen starts."""

    text: str
    shaped: Shaped
    x_pt: float  # pen origin
    baseline_pt: float
    ink_top_pt: float  # y of the highest ink (y down)
    ink_bottom_pt: float
    ink_left_pt: float
    ink_right_pt: float


class TextBlock(NamedTuple):
    """A fitted block of text: its lines, type size and line spacing."""

    lines: tuple[LineBox, ...]
    size_pt: float
    cap_height_pt: float
    leading_pt: float
    region: Region

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


class _LineInk(NamedTuple):
    """The ink of one line in em, measured from its glyphs (internal: a tuple, quick to make)."""

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


class _Candidate(NamedTuple):
    """A set of line breaks and the type size it reaches (internal)."""

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
    bonus = {k for k in breakable if _bonus(words[k - 1])}
    best: _Candidate | None = None
    reaching: _Candidate | None = None  # the best of those that reach opts.min_size_pt
    largest: _Candidate | None = None

    def hopeless(size_ub: float, score_ub: float) -> bool:
        """No layout this large at most, scoring this at most, can change the choice."""
        if best is None or score_ub > best.score + EPS:
            return False
        if opts.min_size_pt:
            if largest is None or size_ub > largest.size_pt + EPS:
                return False
            if size_ub >= opts.min_size_pt and (reaching is None or score_ub > reaching.score + EPS):
                return False
        return True

    def cap(size: float) -> float:
        return min(size, opts.max_size_pt) if opts.max_size_pt else size

    q = _QualityData(words)

    def consider(breaks: tuple[int, ...]) -> None:
        nonlocal best, reaching, largest
        bounds = (0, *breaks, n)
        inks = [span(a, b) for a, b in zip(bounds, bounds[1:])]
        widest = max(i.width_em for i in inks)
        if widest <= 0:
            return
        size_ub = cap(region.w_pt / widest)
        if hopeless(size_ub, size_ub * q.bound(breaks)):
            return
        lead = _leading_em(inks, opts, metrics.cap_height_em)
        size = cap(min(region.w_pt / widest, region.h_pt / _height_em(inks, lead)))
        score = size * q.quality(bounds, inks, widest)
        cand = _Candidate(score, size, breaks)
        if best is None or score > best.score + EPS:
            best = cand
        if opts.min_size_pt:
            if size >= opts.min_size_pt and (reaching is None or score > reaching.score + EPS):
                reaching = cand
            if largest is None or size > largest.size_pt + EPS:
                largest = cand

    def search(k: int, level_ub: float) -> None:
        """Every set of k breaks with at most MAX_JOINTS phrase joints, in order, passing over
        those whose first lines already rule them out (a branch and bound)."""
        m = len(breakable)
        bonus_after = [0] * (m + 1)  # bonus positions among breakable[i:]
        for i in range(m - 1, -1, -1):
            bonus_after[i] = bonus_after[i + 1] + (breakable[i] in bonus)
        chosen: list[int] = []

        def walk(first: int, start: int, widest: float, penalty: float, factor: float, joints: int) -> None:
            left = k - len(chosen)
            if left == 0:
                consider(tuple(chosen))
                return
            for i in range(first, m - left + 1):
                b = breakable[i]
                w = max(widest, span(start, b).width_em)
                cost = q.cost[b - 1]
                joint = cost >= COST_JOINT
                if joint and joints >= MAX_JOINTS:
                    continue
                pen = penalty + (0.0 if joint else 0.08 * cost) - (_BONUS if q.bonus[b - 1] else 0.0)
                fac = factor * (_joint_factor(cost) if joint else 1.0)
                size_ub = min(level_ub, cap(region.w_pt / w)) if w > 0 else level_ub
                q_ub = max(_QUALITY_FLOOR, 1.0 - pen + _BONUS * min(left - 1, bonus_after[i + 1])) * fac
                if hopeless(size_ub, size_ub * q_ub):
                    continue
                chosen.append(b)
                walk(i + 1, b, w, pen, fac, joints + joint)
                chosen.pop()

        walk(0, 0, 0.0, 0.0, 1.0, 0)

    max_lines = max(1, min(opts.max_lines, len(breakable) + 1))
    levels = range(max(1, opts.min_lines) - 1, max_lines)  # numbers of breaks
    # For each number of breaks, the DP's narrowest settings (all there is for long texts),
    # then, when the sets of breaks are few enough, every set that could still beat them.
    for k in levels:
        for breaks in _dp_breaks(words, breakable, k, span) if k else [()]:
            consider(breaks)
    narrowest = _narrowest(breakable, n, max_lines - 1, span) if max_lines > 1 else []
    for k in levels:
        if not k or math.comb(len(breakable), k) > _ENUMERATE or narrowest[k] <= 0:
            continue
        # the narrowest widest line and the least height any k breaks allow
        size_ub = cap(region.w_pt / narrowest[k])
        size_ub = min(size_ub, region.h_pt / (k * opts.min_leading_caps * metrics.cap_height_em))
        if not hopeless(size_ub, size_ub * (1 + _BONUS * min(k, len(bonus)))):
            search(k, size_ub)
    if best is not None and opts.min_size_pt and best.size_pt < opts.min_size_pt:
        best = reaching or largest
    if best is None:
        return ((" ".join(w.text for w in words),), 0.0)
    bounds = (0, *best.breaks, n)
    lines = tuple(" ".join(w.text for w in words[a:b]) for a, b in zip(bounds, bounds[1:]))
    return lines, best.size_pt


def _narrowest(breakable: list[int], n: int, kmax: int, span) -> list[float]:
    """For k = 0..kmax breaks, the least possible width of the widest line (any breaks)."""
    points = [0, *breakable, n]
    P = len(points)
    INF = math.inf
    # cur[j] = least widest line for words[0:points[j]] in l lines
    cur = [INF] * P
    for j in range(1, P):
        cur[j] = span(0, points[j]).width_em
    out = [cur[-1]]
    for _ in range(kmax):
        nxt = [INF] * P
        for j in range(1, P):
            best = INF
            for i in range(1, j):
                if cur[i] < best:
                    best = min(best, max(cur[i], span(points[i], points[j]).width_em))
            nxt[j] = best
        cur = nxt
        out.append(cur[-1])
    return out


def _bonus(word: Word) -> bool:
    """A break after this word earns a bonus in the quality of a layout."""
    return word.pinned or word.text.endswith(_DASH_ENDS)


_BONUS = 0.06
_ENUMERATE = 6000  # more sets of breaks than this: the DP's best few instead
_QUALITY_FLOOR = 0.05


@lru_cache(maxsize=64)
def _joint_factor(cost: float) -> float:
    return JOINT_FACTOR ** (cost / COST_JOINT)


class _QualityData:
    """What the quality of a layout needs of its words, computed once per text."""

    def __init__(self, words: list[Word]):
        self.cost = [w.break_cost for w in words]
        self.bonus = [_bonus(w) for w in words]
        self.syl = [0]
        for w in words:
            self.syl.append(self.syl[-1] + w.syllables)

    def bound(self, breaks: tuple[int, ...]) -> float:
        """An upper bound of quality() from the breaks alone."""
        penalty, factor = 0.0, 1.0
        for b in breaks:
            cost = self.cost[b - 1]
            if cost >= COST_JOINT:
                factor *= _joint_factor(cost)
            else:
                penalty += 0.08 * cost
            if self.bonus[b - 1]:
                penalty -= _BONUS
        return max(_QUALITY_FLOOR, 1.0 - penalty) * factor

    def quality(self, bounds: tuple[int, ...], inks: list[_LineInk], widest: float) -> float:
        """1.0 for ideal breaks; lower for awkward ones (a multiplier on size)."""
        if len(inks) == 1:
            return 1.0
        penalty = 0.0
        factor = 1.0
        for b in bounds[1:-1]:
            cost = self.cost[b - 1]
            if cost >= COST_JOINT:  # a phrase split (cost is finite here)
                factor *= _joint_factor(cost)
            else:
                penalty += 0.08 * cost
            if self.bonus[b - 1]:
                penalty -= _BONUS  # a break the campaign file asked for, or at a dash between two halves
        syl = self.syl
        for i, ink in enumerate(inks):
            penalty += 0.30 * (1.0 - ink.width_em / widest) ** 2
            if syl[bounds[i + 1]] - syl[bounds[i]] <= 1:
                penalty += 0.10  # a single short word alone on a line
        # the last line much shorter than the rest reads as an orphan
        if inks[-1].width_em < 0.4 * widest:
            penalty += 0.06
        return max(_QUALITY_FLOOR, 1.0 - penalty) * factor


def _dp_breaks(words, breakable, k, span):
    """For long texts: per number of phrase joints broken (0..MAX_JOINTS), the breaks that
    minimise the widest line (then the total cost of the other breaks)."""
    n = len(words)
    points = [0, *breakable, n]
    joint = [p < n and p > 0 and is_phrase_joint(words[p - 1].break_cost) for p in points]
    INF = (math.inf, math.inf)
    S = MAX_JOINTS + 1
    # best[j][l][s] = (max width, cost) for words[0:points[j]] in l lines with s joints broken
    best = [[[INF] * S for _ in range(k + 2)] for _ in points]
    back = [[[-1] * S for _ in range(k + 2)] for _ in points]
    best[0][0][0] = (0.0, 0.0)
    for j in range(1, len(points)):
        end_joint = 1 if joint[j] else 0
        end_cost = 0.0 if points[j] == n or joint[j] else words[points[j] - 1].break_cost
        for l in range(1, k + 2):
            for i in range(j):
                w = None
                for s0 in range(S - end_joint):
                    prev = best[i][l - 1][s0]
                    if prev == INF:
                        continue
                    if w is None:
                        w = span(points[i], points[j]).width_em
                    s1 = s0 + end_joint
                    cand = (max(prev[0], w), prev[1] + end_cost)
                    if cand < best[j][l][s1]:
                        best[j][l][s1] = cand
                        back[j][l][s1] = i * S + s0
    last = len(points) - 1
    for s in range(S):
        if best[last][k + 1][s] == INF:
            continue
        j, l, t, out = last, k + 1, s, []
        while l > 0:
            i, t = divmod(back[j][l][t], S)
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
