"""poster-gen benchmark: one run, all figures side by side.

    python benchmarks/bench.py [--quick]

Prints: PDFs per second for the full default batch, seconds per banner PNG,
peak memory of two very large renders, the incremental re-run time, and the
same banner done naively (plain Pillow RGB) and with Inkscape (when it is
installed), as ratios. Medians over several runs; the machine is shared.
benchmarks/run_all.py prints the README's table (start-up, single render,
default batch, national shards). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import inkscape
from PIL import Image, ImageDraw, ImageFont

from poster_gen import __version__
from poster_gen.api import make_job, render_job
from poster_gen.campaign import load_campaign
from poster_gen.compose import compose
from poster_gen.png import PngOptions, encode_png, render_strips
from poster_gen.resources import default_campaign
from poster_gen.scene import GlyphRun, Rect

BANNER = "bieu-ngu-500x80"


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "poster_gen", *args]


def run(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


_RSS = r"""
import resource, sys
from poster_gen.api import make_job, render_job
from poster_gen.campaign import load_campaign
from poster_gen.resources import default_campaign
c = load_campaign(default_campaign())
job = make_job(c, "xa-bang-mac", "1", sys.argv[1], dpi=int(sys.argv[2]))
render_job(c, job, sys.argv[3], (sys.argv[4],))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(size: str, dpi: int, out: str, fmt: str = "png") -> tuple[float, float]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _RSS, size, str(dpi), out, fmt], capture_output=True, text=True, check=True)
    return int(r.stdout.split()[-1]) / 1024, time.perf_counter() - t


def naive_png(scene, dpi: int, w: int, h: int, path: str) -> None:
    """What a plain Pillow script does: one RGB image, draw, save."""
    scale = dpi / 72
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    ox = scene.bleed_pt
    for it in scene.items:
        if isinstance(it, Rect):
            d.rectangle(
                ((it.x_pt - ox) * scale, (it.y_pt - ox) * scale, (it.x_pt + it.w_pt - ox) * scale, (it.y_pt + it.h_pt - ox) * scale),
                fill=it.color.rgb,
            )
        elif isinstance(it, GlyphRun):
            f = ImageFont.truetype(it.font_path, it.size_pt * scale)
            g = it.glyphs[0]
            d.text(((g.x_pt - ox) * scale, (g.y_pt - ox) * scale), it.text, font=f, fill=it.color.rgb, anchor="ls")
    img.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--runs", type=int, default=None)
    args = ap.parse_args()
    runs = args.runs or (3 if args.quick else 5)
    campaign = load_campaign(default_campaign())
    tmp = Path(tempfile.mkdtemp(prefix="poster-gen-bench-"))
    try:
        print(f"poster-gen {__version__} benchmark; Python {platform.python_version()}; {platform.machine()}, "
              f"{os.cpu_count()} cores; {platform.platform()}")
        n_art = len(campaign.units) * len(campaign.slogans) * 3

        # 1. full default batch, PDF only
        batch_times = []
        for i in range(max(1, runs // 2)):
            batch_times.append(
                run(cli("batch", "--out", str(tmp / "batch"), "--format", "pdf", "--force", "--quiet", "--no-check"))
            )
        t_batch = statistics.median(batch_times)
        pdf_rate = n_art / t_batch
        print(f"full default batch, PDF: {n_art} artworks in {t_batch:.2f} s (median of {len(batch_times)}, whole "
              f"command, 2 workers) = {pdf_rate:.1f} PDF/s")
        t_check = run(cli("check", str(tmp / "batch")))
        print(f"preflight of those {n_art} PDFs (poster-gen check): {t_check:.2f} s")

        # 2. re-run with nothing changed
        t_rerun = statistics.median(
            [run(cli("batch", "--out", str(tmp / "batch"), "--format", "pdf", "--quiet")) for _ in range(runs)]
        )
        print(f"re-run, nothing changed: {t_rerun:.2f} s (median of {runs})")

        # 3. one banner PNG at print resolution (warm process)
        job = make_job(campaign, "xa-bang-mac", "1", BANNER)
        art = compose(campaign, job.unit, job.slogan, job.size, job.design)
        w, h = job.size.pixel_size

        def ours():
            encode_png(render_strips(art.scene, PngOptions(dpi=job.size.dpi, width_px=w, height_px=h)), w, h, job.size.dpi, io.BytesIO())

        ours()
        t_png = median_time(lambda: render_job(campaign, job, tmp / "one", ("png",)), runs)
        print(f"banner PNG {BANNER} at {job.size.dpi} dpi ({w}x{h}, {w * h / 1e6:.0f} Mpx): {t_png:.3f} s (median of {runs}, compose included)")

        # 4. naive Pillow
        t_naive = median_time(lambda: naive_png(art.scene, job.size.dpi, w, h, str(tmp / "naive.png")), max(1, runs // 2))
        print(f"naive Pillow RGB PNG of the same banner: {t_naive:.3f} s -> poster-gen is {t_naive / t_png:.1f}x faster")

        # 5. two very large renders, peak memory
        for size, dpi, fmt in (("ap-phich-a0", 300, "png"), ("10000x1200", 150, "png"), ("10000x1200", 150, "tiff")):
            rss, secs = peak_rss_mb(size, dpi, str(tmp / "big"), fmt)
            print(f"peak RSS {size} at {dpi} dpi as {fmt.upper()}: {rss:.0f} MB ({secs:.1f} s whole process)")

        # 6. Inkscape (its figures from the development machine when it is not installed)
        ink = inkscape.measure(max(1, runs // 2), art.scene, job.size)
        print(f"{ink['label']}: {ink['pdf_s']:.2f} s per PDF, {ink['png_s']:.2f} s per banner PNG")
        print(f"ratio, batch PDF rate vs Inkscape per-file rate: {pdf_rate * ink['pdf_s']:.0f}x (target >= 50x)")
        print(f"ratio, banner PNG vs Inkscape: {ink['png_s'] / t_png:.1f}x faster (target >= 10x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
