"""The readable report and the JSON report of a list of FileCheck records."""

from __future__ import annotations

from poster_gen.check.document import DOCUMENT_NAMES
from poster_gen.check.fmt import fmt_mm, fmt_num
from poster_gen.check.model import FileCheck
from poster_gen.i18n import _, ngettext


def _describe(r: FileCheck) -> str:
    """What a file that passes is, in a few words: the list after its name in the report."""
    f = r.facts
    bits = [r.kind]
    if "document" in f:  # the order form: what it is, its pages
        name = DOCUMENT_NAMES.get(f["document"])
        bits.append(_(name) if name else str(f["document"]))
        if "pages" in f:
            bits.append(ngettext("{n} page", "{n} pages", f["pages"]).format(n=f["pages"]))
        if "page_mm" in f:
            bits.append(_("{width} x {height} mm").format(width=fmt_mm(f["page_mm"][0]),
                                                         height=fmt_mm(f["page_mm"][1])))
    if "size" in f:
        bits.append(str(f["size"]))
    if r.kind == "pdf" and "trim_mm" in f:
        w, h = f["trim_mm"]
        bits.append(_("{width} x {height} mm + {bleed} mm bleed").format(
            width=fmt_mm(w), height=fmt_mm(h), bleed=fmt_mm(f.get("bleed_mm", 0))))
    if r.kind == "png" and "width_px" in f:
        if "dpi" in f:
            bits.append(_("{width} x {height} px at {dpi} dpi").format(
                width=f["width_px"], height=f["height_px"], dpi=fmt_num(f['dpi'], "g")))
        else:
            bits.append(f"{f['width_px']} x {f['height_px']} px")
    if "color" in f:
        bits.append(str(f["color"]).upper())
    if f.get("pdfx"):
        bits.append(str(f["pdfx"]))
    if "slogan" in f:
        bits.append(_("slogan {id}").format(id=f["slogan"]))
    return ", ".join(bits)


def summary_line(results: list[FileCheck]) -> str:
    n = len(results)
    counts = {k: sum(r.status == k for r in results) for k in ("pass", "draft", "fail")}
    return ngettext("checked {n} file: {passed} passed, {draft} draft, {failed} failed",
                    "checked {n} files: {passed} passed, {draft} draft, {failed} failed", n).format(
        n=n, passed=counts["pass"], draft=counts["draft"], failed=counts["fail"])


def format_report(results: list[FileCheck], summary: bool = True) -> str:
    """One line per file that passes, one line per problem otherwise, and a summary.

    Each line is one whole message, so a translation can pad its status word to line up.
    """
    out = []
    for r in results:
        if r.errors:
            out += [_("FAIL  {file}: {problem}").format(file=r.path, problem=p.message) for p in r.errors]
        elif r.status == "draft":
            out.append(_("draft {file} ({description})").format(file=r.path, description=_describe(r)))
        else:
            out.append(_("ok    {file} ({description})").format(file=r.path, description=_describe(r)))
        out += [_("warn  {file}: {problem}").format(file=r.path, problem=p.message) for p in r.warnings]
    if summary:
        out.append(summary_line(results))
    return "\n".join(out)


def report_json(results: list[FileCheck]) -> dict:
    return {
        "files": [r.to_dict() for r in results],
        "passed": sum(r.status == "pass" for r in results),
        "draft": sum(r.status == "draft" for r in results),
        "failed": sum(r.status == "fail" for r in results),
    }
