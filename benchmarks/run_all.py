"""poster-gen benchmark, every figure of the README in one run.

    python benchmarks/run_all.py [--quick] [--json PATH] [--shards N] [--no-national]

Start-up (startup.py), one banner as PDF and as PNG at 100 dpi, the default batch as the README
runs it (--format pdf, preflight on) and the national sharded run (national.py), each against
Inkscape exporting the same banner and against the import floor, as whole processes (what a
user runs), medians of several runs. Prints a Markdown table and writes the figures as JSON.
--quick takes fewer runs, to try it fast. Not part of the test suite: the machine is shared
and its timings are noisy; read them as one run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import inkscape
import national
import startup

from poster_gen import __version__
from poster_gen.output import atomic_write
from poster_gen.resources import default_campaign

HERE = Path(__file__).resolve().parent
BATCH_TARGET_RATE = 100.0  # PDF/s, preflight included
BATCH_TARGET_X_INKSCAPE = 50.0


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "poster_gen", *args]


def median_of(cmd: list[str], runs: int) -> float:
    return statistics.median(national.timed(cmd) for _ in range(runs))


def with_format(args: list[str], fmt: str) -> list[str]:
    i = args.index("--format")
    return [*args[: i + 1], fmt, *args[i + 2 :]]


def secs(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "—"
    return f"{s / 60:.1f} min" if s >= 600 else f"{s:.2f} s"


def row(what, ours, ink=None, floor=None, floor_what="", target="", ok=None, ours_text=None) -> dict:
    """One line of the table: ``ours``, ``ink`` and ``floor`` in seconds (None: not compared)."""
    return {
        "what": what, "seconds": ours, "text": ours_text or secs(ours),
        "inkscape_s": ink, "x_inkscape": ink / ours if ink and ours else None,
        "floor_s": floor, "floor_what": floor_what, "x_floor": ours / floor if floor and ours else None,
        "target": target, "ok": ok,
    }


def table(rows: list[dict], ink_label: str) -> str:
    head = ["what a user runs", "poster-gen", ink_label, "Inkscape ÷ poster-gen", "floor", "poster-gen ÷ floor",
            "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ok = "" if r["ok"] is None else (" ok" if r["ok"] else " MISSED")
        cells = [
            r["what"], r["text"],
            secs(r["inkscape_s"]) if r["inkscape_s"] else "—",
            f"{r['x_inkscape']:.1f}×" if r["x_inkscape"] else "—",
            f"{secs(r['floor_s'])} {r['floor_what']}".strip() if r["floor_s"] else "—",
            f"{r['x_floor']:.2f}×" if r["x_floor"] else "—",
            (r["target"] + ok).strip() or "—",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def finite(x):
    """``x`` with every NaN or infinity (a figure that could not be had) as None, for JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few runs of each, to try the benchmark fast")
    ap.add_argument("--runs", type=int, help="runs of the start-up and floor (default 11, --quick 3)")
    ap.add_argument("--shards", type=int, help="national: number of shards (default: the number of cores)")
    ap.add_argument("--no-national", action="store_true", help="leave out the national run")
    ap.add_argument("--json", type=Path, help="where to write the figures (default: benchmarks/results.json, "
                                              "with --quick benchmarks/results-quick.json)")
    args = ap.parse_args()
    quick = args.quick
    runs = args.runs or (3 if quick else 11)
    heavy = 2 if quick else 5  # PNG render and Inkscape exports
    batch_runs = 1 if quick else 3
    if not args.no_national:
        try:
            national.gnu_parallel()  # say so before minutes of work
        except national.Missing as exc:
            print(f"benchmark: {exc} (or leave it out: --no-national)", file=sys.stderr)
            sys.exit(2)
    out_json = args.json or HERE / ("results-quick.json" if quick else "results.json")
    cores = os.cpu_count() or 1
    system = (f"poster-gen {__version__}; Python {platform.python_version()}; {platform.machine()}, {cores} cores; "
              f"{platform.system()} {platform.release()}; {datetime.date.today().isoformat()}"
              + ("; --quick" if quick else ""))
    print(system, flush=True)
    env = national.env()
    campaign = str(default_campaign())
    tmp = Path(tempfile.mkdtemp(prefix="poster-gen-bench-"))
    os.chdir(tmp)  # startup.py's render takes the packaged campaign and writes here, whatever the caller's folder
    try:
        floor = startup.run([sys.executable, "-c", startup.FLOOR], env, runs)
        render_pdf_args = [*startup.RENDER_ARGS, "--out", str(tmp / "render")]
        pdf = startup.run(cli(*render_pdf_args), env, runs)
        png = startup.run(cli(*with_format(render_pdf_args, "png"), "--dpi", str(inkscape.PNG_DPI)), env, heavy)
        print(f"import floor {floor:.3f} s, render PDF {pdf:.3f} s (median of {runs}); render PNG at "
              f"{inkscape.PNG_DPI} dpi {png:.3f} s (median of {heavy})", flush=True)

        ink = inkscape.measure(heavy)
        print(f"{ink['label']}: {ink['pdf_s']:.2f} s per PDF, {ink['png_s']:.2f} s per PNG", flush=True)

        batch = cli("--campaign", campaign, "batch", "--out", str(tmp / "batch"), "--format", "pdf", "--quiet",
                    "--force")
        t_batch = median_of(batch, batch_runs)
        n_batch = sum(1 for _ in (tmp / "batch").rglob("*.pdf"))
        t_nocheck = median_of([*batch, "--no-check"], batch_runs)
        rate = n_batch / t_batch
        print(f"default batch --format pdf: {n_batch} PDFs in {t_batch:.2f} s with preflight = {rate:.1f} PDF/s, "
              f"{t_nocheck:.2f} s with --no-check (median of {batch_runs})", flush=True)

        nat = None
        if not args.no_national:
            nat = national.measure(quick, shards=args.shards)
    except national.Missing as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        sys.exit(2)
    except RuntimeError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        os.chdir(HERE)
        shutil.rmtree(tmp, ignore_errors=True)

    ink_pdf, ink_png = ink["pdf_s"], ink["png_s"]
    ratio = pdf / floor
    rows = [
        row("`render` one banner as PDF (start-up)", pdf, ink_pdf, floor, "import", f"≤ {startup.TARGET} × floor",
            ratio <= startup.TARGET),
        row(f"`render` one banner as PNG at {inkscape.PNG_DPI} dpi", png, ink_png, floor, "import"),
        row(f"default `batch --format pdf`, preflight on ({n_batch} PDFs)", t_batch, ink_pdf * n_batch, t_nocheck,
            "`--no-check`", f"≥ {BATCH_TARGET_RATE:.0f} PDF/s, ≥ {BATCH_TARGET_X_INKSCAPE:.0f} × Inkscape",
            rate >= BATCH_TARGET_RATE and rate * ink_pdf >= BATCH_TARGET_X_INKSCAPE,
            ours_text=f"{secs(t_batch)} ({rate:.0f} PDF/s)"),
    ]
    if nat:
        waves = math.ceil(nat["shards"] / nat["parallel_jobs"])  # shard processes one after another on a slot
        rows += [
            row(f"national: {nat['artworks']:,} PDFs, {nat['shards']} shards over GNU parallel, preflight on",
                nat["seconds"], ink_pdf * nat["artworks"], ours_text=f"{secs(nat['seconds'])} ({nat['rate_pdf_s']:.0f} PDF/s)"),
            row("national: the same, nothing changed", nat["rerun_s"], None, floor * waves,
                f"import × {waves}" if waves > 1 else "import", f"≤ {nat['rerun_target_s']:.0f} s",
                nat["rerun_s"] <= nat["rerun_target_s"]),
            row(f"national: `merge` of {nat['shards']} shard manifests (its peak memory)", nat["merge_s"], None, floor,
                "import", ours_text=f"{secs(nat['merge_s'])} ({nat['merge_peak_mb']:.0f} MB)"),
            row("national: peak memory of a shard's parent", None, ok=nat["parent_peak_mb"] <= nat["parent_limit_mb"],
                target=f"≤ {nat['parent_limit_mb']} MB", ours_text=f"{nat['parent_peak_mb']:.0f} MB"),
            row(f"projected: {nat['projection']['artworks']:,} PDFs (every unit × 6 slogans × 3 kinds)",
                nat["projection"]["seconds"], ink_pdf * nat["projection"]["artworks"],
                ours_text=f"{secs(nat['projection']['seconds'])} ({nat['projection']['rate_pdf_s']:.0f} PDF/s)"),
        ]
    print()
    print(table(rows, "Inkscape" if ink["measured"] else "Inkscape (not re-run)"))
    if not ink["measured"]:
        print(f"\nInkscape is not installed: its figures are the {ink['label']} (apt-get install inkscape to measure).")
    result = {
        "system": system, "version": __version__, "python": platform.python_version(), "cores": cores,
        "date": datetime.date.today().isoformat(), "quick": quick,
        "startup": {"floor_s": floor, "render_pdf_s": pdf, "ratio": ratio, "target": startup.TARGET, "runs": runs},
        "render_png_s": png, "render_png_runs": heavy, "inkscape": ink,
        "batch": {"pdfs": n_batch, "seconds": t_batch, "rate_pdf_s": rate, "no_check_s": t_nocheck, "runs": batch_runs},
        "national": nat, "rows": rows,
    }
    with atomic_write(out_json) as fh:
        fh.write((json.dumps(finite(result), indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8"))
    print(f"\nfigures written to {out_json}")


if __name__ == "__main__":
    main()
