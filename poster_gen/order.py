"""The print order of an output folder: ``OUT/order.xlsx``, ``OUT/order.csv`` and ``OUT/order.pdf``.

Read from ``OUT/manifest.json`` (what was made, at what size, how many copies) and the campaign
(unit names, materials, prices; see ``quantities`` for what is counted). The order is a Vietnamese
administrative document: its words are Vietnamese whatever language the command line speaks (the
terminal's messages follow ``--lang``).

The spreadsheet (openpyxl, in its write-only mode: each sheet's rows go to the file as they are made,
so that an order of the whole country, two million cells, is written in bounded memory):

- **Tổng hợp**: the order by kind and size (kind rows carry their subtotals), then the same by unit;
- **Chi tiết**: every artwork of every unit, grouped by kind and size (the rows of ``order.csv``);
- **Đơn giá**: the prices used, one cell each (only when prices are known);
- one sheet per unit (named by its id): that unit's artworks.

Every total is a formula (``SUM`` of the rows above, or of the detail rows of a size), every
amount is ``ROUND(area * price, 0)`` per m² or ``copies * price`` per piece, and every price cell
refers to its cell on **Đơn giá**: edit a price there and the whole workbook follows.

Number formats. Excel draws the thousands separator of the format code ``#,##0`` from the
computer's regional settings: ``1.234.567`` on a computer set to Vietnamese, ``1,234,567`` on one
set to English (United States), which many offices keep. Counts and money are therefore written
with the dots in the format itself (``#\\.##0``: a backslash makes the dot a literal character),
in three ranges chosen by the format's own conditions, so every computer shows ``1.234.567``.
A format has at most three ranges; a cell whose value is a million or more at writing gets the
ranges up to 999.999.999.999, a smaller one the ranges from 0 to 999.999.999. Areas keep two
decimals in the computer's own decimal separator (``12,35`` in Vietnamese; ``#,##0.00``): a
decimal comma cannot be written into a format. VND has no decimals.

``order.csv`` has the same rows as **Chi tiết**, for other programs: UTF-8 with a byte-order mark
(so that Excel on Windows reads the Vietnamese), comma-separated, numbers as programs read them
(no thousands separator, ``.`` before decimals), the header in English keys.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from poster_gen import limits
from poster_gen.errors import CampaignError, OutputError, PosterGenError
from poster_gen.i18n import _, ngettext
from poster_gen.output import atomic_write, inside
from poster_gen.quantities import (
    BASIS_M2,
    BASIS_PIECE,
    Materials,
    OrderLine,
    PriceList,
    SizeTotal,
    group_key,
    kind_rank,
    line_sort_key,
    material_key,
    order_line,
    parse_prices,
    size_totals,
    totals,
    unpriced_materials,
)
from poster_gen.text import clean, one_line

XLSX, CSV, PDF = "order.xlsx", "order.csv", "order.pdf"
MAKER = "poster-gen"
MAX_PRICES_BYTES = 256 * 1024  # a price list is a few dozen lines
MAX_PLACE_CHARS = 100  # "Thành phố Hồ Chí Minh" is 21
MAX_OWN_CHECK_BYTES = 64 * 1024  # what is read of an existing order.xlsx to see who saved it last
MAX_OWN_PDF_BYTES = 64 * 1024 * 1024  # an order form of every commune of the country is a few MB

# Vietnamese words of the document: the kinds as an order form names them
KIND_WORDS = {"pano": "Pano", "ap-phich": "Áp phích", "bieu-ngu": "Băng rôn", "phuon": "Cờ phướn"}
BASIS_WORDS = {BASIS_M2: "m²", BASIS_PIECE: "bản"}


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


def size_words(width_mm: float, height_mm: float) -> str:
    """'3000 × 2000' (millimetres, as print shops write them)."""
    return f"{width_mm:g} × {height_mm:g}"


# ---- the order ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnitOrder:
    id: str
    name: str
    lines: tuple[OrderLine, ...]
    province: str = ""  # "Tỉnh Lạng Sơn", when the campaign or the official list says it
    kind: str = ""  # of unit, as the campaign names it: xa, phuong, dac-khu, co-quan...


@dataclass(frozen=True)
class Order:
    """What ``order`` writes, computed once: the lines, grouped by unit and by size."""

    campaign_name: str
    occasion: str
    issuer: str
    lines: tuple[OrderLine, ...]  # grouped by kind and size (the detail rows)
    units: tuple[UnitOrder, ...]
    sizes: tuple[SizeTotal, ...]
    priced: bool  # prices are known (some lines may still lack one)
    files: dict = field(default_factory=dict, compare=False, hash=False)  # (unit, slogan, size, design) -> file

    @property
    def total_amount(self) -> int | None:
        return totals(self.lines)[3]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({ln.kind for ln in self.lines}, key=lambda k: (kind_rank(k), k)))


def iter_entries(out: Path):
    """The artworks of OUT/manifest.json (``records.ManifestEntry``), one at a time: the manifest is read
    a line at a time, so that memory holds one artwork's record, not 60,000."""
    from poster_gen.batch import MANIFEST
    from poster_gen.records import ManifestEntry

    path = Path(out) / MANIFEST
    if not path.is_file() and not path.is_symlink():
        raise PosterGenError(one_line(_(
            "{path}: no manifest; make the files first with 'poster-gen batch --out {out}'").format(path=path, out=out)))
    n = 0
    for raw in _manifest_rows(path):
        n += 1
        yield ManifestEntry.from_dict(raw)
    if not n:
        raise PosterGenError(one_line(_("{path}: the manifest lists no artworks; nothing to order").format(path=path)))


