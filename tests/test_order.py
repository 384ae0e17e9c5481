"""The print order: ``poster-gen order OUT`` (order.xlsx, order.csv, order.pdf) and its quantities.

The expected figures are computed here from the plan, the preset sizes as print shops state them
(3 mm bleed on paper posters, none on hiflex) and the prices, not from poster_gen.quantities; the
spreadsheet's formulas are evaluated by a small evaluator below, and its number formats are
rendered by a small renderer of Excel's format codes, so that the test sees what Excel shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from pg_testutil import REPO_DIR

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl writes and reads the order spreadsheet")
pypdf = pytest.importorskip("pypdf", reason="pypdf reads the order form's text")

# ---- the order under test: a plan with copies ------------------------------------------------

PLAN = [  # unit, slogan, size, copies
    ("tt-dong-mo", "1", "pano-300x200", 2),
    ("tt-dong-mo", "2", "bieu-ngu-500x80", 5),
    ("tt-dong-mo", "1", "ap-phich-a3", 40),
    ("xa-van-an", "1", "pano-300x200", 1),
    ("xa-van-an", "3", "ap-phich-a3", 25),
    ("xa-van-an", "2", "phuon-80x240", 12),
    ("xa-gia-loc", "4", "ap-phich-54x79", 300),
]
UNIT_NAMES = {"tt-dong-mo": "Thị trấn Đồng Mỏ", "xa-van-an": "Xã Vân An", "xa-gia-loc": "Xã Gia Lộc"}
# finished size (mm) and bleed (mm) on every side, as print shops state them
SIZES = {
    "pano-300x200": (3000, 2000, 0), "bieu-ngu-500x80": (5000, 800, 0), "phuon-80x240": (800, 2400, 0),
    "ap-phich-a3": (297, 420, 3), "ap-phich-54x79": (540, 790, 3),
}
PRICE_HIFLEX = 65_000  # đồng per m²
PRICE_PAPER = 90_000  # đồng per m² of paper
PRICE_A3 = 5_000  # đồng per A3 poster (per piece: wins over the paper's price per m²)
PRICES_TOML = f'[prices]\nhiflex = {PRICE_HIFLEX}\n"giấy" = {PRICE_PAPER}\nap-phich-a3 = {PRICE_A3}\n'
DATE = "2025-08-20"


def expected_area(size: str, copies: int, hem: float = 0.0) -> float:
    w, h, bleed = SIZES[size]
    return (w + 2 * (bleed + hem)) * (h + 2 * (bleed + hem)) * copies / 1e6


def expected_amount(size: str, copies: int) -> int:
    if size == "ap-phich-a3":
        return copies * PRICE_A3
    price = PRICE_PAPER if size.startswith("ap-phich") else PRICE_HIFLEX
    exact = Decimal(repr(round(expected_area(size, copies), 6))) * price
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


GRAND_TOTAL = sum(expected_amount(s, c) for _u, _sl, s, c in PLAN)


def cli(*args: str):
    from poster_gen.cli import cli as main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A batch of the plan (PDF only) with a campaign that has prices; its folder and campaign file."""
    from poster_gen.resources import default_campaign

    root = tmp_path_factory.mktemp("order")
    campaign = root / "campaign.toml"
    campaign.write_text(Path(default_campaign()).read_text(encoding="utf-8") + "\n" + PRICES_TOML, encoding="utf-8")
    plan = root / "plan.csv"
    plan.write_text("unit,slogan,size,copies\n" + "".join(f"{u},{s},{z},{c}\n" for u, s, z, c in PLAN),
                    encoding="utf-8")
    out = root / "out"
    res = cli("--lang", "en", "batch", "--campaign", str(campaign), "--plan", str(plan), "--out", str(out),
              "--format", "pdf", "--no-check", "--quiet", "-j", "1")
    assert res.exit_code == 0, res.output
    return out, campaign


@pytest.fixture(scope="module")
def ordered(made):
    out, _campaign = made
    res = cli("--lang", "en", "order", str(out), "--date", DATE, "--place", "Chi Lăng")
    assert res.exit_code == 0, res.output
    return out, res.output


# ---- a small evaluator of the spreadsheet's formulas -----------------------------------------

_REF = re.compile(r"(?:'((?:[^']|'')+)'!|([A-Za-z0-9_.\-]+)!)?"  # an optional sheet
                  r"\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?")  # a cell or a range
_FUNCS = re.compile(r"\b(SUM|ROUND|COUNT)\(")


def _cells(ws, a: str, b: str):
    return [c for row in ws[f"{a}:{b}"] for c in row]


