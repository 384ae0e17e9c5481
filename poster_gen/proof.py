"""The proof sheet: OUT/index.html to review a whole batch in a browser.

It reads OUT/manifest.json, draws a small preview of every artwork from its
scene (never by shrinking the print PNG) into OUT/_proof/, and writes one
HTML page from the packaged ``templates/proof.html.j2``, rendered in the
sandbox (sandbox.py) with autoescaping on.

The manifest is read as if a stranger wrote it: its shape is checked, links
on the page are only relative paths to files inside OUT, and nothing is
written or deleted outside OUT/_proof (a link there is refused). Previews are
deleted only when this tool made them, as recorded in OUT/_proof/previews.json.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from pathlib import PurePosixPath
from urllib.parse import quote

from PIL import Image, features

from poster_gen import i18n, sandbox
from poster_gen.errors import OutputError, PosterGenError
from poster_gen.i18n import N_, _
from poster_gen.limits import InputLimitError, read_json
from poster_gen.output import atomic_write
from poster_gen.scene import Scene
from poster_gen.sizes import KINDS, MM_PER_INCH

PROOF_DIR = "_proof"
PREVIEW_INDEX = "previews.json"  # the previews this tool made, so it deletes only those
INDEX = "index.html"
MAX_PREVIEW_INDEX_BYTES = 64 * 1024 * 1024
PREVIEW_AREA_PX = 400 * 300  # about 400 px wide for a pano
PREVIEW_MAX_SIDE_PX = 900
# a date as the page shows it: ISO 8601 in English, day/month/year in Vietnamese
DATE_FORMAT = N_("{year:04d}-{month:02d}-{day:02d}")


# ---- previews ----------------------------------------------------------------


def preview_size(width_mm: float, height_mm: float, area_px: int = PREVIEW_AREA_PX, max_side: int = PREVIEW_MAX_SIDE_PX):
    """Pixel size and dpi of a preview: a fixed area, the longest side capped."""
    aspect = width_mm / height_mm
    w = math.sqrt(area_px * aspect)
    h = w / aspect
    k = min(1.0, max_side / max(w, h))
    w, h = max(1, round(w * k)), max(1, round(h * k))
    dpi = w / (width_mm / MM_PER_INCH)
    return w, h, dpi


def render_preview(scene: Scene, width_mm: float, height_mm: float, **kw) -> Image.Image:
    """Draw the scene's trim area small, with the same PNG writer as the print files."""
    from poster_gen.png import PngOptions, render_strips

    w, h, dpi = preview_size(width_mm, height_mm, **kw)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    y = 0
    for strip in render_strips(scene, PngOptions(dpi=dpi, width_px=w, height_px=h, palette=False)):
        part = strip[-1] if isinstance(strip, tuple) else strip
        if part.mode != "RGB":
            part = part.convert("RGB")
        img.paste(part, (0, y))
        y += part.height
    return img


def preview_format() -> str:
    return "webp" if features.check("webp") else "png"


def save_preview(img: Image.Image, path: Path) -> None:
    fmt = path.suffix.lstrip(".").lower()
    with atomic_write(path) as fh:
        if fmt == "webp":
            img.save(fh, "WEBP", quality=82, method=4)
        elif fmt in ("jpg", "jpeg"):
            img.save(fh, "JPEG", quality=85, optimize=True)
        else:
            img.quantize(64).save(fh, "PNG", optimize=True)


# ---- what the page shows ------------------------------------------------------


@dataclass(frozen=True)
class ProofItem:
    anchor: str
    unit: str
    slogan_id: str
    slogan: str  # the approved text (or the set lines when the campaign does not know it)
    lines: tuple[str, ...]
    size: str
    size_label: str
    kind: str
    kind_label: str
    design: str
    cap_height_mm: float | None
    required_cap_mm: float | None
    viewing_m: float | None
    verdict: str  # ok | small | unknown
    warnings: tuple[str, ...]
    links: tuple[tuple[str, str, bool], ...]  # (label, href, file exists)
    preview: str | None  # href of the preview image
    preview_w: int = 0
    preview_h: int = 0
    heading_cap_mm: float | None = None
    occasion_cap_mm: float | None = None
    preview_error: str = ""
    check_status: str = ""  # pass | fail | draft | "" (not checked)
    check_errors: tuple[str, ...] = ()
    check_warnings: tuple[str, ...] = ()
    # (label, value) of manifest file entries that are not files inside OUT: shown as text, never as links
    refused_links: tuple[tuple[str, str], ...] = ()
    required_note: str = ""  # "(needs 8 mm at 1 m)" in the user's language, or "" when not measured

    @property
    def needs_attention(self) -> bool:
        return (
            self.verdict != "ok" or self.check_status == "fail" or bool(self.preview_error)
            or not all(e for _, _, e in self.links) or bool(self.refused_links)
        )


