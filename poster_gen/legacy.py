"""Legacy Vietnamese 8-bit encodings pasted as Unicode ("mojibake").

Government documents still circulate in TCVN3/ABC (.VnTime fonts), VNI and
VISCII. Pasted into a UTF-8 file they read as "§æi míi s¸ng t¹o". This module
recognises such text by re-reading it in each legacy encoding and counting
how many syllables become real Vietnamese syllables.

The byte tables are the published standards (TCVN 5712:1993 VN3 as used by
the ABC/.VnTime fonts; VISCII, RFC 1456), bytes 0x80-0xFF; VNI is a base
letter followed by a mark byte.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import NamedTuple

from poster_gen.i18n import N_, _

# bytes 0x80..0xFF
TCVN3 = (
    "\u00c0\u1ea2\u00c3\u00c1\u1ea0\u1eb6\u1eac\u00c8\u1eba\u1ebc\u00c9\u1eb8\u1ec6\u00cc\u1ec8\u0128"
    "\u00cd\u1eca\u00d2\u1ece\u00d5\u00d3\u1ecc\u1ed8\u1edc\u1ede\u1ee0\u1eda\u1ee2\u00d9\u1ee6\u0168"
    "\u00a0\u0102\u00c2\u00ca\u00d4\u01a0\u01af\u0110\u0103\u00e2\u00ea\u00f4\u01a1\u01b0\u0111\u1eb0"
    "\u0300\u0309\u0303\u0301\u0323\u00e0\u1ea3\u00e3\u00e1\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4"
    "\u1eae\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7\u1ea9\u1eab\u1ea5\u1ead\u00e8\u1ec2\u1ebb\u1ebd"
    "\u00e9\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7\u00ec\u1ec9\u1ec4\u1ebe\u1ed2\u0129\u00ed\u1ecb\u00f2"
    "\u1ed4\u1ecf\u00f5\u00f3\u1ecd\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3\u00f9"
    "\u1ed6\u1ee7\u0169\u00fa\u1ee5\u1eeb\u1eed\u1eef\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9\u00fd\u1ef5\u1ed0"
)
VISCII = (
    "\u1ea0\u1eae\u1eb0\u1eb6\u1ea4\u1ea6\u1ea8\u1eac\u1ebc\u1eb8\u1ebe\u1ec0\u1ec2\u1ec4\u1ec6\u1ed0"
    "\u1ed2\u1ed4\u1ed6\u1ed8\u1ee2\u1eda\u1edc\u1ede\u1eca\u1ece\u1ecc\u1ec8\u1ee6\u0168\u1ee4\u1ef2"
    "\u00d5\u1eaf\u1eb1\u1eb7\u1ea5\u1ea7\u1ea9\u1ead\u1ebd\u1eb9\u1ebf\u1ec1\u1ec3\u1ec5\u1ec7\u1ed1"
    "\u1ed3\u1ed5\u1ed7\u1ee0\u01a0\u1ed9\u1edd\u1edf\u1ecb\u1ef0\u1ee8\u1eea\u1eec\u01a1\u1edb\u01af"
    "\u00c0\u00c1\u00c2\u00c3\u1ea2\u0102\u1eb3\u1eb5\u00c8\u00c9\u00ca\u1eba\u00cc\u00cd\u0128\u1ef3"
    "\u0110\u1ee9\u00d2\u00d3\u00d4\u1ea1\u1ef7\u1eeb\u1eed\u00d9\u00da\u1ef9\u1ef5\u00dd\u1ee1\u01b0"
    "\u00e0\u00e1\u00e2\u00e3\u1ea3\u0103\u1eef\u1eab\u00e8\u00e9\u00ea\u1ebb\u00ec\u00ed\u0129\u1ec9"
    "\u0111\u1ef1\u00f2\u00f3\u00f4\u00f5\u1ecf\u1ecd\u1ee5\u00f9\u00fa\u0169\u1ee7\u00fd\u1ee3\u1eee"
)

# VNI-Windows: mark bytes (as cp1252 characters) following a base letter.
_VNI_MARKS = {
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "â": "\u0302", "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309", "ã": "\u0302\u0303", "ä": "\u0302\u0323",
    "ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309", "ü": "\u0306\u0303", "ë": "\u0306\u0323",
}
_VNI_MARKS.update({k.upper(): v for k, v in list(_VNI_MARKS.items())})
_VNI_LETTERS = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì", "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị",
}
_VOWELS = set("aeiouyAEIOUYơưƠƯ")


class LegacyMatch(NamedTuple):
    """Text found to be typed in a legacy encoding, and what it reads as."""

    encoding: str  # human name, in the user's language
    converted: str
    score: float


def _to_byte(ch: str) -> int | None:
    for codec in ("cp1252", "latin-1"):
        try:
            return ch.encode(codec)[0]
        except UnicodeEncodeError:
            continue
    return None


def _decode_table(text: str, table: str) -> str:
    out = []
    for ch in text:
        b = _to_byte(ch)
        if b is not None and b >= 0x80 and table[b - 0x80] != "\ufffd":
            out.append(table[b - 0x80])
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def decode_vni(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch in _VNI_MARKS and out and out[-1] and out[-1][-1] in _VOWELS | set("aeoAEO"):
            out[-1] = out[-1] + _VNI_MARKS[ch]
        elif ch in _VNI_LETTERS:
            out.append(_VNI_LETTERS[ch])
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def decode_tcvn3(text: str) -> str:
    return _decode_table(text, TCVN3)


def decode_viscii(text: str) -> str:
    return _decode_table(text, VISCII)


# (human name, marked for translation: detect_legacy gives it in the user's language; decoder)
DECODERS = (
    (N_("TCVN3 (ABC, .VnTime fonts)"), decode_tcvn3),
    (N_("VNI (VNI-Times fonts)"), decode_vni),
    ("VISCII", decode_viscii),
)


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every syllable of the word lists, lower case (from the compiled word lists)."""
    return frozenset(_known())