def evaluate(wb, sheet: str, value, depth: int = 0):
    """The value of a cell as a spreadsheet computes it (SUM, COUNT, ROUND, + - * /, references)."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    assert depth < 20, "formulas refer to one another in a loop"

    def cell_value(sh: str, ref: str):
        return evaluate(wb, sh, wb[sh][ref].value, depth + 1)

    def ref(sh: str, a: str):
        v = cell_value(sh, a)
        return 0 if v is None else v

    def rng(sh: str, a: str, b: str):
        return [evaluate(wb, sh, c.value, depth + 1) for c in _cells(wb[sh], a, b)]

    def flat(args):
        for a in args:
            yield from (a if isinstance(a, list) else [a])

    def SUM(*args):
        return sum(v for v in flat(args) if isinstance(v, int | float) and not isinstance(v, bool))

    def COUNT(*args):
        return sum(1 for v in flat(args) if isinstance(v, int | float) and not isinstance(v, bool))

    def ROUND(x, digits):
        q = Decimal(1).scaleb(-int(digits))
        return float(Decimal(format(x, ".15g")).quantize(q, rounding=ROUND_HALF_UP))

    def sub(m: re.Match) -> str:
        sh = (m.group(1) or "").replace("''", "'") or m.group(2) or sheet
        if m.group(5):
            return f"rng({sh!r}, '{m.group(3)}{m.group(4)}', '{m.group(5)}{m.group(6)}')"
        return f"ref({sh!r}, '{m.group(3)}{m.group(4)}')"

    expr = _FUNCS.sub(lambda m: f"_{m.group(1)}(", value[1:])
    expr = _REF.sub(sub, expr)
    return eval(expr, {"__builtins__": {}}, {"_SUM": SUM, "_COUNT": COUNT, "_ROUND": ROUND, "ref": ref, "rng": rng})


# ---- a small renderer of Excel's number formats ----------------------------------------------


def excel_shows(value: float, code: str) -> str:
    """What Excel shows for ``value`` under format ``code``: sections chosen by their [conditions], digits
    filling 0 and # from the right, backslash-escaped and quoted characters printed as they are. A format with a
    decimal point or an unescaped comma is not rendered here (the test expects none in money)."""
    sections = code.split(";")
    chosen = None
    for sec in sections:
        m = re.match(r"\[([<>]=?|=)(-?[0-9.]+)\]", sec)
        if not m:
            chosen = chosen or sec
            break
        op, n = m.group(1), float(m.group(2))
        if {"<": value < n, "<=": value <= n, ">": value > n, ">=": value >= n, "=": value == n}[op]:
            chosen = sec[m.end():]
            break
    assert chosen is not None
    tokens: list[tuple[str, str]] = []  # ("d", placeholder) or ("l", literal)
    i = 0
    while i < len(chosen):
        ch = chosen[i]
        if ch == "\\":
            tokens.append(("l", chosen[i + 1]))
            i += 2
        elif ch == '"':
            j = chosen.index('"', i + 1)
            tokens += [("l", c) for c in chosen[i + 1:j]]
            i = j + 1
        elif ch in "0#":
            tokens.append(("d", ch))
            i += 1
        else:
            assert ch not in ".,", f"format {code!r} has a decimal point or a thousands comma"
            tokens.append(("l", ch))
            i += 1
    digits = str(int(Decimal(repr(abs(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    places = [k for k, (t, _c) in enumerate(tokens) if t == "d"]
    out = [c if t == "l" else "" for t, c in tokens]
    rest = digits
    for n, k in enumerate(reversed(places)):
        last = n == len(places) - 1
        if rest:
            out[k] = rest if last else rest[-1]
            rest = "" if last else rest[:-1]
        elif tokens[k][1] == "0":
            out[k] = "0"
    return "".join(out)


def test_the_format_renderer_is_faithful_to_excel():
    assert excel_shows(1234567, "#,##0".replace(",", "")) == "1234567"
    assert excel_shows(5, r"#\.##0") == ".5"  # a literal is printed even where no digit stands before it
    assert excel_shows(12, "[<10]0;0") == "12"
    assert excel_shows(1234567890, r"#\.###\.##0") == "1234.567.890"  # extra digits go to the first placeholder


# ---- the spreadsheet --------------------------------------------------------------------------


def _header_columns(ws, row: int = 3) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[row] if c.value is not None}


def _detail_rows(ws):
    cols = _header_columns(ws)
    for r in range(4, ws.max_row + 1):
        if isinstance(ws.cell(r, 1).value, int):
            yield {h: ws.cell(r, c).value for h, c in cols.items()} | {"_row": r}


def test_the_areas_are_the_printed_sheet_times_the_copies(ordered):
    out, _ = ordered
    wb = openpyxl.load_workbook(out / "order.xlsx")
    rows = list(_detail_rows(wb["Chi tiết"]))
    assert len(rows) == len(PLAN)
    names = {v: k for k, v in UNIT_NAMES.items()}
    seen = set()
    for r in rows:
        key = (names[r["Đơn vị"]], r["Khẩu hiệu"], r["Kích thước"])
        (copies,) = [c for u, s, z, c in PLAN if (u, s, z) == key]
        seen.add(key)
        assert r["Số bản"] == copies
        assert r["Diện tích (m²)"] == pytest.approx(expected_area(key[2], copies), abs=1e-6)
        w, h, bleed = SIZES[key[2]]
        assert r["Thành phẩm (mm)"] == f"{w} × {h}"
        assert r["Khổ in mỗi bản (mm)"] == f"{w + 2 * bleed} × {h + 2 * bleed}"
    assert len(seen) == len(PLAN)
    # each unit's sheet holds exactly its artworks
    for unit, name in UNIT_NAMES.items():
        ws = wb[unit]
        assert ws["A1"].value == name
        mine = [(s, z, c) for u, s, z, c in PLAN if u == unit]
        got = [(r["Khẩu hiệu"], r["Kích thước"], r["Số bản"]) for r in _detail_rows(ws)]
        assert sorted(got) == sorted(mine)


def _total_cells(wb):
    """(sheet, cell) of every figure on a total row ('TỔNG CỘNG', 'Cộng') or a kind's subtotal row (I, II ...)."""
    for ws in wb:
        for row in ws.iter_rows():
            label, first = row[1].value if len(row) > 1 else None, row[0].value
            if label in ("TỔNG CỘNG", "Cộng") or (isinstance(first, str) and re.fullmatch(r"[IVX]+", first)):
                for c in row[2:]:
                    if isinstance(c.value, int | float) or (isinstance(c.value, str) and c.value.startswith("=")):
                        yield ws.title, c