def read_entries(out: Path) -> list:
    """The artworks of OUT/manifest.json (``records.ManifestEntry``), all at once (see ``iter_entries``)."""
    return list(iter_entries(out))


def _manifest_rows(path: Path):
    """The tables of a manifest's artworks, each checked, one at a time. batch reads its manifest so
    (``_open_manifest(path).rows()``); it has no public name for it yet, so this is the one place here that
    relies on it. A link or a folder in its place, a damaged manifest or another program's: ManifestError."""
    from poster_gen.batch import _open_manifest

    m = _open_manifest(path)
    if m is not None:
        for raw, _line in m.rows():
            yield raw


def load_prices(path: str | Path) -> PriceList:
    """A prices file (--prices): TOML with a [prices] table, as in a campaign file."""
    from poster_gen.campaign import toml_error

    path = Path(path)
    try:
        raw = limits.read_text_file(path, "prices", MAX_PRICES_BYTES)
    except limits.InputNotFoundError:
        raise PosterGenError(one_line(_("prices {path}: file not found; give an existing TOML file with --prices")
                                      .format(path=path))) from None
    except limits.InputLimitError:
        raise PosterGenError(one_line(_(
            "prices {path}: over the {limit} KB limit for a prices file; check that it is the right file").format(
                path=path, limit=MAX_PRICES_BYTES // 1024))) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PosterGenError(one_line(_(
            "prices {path}: not UTF-8 text (bad byte at offset {offset}); save the file as UTF-8").format(
                path=path, offset=exc.start))) from None
    try:
        data = limits.loads_toml(text, str(path))
    except tomllib.TOMLDecodeError as exc:
        raise PosterGenError(one_line(f"{path}: {toml_error(text, exc)}")) from None
    unknown = sorted(set(data) - {"prices"})
    if unknown or "prices" not in data:
        raise PosterGenError(one_line(_(
            "prices {path}: the file must hold one [prices] table (material = đồng per m², size id = đồng per piece)"
            "{found}").format(path=path, found=_("; found: {keys}").format(keys=", ".join(unknown)) if unknown else "")))
    prices, problems = parse_prices(data["prices"], "[prices]")
    if problems:  # one line each, as for a campaign file
        raise CampaignError(one_line(str(path)), [one_line(p) for p in problems])
    return prices


def build_order(entries, campaign=None, prices: PriceList | None = None) -> Order:
    """The order of some artworks (``records.ManifestEntry``, any iterable: each is read once and let go);
    ``prices`` replaces the campaign's."""
    materials = getattr(campaign, "materials", None) or Materials()
    used_prices = prices if prices is not None else getattr(campaign, "prices", None)
    lines: list[OrderLine] = []
    files: dict[tuple[str, str, str, str], str] = {}
    for e in entries:
        lines.append(order_line(e, materials, used_prices))
        files[(e.unit, e.slogan, e.size, e.design)] = _print_file(e)
    units_known = {u.id: (i, u) for i, u in enumerate(getattr(campaign, "units", ()) or ())}
    by_unit: dict[str, list[OrderLine]] = {}
    ordered = sorted(lines, key=line_sort_key)
    for ln in ordered:
        by_unit.setdefault(ln.unit, []).append(ln)
    where = _where(campaign, by_unit)
    units = tuple(
        UnitOrder(id=uid, name=units_known[uid][1].name if uid in units_known else uid, lines=tuple(ls),
                  province=where.get(uid, ("", ""))[0], kind=where.get(uid, ("", ""))[1])
        for uid, ls in sorted(by_unit.items(), key=lambda kv: (units_known.get(kv[0], (len(units_known),))[0], kv[0]))
    )
    return Order(
        campaign_name=getattr(campaign, "name", "") or "",
        occasion=getattr(campaign, "occasion", "") or "",
        issuer=getattr(campaign, "issuer", "") or "",
        lines=tuple(ordered), units=units, sizes=tuple(size_totals(lines)), priced=bool(used_prices), files=files,
    )


