"""Hostile designs, proof templates and manifests (red-team report, issue 10).

Designs and manifests travel between offices over chat: every template is
rendered in one bounded sandbox, every design value is checked at load time,
and the proof sheet writes and links only inside the output folder. Each
failure is one line naming the file (and field or key), exit code 2.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from poster_gen import sandbox
from poster_gen.cli import cli
from poster_gen.design import load_design, load_design_file
from poster_gen.errors import PosterGenError
from poster_gen.resources import default_campaign, templates_dir


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_clear_error(res, *needles: str) -> str:
    """Exit code 2, one line, no 'internal error', every needle in it."""
    out = res.output.strip()
    assert res.exit_code == 2, out
    assert "internal error" not in out and "Traceback" not in out, out
    assert len(out.splitlines()) == 1, out
    for needle in needles:
        assert needle in out, (needle, out)
    return out


def write_design(folder: Path, body: str, name: str = "evil.toml") -> Path:
    """A user design that extends the packaged classic design."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f'extends = "classic"\nid = "{Path(name).stem}"\n{body}\n', encoding="utf-8")
    return path


def field_design(folder: Path, source: str) -> Path:
    # json.dumps gives a valid TOML basic string for any template text
    return write_design(folder, f"[fields]\nheading = {json.dumps(source)}")


def render_args(designs: Path, out: Path, design: str = "evil") -> list[str]:
    return ["render", "--unit", "xa-van-an", "--slogan", "4", "--size", "ap-phich-a3", "--design", design,
            "--designs", str(designs), "--format", "pdf", "--out", str(out)]


# ---- 1. design fields: one bounded sandbox ------------------------------------------------

HOSTILE_FIELDS = [
    ("{{ range(10**9)|list }}", "range() of 1,000,000,000 items is over the limit"),
    ("{{ 'A ' * 10**8 }}", "would make 200,000,000 characters"),
    ("{{ lipsum(100000) }}", "'lipsum' is undefined"),
    ("{{ year/0 }}", "ZeroDivisionError: division by zero"),
    ("{% include 'x' %}", "{% include %} is not allowed in a design field"),
    ("{% import 'x' as y %}{{ y }}", "{% import %} is not allowed in a design field"),
    ("{% extends 'x' %}", "{% extends %} is not allowed in a design field"),
    ("{{ cycler.__init__.__globals__ }}", "not allowed in a template"),
    ("{{ unit.name.__class__.__mro__ }}", "not allowed in a template"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "call each other more than 20 deep"),
    ("{{ 9**9**9 }}", "is larger than a template may compute (over 64 bits)"),
    ("{{ 'x'|center(10**9) }}", "center(1000000000) would make"),
    ("{{ 'x'.ljust(10**9) }}", "str.ljust(1000000000) would make"),
    ("{{ '{:>999999999}'.format(1) }}", "this format would make"),
    ("{{ '%999999999d' % 1 }}", "this % format would make"),
    ("{{ (1).to_bytes(10**9, 'big') }}", "int.to_bytes() is not allowed in a template"),
    ("{% set ns = namespace(s='A') %}{{ ns.s }}", "'namespace' is undefined"),
    ("{{ range(10000)|map('center', 10000)|list }}", "made a sequence of over"),
    ("{{ 'A' * 5000 }}", "would write over 1,000 characters"),
    ("{% set a = 'A' * 9000 %}{% set b = a~a~a~a~a~a~a~a~a~a~a~a %}{{ b|length }}", "'~' made a text or list of over"),
]


