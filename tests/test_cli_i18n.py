"""The command line in Vietnamese and English, and the frictions of issue 12 it had.

- Every text of the command line (help of the group, of each command and option, click's own
  "Usage:"/"Options"/errors, messages, progress and summaries) is shown in the language chosen by
  --lang (before or after the command), then POSTER_GEN_LANG, then the computer's language.
- --campaign is accepted before or after the command; the listings say which campaign file is in
  use; the packaged designs are never listed as the user's.
- proof and check use the campaign that made an output folder (recorded in its manifest) when
  --campaign is not given, and warn when the one given is another.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pg_testutil import REPO_DIR
from poster_gen import i18n
from poster_gen.cli import Context, _speaking, cli
from poster_gen.resources import default_campaign, templates_dir

CATALOG_DIR = REPO_DIR / "poster_gen" / "locale" / "vi" / "LC_MESSAGES"
needs_mo = pytest.mark.skipif(not (CATALOG_DIR / "poster_gen.mo").is_file(),
                              reason="catalog not compiled: install the package (pip install -e .)")

TINY_CAMPAIGN = """\
[campaign]
name = "Ngày Khoa học và Công nghệ Việt Nam"
event_date = 2024-05-18

[[slogans]]
id = "1"
text = "Khoa học và công nghệ vì cuộc sống"

[[units]]
id = "a"
name = "Xã Ấp Ổn"
"""

COMMANDS = sorted(cli.commands)


@pytest.fixture
def here(tmp_path, monkeypatch):
    """An empty working folder, so no ./slogans.toml is picked up by accident."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("POSTER_GEN_DEBUG", raising=False)
    return work


@pytest.fixture
def tiny(tmp_path) -> Path:
    p = tmp_path / "tiny-campaign.toml"
    p.write_text(TINY_CAMPAIGN, encoding="utf-8")
    return p


@pytest.fixture
def lang():
    """Switch the library's language for a test; the language before it is restored after."""
    before = i18n.language()
    yield i18n.set_language
    i18n.set_language(before)


def run(*args: str, lang: str | None = "en") -> click.testing.Result:
    env = {"POSTER_GEN_LANG": lang} if lang else {}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


# ---- help in Vietnamese and in English -----------------------------------------------------------


@needs_mo
def test_the_group_help_is_in_vietnamese():
    res = run("--help", lang="vi")
    assert res.exit_code == 0, res.output
    out = res.stdout
    for vi in ("Cách dùng: poster-gen [TÙY CHỌN] LỆNH [THAM SỐ]...", "Tùy chọn:", "Lệnh:", "Ví dụ:",
               "Xem hướng dẫn này rồi thoát.", "Xem số phiên bản rồi thoát.", "chiến dịch"):
        assert vi in out, vi
    for en in ("Usage:", "Options:", "Commands:", "Show this message", "Print-ready", "List the approved"):
        assert en not in out, en
    # the commands' short help, in the list of commands, too
    assert "Liệt kê các khẩu hiệu đã được duyệt" in out and "Làm một ấn phẩm" in out


def test_the_group_help_is_in_english():
    out = run("--help", lang="en").stdout
    for en in ("Usage: poster-gen [OPTIONS] COMMAND [ARGS]...", "Options:", "Commands:", "Examples:",
               "Show this message and exit.", "Print-ready", "List the approved slogans"):
        assert en in out, en
    assert "Cách dùng" not in out and "khẩu hiệu" not in out


def _english_option_helps(command: click.Command) -> list[str]:
    """Each option's English help, as click wraps it: its first few words."""
    return [" ".join(p.help.split()[:4]) for p in command.params
            if isinstance(p, click.Option) and p.help and len(p.help.split()) >= 4]


@needs_mo
@pytest.mark.parametrize("command", ["render", "batch", "check"])
def test_command_help_is_in_vietnamese(command):
    out = run(command, "--help", lang="vi").stdout
    assert out.startswith(f"Cách dùng: poster-gen {command} [TÙY CHỌN]")
    assert "Tùy chọn:" in out and "Ví dụ:" in out and "-h, --help" in out
    assert "Xem hướng dẫn này rồi thoát." in out
    english_text = _english_option_helps(cli.commands[command]) + [cli.commands[command].help.split(".")[0]]
    left = [t for t in english_text if t in " ".join(out.split())]
    assert not left, f"still in English in '{command} --help': {left}"


