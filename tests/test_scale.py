"""The whole country in one run: what grows with the number of artworks stays cheap.

A national run is 3,321 units, a full one some 60,000 artworks. Each test here pins one thing that
used to grow faster than the run: the manifest rewritten whole every two seconds (now one artwork a
line, written when something changed, saves spaced by their cost), the campaign hashed whole for
every artwork and loaded three times, the nesting pre-scan walking text a character at a time, and
a merge that held every record in memory (now it streams: checked here at 20,000 artworks, and
projected to 60,000). None of it is timed: the figures are benchmarks/national.py's.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import random
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from poster_gen import batch as batch_mod
from poster_gen import campaign as campaign_mod
from poster_gen import limits
from poster_gen.batch import (
    ManifestError,
    Order,
    Outcome,
    _Ledger,
    load_manifest,
    merge_manifests,
    plan_all,
    run_batch,
)
from poster_gen.campaign import Unit, load_campaign
from poster_gen.cli import cli
from poster_gen.records import ManifestEntry
from poster_gen.resources import default_campaign

CAMPAIGN = default_campaign()
PARENT_LIMIT_MB = 400  # what a run's parent, and a merge, may hold (issue 14)


def cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "poster_gen", *args]


def one_line_error(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr, stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("poster-gen: error"), stderr[-2000:]
    return lines[0]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A folder with two artworks made and preflighted: real entries to build large manifests from."""
    out = tmp_path_factory.mktemp("made")
    orders = [Order("xa-bang-mac", "4", "bieu-ngu-500x80"), Order("xa-y-tich", "4", "bieu-ngu-500x80")]
    report = run_batch(CAMPAIGN, orders, out, ("pdf",), jobs=1, check=True)
    assert len(report.made) == 2
    return out


def _manifest_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# ---- the manifest: one artwork a line ------------------------------------------------------------


def test_the_manifest_is_one_artwork_a_line_and_plain_json(made):
    path = made / "manifest.json"
    lines = _manifest_lines(path)
    assert lines[0].startswith('{"tool": "poster-gen') and lines[0].endswith('"artworks": [')
    assert lines[-1] == "]}"
    body = lines[1:-1]
    assert len(body) == 2 and body[0].endswith(",") and not body[1].endswith(",")
    data = json.loads(path.read_text(encoding="utf-8"))  # any JSON reader reads it
    assert [a["unit"] for a in data["artworks"]] == ["xa-bang-mac", "xa-y-tich"]
    assert data["campaign"]["name"] and data["campaign"]["sha256"]
    # what the summary tells a user to search for is there as written
    assert '"legible": ' in body[0]
    assert load_manifest(path) == [ManifestEntry.from_dict(a) for a in data["artworks"]]


@pytest.mark.parametrize("layout", ["indent", "one line", "an entry over two lines", "two entries a line", "crlf"])
def test_a_manifest_in_another_layout_reads_the_same_and_is_written_back_in_ours(made, tmp_path, layout):
    data = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    out.mkdir()
    for a in data["artworks"]:
        (out / a["files"]["pdf"]).parent.mkdir(parents=True, exist_ok=True)
        (out / a["files"]["pdf"]).write_bytes((made / a["files"]["pdf"]).read_bytes())
    ours = (made / "manifest.json").read_text(encoding="utf-8")
    if layout == "indent":
        text = json.dumps(data, indent=2, ensure_ascii=False)
    elif layout == "one line":
        text = json.dumps(data, ensure_ascii=False)
    elif layout == "crlf":
        text = ours.replace("\n", "\r\n")
    elif layout == "two entries a line":
        head, first, second, end = ours.splitlines()
        text = "\n".join([head, first + " " + second, end])
    else:  # a hand edit: the second artwork's line broken in two, after the first was read as a line
        head, first, second, end = ours.splitlines()
        cut = second.index('"files"')
        text = "\n".join([head, first, second[:cut], second[cut:], end]) + "\n"
    path = out / "manifest.json"
    path.write_bytes(text.encode("utf-8"))
    assert load_manifest(path) == load_manifest(made / "manifest.json")
    orders = [Order("xa-bang-mac", "4", "bieu-ngu-500x80"), Order("xa-y-tich", "4", "bieu-ngu-500x80")]
    again = run_batch(CAMPAIGN, orders, out, ("pdf",), jobs=1, check=True)
    assert not again.made and len(again.skipped) == 2
    if layout == "crlf":  # still our layout: nothing changed, nothing written
        assert path.read_bytes() == text.encode("utf-8")
    else:
        assert _manifest_lines(path)[1:] == _manifest_lines(made / "manifest.json")[1:]


