"""Vietnamese words: where a line may break, and how much each break costs.

Vietnamese writes a word as several syllables separated by spaces ("sáng tạo",
"sở hữu trí tuệ"). A line may break only between words. Words come from a
multi-syllable lexicon looked up placement-insensitively ("hoà" = "hòa");
the text itself is never changed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from poster_gen.campaign import BREAK_FORBID, BREAK_PREFER
from poster_gen.resources import data_dir

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
PUNCT = ".,;:!?…\"'“”‘’()[]«»"
DASHES = {"-", "–", "—"}
# Break before these words costs little: they start a new phrase.
CONJ_BEFORE = {"và", "vì", "để", "hay", "hoặc", "nhưng", "mà", "cho", "với", "của", "trong", "tại"}

# Costs of a break at a given gap (0 = natural, higher = worse)
COST_STRONG = 0.0  # after a comma, a dash, or a '|' marker
COST_PHRASE = 0.35  # before a conjunction or preposition
COST_PLAIN = 1.0
COST_AFTER_CONJ = 2.0  # leaves "VÀ" hanging at a line end
FORBIDDEN = float("inf")


@lru_cache(maxsize=65536)
def syllable_key(syllable: str) -> str:
    """Lower-case syllable with its tone moved to the end: 'hoà' and 'hòa' give the same key."""
    d = unicodedata.normalize("NFD", syllable.lower())
    tones = "".join(sorted(c for c in d if c in TONE_MARKS))
    base = "".join(c for c in d if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tones


def strip_punct(s: str) -> str:
    return s.strip(PUNCT)


@dataclass(frozen=True)
class Word:
    """An unbreakable piece of a line: one or more syllables (display text)."""

    text: str
    syllables: int
    break_cost: float  # cost of a line break right after this word
    pinned: bool = False  # the campaign file asks for a break here ('|')


class Lexicon:
    def __init__(self, entries: list[str]):
        self._words: set[tuple[str, ...]] = set()
        self.max_len = 1
        for e in entries:
            parts = e.split()
            if len(parts) < 2:
                continue
            key = tuple(syllable_key(strip_punct(p)) for p in parts)
            self._words.add(key)
            self.max_len = max(self.max_len, len(key))

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, phrase: str) -> bool:
        return tuple(syllable_key(strip_punct(p)) for p in phrase.split()) in self._words

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
                if any(_ends_phrase(x) for x in span[:-1]) or not all(keys[i : i + length]):
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
            if core and _is_cap(core):
                run.append(core)
                if not _ends_phrase(syl):
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


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    entries: list[str] = []
    for name in ("pyvi-words.txt", "words-extra.txt"):
        path = data_dir() / name
        for line in path.read_text(encoding="utf-8").splitlines():
            line = unicodedata.normalize("NFC", line.strip())
            if line and not line.startswith("#"):
                entries.append(line)
    return Lexicon(entries)


def split_words(
    source: str, lexicon: Lexicon | None = None, marked: str | None = None, names: frozenset = frozenset()
) -> list[Word]:
    """Split text into unbreakable words with the cost of breaking after each (memoised)."""
    return list(_split_words(source, lexicon, marked, names))


@lru_cache(maxsize=4096)
def _split_words(
    source: str, lexicon: Lexicon | None = None, marked: str | None = None, names: frozenset = frozenset()
) -> tuple[Word, ...]:
    """Split text into unbreakable words with the cost of breaking after each.

    ``source`` is the text as written (mixed case helps spot proper names);
    ``marked`` optionally carries '|' (preferred break) and '~' (no break)
    markers from the campaign file; ``names`` (see ``phrase_keys``) adds
    words such as the campaign's place names, which matter in all-capital
    headings where capitalisation cannot reveal them.
    """
    lexicon = lexicon or default_lexicon()
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
    syllables = source.split()
    if not syllables:
        return ()
    n = len(syllables)
    join = lexicon.joins(syllables, names)
    # proper names: a run of capitalised syllables in mixed-case text ("Bằng Mạc")
    if any(ch.islower() for ch in source):
        for g in range(n - 1):
            a, b = strip_punct(syllables[g]), strip_punct(syllables[g + 1])
            if g > 0 and _is_cap(a) and _is_cap(b) and not _ends_phrase(syllables[g]) and syllables[g - 1] not in DASHES:
                join[g] = True
    # a dash or closing punctuation never starts a line; opening never ends one
    for g in range(n - 1):
        if syllables[g + 1] in DASHES or syllables[g + 1][:1] in ",;:.!?…)]”’»":
            join[g] = True
        if syllables[g] in ("(", "[", "“", "‘", "«"):
            join[g] = True
    # numbers stay with their words: "ngày 21/4", "49 năm"
    for g in range(n - 1):
        nxt, cur = syllables[g + 1], strip_punct(syllables[g])
        if nxt[:1].isdigit() and not _ends_phrase(syllables[g]):
            join[g] = True
        if cur.isdigit() and syllables[g][-1:].isalnum() and strip_punct(nxt)[:1].isalpha():
            join[g] = True
    for g in forbid:
        if 0 <= g < n - 1:
            join[g] = True

    words: list[Word] = []
    start = 0
    for g in range(n):
        if g < n - 1 and join[g]:
            continue
        text = " ".join(syllables[start : g + 1])
        last = syllables[g]
        if g == n - 1:
            cost = 0.0
        elif g in prefer or _ends_phrase(last):
            cost = COST_STRONG
        elif strip_punct(last).lower() in CONJ_BEFORE:
            cost = COST_AFTER_CONJ
        elif strip_punct(syllables[g + 1]).lower() in CONJ_BEFORE:
            cost = COST_PHRASE
        else:
            cost = COST_PLAIN
        words.append(Word(text=text, syllables=g + 1 - start, break_cost=cost, pinned=g in prefer and g < n - 1))
        start = g + 1
    return tuple(words)