@pytest.mark.parametrize("command", ["render", "batch", "check"])
def test_command_help_is_in_english(command):
    out = run(command, "--help", lang="en").stdout
    assert out.startswith(f"Usage: poster-gen {command} [OPTIONS]")
    flat = " ".join(out.split())
    for text in _english_option_helps(cli.commands[command]):
        assert text in flat, text
    assert "Tùy chọn" not in out


@needs_mo
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_shows_its_help_in_vietnamese(command):
    out = run(command, "--help", lang="vi").stdout
    assert out.startswith("Cách dùng:") and "Ví dụ:" in out
    left = [t for t in _english_option_helps(cli.commands[command]) if t in " ".join(out.split())]
    assert not left, left


def test_every_command_takes_lang_and_has_examples():
    for name, command in cli.commands.items():
        assert "--lang" in [o for p in command.params for o in getattr(p, "opts", ())], name
        assert command.examples, f"'{name}' has no examples"


# ---- --lang before or after the command ------------------------------------------------------------


@needs_mo
@pytest.mark.parametrize("args", [
    ["--lang", "vi", "render", "--help"],
    ["--lang=vi", "render", "--help"],
    ["render", "--lang", "vi", "--help"],
    ["render", "--help", "--lang=vi"],
])
def test_lang_vi_before_or_after_the_command(args):
    res = run(*args, lang="en")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Cách dùng: poster-gen render") and "Mã đơn vị" in res.stdout


@needs_mo
@pytest.mark.parametrize("args", [["--lang", "en", "sizes", "--help"], ["sizes", "--help", "--lang", "en"]])
def test_lang_en_before_or_after_the_command(args):
    res = run(*args, lang="vi")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Usage: poster-gen sizes") and "Machine-readable output." in res.stdout


@needs_mo
def test_lang_after_the_command_runs_it_in_that_language(here):
    res = run("sizes", "--lang", "vi", lang="en")
    assert res.exit_code == 0
    assert "kích thước mặc định của loại đó" in res.stdout and "lề an toàn" in res.stdout


def test_a_bad_lang_is_refused():
    res = run("sizes", "--lang", "fr", lang="en")
    assert res.exit_code == 2 and "'fr' is not one of 'vi', 'en'" in res.stderr


def test_the_language_of_the_process_is_restored_after_a_command(lang):
    lang("en")
    before_env = {k: os.environ.get(k) for k in ("POSTER_GEN_LANG", "LANGUAGE")}
    res = CliRunner().invoke(cli, ["--lang", "vi", "sizes", "--json"], catch_exceptions=False)
    assert res.exit_code == 0
    assert i18n.language() == "en"
    assert {k: os.environ.get(k) for k in before_env} == before_env


def test_worker_processes_are_told_the_language(lang):
    """Batch workers started afresh (Windows) read POSTER_GEN_LANG: it is the language chosen."""
    lang("en")
    with _speaking("vi"):
        assert os.environ["POSTER_GEN_LANG"] == "vi" and i18n.language() == "vi"
    assert i18n.language() == "en"


# ---- click's own messages, and the command line's ------------------------------------------------


@needs_mo
def test_an_unknown_option_is_reported_in_vietnamese():
    res = run("render", "--bogus", lang="vi")
    assert res.exit_code == 2
    assert "Lỗi: Không có tùy chọn '--bogus'." in res.stderr
    assert "Gõ 'poster-gen render --help' để xem hướng dẫn." in res.stderr
    assert "Cách dùng: poster-gen render [TÙY CHỌN]" in res.stderr
    assert "No such option" not in res.stderr and "Error" not in res.stderr


def test_an_unknown_option_is_reported_in_english():
    res = run("render", "--bogus", lang="en")
    assert res.exit_code == 2 and "No such option" in res.stderr and "Error:" in res.stderr


@needs_mo
def test_missing_and_invalid_values_are_reported_in_vietnamese():
    res = run("render", "--slogan", "1", lang="vi")
    assert res.exit_code == 2 and "Lỗi: Thiếu tùy chọn '--unit'." in res.stderr
    res = run("render", "--unit", "a", "--size", "a3", "--dpi", "nhieu", lang="vi")
    assert "Giá trị không hợp lệ ở '--dpi': 'nhieu' không phải là một số hợp lệ." in res.stderr
    res = run("render", "--unit", "a", "--size", "a3", "--color", "xanh", lang="vi")
    assert "'xanh' không phải là một trong các giá trị 'rgb', 'cmyk'." in res.stderr


