"""``poster-gen init``: write a complete, commented campaign file to edit.

Three parts:

- the official list of communes, wards and special zones of a province (since
  1 July 2025: 34 provinces, 3,321 units at commune level), read from the
  ``vietnam-provinces`` package, which follows the statistics office's names
  and codes (``load_registry``, ``find_provinces``, ``units_of``);
- the approved slogans as a memo quotes them, “…”, from a .txt or .docx memo
  (``read_memo``, ``extract_slogans``);
- the campaign file itself: TOML with comments in Vietnamese for the person
  who edits it (``campaign_text``, ``write_campaign``).

The file written always loads with ``poster_gen.campaign.load_campaign``: it
is parsed back before it is written. What the person must still supply (a
slogan, the occasion, a unit) is written as a loud placeholder, listed in the
result so the command line can say so.

Messages to the user (errors, notes, the summary) are in the user's language
(``poster_gen.i18n``); the file's comments are in Vietnamese whatever the
language, since they are read by whoever edits the file.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import io
import json
import re
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from poster_gen import campaign, limits
from poster_gen.campaign import EARLIEST_DATE, LATEST_DATE, id_problem, parse_campaign
from poster_gen.errors import CampaignError, PosterGenError
from poster_gen.i18n import N_, _, ngettext
from poster_gen.text import clean, legacy_problem, one_line, shown, upper

REGISTRY_PACKAGE = "vietnam-provinces"
REGISTRY_LICENCE = "GPL-3.0-or-later"
INSTALL_HINT = N_(
    "the official list of communes and wards comes from the optional package '{package}' "
    "({licence}), which is not installed; install it with: pip install 'poster-gen[provinces]' "
    "(or pip install {package}), then run the command again"
)

# What a placeholder says, so a person (or a later check) can find what is left to edit.
PLACEHOLDER_MARK = "SỬA"
PLACEHOLDER_SLOGAN = "Khẩu hiệu mẫu - thay bằng khẩu hiệu được duyệt"
PLACEHOLDER_OCCASION = "Tên dịp - thay bằng tên trong công văn"
PLACEHOLDER_UNIT = ("don-vi-1", "Tên cơ quan, đơn vị - thay bằng tên đúng")

MAX_LEAD_IN_CHARS = getattr(campaign, "MAX_LEAD_IN_CHARS", 60)  # the loader's own limit for lead_in

# Bounds on a memo handed to --slogans-from (decimal MB, as the messages say)
MAX_MEMO_BYTES = 20_000_000
MAX_DOCX_PART_BYTES = 20_000_000  # word/document.xml once unpacked
MAX_DOCX_MEMBERS = 10_000
MAX_XML_DEPTH = 256  # Word nests tables and text boxes a few dozen levels at most
MAX_MEMO_SLOGANS = 500  # a memo lists a few dozen at most
MAX_QUOTED = 5_000  # texts in quotation marks of any kind: past this it is not a memo
MAX_OTHERS_WRITTEN = 100  # quoted texts not taken, written commented out
MAX_NOTES = 20  # unclosed quotation marks reported
LEGACY_SAMPLE_CHARS = 20_000  # how much of a non-UTF-8 memo is examined for an old encoding


# ---- the registry of administrative units ----------------------------------------------


@dataclass(frozen=True)
class Ward:
    """A unit at commune level: xã, phường or đặc khu."""

    code: str  # 5 digits, as the statistics office writes it: "06040"
    name: str  # "Xã Na Sầm"
    division: str  # "xã", "phường", "đặc khu"

    @property
    def kind(self) -> str:
        return slugify(self.division) or "xa"

    @property
    def heading(self) -> str:
        return heading_for(self.name)


@dataclass(frozen=True)
class Province:
    code: str  # 2 digits: "20"
    name: str  # without "Tỉnh"/"Thành phố": "Lạng Sơn", "Hồ Chí Minh"
    division: str  # "tỉnh", "thành phố trung ương"
    wards: tuple[Ward, ...]

    @property
    def full_name(self) -> str:
        return f"{'Tỉnh' if self.division == 'tỉnh' else 'Thành phố'} {self.name}"

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Registry:
    package_version: str
    data_version: str  # the date the package's data was taken, "2025-10-18"
    provinces: tuple[Province, ...]

    @property
    def unit_count(self) -> int:
        return sum(len(p.wards) for p in self.provinces)


_PROVINCE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp)\s+")
_UNIT_PREFIX = re.compile(r"^(?:xa|phuong|dac khu|thi tran)\s+")


def fold(text: str) -> str:
    """Lower case without diacritics, words split by single spaces: 'Lạng Sơn' -> 'lang son'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`]", "", text)  # "M’Drắk" -> "mdrak", as people type it
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def slugify(text: str) -> str:
    """An id from a name: 'Xã Na Sầm' -> 'xa-na-sam' (a-z, 0-9, single '-')."""
    return fold(text).replace(" ", "-")


def heading_for(name: str) -> str:
    """The heading printed on a unit's artwork: 'UBND XÃ NA SẦM' (upper case keeps every diacritic)."""
    return f"UBND {upper(clean(name))}"


def _strip_division(name: str) -> str:
    for prefix in ("Tỉnh ", "Thành phố "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    """The provinces and their units, from the package's own JSON file (its documented path)."""
    try:
        import vietnam_provinces as vp
    except ModuleNotFoundError:
        raise PosterGenError(_(INSTALL_HINT).format(package=REGISTRY_PACKAGE, licence=REGISTRY_LICENCE)) from None
    try:
        raw = json.loads(Path(vp.NESTED_DIVISIONS_JSON_PATH).read_bytes())
        provinces = []
        for p in raw:
            wards = tuple(
                sorted(
                    (
                        Ward(code=f"{int(w['code']):05d}", name=clean(w["name"]), division=clean(w["division_type"]))
                        for w in p["wards"]
                    ),
                    key=lambda w: w.code,
                )
            )
            provinces.append(
                Province(
                    code=f"{int(p['code']):02d}",
                    name=_strip_division(clean(p["name"])),
                    division=clean(p["division_type"]),
                    wards=wards,
                )
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PosterGenError(
            _("the list of units in the '{package}' package cannot be read ({reason}); "
              "reinstall it: pip install --force-reinstall {package}").format(
                package=REGISTRY_PACKAGE, reason=one_line(str(exc)))
        ) from None
    provinces.sort(key=lambda p: p.code)
    return Registry(
        package_version=str(getattr(vp, "__version__", "?")),
        data_version=str(getattr(vp, "__data_version__", "?")),
        provinces=tuple(provinces),
    )


# Provinces merged into another on 1 July 2025 (Resolution 202/2025/QH15), and an old
# name: what a person who still says the old name should ask for.
FORMER_PROVINCES = {
    "Hà Giang": "Tuyên Quang",
    "Yên Bái": "Lào Cai",
    "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên",
    "Hải Dương": "Hải Phòng",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hòa",
    "Phú Yên": "Đắk Lắk",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Bình Phước": "Đồng Nai",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Long An": "Tây Ninh",
    "Tiền Giang": "Đồng Tháp",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
}
# other ways people write a province that is still one
ALIASES = {"hcm": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh", "sai gon": "Hồ Chí Minh", "saigon": "Hồ Chí Minh",
           "thua thien hue": "Huế", "hn": "Hà Nội"}
ALL = ("all", "tat ca")


def _province_key(text: str) -> str:
    return _PROVINCE_PREFIX.sub("", fold(text))


def find_provinces(specs: list[str] | tuple[str, ...], registry: Registry | None = None) -> list[Province]:
    """The provinces named by ``specs`` (name with or without 'Tỉnh'/'Thành phố', in any case, with or
    without diacritics; the 2-digit code; or 'all'), in code order, each once."""
    registry = registry or load_registry()
    by_key: dict[str, Province] = {}
    for p in registry.provinces:
        key = _province_key(p.name)
        by_key[key] = by_key[key.replace(" ", "")] = p
    chosen: dict[str, Province] = {}
    for spec in specs:
        key = _province_key(spec)
        if key in ALL:
            chosen.update((p.code, p) for p in registry.provinces)
            continue
        p = by_key.get(key) or by_key.get(key.replace(" ", ""))
        if p is None and key in ALIASES:
            p = by_key.get(_province_key(ALIASES[key]))
        if p is None and key.isdigit():
            p = next((q for q in registry.provinces if int(q.code) == int(key)), None)
        if p is None:
            raise PosterGenError(_unknown_province(spec, key, registry))
        chosen[p.code] = p
    return sorted(chosen.values(), key=lambda p: p.code)


def _unknown_province(spec: str, key: str, registry: Registry) -> str:
    former = {_province_key(old): new for old, new in FORMER_PROVINCES.items()}
    former.update({k.replace(" ", ""): v for k, v in former.items()})
    if key in former or key.replace(" ", "") in former:
        new = former.get(key) or former[key.replace(" ", "")]
        return _(
            "'{spec}' is no longer a province: since 1 July 2025 it is part of {new}; "
            "give --province \"{new}\" (then delete the units you do not need)"
        ).format(spec=shown(spec), new=new)
    listed = ", ".join(p.name for p in registry.provinces)
    if key.isdigit():
        return _(
            "unknown province '{spec}': province codes are 2 digits from 01 to 96; "
            "the 34 provinces and cities are: {listed} (or 'all')"
        ).format(spec=shown(spec), listed=listed)
    # a former district or a commune: say which provinces have units of that name
    homes = [(w.name, p.name) for p in registry.provinces for w in p.wards
             if _UNIT_PREFIX.sub("", fold(w.name)) == key]
    exact = clean(spec).casefold()
    homes = [h for h in homes if h[0].casefold().endswith(" " + exact)] or homes
    if homes:
        units = ", ".join(f"{unit} ({province})" for unit, province in homes[:5]) + (" ..." if len(homes) > 5 else "")
        return _(
            "unknown province '{spec}': it is not a province, but there is {units}; give its province; "
            "the 34 provinces and cities are: {listed} (or 'all')"
        ).format(spec=shown(spec), units=units, listed=listed)
    names = {_province_key(p.name): p.name for p in registry.provinces}
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.75)
    if close:
        return _(
            "unknown province '{spec}': did you mean {names}? the 34 provinces and cities are: {listed} (or 'all')"
        ).format(spec=shown(spec), names=", ".join(names[c] for c in close), listed=listed)
    return _("unknown province '{spec}': the 34 provinces and cities are: {listed} (or 'all')").format(
        spec=shown(spec), listed=listed)


# ---- unit entries for the file ---------------------------------------------------------


@dataclass(frozen=True)
class UnitEntry:
    id: str
    name: str
    kind: str
    code: str
    heading: str
    province: Province | None = None


def units_of(provinces: list[Province]) -> list[UnitEntry]:
    """Every unit of ``provinces`` with an id that is unique in the file and a valid slug.

    One province: the id is the name as a slug ('xa-na-sam'). Several: every id
    ends with its province ('xa-tan-lap-lang-son'), so the same id means the same
    unit whichever provinces a file holds. Units that would still share an id
    (names that differ only in their marks: 'Xã Sơn Hà', 'Xã Sơn Hạ') all end
    with their code as well ('xa-son-ha-21289'), whatever order they come in.
    """
    several = len(provinces) > 1
    base: list[tuple[str, Ward, Province]] = []
    for p in provinces:
        for w in p.wards:
            stem = slugify(w.name)
            base.append((f"{stem}-{p.slug}" if several else stem, w, p))
    counts: dict[str, int] = {}
    for stem, _w, _p in base:
        counts[_fit(stem, "")] = counts.get(_fit(stem, ""), 0) + 1
    out: list[UnitEntry] = []
    seen: set[str] = set()
    for stem, w, p in base:
        uid = _fit(stem, w.code) if counts[_fit(stem, "")] > 1 else _fit(stem, "")
        if uid in seen or id_problem(uid, "unit"):  # not with the official names; a guard all the same
            uid = _fit(slugify(w.division) or "dv", w.code)
        seen.add(uid)
        out.append(UnitEntry(id=uid, name=w.name, kind=w.kind, code=w.code, heading=w.heading, province=p))
    return out


def _fit(stem: str, suffix: str) -> str:
    """``stem-suffix`` within the id length limit: the stem cut at a '-', the suffix kept whole."""
    room = limits.MAX_ID_CHARS - (len(suffix) + 1 if suffix else 0)
    if len(stem) > room:
        cut = stem[:room]
        if stem[room] != "-" and "-" in cut:
            cut = cut[: cut.rfind("-")]
        stem = cut.rstrip("-")
    return f"{stem}-{suffix}" if suffix else stem


# ---- slogans from a memo ---------------------------------------------------------------


# Why a quoted text was not taken as a slogan
INLINE, REPEATED, TOO_LONG = "inline", "repeated", "too-long"


@dataclass(frozen=True)
class Found:
    text: str
    place: tuple[str, int]  # ("line", 27) in a .txt memo, ("paragraph", 14) in a .docx
    why: str = ""  # why it was not taken: INLINE, REPEATED, TOO_LONG ("" when it was)

    @property
    def where(self) -> str:
        """Where it is in the memo, in the user's language: 'line 27', 'paragraph 14'."""
        return _where(self.place)

    @property
    def reason(self) -> str:
        """Why it was not taken, in the user's language ("" when it was)."""
        if self.why == INLINE:
            return _("quoted inside a sentence")
        if self.why == REPEATED:
            return _("the same text again")
        if self.why == TOO_LONG:
            return _("{n:,} characters, over the {limit}-character limit of a slogan").format(
                n=len(self.text), limit=limits.MAX_SLOGAN_CHARS)
        return self.why


def _where(place: tuple[str, int]) -> str:
    kind, number = place
    if kind == "line":
        return _("line {n}").format(n=number)
    return _("paragraph {n}").format(n=number)


@dataclass
class MemoSlogans:
    source: str  # the memo's file name as given
    encoding: str  # "UTF-8", "UTF-16", "Windows-1258", "Word (.docx)"
    slogans: list[Found] = field(default_factory=list)  # taken, in order
    others: list[Found] = field(default_factory=list)  # quoted too, not taken: written commented out
    notes: list[str] = field(default_factory=list)  # unclosed quotes, straight quotes used, ...


@dataclass(frozen=True, eq=False)
class Block:
    """A paragraph of the memo, and where it starts."""

    text: str
    line: int = 0  # .txt: first line number (1-based)
    paragraph: int = 0  # .docx: paragraph number (1-based)

    def place(self, offset: int) -> tuple[str, int]:
        if self.line:
            return ("line", self.line + bisect.bisect_left(self._breaks, offset))
        return ("paragraph", self.paragraph)

    @cached_property
    def _breaks(self) -> list[int]:
        return [m.start() for m in re.finditer("\n", self.text)]


OPEN, CLOSE = "\u201c", "\u201d"  # “ ”
_CURLY = re.compile(f"[{OPEN}{CLOSE}]")
_STRAIGHT = re.compile('"')
# what may stand around the quotes on a line for them to be a list of slogans:
# a list mark ("-", "1.", "a)"), a label ending in ':' ("Khẩu hiệu 1:"), punctuation between and after
_LISTED = re.compile(
    r"\s*(?:(?:[-+*•·–—>]|\(?\d{1,3}[.)]|\(?[a-zđ][.)]|[ivxlc]{1,6}[.)])\s*)?"
    r"(?:[^\x00\n]{0,120}:\s*)?"
    r"\x00(?:[\s.,;:!?…\-–—]*\x00)*[\s.,;:!?…]*",
    re.IGNORECASE,
)


def _curly_spans(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Outermost matched “…” pairs as (start, end) with end after the closing quote, and
    the offsets of opening quotes never closed. A stray quote does not swallow the rest."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for m in _CURLY.finditer(text):
        if m.group() == OPEN:
            stack.append(m.start())
        elif stack:
            pairs.append((stack.pop(), m.end()))
    pairs.sort()
    outer: list[tuple[int, int]] = []
    for s, e in pairs:
        if outer and s < outer[-1][1]:
            continue  # inside the previous pair
        outer.append((s, e))
    return outer, stack


def _straight_spans(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """"…" pairs, line by line (a straight quote has no direction, so pairs never cross a line)."""
    pairs: list[tuple[int, int]] = []
    stray: list[int] = []
    pos = 0
    for line in text.split("\n"):
        marks = [pos + m.start() for m in _STRAIGHT.finditer(line)]
        pairs += [(marks[i], marks[i + 1] + 1) for i in range(0, len(marks) - 1, 2)]
        if len(marks) % 2:
            stray.append(marks[-1])
        pos += len(line) + 1
    return pairs, stray


def _listed(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """For each span: does it stand on its own lines (a list of slogans), not inside a sentence?"""
    flags = [False] * len(spans)
    i = 0
    while i < len(spans):
        # the lines around this quote, grown to take in the other quotes on them
        start = text.rfind("\n", 0, spans[i][0]) + 1
        j = i
        end = text.find("\n", spans[j][1])
        end = len(text) if end < 0 else end
        while j + 1 < len(spans) and spans[j + 1][0] < end:
            j += 1
            if spans[j][1] > end:  # this quote runs on to a later line
                nxt = text.find("\n", spans[j][1])
                end = len(text) if nxt < 0 else nxt
        rest, cur = [], start
        for s, e in spans[i : j + 1]:
            rest.append(text[cur:s])
            rest.append("\x00")
            cur = e
        rest.append(text[cur:end])
        ok = _LISTED.fullmatch("".join(rest)) is not None
        for k in range(i, j + 1):
            flags[k] = ok
        i = j + 1
    return flags


def extract_slogans(blocks: list[Block], source: str = "memo", encoding: str = "") -> MemoSlogans:
    """The slogans a memo quotes, verbatim (NFC, whitespace made single), in order.

    Slogans are what stands in curly quotes “…” on lines of their own (list marks,
    a label ending in ':' and punctuation around them allowed), the way memos list
    them. Quotes inside a sentence (a document's title, a motto cited) are kept
    aside as ``others``; when no quote stands on its own, those are the slogans.
    Straight quotes "…" are used only when the memo has no curly quote at all.
    A full stop inside the quotes is kept: the memo's text is never changed.
    """
    result = MemoSlogans(source=source, encoding=encoding)
    curly = any(OPEN in b.text or CLOSE in b.text for b in blocks)
    listed: list[Found] = []
    inline: list[Found] = []
    unclosed = 0
    for b in blocks:
        spans, stray = _curly_spans(b.text) if curly else _straight_spans(b.text)
        for s in stray:
            unclosed += 1
            if unclosed <= MAX_NOTES:
                result.notes.append(_("{where}: a quotation mark is never closed; check that slogan by hand").format(
                    where=_where(b.place(s))))
        if not spans:
            continue
        if len(listed) + len(inline) + len(spans) > MAX_QUOTED:
            raise PosterGenError(
                _("{source}: over {limit:,} texts in quotation marks; a memo has a few dozen: "
                  "check that it is the right file").format(source=one_line(source), limit=MAX_QUOTED)
            )
        for (s, e), alone in zip(spans, _listed(b.text, spans)):
            text = clean(b.text[s + 1 : e - 1])
            if text:
                (listed if alone else inline).append(Found(text, b.place(s)))
    if unclosed > MAX_NOTES:
        result.notes.append(_("and {n:,} more quotation marks never closed").format(n=unclosed - MAX_NOTES))
    if not curly and (listed or inline):
        result.notes.append(_('no curly quotes “…” in the memo: took the text in straight quotes "…"'))
    if listed:
        taken = listed
        result.others = [Found(f.text, f.place, INLINE) for f in inline]
    else:
        taken = inline
    seen: set[str] = set()
    for f in taken:
        if f.text in seen:
            result.others.append(Found(f.text, f.place, REPEATED))
        elif len(f.text) > limits.MAX_SLOGAN_CHARS:
            result.others.append(Found(f.text, f.place, TOO_LONG))
        else:
            seen.add(f.text)
            result.slogans.append(f)
    for f in result.slogans:
        problem = legacy_problem(f.text)
        if problem:
            raise PosterGenError(f"{one_line(source)}: {f.where}: {problem}")
    if len(result.slogans) > MAX_MEMO_SLOGANS:
        raise PosterGenError(
            _("{source}: {n:,} texts in quotation marks on lines of their own, over the {limit} a memo's slogans "
              "could be; check that it is the right file").format(
                source=one_line(source), n=len(result.slogans), limit=MAX_MEMO_SLOGANS)
        )
    others = [f for f in result.others if len(f.text) <= 4 * limits.MAX_SLOGAN_CHARS]
    if len(others) > MAX_OTHERS_WRITTEN:
        result.notes.append(_("{n:,} more quoted texts not taken are not listed").format(
            n=len(others) - MAX_OTHERS_WRITTEN))
    result.others = others[:MAX_OTHERS_WRITTEN]
    return result


def slogans_from(path: str | Path) -> MemoSlogans:
    """Read a memo (.txt or .docx, told apart by content) and take its quoted slogans."""
    path = Path(path)
    blocks, encoding = read_memo(path)
    found = extract_slogans(blocks, path.name, encoding)
    if not found.slogans:
        raise PosterGenError(
            _("{path}: no slogans found: poster-gen takes the text memos put in quotation marks “…”; put each "
              "approved slogan in “…” in the memo, or write them in the campaign file by hand").format(
                path=one_line(str(path)))
        )
    return found


def read_memo(path: Path) -> tuple[list[Block], str]:
    """The memo's paragraphs and how its text was encoded."""
    data = limits.read_text_file(path, "memo", MAX_MEMO_BYTES)
    where = one_line(str(path))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _docx_blocks(data, where), "Word (.docx)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PosterGenError(
            _("{where}: an old Word .doc file; open it in Word or LibreOffice and save it as .docx "
              "(or copy the memo's text into a .txt file saved as UTF-8)").format(where=where)
        )
    if data.startswith(b"%PDF"):
        raise PosterGenError(_("{where}: a PDF; copy the memo's text into a .txt file (UTF-8) or give the .docx")
                             .format(where=where))
    if data.lstrip()[:5].lower() == b"{\\rtf":
        raise PosterGenError(_("{where}: an RTF file; save it as .docx, or as plain text (.txt, UTF-8)")
                             .format(where=where))
    text, encoding = _decode(data, where)
    return _text_blocks(text), encoding


def _decode(data: bytes, where: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise PosterGenError(_("{where}: UTF-32 text; save it as UTF-8").format(where=where))
    for bom, codec, name in ((b"\xef\xbb\xbf", "utf-8", "UTF-8"), (b"\xff\xfe", "utf-16-le", "UTF-16"),
                             (b"\xfe\xff", "utf-16-be", "UTF-16")):
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise PosterGenError(_("{where}: damaged {encoding} text (bad bytes at offset {offset}); "
                                       "save it again as UTF-8").format(where=where, encoding=name,
                                                                        offset=exc.start)) from None
            return _checked(unicodedata.normalize("NFC", text), where), name
    try:
        return _checked(unicodedata.normalize("NFC", data.decode("utf-8")), where), "UTF-8"
    except UnicodeDecodeError:
        pass
    # not UTF-8: an old Vietnamese 8-bit encoding (refused, named), or Windows-1258 (read)
    legacy = _legacy(data.decode("latin-1"))
    if legacy:
        raise PosterGenError(f"{where}: {legacy}")
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        text = ""
        bad = exc.start
    if text and _vietnamese_share(text) >= 0.6:
        return text, "Windows-1258"
    if not text:
        raise PosterGenError(
            _("{where}: not UTF-8 text (bad byte at offset {offset}), and not Vietnamese in Windows-1258 either; "
              "save the memo as UTF-8 (Notepad: Save as, Encoding: UTF-8) and try again").format(
                where=where, offset=bad)
        )
    raise PosterGenError(
        _("{where}: not UTF-8 text, and not Vietnamese in Windows-1258 either; "
          "save the memo as UTF-8 (Notepad: Save as, Encoding: UTF-8) and try again").format(where=where)
    )


def _legacy(text: str) -> str | None:
    """A TCVN3/VNI/VISCII memo, named, with a sample of what it says; None otherwise."""
    from poster_gen.legacy import detect_legacy

    sample: list[str] = []
    size = 0
    for line in text.splitlines():
        if not line.isascii():
            sample.append(line)
            size += len(line) + 1
            if size >= LEGACY_SAMPLE_CHARS:
                break
    m = detect_legacy(" ".join(sample)[:LEGACY_SAMPLE_CHARS])
    if m is None:
        return None
    said = clean(m.converted)[:60]
    return _(
        "the memo is in {encoding}, an old Vietnamese encoding (it reads \"{sample}...\"); convert it to "
        "Unicode (e.g. Unikey's converter, from its encoding to Unicode) and save it as UTF-8 or .docx, then try again"
    ).format(encoding=m.encoding, sample=said)


def _checked(text: str, where: str) -> str:
    """Unicode text that is in fact an old encoding pasted as Unicode is refused."""
    legacy = _legacy(text)
    if legacy:
        raise PosterGenError(f"{where}: {legacy}")
    return text


def _vietnamese_share(text: str) -> float:
    from poster_gen.legacy import syllables

    known = syllables()
    words = [w for w in (fold_word(x) for x in text[:LEGACY_SAMPLE_CHARS].split()) if w]
    words = [w for w in words if not w.isascii()] or words  # the accented ones tell encodings apart
    if not words:
        return 0.0
    return sum(w in known for w in words) / len(words)


def fold_word(word: str) -> str:
    return "".join(c for c in word if c.isalpha()).lower()


_PARAGRAPH = re.compile(r"[^\S\n]*\S[^\n]*(?:\n[^\S\n]*\S[^\n]*)*")  # non-blank lines in a row


def _text_blocks(text: str) -> list[Block]:
    """Paragraphs of a text file: runs of lines between blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[Block] = []
    line, pos = 1, 0
    for m in _PARAGRAPH.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        blocks.append(Block(m.group(), line=line))
    return blocks


_W = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",  # transitional (what Word writes)
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # strict
}
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SKIPPED = {"del", "moveFrom"}  # tracked deletions: not the memo's text


class _DocxError(Exception):
    pass


def _docx_blocks(data: bytes, where: str) -> list[Block]:
    """The paragraphs of a .docx: its main document part read with the standard library,
    unpacked in bounded pieces (a zip bomb stops at the bound), no DTD allowed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_DOCX_MEMBERS:
                raise PosterGenError(_("{where}: {n:,} files inside; a Word document has a few dozen").format(
                    where=where, n=len(infos)))
            name = _main_part(zf)
            try:
                info = zf.getinfo(name)
            except KeyError:
                raise PosterGenError(_("{where}: a zip file without {part}: not a Word .docx document").format(
                    where=where, part=name)) from None
            if info.file_size > MAX_DOCX_PART_BYTES:
                raise PosterGenError(
                    _("{where}: its text part unpacks to {size} MB, over the {limit} MB limit; it is not an "
                      "ordinary memo (a zip bomb?)").format(
                        where=where, size=f"{info.file_size / 1e6:,.0f}", limit=f"{MAX_DOCX_PART_BYTES / 1e6:.0f}")
                )
            with zf.open(info) as fh:
                return _parse_document(fh, where)
    except PosterGenError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, OSError,
            ValueError) as exc:
        raise PosterGenError(_("{where}: a damaged or unsupported .docx ({reason}); open it in Word and save it "
                               "again, or copy its text into a .txt file").format(
            where=where, reason=one_line(str(exc)))) from None


def _main_part(zf: zipfile.ZipFile) -> str:
    """The main document part named by _rels/.rels (word/document.xml when it says nothing usable)."""
    default = "word/document.xml"
    try:
        info = zf.getinfo("_rels/.rels")
    except KeyError:
        return default
    if info.file_size > 1_000_000:
        return default
    with zf.open(info) as fh:
        raw = fh.read(1_000_001)
    target = ""

    def start(name, attrs):
        nonlocal target
        if name == f"{_RELS} Relationship" and attrs.get("Type", "").endswith("/officeDocument") and not target:
            target = attrs.get("Target", "")

    parser = _parser()
    parser.StartElementHandler = start
    try:
        parser.Parse(raw, True)
    except (expat.ExpatError, _DocxError):
        return default
    parts = [p for p in PurePosixPath(target.lstrip("/")).parts if p not in ("", ".")]
    if not parts or ".." in parts or not target:
        return default
    return "/".join(parts)


def _parser():
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args):
        raise _DocxError(_("a document type declaration (DTD), which a Word document never has"))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _parse_document(fh, where: str) -> list[Block]:
    blocks: list[Block] = []
    stack: list[list[str]] = []  # open paragraphs (a text box's paragraphs sit inside one)
    numbers: list[int] = []  # their paragraph numbers
    count = 0
    depth = 0
    skip = 0  # depth inside mc:Fallback or a tracked deletion
    in_run = 0
    in_text = 0

    def start(name, _attrs):
        nonlocal count, depth, skip, in_run, in_text
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _DocxError(_("elements nested more than {limit} deep").format(limit=MAX_XML_DEPTH))
        uri, _sep, local = name.rpartition(" ")
        if skip:
            skip += 1
            return
        if (uri == _MC and local == "Fallback") or (uri in _W and local in _SKIPPED):
            skip = 1
            return
        if uri not in _W:
            return
        if local == "p":
            if len(stack) >= limits.MAX_NESTING:
                raise _DocxError(_("paragraphs nested more than {limit} deep").format(limit=limits.MAX_NESTING))
            count += 1
            stack.append([])
            numbers.append(count)
        elif local == "r":
            in_run += 1
        elif local == "t":
            in_text += 1
        elif in_run and stack:
            if local == "tab":
                stack[-1].append("\t")
            elif local in ("br", "cr"):
                stack[-1].append("\n")
            elif local == "noBreakHyphen":
                stack[-1].append("-")

    def end(name):
        nonlocal depth, skip, in_run, in_text
        depth -= 1
        if skip:
            skip -= 1
            return
        uri, _sep, local = name.rpartition(" ")
        if uri not in _W:
            return
        if local == "p" and stack:
            text = "".join(stack.pop())
            number = numbers.pop()
            if text.strip():
                blocks.append(Block(unicodedata.normalize("NFC", text), paragraph=number))
        elif local == "r":
            in_run = max(0, in_run - 1)
        elif local == "t":
            in_text = max(0, in_text - 1)

    def chars(data):
        if in_text and stack and not skip:
            stack[-1].append(data)

    parser = _parser()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    total = 0
    try:
        while True:
            chunk = fh.read(1 << 20)
            total += len(chunk)
            if total > MAX_DOCX_PART_BYTES:
                raise PosterGenError(
                    _("{where}: its text part unpacks to more than {limit} MB; it is not an ordinary memo "
                      "(a zip bomb?)").format(where=where, limit=f"{MAX_DOCX_PART_BYTES / 1e6:.0f}")
                )
            parser.Parse(chunk, not chunk)
            if not chunk:
                break
    except expat.ExpatError as exc:
        raise PosterGenError(_("{where}: damaged .docx: its text is not well-formed XML ({reason})").format(
            where=where, reason=exc)) from None
    except _DocxError as exc:
        raise PosterGenError(_("{where}: refused: {reason}").format(where=where, reason=exc)) from None
    blocks.sort(key=lambda b: b.paragraph)  # a text box's paragraphs ended before the one holding it
    return blocks


# ---- the campaign file -----------------------------------------------------------------


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f]*')


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def parse_date(value: str | dt.date) -> dt.date:
    """--date: YYYY-MM-DD, or DD/MM/YYYY as Vietnamese documents write it."""
    if isinstance(value, dt.date):
        date = value
    else:
        text = value.strip()
        date = None
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        try:
            if m:
                date = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            elif len(text) <= 10:
                date = dt.date.fromisoformat(text)
        except ValueError:
            date = None
        if date is None:
            raise PosterGenError(_("--date '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-09-02")
                                 .format(value=shown(value)))
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise PosterGenError(
            _("--date {date} is out of range; give a date from {first} to {last}").format(
                date=date.isoformat(), first=EARLIEST_DATE.isoformat(), last=LATEST_DATE.isoformat())
        )
    return date


def _text_option(option: str, value: str | None, limit: int) -> str:
    if value is None:
        return ""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise PosterGenError(_("{option}: not valid text (bytes that are not UTF-8); type it again").format(
            option=option))
    text = clean(value)
    if not text:
        raise PosterGenError(_("{option} is empty; give the text, or leave the option out").format(option=option))
    if len(text) > limit:
        raise PosterGenError(_("{option} is {n:,} characters, over the {limit}-character limit; shorten it").format(
            option=option, n=len(text), limit=limit))
    problem = legacy_problem(text)
    if problem:
        raise PosterGenError(f"{option}: {problem}")
    return text


@dataclass
class InitResult:
    path: Path
    text: str
    units: int
    provinces: list[Province]
    registry: Registry | None
    slogans: int
    memo: MemoSlogans | None
    placeholders: list[str]  # what the person must still edit, in the file's words

    def summary(self) -> str:
        """One line in the user's language: 'wrote c.toml: 65 units of Lạng Sơn (data 2025-10-18), 6 slogans'."""
        if self.provinces:
            if len(self.provinces) <= 3:
                units = ngettext("{n:,} unit of {names} (data {data})", "{n:,} units of {names} (data {data})",
                                 self.units)
            else:
                units = ngettext("{n:,} unit of {count} provinces (data {data})",
                                 "{n:,} units of {count} provinces (data {data})", self.units)
            units = units.format(n=self.units, names=", ".join(p.name for p in self.provinces),
                                 count=len(self.provinces), data=self.registry.data_version)
        else:
            units = _("1 placeholder unit")
        if self.memo:
            slogans = ngettext("{n} slogan", "{n} slogans", self.slogans).format(n=self.slogans)
        else:
            slogans = _("1 placeholder slogan")
        return _("wrote {path}: {units}, {slogans}").format(path=self.path, units=units, slogans=slogans)


def build(
    *,
    provinces: list[str] | tuple[str, ...] = (),
    occasion: str | None = None,
    date: str | dt.date | None = None,
    lead_in: str | None = None,
    issuer: str | None = None,
    slogans_file: str | Path | None = None,
    path: str | Path = "campaign.toml",
) -> InitResult:
    """The campaign file's text and what went into it (nothing is written)."""
    name = _text_option("--occasion", occasion, limits.MAX_NAME_CHARS)
    lead = _text_option("--lead-in", lead_in, MAX_LEAD_IN_CHARS)
    by = _text_option("--issuer", issuer, limits.MAX_NAME_CHARS)
    when = parse_date(date) if date not in (None, "") else None
    registry = load_registry() if provinces else None
    chosen = find_provinces(list(provinces), registry) if provinces else []
    memo = slogans_from(slogans_file) if slogans_file else None
    units = units_of(chosen)
    placeholders = []
    if not name:
        placeholders.append(_("[campaign] name (--occasion)"))
    if when is None:
        placeholders.append(_("[campaign] event_date (--date)"))
    if memo is None:
        placeholders.append(_("the slogan (--slogans-from, or write the approved slogans)"))
    if not units:
        placeholders.append(_("the unit (--province, or write your units)"))
    text = campaign_text(name, when, lead, by, chosen, units, registry, memo)
    result = InitResult(Path(path), text, len(units), chosen, registry, len(memo.slogans) if memo else 0, memo,
                        placeholders)
    _self_check(text, str(path))
    return result


def write_campaign(path: str | Path, *, force: bool = False, **options) -> InitResult:
    """Write the campaign file at ``path`` (atomically); an existing file only with ``force``."""
    from poster_gen.output import atomic_write

    path = Path(path)
    if not force and (path.exists() or path.is_symlink()):
        raise PosterGenError(_("{path} exists; it is not overwritten: give --force to replace it, or choose another "
                               "file name").format(path=one_line(str(path))))
    if path.is_dir():
        raise PosterGenError(_("{path} is a folder; give a file name such as campaign.toml").format(
            path=one_line(str(path))))
    result = build(path=path, **options)
    with atomic_write(path) as fh:
        fh.write(result.text.encode("utf-8"))
    return result


def _self_check(text: str, source: str) -> None:
    try:
        parse_campaign(tomllib.loads(text), source)
    except CampaignError as exc:  # an option the loader refuses, said in the loader's words
        raise PosterGenError(_("not written: the file would not load: {reason}").format(reason=exc)) from None


# The comments are for the person who edits the file: a communications officer, in Vietnamese,
# with the key's English meaning in parentheses where it helps.
_HEAD = """\
# Tệp chiến dịch của poster-gen (poster-gen campaign file), viết bằng "poster-gen init".
# Sửa tệp bằng trình soạn thảo văn bản (Notepad, TextEdit...), lưu ở dạng UTF-8.
# Dòng bắt đầu bằng "#" là ghi chú (comment): poster-gen bỏ qua.
# Chữ trong ngoặc kép "..." được in đúng như viết: giữ nguyên dấu và chính tả.
# Chỗ ghi "SỬA" là chỗ phải sửa trước khi in.
# Kiểm tra tệp sau khi sửa: poster-gen --campaign TÊN-TỆP units   (và: ... slogans)
# Giải thích đầy đủ: README.md, mục "Writing a campaign file".
"""


def campaign_text(
    name: str,
    when: dt.date | None,
    lead_in: str,
    issuer: str,
    provinces: list[Province],
    units: list[UnitEntry],
    registry: Registry | None,
    memo: MemoSlogans | None,
) -> str:
    # File content, not a message: Vietnamese whatever the user's language (see _HEAD)
    q = toml_string
    out = io.StringIO()
    out.write(_HEAD)
    if registry is not None:
        out.write(
            f"#\n# Danh sách đơn vị: gói {REGISTRY_PACKAGE} {registry.package_version}, dữ liệu ngày "
            f"{registry.data_version}\n# (tên và mã đơn vị hành chính của Cục Thống kê, từ 01/7/2025: "
            "34 tỉnh, thành phố; cấp xã gồm xã, phường, đặc khu).\n"
        )
    out.write("\n[campaign]\n")
    out.write("# Tên dịp hoặc cuộc vận động, đúng như công văn viết (the occasion's name).\n")
    if name:
        out.write(f"name = {q(name)}\n")
    else:
        out.write(f"name = {q(PLACEHOLDER_OCCASION)}  # {PLACEHOLDER_MARK}\n")
    out.write(
        "# Tên ngắn, dùng cho khổ hẹp (short name, optional):\n"
        "# short_name = \"...\"\n"
        "# Từ đứng trước tên dịp trên tranh (lead-in, optional): \"Hưởng ứng\", \"Chào mừng\", \"Kỷ niệm\"...\n"
        "# Không ghi thì tranh in tên dịp như trên.\n"
    )
    if lead_in:
        out.write(f"lead_in = {q(lead_in)}\n")
    else:
        out.write("# lead_in = \"Hưởng ứng\"\n")
    out.write("# Ngày diễn ra, dạng NĂM-THÁNG-NGÀY, không có ngoặc kép (event date, YYYY-MM-DD).\n")
    if when:
        out.write(f"event_date = {when.isoformat()}\n")
    else:
        out.write(f"event_date = {dt.date.today().isoformat()}  # {PLACEHOLDER_MARK}: ngày của dịp\n")
    out.write("# Cơ quan phát động (issuer, optional):\n")
    if issuer:
        out.write(f"issuer = {q(issuer)}\n")
    else:
        out.write(f"# issuer = {q(_issuer_example(provinces) or 'UBND tỉnh ...')}\n")
    out.write(
        "\n# Văn bản căn cứ (documents, optional), mỗi văn bản một khối; bỏ dấu \"#\" để dùng:\n"
        "# [[campaign.documents]]\n"
        "# number = \"123/UBND-VX\"\n"
        "# date = 2026-08-15\n"
        "# issuer = \"UBND tỉnh ...\"\n"
    )

    out.write(
        "\n# ---- Khẩu hiệu (slogans) " + "-" * 50 + "\n"
        "# Mỗi khẩu hiệu một khối [[slogans]], chép đúng nguyên văn khẩu hiệu được duyệt.\n"
        "# id: số thứ tự hoặc tên ngắn (a-z, 0-9, '-'), dùng trong tên tệp và lệnh: --slogan 1\n"
        "# breaks (optional): cùng câu đó, thêm '|' ở chỗ muốn xuống dòng, '~' thay dấu cách ở chỗ không được\n"
        "# xuống dòng, ví dụ: breaks = \"Đổi mới sáng tạo -| Khơi nguồn tri thức\"\n"
    )
    if memo is None:
        out.write(
            f"\n[[slogans]]\nid = \"1\"\n# {PLACEHOLDER_MARK}: thay bằng khẩu hiệu được duyệt (replace with the "
            f"approved slogan)\ntext = {q(PLACEHOLDER_SLOGAN)}\n"
        )
    else:
        out.write(
            f"# Lấy từ công văn {_comment(memo.source)}: {len(memo.slogans)} khẩu hiệu trong ngoặc kép “…”, theo thứ "
            "tự.\n# Đối chiếu với công văn; xóa khối nào không phải khẩu hiệu (check against the memo).\n"
        )
        for i, f in enumerate(memo.slogans, 1):
            out.write(f"\n[[slogans]]\n# {_vi_where(f.place)} của công văn\n")
            if f.text.endswith(".") and not f.text.endswith(".."):
                out.write("# Câu kết thúc bằng dấu chấm như công văn viết; xóa dấu chấm nếu không muốn in nó.\n")
            out.write(f"id = \"{i}\"\ntext = {q(f.text)}\n")
        if memo.others:
            out.write(
                "\n# Các đoạn khác trong ngoặc kép của công văn, không lấy làm khẩu hiệu (quoted, not taken).\n"
                "# Nếu là khẩu hiệu: bỏ dấu \"#\" ở đầu ba dòng [[slogans]], id, text.\n"
            )
            n = len(memo.slogans)
            for f in memo.others:
                n += 1
                out.write(
                    f"\n# {_vi_where(f.place)}: {_vi_reason(f)}\n"
                    f"# [[slogans]]\n# id = \"{n}\"\n# text = {q(f.text)}\n"
                )

    out.write(
        "\n# ---- Đơn vị (units) " + "-" * 55 + "\n"
        "# Mỗi đơn vị một khối [[units]]; xóa khối của đơn vị không tham gia.\n"
        "# id: tên ngắn không dấu (a-z, 0-9, '-'), khác nhau, dùng làm tên thư mục: "
        f"--unit {units[0].id if units else PLACEHOLDER_UNIT[0]}\n"
        "# name: tên đúng chính tả; kind: loại (xa, phuong, dac-khu, co-quan...);\n"
        "# code: mã của Cục Thống kê, trong ngoặc kép để giữ số 0 ở đầu;\n"
        "# heading: dòng in trên tranh (printed on the artwork), mặc định là name.\n"
        "# Thêm đơn vị không có trong danh sách (cơ quan, tổ chức...) bằng một khối như sau:\n"
        "# [[units]]\n"
        "# id = \"so-van-hoa\"\n"
        "# name = \"Sở Văn hóa, Thể thao và Du lịch\"\n"
        "# kind = \"co-quan\"\n"
        f"# heading = {q(_agency_heading(provinces))}\n"
    )
    if not units:
        uid, uname = PLACEHOLDER_UNIT
        out.write(
            f"\n[[units]]\n# {PLACEHOLDER_MARK}: thay bằng đơn vị của bạn; thêm khối cho mỗi đơn vị\n"
            f"id = {q(uid)}\nname = {q(uname)}\nkind = \"co-quan\"\n"
        )
    current = None
    for u in units:
        if u.province is not current:
            current = u.province
            out.write(_province_heading(current))
        out.write(
            f"\n[[units]]\nid = {q(u.id)}\nname = {q(u.name)}\nkind = {q(u.kind)}\ncode = {q(u.code)}\n"
            f"heading = {q(u.heading)}\n"
        )
    return out.getvalue()


def _issuer_example(provinces: list[Province]) -> str:
    if len(provinces) != 1:
        return ""
    p = provinces[0]
    return f"UBND {'tỉnh' if p.division == 'tỉnh' else 'thành phố'} {p.name}"


def _agency_heading(provinces: list[Province]) -> str:
    where = f" {upper(provinces[0].full_name)}" if len(provinces) == 1 else ""
    return f"SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH{where}"


def _province_heading(p: Province) -> str:
    kinds: dict[str, int] = {}
    for w in p.wards:
        kinds[w.division] = kinds.get(w.division, 0) + 1
    parts = ", ".join(f"{n} {d}" for d, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    return f"\n# ==== {p.full_name} (mã {p.code}): {len(p.wards)} đơn vị: {parts} ====\n"


def _vi_where(place: tuple[str, int]) -> str:
    """Where a quoted text is, for the file's comments (always Vietnamese): 'dòng 27', 'đoạn 14'."""
    kind, number = place
    return f"{'dòng' if kind == 'line' else 'đoạn'} {number}"


def _vi_reason(found: Found) -> str:
    """Why a quoted text was not taken, for the file's comments (always Vietnamese)."""
    if found.why == INLINE:
        return "trích trong câu văn"
    if found.why == REPEATED:
        return "lặp lại khẩu hiệu đã có"
    if found.why == TOO_LONG:
        return f"dài quá {limits.MAX_SLOGAN_CHARS} ký tự của một khẩu hiệu"
    return _comment(found.why)


def _comment(text: str) -> str:
    """Text safe inside a TOML comment: one line, no control characters."""
    return "".join(ch for ch in one_line(clean(text)) if ch >= " " and ch != "\x7f")