@dataclass(frozen=True)
class ProofGroup:
    unit: str
    name: str
    items: tuple[ProofItem, ...]


@dataclass
class ProofReport:
    index: Path
    artworks: int = 0
    previews_made: int = 0
    previews_reused: int = 0
    preview_failures: int = 0
    preflight_failures: int = 0
    refused_links: int = 0


def _href(rel: str) -> str:
    return quote(PurePosixPath(rel).as_posix(), safe="/")


_STATUSES = ("pass", "fail", "draft")


def _messages(raw) -> list[str]:
    out = []
    for m in raw if isinstance(raw, list) else [raw] if raw else []:
        if isinstance(m, dict):
            text = m.get("message") or json.dumps(m, ensure_ascii=False)
            code = m.get("code")
            out.append(f"{code}: {text}" if code else str(text))
        else:
            out.append(str(m))
    return out


def _check_messages(raw) -> tuple[str, list[str], list[str]]:
    """(status, errors, warnings) from a manifest entry's "check" value, in any of
    the shapes a preflight may leave: a FileCheck dict, a list of them, or
    {"failures": [...]}. Anything else a hand may have written is shown, not trusted."""
    if raw is None:
        return "", [], []
    if isinstance(raw, list):
        parts = [_check_messages(r) for r in raw]
        errs = [m for _, e, _ in parts for m in e]
        warns = [m for _, _, w in parts for m in w]
        states = {st for st, _, _ in parts}
        status = "fail" if (errs or "fail" in states) else "draft" if "draft" in states else "pass" if states - {""} else ""
        return status, errs, warns
    if isinstance(raw, dict):
        errs = _messages(raw.get("errors")) + _messages(raw.get("failures")) + _messages(raw.get("problems"))
        warns = _messages(raw.get("warnings"))
        prefix = f"{PurePosixPath(str(raw['file'])).suffix.lstrip('.').upper()}: " if raw.get("file") else ""
        errs = [prefix + m for m in errs]
        warns = [prefix + m for m in warns]
        status = raw.get("status")
        if status not in _STATUSES:
            status = "fail" if errs or raw.get("ok") is False else "pass"
        return status, errs, warns
    if isinstance(raw, str):
        return "fail", [raw], []
    return "", [], []


def _anchor(entry: dict, used: set[str]) -> str:
    base = "a-" + "-".join(
        "".join(ch if ch.isalnum() else "-" for ch in str(entry.get(k, ""))) for k in ("unit", "size", "slogan", "design")
    )
    name, i = base, 1
    while name in used:
        i += 1
        name = f"{base}-{i}"
    used.add(name)
    return name


