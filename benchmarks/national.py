"""National scale: every commune, ward and special zone, one slogan x the default băng rôn, as PDF.

    python benchmarks/national.py [--quick] [--shards N] [--jobs J] [--shard-jobs W] [--keep DIR]

Builds the national campaign with `poster-gen init --province all` (the official list, from the
vietnam-provinces package) in a temporary folder, renders slogan 1 on the default băng rôn
(bieu-ngu-500x80) as PDF for all units, preflight on, split into N shards run by GNU parallel
(J at a time, each shard a `poster-gen batch --shard K/N` with W workers), then `poster-gen merge`.
Reports the wall time and rate, the peak memory of each shard's parent process (limit 400 MB),
the same sharded command again with nothing changed (target <= 5 s), the merge time, and a
projection to the full run (every unit x 6 slogans x 3 kinds), weighted by what one artwork of
each kind costs. Whole processes throughout; GNU parallel must be installed (apt-get install
parallel). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from poster_gen.campaign import load_campaign
from poster_gen.resources import default_campaign

SIZE = "bieu-ngu-500x80"  # the default băng rôn
KIND_SIZES = {"bieu-ngu": "bieu-ngu-500x80", "pano": "pano-300x200", "ap-phich": "ap-phich-54x79"}  # defaults per kind
SLOGANS = 6  # the memo's slogans, as in the packaged campaign
PARENT_LIMIT_MB = 400
RERUN_TARGET_S = 5.0
OCCASION = ("Ngày Sáng tạo và Đổi mới sáng tạo thế giới", "2026-04-21", "Hưởng ứng")

# Runs poster-gen exactly as `python -m poster_gen` does, and at exit records the peak resident
# memory of this process alone and of the largest of its workers (RUSAGE_CHILDREN).
# GNU time's %M would not do: on Linux it is the largest of the process and all its descendants.
# Nor does RUSAGE_SELF on Linux: it keeps the high-water mark of the process that forked this one
# (the benchmark itself, for the merge), so the process's own mark, VmHWM, is read where there is one.
# At exit, write to `record` the peak resident memory of this process (VmHWM: RUSAGE_SELF would keep
# the mark of the process that forked it) and of its largest child. Shared by the benchmarks' wrappers.
PEAK_RECORDER = """\
def _own_peak_kb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def _write():
    with open(record, "w") as fh:
        json.dump({"self_kb": _own_peak_kb(),
                   "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, fh)
atexit.register(_write)
"""

WRAPPER = """\
import atexit, json, resource, runpy, sys
record = sys.argv.pop(1) + "/shard-" + sys.argv.pop(1) + ".json"
""" + PEAK_RECORDER + """\
runpy.run_module("poster_gen", run_name="__main__", alter_sys=True)
"""


class Missing(Exception):
    """A tool the benchmark needs is not installed: one line saying what to install."""


def gnu_parallel() -> str:
    """The path of GNU parallel (not moreutils' parallel, which takes other options)."""
    path = shutil.which("parallel")
    if path:
        r = subprocess.run([path, "--version"], check=False, capture_output=True, text=True)
        if r.returncode == 0 and "GNU parallel" in r.stdout:
            return path
    raise Missing("GNU parallel is not installed (the national benchmark shards with it): "
                  "apt-get install parallel, then run again")


def env() -> dict:
    e = dict(os.environ, POSTER_GEN_LANG="en")
    e.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caches, as installed
    return e


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "poster_gen", *args]


def timed(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, check=False, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode:
        tail = (r.stderr or "").strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"{shlex.join(cmd[2:] if cmd[1] == '-m' else cmd)} exited {r.returncode}: {tail[0]}")
    return time.perf_counter() - t


def build_campaign(folder: Path) -> tuple[Path, int, float]:
    """Write the national campaign (every unit, the packaged memo's 6 slogans) with `poster-gen init`."""
    memo = folder / "memo.txt"
    slogans = load_campaign(default_campaign()).slogans
    memo.write_text("".join(f"{i}. “{s.text}”\n" for i, s in enumerate(slogans, 1)), encoding="utf-8")
    path = folder / "ca-nuoc.toml"
    name, date, lead_in = OCCASION
    cmd = cli("init", str(path), "--province", "all", "--occasion", name, "--date", date, "--lead-in", lead_in,
              "--slogans-from", str(memo), "--force")
    try:
        secs = timed(cmd)
    except RuntimeError as exc:
        raise Missing(f"poster-gen init --province all failed ({exc}); the official list comes with the "
                      "vietnam-provinces package: pip install -e '.[test]'") from None
    return path, len(load_campaign(path).units), secs


def shard_command(campaign: Path, out: Path, rss: Path, n: int, shard_jobs: int, check: bool, wrapper: Path) -> str:
    """The command GNU parallel runs for each shard {} (1..n)."""
    fixed = [sys.executable, str(wrapper), str(rss)]
    args = ["--campaign", str(campaign), "batch", "--out", str(out), "--slogans", "1", "--sizes", SIZE,
            "--format", "pdf", "--quiet", "-j", str(shard_jobs), *([] if check else ["--no-check"])]
    return " ".join([shlex.join(fixed), "{}", shlex.join(args), f"--shard {{}}/{n}"])


def run_sharded(parallel: str, command: str, n: int, jobs: int, log: Path) -> float:
    """Run the n shards with GNU parallel; the wall time of the whole. Fails if a shard failed."""
    cmd = [parallel, "--will-cite", "-j", str(jobs), "--joblog", str(log), command, ":::", *map(str, range(1, n + 1))]
    t = time.perf_counter()
    r = subprocess.run(cmd, check=False, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t
    if r.returncode:
        tail = (r.stderr or "").strip().splitlines()[-1:] or ["(no message)"]
        raise RuntimeError(f"{r.returncode} shard(s) failed (see {log}): {tail[0]}")
    return secs


def shard_memory(rss: Path, n: int) -> list[dict]:
    out = []
    for k in range(1, n + 1):
        p = rss / f"shard-{k}.json"
        out.append(json.loads(p.read_text()) if p.is_file() else {})
    return out


def shard_times(log: Path) -> list[float]:
    rows = log.read_text().splitlines()[1:]
    return [float(r.split("\t")[3]) for r in rows if r.strip()]


def pdfs_newer(out: Path, since_ns: int) -> tuple[int, int]:
    """(PDFs in out, of which written after since_ns)."""
    n = newer = 0
    for p in out.rglob("*.pdf"):
        n += 1
        newer += p.stat().st_mtime_ns > since_ns
    return n, newer


def kind_costs(campaign: Path, folder: Path, units: list[str], shard_jobs: int, repeat: int) -> dict[str, float]:
    """Seconds one artwork of each kind costs (render and preflight, one worker): a batch of the same
    units on the kind's default size made afresh (--force), minus the same command with nothing to do
    (start-up, campaign, manifest), divided by the number of units; the median of ``repeat`` pairs."""
    costs = {}
    for kind, size in KIND_SIZES.items():
        out = folder / f"kind-{kind}"
        cmd = cli("--campaign", str(campaign), "batch", "--out", str(out), "--units", ",".join(units),
                  "--slogans", "1", "--sizes", size, "--format", "pdf", "--quiet", "-j", str(shard_jobs))
        timed(cmd)  # the first run makes the files
        costs[kind] = statistics.median((timed([*cmd, "--force"]) - timed(cmd)) / len(units) for _ in range(repeat))
        shutil.rmtree(out, ignore_errors=True)
    return costs


def measure(quick: bool = False, shards: int | None = None, jobs: int | None = None, shard_jobs: int = 1,
            reruns: int | None = None, check: bool = True, keep: Path | None = None, log=print) -> dict:
    """The national benchmark; prints as it goes (``log``) and returns the figures."""
    parallel = gnu_parallel()
    cores = os.cpu_count() or 1
    jobs = jobs or cores
    n = shards or cores
    reruns = reruns or (1 if quick else 3)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="poster-gen-national-", dir=keep))
    try:
        version = subprocess.run([parallel, "--version"], check=False, capture_output=True, text=True).stdout.splitlines()[0]
        log(f"national: {version}; {n} shards, {jobs} at a time, {shard_jobs} worker(s) each; "
            f"preflight {'on' if check else 'off'}; folder {tmp}")
        campaign, n_units, t_init = build_campaign(tmp)
        log(f"  init --province all: {n_units:,} units in {t_init:.2f} s")
        wrapper = tmp / "shard_rss.py"
        wrapper.write_text(WRAPPER, encoding="utf-8")
        out, rss = tmp / "out", tmp / "rss"
        rss.mkdir()
        command = shard_command(campaign, out, rss, n, shard_jobs, check, wrapper)

        t_run = run_sharded(parallel, command, n, jobs, tmp / "joblog-1.tsv")
        per_shard = shard_times(tmp / "joblog-1.tsv")
        mem = shard_memory(rss, n)
        made, _ = pdfs_newer(out, 0)
        rate = made / t_run
        parent_mb = [m["self_kb"] / 1024 for m in mem if m]
        worker_mb = [m["children_kb"] / 1024 for m in mem if m]
        peak = max(parent_mb) if parent_mb else float("nan")
        log(f"  sharded run: {made:,} PDFs of {n_units:,} units in {t_run:.2f} s = {rate:.1f} PDF/s "
            f"(shards took {', '.join(f'{s:.1f}' for s in per_shard)} s)")
        log(f"  peak memory of a shard's parent process: {peak:.0f} MB (limit {PARENT_LIMIT_MB} MB; "
            f"each: {', '.join(f'{m:.0f}' for m in parent_mb)} MB)"
            + (f"; largest worker {max(worker_mb):.0f} MB" if worker_mb and max(worker_mb) > 0 else ""))

        t_merge = timed([sys.executable, str(wrapper), str(rss), "merge", "merge", str(out)])
        merge_mb = json.loads((rss / "shard-merge.json").read_text())["self_kb"] / 1024
        manifest = out / "manifest.json"
        merged = len(json.loads(manifest.read_text(encoding="utf-8"))["artworks"])
        manifest_mb = manifest.stat().st_size / 1e6
        log(f"  merge: {merged:,} artworks from {n} shard manifests in {t_merge:.2f} s, peak memory {merge_mb:.0f} MB "
            f"(manifest.json {manifest_mb:.1f} MB)")

        before = time.time_ns()
        rerun_times = [run_sharded(parallel, command, n, jobs, tmp / f"joblog-re{i}.tsv") for i in range(reruns)]
        t_rerun = statistics.median(rerun_times)
        _, remade = pdfs_newer(out, before)
        rerun_peak = max((m["self_kb"] / 1024 for m in shard_memory(rss, n) if m), default=float("nan"))
        log(f"  re-run, nothing changed: {t_rerun:.2f} s (median of {reruns}; target <= {RERUN_TARGET_S:.0f} s), "
            f"{remade} PDF(s) rewritten, parent peak {rerun_peak:.0f} MB")

        sample = [u.id for u in load_campaign(campaign).units][: 40 if quick else 100]
        repeat = 1 if quick else 3
        costs = kind_costs(campaign, tmp, sample, shard_jobs, repeat)
        if min(costs.values()) > 0:
            weight = statistics.fmean(costs.values()) / costs["bieu-ngu"]
            log("  one artwork, render and preflight: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in costs.items())
                + f" ({len(sample)} units, median of {repeat}); the 3 kinds average {weight:.2f} x the băng rôn")
        else:  # a busy machine made the batch with nothing to do slower than the one that made the files
            weight = 1.0
            log("  one artwork of each kind: not measurable on this busy machine (a batch with nothing to do took "
                "as long as one making the files); the projection weights every kind as the băng rôn")

        full = n_units * SLOGANS * len(KIND_SIZES)
        scale = full / max(merged, 1)
        t_full = full * weight / rate
        proj = {
            "artworks": full,
            "seconds": t_full,
            "rate_pdf_s": full / t_full,
            "merge_s": t_merge * scale,
            "manifest_mb": manifest_mb * scale,
            "rerun_s": t_rerun * scale,
        }
        log(f"  projected full run, {n_units:,} units x {SLOGANS} slogans x {len(KIND_SIZES)} kinds = {full:,} PDFs: "
            f"{t_full / 60:.1f} min at {proj['rate_pdf_s']:.1f} PDF/s on this machine; merge {proj['merge_s']:.0f} s, "
            f"manifest {proj['manifest_mb']:.0f} MB, unchanged re-run {proj['rerun_s']:.0f} s (all linear in artworks)")
        return {
            "parallel": version, "shards": n, "parallel_jobs": jobs, "shard_jobs": shard_jobs, "check": check,
            "units": n_units, "init_s": t_init, "artworks": made, "seconds": t_run, "rate_pdf_s": rate,
            "shard_seconds": per_shard, "parent_peak_mb": peak, "parent_mb": parent_mb, "worker_peak_mb": max(worker_mb, default=0.0),
            "parent_limit_mb": PARENT_LIMIT_MB, "merge_s": t_merge, "merge_peak_mb": merge_mb, "merged": merged, "manifest_mb": manifest_mb,
            "rerun_s": t_rerun, "reruns": reruns, "rerun_rewritten": remade, "rerun_parent_peak_mb": rerun_peak,
            "rerun_target_s": RERUN_TARGET_S, "kind_cost_s": costs, "kind_sample_units": len(sample),
            "kind_weight": weight, "projection": proj,
        }
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one re-run; the kind weights from 40 units, once")
    ap.add_argument("--shards", type=int, help="number of shards N (default: the number of cores)")
    ap.add_argument("--jobs", type=int, help="shards GNU parallel runs at a time (default: the number of cores)")
    ap.add_argument("--shard-jobs", type=int, default=1, help="workers of each shard's batch (default 1)")
    ap.add_argument("--reruns", type=int, help="unchanged re-runs to take the median of (default 3, --quick 1)")
    ap.add_argument("--no-check", action="store_true", help="no preflight (default: on, as batch does)")
    ap.add_argument("--keep", type=Path, help="work in a new folder inside DIR and keep it")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args()
    try:
        r = measure(args.quick, args.shards, args.jobs, args.shard_jobs, args.reruns, not args.no_check, args.keep)
    except Missing as exc:
        print(f"national benchmark: {exc}", file=sys.stderr)
        sys.exit(2)
    except RuntimeError as exc:
        print(f"national benchmark: {exc}", file=sys.stderr)
        sys.exit(1)
    if args.json:
        from poster_gen.output import atomic_write

        with atomic_write(args.json) as fh:
            fh.write((json.dumps(r, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
