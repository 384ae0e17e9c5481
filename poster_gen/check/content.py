"""Content streams: a tokenizer, and the PDF 1.7 operator table (Annex A) each operation is checked against.

Every operator must be one PDF 1.7 defines, with the operands it takes;
q/Q, BT/ET, BX/EX and BMC|BDC/EMC pair up, and text is shown and positioned
only inside BT ... ET.
"""

from __future__ import annotations

import binascii
import re

from poster_gen.check import limits
from poster_gen.check.fmt import short
from poster_gen.check.tokens import (
    HEX_STRING,
    NAME_ESCAPE,
    NUMBER,
    REGULAR,
    SKIP,
    WHITE,
    ContentError,
    Keyword,
    Name,
    literal_string,
)
from poster_gen.i18n import N_, _, ngettext

_INLINE_IMAGE_END = re.compile(rb"[\x00\t\n\x0c\r ]EI(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|\Z)")
_BINARY = re.compile(rb"[^\t\n\r\x20-\x7e]")
_INLINE_COMPONENTS = {"/DeviceGray": 1, "/G": 1, "/DeviceRGB": 3, "/RGB": 3, "/DeviceCMYK": 4, "/CMYK": 4,
                      "/Indexed": 1, "/I": 1}


def _content_object(data: bytes, i: int, depth: int = 0):
    """(value, offset after it) of the object or keyword at ``i`` (whitespace and comments already skipped).

    Numbers are int or float, names Name, strings bytes, arrays list, dictionaries dict, keywords Keyword.
    """
    c = data[i]
    if c == 0x28:  # (
        return literal_string(data, i)
    if c == 0x2F:  # /
        m = REGULAR.match(data, i + 1)
        raw = NAME_ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), m.group())
        return Name("/" + raw.decode("utf-8", "surrogateescape")), m.end()
    if c == 0x5B or data.startswith(b"<<", i):  # [ or <<
        if depth >= limits.MAX_CONTENT_NESTING:
            raise ContentError(_("arrays and dictionaries nested more than {n} deep at byte {offset}").format(
                n=limits.MAX_CONTENT_NESTING, offset=i))
        is_array = c == 0x5B
        close = b"]" if is_array else b">>"
        items: list = []
        j = i + (1 if is_array else 2)
        while True:
            j = SKIP.match(data, j).end()
            if j >= len(data):
                break
            if data.startswith(close, j):
                j += len(close)
                if is_array:
                    return items, j
                if len(items) % 2 or not all(isinstance(k, Name) for k in items[::2]):
                    raise ContentError(_("a dictionary at byte {offset} is not pairs of a name and a value").format(
                        offset=i))
                return dict(zip(items[::2], items[1::2])), j
            value, j = _content_object(data, j, depth + 1)
            if isinstance(value, Keyword):
                break
            items.append(value)
        why = (_("an array that starts at byte {offset} is never closed") if is_array else
               _("a dictionary that starts at byte {offset} is never closed"))
        raise ContentError(why.format(offset=i))
    if c == 0x3C:  # <
        m = HEX_STRING.match(data, i)
        if m is None:
            raise ContentError(_("a hex string at byte {offset} is not closed or holds a character that is not a hex "
                                 "digit").format(offset=i))
        digits = re.sub(rb"[\x00\t\n\x0c\r ]", b"", m.group(1))
        return binascii.unhexlify(digits + b"0" * (len(digits) % 2)), m.end()
    if c in b")]>{}":
        token = ">>" if data.startswith(b">>", i) else chr(c)
        raise ContentError(_("unexpected '{token}' at byte {offset}").format(token=token, offset=i))
    m = REGULAR.match(data, i)
    tok = m.group()
    if NUMBER.fullmatch(tok):
        return (float(tok) if b"." in tok else int(tok)), m.end()
    if tok == b"true" or tok == b"false":
        return tok == b"true", m.end()
    if tok == b"null":
        return None, m.end()
    return Keyword(tok), m.end()