# ---- paths: only inside OUT ---------------------------------------------------------

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _inside(path: Path, root: Path) -> bool:
    """True when ``path``, links resolved, lies in ``root`` (links resolved too)."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _file_in_out(out: Path, rel) -> str | None:
    """``rel`` when it is a relative path (with '/') to a file inside OUT, else None.

    A hand-edited manifest may hold "https://…", "javascript:…", "/etc/passwd"
    or "../../x": none of those may become a link on the page.
    """
    if not isinstance(rel, str) or not rel or len(rel) > 1000 or not rel.isprintable():
        return None
    if rel.startswith("/") or "\\" in rel or ":" in rel:  # absolute, Windows path, or any URL scheme
        return None
    if any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    return rel if _inside(out / rel, out) else None


def _refuse_link(link: Path, out: Path) -> None:
    try:
        target = os.readlink(link)
    except OSError:
        raise OutputError(
            _("{link} is a link to another folder; poster-gen writes only inside the output folder {out}; "
              "remove the link").format(link=link, out=out)
        ) from None
    raise OutputError(
        _("{link} is a link to {target}; poster-gen writes only inside the output folder {out}; remove the link")
        .format(link=link, target=target, out=out)
    )


def _check_writable(folder: Path, proof_dir: Path, out: Path) -> None:
    """Refuse to write into ``folder`` when it, or a folder between it and
    OUT/_proof, is a link, or it resolves outside OUT/_proof."""
    here = proof_dir
    for part in folder.relative_to(proof_dir).parts:
        here = here / part
        if here.is_symlink():
            _refuse_link(here, out)
    if folder.exists() and not _inside(folder, proof_dir):
        raise OutputError(_("{folder} lies outside the output folder {out}; poster-gen writes only inside it").format(
            folder=folder, out=out))


def _preview_name(entry: dict, files: list[str], ext: str) -> str:
    """``<unit>/<stem>.<ext>`` under OUT/_proof: made only of safe characters."""
    stem = PurePosixPath(files[0]).stem if files else (
        f"{entry['size']}_{entry.get('slogan', '')}_{entry.get('design', '')}"
    )
    stem = _SAFE_NAME.sub("-", stem).lstrip(".") or "preview"
    return f"{entry['unit']}/{stem}.{ext}"


def _read_preview_index(proof_dir: Path) -> list[str]:
    """What an earlier run recorded as made by it; a damaged index counts as empty."""
    path = proof_dir / PREVIEW_INDEX
    if not path.is_file() or path.is_symlink():
        return []
    try:
        data = read_json(path, "preview index", MAX_PREVIEW_INDEX_BYTES)
    except (PosterGenError, ValueError):
        return []
    made = data.get("previews") if isinstance(data, dict) else None
    return [p for p in made if isinstance(p, str)] if isinstance(made, list) else []


def _prune_previews(proof_dir: Path, old: list[str], keep: set[str]) -> None:
    """Delete the previews an earlier run made that this run does not show.

    Only names of the shape this tool writes (``unit/stem.webp|png``), only
    regular files inside OUT/_proof, never through a link."""
    for rel in old:
        if rel in keep or not re.fullmatch(r"[A-Za-z0-9._-]+/[A-Za-z0-9._-]+\.(webp|png)", rel) or ".." in rel:
            continue
        path = proof_dir / rel
        if path.is_symlink() or path.parent.is_symlink() or not path.is_file() or not _inside(path, proof_dir):
            continue
        try:
            path.unlink()
            path.parent.rmdir()  # only when empty
        except OSError:
            pass


# ---- drawing previews ---------------------------------------------------------------


_P: dict = {}


def _init_previewer(campaign_path: str, design_dirs: tuple[str, ...], lang: str | None = None):
    from poster_gen.campaign import load_campaign

    if lang:  # a worker process: the messages it makes are in the language of the run
        i18n.set_language(lang)
    _P.clear()
    _P.update(campaign=load_campaign(campaign_path), dirs=[Path(d) for d in design_dirs], designs={})


def _make_preview(task: tuple[dict, str]) -> tuple[str, int, int, str]:
    """(path, width, height, error) for one manifest entry; runs in a worker."""
    entry, dest = task
    try:
        from poster_gen.api import Job, find_slogan, find_unit
        from poster_gen.compose import compose
        from poster_gen.design import load_design
        from poster_gen.sizes import resolve_size

        campaign = _P["campaign"]
        did = entry.get("design") or "classic"
        if did not in _P["designs"]:
            _P["designs"][did] = load_design(did, _P["dirs"])
        size = resolve_size(str(entry["size"]), kind=entry.get("kind"))
        job = Job(find_unit(campaign, entry["unit"]), find_slogan(campaign, str(entry["slogan"])), size, _P["designs"][did])
        art = compose(campaign, job.unit, job.slogan, job.size, job.design)
        img = render_preview(art.scene, size.width_mm, size.height_mm)
        save_preview(img, Path(dest))
        return dest, img.width, img.height, ""
    except PosterGenError as exc:
        return dest, 0, 0, str(exc)
    except (KeyError, TypeError, ValueError) as exc:
        return dest, 0, 0, _("manifest entry cannot be drawn: {detail}").format(detail=f"{type(exc).__name__}: {exc}")


def _fresh(preview: Path, sources: list[Path]) -> tuple[int, int] | None:
    """The preview's size when it is newer than every file it shows, else None."""
    try:
        if preview.is_symlink():
            return None
        t = preview.stat().st_mtime_ns
        if not sources or any(not s.is_file() or s.stat().st_mtime_ns > t for s in sources):
            return None
        with Image.open(preview) as im:
            return im.size
    except OSError:
        return None


