"""Quantities of a print order: material, area and price of every artwork (pure computation, no I/O).

What is counted, per copy of an artwork:

- the **finished size** ``width_mm`` x ``height_mm`` (the trim size; a cờ phướn's pole pockets are
  part of it);
- the **printed sheet** ``sheet_w_mm`` x ``sheet_h_mm`` = the finished size plus the hem
  (``--hem``, hiflex and fabric) and the bleed (paper posters, 3 mm) on **every** side:
  ``sheet_w_mm = width_mm + 2 * (hem_mm + bleed_mm)``, likewise the height. Both are printed on the
  material: the hem is folded back and sewn, the bleed is cut off;
- the **material area** ``area_m2`` = sheet width x sheet height x copies, in m², rounded to
  6 decimals (whole mm²). Waste from the roll width or the press sheet is the print shop's to add.

Prices (``[prices]`` in the campaign file, or a prices file): whole đồng, either **per m²** of a
material (the key is the material's name) or **per piece** of a size (the key is a size id such as
``ap-phich-a3`` or ``5000x800``). A per-piece price for the size wins over the per-m² price of the
material. The amount of an artwork is ``ROUND(area_m2 x price, 0)`` per m² (half away from zero, as
the spreadsheet's ROUND does) or ``copies x price`` per piece. Without a price the amount is None:
nothing is guessed.

Materials (``[materials]``, kind -> name) default to hiflex for pano, băng rôn and cờ phướn and to
paper ("giấy") for áp phích.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.sizes import (
    KINDS,
    MAX_HEM_MM,
    MAX_SIDE_MM,
    PRESETS,
    default_size,
    infer_kind,
    resolve_size,
)
from poster_gen.text import clean, one_line, shown

if TYPE_CHECKING:  # pragma: no cover
    from poster_gen.campaign import Campaign
    from poster_gen.records import ManifestEntry

HIFLEX = "hiflex"
PAPER = "giấy"
DEFAULT_MATERIALS: dict[str, str] = {"pano": HIFLEX, "bieu-ngu": HIFLEX, "phuon": HIFLEX, "ap-phich": PAPER}
MAX_PRICE_VND = 1_000_000_000  # one tỷ đồng per m² or per piece: anything above is a typo
MAX_PRICE_KEYS = 500
MAX_MATERIAL_CHARS = 60
BASIS_M2 = "m2"
BASIS_PIECE = "piece"
AREA_DECIMALS = 6  # m² to whole mm²
_FREE_SIZE_ID = re.compile(r"^[0-9]+(?:\.[0-9]+)?x[0-9]+(?:\.[0-9]+)?$")


def is_size_id(key: str) -> bool:
    """A preset id (``ap-phich-a3``) or the id of a free size as the manifest records it (``5000x800``)."""
    return key in PRESETS or bool(_FREE_SIZE_ID.match(key))


def material_key(name: str) -> str:
    """How material names are compared: NFC, single spaces, case-insensitive ("Giấy" is "giấy")."""
    return clean(name).casefold()


@dataclass(frozen=True)
class Price:
    key: str  # a material's name (per m²) or a size id (per piece), as written
    vnd: int
    basis: str  # BASIS_M2 | BASIS_PIECE


@dataclass(frozen=True)
class PriceList:
    """Prices in whole đồng: per m² by material, per piece by size id."""

    prices: tuple[Price, ...] = ()
    source: str = ""  # where they were read: "[prices]" of a campaign file, or a prices file

    def for_line(self, size_id: str, material: str) -> Price | None:
        """The price of an artwork: per piece of its size first, else per m² of its material."""
        for p in self.prices:
            if p.basis == BASIS_PIECE and p.key == size_id:
                return p
        mk = material_key(material)
        for p in self.prices:
            if p.basis == BASIS_M2 and material_key(p.key) == mk:
                return p
        return None

    def __bool__(self) -> bool:
        return bool(self.prices)


@dataclass(frozen=True)
class Materials:
    """The material of each kind: the defaults, with the campaign's ``[materials]`` over them."""

    by_kind: tuple[tuple[str, str], ...] = ()  # (kind, material name) set by the campaign

    def of(self, kind: str) -> str:
        for k, name in self.by_kind:
            if k == kind:
                return name
        return DEFAULT_MATERIALS.get(kind, HIFLEX)


