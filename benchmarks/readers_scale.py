"""The readers of a national manifest: peak memory and time of proof, order and bundle.

    python benchmarks/readers_scale.py [--artworks N] [--quick] [--keep DIR] [--only proof,order,bundle]

1. An output folder of N artworks (default 60,000, which the country's 3,321 units x 18 cap at
   59,778; --quick: 3,000) as the national run leaves it,
   built cheaply: the real batch of proof_scale.py (about 340 artworks of the packaged campaign,
   PDF, then preflighted at the quick level as a batch does by default, and its proof drawn), then
   proof_scale.national_proof, which gives every unit of the national campaign
   (``init --province all``) the 6 slogans x 3 default kinds of one unit, its files and previews
   hard links to the real ones. Its manifest is written again as a batch writes it (one artwork a
   line, with the campaign's record), cut to the first N artworks.
2. Each reader is run as a whole process, as a user runs it, through a small wrapper that records
   the peak resident memory of the process itself (VmHWM) and of its largest worker
   (RUSAGE_CHILDREN):

   - ``poster-gen proof OUT``, once writing every page (the previews are already there), once
     again with nothing changed;
   - ``poster-gen order OUT`` (order.xlsx, order.csv, order.pdf);
   - ``poster-gen bundle OUT`` the first time, with one worker, each preview drawn once per
     size and slogan and hard-linked for the other units (drawing 60,000 previews would take
     hours and is not what is measured here), then again with every bundle up to date.

Limit: 400 MB for the process. Not part of the test suite: the machine is shared and its timings
are noisy; read them as one run. --keep DIR builds the folder in DIR and reuses it next time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import proof_scale
from national import PEAK_RECORDER

from poster_gen import proof
from poster_gen.resources import default_campaign

FULL = 60_000
QUICK = 3_000
LIMIT_MB = 400

# Runs poster-gen as `python -m poster_gen` does and, at exit, writes the peak resident memory of
# this process (VmHWM: RUSAGE_SELF would keep the mark of the process that forked it) and of its
# largest worker. With --link-previews (bundle, one worker), a preview is drawn once per size,
# slogan, design and kind and hard-linked for every other unit.
WRAPPER = """\
import atexit, json, os, resource, runpy, sys
record = sys.argv.pop(1)
link = sys.argv[1] == "--link-previews"
if link:
    sys.argv.pop(1)
""" + PEAK_RECORDER + """\
if link:
    from poster_gen import bundle
    real, models = bundle._draw, {}
    def _draw(task):
        p, dest = task
        e = p.entry
        model = models.get((e.size, e.slogan, e.design, e.kind))
        if model is not None:
            os.link(model, dest)
            return p.key, ""
        key, err = real(task)
        if not err:
            models[(e.size, e.slogan, e.design, e.kind)] = dest
        return key, err
    bundle._draw = _draw
