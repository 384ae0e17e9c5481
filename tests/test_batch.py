"""Batch at scale: plans, shards, determinism, incremental re-runs, memory, kills."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from poster_gen.api import make_job, render_job
from poster_gen.batch import merge_manifests, plan_all, read_plan, run_batch, select_shard, shard_of
from poster_gen.campaign import load_campaign
from poster_gen.errors import PosterGenError
from poster_gen.resources import default_campaign

CAMPAIGN = default_campaign()


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(CAMPAIGN)


def write_plan(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "orders.csv"
    p.write_text(text, encoding="utf-8")
    return p


# ---- plans -------------------------------------------------------------------


def test_plan_good_and_bad_rows(tmp_path, campaign):
    plan = write_plan(
        tmp_path,
        "unit,slogan,size,design,copies\n"
        "xa-bang-mac,4,bieu-ngu-500x80,classic,2\n"
        "xa-khong-co,4,bieu-ngu-500x80,,\n"  # line 3: unknown unit
        "tt-dong-mo,9,ap-phich-a1,,\n"  # line 4: unknown slogan
        "tt-dong-mo,1,0x800,,\n"  # line 5: bad size
        "tt-dong-mo,1,ap-phich-a1,,zero\n"  # line 6: bad copies
        "\n"
        "tt-dong-mo,2,6000x900,,3\n",
    )
    orders, problems = read_plan(plan, campaign, {"classic"})
    assert [o.key for o in orders] == [
        ("xa-bang-mac", "4", "bieu-ngu-500x80", "classic"),
        ("tt-dong-mo", "2", "6000x900", "classic"),
    ]
    assert [o.copies for o in orders] == [2, 3]
    assert len(problems) == 4
    for line, word in ((3, "xa-khong-co"), (4, "'9'"), (5, "0x800"), (6, "zero")):
        assert any(f"line {line}:" in p and word in p for p in problems), (line, problems)


def test_plan_duplicate_rows_add_copies(tmp_path, campaign):
    plan = write_plan(tmp_path, "unit;slogan;size\nxa-bang-mac;4;ap-phich-a1\nxa-bang-mac;4;ap-phich-a1\n")
    orders, problems = read_plan(plan, campaign, {"classic"})
    assert problems == []
    assert len(orders) == 1 and orders[0].copies == 2


def test_plan_missing_column_is_one_clear_error(tmp_path, campaign):
    plan = write_plan(tmp_path, "unit,size\nxa-bang-mac,ap-phich-a1\n")
    with pytest.raises(PosterGenError, match="missing: slogan"):
        read_plan(plan, campaign, {"classic"})


# ---- shards --------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16])
def test_shards_partition_the_plan(campaign, n):
    orders = plan_all(campaign)
    parts = [select_shard(orders, k, n) for k in range(1, n + 1)]
    keys = [o.key for part in parts for o in part]
    assert len(keys) == len(set(keys)) == len(orders)
    assert set(keys) == {o.key for o in orders}
    if n > 1:
        assert all(parts), "with hundreds of orders every shard gets work"


def test_shard_is_stable_when_the_plan_grows(campaign):
    small = plan_all(campaign, units=["xa-bang-mac"])
    big = plan_all(campaign)
    where_small = {o.key: shard_of(o, 5) for o in small}
    where_big = {o.key: shard_of(o, 5) for o in big}
    assert all(where_big[k] == v for k, v in where_small.items())


def test_shard_manifests_merge(tmp_path, campaign):
    orders = plan_all(campaign, units=["xa-bang-mac", "tt-dong-mo"], slogans=["4", "6"], sizes=["600x300"])
    for k in (1, 2, 3):
        run_batch(CAMPAIGN, select_shard(orders, k, 3), tmp_path, ("pdf",), jobs=1, shard=(k, 3))
    path, n, count = merge_manifests(tmp_path)
    assert n == 3 and count == len(orders)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {(a["unit"], a["slogan"]) for a in data["artworks"]} == {(o.unit, o.slogan) for o in orders}


# ---- determinism -------------------------------------------------------------------


def test_same_inputs_same_bytes(tmp_path, campaign):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        job = make_job(campaign, "xa-van-thuy", "5", "bieu-ngu-500x80", dpi=12)
        render_job(campaign, job, out, ("pdf", "png"))
    for rel in ("xa-van-thuy/bieu-ngu-500x80_5.pdf", "xa-van-thuy/bieu-ngu-500x80_5.png"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


# ---- incremental -----------------------------------------------------------------


def test_rerun_redoes_only_what_changed(tmp_path):
    camp = tmp_path / "slogans.toml"
    camp.write_text(CAMPAIGN.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    c = load_campaign(camp)
    orders = plan_all(c, units=["xa-bang-mac", "xa-y-tich"], slogans=["3", "4"], sizes=["600x300"])
    stranger = out / "xa-bang-mac" / "notes.txt"
    stranger.parent.mkdir(parents=True)
    stranger.write_text("not ours", encoding="utf-8")

    first = run_batch(camp, orders, out, ("pdf",), jobs=1)
    assert len(first.made) == 4 and not first.skipped
    again = run_batch(camp, orders, out, ("pdf",), jobs=1)
    assert len(again.made) == 0 and len(again.skipped) == 4

    # change slogan 4 only: its two artworks are redone, slogan 3's are not
    text = camp.read_text(encoding="utf-8").replace(
        'text = "Đổi mới sáng tạo - Khơi nguồn tri thức"', 'text = "Đổi mới sáng tạo - Khơi nguồn tri thức mới"'
    )
    camp.write_text(text, encoding="utf-8")
    c2 = load_campaign(camp)
    third = run_batch(camp, plan_all(c2, units=["xa-bang-mac", "xa-y-tich"], slogans=["3", "4"], sizes=["600x300"]), out, ("pdf",), jobs=1)
    assert sorted((e.unit, e.slogan) for e in third.made) == [("xa-bang-mac", "4"), ("xa-y-tich", "4")]
    assert len(third.skipped) == 2

    # a deleted file is made again; --force redoes all
    (out / third.made[0].files["pdf"]).unlink()
    fourth = run_batch(camp, orders, out, ("pdf",), jobs=1)
    assert len(fourth.made) == 1
    forced = run_batch(camp, orders, out, ("pdf",), jobs=1, force=True)
    assert len(forced.made) == 4
    assert stranger.read_text(encoding="utf-8") == "not ours"


def test_parallel_batch_matches_serial(tmp_path, campaign):
    orders = plan_all(campaign, units=["xa-mai-sao"], slogans=["1", "2", "3"], sizes=["600x300"])
    serial = run_batch(CAMPAIGN, orders, tmp_path / "s", ("pdf",), jobs=1)
    para = run_batch(CAMPAIGN, orders, tmp_path / "p", ("pdf",), jobs=2)
    assert len(para.made) == len(serial.made) == 3
    for e in serial.made:
        rel = e.files["pdf"]
        assert (tmp_path / "s" / rel).read_bytes() == (tmp_path / "p" / rel).read_bytes()


# ---- memory -----------------------------------------------------------------------

_RSS_SCRIPT = r"""
import resource, sys
from poster_gen.api import make_job, render_job
from poster_gen.campaign import load_campaign
from poster_gen.resources import default_campaign
import poster_gen.png as png
png.STRIP_BYTES = int(sys.argv[3])
c = load_campaign(default_campaign())
job = make_job(c, "xa-bang-mac", "1", sys.argv[1], dpi=int(sys.argv[2]))
render_job(c, job, sys.argv[4], ("png",))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_mb(tmp_path, size, dpi, strip_bytes):
    r = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, size, str(dpi), str(strip_bytes), str(tmp_path)],
        capture_output=True, text=True, check=True,
    )
    return int(r.stdout.strip().splitlines()[-1]) / 1024