def test_the_totals_are_formulas_whose_values_are_right(ordered):
    out, _ = ordered
    wb = openpyxl.load_workbook(out / "order.xlsx")
    totals = list(_total_cells(wb))
    assert totals
    for sheet, c in totals:
        assert isinstance(c.value, str) and c.value.startswith("="), f"{sheet}!{c.coordinate} = {c.value!r}"
    ws = wb["Tổng hợp"]
    hdr = _header_columns(ws, 4)
    grand = [r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == "TỔNG CỘNG"]
    assert len(grand) == 2  # by kind and size, and by unit
    for r in grand:
        assert evaluate(wb, ws.title, ws.cell(r, hdr["Thành tiền (đồng)"]).value) == GRAND_TOTAL
        assert evaluate(wb, ws.title, ws.cell(r, hdr["Số bản"]).value) == sum(c for *_x, c in PLAN)
        assert evaluate(wb, ws.title, ws.cell(r, hdr["Diện tích (m²)"]).value) == pytest.approx(
            sum(expected_area(z, c) for _u, _s, z, c in PLAN), abs=1e-6)
        assert evaluate(wb, ws.title, ws.cell(r, hdr["Số mẫu"]).value) == len(PLAN)
    # every row's amount, on the detail sheet and on each unit's
    for name in ("Chi tiết", *UNIT_NAMES):
        sheet = wb[name]
        for row in _detail_rows(sheet):
            amount = evaluate(wb, name, row["Thành tiền (đồng)"])
            assert amount == expected_amount(row["Kích thước"], row["Số bản"]), (name, row)
    for unit in UNIT_NAMES:
        sheet = wb[unit]
        cols = _header_columns(sheet)
        (r,) = [r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 2).value == "Cộng"]
        assert evaluate(wb, unit, sheet.cell(r, cols["Thành tiền (đồng)"]).value) == sum(
            expected_amount(z, c) for u, _s, z, c in PLAN if u == unit)


def test_a_price_edited_in_the_workbook_flows_to_every_total(ordered):
    out, _ = ordered
    wb = openpyxl.load_workbook(out / "order.xlsx")
    prices = wb["Đơn giá"]
    (row,) = [r for r in range(4, prices.max_row + 1) if prices.cell(r, 2).value == "hiflex"]
    assert prices.cell(row, 3).value == "m²" and prices.cell(row, 4).value == PRICE_HIFLEX
    prices.cell(row, 4).value = 80_000
    ws = wb["Tổng hợp"]
    hdr = _header_columns(ws, 4)
    r = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == "TỔNG CỘNG")
    hiflex = [(z, c) for _u, _s, z, c in PLAN if not z.startswith("ap-phich")]
    change = sum(int(Decimal(repr(round(expected_area(z, c), 6))) * 80_000) - expected_amount(z, c)
                 for z, c in hiflex)  # hiflex areas here are whole m²: no rounding
    assert evaluate(wb, ws.title, ws.cell(r, hdr["Thành tiền (đồng)"]).value) == GRAND_TOTAL + change


VND_FORMATS = {r"[<1000]0;[<1000000]#\.##0;#\.###\.##0", r"[<1000000]#\.##0;[<1000000000]#\.###\.##0;#\.###\.###\.##0"}


