"""Every user-facing text exists in Vietnamese and English.

- Every message marked for translation in the code (``_()``, ``N_()``,
  ``ngettext()``) and in the proof page template has a Vietnamese translation
  in the catalogs, with the same ``{placeholders}``.
- No user-facing call (an error raised, a problem reported, a line echoed)
  is given a bare string literal or f-string: it would reach a Vietnamese
  user in English.
- The language is chosen by --lang, then POSTER_GEN_LANG, then the locale.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pg_testutil import REPO_DIR

babel = pytest.importorskip("babel", reason="Babel (a test dependency) extracts the messages")
from babel.messages.extract import extract_from_file  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

PACKAGE = REPO_DIR / "poster_gen"
CATALOG_DIR = PACKAGE / "locale" / "vi" / "LC_MESSAGES"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*(?:[:!][^}]*)?\}")


def vi_catalog() -> dict[str, str]:
    """msgid -> msgstr of every Vietnamese catalog file (the main one and its parts)."""
    out: dict[str, str] = {}
    for po in sorted(CATALOG_DIR.rglob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale="vi")
        for m in cat:
            if not m.id or m.fuzzy:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strs = m.string if isinstance(m.string, tuple) else (m.string,)
            for i, s in zip(ids, strs * len(ids)):
                if s:
                    out[i] = s
    return out


def page_templates() -> list[Path]:
    """The jinja2 templates whose words reach the user: the proof page."""
    from poster_gen.sandbox import proof_template_path

    return [proof_template_path()]


def _shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_DIR.resolve()).as_posix()
    except ValueError:  # an installed package
        return path.name


def extracted() -> list[tuple[str, int, str]]:
    """(file, line, message) of every message marked in the package code and the page templates."""
    from jinja2.ext import babel_extract

    sources = [(py, "python", {}) for py in sorted(PACKAGE.rglob("*.py"))]
    # Babel's jinja2 extractor (jinja2.ext.babel_extract), with the page environment's options
    sources += [(t, babel_extract, {"trim_blocks": "true", "lstrip_blocks": "true"}) for t in page_templates()]
    found = []
    for path, method, options in sources:
        for lineno, message, _comments, _ctx in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                  options=options):
            for m in message if isinstance(message, tuple) else (message,):
                if m:
                    found.append((_shown_path(path), lineno, m))
    return found


def test_the_proof_page_template_is_extracted():
    from_page = [m for f, _n, m in extracted() if f.endswith("proof.html.j2")]
    assert "Needs attention" in from_page and "{n} artworks" in from_page


def test_catalogs_parse_and_have_no_empty_or_fuzzy_translations():
    assert CATALOG_DIR.is_dir()
    vi = vi_catalog()
    assert vi, "no Vietnamese translations at all"


def test_every_marked_message_has_a_vietnamese_translation():
    vi = vi_catalog()
    missing = [f"{f}:{n}: {m!r}" for f, n, m in extracted() if m not in vi]
    assert not missing, f"{len(missing)} messages have no Vietnamese translation:\n" + "\n".join(missing[:40])


def test_translations_keep_their_placeholders():
    vi = vi_catalog()
    bad = []
    for _f, _n, m in extracted():
        if m in vi and sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(vi[m])):
            bad.append(f"{m!r} -> {vi[m]!r}")
    assert not bad, "placeholders differ:\n" + "\n".join(bad[:20])


# ---- no user-facing literal escapes translation ------------------------------------------------

# calls whose first argument reaches the user as text
_SINKS = {"echo", "secho", "append", "fail", "warn", "Problem", "BadParameter", "UsageError", "ClickException"}


def _is_text(node: ast.AST) -> bool:
    """A literal with words in it (not a path, number or JSON made elsewhere)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{3}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and re.search(r"[A-Za-z]{3}", v.value) for v in node.values)
    if isinstance(node, ast.BinOp):  # "a" + "b", "x %s" % y
        return _is_text(node.left) or _is_text(node.right)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def untranslated_literals(source: str) -> list[tuple[int, str]]:
    out = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        is_error = name.endswith("Error") or name.endswith("Interrupted") or name in _SINKS
        if not is_error:
            continue
        args = list(node.args) + [k.value for k in node.keywords if k.arg in ("message", "msg", "help")]
        for a in args:
            if isinstance(a, ast.List | ast.Tuple):
                targets = list(a.elts)
            else:
                targets = [a]
            for t in targets:
                if _is_text(t):
                    out.append((t.lineno, ast.unparse(t)[:80]))
    return out


USER_FACING = [p for p in sorted(PACKAGE.rglob("*.py")) if p.name not in {"i18n.py", "__main__.py"}]


@pytest.mark.parametrize("path", USER_FACING, ids=[p.relative_to(PACKAGE).as_posix() for p in USER_FACING])
def test_no_user_facing_text_is_left_untranslated(path):
    found = untranslated_literals(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: texts shown to the user without _():\n" + "\n".join(f"  line {n}: {t}" for n, t in found)


def test_the_lint_finds_what_it_should():
    src = 'raise PosterGenError(f"cannot read {p}")\nproblems.append("bad value")\nclick.echo(_("ok"))\n'
    assert [n for n, _ in untranslated_literals(src)] == [1, 2]


# ---- choosing the language ------------------------------------------------------------------


def test_language_is_chosen_by_option_then_environment_then_locale(monkeypatch):
    from poster_gen.i18n import detect_language

    for var in ("POSTER_GEN_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    assert detect_language() == "en"
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert detect_language() == "vi"
    monkeypatch.setenv("POSTER_GEN_LANG", "en")
    assert detect_language() == "en"
    assert detect_language("vi") == "vi"


def _run(*args: str, lang: str) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, POSTER_GEN_LANG=lang)
    return subprocess.run([sys.executable, "-m", "poster_gen", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def _compiled() -> bool:
    return (CATALOG_DIR / "poster_gen.mo").is_file()


needs_mo = pytest.mark.skipif(not _compiled(), reason="catalog not compiled: install the package (pip install -e .)")


@needs_mo
def test_an_unknown_unit_is_reported_in_vietnamese_or_english():
    vi = _run("render", "--unit", "xa-khong-co", "--slogan", "1", "--size", "ap-phich-a3", lang="vi")
    en = _run("render", "--unit", "xa-khong-co", "--slogan", "1", "--size", "ap-phich-a3", lang="en")
    assert vi.returncode == en.returncode == 2
    assert "đơn vị" in vi.stderr.lower() and "unknown unit" in en.stderr
    assert "unknown unit" not in vi.stderr


@needs_mo
def test_a_broken_campaign_file_is_reported_in_vietnamese(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[campaign]\nname = "Thử"\nevent_date = 2025-09-02\n[[slogans]]\nid = "1"\ntext = "Đổi "mới""\n',
                   encoding="utf-8")
    vi = _run("--campaign", str(bad), "slogans", lang="vi")
    en = _run("--campaign", str(bad), "slogans", lang="en")
    assert vi.returncode == en.returncode == 2
    assert "lỗi" in vi.stderr.lower() and "error" in en.stderr.lower()
    assert vi.stderr != en.stderr


@needs_mo
def test_help_is_in_vietnamese_or_english():
    vi = _run("render", "--help", lang="vi")
    en = _run("render", "--help", lang="en")
    assert vi.returncode == en.returncode == 0
    assert "Render one artwork" in en.stdout
    assert "Render one artwork" not in vi.stdout and "khẩu hiệu" in vi.stdout.lower()
    assert "--lang" in _run("--help", lang="en").stdout