def _inline_image_end(data: bytes, start: int, settings: dict, at: int) -> int:
    """The offset after the 'EI' of an inline image whose data starts at ``start`` (ContentError if none)."""
    def get(*keys):
        for k in keys:
            if k in settings:
                return settings[k]
        return None

    length = get("/L", "/Length")
    if type(length) is not int and get("/F", "/Filter") is None:  # unfiltered: its size follows from its dictionary
        w, h, bpc = get("/W", "/Width"), get("/H", "/Height"), get("/BPC", "/BitsPerComponent")
        cs = get("/CS", "/ColorSpace")
        comps = 1 if get("/IM", "/ImageMask") is True else _INLINE_COMPONENTS.get(
            str(cs[0] if isinstance(cs, list) and cs else cs))
        if get("/IM", "/ImageMask") is True:
            bpc = 1
        if all(type(v) is int and v > 0 for v in (w, h, bpc, comps)):
            length = h * ((w * comps * bpc + 7) // 8)
    if type(length) is int and length >= 0:
        end = SKIP.match(data, start + length).end()
        if data.startswith(b"EI", end) and (end + 2 == len(data) or data[end + 2] in WHITE + b"()<>[]{}/%"):
            return end + 2
    for m in _INLINE_IMAGE_END.finditer(data, max(start - 1, 0)):
        after = SKIP.match(data, m.end()).end()
        if not _BINARY.search(data[after : after + 32]):  # what follows reads as operators, not image data
            return m.end()
    raise ContentError(_("the data of an inline image at byte {offset} has no end ('EI')").format(offset=at))


def parse_content(data: bytes, tick=None, max_ops: int = limits.MAX_DRAWING_OPS) -> tuple[list[tuple[list, bytes, int]],
                                                                                    str]:
    """The operations of a content stream, each (operands, operator, byte offset of the operator), and the
    problem that stopped the tokenizer ("" if none; the operations are those before it). It stops, without a
    problem, soon after ``max_ops`` operations: the caller refuses so many.

    An inline image is one operation: ([its dictionary], b"BI", offset of BI), its data skipped.
    """
    ops: list[tuple[list, bytes, int]] = []
    operands: list = []
    first = 0  # offset of the first pending operand
    n = len(data)
    i = 0
    try:
        while True:
            i = SKIP.match(data, i).end()
            if i >= n:
                break
            if len(ops) % 1000 == 999:
                if tick is not None:
                    tick()
                if len(ops) > max_ops:
                    return ops, ""
            at = i
            value, i = _content_object(data, i)
            if not isinstance(value, Keyword):
                if not operands:
                    first = at
                operands.append(value)
                continue
            if value == b"BI":
                items: list = []
                while True:
                    i = SKIP.match(data, i).end()
                    if i >= n:
                        raise ContentError(_("an inline image at byte {offset} has no 'ID'").format(offset=at))
                    item, i = _content_object(data, i, 1)
                    if isinstance(item, Keyword):
                        break
                    items.append(item)
                if item != b"ID":
                    raise ContentError(_("an inline image at byte {offset} has no 'ID'").format(offset=at))
                if len(items) % 2 or not all(isinstance(k, Name) for k in items[::2]):
                    raise ContentError(_("a dictionary at byte {offset} is not pairs of a name and a value").format(
                        offset=at))
                settings = dict(zip(items[::2], items[1::2]))
                i = _inline_image_end(data, i + 1, settings, at)  # one white-space byte after ID
                ops.append((operands + [settings], b"BI", at))
            else:
                ops.append((operands, bytes(value), at))
            operands = []
        if operands:
            raise ContentError(_("operands at byte {offset} are followed by no operator").format(offset=first))
    except ContentError as exc:
        return ops, str(exc)
    return ops, ""


# operand signatures: a regular expression over the operands' kinds (i integer, f real, N name, s string, a array,
# d dictionary), and what it asks for, for messages
_KIND = {int: "i", float: "f", Name: "N", bytes: "s", list: "a", dict: "d", bool: "b", type(None): "z"}
_OPERAND_SIGNATURES = {
    "": (r"", N_("no operands")),
    "1n": (r"n", N_("1 number")),
    "2n": (r"nn", N_("2 numbers")),
    "3n": (r"nnn", N_("3 numbers")),
    "4n": (r"nnnn", N_("4 numbers")),
    "6n": (r"n{6}", N_("6 numbers")),
    "int": (r"i", N_("an integer")),
    "name": (r"N", N_("a name")),
    "font": (r"Nn", N_("a font name and a size")),
    "str": (r"s", N_("a string")),
    "TJ": (r"a", N_("an array of strings and numbers")),
    "dash": (r"an", N_("an array of numbers and a number")),
    "quote": (r"nns", N_("2 numbers and a string")),
    "mark": (r"N[Nd]", N_("a tag name and a name or dictionary")),
    "sc": (r"n{1,32}", N_("1 to 32 numbers")),
    "scn": (r"n{1,32}N?|N", N_("up to 32 numbers and an optional pattern name, at least one of them")),
    "BI": (r"d", N_("no operands")),
}
_SIGNATURE_RE = {k: re.compile(p.replace("n", "[if]")) for k, (p, _msg) in _OPERAND_SIGNATURES.items()}
_OPERATORS = {  # PDF 1.7, Annex A
    **dict.fromkeys(("b", "B", "b*", "B*", "BT", "BX", "EMC", "ET", "EX", "f", "F", "f*", "h", "n", "q", "Q", "s",
                     "S", "T*", "W", "W*"), ""),
    **dict.fromkeys(("G", "g", "i", "M", "Tc", "TL", "Ts", "Tw", "Tz", "w"), "1n"),
    **dict.fromkeys(("d0", "l", "m", "Td", "TD"), "2n"),
    **dict.fromkeys(("RG", "rg"), "3n"),
    **dict.fromkeys(("K", "k", "re", "v", "y"), "4n"),
    **dict.fromkeys(("c", "cm", "d1", "Tm"), "6n"),
    **dict.fromkeys(("J", "j", "Tr"), "int"),
    **dict.fromkeys(("BMC", "CS", "cs", "Do", "gs", "MP", "ri", "sh"), "name"),
    **dict.fromkeys(("BDC", "DP"), "mark"),
    **dict.fromkeys(("SC", "sc"), "sc"),
    **dict.fromkeys(("SCN", "scn"), "scn"),
    "Tf": "font", "Tj": "str", "'": "str", '"': "quote", "TJ": "TJ", "d": "dash", "BI": "BI",
}
_OPERATORS = {k.encode(): v for k, v in _OPERATORS.items()}
_TEXT_ONLY = {b"Tj", b"TJ", b"'", b'"', b"Td", b"TD", b"Tm", b"T*"}  # showing and positioning text: inside BT..ET
_PAIRS = {b"q": b"Q", b"BT": b"ET", b"BX": b"EX", b"BMC": b"EMC", b"BDC": b"EMC"}  # what opens -> what closes
_OPENERS = {b"Q": b"q", b"ET": b"BT", b"EX": b"BX", b"EMC": b"BMC"}  # what closes -> what opens, for messages


def _show_operand(v) -> str:
    """An operand as a message quotes it."""
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "null"}[v]
    if type(v) is float:
        return f"{v:.10g}"
    if isinstance(v, bytes):
        return "(" + short(v.decode("latin-1"), 20) + ")"
    if isinstance(v, list):
        return "[…]"
    if isinstance(v, dict):
        return "<<…>>"
    return str(v)


