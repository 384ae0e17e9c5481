"""Order plans: a CSV of what units actually ordered (unit, slogan, size[, design, copies])."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from poster_gen import limits
from poster_gen.campaign import Campaign
from poster_gen.design import DEFAULT_DESIGN  # noqa: F401  (re-exported)
from poster_gen.errors import PosterGenError
from poster_gen.i18n import _
from poster_gen.sizes import resolve_size
from poster_gen.text import one_line, shown

MAX_COPIES = 1_000_000  # more copies of one artwork than this is a typo
_COUNT = re.compile(r"[0-9]{1,7}")  # ASCII digits only: str.isdigit() also takes '²'
_DELIMITERS = (",", ";", "\t")


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


@contextmanager
def _csv_fields_up_to_file_size():
    """Let the csv module read a field of any length up to the plan's size.

    Its default limit (131,072 characters) raises csv.Error mid-file, after
    which the rows that follow are misread; the plan's own, smaller cell
    limit is checked per row instead and reported with the row's line.
    csv.field_size_limit is process-wide: the old value is put back.
    """
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limits.MAX_PLAN_BYTES))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _delimiter(header_line: str) -> str:
    """The delimiter that makes the header name the plan's columns, else the most frequent one."""
    for d in _DELIMITERS:
        names = {c.strip().strip('"').strip().lower() for c in header_line.split(d)}
        if all(c in names for c in PLAN_COLUMNS):
            return d
    return max(_DELIMITERS, key=header_line.count) if any(d in header_line for d in _DELIMITERS) else ","


def _read_text(path: Path) -> str:
    try:
        raw = limits.read_text_file(path, "plan", limits.MAX_PLAN_BYTES)
    except limits.InputLimitError as exc:
        raise PosterGenError(one_line(_("{problem}; split a larger plan into several files").format(problem=exc))) from None
    except limits.InputNotFoundError:
        raise PosterGenError(one_line(_("plan {path}: file not found; give an existing CSV with --plan").format(path=path))) from None
    except PosterGenError as exc:
        raise PosterGenError(one_line(str(exc))) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PosterGenError(
            one_line(_("plan {path}: not UTF-8 text (bad byte at offset {offset}); save the CSV as UTF-8").format(
                path=path, offset=exc.start
            ))
        ) from None


def name_key(text: str) -> str:
    """How a unit's name is matched: NFC, case and spacing ignored, "UBND" in front optional."""
    import unicodedata

    key = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return key.removeprefix("ubnd ").removeprefix("ủy ban nhân dân ").removeprefix("uỷ ban nhân dân ")


def read_plan(path: Path, campaign: Campaign, known_designs: set[str], default_design: str = DEFAULT_DESIGN):
    """Read an orders CSV. Returns (orders, problems).

    Each problem is one line naming the physical line of the file where its
    row starts, with every problem of that row. A file too large, with too
    many rows or that the csv module cannot read is one PosterGenError.
    """
    path = Path(path)
    text = _read_text(path)
    name = one_line(path.name)
    with _csv_fields_up_to_file_size():
        try:
            return _read_rows(path, name, text, campaign, known_designs, default_design)
        except csv.Error as exc:  # not expected with the limit above; still one clear line
            raise PosterGenError(
                one_line(_("plan {path}: cannot read it as CSV ({reason}); save it again as CSV").format(path=path, reason=exc))
            ) from None


