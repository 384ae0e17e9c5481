"""The campaign file: occasion, approved slogans and units.

Loading validates everything and reports all problems at once.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from poster_gen import limits
from poster_gen.errors import CampaignError
from poster_gen.i18n import N_, _
from poster_gen.text import clean, legacy_problem, one_line, shown

if TYPE_CHECKING:  # the print order's records: imported where a campaign has [materials] or [prices]
    from poster_gen.quantities import Materials, PriceList

# An id is a slug: parts of a-z and 0-9 joined by single '-'. Ids name the
# output files (size, slogan and design ids joined by a separator) inside a
# folder per unit: an id never contains '_' nor '--', so either can separate
# the parts of a name, and a name decodes back to exactly one artwork.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# the rule, translated where it is shown: see slug_rule()
SLUG_RULE = N_("an id is a slug: a-z and 0-9 in parts joined by single '-', at most {max} characters")
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
    """A document the campaign follows (a memo, a plan): its number, date and issuer."""

    number: str
    date: dt.date | None
    issuer: str


@dataclass(frozen=True)
class Slogan:
    """An approved slogan: its id and text, and the text with break marks when the file gives them."""

    id: str
    text: str
    breaks: str | None = None  # text with break markers, see README


@dataclass(frozen=True)
class Unit:
    """A unit the artworks are made for (a commune, an agency): id, name, kind, code and heading."""

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
    """A campaign file, every value checked: the occasion, its slogans and units, and the print order's tables."""

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
    # What the print order counts and prices (``poster-gen order``): the material of each kind
    # (``[materials]``, over the defaults; None when the file has no such table: every kind has its
    # default material, see ``quantities.Materials``) and the prices (``[prices]``; None when the
    # file has none). A render needs neither, so ``quantities`` is imported only for those tables.
    materials: Materials | None = None
    prices: PriceList | None = None

    @property
    def occasion(self) -> str:
        """The occasion line: lead-in and name ("Hưởng ứng Ngày Sáng tạo ...")."""
        return join_lead_in(self.lead_in, self.name)

    @property
    def occasion_short(self) -> str:
        """The same with the short name when there is one (narrow artworks)."""
        return join_lead_in(self.lead_in, self.short_name or self.name)

    def slogan(self, slogan_id: str) -> Slogan:
        return self._index("_slogans_by_id", self.slogans)[slogan_id]

    def unit(self, unit_id: str) -> Unit:
        return self._index("_units_by_id", self.units)[unit_id]

    # A campaign of every commune of the country has 3,321 units, and every artwork asks for its own
    # unit and looks its campaign up in caches keyed by the campaign. So the ids are indexed, and the
    # hash is worked out, once per campaign object, not once per question. What is computed is kept
    # beside the fields: equality, repr and asdict never see it, a copy or pickle leaves it behind
    # (a string's hash differs from one process to the next), and a campaign never changes.
    _CACHED = ("_hash", "_units_by_id", "_slogans_by_id")

    def _index(self, name: str, items: tuple) -> dict:
        index = self.__dict__.get(name)
        if index is None:
            index = {}
            for item in items:
                index.setdefault(item.id, item)  # the first of a duplicated id, as a search would find
            object.__setattr__(self, name, index)
        return index

    def __hash__(self) -> int:
        h = self.__dict__.get("_hash")
        if h is None:
            # the fields a frozen dataclass hashes: all but those with hash=False (or compare=False)
            h = hash(tuple(getattr(self, f.name) for f in fields(self) if (f.compare if f.hash is None else f.hash)))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHED}