def content_problem(ops: list[tuple[list, bytes, int]]) -> str:
    """The first problem of a tokenized content stream, or "": an unknown operator, operands that do not fit
    their operator, q/Q, BT/ET, BX/EX and marked content that do not pair up, text shown outside a text object.
    """
    opened: dict[bytes, list[tuple[int, bytes]]] = {close: [] for close in _OPENERS}  # by what closes them
    in_text = None  # offset of the BT of the open text object
    compat = 0  # inside BX..EX an unknown operator is ignored
    for operands, op, at in ops:
        sig = _OPERATORS.get(op)
        shown = op.decode("latin-1")
        if sig is None:
            if compat:
                continue
            return _("unknown operator '{op}' at byte {offset}").format(op=short(shown, 40), offset=at)
        kinds = "".join(_KIND.get(type(v), "?") for v in operands)
        ok = _SIGNATURE_RE[sig].fullmatch(kinds) is not None
        if ok and op == b"TJ":
            ok = all(type(v) in (bytes, int, float) for v in operands[0])
        elif ok and op == b"d":
            ok = all(type(v) in (int, float) for v in operands[0])
        if not ok:
            found = (ngettext("{n} operand ({operands})", "{n} operands ({operands})", len(operands)).format(
                n=len(operands), operands=short(" ".join(_show_operand(v) for v in operands), 60))
                if operands else _("no operands"))
            return _("'{op}' at byte {offset} takes {expected}, found {found}").format(
                op=shown, offset=at, expected=_(_OPERAND_SIGNATURES[sig][1]), found=found)
        if op == b"BT" and in_text is not None:
            return _("'BT' at byte {offset} opens a text object inside the one opened at byte {start}").format(
                offset=at, start=in_text)
        if op in _TEXT_ONLY and in_text is None:
            return _("text operator '{op}' at byte {offset} is outside a text object (BT … ET)").format(
                op=shown, offset=at)
        if op in _PAIRS:
            opened[_PAIRS[op]].append((at, op))
            if op == b"BT":
                in_text = at
            elif op == b"BX":
                compat += 1
        elif op in _OPENERS:
            if not opened[op]:
                return _("'{op}' at byte {offset} closes no '{open}'").format(
                    op=shown, offset=at, open=_OPENERS[op].decode())
            opened[op].pop()
            if op == b"ET":
                in_text = None
            elif op == b"EX":
                compat -= 1
    left = [starts[0] for starts in opened.values() if starts]
    if left:
        at, op = min(left)
        return _("'{op}' at byte {offset} is never closed by '{close}'").format(
            op=op.decode(), offset=at, close=_PAIRS[op].decode())
    return ""


