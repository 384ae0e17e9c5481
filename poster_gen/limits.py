"""Limits on everything a user hands the tool.

Campaign files, designs, plans and manifests travel between offices over
chat: they are read as if a stranger wrote them. Every reader goes through
these helpers, so each input has a stated bound on size and nesting, and a
file that exceeds it is a clear one-line error, not a hang or a traceback.
"""

from __future__ import annotations

import re
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


# What the nesting scan skips in TOML (``flavor="toml"``): strings of the four kinds and comments, and
# everything but brackets. Every string alternative also matches a string left open (up to the end of
# its line, or of the text), so the scan never fails and starts over: it is linear on any input.
_TOML_SKIPPED = re.compile(
    r'"""[^"\\]*(?:(?:\\[\s\S]?|"(?!""))[^"\\]*)*(?:"""|\Z)'  # multi-line basic string
    r"|'''[\s\S]*?(?:'''|\Z)"  # multi-line literal string
    r'|"[^"\\\n]*(?:\\.?[^"\\\n]*)*(?:"|$)'  # basic string
    r"|'[^'\n]*(?:'|$)"  # literal string
    r"|#[^\n]*"  # comment
    r"|[^\[\]{}\"'#]+",  # anything else but brackets
    re.MULTILINE,
)
# JSON, as bytes once escapes are gone: a string, to its closing quote (or the end of an open one)
_JSON_STRING = re.compile(rb'"[^"]*(?:"|\Z)')
_JSON_NOT_BRACKETS = bytes(c for c in range(256) if c not in b'[]{}"')
_TO_PARENS = str.maketrans("[{]}", "(())")


def nesting_depth_exceeds(text: str | bytes, limit: int = MAX_NESTING, flavor: str = "toml") -> bool:
    """True when brackets outside strings (and TOML comments) nest deeper than ``limit``.

    A pre-scan, so a hostile file never reaches a recursive parser, at the speed of the parser
    itself: strings are cut out by regular expressions (``flavor``: "toml", or "json" for JSON
    text or its UTF-8 bytes; anything else is read as TOML), then the bracket pairs with nothing
    inside are taken away ``limit`` times over. A pair still left was nested deeper than
    ``limit``; so are more than ``limit`` brackets never closed. Conservative: a string that
    merely contains brackets does not count.
    """
    if flavor == "json":
        raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
        # no quote or bracket is part of a multi-byte UTF-8 character: the scan works on the bytes
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")  # escaped backslashes, then escaped quotes
        brackets = _JSON_STRING.sub(b"", raw.translate(None, _JSON_NOT_BRACKETS)).decode("ascii")
    else:  # TOML
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        brackets = _TOML_SKIPPED.sub("", text)
    parens = brackets.translate(_TO_PARENS)
    if parens.count("(") <= limit:
        return False
    for _level in range(limit):  # each pass takes away the innermost pairs: one level of nesting
        shorter = parens.replace("()", "")
        if len(shorter) == len(parens):
            break
        parens = shorter
    return "()" in parens or parens.count("(") > limit


def file_size(path: Path, limit: int, what: str) -> int:
    """The size of a user file, refusing one larger than ``limit`` (InputLimitError) or missing
    (InputNotFoundError); for a reader that goes through the file a piece at a time, and stops
    at ``limit`` bytes all the same (see ``over_limit``)."""
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
    return size


def over_limit(path: Path, limit: int, what: str) -> InputLimitError:
    """The error of a file that grew past ``limit`` bytes while it was read."""
    return InputLimitError(
        _("{what} {path}: over the {limit} MB limit for such a file").format(
            what=what_label(what), path=path, limit=f"{limit / 1e6:.0f}"
        )
    )


def too_deep(path: Path, what: str) -> InputLimitError:
    """The error of a JSON file nested deeper than MAX_NESTING."""
    return InputLimitError(
        _("{what} {path}: nested more than {limit} deep; it was not written by poster-gen").format(
            what=what_label(what), path=path, limit=MAX_NESTING
        )
    )


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    shown = what_label(what)
    size = file_size(path, limit, what)
    try:
        with open(path, "rb") as fh:
            # as much as the file holds (a read of the limit would set aside that much memory first), and
            # if it grew since, the rest a piece at a time, up to the limit
            parts = [fh.read(size + 1)]
            total = len(parts[0])
            while total > size and total <= limit:
                piece = fh.read(min(1 << 20, limit + 1 - total))
                if not piece:
                    break
                parts.append(piece)
                total += len(piece)
            data = b"".join(parts) if len(parts) > 1 else parts[0]
    except OSError as exc:
        raise PosterGenError(
            _("{what} {path}: cannot read it ({reason})").format(what=shown, path=path, reason=exc.strerror)
        ) from None
    if len(data) > limit:
        raise over_limit(path, limit, what)
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
    if nesting_depth_exceeds(raw, flavor="json"):
        raise too_deep(path, what)
    import json  # only where JSON is read: a render reads none

    text = raw.decode("utf-8-sig")  # UnicodeDecodeError is a ValueError
    try:
        return json.loads(text)
    except RecursionError:
        raise InputLimitError(
            _("{what} {path}: nested too deeply to read").format(what=what_label(what), path=path)
        ) from None


def read_text_file(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a user file, refusing one larger than ``limit``."""
    return _read_bytes(Path(path), limit, what)
