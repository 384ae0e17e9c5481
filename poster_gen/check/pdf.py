"""PDF: one artwork's checks, in order, on the file as a parser read it.

A PDF whose /Keywords say ``document=`` (the order form) is a document, not an
artwork: it has its own checks (``document``), and what follows is an artwork's.

It parses whole; its page boxes are there and agree with the size it claims in
/Keywords (``boxes``); every font is embedded and subset and none is left unused
(``fonts``); every content stream (the page's and each form's it draws)
tokenizes and uses only PDF 1.7 operators with the operands they take, paired
(``content``); it paints only in the colour space asked for (``color``); a
PDF/X file carries its OutputIntent and identification keys (``pdfx``); it
claims an approved slogan of the campaign (``claims``) and, at the full
level, its page shows that slogan as whole lines (``text``).

The quick level reads a file with ``read_direct``, a bounded parser of the
plain PDFs poster-gen writes, and hands any other file to pypdf
(``read_pypdf``); the full level reads every file with pypdf. Either way
the bounds of ``limits`` hold, and reading stops after MAX_PDF_SECONDS.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from poster_gen.campaign import Campaign
from poster_gen.check import limits, read_direct, read_pypdf
from poster_gen.check.boxes import box_problems
from poster_gen.check.claims import parse_keywords, slogan_problems
from poster_gen.check.color import color_claim_problems, color_spaces
from poster_gen.check.document import document_problems
from poster_gen.check.fmt import fmt_num, short
from poster_gen.check.fonts import font_problems
from poster_gen.check.limits import Alarm, Budget, Refused, TimeUp
from poster_gen.check.model import Code, FileCheck, Problem
from poster_gen.check.pdfx import pdfx_problems
from poster_gen.check.text import text_problems
from poster_gen.i18n import _
from poster_gen.text import clean


def check_pdf(path: Path, data: bytes, campaign: Campaign | None, color: str | None,
              level: str = "full") -> FileCheck:
    """Preflight the PDF ``data`` read from ``path``: whatever it holds, a FileCheck."""
    problems: list[Problem] = []
    facts: dict = {"bytes": len(data)}

    def failed(why: str) -> FileCheck:
        return FileCheck(str(path), "pdf", (*problems, Problem(Code.READ, why)), facts=facts, level=level)

    alarm: Alarm | None = None
    try:
        with contextlib.ExitStack() as stack:
            alarm = Alarm(limits.MAX_PDF_SECONDS)
            stack.callback(alarm.cancel)
            return _checks(path, data, campaign, color, level, problems, facts, Budget(), stack)
    except TimeUp:
        if alarm is not None:
            alarm.cancel()  # in case it fired inside the first cancel
        return failed(_("reading it took more than {seconds} s (the limit for one PDF); it is not a file poster-gen "
                        "wrote, so render it again").format(seconds=fmt_num(limits.MAX_PDF_SECONDS, "g")))
    except Refused as exc:
        return failed(str(exc))
    except MemoryError:
        return failed(_("damaged PDF: reading it ran out of memory; render it again"))
    except Exception as exc:  # pypdf raises many types on damaged and hostile files
        return failed(_("damaged PDF ({error}); render it again").format(error=f"{type(exc).__name__}: {short(exc)}"))


def _checks(path: Path, data: bytes, campaign: Campaign | None, color: str | None, level: str,
            problems: list[Problem], facts: dict, budget: Budget, stack: contextlib.ExitStack) -> FileCheck:
    """The checks of one PDF. Limits raise Refused, a parser raises on damage; check_pdf turns both into problems."""
    def done(draft: bool = False) -> FileCheck:
        return FileCheck(str(path), "pdf", tuple(problems), draft=draft, facts=facts, level=level)

    if len(data) > limits.MAX_PDF_BYTES:
        raise Refused(_("the PDF is over the {limit} MB limit for a poster-gen PDF; check that it is the right "
                        "file").format(limit=fmt_num(limits.MAX_PDF_BYTES / limits.MB, ".0f")))
    if b"%%EOF" not in data[-2048:]:
        raise Refused(_("truncated: no %%EOF at the end (the file was cut short); render it again"))
    doc = None
    if level == "quick":
        try:
            doc = read_direct.load(data, budget)
        except (Refused, TimeUp, MemoryError):
            raise
        except Exception:  # noqa: BLE001 - not plain (NotPlain), or not as expected: pypdf reads it and says why
            doc = None
    if doc is None:
        doc = read_pypdf.load(data, budget, stack)
    info = doc.info
    kw = parse_keywords(str(info.get("/Keywords", "")))
    facts["version"] = doc.header.replace("%PDF-", "")
    if "document" in kw:  # not an artwork: the order form (``document``)
        problems += document_problems(doc, kw, facts, budget)
        return done()
    if len(doc.pages) != 1:
        raise Refused(_("has {n} pages; a poster-gen artwork has one").format(n=len(doc.pages)))
    page = doc.pages[0]
    subject = str(info.get("/Subject", ""))
    for k in ("unit", "slogan", "size", "design", "color"):
        if k in kw:
            facts[k] = kw[k]

    problems += box_problems(page, kw, facts)
    problems += font_problems([page], doc.objects, facts)
    outlined = kw.get("outline") == "yes"
    if outlined:  # --outline: text drawn as curves, no font may be left
        facts["outline"] = True
        if facts.get("fonts"):
            why = _("the file says its text is outlined, but it has fonts: {names}").format(
                names=", ".join(facts["fonts"]))
            problems.append(Problem(Code.FONTS, why))
    try:
        spaces, content = color_spaces(doc.contents(page), page.get("/Resources"), budget)
    except (Refused, MemoryError):  # the file fails as a whole (check_pdf)
        raise
    except Exception as exc:
        problems.append(Problem(Code.READ, _("cannot read the page's content ({error}); render it again").format(
            error=f"{type(exc).__name__}: {short(exc)}")))
        return done()
    facts["color_spaces"] = sorted(spaces)
    problems += content
    problems += color_claim_problems(spaces, kw, color)
    problems += pdfx_problems(doc, kw, spaces, facts)

    draft, slogan, sp = slogan_problems(kw, subject, campaign)
    problems += sp
    budget.tick()
    if outlined:  # no text on the page: the approved text is read from the metadata (Subject)
        if not subject.strip():
            why = _("the text is outlined and the Subject, which must carry it, is empty")
            problems.append(Problem(Code.TEXT, why))
        facts["lines"] = [clean(subject)] if subject.strip() else []
    elif level == "full":
        problems += text_problems(page, slogan, draft, subject, facts)
    return done(draft)
