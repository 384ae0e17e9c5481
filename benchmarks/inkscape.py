"""Inkscape as the yardstick: the same banner as an SVG, exported by Inkscape, whole process.

    python benchmarks/inkscape.py [--runs N]

Used by run_all.py and bench.py. When Inkscape is not installed (apt-get install inkscape),
the figures measured on the development machine are given instead, labelled as such.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from html import escape
from pathlib import Path

from poster_gen.api import compose_job, make_job
from poster_gen.campaign import load_campaign
from poster_gen.resources import default_campaign
from poster_gen.scene import GlyphRun, Rect

UNIT, SLOGAN, SIZE = "xa-bang-mac", "4", "bieu-ngu-500x80"
PNG_DPI = 100

# Measured with Inkscape 1.2.2 on the 2-core development machine (issue 14), whole processes.
REFERENCE = {"pdf_s": 0.41, "png_s": 5.2}
REFERENCE_LABEL = "Inkscape (measured 2026 on the development machine, not re-run)"


def scene_svg(scene, size) -> str:
    """The banner as an SVG, the way a designer would script Inkscape: rectangles and text."""
    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size.width_mm}mm" height="{size.height_mm}mm" '
         f'viewBox="0 0 {scene.width_pt} {scene.height_pt}">')
    ]
    for it in scene.items:
        if isinstance(it, Rect):
            out.append(f'<rect x="{it.x_pt}" y="{it.y_pt}" width="{it.w_pt}" height="{it.h_pt}" fill="{it.color.hex}"/>')
        elif isinstance(it, GlyphRun):
            g = it.glyphs[0]
            weight = {"ExtraBold": 800, "SemiBold": 600, "Bold": 700}.get(it.font_name.split("-")[-1], 700)
            out.append(
                f'<text x="{g.x_pt}" y="{g.y_pt}" font-family="Be Vietnam Pro" font-weight="{weight}" '
                f'font-size="{it.size_pt}" fill="{it.color.hex}">{escape(it.text)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def banner_scene():
    """The scene and size of the benchmark's banner (the one startup.py renders)."""
    campaign = load_campaign(default_campaign())
    job = make_job(campaign, UNIT, SLOGAN, SIZE)
    return compose_job(campaign, job).scene, job.size


def _timed(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def measure(runs: int, scene=None, size=None) -> dict:
    """Inkscape's seconds per PDF and per PNG (PNG_DPI) export of the banner: medians of ``runs``
    whole processes after one warm-up (which also builds Inkscape's font cache). Without Inkscape,
    the reference figures, with ``measured`` False."""
    ink = shutil.which("inkscape")
    if not ink:
        return {"measured": False, "label": REFERENCE_LABEL, "version": "1.2.2", **REFERENCE}
    if scene is None:
        scene, size = banner_scene()
    with tempfile.TemporaryDirectory(prefix="poster-gen-inkscape-") as tmp:
        tmp = Path(tmp)
        svg = tmp / "banner.svg"
        svg.write_text(scene_svg(scene, size), encoding="utf-8")
        fonts = tmp / "xdg" / "fonts"
        fonts.mkdir(parents=True)
        (tmp / "home").mkdir()
        for path in {it.font_path for it in scene.items if isinstance(it, GlyphRun)}:
            for f in Path(path).parent.glob("*.ttf"):
                shutil.copy(f, fonts)
        env = dict(os.environ, XDG_DATA_HOME=str(tmp / "xdg"), HOME=str(tmp / "home"))
        pdf = [ink, str(svg), "--export-type=pdf", f"--export-filename={tmp / 'i.pdf'}"]
        png = [ink, str(svg), "--export-type=png", f"--export-dpi={PNG_DPI}", f"--export-filename={tmp / 'i.png'}"]
        _timed(pdf, env)  # warm-up: font cache
        pdf_s = statistics.median(_timed(pdf, env) for _ in range(runs))
        png_s = statistics.median(_timed(png, env) for _ in range(runs))
        version = subprocess.run([ink, "--version"], check=False, capture_output=True, text=True, env=env).stdout.strip()
    return {"measured": True, "label": f"Inkscape {version.split(' (')[0].removeprefix('Inkscape ')}, this machine",
            "version": version, "pdf_s": pdf_s, "png_s": png_s, "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    r = measure(args.runs)
    how = f" (median of {args.runs})" if r["measured"] else ""
    print(f"{r['label']}: {r['pdf_s']:.2f} s per PDF, {r['png_s']:.2f} s per PNG at {PNG_DPI} dpi{how}")


if __name__ == "__main__":
    main()
