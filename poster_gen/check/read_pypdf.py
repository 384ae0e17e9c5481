"""A PDF read with pypdf, checked as it is read: its cross-reference table, every stream, its page tree.

pypdf reads any PDF, and quietly repairs what it can: what a print file should
not need repaired (a cross-reference entry that points elsewhere, a stream
that does not decode) is found here first. The full check reads every PDF so,
and the quick one each PDF that ``read_direct`` leaves.
"""

from __future__ import annotations

import contextlib
import io
import re

from poster_gen.check import limits
from poster_gen.check.fmt import fmt_num
from poster_gen.check.fonts import check_font_maps
from poster_gen.check.limits import Budget, Refused, pypdf_bounds
from poster_gen.check.objects import PdfDoc, page_leaves, resolve
from poster_gen.check.streams import stream_damage
from poster_gen.i18n import _


def _xref_damage(reader, data: bytes) -> str:
    """The problem of a broken cross-reference table, or "".

    pypdf quietly repairs one; a print file should not need that.
    """
    for gen, table in getattr(reader, "xref", {}).items():
        for num, offset in table.items():
            if num == 0 or offset is None:
                continue
            head = data[offset : offset + 32].lstrip(b"\r\n\t ")
            if not re.match(rb"%d\s+%d\s+obj" % (num, gen), head):
                return _("damaged PDF: the cross-reference entry of object {num} points elsewhere; render it "
                         "again").format(num=num)
    return ""


def object_numbers(reader) -> list[int]:
    """The numbers of the objects the cross-reference table lists, refusing a file with too many."""
    numbers: set[int] = set()
    for table in getattr(reader, "xref", {}).values():
        numbers.update(table)
        if len(numbers) > limits.MAX_PDF_OBJECTS:
            break
    numbers.update(getattr(reader, "xref_objStm", {}))
    numbers.discard(0)
    if len(numbers) > limits.MAX_PDF_OBJECTS:
        raise Refused(_("the PDF has more than {n} objects (the limit for one PDF; a poster-gen PDF has a few dozen); "
                        "render it again").format(n=fmt_num(limits.MAX_PDF_OBJECTS, ",")))
    return sorted(numbers)


def _pages(reader, budget: Budget) -> list:
    """The pages, after walking the page tree with bounds: no loops, not too deep, not too many pages."""
    page_leaves(resolve(reader.trailer["/Root"]).get("/Pages"), budget)
    return list(reader.pages)


def load(data: bytes, budget: Budget, stack: contextlib.ExitStack) -> PdfDoc:
    """The PDF in ``data`` read by pypdf (strict), every object parsed and every stream decoded, bounded.

    pypdf's own limits are set to ours until ``stack`` closes (it decodes
    content streams and extracts text later). A problem that stops the reading
    raises Refused; pypdf raises on damage.
    """
    from pypdf import PdfReader

    stack.enter_context(pypdf_bounds())
    reader = PdfReader(io.BytesIO(data), strict=True)
    numbers = object_numbers(reader)
    xref_bad = _xref_damage(reader, data)
    if xref_bad:
        raise Refused(xref_bad)
    all_objects: dict[int, object] = {}
    compressed = getattr(reader, "xref_objStm", {})
    # objects stored whole first: their streams (object streams among them) are checked before pypdf inflates any
    for num in sorted(numbers, key=lambda n: n in compressed):
        budget.tick()
        obj = reader.get_object(num)
        if obj is None:
            continue
        all_objects[num] = obj
        if hasattr(obj, "get_data"):  # every stream (content, fonts) must decode, completely
            why = stream_damage(obj, num, budget)
            if why:
                raise Refused(why)
    check_font_maps(all_objects, budget)
    pages = _pages(reader, budget)
    return PdfDoc(header=reader.pdf_header, trailer=reader.trailer, root=resolve(reader.trailer["/Root"]),
                  info=reader.metadata or {}, objects=all_objects, pages=pages,
                  contents=lambda page: page.get_contents(), parser="pypdf")