def _where(campaign, units) -> dict[str, tuple[str, str]]:
    """unit id -> (its province or "", its kind of unit) of the campaign's units, when the order has more
    units than the form lists one by one (order_pdf.FORM_MAX_UNITS): the form sums them by province."""
    from poster_gen.order_pdf import FORM_MAX_UNITS

    if len(units) <= FORM_MAX_UNITS or not getattr(campaign, "units", None):
        return {}
    from poster_gen.proof import _unit_kind, unit_provinces

    provinces = unit_provinces(campaign.units)
    return {u.id: (provinces.get(u.id, ("", ""))[1], _unit_kind(u)) for u in campaign.units if u.id in units}


def _print_file(entry) -> str:
    files = entry.files or {}
    for fmt in ("pdf", "tiff", "png", "jpg"):
        if fmt in files:
            return str(files[fmt])
    return str(next(iter(files.values()), ""))


def order_warnings(order: Order) -> list[str]:
    """What the user should know: prices missing for some materials."""
    if not order.priced:
        return []
    return [
        ngettext("no price for {material} ({n} artwork): its amount is left empty; add \"{material}\" = đồng per m² "
                 "to [prices]",
                 "no price for {material} ({n} artworks): their amounts are left empty; add \"{material}\" = đồng per "
                 "m² to [prices]", n).format(material=m, n=n)
        for m, n in unpriced_materials(order.lines).items()
    ]


# ---- number formats ------------------------------------------------------------------

# Thousands written with literal dots (see the module's notes): three ranges per format.
FMT_INT_SMALL = r'[<1000]0;[<1000000]#\.##0;#\.###\.##0'  # 0 to 999.999.999
FMT_INT_LARGE = r'[<1000000]#\.##0;[<1000000000]#\.###\.##0;#\.###\.###\.##0'  # 1.000 to 999.999.999.999
FMT_AREA = "#,##0.00"
FMT_MM = "0"


def int_format(value: float | None) -> str:
    """The format of a count or an amount in đồng: dots between thousands on every computer."""
    return FMT_INT_LARGE if value is not None and value >= 1_000_000 else FMT_INT_SMALL


# ---- the spreadsheet -------------------------------------------------------------------

SHEET_SUMMARY, SHEET_DETAIL, SHEET_PRICES = "Tổng hợp", "Chi tiết", "Đơn giá"
MAX_SHEET_NAME = 31  # Excel's limit


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese
    width: float
    csv_key: str = ""


_LINE_COLUMNS = (
    Column("no", "STT", 5),
    Column("unit", "Đơn vị", 28, "unit"),
    Column("slogan", "Khẩu hiệu", 12, "slogan"),
    Column("design", "Mẫu", 10, "design"),
    Column("kind", "Loại", 11, "kind"),
    Column("size", "Kích thước", 17, "size"),
    Column("finished", "Thành phẩm (mm)", 15, ""),
    Column("sheet", "Khổ in mỗi bản (mm)", 15, ""),
    Column("material", "Vật liệu", 10, "material"),
    Column("copies", "Số bản", 9, "copies"),
    Column("area", "Diện tích (m²)", 12, "area_m2"),
    Column("price", "Đơn giá (đồng)", 13, "unit_price_vnd"),
    Column("basis", "Tính theo", 9, "basis"),
    Column("amount", "Thành tiền (đồng)", 16, "amount_vnd"),
    Column("file", "Tệp in", 34, "file"),
)
_MONEY_KEYS = ("price", "basis", "amount")
CSV_COLUMNS = ("unit", "unit_name", "slogan", "design", "kind", "size", "width_mm", "height_mm", "sheet_width_mm",
               "sheet_height_mm", "material", "copies", "area_m2", "unit_price_vnd", "basis", "amount_vnd", "file")


def _columns(with_unit: bool, priced: bool) -> list[Column]:
    return [c for c in _LINE_COLUMNS
            if (with_unit or c.key != "unit") and (priced or c.key not in _MONEY_KEYS)]


