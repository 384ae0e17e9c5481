"""Nothing escapes the output folder, nothing is lost, nothing hangs.

Each test here reproduces one way a red-team run broke the batch (a link out
of --out, two artworks under one name, a manifest replaced, another run's
files deleted, Ctrl-C or kill -9 leaving processes behind, a dead worker
taking the batch down) and asserts the behaviour that replaced it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from poster_gen import batch as batch_mod
from poster_gen.batch import Order, run_batch
from poster_gen.cli import cli
from poster_gen.output import TMP_PREFIX, TMP_SUFFIX, _HOST
from poster_gen.resources import default_campaign

CAMPAIGN = default_campaign()
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals, links and /proc")


def run_cli(*args: str, cwd: Path | None = None):
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return res


def one_line_error(res) -> str:
    lines = [ln for ln in res.output.splitlines() if ln.startswith("poster-gen: error")]
    assert len(lines) == 1, res.output
    assert "Traceback" not in res.output
    return lines[0]


def cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "poster_gen", *args]


# ---- the output folder is a boundary ------------------------------------------------


@POSIX
def test_unit_folder_linked_outside_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "xa-bang-mac").symlink_to(elsewhere, target_is_directory=True)
    res = run_cli("render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "ap-phich-a3", "--dpi", "20",
                  "--out", str(out))
    assert res.exit_code == 2
    msg = one_line_error(res)
    assert "xa-bang-mac" in msg and "is a link to" in msg and "outside the output folder" in msg
    assert list(elsewhere.iterdir()) == []
    # the batch refuses that artwork and records nothing outside
    res = run_cli("batch", "--units", "xa-bang-mac,tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3",
                  "--format", "pdf", "-j", "1", "--no-check", "--out", str(out))
    assert res.exit_code == 1
    assert "is a link to" in res.output
    assert list(elsewhere.iterdir()) == []
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [a["unit"] for a in data["artworks"]] == ["tt-dong-mo"]


@POSIX
def test_manifest_linked_outside_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "manifest.json").symlink_to(elsewhere / "m.json")
    res = run_cli("batch", "--units", "tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3", "--format", "pdf",
                  "-j", "1", "--out", str(out))
    assert res.exit_code == 2
    assert "manifest.json" in one_line_error(res)
    assert list(elsewhere.iterdir()) == []


# ---- one artwork, one file name -----------------------------------------------------------------


def _campaign_with(tmp_path: Path, extra_slogans: str) -> Path:
    text = Path(CAMPAIGN).read_text(encoding="utf-8") + extra_slogans
    p = tmp_path / "campaign.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_slogan_and_design_ids_never_share_a_file(tmp_path):
    camp = _campaign_with(tmp_path, '\n[[slogans]]\nid = "4-band"\ntext = "Đổi mới sáng tạo - Tương lai"\n')
    out = tmp_path / "out"
    plan = tmp_path / "plan.csv"
    plan.write_text("unit,slogan,size,design\ntt-dong-mo,4,ap-phich-a3,band\ntt-dong-mo,4-band,ap-phich-a3,classic\n",
                    encoding="utf-8")
    res = run_cli("--campaign", str(camp), "batch", "--plan", str(plan), "--format", "pdf", "-j", "1", "--out", str(out))
    assert res.exit_code == 0, res.output
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = [a["files"]["pdf"] for a in data["artworks"]]
    assert len(names) == 2 and len(set(names)) == 2, names
    for n in names:
        assert (out / n).is_file()
    res = run_cli("--campaign", str(camp), "batch", "--plan", str(plan), "--format", "pdf", "-j", "1", "--out", str(out))
    assert "made 0, skipped 2" in res.output


def test_free_size_never_takes_a_preset_name(tmp_path):
    from poster_gen.api import make_job
    from poster_gen.campaign import load_campaign

    c = load_campaign(CAMPAIGN)
    preset = make_job(c, "tt-dong-mo", "4", "bieu-ngu-500x80")
    free = make_job(c, "tt-dong-mo", "4", "500x80")  # half a metre: not the 5 m banner
    assert preset.relpath("pdf") != free.relpath("pdf")
    draft = make_job(c, "tt-dong-mo", None, "bieu-ngu-500x80", text="Chuyển đổi số")
    assert draft.relpath("pdf") not in {preset.relpath("pdf"), free.relpath("pdf")}
    assert draft.relpath("pdf").name == "bieu-ngu-500x80_draft.pdf"


# ---- records and foreign files are never lost ----------------------------------------------------------------

BATCH = ("batch", "--units", "tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1")


@pytest.mark.parametrize("content, why", [
    ('{"tool": "poster-gen 0.1.0", "artworks": [', "damaged"),
    ('{"artworks": 5}', "not written by poster-gen"),
    ('{"tool": "poster-gen 0.1.0", "artworks": 5}', "damaged"),
    ('{"tool": "poster-gen 0.1.0", "artworks": [{"unit": "x", "slogan": "1", "size": "a", "files": {"pdf": "../../x"}}]}',
     "not a path inside the output folder"),
    ('{"name": "another program", "items": []}', "not written by poster-gen"),
    ('[' * 100000 + ']' * 100000, "nested"),
])
def test_a_manifest_that_is_not_ours_is_never_replaced(tmp_path, content, why):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(content, encoding="utf-8")
    res = run_cli(*BATCH, "--out", str(out))
    assert res.exit_code == 2, res.output
    assert why in one_line_error(res)
    assert (out / "manifest.json").read_text(encoding="utf-8") == content
    assert not list(out.rglob("*.pdf"))


def test_a_file_poster_gen_did_not_make_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    target = out / "tt-dong-mo" / "ap-phich-a3_4.pdf"
    target.parent.mkdir(parents=True)
    theirs = b"%PDF-1.4\n% somebody's own artwork\n%%EOF\n"
    target.write_bytes(theirs)
    res = run_cli(*BATCH, "--out", str(out))
    assert res.exit_code == 1
    assert "was not made by poster-gen" in res.output
    assert target.read_bytes() == theirs
    res = run_cli("render", "--unit", "tt-dong-mo", "--slogan", "4", "--size", "ap-phich-a3", "--format", "pdf",
                  "--out", str(out))
    assert res.exit_code == 2 and "was not made by poster-gen" in one_line_error(res)
    assert target.read_bytes() == theirs
    # a file it did make is replaced as before
    target.unlink()
    assert run_cli(*BATCH, "--out", str(out)).exit_code == 0
    assert run_cli(*BATCH, "--force", "--out", str(out)).exit_code == 0


def test_merge_refuses_a_damaged_shard_manifest(tmp_path):
    out = tmp_path / "out"
    for k in (1, 2):
        res = run_cli(*BATCH, "--shard", f"{k}/2", "--out", str(out))
        assert res.exit_code == 0, res.output
    (out / "manifest.shard-2-of-2.json").write_text('{"tool": "poster-gen", "artworks": [{"unit": 3}]}', encoding="utf-8")
    res = run_cli("merge", str(out))
    assert res.exit_code == 2
    assert "manifest.shard-2-of-2.json" in one_line_error(res)
    assert not (out / "manifest.json").exists()


def test_renamed_files_of_an_earlier_version_are_replaced_not_orphaned(tmp_path):
    out = tmp_path / "out"
    assert run_cli(*BATCH, "--out", str(out)).exit_code == 0
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    new = out / data["artworks"][0]["files"]["pdf"]
    old = new.with_name("ap-phich-a3-4.pdf")  # the name an earlier version gave it
    new.rename(old)
    data["artworks"][0]["files"]["pdf"] = old.relative_to(out).as_posix()
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    assert run_cli(*BATCH, "--out", str(out)).exit_code == 0
    assert new.is_file() and not old.exists()


def test_a_crash_in_one_artwork_fails_only_that_artwork(tmp_path, monkeypatch):
    real = batch_mod.render_job

    def flaky(campaign, job, *a, **kw):
        if job.unit.id == "xa-bang-mac":
            raise ZeroDivisionError("boom")
        return real(campaign, job, *a, **kw)

    monkeypatch.setattr(batch_mod, "render_job", flaky)
    orders = [Order(u, "4", "ap-phich-a3") for u in ("tt-dong-mo", "xa-bang-mac", "xa-y-tich")]
    report = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1)
    assert [o.unit for o, _ in report.failed] == ["xa-bang-mac"]
    assert "internal error: ZeroDivisionError" in report.failed[0][1]
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(a["unit"] for a in data["artworks"]) == ["tt-dong-mo", "xa-y-tich"]


def test_preflight_cut_short_is_done_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    assert run_cli(*BATCH, "--no-check", "--out", str(out)).exit_code == 0  # as if killed before preflight
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "check" not in data["artworks"][0]
    res = run_cli(*BATCH, "--out", str(out))
    assert res.exit_code == 0
    assert "skipped 1" in res.output and "preflight: checked 1 file" in res.output
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["artworks"][0]["check"][0]["status"] == "pass"


# ---- temporary files: each run cleans its own ---------------------------------------------------------


@POSIX
def test_a_run_leaves_other_runs_temporary_files_alone(tmp_path):
    out = tmp_path / "out"
    (out / "tt-dong-mo").mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = out / "tt-dong-mo" / f"{TMP_PREFIX}{_HOST}-{sleeper.pid}-abc{TMP_SUFFIX}"
        other_host = out / f"{TMP_PREFIX}0badc0de-1-abc{TMP_SUFFIX}"
        dead_pid = 2**22 + 12345  # above any pid this machine hands out
        dead = out / f"{TMP_PREFIX}{_HOST}-{dead_pid}-abc{TMP_SUFFIX}"
        for p in (live, other_host, dead):
            p.write_bytes(b"in flight")
        assert run_cli(*BATCH, "--out", str(out)).exit_code == 0
        assert live.exists() and other_host.exists()
        assert not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


# ---- several runs on one folder ----------------------------------------------------------------------------


def test_two_batches_on_one_folder_keep_every_record(tmp_path):
    out = tmp_path / "out"
    base = ["batch", "--slogans", "4,5", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1", "--no-check",
            "--out", str(out)]
    a = subprocess.Popen(cmd(*base, "--units", "tt-dong-mo,xa-bang-mac,xa-y-tich,xa-van-an"), stderr=subprocess.PIPE)
    b = subprocess.Popen(cmd(*base, "--units", "xa-nhan-ly,xa-mai-sao,xa-gia-loc,xa-lam-son"), stderr=subprocess.PIPE)
    for p in (a, b):
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    recorded = {a["files"]["pdf"] for a in data["artworks"]}
    assert len(on_disk) == 16 and recorded == on_disk


def test_four_shards_at_once_on_one_folder_then_merge(tmp_path):
    """The README's shared-folder workflow: N shards against one folder, then merge."""
    out = tmp_path / "out"
    units = "tt-dong-mo,xa-bang-mac,xa-y-tich,xa-van-an,xa-nhan-ly,xa-mai-sao"
    procs = [
        subprocess.Popen(cmd("batch", "--units", units, "--slogans", "1,4,6", "--sizes", "ap-phich-a3,bieu-ngu-500x80",
                             "--format", "pdf", "-j", "1", "--quiet", "--shard", f"{k}/4", "--out", str(out)),
                         stderr=subprocess.PIPE)
        for k in range(1, 5)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    res = subprocess.run(cmd("merge", str(out)), capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "merged 4 shard manifests, 36 artworks" in res.stdout
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    assert {a["files"]["pdf"] for a in data["artworks"]} == on_disk and len(on_disk) == 36
    assert all(a["check"][0]["status"] == "pass" for a in data["artworks"])  # each preflighted as it was made
    res = subprocess.run(cmd("check", str(out)), capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:]
    assert not list(out.rglob(f"*{TMP_SUFFIX}"))


# ---- signals and crashes ------------------------------------------------------------------------------------

HEAVY = ("batch", "--units", "tt-dong-mo,xa-bang-mac,xa-y-tich,xa-van-an,xa-nhan-ly,xa-mai-sao", "--sizes",
         "ap-phich-a2,pano-300x200", "--format", "pdf,png", "-j", "2")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"


def _wait_for(cond, timeout: float, what: str):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find worker processes")


@POSIX
@needs_proc
@pytest.mark.parametrize("presses", [1, 3])
def test_ctrl_c_any_number_of_times_ends_within_seconds(tmp_path, presses):
    out = tmp_path / "out"
    proc = subprocess.Popen(cmd(*HEAVY, "--out", str(out)), stderr=subprocess.PIPE, text=True)
    workers = _wait_for(lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid), 60, "two workers")
    _wait_for(lambda: list(out.rglob("*.png")), 60, "a first artwork")
    t0 = time.monotonic()
    for _ in range(presses):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - t0
    assert proc.returncode == 130, err
    assert took < 10, f"took {took:.1f} s to stop"
    assert "Traceback" not in err and "interrupted" in err
    _wait_for(lambda: not any(_alive(w) for w in workers), 5, "workers to end")
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for a in data["artworks"]:
        for rel in a["files"].values():
            assert (out / rel).is_file()
    assert not list(out.rglob(f"*{TMP_SUFFIX}"))


@POSIX
@needs_proc
def test_workers_die_with_a_killed_parent(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(cmd(*HEAVY, "--out", str(out)), stderr=subprocess.DEVNULL)
    workers = _wait_for(lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid), 60, "two workers")
    proc.kill()
    proc.wait()
    _wait_for(lambda: not any(_alive(w) for w in workers), 5, "workers to die with their parent")


@POSIX
@needs_proc
def test_a_killed_worker_fails_no_artwork_and_loses_no_record(tmp_path):
    """The OOM killer's SIGKILL on a worker: its artwork is made again, the batch goes on."""
    out = tmp_path / "out"
    light = ("batch", "--units", "tt-dong-mo,xa-bang-mac,xa-y-tich", "--sizes", "ap-phich-a2", "--format", "pdf,png",
             "-j", "2", "--no-check")
    proc = subprocess.Popen(cmd(*light, "--out", str(out)), stderr=subprocess.PIPE, text=True)
    workers = _wait_for(lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid), 60, "two workers")
    _wait_for(lambda: list(out.rglob("*.png")), 60, "a first artwork")
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(data["artworks"]) == 3 * 6
    assert all((out / rel).is_file() for a in data["artworks"] for rel in a["files"].values())


def test_no_temp_name_of_ours_survives_a_finished_run(tmp_path):
    out = tmp_path / "out"
    assert run_cli(*BATCH, "--out", str(out)).exit_code == 0
    assert not list(out.rglob(f"*{TMP_SUFFIX}"))
    shutil.rmtree(out)
