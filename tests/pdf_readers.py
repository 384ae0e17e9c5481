"""The PDF readers print shops' RIPs are built on, as the tests run them.

Ghostscript, MuPDF, qpdf and poppler from the distribution (`.ci/run` installs them), PDFium
through pypdfium2 (a test dependency). A test that needs a missing one skips, naming the package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

# what a reader prints when something is wrong with a file
WARNING = re.compile(r"error|warning|\*\*\*\*", re.IGNORECASE)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install ghostscript mupdf-tools qpdf poppler-utils)")
    return path


def run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def ghostscript_complaints(path: Path) -> str:
    """'' when Ghostscript reads the file with -dPDFSTOPONERROR and says nothing; else what it said."""
    res = run([tool("gs"), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dPDFSTOPONERROR", "-sDEVICE=nullpage",
               str(path)])
    out = res.stdout + res.stderr
    return "" if res.returncode == 0 and not WARNING.search(out) else out or f"exit {res.returncode}"


def mupdf_complaints(path: Path, scratch: Path) -> str:
    """'' when `mutool clean` rewrites the file without a word; else what it said."""
    res = run([tool("mutool"), "clean", "-s", str(path), str(scratch / "clean.pdf")])
    ok = res.returncode == 0 and not res.stderr.strip() and not WARNING.search(res.stdout)
    return "" if ok else (res.stderr + res.stdout) or f"exit {res.returncode}"


def qpdf_complaints(path: Path) -> str:
    """'' when `qpdf --check` finds no syntax or stream encoding error; else what it said."""
    res = run([tool("qpdf"), "--check", str(path)])
    ok = res.returncode == 0 and "No syntax or stream encoding errors" in res.stdout
    return "" if ok else res.stdout + res.stderr


def rasterise(renderer: str, path: Path, out: Path, dpi: int, supersample: int = 1):
    """The first page as an RGB image at ``dpi``: drawn at ``supersample`` times that and
    box-filtered down, so that what is compared is the artwork, not each renderer's own
    anti-aliasing of edges."""
    from PIL import Image

    res_dpi = dpi * supersample
    if renderer == "ghostscript":
        png = out / f"{path.stem}-gs.png"
        res = run([tool("gs"), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", f"-r{res_dpi}",
                   "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", f"-sOutputFile={png}", str(path)])
        assert res.returncode == 0, res.stderr
    elif renderer == "poppler":
        stem = out / f"{path.stem}-poppler"
        res = run([tool("pdftoppm"), "-png", "-r", str(res_dpi), "-singlefile", str(path), str(stem)])
        assert res.returncode == 0, res.stderr
        png = stem.with_suffix(".png")
    elif renderer == "pdfium":
        pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (a test dependency) is not installed")
        doc = pdfium.PdfDocument(str(path))
        try:
            return doc[0].render(scale=res_dpi / 72).to_pil().convert("RGB").reduce(supersample)
        finally:
            doc.close()
    else:
        raise ValueError(renderer)
    return Image.open(png).convert("RGB").reduce(supersample)


def mean_difference(a, b) -> float:
    """Mean absolute difference per channel, 0..1, over the common area (renderers round the page
    edge differently, so sizes may differ by a pixel)."""
    from PIL import ImageChops, ImageStat

    assert abs(a.width - b.width) <= 1 and abs(a.height - b.height) <= 1, (a.size, b.size)
    w, h = min(a.width, b.width), min(a.height, b.height)
    diff = ImageChops.difference(a.crop((0, 0, w, h)), b.crop((0, 0, w, h)))
    return sum(ImageStat.Stat(diff).mean) / 3 / 255
