"""Documents: the PDFs poster-gen writes that are not artworks, such as the order form (``poster-gen order``).

A document says what it is in /Keywords (``document=order``) and the size of
its pages (``page_mm=210x297``). It is checked as a file handed to an office
printer, not to a print shop: any number of pages up to MAX_PDF_PAGES, each
page's MediaBox the size it claims and no print boxes (``boxes``); every font
embedded and subset, a font used on any page counting as used (``fonts``);
every page's content streams tokenized and their operators checked, and the
colour spaces of all pages together against its colour claim (``color``).
There is no slogan to claim and no text to compare.

A document claim does not let an artwork skip its checks: a file that claims
to be a document and makes an artwork's claims (``size=``, ``slogan=``,
``trim_mm=`` ...) fails, as does a document page with a TrimBox or BleedBox,
and an unknown kind of document.
"""

from __future__ import annotations

from collections import Counter

from poster_gen.check import limits
from poster_gen.check.boxes import document_box_problems
from poster_gen.check.color import color_claim_problems, color_spaces
from poster_gen.check.fmt import short
from poster_gen.check.fonts import font_problems
from poster_gen.check.limits import Budget, Refused
from poster_gen.check.model import Code, Problem
from poster_gen.check.objects import PdfDoc
from poster_gen.check.pdfx import pdfx_problems
from poster_gen.i18n import N_, _

DOCUMENT_KINDS = ("order",)  # the values of ``document=`` poster-gen writes
DOCUMENT_NAMES = {"order": N_("order form")}  # what each is called in the report
# the claims only an artwork makes: a file with one of them is an artwork, whatever else it says
ARTWORK_KEYS = ("unit", "slogan", "size", "design", "hem_mm", "trim_mm", "bleed_mm", "marks", "pdfx", "outline",
                "scale")


def document_problems(doc: PdfDoc, kw: dict[str, str], facts: dict, budget: Budget) -> list[Problem]:
    """The checks of a PDF that claims to be a document (``document=`` in its /Keywords ``kw``).

    The colour mode asked for on the command line is an artwork's: a document is checked against its own claim.
    """
    kind = kw["document"]
    facts["document"] = kind
    facts["pages"] = len(doc.pages)
    if kind not in DOCUMENT_KINDS:
        why = _("claims to be a document of kind '{kind}' (document= in /Keywords), which poster-gen does not "
                "write (it writes: {kinds}); check that it is the right file")
        return [Problem(Code.METADATA, why.format(kind=short(kind, 40), kinds=", ".join(DOCUMENT_KINDS)))]
    problems = []
    both = [k for k in ARTWORK_KEYS if k in kw]
    if both:
        why = _("claims to be both a document (document={kind}) and an artwork ({keys} in /Keywords); render it "
                "again with poster-gen")
        problems.append(Problem(Code.METADATA, why.format(kind=kind, keys=", ".join(f"{k}=" for k in both))))
    if "color" in kw:
        facts["color"] = kw["color"]
    if not doc.pages:
        problems.append(Problem(Code.READ, _("has no pages; render it again")))
        return problems
    problems += document_box_problems(doc.pages, kw, facts)
    problems += font_problems(doc.pages, doc.objects, facts)
    spaces: Counter = Counter()
    content: list[Problem] = []
    unread = False
    for n, page in enumerate(doc.pages, start=1):
        budget.tick()
        try:
            found, bad = color_spaces(doc.contents(page), page.get("/Resources"), budget, page_no=n)
        except (Refused, MemoryError):  # the file fails as a whole (check_pdf)
            raise
        except Exception as exc:  # noqa: BLE001 - a parser raises many types on a damaged page: that page fails
            why = _("cannot read the content of page {n} ({error}); render it again")
            problems.append(Problem(Code.READ, why.format(n=n, error=f"{type(exc).__name__}: {short(exc)}")))
            unread = True
            continue
        spaces.update(found)
        content += bad
    facts["color_spaces"] = sorted(spaces)
    problems += content[: limits.MAX_CONTENT_PROBLEMS]
    if not unread:  # what it paints in is known only when every page was read
        problems += color_claim_problems(spaces, kw, None)
    problems += pdfx_problems(doc, kw, spaces, facts)
    return problems
