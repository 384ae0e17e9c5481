"""Legibility benchmark: what keeping phrases whole costs in type size.

    python benchmarks/legibility.py [--json OUT.json] [--compare BEFORE.json] [--units first|all] [--floor]

For every packaged design x every preset size of a kind it lays out x every
slogan of the packaged campaign, of the same campaign without its ``breaks``
hints, and of the Quốc khánh 2025 campaign (tests/data), with the campaign's
first unit (or all its units), composes the artwork through the library
(``make_job`` / ``compose_job``) and records the slogan's capital height over
the capital height its viewing distance needs (``Artwork.legibility``).

Prints, per campaign and overall, the mean ratio, how many artworks are
below the recommended height, how many are refused (``LayoutError``), the
mean time to compose one artwork, and the time to lay out a slogan without
the memo. ``--json`` saves every artwork's result (ratio, lines of the slogan
and of every text block); ``--compare`` reads such a file from an earlier run
and reports the change of the mean ratio, the largest drop, and any artwork
refused now that rendered then. ``--floor`` passes the slogan block its
legibility floor (``FitOptions.min_size_pt``) as compose would with it wired
in. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

from poster_gen import compose as compose_module
from poster_gen import layout
from poster_gen.api import compose_job, make_job
from poster_gen.campaign import load_campaign
from poster_gen.design import list_designs
from poster_gen.errors import LayoutError
from poster_gen.resources import default_campaign
from poster_gen.scene import GlyphRun
from poster_gen.sizes import PRESETS, PT_PER_MM
from poster_gen.text import upper

REPO = Path(__file__).resolve().parents[1]
QUOC_KHANH = REPO / "tests" / "data" / "campaign-quoc-khanh-2025.toml"


def campaigns():
    packaged = load_campaign(default_campaign())
    hintless = dataclasses.replace(
        packaged, slogans=tuple(dataclasses.replace(s, breaks=None) for s in packaged.slogans)
    )
    out = [("packaged", packaged), ("packaged-no-breaks", hintless)]
    if QUOC_KHANH.exists():
        out.append(("quoc-khanh-2025", load_campaign(QUOC_KHANH)))
    return out


LAYOUT_TIMES: list[tuple[float, str]] = []  # (seconds, text) of every slogan laid out afresh


def _timed_fit(words, region, metrics, opts=layout.FitOptions()):
    """compose's fit, timed without the memo (the first layout of a slogan in a batch)."""
    t0 = time.perf_counter()
    block = layout._fit(list(words), region, metrics, opts)
    LAYOUT_TIMES.append((time.perf_counter() - t0, block.text))
    return block


_JOB: dict = {}  # the job being composed, for _floor_fit


def _floor_fit(words, region, metrics, opts=layout.FitOptions()):
    """compose's fit, passing the slogan block the legibility floor (what --floor simulates):
    the size whose capitals reach the refusal line (half the recommended height), plus 2 %."""
    job = _JOB.get("job")
    if job is not None and " ".join(w.text for w in words) == upper(job.slogan.text):
        floor_mm = 1.02 * compose_module.MIN_READABLE_FRACTION * job.size.min_cap_mm
        opts = dataclasses.replace(opts, min_size_pt=floor_mm * PT_PER_MM / metrics.cap_height_em)
    return layout.fit(words, region, metrics, opts)


def run(units_mode: str) -> list[dict]:
    designs = list_designs()
    rows = []
    for cname, camp in campaigns():
        units = camp.units if units_mode == "all" else camp.units[:1]
        for d in designs:
            design = d.id
            for size_id, size in PRESETS.items():
                if size.kind not in d.kinds:  # a kind this design does not lay out
                    continue
                for slogan in camp.slogans:
                    for unit in units:
                        job = make_job(camp, unit.id, slogan.id, size_id, design_id=design)
                        _JOB["job"] = job
                        t0 = time.perf_counter()
                        row = {
                            "campaign": cname, "design": design, "size": size_id,
                            "slogan": slogan.id, "unit": unit.id,
                        }
                        try:
                            art = compose_job(camp, job)
                        except LayoutError as exc:
                            row.update(refused=True, error=str(exc), seconds=time.perf_counter() - t0)
                            rows.append(row)
                            continue
                        leg = art.legibility
                        row.update(
                            refused=False,
                            seconds=time.perf_counter() - t0,
                            cap_mm=leg.cap_height_mm,
                            required_mm=leg.required_mm,
                            ratio=leg.cap_height_mm / leg.required_mm,
                            lines=list(leg.lines),
                            runs=[r.text for r in art.scene.items if isinstance(r, GlyphRun)],
                        )
                        rows.append(row)
    return rows


