"""poster-gen bundle: one zip per unit with its print files, previews and a note in Vietnamese.

A small real batch (2 units, PDF and PNG, copies from a plan) is bundled; each zip is read back with
``zipfile`` and ``unzip -t``; re-runs are byte-identical and remake only what changed; the manifest
is a stranger's (links, foreign files).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops, ImageCms, ImageStat

from poster_gen import bundle as bundle_mod
from poster_gen.bundle import (
    BUNDLES_DIR,
    DEFAULT_MAX_MB,
    NOTE_NAME,
    PREVIEW_FOLDER,
    PREVIEW_LONG_SIDE_PX,
    ZIP_DATE,
    size_text,
    write_bundles,
)
from poster_gen.cli import cli
from poster_gen.output import made_by_us
from poster_gen.resources import default_campaign

UNITS = ("tt-dong-mo", "ttvh-tt-tt")
# the pano's PNG at 20 dpi is 2362 px wide: its preview is shrunk to the cap; the poster's (425 px) is not
PLAN = (
    "unit,slogan,size,copies\n"
    "tt-dong-mo,1,pano-300x200,2\n"
    "tt-dong-mo,1,ap-phich-54x79,5\n"
    "ttvh-tt-tt,4,pano-300x200,1\n"
    "ttvh-tt-tt,4,ap-phich-54x79,1\n"
)
MO = Path(bundle_mod.__file__).parent / "locale" / "vi" / "LC_MESSAGES" / "poster_gen.mo"
needs_mo = pytest.mark.skipif(not MO.is_file(), reason="Vietnamese catalog not compiled: run hatch_build.py")


def run_cli(*args, expect=0):
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == expect, res.output
    return res


def manifest(out: Path) -> list[dict]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["artworks"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A batch of 2 units x 2 sizes (PDF and PNG) from a plan with copies; the folder is copied per test."""
    root = tmp_path_factory.mktemp("bundle")
    plan = root / "orders.csv"
    plan.write_text(PLAN, encoding="utf-8")
    out = root / "out"
    run_cli("--campaign", str(default_campaign()), "batch", "--plan", str(plan), "--dpi", "20", "-j", "1",
            "--no-check", "--quiet", "--out", str(out))
    return out


@pytest.fixture
def out(made, tmp_path):
    dest = tmp_path / "out"
    shutil.copytree(made, dest, symlinks=True)
    return dest


def bundle(out: Path, **kw):
    kw.setdefault("jobs", 1)
    return write_bundles(out, default_campaign(), **kw)


# ---- what a bundle holds ------------------------------------------------------------------------


def test_each_bundle_holds_exactly_its_files_its_previews_and_the_note(out):
    report = bundle(out)
    assert not report.failed
    assert [b.unit for b in report.bundles] == sorted(UNITS) and all(b.made for b in report.bundles)
    entries = manifest(out)
    for unit in UNITS:
        path = out / BUNDLES_DIR / f"{unit}.zip"
        mine = [e for e in entries if e["unit"] == unit]
        files = {PurePosixPath(rel).name: rel for e in mine for rel in e["files"].values()}
        previews = {f"{PREVIEW_FOLDER}/{PurePosixPath(e['files']['pdf']).stem}.jpg" for e in mine}
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            assert zf.testzip() is None
            assert names[0] == NOTE_NAME
            assert set(names) == {NOTE_NAME, *files, *previews} and len(names) == len(set(names))
            assert len(files) == 4 and len(previews) == 2
            for name, rel in files.items():  # the print files, byte for byte
                assert zf.read(name) == (out / rel).read_bytes()
            for info in zf.infolist():
                assert info.filename.isascii() and len(info.filename) <= 64  # Explorer shows them right
                assert info.date_time == ZIP_DATE
                assert info.compress_type == (zipfile.ZIP_STORED if info.filename.endswith(".jpg")
                                              else zipfile.ZIP_DEFLATED)
            assert zf.comment.startswith(b"poster-gen")
        assert made_by_us(path)


