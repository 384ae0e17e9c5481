"""Designs: the packaged ones laid out at every size, user designs, extends.

Geometry and colour, not pixels: every text line inside the safe area, no two
lines' capitals overlapping, text readable against what lies under it, the
slogan the largest text (the title design's title aside), and the conventions
(bold capitals; red/yellow or white/red).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from poster_gen.api import make_job, compose_job
from poster_gen.cli import cli
from poster_gen.design import list_designs, load_design, load_design_file
from poster_gen.errors import PosterGenError
from poster_gen.scene import GlyphRun, Rect
from poster_gen.sizes import KINDS, PRESETS, PT_PER_MM, resolve_size

PACKAGED = ("classic", "band", "title")
# one short and the longest unit headings, with short and long slogans
UNITS = ("xa-van-an", "ttvh-tt-tt")
SLOGANS = ("1", "2", "4")


# ---- helpers ----------------------------------------------------------------------


def _luminance(rgb) -> float:
    def ch(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def run_box(run: GlyphRun):
    """(x0, y0, x1, y1) of a line: pen extent, capitals from baseline up."""
    x0 = run.glyphs[0].x_pt
    x1 = run.glyphs[-1].x_pt + run.advances_pt[-1]
    base = run.glyphs[0].y_pt
    return x0, base - 0.74 * run.size_pt, x1, base


def under(scene, x, y):
    """Colour of the topmost rectangle under a point (the ground at worst)."""
    colour = None
    for it in scene.items:
        if isinstance(it, Rect) and it.x_pt <= x <= it.x_pt + it.w_pt and it.y_pt <= y <= it.y_pt + it.h_pt:
            colour = it.color.rgb
    return colour


def safe_box(size):
    b, s = size.bleed_mm * PT_PER_MM, size.safe_mm * PT_PER_MM
    return b + s, b + s, b + size.width_pt - s, b + size.height_pt - s


def compose_all(campaign, design_id, sizes=None):
    for size_id in sizes or PRESETS:
        for unit in UNITS:
            for slogan in SLOGANS:
                job = make_job(campaign, unit, slogan, size_id, design_id)
                yield job, compose_job(campaign, job)


# ---- the packaged designs -------------------------------------------------------------


def test_at_least_three_designs_for_every_kind():
    designs = {d.id: d for d in list_designs()}
    assert set(PACKAGED) <= set(designs)
    for kind in KINDS:
        having = [d.id for d in designs.values() if kind in d.kinds]
        assert len(having) >= 3, (kind, having)


@pytest.mark.parametrize("design_id", PACKAGED)
def test_design_is_readable_and_complete(design_id):
    d = load_design(design_id)
    assert d.name and len(d.description) > 20
    assert d.packaged
    for name, c in d.colors.items():
        assert len(c.rgb) == 3 and len(c.cmyk) == 4, name
    for kind, lay in d.kinds.items():
        fields = [t.field for t in lay.texts]
        assert "slogan" in fields
        slogan = next(t for t in lay.texts if t.field == "slogan")
        assert slogan.legibility and slogan.case == "upper"
        assert "ExtraBold" in d.fonts[slogan.font] or "Black" in d.fonts[slogan.font]


@pytest.mark.parametrize("design_id", PACKAGED)
def test_every_size_lays_out_inside_the_safe_area_without_collisions(campaign, design_id):
    for job, art in compose_all(campaign, design_id):
        where = f"{design_id} {job.size.id} {job.unit.id} slogan {job.slogan.id}"
        runs = [it for it in art.scene.items if isinstance(it, GlyphRun)]
        assert len(runs) >= 3, where
        sx0, sy0, sx1, sy1 = safe_box(job.size)
        tol = 0.5
        boxes = []
        for r in runs:
            x0, y0, x1, y1 = run_box(r)
            assert x0 >= sx0 - tol and x1 <= sx1 + tol and y0 >= sy0 - tol and y1 <= sy1 + tol, (where, r.text)
            boxes.append((x0, y0, x1, y1, r.text))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap_x = a[0] < b[2] and b[0] < a[2]
                overlap_y = a[1] < b[3] and b[1] < a[3]
                assert not (overlap_x and overlap_y), (where, a[4], b[4])


@pytest.mark.parametrize("design_id", PACKAGED)
def test_text_contrasts_with_what_is_under_it(campaign, design_id):
    for job, art in compose_all(campaign, design_id, ["pano-300x200", "pano-200x300", "ap-phich-54x79", "bieu-ngu-500x80", "bieu-ngu-300x100"]):
        for r in (it for it in art.scene.items if isinstance(it, GlyphRun)):
            x0, y0, x1, y1 = run_box(r)
            for x in (x0 + 1, (x0 + x1) / 2, x1 - 1):
                ground = under(art.scene, x, (y0 + y1) / 2)
                assert contrast(ground, r.color.rgb) >= 3.0, (design_id, job.size.id, r.text, ground, r.color.rgb)


@pytest.mark.parametrize("design_id", ["classic", "band"])
def test_the_slogan_is_the_largest_text(campaign, design_id):
    for job, art in compose_all(campaign, design_id):
        slogan_size = max(r.size_pt for r in art.scene.items if isinstance(r, GlyphRun) and r.text in art.legibility.lines)
        others = [r for r in art.scene.items if isinstance(r, GlyphRun) and r.text not in art.legibility.lines]
        # a clear hierarchy: heading and occasion at most 0.8 of the slogan's size
        assert all(r.size_pt <= 0.8 * slogan_size for r in others), (design_id, job.size.id, job.slogan.id)


def test_title_design_sets_the_occasion_larger_than_the_slogan_on_posters(campaign):
    for job, art in compose_all(campaign, "title", [s for s in PRESETS if s.startswith("ap-phich")]):
        runs = [r for r in art.scene.items if isinstance(r, GlyphRun)]
        title = [r for r in runs if "Black" in r.font_name]  # the title's font
        slogan = [r for r in runs if r.text in art.legibility.lines]
        assert max(r.size_pt for r in title) >= 1.1 * max(r.size_pt for r in slogan), (job.size.id, job.slogan.id)


@pytest.mark.parametrize("design_id", PACKAGED)
def test_no_line_ends_with_a_hanging_conjunction_in_the_design_fields(campaign, design_id):
    for job, art in compose_all(campaign, design_id, ["pano-300x200", "ap-phich-54x79", "bieu-ngu-500x80"]):
        for r in art.scene.items:
            if isinstance(r, GlyphRun) and r.text not in art.legibility.lines:
                assert not r.text.endswith(" VÀ"), (design_id, job.size.id, r.text)
                assert "|" not in r.text and "~" not in r.text


def test_long_unit_heading_gets_two_lines_not_tiny_type(campaign):
    job = make_job(campaign, "ttvh-tt-tt", "4", "ap-phich-54x79", "classic")
    art = compose_job(campaign, job)
    heading = [r for r in art.scene.items if isinstance(r, GlyphRun) and "TRUNG TÂM" in r.text]
    assert len(heading) == 1
    lines = [r for r in art.scene.items if isinstance(r, GlyphRun) and r.size_pt == heading[0].size_pt and r.color == heading[0].color]
    assert len(lines) == 2  # "TRUNG TÂM VĂN HÓA, THỂ THAO / VÀ TRUYỀN THÔNG HUYỆN CHI LĂNG"
    assert heading[0].size_pt * 0.74 / PT_PER_MM >= 9  # capitals of at least 9 mm on a 54 x 79 cm poster


def test_portrait_pano_uses_its_own_layout():
    d = load_design("classic")
    wide = d.layout_for("pano", 3000, 2000)
    tall = d.layout_for("pano", 2000, 3000)
    assert wide is d.kinds["pano"] and tall is not wide
    slogan = {t.field: t for t in tall.texts}["slogan"]
    assert slogan.max_lines == 6
    # the variant keeps what it does not change
    assert {t.field for t in tall.texts} == {t.field for t in wide.texts}
    assert {t.field: t.font for t in tall.texts} == {t.field: t.font for t in wide.texts}


def test_band_runs_to_the_edge_of_the_sheet(campaign):
    job = make_job(campaign, "xa-van-an", "4", "ap-phich-a3", "band")
    art = compose_job(campaign, job)
    rects = [it for it in art.scene.items if isinstance(it, Rect)]
    band = [r for r in rects if r.color.rgb == (0xD7, 0x19, 0x20) and r.y_pt == 0.0]
    assert band and band[0].x_pt == 0.0 and band[0].w_pt == pytest.approx(art.scene.width_pt)


def test_cmyk_values_are_conventional_reds_and_yellows():
    for d in (load_design(i) for i in PACKAGED):
        for name, c in d.colors.items():
            cyan = c.cmyk[0]
            assert cyan == 0, (d.id, name)  # no blues or greens in campaign artwork


# ---- user designs -----------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


CHILD = """\
    extends = "classic"
    id = "xanh-do"
    description = "Classic with a white slogan and a deeper red"

    [colors]
    ground = { rgb = "#B5121B", cmyk = [0, 100, 100, 25] }

    [[kinds.pano.text]]
    field = "slogan"
    color = "white"

    [[kinds.pano.text]]
    field = "date"
    remove = true
    """


def test_user_design_extends_a_packaged_one(tmp_path, campaign):
    write(tmp_path, "xanh-do.toml", CHILD)
    d = load_design("xanh-do", [tmp_path])
    base = load_design("classic")
    assert d.colors["ground"].rgb == (0xB5, 0x12, 0x1B) and d.colors["gold"] == base.colors["gold"]
    texts = {t.field: t for t in d.kinds["pano"].texts}
    assert texts["slogan"].color == "white"
    assert texts["slogan"].box == {t.field: t for t in base.kinds["pano"].texts}["slogan"].box  # only colour changed
    assert "date" not in texts
    assert "date" not in {t.field for t in d.layout_for("pano", 2000, 3000).texts}  # removed in the variant too
    assert d.kinds["bieu-ngu"] == base.kinds["bieu-ngu"]
    assert d.extends and Path(d.extends[0]).name == "classic.toml"
    assert not d.packaged
    job = make_job(campaign, "xa-van-an", "4", "pano-300x200", "xanh-do", design_dirs=[tmp_path])
    art = compose_job(campaign, job)
    assert "21/4/2024" not in [r.text for r in art.scene.items if isinstance(r, GlyphRun)]


def test_user_design_of_the_same_id_wins_and_may_extend_the_packaged_one(tmp_path):
    write(tmp_path, "classic.toml", """\
        extends = "classic"
        [colors]
        gold = { rgb = "#FFFFFF", cmyk = [0, 0, 0, 0] }
        """)
    d = load_design("classic", [tmp_path])
    assert Path(d.path).parent == tmp_path
    assert d.colors["gold"].rgb == (255, 255, 255)
    assert set(d.kinds) == set(KINDS)
    assert [x.id for x in list_designs([tmp_path])].count("classic") == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ('extends = "clasic"\nid = "a"\n', "did you mean classic"),
        ('extends = "b"\nid = "a"\n', "unknown design to extend 'b'"),
        ('id = "a"\n[kinds.pano]\nbackground = "ground"\n', "no text block with field = \"slogan\""),
        ('extends = "classic"\nid = "a"\ncolour = 1\n', "unknown key 'colour'"),
        ('extends = "classic"\nid = "a"\n[[kinds.pano.text]]\nfield = "slogan"\nregion = [0.5, 0.5, 0.7, 0.2]\n',
         "must lie inside the safe area"),
        ('extends = "classic"\nid = "a"\n[fields]\nheading = "{{ unit.name "\n', "template error"),
        ('extends = "classic"\nid = "a"\n[[kinds.pano.text]]\nfield = "slogan"\ncolor = "blue"\n', "colour 'blue' is not defined"),
        ('extends = "classic"\nid = "a"\n[kinds.poster]\nbackground = "ground"\n', "unknown kind 'poster'"),
        ('extends = "classic"\nid = "A b"\n', "must be a short slug"),
        ('id = "a"\n[colors]\nred = { rgb = "#D71920" }\n', "cmyk = [C, M, Y, K]"),
        ('id = "a"\nkinds = [', "TOML syntax error"),
    ],
)
def test_bad_user_designs_are_explained(tmp_path, text, message):
    p = write(tmp_path, "a.toml", text)
    with pytest.raises(PosterGenError) as exc:
        load_design_file(p)
    assert message in str(exc.value)
    assert str(p) in str(exc.value) or "a.toml" in str(exc.value)


def test_extends_loops_are_refused(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b"\nid = "a"\n')
    write(tmp_path, "b.toml", 'extends = "a"\nid = "b"\n')
    with pytest.raises(PosterGenError, match="loop"):
        load_design("a", [tmp_path])


def test_a_broken_unrelated_user_design_does_not_block_others(tmp_path):
    write(tmp_path, "broken.toml", "id = [")
    assert load_design("band", [tmp_path]).id == "band"
    with pytest.raises(PosterGenError, match="TOML syntax error"):
        list_designs([tmp_path])


def test_loading_a_design_parses_only_the_files_that_could_be_it(monkeypatch):
    import poster_gen.design as design_mod

    parsed = []
    real = design_mod._source
    monkeypatch.setattr(design_mod, "_source", lambda p: parsed.append(p.name) or real(p))
    assert load_design("classic").id == "classic"
    assert parsed == ["classic.toml"]  # band.toml names classic.toml in a comment, never "classic" in quotes


def test_a_design_that_only_names_the_one_asked_for_is_not_parsed(tmp_path, monkeypatch):
    """A user's design that extends classic holds "classic" in quotes, but no id = "classic" pair."""
    import poster_gen.design as design_mod

    write(tmp_path, "aaa.toml", 'extends = "classic"\nid = "aaa"\ndescription = "not \'classic\'"\n')
    write(tmp_path, "bbb.toml", '[fields]\nid = "classic"\n')  # a pair in a table: parsed, then passed over
    parsed = []
    real = design_mod._source
    monkeypatch.setattr(design_mod, "_source", lambda p: parsed.append(p.name) or real(p))
    assert load_design("classic", [tmp_path]).id == "classic"
    assert parsed == ["bbb.toml", "classic.toml"]


