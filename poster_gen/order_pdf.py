"""The order form: ``OUT/order.pdf``, an A4 table in the style of a Vietnamese administrative document.

Laid out as Nghị định 30/2020/NĐ-CP lays out an office's papers: the issuing office at the top
left, the national motto (quốc hiệu and tiêu ngữ) at the top right, each with a short rule below;
margins 20 mm top and bottom, 30 mm left, 15 mm right; the title in bold capitals; the table with
borders and totals; the place and date; the signatures ("Người lập biểu", "Thủ trưởng đơn vị").

Two tables: I. the order by kind and size (what the print shop makes), II. the share of each unit.
A table longer than a page breaks with its header repeated; pages are numbered "Trang 1/3". An order
of more than FORM_MAX_UNITS units (a whole country has 3,321) shares it by province instead (by
kind of unit where the province is not known): a form to sign stays a few pages, and the share of
each unit is in the workbook (Tổng hợp, and a sheet per unit) and in order.csv.

Drawn with reportlab in the packaged Be Vietnam Pro, embedded and subset; the file is the same
for the same order and date. /Keywords says ``document=order`` so that ``poster-gen check``
preflights it as a document (A4 pages, fonts, content) and not as an artwork.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace

from poster_gen import __version__
from poster_gen.order import BASIS_WORDS, Order, kind_words, size_words
from poster_gen.output import atomic_write
from poster_gen.quantities import totals, unpriced_materials
from poster_gen.text import upper

PAGE_MM = (210.0, 297.0)
MARGINS_MM = (20.0, 15.0, 20.0, 30.0)  # top, right, bottom, left (Nghị định 30/2020: 20-25, 15-20, 20-25, 30-35)
KEYWORDS = "document=order, page_mm=210x297, color=rgb"
FONT_REGULAR = "BeVietnamPro_400Regular.ttf"
FONT_BOLD = "BeVietnamPro_700Bold.ttf"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
# units listed one by one in part II (a province has at most about 170 since 2025: five pages); more are
# summed by province
FORM_MAX_UNITS = 200
UNIT_KIND_WORDS = {"xa": "Xã", "phuong": "Phường", "dac-khu": "Đặc khu", "thi-tran": "Thị trấn", "co-quan": "Cơ quan",
                   "su-nghiep": "Đơn vị sự nghiệp", "to-chuc": "Tổ chức"}
OTHER_UNITS = "Đơn vị khác"


# ---- Vietnamese numbers -------------------------------------------------------------------


def vn_int(n: int) -> str:
    """1234567 -> '1.234.567'."""
    return f"{n:,}".replace(",", ".")


def vn_area(x: float) -> str:
    """1234.5 -> '1.234,50' (m², two decimals)."""
    return f"{x:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _three(n: int, full: bool) -> list[str]:
    """A group of three digits; ``full``: read 'không trăm' and 'linh' (a group after a larger one)."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if h or full:
        words += [_DIGITS[h], "trăm"]
    if t == 0:
        if u:
            words += (["linh"] if words else []) + [_DIGITS[u]]
    elif t == 1:
        words.append("mười")
        if u:
            words.append("lăm" if u == 5 else _DIGITS[u])
    else:
        words += [_DIGITS[t], "mươi"]
        if u:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(u, _DIGITS[u]))
    return words


def _below_billion(n: int, full: bool) -> list[str]:
    words: list[str] = []
    for scale, word in ((1_000_000, "triệu"), (1_000, "nghìn"), (1, "")):
        group = n // scale % 1000
        if group:
            words += _three(group, full) + ([word] if word else [])
            full = True
    return words


def number_words(n: int) -> str:
    """A whole number in Vietnamese words, as money is written out on a form: 1250000 -> 'một triệu hai trăm
    năm mươi nghìn'."""
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return "không"

    def words(n: int, full: bool) -> list[str]:
        if n >= 1_000_000_000:
            hi, lo = divmod(n, 1_000_000_000)
            return words(hi, full) + ["tỷ"] + (_below_billion(lo, True) if lo else [])
        return _below_billion(n, full)

    return " ".join(words(n, False))


def amount_in_words(n: int) -> str:
    """'Một triệu hai trăm năm mươi nghìn đồng'."""
    text = number_words(n) + " đồng"
    return text[0].upper() + text[1:]