def test_previews_are_small_srgb_jpegs_that_look_like_the_print_png(out):
    bundle(out)
    for e in manifest(out):
        png = Image.open(out / e["files"]["png"]).convert("RGB")
        with zipfile.ZipFile(out / BUNDLES_DIR / f"{e['unit']}.zip") as zf:
            data = zf.read(f"{PREVIEW_FOLDER}/{PurePosixPath(e['files']['pdf']).stem}.jpg")
        with Image.open(BytesIO(data)) as im:
            assert im.format == "JPEG" and im.mode == "RGB"
            profile = ImageCms.ImageCmsProfile(BytesIO(im.info["icc_profile"]))
            assert "sRGB" in profile.profile.profile_description
            want = min(max(png.size), PREVIEW_LONG_SIDE_PX)
            assert max(im.size) == want
            assert abs(im.width / im.height - png.width / png.height) < 0.01
            # the same picture: the print PNG shrunk by Pillow differs from it by JPEG noise only,
            # far less than from the same PNG upside down
            ref = png.resize(im.size, Image.Resampling.BOX)
            diff = max(ImageStat.Stat(ImageChops.difference(im.convert("RGB"), ref)).mean)
            flipped = ref.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
            other = max(ImageStat.Stat(ImageChops.difference(im.convert("RGB"), flipped)).mean)
            assert diff < 10 and other > 3 * diff, (e["size"], diff, other)
            assert len(data) < 400_000


def test_a_pdf_only_batch_gets_its_previews_from_the_scene(made, tmp_path):
    out = tmp_path / "pdf-only"
    run_cli("--campaign", str(default_campaign()), "batch", "--units", "tt-dong-mo", "--slogans", "1",
            "--sizes", "pano-300x200", "--format", "pdf", "-j", "1", "--no-check", "--quiet", "--out", str(out))
    report = bundle(out)
    assert not report.failed and report.previews_made == 1
    with zipfile.ZipFile(out / BUNDLES_DIR / "tt-dong-mo.zip") as zf:
        assert sorted(zf.namelist()) == sorted([NOTE_NAME, "pano-300x200_1.pdf", f"{PREVIEW_FOLDER}/pano-300x200_1.jpg"])
        scene = Image.open(BytesIO(zf.read(f"{PREVIEW_FOLDER}/pano-300x200_1.jpg"))).convert("RGB")
    # drawn from the scene, it shows what the PNG of the same artwork shows
    with zipfile.ZipFile(_bundled(made, tmp_path) / "tt-dong-mo.zip") as zf:
        from_png = Image.open(BytesIO(zf.read(f"{PREVIEW_FOLDER}/pano-300x200_1.jpg"))).convert("RGB")
    assert scene.size == from_png.size == (1600, 1067)
    assert max(ImageStat.Stat(ImageChops.difference(scene, from_png)).mean) < 8


def _bundled(made: Path, tmp_path: Path) -> Path:
    out = tmp_path / "png"
    shutil.copytree(made, out)
    bundle(out)
    return out / BUNDLES_DIR


@needs_mo
def test_the_note_is_vietnamese_notepad_text_naming_every_file_size_kind_and_copies(out):
    bundle(out, note_lang="vi")
    with zipfile.ZipFile(out / BUNDLES_DIR / "tt-dong-mo.zip") as zf:
        raw = zf.read(NOTE_NAME)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    body = raw[3:]
    assert b"\r\n" in body and body.count(b"\n") == body.count(b"\r\n")  # CRLF only
    text = body.decode("utf-8")
    assert all(len(line) <= 90 for line in text.split("\r\n"))  # Notepad does not wrap
    flat = " ".join(text.split())
    assert "Gửi tệp PDF cho cơ sở in" in flat
    assert "Thị trấn Đồng Mỏ" in flat
    assert ("1. pano-300x200_1.pdf: Pano (bạt hiflex căng trên khung), kích thước thành phẩm 3 x 2 m, "
            "số lượng: 2 bản") in flat
    assert ("2. ap-phich-54x79_1.pdf: Áp phích (in trên giấy), kích thước thành phẩm 54 x 79 cm, "
            "số lượng: 5 bản") in flat
    assert "Lề chảy (bleed): 3 mm" in flat  # the poster's bleed
    assert "Không có lề chảy, không có mép may" in flat  # the pano has neither
    for name in ("pano-300x200_1.png", "ap-phich-54x79_1.png", "xem-truoc/pano-300x200_1.jpg"):
        assert name in flat
    assert "Tổng cộng: 2 mẫu, 7 bản cần in." in flat


