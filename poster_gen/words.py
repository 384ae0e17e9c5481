"""Vietnamese words and phrases: where a line may break, and how much each break costs.

Vietnamese writes a word as several syllables separated by spaces ("sáng tạo",
"sở hữu trí tuệ"). A line never breaks inside a word: words come from a
multi-syllable lexicon looked up placement-insensitively ("hoà" = "hòa"); the
text itself is never changed.

A reader also notices a break inside a *phrase*: a proper name ("Hồ Chí Minh",
"Mặt trận Tổ quốc Việt Nam", "phường Kỳ Lừa"), a number and what it counts or
names ("80 năm", "lần thứ XVIII", "nhiệm kỳ 2025 - 2030"), a word that only
introduces what follows ("của", "và", "các" at a line end), a short set pair
("dân giàu, nước mạnh") or a set term ("kỷ nguyên vươn mình"). Such a joint
is a word boundary with a break cost of at least ``COST_JOINT``, graded by how
badly the break reads (``JOINT_*``); the layout takes one only when the text
cannot otherwise be set at a legible size. Every other boundary costs
``COST_STRONG`` (after a comma or a dash) to ``COST_AFTER_CONJ``.

The rules read the text as written: capitals in mixed-case text mark names.
Text that arrives in capitals only ("UBND XÃ NA SẦM") is read with the
names a campaign passes in ``names`` and with rules that need no case.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from poster_gen.campaign import BREAK_FORBID, BREAK_PREFER
from poster_gen.resources import data_dir

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
PUNCT = ".,;:!?…\"'“”‘’()[]«»"
DASHES = {"-", "–", "—"}
OPENERS = "([“‘«"
CLOSERS = ")]”’»"

# Costs of a line break at a given gap (0 = natural, higher = worse)
COST_STRONG = 0.0  # after a comma, a dash, or a '|' marker
COST_PHRASE = 0.35  # before a conjunction or preposition, or a bracket
COST_PLAIN = 1.0
COST_AFTER_CONJ = 2.0  # a word that introduces what follows, where no phrase rule applies
# A break inside a phrase: at least COST_JOINT, graded by how badly it reads.
COST_JOINT = 10.0
JOINT_LOOSE = 10.0  # a one-syllable word cut off from its neighbour, a short list item
JOINT_FUNCTION = 12.0  # after "của", "và", "các", ...; before "hơn", "nhất", ...
JOINT_TERM = 14.0  # inside a set term ("kỷ nguyên vươn mình", "hành chính công")
JOINT_NAME = 16.0  # inside a proper name, or between "xã"/"phường"/... and the name
JOINT_NUMBER = 20.0  # between a number and what it counts or names
FORBIDDEN = float("inf")


def _keyset(words: str) -> frozenset:
    return frozenset(syllable_key(w) for w in words.split())


@lru_cache(maxsize=65536)
def syllable_key(syllable: str) -> str:
    """Lower-case syllable with its tone moved to the end: 'hoà' and 'hòa' give the same key."""
    d = unicodedata.normalize("NFD", syllable.lower())
    tones = "".join(sorted(c for c in d if c in TONE_MARKS))
    base = "".join(c for c in d if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tones


def strip_punct(s: str) -> str:
    return s.strip(PUNCT)


# Words that only introduce what follows: a line never ends on them.
INTRODUCERS = _keyset(
    "các những mọi toàn của trong với cho vì để về tại vào là và hãy đã sẽ đang được bị phải cần "
    "nên không chưa chẳng đừng chớ rất càng cùng theo từ đến bằng do bởi nhằm qua trên dưới giữa "
    "như hay hoặc nhưng mà thì nếu khi mỗi từng có hơn"
)
# Words a phrase starts with: a break before them reads naturally.
PHRASE_STARTERS = _keyset(
    "và vì để hay hoặc nhưng mà thì cho với của trong tại là về vào các những mọi từ đến nhằm bằng "
    "do bởi như nếu khi"
)
# Words that close what precedes them: a line never starts with them.
CLOSING_WORDS = _keyset("hơn nhất lắm mãi rồi thôi nhé nhỉ ạ ơi này kia ấy đó đây nhau")
# Counting words that bind to what they count ("một Việt Nam", "hai nhiệm vụ").
NUMBER_WORDS = _keyset("một hai ba bốn sáu bảy chín mười mươi trăm nghìn ngàn triệu tỷ tỉ")
# Words after which an ordinal or a number names the thing ("lần thứ XVIII", "khóa XVI").
ORDINAL_HEADS = _keyset("thứ khóa khoá lần kỳ đợt số phần chương điều mục")
# Administrative units: the word binds to the name after it ("xã Na Sầm") or, with no
# name after it, to the body before it ("Đảng bộ tỉnh", "Hội Nông dân huyện").
ADMIN_WORDS = frozenset(
    tuple(syllable_key(s) for s in w.split())
    for w in ("xã", "phường", "thị trấn", "tỉnh", "thành phố", "huyện", "quận", "thị xã", "đặc khu")
)
# Words that classify a name after them ("nước Cộng hòa", "cửa khẩu Pò-Mã", "miền Nam").
CLASSIFIERS = ADMIN_WORDS | frozenset(
    tuple(syllable_key(s) for s in w.split())
    for w in (
        "nước", "miền", "vùng", "thủ đô", "thôn", "bản", "xóm", "ấp", "làng", "khu phố", "tổ dân phố",
        "sông", "núi", "đảo", "quần đảo", "đèo", "biển", "hồ", "cửa khẩu", "cầu", "chợ", "phố", "đường",
        "tổ", "khu", "cụm",
    )
)
ORDINAL_MARKERS = _keyset("thứ số")  # "thứ XVIII", "số 3"
ORDINAL_WORDS = NUMBER_WORDS | _keyset("nhất tư năm tám")  # "thứ nhất", "thứ tư", "thứ Mười"
# Titles before a person's name: a line may break between the title and the name.
TITLES = frozenset(
    tuple(syllable_key(s) for s in w.split())
    for w in (
        "chủ tịch", "tổng bí thư", "bí thư", "thủ tướng", "đồng chí", "bác", "anh hùng", "liệt sĩ",
        "đại tướng", "giáo sư", "nhà giáo", "bà mẹ", "mẹ", "ông", "bà", "anh", "chị",
    )
)
_ROMAN = re.compile(r"^[IVXLCDM]+$")
_COUNT = re.compile(r"^\d+(?:[.,]\d{3})*$")


class Word(NamedTuple):
    """An unbreakable piece of a line: one or more syllables (display text)."""

    text: str
    syllables: int
    break_cost: float  # cost of a line break right after this word
    pinned: bool = False  # the campaign file asks for a break here ('|')


def is_phrase_joint(cost: float) -> bool:
    """A break at this cost splits a phrase (a name, a number and its noun, ...)."""
    return COST_JOINT <= cost < FORBIDDEN


class SortedLines:
    """Sorted lines of UTF-8 text inside one bytes object, looked up where they lie.

    A start-up reads the compiled word lists as bytes and looks up the few words
    it needs by bisecting the text itself: decoding and splitting every line
    would take milliseconds. A long run that asks many questions splits the lines
    once (``SPLIT_AFTER``) and bisects the list. UTF-8 sorts as the code points
    do, so the file's order (``sorted`` of the strings) is the bytes' order.
    """

    __slots__ = ("_buf", "_lo", "_hi", "_items", "_probes")
    SPLIT_AFTER = 2000  # lookups in the bytes before the lines are split into a list

    def __init__(self, buf: bytes, lo: int = 0, hi: int | None = None):
        self._buf = buf
        self._lo, self._hi = lo, len(buf) if hi is None else hi
        self._items: list[str] | None = None
        self._probes = 0

    @classmethod
    def of(cls, items: list[str]) -> SortedLines:
        """Lines from a sorted list of strings without a line break."""
        lines = cls(b"")
        lines._items = items
        return lines

    def items(self) -> list[str]:
        """Every line, in order (split once, then kept)."""
        if self._items is None:
            text = self._buf[self._lo : self._hi].decode("utf-8", "replace")  # a damaged byte: one line unknown
            self._items = text.split("\n") if text else []
        return self._items

    def __len__(self) -> int:
        if self._items is None:
            return self._buf.count(b"\n", self._lo, self._hi) + 1 if self._hi > self._lo else 0
        return len(self._items)

    def __iter__(self):
        return iter(self.items())

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, str) or "\n" in line:
            return False
        if self._items is None and self._probes < self.SPLIT_AFTER:
            self._probes += 1
            return self._find(line.encode("utf-8", "surrogatepass"))
        items = self.items()
        i = bisect_left(items, line)
        return i < len(items) and items[i] == line

    def _find(self, key: bytes) -> bool:
        buf, lo, hi = self._buf, self._lo, self._hi
        # [lo, hi) is always whole lines: lo starts one, and hi ends one (or is the end)
        while lo < hi:
            mid = (lo + hi) >> 1
            start = buf.rfind(b"\n", lo, mid) + 1 or lo
            end = buf.find(b"\n", mid, hi)
            if end < 0:
                end = hi
            line = buf[start:end]
            if line == key:
                return True
            if line < key:
                lo = end + 1
            else:
                hi = start
        return False


class _SortedKeys:
    """The packaged lexicon's words: sorted space-joined syllable keys, looked up by bisection.

    A syllable key never holds a space (syllables come from ``str.split``), so
    joining is one-to-one. Sorted lines load in milliseconds where a set of
    tuples takes a tenth of a second to build.
    """

    __slots__ = ("_lines",)

    def __init__(self, lines: SortedLines | list[str]):
        self._lines = lines if isinstance(lines, SortedLines) else SortedLines.of(lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or not all(isinstance(k, str) and " " not in k for k in key):
            return False
        return " ".join(key) in self._lines

    def __iter__(self):
        return (tuple(item.split(" ")) for item in self._lines)


class Lexicon:
    def __init__(self, entries: list[str]):
        self._words: set[tuple[str, ...]] | _SortedKeys = set()
        self.max_len = 1
        for e in entries:
            parts = e.split()
            if len(parts) < 2:
                continue
            key = tuple(syllable_key(strip_punct(p)) for p in parts)
            self._words.add(key)
            self.max_len = max(self.max_len, len(key))

    @classmethod
    def _compiled(cls, keys: SortedLines | list[str], max_len: int) -> Lexicon:
        """A lexicon from sorted, space-joined keys (see ``compile_wordlists``)."""
        lex = cls.__new__(cls)
        lex._words = _SortedKeys(keys)
        lex.max_len = max_len
        return lex

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, phrase: str) -> bool:
        return tuple(syllable_key(strip_punct(p)) for p in phrase.split()) in self._words

    def keys(self) -> frozenset[tuple[str, ...]]:
        """Every word as a tuple of syllable keys."""
        return frozenset(self._words)

    def has_key(self, key: tuple[str, ...]) -> bool:
        return key in self._words

    def joins(self, syllables: list[str], extra: frozenset = frozenset()) -> list[bool]:
        """For each gap between syllables, True where a lexicon word spans it.

        The segmentation uses the fewest words, and among those the one with
        the longest words (so "quyền sở hữu trí tuệ" keeps "sở hữu trí tuệ"
        whole rather than "quyền sở hữu" + "trí tuệ"). A syllable carrying
        punctuation at its end closes any word. ``extra`` holds more words as
        tuples of syllable keys (e.g. the campaign's place names).
        """
        keys = [syllable_key(strip_punct(s)) for s in syllables]
        n = len(keys)
        max_len = max(self.max_len, max((len(w) for w in extra), default=1))
        # best[i] = (words used, -sum of squared lengths) for syllables[i:]
        best: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        step = [1] * (n + 1)
        for i in range(n - 1, -1, -1):
            best[i] = (best[i + 1][0] + 1, best[i + 1][1] - 1)
            step[i] = 1
            for length in range(2, min(max_len, n - i) + 1):
                span = syllables[i : i + length]
                if any(_ends_phrase(x) for x in span[:-1]) or any(x[:1] in OPENERS for x in span[1:]):
                    break
                if not all(keys[i : i + length]):
                    break
                k = tuple(keys[i : i + length])
                if k in self._words or k in extra:
                    cand = (best[i + length][0] + 1, best[i + length][1] - length * length)
                    if cand < best[i]:
                        best[i] = cand
                        step[i] = length
        joined = [False] * max(0, n - 1)
        i = 0
        while i < n:
            for g in range(i, i + step[i] - 1):
                joined[g] = True
            i += step[i]
        return joined


class PhraseList:
    """Set phrases and names (``data/phrases-vi.txt``): kept on one line when possible.

    A phrase matches whole words of a text, with the same punctuation between
    its words ("Ngày Giải phóng miền Nam, thống nhất đất nước").
    """

    def __init__(self, entries: list[str]):
        self._phrases: set[tuple[tuple[str, ...], tuple[bool, ...]]] = set()
        self.max_len = 1
        for e in entries:
            parts = e.split()
            if len(parts) < 2:
                continue
            key = tuple(syllable_key(strip_punct(p)) for p in parts)
            seps = tuple(_ends_phrase(p) for p in parts[:-1])
            self._phrases.add((key, seps))
            self.max_len = max(self.max_len, len(key))

    def compiled(self) -> list[str]:
        """The list as sorted lines: a phrase's syllable keys, a tab, and for each gap between
        its words 1 where a word ends in punctuation (``_ends_phrase``), else 0."""
        return sorted(" ".join(key) + "\t" + "".join("1" if s else "0" for s in seps) for key, seps in self._phrases)

    @classmethod
    def _compiled(cls, lines) -> PhraseList:
        """A phrase list from the lines of ``compiled``."""
        phrases = cls.__new__(cls)
        phrases._phrases = set()
        phrases.max_len = 1
        for line in lines:
            keys, _tab, gaps = line.partition("\t")
            key = tuple(keys.split(" "))
            phrases._phrases.add((key, tuple(g == "1" for g in gaps)))
            phrases.max_len = max(phrases.max_len, len(key))
        return phrases

    def __len__(self) -> int:
        return len(self._phrases)

    def __contains__(self, phrase: str) -> bool:
        parts = phrase.split()
        key = tuple(syllable_key(strip_punct(p)) for p in parts)
        return (key, tuple(_ends_phrase(p) for p in parts[:-1])) in self._phrases

    def spans(self, syllables: list[str], keys: list[str], starts: set[int], ends: set[int]):
        """(first, last) syllable of each phrase found, aligned to word boundaries."""
        n = len(keys)
        for i in sorted(starts):
            for length in range(min(self.max_len, n - i), 1, -1):
                j = i + length - 1
                if j not in ends:
                    continue
                key = tuple(keys[i : j + 1])
                seps = tuple(_ends_phrase(s) for s in syllables[i:j])
                if (key, seps) in self._phrases:
                    yield i, j
                    break


def phrase_keys(phrases) -> frozenset:
    """Multi-syllable phrases as lookup keys, for ``split_words(names=...)``."""
    out = set()
    for p in phrases:
        parts = tuple(syllable_key(strip_punct(x)) for x in p.split())
        if len(parts) >= 2 and all(parts):
            out.add(parts)
    return frozenset(out)


def proper_names(texts) -> list[str]:
    """Runs of two or more capitalised syllables in mixed-case texts ("Bằng Mạc", "Việt Nam").

    A text's first syllable is skipped: it is capitalised as the start of the
    name ("Xã", "Phòng"), not as part of a proper name.
    """
    names = []
    for t in texts:
        run: list[str] = []
        for syl in [*t.split()[1:], ""]:
            core = strip_punct(syl)
            if core and _is_cap(core) and syl[:1] not in OPENERS:
                run.append(core)
                if not _ends_phrase(syl) and syl[-1:] not in CLOSERS:
                    continue
            if len(run) >= 2:
                names.append(" ".join(run))
            run = []
    return names


def _ends_phrase(s: str) -> bool:
    return bool(s) and (s[-1] in ",;:.!?…" or s in DASHES)


def _is_cap(s: str) -> bool:
    """Capitalised syllable, not an acronym such as UBND."""
    return s[:1].isupper() and not (len(s) > 1 and s.isupper())


def _numeric(core: str) -> bool:
    return core[:1].isdigit()


def _read_list(name: str, folder: Path | None = None) -> list[str]:
    out = []
    for line in ((folder or data_dir()) / name).read_text(encoding="utf-8").splitlines():
        line = unicodedata.normalize("NFC", line.strip())
        if line and not line.startswith("#"):
            out.append(line)
    return out


# The word lists, compiled (at build time, or on first use in a source checkout) into one
# file that loads in milliseconds: the lexicon's words as sorted keys, every syllable of
# the lists in lower case for the legacy-encoding check (legacy.syllables), and the set
# phrases (``PhraseList.compiled``). The first two are looked up in the file's bytes as they
# were read (``SortedLines``): nothing is decoded or split for the few words one artwork needs.
WORDLIST_SOURCES = ("pyvi-words.txt", "words-extra.txt")
PHRASES_SOURCE = "phrases-vi.txt"
COMPILED_SOURCES = (*WORDLIST_SOURCES, PHRASES_SOURCE)
COMPILED_WORDLISTS = "wordlists.compiled"
_COMPILED_MAGIC = "poster-gen-wordlists 3"
_SECTION = "\x1d"  # between the sorted lists; str.split() splits at it and at "\n", so no key holds either


def _sources_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for name in COMPILED_SOURCES:
        data = (folder / name).read_bytes()
        h.update(f"{name} {len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


def _list_syllables(folder: Path) -> frozenset[str]:
    """Every syllable of the word lists, lower case (the lists are NFC already)."""
    out: set[str] = set()
    for name in WORDLIST_SOURCES:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            out.update(line.lower().split())
    return frozenset(out)


def compile_wordlists(folder: Path) -> str:
    """The compiled form of the word lists in ``folder``, as text (see ``compiled_wordlists``).

    The first line says what it is, the lists it was made from (their digest), the longest
    word in syllables and the length in bytes of the rest: a file cut short is never used.
    """
    lex = Lexicon([line for name in WORDLIST_SOURCES for line in _read_list(name, folder)])
    keys = sorted(" ".join(k) for k in lex.keys())
    syls = sorted(_list_syllables(folder))
    phrases = PhraseList(_read_list(PHRASES_SOURCE, folder)).compiled()
    body = _SECTION.join("\n".join(part) for part in (keys, syls, phrases))
    return f"{_COMPILED_MAGIC} {_sources_digest(folder)} {lex.max_len} {len(body.encode('utf-8'))}\n" + body


def write_compiled_wordlists(folder: Path, text: str | None = None) -> Path:
    """Write ``folder/wordlists.compiled`` (atomically: parallel processes may race)."""
    path = folder / COMPILED_WORDLISTS
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        tmp.write_text(compile_wordlists(folder) if text is None else text, encoding="utf-8", newline="\n")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class CompiledWordlists(NamedTuple):
    """The compiled word lists: the lexicon's keys, its longest word in syllables, the syllables
    and the set phrases."""

    keys: SortedLines  # sorted, each word's syllable keys joined by a space
    max_len: int
    syllables: SortedLines  # sorted, lower case
    phrases: SortedLines  # see PhraseList.compiled


def _parse_compiled(data: bytes, digest: str) -> CompiledWordlists | None:
    """The lists in a compiled file's bytes, or None when it is another version, was made from
    other lists, or is not whole."""
    nl = data.find(b"\n", 0, 200)
    try:
        parts = data[:nl].decode("ascii").rsplit(" ", 3) if nl > 0 else []
    except UnicodeDecodeError:
        return None
    if len(parts) != 4 or parts[0] != _COMPILED_MAGIC or parts[1] != digest or not (
        parts[2].isdigit() and parts[3].isdigit() and int(parts[3]) == len(data) - nl - 1
    ):
        return None
    sep1 = data.find(_SECTION.encode("ascii"), nl + 1)
    sep2 = data.find(_SECTION.encode("ascii"), sep1 + 1) if sep1 >= 0 else -1
    if sep2 < 0:
        return None
    return CompiledWordlists(SortedLines(data, nl + 1, sep1), int(parts[2]), SortedLines(data, sep1 + 1, sep2),
                             SortedLines(data, sep2 + 1, len(data)))


@lru_cache(maxsize=1)
def compiled_wordlists() -> CompiledWordlists:
    """The packaged lists: lexicon keys, longest word in syllables, syllables and phrases.

    Read from the compiled file made at build time; where it is missing or
    was made from other lists (a source checkout, an edited list), compiled
    now and written back when the folder is writable. The packaged lists are
    the program's, not a user's: they are the same for every run.
    """
    folder = data_dir()
    digest = _sources_digest(folder)
    try:
        parsed = _parse_compiled((folder / COMPILED_WORDLISTS).read_bytes(), digest)
    except OSError:
        parsed = None
    if parsed is not None:
        return parsed
    text = compile_wordlists(folder)
    try:
        write_compiled_wordlists(folder, text)
    except OSError:
        pass  # a read-only install: use it from memory
    parsed = _parse_compiled(text.encode("utf-8"), digest)
    assert parsed is not None
    return parsed


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    compiled = compiled_wordlists()
    return Lexicon._compiled(compiled.keys, compiled.max_len)


@lru_cache(maxsize=1)
def default_phrases() -> PhraseList:
    return PhraseList._compiled(compiled_wordlists().phrases)


def split_words(
    source: str, lexicon: Lexicon | None = None, marked: str | None = None, names: frozenset = frozenset()
) -> list[Word]:
    """Split text into unbreakable words with the cost of breaking after each (memoised)."""
    return list(_split_words(source, lexicon, marked, names))


def _markers(marked: str | None) -> tuple[set[int], set[int]]:
    prefer: set[int] = set()
    forbid: set[int] = set()
    if marked:
        syl_index = 0
        for tok in marked.replace(BREAK_PREFER, f" {BREAK_PREFER} ").replace(BREAK_FORBID, f" {BREAK_FORBID} ").split():
            if tok == BREAK_PREFER:
                prefer.add(syl_index - 1)
            elif tok == BREAK_FORBID:
                forbid.add(syl_index - 1)
            else:
                syl_index += 1
    return prefer, forbid


@lru_cache(maxsize=4096)
def _split_words(
    source: str, lexicon: Lexicon | None = None, marked: str | None = None, names: frozenset = frozenset()
) -> tuple[Word, ...]:
    """Split text into unbreakable words with the cost of breaking after each.

    ``source`` is the text as written (mixed case helps spot proper names);
    ``marked`` optionally carries '|' (preferred break) and '~' (no break)
    markers from the campaign file, which override the rules; ``names`` (see
    ``phrase_keys``) adds words such as the campaign's place names, which
    matter in all-capital headings where capitalisation cannot reveal them.
    """
    lexicon = lexicon or default_lexicon()
    prefer, forbid = _markers(marked)
    syllables = source.split()
    if not syllables:
        return ()
    n = len(syllables)
    hard = lexicon.joins(syllables, names)
    for g in prefer:  # the campaign file's '|' wins over the word list ...
        if 0 <= g < n - 1:
            hard[g] = False
    # ... but a dash or closing punctuation never starts a line; opening never ends one
    for g in range(n - 1):
        nxt = syllables[g + 1]
        if nxt in DASHES or nxt[:1] in ",;:.!?…" + CLOSERS:
            hard[g] = True
        if syllables[g] in tuple(OPENERS):
            hard[g] = True
    # a date or number range: "19/8/1945 - 19/8/2025", "2025 - 2030"
    cores = [strip_punct(s) for s in syllables]
    for g in range(1, n - 1):
        if syllables[g] in DASHES and _numeric(cores[g - 1]) and _numeric(cores[g + 1]):
            hard[g - 1] = hard[g] = True
    for g in forbid:
        if 0 <= g < n - 1:
            hard[g] = True

    soft = _phrase_joints(syllables, cores, hard, lexicon, any(ch.islower() for ch in source))
    for g in prefer:  # and over the phrase rules
        if 0 <= g < n - 1:
            soft[g] = 0.0

    words: list[Word] = []
    start = 0
    for g in range(n):
        if g < n - 1 and hard[g]:
            continue
        text = " ".join(syllables[start : g + 1])
        last = syllables[g]
        if g == n - 1:
            cost = 0.0
        elif g in prefer:
            cost = COST_STRONG  # asked for
        elif soft[g]:
            cost = soft[g]
        elif _ends_phrase(last):
            cost = COST_STRONG
        elif syllable_key(cores[g]) in INTRODUCERS:
            cost = COST_AFTER_CONJ
        elif syllable_key(cores[g + 1]) in PHRASE_STARTERS or syllables[g + 1][:1] in OPENERS:
            cost = COST_PHRASE
        else:
            cost = COST_PLAIN
        words.append(Word(text=text, syllables=g + 1 - start, break_cost=cost, pinned=g in prefer and g < n - 1))
        start = g + 1
    return tuple(words)


class _Unit(NamedTuple):
    """A word of the text (syllables first..last, never broken; internal)."""

    first: int
    last: int
    keys: tuple[str, ...]  # of its syllables, a dash that ends it left out
    cap: bool  # written with a capital (in mixed-case text)
    alpha: bool  # starts with a letter

    @property
    def single(self) -> bool:
        return len(self.keys) == 1

    @property
    def size(self) -> int:
        return len(self.keys)

    @property
    def key(self) -> str:
        return self.keys[0] if self.single else ""


def _phrase_joints(syllables: list[str], cores: list[str], hard: list[bool], lexicon: Lexicon, mixed: bool) -> list[float]:
    """The phrase-joint cost (0 = none) of each gap between syllables."""
    n = len(syllables)
    soft = [0.0] * (n - 1)
    keys = [syllable_key(c) for c in cores]
    units: list[_Unit] = []
    start = 0
    for g in range(n):
        if g < n - 1 and hard[g]:
            continue
        core = cores[start]
        end = g
        while end > start and syllables[end] in DASHES:
            end -= 1
        units.append(
            _Unit(
                first=start,
                last=g,
                keys=tuple(keys[start : end + 1]),
                cap=mixed and core[:1].isupper(),
                alpha=core[:1].isalpha(),
            )
        )
        start = g + 1
    m = len(units)
    if m < 2:
        return soft

    def gap(u: int) -> int:  # the gap after unit u
        return units[u].last

    def sep(u: int) -> bool:  # a phrase boundary after unit u (punctuation, a dash, a bracket)
        g = units[u].last
        return _ends_phrase(syllables[g]) or syllables[g][-1:] in CLOSERS or syllables[g + 1][:1] in OPENERS

    def starts_phrase(u: int) -> bool:
        return u == 0 or sep(u - 1) or syllables[units[u].first][:1] in OPENERS

    def bind(u: int, cost: float) -> None:  # the gap after unit u
        if 0 <= u < m - 1:
            g = gap(u)
            soft[g] = max(soft[g], cost)

    def numeric(u: int) -> bool:  # a number, a date, or a range of them
        return _numeric(cores[units[u].first])

    def number_names(u: int) -> bool:
        """A number, date or ordinal that names (not counts) something: it binds backward."""
        core = cores[units[u].first]
        if numeric(u):
            counts = units[u].single and _COUNT.match(core) and u + 1 < m and not sep(u)
            return not (counts and units[u + 1].alpha and units[u + 1].key not in PHRASE_STARTERS)
        if units[u].single and _ROMAN.match(core):
            return mixed or (u > 0 and units[u - 1].keys[-1] in ORDINAL_HEADS)
        return False

    seps = [sep(u) for u in range(m - 1)]
    for u in range(m - 1):
        a, b = units[u], units[u + 1]
        if not seps[u]:
            # words that introduce what follows; words that close what precedes
            if a.key in INTRODUCERS:
                bind(u, JOINT_FUNCTION)
            if b.key in CLOSING_WORDS:
                bind(u, JOINT_FUNCTION)
            if a.key in NUMBER_WORDS and b.alpha:
                bind(u, JOINT_FUNCTION)
            # a one-syllable word opening a phrase stays with the next word ("Hội Liên hiệp")
            if a.single and a.alpha and starts_phrase(u):
                bind(u, JOINT_LOOSE)
            # and one closing a phrase with the word before it ("nước mạnh,", "kỷ nguyên mới -")
            if b.single and b.alpha and (u + 1 == m - 1 or seps[u + 1]):
                bind(u, JOINT_LOOSE)
        # numbers: "80 năm" (counts), "nhiệm kỳ 2025", "lần thứ XVIII", "Quốc khánh 2/9" (names)
        if numeric(u) and not seps[u] and not number_names(u):
            bind(u, JOINT_NUMBER)
        if number_names(u + 1) and not seps[u] and syllables[b.first][:1] not in OPENERS:
            bind(u, JOINT_NUMBER)
        if b.key in ORDINAL_MARKERS and u + 2 < m and not seps[u + 1]:
            if numeric(u + 2) or number_names(u + 2) or units[u + 2].key in ORDINAL_WORDS:
                bind(u + 1, JOINT_NUMBER)
                if not seps[u] and b.key == syllable_key("thứ"):
                    bind(u, JOINT_NAME)  # "lần thứ", "kỳ họp thứ"
        # a two-syllable word cut by a comma: a set pair ("phòng, chống")
        if syllables[a.last].endswith(",") and a.single and b.single and lexicon.has_key((a.key, b.key)):
            bind(u, JOINT_TERM)

    # two one-syllable words alone between longer words usually make one ("lời dạy", "dân giàu")
    def loose(u: int) -> bool:
        x = units[u]
        return x.single and x.alpha and x.key not in PHRASE_STARTERS and x.keys not in ADMIN_WORDS
    u = 0
    while u < m:
        v = u
        while loose(v) and v + 1 < m and loose(v + 1) and not seps[v]:
            v += 1
        if v == u + 1 and loose(u):
            bind(u, JOINT_LOOSE)
        u = v + 1

    _names(units, syllables, seps, mixed, bind, starts_phrase, m)
    _list_items(units, syllables, seps, bind, m)
    ends = {x.first + x.size - 1 for x in units}
    for i, j in default_phrases().spans(syllables, keys, {x.first for x in units}, ends):
        for g in range(i, j):
            if not hard[g] and not _ends_phrase(syllables[g]):  # its own punctuation is a pause
                soft[g] = max(soft[g], JOINT_TERM)
    return soft


def _names(units, syllables, seps, mixed, bind, starts_phrase, m) -> None:
    """Proper names: runs of capitalised words; administrative words and their names."""
    if mixed:
        u = 0
        while u < m:
            if not units[u].cap:
                u += 1
                continue
            v = u
            while v + 1 < m and units[v + 1].cap:
                if seps[v]:
                    # "Phòng Tài chính - Kế hoạch": a dash inside a name of capitalised parts
                    if not (syllables[units[v].last] in DASHES and v > u):
                        break
                    bind(v, JOINT_LOOSE)
                elif units[v].keys in TITLES:
                    bind(v, JOINT_LOOSE)  # "Chủ tịch / Hồ Chí Minh": a title, then the name
                elif not (v == u and starts_phrase(u) and not any(
                    strip_punct(x)[:1].isupper() for x in syllables[units[u].first + 1 : units[u].last + 1]
                )):
                    # a capitalised word opening the text may be capitalised only as its start:
                    # "Trung tâm / Phục vụ ...", "Ủy ban / Mặt trận ..." read well
                    bind(v, JOINT_NAME)
                v += 1
            u = v + 1
    for u in range(m - 1):
        unit = units[u]
        if unit.keys not in CLASSIFIERS or seps[u]:
            continue
        nxt = units[u + 1]
        if mixed:
            if nxt.cap:
                bind(u, JOINT_NAME)  # "xã Na Sầm", "nước Cộng hòa", "cửa khẩu Pò-Mã"
            elif unit.keys in ADMIN_WORDS and u > 0 and not seps[u - 1]:
                bind(u - 1, JOINT_NAME)  # "Đảng bộ tỉnh", "Hội Nông dân huyện"
            continue
        if unit.keys not in ADMIN_WORDS:
            continue
        # capitals only: the name is the next two or three syllables up to a boundary
        name, v = 0, u + 1
        while v < m and units[v].alpha and units[v].key not in PHRASE_STARTERS:
            name += units[v].size
            if v == m - 1 or seps[v]:
                break
            v += 1
        if name == 0:
            if u > 0 and not seps[u - 1]:
                bind(u - 1, JOINT_NAME)
            continue
        bind(u, JOINT_NAME)
        limit = 3 if name == 3 else 2
        covered, v = units[u + 1].size, u + 1
        while covered < limit and v + 1 < m and not seps[v]:
            bind(v, JOINT_NAME)
            v += 1
            covered += units[v].size
    # an administrative word at the end of the text closes the name before it ("Hội Nông dân huyện")
    if units[m - 1].keys in ADMIN_WORDS and not seps[m - 2]:
        bind(m - 2, JOINT_NAME)


def _list_items(units, syllables, seps, bind, m) -> None:
    """A short item of a list ("dân giàu, nước mạnh, dân chủ"): two words at most, kept whole;
    one-syllable items stay with their neighbours ("xanh - sạch - đẹp", "phòng, chống")."""
    bounds = [-1, *(u for u in range(m - 1) if seps[u]), m - 1]
    for a, b in zip(bounds, bounds[1:]):
        first, last = a + 1, b  # units first..last form one chunk
        if first == last and units[first].single and units[first].alpha:
            for u in (a, b):
                if 0 <= u < m - 1 and syllables[units[u].last][-1:] in ",-–—":
                    bind(u, JOINT_LOOSE)
            continue
        if last - first > 1 or last == first:
            continue
        if sum(units[u].size for u in range(first, last + 1)) > 3:
            continue
        around = []
        if a >= 0:
            around.append(syllables[units[a].last])
        if b < m - 1:
            around.append(syllables[units[b].last])
        if any(s.endswith((",", ";")) for s in around):
            bind(first, JOINT_LOOSE)