def _read_rows(path: Path, name: str, text: str, campaign: Campaign, known_designs: set[str], default_design: str):
    from poster_gen.suggest import Choices

    # newline='': the csv module sees the line ends, so a quoted cell may hold line breaks
    # and reader.line_num counts physical lines
    stream = io.StringIO(text, newline="")
    first = ""
    for first in stream:
        if first.strip():
            break
    stream.seek(0)
    reader = csv.reader(stream, delimiter=_delimiter(first), quotechar='"', doublequote=True)
    header: list[str] = []
    header_line = 0
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.strip().lower() for c in cells]
            header_line = reader.line_num
            break
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise PosterGenError(
            one_line(
                _("plan {path}: line {line} must be a header with columns unit,slogan,size[,design,copies]; "
                  "missing: {missing}").format(path=path, line=header_line or 1, missing=", ".join(missing))
            )
        )
    column = {h: i for i, h in reversed(list(enumerate(header)))}  # the first of a repeated name counts
    unknown = [h for h in header if h not in PLAN_COLUMNS + PLAN_OPTIONAL and h]
    orders: list[Order] = []
    problems: list[str] = []
    if unknown:
        listed = ", ".join(shown(h, 30) for h in unknown[:10])
        if len(unknown) > 10:
            listed = _("{listed} and {count} more").format(listed=listed, count=len(unknown) - 10)
        problems.append(
            one_line(_("plan {name}: line {line}: ignoring unknown column(s) {listed}").format(
                name=name, line=header_line, listed=listed
            ))
        )

    units = Choices("unit", sorted(u.id for u in campaign.units))
    slogans = Choices("slogan", sorted(s.id for s in campaign.slogans))
    designs = Choices("design", sorted(known_designs))
    unit_ids, slogan_ids = set(units.valid), set(slogans.valid)
    # a unit may be written by its exact name or heading as well as its id ("UBND xã Na Sầm")
    by_name: dict[str, str] = {}
    for u in campaign.units:
        for label in (u.name, u.display_heading):
            by_name.setdefault(name_key(label), u.id)
    sizes: dict[str, str | PosterGenError] = {}  # size cell -> size id, or why not

    def size_id(spec: str) -> str:
        got = sizes.get(spec)
        if got is None:
            try:
                got = resolve_size(spec).id
            except PosterGenError as exc:
                got = exc
            if len(sizes) < 10_000:
                sizes[spec] = got
        if isinstance(got, PosterGenError):
            raise got
        return got

    rows = 0
    line = reader.line_num + 1  # where the next row starts
    for cells in reader:
        start, line = line, reader.line_num + 1
        rows += 1  # blank rows too: they cost a turn of this loop as well
        if rows > limits.MAX_PLAN_ROWS:
            raise PosterGenError(
                one_line(
                    _("plan {path}: line {line}: more than {limit} rows, the limit for one plan; "
                      "split it into several plans and run them one after another").format(
                        path=path, line=start, limit=f"{limits.MAX_PLAN_ROWS:,}"
                    )
                )
            )
        if not any(c.strip() for c in cells):
            continue
        row_problems: list[str] = []
        for i, cell in enumerate(cells):
            if len(cell) > limits.MAX_CELL_CHARS:
                col = header[i] if i < len(header) and header[i] else f"#{i + 1}"
                row_problems.append(
                    _("the '{column}' cell is {length} characters, over the {limit}-character limit for a cell; "
                      "look for a quote (\") that is never closed, it runs a cell on over the lines after it").format(
                        column=shown(col, 30), length=f"{len(cell):,}", limit=f"{limits.MAX_CELL_CHARS:,}"
                    )
                )
                cells[i] = None  # reported: not checked again below

        def cell(col: str) -> str | None:
            i = column.get(col)
            if i is None or i >= len(cells):
                return ""
            return None if cells[i] is None else cells[i].strip()

        unit, slogan, size = cell("unit"), cell("slogan"), cell("size")
        design, copies_s = cell("design"), cell("copies")
        if unit and unit not in unit_ids:
            unit = by_name.get(name_key(unit), unit)
        if unit is not None and unit not in unit_ids:
            row_problems.append(_("the '{column}' cell is empty").format(column="unit") if not unit else units.message(unit))
        if slogan is not None and slogan not in slogan_ids:
            row_problems.append(
                _("the '{column}' cell is empty").format(column="slogan") if not slogan else slogans.message(slogan)
            )
        size_ok = ""
        if size is not None:
            if not size:
                row_problems.append(_("the '{column}' cell is empty").format(column="size"))
            else:
                try:
                    size_ok = size_id(size)
                except PosterGenError as exc:
                    row_problems.append(str(exc))
        if design is not None:
            design = design or default_design
            if design not in known_designs:
                row_problems.append(designs.message(design))
        copies = 1
        if copies_s:
            if _COUNT.fullmatch(copies_s) and 1 <= int(copies_s) <= MAX_COPIES:
                copies = int(copies_s)
            else:
                row_problems.append(
                    _("copies '{value}' must be a whole number from 1 to {most}").format(
                        value=shown(copies_s), most=f"{MAX_COPIES:,}"
                    )
                )
        if row_problems:
            problems.append(
                one_line(_("plan {name} line {line}: {problems}").format(name=name, line=start, problems="; ".join(row_problems)))
            )
            continue
        orders.append(Order(unit, slogan, size_ok, design, copies))
    # the same artwork ordered twice: one file, copies added up
    merged: dict[tuple, Order] = {}
    for o in orders:
        if o.key in merged:
            prev = merged[o.key]
            merged[o.key] = Order(*o.key, copies=prev.copies + o.copies)
        else:
            merged[o.key] = o
    return list(merged.values()), problems