def test_money_and_counts_show_dots_between_thousands_on_every_computer(ordered):
    out, _ = ordered
    wb = openpyxl.load_workbook(out / "order.xlsx")
    checked = 0
    for ws in wb:
        hdr_row = 4 if ws.title == "Tổng hợp" else 3
        for header in ws[hdr_row]:
            if header.value not in ("Đơn giá (đồng)", "Thành tiền (đồng)", "Số bản"):
                continue
            for r in range(hdr_row + 1, ws.max_row + 1):
                c = ws.cell(r, header.column)
                if c.value is None or isinstance(c.value, str) and not c.value.startswith("="):
                    continue
                assert c.number_format in VND_FORMATS, (ws.title, c.coordinate, c.number_format)
                value = evaluate(wb, ws.title, c.value)
                shown = excel_shows(value, c.number_format)
                assert shown == f"{int(value):,}".replace(",", "."), (ws.title, c.coordinate, value, shown)
                checked += 1
    assert checked > 30
    # the grand total as Excel shows it
    assert excel_shows(GRAND_TOTAL, r"[<1000000]#\.##0;[<1000000000]#\.###\.##0;#\.###\.###\.##0") == \
        f"{GRAND_TOTAL:,}".replace(",", ".")


@pytest.mark.parametrize("value", [0, 7, 999, 1000, 65_000, 999_999, 1_000_000, 4_292_600, 999_999_999,
                                   1_000_000_000, 12_345_678_901, 999_999_999_999])
def test_every_amount_shows_vietnamese_thousands(value):
    from poster_gen.order import int_format

    assert excel_shows(value, int_format(value)) == f"{value:,}".replace(",", ".")
    # an amount that grows or shrinks a thousandfold after an edit still shows right
    for edited in (value * 1000, value // 1000):
        if edited < 1e12:
            assert excel_shows(edited, int_format(value)) == f"{edited:,}".replace(",", "."), edited


def test_areas_have_two_decimals_in_the_computers_separator(ordered):
    out, _ = ordered
    wb = openpyxl.load_workbook(out / "order.xlsx")
    for r in _detail_rows(wb["Chi tiết"]):
        assert wb["Chi tiết"].cell(r["_row"], _header_columns(wb["Chi tiết"])["Diện tích (m²)"]).number_format == \
            "#,##0.00"


# ---- the CSV ---------------------------------------------------------------------------------------


def test_the_csv_has_the_detail_rows_with_a_bom(ordered):
    out, _ = ordered
    raw = (out / "order.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(PLAN)
    for r in rows:
        (copies,) = [c for u, s, z, c in PLAN if (u, s, z) == (r["unit"], r["slogan"], r["size"])]
        assert r["unit_name"] == UNIT_NAMES[r["unit"]]
        assert int(r["copies"]) == copies
        assert float(r["area_m2"]) == pytest.approx(expected_area(r["size"], copies), abs=1e-6)
        assert int(r["amount_vnd"]) == expected_amount(r["size"], copies)
        assert r["basis"] == ("piece" if r["size"] == "ap-phich-a3" else "m2")
        assert r["file"].endswith(".pdf") and (out / r["file"]).is_file()
    assert sum(int(r["amount_vnd"]) for r in rows) == GRAND_TOTAL


# ---- the PDF ---------------------------------------------------------------------------------------


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    return "\n".join(p.extract_text() or "" for p in reader.pages)


def test_the_form_names_every_unit_and_the_grand_total(ordered):
    out, _ = ordered
    text = " ".join(_pdf_text(out / "order.pdf").split())
    for name in UNIT_NAMES.values():
        assert name in text
    total = f"{GRAND_TOTAL:,}".replace(",", ".")
    assert "TỔNG CỘNG" in text and total in text
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "NGƯỜI LẬP BIỂU",
                  "THỦ TRƯỞNG ĐƠN VỊ", "Chi Lăng, ngày 20 tháng 8 năm 2025", "UBND HUYỆN CHI LĂNG"):
        assert words in text, words
    from poster_gen.order_pdf import amount_in_words

    assert amount_in_words(GRAND_TOTAL) in text


def test_the_form_is_a4_with_its_fonts_embedded_and_subset(ordered):
    out, _ = ordered
    reader = pypdf.PdfReader(str(out / "order.pdf"))
    assert "document=order" in str(reader.metadata.get("/Keywords"))
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 595.28) < 0.5 and abs(h - 841.89) < 0.5
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for ref in fonts.values():
            font = ref.get_object()
            assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), font["/BaseFont"]
            desc = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fd = desc["/FontDescriptor"].get_object()
            assert "/FontFile2" in fd


def _check_knows_documents() -> bool:
    from poster_gen import check

    return hasattr(check, "DOCUMENT_KINDS")


@pytest.mark.skipif(not _check_knows_documents(),
                    reason="poster_gen.check has no document preflight yet (DOCUMENT_KINDS): it reads the form as an "
                           "artwork")
def test_the_form_passes_check(ordered, made):
    out, campaign = made
    res = cli("--lang", "en", "check", str(out / "order.pdf"), "--campaign", str(campaign))
    assert res.exit_code == 0, res.output


