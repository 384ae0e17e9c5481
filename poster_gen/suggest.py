"""Friendly 'did you mean' messages for unknown ids.

A plan of thousands of rows can name thousands of unknown ids against a
campaign of thousands of units, so the look-up is bounded: a short list is
compared in full (difflib's ratio: the answer of difflib.get_close_matches);
a long list is indexed once by letter pairs, and only the few ids sharing
the most rare pairs with the unknown value are compared in full. Answers
are remembered per value.
"""

from __future__ import annotations

import difflib
import heapq
from collections import Counter
from itertools import chain
from operator import itemgetter

from poster_gen.i18n import N_, _
from poster_gen.text import shown

SHOWN = 25  # valid ids listed in a message
CUTOFF = 0.5  # difflib similarity a suggestion needs
SUGGESTIONS = 3
EXACT_UP_TO = 100  # a list this short is compared in full: a district's units, the slogans, sizes
SHORTLIST = 8  # else: at most this many ids are compared in full per value...
POSTINGS_BUDGET = 2_000  # ...chosen by counting at most about this many index entries
MEMO_SIZE = 10_000  # values whose suggestions are remembered

# The message about an unknown id, as whole sentences per kind of id (with and
# without suggestions), so that each language orders its own words. Another
# kind of id gets the general sentence, with the caller's (translated) noun.
_UNKNOWN = {
    "unit": (
        N_("unknown unit '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown unit '{value}': valid: {valid}"),
    ),
    "slogan": (
        N_("unknown slogan '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown slogan '{value}': valid: {valid}"),
    ),
    "size": (
        N_("unknown size '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown size '{value}': valid: {valid}"),
    ),
    "design": (
        N_("unknown design '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown design '{value}': valid: {valid}"),
    ),
    "design to extend": (
        N_("unknown design to extend '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown design to extend '{value}': valid: {valid}"),
    ),
    "kind": (
        N_("unknown kind '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown kind '{value}': valid: {valid}"),
    ),
    "format": (
        N_("unknown format '{value}': did you mean {close}? valid: {valid}"),
        N_("unknown format '{value}': valid: {valid}"),
    ),
}
_UNKNOWN_OTHER = (
    N_("unknown {what} '{value}': did you mean {close}? valid: {valid}"),
    N_("unknown {what} '{value}': valid: {valid}"),
)


def _pairs(text: str) -> set[str]:
    text = f"\x00{text}\x00"  # the ends count: a first or last letter is a strong clue
    return {text[i : i + 2] for i in range(len(text) - 1)}


class Choices:
    """The valid ids of one kind, ready for many 'unknown ...' messages.

    ``what`` names the kind of id: one of ``_UNKNOWN``'s keys gets its own
    sentence in each language; any other is put in a general sentence as
    given (translate it first). ``extra`` is a remark shown in brackets after
    the valid ids, already translated (``_("see 'poster-gen units'")``).
    """

    def __init__(self, what: str, valid: list[str], extra: str = ""):
        self.what = what
        self.valid = list(valid)
        listed = ", ".join(self.valid[:SHOWN]) + (" ..." if len(self.valid) > SHOWN else "")
        self._valid = listed + (f" ({extra})" if extra else "")
        self._longest = max((len(v) for v in self.valid), default=0)
        self._index: dict[str, list[int]] | None = None
        self._memo: dict[str, list[str]] = {}

    def message(self, value: str) -> str:
        """The one-line message, in the user's language."""
        close = self.close_matches(value)
        with_close, without = _UNKNOWN.get(self.what, _UNKNOWN_OTHER)
        return _(with_close if close else without).format(
            what=self.what, value=shown(value), close=", ".join(close), valid=self._valid
        )

    def close_matches(self, value: str) -> list[str]:
        """Up to three valid ids like ``value``, best first (difflib's ratio, cut-off 0.5)."""
        close = self._memo.get(value)
        if close is None:
            close = self._close_matches(value)
            if len(self._memo) < MEMO_SIZE:
                self._memo[value] = close
        return close

    def _close_matches(self, value: str) -> list[str]:
        # difflib's ratio is at most 2*min/(len_a+len_b): past 3x the length nothing reaches 0.5
        if not value or len(value) > 3 * self._longest:
            return []
        return _best(value, self.valid if len(self.valid) <= EXACT_UP_TO else self._shortlist(value))

    def _shortlist(self, value: str) -> list[str]:
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, v in enumerate(self.valid):
                for pair in _pairs(v):
                    index.setdefault(pair, []).append(i)
            self._index = index
        postings = sorted((self._index[p] for p in _pairs(value) if p in self._index), key=len)
        chosen, counted = [], 0
        for posting in postings:  # rarest pairs first: they tell ids apart
            if chosen and counted + len(posting) > POSTINGS_BUDGET:
                break
            chosen.append(posting)
            counted += len(posting)
        counts = Counter(chain.from_iterable(chosen))
        # sorted() rather than most_common(): C speed, and the same order (stable, by first seen)
        best = sorted(counts.items(), key=itemgetter(1), reverse=True)[:SHORTLIST]
        return [self.valid[i] for i, _count in best]


def _best(value: str, candidates: list[str]) -> list[str]:
    """difflib.get_close_matches(value, candidates, 3, 0.5), with fewer full ratios.

    ratio() <= quick_ratio() <= real_quick_ratio(): a candidate whose bound is
    under the third best ratio found so far cannot enter the answer.
    """
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(value)
    scored: list[tuple[float, str]] = []  # a heap of the best SUGGESTIONS (ratio, id)
    for x in candidates:
        floor = scored[0][0] if len(scored) == SUGGESTIONS else CUTOFF
        matcher.set_seq1(x)
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        ratio = matcher.ratio()
        if ratio >= floor:
            if len(scored) < SUGGESTIONS:
                heapq.heappush(scored, (ratio, x))
            else:
                heapq.heappushpop(scored, (ratio, x))
    return [x for _ratio, x in sorted(scored, reverse=True)]


def unknown_choice(what: str, value: str, valid: list[str], extra: str = "") -> str:
    return Choices(what, valid, extra).message(value)
