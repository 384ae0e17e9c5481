"""The command line, through click's CliRunner (and once through python -m)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pg_testutil import APPROVED_SLOGANS, REPO_DIR, squash, vn_upper
from poster_gen.cli import cli

TINY_CAMPAIGN = """\
[campaign]
name = "Ngày Khoa học và Công nghệ Việt Nam"
event_date = 2024-05-18

[[slogans]]
id = "1"
text = "Khoa học và công nghệ vì cuộc sống"

[[slogans]]
id = "2"
text = "Đổi mới sáng tạo - Khơi nguồn tri thức"

[[units]]
id = "a"
name = "Xã Ấp Ổn"

[[units]]
id = "b"
name = "Thị trấn Bờ Ộp"
"""


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """A runner in an empty folder, so no ./slogans.toml is picked up by accident."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POSTER_GEN_DEBUG", raising=False)
    monkeypatch.setenv("POSTER_GEN_LANG", "en")  # these tests read the English messages
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def tiny(tmp_path) -> Path:
    p = tmp_path / "tiny-campaign.toml"
    p.write_text(TINY_CAMPAIGN, encoding="utf-8")
    return p


# ---- listings -----------------------------------------------------------------------


def test_slogans_json(runner):
    res = invoke(runner, "slogans", "--json")
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    assert [i["id"] for i in items] == ["1", "2", "3", "4", "5", "6"]
    assert [i["text"] for i in items] == list(APPROVED_SLOGANS)


def test_slogans_table_shows_the_text(runner):
    res = invoke(runner, "slogans")
    assert res.exit_code == 0
    for s in APPROVED_SLOGANS:
        assert s in res.stdout


def test_units_json(runner, campaign):
    res = invoke(runner, "units", "--json")
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    assert all({"id", "name"} <= set(i) for i in items)
    assert [(i["id"], i["name"]) for i in items] == [(u.id, u.name) for u in campaign.units]
    assert {"xa-chi-lang", "tt-chi-lang"} <= {i["id"] for i in items}


def test_sizes_json(runner):
    from poster_gen.sizes import PRESETS

    res = invoke(runner, "sizes", "--json")
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    keys = {"id", "kind", "width_mm", "height_mm", "dpi", "bleed_mm"}
    assert all(keys <= set(i) for i in items)
    assert {i["id"] for i in items} == set(PRESETS)
    a1 = next(i for i in items if i["id"] == "ap-phich-a1")
    assert (a1["kind"], a1["width_mm"], a1["height_mm"], a1["bleed_mm"]) == ("ap-phich", 594, 841, 3)
    assert isinstance(a1["dpi"], int)


# ---- render ----------------------------------------------------------------------------


def test_render_prints_the_paths_it_wrote(runner, tmp_path):
    out = tmp_path / "out"
    res = invoke(
        runner, "render", "--unit", "xa-bang-mac", "--slogan", "4", "--size", "600x400", "--dpi", "20",
        "--format", "pdf,png", "--out", str(out),
    )
    assert res.exit_code == 0, res.output
    printed = [Path(line) for line in res.stdout.splitlines() if line.strip()]
    assert sorted(p.suffix for p in printed) == [".pdf", ".png"]
    for p in printed:
        assert p.is_file() and p.stat().st_size > 0, p
        assert out in p.parents
    written = sorted(q for q in out.rglob("*") if q.is_file())
    assert written == sorted(printed)  # nothing unreported, no leftovers
    assert "xa-bang-mac" in {p.parent.name for p in printed}


def test_render_draft_text(runner, tmp_path):
    text = "Chuyển đổi số vì nhân dân"
    res = invoke(
        runner, "render", "--unit", "tt-dong-mo", "--text", text, "--size", "600x300", "--format", "pdf",
        "--out", str(tmp_path / "o"),
    )
    assert res.exit_code == 0, res.output
    (pdf,) = [Path(line) for line in res.stdout.splitlines() if line.strip()]
    reader = PdfReader(pdf)
    assert vn_upper(text) in squash(reader.pages[0].extract_text())
    assert reader.metadata.subject == text


def _one_line_error(res, *needles):
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    err = res.stderr.strip()
    assert err and "\n" not in err, err
    for n in needles:
        assert n in err, (n, err)
    assert res.stdout == ""


@pytest.mark.parametrize(
    "args, bad",
    [
        (["--unit", "xa-khong-co", "--slogan", "1", "--size", "600x400"], "xa-khong-co"),
        (["--unit", "xa-bang-mac", "--slogan", "99", "--size", "600x400"], "99"),
        (["--unit", "xa-bang-mac", "--slogan", "1", "--size", "khong-co-size"], "khong-co-size"),
        (["--unit", "xa-bang-mac", "--slogan", "1", "--size", "0x400"], "0x400"),
        (["--unit", "xa-bang-mac", "--slogan", "1", "--size", "600x400", "--format", "gif"], "gif"),
    ],
)
def test_unknown_values_exit_2_with_one_line(runner, tmp_path, args, bad):
    res = invoke(runner, "render", *args, "--out", str(tmp_path / "o"))
    _one_line_error(res, f"'{bad}'")
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.pdf"))


