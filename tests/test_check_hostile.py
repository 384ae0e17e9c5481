"""Preflight of files a stranger sends: hostile PDFs and PNGs fail quickly, with one line, in bounded memory.

Every file here is made by the test itself, from raw PDF bytes or PNG chunks.
The slowest cases (a loop of forms, a flate bomb) run in a child process with
a time-out and a memory cap, so a regression fails the test instead of hanging
the run or exhausting the machine.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poster_gen import check
from poster_gen.check import (
    Problem,
    check_file,
    collect_files,
    limits,
    read_direct,
    read_png,
    read_pypdf,
)
from poster_gen.check import png as check_png
from poster_gen.errors import PosterGenError

# ---------------------------------------------------------------------------
# PDFs from raw bytes


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF whose cross-reference table is right, so only what the objects say is hostile."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


BOXES = b"/MediaBox [0 0 100 100] /TrimBox [0 0 100 100] /BleedBox [0 0 100 100]"
FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 10 10]"


def one_page(resources: bytes = b"<< >>", content: bytes = b"0 0 m", extra: dict[int, bytes] | None = None,
             page: bytes = BOXES) -> bytes:
    """Catalog 1, page tree 2, page 3, content 4; ``extra`` adds objects (5 and up) or replaces these."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R " + page + b" /Resources " + resources + b" /Contents 4 0 R >>",
        4: stream(content),
    }
    objects.update(extra or {})
    return pdf(objects)


def form(num_draws: int, name: bytes, target: int) -> bytes:
    """A form XObject that draws form ``target`` (as ``name``) ``num_draws`` times."""
    resources = b" /Resources << /XObject << /%s %d 0 R >> >>" % (name, target)
    return stream(b"/%s Do\n" % name * num_draws, FORM + resources)