@pytest.mark.parametrize("damage", ["cut short", "no end", "something after the end", "a comma missing",
                                    "a comma too many"])
def test_a_damaged_manifest_in_our_layout_is_refused_whole(made, tmp_path, damage):
    head, first, second, end = _manifest_lines(made / "manifest.json")
    text = {
        "cut short": "\n".join([head, first, second[:200]]),
        "no end": f"{head}\n{first}\n{second}",
        "something after the end": f"{head}\n{first}\n{second}\n{end}\n{{}}",
        "a comma missing": "\n".join([head, first.rstrip(","), second, end]),
        "a comma too many": "\n".join([head, first, second + ",", end]),
    }[damage]
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match="damaged"):
        load_manifest(path)


def test_a_damaged_artwork_is_named_by_its_number(made, tmp_path):
    head, first, second, end = _manifest_lines(made / "manifest.json")
    bad = json.loads(second)
    bad["files"] = {"pdf": "../../elsewhere.pdf"}
    path = tmp_path / "manifest.json"
    path.write_text("\n".join([head, first, json.dumps(bad), end]) + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="artwork 2 is damaged") as info:
        load_manifest(path)
    assert "not a path inside the output folder" in str(info.value)


def test_an_unchanged_re_run_does_not_write_the_manifest(tmp_path):
    orders = [Order("xa-bang-mac", "4", "ap-phich-a3")]
    run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check=True)
    path = tmp_path / "manifest.json"
    before = path.stat()
    again = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1, check=True)
    assert not again.made and len(again.skipped) == 1
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    # one more copy is a change: it is written
    again = run_batch(CAMPAIGN, [Order("xa-bang-mac", "4", "ap-phich-a3", copies=2)], tmp_path, ("pdf",), jobs=1)
    assert json.loads(path.read_text(encoding="utf-8"))["artworks"][0]["copies"] == 2


def test_a_re_run_with_a_campaign_edited_since_records_the_new_file(tmp_path):
    camp = tmp_path / "slogans.toml"
    camp.write_text(CAMPAIGN.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    orders = [Order("xa-bang-mac", "4", "ap-phich-a3")]
    run_batch(camp, orders, out, ("pdf",), jobs=1)
    first = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["campaign"]["sha256"]
    edited = camp.read_text(encoding="utf-8") + "\n# a comment: the artworks stay as they are\n"
    camp.write_text(edited, encoding="utf-8")
    again = run_batch(camp, orders, out, ("pdf",), jobs=1)
    assert not again.made
    second = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["campaign"]["sha256"]
    assert second != first


def test_saves_are_spaced_by_ten_times_their_cost_and_a_kill_loses_only_the_last_seconds(tmp_path, monkeypatch):
    """Artworks of 0.5 s each (on a clock the test moves), saves of 1.5 s: after the first save, one
    every 15 s (30 artworks), not every 2 s; and each save holds every artwork finished before it."""
    now = [1000.0]
    monkeypatch.setattr(batch_mod.time, "monotonic", lambda: now[0])
    done = [0]
    saves: list[tuple[float, int, int]] = []  # (when, artworks finished, artworks on disk)
    real_save = _Ledger.save
    save_s = 1.5

    def save(self):
        wrote = real_save(self)
        if wrote:
            saves.append((now[0], done[0], len(load_manifest(self.path))))
            now[0] += save_s
        return wrote

    template = ManifestEntry(unit="", slogan="4", size="ap-phich-a3", design="classic", files={"pdf": "x.pdf"})

    def make(self, task):  # no drawing: the run's bookkeeping is what is tested
        order, digest = task
        now[0] += 0.5
        done[0] += 1
        return Outcome(order, replace(template, unit=order.unit, slogan=order.slogan, hash=digest,
                                      files={"pdf": f"{order.unit}/{order.size}_{order.slogan}.pdf"}))

    monkeypatch.setattr(_Ledger, "save", save)
    monkeypatch.setattr(batch_mod.Run, "make", make)
    orders = plan_all(load_campaign(CAMPAIGN), sizes=["ap-phich-a3"])[:80]
    report = run_batch(CAMPAIGN, orders, tmp_path, ("pdf",), jobs=1)
    assert len(report.made) == len(orders) == 80
    periodic, final = saves[:-1], saves[-1]
    assert len(periodic) >= 2, saves
    assert periodic[0][0] - 1000.0 <= batch_mod.MANIFEST_EVERY_S + 0.5  # the first comes as soon as before
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(periodic)]
    assert all(g >= batch_mod.SAVE_SPACING * save_s for g in gaps), saves
    assert len(periodic) <= 1 + 80 * 0.5 / (batch_mod.SAVE_SPACING * save_s), saves
    # a kill right after a save loses nothing made before it
    assert all(finished == on_disk for _when, finished, on_disk in saves), saves
    assert final[2] == 80


