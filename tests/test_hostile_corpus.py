"""A corpus of hostile files and inputs, made by this test, run through the real CLI.

Every case runs `poster-gen` as a separate process with a wall-time budget and
a memory budget enforced by the harness (an address-space limit the process
cannot exceed, and its peak resident memory as measured by the kernel). A case
passes when the process ends within its budgets with the expected exit code
(2 for bad input, 1 for a file that fails preflight), says what went wrong in
one line, and prints no traceback and no "internal error".

The files are generated here, from the red-team report: nothing hostile is
stored in the repository.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from poster_gen.resources import default_campaign

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the budgets use POSIX resource limits and wait4")

CAMPAIGN = Path(default_campaign())
TIME_S = 20.0  # per case, wall time: generous for a shared 2-core machine; a hang is minutes
MEMORY_MB = 700  # per case, peak resident memory
ADDRESS_SPACE_MB = 3000  # hard ceiling: the process cannot allocate beyond it


@dataclass
class Case:
    name: str
    argv: list[str]
    exit: int
    says: str = ""  # a word the message must contain (case-insensitive)
    setup: Callable[[Path], None] | None = None
    forbid: tuple[str, ...] = ()  # files (relative to the case folder) that must not exist afterwards
    time_s: float = TIME_S
    memory_mb: int = MEMORY_MB
    stdin: bytes = b""
    env: dict = field(default_factory=dict)


# ---- generators -----------------------------------------------------------------------------------


def write(rel: str, data: str | bytes):
    def setup(d: Path) -> None:
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")

    return setup


def both(*setups):
    def setup(d: Path) -> None:
        for s in setups:
            s(d)

    return setup


def campaign_with(slogan_text: str = "Đổi mới sáng tạo", slogan_id: str = "1", extra: str = "") -> str:
    return (
        '[campaign]\nname = "Ngày thử"\nevent_date = 2025-09-02\n\n'
        f'[[slogans]]\nid = "{slogan_id}"\ntext = "{slogan_text}"\n\n'
        '[[units]]\nid = "xa-a"\nname = "Xã A"\n' + extra
    )


def design(field_template: str = "{{ date_vn }}", region: str = "[0.1, 0.8, 0.8, 0.1]", extra: str = "") -> str:
    return (
        'extends = "classic"\nid = "mine"\n\n[fields]\n'
        f"date = {json.dumps(field_template)}\n\n"
        f'[[kinds.ap-phich.text]]\nfield = "date"\nregion = {region}\n' + extra
    )


def _chunk(kind: bytes, data: bytes, length: int | None = None) -> bytes:
    n = len(data) if length is None else length
    return struct.pack(">I", n) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(ihdr: bytes | None = None, phys: bytes | None = None) -> bytes:
    ihdr = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0) if ihdr is None else ihdr
    raw = b"".join(b"\x00" + b"\xff" * 24 for _ in range(8))
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", ihdr)]
    if phys is not None:
        parts.append(_chunk(b"pHYs", phys))
    parts += [_chunk(b"IDAT", zlib.compress(raw)), _chunk(b"IEND", b"")]
    return b"".join(parts)


def pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A minimal PDF with a correct xref table from numbered object bodies."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def stream(dict_body: bytes, data: bytes, flate: bool = False) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
        dict_body += b" /Filter /FlateDecode"
    return b"<< " + dict_body + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 1191] /TrimBox [0 0 842 1191] /Resources << /XObject << /X 5 0 R >> >> /Contents 4 0 R >>"


def self_calling_xobject_pdf() -> bytes:
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        PAGE,
        stream(b"", b"q /X Do Q"),
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X 5 0 R >> >>", b"/X Do"),
    ])


def zeros_deflated(megabytes: int) -> bytes:
    """A zlib stream that inflates to ``megabytes`` MB of zeros, made in well under a second.

    Deflate with a full flush after each megabyte makes every megabyte after
    the first compress to the same bytes, so they are repeated, not computed.
    """
    mb = bytes(1 << 20)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    first = raw.compress(mb) + raw.flush(zlib.Z_FULL_FLUSH)
    again = raw.compress(mb) + raw.flush(zlib.Z_FULL_FLUSH)
    assert raw.compress(mb) + raw.flush(zlib.Z_FULL_FLUSH) == again
    end = raw.flush(zlib.Z_FINISH)
    adler = (((megabytes << 20) % 65521) << 16) | 1  # Adler-32 of n zero bytes: a stays 1, b counts n
    return b"\x78\xda" + first + again * (megabytes - 1) + end + struct.pack(">I", adler)


def flate_bomb_pdf() -> bytes:
    # 2 GB of zeros, deflated twice over: a few kilobytes on disk
    data = zlib.compress(zeros_deflated(2048), 9)
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        PAGE.replace(b" /XObject << /X 5 0 R >>", b""),
        b"<< /Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
    ])


def plan_rows(n_bad: int) -> str:
    return "unit,slogan,size\n" + "".join(f"khong-co-{i},1,ap-phich-a3\n" for i in range(n_bad))


def big_campaign(n_units: int) -> str:
    units = "".join(f'\n[[units]]\nid = "don-vi-{i}"\nname = "Đơn vị {i}"\n' for i in range(n_units))
    return campaign_with() + units


PWNED = "PWNED"
RCE = "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}"
SAFE = ["render", "--unit", "xa-a", "--slogan", "1", "--size", "ap-phich-a3", "--dpi", "20", "--out", "out"]
C = ["--campaign", "c.toml"]
RENDER = ["render", "--unit", "tt-dong-mo", "--slogan", "4", "--size", "ap-phich-a3", "--dpi", "20", "--out", "out"]
BATCH = ["batch", "--units", "tt-dong-mo", "--slogans", "4", "--sizes", "ap-phich-a3", "--format", "pdf", "-j", "1",
         "--out", "out"]

CASES = [
    # campaign files
    Case("campaign nested 10,000 deep", [*C, "slogans"], 2, "nested", write("c.toml", "a = " + "[" * 10000 + "]" * 10000)),
    Case("campaign 5,000-character slogan", [*C, *SAFE], 2, "limit", write("c.toml", campaign_with("Đổi mới " * 625))),
    Case("campaign 50,000-character slogan", [*C, "slogans"], 2, "limit", write("c.toml", campaign_with("sáng tạo " * 5600))),
    Case("campaign straight quotes in a slogan", [*C, "slogans"], 2, "line", write("c.toml", campaign_with('Chủ tịch: "Không"'))),
    Case("campaign slogan id draft", [*C, "slogans"], 2, "draft", write("c.toml", campaign_with(slogan_id="draft"))),
    Case("campaign slogan is a number", [*C, "slogans"], 2, "text",
         write("c.toml", campaign_with().replace('text = "Đổi mới sáng tạo"', "text = 5"))),
    Case("campaign not UTF-8", [*C, "slogans"], 2, "UTF-8", write("c.toml", b"\xff\xfe\x00garbage")),
    Case("campaign of 8 MB", [*C, "slogans"], 2, "MB", write("c.toml", "# " + "x" * (8 << 20))),
    Case("campaign unit id with a path", [*C, "units"], 2, "slug",
         write("c.toml", campaign_with().replace('id = "xa-a"', 'id = "../../etc"'))),
    Case("campaign unit id reserved on Windows", [*C, "units"], 2, "", write("c.toml", campaign_with().replace('id = "xa-a"', 'id = "con"'))),
    Case("campaign of 5,000 units lists fast", [*C, "units"], 0, "", write("c.toml", big_campaign(5000))),
    # design files and their templates
    *[
        Case(f"design field {label}", ["--campaign", "c.toml", *SAFE, "--design", "mine", "--designs", "d"], 2, "",
             both(write("c.toml", campaign_with()), write("d/mine.toml", design(tpl))), forbid=(PWNED,), time_s=15)
        for label, tpl in [
            ("range(10**9)", "{{ range(10**9)|list|length }}"),
            ("'A ' * 10**8", "{{ 'A ' * 10**8 }}"),
            ("9**9**9", "{{ 9**9**9 }}"),
            ("lipsum(100000)", "{{ lipsum(100000) }}"),
            ("year/0", "{{ year/0 }}"),
            ("include", "{% include 'x.html' %}"),
            ("cycler globals (code execution)", RCE),
            ("recursive macro", "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}"),
            ("10 MB output", "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}"),
        ]
    ],
    *[
        Case(f"design {label}", ["--campaign", "c.toml", *SAFE, "--design", "mine", "--designs", "d"], 2, "",
             both(write("c.toml", campaign_with()), write("d/mine.toml", design(region=region, extra=extra))))
        for label, region, extra in [
            ("NaN region", "[nan, 0.8, 0.8, 0.1]", ""),
            ("inf region", "[0.1, inf, 0.8, 0.1]", ""),
            ("1e308 region", "[0.1, 0.8, 1e308, 0.1]", ""),
            ("region of text", '"big"', ""),
            ("font of a number", "[0.1, 0.8, 0.8, 0.1]", "font = 7\n"),
            ("color of a table", "[0.1, 0.8, 0.8, 0.1]", "color = { a = 1 }\n"),
            ("field of a number", "[0.1, 0.8, 0.8, 0.1]", "\n[[kinds.ap-phich.text]]\nfield = 5\nregion = [0.1, 0.1, 0.5, 0.1]\n"),
            ("text of a string", "[0.1, 0.8, 0.8, 0.1]", "\n[kinds.bieu-ngu]\ntext = \"slogan\"\n"),
            ("frame of a number", "[0.1, 0.8, 0.8, 0.1]", "\n[kinds.bieu-ngu]\nframe = 3\n"),
        ]
    ],
    Case("design colour NaN", ["--campaign", "c.toml", *SAFE, "--design", "mine", "--designs", "d"], 2, "",
         both(write("c.toml", campaign_with()),
              write("d/mine.toml", 'extends = "classic"\nid = "mine"\n[colors]\nground = { rgb = "#D71920", cmyk = [nan, 100, 100, 5] }\n'))),
    Case("design rect of the wrong type", ["--campaign", "c.toml", *SAFE, "--design", "mine", "--designs", "d"], 2, "",
         both(write("c.toml", campaign_with()), write("d/mine.toml", 'extends = "classic"\nid = "mine"\n[kinds.ap-phich]\nrect = 5\n'))),
    Case("design nested 10,000 deep", ["--campaign", "c.toml", *SAFE, "--design", "mine", "--designs", "d"], 2, "",
         both(write("c.toml", campaign_with()), write("d/mine.toml", 'id = "mine"\nx = ' + "[" * 10000 + "]" * 10000))),
    Case("proof template next to the campaign runs no code", ["--campaign", "c.toml", "batch", "--format", "pdf", "-j", "1",
         "--sizes", "ap-phich-a3", "--proof", "--out", "out"], 0, "",
         both(write("c.toml", campaign_with()), write("templates/proof.html.j2", RCE)), forbid=(PWNED,)),
    # plans
    Case("plan cell of 200 KB", [*BATCH[:1], "--plan", "p.csv", "--format", "pdf", "--out", "out"], 1, "line 2",
         write("p.csv", "unit,slogan,size\n" + "x" * 200_000 + ",1,ap-phich-a3\n")),
    Case("plan of 2,000 bad rows against 5,000 units", ["--campaign", "c.toml", "batch", "--plan", "p.csv", "--out", "out"],
         1, "line 2001", both(write("c.toml", big_campaign(5000)), write("p.csv", plan_rows(2000))), time_s=10),
    # manifests
    Case("manifest {'artworks': 5} (batch)", BATCH, 2, "manifest", write("out/manifest.json", '{"artworks": 5}')),
    Case("manifest {'artworks': 5} (proof)", ["proof", "out"], 2, "manifest", write("out/manifest.json", '{"artworks": 5}')),
    Case("manifest nested 100,000 deep (batch)", BATCH, 2, "nested",
         write("out/manifest.json", "[" * 100000 + "]" * 100000)),
    Case("manifest nested 100,000 deep (proof)", ["proof", "out"], 2, "",
         write("out/manifest.json", "[" * 100000 + "]" * 100000)),
    Case("manifest not JSON (merge)", ["merge", "out"], 2, "manifest",
         both(write("out/manifest.shard-1-of-2.json", "{not json"), write("out/manifest.shard-2-of-2.json", "{}"))),
    # files handed to check
    Case("check: form XObject that calls itself", ["check", "x.pdf"], 1, "", write("x.pdf", self_calling_xobject_pdf()), time_s=15),
    Case("check: Flate bomb of 2 GB", ["check", "x.pdf"], 1, "", write("x.pdf", flate_bomb_pdf()), time_s=15),
    Case("check: PNG with a short IHDR", ["check", "x.png"], 1, "IHDR", write("x.png", png(ihdr=b"\x00\x00\x00\x08\x00"))),
    Case("check: PNG with a short pHYs", ["check", "x.png"], 1, "pHYs", write("x.png", png(phys=b"\x00\x00"))),
    Case("check: a PDF named .png", ["check", "x.png"], 1, "PDF", write("x.png", self_calling_xobject_pdf())),
    Case("check: an empty PDF", ["check", "x.pdf"], 1, "", write("x.pdf", b"")),
    Case("check: random bytes as PDF", ["check", "x.pdf"], 1, "", write("x.pdf", os.urandom(4096))),
    # command-line values
    Case("render --text of 5,000 characters", ["render", "--unit", "tt-dong-mo", "--text", "Đổi mới " * 625, "--size",
         "ap-phich-a3", "--out", "out"], 2, "limit"),
    Case("render --size nanxinf", ["render", "--unit", "tt-dong-mo", "--slogan", "4", "--size", "nanxinf", "--out", "out"], 2, "size"),
    Case("render --dpi 10**9", ["render", "--unit", "tt-dong-mo", "--slogan", "4", "--size", "ap-phich-a3", "--dpi",
         "1000000000", "--out", "out"], 2, "dpi"),
]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def _limit_memory() -> None:  # runs in the child before exec
    import resource

    cap = ADDRESS_SPACE_MB << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_case(case: Case, folder: Path) -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)
    if case.setup:
        case.setup(folder)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **case.env)
    env.pop("POSTER_GEN_DEBUG", None)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "poster_gen", *case.argv], cwd=folder, env=env, stdin=subprocess.DEVNULL,
        stdout=open(folder / ".stdout", "wb"), stderr=open(folder / ".stderr", "wb"), preexec_fn=_limit_memory,
    )
    deadline = t0 + case.time_s
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            pytest.fail(f"{case.name}: still running after the {case.time_s:.0f} s budget (killed)")
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return Outcome(
        proc.returncode, (folder / ".stdout").read_text("utf-8", "replace"), (folder / ".stderr").read_text("utf-8", "replace"),
        time.monotonic() - t0, peak_mb,
    )


def verdict(case: Case, out: Outcome, folder: Path) -> str:
    """'' when the case passed, else why not."""
    text = out.stdout + out.stderr
    if "Traceback" in text:
        return f"printed a traceback: {text[-600:]}"
    if "internal error" in text:
        return f"reported an internal error: {text.strip().splitlines()[-1]}"
    if out.code != case.exit:
        return f"exit code {out.code}, expected {case.exit}: {text.strip()[-400:]}"
    if out.peak_mb > case.memory_mb:
        return f"peak memory {out.peak_mb:.0f} MB over the {case.memory_mb} MB budget"
    if case.exit == 2:
        errors = [ln for ln in out.stderr.splitlines() if ln.startswith("poster-gen: error:")]
        if len(errors) != 1:
            return f"expected one 'poster-gen: error:' line, got {len(errors)}: {out.stderr[-400:]}"
        if len(errors[0]) > 1200:
            return f"the error line is {len(errors[0])} characters long"
    if case.says and case.says.lower() not in text.lower():
        return f"the message does not say '{case.says}': {text.strip()[-400:]}"
    for rel in case.forbid:
        if (folder / rel).exists():
            return f"{rel} was created: code ran from a user file"
    return ""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case, tmp_path):
    outcome = run_case(case, tmp_path)
    why = verdict(case, outcome, tmp_path)
    assert not why, f"{case.name}: {why} ({outcome.seconds:.1f} s, {outcome.peak_mb:.0f} MB)"


def test_the_harness_catches_what_it_should(tmp_path):
    """The budgets and verdicts are real: a case that overruns or misbehaves fails."""
    slow = Case("sleeps", ["--version"], 0, env={"PYTHONSTARTUP": ""}, time_s=0.0001)
    with pytest.raises(pytest.fail.Exception):
        run_case(slow, tmp_path / "a")
    out = run_case(Case("version", ["--version"], 0), tmp_path / "b")
    assert out.code == 0 and out.peak_mb > 5
    assert verdict(Case("version", ["--version"], 0, memory_mb=1), out, tmp_path / "b").startswith("peak memory")
    assert verdict(Case("version", ["--version"], 2), out, tmp_path / "b").startswith("exit code 0")
    bad = Outcome(1, "", "Traceback (most recent call last):\n", 0.1, 10)
    assert "traceback" in verdict(Case("x", [], 1), bad, tmp_path)