@pytest.mark.parametrize("source, needle", HOSTILE_FIELDS, ids=[s for s, _ in HOSTILE_FIELDS])
def test_hostile_field_is_a_clear_error_naming_design_and_field(tmp_path, source, needle):
    designs = tmp_path / "designs"
    field_design(designs, source)
    t0 = time.monotonic()
    res = run_cli(*render_args(designs, tmp_path / "out"))
    assert time.monotonic() - t0 < 10
    msg = assert_clear_error(res, "evil.toml", "heading", needle)
    what, _, todo = msg.rpartition("; ")  # what went wrong; what to do
    assert what and len(todo.split()) >= 2, msg
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_a_field_that_loops_without_end_is_stopped_within_about_two_seconds(tmp_path):
    designs = tmp_path / "designs"
    field_design(designs, "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}")
    t0 = time.monotonic()
    res = run_cli(*render_args(designs, tmp_path / "out"))
    assert time.monotonic() - t0 < 6
    assert_clear_error(res, "evil.toml", "field 'heading'", "took over 2 s and was stopped")


def test_a_macro_writing_without_end_is_stopped_by_what_it_writes():
    source = ("{% macro m() %}{% for a in range(10000) %}{% for b in range(10000) %}" + "A" * 200
              + "{% endfor %}{% endfor %}{% endmacro %}{{ m()|length }}")
    t0 = time.monotonic()
    with pytest.raises(sandbox.SandboxError, match="the template wrote over 1,000,000 characters"):
        sandbox.render(sandbox.compile_field(source, "f"), {}, "f", sandbox.FIELD_LIMITS)
    assert time.monotonic() - t0 < 2.5


def test_an_inherited_field_names_the_file_that_gives_it(tmp_path, campaign):
    from poster_gen.compose import compose
    from poster_gen.sizes import resolve_size

    designs = tmp_path / "designs"
    write_design(designs, '[fields]\nheading = "{{ year/0 }}"', name="parent.toml")
    (designs / "child.toml").write_text('extends = "parent"\nid = "child"\n', encoding="utf-8")
    design = load_design("child", [designs])
    with pytest.raises(PosterGenError) as info:
        compose(campaign, campaign.unit("xa-van-an"), campaign.slogan("4"), resolve_size("ap-phich-a3"), design)
    assert f"design {designs / 'parent.toml'}, field 'heading'" in str(info.value)


def test_the_sandbox_leaves_the_trace_function_as_it_was():
    before = sys.gettrace()
    t = sandbox.compile_field("{% for i in range(3) %}{{ i }}{% endfor %}", "f")
    assert sandbox.render(t, {}, "f", sandbox.FIELD_LIMITS) == "012"
    with pytest.raises(sandbox.SandboxError):
        sandbox.render(sandbox.compile_field("{% for i in range(2) %}{{ 1/0 }}{% endfor %}", "f"), {}, "f",
                       sandbox.FIELD_LIMITS)
    assert sys.gettrace() is before


def test_ordinary_fields_still_work(campaign):
    from poster_gen.compose import template_context

    ctx = template_context(campaign, campaign.unit("xa-van-an"), campaign.slogan("4"))
    src = ("{{ unit.name|upper }} · {{ '%d'|format(year) }} · {{ '{:>6}'.format(year) }} · "
           "{{ campaign.name|replace(' và ', ' & ')|truncate(20) }} · {{ range(3)|join(',') }} · {{ year * 2 - 1 }}"
           "{% for w in ['a', 'b'] %}-{{ w }}{% endfor %}")
    out = sandbox.render(sandbox.compile_field(src, "f"), ctx, "f", sandbox.FIELD_LIMITS)
    assert out.startswith("XÃ VÂN AN · 2024 ·   2024 · ") and out.endswith(" · 0,1,2 · 4047-a-b")


def test_a_field_source_over_the_limit_is_refused_at_load_time(tmp_path):
    p = field_design(tmp_path, "A" * (sandbox.MAX_FIELD_SOURCE_CHARS + 1))
    with pytest.raises(PosterGenError, match=r"\[fields\] heading: .* over the limit of 10,000") as info:
        load_design_file(p)
    assert str(p) in str(info.value)


# ---- 1. the proof page: only the packaged template, in the sandbox ----------------------------------


