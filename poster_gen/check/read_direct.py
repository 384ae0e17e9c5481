"""A direct reader of the plain PDFs poster-gen writes, for the quick check: a few dozen objects in a few ms.

A plain PDF has one classic cross-reference table at the ``startxref`` the
end of the file gives, a trailer without /Prev, /Encrypt or /XRefStm,
objects stored whole, one after another, streams with a direct /Length, and a
page whose /Contents is one stream. That is what ReportLab writes, and so
poster-gen.

Nothing is taken on trust. Every cross-reference entry must point at its own
``N G obj``; every object must parse whole and end in ``endobj`` before the
next one starts; every stream must end in ``endstream`` where its /Length
says and decode within the limits (``streams``); the page tree is walked with
the bounds pypdf's reading has. A file in any other form raises NotPlain and
is read by pypdf instead (``read_pypdf``), which says what is wrong with it.
"""

from __future__ import annotations

import re

from poster_gen.check import limits
from poster_gen.check.fonts import check_font_maps
from poster_gen.check.limits import Budget, Refused
from poster_gen.check.objects import PdfDoc, page_leaves
from poster_gen.check.streams import stream_damage
from poster_gen.check.tokens import (
    NAME_ESCAPE,
    STRING_ESCAPE,
    ContentError,
    Name,
    literal_string,
    unescape,
)
from poster_gen.i18n import _


class NotPlain(Exception):
    """The file is not in the plain form read here: pypdf reads it."""


class Ref:
    """An indirect reference: ``get_object()`` follows it (None if the table has no such object)."""

    __slots__ = ("_objects", "generation", "idnum")

    def __init__(self, idnum: int, generation: int, objects: dict) -> None:
        self.idnum, self.generation, self._objects = idnum, generation, objects

    def get_object(self):
        found = self._objects.get(self.idnum)
        return found[1] if found is not None and found[0] == self.generation else None

    def __repr__(self) -> str:
        return f"{self.idnum} {self.generation} R"


