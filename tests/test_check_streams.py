"""Preflight of content streams: every operator of the page and of the forms it draws is parsed and checked.

A poster-gen PDF passes; a copy with one operator damaged (``1 1 1 1K``, an
operand dropped, a ``Q`` removed, a stray ``ET``, an unknown operator) fails
with one clear line, code "content".
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
)

from poster_gen import i18n
from poster_gen.api import make_job, render_job
from poster_gen.check import check_file, format_report
from poster_gen.check.content import content_problem, parse_content
from poster_gen.pdf import PdfOptions

UNIT, SLOGAN, SIZE = "tt-dong-mo", "4", "ap-phich-a3"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, campaign):
    root = tmp_path_factory.mktemp("streams")
    job = make_job(campaign, UNIT, SLOGAN, SIZE)
    rgb = render_job(campaign, job, root / "rgb", ("pdf",)).files["pdf"]
    cmyk = render_job(campaign, job, root / "cmyk", ("pdf",), PdfOptions(color="cmyk", marks=True)).files["pdf"]
    return {"rgb": Path(rgb), "cmyk": Path(cmyk)}


def rewrite(src: Path, dst: Path, edit) -> Path:
    """A copy of ``src`` whose page content is ``edit(decoded content)``."""
    writer = PdfWriter(clone_from=str(src))
    page = writer.pages[0]
    stream = DecodedStreamObject()
    stream.set_data(edit(page.get_contents().get_data()))
    page.replace_contents(stream)
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


def content_errors(result) -> list[str]:
    return [p.message for p in result.errors if p.code == "content"]


def test_fresh_files_pass_and_quickly(pdfs, campaign):
    for key in ("rgb", "cmyk"):  # cmyk has crop marks: stroked with K
        check_file(pdfs[key], campaign)  # warm up imports
        start = time.perf_counter()
        r = check_file(pdfs[key], campaign)
        took = time.perf_counter() - start
        assert r.status == "pass", format_report([r])
        assert took < 1.0, took


def _replace_once(old: bytes, new: bytes):
    def edit(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)
    return edit


def _first_k(data: bytes) -> bytes:
    """The first 'K' operator with its operands, e.g. b'1 1 1 1 K' (crop marks), b'0 0 0 1 K'."""
    import re

    m = re.search(rb"(?:[\d.]+ ){4}K\b", data)
    assert m, "no K operator in the CMYK file"
    return m.group()


@pytest.mark.parametrize("case", ["glued", "dropped"])
def test_damaged_stroke_colour_fails(pdfs, campaign, tmp_path, case):
    src = pdfs["cmyk"]

    def edit(data: bytes) -> bytes:
        k = _first_k(data)
        new = k[:-2] + b"K" if case == "glued" else k.split(b" ", 1)[1]
        return data.replace(k, new, 1)

    r = check_file(rewrite(src, tmp_path / f"{case}.pdf", edit), campaign)
    errors = content_errors(r)
    assert r.status == "fail" and len(errors) == 1, format_report([r])
    msg = errors[0]
    assert msg.startswith("content stream of page 1: ")
    assert msg.endswith("; the file is damaged: render it again")
    if case == "glued":
        assert "unknown operator '1K' at byte " in msg
    else:
        assert "'K' at byte " in msg and "takes 4 numbers, found 3 operands" in msg


@pytest.mark.parametrize("name, edit, expected", [
    ("no-Q", lambda d: d[: d.rindex(b"\nQ\n")] + d[d.rindex(b"\nQ\n") + 2 :], "is never closed by 'Q'"),
    ("extra-Q", lambda d: b"Q\n" + d, "'Q' at byte 0 closes no 'q'"),
    ("stray-ET", lambda d: d + b"\nET\n", "closes no 'BT'"),
    ("nested-BT", _replace_once(b"BT\n", b"BT\nBT\n"), "opens a text object inside the one opened at byte"),
    ("open-BT", lambda d: d + b"\nBT\n", "'BT' at byte"),
    ("text-outside", lambda d: d + b"\n(x) Tj\n", "text operator 'Tj' at byte"),
    ("unknown", lambda d: d + b"\n1 2 foo\n", "unknown operator 'foo'"),
    ("rg-short", _replace_once(b"1 0.867 0 rg", b"0.867 0 rg"), "'rg' at byte"),
    ("cm-short", _replace_once(b"1 0 0 1 0 0 cm", b"1 0 0 1 0 cm"), "takes 6 numbers, found 5 operands"),
    ("Tf-swapped", lambda d: d.replace(b"/F1+0 34.665 Tf", b"34.665 /F1+0 Tf", 1), "takes a font name and a size"),
    ("Tj-number", lambda d: d + b"\nBT 1 Tj ET\n", "'Tj' at byte"),
    ("re-short", _replace_once(b"0 0 858.898 1207.559 re", b"0 858.898 1207.559 re"),
     "takes 4 numbers, found 3 operands (0 858.898 1207.559)"),
    ("f-operands", _replace_once(b" re f", b" f"), "'f' at byte"),
    ("unclosed-string", lambda d: d + b"\nBT (abc Tj ET\n", "a string that starts at byte"),
    ("operands-left", lambda d: d + b"\n1 2 3\n", "are followed by no operator"),
])
def test_damaged_content_fails(pdfs, campaign, tmp_path, name, edit, expected):
    src = pdfs["cmyk" if name == "no-Q" else "rgb"]  # the CMYK file clips its art: q ... Q
    r = check_file(rewrite(src, tmp_path / f"{name}.pdf", edit), campaign)
    errors = content_errors(r)
    assert r.status == "fail" and len(errors) == 1, format_report([r])
    assert expected in errors[0], errors[0]
    assert errors[0].startswith("content stream of page 1: ")


def test_a_form_xobject_is_checked_too(pdfs, campaign, tmp_path):
    writer = PdfWriter(clone_from=str(pdfs["rgb"]))
    page = writer.pages[0]
    form = DecodedStreamObject()
    form.set_data(b"q 0 0 0 1K 0 0 10 10 re S Q")
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(10), FloatObject(10)])})
    ref = writer._add_object(form)
    resources = page["/Resources"].get_object()
    resources[NameObject("/XObject")] = DictionaryObject({NameObject("/Fm1"): ref})
    stream = DecodedStreamObject()
    stream.set_data(page.get_contents().get_data() + b"\nq /Fm1 Do Q\n")
    page.replace_contents(stream)
    dst = tmp_path / "form.pdf"
    with open(dst, "wb") as fh:
        writer.write(fh)
    r = check_file(dst, campaign)
    errors = content_errors(r)
    assert r.status == "fail" and len(errors) == 1, format_report([r])
    assert errors[0].startswith(f"content stream of form {ref.idnum} drawn on page 1: unknown operator '1K' at byte 8")


# ---- the tokenizer ------------------------------------------------------------------


def ops_of(data: bytes) -> list[tuple[list, bytes]]:
    ops, why = parse_content(data)
    assert why == "", why
    return [(operands, op) for operands, op, _at in ops]


def test_literal_strings_with_escapes_and_balanced_parentheses():
    ops = ops_of(rb"BT (a\)b(c)d\\) Tj (\(\101\12x\
y) Tj ((())) Tj ET")
    assert [o for o, op in ops if op == b"Tj"] == [[b"a)b(c)d\\"], [b"(A\nxy"], [b"(())"]]
    assert content_problem(parse_content(rb"BT (a\)b(c)d\\) Tj ET")[0]) == ""


def test_hex_strings_names_arrays_and_dictionaries():
    ops = ops_of(b"BT <41 42 4> Tj [<00>-12 (x) 3.5] TJ /F#41 12 Tf ET /OC <</MCID 0 /A [1 /B]>> BDC EMC")
    assert ops[1] == ([b"AB@"], b"Tj")
    assert ops[2] == ([[b"\x00", -12, b"x", 3.5]], b"TJ")
    assert ops[3] == (["/FA", 12], b"Tf")
    assert ops[5] == (["/OC", {"/MCID": 0, "/A": [1, "/B"]}], b"BDC")


def test_comments_are_skipped():
    ops = ops_of(b"% a comment with ) ( and K\nq % another\n1 0 0 1 0 0 cm Q%end")
    assert [op for _o, op in ops] == [b"q", b"cm", b"Q"]


def test_inline_images_are_skipped_whole():
    # unfiltered: its size follows from W, H, BPC and CS, whatever its bytes (here 'EI' and a ')')
    data = b"q BI /W 3 /H 1 /BPC 8 /CS /G ID EI) EI Q"
    ops = ops_of(data)
    assert [op for _o, op in ops] == [b"q", b"BI", b"Q"]
    assert ops[1][0][-1] == {"/W": 3, "/H": 1, "/BPC": 8, "/CS": "/G"}
    assert content_problem(parse_content(data)[0]) == ""
    # filtered: it ends at an EI that operators follow
    ops = ops_of(b"q BI /W 2 /H 1 /BPC 8 /CS /RGB /F /AHx ID 00ff00ff00ff> EI Q")
    assert [op for _o, op in ops] == [b"q", b"BI", b"Q"]
    _ops, why = parse_content(b"q BI /W 2 /H 1 /F /AHx ID 00ff")
    assert "inline image at byte 2 has no end ('EI')" in why


@pytest.mark.parametrize("data, expected", [
    (b"1 1 1 1K", "unknown operator '1K' at byte 6"),
    (b"1 1 1 K", "'K' at byte 6 takes 4 numbers, found 3 operands (1 1 1)"),
    (b"/a 1 2 rg", "'rg' at byte 7 takes 3 numbers, found 3 operands (/a 1 2)"),
    (b"K", "'K' at byte 0 takes 4 numbers, found no operands"),
    (b"(x) Do", "'Do' at byte 4 takes a name"),
    (b"q /F1 Tf Q", "takes a font name and a size"),
    (b"1.5 J", "'J' at byte 4 takes an integer"),
    (b"BT [(a) /x] TJ ET", "'TJ' at byte 12 takes an array of strings and numbers"),
    (b"0.5 /P0 scn 1 scn /P1 scn", ""),
    (b"scn", "'scn' at byte 0 takes"),
    (b"BX 1 2 foo EX", ""),  # unknown operators are allowed between BX and EX
    (b"Q", "'Q' at byte 0 closes no 'q'"),
    (b"q q Q", "'q' at byte 0 is never closed by 'Q'"),
    (b"BT ET ET", "'ET' at byte 6 closes no 'BT'"),
    (b"BT BT ET ET", "'BT' at byte 3 opens a text object inside the one opened at byte 0"),
    (b"10 10 Td", "text operator 'Td' at byte 6 is outside a text object (BT … ET)"),
    (b"/F1 12 Tf", ""),  # text state may be set outside a text object
    (b"/P BMC EMC EMC", "'EMC' at byte 11 closes no 'BMC'"),
    (b"[1 2 m", "an array that starts at byte 0 is never closed"),
    (b"<</A>> gs", "a dictionary at byte 0 is not pairs of a name and a value"),
    (b"<4G> Tj", "a hex string at byte 0 is not closed"),
    (b"1 2 ] m", "unexpected ']' at byte 4"),
    (b"{ 1 }", "unexpected '{' at byte 0"),
    (b"[" * 40 + b"]" * 40 + b" d", "nested more than 32 deep"),
])
def test_problems_of_a_stream(data, expected):
    ops, why = parse_content(data)
    why = why or content_problem(ops)
    assert (expected in why) if expected else why == "", why


@pytest.mark.skipif(not (i18n.LOCALE_DIR / "vi" / "LC_MESSAGES" / "poster_gen.mo").is_file(),
                    reason="the catalogs are compiled at build time (hatch_build.py)")
def test_acontent_problem_is_reported_in_vietnamese(pdfs, campaign, tmp_path):
    dst = rewrite(pdfs["rgb"], tmp_path / "vi.pdf", _replace_once(b"1 0 0 1 0 0 cm", b"1 0 0 1 0 cm"))
    assert i18n.set_language("vi") == "vi"
    try:
        r = check_file(dst, campaign)
    finally:
        i18n.set_language("en")
    errors = content_errors(r)
    assert errors == [("luồng nội dung của trang 1: 'cm' ở byte 10 cần 6 số, nhưng có 5 toán hạng (1 0 0 1 0); "
                      "tệp đã hỏng: hãy xuất lại")], errors
    assert [p.code for p in r.errors] == ["content"]


# ---- the fast path gives the tokenizer's answer ---------------------------------------------------

_TOKENS = [b"0", b"1", b"-2.5", b".5", b"5.", b"+3", b"1.2.3", b"/F1", b"/F#41", b"/", b"(a)", b"(a\\)b)", b"(a(b)c)",
           b"(\\101\\12)", b"<41 42>", b"<4G>", b"[1 2]", b"[(a) -3 <00>]", b"[]", b"[/a]", b"[[1]]", b"[1K]",
           b"<< /A 1 >>", b"true", b"false", b"null", b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI", b"% note\n", b"\n",
           b"\t", b"{", b"]", b")", b">", b"q", b"Q", b"BT", b"ET", b"BX", b"EX", b"BMC", b"BDC", b"EMC", b"cm",
           b"re", b"f", b"S", b"rg", b"k", b"K", b"cs", b"sc", b"scn", b"Do", b"Tf", b"Tj", b"TJ", b"d", b"J",
           b"foo", b"1K", b"'", b'"', b"Td", b"gs", b"sh", b"w", b"m", b"l", b"%(}}", b"%q", b"% (a)"]
# a comment is never cut short to make a token of its end: "%(}}" then a newline and ")" is not the string "(}}\n)"
_TRICKY = [b"BT %(}}\n) Tj ET", b"q %x Q\nQ", b"BT %(abc\n) Tj ET", b"BT % [(a)\n] TJ ET"]


@st.composite
def content_streams(draw) -> bytes:
    words = draw(st.lists(st.sampled_from(_TOKENS), max_size=40))
    seps = draw(st.lists(st.sampled_from([b" ", b"\n", b"", b"\r\n"]), min_size=len(words), max_size=len(words)))
    return b"".join(w + s for w, s in zip(words, seps))


_DRAW = [b"1 0 0 1 0 0 cm", b"0 0 10 10 re f", b"1 0.5 0 rg", b"0 0 0 1 k", b"1 1 1 1 K", b"/CS0 cs 0.5 sc", b"/P0 scn",
         b"/Fm1 Do", b"/GS1 gs", b"[3 1] 0 d", b"1 J", b"0.5 w", b"0 0 m 10 10 l S", b"% a comment\n"]
_TEXT = [b"/F1+0 12 Tf", b"1 0 0 1 5 5 Tm", b"[(\\001) -20 (\\002)] TJ", b"(a) Tj", b"<0041> Tj", b"2 2 Td", b"T*"]


@st.composite
def valid_streams(draw, depth: int = 0) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["draw", "text", "q"] if depth < 3 else ["draw", "text"]))
        if kind == "draw":
            parts.append(draw(st.sampled_from(_DRAW)))
        elif kind == "text":
            parts.append(b"BT " + b" ".join(draw(st.lists(st.sampled_from(_TEXT), max_size=4))) + b" ET")
        else:
            parts.append(b"q " + draw(valid_streams(depth + 1)) + b" Q")
    return draw(st.sampled_from([b" ", b"\n"])).join(parts)


def _names(ops):
    return [(op, at, [v for v in operands if isinstance(v, str)]) for operands, op, at in ops]


@settings(max_examples=800, deadline=None)
@given(data=st.one_of(content_streams(), valid_streams(), st.sampled_from(_TRICKY)))
def test_the_fast_path_answers_as_the_tokenizer(data):
    from poster_gen.check.content import checked_ops

    ops, why = parse_content(data)
    why = why or content_problem(ops)
    fast_ops, fast_why = checked_ops(data)
    assert fast_why == why
    if not why:
        assert _names(fast_ops) == _names(ops)


@settings(max_examples=300, deadline=None)
@given(data=valid_streams())
def test_valid_streams_take_the_fast_path(data):
    from poster_gen.check.content import _fast_ops, checked_ops

    assert _fast_ops(data) is not None, data
    assert checked_ops(data)[1] == "", data