def _known():
    """The syllables of the word lists, as looked up in the compiled file (no set is built)."""
    from poster_gen.words import compiled_wordlists

    return compiled_wordlists().syllables


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# A Vietnamese syllable without its tone: an onset (or none), a vowel nucleus, a coda (or none).
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", *"bcdđghklmnprstvx")
_NUCLEI = frozenset((
    "iêu yêu oai oay oao oeo uôi ươi ươu uya uyê uây uyu "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ ươ ưa ưi ưu uy yê "
    "a ă â e ê i o ô ơ u ư y"
).split())
_CODAS = ("ng", "nh", "ch", *"cmnpt")
# onsets by their first letter, and the empty one: the few a word can start with
_ONSETS_BY_LETTER = {ch: (*(o for o in _ONSETS if o[0] == ch), "") for ch in {o[0] for o in _ONSETS}}


def _shaped_like_a_syllable(bare: str) -> bool:
    """``bare`` (lower case, NFC, no tone mark) is onset + nucleus + coda, each from the lists above.

    The same answer as matching ``^(onset)?(nucleus)(coda)?$`` (a final line break is let
    through, as ``$`` lets it), without compiling that expression at start-up."""
    if bare.endswith("\n"):
        bare = bare[:-1]
    for onset in _ONSETS_BY_LETTER.get(bare[:1], ("",)):
        if not bare.startswith(onset):
            continue
        rest = bare[len(onset):]
        if rest in _NUCLEI:
            return True
        for coda in _CODAS:
            if rest.endswith(coda) and rest[: -len(coda)] in _NUCLEI:
                return True
    return False


@lru_cache(maxsize=4096)  # a campaign repeats its words ("xã", "phòng", "UBND") in many texts
def well_formed_syllable(word: str) -> bool:
    """A word shaped like a Vietnamese syllable: onset, vowel nucleus, coda, at most one tone mark.

    Names of places and people use syllables no word list has ("Phìn", "Đéc",
    "Sín"); they are still well-formed, which mojibake ("s¸ng", "Baèng",
    "Maïc") is not.
    """
    nfd = unicodedata.normalize("NFD", word.lower())
    if sum(1 for c in nfd if c in _TONES) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
    return _shaped_like_a_syllable(bare)


def _letters(text: str) -> list[str]:
    """The words of ``text``, letters only, lower case; words without letters left out."""
    words = ["".join(c for c in w if c.isalpha()).lower() for w in text.split()]
    return [w for w in words if w]


def _score(text: str) -> float:
    words = _letters(text)
    if not words:
        return 1.0
    known = _known()
    return sum(1 for w in words if w in known or well_formed_syllable(w)) / len(words)


def _suspicious(text: str) -> bool:
    """Cheap gate: only text with Latin-1/cp1252 symbols can be mojibake."""
    return any(0x80 <= ord(c) <= 0xFF or c in "ŒœŠšŸŽžƒ‚„…†‡ˆ‰‹›" for c in text)


def detect_legacy(text: str) -> LegacyMatch | None:
    """The legacy encoding ``text`` was typed in, if it looks like mojibake."""
    if not _suspicious(text):
        return None
    # Text whose words are nearly all shaped like Vietnamese syllables cannot be mojibake:
    # its score is above 0.75, and a conversion would have to score 0.25 more, over 1.0.
    # Decided without the word list (the same answer as scoring it in full).
    words = _letters(text)
    if not words or sum(1 for w in words if well_formed_syllable(w)) / len(words) + 0.25 > 1.0:
        return None
    # A conversion must score 0.25 more than the text and no score is over 1.0: text that
    # scores above 0.75 as it stands is not decoded at all (the same answer, sooner).
    base = _score(text)
    if base + 0.25 > 1.0:
        return None
    candidates = [(name, converted) for name, decode in DECODERS if (converted := decode(text)) != text]
    if not candidates:
        return None
    best: LegacyMatch | None = None
    for name, converted in candidates:
        score = _score(converted)
        if score >= 0.75 and score >= base + 0.25 and (best is None or score > best.score):
            best = LegacyMatch(name, converted, score)
    return best if best is None else LegacyMatch(_(best.encoding), best.converted, best.score)