def test_a_long_table_breaks_across_pages_with_its_header_repeated(tmp_path):
    from poster_gen.order import build_order
    from poster_gen.order_pdf import render_pdf_bytes
    from poster_gen.records import ManifestEntry

    entries = [
        ManifestEntry(unit=f"xa-{i:03d}", slogan="1", size="pano-300x200", design="classic",
                      files={"pdf": f"xa-{i:03d}/pano-300x200_1.pdf"}, kind="pano", width_mm=3000, height_mm=2000,
                      bleed_mm=0, copies=i % 4 + 1)
        for i in range(90)
    ]
    order = build_order(entries, None, None)
    path = tmp_path / "order.pdf"
    path.write_bytes(render_pdf_bytes(order, dt.date(2025, 8, 20), "Chi Lăng"))
    reader = pypdf.PdfReader(str(path))
    assert len(reader.pages) >= 3
    texts = [p.extract_text() for p in reader.pages]
    for i, t in enumerate(texts[1:], start=2):
        assert "Đơn vị" in t and "Diện tích" in t, f"page {i} has no table header"
        assert f"Trang {i}/{len(texts)}" in t
    for i in range(90):
        assert f"xa-{i:03d}" in " ".join(texts)


def test_the_forms_figures_stay_on_one_line_however_large():
    from poster_gen.order import build_order
    from poster_gen.order_pdf import render_pdf_bytes, vn_area, vn_int
    from poster_gen.quantities import parse_prices, totals
    from poster_gen.records import ManifestEntry

    prices, _problems = parse_prices({"hiflex": 65_000, "giấy": 90_000}, "[prices]")
    sizes = (("pano-300x200", "pano", 3000, 2000, 0), ("ap-phich-a3", "ap-phich", 297, 420, 3),
             ("bieu-ngu-500x80", "bieu-ngu", 5000, 800, 0))
    entries = [ManifestEntry(unit=f"xa-{i:02d}", slogan="1", size=size, design="classic",
                             files={"pdf": f"xa-{i:02d}/{size}_1.pdf"}, kind=kind, width_mm=w, height_mm=h,
                             bleed_mm=bleed, copies=9_000)
               for i in range(12) for size, kind, w, h, bleed in sizes]
    order = build_order(entries, None, prices)
    reader = pypdf.PdfReader(BytesIO(render_pdf_bytes(order, dt.date(2025, 8, 20), "Chi Lăng")))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    _n, copies, area, amount = totals(order.lines)
    assert amount >= 10**10  # eleven digits and more: 42.120.000.000 đồng of hiflex for the panos alone
    figures = [vn_int(copies), vn_area(area), vn_int(amount)]
    for s in order.sizes:
        figures += [vn_int(s.copies), vn_area(s.area_m2), vn_int(s.amount)]
    for figure in figures:  # a figure wrapped in its cell would read "42.120.000.00 0"
        assert figure in text, (figure, text)


def test_an_order_of_more_units_than_the_form_lists_is_shared_by_kind_of_unit(made, tmp_path, monkeypatch):
    from poster_gen import order_pdf

    out, campaign = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    for f in ("order.xlsx", "order.csv", "order.pdf"):
        (copy / f).unlink(missing_ok=True)
    monkeypatch.setattr(order_pdf, "FORM_MAX_UNITS", 2)  # the packaged campaign's units have no province
    res = cli("--lang", "en", "order", str(copy), "--campaign", str(campaign), "--date", DATE)
    assert res.exit_code == 0, res.output
    text = " ".join(_pdf_text(copy / "order.pdf").split())
    assert "PHÂN BỔ THEO NHÓM ĐƠN VỊ" in text and "Số đơn vị" in text and "order.xlsx" in text
    assert not any(name in text for name in UNIT_NAMES.values())  # shared, not listed
    # a row per kind of unit: how many units, then the copies of each kind of artwork
    kinds = ("pano", "ap-phich", "bieu-ngu", "phuon")
    for i, (label, units) in enumerate((("Thị trấn", {"tt-dong-mo"}), ("Xã", {"xa-van-an", "xa-gia-loc"})), 1):
        copies = [sum(c for u, _s, z, c in PLAN if u in units and z.startswith(k)) for k in kinds]
        assert f"{i} {label} {len(units)} {' '.join(str(c) if c else '-' for c in copies)} " in text, text
    assert "TỔNG CỘNG 3 " in text and f"{GRAND_TOTAL:,}".replace(",", ".") in text
    wb = openpyxl.load_workbook(copy / "order.xlsx")  # the workbook still has every unit
    assert set(UNIT_NAMES) <= set(wb.sheetnames)
    summary = [c.value for row in wb["Tổng hợp"].iter_rows() for c in row]
    assert all(name in summary for name in UNIT_NAMES.values())


