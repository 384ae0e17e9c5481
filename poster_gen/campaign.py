"""The campaign file: occasion, approved slogans and units.

Loading validates everything and reports all problems at once.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from poster_gen import limits
from poster_gen.errors import CampaignError
from poster_gen.text import clean, legacy_problem, one_line, shown

# An id is a slug: parts of a-z and 0-9 joined by single '-'. Ids name the
# output files (size, slogan and design ids joined by a separator) inside a
# folder per unit: an id never contains '_' nor '--', so either can separate
# the parts of a name, and a name decodes back to exactly one artwork.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = f"an id is a slug: a-z and 0-9 in parts joined by single '-', at most {limits.MAX_ID_CHARS} characters"
DRAFT_ID = "draft"  # the slogan id of a draft set with render --text
# device names Windows refuses as a folder name, whatever the case or extension
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)
# dates a campaign or its documents can carry: anything outside is a typo
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
MAX_CODE_CHARS = 32  # a statistics office code is 5 digits
MAX_KIND_CHARS = 64
MAX_DOC_NUMBER_CHARS = 100  # "389/SKHCN-QLCN&ĐMST"
MAX_LEAD_IN_CHARS = 60  # "Nhiệt liệt chào mừng" is 20
MAX_LISTED_PROBLEMS = 20  # a message lists this many; the count says how many more
BREAK_PREFER = "|"
BREAK_FORBID = "~"


@dataclass(frozen=True)
class Document:
    number: str
    date: dt.date | None
    issuer: str


@dataclass(frozen=True)
class Slogan:
    id: str
    text: str
    breaks: str | None = None  # text with break markers, see README


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str = ""
    code: str = ""
    heading: str = ""

    @property
    def display_heading(self) -> str:
        return self.heading or self.name


@dataclass(frozen=True)
class Campaign:
    name: str
    event_date: dt.date
    slogans: tuple[Slogan, ...]
    units: tuple[Unit, ...]
    short_name: str = ""
    issuer: str = ""
    documents: tuple[Document, ...] = ()
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    # The words printed before the campaign's name on the occasion line:
    # "Hưởng ứng", "Chào mừng", "Kỷ niệm"... Default none: the occasion is the
    # name as the campaign file writes it (poster-gen never supplies wording
    # of its own on an official artwork). See README, "Writing a campaign file".
    lead_in: str = ""

    @property
    def occasion(self) -> str:
        """The occasion line: lead-in and name ("Hưởng ứng Ngày Sáng tạo ...")."""
        return join_lead_in(self.lead_in, self.name)

    @property
    def occasion_short(self) -> str:
        """The same with the short name when there is one (narrow artworks)."""
        return join_lead_in(self.lead_in, self.short_name or self.name)

    def slogan(self, slogan_id: str) -> Slogan:
        for s in self.slogans:
            if s.id == slogan_id:
                return s
        raise KeyError(slogan_id)

    def unit(self, unit_id: str) -> Unit:
        for u in self.units:
            if u.id == unit_id:
                return u
        raise KeyError(unit_id)


_CAMPAIGN_KEYS = {"name", "short_name", "lead_in", "event_date", "issuer", "documents"}
_DOC_KEYS = {"number", "date", "issuer"}
_SLOGAN_KEYS = {"id", "text", "breaks"}
_UNIT_KEYS = {"id", "name", "kind", "code", "heading"}
_TOP_KEYS = {"campaign", "slogans", "units"}


def join_lead_in(lead_in: str, name: str) -> str:
    """Lead-in and name joined by one space; the lead-in is left out when the
    name already begins with it ("Chào mừng" + "Chào mừng Đại hội ...")."""
    lead_in, name = lead_in.strip(), name.strip()
    if not lead_in:
        return name
    if not name:
        return lead_in
    head = name[: len(lead_in)]
    if head.casefold() == lead_in.casefold() and (len(name) == len(lead_in) or not name[len(lead_in)].isalnum()):
        return name
    return f"{lead_in} {name}"


def load_campaign(path: str | Path) -> Campaign:
    path = Path(path)
    source = one_line(str(path))  # a file name can hold a line break
    try:
        size = path.stat().st_size
        if size > limits.MAX_TOML_BYTES:
            raise CampaignError(source, [_too_large(size)])
        with open(path, "rb") as fh:
            raw = fh.read(limits.MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise CampaignError(source, ["file not found; give an existing campaign file with --campaign"]) from None
    except OSError as exc:
        raise CampaignError(source, [f"cannot read it ({exc.strerror})"]) from None
    if len(raw) > limits.MAX_TOML_BYTES:  # it grew while we looked, or is not a regular file
        raise CampaignError(source, [_too_large(len(raw))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignError(
            source, [f"not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"]
        ) from None
    try:
        data = limits.loads_toml(text, source)
    except limits.InputLimitError as exc:
        raise CampaignError(source, [str(exc).removeprefix(f"{source}: ")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(source, [toml_error(text, exc)]) from None
    return parse_campaign(data, str(path))


_QUOTED_VALUE = re.compile(r'^\s*[A-Za-z0-9_.-]+\s*=\s*"')
_DATE_IN_QUOTES = re.compile(r'^\s*[A-Za-z_]*date\s*=\s*["\']\d{4}-\d{1,2}-\d{1,2}["\']')


def toml_error(text: str, exc: Exception) -> str:
    """The TOML parser's complaint, with the likely cause in words a person can act on.

    The usual causes in a hand-edited campaign: straight quotes inside a
    quoted slogan ("Không có gì quý hơn "độc lập""), a missing closing quote.
    """
    raw = one_line(str(exc))
    lineno = getattr(exc, "lineno", None)
    if lineno is None:  # Python before 3.14 says it only in the message
        m = re.search(r"\(at line (\d+), column \d+\)", raw)
        lineno = int(m.group(1)) if m else None
    where = f"line {lineno}" if lineno else "the file"
    line = text.splitlines()[lineno - 1] if lineno and 0 < lineno <= len(text.splitlines()) else ""
    cause = ""
    if _QUOTED_VALUE.match(line):
        value = line.split("=", 1)[1].strip()
        quotes = value.count('"') - value.count('\\"')
        if value.startswith('"""'):
            cause = ""
        elif quotes > 2:
            cause = ('straight quotes (") inside a text in quotes end the text early: write the inner quotes as '
                     "“ ” (curly quotes, as memos do) or as \\\", or put the whole text in single quotes '…'")
        elif quotes == 1:
            cause = 'the text has no closing quote ("): add it at the end of the text'
    if not cause and _DATE_IN_QUOTES.match(line):
        cause = "a date is written without quotes: event_date = 2025-09-02"
    if cause:
        return f"TOML syntax error at {where}: {cause} ({raw})"
    return f"TOML syntax error: {raw}; fix the file at that line"


