"""What Vietnamese offices run: Windows. The parts that can be checked on any machine.

- The batch works under the ``spawn`` start method (Windows' only one): workers
  get everything they need through their initializer, not by inheritance.
- Paths with Vietnamese letters work for the campaign, the output folder and plans.
- POSIX-only calls have a fallback that is taken where they do not exist.
"""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from poster_gen.batch import Order, run_batch
from poster_gen.cli import cli
from poster_gen.resources import default_campaign


def test_a_batch_runs_under_the_spawn_start_method(tmp_path):
    orders = [Order(u, "4", "ap-phich-a3") for u in ("tt-dong-mo", "xa-bang-mac", "xa-y-tich")]
    report = run_batch(default_campaign(), orders, tmp_path, ("pdf",), jobs=2, check=True, start_method="spawn")
    assert not report.failed, report.failed
    assert len(report.made) == 3
    assert all(c.ok for c in report.checks) and len(report.checks) == 3
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(data["artworks"]) == 3


def test_vietnamese_letters_in_every_path(tmp_path):
    folder = tmp_path / "Chiến dịch Lạng Sơn"
    folder.mkdir()
    camp = folder / "khẩu hiệu 2025.toml"
    shutil.copy(default_campaign(), camp)
    plan = folder / "đơn đặt in.csv"
    plan.write_text("unit,slogan,size\nxa-bang-mac,4,ap-phich-a3\n", encoding="utf-8")
    out = folder / "Tệp in (bản cuối)"
    res = CliRunner().invoke(cli, ["--campaign", str(camp), "batch", "--plan", str(plan), "--format", "pdf,png",
                                   "--dpi", "20", "-j", "1", "--out", str(out), "--proof"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (out / "xa-bang-mac" / "ap-phich-a3_4.pdf").is_file()
    assert (out / "index.html").is_file()
    res = CliRunner().invoke(cli, ["--campaign", str(camp), "check", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output


def test_on_windows_a_process_is_never_signalled_to_see_if_it_lives(monkeypatch):
    """os.kill(pid, 0) ends the process on Windows: there the liveness test asks the system instead."""
    import os

    from poster_gen import output

    def no_kill(*_a):
        raise AssertionError("os.kill called on Windows")

    monkeypatch.setattr(output.sys, "platform", "win32")
    monkeypatch.setattr(os, "kill", no_kill)
    asked = []
    monkeypatch.setattr(output, "_pid_alive_windows", lambda pid: asked.append(pid) or False)
    assert output._pid_alive(4242) is False and asked == [4242]


def test_the_manifest_lock_has_a_windows_fallback(monkeypatch, tmp_path):
    """Without fcntl (Windows), the lock uses msvcrt.locking on the same lock file."""
    from poster_gen import batch

    calls = []

    class FakeMsvcrt:
        LK_NBLCK, LK_UNLCK = 2, 0

        @staticmethod
        def locking(fd, mode, n):
            calls.append(mode)

    monkeypatch.setattr(batch, "msvcrt", FakeMsvcrt)
    with batch.manifest_lock(tmp_path / "manifest.json"):
        pass
    assert calls == [FakeMsvcrt.LK_NBLCK, FakeMsvcrt.LK_UNLCK]
    assert (tmp_path / ".manifest.json.lock").exists()
