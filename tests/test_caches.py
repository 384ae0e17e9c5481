"""What a process remembers between artworks is keyed by what files hold, never by their names or clocks.

A library caller (or a long batch) may render, have a file replaced, and render again in the same
process: it must get the new file's font and the new parent design's regions, and record the new
font's hash. A file rewritten with the same length and its modification time put back (a copy that
keeps times, a clock that did not tick) is still a changed file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from pathlib import Path

import pytest

from poster_gen import compose as compose_mod
from poster_gen import design as design_mod
from poster_gen.api import compose_job, make_job
from poster_gen.design import Box, load_design
from poster_gen.fonts import Font, load_font
from poster_gen.pdf import PdfOptions, render_pdf_bytes
from poster_gen.resources import fonts_dir, templates_dir
from poster_gen.sizes import resolve_size

BOLD = "BeVietnamPro_700Bold.ttf"
REGULAR = "BeVietnamPro_400Regular.ttf"


def _packaged(name: str) -> Path:
    return next(p for p in fonts_dir().rglob(name))


def _rewrite_keeping_times(path: Path, data: bytes) -> None:
    """``path`` gets ``data``, and its access and modification times are put back as they were."""
    st = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns


def _with_advance(data: bytes, char: str, extra: int) -> bytes:
    """The font ``data`` with the advance width of ``char``'s glyph ``extra`` units wider (same length)."""
    gid = Font(_packaged(BOLD)).cmap[ord(char)]
    (num_tables,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for i in range(num_tables):
        tag, _sum, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * i)
        tables[tag] = offset
    (n_metrics,) = struct.unpack_from(">H", data, tables[b"hhea"] + 34)
    assert gid < n_metrics
    at = tables[b"hmtx"] + 4 * gid
    (advance,) = struct.unpack_from(">H", data, at)
    out = bytearray(data)
    struct.pack_into(">H", out, at, advance + extra)
    return bytes(out)


@pytest.fixture
def own_font(tmp_path):
    """A design folder's own font: the packaged bold under another name."""
    folder = tmp_path / "designs"
    folder.mkdir()
    path = folder / "Own.ttf"
    shutil.copyfile(_packaged(BOLD), path)
    return folder, path


def test_a_replaced_font_is_read_again(own_font):
    folder, path = own_font
    first = load_font("Own.ttf", (str(folder),))
    assert first.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    shutil.copyfile(_packaged(REGULAR), path)  # another font, another length
    second = load_font("Own.ttf", (str(folder),))
    assert second.sha256 == hashlib.sha256(_packaged(REGULAR).read_bytes()).hexdigest() != first.sha256
    assert second.shape("ĐỔI MỚI").advance_em < first.shape("ĐỔI MỚI").advance_em  # regular is narrower


def test_a_font_changed_in_place_with_its_time_put_back_is_read_again(own_font):
    folder, path = own_font
    first = load_font("Own.ttf", (str(folder),))
    wide_a = first.shape("A").advance_em
    _rewrite_keeping_times(path, _with_advance(path.read_bytes(), "A", 200))
    second = load_font("Own.ttf", (str(folder),))
    assert second.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() != first.sha256
    assert second.shape("A").advance_em == pytest.approx(wide_a + 200 / second.upem)


def test_an_unchanged_font_is_loaded_once(own_font):
    folder, _path = own_font
    assert load_font("Own.ttf", (str(folder),)) is load_font("Own.ttf", (str(folder),))
    assert load_font(BOLD) is load_font(BOLD)


def _font_design(folder: Path) -> None:
    (folder / "own.toml").write_text(
        'id = "own"\nextends = "classic"\n[fonts]\nslogan = "Own.ttf"\nheading = "Own.ttf"\nbody = "Own.ttf"\n',
        encoding="utf-8")


def test_a_batch_records_the_hash_of_the_font_it_draws(own_font):
    """``batch.design_digest`` (part of every artwork's fingerprint) follows the font's bytes."""
    from poster_gen.batch import design_digest

    folder, path = own_font
    _font_design(folder)
    design = load_design("own", [folder])
    before = design_digest(design, "pano")
    _rewrite_keeping_times(path, _with_advance(path.read_bytes(), "A", 200))
    after = design_digest(load_design("own", [folder]), "pano")
    assert after != before


def _embedded_font_programs(pdf: bytes) -> list[bytes]:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/FontDescriptor"].get_object()  # reportlab's subsets are simple fonts
        out.append(descriptor["/FontFile2"].get_object().get_data())
    return out


def test_a_pdf_embeds_the_font_the_file_holds_now(campaign, own_font):
    """The PDF writer's fonts are keyed by content too: a replaced font is never embedded as it was."""
    folder, path = own_font
    _font_design(folder)

    def pdf() -> bytes:
        art = compose_job(campaign, make_job(campaign, "xa-bang-mac", "4", "bieu-ngu-500x80", "own",
                                             design_dirs=[folder]))
        return render_pdf_bytes(art.scene, PdfOptions())

    first = pdf()
    _rewrite_keeping_times(path, _with_advance(path.read_bytes(), "I", 200))  # in "ĐỔI MỚI", "TRI THỨC"
    second = pdf()
    assert second != first
    old, new = _embedded_font_programs(first), _embedded_font_programs(second)
    assert old != new  # the subset is cut from the new file
    assert pdf() == second  # and the same file gives the same bytes


# ---- a parent design's regions (compose.removed_blocks) ------------------------------------


PANO_DATE = "region = [0.3, 0.885, 0.4, 0.06]"


@pytest.fixture
def parent_and_child(tmp_path):
    """A user's parent design (the classic one under another id) and a child that removes its pano date."""
    folder = tmp_path / "designs"
    folder.mkdir()
    text = (templates_dir() / "classic.toml").read_text(encoding="utf-8")
    assert text.count(PANO_DATE) == 1
    parent = folder / "parent.toml"
    parent.write_text(text.replace('id = "classic"', 'id = "parent"'), encoding="utf-8")
    (folder / "child.toml").write_text(
        'extends = "parent"\nid = "child"\n[[kinds.pano.text]]\nfield = "date"\nremove = true\n', encoding="utf-8")
    design_mod._read.cache_clear()
    compose_mod._removed_blocks.cache_clear()
    yield folder, parent
    design_mod._read.cache_clear()
    compose_mod._removed_blocks.cache_clear()


def test_the_removed_blocks_follow_the_parent_design_s_bytes(parent_and_child):
    folder, parent = parent_and_child
    size = resolve_size("pano-300x200")
    child = load_design("child", [folder])
    assert compose_mod.removed_blocks(child, size, (str(folder),)) == (Box(0.3, 0.885, 0.4, 0.06),)
    moved = parent.read_text(encoding="utf-8").replace(PANO_DATE, "region = [0.2, 0.885, 0.4, 0.06]")
    _rewrite_keeping_times(parent, moved.encode("utf-8"))  # same length, same time
    child = load_design("child", [folder])
    assert compose_mod.removed_blocks(child, size, (str(folder),)) == (Box(0.2, 0.885, 0.4, 0.06),)


def test_an_unreadable_parent_removes_nothing(parent_and_child):
    folder, parent = parent_and_child
    child = load_design("child", [folder])
    parent.unlink()
    assert compose_mod.removed_blocks(child, resolve_size("pano-300x200"), (str(folder),)) == ()
