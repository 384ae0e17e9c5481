"""A PDF as the checks see it, whichever parser read it: plain Python values, and references to follow.

pypdf's objects are Python values already (a dictionary is a dict with "/Name"
keys, an array a list, a name a str); ``read_direct`` makes the same kinds.
An indirect reference has ``get_object()`` and ``idnum``; a stream is a dict
with ``get_data()`` (decoded) and ``_data`` (as stored).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from poster_gen.check import limits
from poster_gen.check.limits import Budget, Refused
from poster_gen.i18n import _

INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")  # what a page takes from the page tree above it


def resolve(obj):
    """An indirect reference followed to its object; any other value as it is."""
    return obj.get_object() if hasattr(obj, "get_object") else obj


@dataclass(frozen=True)
class PdfDoc:
    """One PDF, read whole: its objects (streams decoded and bounded) and its pages."""

    header: str  # "%PDF-1.4"
    trailer: dict
    root: dict  # the catalog
    info: dict  # the document information (/Keywords, /Subject, ...), {} if none
    objects: dict  # object number -> object, every one the cross-reference table lists
    pages: list  # the pages' dictionaries, inherited attributes in place
    contents: Callable  # page -> its content stream (with get_data()), or None
    parser: str  # "pypdf" | "direct": which read it


def page_leaves(pages, budget: Budget, nodes: list | None = None) -> list[tuple[object, dict]]:
    """The page tree under ``pages`` walked with bounds (no loops, not too deep, not too many pages): each page's
    node, in the document's order (depth first, each node's /Kids in order), and what it inherits from the nodes
    above it (``INHERITED``). Refused beyond a bound. The nodes between go to ``nodes``, if given."""
    todo = [(pages, 0, {})]
    seen: set[int] = set()
    leaves = []
    while todo:
        budget.tick()
        ref, depth, inherited = todo.pop()
        num = getattr(ref, "idnum", None)
        if num is not None:
            if num in seen:
                raise Refused(_("damaged PDF: its page tree reaches object {num} twice (a loop); render it "
                                "again").format(num=num))
            seen.add(num)
        if depth > limits.MAX_PAGE_TREE_DEPTH:
            raise Refused(_("damaged PDF: its page tree is more than {n} levels deep; render it again").format(
                n=limits.MAX_PAGE_TREE_DEPTH))
        node = resolve(ref)
        kids = resolve(node.get("/Kids")) if "/Kids" in node else None
        if kids is None:
            leaves.append((node, inherited))
            if len(leaves) > limits.MAX_PDF_PAGES:
                raise Refused(_("has more than {n} pages, the limit for one PDF (a poster-gen artwork has one page, "
                                "an order form a few); check that it is the right file").format(
                    n=limits.MAX_PDF_PAGES))
        else:
            if nodes is not None:
                nodes.append(node)
            below = inherited | {k: node[k] for k in INHERITED if k in node}
            # the last kid first on the stack, so the first is taken next: pages in the order of /Kids
            todo += [(k, depth + 1, below) for k in reversed(kids)]
    return leaves