def summary(rows: list[dict], label: str) -> str:
    ok = [r for r in rows if not r["refused"]]
    refused = len(rows) - len(ok)
    mean = statistics.fmean(r["ratio"] for r in ok) if ok else float("nan")
    small = sum(1 for r in ok if r["ratio"] < 1 - 1e-9)
    ms = statistics.fmean(r["seconds"] for r in rows) * 1000 if rows else 0.0
    return (
        f"{label:<22} artworks {len(rows):5d}  mean cap/required {mean:6.3f}  "
        f"below recommended {small:4d}  refused {refused:3d}  compose {ms:6.1f} ms/artwork"
    )


def key(r: dict) -> tuple:
    return (r["campaign"], r["design"], r["size"], r["slogan"], r["unit"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="save every artwork's result here")
    ap.add_argument("--compare", type=Path, help="an earlier --json file to compare with")
    ap.add_argument("--units", choices=("first", "all"), default="first",
                    help="the campaign's first unit only (the slogan's size does not depend on it) or all")
    ap.add_argument("--floor", action="store_true",
                    help="simulate compose passing the slogan block its legibility floor (FitOptions.min_size_pt)")
    args = ap.parse_args(argv)
    if args.floor:
        compose_module.fit = _floor_fit

    t0 = time.perf_counter()
    rows = run(args.units)
    wall = time.perf_counter() - t0
    print(f"legibility benchmark: {len(rows)} artworks in {wall:.1f} s")
    for cname in dict.fromkeys(r["campaign"] for r in rows):
        print(summary([r for r in rows if r["campaign"] == cname], cname))
    print(summary(rows, "all"))
    # the slogan block alone, laid out afresh (no memo), on the first unit's artworks
    slogans = {" ".join(r["lines"]) for r in rows if not r["refused"]}
    fit = compose_module.fit
    compose_module.fit = _timed_fit
    try:
        run("first")
    finally:
        compose_module.fit = fit
    times = sorted(t for t, text in LAYOUT_TIMES if text in slogans)
    if times:
        print(
            f"slogan layout without memo: {len(times)} layouts, median {statistics.median(times) * 1000:.1f} ms, "
            f"90th percentile {times[int(0.9 * (len(times) - 1))] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")
    if args.compare:
        before = {key(r): r for r in json.loads(args.compare.read_text(encoding="utf-8"))}
        now = {key(r): r for r in rows}
        common = [k for k in now if k in before and not now[k]["refused"] and not before[k]["refused"]]
        newly_refused = [k for k in now if k in before and now[k]["refused"] and not before[k]["refused"]]
        print(f"compared with {args.compare.name}: {len(common)} artworks rendered in both")
        for cname in dict.fromkeys(k[0] for k in common):
            ks = [k for k in common if k[0] == cname]
            b = statistics.fmean(before[k]["ratio"] for k in ks)
            a = statistics.fmean(now[k]["ratio"] for k in ks)
            print(f"  {cname:<22} mean ratio before {b:.3f} after {a:.3f} ({(a / b - 1) * 100:+.1f} %)")
        if common:
            b = statistics.fmean(before[k]["ratio"] for k in common)
            a = statistics.fmean(now[k]["ratio"] for k in common)
            worst = min(common, key=lambda k: now[k]["ratio"] / before[k]["ratio"])
            print(f"  {'all':<22} mean ratio before {b:.3f} after {a:.3f} ({(a / b - 1) * 100:+.1f} %)")
            print(f"  largest drop: {' / '.join(worst)} "
                  f"{before[worst]['ratio']:.3f} -> {now[worst]['ratio']:.3f}")
            changed = sum(1 for k in common if now[k]["lines"] != before[k]["lines"])
            print(f"  slogan set differently: {changed} of {len(common)}")
        print(f"  refused now, rendered before: {len(newly_refused)}")
        for k in newly_refused[:20]:
            print("    " + " / ".join(k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