def test_an_order_of_more_units_than_the_form_lists_is_shared_by_province(monkeypatch):
    import types

    from poster_gen import order_pdf
    from poster_gen.campaign import Unit
    from poster_gen.order import build_order
    from poster_gen.order_pdf import render_pdf_bytes
    from poster_gen.records import ManifestEntry

    init = pytest.importorskip("poster_gen.init")
    try:
        registry = init.load_registry()
    except Exception as exc:  # noqa: BLE001  (the optional package is missing or unreadable)
        pytest.skip(f"the official list of units is not available: {exc}")
    a, b = registry.provinces[0], registry.provinces[1]
    wards = [(a, w) for w in a.wards[:3]] + [(b, w) for w in b.wards[:2]]
    units = [Unit(id=f"u{i}", name=w.name, kind=w.kind, code=w.code) for i, (_p, w) in enumerate(wards)]
    campaign = types.SimpleNamespace(units=units, name="Chiến dịch", occasion="", issuer="", materials=None,
                                     prices=None)
    entries = [ManifestEntry(unit=u.id, slogan="1", size="pano-300x200", design="classic",
                             files={"pdf": f"{u.id}/pano-300x200_1.pdf"}, kind="pano", width_mm=3000, height_mm=2000,
                             bleed_mm=0, copies=i + 1) for i, u in enumerate(units)]
    monkeypatch.setattr(order_pdf, "FORM_MAX_UNITS", 4)
    order = build_order(entries, campaign)
    assert [u.province for u in order.units] == [a.full_name] * 3 + [b.full_name] * 2
    reader = pypdf.PdfReader(BytesIO(render_pdf_bytes(order, dt.date(2025, 8, 20), "Hà Nội")))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "PHÂN BỔ THEO TỈNH, THÀNH PHỐ" in text and "Tỉnh, thành phố" in text
    assert f"1 {a.full_name} 3 6 " in text and f"2 {b.full_name} 2 9 " in text  # units, then copies
    assert not any(w.name in text for _p, w in wards)
    monkeypatch.setattr(order_pdf, "FORM_MAX_UNITS", 5)  # as many units as the form lists: each one
    order = build_order(entries, campaign)
    reader = pypdf.PdfReader(BytesIO(render_pdf_bytes(order, dt.date(2025, 8, 20), "Hà Nội")))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "II. PHÂN BỔ THEO ĐƠN VỊ" in text and all(w.name in text for _p, w in wards)


# ---- without prices; materials; the campaign's tables -------------------------------------------------------


def test_without_prices_the_money_columns_are_left_out(made, tmp_path):
    from poster_gen.resources import default_campaign

    out, _ = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    for f in ("order.xlsx", "order.csv", "order.pdf"):
        (copy / f).unlink(missing_ok=True)
    res = cli("--lang", "en", "order", str(copy), "--campaign", str(default_campaign()), "--date", DATE)
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(copy / "order.xlsx")
    assert "Đơn giá" not in wb.sheetnames
    for ws in wb:
        for row in ws.iter_rows(max_row=4):
            for c in row:
                assert c.value not in ("Đơn giá (đồng)", "Thành tiền (đồng)")
    rows = list(csv.DictReader(io.StringIO((copy / "order.csv").read_text(encoding="utf-8-sig"))))
    assert all(r["amount_vnd"] == "" and r["unit_price_vnd"] == "" for r in rows)
    text = _pdf_text(copy / "order.pdf")
    assert "Thành tiền" not in text and "bằng chữ" not in text and "Xã Gia Lộc" in text
    assert "đồng" not in res.output


def test_a_prices_file_replaces_the_campaigns(made, tmp_path):
    out, campaign = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    prices = tmp_path / "gia.toml"
    prices.write_text("[prices]\nhiflex = 100000\n", encoding="utf-8")
    res = cli("--lang", "en", "order", str(copy), "--campaign", str(campaign), "--prices", str(prices), "--date", DATE)
    assert res.exit_code == 0, res.output
    assert "no price for giấy (3 artworks)" in res.output, res.output
    rows = list(csv.DictReader(io.StringIO((copy / "order.csv").read_text(encoding="utf-8-sig"))))
    for r in rows:
        if r["material"] == "giấy":
            assert r["amount_vnd"] == ""
        else:
            assert int(r["amount_vnd"]) == round(float(r["area_m2"]) * 100_000)
    assert "Chưa có đơn giá" in _pdf_text(copy / "order.pdf")


def test_quantities_count_hems_and_the_bleed_of_old_entries():
    from poster_gen.quantities import order_lines, parse_prices
    from poster_gen.records import ManifestEntry

    hemmed = ManifestEntry(unit="a", slogan="1", size="bieu-ngu-500x80", design="classic", files={"pdf": "a/x.pdf"},
                           kind="bieu-ngu", width_mm=5000, height_mm=800, bleed_mm=0, hem_mm=30, copies=3)
    old = ManifestEntry.from_dict({"unit": "a", "slogan": "2", "size": "ap-phich-a3", "files": {"pdf": "a/y.pdf"},
                                   "copies": 10})  # version 1: no kind, sizes, bleed or hem
    prices, problems = parse_prices({"hiflex": 50_000, "Giấy": 80_000}, "[prices]")
    assert not problems
    a, b = order_lines([hemmed, old], None, prices=prices)
    assert (a.sheet_w_mm, a.sheet_h_mm) == (5060, 860)
    assert a.area_m2 == pytest.approx(5.06 * 0.86 * 3)
    assert a.amount == round(5.06 * 0.86 * 3 * 50_000)
    assert (b.kind, b.width_mm, b.height_mm, b.sheet_w_mm, b.sheet_h_mm) == ("ap-phich", 297, 420, 303, 426)
    assert b.material == "giấy" and b.basis == "m2"  # "Giấy" in [prices] is the same material
    assert b.area_m2 == pytest.approx(0.303 * 0.426 * 10)
    assert order_lines([hemmed], None)[0].amount is None  # no prices: nothing guessed


