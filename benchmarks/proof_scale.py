"""The proof sheet at scale: how long its pages take to load in headless Chromium.

    python benchmarks/proof_scale.py [--runs N] [--no-national] [--keep DIR]

1. A real batch of a few hundred artworks with the packaged campaign (PDF only, no preflight):
   one unit with every preset size, every slogan and two designs (about 230 artworks: a full
   unit page of 200 previews and a second page), and every other unit with one slogan in the
   three default kinds. Then ``poster-gen proof``: timed once drawing every preview and once
   reusing them.
2. Every page of that proof (the index and each unit page) is opened in one headless Chromium,
   driven over its DevTools pipe (``--remote-debugging-pipe``, nothing but the standard library),
   with the browser cache off; the time from navigation to the page's load event is the median of
   N loads. The fullest unit page is also loaded with ``?check``, which loads every one of its
   previews at once (a reader who scrolls to the end).
3. The projection to 60,000 artworks: a unit page holds at most 200 previews whatever the batch,
   so its time does not grow; the index grows with the number of units (3,321 for the country):
   its size from the bytes its list of units takes per unit, its time above an empty page's in
   proportion to its size (an upper estimate: the small index's fixed part costs more per byte).
4. Then it is measured (unless ``--no-national``, or without the optional ``vietnam-provinces``
   package): the national campaign (``init --province all``) with 6 slogans x 3 kinds for every
   unit (59,778 artworks), a manifest that reuses the batch's files and previews (hard links, so
   nothing is drawn), the proof written (timed), and its index and a sample of unit pages loaded
   the same way.

Not part of the test suite: the machine is shared and its timings are noisy; read them as one run.
Target: every page loads in under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from poster_gen import proof
from poster_gen.resources import default_campaign

TARGET_S = 2.0
NATIONAL_UNITS = 3321
SIZES_DEFAULT = ("pano-300x200", "ap-phich-a3", "bieu-ngu-500x80")
BIG_UNIT = "tt-dong-mo"
WINDOW = "1280,900"


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "poster_gen", *args]


def timed(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    return time.perf_counter() - t


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


# ---- a headless Chromium over its DevTools pipe ----------------------------------------------


class Browser:
    """One headless Chromium, driven over ``--remote-debugging-pipe`` (JSON messages ended by NUL
    on file descriptors 3, commands in, and 4, answers and events out)."""

    def __init__(self, exe: str, profile: Path):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # a small Python puts the pipes on descriptors 3 and 4, then becomes Chromium
        onto_3_4 = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); "
                    "r, w = os.dup(r), os.dup(w); os.dup2(r, 3); os.dup2(w, 4); os.execv(sys.argv[3], sys.argv[3:])")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", onto_3_4, str(to_child_r), str(from_child_w), exe, "--headless", "--no-sandbox",
             "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--window-size={WINDOW}", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(profile)},
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for method in ("Page.enable", "Network.enable"):
            self.call(method, session=True)
        self.call("Network.setCacheDisabled", session=True, cacheDisabled=True)

    def _read(self) -> dict:
        while b"\0" not in self._buf:
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == self.session:
                    del self.events[: i + 1]
                    return
            self.events.clear()
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {method} in {timeout:.0f} s")
            self.events.append(self._read())

    def load(self, url: str) -> tuple[float, dict]:
        """(seconds from navigation to the load event, what the page's own check left on <html>)."""
        self.call("Page.navigate", session=True, url="about:blank")
        self.wait_event("Page.loadEventFired")
        self.events.clear()
        t = time.perf_counter()
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")
        seconds = time.perf_counter() - t
        found = self.call("Runtime.evaluate", session=True, returnByValue=True, expression=(
            "JSON.stringify({previews: document.images.length,"
            " loaded: Array.prototype.filter.call(document.images, i => i.complete && i.naturalWidth > 0).length,"
            " ready: document.documentElement.getAttribute('data-proof-ready'),"
            " bytes: document.documentElement.outerHTML.length})"))
        return seconds, json.loads(found["result"]["value"])

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_child)
        os.close(self._from_child)


def page_times(browser: Browser, pages: list[Path], runs: int, query: str = "") -> list[tuple[Path, float, dict]]:
    """(page, median seconds to its load event, what it found) of every page."""
    out = []
    for page in pages:
        loads = [browser.load(page.resolve().as_uri() + query) for _ in range(runs)]
        out.append((page, statistics.median(s for s, _ in loads), loads[-1][1]))
    return out


# ---- the proofs --------------------------------------------------------------------------------