# ---- the manifest -------------------------------------------------------------------

# ids name folders and files: the manifest's must look like the ones batch writes
_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")
_ID_KEYS = ("unit", "size", "slogan", "design", "kind")
_NUMBER_KEYS = ("width_mm", "height_mm", "dpi", "cap_height_mm", "required_cap_mm", "heading_cap_mm", "occasion_cap_mm",
                "viewing_m", "copies")
_TEXT_LIST_KEYS = ("lines", "warnings")
_MAX_SHOWN = 5


def _entry_problems(i: int, e) -> list[str]:
    """What is wrong with the shape of manifest entry ``i`` (empty: nothing)."""
    at = f"artworks[{i}]"
    if not isinstance(e, dict):
        return [_("{where} is {type}, not an artwork's record").format(where=at, type=type(e).__name__)]
    out = []
    for key in _ID_KEYS:
        if key not in e:
            if key in ("unit", "size"):
                out.append(_("{where} has no \"{key}\"").format(where=at, key=key))
            continue
        v = e[key]
        if not isinstance(v, str) or not _ID.match(v) or ".." in v:
            out.append(_("{where}.{key} = {value} is not an id (letters, digits, '-', '_', '.')").format(
                where=at, key=key, value=_show(v)))
    files = e.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        out.append(_("{where}.files = {value} must map formats to file names, e.g. {example}").format(
            where=at, value=_show(files), example='{"pdf": "unit/x.pdf"}'))
    for key in _NUMBER_KEYS:
        v = e.get(key)
        if v is not None and not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)):
            out.append(_("{where}.{key} = {value} must be a number").format(where=at, key=key, value=_show(v)))
    for key in _TEXT_LIST_KEYS:
        v = e.get(key)
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            out.append(_("{where}.{key} = {value} must be a list of texts").format(where=at, key=key, value=_show(v)))
    if e.get("legible") not in (True, False, None):
        out.append(_("{where}.legible = {value} must be true, false or null").format(
            where=at, value=_show(e["legible"])))
    return out


def _show(v) -> str:
    text = json.dumps(v, ensure_ascii=False) if isinstance(v, str | int | float | bool | type(None)) else type(v).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def read_manifest(out: Path) -> list[dict]:
    """The artworks of OUT/manifest.json, its shape checked: any problem is one
    PosterGenError naming the entry and key, never a traceback later."""
    path = Path(out) / "manifest.json"
    try:
        data = read_json(path, "manifest")
    except InputLimitError:
        raise
    except PosterGenError:
        if not path.exists():
            raise PosterGenError(_("{path} not found; run 'poster-gen batch --out {out}' first").format(
                path=path, out=out)) from None
        raise
    except ValueError as exc:
        raise PosterGenError(_("{path}: cannot be read as JSON ({detail}); run 'poster-gen batch' again").format(
            path=path, detail=exc)) from None
    entries = data.get("artworks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PosterGenError(_("{path}: no \"artworks\" list; is it a poster-gen manifest?").format(path=path))
    problems = [p for i, e in enumerate(entries) for p in _entry_problems(i, e)]
    if problems:
        redo = _("the manifest was edited or damaged: fix it, or delete it and run 'poster-gen batch --out {out}' "
                 "again").format(out=out)
        listed = "; ".join(problems[:_MAX_SHOWN])
        if len(problems) > _MAX_SHOWN:
            raise PosterGenError(_("{path}: {problems} (and {n} more); {todo}").format(
                path=path, problems=listed, n=len(problems) - _MAX_SHOWN, todo=redo))
        raise PosterGenError(_("{path}: {problems}; {todo}").format(path=path, problems=listed, todo=redo))
    return entries


# ---- the page -----------------------------------------------------------------------