def test_the_campaign_sets_materials_and_prices(tmp_path):
    from poster_gen.campaign import load_campaign
    from poster_gen.quantities import order_lines
    from poster_gen.records import ManifestEntry
    from poster_gen.resources import default_campaign

    path = tmp_path / "c.toml"
    path.write_text(Path(default_campaign()).read_text(encoding="utf-8")
                    + '\n[materials]\nap-phich = "Giấy couché 150g"\n\n[prices]\n"giấy couché 150g" = 120000\n'
                      '"ap-phich-54x79" = 15000\n', encoding="utf-8")
    c = load_campaign(path)
    entries = [ManifestEntry(unit="a", slogan="1", size=s, design="classic", files={"pdf": "a/x.pdf"},
                             kind="ap-phich", width_mm=w, height_mm=h, bleed_mm=3, copies=2)
               for s, w, h in (("ap-phich-a3", 297, 420), ("ap-phich-54x79", 540, 790))]
    a3, big = order_lines(entries, c)
    assert a3.material == "Giấy couché 150g" and a3.basis == "m2" and a3.unit_price == 120_000
    assert big.basis == "piece" and big.amount == 30_000


@pytest.mark.parametrize("table, fragment", [
    ('[prices]\nhiflex = "65000"', "'hiflex' must be a price in whole đồng"),
    ("[prices]\nhiflex = true", "'hiflex' must be a price in whole đồng"),
    ("[prices]\nhiflex = -5", "out of range"),
    ("[prices]\nhiflex = 65000.5", "not whole đồng"),
    ("[prices]\nhiflex = 5_000_000_000", "out of range"),
    ('[prices]\nhiflex = 1\nHiflex = 2', "priced twice"),
    ("prices = 5", "must be a table of prices"),
    ("[prices.hiflex]\nm2 = 5", "'hiflex' must be a price in whole đồng"),
    ('[materials]\npanno = "hiflex"', "unknown kind 'panno': did you mean pano?"),
    ("[materials]\npano = 3", "'pano' must be a material name in quotes"),
    ('[materials]\npano = ""', "material name of 1 to 60 characters"),
    ('[materials]\npano = "ap-phich-a3"', "is a size id"),
])
def test_bad_prices_and_materials_are_one_line_errors(tmp_path, table, fragment):
    from poster_gen.resources import default_campaign

    path = tmp_path / "c.toml"
    base = Path(default_campaign()).read_text(encoding="utf-8")
    # a bare key belongs to the table above it: it goes first, the tables go last
    text = f"{table}\n{base}" if not table.startswith("[") else f"{base}\n{table}\n"
    path.write_text(text, encoding="utf-8")
    res = cli("--lang", "en", "--campaign", str(path), "slogans")
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if "error" in ln]
    assert len(lines) == 1 and fragment in lines[0], res.output
    assert "Traceback" not in res.output


def test_too_many_prices_are_refused():
    from poster_gen.quantities import MAX_PRICE_KEYS, parse_prices

    _prices, problems = parse_prices({f"m{i}": 1 for i in range(MAX_PRICE_KEYS + 1)}, "[prices]")
    assert len(problems) == 1 and "over the limit" in problems[0]