def real_batch(out: Path) -> None:
    """About 340 artworks of the packaged campaign: one unit with everything, the rest in short."""
    from poster_gen.campaign import load_campaign
    from poster_gen.sizes import PRESETS

    campaign = load_campaign(default_campaign())
    common = ["--format", "pdf", "--no-check", "--quiet", "-j", str(os.cpu_count() or 1), "--out", str(out)]
    sizes = ",".join(PRESETS)
    slogans = ",".join(s.id for s in campaign.slogans)
    for design in ("classic", "band"):
        subprocess.run(cli("batch", "--units", BIG_UNIT, "--slogans", slogans, "--sizes", sizes, "--design", design,
                           *common), check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    others = ",".join(u.id for u in campaign.units if u.id != BIG_UNIT)
    subprocess.run(cli("batch", "--units", others, "--slogans", campaign.slogans[0].id, "--sizes",
                       ",".join(SIZES_DEFAULT), *common), check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def national_proof(real: Path, out: Path) -> tuple[int, int, Path]:
    """A national proof from the real batch's files and previews (hard links): (units, artworks,
    campaign file)."""
    campaign_path = out.parent / "ca-nuoc.toml"
    subprocess.run(cli("init", str(campaign_path), "--province", "all", "--occasion", "Ngày Sáng tạo Việt Nam",
                       "--date", "2026-04-21", "--force"), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    from poster_gen.campaign import load_campaign

    source = load_campaign(default_campaign())
    text = campaign_path.read_text(encoding="utf-8")
    start = text.index("\n[[slogans]]\n")
    end = text.index("\n# ----", start)
    slogans = "".join(f"\n[[slogans]]\nid = {json.dumps(s.id)}\ntext = {json.dumps(s.text, ensure_ascii=False)}\n"
                      for s in source.slogans)
    campaign_path.write_text(text[:start] + slogans + text[end:], encoding="utf-8")
    campaign = load_campaign(campaign_path)

    # the big unit's artworks of the default kinds, classic design: the model of every unit's
    entries = json.loads((real / "manifest.json").read_text(encoding="utf-8"))["artworks"]
    made = json.loads((real / "_proof" / proof.PREVIEW_INDEX).read_text(encoding="utf-8"))
    models = {}
    for e in entries:
        if e["unit"] == BIG_UNIT and e["size"] in SIZES_DEFAULT and e.get("design", "classic") == "classic":
            ext = proof.preview_format()
            name = proof._preview_name(proof.typed_entry(e), list(e["files"].values()), ext)
            models[(e["slogan"], e["size"])] = (e, name, made["sizes"][name])
    out.mkdir(parents=True)
    artworks, previews, sizes = [], [], {}
    for n, unit in enumerate(campaign.units):
        (out / unit.id).mkdir()
        (out / proof.PROOF_DIR / unit.id).mkdir(parents=True)
        for e, name, wh in models.values():
            stem = Path(e["files"]["pdf"]).stem
            rel = f"{unit.id}/{stem}.pdf"
            os.link(real / e["files"]["pdf"], out / rel)
            entry = {**e, "unit": unit.id, "files": {"pdf": rel}, "hash": f"{e['hash'][:48]}{n:016x}"}
            artworks.append(entry)
            pname = proof._preview_name(proof.typed_entry(entry), [rel], proof.preview_format())
            os.link(real / proof.PROOF_DIR / name, out / proof.PROOF_DIR / pname)
            previews.append(pname)
            sizes[pname] = wh
    (out / "manifest.json").write_text(json.dumps({"artworks": artworks}, ensure_ascii=False), encoding="utf-8")
    (out / proof.PROOF_DIR / proof.PREVIEW_INDEX).write_text(json.dumps({"previews": previews, "sizes": sizes}),
                                                             encoding="utf-8")
    return len(campaign.units), len(artworks), campaign_path


def report(label: str, rows: list[tuple[Path, float, dict]]) -> dict:
    times = [s for _, s, _ in rows]
    worst = max(rows, key=lambda r: r[1])
    print(f"  {label:<34} {len(rows):>5} pages  median {statistics.median(times) * 1000:7.0f} ms  "
          f"max {worst[1] * 1000:7.0f} ms ({worst[0].name}, {worst[2]['previews']} previews, "
          f"{worst[2]['bytes'] / 1024:.0f} KB)")
    return {"pages": len(rows), "median_s": statistics.median(times), "max_s": worst[1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="loads of each page (median)")
    ap.add_argument("--no-national", action="store_true", help="do not build and load the 60,000-artwork proof")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and leave the proofs there")
    args = ap.parse_args()
    exe = chromium()
    if exe is None:
        sys.exit("headless Chromium is not installed (Debian: apt-get install chromium)")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="proof-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    figures: dict = {}
    try:
        real = work / "batch"
        shutil.rmtree(real, ignore_errors=True)
        real_batch(real)
        n = len(json.loads((real / "manifest.json").read_text(encoding="utf-8"))["artworks"])
        first = timed(cli("proof", str(real)))
        again = timed(cli("proof", str(real)))
        pages = sorted((real / proof.PROOF_DIR / proof.PAGES_DIR).glob("*.html"))
        print(f"proof of {n} artworks, {len(pages)} unit pages: {first:.1f} s drawing every preview, "
              f"{again:.1f} s reusing them")
        figures.update(artworks=n, proof_first_s=first, proof_again_s=again)

        browser = Browser(exe, work / "chromium-profile")
        try:
            print(f"page loads in headless Chromium ({args.runs} loads each, median; cache off; window {WINDOW}):")
            browser.load((real / "index.html").resolve().as_uri())  # warm-up: the browser's own start-up
            index = report("index", page_times(browser, [real / "index.html"], args.runs))
            units = report("unit pages", page_times(browser, pages, args.runs))
            fullest = max(pages, key=lambda p: p.stat().st_size)
            checked = page_times(browser, [fullest], args.runs, "?check")
            assert checked[0][2]["ready"] == "ok" and checked[0][2]["loaded"] == checked[0][2]["previews"], checked
            full = report("fullest unit page, every preview", checked)
            figures.update(index=index, unit_pages=units, fullest_all_previews=full)

            # the index: a fixed part (header, totals, order) and a list that grows with the units
            html = (real / "index.html").read_text(encoding="utf-8")
            nav = html[html.index('<nav class="units"'):html.index("</nav>")]
            per_unit = len(nav.encode("utf-8")) / len(pages)
            index_bytes = len(html.encode("utf-8"))
            projected_bytes = index_bytes + per_unit * (NATIONAL_UNITS - len(pages))
            blank = work / "blank.html"
            blank.write_text("<!DOCTYPE html><title>-</title>", encoding="utf-8")
            base = report("an empty page (the browser's floor)", page_times(browser, [blank], args.runs))["median_s"]
            per_byte = max(0.0, index["median_s"] - base) / index_bytes
            projected_s = base + per_byte * projected_bytes
            print(f"projection to 60,000 artworks ({NATIONAL_UNITS} units): a unit page holds at most "
                  f"{proof.PAGE_PREVIEWS} previews, so {full['median_s'] * 1000:.0f} ms at most with every preview; "
                  f"the index grows by {per_unit:.0f} bytes a unit to about {projected_bytes / 1024:.0f} KB, about "
                  f"{projected_s * 1000:.0f} ms at most if the time above an empty page grows with its size")
            figures.update(projected_index_s=projected_s, projected_index_kb=projected_bytes / 1024)

            try:
                import vietnam_provinces  # noqa: F401  (the official list: init --province all)
            except ModuleNotFoundError:
                print("national proof: skipped, the optional package vietnam-provinces is not installed")
                args.no_national = True
            if not args.no_national:
                nat = work / "national" / "out"
                shutil.rmtree(nat.parent, ignore_errors=True)
                nat.parent.mkdir(parents=True)
                units_n, artworks_n, campaign_path = national_proof(real, nat)
                t = timed(cli("--campaign", str(campaign_path), "proof", str(nat)))
                print(f"national proof: {artworks_n:,} artworks of {units_n:,} units, pages written in {t:.1f} s "
                      f"(previews reused)")
                nat_pages = sorted((nat / proof.PROOF_DIR / proof.PAGES_DIR).glob("*.html"))
                sample = nat_pages[:: max(1, len(nat_pages) // 20)]
                nat_index = report("national index", page_times(browser, [nat / "index.html"], args.runs))
                nat_units = report("national unit pages (sample)", page_times(browser, sample, args.runs))
                figures.update(national={"artworks": artworks_n, "units": units_n, "proof_s": t,
                                         "index": nat_index, "unit_pages": nat_units})
        finally:
            browser.close()
        worst = max([figures["index"]["max_s"], figures["unit_pages"]["max_s"],
                     figures["fullest_all_previews"]["max_s"]]
                    + ([figures["national"]["index"]["max_s"], figures["national"]["unit_pages"]["max_s"]]
                       if "national" in figures else []))
        print(f"slowest page {worst * 1000:.0f} ms: {'within' if worst < TARGET_S else 'OVER'} the "
              f"{TARGET_S:.0f} s target")
        print(json.dumps(figures, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