_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_names(unit_ids) -> dict[str, str]:
    """A sheet name per unit: its id (a manifest may hold any text: what Excel refuses in a name becomes '_'),
    cut to Excel's 31 characters, made unique."""
    out: dict[str, str] = {}
    taken = {SHEET_SUMMARY.casefold(), SHEET_DETAIL.casefold(), SHEET_PRICES.casefold()}
    for uid in unit_ids:
        base = _NOT_IN_SHEET_NAMES.sub("_", uid).strip("'") or "_"
        name = base[:MAX_SHEET_NAME]
        n = 2
        while name.casefold() in taken:
            tail = f"~{n}"
            name = base[: MAX_SHEET_NAME - len(tail)] + tail
            n += 1
        taken.add(name.casefold())
        out[uid] = name
    return out


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def write_xlsx(order: Order, path: Path, date: dt.date | None = None) -> Path:
    """Write the workbook; ``date`` (the order's) is its creation date, so the same order gives the same bytes."""
    stamp = dt.datetime.combine(date or dt.date(2000, 1, 1), dt.time())
    data = _Workbook(order, stamp).build()
    with atomic_write(path) as fh:
        fh.write(data)
    return path


_SUMMARY_COLUMNS = (
    Column("no", "STT", 6), Column("item", "Loại, kích thước", 30), Column("finished", "Thành phẩm (mm)", 15),
    Column("sheet", "Khổ in mỗi bản (mm)", 15), Column("material", "Vật liệu", 10), Column("count", "Số mẫu", 9),
    Column("copies", "Số bản", 10), Column("area", "Diện tích (m²)", 13), Column("price", "Đơn giá (đồng)", 14),
    Column("basis", "Tính theo", 9), Column("amount", "Thành tiền (đồng)", 17),
)
_PRICE_COLUMNS = (Column("no", "STT", 6), Column("item", "Vật liệu / kích thước", 34), Column("basis", "Tính theo", 12),
                  Column("price", "Đơn giá (đồng)", 16))
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
FIRST_ROW = 4  # of the lines on Chi tiết and the unit sheets (title, subtitle, header above)