def _fingerprint_as_it_was(campaign, job, formats, pdf_opts, design, raster=None) -> str:
    """The fingerprint as every earlier version computed it: one JSON of all the parts."""
    import hashlib
    from dataclasses import asdict

    from poster_gen import __version__
    from poster_gen.i18n import language
    from poster_gen.raster import RasterOptions

    parts = {
        "tool": __version__,
        "campaign": [campaign.name, campaign.short_name, campaign.lead_in, campaign.event_date.isoformat(),
                     campaign.issuer, [asdict(d) | {"date": str(d.date)} for d in campaign.documents]],
        "unit": asdict(job.unit), "slogan": asdict(job.slogan), "size": asdict(job.size), "design": design,
        "formats": sorted(formats), "pdf": repr(pdf_opts), "raster": repr(raster or RasterOptions()),
    }
    if pdf_opts.marks and not pdf_opts.slug:
        parts["slug_language"] = language()
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def test_fingerprints_are_what_they_were_so_an_upgrade_makes_nothing_again():
    from poster_gen.api import resolve_job
    from poster_gen.batch import fingerprint
    from poster_gen.pdf import PdfOptions
    from poster_gen.raster import RasterOptions

    c = load_campaign(CAMPAIGN)
    memo: dict = {}
    options = [(("pdf",), PdfOptions(), None), (("png", "pdf"), PdfOptions(marks=True), RasterOptions(png_truecolor=True)),
               (("pdf",), PdfOptions(color="cmyk", marks=True, slug="x"), None)]
    for unit in c.units[:8]:
        for size in ("bieu-ngu-500x80", "ap-phich-a3", "600x300"):
            job = resolve_job(c, unit.id, "4", size, hem_mm=20 if size.startswith("bieu") else None)
            for formats, pdf, raster in options:
                want = _fingerprint_as_it_was(c, job, formats, pdf, "d1", raster)
                assert fingerprint(c, job, formats, pdf, "d1", raster, memo) == want
                assert fingerprint(c, job, formats, pdf, "d1", raster) == want


# ---- the campaign: hashed once, loaded once -----------------------------------------------------


def test_a_campaign_is_hashed_once_not_for_every_artwork(monkeypatch):
    from poster_gen.compose import campaign_names

    c = load_campaign(CAMPAIGN)
    calls = 0
    real = Unit.__hash__

    def counting(self):
        nonlocal calls
        calls += 1
        return real(self)

    monkeypatch.setattr(Unit, "__hash__", counting)
    for _ in range(50):  # as 50 artworks do: each asks the cache keyed by its campaign
        hash(c)
        campaign_names(c)
    assert calls == len(c.units)


def test_a_campaign_hashes_and_compares_as_before():
    a, b = load_campaign(CAMPAIGN), load_campaign(CAMPAIGN)
    assert a == b and hash(a) == hash(b) and a is not b
    with_extra = replace(a, extra={"anything": 1})  # not part of equality, nor of the hash
    assert with_extra == a and hash(with_extra) == hash(a)
    other = replace(a, name=a.name + " 2026")
    assert other != a and hash(other) != hash(a)
    hash(a)
    copy = pickle.loads(pickle.dumps(a))  # a worker's copy: its hash is worked out there, with its own seed
    assert "_hash" not in copy.__dict__ and copy == a and hash(copy) == hash(a)
    assert {a: 1}[b] == 1
    u = a.units[3]
    assert a.unit(u.id) is u and a.slogan(a.slogans[0].id) is a.slogans[0]
    with pytest.raises(KeyError):
        a.unit("no-such-unit")
    assert "_units_by_id" not in repr(a)


