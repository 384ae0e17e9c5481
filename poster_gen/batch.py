"""Batches: plans of many artworks, run in worker processes, recorded in a
manifest that makes re-runs incremental.

The manifest (OUT/manifest.json) lists every artwork this tool made in OUT,
with a fingerprint of everything that shapes it. A re-run renders only the
orders whose fingerprint changed or whose files are missing, and never
deletes a file it did not make.

A run is a library object: ``plan_orders`` says what to make, ``run_batch`` makes
it (each artwork rendered, preflighted and recorded as a ``records.ManifestEntry``)
and returns a ``BatchReport``, whose ``exit_code`` the command line passes on. A
run's state (its options, campaign, loaded designs) lives in a ``Run`` and dies
with it: nothing is cached at module level from one run to the next.
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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from poster_gen import __version__
from poster_gen.api import (
    DEFAULT_DESIGN,
    Job,
    Result,
    find_slogan,
    find_unit,
    render_job,
    resolve_job,
)
from poster_gen.campaign import Campaign, load_campaign
from poster_gen.errors import ExitCode, OutputError, PosterGenError
from poster_gen.fonts import load_font
from poster_gen.i18n import N_, _, language, set_language
from poster_gen.limits import (
    MAX_JSON_BYTES,
    MAX_NESTING,
    file_size,
    nesting_depth_exceeds,
    over_limit,
    read_json,
    too_deep,
    what_label,
)
from poster_gen.output import (
    atomic_write,
    claim_run,
    inside,
    made_by_us,
    remove_stale_temps,
)
from poster_gen.pdf import PdfOptions
from poster_gen.plan import Order, read_plan
from poster_gen.records import ENTRY_VERSION, CheckRecord, ManifestEntry, Problem
from poster_gen.sizes import DEFAULT_BATCH_KINDS, default_size, resolve_size

if TYPE_CHECKING:  # the raster writers are imported only when a raster format is written
    from poster_gen.raster import RasterOptions

MANIFEST = "manifest.json"
SHARD_MANIFEST = "manifest.shard-{k}-of-{n}.json"
SHARD_NAME = re.compile(r"^manifest\.shard-[0-9]+-of-[0-9]+\.json$")

try:  # one lock per manifest; fcntl on Unix, msvcrt on Windows
    import fcntl

    msvcrt = None
except ImportError:  # pragma: no cover - Windows
    import msvcrt  # type: ignore[no-redef]
MANIFEST_EVERY_S = 2.0  # a run saves its manifest this often at most, so a killed run loses little
SAVE_SPACING = 10  # ... and waits at least this many times as long as the last save took


CHECK_LEVELS = ("quick", "full")  # preflight: structural (what batch does by default) | everything 'check' does


class Failure(NamedTuple):
    """An artwork a run could not make, and why (in the user's language)."""

    order: Order
    message: str


@dataclass
class BatchReport:
    """What a run did: the artworks it made, those already up to date, those it could not make, and
    the preflight of the files it checked (``checks``: ``check.FileCheck``, paths absolute)."""

    made: list[ManifestEntry] = field(default_factory=list)
    skipped: list[ManifestEntry] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    manifest: Path | None = None
    checks: list = field(default_factory=list)
    plan_problems: list[str] = field(default_factory=list)  # rows of the plan that were skipped
    internal_errors: int = 0  # how many of the failures were bugs in poster-gen

    @property
    def entries(self) -> list[ManifestEntry]:
        return [*self.made, *self.skipped]

    @property
    def below_legibility(self) -> list[ManifestEntry]:
        """The artworks whose text falls short of the capital height needed at the viewing distance."""
        return [e for e in self.entries if e.legible is False]

    @property
    def bad_files(self) -> int:
        """How many files failed preflight in this run."""
        return sum(not c.ok for c in self.checks)

    @property
    def exit_code(self) -> ExitCode:
        """INTERNAL when an artwork failed because of a bug; ARTWORK_PROBLEM when one could not be made
        (or a row of the plan was skipped) or a file failed preflight; else OK."""
        if self.internal_errors:
            return ExitCode.INTERNAL
        if self.failed or self.plan_problems or self.bad_files:
            return ExitCode.ARTWORK_PROBLEM
        return ExitCode.OK


class BatchInterrupted(PosterGenError):
    exit_code = ExitCode.INTERRUPTED

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


@dataclass(frozen=True)
class Plan:
    """The orders of a run, and the rows of a plan file that were skipped (one message each)."""

    orders: list[Order]
    problems: list[str] = field(default_factory=list)


def plan_orders(
    campaign: Campaign,
    *,
    plan: Path | None = None,
    units: list[str] | None = None,
    slogans: list[str] | None = None,
    sizes: list[str] | None = None,
    design: str = DEFAULT_DESIGN,
    design_dirs: list[Path] | None = None,
    dpi: int | None = None,
    shard: tuple[int, int] | None = None,
) -> Plan:
    """What a batch is to make: the rows of a ``plan`` file (orders.csv), or every unit x slogan x size
    (``plan_all``); with ``shard`` (K, N) only shard K of N. The design, and ``dpi`` at every size, are
    checked before anything is made."""
    from poster_gen.design import list_designs, load_design

    load_design(design, design_dirs)
    if plan is not None:
        if units or slogans or sizes:
            raise PosterGenError(_("--plan already lists units, slogans and sizes; drop --units/--slogans/--sizes"))
        orders, problems = read_plan(Path(plan), campaign, {d.id for d in list_designs(design_dirs)}, design)
    else:
        orders, problems = plan_all(campaign, units, slogans, sizes, design), []
    if dpi is not None:
        for size in {o.size for o in orders}:
            resolve_size(size, dpi)
    if shard:
        orders = select_shard(orders, *shard)
    return Plan(orders, list(problems))


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


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def fingerprint(campaign: Campaign, job: Job, formats: tuple[str, ...], pdf_opts: PdfOptions, design: str,
                raster=None, memo: dict | None = None) -> str:
    """Hash of everything that shapes an artwork's files (``design``: its ``design_digest``).

    With marks, the slug line is printed in the user's language: the language counts then.
    ``memo``: a dict a run keeps while it fingerprints its artworks, so that what they share (the
    campaign, a unit, a slogan, a size, the options) is turned into its text once, not once per
    artwork. The hash is that of the JSON of all the parts, keys sorted, as it always was: the
    parts' texts are joined as ``json.dumps`` would join them.
    """
    memo = {} if memo is None else memo

    def part(obj, make) -> str:  # by identity: objects that are equal may still print differently (1 and 1.0)
        hit = memo.get(id(obj))
        if hit is None or hit[0] is not obj:
            hit = memo[id(obj)] = (obj, _json(make(obj)))  # the object is kept, so its id is not reused
        return hit[1]

    parts = {
        "tool": part(__version__, str),
        "campaign": part(campaign, lambda c: [
            c.name, c.short_name, c.lead_in, c.event_date.isoformat(), c.issuer,
            [asdict(d) | {"date": str(d.date)} for d in c.documents]]),
        "unit": part(job.unit, asdict),
        "slogan": part(job.slogan, asdict),
        "size": part(job.size, asdict),
        "design": _json(design),
        "formats": part(formats, sorted),
        "pdf": part(pdf_opts, repr),
        "raster": part(raster, lambda r: repr(r or _default_raster())),
    }
    if pdf_opts.marks and not pdf_opts.slug:
        parts["slug_language"] = _json(language())
    blob = "{" + ", ".join(f"{_json(k)}: {v}" for k, v in sorted(parts.items())) + "}"
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _default_raster():
    from poster_gen.raster import RasterOptions

    return RasterOptions()


def _job(campaign: Campaign, order: Order, designs: dict, dpi: int | None, design_dirs,
         hem_mm: float | None = None) -> Job:
    """The job of an order (with ``hem_mm`` of sewing allowance, --hem); ``designs``: this run's loaded designs."""
    return resolve_job(campaign, order.unit, order.slogan, order.size, order.design, dpi=dpi, hem_mm=hem_mm,
                       design_dirs=design_dirs, designs=designs)


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
        # absolute, a drive, a way up, a Windows separator: all refused, tested on the text (60,000 entries)
        if rel.startswith("/") or ":" in rel or "\\" in rel or ".." in rel.split("/"):
            return _("files.{format} '{path}' is not a path inside the output folder").format(format=fmt, path=rel[:80])
    copies = e.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 1:
        return _("'copies' is not a whole number")
    return ""


# The layout of a manifest as poster-gen writes it: JSON, one artwork a line, so that a run can read
# and write 60,000 artworks in a fraction of a second and a merge goes through them one at a time:
#
#     {"tool": "poster-gen 1.2.0", "campaign": {...}, "artworks": [
#     {"unit": "xa-bang-mac", ...},
#     {"unit": "xa-y-tich", ...}
#     ]}
#
# Any other layout of the same JSON (a manifest of an earlier version, one edited by hand) is read
# whole, as JSON; it is written back in this layout.
_ARTWORKS_OPEN = b'"artworks": ['
_ARTWORKS_CLOSE = b"]}"
_LINE_NESTING = MAX_NESTING - 2  # an artwork's line is two levels down: the manifest's table, its list
_BLANK = b" \t\r\n"
_DECODE_BATCH = 256  # artworks decoded at once
_HEAD_MAX = 1 << 16  # the head line holds the tool and the campaign's path and name: far less than this


def _entry_line(entry: ManifestEntry) -> bytes:
    """An artwork's line in the manifest (JSON, without the comma that follows it)."""
    return json.dumps(entry.to_dict(), ensure_ascii=False).encode("utf-8")


class _NotLines(Exception):
    """The manifest is not in the layout of one artwork a line: it is read whole instead."""


class _ManifestFile:
    """One manifest read as it is checked: its ``head`` (the table but "artworks") at once, then
    ``rows()``, the artworks one at a time. A manifest in poster-gen's layout is read a line at a
    time (memory for one artwork, not for all); any other is read whole. Anything that makes it
    not a manifest of ours raises ManifestError (or InputLimitError, too large or too deep); the
    rows may raise it after some of them were given, for damage further on: take nothing from
    them as final before they are all read."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.size = file_size(self.path, MAX_JSON_BYTES, "manifest")
        self.lines = True  # in our layout, so far
        self._data = None  # the whole manifest, when read whole
        self._start = 0
        try:
            with open(self.path, "rb") as fh:
                first = fh.readline(_HEAD_MAX)  # a longer first line is not our head (a manifest on one line)
            head = self._head(first)
            self._start = len(first)
        except _NotLines:
            head = self._whole()
        except OSError as exc:
            raise self._unreadable(exc) from None
        self.head = head

    def _unreadable(self, exc: OSError) -> PosterGenError:
        return PosterGenError(_("{what} {path}: cannot read it ({reason})").format(
            what=what_label("manifest"), path=self.path, reason=exc.strerror))

    def _head(self, first: bytes) -> dict:
        line = first.rstrip(_BLANK)
        if not line.endswith(_ARTWORKS_OPEN):
            raise _NotLines
        table = line[: -len(_ARTWORKS_OPEN)].rstrip(_BLANK)
        table = b"{}" if table == b"{" else table[:-1] + b"}" if table.endswith(b",") else b""
        if table.count(b"[") + table.count(b"{") > MAX_NESTING:
            raise _NotLines
        try:
            head = json.loads(table)
        except (ValueError, RecursionError):
            raise _NotLines from None
        if not isinstance(head, dict) or "artworks" in head:
            raise _NotLines
        self._ours(head)
        return head

    def _whole(self) -> dict:
        """Read the manifest whole: its head; its artworks are kept for ``rows``."""
        self.lines = False
        try:
            data = read_json(self.path, "manifest")
        except ValueError as exc:
            why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ManifestError(
                _("{path} is damaged (not valid JSON: {reason}); poster-gen will not replace it: {away}").format(
                    path=self.path, reason=why, away=_(_AWAY)
                )
            ) from None
        self._ours(data)
        entries = data.get("artworks")
        if not isinstance(entries, list):
            raise ManifestError(
                _("{path} is damaged ('artworks' is not a list); poster-gen will not replace it: {away}").format(
                    path=self.path, away=_(_AWAY)
                )
            )
        self._data = entries
        return {k: v for k, v in data.items() if k != "artworks"}

    def _ours(self, data) -> None:
        if not isinstance(data, dict) or not str(data.get("tool", "")).startswith("poster-gen"):
            raise ManifestError(
                _("{path} was not written by poster-gen; it is not overwritten: move it away or choose another --out")
                .format(path=self.path)
            )

    @property
    def campaign(self) -> dict | None:
        """The campaign record of the manifest (see ``campaign_record``), if it has a sound one."""
        rec = self.head.get("campaign")
        if isinstance(rec, dict) and all(isinstance(rec.get(k), str) for k in ("path", "name", "sha256")):
            return {k: rec[k] for k in ("path", "name", "sha256")}
        return None

    def rows(self):
        """(table, line) of each artwork, checked: ``line`` is its line in the file when it can be
        written back as it is (an entry of this version, in our layout), else None."""
        done = 0
        if self.lines:
            try:
                for row in self._line_rows():
                    done += 1
                    yield row
                return
            except _NotLines:
                self.head = self._whole()  # the rows read so far are the first of the whole
            except OSError as exc:
                raise self._unreadable(exc) from None
        for e in self._data[done:]:
            yield self._checked(done, e), None
            done += 1
        self._data = None

    def _line_rows(self):
        number = 0
        batch: list[bytes] = []
        comma = None  # did the last artwork's line end with a comma
        closed = False
        read = self._start
        with open(self.path, "rb") as fh:
            fh.seek(self._start)
            for raw in fh:
                read += len(raw)
                if read > MAX_JSON_BYTES:
                    raise over_limit(self.path, MAX_JSON_BYTES, "manifest")
                line = raw.strip(_BLANK)
                if not line:
                    continue
                if closed:
                    raise _NotLines  # something after the end
                if line == _ARTWORKS_CLOSE:
                    if comma:
                        raise _NotLines
                    closed = True
                    continue
                if comma is False:
                    raise _NotLines
                comma = line.endswith(b",")
                if comma:
                    line = line[:-1].rstrip(_BLANK)
                if line.count(b"[") + line.count(b"{") > _LINE_NESTING and nesting_depth_exceeds(
                        line, _LINE_NESTING, flavor="json"):
                    raise too_deep(self.path, "manifest")
                batch.append(line)
                if len(batch) == _DECODE_BATCH:
                    yield from self._decoded(batch, number)
                    number += len(batch)
                    batch = []
        if not closed:
            raise _NotLines
        yield from self._decoded(batch, number)

    def _decoded(self, batch: list[bytes], number: int):
        """The artworks of a run of lines, decoded at once (the decoder then shares their keys: a
        third less memory), each checked."""
        try:
            found = json.loads(b"[" + b",".join(batch) + b"]") if batch else []
        except (ValueError, RecursionError):
            found = None
        if found is None or len(found) != len(batch):  # a line that is not one artwork
            raise _NotLines
        for i, (e, line) in enumerate(zip(found, batch, strict=True)):
            e = self._checked(number + i, e)
            yield e, (line if e.get("version") == ENTRY_VERSION else None)

    def _checked(self, i: int, e):
        why = _entry_problem(e)
        if why:
            raise ManifestError(
                _("{path}: artwork {number} is damaged ({reason}); poster-gen will not replace it: {away}").format(
                    path=self.path, number=i + 1, reason=why, away=_(_AWAY)
                )
            )
        return e


def _open_manifest(path: Path) -> _ManifestFile | None:
    """The manifest at ``path``, None when there is none; a link or a folder there is refused."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink() or not path.is_file():
        raise ManifestError(
            _("{path} is not a plain file (a link or a folder); {away}").format(path=path, away=_(_AWAY))
        )
    return _ManifestFile(path)


def _read_entries(path: Path) -> tuple[_ManifestFile | None, dict, dict]:
    """The manifest (None when there is none), its entries by key and the lines of those that can be
    written back as they are, by key."""
    m = _open_manifest(path)
    entries: dict[tuple, ManifestEntry] = {}
    lines: dict[tuple, bytes] = {}
    if m is not None:
        for raw, line in m.rows():
            e = ManifestEntry.from_dict(raw)
            entries[e.key] = e
            if line is not None:
                lines[e.key] = line
            else:
                lines.pop(e.key, None)
    return m, entries, lines


def load_manifest(path: Path) -> list[ManifestEntry]:
    """The entries of a manifest (any version); none when it does not exist.

    A damaged manifest, or one another program wrote, raises ManifestError:
    it is never silently replaced, so no record is lost.
    """
    m = _open_manifest(path)
    return [] if m is None else [ManifestEntry.from_dict(raw) for raw, _line in m.rows()]


def campaign_record(campaign_path: str | Path, campaign: Campaign | None = None) -> dict:
    """Which campaign made the files: its path, name and the SHA-256 of the file (``campaign``: the
    campaign as loaded from it, so that it is not read again)."""
    p = Path(campaign_path)
    try:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    name = (campaign if campaign is not None else load_campaign(p)).name
    return {"path": str(p.resolve()), "name": name, "sha256": digest}


def manifest_campaign(out: str | Path) -> dict | None:
    """The campaign record of OUT/manifest.json (see ``campaign_record``), if it has a sound one."""
    return _campaign_of(Path(out) / MANIFEST)


def _campaign_of(path: Path) -> dict | None:
    try:
        m = _ManifestFile(path) if path.is_file() else None
    except (PosterGenError, ValueError):
        return None
    return m.campaign if m is not None else None


def _sort_key(key: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    unit, slogan, size, design = key
    return (unit, size, slogan, design)


def _write_lines(path: Path, campaign: dict | None, keys, line_of) -> Path:
    """Write a manifest of the artworks ``keys`` (in that order), ``line_of(key)`` giving each one's line."""
    head = json.dumps({"tool": f"poster-gen {__version__}", **({"campaign": campaign} if campaign else {})},
                      ensure_ascii=False).encode("utf-8")
    with atomic_write(path) as fh:
        fh.write(head[:-1] + b", " + _ARTWORKS_OPEN + b"\n")
        first = True
        for k in keys:
            if not first:
                fh.write(b",\n")
            fh.write(line_of(k))
            first = False
        fh.write(b"\n" + _ARTWORKS_CLOSE + b"\n")
    return path


def write_manifest(path: Path, entries: list[ManifestEntry], campaign: dict | None = None) -> Path:
    """Write a manifest; ``campaign`` (a ``campaign_record``) is kept from the file on disk when not given."""
    if campaign is None:
        campaign = _campaign_of(Path(path))
    by_key = {e.key: e for e in entries}
    return _write_lines(Path(path), campaign, sorted(by_key, key=_sort_key), lambda k: _entry_line(by_key[k]))


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
    and entries whose files were gone at the start are dropped. It writes
    only when that changes the file: an unchanged re-run leaves it alone.
    Each entry's line is made once (``_lines``: key -> (entry, line)).
    """

    def __init__(self, path: Path, campaign: dict | None = None):
        self.path = path
        self.campaign = campaign
        with manifest_lock(path):
            self._seen: tuple | None = self._stamp()
            self._load()
        self.old: dict[tuple, ManifestEntry] = dict(self._disk)
        self.drop: set[tuple] = set()
        self.ours: dict[tuple, ManifestEntry] = {}

    def _load(self) -> None:
        m, self._disk, lines = _read_entries(self.path)
        self._lines = {k: (self._disk[k], line) for k, line in lines.items()}
        # written again when: there is none yet, it is in another layout or has entries of an
        # earlier version, or it records another campaign (or the same file, edited since)
        self._dirty = m is None or not m.lines or len(lines) != len(self._disk) or (
            self.campaign is not None and m.campaign != self.campaign)

    def _stamp(self):
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def put(self, entry: ManifestEntry) -> None:
        key = entry.key
        self.ours[key] = entry
        if self._disk.get(key) is not entry:
            self._dirty = True
            self._disk.pop(key, None)  # replaced by ours in any case: its record and line need not be kept
            self._lines.pop(key, None)

    def _line(self, key, entry: ManifestEntry) -> bytes:
        cached = self._lines.get(key)
        if cached is not None and cached[0] is entry:
            return cached[1]
        line = _entry_line(entry)
        self._lines[key] = (entry, line)
        return line

    def save(self) -> bool:
        """Write the manifest if anything changed; True when it did."""
        with manifest_lock(self.path):
            stamp = self._stamp()
            if stamp != self._seen:  # another run wrote it since we last did
                self._load()
                self._dirty = True
            if not self._dirty and not (self.drop & self._disk.keys()):
                return False
            merged = {k: e for k, e in self._disk.items() if k not in self.drop}
            merged.update(self.ours)
            _write_lines(self.path, self.campaign if self.campaign is not None else _campaign_of(self.path),
                         sorted(merged, key=_sort_key), lambda k: self._line(k, merged[k]))
            self._disk = merged
            self._lines = {k: v for k, v in self._lines.items() if k in merged}
            self._dirty = False
            self._seen = self._stamp()
            return True


def _files_exist(out: Path, entry: ManifestEntry) -> bool:
    return all((out / rel).is_file() for rel in entry.files.values())


_TAILS = {".pdf": b"%%EOF", ".png": b"IEND\xaeB`\x82", ".jpg": b"\xff\xd9"}  # .tiff: raster.tiff_complete


def _files_intact(out: Path, entry: ManifestEntry) -> bool:
    """Files exist and end as a complete PDF/PNG/JPEG does (cheap: reads the last bytes)."""
    for rel in entry.files.values():
        path = os.path.join(out, rel)
        suffix = os.path.splitext(rel)[1].lower()
        if suffix == ".tiff":  # no fixed tail: its strips must all lie inside the file
            from poster_gen.raster import tiff_complete

            if not tiff_complete(Path(path)):
                return False
            continue
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                end = os.lseek(fd, 0, os.SEEK_END)
                os.lseek(fd, max(0, end - 64), os.SEEK_SET)
                tail = os.read(fd, 64)
            finally:
                os.close(fd)
        except OSError:
            return False
        want = _TAILS.get(suffix)
        if want and want not in tail:
            return False
    return True


def _remove_replaced(out: Path, prev: ManifestEntry | None, entry: ManifestEntry, keep: set[str]) -> None:
    """Delete the files an earlier record of this artwork names and the new one does not
    (a renamed file), when poster-gen made them and no other record names them."""
    if not prev:
        return
    new = set(entry.files.values())
    for rel in prev.files.values():
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


# ---- the run ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """Everything that shapes one run's artworks: the same in the parent and in every worker."""

    campaign_path: str
    out: str
    formats: tuple[str, ...]
    pdf: PdfOptions = PdfOptions()
    raster: RasterOptions | None = None
    dpi: int | None = None
    hem_mm: float | None = None
    design_dirs: tuple[str, ...] = ()
    check: str | None = None  # None: no preflight; else one of CHECK_LEVELS
    lang: str | None = None  # the language of the messages (a spawned worker would guess its own)


class Outcome(NamedTuple):
    """One order as a run left it: its entry (None: not made) or why not."""

    order: Order
    entry: ManifestEntry | None
    error: str | None = None
    checks: tuple = ()  # check.FileCheck of its files, when preflighted
    internal: bool = False  # failed because of a bug


class Run:
    """One run's state in one process: its options, its campaign and the designs it has loaded.

    A run makes its own; nothing of it is kept at module level, so a second run in the same
    process (other --designs, a design file edited since) sees only its own designs. In a
    worker process the run lives as long as the worker, which ends with the run's pool.
    """

    def __init__(self, opts: RunOptions, campaign: Campaign | None = None, designs: dict | None = None):
        self.opts = opts
        self.out = Path(opts.out)
        self.campaign = campaign if campaign is not None else load_campaign(opts.campaign_path)
        self.designs: dict = {} if designs is None else designs
        self.dirs = [Path(d) for d in opts.design_dirs]

    def job(self, order: Order) -> Job:
        return _job(self.campaign, order, self.designs, self.opts.dpi, self.dirs, self.opts.hem_mm)

    def make(self, task: tuple[Order, str]) -> Outcome:
        """Make one artwork (and preflight it). Any failure fails this artwork only: a bug is
        reported as such, and the batch goes on."""
        order, digest = task
        o = self.opts
        try:
            job = self.job(order)
            res = render_job(self.campaign, job, self.out, o.formats, o.pdf, o.raster)
            checks: list = []
            if o.check:
                checks = _check_paths([str(p) for p in res.files.values()], self.campaign, o.pdf.color, o.check)
            entry = manifest_entry(res, self.out, hash=digest, copies=order.copies,
                                   check=[check_record(c, self.out) for c in checks] if o.check else None)
            return Outcome(order, entry, None, tuple(checks))
        except PosterGenError as exc:
            return Outcome(order, None, str(exc))
        except RecursionError:
            return Outcome(order, None, _("nested too deeply to make (a design or text beyond the limits)"))
        except MemoryError:
            return Outcome(order, None, _("out of memory while making it; choose a smaller size or lower --dpi"))
        except Exception as exc:  # a bug: fail this artwork, keep the batch going
            return Outcome(order, None, _("internal error: {error}: {message}; please report it").format(
                error=type(exc).__name__, message=exc
            ), internal=True)


# ---- workers ----------------------------------------------------------------------

_worker_run: Run | None = None  # set in worker processes only (the pool's initializer), never in the parent


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


def _init_worker(opts: RunOptions, designs: dict | None = None, campaign: Campaign | None = None) -> None:
    """A worker process: Ctrl-C is the parent's to handle, and it dies with its parent.

    ``designs`` and ``campaign``: the designs the parent loaded for this run, by id, and its
    campaign; the worker draws exactly what the parent fingerprinted, without reading the files
    again."""
    global _worker_run
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    if opts.lang:
        set_language(opts.lang)
    _worker_run = Run(opts, campaign, designs=dict(designs or {}))


def _run_chunk(tasks: list[tuple[Order, str]]) -> list[Outcome]:
    assert _worker_run is not None, "a worker without its run"
    return [_worker_run.make(t) for t in tasks]


def _check_file(path: str, campaign, color: str | None, level: str = "full"):
    """``check.check_file`` at ``level`` (quick: structural; full: everything 'poster-gen check' does)."""
    from poster_gen.check import check_file

    return check_file(path, campaign, color, level=level)


def _check_paths(paths: list[str], campaign, color: str | None, level: str = "full"):
    return [_check_file(p, campaign, color, level) for p in paths]


def check_record(c, out: Path) -> CheckRecord:
    """The record of one file's preflight (a ``check.FileCheck``), its path relative to ``out``."""
    return CheckRecord(
        file=Path(os.path.relpath(c.path, out)).as_posix(),
        kind=str(c.kind),
        status=c.status,
        errors=tuple(Problem(p.code, p.message) for p in c.errors),
        warnings=tuple(Problem(p.code, p.message) for p in c.warnings),
        level=getattr(c, "level", "full"),
        facts=c.facts,  # the same table, not a copy: a run holds the checks of all its files
    )


def manifest_entry(res: Result, out: Path, *, hash: str = "", copies: int = 1,
                   check: list[CheckRecord] | tuple[CheckRecord, ...] | None = None) -> ManifestEntry:
    """An artwork's record. Capital heights are whole millimetres, the figures the
    messages print, and ``legible`` is judged on them: the record never says 24 mm
    is below 24 mm. ``blocks`` has every text block as set (field, lines,
    cap_height_mm; the blocks held to the viewing distance also required_cap_mm
    and legible); heading_cap_mm and occasion_cap_mm repeat two of them for the
    proof sheet and scripts (None when the design sets no such block)."""
    from poster_gen.compose import OCCASION_FIELDS

    leg = res.legibility
    size = res.job.size

    def block(b) -> dict:
        out_b = {"field": b.field, "lines": list(b.lines), "cap_height_mm": b.cap_height_mm}
        if b.measured:
            out_b.update(required_cap_mm=b.required_mm, legible=b.ok)
        else:
            out_b["legible_to_m"] = b.readable_m
        return out_b

    return ManifestEntry(
        unit=res.job.unit.id,
        slogan=res.job.slogan.id,
        size=size.id,
        kind=size.kind,
        design=res.job.design.id,
        files={fmt: Path(os.path.relpath(p, out)).as_posix() for fmt, p in res.files.items()},
        width_mm=size.width_mm,
        height_mm=size.height_mm,
        bleed_mm=size.bleed_mm,
        hem_mm=size.hem_mm,
        dpi=size.dpi,
        copies=copies,
        hash=hash,
        lines=tuple(leg.lines) if leg else (),
        cap_height_mm=leg.cap_height_mm if leg else None,
        required_cap_mm=leg.required_mm if leg else None,
        viewing_m=leg.viewing_m if leg else None,
        legible=leg.ok if leg else None,
        heading_cap_mm=leg.cap_of(("heading",)) if leg else None,
        occasion_cap_mm=leg.cap_of(OCCASION_FIELDS) if leg else None,
        blocks=tuple(block(b) for b in leg.blocks) if leg else (),
        warnings=tuple(res.warnings),
        check=tuple(check) if check is not None else None,
    )


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


def _run_pool(todo, jobs: int, opts: RunOptions, chunk: int, record, stop: _Stop,
              start_method: str | None = None, designs: dict | None = None, campaign: Campaign | None = None) -> None:
    """Run the tasks in worker processes. A worker that dies (killed, out of
    memory) loses the artworks it held: those are tried again one at a time
    in a new pool, and fail only if they kill a worker again."""
    queue = deque(todo[i : i + chunk] for i in range(0, len(todo), chunk))
    retry: deque = deque()
    restarts = 0
    while queue or retry:
        context = multiprocessing.get_context(start_method) if start_method else None
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_init_worker,
                                   initargs=(opts, designs, campaign),
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
                        record(r)
                if broken:
                    for f, (tasks, again) in inflight.items():
                        if f.done() and not f.cancelled() and f.exception() is None:
                            for r in f.result():
                                record(r)
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
                        record(r)
                except Exception:  # timed out, or killed by a second Ctrl-C: not finished
                    pass
            raise
        finally:
            stop.pool = None
            _close_pool(pool, kill)
        for tasks, again in lost:
            for task in tasks:
                if again:
                    record(Outcome(task[0], None, _(WORKER_DIED)))
                else:
                    retry.append(task)
        restarts += 1
        if restarts > MAX_POOL_RESTARTS:
            for tasks in [*([t] for t in retry), *queue]:
                for task in tasks:
                    record(Outcome(task[0], None, _(WORKER_DIED)))
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
    check: bool | str = False,
    start_method: str | None = None,
    raster: RasterOptions | None = None,
    hem_mm: float | None = None,
    plan_problems: list[str] | None = None,
    campaign: Campaign | None = None,
) -> BatchReport:
    """Render the orders into ``out`` and record them in its manifest; returns what was done.

    ``check``: preflight each file as it is made, ``"quick"`` (structural; ``True`` means this) or
    ``"full"`` (everything 'poster-gen check' does). ``plan_problems``: the rows of the plan that
    were skipped (see ``plan_orders``), kept in the report. ``campaign``: the campaign as already
    loaded from ``campaign_path`` (the command line has it), so that it is not read again. Raises
    BatchInterrupted on Ctrl-C.

    Every run is its own: designs are loaded afresh from ``design_dirs`` and kept only for this run.
    """
    level = _check_level(check)
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
    opts = RunOptions(
        campaign_path=str(campaign_path), out=str(out), formats=tuple(formats), pdf=pdf_opts, raster=raster, dpi=dpi,
        hem_mm=hem_mm, design_dirs=tuple(str(d) for d in design_dirs or ()), check=level, lang=language(),
    )
    run = Run(opts, campaign)
    campaign = run.campaign
    manifest_path = inside(out, SHARD_MANIFEST.format(k=shard[0], n=shard[1]) if shard else MANIFEST)
    ledger = _Ledger(manifest_path, campaign_record(campaign_path, campaign))
    old = ledger.old
    report = BatchReport(manifest=manifest_path, plan_problems=list(plan_problems or ()))

    todo: list[tuple[Order, str]] = []
    digests: dict = {}
    memo: dict = {}  # the fingerprints' shared parts
    unchecked: list[int] = []  # indexes into report.skipped
    for o in orders:
        job = run.job(o)
        dkey = (o.design, job.size.kind)
        if dkey not in digests:
            digests[dkey] = design_digest(job.design, job.size.kind)
        digest = fingerprint(campaign, job, formats, pdf_opts, digests[dkey], raster, memo)
        prev = old.get(o.key)
        want = {fmt: job.relpath(fmt).as_posix() for fmt in formats}
        if not force and prev and prev.hash == digest and prev.files == want and _files_intact(out, prev):
            entry = prev if prev.copies == o.copies else replace(prev, copies=o.copies)
            if level and _needs_check(entry, level):  # made, but its preflight was cut short (or was quick)
                unchecked.append(len(report.skipped))
            report.skipped.append(entry)
            ledger.put(entry)
        else:
            todo.append((o, digest))
    total = len(todo)
    planned = {o.key for o in orders}
    # records of earlier runs that this plan does not touch stay, unless their files are gone
    ledger.drop = {k for k, e in old.items() if k not in planned and not _files_exist(out, e)}
    still_named = {rel for k, e in old.items() if k not in planned for rel in e.files.values()}

    jobs = max(1, jobs or os.cpu_count() or 1)
    last_save = time.monotonic()
    save_took = 0.0
    done = 0

    def record(r: Outcome) -> None:
        nonlocal done, last_save, save_took
        done += 1
        if r.entry is not None:
            report.made.append(r.entry)
            report.checks.extend(r.checks)
            # the earlier record is let go once used: a run of 30,000 artworks holds one record of each
            _remove_replaced(out, old.pop(r.order.key, None), r.entry, still_named)
            ledger.put(r.entry)
        else:
            report.failed.append(Failure(r.order, r.error or _("failed")))
            report.internal_errors += r.internal
        if progress:
            progress(done, total, r.order, r.error)
        # saved every few seconds, so that a killed run loses only the artworks of its last seconds; a
        # save of a large manifest takes longer, so they are spaced to cost at most a tenth of the run
        now = time.monotonic()
        if now - last_save > max(MANIFEST_EVERY_S, SAVE_SPACING * save_took):
            ledger.save()
            last_save = time.monotonic()
            save_took = last_save - now

    try:
        with _Stop() as stop:
            try:
                if jobs == 1 or total <= 1:
                    for task in todo:
                        record(run.make(task))
                elif total:
                    # small jobs (PDF only) travel in chunks: less inter-process chatter
                    chunk = 1 if "png" in formats else max(1, min(16, total // (jobs * 8)))
                    _run_pool(todo, jobs, opts, chunk, record, stop, start_method, run.designs, campaign)
                if unchecked:
                    entries = [report.skipped[i] for i in unchecked]
                    results = check_outputs(out, entries, campaign_path, pdf_opts.color, jobs, level=level,
                                            campaign=campaign)
                    report.checks.extend(results)
                    for i, entry in zip(unchecked, _with_checks(out, entries, results)):
                        report.skipped[i] = entry
                        ledger.put(entry)
            finally:
                # whatever happened, this run's temporary files go and its records are kept (a run that
                # wrote nothing but its manifest has none: the manifest's own go as it is written)
                if total or unchecked:
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


def _check_level(check: bool | str | None) -> str | None:
    if check is True:
        return "quick"
    if not check:
        return None
    if check not in CHECK_LEVELS:
        raise PosterGenError(_("preflight level '{level}' is not one of: {levels}").format(
            level=check, levels=", ".join(CHECK_LEVELS)))
    return check


def _needs_check(entry: ManifestEntry, level: str) -> bool:
    """An entry whose files were not preflighted, or only quickly when a full check is asked for."""
    if entry.check is None:
        return True
    return level == "full" and any(c.level != "full" for c in entry.check)


# ---- preflight -------------------------------------------------------------------


_checker: tuple | None = None  # (campaign, colour, level), set in checker processes only


def _init_checker(campaign_path: str, color: str | None, lang: str | None = None, level: str = "full",
                  campaign: Campaign | None = None):
    global _checker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent()
    if lang:
        set_language(lang)
    _checker = (campaign if campaign is not None else load_campaign(campaign_path), color, level)


def _check_one(path: str):
    assert _checker is not None, "a checker process without its campaign"
    campaign, color, level = _checker
    return _check_file(path, campaign, color, level)


def _files_of(e: ManifestEntry | dict) -> dict:
    return e.files if isinstance(e, ManifestEntry) else e["files"]


def check_outputs(out: Path, entries: list[ManifestEntry], campaign_path: Path, color: str | None = None,
                  jobs: int | None = None, level: str = "full", campaign: Campaign | None = None):
    """Preflight (``poster_gen.check``) every file the entries list, at ``level`` (quick | full);
    ``check.FileCheck`` records in order. ``campaign``: the campaign of ``campaign_path``, if loaded."""
    paths = [str(Path(out) / rel) for e in entries for rel in _files_of(e).values()]
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(paths) < 8:
        return _check_paths(paths, campaign if campaign is not None else load_campaign(campaign_path), color, level)
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), initializer=_init_checker,
                             initargs=(str(campaign_path), color, language(), level, campaign)) as pool:
        return list(pool.map(_check_one, paths, chunksize=8))


def _with_checks(out: Path, entries: list[ManifestEntry], checks) -> list[ManifestEntry]:
    """The entries with the preflight results of their files (``check.FileCheck``) recorded."""
    by_path = {str(Path(c.path).resolve()): c for c in checks}
    done = []
    for e in entries:
        found = [by_path[k] for k in (str((Path(out) / rel).resolve()) for rel in e.files.values()) if k in by_path]
        done.append(replace(e, check=tuple(check_record(c, out) for c in found)) if found else e)
    return done


def record_checks(manifest_path: Path, out: Path, checks) -> None:
    """Store each file's preflight result in its manifest entry (key "check")."""
    with manifest_lock(manifest_path):
        entries = _with_checks(out, load_manifest(manifest_path), checks)
        write_manifest(manifest_path, entries)


def merge_manifests(out: Path) -> tuple[Path, int, int]:
    """Merge OUT/manifest.shard-*.json (and any manifest.json) into manifest.json.

    A damaged shard manifest stops the merge (ManifestError): nothing is
    dropped silently. Returns (path, number of shard files, number of artworks).

    The artworks go through one at a time, and each is kept as its line of JSON: a merge of 60,000
    holds some 100 MB, not the gigabyte their entries would take."""
    out = Path(out)
    shards = sorted(p for p in out.glob("manifest.shard-*-of-*.json") if SHARD_NAME.match(p.name))
    if not shards:
        raise PosterGenError(
            _("no shard manifests (manifest.shard-K-of-N.json) in {out}; run batch --shard first").format(out=out)
        )
    target = inside(out, MANIFEST)
    merged: dict[tuple, bytes] = {}
    campaign = None  # that of manifest.json, else of the first shard that records one

    def take(path: Path) -> None:
        nonlocal campaign
        m = _open_manifest(path)
        if m is None:
            return
        for raw, line in m.rows():
            merged[ManifestEntry.key_of(raw)] = line if line is not None else _entry_line(ManifestEntry.from_dict(raw))
        campaign = campaign or m.campaign

    with manifest_lock(target):
        take(target)
        for s in shards:
            with manifest_lock(s):
                take(s)
        path = _write_lines(target, campaign, sorted(merged, key=_sort_key), merged.__getitem__)
    return path, len(shards), len(merged)