def _kind_words(value: object) -> str:
    from poster_gen.campaign import _kind_of

    return _kind_of(value)


def parse_prices(table: object, where: str) -> tuple[PriceList, list[str]]:
    """A ``[prices]`` table read as a stranger's input: the prices and the problems (one line each)."""
    problems: list[str] = []
    if not isinstance(table, dict):
        problems.append(_("{where} must be a table of prices (name = whole đồng), not {kind}").format(
            where=where, kind=_kind_words(table)))
        return PriceList(source=where), problems
    if len(table) > MAX_PRICE_KEYS:
        problems.append(_("{where} has {n:,} prices, over the limit of {limit:,}; check that it is the right table")
                        .format(where=where, n=len(table), limit=MAX_PRICE_KEYS))
        return PriceList(source=where), problems
    prices: list[Price] = []
    seen: dict[str, str] = {}
    for raw_key, value in table.items():
        key = clean(str(raw_key))
        if not key or len(key) > MAX_MATERIAL_CHARS:
            problems.append(_("{where}: '{key}' is not a material name or a size id (1 to {limit} characters)")
                            .format(where=where, key=shown(raw_key), limit=MAX_MATERIAL_CHARS))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(_("{where}: '{key}' must be a price in whole đồng (e.g. 65000), not {kind}").format(
                where=where, key=shown(key), kind=_kind_words(value)))
            continue
        if isinstance(value, float) and not value.is_integer():  # also NaN and infinity
            problems.append(_("{where}: '{key}' = {value} is not whole đồng; write the price without decimals")
                            .format(where=where, key=shown(key), value=shown(value)))
            continue
        if not 0 <= value <= MAX_PRICE_VND:
            problems.append(_("{where}: '{key}' = {value} is out of range; give 0 to {most} đồng").format(
                where=where, key=shown(key), value=shown(value), most=f"{MAX_PRICE_VND:,}".replace(",", ".")))
            continue
        basis = BASIS_PIECE if is_size_id(key) else BASIS_M2
        dedup = key if basis == BASIS_PIECE else material_key(key)
        if dedup in seen:
            problems.append(_("{where}: '{key}' is priced twice (also as '{other}'); keep one").format(
                where=where, key=shown(key), other=shown(seen[dedup])))
            continue
        seen[dedup] = key
        prices.append(Price(key=key, vnd=int(value), basis=basis))
    return PriceList(prices=tuple(prices), source=where), problems


def parse_materials(table: object, where: str) -> tuple[Materials, list[str]]:
    """A ``[materials]`` table (kind = material name) read as a stranger's input."""
    problems: list[str] = []
    if not isinstance(table, dict):
        problems.append(_("{where} must be a table of kind = material name, not {kind}").format(
            where=where, kind=_kind_words(table)))
        return Materials(), problems
    pairs: list[tuple[str, str]] = []
    for kind, value in table.items():
        if kind not in KINDS:
            from poster_gen.suggest import unknown_choice

            problems.append(f"{where}: {unknown_choice('kind', str(kind), list(KINDS))}")
            continue
        if not isinstance(value, str):
            problems.append(_("{where}: '{key}' must be a material name in quotes, not {kind}").format(
                where=where, key=kind, kind=_kind_words(value)))
            continue
        name = clean(value) if len(value) <= 4 * MAX_MATERIAL_CHARS else value
        if not name or len(name) > MAX_MATERIAL_CHARS:
            problems.append(_("{where}: '{key}' must be a material name of 1 to {limit} characters").format(
                where=where, key=kind, limit=MAX_MATERIAL_CHARS))
            continue
        if is_size_id(name):
            problems.append(_("{where}: '{key}' = '{name}' is a size id; name a material (e.g. \"hiflex\")").format(
                where=where, key=kind, name=shown(name)))
            continue
        pairs.append((kind, name))
    return Materials(by_kind=tuple(pairs)), problems


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One artwork of the order: what is printed, on what, how much of it, at what price (slots: an
    order of the whole country holds 60,000)."""

    unit: str
    slogan: str
    size: str
    design: str
    kind: str
    copies: int
    width_mm: float  # finished size
    height_mm: float
    sheet_w_mm: float  # printed material per copy: finished size + 2 x (hem + bleed)
    sheet_h_mm: float
    material: str
    area_m2: float  # sheet area x copies
    unit_price: int | None  # VND, per m² or per piece (see basis)
    basis: str | None  # "m2" | "piece" | None
    amount: int | None  # VND for all copies, None when no price


def round_vnd(value: Decimal) -> int:
    """Whole đồng, half away from zero: what the spreadsheet's ROUND(x, 0) gives."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def area_m2(sheet_w_mm: float, sheet_h_mm: float, copies: int) -> float:
    return round(sheet_w_mm * sheet_h_mm * copies / 1_000_000, AREA_DECIMALS)


