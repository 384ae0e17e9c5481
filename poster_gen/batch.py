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
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from poster_gen import __version__
from poster_gen.api import DEFAULT_DESIGN, Job, Result, find_slogan, find_unit, render_job
from poster_gen.campaign import Campaign, load_campaign
from poster_gen.errors import OutputError, PosterGenError
from poster_gen.fonts import load_font
from poster_gen.i18n import N_, _, language, set_language
from poster_gen.limits import read_json
from poster_gen.output import atomic_write, claim_run, inside, made_by_us, remove_stale_temps
from poster_gen.pdf import PdfOptions
from poster_gen.raster import RasterOptions
from poster_gen.plan import Order, read_plan  # noqa: F401  (read_plan re-exported)
from poster_gen.sizes import DEFAULT_BATCH_KINDS, default_size, resolve_size, with_hem

MANIFEST = "manifest.json"
SHARD_MANIFEST = "manifest.shard-{k}-of-{n}.json"
SHARD_NAME = re.compile(r"^manifest\.shard-[0-9]+-of-[0-9]+\.json$")

try:  # one lock per manifest; fcntl on Unix, msvcrt on Windows
    import fcntl

    msvcrt = None
except ImportError:  # pragma: no cover - Windows
    import msvcrt  # type: ignore[no-redef]
MANIFEST_EVERY_S = 2.0