runpy.run_module("poster_gen", run_name="__main__", alter_sys=True)
"""


def env() -> dict:
    e = dict(os.environ, POSTER_GEN_LANG="en")
    e.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caches, as installed
    return e


def build(work: Path, n: int) -> tuple[Path, Path, int, int]:
    """(output folder, campaign file, artworks, units) of an n-artwork national output in ``work``."""
    from poster_gen.batch import (
        MANIFEST,
        campaign_record,
        check_outputs,
        load_manifest,
        record_checks,
        write_manifest,
    )
    from poster_gen.records import ManifestEntry

    real = work / "batch"
    if not (real / proof.PROOF_DIR / proof.PREVIEW_INDEX).is_file():
        shutil.rmtree(real, ignore_errors=True)
        t = time.perf_counter()
        proof_scale.real_batch(real)
        entries = load_manifest(real / MANIFEST)
        record_checks(real / MANIFEST, real, check_outputs(real, entries, default_campaign(), level="quick"))
        subprocess.run(proof_scale.cli("proof", str(real)), check=True, env=env(), stdout=subprocess.DEVNULL)
        print(f"real batch of {len(entries)} artworks, preflighted, with its proof: {time.perf_counter() - t:.0f} s")
    nat = work / "national"
    shutil.rmtree(nat, ignore_errors=True)
    nat.mkdir(parents=True)
    out = nat / "out"
    t = time.perf_counter()
    units, artworks, campaign_path = proof_scale.national_proof(real, out)
    data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["artworks"][:n]
    entries = [ManifestEntry.from_dict(d) for d in data]
    write_manifest(out / MANIFEST, entries, campaign_record(campaign_path))
    if len(data) < artworks:  # the previews of the artworks kept, as proof recorded them
        index = out / proof.PROOF_DIR / proof.PREVIEW_INDEX
        made = json.loads(index.read_text(encoding="utf-8"))
        keep = {proof._preview_name(proof.typed_entry(d), list(d["files"].values()), proof.preview_format())
                for d in data}
        index.write_text(json.dumps({"previews": [p for p in made["previews"] if p in keep],
                                     "sizes": {p: s for p, s in made["sizes"].items() if p in keep}}),
                         encoding="utf-8")
    units = len({e.unit for e in entries})
    mb = (out / MANIFEST).stat().st_size / 1e6
    print(f"national output: {len(entries):,} artworks of {units:,} units, manifest {mb:.0f} MB, "
          f"built in {time.perf_counter() - t:.0f} s")
    (work / "built.json").write_text(json.dumps({"asked": n, "artworks": len(entries), "units": units,
                                                 "campaign": str(campaign_path)}), encoding="utf-8")
    return out, campaign_path, len(entries), units


def run(wrapper: Path, record: Path, args: list[str]) -> tuple[float, float, float]:
    """(seconds, peak MB of the process, peak MB of its largest worker) of one poster-gen command."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, str(wrapper), str(record), *args], check=False, env=env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t
    if r.returncode:
        tail = (r.stderr or "").strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"poster-gen {' '.join(args)} exited {r.returncode}: {tail[0]}")
    rec = json.loads(record.read_text())
    return secs, rec["self_kb"] / 1024, rec["children_kb"] / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artworks", type=int, default=None, help=f"artworks in the output (default {FULL:,})")
    ap.add_argument("--quick", action="store_true", help=f"{QUICK:,} artworks")
    ap.add_argument("--keep", metavar="DIR", help="build the output in DIR and reuse it when it is there")
    ap.add_argument("--only", metavar="STEPS", default="proof,order,bundle",
                    help="the readers to run, comma-separated (default: proof,order,bundle)")
    args = ap.parse_args()
    n = args.artworks or (QUICK if args.quick else FULL)
    try:
        import vietnam_provinces  # noqa: F401  (the official list: init --province all)
    except ModuleNotFoundError:
        sys.exit("the optional package vietnam-provinces is not installed (pip install -e '.[test]'); it gives "
                 "the national campaign")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="readers-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        built = work / "built.json"
        rec = json.loads(built.read_text(encoding="utf-8")) if built.is_file() else {}
        out = work / "national" / "out"
        if rec.get("asked") == n and (out / "manifest.json").is_file():
            campaign, artworks, units = Path(rec["campaign"]), rec["artworks"], rec["units"]
            print(f"reusing the national output in {out}: {artworks:,} artworks of {units:,} units")
        else:
            out, campaign, artworks, units = build(work, n)
        wrapper = work / "rss_wrapper.py"
        wrapper.write_text(WRAPPER, encoding="utf-8")
        record = work / "rss.json"
        c = ["--campaign", str(campaign)]
        steps = [s.strip() for s in args.only.split(",")]
        plan = []
        if "proof" in steps:
            shutil.rmtree(out / proof.PROOF_DIR / proof.PAGES_DIR, ignore_errors=True)
            (out / proof.INDEX).unlink(missing_ok=True)
            plan += [("proof, every page written (previews there)", [*c, "proof", str(out)]),
                     ("proof again, nothing changed", [*c, "proof", str(out)])]
        if "order" in steps:
            for name in ("order.xlsx", "order.csv", "order.pdf"):
                (out / name).unlink(missing_ok=True)
            plan += [("order (xlsx, csv, pdf)", [*c, "order", str(out), "--date", "2026-04-01"])]
        if "bundle" in steps:
            shutil.rmtree(out / "bundles", ignore_errors=True)
            plan += [("bundle, first (one worker, previews linked)",
                      ["--link-previews", *c, "bundle", str(out), "-j", "1", "--quiet"]),
                     ("bundle again, every bundle up to date", [*c, "bundle", str(out), "--quiet"])]
        print(f"readers of {artworks:,} artworks ({units:,} units); peak memory of the process (limit {LIMIT_MB} MB)"
              " and of its largest worker:")
        figures = {"artworks": artworks, "units": units, "limit_mb": LIMIT_MB, "steps": {}}
        for label, cmd in plan:
            secs, mb, worker = run(wrapper, record, cmd)
            over = "  OVER" if mb > LIMIT_MB else ""
            print(f"  {label:<46} {secs:8.1f} s  {mb:6.0f} MB{over}" + (f"  (worker {worker:.0f} MB)" if worker else ""))
            figures["steps"][label] = {"seconds": round(secs, 2), "peak_mb": round(mb, 1), "worker_mb": round(worker, 1)}
        if (out / "order.pdf").is_file():
            pages = _pdf_pages(out / "order.pdf")
            figures["order_pdf_pages"] = pages
            print(f"  order.pdf: {pages} pages, {(out / 'order.pdf').stat().st_size / 1e6:.1f} MB; order.xlsx "
                  f"{(out / 'order.xlsx').stat().st_size / 1e6:.1f} MB")
        print(json.dumps(figures, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


if __name__ == "__main__":
    main()