def test_a_batch_reads_its_campaign_once(tmp_path, monkeypatch):
    parsed = []
    real = campaign_mod.parse_campaign

    def counting(data, source="<campaign>"):
        parsed.append(source)
        return real(data, source)

    monkeypatch.setattr(campaign_mod, "parse_campaign", counting)
    res = CliRunner().invoke(cli, ["batch", "--units", "xa-bang-mac", "--slogans", "4", "--sizes", "ap-phich-a3",
                                   "--format", "pdf", "-j", "1", "--quiet", "--out", str(tmp_path / "out")],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert len(parsed) == 1, parsed
    parsed.clear()
    res = CliRunner().invoke(cli, ["batch", "--units", "xa-bang-mac", "--slogans", "4", "--sizes", "ap-phich-a3",
                                   "--format", "pdf", "-j", "1", "--quiet", "--out", str(tmp_path / "out")],
                             catch_exceptions=False)
    assert res.exit_code == 0 and "skipped" not in res.output  # quiet
    assert len(parsed) == 1, parsed


# ---- the nesting limit, at the speed of the parser ----------------------------------------------


def _depth(text: str, openers: str, closers: str) -> int:
    """The plain bracket count the scan must agree with, on texts without strings."""
    depth = top = 0
    for ch in text:
        if ch in openers:
            depth += 1
            top = max(top, depth)
        elif ch in closers:
            depth = max(0, depth - 1)
    return top


def _nested(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(["1", '"a"'])
    if rng.random() < 0.5:
        return "[" + ", ".join(_nested(rng, depth - 1) for _ in range(rng.randint(0, 3))) + "]"
    return "{" + ", ".join(f'"k{i}": ' + _nested(rng, depth - 1) for i in range(rng.randint(0, 3))) + "}"


def test_the_nesting_scan_counts_as_the_brackets_nest():
    rng = random.Random(14)
    for _ in range(400):
        text = _nested(rng, rng.randint(0, 45))
        top = _depth(text, "[{", "]}")
        for limit in (3, 8, 32):
            want = top > limit
            assert limits.nesting_depth_exceeds(text, limit, flavor="json") is want, (limit, text)
            assert limits.nesting_depth_exceeds(text.encode(), limit, flavor="json") is want
            assert limits.nesting_depth_exceeds(text.replace('"k', "k").replace('": ', " = "), limit) is want


@pytest.mark.parametrize("text, flavor", [
    ('{"a": "[[[[[[[[[[", "b": "\\"[[[[[[[[[[[[", "c": "\\\\", "d": [1]}', "json"),
    ('a = "[[[[[[[[[["\nb = \'[[[[[[[[[[[\'\nc = """\n[[[[[[[[[[\n"""\n# [[[[[[[[[[[[[\nd = [1]\n', "toml"),
    ("e = '''[[[[[[[[[[[['''\nf = \"\\\\\"\ng = [[2]]\n", "toml"),
])
def test_brackets_in_strings_and_comments_do_not_count(text, flavor):
    assert not limits.nesting_depth_exceeds(text, 3, flavor=flavor)
    deeper = text.replace("[1]", "[[[[1]]]]").replace("[[2]]", "[[[[2]]]]")
    assert limits.nesting_depth_exceeds(deeper, 3, flavor=flavor)


@pytest.mark.parametrize("hostile", ['"\\' * 200_000, '"' * 200_001, "'" * 200_001, '"""' + "\\" * 200_000,
                                     "#" + "[" * 200_000, "[" * 200_000, "]" * 200_000 + "[" * 10])
def test_the_nesting_scan_is_linear_on_hostile_text(hostile):
    # quadratic would be ~10**10 steps here: the test would not finish
    for flavor in ("json", "toml"):
        limits.nesting_depth_exceeds(hostile, flavor=flavor)


def test_toml_nesting_limit_holds(tmp_path):
    ok = "x = " + "[" * limits.MAX_NESTING + "]" * limits.MAX_NESTING + "\n"
    assert limits.loads_toml(ok, "t") == {"x": json.loads("[" * limits.MAX_NESTING + "]" * limits.MAX_NESTING)}
    deep = "x = " + "[" * (limits.MAX_NESTING + 1) + "]" * (limits.MAX_NESTING + 1) + "\n"
    with pytest.raises(limits.InputLimitError, match=f"nested more than {limits.MAX_NESTING} deep"):
        limits.loads_toml(deep, "t")
    inline = "x = " + "{ a = " * (limits.MAX_NESTING + 1) + "1" + " }" * (limits.MAX_NESTING + 1) + "\n"
    with pytest.raises(limits.InputLimitError, match="nested more than"):
        limits.loads_toml(inline, "t")
    camp = tmp_path / "c.toml"
    camp.write_text(CAMPAIGN.read_text(encoding="utf-8") + "\nx = " + "[" * 200_000 + "]" * 200_000 + "\n",
                    encoding="utf-8")
    res = subprocess.run(cmd("--campaign", str(camp), "slogans"), capture_output=True, text=True, timeout=120,
                         check=False, env={**os.environ, "POSTER_GEN_LANG": "en"})
    assert res.returncode == 2
    assert f"nested more than {limits.MAX_NESTING} deep" in res.stderr and "Traceback" not in res.stderr


def test_the_json_decoders_own_limit_is_caught_too(tmp_path, monkeypatch):
    """Were the pre-scan to miss it, the decoder's RecursionError is still one clear error."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    monkeypatch.setattr(limits, "nesting_depth_exceeds", lambda *a, **kw: False)
    with pytest.raises(limits.InputLimitError, match="nested too deeply to read"):
        limits.read_json(path, "manifest")


@pytest.mark.parametrize("where", ["whole", "a line"])
def test_a_shard_manifest_nested_200000_deep_is_one_line_and_exit_2(made, tmp_path, where):
    out = tmp_path / "out"
    out.mkdir()
    head, first, _second, end = _manifest_lines(made / "manifest.json")
    deep = "[" * 200_000 + "]" * 200_000
    text = deep if where == "whole" else f"{head}\n{first}\n{deep}\n{end}"
    (out / "manifest.shard-1-of-2.json").write_text(text, encoding="utf-8")
    res = subprocess.run(cmd("merge", str(out)), capture_output=True, text=True, timeout=120, check=False,
                         env={**os.environ, "POSTER_GEN_LANG": "en"})
    assert res.returncode == 2
    msg = one_line_error(res.stderr)
    assert "manifest.shard-1-of-2.json" in msg and f"nested more than {limits.MAX_NESTING} deep" in msg
    assert not (out / "manifest.json").exists()


# ---- the merge streams -----------------------------------------------------------------------------

# The merging process's own peak: VmHWM, the high-water mark of its memory. Not getrusage's
# ru_maxrss, which Linux carries over from the forking parent (this test process, large by then).
MERGE_PROBE = textwrap.dedent("""\
    import json, sys
    from pathlib import Path
    from poster_gen.batch import merge_manifests
    path, shards, count = merge_manifests(Path(sys.argv[1]))
    with open("/proc/self/status") as fh:
        hwm = next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:"))
    print(json.dumps({"count": count, "peak_kb": hwm}))
""")
HAS_HWM = Path("/proc/self/status").is_file() and "VmHWM:" in Path("/proc/self/status").read_text()


def _shards(out: Path, template: dict, n: int, shards: int, old: int = 0) -> None:
    """``shards`` shard manifests of ``n`` artworks in all, in our layout, and a manifest.json with the
    first ``old`` of them as an earlier version made them (version 1, another hash)."""
    out.mkdir(parents=True)
    head = '{"tool": "poster-gen 0.1.0", "campaign": {"path": "/x/c.toml", "name": "C", "sha256": "00"}, "artworks": ['

    def line(i: int, **changes) -> str:
        unit = f"xa-{i:06d}"
        e = {**template, "unit": unit, "files": {"pdf": f"{unit}/bieu-ngu-500x80_4.pdf"}, **changes}
        return json.dumps(e, ensure_ascii=False)

    for k in range(1, shards + 1):
        mine = [line(i) for i in range(n) if i % shards == k - 1]
        (out / f"manifest.shard-{k}-of-{shards}.json").write_text(
            head + "\n" + ",\n".join(mine) + "\n]}\n", encoding="utf-8")
    if old:
        rows = [json.loads(line(i, hash="old", version=1)) for i in range(old)]
        (out / "manifest.json").write_text(json.dumps({"tool": "poster-gen 0.1.0", "artworks": rows}, indent=1),
                                           encoding="utf-8")


def _merge_peak_mb(out: Path) -> tuple[int, float]:
    res = subprocess.run([sys.executable, "-c", MERGE_PROBE, str(out)], capture_output=True, text=True, timeout=600,
                         check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    return got["count"], got["peak_kb"] / 1024


@pytest.mark.skipif(not HAS_HWM, reason="a process's own peak memory is read from Linux's /proc/self/status")
def test_a_merge_of_20000_artworks_streams_and_60000_would_fit(made, tmp_path):
    """Peak memory of the merging process at 1,000 and at 20,000 artworks (real entries, preflight
    records and all), projected in a straight line to 60,000: within the parent's limit. The
    merge used to hold every record (~20 KB each in memory): 1.2 GB at 60,000."""
    template = json.loads(_manifest_lines(made / "manifest.json")[1].rstrip(","))
    small, big = tmp_path / "small", tmp_path / "big"
    _shards(small, template, 1_000, 2)
    _shards(big, template, 20_000, 3, old=2_000)
    n_small, mb_small = _merge_peak_mb(small)
    n_big, mb_big = _merge_peak_mb(big)
    assert (n_small, n_big) == (1_000, 20_000)
    per_artwork_mb = (mb_big - mb_small) / (n_big - n_small)
    projected = mb_small + per_artwork_mb * (60_000 - n_small)
    assert projected <= PARENT_LIMIT_MB, (
        f"{mb_small:.0f} MB at 1,000, {mb_big:.0f} MB at 20,000: {projected:.0f} MB at 60,000")
    # and the merge is right: every artwork once, in order, the shards' version over the earlier one's
    lines = _manifest_lines(big / "manifest.json")
    assert lines[0].startswith('{"tool": "poster-gen') and '"sha256": "00"' in lines[0] and lines[-1] == "]}"
    units = [json.loads(ln.rstrip(","))["unit"] for ln in lines[1:-1]]
    assert units == sorted(units) and len(set(units)) == 20_000
    assert all('"hash": "old"' not in ln for ln in lines[1:-1])
    assert load_manifest(big / "manifest.json")[0].version == 2


def test_merge_keeps_the_earlier_version_of_an_entry_upgraded(made, tmp_path):
    """An artwork only the earlier manifest.json has (version 1) is written back in this version."""
    template = json.loads(_manifest_lines(made / "manifest.json")[1].rstrip(","))
    out = tmp_path / "out"
    _shards(out, template, 10, 2, old=10)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data["artworks"].append({**data["artworks"][0], "unit": "xa-only-before"})
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    path, n, count = merge_manifests(out)
    assert (n, count) == (2, 11)
    entries = {e.unit: e for e in load_manifest(path)}
    assert entries["xa-only-before"].hash == "old" and all(e.version == 2 for e in entries.values())
    assert json.loads(path.read_text(encoding="utf-8"))["artworks"][-1]["version"] == 2


# ---- reading a file: as much memory as it holds ------------------------------------------------------


def test_a_file_that_grows_while_read_is_read_to_the_limit_only(tmp_path, monkeypatch):
    """The readers set aside what the file holds, not the 256 MB limit; a file that grew after its
    size was taken is read on in pieces, and refused past the limit."""
    path = tmp_path / "m.json"
    path.write_text('{"tool": "poster-gen", "artworks": []}' + " " * 500, encoding="utf-8")
    real = limits.file_size
    monkeypatch.setattr(limits, "file_size", lambda p, limit, what: min(real(p, limit, what), 10))  # "it grew"
    assert limits.read_json(path, "manifest") == {"tool": "poster-gen", "artworks": []}
    with pytest.raises(limits.InputLimitError, match="over the 0 MB limit"):
        limits.read_json(path, "manifest", limit=200)