@pytest.mark.parametrize("id_line", [
    'id = "cl\\u0061ssic"',  # an escape: only parsing tells
    "id = '''\nclassic'''",  # a multi-line string: its first line break is not part of it
    'id = """\r\nclassic"""',
    'id = """classic"""',
    "id = 'classic'",
    'id="classic"',
    '\t"id" =\t"classic"',
    "'id' = 'classic'",
    '\ufeffid = "classic"',  # after a byte-order mark
])
def test_a_file_that_names_itself_as_the_design_is_found_however_it_writes_the_id(tmp_path, id_line):
    from poster_gen.resources import templates_dir

    rest = (templates_dir() / "classic.toml").read_text(encoding="utf-8").split("\n[fonts]", 1)[1]
    assert "classic" not in rest and "\\" not in rest  # only the id line can tell
    write(tmp_path, "aaa.toml", f"{id_line}\n[fonts]{rest}")
    d = load_design("classic", [tmp_path])
    assert Path(d.path) == tmp_path / "aaa.toml" and d.id == "classic"


# ---- the command line ---------------------------------------------------------------------


def _campaign_with_templates(tmp_path: Path) -> Path:
    from poster_gen.resources import default_campaign

    camp = tmp_path / "camp"
    camp.mkdir()
    (camp / "slogans.toml").write_bytes(default_campaign().read_bytes())
    write(camp / "templates", "xanh-do.toml", CHILD)
    return camp / "slogans.toml"


