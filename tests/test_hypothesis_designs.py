"""Hypothesis: design files written by strangers.

Near-valid design documents with hostile values (wrong types, NaN and huge
numbers, odd keys, deep nesting, template expressions that try to escape or
run without end) either load and compose an artwork, or are refused with one
line that is a PosterGenError, within a time budget.
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poster_gen.api import compose_job, make_job
from poster_gen.campaign import load_campaign
from poster_gen.design import load_design_file
from poster_gen.errors import PosterGenError
from poster_gen.resources import default_campaign

BUDGET_S = 8.0  # per example: loading and composing one artwork

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-0.5, max_value=1.5),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, 1, 0.5, 1e308, -0.0, 2**63]),
)
junk = st.one_of(numbers, st.text(max_size=20), st.booleans(), st.lists(st.integers(), max_size=5),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
templates = st.one_of(
    st.sampled_from([
        "{{ unit.name }}", "{{ campaign.name|upper }}", "{{ date_vn }}", "{{ year }}",
        "{{ range(10**9)|list|length }}", "{{ 'A ' * 10**8 }}", "{{ 9**9**9 }}", "{{ year/0 }}",
        "{% include 'x' %}", "{{ cycler.__init__.__globals__ }}", "{{ ''.__class__.__mro__ }}",
        "{% for i in range(10**6) %}{{ i }}{% endfor %}", "{{ unit.name * 100000 }}", "{{ lipsum(10**5) }}",
        "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}", "{{ '%999999999s'|format(1) }}", "{{",
    ]),
    st.text(max_size=40),
)
regions = st.one_of(st.lists(numbers, min_size=4, max_size=4), st.lists(numbers, max_size=6), junk)
colors = st.one_of(
    st.fixed_dictionaries({"rgb": st.sampled_from(["#D71920", "#zzzzzz", "", "#FFF"]),
                           "cmyk": st.lists(numbers, min_size=4, max_size=4)}),
    junk,
)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_value(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


@st.composite
def design_toml(draw) -> str:
    lines = ['extends = "classic"', 'id = "hyp"']
    if draw(st.booleans()):
        lines += ["[fields]", f"heading = {toml_value(draw(templates))}", f"date = {toml_value(draw(templates))}"]
    if draw(st.booleans()):
        lines += ["[colors]", f"ground = {toml_value(draw(colors))}"]
    kind = draw(st.sampled_from(["ap-phich", "bieu-ngu", "pano"]))
    for _ in range(draw(st.integers(0, 3))):
        lines += [f"[[kinds.{kind}.text]]",
                  f"field = {toml_value(draw(st.one_of(st.sampled_from(['slogan', 'heading', 'date', 'occasion']), junk)))}"]
        if draw(st.booleans()):
            lines.append(f"region = {toml_value(draw(regions))}")
        if draw(st.booleans()):
            lines.append(f"max_lines = {toml_value(draw(st.one_of(st.integers(-5, 100), junk)))}")
        if draw(st.booleans()):
            lines.append(f"max_cap_frac = {toml_value(draw(numbers))}")
        if draw(st.booleans()):
            lines.append(f"color = {toml_value(draw(st.one_of(st.sampled_from(['white', 'gold', 'nope']), junk)))}")
        if draw(st.booleans()):
            lines.append(f"font = {toml_value(draw(st.one_of(st.sampled_from(['slogan', 'body', 'x.ttf']), junk)))}")
        if draw(st.booleans()):
            lines.append("remove = true")
    if draw(st.integers(0, 9)) == 0:
        lines.append("deep = " + "[" * 200 + "]" * 200)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(default_campaign())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=design_toml(), size=st.sampled_from(["ap-phich-a3", "bieu-ngu-500x80", "pano-300x200"]))
def test_a_strangers_design_loads_and_composes_or_is_refused_in_one_line(doc, size, campaign, tmp_path_factory):
    folder = tmp_path_factory.mktemp("d")
    path = folder / "hyp.toml"
    path.write_text(doc, encoding="utf-8")
    t0 = time.monotonic()
    try:
        design = load_design_file(path)
        job = make_job(campaign, "tt-dong-mo", "4", size, design.id, design_dirs=[folder])
        art = compose_job(campaign, job)
        assert art.scene is not None
    except PosterGenError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and len(msg) < 2000, msg
        assert "Traceback" not in msg
    took = time.monotonic() - t0
    assert took < BUDGET_S, f"{took:.1f} s for:\n{doc}"
