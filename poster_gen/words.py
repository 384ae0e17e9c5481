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

    def joins(self, syllables: list[str]) -> list[bool]:
        """For each gap between syllables, True where a lexicon word spans it.

        Greedy longest match from the left; a syllable carrying punctuation
        at its end closes any word.
        """
        keys = [syllable_key(strip_punct(s)) for s in syllables]
        n = len(keys)
        joined = [False] * max(0, n - 1)
        i = 0
        while i < n:
            best = 1
            for length in range(min(self.max_len, n - i), 1, -1):
                span = syllables[i : i + length]
                if any(_ends_phrase(s) for s in span[:-1]) or any(not k for k in keys[i : i + length]):
                    continue
                if tuple(keys[i : i + length]) in self._words:
                    best = length
                    break
            for g in range(i, i + best - 1):
                joined[g] = True
            i += best
        return joined


def _ends_phrase(s: str) -> bool:
    return bool(s) and (s[-1] in ",;:.!?…" or s in DASHES)


def _is_cap(s: str) -> bool:
    """Capitalised syllable, not an acronym such as UBND."""
    return s[:1].isupper() and not (len(s) > 1 and s.isupper())


def _starts_with_punct(s: str) -> bool:
    return bool(s) and s[0] in PUNCT


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


def split_words(source: str, lexicon: Lexicon | None = None, marked: str | None = None) -> list[Word]:
    """Split text into unbreakable words with the cost of breaking after each.

    ``source`` is the text as written (mixed case helps spot proper names);
    ``marked`` optionally carries '|' (preferred break) and '~' (no break)
    markers from the campaign file.
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
        return []
    n = len(syllables)
    join = lexicon.joins(syllables)
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
        words.append(Word(text=text, syllables=g + 1 - start, break_cost=cost))
        start = g + 1
    return words
