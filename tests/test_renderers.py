"""Other PDF readers agree with us: every variant we write is read without a
complaint by Ghostscript, MuPDF and qpdf, and Ghostscript, poppler and PDFium
paint the same picture.

Also, independently of any external tool: every content stream is made of
known PDF operators with the right number of operands (a malformed colour
operator such as ``1 1 1 1K`` once made Ghostscript stop with /syntaxerror),
every embedded subset has its own tag, and the writer refuses a scene item
it does not know.

The external tools are skipped, each with its reason, when missing (Debian
packages: ghostscript, mupdf-tools, qpdf, poppler-utils).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from poster_gen.api import compose_job, job_pdf_options, make_job
from poster_gen.pdf import PdfOptions, WriterError, render_pdf_bytes, subset_tag
from poster_gen.scene import Rect
from poster_gen.sizes import default_size
from pdf_readers import (ghostscript_complaints, mean_difference, mupdf_complaints, qpdf_complaints,
                         rasterise)

DESIGNS = ("classic", "band", "title")
KINDS = ("ap-phich", "pano", "bieu-ngu")
POSTER = "ap-phich-a3"
UNIT = "xa-bang-mac"

# ---- rendering the variants once ----------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    name: str
    size: str
    design: str = "classic"
    slogan: str = "4"
    color: str = "rgb"
    marks: bool = False
    pdfx: str = ""


VARIANTS = (
    Variant("rgb", POSTER),
    Variant("cmyk-marks", POSTER, color="cmyk", marks=True),
    Variant("pdfx-marks", POSTER, slogan="1", color="cmyk", marks=True, pdfx="x1a"),
    *(Variant(f"design-{d}", POSTER, design=d, slogan="3") for d in DESIGNS),
    *(Variant(f"kind-{k}", default_size(k).id, slogan="2", color="cmyk", marks=True) for k in KINDS),
)


@pytest.fixture(scope="module")
def files(campaign, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("renderers")
    paths = {}
    for v in VARIANTS:
        job = make_job(campaign, UNIT, v.slogan, v.size, design_id=v.design)
        path = out / f"{v.name}.pdf"
        opts = job_pdf_options(job, path, PdfOptions(color=v.color, marks=v.marks, pdfx=v.pdfx))
        path.write_bytes(render_pdf_bytes(compose_job(campaign, job).scene, opts))
        paths[v.name] = path
    return paths


NAMES = [v.name for v in VARIANTS]


# ---- content streams: a small tokenizer of our own ------------------------------------------------

# operator -> operand count (None: any number), PDF 32000-1 Annex A
OPERATORS: dict[str, int | None] = {
    "b": 0, "B": 0, "b*": 0, "B*": 0, "BDC": 2, "BI": 0, "BMC": 1, "BT": 0, "BX": 0, "c": 6, "cm": 6,
    "CS": 1, "cs": 1, "d": 2, "d0": 2, "d1": 6, "Do": 1, "DP": 2, "EI": 0, "EMC": 0, "ET": 0, "EX": 0,
    "f": 0, "F": 0, "f*": 0, "G": 1, "g": 1, "gs": 1, "h": 0, "i": 1, "ID": 0, "j": 1, "J": 1,
    "K": 4, "k": 4, "l": 2, "m": 2, "M": 1, "MP": 1, "n": 0, "q": 0, "Q": 0, "re": 4, "RG": 3, "rg": 3,
    "ri": 1, "s": 0, "S": 0, "SC": None, "sc": None, "SCN": None, "scn": None, "sh": 1, "T*": 0,
    "Tc": 1, "Td": 2, "TD": 2, "Tf": 2, "TJ": 1, "Tj": 1, "TL": 1, "Tm": 6, "Tr": 1, "Ts": 1, "Tw": 1,
    "Tz": 1, "v": 4, "w": 1, "W": 0, "W*": 0, "y": 4, "'": 1, '"': 3,
}
WHITE = b" \t\r\n\f\0"
DELIM = b"()<>[]{}/%"
NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)\Z")


def _string_end(data: bytes, i: int) -> int:
    """Index after the literal string starting at data[i] == '('."""
    depth, i = 0, i
    while i < len(data):
        ch = data[i : i + 1]
        if ch == b"\\":
            i += 2
            continue
        if ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise AssertionError("unterminated string in content stream")


def operations(data: bytes) -> list[tuple[str, int]]:
    """(operator, operand count) for every operator of a content stream; arrays and
    dictionaries count as one operand. A run of regular characters that is neither
    a number nor a name is an operator: ``1K`` is one (unknown) operator."""
    ops: list[tuple[str, int]] = []
    operands = 0
    depth = 0  # inside [ ] or << >>
    i, n = 0, len(data)
    while i < n:
        ch = data[i : i + 1]
        if ch in WHITE:
            i += 1
        elif ch == b"%":
            while i < n and data[i : i + 1] not in b"\r\n":
                i += 1
        elif ch == b"(":
            i = _string_end(data, i)
            operands += depth == 0
        elif data[i : i + 2] == b"<<":
            depth += 1
            i += 2
        elif data[i : i + 2] == b">>":
            depth -= 1
            i += 2
            operands += depth == 0
        elif ch == b"<":
            i = data.index(b">", i) + 1
            operands += depth == 0
        elif ch == b"[":
            depth += 1
            i += 1
        elif ch == b"]":
            depth -= 1
            i += 1
            operands += depth == 0
        elif ch in b"{}":
            raise AssertionError(f"{ch!r} at {i}: not allowed in a content stream")
        else:
            j = i + 1
            while j < n and data[j : j + 1] not in WHITE and data[j : j + 1] not in DELIM:
                j += 1
            token = data[i:j]
            if ch == b"/":  # a name: '/' then regular characters
                j = i + 1
                while j < n and data[j : j + 1] not in WHITE and data[j : j + 1] not in DELIM:
                    j += 1
                operands += depth == 0
            elif NUMBER.match(token) or token in (b"true", b"false", b"null"):
                operands += depth == 0
            else:
                assert depth == 0, f"operator {token!r} inside an array or dictionary"
                ops.append((token.decode("latin-1"), operands))
                operands = 0
            i = j
    assert depth == 0 and operands == 0, "content stream ends inside an object or with dangling operands"
    return ops


def content_streams(data: bytes) -> list[bytes]:
    reader = PdfReader(io.BytesIO(data))
    streams = []
    for page in reader.pages:
        streams.append(page.get_contents().get_data())
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for xo in xobjects.values():
            xo = xo.get_object()
            if xo.get("/Subtype") == "/Form":
                streams.append(xo.get_data())
    return streams


def bad_operations(data: bytes) -> list[str]:
    problems = []
    for stream in content_streams(data):
        for op, count in operations(stream):
            if op not in OPERATORS:
                problems.append(f"unknown operator {op!r}")
            elif OPERATORS[op] is not None and OPERATORS[op] != count:
                problems.append(f"{op} with {count} operands, needs {OPERATORS[op]}")
    return problems


def test_tokenizer_sees_a_glued_operator():
    assert operations(b"q 0.25 w 1 1 1 1K 0 0 m 1 1 l S Q") == [
        ("q", 0), ("w", 1), ("1K", 3), ("m", 2), ("l", 2), ("S", 0), ("Q", 0)
    ]
    assert operations(b"BT /F1+0 7 Tf [(a\\)b) -12 (c)] TJ <00ff> Tj ET") == [
        ("BT", 0), ("Tf", 2), ("TJ", 1), ("Tj", 1), ("ET", 0)
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_operator_is_known_with_its_operand_count(files, name):
    data = files[name].read_bytes()
    assert content_streams(data)
    assert bad_operations(data) == []


# ---- subset tags ----------------------------------------------------------------------------------

TAGGED = re.compile(r"/([A-Z]{6})\+(.+)")


def subset_fonts(path: Path) -> list[tuple[str, str, str, str]]:
    """(tag, font name, descriptor FontName, ToUnicode CMapName) of every embedded subset."""
    reader = PdfReader(path)
    out = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        m = TAGGED.match(str(font["/BaseFont"]))
        assert m, font["/BaseFont"]
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        cmap_name = re.search(r"/CMapName /(\S+) def", cmap).group(1)
        out.append((m.group(1), m.group(2), str(font["/FontDescriptor"]["/FontName"]), cmap_name))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_subset_tags_are_distinct_and_name_the_subset_everywhere(files, name):
    fonts = subset_fonts(files[name])
    tags = [t for t, *_ in fonts]
    assert len(set(tags)) == len(tags), tags
    assert "AAAAAA" not in tags
    for tag, font, descriptor, cmap in fonts:
        assert descriptor == f"/{tag}+{font}" and cmap == f"{tag}+{font}", (tag, font, descriptor, cmap)


def test_same_subset_same_tag_other_subset_other_tag(files):
    by_file = {name: {font: tag for tag, font, *_ in subset_fonts(files[name])} for name in NAMES}
    # the same slogan, design and unit: the same glyphs, so the same subsets and tags
    assert by_file["rgb"]["BeVietnamPro-ExtraBold"] == by_file["cmyk-marks"]["BeVietnamPro-ExtraBold"]
    # another slogan: other glyphs in the slogan's font
    assert by_file["rgb"]["BeVietnamPro-ExtraBold"] != by_file["pdfx-marks"]["BeVietnamPro-ExtraBold"]
    tags = [tag for name in NAMES for tag, *_ in subset_fonts(files[name])]
    assert "AAAAAA" not in tags


def test_subset_tag_is_six_letters_and_depends_on_every_input():
    sha = "0" * 64
    t = subset_tag(sha, (0, 65, 66), (0, 3, 4))
    assert re.fullmatch(r"[A-Z]{6}", t)
    assert subset_tag(sha, (0, 65, 66), (0, 3, 4)) == t
    assert subset_tag("1" * 64, (0, 65, 66), (0, 3, 4)) != t
    assert subset_tag(sha, (0, 66, 65), (0, 4, 3)) != t  # same glyphs, other codes
    assert subset_tag(sha, (0, 65, 67), (0, 3, 5)) != t


def test_writer_refuses_an_item_it_does_not_know(campaign):
    @dataclass(frozen=True)
    class Ellipse:
        x_pt: float = 0
        y_pt: float = 0

    scene = compose_job(campaign, make_job(campaign, UNIT, "4", POSTER)).scene
    bad = replace(scene, items=(*scene.items[:1], Ellipse()))
    with pytest.raises(WriterError, match="Ellipse"):
        render_pdf_bytes(bad, PdfOptions())
    assert isinstance(scene.items[0], Rect)


# ---- other readers ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_ghostscript_reads_without_error(files, name):
    assert not ghostscript_complaints(files[name])


@pytest.mark.parametrize("name", NAMES)
def test_mupdf_cleans_without_warning(files, name, tmp_path):
    assert not mupdf_complaints(files[name], tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_qpdf_check_passes(files, name):
    assert not qpdf_complaints(files[name])


# ---- three rasterisers paint the same picture ----------------------------------------------------

# Each reader renders at 4 x 30 dpi and the picture is box-filtered down to 30 dpi: what is compared
# is the artwork, not each renderer's own anti-aliasing of edges (at a plain 30 dpi that alone makes
# 2-4/255 of mean difference on a poster whose every glyph edge is a few pixels wide).
DPI = 30
SUPERSAMPLE = 4
MAX_MEAN_DIFF = 2 / 255


RASTERISERS = ("ghostscript", "poppler", "pdfium")


@pytest.mark.parametrize("design", DESIGNS)
def test_three_rasterisers_agree(files, design, tmp_path):
    pytest.importorskip("PIL", reason="Pillow is not installed")
    path = files[f"design-{design}"]
    images = {name: rasterise(name, path, tmp_path, DPI, SUPERSAMPLE) for name in RASTERISERS}
    names = list(images)
    diffs = {
        f"{a}/{b}": mean_difference(images[a], images[b]) for i, a in enumerate(names) for b in names[i + 1 :]
    }
    print(design, {k: round(v * 255, 2) for k, v in diffs.items()}, "(mean difference in 1/255)")
    assert all(v <= MAX_MEAN_DIFF for v in diffs.values()), {k: f"{v * 255:.2f}/255" for k, v in diffs.items()}


def test_the_comparison_sees_other_text(files, tmp_path):
    """Sensitivity: the same design with another slogan is far beyond the tolerance."""
    pytest.importorskip("PIL", reason="Pillow is not installed")
    a = rasterise("pdfium", files["design-classic"], tmp_path, DPI, SUPERSAMPLE)  # slogan 3
    b = rasterise("pdfium", files["rgb"], tmp_path, DPI, SUPERSAMPLE)  # slogan 4, same design, size and unit
    assert mean_difference(a, b) > 2.5 * MAX_MEAN_DIFF