class _Workbook:
    """The workbook of an order, written in openpyxl's write-only mode: each sheet's rows go to the file as
    they are made, top to bottom, so that memory holds a row, not every cell (a national order has two
    million). Every formula's reference (a price on Đơn giá, a row of Chi tiết, a unit sheet's total
    row) is known before any row is written. Cells that look alike share one style, made once."""

    def __init__(self, order: Order, stamp: dt.datetime):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, Side

        self.order, self.stamp = order, stamp
        self.wb = Workbook(write_only=True)
        props = self.wb.properties
        props.creator = props.lastModifiedBy = MAKER
        props.title, props.subject = "Đặt in ấn phẩm tuyên truyền", order.campaign_name
        props.created = props.modified = stamp
        thin = Side(style="thin", color="000000")
        self.box = Border(left=thin, right=thin, top=thin, bottom=thin)
        # the cells that a merge of a bordered row covers: its top and bottom, and the right side on the last
        self.merged_mid = Border(top=thin, bottom=thin)
        self.merged_end = Border(top=thin, bottom=thin, right=thin)
        self.bold = Font(name="Times New Roman", bold=True, size=11)
        self.plain = Font(name="Times New Roman", size=11)
        self.title_font = Font(name="Times New Roman", bold=True, size=13)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        self.subtitle = order.occasion or order.campaign_name
        self.price_cell: dict[tuple[str, str], str] = {}  # (basis, key) -> its cell on Đơn giá
        self.unit_names = {u.id: u.name for u in order.units}
        self.sheet_of = sheet_names([u.id for u in order.units])
        self.unit_total_row: dict[str, int] = {}
        self.styles: dict[tuple, object] = {}  # (format, bold, alignment) -> the style of such a cell
        _count, self.copies, _area, self.amount = totals(order.lines)

    def build(self) -> bytes:
        order = self.order
        summary = self.wb.create_sheet(SHEET_SUMMARY)  # the first sheet, written last: it refers to the others
        summary.sheet_view.tabSelected = True
        detail = self.wb.create_sheet(SHEET_DETAIL)
        if order.priced:
            self.prices(self.wb.create_sheet(SHEET_PRICES))
        self.lines_sheet(detail, "CHI TIẾT ẤN PHẨM ĐẶT IN", order.lines, with_unit=True, total="TỔNG CỘNG")
        for u in order.units:
            ws = self.wb.create_sheet(self.sheet_of[u.id])
            self.unit_total_row[u.id] = self.lines_sheet(ws, u.name, u.lines, with_unit=False, total="Cộng")
        row = self.summary(summary)
        self.by_unit(summary, row + 2)
        buf = io.BytesIO()
        self.wb.save(buf)
        return _fixed_zip_times(buf.getvalue(), self.stamp)

    # ---- cells and sheets

    def put(self, ws, value, fmt: str | None = None, bold: bool = False, align=None):
        """A cell of a table: boxed, bold or plain, aligned (right for a number), in ``fmt``. Text, even one
        that begins with '=', stays text: never run as a formula."""
        from openpyxl.cell import WriteOnlyCell

        c = WriteOnlyCell(ws, value)
        if fmt is None and isinstance(value, str):
            c.data_type = "s"
        key = (fmt, bold, id(align))
        style = self.styles.get(key)
        if style is None:
            c.font, c.border = (self.bold if bold else self.plain), self.box
            c.alignment = align or (self.right if fmt else self.left)
            if fmt:
                c.number_format = fmt
            self.styles[key] = copy.copy(c._style)
        else:
            c._style = copy.copy(style)
        return c

    def text(self, ws, value, font, align=None, border=None):
        """A cell outside the tables' rows: a title, a note, a header, the edge of a merge."""
        from openpyxl.cell import WriteOnlyCell

        c = WriteOnlyCell(ws, value)
        if isinstance(value, str):
            c.data_type = "s"
        if font is not None:
            c.font = font
        if align is not None:
            c.alignment = align
        if border is not None:
            c.border = border
        return c

    def setup(self, ws, header_row: int, cols, title: str, between: list | None = None,
              subtitle: str | None = None) -> None:
        """Page set-up, title and subtitle over the table (``between``: the rows after them, if any), and the
        table's header: the sheet's rows up to its header row."""
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.properties import PageSetupProperties
        from openpyxl.worksheet.worksheet import Worksheet

        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = f"A{header_row + 1}"
        last = get_column_letter(len(cols))
        for j, col in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(j)].width = col.width
        ws.row_dimensions[header_row].height = 32
        for r, (text, font) in enumerate(((title, self.title_font), (subtitle or self.subtitle, self.plain)), start=1):
            ws.merged_cells.add(f"A{r}:{last}{r}")
            ws.append([self.text(ws, text, font, self.center)])
        for row in between or []:
            ws.append(row)
        ws.append([self.text(ws, col.header, self.bold, self.center, self.box) for col in cols])

    def blank_row(self, ws, ncols: int) -> list:
        return [self.put(ws, None, bold=True) for _ in range(ncols)]

    # ---- Đơn giá: one cell per price used

    def prices(self, ws) -> None:
        self.setup(ws, 3, _PRICE_COLUMNS, "ĐƠN GIÁ IN",
                   subtitle="Sửa đơn giá ở đây: mọi thành tiền và tổng cộng tính lại theo")
        used = sorted({(ln.basis, _price_key(ln)): ln.unit_price for ln in self.order.lines if ln.basis}.items(),
                      key=lambda kv: (kv[0][0] != BASIS_M2, kv[0][1]))
        for i, ((basis, key), vnd) in enumerate(used, start=1):
            r = 3 + i
            ws.append([self.put(ws, i, align=self.center), self.put(ws, key),
                       self.put(ws, BASIS_WORDS[basis], align=self.center), self.put(ws, vnd, int_format(vnd))])
            self.price_cell[(basis, key)] = f"{_quote(SHEET_PRICES)}!$D${r}"
        ws.close()

    # ---- Chi tiết and the unit sheets: one row per artwork, then the total row

    def lines_sheet(self, ws, title: str, lines, with_unit: bool, total: str) -> int:
        """The artworks' rows from FIRST_ROW and a total row below them; returns the total row. The sheet is
        finished (closed) when it returns."""
        from openpyxl.utils import get_column_letter

        cols = _columns(with_unit=with_unit, priced=self.order.priced)
        self.setup(ws, FIRST_ROW - 1, cols, title)
        at = {c.key: j for j, c in enumerate(cols, start=1)}
        letter = {k: get_column_letter(j) for k, j in at.items()}
        keys = [c.key for c in cols]
        r = FIRST_ROW - 1
        for i, ln in enumerate(lines, start=1):
            r += 1
            ws.append(self.line_row(ws, r, keys, i, ln, letter))
        last, total_row = r, r + 1
        _n, copies, _a, amount = totals(lines)
        row = self.blank_row(ws, len(cols))
        row[1] = self.put(ws, total, bold=True)
        for key, value in (("copies", copies), ("area", None), ("amount", amount)):
            if key in at:
                col = letter[key]
                row[at[key] - 1] = self.put(ws, f"=SUM({col}{FIRST_ROW}:{col}{last})" if lines else 0,
                                            FMT_AREA if key == "area" else int_format(value), bold=True)
        ws.append(row)
        ws.close()
        return total_row

    def line_row(self, ws, r: int, keys: list[str], number: int, ln: OrderLine, letter: dict[str, str]) -> list:
        center, put = self.center, self.put
        texts = {
            "unit": self.unit_names.get(ln.unit, ln.unit), "slogan": ln.slogan, "design": ln.design,
            "kind": kind_words(ln.kind), "size": ln.size, "finished": size_words(ln.width_mm, ln.height_mm),
            "sheet": size_words(ln.sheet_w_mm, ln.sheet_h_mm), "material": ln.material,
            "basis": BASIS_WORDS.get(ln.basis or "", ""),
            "file": self.order.files.get((ln.unit, ln.slogan, ln.size, ln.design), ""),
        }
        row = []
        for key in keys:
            if key == "price":
                ref = self.price_cell.get((ln.basis, _price_key(ln))) if ln.basis else None
                row.append(put(ws, f"={ref}" if ref else None, int_format(ln.unit_price)))
            elif key == "amount":
                formula = None
                if ln.basis == BASIS_M2:
                    formula = f"=ROUND({letter['area']}{r}*{letter['price']}{r},0)"
                elif ln.basis == BASIS_PIECE:
                    formula = f"={letter['copies']}{r}*{letter['price']}{r}"
                row.append(put(ws, formula, int_format(ln.amount)))
            elif key == "no":
                row.append(put(ws, number, int_format(number), align=center))
            elif key == "copies":
                row.append(put(ws, ln.copies, int_format(ln.copies)))
            elif key == "area":
                row.append(put(ws, ln.area_m2, FMT_AREA))
            else:
                row.append(put(ws, texts[key], align=center if key in ("kind", "basis", "finished", "sheet") else None))
        return row

    # ---- Tổng hợp: by kind and size (sums of the rows of Chi tiết), then by unit

    def summary(self, ws) -> int:
        """The table by kind and size; returns its total row."""
        from openpyxl.utils import get_column_letter

        order = self.order
        cols = [c for c in _SUMMARY_COLUMNS if order.priced or c.key not in _MONEY_KEYS]
        at = {c.key: j for j, c in enumerate(cols, start=1)}
        col = {k: get_column_letter(j) for k, j in at.items()}
        detail_col = {c.key: get_column_letter(j) for j, c in enumerate(_columns(True, order.priced), start=1)}
        ws.merged_cells.add(f"A3:{get_column_letter(len(cols))}3")
        note = self.text(ws, ("Đơn vị tính tiền: đồng. " if order.priced else "")
                         + "Diện tích vật liệu = khổ in mỗi bản (thành phẩm + mép may + lề chảy ở mỗi cạnh) × số bản.",
                         self.plain, self.center)
        self.setup(ws, 4, cols, "BẢNG TỔNG HỢP ĐẶT IN ẤN PHẨM TUYÊN TRUYỀN", between=[[note]])
        detail_rows: dict[tuple, tuple[int, int]] = {}  # the first and last rows of Chi tiết of each size
        for r, ln in enumerate(order.lines, start=FIRST_ROW):
            k = group_key(ln)
            detail_rows[k] = (detail_rows[k][0], r) if k in detail_rows else (r, r)
        row, kind_rows = 4, []
        put = self.put
        for ki, kind in enumerate(order.kinds):
            sizes = [s for s in order.sizes if s.kind == kind]
            row += 1
            kind_rows.append(row)
            first, last = row + 1, row + len(sizes)
            cells = self.blank_row(ws, len(cols))
            cells[0] = put(ws, _ROMAN[ki] if ki < len(_ROMAN) else str(ki + 1), bold=True, align=self.center)
            cells[1] = put(ws, kind_words(kind), bold=True)
            sums = {"count": sum(s.count for s in sizes), "copies": sum(s.copies for s in sizes), "area": None,
                    "amount": _sum_or_none(s.amount for s in sizes)}
            for key, value in sums.items():
                if key in at:
                    cells[at[key] - 1] = put(ws, f"=SUM({col[key]}{first}:{col[key]}{last})",
                                             FMT_AREA if key == "area" else int_format(value), bold=True)
            ws.append(cells)
            for i, s in enumerate(sizes, start=1):
                row += 1
                top, bottom = detail_rows[(s.kind, s.size, material_key(s.material), s.sheet_w_mm, s.sheet_h_mm)]

                def rng(key: str, top: int = top, bottom: int = bottom) -> str:
                    return f"{_quote(SHEET_DETAIL)}!{detail_col[key]}{top}:{detail_col[key]}{bottom}"

                cells = [None] * len(cols)
                cells[at["no"] - 1] = put(ws, i, align=self.center)
                cells[at["item"] - 1] = put(ws, s.size)
                cells[at["finished"] - 1] = put(ws, size_words(s.width_mm, s.height_mm), align=self.center)
                cells[at["sheet"] - 1] = put(ws, size_words(s.sheet_w_mm, s.sheet_h_mm), align=self.center)
                cells[at["material"] - 1] = put(ws, s.material)
                cells[at["count"] - 1] = put(ws, s.count, int_format(s.count))
                cells[at["copies"] - 1] = put(ws, f"=SUM({rng('copies')})", int_format(s.copies))
                cells[at["area"] - 1] = put(ws, f"=SUM({rng('area')})", FMT_AREA)
                if order.priced:
                    ref = self.price_cell.get((s.basis, _size_price_key(s))) if s.basis else None
                    cells[at["price"] - 1] = put(ws, f"={ref}" if ref else None, int_format(s.unit_price))
                    cells[at["basis"] - 1] = put(ws, BASIS_WORDS.get(s.basis or "", ""), align=self.center)
                    cells[at["amount"] - 1] = put(ws, f"=SUM({rng('amount')})" if s.amount is not None else None,
                                                  int_format(s.amount))
                ws.append(cells)
        row += 1
        cells = self.blank_row(ws, len(cols))
        cells[1] = put(ws, "TỔNG CỘNG", bold=True)
        for key, value in (("count", len(order.lines)), ("copies", self.copies), ("area", None),
                           ("amount", self.amount)):
            if key in at:
                refs = ",".join(f"{col[key]}{kr}" for kr in kind_rows)
                cells[at[key] - 1] = put(ws, f"=SUM({refs})", FMT_AREA if key == "area" else int_format(value),
                                         bold=True)
        ws.append(cells)
        return row

    def by_unit(self, ws, row: int) -> None:
        """Each unit's artworks, copies, area and amount: references to the total row of the unit's sheet."""
        from openpyxl.utils import get_column_letter

        priced = self.order.priced
        put = self.put
        unit_col = {c.key: get_column_letter(j) for j, c in enumerate(_columns(False, priced), start=1)}
        ncols = 11 if priced else 8  # under the summary's columns: the name spans B:E, the amount sits in K
        ws.append([])  # a blank row after the table by kind and size
        ws.merged_cells.add(f"A{row}:{get_column_letter(ncols)}{row}")
        ws.append([self.text(ws, "PHÂN BỔ THEO ĐƠN VỊ", self.bold, self.left)])
        heads = {1: "STT", 2: "Đơn vị", 6: "Số mẫu", 7: "Số bản", 8: "Diện tích (m²)", 11: "Thành tiền (đồng)"}
        merged = {3: self.merged_mid, 4: self.merged_mid, 5: self.merged_end} | (
            {10: self.merged_end} if priced else {})

        def frame(r: int, header: bool, bold: bool) -> list:
            """A row of the table: boxed cells, the name spanning B:E and the price column I:J."""
            ws.merged_cells.add(f"B{r}:E{r}")
            if priced:
                ws.merged_cells.add(f"I{r}:J{r}")
            return [self.text(ws, None, None, border=merged[j]) if j in merged else
                    put(ws, heads.get(j) if header else None, bold=bold, align=self.center if header else None)
                    for j in range(1, ncols + 1)]

        header = row = row + 1
        ws.append(frame(row, True, True))
        for i, u in enumerate(self.order.units, start=1):
            row += 1
            cells = frame(row, False, False)
            sheet, tr = _quote(self.sheet_of[u.id]), self.unit_total_row[u.id]
            n_u, copies_u, _a, amount_u = totals(u.lines)
            cells[0] = put(ws, i, align=self.center)
            cells[1] = put(ws, u.name)
            cells[5] = put(ws, f"=COUNT({sheet}!{unit_col['no']}{FIRST_ROW}:{unit_col['no']}{tr - 1})",
                           int_format(n_u))
            cells[6] = put(ws, f"={sheet}!{unit_col['copies']}{tr}", int_format(copies_u))
            cells[7] = put(ws, f"={sheet}!{unit_col['area']}{tr}", FMT_AREA)
            if priced:
                cells[10] = put(ws, f"={sheet}!{unit_col['amount']}{tr}", int_format(amount_u))
            ws.append(cells)
        first, last = header + 1, row
        row += 1
        cells = frame(row, False, True)
        cells[1] = put(ws, "TỔNG CỘNG", bold=True)
        for j, key, value in ((6, "count", len(self.order.lines)), (7, "copies", self.copies), (8, "area", None),
                              (11, "amount", self.amount)):
            if j <= ncols:
                c = get_column_letter(j)
                cells[j - 1] = put(ws, f"=SUM({c}{first}:{c}{last})", FMT_AREA if key == "area" else int_format(value),
                                   bold=True)
        ws.append(cells)