def write_proof(
    out: Path,
    campaign_path: Path,
    design_dirs: list[Path] | None = None,
    checks: list | None = None,
    failed: list[tuple[str, str]] | None = None,
    jobs: int | None = None,
) -> ProofReport:
    """Write OUT/index.html and OUT/_proof/ previews for the artworks in OUT/manifest.json.

    ``design_dirs``: where the previews' designs are looked up (design TOML
    files only: the page itself is always the packaged template).
    ``checks``: preflight results (``FileCheck`` or their ``to_dict()``) to show
    beside the artworks whose files they name; ``failed``: (what, why) of jobs a
    batch could not render.
    """
    from poster_gen import __version__
    from poster_gen.campaign import load_campaign
    from poster_gen.sizes import PRESETS

    out = Path(out)
    entries = read_manifest(out)
    campaign = load_campaign(campaign_path)
    template = sandbox.page_template()
    report = ProofReport(index=out / INDEX, artworks=len(entries))
    ext = preview_format()
    by_file: dict[str, dict] = {}
    for c in checks or []:
        d = c.to_dict() if hasattr(c, "to_dict") else c
        if isinstance(d, dict) and d.get("file"):
            by_file[os.path.normcase(os.path.abspath(d["file"]))] = d

    # every file a link may point at: relative, inside OUT; the rest is shown as text
    safe_files: list[dict[str, str]] = []
    refused: list[tuple[tuple[str, str], ...]] = []
    for e in entries:
        files = e.get("files") or {}
        ok = {fmt: rel for fmt, rel in files.items() if _file_in_out(out, rel)}
        safe_files.append(ok)
        refused.append(tuple((fmt.upper(), str(rel)) for fmt, rel in sorted(files.items()) if fmt not in ok))

    # previews: only inside OUT/_proof, never through a link
    proof_dir = out / PROOF_DIR
    if proof_dir.is_symlink():
        _refuse_link(proof_dir, out)
    dests = [proof_dir / _preview_name(e, list(safe_files[i].values()), ext) for i, e in enumerate(entries)]
    for folder in sorted({d.parent for d in dests}):
        _check_writable(folder, proof_dir, out)
    old_made = _read_preview_index(proof_dir)

    # reuse the fresh ones, draw the rest (in parallel when many)
    plan: list[tuple[dict, str]] = []
    previews: dict[int, tuple[str, int, int, str]] = {}
    for i, e in enumerate(entries):
        size = _fresh(dests[i], [out / rel for rel in safe_files[i].values()])
        if size:
            previews[i] = (str(dests[i]), size[0], size[1], "")
            report.previews_reused += 1
        else:
            plan.append((e, str(dests[i])))
    index_of = {id(e): i for i, e in enumerate(entries)}
    dirs = tuple(str(d) for d in design_dirs or [])
    jobs = max(1, jobs or os.cpu_count() or 1)
    if plan:
        if jobs == 1 or len(plan) < 16:
            _init_previewer(str(campaign_path), dirs)
            results = map(_make_preview, plan)
            for (e, _dest), r in zip(plan, results):
                previews[index_of[id(e)]] = r
        else:
            with ProcessPoolExecutor(max_workers=min(jobs, 8), initializer=_init_previewer,
                                     initargs=(str(campaign_path), dirs, i18n.language())) as pool:
                for (e, _dest), r in zip(plan, pool.map(_make_preview, plan, chunksize=8)):
                    previews[index_of[id(e)]] = r
    made = {Path(p[0]).relative_to(proof_dir).as_posix() for p in previews.values() if not p[3]}
    _prune_previews(proof_dir, old_made, made)
    if made or old_made:
        with atomic_write(proof_dir / PREVIEW_INDEX) as fh:
            fh.write(json.dumps({"previews": sorted(made)}, indent=0).encode("utf-8"))

    # the records the page shows
    slogans = {s.id: s.text for s in campaign.slogans}
    units = {u.id: u.name for u in campaign.units}
    unit_order = {u.id: i for i, u in enumerate(campaign.units)}
    used: set[str] = set()
    items_by_unit: dict[str, list[ProofItem]] = {}
    for i, e in enumerate(entries):
        path, pw, ph, perr = previews[i]
        if perr:
            report.preview_failures += 1
        files = safe_files[i]
        links = tuple(
            (fmt.upper(), _href(rel), (out / rel).is_file()) for fmt, rel in sorted(files.items())
        )
        report.refused_links += len(refused[i])
        status, errs, warns = _check_messages(e.get("check"))
        for rel in files.values():
            d = by_file.get(os.path.normcase(os.path.abspath(out / rel)))
            if d is not None:
                st, e2, w2 = _check_messages(d)
                errs, warns = errs + e2, warns + w2
                status = "fail" if (status == "fail" or st == "fail") else (st if status in ("", "pass") else status)
        if errs:
            status = "fail"
        if status == "fail":
            report.preflight_failures += 1
        legible = e.get("legible")
        size_id = str(e["size"])
        preset = PRESETS.get(size_id)
        w_mm, h_mm = e.get("width_mm"), e.get("height_mm")
        label = f"{w_mm:g} × {h_mm:g} mm" if w_mm and h_mm else (_(preset.label) if preset and preset.label else "")
        kind = str(e.get("kind", ""))
        required = e.get("required_cap_mm")
        note = "" if required is None else _("(needs {need} mm at {distance} m)").format(
            need=f"{required:.0f}", distance=f"{e.get('viewing_m') or 0:g}")
        item = ProofItem(
            anchor=_anchor(e, used),
            unit=str(e["unit"]),
            slogan_id=str(e.get("slogan", "")),
            slogan=slogans.get(str(e.get("slogan", "")), " ".join(e.get("lines") or [])),
            lines=tuple(str(x) for x in e.get("lines") or ()),
            size=size_id,
            size_label=label,
            kind=kind,
            kind_label=_(KINDS[kind]) if kind in KINDS else kind,
            design=str(e.get("design", "")),
            cap_height_mm=e.get("cap_height_mm"),
            required_cap_mm=e.get("required_cap_mm"),
            heading_cap_mm=e.get("heading_cap_mm"),
            occasion_cap_mm=e.get("occasion_cap_mm"),
            viewing_m=e.get("viewing_m"),
            verdict="ok" if legible is True else ("small" if legible is False else "unknown"),
            warnings=tuple(str(w) for w in e.get("warnings") or ()),
            links=links,
            preview=None if perr else _href(Path(os.path.relpath(path, out)).as_posix()),
            preview_w=pw,
            preview_h=ph,
            preview_error=perr,
            check_status=status,
            check_errors=tuple(errs),
            check_warnings=tuple(warns),
            refused_links=refused[i],
            required_note=note,
        )
        items_by_unit.setdefault(item.unit, []).append(item)
    kind_order = {k: i for i, k in enumerate(KINDS)}
    groups = [
        ProofGroup(
            unit=u,
            name=units.get(u, u),
            items=tuple(sorted(items, key=lambda it: (kind_order.get(it.kind, 9), it.size, it.slogan_id, it.design))),
        )
        for u, items in sorted(items_by_unit.items(), key=lambda kv: (unit_order.get(kv[0], 10**6), kv[0]))
    ]
    all_items = [it for g in groups for it in g.items]
    summary = {
        "artworks": len(all_items),
        "units": len(groups),
        "slogans": len({it.slogan_id for it in all_items}),
        "sizes": Counter(it.size for it in all_items),
        "designs": Counter(it.design for it in all_items),
        "legible": sum(it.verdict == "ok" for it in all_items),
        "small": sum(it.verdict == "small" for it in all_items),
        "unknown": sum(it.verdict == "unknown" for it in all_items),
        "checked": sum(bool(it.check_status) for it in all_items),
        "check_failed": sum(it.check_status == "fail" for it in all_items),
        "missing_files": sum(not ok for it in all_items for _, _, ok in it.links),
        "refused_links": sum(len(it.refused_links) for it in all_items),
        "preview_failures": sum(bool(it.preview_error) for it in all_items),
    }
    attention = [
        it for it in all_items
        if it.check_status == "fail" or it.preview_error or not all(ok for _, _, ok in it.links) or it.refused_links
    ]
    when = campaign.event_date
    html = sandbox.render(
        template,
        dict(
            # the page's words: the template marks them with _() and ngettext() (see templates/proof.html.j2)
            _=_,
            ngettext=i18n.ngettext,
            lang=i18n.language(),
            title=_("Proof sheet: {name}").format(name=campaign.name),
            event_date=_(DATE_FORMAT).format(year=when.year, month=when.month, day=when.day),
            campaign=campaign,
            groups=groups,
            summary=summary,
            attention=attention,
            small=[it for it in all_items if it.verdict == "small"],
            failed=list(failed or []),
            version=__version__,
        ),
        sandbox.page_where(),
        sandbox.PAGE_LIMITS,
    )
    with atomic_write(out / INDEX) as fh:
        fh.write(html.encode("utf-8"))
    report.previews_made = sum(1 for _ in plan) - report.preview_failures
    return report