def _too_large(size: int) -> str:
    return (
        f"{size / 1e6:.1f} MB is over the {limits.MAX_TOML_BYTES / 1e6:.0f} MB limit for a campaign file; "
        "check that it is the right file"
    )


def _kind_of(value: object) -> str:
    """A TOML value's type in the words of the README."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return f"a whole number ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time of day"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def id_problem(tid: str, what: str) -> str | None:
    """Why ``tid`` cannot be the id of a ``what`` ("slogan" or "unit"), or None when it can."""
    if not tid:
        return "is empty"
    if len(tid) > limits.MAX_ID_CHARS:
        return f"is {len(tid):,} characters, over the {limits.MAX_ID_CHARS}-character limit"
    if SLUG.match(tid):
        if what == "slogan" and tid == DRAFT_ID:
            return "is reserved: it names the drafts set with render --text"
        if what == "unit" and tid in WINDOWS_RESERVED:
            return "is a device name that Windows refuses as a folder name"
        return None
    if tid in (".", ".."):
        return "names the output folder itself or the one above it"
    bad = sorted({ch for ch in tid if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-")})
    if bad:
        listed = ", ".join(f"'{shown(ch)}'" if ch != " " else "space" for ch in bad[:8])
        hint = "; use lower case" if any(ch.isupper() for ch in bad) else ""
        return f"has characters other than a-z, 0-9 and '-' ({listed}){hint}"
    if "--" in tid:
        return "has '--'; the parts of an id are joined by a single '-'"
    return "starts or ends with '-'"


def parse_campaign(data: dict, source: str = "<campaign>") -> Campaign:
    problems: list[str] = []

    def unknown(where: str, table: dict, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            problems.append(f"{where}: unknown key '{shown(key)}' (allowed: {', '.join(sorted(allowed))})")

    def text_field(
        where: str, table: dict, key: str, required: bool = True, limit: int = limits.MAX_NAME_CHARS, what: str = "a name"
    ) -> str:
        if key not in table:
            if required:
                problems.append(f"{where}: missing '{key}'")
            return ""
        value = table[key]
        if not isinstance(value, str):
            problems.append(f"{where}: '{key}' must be text in quotes, not {_kind_of(value)}")
            return ""
        # a text far over the limit is refused before it is cleaned (cleaning is linear, but why spend it)
        if len(value) > 4 * limit + 100 or len(value := clean(value)) > limit:
            problems.append(
                f"{where}: '{key}' is {len(value):,} characters, over the {limit:,}-character limit for {what}; shorten it"
            )
            return ""
        if required and not value:
            problems.append(f"{where}: '{key}' is empty")
        legacy = legacy_problem(value)
        if legacy:
            problems.append(f"{where}: '{key}': {legacy}")
        return value

    def date_field(where: str, table: dict, key: str, required: bool) -> dt.date | None:
        if key not in table:
            if required:
                problems.append(f"{where}: missing '{key}' (write it as YYYY-MM-DD, no quotes)")
            return None
        value = table[key]
        date = None
        if isinstance(value, dt.datetime):
            date = value.date()
        elif isinstance(value, dt.date):
            date = value
        elif isinstance(value, str) and len(value) <= 40:
            try:
                date = dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if date is None:
            given = repr(shown(value)) if isinstance(value, str) else _kind_of(value)
            problems.append(f"{where}: '{key}' = {given} is not a date (write it as YYYY-MM-DD, e.g. 2024-04-21)")
            return None
        if not EARLIEST_DATE <= date <= LATEST_DATE:
            problems.append(
                f"{where}: '{key}' = {date.isoformat()} is out of range; give a date from "
                f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
            )
            return None
        return date

    if not isinstance(data, dict):
        raise CampaignError(one_line(source), [f"the campaign must be a TOML document of tables, not {_kind_of(data)}"])
    unknown("top level", data, _TOP_KEYS)

    camp = data.get("campaign")
    if not isinstance(camp, dict):
        if camp is None:
            problems.append("missing [campaign] table with name and event_date")
        else:
            problems.append(f"'campaign' must be a [campaign] table with name and event_date, not {_kind_of(camp)}")
        camp = {}
    unknown("[campaign]", camp, _CAMPAIGN_KEYS)
    name = text_field("[campaign]", camp, "name", what="the campaign's name")
    short_name = text_field("[campaign]", camp, "short_name", required=False, what="the campaign's short name")
    lead_in = text_field("[campaign]", camp, "lead_in", required=False, limit=MAX_LEAD_IN_CHARS,
                         what="the words before the campaign's name")
    issuer = text_field("[campaign]", camp, "issuer", required=False, what="an issuer")
    event_date = date_field("[campaign]", camp, "event_date", required=True)
    docs: list[Document] = []
    raw_docs = camp.get("documents", [])
    if not isinstance(raw_docs, list):
        problems.append(
            f"[campaign]: 'documents' must be a list of [[campaign.documents]] tables, not {_kind_of(raw_docs)}"
        )
        raw_docs = []
    for i, d in enumerate(raw_docs, 1):
        where = f"[[campaign.documents]] #{i}"
        if not isinstance(d, dict):
            problems.append(f"{where}: must be a table, not {_kind_of(d)}")
            continue
        unknown(where, d, _DOC_KEYS)
        docs.append(
            Document(
                number=text_field(where, d, "number", limit=MAX_DOC_NUMBER_CHARS, what="a document number"),
                date=date_field(where, d, "date", required=False),
                issuer=text_field(where, d, "issuer", required=False, what="an issuer"),
            )
        )

    def tables(key: str, hint: str):
        """(where, table) for each [[key]] table; problems noted for the rest."""
        raw = data.get(key)
        if isinstance(raw, dict):
            problems.append(f"'{key}' must be [[{key}]] tables (double brackets), one per entry, each with {hint}")
            return
        if not isinstance(raw, list) or not raw:
            problems.append(f"no {key}: add [[{key}]] tables with {hint}")
            return
        for i, t in enumerate(raw, 1):
            where = f"[[{key}]] #{i}"
            if isinstance(t, dict):
                yield i, where, t
            else:
                problems.append(f"{where}: must be a table, not {_kind_of(t)}")

    def table_id(i: int, where: str, t: dict, what: str, example: str, seen: set[str]) -> str:
        if "id" not in t:
            problems.append(f"{where}: missing 'id'; {SLUG_RULE}, e.g. {example}")
            return f"#{i}"
        tid = t["id"]
        if isinstance(tid, int) and not isinstance(tid, bool):
            tid = str(tid)
        if not isinstance(tid, str):
            problems.append(
                f"{where}: {what} id must be text in quotes, not {_kind_of(tid)}; {SLUG_RULE}, e.g. {example}"
            )
            return f"#{i}"
        reason = id_problem(tid, what)
        if reason:
            rule = "choose another id" if SLUG.match(tid) else SLUG_RULE  # reserved, or not a slug
            problems.append(f"{where}: {what} id '{shown(tid)}' {reason}; {rule}, e.g. {example}")
            return f"#{i}"
        if tid in seen:
            problems.append(f"{where}: duplicate {what} id '{tid}'; each {what} needs its own id")
        seen.add(tid)
        return tid

    slogans: list[Slogan] = []
    seen_slogans: set[str] = set()
    for i, where, s in tables("slogans", "id and text"):
        unknown(where, s, _SLOGAN_KEYS)
        sid = table_id(i, where, s, "slogan", '"1" or "khoi-nguon"', seen_slogans)
        where = f"{where} (id {sid})"
        text = text_field(where, s, "text", limit=limits.MAX_SLOGAN_CHARS, what="a slogan")
        breaks = None
        if "breaks" in s:
            # the text again with break marks added: at most one mark per character
            breaks = text_field(
                where, s, "breaks", limit=2 * limits.MAX_SLOGAN_CHARS, what="a slogan with its break marks"
            )
            plain = clean(breaks.replace(BREAK_PREFER, " ").replace(BREAK_FORBID, " "))
            if breaks and text and plain != text:
                problems.append(
                    f"{where}: 'breaks' must be the same text as 'text' with only "
                    f"'{BREAK_PREFER}' (preferred break) and '{BREAK_FORBID}' (no break) added"
                )
                breaks = None
        slogans.append(Slogan(id=sid, text=text, breaks=breaks or None))

    units: list[Unit] = []
    seen_units: set[str] = set()
    for i, where, u in tables("units", "id and name"):
        unknown(where, u, _UNIT_KEYS)
        uid = table_id(i, where, u, "unit", '"xa-bang-mac"', seen_units)
        where = f"{where} (id {uid})"
        units.append(
            Unit(
                id=uid,
                name=text_field(where, u, "name", what="a unit's name"),
                kind=text_field(where, u, "kind", required=False, limit=MAX_KIND_CHARS, what="a kind"),
                code=text_field(where, u, "code", required=False, limit=MAX_CODE_CHARS, what="a code"),
                heading=text_field(where, u, "heading", required=False, what="a heading"),
            )
        )

    if problems:
        raise _campaign_error(source, problems)
    assert event_date is not None
    return Campaign(
        name=name,
        short_name=short_name,
        lead_in=lead_in,
        event_date=event_date,
        issuer=issuer,
        documents=tuple(docs),
        slogans=tuple(slogans),
        units=tuple(units),
        source=source,
    )


def _campaign_error(source: str, problems: list[str]) -> CampaignError:
    """All problems in ``.problems``; the message lists the first ones and counts the rest."""
    source = one_line(source)
    problems = [one_line(p) for p in problems]
    if len(problems) <= MAX_LISTED_PROBLEMS:
        return CampaignError(source, problems)
    more = len(problems) - MAX_LISTED_PROBLEMS
    err = CampaignError(source, [*problems[:MAX_LISTED_PROBLEMS], f"and {more:,} more problems like these"])
    err.problems = list(problems)
    return err


def find_campaign(explicit: str | Path | None, cwd: Path | None = None) -> Path:
    """--campaign FILE, else ./slogans.toml, else the packaged default."""
    from poster_gen.resources import default_campaign

    if explicit:
        return Path(explicit)
    local = (cwd or Path.cwd()) / "slogans.toml"
    if local.is_file():
        return local
    return default_campaign()