@needs_mo
def test_the_note_gives_a_banners_hem_and_its_printed_sheet(tmp_path):
    out = tmp_path / "hem"
    run_cli("--campaign", str(default_campaign()), "batch", "--units", "xa-van-an", "--slogans", "4", "--sizes",
            "bieu-ngu-500x80", "--hem", "50", "--dpi", "10", "-j", "1", "--no-check", "--quiet", "--out", str(out))
    report = bundle(out, note_lang="vi")
    assert not report.failed
    with zipfile.ZipFile(out / BUNDLES_DIR / "xa-van-an.zip") as zf:
        flat = " ".join(zf.read(NOTE_NAME).decode("utf-8-sig").split())
        preview = Image.open(BytesIO(zf.read(f"{PREVIEW_FOLDER}/bieu-ngu-500x80_4.jpg")))
    assert "kích thước thành phẩm 5 x 0,8 m" in flat
    assert "Mép may: 5 cm vật liệu mỗi cạnh" in flat and "khổ in 5,1 x 0,9 m" in flat
    assert "Không có lề chảy, không có mép may" not in flat
    # the preview shows the printed sheet, hem included, as the PNG does
    assert abs(preview.width / preview.height - 5100 / 900) < 0.02


def test_sizes_read_as_a_print_shop_says_them():
    assert size_text(3000, 2000) == "3 x 2 m"
    assert size_text(5000, 800) == "5 x 0,8 m"
    assert size_text(540, 790) == "54 x 79 cm"
    assert size_text(841, 1189, ".") == "0.841 x 1.189 m"


def test_unzip_tests_every_bundle(out):
    unzip = shutil.which("unzip")
    if unzip is None:
        pytest.skip("unzip is not installed (apt-get install unzip)")
    bundle(out)
    for unit in UNITS:
        res = subprocess.run([unzip, "-t", str(out / BUNDLES_DIR / f"{unit}.zip")], check=False,
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "No errors detected" in res.stdout


# ---- re-runs --------------------------------------------------------------------------------------


def test_a_rerun_keeps_every_bundle_and_a_rebuild_gives_the_same_bytes(out):
    first = bundle(out)
    digests = {b.unit: sha(b.path) for b in first.bundles}
    stamps = {b.unit: b.path.stat().st_mtime_ns for b in first.bundles}
    again = bundle(out)
    assert not again.made and [b.unit for b in again.kept] == sorted(UNITS)
    assert {b.unit: b.path.stat().st_mtime_ns for b in again.bundles} == stamps
    # everything made afresh (previews drawn again, in worker processes): the same bytes
    shutil.rmtree(out / BUNDLES_DIR)
    fresh = bundle(out, jobs=2)
    assert len(fresh.made) == 2 and fresh.previews_made == 4
    assert {b.unit: sha(b.path) for b in fresh.bundles} == digests


def test_only_the_bundle_whose_files_changed_is_made_again(out):
    bundle(out)
    other = out / BUNDLES_DIR / "ttvh-tt-tt.zip"
    kept_bytes, kept_stamp = sha(other), other.stat().st_mtime_ns
    pdf = out / "tt-dong-mo" / "pano-300x200_1.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% edited\n")
    report = bundle(out)
    assert [b.unit for b in report.made] == ["tt-dong-mo"] and [b.unit for b in report.kept] == ["ttvh-tt-tt"]
    assert report.previews_made == 0  # the PNG did not change: its preview is reused
    assert sha(other) == kept_bytes and other.stat().st_mtime_ns == kept_stamp
    with zipfile.ZipFile(out / BUNDLES_DIR / "tt-dong-mo.zip") as zf:
        assert zf.read("pano-300x200_1.pdf") == pdf.read_bytes()
    # a changed PNG: its preview is drawn again
    png = out / "tt-dong-mo" / "ap-phich-54x79_1.png"
    Image.open(png).convert("RGB").transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(png)
    report = bundle(out)
    assert [b.unit for b in report.made] == ["tt-dong-mo"] and report.previews_made == 1