@dataclass
class BatchReport:
    made: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[tuple[Order, str]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    manifest: Path | None = None
    checks: list = field(default_factory=list)  # FileCheck of every file preflighted by this run

    @property
    def entries(self) -> list[dict]:
        return [*self.made, *self.skipped]


class BatchInterrupted(PosterGenError):
    exit_code = 130

    def __init__(self, report: BatchReport):
        self.report = report
        super().__init__(
            _("interrupted: {made} artworks finished and recorded in {manifest}, {skipped} were already up to date; "
              "run the same command again to finish").format(
                made=len(report.made), manifest=report.manifest, skipped=len(report.skipped)
            )
        )


# ---- plans -------------------------------------------------------------------


def plan_all(
    campaign: Campaign,
    units: list[str] | None = None,
    slogans: list[str] | None = None,
    sizes: list[str] | None = None,
    design: str = DEFAULT_DESIGN,
) -> list[Order]:
    """Every unit x slogan x size (default: the default size of pano, áp phích and băng rôn)."""
    unit_ids = [find_unit(campaign, u).id for u in units] if units else [u.id for u in campaign.units]
    slogan_ids = [find_slogan(campaign, s).id for s in slogans] if slogans else [s.id for s in campaign.slogans]
    if sizes:
        size_ids = [resolve_size(s).id for s in sizes]
    else:
        size_ids = [default_size(k).id for k in DEFAULT_BATCH_KINDS]
    return [Order(u, s, z, design) for u in unit_ids for s in slogan_ids for z in size_ids]


# ---- shards ------------------------------------------------------------------


def parse_shard(spec: str) -> tuple[int, int]:
    try:
        k_s, n_s = spec.split("/")
        k, n = int(k_s), int(n_s)
    except ValueError:
        raise PosterGenError(_("--shard '{spec}' must be K/N, e.g. 2/8 (shard 2 of 8)").format(spec=spec)) from None
    if n < 1 or not 1 <= k <= n:
        raise PosterGenError(_("--shard '{spec}': need 1 <= K <= N").format(spec=spec))
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


def fingerprint(campaign: Campaign, job: Job, formats: tuple[str, ...], pdf_opts: PdfOptions, design: str,
                raster=None) -> str:
    """Hash of everything that shapes an artwork's files (``design``: its ``design_digest``).

    With marks, the slug line is printed in the user's language: the language counts then.
    """
    parts = {
        "tool": __version__,
        "campaign": [campaign.name, campaign.short_name, campaign.lead_in, campaign.event_date.isoformat(), campaign.issuer,
                     [asdict(d) | {"date": str(d.date)} for d in campaign.documents]],
        "unit": asdict(job.unit),
        "slogan": asdict(job.slogan),
        "size": asdict(job.size),
        "design": design,
        "formats": sorted(formats),
        "pdf": repr(pdf_opts),
        "raster": repr(raster or RasterOptions()),
    }
    if pdf_opts.marks and not pdf_opts.slug:
        parts["slug_language"] = language()
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _job(campaign: Campaign, order: Order, designs: dict, dpi: int | None, design_dirs, hem_mm: float | None = None) -> Job:
    """The job of an order (with ``hem_mm`` of sewing allowance, --hem); designs are loaded once into ``designs``."""
    if order.design not in designs:
        from poster_gen.design import load_design

        designs[order.design] = load_design(order.design, design_dirs)
    return Job(
        find_unit(campaign, order.unit), find_slogan(campaign, order.slogan),
        with_hem(resolve_size(order.size, dpi), hem_mm), designs[order.design],
    )


# ---- the manifest ---------------------------------------------------------------


class ManifestError(PosterGenError):
    """A manifest that poster-gen will not replace: damaged, or another program's."""


_AWAY = N_("move it aside (rename it) and run again; its artworks are then checked and made again")


def _entry_problem(e) -> str:
    """Why a manifest entry cannot be one of ours ('' when it can), in the user's language."""
    if not isinstance(e, dict):
        return _("not a table")
    for key in ("unit", "slogan", "size"):
        if not isinstance(e.get(key), str):
            return _("'{key}' is not text").format(key=key)
    if not isinstance(e.get("design", DEFAULT_DESIGN), str):
        return _("'{key}' is not text").format(key="design")
    files = e.get("files")
    if not isinstance(files, dict) or not files:
        return _("'files' is not a table of file names")
    for fmt, rel in files.items():
        if not isinstance(rel, str) or not rel:
            return _("files.{format} is not a file name").format(format=fmt)
        pure = Path(rel)
        if pure.is_absolute() or rel.startswith(("/", "\\")) or ":" in rel or ".." in pure.parts or "\\" in rel:
            return _("files.{format} '{path}' is not a path inside the output folder").format(format=fmt, path=rel[:80])
    copies = e.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
        return _("'copies' is not a whole number")
    return ""


def load_manifest(path: Path) -> list[dict]:
    """The entries of a manifest; none when it does not exist.

    A damaged manifest, or one another program wrote, raises ManifestError:
    it is never silently replaced, so no record is lost.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return []
    if path.is_symlink() or not path.is_file():
        raise ManifestError(
            _("{path} is not a plain file (a link or a folder); {away}").format(path=path, away=_(_AWAY))
        )
    try:
        data = read_json(path, "manifest")
    except ValueError as exc:
        why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ManifestError(
            _("{path} is damaged (not valid JSON: {reason}); poster-gen will not replace it: {away}").format(
                path=path, reason=why, away=_(_AWAY)
            )
        ) from None
    if not isinstance(data, dict) or not str(data.get("tool", "")).startswith("poster-gen"):
        raise ManifestError(
            _("{path} was not written by poster-gen; it is not overwritten: move it away or choose another --out")
            .format(path=path)
        )
    entries = data.get("artworks")
    if not isinstance(entries, list):
        raise ManifestError(
            _("{path} is damaged ('artworks' is not a list); poster-gen will not replace it: {away}").format(
                path=path, away=_(_AWAY)
            )
        )
    for i, e in enumerate(entries, start=1):
        why = _entry_problem(e)
        if why:
            raise ManifestError(
                _("{path}: artwork {number} is damaged ({reason}); poster-gen will not replace it: {away}").format(
                    path=path, number=i, reason=why, away=_(_AWAY)
                )
            )
    return entries


def campaign_record(campaign_path: str | Path) -> dict:
    """Which campaign made the files: its path, name and the SHA-256 of the file."""
    p = Path(campaign_path)
    try:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    return {"path": str(p.resolve()), "name": load_campaign(p).name, "sha256": digest}


def manifest_campaign(out: str | Path) -> dict | None:
    """The campaign record of OUT/manifest.json (see ``campaign_record``), if it has a sound one."""
    return _campaign_of(Path(out) / MANIFEST)


def _campaign_of(path: Path) -> dict | None:
    try:
        data = read_json(path, "manifest") if path.is_file() else None
    except (PosterGenError, ValueError):
        return None
    rec = data.get("campaign") if isinstance(data, dict) else None
    if isinstance(rec, dict) and all(isinstance(rec.get(k), str) for k in ("path", "name", "sha256")):
        return {k: rec[k] for k in ("path", "name", "sha256")}
    return None


def write_manifest(path: Path, entries: list[dict], campaign: dict | None = None) -> Path:
    """Write a manifest; ``campaign`` (a ``campaign_record``) is kept from the file on disk when not given."""
    if campaign is None:
        campaign = _campaign_of(Path(path))
    data = {
        "tool": f"poster-gen {__version__}",
        **({"campaign": campaign} if campaign else {}),
        "artworks": sorted(entries, key=lambda e: (e["unit"], e["size"], e["slogan"], e.get("design", ""))),
    }
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    return path


LOCK_WAIT_S = 120.0


@contextmanager
def manifest_lock(path: Path, wait_s: float = LOCK_WAIT_S):
    """Hold the lock of one manifest while it is read, merged and rewritten.

    Runs that share an output folder (shards on several machines, or two
    batches) take turns: each merges its records into what is on disk, so no
    run's records are lost. The lock file ``.<manifest>.lock`` stays.
    """
    lock = Path(path).with_name(f".{Path(path).name}.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise OutputError(
            _("cannot lock {path}: {reason}; check the --out folder").format(path=path, reason=exc.strerror)
        ) from None
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                if msvcrt is not None:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                else:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise OutputError(
                        _("{path} has been locked by another poster-gen run for {seconds} s; wait for it to finish, "
                          "or choose another --out").format(path=path, seconds=f"{wait_s:.0f}")
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        try:
            if msvcrt is not None:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
        os.close(fd)


class _Ledger:
    """This run's view of its manifest: what was on disk, what it made.

    ``save`` merges under the lock: entries on disk (possibly written by a
    concurrent run since) are kept, entries this run made or confirmed win,
    and entries whose files were gone at the start are dropped.
    """

    def __init__(self, path: Path, campaign: dict | None = None):
        self.path = path
        self.campaign = campaign
        with manifest_lock(path):
            self.old = {_entry_key(e): e for e in load_manifest(path)}
        self.drop: set[tuple] = set()
        self.ours: dict[tuple, dict] = {}
        self._seen: tuple | None = self._stamp()
        self._disk = dict(self.old)

    def _stamp(self):
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def put(self, entry: dict) -> None:
        self.ours[_entry_key(entry)] = entry

    def save(self) -> None:
        with manifest_lock(self.path):
            stamp = self._stamp()
            if stamp != self._seen:  # another run wrote it since we last did
                self._disk = {_entry_key(e): e for e in load_manifest(self.path)}
            merged = {k: e for k, e in self._disk.items() if k not in self.drop}
            merged.update(self.ours)
            write_manifest(self.path, list(merged.values()), self.campaign)
            self._disk = merged
            self._seen = self._stamp()


def _entry_key(e: dict) -> tuple[str, str, str, str]:
    return (e.get("unit", ""), e.get("slogan", ""), e.get("size", ""), e.get("design", DEFAULT_DESIGN))


def _files_exist(out: Path, entry: dict) -> bool:
    return all((out / rel).is_file() for rel in entry["files"].values())


_TAILS = {".pdf": b"%%EOF", ".png": b"IEND\xaeB`\x82", ".jpg": b"\xff\xd9"}  # .tiff: raster.tiff_complete


def _files_intact(out: Path, entry: dict) -> bool:
    """Files exist and end as a complete PDF/PNG/JPEG does (cheap: reads the last bytes)."""
    for rel in entry["files"].values():
        p = out / rel
        if p.suffix.lower() == ".tiff":  # no fixed tail: its strips must all lie inside the file
            from poster_gen.raster import tiff_complete

            if not tiff_complete(p):
                return False
            continue
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


def _remove_replaced(out: Path, prev: dict | None, entry: dict, keep: set[str]) -> None:
    """Delete the files an earlier record of this artwork names and the new one does not
    (a renamed file), when poster-gen made them and no other record names them."""
    if not prev:
        return
    new = set(entry["files"].values())
    for rel in prev["files"].values():
        if rel in new or rel in keep:
            continue
        try:
            p = inside(out, rel)
        except OutputError:
            continue
        if p.is_file() and not p.is_symlink() and made_by_us(p):
            try:
                p.unlink()
            except OSError:
                pass


# ---- workers ----------------------------------------------------------------------

_W: dict = {}


def _watch_parent() -> None:
    """End this worker when its parent is gone (a `kill -9` of the batch).

    Linux kills it at once (PR_SET_PDEATHSIG); elsewhere a thread notices
    within half a second that the parent has gone.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    parent = multiprocessing.parent_process()
    ppid = parent.pid if parent is not None and parent.pid else os.getppid()
    if os.getppid() != ppid:  # the parent died before this worker started
        os._exit(3)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            gone = os.getppid() != ppid
            if not gone and parent is not None and sys.platform == "win32":
                gone = not parent.is_alive()
            if gone:
                os._exit(3)

    threading.Thread(target=watch, name="poster-gen-parent-watch", daemon=True).start()


def _init_worker(*args) -> None:
    """A worker process: Ctrl-C is the parent's to handle, and it dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    _load_state(*args)


def _load_state(campaign_path: str, formats, out: str, pdf_opts: PdfOptions, dpi, design_dirs, check: bool = False,
                lang: str | None = None, raster=None, hem_mm: float | None = None):
    if lang:  # the parent's language: a spawned worker would otherwise guess it from its environment
        set_language(lang)
    _W.update(
        campaign=load_campaign(campaign_path), formats=formats, out=Path(out), pdf=pdf_opts, dpi=dpi, dirs=design_dirs,
        check=check, raster=raster or RasterOptions(), hem=hem_mm,
    )


def _run_one(task: tuple[Order, str]):
    """Make one artwork (and preflight it). Returns (order, entry, error, checks).

    Any failure fails this artwork only: a bug is reported as such, and the
    batch goes on.
    """
    order, digest = task
    try:
        job = _job(_W["campaign"], order, _W.setdefault("designs", {}), _W["dpi"], _W["dirs"], _W["hem"])
        res = render_job(_W["campaign"], job, _W["out"], _W["formats"], _W["pdf"], _W["raster"])
        entry = manifest_entry(res, _W["out"])
        entry["hash"] = digest
        entry["copies"] = order.copies
        checks: list = []
        if _W["check"]:
            checks = _check_paths(_W["out"], [str(p) for p in res.files.values()], _W["campaign"], _W["pdf"].color)
            entry["check"] = [_check_record(c, _W["out"]) for c in checks]
        return order, entry, None, checks
    except PosterGenError as exc:
        return order, None, str(exc), []
    except RecursionError:
        return order, None, _("nested too deeply to make (a design or text beyond the limits)"), []
    except MemoryError:
        return order, None, _("out of memory while making it; choose a smaller size or lower --dpi"), []
    except Exception as exc:  # a bug: fail this artwork, keep the batch going
        return order, None, _("internal error: {error}: {message}; please report it").format(
            error=type(exc).__name__, message=exc
        ), []


def _run_chunk(tasks: list[tuple[Order, str]]):
    return [_run_one(t) for t in tasks]


def _check_paths(out: Path, paths: list[str], campaign, color: str | None):
    from poster_gen.check import check_file

    return [check_file(p, campaign, color) for p in paths]


def _check_record(c, out: Path) -> dict:
    d = c.to_dict()
    d["file"] = Path(os.path.relpath(d["file"], out)).as_posix()
    return d


def manifest_entry(res: Result, out: Path) -> dict:
    """An artwork's record. Capital heights are whole millimetres, the figures the
    messages print, and ``legible`` is judged on them: the record never says 24 mm
    is below 24 mm. ``blocks`` has every text block as set (field, lines,
    cap_height_mm; the blocks held to the viewing distance also required_cap_mm
    and legible); heading_cap_mm and occasion_cap_mm repeat two of them for the
    proof sheet and scripts (null when the design sets no such block)."""
    from poster_gen.compose import OCCASION_FIELDS

    leg = res.legibility

    def block(b) -> dict:
        out_b = {"field": b.field, "lines": list(b.lines), "cap_height_mm": b.cap_height_mm}
        if b.measured:
            out_b.update(required_cap_mm=b.required_mm, legible=b.ok)
        else:
            out_b["legible_to_m"] = b.readable_m
        return out_b

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
        "heading_cap_mm": leg.cap_of(("heading",)) if leg else None,
        "occasion_cap_mm": leg.cap_of(OCCASION_FIELDS) if leg else None,
        "blocks": [block(b) for b in leg.blocks] if leg else [],
        "warnings": list(res.warnings),
    }


# ---- running ----------------------------------------------------------------------

GRACE_S = 5.0  # after Ctrl-C, how long the artworks in hand may take to finish
MAX_POOL_RESTARTS = 50
WORKER_DIED = N_(
    "the worker process making it died twice (killed, perhaps by the system for lack of memory); "
    "try a smaller size or lower --dpi, or run with -j 1"
)


class _Stop:
    """Ctrl-C: the first press stops the batch (the artworks in hand may finish
    within GRACE_S); any further press kills the workers at once."""

    def __init__(self):
        self.presses = 0
        self.pool: ProcessPoolExecutor | None = None
        self._old = None

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: leave signals alone
            self._old = None
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            # once stopping, further presses must not cut short the saving and exit that follow
            signal.signal(signal.SIGINT, signal.SIG_IGN if self.presses else self._old)
        return False

    def _handler(self, signum, frame):
        self.presses += 1
        if self.presses == 1:
            raise KeyboardInterrupt
        _kill_pool(self.pool)


def _kill_pool(pool: ProcessPoolExecutor | None) -> None:
    if pool is None:
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, AttributeError, ValueError):
            pass


def _close_pool(pool: ProcessPoolExecutor, kill: bool) -> None:
    if kill:
        # no future is cancelled here: the pool's own thread fails them once the
        # workers are gone (cancelling as well races with it)
        _kill_pool(pool)
        pool.shutdown(wait=True)
    else:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_pool(todo, jobs: int, args: tuple, chunk: int, record, stop: _Stop, start_method: str | None = None) -> None:
    """Run the tasks in worker processes. A worker that dies (killed, out of
    memory) loses the artworks it held: those are tried again one at a time
    in a new pool, and fail only if they kill a worker again."""
    queue = deque(todo[i : i + chunk] for i in range(0, len(todo), chunk))
    retry: deque = deque()
    restarts = 0
    while queue or retry:
        context = multiprocessing.get_context(start_method) if start_method else None
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_init_worker, initargs=args,
                                   mp_context=context)
        stop.pool = pool
        inflight: dict = {}
        lost: list[tuple[list, bool]] = []
        kill = False
        try:
            def submit_more() -> None:
                if retry:  # one at a time, so a death is pinned on its artwork
                    if not inflight:
                        task = retry.popleft()
                        inflight[pool.submit(_run_chunk, [task])] = ([task], True)
                    return
                while queue and len(inflight) < jobs * 3:
                    c = queue.popleft()
                    inflight[pool.submit(_run_chunk, c)] = (c, False)

            submit_more()
            while inflight:
                finished, _pending = wait(inflight, return_when=FIRST_COMPLETED)
                broken = False
                for f in finished:
                    tasks, again = inflight.pop(f)
                    try:
                        results = f.result()
                    except BrokenProcessPool:
                        broken = True
                        lost.append((tasks, again))
                        continue
                    for r in results:
                        record(*r)
                if broken:
                    for f, (tasks, again) in inflight.items():
                        if f.done() and not f.cancelled() and f.exception() is None:
                            for r in f.result():
                                record(*r)
                        else:
                            lost.append((tasks, again))
                    inflight.clear()
                    kill = True
                    break
                submit_more()
        except KeyboardInterrupt:
            kill = True
            deadline = time.monotonic() + GRACE_S
            for f, _tasks in list(inflight.items()):
                try:
                    for r in f.result(timeout=max(0.0, deadline - time.monotonic())):
                        record(*r)
                except Exception:  # timed out, or killed by a second Ctrl-C: not finished
                    pass
            raise
        finally:
            stop.pool = None
            _close_pool(pool, kill)
        for tasks, again in lost:
            for task in tasks:
                if again:
                    record(task[0], None, _(WORKER_DIED), [])
                else:
                    retry.append(task)
        restarts += 1
        if restarts > MAX_POOL_RESTARTS:
            for tasks in [*([t] for t in retry), *queue]:
                for task in tasks:
                    record(task[0], None, _(WORKER_DIED), [])
            return


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
    check: bool = False,
    start_method: str | None = None,
    raster: RasterOptions | None = None,
    hem_mm: float | None = None,
) -> BatchReport:
    """Render the orders into ``out`` (and preflight each file as it is made
    when ``check``). Raises BatchInterrupted on Ctrl-C."""
    t0 = time.perf_counter()
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PosterGenError(
            _("cannot create output folder {out}: {reason}; choose another --out").format(out=out, reason=exc.strerror)
        ) from None
    if not os.access(out, os.W_OK):
        raise PosterGenError(_("output folder {out} is not writable; choose another --out").format(out=out))
    token = claim_run()
    remove_stale_temps(out, token)
    campaign = load_campaign(campaign_path)
    manifest_path = inside(out, SHARD_MANIFEST.format(k=shard[0], n=shard[1]) if shard else MANIFEST)
    ledger = _Ledger(manifest_path, campaign_record(campaign_path))
    old = ledger.old
    report = BatchReport(manifest=manifest_path)

    designs: dict = {}
    todo: list[tuple[Order, str]] = []
    digests: dict = {}
    unchecked: list[dict] = []
    for o in orders:
        job = _job(campaign, o, designs, dpi, design_dirs, hem_mm)
        dkey = (o.design, job.size.kind)
        if dkey not in digests:
            digests[dkey] = design_digest(job.design, job.size.kind)
        digest = fingerprint(campaign, job, formats, pdf_opts, digests[dkey], raster)
        prev = old.get(o.key)
        want = {fmt: job.relpath(fmt).as_posix() for fmt in formats}
        if not force and prev and prev.get("hash") == digest and prev["files"] == want and _files_intact(out, prev):
            entry = dict(prev, copies=o.copies)
            report.skipped.append(entry)
            ledger.put(entry)
            if check and "check" not in entry:  # made, but its preflight was cut short
                unchecked.append(entry)
        else:
            todo.append((o, digest))
    total = len(todo)
    planned = {o.key for o in orders}
    # records of earlier runs that this plan does not touch stay, unless their files are gone
    ledger.drop = {k for k, e in old.items() if k not in planned and not _files_exist(out, e)}
    still_named = {rel for k, e in old.items() if k not in planned for rel in e["files"].values()}

    jobs = max(1, jobs or os.cpu_count() or 1)
    args = (str(campaign_path), formats, str(out), pdf_opts, dpi, design_dirs, check, language(), raster, hem_mm)
    last_save = time.monotonic()
    done = 0

    def record(order, entry, err, checks=()):
        nonlocal done, last_save
        done += 1
        if entry is not None:
            report.made.append(entry)
            report.checks.extend(checks)
            _remove_replaced(out, old.get(order.key), entry, still_named)
            ledger.put(entry)
        else:
            report.failed.append((order, err or _("failed")))
        if progress:
            progress(done, total, order, err)
        if time.monotonic() - last_save > MANIFEST_EVERY_S:
            ledger.save()
            last_save = time.monotonic()

    try:
        with _Stop() as stop:
            try:
                if jobs == 1 or total <= 1:
                    _load_state(*args)
                    for task in todo:
                        record(*_run_one(task))
                elif total:
                    # small jobs (PDF only) travel in chunks: less inter-process chatter
                    chunk = 1 if "png" in formats else max(1, min(16, total // (jobs * 8)))
                    _run_pool(todo, jobs, args, chunk, record, stop, start_method)
                if unchecked:
                    results = check_outputs(out, unchecked, campaign_path, pdf_opts.color, jobs)
                    report.checks.extend(results)
                    _attach_checks(out, unchecked, results)
            finally:
                # whatever happened, this run's temporary files go and its records are kept
                remove_stale_temps(out, token)
                report.seconds = time.perf_counter() - t0
                try:
                    ledger.save()
                except KeyboardInterrupt:
                    ledger.save()
    except KeyboardInterrupt:
        report.interrupted = True
        raise BatchInterrupted(report) from None
    return report


# ---- preflight -------------------------------------------------------------------


def _init_checker(campaign_path: str, color: str | None, lang: str | None = None):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    if lang:
        set_language(lang)
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
                             initargs=(str(campaign_path), color, language())) as pool:
        return list(pool.map(_check_one, paths, chunksize=8))


def _attach_checks(out: Path, entries: list[dict], checks) -> None:
    by_path = {str(Path(c.path).resolve()): c for c in checks}
    for e in entries:
        found = [by_path[k] for k in (str((Path(out) / rel).resolve()) for rel in e["files"].values()) if k in by_path]
        if found:
            e["check"] = [_check_record(c, out) for c in found]


def record_checks(manifest_path: Path, out: Path, checks) -> None:
    """Store each file's preflight result in its manifest entry (key "check")."""
    with manifest_lock(manifest_path):
        entries = load_manifest(manifest_path)
        _attach_checks(out, entries, checks)
        write_manifest(manifest_path, entries)


def merge_manifests(out: Path) -> tuple[Path, int, int]:
    """Merge OUT/manifest.shard-*.json (and any manifest.json) into manifest.json.

    A damaged shard manifest stops the merge (ManifestError): nothing is
    dropped silently. Returns (path, number of shard files, number of artworks)."""
    out = Path(out)
    shards = sorted(p for p in out.glob("manifest.shard-*-of-*.json") if SHARD_NAME.match(p.name))
    if not shards:
        raise PosterGenError(
            _("no shard manifests (manifest.shard-K-of-N.json) in {out}; run batch --shard first").format(out=out)
        )
    target = inside(out, MANIFEST)
    with manifest_lock(target):
        merged: dict = {_entry_key(e): e for e in load_manifest(target)}
        campaign = _campaign_of(target) or next(filter(None, (_campaign_of(s) for s in shards)), None)
        for s in shards:
            with manifest_lock(s):
                entries = load_manifest(s)
            for e in entries:
                merged[_entry_key(e)] = e
        path = write_manifest(target, list(merged.values()), campaign)
    return path, len(shards), len(merged)
