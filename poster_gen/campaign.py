"""The campaign file: occasion, approved slogans and units.

Loading validates everything and reports all problems at once.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from poster_gen.errors import CampaignError
from poster_gen.text import clean, legacy_problem

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
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


_CAMPAIGN_KEYS = {"name", "short_name", "event_date", "issuer", "documents"}
_DOC_KEYS = {"number", "date", "issuer"}
_SLOGAN_KEYS = {"id", "text", "breaks"}
_UNIT_KEYS = {"id", "name", "kind", "code", "heading"}
_TOP_KEYS = {"campaign", "slogans", "units"}


def load_campaign(path: str | Path) -> Campaign:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CampaignError(str(path), ["file not found; give an existing campaign file with --campaign"]) from None
    except OSError as exc:
        raise CampaignError(str(path), [f"cannot read it ({exc.strerror})"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignError(
            str(path), [f"not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(str(path), [f"TOML syntax error: {exc}; fix the file at that line"]) from None
    return parse_campaign(data, str(path))


def parse_campaign(data: dict, source: str = "<campaign>") -> Campaign:
    problems: list[str] = []

    def unknown(where: str, table: dict, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            problems.append(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")

    def text_field(where: str, table: dict, key: str, required: bool = True) -> str:
        if key not in table:
            if required:
                problems.append(f"{where}: missing '{key}'")
            return ""
        value = table[key]
        if not isinstance(value, str):
            problems.append(f"{where}: '{key}' must be text in quotes, not {type(value).__name__}")
            return ""
        value = clean(value)
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
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        problems.append(f"{where}: '{key}' = {value!r} is not a date (write it as YYYY-MM-DD, e.g. 2024-04-21)")
        return None

    unknown("top level", data, _TOP_KEYS)

    camp = data.get("campaign")
    if not isinstance(camp, dict):
        problems.append("missing [campaign] table with name and event_date")
        camp = {}
    unknown("[campaign]", camp, _CAMPAIGN_KEYS)
    name = text_field("[campaign]", camp, "name")
    short_name = text_field("[campaign]", camp, "short_name", required=False)
    issuer = text_field("[campaign]", camp, "issuer", required=False)
    event_date = date_field("[campaign]", camp, "event_date", required=True)
    docs: list[Document] = []
    raw_docs = camp.get("documents", [])
    if not isinstance(raw_docs, list):
        problems.append("[campaign]: 'documents' must be a list of [[campaign.documents]] tables")
        raw_docs = []
    for i, d in enumerate(raw_docs, 1):
        where = f"[[campaign.documents]] #{i}"
        if not isinstance(d, dict):
            problems.append(f"{where}: must be a table")
            continue
        unknown(where, d, _DOC_KEYS)
        docs.append(
            Document(
                number=text_field(where, d, "number"),
                date=date_field(where, d, "date", required=False),
                issuer=text_field(where, d, "issuer", required=False),
            )
        )

    def tables(key: str, hint: str):
        """(where, table) for each [[key]] table; problems noted for the rest."""
        raw = data.get(key)
        if not isinstance(raw, list) or not raw:
            problems.append(f"no {key}: add [[{key}]] tables with {hint}")
            return
        for i, t in enumerate(raw, 1):
            where = f"[[{key}]] #{i}"
            if isinstance(t, dict):
                yield i, where, t
            else:
                problems.append(f"{where}: must be a table")

    def table_id(i: int, where: str, t: dict, what: str, example: str, seen: set[str]) -> str:
        tid = t.get("id")
        if isinstance(tid, int) and not isinstance(tid, bool):
            tid = str(tid)
        if not isinstance(tid, str) or not SLUG.match(tid):
            problems.append(f"{where}: id {tid!r} must be a filesystem-safe slug (a-z, 0-9, '-'), e.g. {example}")
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
        text = text_field(f"{where} (id {sid})", s, "text")
        breaks = None
        if "breaks" in s:
            breaks = text_field(f"{where} (id {sid})", s, "breaks")
            plain = clean(breaks.replace(BREAK_PREFER, " ").replace(BREAK_FORBID, " "))
            if breaks and plain != text:
                problems.append(
                    f"{where} (id {sid}): 'breaks' must be the same text as 'text' with only "
                    f"'{BREAK_PREFER}' (preferred break) and '{BREAK_FORBID}' (no break) added"
                )
                breaks = None
        slogans.append(Slogan(id=sid, text=text, breaks=breaks or None))

    units: list[Unit] = []
    seen_units: set[str] = set()
    for i, where, u in tables("units", "id and name"):
        unknown(where, u, _UNIT_KEYS)
        uid = table_id(i, where, u, "unit", '"xa-bang-mac"', seen_units)
        units.append(
            Unit(
                id=uid,
                name=text_field(f"{where} (id {uid})", u, "name"),
                kind=text_field(f"{where} (id {uid})", u, "kind", required=False),
                code=str(u.get("code", "")) if not isinstance(u.get("code", ""), (dict, list)) else "",
                heading=text_field(f"{where} (id {uid})", u, "heading", required=False),
            )
        )

    if problems:
        raise CampaignError(source, problems)
    assert event_date is not None
    return Campaign(
        name=name,
        short_name=short_name,
        event_date=event_date,
        issuer=issuer,
        documents=tuple(docs),
        slogans=tuple(slogans),
        units=tuple(units),
        source=source,
    )


def find_campaign(explicit: str | Path | None, cwd: Path | None = None) -> Path:
    """--campaign FILE, else ./slogans.toml, else the packaged default."""
    from poster_gen.resources import default_campaign

    if explicit:
        return Path(explicit)
    local = (cwd or Path.cwd()) / "slogans.toml"
    if local.is_file():
        return local
    return default_campaign()