def amount_of(area: float, copies: int, price: Price | None) -> int | None:
    if price is None:
        return None
    if price.basis == BASIS_PIECE:
        return copies * price.vnd
    return round_vnd(Decimal(repr(area)) * price.vnd)


class QuantityError(PosterGenError):
    """An artwork of the manifest whose size cannot be known."""


MAX_BLEED_MM = 100.0  # bleed is 3 to 5 mm; a manifest saying more is damaged
MAX_ENTRY_COPIES = 10_000_000


def _number(entry: ManifestEntry, key: str, value: object, low: float, high: float, allow_none: bool = False):
    """A number of a manifest entry, checked: a manifest is a stranger's file."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (low <= value <= high):
        raise QuantityError(one_line(_(
            "manifest: artwork {unit}/{size}_{slogan} has {key} = {value}, not a number from {low} to {high}; "
            "make it again with 'poster-gen batch'").format(
                unit=entry.unit, size=entry.size, slogan=entry.slogan, key=key, value=shown(repr(value), 30),
                low=f"{low:g}", high=f"{high:g}")))
    return float(value)


def _finished_size(entry: ManifestEntry) -> tuple[float, float, str, float]:
    """(width, height, kind, the size's own bleed) of an entry; old entries without a size get it from the size id."""
    w = _number(entry, "width_mm", entry.width_mm or 0, 0, MAX_SIDE_MM)
    h = _number(entry, "height_mm", entry.height_mm or 0, 0, MAX_SIDE_MM)
    kind = entry.kind if isinstance(entry.kind, str) else ""
    try:
        size = resolve_size(entry.size, kind=kind if kind in KINDS else None)
    except PosterGenError:
        size = None
    if w <= 0 or h <= 0:
        if size is None:
            raise QuantityError(one_line(_(
                "manifest: artwork {unit}/{size}_{slogan} has no finished size recorded; make it again with "
                "'poster-gen batch'").format(unit=entry.unit, slogan=entry.slogan, size=entry.size)))
        w, h = size.width_mm, size.height_mm
    if kind not in KINDS:
        kind = size.kind if size is not None else infer_kind(w, h)
    own_bleed = size.bleed_mm if size is not None else default_size(kind).bleed_mm
    return w, h, kind, own_bleed


def order_line(entry: ManifestEntry, materials: Materials, prices: PriceList | None) -> OrderLine:
    """The order line of one artwork (a ``records.ManifestEntry``)."""
    w, h, kind, own_bleed = _finished_size(entry)
    bleed = _number(entry, "bleed_mm", entry.bleed_mm, 0, MAX_BLEED_MM, allow_none=True)
    bleed = own_bleed if bleed is None else bleed  # a version 1 entry: the size's own bleed
    hem = _number(entry, "hem_mm", entry.hem_mm or 0, 0, MAX_HEM_MM)
    copies = int(_number(entry, "copies", entry.copies, 1, MAX_ENTRY_COPIES))
    if not isinstance(entry.copies, int):
        raise QuantityError(one_line(_(
            "manifest: artwork {unit}/{size}_{slogan} has copies = {value}, not a whole number; make it again with "
            "'poster-gen batch'").format(unit=entry.unit, size=entry.size, slogan=entry.slogan,
                                         value=shown(entry.copies, 30))))
    sheet_w, sheet_h = w + 2 * (hem + bleed), h + 2 * (hem + bleed)
    material = materials.of(kind)
    area = area_m2(sheet_w, sheet_h, copies)
    price = prices.for_line(entry.size, material) if prices else None
    return OrderLine(
        unit=entry.unit, slogan=entry.slogan, size=entry.size, design=entry.design, kind=kind, copies=copies,
        width_mm=w, height_mm=h, sheet_w_mm=sheet_w, sheet_h_mm=sheet_h, material=material, area_m2=area,
        unit_price=price.vnd if price else None, basis=price.basis if price else None,
        amount=amount_of(area, copies, price),
    )


def order_lines(entries: Iterable[ManifestEntry], campaign: Campaign | None = None, *,
                prices: PriceList | None = None) -> list[OrderLine]:
    """The order line of every artwork, in the manifest's order.

    ``campaign`` gives the materials and the prices (None: default materials, no prices);
    ``prices`` (a prices file) replaces the campaign's prices when given.
    """
    materials = getattr(campaign, "materials", None) or Materials()
    if prices is None:
        prices = getattr(campaign, "prices", None)
    return [order_line(e, materials, prices) for e in entries]


# ---- grouping ---------------------------------------------------------------------


KIND_ORDER = tuple(KINDS)


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


@dataclass(frozen=True)
class SizeTotal:
    """The artworks of one size on one material: a row of the summary by kind and size."""

    kind: str
    size: str
    material: str
    width_mm: float
    height_mm: float
    sheet_w_mm: float
    sheet_h_mm: float
    count: int  # artworks (files)
    copies: int
    area_m2: float
    unit_price: int | None
    basis: str | None
    amount: int | None  # the sum of the artworks' amounts; None when none has a price


def line_sort_key(line: OrderLine) -> tuple:
    """Lines grouped by kind, size and material (the summary's rows), then by unit and slogan."""
    return (kind_rank(line.kind), line.kind, line.size, material_key(line.material), line.sheet_w_mm,
            line.sheet_h_mm, line.unit, line.slogan, line.design)


def group_key(line: OrderLine) -> tuple:
    return (line.kind, line.size, material_key(line.material), line.sheet_w_mm, line.sheet_h_mm)


def size_totals(lines: Iterable[OrderLine]) -> list[SizeTotal]:
    """The summary by kind and size (and material, and printed sheet when --hem differed between runs)."""
    groups: dict[tuple, list[OrderLine]] = {}
    for line in sorted(lines, key=line_sort_key):
        groups.setdefault(group_key(line), []).append(line)
    out = []
    for ls in groups.values():
        first = ls[0]
        amounts = [ln.amount for ln in ls if ln.amount is not None]
        out.append(SizeTotal(
            kind=first.kind, size=first.size, material=first.material, width_mm=first.width_mm,
            height_mm=first.height_mm, sheet_w_mm=first.sheet_w_mm, sheet_h_mm=first.sheet_h_mm, count=len(ls),
            copies=sum(ln.copies for ln in ls), area_m2=round(sum(ln.area_m2 for ln in ls), AREA_DECIMALS),
            unit_price=first.unit_price, basis=first.basis, amount=sum(amounts) if amounts else None,
        ))
    return out


def unpriced_materials(lines: Iterable[OrderLine]) -> dict[str, int]:
    """Material name -> number of artworks without a price (when some prices are known)."""
    out: dict[str, int] = {}
    for ln in lines:
        if ln.amount is None:
            out[ln.material] = out.get(ln.material, 0) + 1
    return out


def totals(lines: Iterable[OrderLine]) -> tuple[int, int, float, int | None]:
    """(artworks, copies, area m², amount or None) of some lines."""
    lines = list(lines)
    amounts = [ln.amount for ln in lines if ln.amount is not None]
    return (len(lines), sum(ln.copies for ln in lines), round(sum(ln.area_m2 for ln in lines), AREA_DECIMALS),
            sum(amounts) if amounts else None)


def materials_of(mapping: Mapping[str, str] | None) -> Materials:
    """Materials from a plain kind -> name mapping (for the library's callers)."""
    return Materials(by_kind=tuple((mapping or {}).items()))
