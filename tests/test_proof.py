"""The proof sheet: OUT/index.html and a page per unit over a batch, its previews (made once,
reused, pruned), copies, area and cost, escaping, and a real browser (headless Chromium)
opening the index and a unit page."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from click.testing import CliRunner
from PIL import Image

from poster_gen import proof
from poster_gen.campaign import Unit, load_campaign
from poster_gen.cli import cli
from poster_gen.errors import PosterGenError
from poster_gen.proof import PREVIEW_MAX_SIDE_PX, preview_size, write_proof
from poster_gen.resources import default_campaign

UNITS = ("tt-dong-mo", "ttvh-tt-tt")
SIZES = ("pano-300x200", "ap-phich-a3", "bieu-ngu-500x80")


class Page(HTMLParser):
    """The parts of a page the tests look at."""

    def __init__(self):
        super().__init__()
        self.imgs: list[dict] = []
        self.links: list[str] = []
        self.articles: list[str] = []
        self.scripts = 0
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "article":
            self.articles.append(a.get("id", ""))
        elif tag == "script":
            self.scripts += 1
        elif tag == "h2":
            self._in_h2 = True
            self.h2.append("")

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.h2[-1] += data


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def run_cli(*args, expect=0):
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == expect, res.output
    return res


def manifest(out: Path) -> list[dict]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["artworks"]


def unit_pages(out: Path) -> list[Path]:
    """The unit pages the index links to, in its order (each unit's first page once)."""
    seen = []
    for href in parse(out / "index.html").links:
        path = unquote(href.split("#")[0])
        if path.startswith("_proof/u/") and path not in seen:
            seen.append(path)
    return [out / p for p in seen]


def all_pages(out: Path) -> list[Path]:
    return sorted((out / "_proof" / "u").glob("*.html"))


def target(page: Path, href: str, out: Path) -> Path:
    """The file a relative href on ``page`` leads to (never outside OUT)."""
    rel = unquote(urljoin(page.relative_to(out).as_posix(), href.split("#")[0]))
    assert not rel.startswith(("/", "..")) and ":" not in rel, href
    return out / rel


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    """A small real batch (2 units x 2 slogans x 3 kinds, two designs) with its proof."""
    out = tmp_path_factory.mktemp("proof") / "out"
    common = ["--units", ",".join(UNITS), "--slogans", "1,4", "--sizes", ",".join(SIZES), "--dpi", "10", "-j", "1",
              "--quiet", "--out", str(out)]
    run_cli("batch", *common)
    run_cli("batch", *common, "--design", "band", "--proof")
    return out


def test_the_index_lists_every_unit_with_counts_and_links_to_its_page(batch_out):
    index = batch_out / "index.html"
    page = parse(index)
    assert not page.imgs  # the index shows no preview: it stays light at any scale
    pages = unit_pages(batch_out)
    assert [p.name for p in pages] == [f"{u}.html" for u in UNITS]  # campaign order
    assert all(p.is_file() for p in pages) and sorted(pages) == all_pages(batch_out)
    html = index.read_text(encoding="utf-8")
    assert "Thị trấn Đồng Mỏ" in html and "Trung tâm Văn hóa, Thể thao và Truyền thông huyện" in html
    # grouped by kind of unit, with counts
    assert "Townships" in html and "Public service units" in html
    top = html[: html.index('<nav class="units"')]
    assert "<b>2</b>units" in top and "<b>24</b>artworks" in top and "<b>24</b>copies to print" in top
    assert "<b>2</b>slogans" in top
    # each run preflights what it made and records it in the manifest, so both runs' checks show
    assert "<b>0</b>preflight failures (24 of 24 checked)" in top
    # the order by kind and size, in the campaign's materials (no prices: no money anywhere)
    assert "To be printed, by kind and size" in top and "hiflex" in top and "giấy" in top
    assert "₫" not in html and "cost" not in html


def test_a_unit_page_shows_every_artwork_of_the_unit(batch_out):
    entries = manifest(batch_out)
    assert len(entries) == 2 * 2 * 3 * 2
    for unit in UNITS:
        page_path = batch_out / "_proof" / "u" / f"{unit}.html"
        page = parse(page_path)
        mine = [e for e in entries if e["unit"] == unit]
        assert len(page.articles) == len(page.imgs) == len(mine) == 12
        html = page_path.read_text(encoding="utf-8")
        assert "Đổi mới sáng tạo - Khơi nguồn tri thức" in html  # the approved slogan text
        for word in ("band", "classic", "pano-300x200", "ap-phich-a3", "bieu-ngu-500x80", "legible", "copies",
                     "material", "hiflex"):
            assert word in html
        assert target(page_path, next(h for h in page.links if h.endswith("index.html")), batch_out) == \
            batch_out / "index.html"
    assert "needs 120 mm at 15 m" in (batch_out / "_proof" / "u" / "tt-dong-mo.html").read_text(encoding="utf-8")


def test_every_artwork_links_its_pdf_and_png_and_a_small_lazy_preview(batch_out):
    entries = manifest(batch_out)
    linked, shown = set(), []
    for page_path in all_pages(batch_out):
        page = parse(page_path)
        linked |= {target(page_path, h, batch_out) for h in page.links}
        for img in page.imgs:
            assert img["loading"] == "lazy" and img["alt"]
            path = target(page_path, img["src"], batch_out)
            assert path.parent.parent == batch_out / "_proof" and path.is_file()
            with Image.open(path) as im:
                assert im.format in ("WEBP", "PNG")
                assert (int(img["width"]), int(img["height"])) == im.size
                assert max(im.size) <= PREVIEW_MAX_SIDE_PX and 250 <= im.width
                im.load()  # decodes to the end
            assert path.stat().st_size < 60_000  # made for the page, not a print file
            shown.append(path)
    for e in entries:
        assert batch_out / e["files"]["pdf"] in linked and batch_out / e["files"]["png"] in linked
    assert len(set(shown)) == len(shown) == len(entries)
    # previews are drawn small, never copies of the print PNGs
    pngs = {(batch_out / e["files"]["png"]).stat().st_size for e in entries}
    assert not pngs & {p.stat().st_size for p in shown}


def test_preview_size_is_about_400_px_wide_for_a_pano():
    w, h, _dpi = preview_size(3000, 2000)
    assert 380 <= w <= 440 and abs(w / h - 1.5) < 0.01
    w, h, _ = preview_size(5000, 800)
    assert 800 <= w <= PREVIEW_MAX_SIDE_PX and h >= 120


def test_previews_are_made_once_reused_and_pruned(tmp_path, batch_out):
    # a file poster-gen did not make is never deleted, even in _proof
    foreign = batch_out / "_proof" / "gone" / "old.webp"
    foreign.parent.mkdir(parents=True, exist_ok=True)
    foreign.write_bytes(b"x")
    res = run_cli("proof", str(batch_out))
    assert res.output.strip().endswith("index.html")
    assert foreign.exists()
    shutil.rmtree(foreign.parent)
    before = {p: p.stat().st_mtime_ns for p in (batch_out / "_proof").rglob("*.webp")}
    r = write_proof(batch_out, default_campaign())
    assert r.previews_reused == r.artworks == 24 and r.previews_made == 0 and r.pages == r.units == 2
    assert {p: p.stat().st_mtime_ns for p in (batch_out / "_proof").rglob("*.webp")} == before  # not redrawn

    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    # an artwork no longer in the manifest: its preview is deleted; a changed one gets a new preview
    gone = data["artworks"].pop(0)
    changed = data["artworks"][0]
    changed["hash"] = "0" * 64
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    old_changed = _preview_of(out, changed)
    old_gone = _preview_of(out, gone)
    r = write_proof(out, default_campaign())
    assert (r.previews_made, r.previews_reused) == (1, 22)
    assert not old_gone.exists() and not old_changed.exists()
    assert _preview_of(out, changed) != old_changed and _preview_of(out, changed).is_file()
    assert len(list((out / "_proof").rglob("*.webp")) + list((out / "_proof").rglob("*.png"))) == 23
    # a preview damaged since it was made is drawn again
    victim = _preview_of(out, data["artworks"][1])
    victim.write_bytes(b"not an image")
    r = write_proof(out, default_campaign())
    assert (r.previews_made, r.previews_reused) == (1, 22)
    with Image.open(victim) as im:
        im.load()
    # a unit no longer in the manifest: its page is deleted too
    data["artworks"] = [e for e in data["artworks"] if e["unit"] == UNITS[0]]
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    write_proof(out, default_campaign())
    assert [p.name for p in all_pages(out)] == [f"{UNITS[0]}.html"]
    assert not (out / "_proof" / UNITS[1]).exists()


def _preview_of(out: Path, entry: dict) -> Path:
    """The preview the unit page shows for ``entry``."""
    page_path = out / "_proof" / "u" / f"{entry['unit']}.html"
    html = page_path.read_text(encoding="utf-8")
    stem = Path(entry["files"]["pdf"]).stem
    (src,) = {s for s in re.findall(r'<img src="([^"]+)"', html) if Path(unquote(s)).name.startswith(stem + ".")}
    return target(page_path, src, out)


def test_a_unit_with_more_artworks_than_a_page_holds_gets_more_pages(tmp_path, batch_out, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    monkeypatch.setattr(proof, "PAGE_PREVIEWS", 5)
    r = write_proof(out, default_campaign())
    assert r.pages == 6  # 12 artworks a unit: 5 + 5 + 2
    for unit in UNITS:
        names = [f"{unit}.html", f"{unit}~2.html", f"{unit}~3.html"]
        counts = [len(parse(out / "_proof" / "u" / n).articles) for n in names]
        assert counts == [5, 5, 2]
        first = parse(out / "_proof" / "u" / names[0])
        assert {"~2" in h for h in first.links} >= {True}  # the pager links the other pages
        anchors = set()
        for n in names:
            anchors |= {f"{n}#{a}" for a in parse(out / "_proof" / "u" / n).articles}
        assert len(anchors) == 12
    # the index still lists each unit once, by its first page
    assert [p.name for p in unit_pages(out)] == [f"{u}.html" for u in UNITS]


def test_preflight_failures_are_listed_first_on_the_index_with_links_to_the_page(tmp_path, batch_out):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    entry = next(e for e in data["artworks"] if e["unit"] == UNITS[1])
    entry["check"] = {"status": "fail", "errors": [{"code": "boxes", "message": "no TrimBox <in> the PDF"}]}
    second = next(e for e in data["artworks"] if e["unit"] == UNITS[1] and e is not entry)
    second["check"] = ["PNG pixel size does not match 100 dpi"]
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run_cli("proof", str(out))
    html = (out / "index.html").read_text(encoding="utf-8")
    top = html[: html.index('<nav class="units"')]
    assert "Needs attention" in top
    assert "boxes: no TrimBox &lt;in&gt; the PDF" in top
    assert "PNG pixel size does not match 100 dpi" in top
    assert "<b>2</b>preflight failures" in top and "2 preflight failures" in top
    # the unit with failures is listed, linked to its page and to the artworks; the other is not
    attention = top[top.index("Needs attention"):top.index("Slogans below the recommended capital height")]
    assert f'href="_proof/u/{UNITS[1]}.html#a-{UNITS[1]}-' in attention
    assert f"_proof/u/{UNITS[0]}.html" not in attention
    # a slogan set too small in both units is listed once, by artwork, after the problems
    small = top[top.index("Slogans below the recommended capital height"):]
    assert "pano-300x200 · slogan 1 · classic" in small and "in 2 units" in small
    assert "capitals 107 mm (needs 120 mm at 15 m)" in small
    unit_html = (out / "_proof" / "u" / f"{UNITS[1]}.html").read_text(encoding="utf-8")
    assert "boxes: no TrimBox &lt;in&gt; the PDF" in unit_html and 'class="badge fail"' in unit_html


def test_copies_area_and_cost_are_shown_per_artwork_and_in_the_summary(tmp_path):
    camp = tmp_path / "priced.toml"
    camp.write_text(default_campaign().read_text(encoding="utf-8")
                    + '\n[prices]\nhiflex = 65000\n"ap-phich-a3" = 4500\n', encoding="utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text("unit,slogan,size,design,copies\n"
                    "tt-dong-mo,4,pano-300x200,classic,3\n"
                    "tt-dong-mo,4,ap-phich-a3,classic,40\n"
                    "xa-van-an,4,ap-phich-a3,classic,25\n", encoding="utf-8")
    out = tmp_path / "out"
    run_cli("--campaign", str(camp), "batch", "--plan", str(plan), "--format", "pdf", "--dpi", "10", "-j", "1",
            "--quiet", "--no-check", "--out", str(out))
    run_cli("--campaign", str(camp), "proof", str(out), "-j", "1")
    index = (out / "index.html").read_text(encoding="utf-8")
    # pano: 3 x 3 m x 2 m of hiflex at 65,000 đồng/m²; áp phích A3: 65 pieces at 4,500 đồng each
    pano = 3 * 3.0 * 2.0 * 65_000
    posters = 65 * 4_500
    assert "<b>68</b>copies to print" in index
    assert f"<b>{pano + posters:,.0f} ₫</b>cost at the prices given" in index
    assert "18 m²" in index and "65,000 ₫/m²" in index and "4,500 ₫ a piece" in index
    assert "303 × 426 mm printed" in index  # an A3 poster is printed with 3 mm of bleed on every side
    unit = (out / "_proof" / "u" / "tt-dong-mo.html").read_text(encoding="utf-8")
    assert f"<b>{pano + 40 * 4_500:,.0f} ₫</b>" in unit
    assert f"{pano:,.0f} ₫" in unit and "hiflex · 18 m²" in unit and "<dd>3</dd>" in unit and "<dd>40</dd>" in unit
    # in Vietnamese: thousands with '.', decimals with ','
    from poster_gen import i18n

    i18n.set_language("vi")
    assert proof.format_money(3_511_300) == "3.511.300 ₫"
    assert proof.format_area(57.905) == "57,91 m²" and proof.format_area(12.5) == "12,5 m²"
    assert proof.format_area(1234.5) == "1.234,5 m²" and proof.format_area(6.0) == "6 m²"


def test_units_are_grouped_by_province_when_the_official_list_knows_them():
    init = pytest.importorskip("poster_gen.init")
    try:
        registry = init.load_registry()
    except Exception as exc:  # noqa: BLE001  (the optional package is missing or unreadable)
        pytest.skip(f"the official list of units is not available: {exc}")
    a, b = registry.provinces[0], registry.provinces[1]
    units = [Unit(id=f"u{i}", name=w.name, kind=w.kind, code=w.code) for i, w in enumerate(a.wards[:2] + b.wards[:1])]
    units.append(Unit(id="so-van-hoa", name="Sở Văn hóa, Thể thao và Du lịch", kind="co-quan"))
    found = proof.unit_provinces(units)
    assert found["u0"][1] == found["u1"][1] == a.full_name and found["u2"][1] == b.full_name
    assert "so-van-hoa" not in found  # units of two provinces: an agency is in neither
    # one province: the agency joins it
    assert proof.unit_provinces(units[:2] + units[3:])["so-van-hoa"][1] == a.full_name
    # a code the list gave to another unit (a former commune's): no grouping by province at all
    stale = [units[0], Unit(id="old", name="Xã Không Còn", kind="xa", code=a.wards[2].code)]
    assert proof.unit_provinces(stale) == {}


def test_the_default_campaign_is_grouped_by_kind_of_unit():
    campaign = load_campaign(default_campaign())
    assert proof.unit_provinces(campaign.units) == {}  # units of 2024: not in the list of 2025
    assert proof.kind_label("thi-tran") == "Townships" and proof.kind_label("") == "Other units"
    assert proof._unit_kind(Unit(id="x", name="Xã Vân An")) == "xa"
    assert proof._unit_kind(Unit(id="y", name="Đặc khu Cô Tô")) == "dac-khu"


def test_names_are_html_escaped(tmp_path):
    camp = tmp_path / "evil.toml"
    text = default_campaign().read_text(encoding="utf-8")
    text = text.replace('name = "Thị trấn Đồng Mỏ"', 'name = "Thị trấn <script>alert(1)</script> & \\"Mỏ\\""', 1)
    text = text.replace('[campaign]\nname = "', '[campaign]\nname = "<i>Ngày</i> ', 1)
    camp.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run_cli("--campaign", str(camp), "batch", "--units", "tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3",
            "--dpi", "10", "-j", "1", "--quiet", "--no-check", "--proof", "--out", str(out))
    for page in (out / "index.html", out / "_proof" / "u" / "tt-dong-mo.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<i>Ngày" not in html
        assert "Thị trấn &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Mỏ&#34;" in html
        assert "&lt;i&gt;Ngày&lt;/i&gt;" in html
        assert parse(page).scripts == 1  # only the page's own


def test_an_artwork_that_cannot_be_drawn_gets_a_placeholder_not_a_broken_image(tmp_path, batch_out):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    data["artworks"].append({**data["artworks"][0], "unit": "not-in-campaign"})
    mpath.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    res = run_cli("proof", str(out))
    assert "1 artworks have no preview" in res.output
    page = parse(out / "_proof" / "u" / "not-in-campaign.html")
    assert len(page.articles) == len(page.imgs) + 1 == 1
    html = (out / "_proof" / "u" / "not-in-campaign.html").read_text(encoding="utf-8")
    assert "no preview: unknown unit &#39;not-in-campaign&#39;" in html
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<b>1</b>without a preview" in index and "Other units" in index


def test_unit_pages_are_written_only_inside_out(tmp_path, batch_out):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.html").write_text("keep me", encoding="utf-8")
    # a unit page that is a link is replaced by the page, its target left alone
    page = out / "_proof" / "u" / f"{UNITS[0]}.html"
    page.unlink()
    page.symlink_to(victim / "precious.html")
    run_cli("proof", str(out), "-j", "1")
    assert not page.is_symlink() and "<article" in page.read_text(encoding="utf-8")
    assert (victim / "precious.html").read_text(encoding="utf-8") == "keep me"
    # the folder of unit pages as a link: refused, nothing written through it
    shutil.rmtree(out / "_proof" / "u")
    (out / "_proof" / "u").symlink_to(victim, target_is_directory=True)
    res = run_cli("proof", str(out), "-j", "1", expect=2)
    assert f"{out / '_proof' / 'u'} is a link to {victim}" in res.output and "remove the link" in res.output
    assert [p.name for p in victim.iterdir()] == ["precious.html"]


def test_proof_without_a_manifest_says_what_to_do(tmp_path):
    res = run_cli("proof", str(tmp_path), expect=2)
    assert "manifest.json not found" in res.output and "poster-gen batch" in res.output


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in [out / "index.html", *all_pages(out)]}


def test_a_manifest_as_batch_writes_it_is_read_a_line_at_a_time_with_the_same_pages(tmp_path, batch_out, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    assert mpath.read_bytes().splitlines()[0].endswith(b'"artworks": [')  # one artwork a line, as batch writes it
    whole = proof._whole_tables
    read_whole = []
    monkeypatch.setattr(proof, "_whole_tables", lambda *a: read_whole.append(a) or whole(*a))
    write_proof(out, default_campaign())
    assert not read_whole  # streamed: never the whole file at once
    streamed = _pages(out)
    # the same manifest in another layout (indented by hand): read whole, the same pages
    data = json.loads(mpath.read_text(encoding="utf-8"))
    mpath.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    write_proof(out, default_campaign())
    assert read_whole and _pages(out) == streamed


def test_pages_rendered_in_worker_processes_are_the_same(tmp_path, batch_out, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    write_proof(out, default_campaign(), jobs=1)
    here = _pages(out)
    for page in [out / "index.html", *all_pages(out)]:
        page.unlink()
    pools = []

    class Pool(proof.ProcessPoolExecutor):
        def __init__(self, *args, **kw):
            pools.append(kw.get("initializer"))
            super().__init__(*args, **kw)

    monkeypatch.setattr(proof, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(proof, "PARALLEL_PAGES_FROM", 1)  # as for a large proof: the pages rendered by workers
    write_proof(out, default_campaign(), jobs=2)
    assert pools == [proof._init_renderer]
    assert _pages(out) == here


def test_a_damaged_artwork_in_a_streamed_manifest_is_named_with_every_other_problem(tmp_path, batch_out):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    mpath = out / "manifest.json"
    lines = mpath.read_text(encoding="utf-8").split("\n")
    # artworks 1 and 3 edited in place: the layout stays one artwork a line
    lines[2] = lines[2].replace(f'"unit": "{UNITS[0]}"', '"unit": "../../x"', 1)
    lines[4] = lines[4].replace('"copies": 1', '"copies": 0', 1)
    mpath.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PosterGenError) as info:
        write_proof(out, default_campaign())
    msg = str(info.value)
    assert 'artworks[1].unit = "../../x" is not an id' in msg and "artworks[3].copies = 0 must be a whole number" in msg
    assert "\n" not in msg and str(mpath) in msg

# ---- a real browser -----------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def open_in_chromium(page: Path, tmp_path: Path, query: str = "") -> tuple[str, str]:
    """(DOM after load, console lines) from headless Chromium."""
    exe = _chromium()
    if exe is None:
        pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")
    profile = tmp_path / "chromium-profile"
    cmd = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
        "--dump-dom", page.resolve().as_uri() + query,
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("headless Chromium did not finish in 120 s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return proc.stdout, "\n".join(console)


def _attr(dom: str, name: str) -> str | None:
    m = re.search(rf'<html[^>]*\s{name}="([^"]*)"', dom)
    return m.group(1) if m else None


def test_chromium_opens_the_index_and_a_unit_page_and_finds_every_preview(batch_out, tmp_path):
    dom, console = open_in_chromium(batch_out / "index.html", tmp_path)
    assert console == ""
    assert _attr(dom, "data-previews") == "0"
    nav = dom[dom.index('<nav class="units"'):]
    hrefs = re.findall(r'<a href="(_proof/u/[^"#]+)">', nav)
    assert hrefs == [f"_proof/u/{u}.html" for u in UNITS]  # the DOM as the browser built it
    page = batch_out / unquote(hrefs[0])
    dom, console = open_in_chromium(page, tmp_path, "?check")
    assert console == ""
    assert _attr(dom, "data-proof-ready") == "ok", (_attr(dom, "data-broken-previews"), console)
    expected = sum(e["unit"] == UNITS[0] for e in manifest(batch_out))
    assert _attr(dom, "data-previews") == _attr(dom, "data-loaded-previews") == str(expected) == "12"
    assert _attr(dom, "data-broken-previews") == "0"
    # every img element of the page, as the browser built it, is a preview file that exists and decodes
    srcs = re.findall(r'<img src="([^"]+)"', dom)
    assert len(srcs) == expected
    for src in srcs:
        with Image.open(target(page, src, batch_out)) as im:
            im.load()


def test_chromium_check_notices_a_broken_preview(batch_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    victim = next((out / "_proof" / UNITS[0]).glob("*.webp"), None) or next((out / "_proof" / UNITS[0]).glob("*.png"))
    victim.write_bytes(b"not an image")
    dom, _console = open_in_chromium(out / "_proof" / "u" / f"{UNITS[0]}.html", tmp_path, "?check")
    assert _attr(dom, "data-proof-ready") == "broken"
    assert _attr(dom, "data-broken-previews") == "1"
    assert re.search(r'<article class="art[^"]* flag"', dom)
