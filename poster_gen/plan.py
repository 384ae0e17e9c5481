"""Order plans: a CSV of what units actually ordered (unit, slogan, size[, design, copies])."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from poster_gen.campaign import Campaign
from poster_gen.errors import PosterGenError
from poster_gen.sizes import resolve_size

DEFAULT_DESIGN = "classic"


@dataclass(frozen=True)
class Order:
    unit: str
    slogan: str
    size: str
    design: str = DEFAULT_DESIGN
    copies: int = 1

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.unit, self.slogan, self.size, self.design)


PLAN_COLUMNS = ("unit", "slogan", "size")
PLAN_OPTIONAL = ("design", "copies")


def read_plan(path: Path, campaign: Campaign, known_designs: set[str], default_design: str = DEFAULT_DESIGN):
    """Read an orders CSV. Returns (orders, problems); each problem names its line."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PosterGenError(f"plan {path}: file not found; give an existing CSV with --plan") from None
    except UnicodeDecodeError:
        raise PosterGenError(f"plan {path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as exc:
        raise PosterGenError(f"plan {path}: cannot read it ({exc.strerror})") from None
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise PosterGenError(
            f"plan {path}: line 1 must be a header with columns unit,slogan,size[,design,copies]; missing: {', '.join(missing)}"
        )
    unknown = [h for h in header if h not in PLAN_COLUMNS + PLAN_OPTIONAL and h]
    orders: list = []
    problems: list[str] = []
    if unknown:
        problems.append(f"plan {path}: line 1: ignoring unknown column(s) {', '.join(unknown)}")
    unit_ids = {u.id for u in campaign.units}
    slogan_ids = {s.id for s in campaign.slogans}
    from poster_gen.suggest import unknown_choice

    for lineno, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        where = f"plan {path.name} line {lineno}"
        try:
            unit, slogan, size = row.get("unit", ""), row.get("slogan", ""), row.get("size", "")
            if unit not in unit_ids:
                raise PosterGenError(unknown_choice("unit", unit, sorted(unit_ids)))
            if slogan not in slogan_ids:
                raise PosterGenError(unknown_choice("slogan", slogan, sorted(slogan_ids)))
            size_id = resolve_size(size).id
            design = row.get("design") or default_design
            if design not in known_designs:
                raise PosterGenError(unknown_choice("design", design, sorted(known_designs)))
            copies_s = row.get("copies") or "1"
            if not copies_s.isdigit() or int(copies_s) < 1:
                raise PosterGenError(f"copies '{copies_s}' must be a whole number, 1 or more")
            orders.append(Order(unit, slogan, size_id, design, int(copies_s)))
        except PosterGenError as exc:
            problems.append(f"{where}: {exc}")
    # the same artwork ordered twice: one file, copies added up
    merged: dict[tuple, Order] = {}
    for o in orders:
        if o.key in merged:
            prev = merged[o.key]
            merged[o.key] = Order(*o.key, copies=prev.copies + o.copies)
        else:
            merged[o.key] = o
    return list(merged.values()), problems



