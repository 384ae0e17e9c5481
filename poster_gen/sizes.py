"""Physical sizes: presets per kind, and free WxH in millimetres."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from poster_gen.errors import PosterGenError
from poster_gen.i18n import N_, _

MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH

# kind id -> its description, marked for translation: shown through kind_label()
KINDS = {
    "pano": N_("Pano (panel, hiflex on a frame)"),
    "ap-phich": N_("Áp phích (poster, paper)"),
    "bieu-ngu": N_("Biểu ngữ / băng rôn (banner)"),
    "phuon": N_("Cờ phướn (vertical pole banner)"),
}
# What a batch makes when no sizes are given: the kinds a campaign memo asks for by name
# (pano, áp phích, băng rôn). Cờ phướn are ordered separately (--sizes phuon-80x240).
DEFAULT_BATCH_KINDS = ("pano", "ap-phich", "bieu-ngu")

MAX_SIDE_MM = 50_000.0
MAX_PIXELS = 1_500_000_000  # 1.5 gigapixels: beyond any sign printer's need
MIN_SIDE_MM = 50.0
MIN_DPI, MAX_DPI = 10, 1200
MAX_HEM_MM = 200.0  # --hem: a pole pocket for a thick rod is about 10 cm of material
# Kinds sewn or eyeleted at the edge (hiflex, fabric): --hem adds material beyond the finished
# size. A paper poster is cut, not sewn: it has bleed instead.
HEM_KINDS = ("pano", "bieu-ngu", "phuon")

# Capital height needed per metre of viewing distance (sign-industry rule of thumb).
CAP_MM_PER_M = 8.0


@dataclass(frozen=True)
class Size:
    """A physical size: kind, finished size, resolution, bleed, safe margin and viewing distance."""

    id: str
    kind: str
    width_mm: float
    height_mm: float
    dpi: int
    bleed_mm: float
    safe_mm: float  # no text inside this margin from the trim edge (hems, grommets)
    viewing_m: float
    label: str = ""
    default: bool = False
    # Pole pockets (phướn): this much of the sheet at the top / bottom edge is
    # folded back and sewn into a sleeve for the bracket's rod. It is part of
    # the printed sheet but never seen: ground colour may run into it, text and
    # frames never do (they keep safe_mm clear of the seam as well).
    pocket_top_mm: float = 0.0
    pocket_bottom_mm: float = 0.0
    # Hem (--hem): material beyond the finished size on every side, folded back for sewing,
    # eyelets or a pole pocket. width_mm x height_mm stays the finished size; the printed sheet
    # (the PDF's TrimBox, the PNG) is sheet_width_mm x sheet_height_mm.
    hem_mm: float = 0.0

    @property
    def shown_label(self) -> str:
        """The label in the user's language (``label`` itself stays as written, for JSON)."""
        return _(self.label) if self.label else ""

    @property
    def width_pt(self) -> float:
        return self.width_mm * PT_PER_MM

    @property
    def height_pt(self) -> float:
        return self.height_mm * PT_PER_MM

    @property
    def sheet_width_mm(self) -> float:
        """The printed sheet: the finished width and a hem on each side."""
        return self.width_mm + 2 * self.hem_mm

    @property
    def sheet_height_mm(self) -> float:
        return self.height_mm + 2 * self.hem_mm

    @property
    def pixel_size(self) -> tuple[int, int]:
        """The PNG: the printed sheet (the finished size when there is no hem)."""
        return (px(self.sheet_width_mm, self.dpi), px(self.sheet_height_mm, self.dpi))

    @property
    def min_cap_mm(self) -> float:
        return CAP_MM_PER_M * self.viewing_m

    @property
    def margins_mm(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom): from the trim edge to the safe area, where text may go."""
        return (self.safe_mm, self.safe_mm + self.pocket_top_mm, self.safe_mm, self.safe_mm + self.pocket_bottom_mm)


def kind_label(kind: str) -> str:
    """A kind's description in the user's language; an unknown kind is shown as its id."""
    return _(KINDS[kind]) if kind in KINDS else kind


def px(mm: float, dpi: int) -> int:
    return max(1, round(mm / MM_PER_INCH * dpi))


# (id, kind, w, h, dpi, bleed, safe, viewing distance m, label, default[, pocket top/bottom mm]);
# labels are marked for translation and shown through Size.shown_label
_PRESETS = [
    ("pano-300x200", "pano", 3000, 2000, 72, 0, 50, 15, N_("Pano 3 x 2 m (Ministry frame)"), True),
    ("pano-240x120", "pano", 2400, 1200, 72, 0, 40, 10, N_("Pano 2.4 x 1.2 m"), False),
    ("pano-300x150", "pano", 3000, 1500, 72, 0, 50, 15, N_("Pano 3 x 1.5 m"), False),
    ("pano-400x200", "pano", 4000, 2000, 60, 0, 50, 20, N_("Pano 4 x 2 m"), False),
    ("pano-200x300", "pano", 2000, 3000, 72, 0, 50, 15, N_("Pano 2 x 3 m, portrait"), False),
    ("ap-phich-54x79", "ap-phich", 540, 790, 150, 3, 12, 3, N_("Tranh cổ động 54 x 79 cm"), True),
    ("ap-phich-a0", "ap-phich", 841, 1189, 150, 3, 15, 5, N_("A0 841 x 1189 mm"), False),
    ("ap-phich-a1", "ap-phich", 594, 841, 150, 3, 12, 3, N_("A1 594 x 841 mm"), False),
    ("ap-phich-a2", "ap-phich", 420, 594, 200, 3, 10, 2, N_("A2 420 x 594 mm"), False),
    ("ap-phich-a3", "ap-phich", 297, 420, 300, 3, 8, 1, N_("A3 297 x 420 mm"), False),
    ("bieu-ngu-500x80", "bieu-ngu", 5000, 800, 100, 0, 30, 10, N_("Băng rôn 5 x 0.8 m (gate)"), True),
    ("bieu-ngu-400x80", "bieu-ngu", 4000, 800, 100, 0, 30, 8, N_("Băng rôn 4 x 0.8 m"), False),
    ("bieu-ngu-600x100", "bieu-ngu", 6000, 1000, 100, 0, 40, 12, N_("Băng rôn 6 x 1 m"), False),
    ("bieu-ngu-700x100", "bieu-ngu", 7000, 1000, 100, 0, 40, 15, N_("Băng rôn 7 x 1 m"), False),
    ("bieu-ngu-300x100", "bieu-ngu", 3000, 1000, 100, 0, 30, 6, N_("Băng rôn 3 x 1 m"), False),
    # Cờ phướn on street-light poles: a rod through a sewn pocket at each end
    # (the bracket holds the top and the bottom, so the strip stays flat in the
    # wind). The sheet includes the pockets; text keeps clear of them and of the
    # side hems. Read from the pavement and across the road: the strip's width,
    # not its length, bounds the letters, so the distance goes with the width.
    ("phuon-80x240", "phuon", 800, 2400, 100, 0, 30, 8, N_("Cờ phướn 0.8 x 2.4 m (10 cm pole pockets)"), True, (100, 100)),
    ("phuon-60x180", "phuon", 600, 1800, 100, 0, 30, 6, N_("Cờ phướn 0.6 x 1.8 m (8 cm pole pockets)"), False, (80, 80)),
    ("phuon-80x300", "phuon", 800, 3000, 100, 0, 30, 8, N_("Cờ phướn 0.8 x 3 m (10 cm pole pockets)"), False, (100, 100)),
    ("phuon-100x300", "phuon", 1000, 3000, 100, 0, 40, 10, N_("Cờ phướn 1 x 3 m (10 cm pole pockets)"), False, (100, 100)),
]

PRESETS: dict[str, Size] = {
    p[0]: Size(
        id=p[0], kind=p[1], width_mm=float(p[2]), height_mm=float(p[3]), dpi=p[4],
        bleed_mm=float(p[5]), safe_mm=float(p[6]), viewing_m=float(p[7]), label=p[8], default=p[9],
        pocket_top_mm=float(p[10][0]) if len(p) > 10 else 0.0,
        pocket_bottom_mm=float(p[10][1]) if len(p) > 10 else 0.0,
    )
    for p in _PRESETS
}

_WXH = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*[xX×*]\s*(-?\d+(?:[.,]\d+)?)\s*(mm)?\s*$")


def default_size(kind: str) -> Size:
    for s in PRESETS.values():
        if s.kind == kind and s.default:
            return s
    raise KeyError(kind)


def infer_kind(width_mm: float, height_mm: float) -> str:
    if width_mm >= 2.5 * height_mm:
        return "bieu-ngu"
    if height_mm >= 2.5 * width_mm:  # a tall strip: a pole banner
        return "phuon"
    if max(width_mm, height_mm) <= 1200:
        return "ap-phich"
    return "pano"


def resolve_size(spec: str, dpi: int | None = None, kind: str | None = None) -> Size:
    """A preset id or 'WxH' in millimetres; --dpi overrides the resolution."""
    spec = spec.strip()
    if spec in PRESETS:
        size = PRESETS[spec]
    else:
        m = _WXH.match(spec)
        if not m:
            from poster_gen.suggest import unknown_choice

            raise PosterGenError(
                unknown_choice("size", spec, list(PRESETS), extra=_("or WIDTHxHEIGHT in mm, e.g. 5000x800"))
            )
        w = float(m.group(1).replace(",", "."))
        h = float(m.group(2).replace(",", "."))
        too_small = (
            N_("size '{spec}': width {value} mm is too small; give at least {least} mm (sizes are in millimetres)"),
            N_("size '{spec}': height {value} mm is too small; give at least {least} mm (sizes are in millimetres)"),
        )
        too_large = (
            N_("size '{spec}': width {value} mm is over the {most} m limit; sizes are in millimetres"),
            N_("size '{spec}': height {value} mm is over the {most} m limit; sizes are in millimetres"),
        )
        for i, v in enumerate((w, h)):
            if v < MIN_SIDE_MM:
                raise PosterGenError(_(too_small[i]).format(spec=spec, value=f"{v:g}", least=f"{MIN_SIDE_MM:g}"))
            if v > MAX_SIDE_MM:
                raise PosterGenError(_(too_large[i]).format(spec=spec, value=f"{v:g}", most=f"{MAX_SIDE_MM / 1000:g}"))
        k = kind or infer_kind(w, h)
        base = default_size(k)
        scale = max(w, h) / max(base.width_mm, base.height_mm)
        if k == "phuon":  # a longer strip is not read from further away; a wider one has larger letters
            scale = w / base.width_mm
        # pole pockets hold a rod across the width: as deep as the kind's default, less on a narrower strip
        across = min(1.0, w / base.width_mm)
        size = Size(
            id=f"{w:g}x{h:g}", kind=k, width_mm=w, height_mm=h, dpi=base.dpi, bleed_mm=base.bleed_mm,
            safe_mm=min(base.safe_mm, max(5.0, min(w, h) * 0.05)),
            viewing_m=round(max(1.0, base.viewing_m * scale), 1), label=f"{w:g} x {h:g} mm",
            pocket_top_mm=float(round(base.pocket_top_mm * across)),
            pocket_bottom_mm=float(round(base.pocket_bottom_mm * across)),
        )
    if dpi is not None:
        if not (MIN_DPI <= dpi <= MAX_DPI):
            raise PosterGenError(
                _("--dpi {dpi} is out of range; give {least} to {most}").format(dpi=dpi, least=MIN_DPI, most=MAX_DPI)
            )
        size = replace(size, dpi=dpi)
    return _within_pixels(size)


def _within_pixels(size: Size) -> Size:
    w_px, h_px = size.pixel_size
    if w_px * h_px > MAX_PIXELS:
        raise PosterGenError(
            _("size {size} at {dpi} dpi is {width} x {height} px ({mpx} Mpx), over the {limit} Mpx limit; lower --dpi").format(
                size=size.id, dpi=size.dpi, width=w_px, height=h_px, mpx=f"{w_px * h_px / 1e6:.0f}",
                limit=f"{MAX_PIXELS / 1e6:.0f}",
            )
        )
    return size


def with_hem(size: Size, hem_mm: float | None) -> Size:
    """The size with ``hem_mm`` of material beyond the finished size on every side (``--hem``)."""
    if not hem_mm:
        return size
    if not (0 < hem_mm <= MAX_HEM_MM):
        raise PosterGenError(
            _("--hem {hem} mm is out of range; give more than 0 and at most {most} mm").format(
                hem=f"{hem_mm:g}", most=f"{MAX_HEM_MM:g}")
        )
    if size.kind not in HEM_KINDS:
        raise PosterGenError(
            _("--hem is for hiflex and fabric (pano, băng rôn, cờ phướn); size {size} is a paper poster, which is cut "
              "with bleed, not sewn").format(size=size.id)
        )
    return _within_pixels(replace(size, hem_mm=float(hem_mm)))
