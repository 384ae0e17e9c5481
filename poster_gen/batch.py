"""Batches: plans of many artworks, run in worker processes, recorded in a
manifest that makes re-runs incremental.

The manifest (OUT/manifest.json) lists every artwork this tool made in OUT,
with a fingerprint of everything that shapes it. A re-run renders only the
orders whose fingerprint changed or whose files are missing, and never
deletes a file it did not make.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from poster_gen import __version__
from poster_gen.api import DEFAULT_DESIGN, Job, Result, find_slogan, find_unit, render_job
from poster_gen.campaign import Campaign, load_campaign
from poster_gen.errors import PosterGenError
from poster_gen.fonts import load_font
from poster_gen.output import atomic_write, remove_stale_temps
from poster_gen.pdf import PdfOptions
from poster_gen.sizes import KINDS, default_size, resolve_size
from poster_gen.plan import Order, read_plan  # noqa: F401  (read_plan re-exported)

MANIFEST = "manifest.json"
SHARD_MANIFEST = "manifest.shard-{k}-of-{n}.json"
MANIFEST_EVERY_S = 2.0


@dataclass
class BatchReport:
    made: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[tuple[Order, str]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    manifest: Path | None = None

    @property
    def entries(self) -> list[dict]:
        return [*self.made, *self.skipped]


class BatchInterrupted(PosterGenError):
    exit_code = 130

    def __init__(self, report: BatchReport):
        self.report = report
        super().__init__(
            f"interrupted: {len(report.made)} artworks finished and recorded in {report.manifest}, "
            f"{len(report.skipped)} were already up to date; run the same command again to finish"
        )


# ---- plans -------------------------------------------------------------------


def plan_all(
    campaign: Campaign,
    units: list[str] | None = None,
    slogans: list[str] | None = None,
    sizes: list[str] | None = None,
    design: str = DEFAULT_DESIGN,
) -> list[Order]:
    """Every unit x slogan x size (default: each kind's default size)."""
    unit_ids = [find_unit(campaign, u).id for u in units] if units else [u.id for u in campaign.units]
    slogan_ids = [find_slogan(campaign, s).id for s in slogans] if slogans else [s.id for s in campaign.slogans]
    if sizes:
        size_ids = [resolve_size(s).id for s in sizes]
    else:
        size_ids = [default_size(k).id for k in KINDS]
    return [Order(u, s, z, design) for u in unit_ids for s in slogan_ids for z in size_ids]


# ---- shards ------------------------------------------------------------------


def parse_shard(spec: str) -> tuple[int, int]:
    try:
        k_s, n_s = spec.split("/")
        k, n = int(k_s), int(n_s)
    except ValueError:
        raise PosterGenError(f"--shard '{spec}' must be K/N, e.g. 2/8 (shard 2 of 8)") from None
    if n < 1 or not 1 <= k <= n:
        raise PosterGenError(f"--shard '{spec}': need 1 <= K <= N")
    return k, n


def shard_of(order: Order, n: int) -> int:
    """Stable shard number 1..n of an order: does not depend on the rest of the plan."""
    digest = hashlib.sha256("\x1f".join(order.key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def select_shard(orders: list[Order], k: int, n: int) -> list[Order]:
    return [o for o in orders if shard_of(o, n) == k]


# ---- fingerprints ---------------------------------------------------------------


def design_digest(design, kind: str) -> str:
    """What of a design shapes one kind's artworks: its layout for that kind
    (variants included), fields, colours and the font files' hashes.

    Computed once per design and kind; comments and other kinds' layouts in
    the file do not count, so editing them redoes nothing.
    """
    fonts = sorted(load_font(name, (str(Path(design.path).parent),)).sha256 for name in design.fonts.values())
    variants = {k: v for k, v in design.variants.items() if k[0] == kind}
    parts = [repr(design.kinds.get(kind)), repr(variants), repr(design.fields), repr(design.colors),
             repr(design.fonts), *fonts]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def fingerprint(campaign: Campaign, job: Job, formats: tuple[str, ...], pdf_opts: PdfOptions, design: str) -> str:
    """Hash of everything that shapes an artwork's files (``design``: its ``design_digest``)."""
    parts = {
        "tool": __version__,
        "campaign": [campaign.name, campaign.short_name, campaign.event_date.isoformat(), campaign.issuer,
                     [asdict(d) | {"date": str(d.date)} for d in campaign.documents]],
        "unit": asdict(job.unit),
        "slogan": asdict(job.slogan),
        "size": asdict(job.size),
        "design": design,
        "formats": sorted(formats),
        "pdf": repr(pdf_opts),
    }
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _job(campaign: Campaign, order: Order, designs: dict, dpi: int | None, design_dirs) -> Job:
    """The job of an order; designs are loaded once into ``designs``."""
    if order.design not in designs:
        from poster_gen.design import load_design

        designs[order.design] = load_design(order.design, design_dirs)
    return Job(
        find_unit(campaign, order.unit), find_slogan(campaign, order.slogan), resolve_size(order.size, dpi),
        designs[order.design],
    )


# ---- running -------------------------------------------------------------------

_W: dict = {}


def _init_worker(campaign_path: str, formats, out: str, pdf_opts: PdfOptions, dpi, design_dirs):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _W.update(
        campaign=load_campaign(campaign_path), formats=formats, out=Path(out), pdf=pdf_opts, dpi=dpi, dirs=design_dirs
    )


def _run_one(task: tuple[Order, str]) -> tuple[Order, dict | None, str | None]:
    order, digest = task
    try:
        job = _job(_W["campaign"], order, _W.setdefault("designs", {}), _W["dpi"], _W["dirs"])
        res = render_job(_W["campaign"], job, _W["out"], _W["formats"], _W["pdf"])
        entry = manifest_entry(res, _W["out"])
        entry["hash"] = digest
        entry["copies"] = order.copies
        return order, entry, None
    except PosterGenError as exc:
        return order, None, str(exc)


def _run_chunk(tasks: list[tuple[Order, str]]) -> list[tuple[Order, dict | None, str | None]]:
    return [_run_one(t) for t in tasks]


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


def _entry_key(e: dict) -> tuple[str, str, str, str]:
    return (e.get("unit", ""), e.get("slogan", ""), e.get("size", ""), e.get("design", DEFAULT_DESIGN))


def load_manifest(path: Path) -> list[dict]:
    """Entries of an existing manifest; a damaged one counts as empty."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data.get("artworks", [])
        return [e for e in entries if isinstance(e, dict) and isinstance(e.get("files"), dict)]
    except (OSError, ValueError, AttributeError):
        return []


def _files_exist(out: Path, entry: dict) -> bool:
    return all((out / rel).is_file() for rel in entry["files"].values())


_TAILS = {".pdf": b"%%EOF", ".png": b"IEND\xaeB`\x82"}


def _files_intact(out: Path, entry: dict) -> bool:
    """Files exist and end as a complete PDF/PNG does (cheap: reads the last bytes)."""
    for rel in entry["files"].values():
        p = out / rel
        try:
            with open(p, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 64))
                tail = fh.read()
        except OSError:
            return False
        want = _TAILS.get(p.suffix.lower())
        if want and want not in tail:
            return False
    return True


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
    force: bool = False,
    shard: tuple[int, int] | None = None,
) -> BatchReport:
    """Render the orders into ``out``. Raises BatchInterrupted on Ctrl-C."""
    t0 = time.perf_counter()
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PosterGenError(f"cannot create output folder {out}: {exc.strerror}; choose another --out") from None
    if not os.access(out, os.W_OK):
        raise PosterGenError(f"output folder {out} is not writable; choose another --out")
    remove_stale_temps(out)
    campaign = load_campaign(campaign_path)
    manifest_path = out / (SHARD_MANIFEST.format(k=shard[0], n=shard[1]) if shard else MANIFEST)
    old = {_entry_key(e): e for e in load_manifest(manifest_path)}
    report = BatchReport(manifest=manifest_path)

    designs: dict = {}
    todo: list[tuple[Order, str]] = []
    digests: dict = {}
    for o in orders:
        job = _job(campaign, o, designs, dpi, design_dirs)
        dkey = (o.design, job.size.kind)
        if dkey not in digests:
            digests[dkey] = design_digest(job.design, job.size.kind)
        digest = fingerprint(campaign, job, formats, pdf_opts, digests[dkey])
        prev = old.get(o.key)
        if not force and prev and prev.get("hash") == digest and _files_intact(out, prev):
            entry = dict(prev, copies=o.copies)
            report.skipped.append(entry)
        else:
            todo.append((o, digest))
    total = len(todo)
    planned = {o.key for o in orders}
    # entries from earlier runs that this plan does not touch stay on record
    kept = [e for k, e in old.items() if k not in planned and _files_exist(out, e)]

    def save() -> None:
        write_manifest(manifest_path, kept + report.entries)

    jobs = max(1, jobs or os.cpu_count() or 1)
    args = (str(campaign_path), formats, str(out), pdf_opts, dpi, design_dirs)
    last_save = time.monotonic()
    done = 0

    def record(order, entry, err):
        nonlocal done, last_save
        done += 1
        if entry is not None:
            report.made.append(entry)
        else:
            report.failed.append((order, err or "failed"))
        if progress:
            progress(done, total, order, err)
        if time.monotonic() - last_save > MANIFEST_EVERY_S:
            save()
            last_save = time.monotonic()

    try:
        if jobs == 1 or total <= 1:
            _init_worker(*args)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for task in todo:
                record(*_run_one(task))
        elif total:
            pool = ProcessPoolExecutor(max_workers=min(jobs, total), initializer=_init_worker, initargs=args)
            try:
                # small jobs (PDF only) travel in chunks: less inter-process chatter
                size = 1 if "png" in formats else max(1, min(16, total // (jobs * 8)))
                queue = iter([todo[i : i + size] for i in range(0, total, size)])
                pending = set()
                for chunk in queue:
                    pending.add(pool.submit(_run_chunk, chunk))
                    if len(pending) >= jobs * 3:
                        break
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        for result in f.result():
                            record(*result)
                        nxt = next(queue, None)
                        if nxt is not None:
                            pending.add(pool.submit(_run_chunk, nxt))
            except KeyboardInterrupt:
                # finish what the workers hold (short), drop the rest
                for f in pending:
                    f.cancel()
                for f in pending:
                    if not f.cancelled():
                        try:
                            for result in f.result():
                                record(*result)
                        except Exception:
                            pass
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    except KeyboardInterrupt:
        remove_stale_temps(out)
        save()
        report.interrupted = True
        report.seconds = time.perf_counter() - t0
        raise BatchInterrupted(report) from None
    save()
    report.seconds = time.perf_counter() - t0
    return report


# ---- preflight -------------------------------------------------------------------


def _init_checker(campaign_path: str, color: str | None):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _W.update(check_campaign=load_campaign(campaign_path), check_color=color)


def _check_one(path: str):
    from poster_gen.check import check_file

    return check_file(path, _W["check_campaign"], _W["check_color"])


def check_outputs(out: Path, entries: list[dict], campaign_path: Path, color: str | None = None, jobs: int | None = None):
    """Preflight (``poster_gen.check``) every file the entries list; FileCheck records in order."""
    paths = [str(Path(out) / rel) for e in entries for rel in e["files"].values()]
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(paths) < 8:
        from poster_gen.check import check_file

        campaign = load_campaign(campaign_path)
        return [check_file(p, campaign, color) for p in paths]
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), initializer=_init_checker,
                             initargs=(str(campaign_path), color)) as pool:
        return list(pool.map(_check_one, paths, chunksize=8))


def record_checks(manifest_path: Path, out: Path, checks) -> None:
    """Store each file's preflight result in its manifest entry (key "check")."""
    by_path = {str(Path(c.path).resolve()): c.to_dict() for c in checks}
    entries = load_manifest(manifest_path)
    for e in entries:
        found = [by_path[k] for k in (str((Path(out) / rel).resolve()) for rel in e["files"].values()) if k in by_path]
        if found:
            for d in found:
                d["file"] = Path(os.path.relpath(d["file"], out)).as_posix()
            e["check"] = found
    write_manifest(manifest_path, entries)


def write_manifest(path: Path, entries: list[dict]) -> Path:
    data = {
        "tool": f"poster-gen {__version__}",
        "artworks": sorted(entries, key=lambda e: (e["unit"], e["size"], e["slogan"], e.get("design", ""))),
    }
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    return path


def merge_manifests(out: Path) -> tuple[Path, int, int]:
    """Merge OUT/manifest.shard-*.json (and any manifest.json) into manifest.json.

    Returns (path, number of shard files, number of artworks)."""
    out = Path(out)
    shards = sorted(out.glob("manifest.shard-*-of-*.json"))
    if not shards:
        raise PosterGenError(f"no shard manifests (manifest.shard-K-of-N.json) in {out}; run batch --shard first")
    merged: dict = {_entry_key(e): e for e in load_manifest(out / MANIFEST)}
    for s in shards:
        for e in load_manifest(s):
            merged[_entry_key(e)] = e
    path = write_manifest(out / MANIFEST, list(merged.values()))
    return path, len(shards), len(merged)