def test_designs_command_lists_packaged_and_user_designs_as_json(tmp_path):
    campaign_file = _campaign_with_templates(tmp_path)
    res = CliRunner().invoke(cli, ["--campaign", str(campaign_file), "designs", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    items = json.loads(res.output)
    by_id = {i["id"]: i for i in items}
    assert {"classic", "band", "title", "xanh-do"} <= set(by_id)
    for i in items:
        assert {"id", "kinds", "description"} <= set(i)
        assert i["kinds"] and i["description"]
    assert by_id["xanh-do"]["packaged"] is False and by_id["classic"]["packaged"] is True
    res = CliRunner().invoke(cli, ["--campaign", str(campaign_file), "designs"], catch_exceptions=False)
    assert "xanh-do" in res.output and "(yours)" in res.output


def test_designs_option_and_render_with_a_user_design(tmp_path):
    mine = tmp_path / "mine"
    write(mine, "xanh-do.toml", CHILD)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        ["render", "--unit", "xa-van-an", "--slogan", "4", "--size", "pano-240x120", "--design", "xanh-do",
         "--designs", str(mine), "--format", "png", "--dpi", "10", "--out", str(out)],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    assert (out / "xa-van-an" / "pano-240x120_4_xanh-do.png").is_file()
    res = CliRunner().invoke(cli, ["designs", "--designs", str(mine), "--json"], catch_exceptions=False)
    assert "xanh-do" in {i["id"] for i in json.loads(res.output)}
    res = CliRunner().invoke(cli, ["render", "--unit", "xa-van-an", "--slogan", "4", "--size", "pano-240x120",
                                   "--design", "xanh-do", "--out", str(out)])
    assert res.exit_code == 2 and "unknown design 'xanh-do'" in res.output


@pytest.mark.parametrize("design_id", PACKAGED)
def test_render_each_design_from_the_command_line(tmp_path, design_id):
    for size in ("bieu-ngu-400x80", "pano-300x150", "ap-phich-a2"):
        res = CliRunner().invoke(
            cli,
            ["render", "--unit", "tt-dong-mo", "--slogan", "3", "--size", size, "--design", design_id,
             "--format", "png", "--dpi", "10", "--out", str(tmp_path)],
            catch_exceptions=False,
        )
        assert res.exit_code == 0, res.output
        w, h = resolve_size(size, 10).pixel_size
        from PIL import Image

        stem = f"{size}_3" + ("" if design_id == "classic" else f"_{design_id}")
        with Image.open(tmp_path / "tt-dong-mo" / f"{stem}.png") as im:
            assert im.size == (w, h)


# ---- fields read without jinja2 (fieldexpr) --------------------------------------------
#
# A field in the small subset of jinja2 that poster_gen.fieldexpr reads is answered there,
# without loading jinja2, only when its answer is the sandbox's own; these tests hold the
# two to the same text, and every other field to the sandbox.

import hypothesis.strategies as st  # noqa: E402
from hypothesis import given  # noqa: E402

from pg_testutil import PROPERTY  # noqa: E402
from poster_gen import fieldexpr, sandbox  # noqa: E402
from poster_gen.compose import template_context  # noqa: E402
from poster_gen.limits import MAX_FIELD_CHARS  # noqa: E402


def sandboxed(source: str, context: dict) -> str | None:
    """What the sandbox renders, or None when it refuses the field."""
    try:
        return sandbox.render(sandbox.compile_field(source, "f"), context, "f", sandbox.FIELD_LIMITS)
    except sandbox.SandboxError:
        return None


def packaged_fields() -> list[str]:
    return sorted({src for d in list_designs() if d.packaged for src in d.fields.values()})


def test_the_packaged_fields_are_in_the_subset():
    sources = packaged_fields()
    assert len(sources) >= 5
    assert all(fieldexpr.parse(s) is not None for s in sources), [s for s in sources if fieldexpr.parse(s) is None]


@pytest.mark.parametrize("kind", list(KINDS))
def test_packaged_fields_read_as_the_sandbox_renders_them(campaign, kind):
    for source in packaged_fields():
        parts = fieldexpr.parse(source)
        for unit in campaign.units:
            ctx = template_context(campaign, unit, campaign.slogans[0], kind)
            fast = fieldexpr.render(parts, ctx)
            assert fast is not None and fast == sandboxed(source, ctx), (source, unit.id)


@pytest.mark.parametrize("source", [
    "{% if kind %}x{% endif %}", "{{ unit.name | upper }}", "{{ a ~ b }}", "{{- kind }}", "{{ kind -}}",
    "{{ 'a\\nb' }}", "{{ unit['name'] }}", "{{ kind() }}", "{{ 1 }}", "{{ kind if kind }}", "{{ a == b == c }}",
    "{# note #}{{ kind }}", "{ {{ kind }}", "{{ kind }}\n", "{{ true }}", "{{ self }}", "{{ loop }}", "{{ _x }}",
    "{{ kind | replace('a', x) }}", "{{ kind | replace('a') }}", "{{ 'a' 'b' }}", "{{ (kind, kind) }}",
    "{{ kind is defined }}", "{{ kind in 'ab' }}", "{{ unit.0 }}", "{{ range(3) }}", "{{ kind.x y }}", "{{ kind",
])
def test_other_templates_go_to_the_sandbox(source):
    assert fieldexpr.parse(source) is None


class _Thing:
    """A context value with attributes of every sort."""

    text = "Xã Bằng Mạc"
    empty = ""
    nothing = None
    number = 2025
    flag = True
    items = ("a",)

    @property
    def broken(self):
        raise ValueError("no")

    def method(self):
        return "m"


CONTEXT = {
    "kind": "phuon", "other": "pano", "empty": "", "nothing": None, "year": 2025, "zero": 0, "yes": True,
    "thing": _Thing(), "table": {"name": "Vân An", "items": "x"}, "many": ["a"], "big": 10**5000,
    "long": "và " * 400, "func": len,
}
NAMES = sorted(CONTEXT) + ["missing", "range"]
ATTRS = ["text", "empty", "nothing", "number", "flag", "items", "broken", "method", "name", "upper", "x", "real"]


def _expressions(parenthesised: bool):
    """Expressions of the subset over CONTEXT; with ``parenthesised``, every operand in brackets
    (always valid jinja2), else as a person would write them (jinja2 may refuse some)."""
    name = st.sampled_from(NAMES)
    text = st.sampled_from(["'phuon'", '"pano"', "''", "' và '", "'| và~ '", "'Bằng'", "'a'"])
    atom = st.one_of(name, text, st.builds(lambda n, a: f"{n}.{a}", name, st.sampled_from(ATTRS)))
    p = (lambda e: f"({e})") if parenthesised else (lambda e: e)
    return st.recursive(atom, lambda inner: st.one_of(
        st.builds(lambda a, b: f"{p(a)} or {p(b)}", inner, inner),
        st.builds(lambda a, b: f"{p(a)} and {p(b)}", inner, inner),
        st.builds(lambda a: f"not {p(a)}", inner),
        st.builds(lambda a, op, b: f"{p(a)} {op} {p(b)}", inner, st.sampled_from(["==", "!="]), inner),
        st.builds(lambda a, b, c: f"{p(a)} if {p(b)} else {p(c)}", inner, inner, inner),
        st.builds(lambda a, o, n: f"({a}) | replace({o}, {n})", inner, text, text),
    ), max_leaves=6)


def _fields(parenthesised: bool):
    tag = _expressions(parenthesised).map(lambda e: "{{ " + e + " }}")
    return st.lists(st.one_of(st.sampled_from(["", "UBND ", " - ", "năm "]), tag), min_size=1, max_size=3).map("".join)


def _compiles(source: str) -> bool:
    try:
        sandbox.compile_field(source, "f")
        return True
    except sandbox.SandboxError:
        return False


def _check(source: str) -> None:
    parts = fieldexpr.parse(source)
    if parts is None:
        return
    assert _compiles(source), source  # what design loading skips for such a field: it always compiles
    fast = fieldexpr.render(parts, CONTEXT)
    if fast is not None:  # answered here: the sandbox's answer, to the letter
        assert fast == sandboxed(source, CONTEXT), source
        assert len(fast) <= MAX_FIELD_CHARS


@PROPERTY
@given(_fields(parenthesised=True))
def test_a_field_of_the_subset_reads_as_the_sandbox_renders_it(source):
    assert fieldexpr.parse(source) is not None, source
    _check(source)


@PROPERTY
@given(_fields(parenthesised=False))
def test_what_the_subset_reads_jinja2_compiles_and_renders_alike(source):
    _check(source)


@pytest.mark.parametrize("source, sandbox_says", [
    ("{{ missing }}", None),  # undefined: the sandbox's message names it
    ("{{ range }}", "<"),  # a global, not the context's
    ("{{ thing }}", "<"),  # an object: the sandbox writes it as it does
    ("{{ thing.method }}", "<"),
    ("{{ func }}", "<"),
    ("{{ thing.broken }}", None),  # an attribute that fails
    ("{{ many or kind }}", "['a']"),  # a list: written as the sandbox writes it
    ("{{ long | replace('và', 'và và và') }}", None),  # over a field's length: refused
    ("{{ big }}", None),  # a number too long to write
])
def test_the_sandbox_answers_what_the_subset_cannot_be_sure_of(source, sandbox_says):
    assert fieldexpr.parse(source) is not None
    assert fieldexpr.render(fieldexpr.parse(source), CONTEXT) is None
    got = sandboxed(source, CONTEXT)
    assert got is None if sandbox_says is None else got.startswith(sandbox_says), got


def test_a_dict_item_is_read_where_the_attribute_is_missing():
    assert fieldexpr.render(fieldexpr.parse("{{ table.name }}"), CONTEXT) == "Vân An" == sandboxed("{{ table.name }}", CONTEXT)
    # an attribute of the dict itself (a method) is not its item: the sandbox decides
    assert fieldexpr.render(fieldexpr.parse("{{ table.items }}"), CONTEXT) is None


def test_a_field_outside_the_subset_still_renders_in_the_sandbox(tmp_path, campaign):
    (tmp_path / "loop.toml").write_text(textwrap.dedent("""\
        id = "loop"
        extends = "classic"
        [fields]
        heading = "{% for w in unit.name.split() %}{{ w | upper }}{% if not loop.last %} {% endif %}{% endfor %}"
    """), encoding="utf-8")
    design = load_design("loop", [tmp_path])
    assert fieldexpr.parse(design.fields["heading"]) is None
    job = make_job(campaign, "xa-bang-mac", "4", "bieu-ngu-500x80", "loop", design_dirs=[tmp_path])
    art = compose_job(campaign, job)
    assert art.legibility.block("heading").lines == ("XÃ BẰNG MẠC",)