def test_a_unit_gone_from_the_manifest_loses_its_bundle_but_foreign_files_stay(out):
    bundle(out)
    foreign = out / BUNDLES_DIR / "notes-from-the-office.zip"
    foreign.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip someone put there
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data["artworks"] = [e for e in data["artworks"] if e["unit"] != "ttvh-tt-tt"]
    (out / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = bundle(out)
    assert report.removed == ["ttvh-tt-tt"] and [b.unit for b in report.bundles] == ["tt-dong-mo"]
    assert not (out / BUNDLES_DIR / "ttvh-tt-tt.zip").exists()
    assert foreign.is_file()
    # cached previews of the artworks gone are pruned, those in use kept
    assert len(list((out / BUNDLES_DIR / "_previews").glob("*.jpg"))) == 2


def test_a_zip_poster_gen_did_not_make_is_never_overwritten(out):
    (out / BUNDLES_DIR).mkdir()
    theirs = out / BUNDLES_DIR / "tt-dong-mo.zip"
    theirs.write_bytes(b"someone's own archive")
    res = run_cli("bundle", str(out), "-j", "1", expect=1)
    assert "not made by poster-gen" in res.output and "tt-dong-mo" in res.output
    assert theirs.read_bytes() == b"someone's own archive"
    assert (out / BUNDLES_DIR / "ttvh-tt-tt.zip").is_file()


def test_a_zip_is_written_whole_or_not_at_all(out, monkeypatch):
    real = bundle_mod._Digests.sha256

    def wrong(self, rel, path):  # as if the file changed between planning and zipping
        digest, size = real(self, rel, path)
        return ("0" * 64 if rel.endswith("pano-300x200_1.png") else digest), size

    monkeypatch.setattr(bundle_mod._Digests, "sha256", wrong)
    report = bundle(out)
    assert [u for u, _why in report.failed] == ["tt-dong-mo"]
    assert "changed while it was being bundled" in report.failed[0][1]
    folder = out / BUNDLES_DIR
    assert not (folder / "tt-dong-mo.zip").exists() and (folder / "ttvh-tt-tt.zip").is_file()
    assert not [p for p in folder.rglob("*") if p.name.endswith(".part")]


# ---- --max-mb -------------------------------------------------------------------------------------


def test_max_mb_warns_about_each_bundle_over_it_and_names_its_largest_files(out):
    res = run_cli("bundle", str(out), "-j", "1", "--max-mb", "0.01")
    for unit in UNITS:
        path = out / BUNDLES_DIR / f"{unit}.zip"
        with zipfile.ZipFile(path) as zf:
            largest = max(zf.infolist(), key=lambda i: i.compress_size).filename
        line = next(ln for ln in res.output.splitlines() if ln.startswith("warning:") and unit in ln)
        assert f"{path.stat().st_size / 1e6:.2f} MB" in line and "--max-mb 0.01" in line
        assert f"largest: {largest}" in line and "PNG files" in line
    quiet = run_cli("bundle", str(out), "-j", "1", "--quiet")
    assert "warning" not in quiet.output and quiet.output.strip() == ""
    run_cli("bundle", str(out), "--max-mb", "0", expect=2)


def test_the_default_limit_is_the_one_the_help_states():
    res = run_cli("bundle", "--help")
    assert DEFAULT_MAX_MB == 20 and "default: 20" in " ".join(res.output.split())


# ---- the manifest is a stranger's ------------------------------------------------------------------


def test_a_print_file_reached_through_a_link_is_refused(out, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 not yours")
    target = out / "tt-dong-mo" / "pano-300x200_1.pdf"
    target.unlink()
    target.symlink_to(outside)
    report = bundle(out)
    assert [u for u, _why in report.failed] == ["tt-dong-mo"]
    assert "link" in report.failed[0][1]
    assert not (out / BUNDLES_DIR / "tt-dong-mo.zip").exists()
    # a link that stays inside the output folder is refused too: bundles hold files, never links
    target.unlink()
    target.symlink_to(out / "ttvh-tt-tt" / "pano-300x200_4.pdf")
    assert [u for u, _why in bundle(out).failed] == ["tt-dong-mo"]


def test_a_folder_of_print_files_that_is_a_link_is_refused(out):
    real = out / "ttvh-copy"
    shutil.copytree(out / "ttvh-tt-tt", real)
    shutil.rmtree(out / "ttvh-tt-tt")
    (out / "ttvh-tt-tt").symlink_to(real, target_is_directory=True)
    report = bundle(out)
    assert [u for u, _why in report.failed] == ["ttvh-tt-tt"] and "link" in report.failed[0][1]
    assert [b.unit for b in report.bundles] == ["tt-dong-mo"]


def test_units_bundled_a_group_at_a_time_give_the_same_zips_each_preview_drawn_once(out, tmp_path, monkeypatch):
    # the two units' pano PNGs the same file: one preview serves both, in two groups
    shutil.copyfile(out / "tt-dong-mo" / "pano-300x200_1.png", out / "ttvh-tt-tt" / "pano-300x200_4.png")
    whole = tmp_path / "whole"
    shutil.copytree(out, whole, symlinks=True)
    at_once = bundle(whole)
    monkeypatch.setattr(bundle_mod, "UNITS_AT_ONCE", 1)
    one_by_one = bundle(out)
    assert not one_by_one.failed and len(one_by_one.made) == 2
    assert one_by_one.previews_made == at_once.previews_made == 3 and one_by_one.previews_reused == 0
    for unit in UNITS:
        assert sha(out / BUNDLES_DIR / f"{unit}.zip") == sha(whole / BUNDLES_DIR / f"{unit}.zip")
    again = bundle(out)
    assert not again.made and len(again.kept) == 2 and again.previews_made == again.previews_reused == 0


def test_a_bundles_folder_that_is_a_link_is_refused(out, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / BUNDLES_DIR).symlink_to(elsewhere)
    res = run_cli("bundle", str(out), expect=2)
    assert "link" in res.output and not list(elsewhere.iterdir())


def test_a_manifest_path_outside_the_folder_stops_the_run(out):
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data["artworks"][0]["files"]["pdf"] = "../../etc/passwd"
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    res = run_cli("bundle", str(out), expect=2)
    assert "outside the output folder" in res.output or "not a path inside" in res.output
    assert not (out / BUNDLES_DIR).exists()


def test_a_missing_print_file_fails_its_unit_only(out):
    os.remove(out / "ttvh-tt-tt" / "ap-phich-54x79_4.png")
    res = run_cli("bundle", str(out), "-j", "1", expect=1)
    assert "ttvh-tt-tt" in res.output and "missing" in res.output and "poster-gen batch" in res.output
    assert (out / BUNDLES_DIR / "tt-dong-mo.zip").is_file()


def test_without_a_manifest_it_says_to_run_batch_first(tmp_path):
    res = run_cli("bundle", str(tmp_path), expect=2)
    assert "poster-gen batch" in res.output


# ---- the packaged campaign at its default sizes ------------------------------------------------------


@pytest.mark.slow
def test_a_unit_of_the_packaged_campaign_at_the_default_sizes_fits_the_default_limit(tmp_path):
    """Every slogan of one unit at the default pano, áp phích and băng rôn sizes and dpi, PDF and PNG."""
    out = tmp_path / "out"
    run_cli("--campaign", str(default_campaign()), "batch", "--units", "tt-dong-mo", "-j", "2", "--no-check",
            "--quiet", "--out", str(out))
    report = bundle(out, jobs=2)
    (b,) = report.bundles
    assert len(b.entries) == 1 + 3 * 6 * 3  # the note, 18 PDFs, 18 PNGs, 18 previews
    assert b.bytes < DEFAULT_MAX_MB * 1e6 and not report.over
