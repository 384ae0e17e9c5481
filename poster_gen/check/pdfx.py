"""PDF/X: the OutputIntent, its profile and the identification keys a PDF/X file must carry."""

from __future__ import annotations

import struct
from collections import Counter

from poster_gen.check.color import CMYK_SPACES
from poster_gen.check.fmt import short
from poster_gen.check.model import Code, Problem
from poster_gen.check.objects import PdfDoc, resolve
from poster_gen.i18n import _


def _icc_damage(stream) -> str:
    """The problem of an embedded output profile unusable for a CMYK file, or ""."""
    try:
        data = stream.get_data()
    except Exception as exc:
        return _("the output intent's ICC profile does not decode ({error})").format(error=type(exc).__name__)
    if len(data) < 128 or data[36:40] != b"acsp":
        return _("the output intent's ICC profile is not an ICC profile")
    if struct.unpack(">I", data[:4])[0] != len(data):
        return _("the output intent's ICC profile is cut short")
    if data[16:20] != b"CMYK":
        return _("the output intent's ICC profile describes {space}, not CMYK").format(
            space=short(data[16:20].decode("latin-1"), 8))
    if data[12:16] != b"prtr":
        return _("the output intent's ICC profile is not an output (printer) profile")
    return ""


def pdfx_problems(doc: PdfDoc, kw: dict, spaces: Counter, facts: dict) -> list[Problem]:
    """The problems of a file that is, or says it is, PDF/X (``pdfx=`` in /Keywords, or GTS_PDFXVersion)."""
    info = doc.info
    version = str(info.get("/GTS_PDFXVersion", "") or "")
    if not version and "pdfx" not in kw:
        return []
    problems = []
    facts["pdfx"] = version or None
    if not version:
        problems.append(Problem(Code.PDFX, _("the file says pdfx but has no GTS_PDFXVersion in its information")))
    root = doc.root
    intents = [resolve(i) for i in (resolve(root.get("/OutputIntents")) or [])]
    gts = [i for i in intents if str(i.get("/S")) == "/GTS_PDFX"]
    if not gts:
        problems.append(Problem(Code.PDFX, _("PDF/X needs an OutputIntent with /S /GTS_PDFX; there is none")))
    else:
        oi = gts[0]
        facts["output_condition"] = str(oi.get("/OutputConditionIdentifier", ""))
        if not oi.get("/OutputConditionIdentifier"):
            problems.append(Problem(Code.PDFX, _("the OutputIntent has no OutputConditionIdentifier")))
        if "/DestOutputProfile" in oi:
            why = _icc_damage(resolve(oi["/DestOutputProfile"]))
            facts["output_profile"] = "embedded" if not why else "damaged"
            if why:
                problems.append(Problem(Code.PDFX, why))
        elif not oi.get("/RegistryName"):
            why = _("the OutputIntent has neither a profile nor a registered condition")
            problems.append(Problem(Code.PDFX, why))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        problems.append(Problem(Code.PDFX, _("PDF/X needs /Trapped True or False in the document information")))
    if version.startswith("PDF/X-1"):
        bad = sorted(s for s in spaces if s not in CMYK_SPACES | {"DeviceGray"})
        if bad:
            why = _("PDF/X-1a allows CMYK, gray and spot colours only; it uses {spaces}").format(spaces=", ".join(bad))
            problems.append(Problem(Code.PDFX, why))
        if version == "PDF/X-1:2001" and doc.header > "%PDF-1.3":
            why = _("PDF/X-1a:2001 needs PDF 1.3; the file is {version}").format(version=doc.header[1:])
            problems.append(Problem(Code.PDFX, why))
    if "/ID" not in doc.trailer:
        problems.append(Problem(Code.PDFX, _("PDF/X needs a file identifier (/ID) in the trailer")))
    return problems
