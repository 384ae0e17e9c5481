"""PDF syntax shared by content streams and the file around them: names, strings, numbers, delimiters."""

from __future__ import annotations

import re

from poster_gen.i18n import _


class Name(str):
    """A name operand, as "/Name" with its #xx escapes decoded (looks up resources like pypdf's NameObject)."""


class Keyword(bytes):
    """An operator, or a keyword where an operand was expected."""


class ContentError(Exception):
    """A content stream that does not tokenize: its message is the problem (without the stream's name)."""


WHITE = b"\x00\t\n\x0c\r "
SKIP = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
REGULAR = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
HEX_STRING = re.compile(rb"<([0-9A-Fa-f\x00\t\n\x0c\r ]*)>")
_STRING_SPECIAL = re.compile(rb"[()\\]")
SIMPLE_STRING = re.compile(rb"\(((?:[^()\\]|\\[\s\S])*)\)")
STRING_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|[\s\S])")
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STRING_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
                   ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


def unescape(m: re.Match) -> bytes:
    e = m.group(1)
    if e[0] in _STRING_ESCAPES:
        return _STRING_ESCAPES[e[0]]
    if 0x30 <= e[0] <= 0x37:
        return bytes([int(e, 8) & 0xFF])
    return b"" if e in (b"\r\n", b"\r", b"\n") else e  # a line continued; an unknown escape: the backslash is ignored


def literal_string(data: bytes, i: int) -> tuple[bytes, int]:
    """The string that opens with '(' at ``i``: its bytes (escapes decoded) and the offset after its ')'."""
    m = SIMPLE_STRING.match(data, i)
    if m is not None:  # no parentheses inside: most strings
        body = m.group(1)
        return (STRING_ESCAPE.sub(unescape, body) if b"\\" in body else body), m.end()
    out = bytearray()
    depth, j = 1, i + 1
    while True:
        m = _STRING_SPECIAL.search(data, j)
        if m is None:
            raise ContentError(_("a string that starts at byte {offset} is never closed").format(offset=i))
        k = m.start()
        out += data[j:k]
        ch = data[k]
        if ch == 0x5C:  # backslash
            esc = data[k + 1 : k + 2]
            if not esc:
                raise ContentError(_("a string that starts at byte {offset} is never closed").format(offset=i))
            e = esc[0]
            if e in _STRING_ESCAPES:
                out += _STRING_ESCAPES[e]
                j = k + 2
            elif 0x30 <= e <= 0x37:  # up to three octal digits
                digits = re.match(rb"[0-7]{1,3}", data[k + 1 : k + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                j = k + 1 + len(digits)
            elif e == 0x0D:  # a line continued: \ CR, \ CR LF
                j = k + 3 if data[k + 2 : k + 3] == b"\n" else k + 2
            elif e == 0x0A:
                j = k + 2
            else:  # an unknown escape: the backslash is ignored
                j = k + 1
        elif ch == 0x28:
            depth += 1
            out += b"("
            j = k + 1
        else:
            depth -= 1
            if depth == 0:
                return bytes(out), k + 1
            out += b")"
            j = k + 1