_CAMPAIGN_KEYS = {"name", "short_name", "lead_in", "event_date", "issuer", "documents"}
_DOC_KEYS = {"number", "date", "issuer"}
_SLOGAN_KEYS = {"id", "text", "breaks"}
_UNIT_KEYS = {"id", "name", "kind", "code", "heading"}
_TOP_KEYS = {"campaign", "slogans", "units", "prices", "materials"}


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
        raise CampaignError(source, [_("file not found; give an existing campaign file with --campaign")]) from None
    except OSError as exc:
        raise CampaignError(source, [_("cannot read it ({reason})").format(reason=exc.strerror)]) from None
    if len(raw) > limits.MAX_TOML_BYTES:  # it grew while we looked, or is not a regular file
        raise CampaignError(source, [_too_large(len(raw))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignError(
            source, [_("not UTF-8 text (bad byte at offset {offset}); save the file as UTF-8").format(offset=exc.start)]
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
    line = text.splitlines()[lineno - 1] if lineno and 0 < lineno <= len(text.splitlines()) else ""
    cause = ""
    if _QUOTED_VALUE.match(line):
        value = line.split("=", 1)[1].strip()
        quotes = value.count('"') - value.count('\\"')
        if value.startswith('"""'):
            cause = ""
        elif quotes > 2:
            cause = _('straight quotes (") inside a text in quotes end the text early: write the inner quotes as '
                      "“ ” (curly quotes, as memos do) or as \\\", or put the whole text in single quotes '…'")
        elif quotes == 1:
            cause = _('the text has no closing quote ("): add it at the end of the text')
    if not cause and _DATE_IN_QUOTES.match(line):
        cause = _("a date is written without quotes: event_date = 2025-09-02")
    # (the parser's own words, in brackets, stay in English: they come from Python)
    if cause and lineno:
        return _("TOML syntax error at line {line}: {cause} ({detail})").format(line=lineno, cause=cause, detail=raw)
    if cause:
        return _("TOML syntax error in the file: {cause} ({detail})").format(cause=cause, detail=raw)
    return _("TOML syntax error: {detail}; fix the file at that line").format(detail=raw)


def _too_large(size: int) -> str:
    return _(
        "{size:.1f} MB is over the {limit:.0f} MB limit for a campaign file; check that it is the right file"
    ).format(size=size / 1e6, limit=limits.MAX_TOML_BYTES / 1e6)


def slug_rule() -> str:
    """The rule for ids, in the user's language."""
    return _(SLUG_RULE).format(max=limits.MAX_ID_CHARS)


# A TOML value's type in the words of the README, translated where it is shown
# (first match wins: a bool is an int, a datetime is a date).
_KIND_WORDS: tuple[tuple[type, str], ...] = (
    (bool, N_("true/false")),
    (int, N_("a whole number ({value})")),
    (float, N_("a number ({value})")),
    (str, N_("text")),
    (dt.datetime, N_("a date and time")),
    (dt.date, N_("a date")),
    (dt.time, N_("a time of day")),
    (list, N_("a list")),
    (dict, N_("a table")),
)


def _kind_of(value: object) -> str:
    """A TOML value's type in the words of the README."""
    for kind, words in _KIND_WORDS:
        if isinstance(value, kind):
            return _(words).format(value=value)
    return type(value).__name__


# Messages that differ by what is checked: whole sentences, so that each reads
# naturally once translated (never a sentence glued from translated pieces).
_TOO_LONG = {
    "name": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for the campaign's name; "
               "shorten it"),
    "short_name": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for the campaign's "
                     "short name; shorten it"),
    "lead_in": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for the words before the "
                  "campaign's name; shorten it"),
    "issuer": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for an issuer; shorten it"),
    "number": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a document number; "
                 "shorten it"),
    "slogan": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a slogan; shorten it"),
    "breaks": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a slogan with its "
                 "break marks; shorten it"),
    "unit_name": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a unit's name; "
                    "shorten it"),
    "kind": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a kind; shorten it"),
    "code": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a code; shorten it"),
    "heading": N_("{where}: '{key}' is {n:,} characters, over the {limit:,}-character limit for a heading; shorten it"),
}
# the examples of a good id, and the messages about ids, for a slogan and for a unit
_ID_EXAMPLE = {"slogan": N_('"1" or "khoi-nguon"'), "unit": N_('"xa-bang-mac"')}
_ID_NOT_TEXT = {
    "slogan": N_("{where}: slogan id must be text in quotes, not {kind}; {rule}, e.g. {example}"),
    "unit": N_("{where}: unit id must be text in quotes, not {kind}; {rule}, e.g. {example}"),
}
_ID_REFUSED = {
    "slogan": N_("{where}: slogan id '{id}' {reason}; {rule}, e.g. {example}"),
    "unit": N_("{where}: unit id '{id}' {reason}; {rule}, e.g. {example}"),
}
_ID_DUPLICATE = {
    "slogan": N_("{where}: duplicate slogan id '{id}'; each slogan needs its own id"),
    "unit": N_("{where}: duplicate unit id '{id}'; each unit needs its own id"),
}
_NOT_TABLES = {
    "slogans": N_("'slogans' must be [[slogans]] tables (double brackets), one per entry, each with id and text"),
    "units": N_("'units' must be [[units]] tables (double brackets), one per entry, each with id and name"),
}
_NO_TABLES = {
    "slogans": N_("no slogans: add [[slogans]] tables with id and text"),
    "units": N_("no units: add [[units]] tables with id and name"),
}