def _sum_or_none(values) -> int | None:
    vs = [v for v in values if v is not None]
    return sum(vs) if vs else None


def _price_key(ln: OrderLine) -> str:
    """The row of Đơn giá a line's price is on: its size (per piece) or its material (per m²)."""
    return ln.size if ln.basis == BASIS_PIECE else ln.material


def _size_price_key(s: SizeTotal) -> str:
    return s.size if s.basis == BASIS_PIECE else s.material


def _fixed_zip_times(data: bytes, stamp: dt.datetime) -> bytes:
    """The workbook with every member dated 1980-01-01 and ``stamp`` as its modification time (openpyxl writes
    the time of saving): the same order gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", body)
            dst.writestr(fixed, body)
    return out.getvalue()


# ---- the CSV -----------------------------------------------------------------------------


def csv_rows(order: Order) -> list[list[str]]:
    names = {u.id: u.name for u in order.units}

    def num(v: float | None) -> str:
        return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

    rows = [list(CSV_COLUMNS)]
    for ln in order.lines:
        rows.append([
            ln.unit, names.get(ln.unit, ln.unit), ln.slogan, ln.design, ln.kind, ln.size, num(ln.width_mm),
            num(ln.height_mm), num(ln.sheet_w_mm), num(ln.sheet_h_mm), ln.material, str(ln.copies),
            f"{ln.area_m2:.6f}".rstrip("0").rstrip("."), num(ln.unit_price), ln.basis or "", num(ln.amount),
            order.files.get((ln.unit, ln.slogan, ln.size, ln.design), ""),
        ])
    return rows


def write_csv(order: Order, path: Path) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    for row in csv_rows(order):
        w.writerow([_no_formula(v) for v in row])
    with atomic_write(path) as fh:
        fh.write(("\ufeff" + buf.getvalue()).encode("utf-8"))
    return path


def _no_formula(value: str) -> str:
    """A text cell that a spreadsheet would run as a formula (=, +, -, @) gets a leading apostrophe."""
    if value and value[0] in "=+@" or (value.startswith("-") and not _is_number(value)):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# ---- writing all three ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderResult:
    order: Order
    files: tuple[Path, ...]
    warnings: tuple[str, ...]

    @property
    def totals(self) -> tuple[int, int, float, int | None]:
        """(artworks, copies, area m², amount in đồng or None)."""
        return totals(self.order.lines)


def _ours(path: Path) -> bool:
    """Whether an existing order file may be replaced: poster-gen wrote it and no one saved it since."""
    if path.is_symlink():
        return False
    if not path.exists():
        return True
    try:
        if path.suffix == ".pdf":  # its Producer: anywhere in the file, which a long order makes large
            if path.stat().st_size > MAX_OWN_PDF_BYTES:
                return False
            with open(path, "rb") as fh:
                return b"/Producer (poster-gen" in fh.read(MAX_OWN_PDF_BYTES)
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                info = z.getinfo("docProps/core.xml")
                if info.file_size > MAX_OWN_CHECK_BYTES:
                    return False
                core = z.read(info).decode("utf-8", "replace")
            return f"<cp:lastModifiedBy>{MAKER}</cp:lastModifiedBy>" in core
        with open(path, "rb") as fh:
            head = fh.read(4096)
        return head.startswith(("\ufeff" + ",".join(CSV_COLUMNS) + "\r\n").encode("utf-8"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False


def write_order(out: str | Path, campaign=None, prices: PriceList | None = None, *, date: dt.date | None = None,
                place: str = "", force: bool = False) -> OrderResult:
    """Write OUT/order.xlsx, OUT/order.csv and OUT/order.pdf for the artworks of OUT/manifest.json."""
    from poster_gen.order_pdf import write_pdf

    out = Path(out)
    place = clean(place or "")
    if len(place) > MAX_PLACE_CHARS:
        raise PosterGenError(one_line(_("--place is {n} characters, over the {limit}-character limit; give the "
                                        "commune or district only").format(n=len(place), limit=MAX_PLACE_CHARS)))
    order = build_order(iter_entries(out), campaign, prices)
    paths = [inside(out, name) for name in (XLSX, CSV, PDF)]
    if not force:
        for p in paths:
            if not _ours(p):
                raise OutputError(one_line(_(
                    "{path} exists and was not written by poster-gen, or was edited and saved since; it is not "
                    "replaced: move it away, or give --force to replace it").format(path=p)))
    date = date or dt.date.today()
    write_xlsx(order, paths[0], date)
    write_csv(order, paths[1])
    write_pdf(order, paths[2], date=date, place=place)
    return OrderResult(order=order, files=tuple(paths), warnings=tuple(order_warnings(order)))