@needs_mo
def test_the_error_prefix_is_vietnamese_on_every_line(here, tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[campaign]\nname = "Thử"\nevent_date = 2025-09-02\n[[slogans]]\nid = "draft"\ntext = 5\n'
                   '[[units]]\nid = "con"\nname = "X"\n', encoding="utf-8")
    res = run("slogans", "--campaign", str(bad), lang="vi")
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) >= 3 and all(ln.startswith("poster-gen: lỗi: ") for ln in lines), res.stderr


@needs_mo
def test_the_version_in_vietnamese():
    assert run("--version", lang="vi").stdout.startswith("poster-gen, phiên bản ")
    assert run("--version", lang="en").stdout.startswith("poster-gen, version ")


@needs_mo
def test_listings_are_in_vietnamese(here):
    res = run("slogans", lang="vi")
    assert res.exit_code == 0
    head, columns = res.stdout.splitlines()[:2]
    assert head.endswith("(21/04/2024)")  # the date as a Vietnamese reader writes it
    assert columns.split() == ["mã", "khẩu", "hiệu"]
    assert run("units", lang="vi").stdout.splitlines()[0].split()[:3] == ["mã", "tên", "loại"]


def test_click_messages_in_the_catalog_take_only_the_values_click_gives():
    """click formats its messages with its own names: a translation may leave one out, never add one."""
    babel = pytest.importorskip("babel", reason="Babel reads the catalog")  # noqa: F841
    from babel.messages.pofile import read_po

    with (CATALOG_DIR / "parts" / "cli.po").open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    names = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)")
    clicks = [m for m in catalog if m.id and any(c.startswith("click") for c in m.auto_comments)]
    assert len(clicks) >= 20
    for m in clicks:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        given = set().union(*(names.findall(i) for i in ids))
        for s in strings:
            assert s and set(names.findall(s)) <= given, (m.id, s)


# ---- progress and summaries -------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


@needs_mo
def test_the_progress_line_in_vietnamese(lang):
    from poster_gen.progress import Progress

    lang("vi")
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=False, clock=clock, every_s=0.0)
    clock.t = 10.0
    p(50, 200, "a 600x300 khẩu hiệu 1", "hỏng")
    lines = out.getvalue().splitlines()
    assert lines[0] == "lỗi: a 600x300 khẩu hiệu 1: hỏng"
    assert lines[1].endswith("] 50/200 5.0/giây, còn khoảng 0:30, 1 lỗi"), lines[1]