# The common case, fast: a stream of numbers, names, strings without parentheses inside, hex strings and arrays of
# numbers and strings, each operation checked as content_problem checks it. Anything else (a dictionary, an inline
# image, a nested array, a keyword operand, a string with parentheses, a problem) goes to parse_content, which
# gives the same answer, slower, and the message.
_D = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
_W = rb"(?>(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*)"  # atomic: a comment is never cut short
_N = rb"[+-]?(?:\d+\.?\d*|\.\d+)(?![^" + _D + rb"])"
_S = rb"\((?:[^()\\]|\\[\s\S])*\)|<[0-9A-Fa-f\x00\t\n\x0c\r ]*>"
_FAST_TOKEN = re.compile(
    _W + rb"(?:(?P<f>[+-]?(?:\d+\.\d*|\.\d+))(?![^" + _D + rb"])"
    rb"|(?P<i>[+-]?\d+)(?![^" + _D + rb"])"
    rb"|(?P<N>/[^" + _D + rb"]*)"
    rb"|(?P<s>" + _S + rb")"
    rb"|(?P<a>\[(?:" + _W + rb"(?:" + _N + rb"|" + _S + rb"))*" + _W + rb"\])"
    rb"|(?P<op>[^" + _D + rb"]+))"
)
_PLACEHOLDER = {"f": 0.0, "i": 0, "s": b""}  # an operand's value does not matter here, only its kind
_NUMBERS, _MIXED = [0], [b""]  # arrays: of numbers only; with a string (the checks of 'd' and 'TJ' tell them apart)
_NOT_OPERATORS = {b"BI", b"ID", b"EI", b"true", b"false", b"null"}


def _fast_ops(data: bytes, tick=None, max_ops: int = limits.MAX_DRAWING_OPS) -> list | None:
    """The operations of a content stream of only simple tokens, as parse_content gives them but with stand-ins
    for operands other than names; None when it holds anything else."""
    ops: list = []
    operands: list = []
    pos = 0
    for m in _FAST_TOKEN.finditer(data):
        if m.start() != pos:  # a match further on: what is at pos is no token (unless only comments are left)
            break
        pos = m.end()
        kind = m.lastgroup
        if kind == "op":
            tok = m.group(kind)
            if tok in _NOT_OPERATORS:
                return None
            ops.append((operands, tok, m.start(kind)))
            operands = []
            if len(ops) % 1000 == 999:
                if tick is not None:
                    tick()
                if len(ops) > max_ops:
                    return ops
        elif kind == "N":
            raw = m.group(kind)[1:]
            if b"#" in raw:
                raw = NAME_ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), raw)
            operands.append(Name("/" + raw.decode("utf-8", "surrogateescape")))
        elif kind == "a":
            tok = m.group(kind)
            operands.append(_MIXED if b"(" in tok or b"<" in tok else _NUMBERS)
        else:
            operands.append(_PLACEHOLDER[kind])
    if operands or SKIP.match(data, pos).end() != len(data):
        return None
    return ops


def checked_ops(data: bytes, tick=None) -> tuple[list[tuple[list, bytes, int]], str]:
    """The operations of a content stream and its first problem ("" if none): parse_content, then
    content_problem, in a fraction of their time for a stream that has no problem and only simple tokens.

    The names among the operands are always as parse_content gives them; other
    operands may be stand-ins of their kind. More than MAX_DRAWING_OPS
    operations are returned unchecked: the caller refuses them.
    """
    ops = _fast_ops(data, tick)
    if ops is not None and (len(ops) > limits.MAX_DRAWING_OPS or not content_problem(ops)):
        return ops, ""
    ops, why = parse_content(data, tick)
    if len(ops) > limits.MAX_DRAWING_OPS:
        return ops, ""
    return ops, why or content_problem(ops)