def date_line(place: str, date: dt.date) -> str:
    """'Chi Lăng, ngày 05 tháng 02 năm 2025' (a day below 10 and the months January and February with a 0)."""
    day = f"{date.day:02d}"
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place or '……………'}, ngày {day} tháng {month} năm {date.year}"


# ---- drawing ---------------------------------------------------------------------------------


def unit_groups(order: Order) -> tuple[bool, list[tuple[str, list]]]:
    """How part II shares an order of more than FORM_MAX_UNITS units: (by province only, [(group, its
    units)]), groups in the order of their first unit. A unit whose province is not known is grouped by
    its kind of unit ("Xã", "Cơ quan"...)."""
    groups: dict[str, list] = {}
    for u in order.units:
        label = u.province or UNIT_KIND_WORDS.get(u.kind, OTHER_UNITS)
        groups.setdefault(label, []).append(u)
    return all(u.province for u in order.units), list(groups.items())


def _fonts() -> tuple[str, str]:
    from poster_gen.fonts import load_font
    from poster_gen.pdf import _rl_font

    return _rl_font(str(load_font(FONT_REGULAR).path))[0], _rl_font(str(load_font(FONT_BOLD).path))[0]


def render_pdf_bytes(order: Order, date: dt.date, place: str = "") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        Flowable,
        KeepTogether,
        LongTable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as RLTable

    regular, bold = _fonts()

    def style(name, font=regular, size=10.0, align=TA_LEFT, leading=None, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.3, alignment=align, **kw)

    body = style("body", size=10.5)
    head = style("head", font=bold, size=8.5, align=TA_CENTER, leading=10.5)
    title = style("title", font=bold, size=13, align=TA_CENTER, leading=17)
    subtitle = style("subtitle", size=11, align=TA_CENTER, leading=14.5)
    part = style("part", font=bold, size=10.5, spaceBefore=8, spaceAfter=4)
    note = style("note", size=8.5, leading=11)
    right = style("right", size=10.5, align=TA_RIGHT)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def p(text: str, st) -> Paragraph:
        return Paragraph(esc(text), st)

    class Heading(Flowable):
        """Lines of text centred in the column, a short rule below the last (the office; the motto)."""

        def __init__(self, lines: list[tuple[str, str, float]], rule: float, width: float):
            super().__init__()
            self.lines, self.rule, self.width = lines, rule, width
            self.height = sum(s * 1.35 for _t, _f, s in lines) + 7

        def wrap(self, aw, ah):
            return self.width, self.height

        def draw(self):
            c = self.canv
            y = self.height
            last_w = 0.0
            for text, font, size in self.lines:
                y -= size * 1.35
                c.setFont(font, size)
                c.drawCentredString(self.width / 2, y + size * 0.3, text)
                last_w = c.stringWidth(text, font, size)
            rule = last_w * self.rule
            c.setLineWidth(0.6)
            c.line((self.width - rule) / 2, y - 4, (self.width + rule) / 2, y - 4)

    frame_w = (PAGE_MM[0] - MARGINS_MM[1] - MARGINS_MM[3]) * mm

    def split_words(text: str, font: str, size: float, width: float, pdfmetrics) -> list[str]:
        out, cur = [], ""
        for word in text.split():
            trial = f"{cur} {word}".strip()
            if cur and pdfmetrics.stringWidth(trial, font, size) > width:
                out.append(cur)
                cur = word
            else:
                cur = trial
        return out + ([cur] if cur else [])

    from reportlab.pdfbase import pdfmetrics

    def fit(rows: list[list], widths: list[float], first: int) -> list[float] | None:
        """Column widths for ``rows``: ``widths`` when every figure (the columns from ``first`` on) fits on
        one line; else those columns widened to their longest figure (a national order's totals run to 14
        digits), the width taken from the other columns: first what they do not use, then down to the
        longest word of the columns of text (their text wraps). None when that is not enough."""
        def width(text: str, c: Paragraph) -> float:
            return pdfmetrics.stringWidth(text, c.style.fontName, c.style.fontSize) + 7  # padding 3 + 3, 1 to spare

        def widest(j: int, pieces, header: bool = True) -> float:
            return max((width(t, c) for row in rows[0 if header else 1:] for c in row[j:j + 1]
                        if isinstance(c, Paragraph) for t in pieces(c.text)), default=0.0)

        def split(text: str) -> list[str]:
            return [w for w in re.split(r"\s+|<br/>", text) if w]

        # what each column takes: the longest word (the header's too: it wraps), the longest line of a cell;
        # a figure is one word
        words = [widest(j, split) if j < first else widest(j, lambda text: [text], header=False)
                 for j in range(len(widths))]
        words = [max(w, widest(j, split)) if j >= first else w for j, w in enumerate(words)]
        lines = [max(words[j], widest(j, lambda text: text.split("<br/>"), header=False)) for j in range(len(widths))]
        short = {j: words[j] - widths[j] for j in range(first, len(widths)) if words[j] > widths[j]}
        if not short:
            return widths
        out = [w + short.get(j, 0) for j, w in enumerate(widths)]
        deficit = sum(short.values())
        for floor, columns in ((lines, range(len(widths))), (words, range(first))):
            slack = [max(0.0, out[j] - floor[j]) if j in columns else 0.0 for j in range(len(widths))]
            take = min(deficit, sum(slack))
            if take:
                out = [w - take * slack[j] / sum(slack) for j, w in enumerate(out)]
            deficit -= take
        return out if deficit <= 1e-6 else None

    def cell_styles(size: float) -> SimpleNamespace:
        return SimpleNamespace(
            cell=style(f"cell{size}", size=size), c=style(f"cell_c{size}", size=size, align=TA_CENTER),
            r=style(f"cell_r{size}", size=size, align=TA_RIGHT), b=style(f"cell_b{size}", font=bold, size=size),
            bc=style(f"cell_bc{size}", font=bold, size=size, align=TA_CENTER),
            br=style(f"cell_br{size}", font=bold, size=size, align=TA_RIGHT))

    def table(build, widths: list[float], first: int) -> tuple[list[list], list[float], object]:
        """(rows, column widths, what else ``build`` gives) of a table made by ``build(styles)``: in 9 pt, or
        in 8 pt when its figures do not fit on their lines in 9 pt."""
        rows, extra = build(cell_styles(9))
        col_w = fit(rows, widths, first)
        if col_w is None:
            rows, extra = build(cell_styles(8))
            col_w = fit(rows, widths, first) or widths
        return rows, col_w, extra

    left_w, right_w = frame_w * 0.42, frame_w * 0.58
    office = upper(order.issuer) if order.issuer else "……………………"
    office_lines = [(ln, bold, 10.5) for ln in split_words(office, bold, 10.5, left_w - 6, pdfmetrics)]
    motto = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold, 10.5), ("Độc lập - Tự do - Hạnh phúc", bold, 11.5)]
    top = RLTable([[Heading(office_lines, 0.4, left_w), Heading(motto, 1.0, right_w)]],
                  colWidths=[left_w, right_w])
    top.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), regular), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))

    story: list = [top, Spacer(1, 7 * mm)]
    story.append(p("BẢNG TỔNG HỢP ĐẶT IN ẤN PHẨM TUYÊN TRUYỀN", title))
    if order.occasion or order.campaign_name:
        story.append(p(order.occasion or order.campaign_name, subtitle))
    story.append(Spacer(1, 4 * mm))
    if order.priced:
        story.append(p("Đơn vị tính tiền: đồng", right))

    grid = [
        ("FONTNAME", (0, 0), (-1, -1), regular),  # the cells without a paragraph: else reportlab adds Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]

    # ---- I. by kind and size
    story.append(p("I. TỔNG HỢP THEO LOẠI VÀ KÍCH THƯỚC", part))
    hdr = ["STT", "Loại, kích thước", "Khổ in mỗi bản (mm)", "Vật liệu", "Số mẫu", "Số bản", "Diện tích (m²)"]
    widths = [10, 50, 28, 18, 14, 16, 22]
    if order.priced:
        hdr += ["Đơn giá", "Thành tiền"]
        widths = [10, 33, 24, 13, 10, 12, 17, 24, 22]
    scale = frame_w / (sum(widths) * mm)
    widths = [w * mm * scale for w in widths]
    count, copies, area, amount = totals(order.lines)

    def part_one(cs) -> tuple[list[list], list[int]]:
        rows: list[list] = [[p(h, head) for h in hdr]]
        bold_rows: list[int] = []
        for ki, kind in enumerate(order.kinds):
            sizes = [s for s in order.sizes if s.kind == kind]
            amounts = [s.amount for s in sizes if s.amount is not None]
            row = [p(ROMAN[ki] if ki < len(ROMAN) else str(ki + 1), cs.bc), p(kind_words(kind), cs.b), "", "",
                   p(vn_int(sum(s.count for s in sizes)), cs.br), p(vn_int(sum(s.copies for s in sizes)), cs.br),
                   p(vn_area(sum(s.area_m2 for s in sizes)), cs.br)]
            if order.priced:
                row += ["", p(vn_int(sum(amounts)) if amounts else "", cs.br)]
            bold_rows.append(len(rows))
            rows.append(row)
            for i, s in enumerate(sizes, start=1):
                finished = size_words(s.width_mm, s.height_mm)
                label = (f"{esc(s.size)}<br/>({esc(finished)} mm)" if s.size != finished.replace(" × ", "x")
                         else esc(s.size))
                row = [p(str(i), cs.c), Paragraph(label, cs.cell), p(size_words(s.sheet_w_mm, s.sheet_h_mm), cs.c),
                       p(s.material, cs.c), p(vn_int(s.count), cs.r), p(vn_int(s.copies), cs.r),
                       p(vn_area(s.area_m2), cs.r)]
                if order.priced:
                    price = (f"{vn_int(s.unit_price)}/{BASIS_WORDS[s.basis]}" if s.unit_price is not None and s.basis
                             else "chưa có")
                    row += [p(price, cs.r), p(vn_int(s.amount) if s.amount is not None else "", cs.r)]
                rows.append(row)
        row = ["", p("TỔNG CỘNG", cs.b), "", "", p(vn_int(count), cs.br), p(vn_int(copies), cs.br),
               p(vn_area(area), cs.br)]
        if order.priced:
            row += ["", p(vn_int(amount) if amount is not None else "", cs.br)]
        bold_rows.append(len(rows))
        rows.append(row)
        return rows, bold_rows

    rows, col_w, bold_rows = table(part_one, widths, 4)
    t = LongTable(rows, colWidths=col_w, repeatRows=1)
    t.setStyle(TableStyle(grid + [("SPAN", (2, r), (3, r)) for r in bold_rows]))
    story.append(t)

    # ---- II. by unit; by province when there are too many units to list on a form
    kinds = order.kinds
    long_list = len(order.units) > FORM_MAX_UNITS
    if long_list:
        by_province, groups = unit_groups(order)
        story.append(p("II. PHÂN BỔ THEO TỈNH, THÀNH PHỐ (SỐ BẢN)" if by_province else
                       "II. PHÂN BỔ THEO NHÓM ĐƠN VỊ (SỐ BẢN)", part))
        story.append(p(f"Đơn hàng gồm {vn_int(len(order.units))} đơn vị; số bản, diện tích và thành tiền của từng "
                       "đơn vị ở bảng tính order.xlsx (trang Tổng hợp, mục Phân bổ theo đơn vị, và một trang cho mỗi "
                       "đơn vị) và ở order.csv." if order.priced else
                       f"Đơn hàng gồm {vn_int(len(order.units))} đơn vị; số bản và diện tích của từng đơn vị ở bảng "
                       "tính order.xlsx (trang Tổng hợp, mục Phân bổ theo đơn vị, và một trang cho mỗi đơn vị) và ở "
                       "order.csv.", note))
        story.append(Spacer(1, 1.5 * mm))
        hdr = ["STT", "Tỉnh, thành phố" if by_province else "Nhóm đơn vị", "Số đơn vị"]
        widths = [10, 48, 18]
        shares = [(label, len(units), [ln for u in units for ln in u.lines]) for label, units in groups]
    else:
        story.append(p("II. PHÂN BỔ THEO ĐƠN VỊ (SỐ BẢN)", part))
        hdr = ["STT", "Đơn vị"]
        widths = [10, 62]
        shares = [(u.name, None, u.lines) for u in order.units]
    hdr += [kind_words(k) for k in kinds] + ["Diện tích (m²)"]
    widths += [16] * len(kinds) + [22]
    if order.priced:
        hdr.append("Thành tiền")
        widths.append(26)
    scale = frame_w / (sum(widths) * mm)
    widths = [w * mm * scale for w in widths]
    def part_two(cs) -> tuple[list[list], None]:
        rows = [[p(h, head) for h in hdr]]
        for i, (label, n_units, lines) in enumerate(shares, start=1):
            by_kind = {k: sum(ln.copies for ln in lines if ln.kind == k) for k in kinds}
            _n, _c, u_area, u_amount = totals(lines)
            row = [p(str(i), cs.c), p(label, cs.cell)] + ([p(vn_int(n_units), cs.r)] if n_units is not None else []) + [
                p(vn_int(by_kind[k]) if by_kind[k] else "-", cs.r) for k in kinds] + [p(vn_area(u_area), cs.r)]
            if order.priced:
                row.append(p(vn_int(u_amount) if u_amount is not None else "", cs.r))
            rows.append(row)
        row = ["", p("TỔNG CỘNG", cs.b)] + ([p(vn_int(len(order.units)), cs.br)] if long_list else []) + [
            p(vn_int(sum(ln.copies for ln in order.lines if ln.kind == k)), cs.br) for k in kinds
        ] + [p(vn_area(area), cs.br)]
        if order.priced:
            row.append(p(vn_int(amount) if amount is not None else "", cs.br))
        rows.append(row)
        return rows, None

    rows, col_w, _none = table(part_two, widths, 3 if long_list else 2)
    t = LongTable(rows, colWidths=col_w, repeatRows=1)
    t.setStyle(TableStyle(grid))
    story.append(t)

    # ---- notes, totals in words, date and signatures: kept together, so that the signatures never stand alone
    closing: list = [Spacer(1, 3 * mm)]
    if order.priced and amount is not None:
        closing.append(Paragraph(f"<font name='{bold}'>Tổng số tiền (viết bằng chữ):</font> "
                               f"{esc(amount_in_words(amount))}.", body))
    missing = unpriced_materials(order.lines) if order.priced else {}
    if missing:
        closing.append(p("Chưa có đơn giá, chưa tính vào thành tiền: " + "; ".join(
            f"{m} ({n} mẫu)" for m, n in missing.items()) + ".", body))
    closing.append(Spacer(1, 1.5 * mm))
    closing.append(p("Ghi chú: diện tích vật liệu = khổ in mỗi bản × số bản; khổ in mỗi bản là kích thước thành phẩm "
                   "cộng mép may (nếu có) và lề chảy ở mỗi cạnh. Số mẫu là số tệp in khác nhau.", note))
    sign = RLTable(
        [["", p(date_line(place, date), style("date", size=10.5, align=TA_CENTER))],
         [p("NGƯỜI LẬP BIỂU", style("sb", font=bold, size=10.5, align=TA_CENTER)),
          p("THỦ TRƯỞNG ĐƠN VỊ", style("sb2", font=bold, size=10.5, align=TA_CENTER))],
         [p("(Ký, ghi rõ họ tên)", style("sn", size=9.5, align=TA_CENTER)),
          p("(Ký, ghi rõ họ tên, đóng dấu)", style("sn2", size=9.5, align=TA_CENTER))],
         ["", ""]],
        colWidths=[frame_w * 0.45, frame_w * 0.55], rowHeights=[None, None, None, 22 * mm],
    )
    sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), regular), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    story.append(KeepTogether([*closing, Spacer(1, 4 * mm), sign]))

    class NumberedCanvas(Canvas):
        """Writes 'Trang n/N' on every page once the number of pages is known."""

        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = regular
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(regular, 8)
                self.drawCentredString(PAGE_MM[0] * mm / 2, 12 * mm, f"Trang {self._pageNumber}/{total}")
                super().showPage()
            super().save()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=(PAGE_MM[0] * mm, PAGE_MM[1] * mm), topMargin=MARGINS_MM[0] * mm,
        rightMargin=MARGINS_MM[1] * mm, bottomMargin=MARGINS_MM[2] * mm, leftMargin=MARGINS_MM[3] * mm,
        title="Bảng tổng hợp đặt in ấn phẩm tuyên truyền", subject=order.campaign_name,
        author="poster-gen", creator=f"poster-gen {__version__} order", producer=f"poster-gen {__version__}",
        keywords=KEYWORDS, invariant=1, pageCompression=1, initialFontName=regular, lang="vi",
    )
    doc.build(story, canvasmaker=NumberedCanvas)
    return buf.getvalue()


def write_pdf(order: Order, path: Path, date: dt.date, place: str = "") -> Path:
    data = render_pdf_bytes(order, date, place)
    with atomic_write(path) as fh:
        fh.write(data)
    return path