def id_problem(tid: str, what: str) -> str | None:
    """Why ``tid`` cannot be the id of a ``what`` ("slogan" or "unit"), or None when it can."""
    # each reason follows "slogan id 'x'" / "unit id 'x'" in the message (see _ID_REFUSED)
    if not tid:
        return _("is empty")
    if len(tid) > limits.MAX_ID_CHARS:
        return _("is {n:,} characters, over the {limit}-character limit").format(n=len(tid), limit=limits.MAX_ID_CHARS)
    if SLUG.match(tid):
        if what == "slogan" and tid == DRAFT_ID:
            return _("is reserved: it names the drafts set with render --text")
        if what == "unit" and tid in WINDOWS_RESERVED:
            return _("is a device name that Windows refuses as a folder name")
        return None
    if tid in (".", ".."):
        return _("names the output folder itself or the one above it")
    bad = sorted({ch for ch in tid if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-")})
    if bad:
        listed = ", ".join(f"'{shown(ch)}'" if ch != " " else _("space") for ch in bad[:8])
        if any(ch.isupper() for ch in bad):
            return _("has characters other than a-z, 0-9 and '-' ({chars}); use lower case").format(chars=listed)
        return _("has characters other than a-z, 0-9 and '-' ({chars})").format(chars=listed)
    if "--" in tid:
        return _("has '--'; the parts of an id are joined by a single '-'")
    return _("starts or ends with '-'")


def parse_campaign(data: dict, source: str = "<campaign>") -> Campaign:
    problems: list[str] = []

    def unknown(where: str, table: dict, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            problems.append(_("{where}: unknown key '{key}' (allowed: {allowed})").format(
                where=where, key=shown(key), allowed=", ".join(sorted(allowed))))

    def text_field(
        where: str, table: dict, key: str, what: str, required: bool = True, limit: int = limits.MAX_NAME_CHARS
    ) -> str:
        """``what``: the key of the message for a text over ``limit`` in _TOO_LONG."""
        if key not in table:
            if required:
                problems.append(_("{where}: missing '{key}'").format(where=where, key=key))
            return ""
        value = table[key]
        if not isinstance(value, str):
            problems.append(_("{where}: '{key}' must be text in quotes, not {kind}").format(
                where=where, key=key, kind=_kind_of(value)))
            return ""
        # a text far over the limit is refused before it is cleaned (cleaning is linear, but why spend it)
        if len(value) > 4 * limit + 100 or len(value := clean(value)) > limit:
            problems.append(_(_TOO_LONG[what]).format(where=where, key=key, n=len(value), limit=limit))
            return ""
        if required and not value:
            problems.append(_("{where}: '{key}' is empty").format(where=where, key=key))
        legacy = legacy_problem(value)
        if legacy:
            problems.append(f"{where}: '{key}': {legacy}")
        return value

    def date_field(where: str, table: dict, key: str, required: bool) -> dt.date | None:
        if key not in table:
            if required:
                problems.append(_("{where}: missing '{key}' (write it as YYYY-MM-DD, no quotes)").format(
                    where=where, key=key))
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
            problems.append(
                _("{where}: '{key}' = {given} is not a date (write it as YYYY-MM-DD, e.g. 2024-04-21)").format(
                    where=where, key=key, given=given)
            )
            return None
        if not EARLIEST_DATE <= date <= LATEST_DATE:
            problems.append(
                _("{where}: '{key}' = {date} is out of range; give a date from {earliest} to {latest}").format(
                    where=where, key=key, date=date.isoformat(), earliest=EARLIEST_DATE.isoformat(),
                    latest=LATEST_DATE.isoformat())
            )
            return None
        return date

    if not isinstance(data, dict):
        raise CampaignError(one_line(source), [
            _("the campaign must be a TOML document of tables, not {kind}").format(kind=_kind_of(data))])
    unknown(_("top level"), data, _TOP_KEYS)

    camp = data.get("campaign")
    if not isinstance(camp, dict):
        if camp is None:
            problems.append(_("missing [campaign] table with name and event_date"))
        else:
            problems.append(_("'campaign' must be a [campaign] table with name and event_date, not {kind}").format(
                kind=_kind_of(camp)))
        camp = {}
    unknown("[campaign]", camp, _CAMPAIGN_KEYS)
    name = text_field("[campaign]", camp, "name", "name")
    short_name = text_field("[campaign]", camp, "short_name", "short_name", required=False)
    lead_in = text_field("[campaign]", camp, "lead_in", "lead_in", required=False, limit=MAX_LEAD_IN_CHARS)
    issuer = text_field("[campaign]", camp, "issuer", "issuer", required=False)
    event_date = date_field("[campaign]", camp, "event_date", required=True)
    docs: list[Document] = []
    raw_docs = camp.get("documents", [])
    if not isinstance(raw_docs, list):
        problems.append(
            _("[campaign]: 'documents' must be a list of [[campaign.documents]] tables, not {kind}").format(
                kind=_kind_of(raw_docs))
        )
        raw_docs = []
    for i, d in enumerate(raw_docs, 1):
        where = f"[[campaign.documents]] #{i}"
        if not isinstance(d, dict):
            problems.append(_("{where}: must be a table, not {kind}").format(where=where, kind=_kind_of(d)))
            continue
        unknown(where, d, _DOC_KEYS)
        docs.append(
            Document(
                number=text_field(where, d, "number", "number", limit=MAX_DOC_NUMBER_CHARS),
                date=date_field(where, d, "date", required=False),
                issuer=text_field(where, d, "issuer", "issuer", required=False),
            )
        )

    def tables(key: str):
        """(where, table) for each [[key]] table; problems noted for the rest."""
        raw = data.get(key)
        if isinstance(raw, dict):
            problems.append(_(_NOT_TABLES[key]))
            return
        if not isinstance(raw, list) or not raw:
            problems.append(_(_NO_TABLES[key]))
            return
        for i, t in enumerate(raw, 1):
            where = f"[[{key}]] #{i}"
            if isinstance(t, dict):
                yield i, where, t
            else:
                problems.append(_("{where}: must be a table, not {kind}").format(where=where, kind=_kind_of(t)))

    def table_id(i: int, where: str, t: dict, what: str, seen: set[str]) -> str:
        """``what``: "slogan" or "unit"."""
        example = _(_ID_EXAMPLE[what])
        if "id" not in t:
            problems.append(_("{where}: missing 'id'; {rule}, e.g. {example}").format(
                where=where, rule=slug_rule(), example=example))
            return f"#{i}"
        tid = t["id"]
        if isinstance(tid, int) and not isinstance(tid, bool):
            tid = str(tid)
        if not isinstance(tid, str):
            problems.append(_(_ID_NOT_TEXT[what]).format(
                where=where, kind=_kind_of(tid), rule=slug_rule(), example=example))
            return f"#{i}"
        reason = id_problem(tid, what)
        if reason:
            rule = _("choose another id") if SLUG.match(tid) else slug_rule()  # reserved, or not a slug
            problems.append(_(_ID_REFUSED[what]).format(
                where=where, id=shown(tid), reason=reason, rule=rule, example=example))
            return f"#{i}"
        if tid in seen:
            problems.append(_(_ID_DUPLICATE[what]).format(where=where, id=tid))
        seen.add(tid)
        return tid

    slogans: list[Slogan] = []
    seen_slogans: set[str] = set()
    for i, where, s in tables("slogans"):
        unknown(where, s, _SLOGAN_KEYS)
        sid = table_id(i, where, s, "slogan", seen_slogans)
        where = _("{where} (id {id})").format(where=where, id=sid)
        text = text_field(where, s, "text", "slogan", limit=limits.MAX_SLOGAN_CHARS)
        breaks = None
        if "breaks" in s:
            # the text again with break marks added: at most one mark per character
            breaks = text_field(where, s, "breaks", "breaks", limit=2 * limits.MAX_SLOGAN_CHARS)
            plain = clean(breaks.replace(BREAK_PREFER, " ").replace(BREAK_FORBID, " "))
            if breaks and text and plain != text:
                problems.append(
                    _("{where}: 'breaks' must be the same text as 'text' with only '{prefer}' (preferred break) "
                      "and '{forbid}' (no break) added").format(where=where, prefer=BREAK_PREFER, forbid=BREAK_FORBID)
                )
                breaks = None
        slogans.append(Slogan(id=sid, text=text, breaks=breaks or None))

    units: list[Unit] = []
    seen_units: set[str] = set()
    for i, where, u in tables("units"):
        unknown(where, u, _UNIT_KEYS)
        uid = table_id(i, where, u, "unit", seen_units)
        where = _("{where} (id {id})").format(where=where, id=uid)
        units.append(
            Unit(
                id=uid,
                name=text_field(where, u, "name", "unit_name"),
                kind=text_field(where, u, "kind", "kind", required=False, limit=MAX_KIND_CHARS),
                code=text_field(where, u, "code", "code", required=False, limit=MAX_CODE_CHARS),
                heading=text_field(where, u, "heading", "heading", required=False),
            )
        )

    materials, prices = None, None
    if "materials" in data:
        from poster_gen.quantities import parse_materials

        materials, found = parse_materials(data["materials"], "[materials]")
        problems.extend(found)
    if "prices" in data:
        from poster_gen.quantities import parse_prices

        prices, found = parse_prices(data["prices"], "[prices]")
        problems.extend(found)

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
        materials=materials,
        prices=prices,
    )


def _campaign_error(source: str, problems: list[str]) -> CampaignError:
    """All problems in ``.problems``; the message lists the first ones and counts the rest."""
    source = one_line(source)
    problems = [one_line(p) for p in problems]
    if len(problems) <= MAX_LISTED_PROBLEMS:
        return CampaignError(source, problems)
    more = len(problems) - MAX_LISTED_PROBLEMS
    err = CampaignError(
        source, [*problems[:MAX_LISTED_PROBLEMS], _("and {n:,} more problems like these").format(n=more)]
    )
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