def zero_bomb(mib: int) -> bytes:
    """A valid zlib stream of ``mib`` MiB of zeros, made without holding them: ~1 KB per MiB."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)  # no history crosses a full flush
    end = c.flush()
    adler = (mib * (1 << 20) % 65521) << 16 | 1  # adler32 of zeros: a stays 1, b counts the bytes
    return b"\x78\xda" + block * mib + end + struct.pack(">I", adler)


# ---------------------------------------------------------------------------
# PNGs from chunks


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


IHDR_20x10 = struct.pack(">IIBBBBB", 20, 10, 8, 2, 0, 0, 0)
PHYS_100DPI = struct.pack(">IIB", 3937, 3937, 1)
KEYWORDS = b"Keywords\x00\x00\x00\x00\x00width_mm=5.08, height_mm=2.54, slogan=draft"


def png(*chunks: bytes, ihdr: bytes = IHDR_20x10, data: bytes | None = None) -> bytes:
    """A 20 x 10 px RGB PNG at 100 dpi; ``chunks`` go between pHYs and the image data."""
    if data is None:
        data = zlib.compress(b"".join(b"\x00" + bytes(60) for _ in range(10)))
    return (check.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"sRGB", b"\x00") + chunk(b"pHYs", PHYS_100DPI)
            + b"".join(chunks) + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def messages(result) -> str:
    return " | ".join(p.message for p in result.errors)


# both levels: the quick check reads these files with its direct reader, the full one with pypdf
LEVELS = pytest.mark.parametrize("level", ["full", "quick"])

# ---------------------------------------------------------------------------
# a check in a child process: bounded in time and memory, measured

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a regression fails, it does not eat the machine
from poster_gen.check import check_file
t = time.monotonic()
r = check_file(sys.argv[1], level=sys.argv[2])
print(json.dumps({"status": r.status, "errors": [p.message for p in r.errors], "seconds": time.monotonic() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def check_in_child(path: Path, level: str = "full", timeout: float = 60) -> dict:
    pytest.importorskip("resource")
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(path), level], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"check of {path.name} ran for more than {timeout:g} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


# ---- 1. forms that draw one another ------------------------------------------------------


@pytest.mark.parametrize("case", ["itself", "a-b-a"])
@LEVELS
def test_forms_in_a_loop_fail_at_once(tmp_path, case, level):
    if case == "itself":  # 1.8 KB: before, check spun for many minutes
        extra = {5: form(200, b"X", 5)}
        shown = "objects 5 -> 5"
    else:
        extra = {5: form(100, b"B", 6), 6: form(100, b"A", 5)}
        shown = "objects 5 -> 6 -> 5"
    name = b"X" if case == "itself" else b"A"
    p = write(tmp_path, f"{case}.pdf", one_page(b"<< /XObject << /%s 5 0 R >> >>" % name, b"/%s Do" % name, extra))
    assert p.stat().st_size < 2500
    r = check_in_child(p, level)
    assert r["status"] == "fail"
    assert f"its forms draw one another in a loop ({shown})" in r["errors"][-1], r
    assert r["seconds"] < 5, r


@LEVELS
def test_forms_nested_too_deep_fail(tmp_path, level):
    n = limits.MAX_FORM_DEPTH + 4
    extra = {5 + i: form(1, b"F", 6 + i) for i in range(n)}
    extra[5 + n] = stream(b"0 0 m", FORM)
    p = write(tmp_path, "deep.pdf", one_page(b"<< /XObject << /F 5 0 R >> >>", b"/F Do", extra))
    r = check_file(p, level=level)
    assert r.status == "fail"
    assert f"forms inside forms more than {limits.MAX_FORM_DEPTH} deep" in r.errors[-1].message


@LEVELS
def test_forms_that_expand_exponentially_fail_at_once(tmp_path, level):
    """No loop, but each form draws the next 20 times, 6 levels: 64 million operations to draw."""
    extra = {5 + i: form(20, b"F", 6 + i) for i in range(6)}
    extra[11] = stream(b"1 0 0 rg", FORM)
    p = write(tmp_path, "fan.pdf", one_page(b"<< /XObject << /F 5 0 R >> >>", b"/F Do", extra))
    r = check_in_child(p, level)
    assert r["status"] == "fail"
    assert f"the page's drawing has more than {limits.MAX_DRAWING_OPS:,} operations" in r["errors"][-1], r
    assert r["seconds"] < 5, r


@LEVELS
def test_too_much_drawing_fails_before_it_is_parsed(tmp_path, level):
    content = b"0 0 m 10 10 l S\n" * (limits.MAX_CONTENT_BYTES // 16 + 1)
    t = time.monotonic()
    r = check_file(write(tmp_path, "big.pdf", one_page(content=content)), level=level)
    assert time.monotonic() - t < 2
    limit = f"{limits.MAX_CONTENT_BYTES / limits.MB:g} MB"
    assert r.errors[-1].message.startswith(f"the page's drawing is more than {limit} of operators"), messages(r)


@LEVELS
def test_a_form_drawn_twice_counts_twice(tmp_path, level):
    """Each form is parsed once, but its colours still count once per time it is drawn."""
    extra = {5: stream(b"1 0 0 rg 0 0 m", FORM)}
    p = write(tmp_path, "twice.pdf", one_page(b"<< /XObject << /F 5 0 R >> >>", b"/F Do /F Do 0 0 0 1 k", extra))
    r = check_file(p, color="cmyk", level=level)
    assert r.facts["color_spaces"] == ["DeviceCMYK", "DeviceRGB"]
    assert any("DeviceRGB (2x)" in m.message for m in r.errors), messages(r)


@LEVELS
def test_colour_space_defined_through_itself_fails(tmp_path, level):
    res = b"<< /ColorSpace << /CS0 [/Indexed /CS0 1 <000000FFFFFF>] >> >>"
    r = check_file(write(tmp_path, "cs.pdf", one_page(res, b"/CS0 cs 0 sc")), level=level)
    assert r.status == "fail"
    assert "a colour space is defined through more than 8 others (or through itself)" in r.errors[-1].message


# ---- 2. flate bombs -----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["unused", "content"])
@LEVELS
def test_flate_bomb_fails_in_bounded_memory(tmp_path, where, level):
    """2 MB that inflate to 2 GiB: before, check held all of it (4 GB of memory, or a MemoryError)."""
    bomb = stream(zero_bomb(2048), b"/Filter /FlateDecode")
    num = 5 if where == "unused" else 4
    p = write(tmp_path, "bomb.pdf", one_page(extra={num: bomb}))
    assert p.stat().st_size < 2_500_000
    r = check_in_child(p, level)
    assert r["status"] == "fail"
    assert r["errors"] == [f"stream {num} inflates to more than 64 MB (the limit for one stream); it is not a file "
                           "poster-gen wrote, so render it again"]
    assert r["peak_mb"] < 250 and r["seconds"] < 5, r


@LEVELS
def test_streams_that_inflate_too_much_in_all_fail(tmp_path, level):
    """Each stream under the limit for one, together over the limit for a file."""
    per = limits.MAX_STREAM_BYTES // (1 << 20) - 4  # MiB, under the stream limit
    count = limits.MAX_PDF_INFLATED_BYTES // (per << 20) + 1
    bomb = stream(zero_bomb(per), b"/Filter /FlateDecode")
    p = write(tmp_path, "many.pdf", one_page(extra={5 + i: bomb for i in range(count)}))
    r = check_file(p, level=level)
    assert r.status == "fail"
    assert "streams inflate to more than 256 MB in all (the limit for one PDF)" in r.errors[-1].message


@LEVELS
def test_a_stream_with_a_filter_poster_gen_never_writes_fails(tmp_path, level):
    p = write(tmp_path, "lzw.pdf", one_page(extra={5: stream(b"\x80\x0b\x60\x50", b"/Filter /LZWDecode")}))
    r = check_file(p, level=level)
    assert r.status == "fail" and "stream 5 uses the /LZWDecode filter, which poster-gen does not write" in messages(r)


# ---- 3. damaged PNG chunks ----------------------------------------------------------------


def test_a_good_png_passes(tmp_path):
    r = check_file(write(tmp_path, "ok.png", png(chunk(b"iTXt", KEYWORDS))))
    assert r.ok and r.facts["width_px"] == 20 and r.facts["dpi"] == 100, messages(r)


@pytest.mark.parametrize("kind, body, expected", [
    (b"IHDR", IHDR_20x10[:5], "damaged PNG: the IHDR chunk is 5 bytes, expected 13; render it again"),
    (b"pHYs", PHYS_100DPI[:4], "damaged PNG: the pHYs chunk is 4 bytes, expected 9; render it again"),
    (b"sRGB", b"", "damaged PNG: the sRGB chunk is 0 bytes, expected 1; render it again"),
], ids=["IHDR", "pHYs", "sRGB"])
def test_png_chunk_of_the_wrong_size_fails(tmp_path, kind, body, expected):
    data = png()
    good = {b"IHDR": IHDR_20x10, b"pHYs": PHYS_100DPI, b"sRGB": b"\x00"}[kind]
    data = data.replace(chunk(kind, good), chunk(kind, body))
    r = check_file(write(tmp_path, "short.png", data))
    assert r.status == "fail" and [p.message for p in r.errors] == [expected]


@pytest.mark.parametrize("ihdr, expected", [
    (struct.pack(">IIBBBBB", 0, 10, 8, 2, 0, 0, 0), "does not describe a PNG"),
    (struct.pack(">IIBBBBB", 20, 10, 7, 2, 0, 0, 0), "does not describe a PNG"),
    (struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0), "over the 1,500 Mpx limit of poster-gen"),
], ids=["no-width", "7-bit", "10-gigapixels"])
def test_png_with_an_impossible_header_fails(tmp_path, ihdr, expected):
    r = check_file(write(tmp_path, "ihdr.png", png(ihdr=ihdr)))
    assert r.status == "fail" and expected in r.errors[0].message


def test_png_whose_image_data_inflates_past_its_size_fails(tmp_path):
    r = check_file(write(tmp_path, "bomb.png", png(data=zero_bomb(64))))
    assert r.status == "fail"
    assert r.errors[0].message == ("damaged PNG: its image data inflates to more than the 610 bytes its IHDR says; "
                                   "render it again")


def test_png_with_unreadable_itxt_is_a_metadata_problem(tmp_path):
    for body in (b"Keywords", b"Keywords\x00", b"Keywords\x00\x01\x00\x00\x00" + zero_bomb(8)[:-4]):
        r = check_file(write(tmp_path, "itxt.png", png(chunk(b"iTXt", body))))
        assert r.status == "fail" and "the iTXt chunk 'Keywords' is unreadable" in messages(r)


def test_png_with_too_many_chunks_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PNG_CHUNKS", 50)
    r = check_file(write(tmp_path, "chunks.png", png(*[chunk(b"tIME", bytes(7))] * 60)))
    assert r.status == "fail" and "more than 50 chunks" in r.errors[0].message


def test_png_with_too_much_metadata_fails(tmp_path):
    text = chunk(b"tEXt", b"Comment\x00" + b"x" * 300_000)
    r = check_file(write(tmp_path, "text.png", png(*[text] * 4)))
    assert r.status == "fail" and "over the 1 MB limit" in r.errors[0].message


def test_interlaced_png_is_checked_whole(tmp_path):
    """Adam7: the exact size of the image data is known, so a bomb is caught there too."""
    from PIL import Image

    ihdr = struct.pack(">IIBBBBB", 20, 10, 8, 2, 0, 0, 1)
    size = check_png.png_data_size(20, 10, 8, 2, 1)  # seven passes, each row with its filter byte
    good = write(tmp_path, "adam7.png", png(ihdr=ihdr, data=zlib.compress(bytes(size))))
    with Image.open(good) as im:  # Pillow agrees: exactly that many bytes make the whole image
        im.load()
    r = check_file(good)
    assert not any(p.code == "read" for p in r.errors), messages(r)
    for wrong in (size - 1, size + 1):
        r = check_file(write(tmp_path, "adam7-wrong.png", png(ihdr=ihdr, data=zlib.compress(bytes(wrong)))))
        assert r.status == "fail" and r.errors[0].code == "read"
    r = check_file(write(tmp_path, "adam7-bomb.png", png(ihdr=ihdr, data=zero_bomb(64))))
    assert f"inflates to more than the {size} bytes" in r.errors[0].message


@st.composite
def mangled_png(draw) -> bytes:
    data = bytearray(png(chunk(b"iTXt", KEYWORDS), chunk(b"tEXt", b"Description\x00x")))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["cut", "flip", "insert", "length"]))
        at = draw(st.integers(8, len(data)))
        if how == "cut":
            del data[at:]
        elif how == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif how == "insert":  # a whole chunk: the CRC is right, the contents are not
            kind = draw(st.sampled_from([b"IHDR", b"pHYs", b"sRGB", b"iTXt", b"tEXt", b"IDAT", b"IEND", b"zzzz"]))
            data[at:at] = chunk(kind, draw(st.binary(max_size=40)))
        elif how == "length" and at + 4 <= len(data):
            data[at:at + 4] = struct.pack(">I", draw(st.integers(0, 2**32 - 1)))
        if len(data) <= 8:
            break
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mangled_png())
def test_read_png_never_raises_on_a_mangled_file(tmp_path, data):
    p = write(tmp_path, "fuzz.png", data)
    info, problems = read_png(p)
    assert all(isinstance(x, Problem) and "\n" not in x.message for x in problems)
    assert info is not None or any(x.code == "read" for x in problems)
    r = check_file(p)  # and the whole check: a FileCheck, never an exception
    assert all(not x.message.startswith("damaged PNG (") for x in r.errors), messages(r)  # no unforeseen exception


# ---- 4. the type is in the content, not the name ------------------------------------------


@pytest.mark.parametrize("content, name, expected", [
    ("pdf", "art.png", "the file is a PDF but named .png; give it its .pdf name, or render it again"),
    ("png", "art.pdf", "the file is a PNG but named .pdf; give it its .png name, or render it again"),
    ("pdf", "art.txt", "the file is a PDF but named .txt; give it its .pdf name, or render it again"),
    ("png", "art", "the file is a PNG but named without an extension; give it its .png name, or render it again"),
    ("jpeg", "art.png", "the file is a JPEG image; render it again"),
    ("html", "art.pdf", "the file is neither a PDF nor a PNG (wrong signature); render it again"),
])
def test_type_comes_from_the_content(tmp_path, content, name, expected):
    data = {"pdf": one_page(), "png": png(), "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF", "html": b"<html>"}[content]
    r = check_file(write(tmp_path, name, data))
    assert r.status == "fail" and [p.message for p in r.errors] == [expected]


# ---- 5. bounds on everything -------------------------------------------------------------


def sparse(path: Path, head: bytes, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


@LEVELS
def test_huge_files_are_refused_unread(tmp_path, level):
    p = sparse(tmp_path / "huge.pdf", one_page(), limits.MAX_PDF_BYTES + 1)
    r = check_file(p, level=level)
    assert r.errors[0].message == ("the PDF is 64 MB, over the 64 MB limit for a poster-gen PDF; check that it is "
                                   "the right file")
    p = sparse(tmp_path / "huge.png", png(), limits.MAX_PNG_BYTES + 1)
    assert "over the 2,000 MB limit for a poster-gen PNG" in check_file(p, level=level).errors[0].message


@LEVELS
def test_too_many_pages_are_refused(tmp_path, level):
    n = limits.MAX_PDF_PAGES + 20
    kids = b" ".join(b"%d 0 R" % (10 + i) for i in range(n))
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
               4: stream(b"0 0 m")}
    objects.update({10 + i: b"<< /Type /Page /Parent 2 0 R " + BOXES + b" /Contents 4 0 R >>" for i in range(n)})
    r = check_file(write(tmp_path, "pages.pdf", pdf(objects)), level=level)
    why = "has more than 100 pages, the limit for one PDF (a poster-gen artwork has one page, an order form a few)"
    assert [p.message for p in r.errors] == [f"{why}; check that it is the right file"]


@LEVELS
def test_page_tree_loop_is_refused(tmp_path, level):
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
               3: b"<< /Type /Page /Parent 2 0 R " + BOXES + b" /Contents 4 0 R >>", 4: stream(b"0 0 m")}
    r = check_file(write(tmp_path, "loop.pdf", pdf(objects)), level=level)
    assert r.status == "fail"
    assert r.errors[-1].message == "damaged PDF: its page tree reaches object 2 twice (a loop); render it again"


@LEVELS
def test_too_many_objects_are_refused(tmp_path, monkeypatch, level):
    monkeypatch.setattr(limits, "MAX_PDF_OBJECTS", 10)
    p = write(tmp_path, "objects.pdf", one_page(extra={5 + i: b"0" for i in range(20)}))
    r = check_file(p, level=level)
    assert r.status == "fail" and "has more than 10 objects" in r.errors[-1].message


@LEVELS
def test_what_pypdf_raises_on_is_a_file_problem(tmp_path, level):
    r = check_file(write(tmp_path, "box.pdf", one_page(page=b"/MediaBox [0 0 /x 100]")), level=level)
    assert r.status == "fail" and r.errors[-1].message.startswith("damaged PDF (ValueError: ")


@LEVELS
def test_reading_a_pdf_stops_at_the_time_limit(tmp_path, monkeypatch, level):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        pytest.skip("the alarm works in the main thread on POSIX")

    def slow(*args):  # stands for a parser taking forever on some hostile structure
        end = time.monotonic() + 20
        while time.monotonic() < end:
            pass
        return ""

    if level == "full":
        monkeypatch.setattr(read_pypdf, "_xref_damage", slow)
    else:
        monkeypatch.setattr(read_direct, "_xref", slow)
    monkeypatch.setattr(limits, "MAX_PDF_SECONDS", 0.3)
    t = time.monotonic()
    r = check_file(write(tmp_path, "slow.pdf", one_page()), level=level)
    assert time.monotonic() - t < 3
    assert r.errors[-1].message == ("reading it took more than 0.3 s (the limit for one PDF); it is not a file "
                                    "poster-gen wrote, so render it again")


def test_the_time_limit_puts_back_the_callers_alarm(tmp_path):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        pytest.skip("the alarm works in the main thread on POSIX")

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        check_file(write(tmp_path, "ok.pdf", one_page()))
        assert signal.getsignal(signal.SIGALRM) is mine
        assert 90 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_callers_earlier_alarm_is_not_delayed(tmp_path, monkeypatch):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        pytest.skip("the alarm works in the main thread on POSIX")
    fired: list[float] = []

    def slow(reader, data):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pass
        return ""

    monkeypatch.setattr(read_pypdf, "_xref_damage", slow)
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    t = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        check_file(write(tmp_path, "slow.pdf", one_page()))
        time.sleep(0.1)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(fired) == 1 and fired[0] - t < 1.5  # at its time, not after check's own 5 s


@st.composite
def mangled_pdf(draw) -> bytes:
    res = b"<< /XObject << /F 5 0 R >> /ColorSpace << /CS0 [/Indexed /DeviceRGB 1 <000000FFFFFF>] >> >>"
    data = bytearray(one_page(res, b"/F Do /CS0 cs 0 sc", {5: form(2, b"G", 6), 6: stream(b"0 0 1 rg", FORM)}))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "token", "cut"]))
        if how == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif how == "token":
            token = draw(st.sampled_from([b"5 0 R", b"2 0 R", b"/F Do", b"[", b"<<", b"-1", b"99999999999", b"/Kids"]))
            data[at:at + len(token)] = token
        else:
            del data[at:-8]
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mangled_pdf())
@LEVELS
def test_check_never_raises_on_a_mangled_pdf(tmp_path, data, level):
    t = time.monotonic()
    r = check_file(write(tmp_path, "fuzz.pdf", data), level=level)
    assert time.monotonic() - t < limits.MAX_PDF_SECONDS + 1
    assert all("\n" not in p.message and len(p.message) <= limits.MAX_MESSAGE_CHARS for p in r.problems)


def test_messages_are_one_line():
    p = Problem("text", "shows «a\nb\rc\u2028d»" + "x" * 5000)
    assert "\n" not in p.message and "\r" not in p.message and p.message.startswith("shows «a b c d»")
    assert len(p.message) == limits.MAX_MESSAGE_CHARS


# ---- folders and links --------------------------------------------------------------------


def test_folder_links_out_are_refused_and_links_inside_skipped(tmp_path):
    if not hasattr(os, "symlink"):
        pytest.skip("no symlinks here")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write(outside, "secret.pdf", one_page())
    folder = tmp_path / "art"
    (folder / "sub").mkdir(parents=True)
    write(folder / "sub", "a.pdf", one_page())
    try:
        (folder / "same").symlink_to(folder / "sub", target_is_directory=True)
        (folder / "again.pdf").symlink_to(folder / "sub" / "a.pdf")
    except OSError:
        pytest.skip("cannot make symlinks here")
    assert collect_files([folder]) == [folder / "sub" / "a.pdf"]  # links inside: what they point to is found once

    (folder / "out").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PosterGenError, match=r"out: a link to .*elsewhere, outside .*art; check does not follow links"):
        collect_files([folder])
    (folder / "out").unlink()
    (folder / "out.pdf").symlink_to(outside / "secret.pdf")
    with pytest.raises(PosterGenError, match=r"out\.pdf: a link to .*secret\.pdf, outside"):
        collect_files([folder])
    (folder / "out.pdf").unlink()
    (folder / "loop").symlink_to(folder / "loop")
    with pytest.raises(PosterGenError, match=r"loop: a link that loops back on itself; remove the link"):
        collect_files([folder])


def test_cli_exit_codes_on_hostile_files(tmp_path):
    from click.testing import CliRunner

    from poster_gen.cli import cli

    bad = write(tmp_path, "loop.pdf", one_page(b"<< /XObject << /X 5 0 R >> >>", b"/X Do", {5: form(1, b"X", 5)}))
    runner = CliRunner()
    res = runner.invoke(cli, ["check", str(bad)])
    assert res.exit_code == 1
    assert "FAIL " in res.output and "its forms draw one another in a loop" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(cli, ["check", str(write(tmp_path, "pdf.png", one_page()))])
    assert res.exit_code == 1 and "is a PDF but named .png" in res.output
    res = runner.invoke(cli, ["check", str(tmp_path / "missing.pdf")])
    assert res.exit_code == 2
