"""Limits on everything a user hands the tool.

Campaign files, designs, plans and manifests travel between offices over
chat: they are read as if a stranger wrote them. Every reader goes through
these helpers, so each input has a stated bound on size and nesting, and a
file that exceeds it is a clear one-line error, not a hang or a traceback.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from poster_gen.errors import PosterGenError
from poster_gen.i18n import N_, _

# sizes of files a user hands us
MAX_TOML_BYTES = 4 * 1024 * 1024  # a campaign of every commune of the country is ~1 MB
MAX_JSON_BYTES = 256 * 1024 * 1024  # a manifest of 60,000 artworks with preflight records
# decimal megabytes: the messages state limits in MB of 10**6 bytes, so this one reads "32 MB"
MAX_PLAN_BYTES = 32_000_000  # 200,000 order rows are ~11 MB
MAX_PLAN_ROWS = 200_000
MAX_CELL_CHARS = 1_000
# nesting of tables/arrays: real files use 3 or 4 levels
MAX_NESTING = 32
# text that is set on an artwork
MAX_SLOGAN_CHARS = 400  # the longest approved slogans seen are ~200 characters; 400 are set in ~0.2 s, 1,000 in ~3 s
MAX_FIELD_CHARS = 1_000  # any text a design field renders
# a unit's name or heading, the campaign's name and issuer: the longest real ones are ~60 characters,
# and a heading of 200 is still set in well under a second
MAX_NAME_CHARS = 200
# slogan and unit ids: they name output folders and files
MAX_ID_CHARS = 64


class InputLimitError(PosterGenError):
    """An input exceeds a stated limit."""


class InputNotFoundError(PosterGenError):
    """An input file does not exist (the caller may add where to find one)."""


# What the readers below are told they read (``what``), shown in the user's
# language at the head of a message: "plan orders.csv: file not found".
# Any other ``what`` is shown as given.
WHAT = {
    "campaign": N_("campaign"),
    "design": N_("design"),
    "manifest": N_("manifest"),
    "memo": N_("memo"),
    "plan": N_("plan"),
    "preview index": N_("preview index"),
}


def what_label(what: str) -> str:
    """``what`` (a key of WHAT) in the user's language."""
    return _(WHAT[what]) if what in WHAT else what


def nesting_depth_exceeds(text: str, limit: int = MAX_NESTING, openers: str = "[{", closers: str = "]}") -> bool:
    """True when brackets outside strings nest deeper than ``limit``.

    A cheap pre-scan, so a hostile file never reaches a recursive parser.
    It tracks basic and literal strings of TOML and JSON well enough to be
    conservative: a string that merely contains brackets does not count.
    """
    depth = 0
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif ch == "#":  # TOML comment (JSON has none; '#' is not valid JSON outside strings)
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        elif ch in openers:
            depth += 1
            if depth > limit:
                return True
        elif ch in closers:
            depth = max(0, depth - 1)
        i += 1
    return False


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    shown = what_label(what)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputNotFoundError(_("{what} {path}: file not found").format(what=shown, path=path)) from None
    except OSError as exc:
        raise PosterGenError(
            _("{what} {path}: cannot read it ({reason})").format(what=shown, path=path, reason=exc.strerror)
        ) from None
    if size > limit:
        raise InputLimitError(
            _("{what} {path}: {size} MB is over the {limit} MB limit for such a file; check that it is the right file")
            .format(what=shown, path=path, size=f"{size / 1e6:.1f}", limit=f"{limit / 1e6:.0f}")
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PosterGenError(
            _("{what} {path}: cannot read it ({reason})").format(what=shown, path=path, reason=exc.strerror)
        ) from None
    if len(data) > limit:
        raise InputLimitError(
            _("{what} {path}: over the {limit} MB limit for such a file").format(
                what=shown, path=path, limit=f"{limit / 1e6:.0f}"
            )
        )
    return data


def loads_toml(text: str, where: str) -> dict:
    """Parse TOML text with the nesting bound. Raises InputLimitError or tomllib.TOMLDecodeError."""
    if nesting_depth_exceeds(text):
        raise InputLimitError(
            _("{where}: tables or lists nested more than {limit} deep; a campaign or design never needs that").format(
                where=where, limit=MAX_NESTING
            )
        )
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise InputLimitError(_("{where}: nested too deeply to read").format(where=where)) from None


def read_json(path: Path, what: str, limit: int = MAX_JSON_BYTES):
    """Read a JSON file with size and nesting bounds.

    Raises InputLimitError (too large or too deep), PosterGenError (unreadable)
    or ValueError (not JSON: the caller decides what that means).
    """
    path = Path(path)
    raw = _read_bytes(path, limit, what)
    text = raw.decode("utf-8-sig")  # UnicodeDecodeError is a ValueError
    if nesting_depth_exceeds(text):
        raise InputLimitError(
            _("{what} {path}: nested more than {limit} deep; it was not written by poster-gen").format(
                what=what_label(what), path=path, limit=MAX_NESTING
            )
        )
    try:
        return json.loads(text)
    except RecursionError:
        raise InputLimitError(
            _("{what} {path}: nested too deeply to read").format(what=what_label(what), path=path)
        ) from None


def read_text_file(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a user file, refusing one larger than ``limit``."""
    return _read_bytes(Path(path), limit, what)