def test_a_damaged_manifest_entry_is_a_one_line_error(made, tmp_path):
    import json

    out, campaign = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    data["artworks"][0]["width_mm"] = "3 m"
    (copy / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = cli("--lang", "en", "order", str(copy), "--campaign", str(campaign))
    assert res.exit_code == 2
    assert "width_mm = '3 m', not a number" in res.output and len(res.output.strip().splitlines()) == 1


def test_a_strangers_ids_stay_text_and_make_valid_sheet_names(tmp_path):
    from poster_gen.order import build_order, write_csv, write_xlsx
    from poster_gen.records import ManifestEntry

    odd = ["=HYPERLINK(\"http://x\")", "a/b:c*d?", "it's", "x" * 70, "x" * 70 + "y"]
    entries = [ManifestEntry(unit=u, slogan="=1+1", size="pano-300x200", design="classic", files={"pdf": "a.pdf"},
                             kind="pano", width_mm=3000, height_mm=2000, bleed_mm=0, copies=2) for u in odd]
    order = build_order(entries, None, None)
    write_xlsx(order, tmp_path / "o.xlsx", dt.date(2025, 1, 1))
    write_csv(order, tmp_path / "o.csv")
    wb = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert len(wb.sheetnames) == 2 + len(odd) and len(set(wb.sheetnames)) == len(wb.sheetnames)
    detail = wb["Chi tiết"]
    texts = [c for row in detail.iter_rows(min_row=4) for c in row[1:3] if c.value]
    assert {c.value for c in texts} >= set(odd) | {"=1+1"}
    assert all(c.data_type == "s" for c in texts)
    rows = list(csv.reader(io.StringIO((tmp_path / "o.csv").read_text(encoding="utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_no_manifest_and_bad_options_are_one_line_errors(tmp_path, made):
    out, campaign = made
    for args, fragment in (
        (["order", str(tmp_path / "nowhere")], "no manifest"),
        (["order", str(out), "--prices", str(tmp_path / "none.toml")], "file not found"),
        (["order", str(out), "--date", "20/13/2025"], "is not a date"),
        (["order", str(out), "--place", "x" * 101], "over the 100-character limit"),
    ):
        res = cli("--lang", "en", "--campaign", str(campaign), *args)
        assert res.exit_code == 2, res.output
        assert fragment in res.output and len(res.output.strip().splitlines()) == 1, res.output


@pytest.mark.skipif(not (REPO_DIR / "poster_gen" / "locale" / "vi" / "LC_MESSAGES" / "poster_gen.mo").is_file(),
                    reason="catalog not compiled: install the package (pip install -e .)")
def test_the_messages_speak_vietnamese(tmp_path, made):
    out, campaign = made
    res = cli("--lang", "vi", "order", str(tmp_path / "nowhere"))
    assert res.exit_code == 2 and "không có danh mục ấn phẩm" in res.output, res.output
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    res = cli("--lang", "vi", "order", str(copy), "--campaign", str(campaign), "--date", DATE)
    total = f"{GRAND_TOTAL:,}".replace(",", ".")
    assert res.exit_code == 0 and f"thành tiền {total} đồng" in res.output, res.output


def test_a_workbook_saved_by_someone_else_is_not_replaced(made, tmp_path):
    out, campaign = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    args = ["--lang", "en", "order", str(copy), "--campaign", str(campaign), "--date", DATE]
    assert cli(*args).exit_code == 0
    first = {f: (copy / f).read_bytes() for f in ("order.xlsx", "order.csv", "order.pdf")}
    assert cli(*args).exit_code == 0  # its own files are replaced, with the same bytes
    assert {f: (copy / f).read_bytes() for f in first} == first
    wb = openpyxl.load_workbook(copy / "order.xlsx")  # someone edits a price and saves
    wb.properties.lastModifiedBy = "Kế toán"
    wb.save(copy / "order.xlsx")
    res = cli(*args)
    assert res.exit_code == 2 and "was edited and saved since" in res.output
    assert cli(*args, "--force").exit_code == 0
    assert (copy / "order.xlsx").read_bytes() == first["order.xlsx"]


def test_the_workbook_is_a_plain_zip_with_fixed_dates(ordered):
    out, _ = ordered
    with zipfile.ZipFile(out / "order.xlsx") as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# ---- Vietnamese numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("n, words", [
    (0, "không"), (5, "năm"), (10, "mười"), (15, "mười lăm"), (21, "hai mươi mốt"), (24, "hai mươi tư"),
    (25, "hai mươi lăm"), (105, "một trăm linh năm"), (110, "một trăm mười"), (1_005, "một nghìn không trăm linh năm"),
    (1_250_000, "một triệu hai trăm năm mươi nghìn"), (4_292_600, "bốn triệu hai trăm chín mươi hai nghìn sáu trăm"),
    (1_000_000_005, "một tỷ không trăm linh năm"), (2_000_000_000_000, "hai nghìn tỷ"),
    (15_000_300_000, "mười lăm tỷ ba trăm nghìn"),
])
def test_amounts_are_written_in_vietnamese_words(n, words):
    from poster_gen.order_pdf import number_words

    assert number_words(n) == words


def test_numbers_and_dates_on_the_form():
    from poster_gen.order_pdf import amount_in_words, date_line, vn_area, vn_int

    assert vn_int(4_292_600) == "4.292.600" and vn_area(1234.5) == "1.234,50"
    assert amount_in_words(1_500_000) == "Một triệu năm trăm nghìn đồng"
    assert date_line("Chi Lăng", dt.date(2025, 2, 5)) == "Chi Lăng, ngày 05 tháng 02 năm 2025"
    assert date_line("", dt.date(2025, 11, 20)).endswith(", ngày 20 tháng 11 năm 2025")


def test_the_readme_shows_the_order_command_and_the_form():
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Ordering the print: `poster-gen order`", 1)[1].split("\n## ", 1)[0]
    assert "poster-gen order" in section and "docs/order-form.png" in section
    image = REPO_DIR / "docs" / "order-form.png"
    assert image.is_file() and image.stat().st_size < 150_000