@pytest.fixture(scope="module")
def small_out(tmp_path_factory):
    """One artwork, with its manifest."""
    out = tmp_path_factory.mktemp("hostile") / "out"
    res = run_cli("batch", "--units", "xa-van-an", "--slogans", "4", "--sizes", "ap-phich-a3", "--dpi", "10", "-j",
                  "1", "--quiet", "--no-check", "--out", str(out))
    assert res.exit_code == 0, res.output
    return out


def _copy(small_out: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(small_out, out)
    return out


def test_a_proof_template_beside_the_campaign_or_in_designs_is_not_used(tmp_path, small_out):
    out = _copy(small_out, tmp_path)
    camp = tmp_path / "camp"
    (camp / "templates").mkdir(parents=True)
    (camp / "slogans.toml").write_bytes(default_campaign().read_bytes())
    mine = tmp_path / "mine"
    mine.mkdir()
    pwned = tmp_path / "PWNED"
    hostile = ("HOSTILE-TEMPLATE {{ cycler.__init__.__globals__.os.popen('touch " + str(pwned) + "').read() }}")
    for folder in (camp / "templates", mine):
        (folder / "proof.html.j2").write_text(hostile, encoding="utf-8")
    res = run_cli("--campaign", str(camp / "slogans.toml"), "proof", str(out), "--designs", str(mine), "-j", "1")
    assert res.exit_code == 0, res.output
    assert not pwned.exists()
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "HOSTILE-TEMPLATE" not in html and '<nav class="units"' in html
    assert sandbox.proof_template_path() == templates_dir() / "proof.html.j2"


def test_the_proof_page_is_rendered_in_the_sandbox():
    env = sandbox.page_environment()
    assert isinstance(env, sandbox.BoundedSandbox) and env.autoescape is True
    assert set(env.globals) == {"range", "dict"}
    hostile = env.compile_source("{{ range.__init__.__globals__ }}")
    with pytest.raises(sandbox.SandboxError, match="not allowed in a template"):
        sandbox.render(hostile, {}, "page", sandbox.PAGE_LIMITS)
    assert sandbox.page_template().environment is env


# ---- 2. design values: finite and in range, the right types, at load time ----------------------------


def _text_block(extra: str) -> str:
    return f'[[kinds.pano.text]]\nfield = "slogan"\n{extra}\n'


BAD_VALUES = [
    (_text_block("region = [nan, 0.1, 0.5, 0.2]"), "region = [nan, 0.1, 0.5, 0.2] must be"),
    (_text_block("region = [0.1, 0.1, inf, 0.2]"), "region = [0.1, 0.1, inf, 0.2] must be"),
    (_text_block("region = [0.1, 0.1, 1e308, 0.2]"), "must lie inside the safe area"),
    (_text_block('region = [0.1, 0.1, "0.5", 0.2]'), "four finite numbers"),
    (_text_block("max_cap_frac = nan"), "max_cap_frac = nan must be a number from 0 to 1.5"),
    (_text_block("max_cap_frac = inf"), "max_cap_frac = inf must be a number"),
    (_text_block("max_lines = 1e308"), "max_lines = 1e+308 must be a whole number from 1 to 20"),
    (_text_block('max_lines = "3"'), "max_lines = '3' must be a whole number"),
    (_text_block("max_lines = true"), "max_lines = True must be a whole number"),
    (_text_block("color = [1]"), "color = [1] must be the name of a colour"),
    (_text_block("font = { a = 1 }"), "font = {'a': 1} must be the name of a font"),
    (_text_block("legibility = 1"), "legibility = 1 must be true or false"),
    ('[[kinds.pano.text]]\nfield = ["slogan"]\nregion = [0, 0, 1, 1]\n', "field = ['slogan'] must be a field name"),
    ("[colors]\ngold = { rgb = [255, 0, nan], cmyk = [0, 0, 0, 0] }\n", "[colors.gold]: rgb = [255, 0, nan]"),
    ("[colors]\ngold = { rgb = [inf, 0, 0], cmyk = [0, 0, 0, 0] }\n", "[colors.gold]: rgb = [inf, 0, 0]"),
    ("[colors]\ngold = { rgb = \"#FFDD00\", cmyk = [0, nan, 0, 0] }\n", "[colors.gold]: cmyk = [0, nan, 0, 0]"),
    ("[colors]\ngold = { rgb = \"#FFDD00\", cmyk = [0, 0, 0, 1e308] }\n", "cmyk = [0, 0, 0, 1e+308]"),
    ("[colors]\ngold = { rgb = \"#FFDD00\", cmyk = [0, 0, true, 0] }\n", "cmyk = [0, 0, True, 0]"),
    ("[colors]\ngold = 5\n", "[colors.gold]: a colour is"),
    ("[kinds.pano]\nrect = 5\n", "kinds.pano: rect = 5 must be a list of tables"),
    ("[kinds.pano]\nframe = \"gold\"\n", "kinds.pano: frame = 'gold' must be a list of tables"),
    ("[kinds.pano]\ntext = 5\n", "kinds.pano: text = 5 must be a list of tables"),
    ("[kinds.pano]\nbackground = 5\n", "background = 5 must be the name of a colour"),
    ("[kinds.pano]\nrect = [{ region = [nan, 0, 1, 1], color = \"gold\" }]\n", "kinds.pano rect #1: region = [nan"),
    ("[kinds.pano]\nrect = [{ region = [0, 0, 1, 1], color = [\"gold\"] }]\n", "kinds.pano rect #1: color = ['gold']"),
    ("[kinds.pano]\nframe = [{ width = nan, color = \"gold\" }]\n", "kinds.pano frame #1: width = nan must be"),
    ("[kinds.pano]\nframe = [{ width = 0.01, inset = inf, color = \"gold\" }]\n", "frame #1: inset = inf must be"),
    ("[kinds.pano]\nframe = [{ width = 0.01, color = 5 }]\n", "frame #1: color = 5 must be the name of a colour"),
    ("[fonts]\nbody = 5\n", "[fonts] body = 5 must be a font file name"),
    ("[fields]\nheading = 5\n", "[fields] heading: must be text in quotes"),
    ('name = ["x"]\n', "name = ['x'] must be text in quotes"),
    ('[[kinds.pano.text]]\nfield = ["x"]\nremove = true\n', "field = ['x'] must be a field name"),
]


@pytest.mark.parametrize("body, needle", BAD_VALUES, ids=[n for _, n in BAD_VALUES])
def test_bad_design_values_are_refused_at_load_time_naming_file_and_key(tmp_path, body, needle):
    p = write_design(tmp_path, body)
    with pytest.raises(PosterGenError) as info:
        load_design_file(p)
    msg = str(info.value)
    assert msg.startswith(f"design {p}: ") and "\n" not in msg
    assert needle in msg, msg


def test_a_nan_region_is_exit_2_and_writes_no_pdf(tmp_path):
    designs = tmp_path / "designs"
    write_design(designs, _text_block("region = [nan, 0.3, 0.8, 0.4]"))
    res = run_cli(*render_args(designs, tmp_path / "out"))
    assert_clear_error(res, "evil.toml", "kinds.pano text 'slogan'", "region = [nan, 0.3, 0.8, 0.4]")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.pdf"))


def test_wrong_types_in_a_design_are_exit_2_from_the_command_line(tmp_path):
    designs = tmp_path / "designs"
    write_design(designs, "[kinds.pano]\nrect = 5\n[[kinds.pano.text]]\nfield = \"slogan\"\ncolor = [1]\n")
    res = run_cli("designs", "--designs", str(designs))
    assert_clear_error(res, "evil.toml", "problems", "rect = 5 must be a list of tables",
                       "color = [1] must be the name of a colour")
    write_design(designs, "[[kinds.pano.text]]\nfield = [1]\nremove = true\n")
    res = run_cli("designs", "--designs", str(designs))
    assert_clear_error(res, "evil.toml", "kinds.pano text #1: field = [1] must be a field name")


def test_a_deeply_nested_design_is_refused(tmp_path):
    p = write_design(tmp_path, "x = " + "[" * 200 + "]" * 200)
    with pytest.raises(PosterGenError, match="nested more than 32 deep") as info:
        load_design_file(p)
    assert str(p) in str(info.value)


def test_a_design_over_one_megabyte_is_refused(tmp_path):
    p = write_design(tmp_path, "# padding\n" * 120_000)
    assert p.stat().st_size > 1024 * 1024
    res = run_cli("designs", "--designs", str(tmp_path))
    assert_clear_error(res, str(p), "MB", "limit")


def test_packaged_designs_still_load():
    for did in ("classic", "band", "title"):
        assert load_design(did).kinds


# ---- 3a. the proof writes and deletes only inside OUT ------------------------------------------------


def test_proof_refuses_a_proof_folder_that_is_a_link(tmp_path, small_out):
    out = _copy(small_out, tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.webp").write_bytes(b"keep me")
    shutil.rmtree(out / "_proof", ignore_errors=True)
    (out / "_proof").symlink_to(victim, target_is_directory=True)
    res = run_cli("proof", str(out), "-j", "1")
    assert_clear_error(res, f"{out / '_proof'} is a link to {victim}", "writes only inside the output folder",
                       "remove the link")
    assert [p.name for p in victim.iterdir()] == ["precious.webp"]
    assert (victim / "precious.webp").read_bytes() == b"keep me"


def test_proof_refuses_a_unit_folder_in_proof_that_is_a_link(tmp_path, small_out):
    out = _copy(small_out, tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    unit_dir = out / "_proof" / "xa-van-an"
    shutil.rmtree(unit_dir, ignore_errors=True)
    unit_dir.parent.mkdir(exist_ok=True)
    unit_dir.symlink_to(victim, target_is_directory=True)
    res = run_cli("proof", str(out), "-j", "1")
    assert_clear_error(res, f"{unit_dir} is a link to", "remove the link")
    assert not list(victim.iterdir())


def test_proof_deletes_only_previews_it_made(tmp_path, small_out):
    out = _copy(small_out, tmp_path)
    assert run_cli("proof", str(out), "-j", "1").exit_code == 0
    outside = tmp_path / "victim.webp"
    outside.write_bytes(b"x")
    mine = out / "_proof" / "xa-van-an" / "my-notes.webp"
    mine.write_bytes(b"x")
    index = out / "_proof" / "previews.json"
    made = json.loads(index.read_text(encoding="utf-8"))["previews"]
    assert len(made) == 1
    # a hand-edited index cannot steer deletion outside, nor onto files it did not make... outside _proof
    index.write_text(json.dumps({"previews": [*made, "../../victim.webp", "xa-van-an/../../../victim.webp",
                                              str(outside)]}), encoding="utf-8")
    assert run_cli("proof", str(out), "-j", "1").exit_code == 0
    assert outside.exists() and mine.exists()
    assert (out / "_proof" / made[0]).exists()


# ---- 3b. links on the page: only relative paths inside OUT -------------------------------------------


def test_manifest_links_outside_out_are_shown_as_text_and_flagged(tmp_path, small_out):
    from html.parser import HTMLParser

    out = _copy(small_out, tmp_path)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    entry = data["artworks"][0]
    good = entry["files"]["pdf"]
    bad = {"png": "https://evil.example/x.png", "svg": "../../etc/passwd", "js": "javascript:alert(1)",
           "abs": "/etc/passwd", "win": "C:\\Windows\\x.pdf", "ctl": "a/\u0000b.pdf"}
    entry["files"] = {"pdf": good, **bad}
    mpath.write_text(json.dumps(data), encoding="utf-8")
    res = run_cli("proof", str(out), "-j", "1")
    assert res.exit_code == 0, res.output

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs: list[str] = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            for key in ("href", "src"):
                if a.get(key):
                    self.hrefs.append(a[key])

    page = Links()
    html = (out / "index.html").read_text(encoding="utf-8")
    page.feed(html)
    assert page.hrefs
    for href in page.hrefs:
        assert href.startswith("#") or not (":" in href or href.startswith("/") or ".." in href.split("/")), href
    assert good in page.hrefs
    assert "https://evil.example/x.png" in html and "javascript:alert(1)" in html  # shown, as text
    assert "<b>6</b>links refused" in html
    assert "link refused, not a file inside the output folder" in html


# ---- 3c. a manifest of the wrong shape: exit 2, naming what is wrong ---------------------------------

BAD_MANIFESTS = [
    ({"artworks": 5}, 'no "artworks" list'),
    ([1, 2], 'no "artworks" list'),
    ({"artworks": [5]}, "artworks[0] is int, not an artwork's record"),
    ({"artworks": [{"unit": "xa-van-an"}]}, 'artworks[0] has no "size"'),
    ({"artworks": [{"unit": "xa-van-an", "size": "ap-phich-a3", "files": 5}]}, "artworks[0].files = 5 must map"),
    ({"artworks": [{"unit": "xa-van-an", "size": "ap-phich-a3", "files": {"pdf": 5}}]}, "artworks[0].files = dict"),
    ({"artworks": [{"unit": "../../x", "size": "ap-phich-a3"}]}, 'artworks[0].unit = "../../x" is not an id'),
    ({"artworks": [{"unit": ["x"], "size": "ap-phich-a3"}]}, "artworks[0].unit = list is not an id"),
    ({"artworks": [{"unit": "xa-van-an", "size": "ap-phich-a3", "width_mm": "wide"}]}, 'width_mm = "wide" must be'),
    ({"artworks": [{"unit": "xa-van-an", "size": "ap-phich-a3", "lines": "A"}]}, 'lines = "A" must be a list'),
    ({"artworks": [{"unit": "xa-van-an", "size": "ap-phich-a3", "legible": "yes"}]}, 'legible = "yes" must be'),
]


@pytest.mark.parametrize("data, needle", BAD_MANIFESTS, ids=[n for _, n in BAD_MANIFESTS])
def test_a_manifest_of_the_wrong_shape_is_a_clear_error(tmp_path, data, needle):
    (tmp_path / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    res = run_cli("proof", str(tmp_path), "-j", "1")
    assert_clear_error(res, "manifest.json", needle)


def test_a_manifest_with_nan_or_deep_nesting_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text(
        '{"artworks": [{"unit": "xa-van-an", "size": "ap-phich-a3", "cap_height_mm": NaN}]}', encoding="utf-8")
    assert_clear_error(run_cli("proof", str(tmp_path)), "manifest.json", "cap_height_mm = NaN must be a number")
    (tmp_path / "manifest.json").write_text('{"artworks": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    assert_clear_error(run_cli("proof", str(tmp_path)), "manifest.json", "nested more than 32 deep")


def test_read_manifest_names_every_problem_in_one_line(tmp_path):
    from poster_gen.proof import read_manifest

    (tmp_path / "manifest.json").write_text(json.dumps({"artworks": [5, 6, 7, 8, 9, 10, 11]}), encoding="utf-8")
    with pytest.raises(PosterGenError) as info:
        read_manifest(tmp_path)
    msg = str(info.value)
    assert "artworks[0]" in msg and "artworks[4]" in msg and "(and 2 more)" in msg and "\n" not in msg
    assert os.fspath(tmp_path / "manifest.json") in msg
