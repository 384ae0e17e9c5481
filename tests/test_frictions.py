"""Frictions a new user met with a new campaign (issue 12): each fixed, each tested."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from poster_gen.campaign import load_campaign
from poster_gen.cli import cli
from poster_gen.errors import CampaignError
from poster_gen.plan import read_plan
from poster_gen.resources import default_campaign

HEAD = '[campaign]\nname = "Thử"\nevent_date = 2025-09-02\n'
UNIT = '[[units]]\nid = "xa-a"\nname = "Xã A"\n'


def campaign_error(tmp_path: Path, text: str) -> CampaignError:
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    try:
        load_campaign(p)
    except CampaignError as exc:
        return exc
    raise AssertionError("loaded")


def test_straight_quotes_inside_a_slogan_are_named_as_the_cause(tmp_path):
    exc = campaign_error(tmp_path, HEAD + '[[slogans]]\nid = "1"\ntext = "Chủ tịch: "Không có gì quý hơn độc lập""\n' + UNIT)
    msg = str(exc)
    assert "line 6" in msg and "straight quotes" in msg and "“ ”" in msg


def test_a_missing_closing_quote_is_named_as_the_cause(tmp_path):
    exc = campaign_error(tmp_path, HEAD + '[[slogans]]\nid = "1"\ntext = "Đổi mới sáng tạo\n' + UNIT)
    assert "line 6" in str(exc) and "no closing quote" in str(exc)


def test_each_problem_is_on_its_own_line_with_where_it_is(tmp_path):
    exc = campaign_error(tmp_path, HEAD + '[[slogans]]\nid = "draft"\ntext = 5\n[[units]]\nid = "con"\nname = "X"\n')
    lines = str(exc).splitlines()
    assert len(lines) == len(exc.problems) >= 3
    assert all(ln.startswith(str(tmp_path / "c.toml") + ": ") for ln in lines)
    assert any("[[slogans]]" in ln for ln in lines) and any("[[units]]" in ln for ln in lines)


def test_the_command_line_prints_one_error_line_per_problem(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(HEAD + '[[slogans]]\nid = "draft"\ntext = 5\n[[units]]\nid = "con"\nname = "X"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--campaign", str(p), "slogans"])
    assert res.exit_code == 2
    errors = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(errors) >= 3 and all(ln.startswith("poster-gen: ") for ln in errors), res.output


def test_a_plan_row_may_name_its_unit_by_its_exact_name(tmp_path):
    campaign = load_campaign(default_campaign())
    plan = tmp_path / "p.csv"
    plan.write_text("unit,slogan,size\nUBND xã Bằng Mạc,4,ap-phich-a3\nXã Y Tịch,4,ap-phich-a3\nxa bang mac,4,ap-phich-a3\n",
                    encoding="utf-8")
    orders, problems = read_plan(plan, campaign, {"classic"})
    assert sorted(o.unit for o in orders) == ["xa-bang-mac", "xa-y-tich"]
    assert len(problems) == 1 and "line 4" in problems[0]


def test_the_manifest_records_the_campaign_that_made_it(tmp_path):
    import hashlib
    import json

    from poster_gen.batch import manifest_campaign, merge_manifests

    camp = tmp_path / "c.toml"
    camp.write_bytes(Path(default_campaign()).read_bytes())
    out = tmp_path / "out"
    for k in (1, 2):
        res = CliRunner().invoke(cli, ["--campaign", str(camp), "batch", "--units", "tt-dong-mo,xa-bang-mac", "--slogans",
                                       "4", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1", "--no-check",
                                       "--shard", f"{k}/2", "--out", str(out)])
        assert res.exit_code == 0, res.output
    merge_manifests(out)
    rec = manifest_campaign(out)
    assert rec == {"path": str(camp.resolve()), "name": load_campaign(camp).name,
                   "sha256": hashlib.sha256(camp.read_bytes()).hexdigest()}
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["campaign"] == rec and len(data["artworks"]) == 2
