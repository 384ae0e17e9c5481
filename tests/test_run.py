"""A run is a library object: one place resolves a job, and nothing of one run leaks into the next."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from poster_gen.batch import Order, run_batch
from poster_gen.resources import default_campaign

CAMPAIGN = default_campaign()


def _design_dir(root: Path, rgb: str) -> Path:
    """A folder with a design 'mine' that is classic with another ground colour."""
    root.mkdir(parents=True, exist_ok=True)
    ground = '{ rgb = "' + rgb + '", cmyk = [100, 0, 0, 0] }'
    (root / "mine.toml").write_text(f'id = "mine"\nextends = "classic"\n\n[colors]\nground = {ground}\n', encoding="utf-8")
    return root


def _corner_rgb(png: Path) -> tuple[int, int, int]:
    """The colour of the ground just inside the frame, near the top-left corner."""
    with Image.open(png) as im:
        im = im.convert("RGB")
        return im.getpixel((im.width // 8, im.height // 2))


def test_serial_runs_with_other_design_dirs_draw_the_new_design(tmp_path):
    """Two serial batches in one process, the same design id in two folders with different content:
    the second run draws its own design and records its own hash (it once drew the first run's)."""
    green = _design_dir(tmp_path / "green", "#00A000")
    blue = _design_dir(tmp_path / "blue", "#0000C0")
    orders = [Order("xa-bang-mac", "4", "bieu-ngu-500x80", "mine")]

    first = run_batch(CAMPAIGN, orders, tmp_path / "out1", ("png",), jobs=1, dpi=20, design_dirs=[green])
    second = run_batch(CAMPAIGN, orders, tmp_path / "out2", ("png",), jobs=1, dpi=20, design_dirs=[blue])
    assert not first.failed and not second.failed

    r, g, b = _corner_rgb(tmp_path / "out1" / first.made[0].files["png"])
    assert g > 120 and r < 60 and b < 60, (r, g, b)
    r, g, b = _corner_rgb(tmp_path / "out2" / second.made[0].files["png"])
    assert b > 140 and r < 60 and g < 60, (r, g, b)  # the blue design, not the green one of the run before

    h1 = json.loads((tmp_path / "out1" / "manifest.json").read_text("utf-8"))["artworks"][0]["hash"]
    h2 = json.loads((tmp_path / "out2" / "manifest.json").read_text("utf-8"))["artworks"][0]["hash"]
    assert h1 != h2


def test_a_design_rewritten_in_the_same_tick_is_read_anew(tmp_path):
    """A design file rewritten with the same length and the same modification time (two writes
    within one tick of the file system's clock): the next run draws what the file now says."""
    import os

    folder = _design_dir(tmp_path / "mine", "#00A000")
    path = folder / "mine.toml"
    orders = [Order("xa-bang-mac", "4", "bieu-ngu-500x80", "mine")]
    first = run_batch(CAMPAIGN, orders, tmp_path / "out1", ("png",), jobs=1, dpi=20, design_dirs=[folder])
    st = path.stat()
    _design_dir(folder, "#0000C0")  # same length, other colour
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    second = run_batch(CAMPAIGN, orders, tmp_path / "out2", ("png",), jobs=1, dpi=20, design_dirs=[folder])
    r, g, b = _corner_rgb(tmp_path / "out2" / second.made[0].files["png"])
    assert b > 140 and g < 60, (r, g, b)
    assert first.made[0].hash != second.made[0].hash


# ---- one place resolves a job ------------------------------------------------------------------


def test_resolve_job_is_the_one_place_a_job_is_made(campaign, tmp_path):
    from poster_gen.api import make_job, resolve_job

    designs: dict = {}
    job = resolve_job(campaign, "xa-bang-mac", "4", "bieu-ngu-500x80", "classic", hem_mm=20, designs=designs)
    assert set(designs) == {"classic"} and job.design is designs["classic"]
    again = resolve_job(campaign, "tt-dong-mo", "1", "bieu-ngu-500x80", "classic", designs=designs)
    assert again.design is job.design  # loaded once per run
    assert job.size.hem_mm == 20 and job.slogan.id == "4" and not job.draft
    # a free size is of the kind a manifest records, not the kind its proportions suggest
    assert resolve_job(campaign, "xa-bang-mac", "4", "800x800", kind="pano").size.kind == "pano"
    draft = resolve_job(campaign, "xa-bang-mac", None, "ap-phich-a3", text="Đổi mới sáng tạo", dpi=50)
    assert draft.draft and draft.slogan.text == "Đổi mới sáng tạo" and draft.size.dpi == 50
    # make_job, for the callers that have it, is the same job
    assert make_job(campaign, "xa-bang-mac", "4", "bieu-ngu-500x80", "classic", hem_mm=20) == job


def test_a_pdf_only_render_does_not_load_the_raster_writers(tmp_path):
    """render_job takes raster options only when a raster format is written."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from poster_gen.api import make_job, render_job\n"
        "from poster_gen.campaign import load_campaign\n"
        "from poster_gen.resources import default_campaign\n"
        "c = load_campaign(default_campaign())\n"
        f"render_job(c, make_job(c, 'xa-bang-mac', '4', 'ap-phich-a3'), {str(tmp_path)!r}, ('pdf',))\n"
        "print(sorted(m for m in ('poster_gen.raster', 'poster_gen.png') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"
    assert list(tmp_path.rglob("*.pdf"))


# ---- typed, versioned records ------------------------------------------------------------------


def test_the_manifest_holds_typed_versioned_entries(tmp_path):
    from poster_gen.batch import load_manifest
    from poster_gen.records import ENTRY_VERSION, CheckRecord, ManifestEntry

    orders = [Order("xa-bang-mac", "4", "bieu-ngu-500x80", copies=3)]
    report = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check=True, hem_mm=25)
    (entry,) = report.made
    assert isinstance(entry, ManifestEntry) and entry.copies == 3 and entry.hem_mm == 25 and entry.bleed_mm == 0
    assert entry.check and all(isinstance(c, CheckRecord) for c in entry.check)
    assert entry.check[0].file == entry.files["pdf"] and entry.check[0].status == "pass"
    raw = json.loads((tmp_path / "manifest.json").read_text("utf-8"))["artworks"][0]
    # the keys scripts, the proof sheet and the order read stay as they were, with the new ones
    for key in ("unit", "slogan", "size", "kind", "design", "files", "width_mm", "height_mm", "dpi", "hash",
                "copies", "lines", "cap_height_mm", "required_cap_mm", "viewing_m", "legible", "blocks", "warnings",
                "check", "version", "bleed_mm", "hem_mm"):
        assert key in raw, key
    assert raw["version"] == ENTRY_VERSION and raw["hem_mm"] == 25 and raw["copies"] == 3
    assert raw["check"][0]["file"] == "xa-bang-mac/bieu-ngu-500x80_4.pdf" and raw["check"][0]["level"]
    assert load_manifest(tmp_path / "manifest.json") == [entry]


def test_a_version_1_manifest_still_loads_and_makes_nothing_again(tmp_path):
    """A manifest of the first version (no "version", "bleed_mm", "hem_mm"; "check" without "level")
    is read; its up-to-date artworks are not made again, and it is written back in the new version."""
    from poster_gen.batch import load_manifest

    orders = [Order("xa-bang-mac", "4", "ap-phich-a3")]
    run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check=True)
    path = tmp_path / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    for a in data["artworks"]:
        for key in ("version", "bleed_mm", "hem_mm"):
            del a[key]
        for c in a["check"]:
            del c["level"]
    path.write_text(json.dumps(data), "utf-8")
    (old,) = load_manifest(path)
    assert old.version == 1 and old.bleed_mm is None and old.check[0].level == "full"
    again = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check=True)
    assert not again.made and len(again.skipped) == 1
    written = json.loads(path.read_text("utf-8"))["artworks"][0]
    assert written["version"] == 2 and written["check"][0]["status"] == "pass"


# ---- preflight levels --------------------------------------------------------------------------


def _recording_check(monkeypatch):
    """check.check_file, taking a level, noting each level asked for and giving it back on the result."""
    from dataclasses import dataclass

    from poster_gen import check

    real = check.check_file

    @dataclass(frozen=True)
    class Leveled(check.FileCheck):
        level: str = "full"

    asked: list[str] = []

    def check_file(path, campaign=None, color=None, level="full"):
        asked.append(level)
        r = real(path, campaign, color)
        return Leveled(r.path, r.kind, r.problems, r.draft, r.facts, level=level)

    monkeypatch.setattr(check, "check_file", check_file)
    return asked


def test_batch_preflight_is_quick_by_default_and_full_when_asked(tmp_path, monkeypatch):
    asked = _recording_check(monkeypatch)
    orders = [Order("xa-bang-mac", "4", "ap-phich-a3")]
    quick = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check=True)
    assert asked == ["quick"] and quick.made[0].check[0].level == "quick"
    # up to date, but checked only quickly: a full check does the preflight again, not the artwork
    full = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check="full")
    assert asked == ["quick", "full"] and not full.made and full.skipped[0].check[0].level == "full"
    data = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert data["artworks"][0]["check"][0]["level"] == "full"
    # and a quick check of an artwork checked fully already does nothing
    run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check="quick")
    assert asked == ["quick", "full"]


def test_the_cli_batch_check_levels(tmp_path, monkeypatch):
    asked = _recording_check(monkeypatch)
    base = ["batch", "--units", "xa-bang-mac", "--slogans", "4", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1"]
    assert _cli(*base, "--out", str(tmp_path / "a")).exit_code == 0
    assert asked == ["quick"]
    assert _cli(*base, "--deep-check", "--out", str(tmp_path / "b")).exit_code == 0
    assert asked == ["quick", "full"]
    res = _cli(*base, "--deep-check", "--no-check", "--out", str(tmp_path / "c"))
    assert res.exit_code == 2 and "not both" in res.output


# ---- exit codes --------------------------------------------------------------------------------


def _cli(*args):
    from click.testing import CliRunner

    from poster_gen.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_exit_codes_mean_one_thing_each(tmp_path, monkeypatch):
    from poster_gen import api, batch, check
    from poster_gen.errors import ExitCode

    assert [int(c) for c in ExitCode] == [0, 1, 2, 70, 130]
    base = ["batch", "--units", "xa-bang-mac", "--slogans", "4", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1"]
    real_check = check.check_file

    def failing(path, campaign=None, color=None, **kw):
        r = real_check(path, campaign, color)
        return check.FileCheck(r.path, r.kind, (check.Problem("boxes", "TrimBox is not the size"),))

    # a file that fails preflight: the artworks were made, a problem was found
    monkeypatch.setattr(check, "check_file", failing)
    res = _cli(*base, "--out", str(tmp_path / "a"))
    assert res.exit_code == ExitCode.ARTWORK_PROBLEM == 1, res.output
    assert "TrimBox is not the size" in res.output
    monkeypatch.setattr(check, "check_file", real_check)

    # a bug while making an artwork: not the same code
    def boom(*a, **kw):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(batch, "render_job", boom)
    res = _cli(*base, "--out", str(tmp_path / "b"))
    assert res.exit_code == ExitCode.INTERNAL == 70, res.output
    assert "internal error: ZeroDivisionError" in res.output
    # a bug in a command: one line, the same code
    monkeypatch.setattr(api, "render_job", boom)
    res = _cli("render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "ap-phich-a3", "--out", str(tmp_path / "c"))
    assert res.exit_code == ExitCode.INTERNAL, res.output
    assert [ln for ln in res.output.splitlines() if ln.strip()] == [
        "poster-gen: internal error: ZeroDivisionError: boom; run again with POSTER_GEN_DEBUG=1 for details and "
        "report it"
    ]
    # bad input
    res = _cli("render", "--unit", "khong-co", "--slogan", "4", "--size", "ap-phich-a3", "--out", str(tmp_path / "d"))
    assert res.exit_code == ExitCode.BAD_INPUT == 2


def test_exit_codes_are_listed_in_the_help():
    res = _cli("--lang", "en", "--help")
    assert res.exit_code == 0
    text = res.output.split("Exit codes:", 1)[1]
    for code in ("0", "1", "2", "70", "130"):
        assert any(ln.split()[:1] == [code] for ln in text.splitlines()), (code, text)
    assert "internal error" in text and "failed preflight" in text
    vi = _cli("--lang", "vi", "--help")
    assert "Mã thoát:" in vi.output and "lỗi nội bộ" in vi.output


def test_parallel_runs_with_other_design_dirs_draw_the_new_design(tmp_path):
    """The same with worker processes: each run's workers draw the designs that run loaded."""
    green = _design_dir(tmp_path / "green", "#00A000")
    blue = _design_dir(tmp_path / "blue", "#0000C0")
    orders = [Order(u, "4", "bieu-ngu-500x80", "mine") for u in ("xa-bang-mac", "tt-dong-mo")]
    run_batch(CAMPAIGN, orders, tmp_path / "out1", ("png",), jobs=2, dpi=20, design_dirs=[green])
    second = run_batch(CAMPAIGN, orders, tmp_path / "out2", ("png",), jobs=2, dpi=20, design_dirs=[blue])
    assert len(second.made) == 2
    for e in second.made:
        r, g, b = _corner_rgb(tmp_path / "out2" / e.files["png"])
        assert b > 140 and g < 60, (e.unit, (r, g, b))