class PdfDict(dict):
    """A dictionary whose ``d[key]`` follows an indirect reference, as pypdf's does (``get`` does not)."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        return value.get_object() if type(value) is Ref else value


class Stream(PdfDict):
    """A stream: its dictionary, its bytes as stored (``_data``) and, once checked, decoded (``decoded``)."""

    _data: bytes = b""
    decoded: bytes | None = None
    num: int = 0

    def get_data(self) -> bytes:
        """The stream decoded: as kept when it was checked, or decoded again within the same limits."""
        if self.decoded is not None:
            return self.decoded
        why = stream_damage(self, self.num, Budget(), keep=limits.MAX_STREAM_BYTES)
        data, self.decoded = self.decoded, None  # not kept: it was larger than the checks keep
        if why or data is None:
            raise ValueError(why or _("stream {num} holds image data").format(num=self.num))
        return data


# one token of the file's syntax, after white space and comments. Names and keywords are printable ASCII (a name
# may hold other bytes as #xx); NUL, white space to PDF but not to pypdf, and other control bytes start nothing:
# a file with them outside its strings and streams is read by pypdf.
_REG = rb"[^\x00-\x20\x7f-\xff()<>\[\]{}/%]"  # a regular character
_TOKEN = re.compile(
    rb"(?>(?:[\t\n\x0c\r ]+|%[^\r\n]*)*)(?:"  # atomic: a comment is never cut short
    rb"(?P<ref>(\d+)[\t\n\x0c\r ]+(\d+)[\t\n\x0c\r ]+R)(?!" + _REG + rb")"
    rb"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))(?!" + _REG + rb")"
    rb"|(?P<name>/" + _REG + rb"*)"
    rb"|(?P<nums>\[(?:[\t\n\x0c\r ]*[+-]?(?:\d+\.?\d*|\.\d+)(?!" + _REG + rb"))*[\t\n\x0c\r ]*\])"
    rb"|(?P<open><<|\[)"
    rb"|(?P<close>>>|\])"
    rb"|(?P<str>\((?:[^()\\]|\\[\s\S])*\))"
    rb"|(?P<hex><[0-9A-Fa-f\t\n\x0c\r ]*>)"
    rb"|(?P<kw>" + _REG + rb"+)"
    rb"|(?P<paren>\())"  # a string with parentheses inside
)
_OCTAL_ONLY = re.compile(rb"(?:[^\\]|\\[0-3][0-7][0-7])*")  # where Python's escapes and PDF's agree
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_SPACE = re.compile(rb"[\t\n\x0c\r ]*")
_OBJ = re.compile(rb"[\t\n\x0c\r ]*(\d+)[\t\n\x0c\r ]+(\d+)[\t\n\x0c\r ]+obj(?!" + _REG + rb")")
_END_OBJ = re.compile(rb"(?>(?:[\t\n\x0c\r ]+|%[^\r\n]*)*)endobj(?!" + _REG + rb")")
_STREAM = re.compile(rb"(?>(?:[\t\n\x0c\r ]+|%[^\r\n]*)*)stream(?:\r\n|\n)")
_END_STREAM = re.compile(rb"(?:\r\n|\r|\n)?endstream(?!" + _REG + rb")")
_START_XREF = re.compile(rb"(?<=[\r\n])startxref(?:\r\n|\r|\n)(\d+)(?:\r\n|\r|\n)%%EOF(?:\r\n|\r|\n)?\Z")
_XREF = re.compile(rb"xref[ \t]*(?:\r\n|\n|\r)")
_SUBSECTION = re.compile(rb"(\d+) (\d+)[ \t]*(?:\r\n|\n|\r)")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")
_TRAILER = re.compile(rb"trailer(?!" + _REG + rb")")
_HEADER = re.compile(rb"%PDF-1\.[0-7][\r\n]")
MAX_NESTING = 32  # arrays and dictionaries inside one another in one object
MAX_BYTES = 8_000_000  # larger files are read by pypdf (poster-gen's PDFs are under 1 MB)

# PDFDocEncoding where it is not Latin-1 (PDF 1.7, Annex D)
_PDFDOC = dict(zip(range(0x18, 0x20), "˘ˇˆ˙˝˛˚˜")) | dict(zip(range(0x80, 0x9F), "•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž"))
_PDFDOC[0xA0] = "€"
_PDFDOC_TABLE = str.maketrans({chr(k): v for k, v in _PDFDOC.items()})


def text_string(raw: bytes) -> str:
    """A PDF text string: UTF-16BE or UTF-8 after their byte order mark, PDFDocEncoding otherwise."""
    try:
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be")
        if raw.startswith(b"\xef\xbb\xbf"):
            return raw[3:].decode("utf-8")
    except UnicodeDecodeError:
        pass  # bytes, such as a file identifier: as they are
    return raw.decode("latin-1").translate(_PDFDOC_TABLE)


class _Parse:
    """What parsing one file keeps: its objects (number -> (generation, object)), its names, made once each,
    and every reference made, to check that each points at an object."""

    __slots__ = ("names", "objects", "refs")

    def __init__(self) -> None:
        self.objects: dict[int, tuple[int, object]] = {}
        self.names: dict[bytes, Name] = {}
        self.refs: list[Ref] = []


def _value(data: bytes, pos: int, parse: _Parse):
    """(the object at ``pos``, the offset after it); NotPlain when what is there is not a whole object."""
    names = parse.names
    stack: list[list] = []  # open arrays and dictionaries: [is_dict, items]
    while True:
        m = _TOKEN.match(data, pos)
        if m is None:
            raise NotPlain
        kind = m.lastgroup
        pos = m.end()
        if kind == "name":
            raw = m.group(kind)
            value = names.get(raw)
            if value is None:
                name = NAME_ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), raw[1:]) if b"#" in raw else raw[1:]
                value = names[raw] = Name("/" + name.decode("utf-8", "surrogateescape"))
        elif kind == "ref":  # "num gen R": in an array, or as a dictionary's value
            num, gen = int(m.group(2)), int(m.group(3))
            if not stack or num < 1 or (stack[-1][0] and len(stack[-1][1]) % 2 == 0):
                raise NotPlain
            value = Ref(num, gen, parse.objects)
            parse.refs.append(value)
        elif kind == "num":
            tok = m.group(kind)
            value = float(tok) if b"." in tok else int(tok)
        elif kind == "nums":  # an array of numbers (boxes, widths): at once
            value = [float(n) if b"." in n else int(n) for n in _NUMBER.findall(m.group(kind))]
        elif kind == "open":
            if len(stack) >= MAX_NESTING:
                raise NotPlain
            stack.append([m.group(kind) == b"<<", []])
            continue
        elif kind == "close":
            if not stack or stack[-1][0] != (m.group(kind) == b">>"):
                raise NotPlain
            is_dict, items = stack.pop()
            if is_dict:
                keys = items[::2]
                if len(items) % 2 or set(map(type, keys)) - {Name} or len(set(keys)) != len(keys):
                    raise NotPlain
                value = PdfDict(zip(keys, items[1::2]))
            else:
                value = items
        elif kind == "str":
            body = m.group(kind)[1:-1]
            if b"\\" in body:  # escapes: octal ones only (text in UTF-16) decode at once, others one by one
                body = (body.decode("unicode_escape").encode("latin-1") if _OCTAL_ONLY.fullmatch(body) else
                        STRING_ESCAPE.sub(unescape, body))
            value = text_string(body)
        elif kind == "hex":
            digits = re.sub(rb"[\t\n\x0c\r ]", b"", m.group(kind)[1:-1])
            value = text_string(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
        elif kind == "paren":
            try:
                raw, pos = literal_string(data, m.start(kind))
            except ContentError:
                raise NotPlain from None
            value = text_string(raw)
        else:
            tok = m.group(kind)
            if tok == b"true" or tok == b"false":
                value = tok == b"true"
            elif tok == b"null":
                value = None
            else:
                raise NotPlain
        if not stack:
            return value, pos
        stack[-1][1].append(value)


def _xref(data: bytes) -> tuple[dict[int, tuple[int, int]], PdfDict, _Parse]:
    """The cross-reference table's objects in use (number -> (generation, offset)) and the trailer."""
    m = _START_XREF.search(data, max(len(data) - 1024, 0))
    if m is None:
        raise NotPlain
    at = int(m.group(1))
    x = _XREF.match(data, at)
    if x is None or data[at - 1 : at] not in (b"\r", b"\n"):
        raise NotPlain
    pos = x.end()
    entries: dict[int, tuple[int, int]] = {}
    seen = 0
    while True:
        s = _SUBSECTION.match(data, pos)
        if s is None:
            break
        first, count = int(s.group(1)), int(s.group(2))
        seen += count
        if seen > limits.MAX_PDF_OBJECTS:
            raise NotPlain  # pypdf refuses it, with the limit
        pos = s.end()
        for i in range(count):
            e = _ENTRY.match(data, pos)
            if e is None:
                raise NotPlain
            pos = e.end()
            num = first + i
            if e.group(3) == b"n":
                if num == 0 or num in entries:
                    raise NotPlain
                entries[num] = (int(e.group(2)), int(e.group(1)))
    t = _TRAILER.match(data, _SPACE.match(data, pos).end())
    if t is None:
        raise NotPlain
    parse = _Parse()
    trailer, _end = _value(data, t.end(), parse)
    if type(trailer) is not PdfDict or any(k in trailer for k in ("/Prev", "/Encrypt", "/XRefStm")):
        raise NotPlain
    if type(trailer.get("/Root")) is not Ref or type(trailer.get("/Size")) is not int:
        raise NotPlain
    return entries, trailer, parse