def test_unknown_unit_suggests_close_ids(runner, tmp_path):
    res = invoke(runner, "render", "--unit", "xa-bang-mak", "--slogan", "1", "--size", "600x400", "--out", str(tmp_path))
    _one_line_error(res, "xa-bang-mak", "xa-bang-mac")


def test_missing_campaign_file_is_a_one_line_error(runner, tmp_path):
    res = invoke(runner, "--campaign", str(tmp_path / "nope.toml"), "slogans")
    _one_line_error(res, "nope.toml", "not found")


# ---- help ------------------------------------------------------------------------------


def _commands():
    return sorted(cli.commands)


def test_there_are_commands():
    assert {"slogans", "units", "sizes", "render", "batch"} <= set(cli.commands)


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_has_an_example(runner, command):
    args = ["--help"] if command is None else [command, "--help"]
    res = invoke(runner, *args)
    assert res.exit_code == 0
    assert "Example" in res.stdout, f"'{command or 'poster-gen'} --help' shows no example"


def test_every_option_has_help_text():
    missing = [
        f"{name} {p.opts[0]}"
        for name, cmd in cli.commands.items()
        for p in cmd.params
        if isinstance(p, click.Option) and not p.hidden and not p.help
    ]
    assert missing == []


# ---- batch ---------------------------------------------------------------------------


def test_batch_writes_manifest_and_files(runner, tiny, tmp_path):
    out = tmp_path / "tmp"
    res = invoke(
        runner, "--campaign", str(tiny), "batch", "--units", "a", "--slogans", "1", "--sizes", "600x300",
        "--format", "pdf", "--out", str(out),
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    arts = manifest["artworks"]
    assert len(arts) == 1
    (art,) = arts
    assert (art["unit"], art["slogan"], art["size"]) == ("a", "1", "600x300")
    assert set(art["files"]) == {"pdf"}
    rel = art["files"]["pdf"]
    assert not Path(rel).is_absolute() and ".." not in Path(rel).parts
    pdf = out / rel
    assert pdf.is_file()
    reader = PdfReader(pdf)
    assert reader.metadata.subject == "Khoa học và công nghệ vì cuộc sống"
    assert "KHOA HỌC VÀ CÔNG NGHỆ VÌ CUỘC SỐNG" in squash(reader.pages[0].extract_text())


def test_batch_two_workers(runner, tiny, tmp_path):
    out = tmp_path / "out"
    res = invoke(
        runner, "--campaign", str(tiny), "batch", "--sizes", "600x300", "--format", "pdf,png", "--dpi", "15",
        "-j", "2", "--out", str(out),
    )
    assert res.exit_code == 0, res.output
    arts = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["artworks"]
    assert sorted((a["unit"], a["slogan"]) for a in arts) == [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2")]
    for a in arts:
        assert set(a["files"]) == {"pdf", "png"}
        assert all((out / rel).is_file() for rel in a["files"].values())


def test_campaign_option_replaces_the_default(runner, tiny):
    res = invoke(runner, "--campaign", str(tiny), "slogans", "--json")
    assert res.exit_code == 0, res.output
    assert [i["text"] for i in json.loads(res.stdout)] == [
        "Khoa học và công nghệ vì cuộc sống",
        "Đổi mới sáng tạo - Khơi nguồn tri thức",
    ]
    res = invoke(runner, "--campaign", str(tiny), "units", "--json")
    assert [i["id"] for i in json.loads(res.stdout)] == ["a", "b"]
    # and the default units are gone with it
    res = invoke(runner, "--campaign", str(tiny), "render", "--unit", "xa-bang-mac", "--slogan", "1", "--size", "600x300")
    _one_line_error(res, "xa-bang-mac")


def test_local_slogans_toml_is_picked_up(runner, tiny, tmp_path):
    (tmp_path / "slogans.toml").write_text(tiny.read_text(encoding="utf-8"), encoding="utf-8")
    res = invoke(runner, "units", "--json")
    assert [i["id"] for i in json.loads(res.stdout)] == ["a", "b"]


def test_python_dash_m_works(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "poster_gen", "sizes", "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_DIR), os.environ.get("PYTHONPATH", "")])},
    )
    assert proc.returncode == 0, proc.stderr
    assert any(i["id"] == "bieu-ngu-500x80" for i in json.loads(proc.stdout))
