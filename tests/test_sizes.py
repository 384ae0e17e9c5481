"""Physical sizes: presets per kind and free WIDTHxHEIGHT in millimetres."""

from __future__ import annotations

import pytest

from poster_gen.errors import PosterGenError
from poster_gen.sizes import KINDS, MAX_PIXELS, PRESETS, default_size, infer_kind, resolve_size

ALL_KINDS = ("pano", "ap-phich", "bieu-ngu", "phuon")


def test_the_three_kinds_of_the_memo_and_the_pole_banner():
    assert set(KINDS) == set(ALL_KINDS)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_kind_has_several_sizes_and_one_default(kind):
    sizes = [s for s in PRESETS.values() if s.kind == kind]
    assert len(sizes) >= 3
    defaults = [s for s in sizes if s.default]
    assert len(defaults) == 1
    assert default_size(kind) is defaults[0]
    assert all(s.id.startswith(kind + "-") for s in sizes)


@pytest.mark.parametrize(
    "size_id, w_mm, h_mm",
    [("pano-300x200", 3000, 2000), ("ap-phich-54x79", 540, 790), ("bieu-ngu-500x80", 5000, 800),
     ("phuon-80x240", 800, 2400)],
)
def test_memo_defaults(size_id, w_mm, h_mm):
    s = PRESETS[size_id]
    assert s.default
    assert (s.width_mm, s.height_mm) == (w_mm, h_mm)


def test_preset_values_are_sane():
    for s in PRESETS.values():
        assert s.width_mm > 0 and s.height_mm > 0, s.id
        assert 10 <= s.dpi <= 1200, s.id
        assert s.bleed_mm >= 0 and s.safe_mm > 0, s.id
        assert 2 * s.safe_mm < min(s.width_mm, s.height_mm), s.id
        if s.kind == "ap-phich":
            assert s.bleed_mm >= 3, f"{s.id}: paper posters need bleed"
        if s.kind == "bieu-ngu":
            assert s.width_mm >= 2.5 * s.height_mm, s.id
        if s.kind == "phuon":
            assert s.height_mm >= 2.5 * s.width_mm, s.id
            assert s.pocket_top_mm >= 50, f"{s.id}: a pole pocket takes a rod"
        else:
            assert s.pocket_top_mm == s.pocket_bottom_mm == 0, s.id
        left, top, right, bottom = s.margins_mm
        assert top + bottom < s.height_mm and left + right < s.width_mm, s.id
        assert s.pixel_size == (round(s.width_mm / 25.4 * s.dpi), round(s.height_mm / 25.4 * s.dpi))


def test_preset_by_id():
    assert resolve_size("ap-phich-a1") == PRESETS["ap-phich-a1"]
    assert resolve_size("  bieu-ngu-500x80 ") == PRESETS["bieu-ngu-500x80"]


@pytest.mark.parametrize(
    "spec, w, h, kind",
    [
        ("5000x800", 5000, 800, "bieu-ngu"),
        ("5000 x 800", 5000, 800, "bieu-ngu"),
        ("10000x1200", 10000, 1200, "bieu-ngu"),
        ("5000X800", 5000, 800, "bieu-ngu"),
        ("5000×800", 5000, 800, "bieu-ngu"),
        ("6000x900mm", 6000, 900, "bieu-ngu"),
        ("600x400", 600, 400, "ap-phich"),
        ("594x841", 594, 841, "ap-phich"),
        ("3000x2000", 3000, 2000, "pano"),
        ("2000x3000", 2000, 3000, "pano"),
        ("2400,5x1200", 2400.5, 1200, "pano"),
        ("800x3000", 800, 3000, "phuon"),
        ("600x1800", 600, 1800, "phuon"),
    ],
)
def test_wxh_parsing_and_kind_inference(spec, w, h, kind):
    s = resolve_size(spec)
    assert (s.width_mm, s.height_mm) == (w, h)
    assert s.kind == kind
    assert infer_kind(w, h) == kind
    assert s.dpi == default_size(kind).dpi
    assert s.bleed_mm == default_size(kind).bleed_mm
    assert 0 < s.safe_mm < min(w, h) / 2


def test_explicit_kind_overrides_inference():
    s = resolve_size("3000x1000", kind="pano")
    assert s.kind == "pano"
    assert resolve_size("3000x1000").kind == "bieu-ngu"


@pytest.mark.parametrize("spec", ["bieu-ngu-500x80", "600x400"])
def test_dpi_override(spec):
    s = resolve_size(spec, dpi=20)
    assert s.dpi == 20
    assert s.pixel_size == (round(s.width_mm / 25.4 * 20), round(s.height_mm / 25.4 * 20))
    assert resolve_size(spec).dpi != 20


@pytest.mark.parametrize("dpi", [0, -72, 5, 5000])
def test_dpi_out_of_range_refused(dpi):
    with pytest.raises(PosterGenError, match=f"--dpi {dpi}.*10 to 1200"):
        resolve_size("600x400", dpi=dpi)


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("0x800", "too small"),
        ("5000x0", "too small"),
        ("-5000x800", "too small"),
        ("5000x-800", "too small"),
        ("10x10", "too small"),
    ],
)
def test_zero_negative_and_tiny_refused(spec, needle):
    with pytest.raises(PosterGenError) as info:
        resolve_size(spec)
    msg = str(info.value)
    assert needle in msg
    assert "50 mm" in msg  # the limit is named
    assert spec in msg


@pytest.mark.parametrize("spec", ["60000x800", "800x50001", "100000x100000"])
def test_over_50_metres_refused(spec):
    with pytest.raises(PosterGenError, match="50 m limit") as info:
        resolve_size(spec)
    assert "millimetres" in str(info.value)


def test_exactly_50_metres_allowed():
    s = resolve_size("50000x1000", dpi=10)
    assert s.width_mm == 50000


@pytest.mark.parametrize(
    "spec, dpi",
    [("50000x50000", None), ("bieu-ngu-700x100", 1200), ("30000x20000", 100)],
)
def test_too_many_pixels_refused(spec, dpi):
    with pytest.raises(PosterGenError) as info:
        resolve_size(spec, dpi=dpi)
    msg = str(info.value)
    assert f"{MAX_PIXELS / 1e6:.0f} Mpx" in msg  # the limit is in the message
    assert "lower --dpi" in msg


def test_pixel_limit_boundary():
    # at 100 dpi, 9 m x 9 m is 1255 Mpx (allowed) and 10 m x 10 m is 1550 Mpx (refused)
    s = resolve_size("9000x9000", dpi=100)
    w, h = s.pixel_size
    assert w * h < MAX_PIXELS
    with pytest.raises(PosterGenError, match="1550 Mpx"):
        resolve_size("10000x10000", dpi=100)


@pytest.mark.parametrize("spec", ["huge", "5000x", "x800", "5000x800x3", "bieu-ngu-500x81"])
def test_unknown_size_names_the_value_and_the_choices(spec):
    with pytest.raises(PosterGenError) as info:
        resolve_size(spec)
    msg = str(info.value)
    assert f"'{spec}'" in msg
    assert "bieu-ngu-500x80" in msg
    assert "WIDTHxHEIGHT" in msg
