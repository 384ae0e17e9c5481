"""Batches: many jobs, run in worker processes, recorded in a manifest."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from poster_gen.api import DEFAULT_DESIGN, Result, find_slogan, find_unit, make_job, render_job
from poster_gen.campaign import Campaign, load_campaign
from poster_gen.errors import PosterGenError
from poster_gen.output import atomic_write, remove_stale_temps
from poster_gen.pdf import PdfOptions
from poster_gen.sizes import KINDS, default_size, resolve_size

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Order:
    unit: str
    slogan: str
    size: str
    design: str = DEFAULT_DESIGN


@dataclass
class BatchReport:
    made: list[dict] = field(default_factory=list)
    failed: list[tuple[Order, str]] = field(default_factory=list)
    seconds: float = 0.0


def plan_all(
    campaign: Campaign,
    units: list[str] | None = None,
    slogans: list[str] | None = None,
    sizes: list[str] | None = None,
    design: str = DEFAULT_DESIGN,
) -> list[Order]:
    unit_ids = [find_unit(campaign, u).id for u in units] if units else [u.id for u in campaign.units]
    slogan_ids = [find_slogan(campaign, s).id for s in slogans] if slogans else [s.id for s in campaign.slogans]
    size_ids = [resolve_size(s).id for s in sizes] if sizes else [default_size(k).id for k in KINDS]
    if sizes:
        # keep the user's spelling so WxH sizes re-resolve identically in workers
        size_ids = list(sizes)
    return [Order(u, s, z, design) for u in unit_ids for s in slogan_ids for z in size_ids]


_W: dict = {}


def _init_worker(campaign_path: str, formats: tuple[str, ...], out: str, pdf_opts: PdfOptions, dpi, design_dirs):
    _W.update(
        campaign=load_campaign(campaign_path), formats=formats, out=Path(out), pdf=pdf_opts, dpi=dpi, dirs=design_dirs
    )


def _run_one(order: Order) -> tuple[Order, dict | None, str | None]:
    try:
        job = make_job(_W["campaign"], order.unit, order.slogan, order.size, order.design, dpi=_W["dpi"], design_dirs=_W["dirs"])
        res = render_job(_W["campaign"], job, _W["out"], _W["formats"], _W["pdf"])
        return order, manifest_entry(res, _W["out"]), None
    except PosterGenError as exc:
        return order, None, str(exc)


def manifest_entry(res: Result, out: Path) -> dict:
    leg = res.legibility
    return {
        "unit": res.job.unit.id,
        "slogan": res.job.slogan.id,
        "size": res.job.size.id,
        "kind": res.job.size.kind,
        "design": res.job.design.id,
        "files": {fmt: Path(os.path.relpath(p, out)).as_posix() for fmt, p in res.files.items()},
        "width_mm": res.job.size.width_mm,
        "height_mm": res.job.size.height_mm,
        "dpi": res.job.size.dpi,
        "lines": list(leg.lines) if leg else [],
        "cap_height_mm": leg.cap_height_mm if leg else None,
        "required_cap_mm": leg.required_mm if leg else None,
        "viewing_m": leg.viewing_m if leg else None,
        "legible": leg.ok if leg else None,
        "warnings": list(res.warnings),
    }


def run_batch(
    campaign_path: Path,
    orders: list[Order],
    out: Path,
    formats: tuple[str, ...],
    pdf_opts: PdfOptions = PdfOptions(),
    jobs: int | None = None,
    dpi: int | None = None,
    design_dirs: list[Path] | None = None,
    progress=None,
) -> BatchReport:
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out)
    report = BatchReport()
    jobs = max(1, jobs or os.cpu_count() or 1)
    args = (str(campaign_path), formats, str(out), pdf_opts, dpi, design_dirs)
    if jobs == 1 or len(orders) <= 1:
        _init_worker(*args)
        results = map(_run_one, orders)
        _consume(results, report, progress, len(orders))
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=args) as pool:
            _consume(pool.map(_run_one, orders, chunksize=4), report, progress, len(orders))
    write_manifest(out, report.made)
    report.seconds = time.perf_counter() - t0
    return report


def _consume(results, report: BatchReport, progress, total: int) -> None:
    for i, (order, entry, err) in enumerate(results, 1):
        if entry is not None:
            report.made.append(entry)
        else:
            report.failed.append((order, err or "failed"))
        if progress:
            progress(i, total, order, err)


def write_manifest(out: Path, entries: list[dict]) -> Path:
    path = out / MANIFEST
    data = {"tool": "poster-gen", "artworks": sorted(entries, key=lambda e: (e["unit"], e["size"], e["slogan"], e["design"]))}
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    return path
