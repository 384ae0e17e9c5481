"""The proof sheet: OUT/index.html over a batch, its previews, escaping, and a
real browser (headless Chromium) opening it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from PIL import Image

from poster_gen.cli import cli
from poster_gen.proof import PREVIEW_MAX_SIDE_PX, preview_size, write_proof
from poster_gen.resources import default_campaign

UNITS = ("tt-dong-mo", "ttvh-tt-tt")
SIZES = ("pano-300x200", "ap-phich-a3", "bieu-ngu-500x80")


class Page(HTMLParser):
    """The parts of the page the tests look at."""

    def __init__(self):
        super().__init__()
        self.imgs: list[dict] = []
        self.links: list[str] = []
        self.sections: list[str] = []
        self.articles: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "section":
            self.sections.append(a.get("id", ""))
        elif tag == "article":
            self.articles.append(a.get("id", ""))
        elif tag == "script":
            self.scripts += 1


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def run_cli(*args, expect=0):
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == expect, res.output
    return res


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    """A small real batch (2 units x 2 slogans x 3 kinds, two designs) with its proof."""
    out = tmp_path_factory.mktemp("proof") / "out"
    common = ["--units", ",".join(UNITS), "--slogans", "1,4", "--sizes", ",".join(SIZES), "--dpi", "10", "-j", "1",
              "--quiet", "--out", str(out)]
    run_cli("batch", *common)
    run_cli("batch", *common, "--design", "band", "--proof")
    return out


def test_batch_proof_writes_the_page_grouped_by_unit(batch_out):
    index = batch_out / "index.html"
    assert index.is_file()
    page = parse(index)
    assert page.sections == [f"u-{u}" for u in UNITS]  # campaign order
    manifest = json.loads((batch_out / "manifest.json").read_text(encoding="utf-8"))["artworks"]
    assert len(manifest) == 2 * 2 * 3 * 2
    assert len(page.articles) == len(manifest) == len(page.imgs)
    html = index.read_text(encoding="utf-8")
    assert "Thị trấn Đồng Mỏ" in html and "Trung tâm Văn hóa, Thể thao và Truyền thông huyện" in html
    assert "Đổi mới sáng tạo - Khơi nguồn tri thức" in html  # the approved slogan text
    for word in ("band", "classic", "pano-300x200", "ap-phich-a3", "bieu-ngu-500x80", "legible", "needs 120 mm at 15 m"):
        assert word in html
    # summary at the top: counts and the preflight the batch ran
    top = html[: html.index('<nav class="units"')]
    assert "<b>24</b>artworks" in top and "<b>2</b>units" in top and "<b>2</b>slogans" in top
    # each run preflights what it made and records it in the manifest, so both runs' checks show
    assert "<b>0</b>preflight failures (24 of 24 checked)" in top
    assert "Every file passed preflight." in top


def test_every_artwork_links_its_pdf_and_png_and_a_small_preview(batch_out):
    page = parse(batch_out / "index.html")
    manifest = json.loads((batch_out / "manifest.json").read_text(encoding="utf-8"))["artworks"]
    hrefs = {unquote(h) for h in page.links}
    for e in manifest:
        assert e["files"]["pdf"] in hrefs and e["files"]["png"] in hrefs
    for img in page.imgs:
        src = unquote(img["src"])
        assert not src.startswith(("/", "file:", "http")) and src.startswith("_proof/")
        path = batch_out / src
        assert path.is_file()
        with Image.open(path) as im:
            assert im.format in ("WEBP", "PNG")
            assert (int(img["width"]), int(img["height"])) == im.size
            assert max(im.size) <= PREVIEW_MAX_SIDE_PX and 250 <= im.width
        assert path.stat().st_size < 60_000  # made for the page, not a print file
        assert img["alt"]
    # previews are drawn small, never copies of the print PNGs
    pngs = {(batch_out / e["files"]["png"]).stat().st_size for e in manifest}
    assert not pngs & {(batch_out / unquote(i["src"])).stat().st_size for i in page.imgs}


def test_preview_size_is_about_400_px_wide_for_a_pano():
    w, h, dpi = preview_size(3000, 2000)
    assert 380 <= w <= 440 and abs(w / h - 1.5) < 0.01
    w, h, _ = preview_size(5000, 800)
    assert 800 <= w <= PREVIEW_MAX_SIDE_PX and h >= 120


def test_proof_command_reuses_fresh_previews_and_prunes_stale_ones(tmp_path, batch_out):
    # a file poster-gen did not make is never deleted, even in _proof
    foreign = batch_out / "_proof" / "gone" / "old.webp"
    foreign.parent.mkdir(parents=True, exist_ok=True)
    foreign.write_bytes(b"x")
    res = run_cli("proof", str(batch_out))
    assert res.output.strip().endswith("index.html")
    assert foreign.exists()
    shutil.rmtree(foreign.parent)
    r = write_proof(batch_out, default_campaign())
    assert r.previews_reused == r.artworks == 24 and r.previews_made == 0
    # a preview it made for an artwork no longer in the manifest is deleted
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    gone = data["artworks"].pop(0)
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    stem = Path(gone["files"]["pdf"]).stem
    stale = [p for p in (out / "_proof" / gone["unit"]).iterdir() if p.stem == stem]
    assert len(stale) == 1
    run_cli("proof", str(out))
    assert not stale[0].exists()
    assert len(list((out / "_proof").rglob("*.webp")) + list((out / "_proof").rglob("*.png"))) == 23


def test_preflight_failures_from_the_manifest_are_shown_at_the_top(tmp_path, batch_out):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    entry = data["artworks"][0]
    entry["check"] = {"status": "fail", "errors": [{"code": "boxes", "message": "no TrimBox <in> the PDF"}]}
    data["artworks"][1]["check"] = ["PNG pixel size does not match 100 dpi"]
    data["artworks"][2]["legible"] = False
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run_cli("proof", str(out))
    html = (out / "index.html").read_text(encoding="utf-8")
    top = html[: html.index('<nav class="units"')]
    assert "Needs attention" in top
    assert "boxes: no TrimBox &lt;in&gt; the PDF" in top
    assert "PNG pixel size does not match 100 dpi" in top
    assert "<b>2</b>preflight failures" in top
    assert f'href="#a-{entry["unit"]}-' in top
    assert "too small" in html


def test_names_are_html_escaped(tmp_path):
    camp = tmp_path / "evil.toml"
    text = default_campaign().read_text(encoding="utf-8")
    text = text.replace('name = "Thị trấn Đồng Mỏ"', 'name = "Thị trấn <script>alert(1)</script> & \\"Mỏ\\""', 1)
    text = text.replace('[campaign]\nname = "', '[campaign]\nname = "<i>Ngày</i> ', 1)
    camp.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run_cli("--campaign", str(camp), "batch", "--units", "tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3",
            "--dpi", "10", "-j", "1", "--quiet", "--no-check", "--proof", "--out", str(out))
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<i>Ngày" not in html
    assert "Thị trấn &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Mỏ&#34;" in html
    assert "&lt;i&gt;Ngày&lt;/i&gt;" in html
    assert parse(out / "index.html").scripts == 1  # only the page's own


def test_an_artwork_that_cannot_be_drawn_gets_a_placeholder_not_a_broken_image(tmp_path, batch_out):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    data["artworks"].append({**data["artworks"][0], "unit": "not-in-campaign"})
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = run_cli("proof", str(out))
    assert "1 artworks have no preview" in res.output
    page = parse(out / "index.html")
    assert len(page.articles) == len(page.imgs) + 1
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "no preview: unknown unit &#39;not-in-campaign&#39;" in html


def test_proof_without_a_manifest_says_what_to_do(tmp_path):
    res = run_cli("proof", str(tmp_path), expect=2)
    assert "manifest.json not found" in res.output and "poster-gen batch" in res.output


# ---- a real browser -----------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def open_in_chromium(index: Path, tmp_path: Path) -> tuple[str, str]:
    """(DOM after load, console lines) from headless Chromium."""
    exe = _chromium()
    if exe is None:
        pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")
    profile = tmp_path / "chromium-profile"
    cmd = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
        "--dump-dom", index.resolve().as_uri(),
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("headless Chromium did not finish in 120 s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return proc.stdout, "\n".join(console)


def _attr(dom: str, name: str) -> str | None:
    m = re.search(rf'<html[^>]*\s{name}="([^"]*)"', dom)
    return m.group(1) if m else None


def test_chromium_loads_every_preview_without_console_errors(batch_out, tmp_path):
    dom, console = open_in_chromium(batch_out / "index.html", tmp_path)
    assert _attr(dom, "data-proof-ready") == "ok", (_attr(dom, "data-broken-previews"), console)
    assert _attr(dom, "data-previews") == "24"
    assert _attr(dom, "data-broken-previews") == "0"
    assert console == ""


def test_chromium_check_notices_a_broken_preview(batch_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    victim = next((out / "_proof").rglob("*.webp"), None) or next((out / "_proof").rglob("*.png"))
    victim.write_bytes(b"not an image")
    dom, _console = open_in_chromium(out / "index.html", tmp_path)
    assert _attr(dom, "data-proof-ready") == "broken"
    assert _attr(dom, "data-broken-previews") == "1"