def load(data: bytes, budget: Budget) -> PdfDoc:
    """The plain PDF in ``data``, every object parsed and every stream decoded within the limits.

    NotPlain when it is not plain; Refused when it is beyond a limit or a
    stream does not decode (as read_pypdf would say).
    """
    if len(data) > MAX_BYTES or not _HEADER.match(data):
        raise NotPlain
    entries, trailer, parse = _xref(data)
    objects = parse.objects
    # objects one after another: each parsed once, none inside another
    order = sorted(entries.items(), key=lambda item: item[1][1])
    for i, (num, (gen, offset)) in enumerate(order):
        budget.tick()
        bound = order[i + 1][1][1] if i + 1 < len(order) else len(data)
        m = _OBJ.match(data, offset)
        if m is None or int(m.group(1)) != num or int(m.group(2)) != gen:
            raise NotPlain
        value, pos = _value(data, m.end(), parse)
        s = _STREAM.match(data, pos)
        if s is not None:
            length = value.get("/Length") if type(value) is PdfDict else None
            if type(length) is not int or length < 0 or s.end() + length > bound:
                raise NotPlain
            stream = Stream(value)
            stream._data = data[s.end() : s.end() + length]
            stream.num = num
            value = stream
            e = _END_STREAM.match(data, s.end() + length)
            if e is None:
                raise NotPlain
            pos = e.end()
        e = _END_OBJ.match(data, pos)
        if e is None or e.end() > bound:
            raise NotPlain
        objects[num] = (gen, value)
    if any(ref.get_object() is None for ref in parse.refs):
        raise NotPlain  # a reference to no object: pypdf (strict) says which
    all_objects = {num: objects[num][1] for num in sorted(objects)}
    for num, obj in all_objects.items():  # every stream decodes, completely
        if type(obj) is Stream:
            budget.tick()
            why = stream_damage(obj, num, budget, keep=limits.MAX_CONTENT_BYTES)
            if why:
                raise Refused(why)
    check_font_maps(all_objects, budget)
    root = trailer["/Root"]
    if type(root) is not PdfDict:
        raise NotPlain
    pages = []
    nodes: list = []
    for leaf, inherited in page_leaves(root.get("/Pages"), budget, nodes):
        if type(leaf) is not PdfDict or leaf.get("/Type") != "/Page":
            raise NotPlain
        page = PdfDict(inherited)
        page.update(leaf)
        pages.append(page)
        contents = page.get("/Contents")
        if contents is not None and (type(contents) is not Ref or type(contents.get_object()) is not Stream):
            raise NotPlain  # an array of streams, or a damaged page: pypdf reads it
    if any(type(node) is not PdfDict or node.get("/Type") != "/Pages" for node in nodes):
        raise NotPlain  # a page tree pypdf would read otherwise
    info = trailer.get("/Info")
    info = info.get_object() if type(info) is Ref else info
    if info is not None and type(info) is not PdfDict:
        raise NotPlain
    info = PdfDict({k: (v.get_object() if type(v) is Ref else v) for k, v in (info or {}).items()})
    return PdfDoc(header=data[:8].decode("latin-1"), trailer=trailer, root=root, info=info, objects=all_objects,
                  pages=pages, contents=_contents, parser="direct")


def _contents(page: PdfDict):
    """The page's content stream (a plain page has one), or None."""
    ref = page.get("/Contents")
    return None if ref is None else ref.get_object()