def test_memory_does_not_grow_with_print_size(tmp_path):
    """A 10 m banner at 40 dpi (30 Mpx, 89 MB as RGB) renders in 2 MB strips:
    peak memory stays near the interpreter's baseline instead of holding the picture."""
    baseline = _peak_rss_mb(tmp_path / "a", "1000x120", 40, 2 * 1024 * 1024)
    big = _peak_rss_mb(tmp_path / "b", "10000x1200", 40, 2 * 1024 * 1024)
    png = next((tmp_path / "b").rglob("*.png"))
    with Image.open(png) as im:
        assert im.size == (15748, 1890)
    assert big - baseline < 60, (baseline, big)


# ---- kills and interrupts --------------------------------------------------------------


def _batch_cmd(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "poster_gen", "batch", "--out", str(out), "--units", "xa-bang-mac,tt-dong-mo,xa-nhan-ly",
        "--sizes", "ap-phich-a3", "--dpi", "60", "--format", "pdf,png", "-j", "1", *extra,
    ]


def _wait_for_files(out: Path, n: int, proc, timeout=60.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if len(list(out.rglob("*.png"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail("batch ended before it could be interrupted")
        time.sleep(0.05)
    pytest.fail("no output appeared")


def _check_consistent(out: Path):
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for a in data["artworks"]:
        for rel in a["files"].values():
            assert (out / rel).is_file(), rel
    assert not list(out.rglob("*.part")), "temporary files left behind"
    for p in out.rglob("*.png"):
        with Image.open(p) as im:
            im.load()
    for p in out.rglob("*.pdf"):
        assert p.read_bytes().rstrip().endswith(b"%%EOF"), p
    return data


def test_sigkill_then_rerun_completes(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(_batch_cmd(out, "--quiet"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_files(out, 3, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    r = subprocess.run(_batch_cmd(out), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = _check_consistent(out)
    assert len(data["artworks"]) == 18
    assert len(list(out.rglob("*.png"))) == 18


def test_ctrl_c_stops_cleanly(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(_batch_cmd(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_files(out, 2, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    data = _check_consistent(out)
    assert 1 <= len(data["artworks"]) < 18
    # and the re-run finishes the rest without redoing what was done
    r = subprocess.run(_batch_cmd(out), capture_output=True, text=True)
    assert r.returncode == 0
    assert f"skipped {len(data['artworks'])}" in r.stderr
