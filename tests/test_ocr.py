"""OCR round trip: Tesseract (Vietnamese model) reads every approved slogan back
from the PNG exactly, marks and all, on a banner and on a poster.

Tesseract reads capitals best when they are 30-60 px tall and is unsure between
a hook above and an acute over a circumflex at some scales, so each line is
tried at a few scales, page segmentation modes and binarisations; the reading
must match exactly for at least one of them. A mark that is not drawn (or is
clipped) is read as missing at every scale: test_ocr_notices_missing_marks
checks that this routine does catch that.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from pg_testutil import APPROVED_SLOGANS, squash, vn_upper
from poster_gen.api import compose_job, make_job, render_job
from poster_gen.fonts import load_font
from poster_gen.scene import GlyphRun

TESSERACT = shutil.which("tesseract")


def _has_vie() -> bool:
    if not TESSERACT:
        return False
    proc = subprocess.run([TESSERACT, "--list-langs"], capture_output=True, text=True, timeout=60)
    return "vie" in (proc.stdout + proc.stderr).split()


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TESSERACT is None, reason="tesseract is not installed (Debian: tesseract-ocr)"),
    pytest.mark.skipif(
        TESSERACT is not None and not _has_vie(),
        reason="tesseract has no Vietnamese model 'vie' (Debian: tesseract-ocr-vie)",
    ),
]

SIZES = ("bieu-ngu-500x80", "ap-phich-54x79")
RENDER_CAP_PX = 80  # render with capitals this tall, then scale down for OCR
ATTEMPTS = [(cap, psm, prep) for prep in ("bin", "gray") for cap in (40, 34, 46, 30, 52) for psm in (6, 7)]


def ocr(img: Image.Image, psm: int) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    proc = subprocess.run(
        [TESSERACT, "-", "-", "-l", "vie", "--psm", str(psm)],
        input=buf.getvalue(), capture_output=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return squash(proc.stdout.decode("utf-8"))


@dataclass
class Line:
    text: str
    crop: Image.Image  # grey, the line's ink plus a margin
    cap_px: float
    text_l: int  # luminance of the text colour
    baseline_px: int  # in the crop


def _luma(rgb) -> int:
    r, g, b = rgb
    return round(0.299 * r + 0.587 * g + 0.114 * b)


def slogan_lines(campaign, size_id: str, slogan_id: str, tmp_path: Path) -> list[Line]:
    """Render the PNG with capitals about RENDER_CAP_PX tall; crop each slogan line."""
    probe = compose_job(campaign, make_job(campaign, "xa-bang-mac", slogan_id, size_id))
    dpi = max(10, min(1200, math.ceil(RENDER_CAP_PX / probe.legibility.cap_height_mm * 25.4)))
    job = make_job(campaign, "xa-bang-mac", slogan_id, size_id, dpi=dpi)
    art = compose_job(campaign, job)
    png = render_job(campaign, job, tmp_path, formats=("png",)).files["png"]
    img = Image.open(png).convert("L")

    target = vn_upper(campaign.slogan(slogan_id).text)
    runs = [it for it in art.scene.items if isinstance(it, GlyphRun)]
    chosen = None
    for a in range(len(runs)):
        for b in range(a + 1, len(runs) + 1):
            if " ".join(r.text for r in runs[a:b]) == target:
                chosen = runs[a:b]
    assert chosen, f"no run of lines spells the slogan: {[r.text for r in runs]}"

    k = dpi / 72.0
    bleed = art.scene.bleed_pt
    lines = []
    for run in chosen:
        font = load_font(run.font_path)
        xs, ys = [], []
        for g in run.glyphs:
            ink = font.ink(g.gid)
            if ink is not None:
                xs += [g.x_pt + ink.x_min * run.size_pt, g.x_pt + ink.x_max * run.size_pt]
                ys += [g.y_pt - ink.y_max * run.size_pt, g.y_pt - ink.y_min * run.size_pt]
        cap_px = font.cap_height_em * run.size_pt * k
        m = 0.25 * cap_px
        box = (
            max(0, math.floor((min(xs) - bleed) * k - m)),
            max(0, math.floor((min(ys) - bleed) * k - m)),
            min(img.width, math.ceil((max(xs) - bleed) * k + m)),
            min(img.height, math.ceil((max(ys) - bleed) * k + m)),
        )
        baseline = round((run.glyphs[0].y_pt - bleed) * k) - box[1]
        lines.append(Line(run.text, img.crop(box), cap_px, _luma(run.color.rgb), baseline))
    return lines


def prepare(line: Line, prep: str) -> Image.Image:
    """Dark text on white, padded: what Tesseract likes."""
    crop = line.crop
    border = [crop.getpixel((x, 0)) for x in range(crop.width)] + [crop.getpixel((x, crop.height - 1)) for x in range(crop.width)]
    ground = sorted(border)[len(border) // 2]
    text_is_lighter = line.text_l > ground
    if prep == "bin":
        cut = (line.text_l + ground) / 2
        out = crop.point(lambda v: 0 if ((v > cut) == text_is_lighter) else 255)
    else:
        out = ImageOps.autocontrast(crop)
        if text_is_lighter:
            out = ImageOps.invert(out)
    return ImageOps.expand(out, border=round(line.cap_px * 0.5), fill=255)


def read_line(line: Line) -> tuple[bool, list[str]]:
    """Try the attempts in order; True as soon as one reads the line exactly."""
    readings = []
    prepared = {p: prepare(line, p) for p in ("bin", "gray")}
    for cap, psm, prep in ATTEMPTS:
        img = prepared[prep]
        s = cap / line.cap_px
        txt = ocr(img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.LANCZOS), psm)
        readings.append(f"{prep}/{cap}px/psm{psm}: {txt}")
        if txt == line.text:
            return True, readings
    return False, readings


@pytest.mark.parametrize("slogan_id", [str(i + 1) for i in range(6)])
@pytest.mark.parametrize("size_id", SIZES)
def test_ocr_reads_the_slogan_exactly(campaign, tmp_path, size_id, slogan_id):
    lines = slogan_lines(campaign, size_id, slogan_id, tmp_path)
    assert " ".join(l.text for l in lines) == vn_upper(APPROVED_SLOGANS[int(slogan_id) - 1])
    failures = []
    for line in lines:
        ok, readings = read_line(line)
        if not ok:
            failures.append(f"'{line.text}' never read exactly:\n    " + "\n    ".join(readings))
    assert not failures, "\n".join(failures)


def test_ocr_notices_missing_marks(campaign, tmp_path):
    """Control: erase everything above the capitals (the tone marks and circumflexes)
    and the same routine must no longer read the line exactly."""
    lines = slogan_lines(campaign, "bieu-ngu-500x80", "4", tmp_path)
    line = lines[0]
    assert any(ch in line.text for ch in "ỔỚẠÁ")
    crop = line.crop.copy()
    cut = line.baseline_px - round(line.cap_px * 1.04)
    ground = crop.getpixel((0, 0))
    crop.paste(ground, (0, 0, crop.width, max(0, cut)))
    damaged = Line(line.text, crop, line.cap_px, line.text_l, line.baseline_px)
    ok, readings = read_line(damaged)
    assert not ok, readings