def test_the_progress_line_in_english(lang):
    from poster_gen.progress import Progress

    lang("en")
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=False, clock=clock, every_s=0.0)
    clock.t = 10.0
    p(50, 200, "a 600x300 slogan 1", "broken")
    assert out.getvalue().splitlines() == ["failed: a 600x300 slogan 1: broken",
                                           "[" + "#" * 7 + "-" * 21 + "] 50/200 5.0/s ETA 0:30, 1 failed"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One small batch of the tiny campaign: (campaign file, output folder)."""
    root = tmp_path_factory.mktemp("made")
    campaign = root / "tiny-campaign.toml"
    campaign.write_text(TINY_CAMPAIGN, encoding="utf-8")
    out = root / "out"
    res = CliRunner().invoke(
        cli, ["batch", "--campaign", str(campaign), "--sizes", "600x300", "--format", "pdf", "-j", "1", "--out",
              str(out)], catch_exceptions=False, env={"POSTER_GEN_LANG": "vi"},
    )
    assert res.exit_code == 0, res.output
    return campaign, out, res


@needs_mo
def test_the_batch_summary_in_vietnamese(made):
    _campaign, out, res = made
    assert re.search(r"^đã làm 1, bỏ qua 0 \(không thay đổi\), lỗi 0, 0 ấn phẩm có chữ thấp hơn mức khuyến nghị; "
                     r"[0-9.]+ giây; danh mục ấn phẩm: .*manifest\.json$", res.stderr, re.M), res.stderr
    assert re.search(r"^kiểm tra trước khi in: ", res.stderr, re.M), res.stderr
    assert "made 1" not in res.stderr and "preflight:" not in res.stderr


# ---- friction 1: --campaign before or after the command ---------------------------------------------


def test_campaign_after_the_command(here, tiny):
    for args in (["slogans", "--campaign", str(tiny), "--json"], ["--campaign", str(tiny), "slogans", "--json"]):
        res = run(*args)
        assert res.exit_code == 0, res.output
        assert [s["text"] for s in json.loads(res.stdout)] == ["Khoa học và công nghệ vì cuộc sống"]


def test_render_takes_campaign_after_the_command(here, tiny, tmp_path):
    res = run("render", "--campaign", str(tiny), "--unit", "a", "--slogan", "1", "--size", "600x300",
              "--format", "pdf", "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    (pdf,) = [Path(line) for line in res.stdout.splitlines() if line.strip()]
    assert pdf.is_file() and pdf.parent.name == "a"


def test_the_campaign_given_after_the_command_wins(here, tiny, tmp_path):
    other = tmp_path / "nope.toml"
    res = run("--campaign", str(other), "units", "--campaign", str(tiny), "--json")
    assert res.exit_code == 0, res.output
    assert [u["id"] for u in json.loads(res.stdout)] == ["a"]


@pytest.mark.parametrize("command", ["slogans", "units", "render", "batch", "check", "designs", "proof"])
def test_every_command_that_reads_a_campaign_takes_campaign(command):
    assert "--campaign" in [o for p in cli.commands[command].params for o in getattr(p, "opts", ())]


# ---- friction 2: which campaign file is used ----------------------------------------------------------


def test_the_group_help_says_slogans_toml_in_the_current_folder_is_the_default():
    flat = " ".join(run("--help", lang="en").stdout.split())
    assert "from slogans.toml in the current folder" in flat
    assert "'poster-gen slogans' shows which file is in use" in flat


@needs_mo
def test_the_group_help_says_it_in_vietnamese_too():
    flat = " ".join(run("--help", lang="vi").stdout.split())
    assert "dùng tệp slogans.toml trong thư mục hiện tại" in flat


def test_the_listings_say_which_campaign_file_is_in_use(here, tiny):
    res = run("slogans")
    assert res.exit_code == 0
    assert f"campaign: {default_campaign()} (the packaged example" in res.stderr
    res = run("units", "--campaign", str(tiny), "--json")
    assert res.stderr.strip() == f"campaign: {tiny}"
    json.loads(res.stdout)  # stdout stays clean for scripts
    (here / "slogans.toml").write_text(TINY_CAMPAIGN, encoding="utf-8")
    assert run("slogans").stderr.strip() == f"campaign: {Path.cwd() / 'slogans.toml'}"


@needs_mo
def test_the_listings_say_it_in_vietnamese(here, tiny):
    assert run("slogans", "--campaign", str(tiny), lang="vi").stderr.strip() == f"tệp chiến dịch: {tiny}"


# ---- friction 3: the packaged designs are never the user's ---------------------------------------------


def test_the_packaged_designs_folder_is_not_searched_as_the_users():
    """The packaged campaign sits next to the packaged templates/ (and so does ./slogans.toml in a
    source checkout): that folder is not the user's designs folder."""
    assert (default_campaign().parent / "templates").is_dir()
    assert Context(str(default_campaign())).design_dirs == []
    ctx = Context(str(default_campaign()))
    ctx.designs_opt = str(templates_dir())
    assert ctx.design_dirs == []


def test_a_users_templates_folder_is_still_searched(tmp_path, tiny):
    (tmp_path / "templates").mkdir()
    assert Context(str(tiny)).design_dirs == [tmp_path / "templates"]


def test_designs_run_from_the_source_folder_marks_nothing_as_yours(monkeypatch):
    monkeypatch.chdir(default_campaign().parent)
    res = run("designs")
    assert res.exit_code == 0, res.output
    assert "(yours)" not in res.stdout
    items = json.loads(run("designs", "--json").stdout)
    assert items and all(i["packaged"] for i in items)


# ---- the campaign that made an output folder -------------------------------------------------------------


def _record_campaign(out: Path, campaign: Path) -> None:
    """What batch will write: the campaign that made the folder, in its manifest."""
    import hashlib

    path = out / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["campaign"] = {"path": str(campaign), "name": "Ngày Khoa học và Công nghệ Việt Nam",
                        "sha256": hashlib.sha256(campaign.read_bytes()).hexdigest()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture
def recorded(monkeypatch, made, tmp_path):
    """A copy of the batch output whose manifest records its campaign, read as batch.manifest_campaign will."""
    import shutil

    import poster_gen.batch

    campaign, out, _res = made
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    _record_campaign(copy, campaign)

    def manifest_campaign(folder):
        data = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        return data.get("campaign")

    monkeypatch.setattr(poster_gen.batch, "manifest_campaign", manifest_campaign, raising=False)
    return campaign, copy


def test_check_uses_the_campaign_that_made_the_files(here, recorded):
    campaign, out = recorded
    res = run("check", str(out))
    assert res.exit_code == 0, res.output
    assert f"using the campaign that made these files: {campaign}" in res.stderr
    # a file given by itself finds its folder's manifest too
    (pdf,) = out.rglob("*.pdf")
    res = run("check", str(pdf))
    assert res.exit_code == 0 and "using the campaign that made these files" in res.stderr


def test_nothing_is_said_when_the_campaign_found_is_the_one_that_made_them(here, recorded):
    _campaign, out = recorded
    local = here / "slogans.toml"
    local.write_text(TINY_CAMPAIGN, encoding="utf-8")
    _record_campaign(out, local)
    res = run("check", str(out))
    assert res.exit_code == 0, res.output
    assert "campaign" not in res.stderr


def test_check_without_the_record_checks_against_the_campaign_found(here, made, tmp_path):
    """Without the record, as before: the packaged campaign, whose slogans these files do not carry."""
    import shutil

    _campaign, made_out, _res = made
    out = tmp_path / "out"
    shutil.copytree(made_out, out)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data.pop("campaign", None)  # a manifest written before batch recorded its campaign
    (out / "manifest.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    res = run("check", str(out))
    assert "using the campaign" not in res.stderr
    assert res.exit_code != 0 or "draft" in res.output.lower()


def test_proof_uses_the_campaign_that_made_the_files(here, recorded):
    campaign, out = recorded
    res = run("proof", str(out), "-j", "1")
    assert res.exit_code == 0, res.output
    assert f"using the campaign that made these files: {campaign}" in res.stderr


def test_another_campaign_given_is_used_with_a_warning(here, recorded):
    campaign, out = recorded
    res = run("check", str(out), "--campaign", str(default_campaign()))
    assert f"warning: these files were made with another campaign ({campaign}); using --campaign" in res.stderr
    res = run("check", str(out), "--campaign", str(campaign))
    assert "warning" not in res.stderr and res.exit_code == 0


def test_a_changed_campaign_is_not_used_silently(here, recorded, tmp_path):
    campaign, out = recorded
    moved = tmp_path / "moved.toml"
    campaign.rename(moved)
    try:
        res = run("check", str(out))
        assert f"warning: the campaign that made these files, {campaign}, is missing or has changed" in res.stderr
    finally:
        moved.rename(campaign)


@needs_mo
def test_the_campaign_of_the_files_said_in_vietnamese(here, recorded):
    campaign, out = recorded
    res = run("check", str(out), lang="vi")
    assert f"dùng chiến dịch đã làm ra các tệp này: {campaign}" in res.stderr


def _has_manifest_campaign() -> bool:
    try:
        from poster_gen.batch import manifest_campaign  # noqa: F401
    except ImportError:
        return False
    return True


needs_record = pytest.mark.skipif(
    not _has_manifest_campaign(),
    reason="batch.manifest_campaign does not exist yet: the manifest does not record its campaign",
)


@needs_record
def test_batch_records_its_campaign_and_check_and_proof_use_it(here, made, tmp_path):
    import shutil

    from poster_gen.batch import manifest_campaign

    campaign, made_out, _res = made
    out = tmp_path / "out"
    shutil.copytree(made_out, out)
    rec = manifest_campaign(out)
    assert rec and Path(rec["path"]).resolve() == campaign.resolve()
    res = run("check", str(out))
    assert res.exit_code == 0, res.output
    assert "using the campaign that made these files" in res.stderr
    res = run("proof", str(out), "-j", "1")
    assert res.exit_code == 0 and "using the campaign that made these files" in res.stderr
    res = run("check", str(out), "--campaign", str(default_campaign()))
    assert "warning: these files were made with another campaign" in res.stderr
